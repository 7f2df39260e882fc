/*
 * extract.c — see extract.h. One table, ex_rules[], holds each pattern with the function that
 * validates and normalises a match; the rules run in order and the earlier kinds (URLs, then
 * phones, then plates) mask their spans so a later kind cannot read the same digits again: the
 * digits of zalo.me/0912345678 are a URL, not a phone; 0703.456.219 is a phone, not money.
 *
 * The patterns find candidates generously and the C code decides (a phone candidate is split
 * into its digit groups and, from each group on, the longest run of groups that is a number one
 * can dial wins), which keeps the regular expressions readable. Tried and rejected: one pattern per
 * phone layout — residents group digits in every possible way (0978 456 123, 0978.456.123, 09 78 45
 * 61 23). Money, the largest part, is in text/extract_money.c. After the patterns, the text is
 * cut into words once (text/extract_words.c) and the place and the time are read over them
 * (text/extract_place.c, text/extract_when.c) — tried and rejected: one regex each for them,
 * which gave fragments ("toi nao cung", "hem 12" without its street) glued with ", ". What the
 * files share is in text/extract_impl.h.
 */
#include "text/extract_impl.h"

#include "base/textnorm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ex_kind { EX_URL, EX_PHONE, EX_PLATE, EX_MONEY, EX_MONEY_WORD, EX_MONEY_BARE, EX_KINDS };
/* EX_OVEC: ovector pairs, the match and the seven groups of the money pattern (extract_money.c). */
enum { EX_MAX_GROUPS = 16, EX_OVEC = 8, EX_TEXT_MAX = 4096, EX_DIACRITICS_MIN = 3 };

struct extract {
    struct rx re[EX_KINDS];
    struct ex_lexicon *lex; /* the words of places and times (extract_words.c) */
};

/* ---- the patterns ------------------------------------------------------------------------ */

#define EX_URL_RE                                                                                  \
    "(?i)(?<![\\p{L}\\p{N}@.\\-/_])(?:(?:https?://|www\\.)[^\\s<>\"'`]+"                           \
    "|(?:[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?\\.)+"                                              \
    "(?:com|vn|net|org|info|vip|me|io|co|biz|xyz|top|shop|online|site|club|app|link|live|store"    \
    "|tk|cc|ly|gl|to|tv|asia|pro|win|bet|fun|icu|cn|ru|us|uk|ai|dev|page|cloud|space|website"      \
    "|tech|gov|edu|ml|ga|cf|gq|sbs|cfd|click|today|news|life|world|mobi|ws|la|kh|hk|sg|fr|de"      \
    "|cx|work|buzz|pw|su|gle|id|ph|th|jp|kr|tw|in|eu|ca|au|zone|group|bid|blog|games|lol|plus|fyi" \
    "|vin|cam|rest|bar|men|host|press|digital|agency|red|one|vc|gg|ink|best|sale|shopping|market"  \
    "|me)(?![\\p{L}\\p{N}\\-])(?::\\d{1,5})?(?:[/?#][^\\s<>\"'`]*)?)"

#define EX_PHONE_RE                                                                                \
    "(?<![\\p{L}\\p{N}.,+_\\-])(?<![\\p{L}_\\-.]/)\\(?\\+?\\(?\\d(?:[ .\\-()/]{0,3}\\d){6,}"       \
    "(?![\\p{L}\\p{N}])"

/* Province (two digits), series (a letter, then a letter or a digit, then a digit: A, H1, LD,
 * MD1), then the number: 123.45, 04 567 (a grouping residents also type) or four digits (old
 * plates, 29K-6218). */
#define EX_PLATE_RE                                                                                \
    "(?<![\\p{L}\\p{N}.,/\\-])([1-9]\\d)[ .\\-]{0,2}([A-Za-z](?:[A-Za-z]\\d?|\\d)?)[ .\\-]{0,3}"   \
    "(\\d{3}[ .]?\\d{2}|\\d{2}[ .]\\d{3}|\\d{4})(?![\\p{L}\\p{N}]|[.,]\\d)"

static size_t ex_on_url(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_phone(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_plate(struct ex_ctx *c, const PCRE2_SIZE *ov);

/* What a text must contain for a rule to be worth running (a cheap scan before the pattern). */
enum ex_needs { EX_ANY, EX_DIGIT, EX_DOT_LETTER, EX_UNIT_WORD };

static const struct ex_rule {
    enum ex_kind kind;
    const char *name;
    const char *re;
    ex_handler on_match;
    bool masked; /* skip matches overlapping what an earlier kind took */
    enum ex_needs needs;
} ex_rules[EX_KINDS] = {
    {EX_URL, "url", EX_URL_RE, ex_on_url, false, EX_DOT_LETTER},
    {EX_PHONE, "phone", EX_PHONE_RE, ex_on_phone, true, EX_DIGIT},
    {EX_PLATE, "plate", EX_PLATE_RE, ex_on_plate, true, EX_DIGIT},
    {EX_MONEY, "money", extract__money_re, extract__on_money, true, EX_DIGIT},
    {EX_MONEY_WORD, "money_word", extract__money_word_re, extract__on_money_word, true,
     EX_UNIT_WORD},
    {EX_MONEY_BARE, "money_bare", extract__money_bare_re, extract__on_money_bare, true, EX_DIGIT},
};

/* ---- helpers ----------------------------------------------------------------------------- */

static bool ex_has(char (*items)[EXTRACT_URL_MAX], size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], s) == 0)
            return true;
    return false;
}

/* ---- URLs -------------------------------------------------------------------------------- */

/* Short top-level domains that are also Vietnamese words without diacritics ("rồi.có",
 * "là.me"): a bare domain ending in one of them counts only with a path (t.me/abc). */
static bool ex_risky_tld(const char *host, size_t n)
{
    static const char *const risky[] = {"co", "la", "me", "to", "tv", "ai", "us", "cc", NULL};
    const char *dot = NULL;
    for (size_t i = 0; i < n; i++)
        if (host[i] == '.')
            dot = host + i;
    if (!dot)
        return false;
    size_t tl = (size_t)(host + n - dot - 1);
    for (int i = 0; risky[i]; i++)
        if (strlen(risky[i]) == tl && strncasecmp(dot + 1, risky[i], tl) == 0)
            return true;
    return false;
}

/* A host of one plain word and its ending ("roi.co"): what a sentence typed without a space
 * looks like. More labels, figures or hyphens ("dichvucong-gov.vn.cc") make it a domain. */
static bool ex_plain_host(const char *host, size_t n)
{
    size_t dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (host[i] == '.')
            dots++;
        else if (!((host[i] | 0x20) >= 'a' && (host[i] | 0x20) <= 'z'))
            return false;
    }
    return dots <= 1;
}

/* Where a URL really ends: sentence punctuation, closing brackets and quotes typed right after
 * it ("xem tại abc.vn/x).", "link: t.me/abc…", "„abc.com”") are not part of it. A closing
 * bracket stays when the URL opened one. */
static size_t ex_url_trim(const char *t, size_t s, size_t e)
{
    static const char *const marks[] = {"\xE2\x80\xA6",
                                        "\xE2\x80\x9D",
                                        "\xE2\x80\x99",
                                        "\xE3\x80\x82",
                                        "\xEF\xBC\x89",
                                        "\xC2\xBB",
                                        NULL}; /* … ” ’ 。 ） » */
    for (bool cut = true; cut && e > s;) {
        cut = false;
        char ch = t[e - 1];
        if (ch == ')' && memchr(t + s, '(', e - s)) {
            break;
        } else if (strchr(".,;:!?)]}'\"", ch)) {
            e--, cut = true;
            continue;
        }
        for (int k = 0; marks[k] && !cut; k++) {
            size_t n = strlen(marks[k]);
            if (e - s > n && memcmp(t + e - n, marks[k], n) == 0)
                e -= n, cut = true;
        }
    }
    return e;
}

static size_t ex_on_url(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    size_t s = ov[0], e = ov[1];
    e = ex_url_trim(t, s, e);
    bool scheme = strncasecmp(t + s, "http", 4) == 0 || strncasecmp(t + s, "www.", 4) == 0;
    size_t host = strcspn(t + s, "/?#:");
    if (host > e - s)
        host = e - s;
    if (!scheme) {
        /* a sentence typed without a space after its full stop: "bị trộm.Có" */
        const char *last = t + s + host;
        while (last > t + s && last[-1] != '.')
            last--;
        if (last < t + s + host && *last >= 'A' && *last <= 'Z')
            return ov[1];
        if (host == e - s && ex_risky_tld(t + s, host) && ex_plain_host(t + s, host))
            return ov[1];
    }
    struct extract_result *o = c->out;
    if (o->nurls >= EXTRACT_MAX_ITEMS)
        return ov[1];
    char *dst = o->urls[o->nurls];
    if (extract__copy_nfc(c, s, e, dst, EXTRACT_URL_MAX, true, true) == 0)
        return ov[1];
    if (!ex_has(o->urls, o->nurls, dst))
        o->nurls++;
    extract__mask(c, s, e);
    return ov[1];
}

/* ---- phones ------------------------------------------------------------------------------ */

/* What a run of digits is when one dials it. Only mobiles are reported (shared/data/README.md:
 * "10 digits starting with 0"); landlines (0 + 10 digits since 2017) and 1800/1900 service
 * numbers are recognised all the same, so that their digits are masked and no later rule reads
 * them as an amount or a plate. */
enum ex_number { EX_NUM_NONE, EX_NUM_MOBILE, EX_NUM_OTHER };

/* Classifies the digits d[0..n) and, for a mobile, writes its national form (0 + 9 digits) to
 * out. */
static enum ex_number ex_phone_norm(const char *d, size_t n, char out[EXTRACT_PHONE_MAX])
{
    if (n >= 8 && (strncmp(d, "1800", 4) == 0 || strncmp(d, "1900", 4) == 0))
        return n == 8 || n == 10 ? EX_NUM_OTHER : EX_NUM_NONE;
    if (n >= 11 && d[0] == '8' && d[1] == '4') {
        d += 2, n -= 2;
        if (d[0] == '0') /* +84 (0) 912 … */
            d++, n--;
    } else if (d[0] == '0') {
        d++, n--;
    } else {
        return EX_NUM_NONE;
    }
    if (n == 10 && d[0] == '2')
        return EX_NUM_OTHER;
    if (n != 9 || !strchr("35789", d[0]))
        return EX_NUM_NONE;
    out[0] = '0';
    memcpy(out + 1, d, n);
    out[n + 1] = '\0';
    return EX_NUM_MOBILE;
}

/* A bank account or identity number written right after its name is not a phone. */
static bool ex_phone_excluded(const struct ex_ctx *c, size_t s)
{
    static const char *const before[] = {"stk",  "so tk",    "so tai khoan", "tai khoan ngan hang",
                                         "cccd", "can cuoc", "cmnd",         "ma so",
                                         NULL};
    size_t from = s > 24 ? s - 24 : 0;
    char win[32];
    size_t n = s - from;
    memcpy(win, c->in->strip + from, n);
    win[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (win[i] >= 'A' && win[i] <= 'Z')
            win[i] = (char)(win[i] + 32);
    for (int i = 0; before[i]; i++) {
        const char *hit = strstr(win, before[i]);
        /* only when nothing but separators lies between the name and the number */
        if (hit && strspn(hit + strlen(before[i]), " :.-") == strlen(hit + strlen(before[i])))
            return true;
    }
    return false;
}

static void ex_phone_add(struct extract_result *o, const char *norm)
{
    for (size_t i = 0; i < o->nphones; i++)
        if (strcmp(o->phones[i], norm) == 0)
            return;
    if (o->nphones < EXTRACT_MAX_ITEMS)
        memcpy(o->phones[o->nphones++], norm, EXTRACT_PHONE_MAX);
}

/* A candidate is cut into its digit groups; from the first group on, the longest run of groups
 * that is a number one can dial is taken, and the search goes on with the group after it, so
 * that two numbers joined by a separator ("0912345678-0987654321", "…678/098…") are both
 * found. A group that starts no number is skipped. */
static size_t ex_on_phone(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    size_t gstart[EX_MAX_GROUPS], gend[EX_MAX_GROUPS], cut[EX_MAX_GROUPS], ng = 0, nd = 0;
    char digits[EX_MAX_GROUPS * 16];
    size_t resume = ov[1]; /* a candidate with more groups than fit goes on from the first left */
    for (size_t i = ov[0]; i < ov[1]; i++) {
        if (t[i] < '0' || t[i] > '9')
            continue;
        size_t e = i;
        while (e < ov[1] && t[e] >= '0' && t[e] <= '9')
            e++;
        if (ng == EX_MAX_GROUPS || nd + (e - i) > sizeof digits) {
            resume = i;
            break;
        }
        gstart[ng] = i;
        memcpy(digits + nd, t + i, e - i);
        nd += e - i;
        gend[ng] = e;
        cut[ng++] = nd;
        i = e - 1;
    }
    if (ng == 0 || ex_phone_excluded(c, ov[0]))
        return resume;
    for (size_t g0 = 0; g0 < ng;) {
        size_t from = g0 ? cut[g0 - 1] : 0, k = ng;
        char norm[EXTRACT_PHONE_MAX];
        enum ex_number kind = EX_NUM_NONE;
        for (; k > g0; k--) { /* groups [g0, k) */
            if (cut[k - 1] - from <= 15)
                kind = ex_phone_norm(digits + from, cut[k - 1] - from, norm);
            if (kind != EX_NUM_NONE)
                break;
        }
        if (kind == EX_NUM_NONE) {
            g0++;
            continue;
        }
        if (kind == EX_NUM_MOBILE)
            ex_phone_add(c->out, norm);
        extract__mask(c, gstart[g0], gend[k - 1]);
        g0 = k;
    }
    return resume; /* every group start was tried */
}

/* ---- plates ------------------------------------------------------------------------------ */

static size_t ex_on_plate(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    char plate[EXTRACT_PLATE_MAX];
    size_t n = 0;
    for (int g = 1; g <= 3; g++) {
        for (size_t i = ov[2 * g]; i < ov[2 * g + 1] && n < sizeof plate - 2; i++) {
            char ch = t[i];
            if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 32);
            if ((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z'))
                plate[n++] = ch;
        }
        if (g == 2)
            plate[n++] = '-';
    }
    plate[n] = '\0';
    /* "49B12345" typed without separators: a series letter and five digits (today's plates),
     * not a letter-digit series and four */
    size_t dash = strcspn(plate, "-");
    if (ov[5] == ov[6] && dash == 4 && plate[3] >= '0' && plate[3] <= '9' && n == 9) {
        plate[4] = plate[3];
        plate[3] = '-';
    }
    struct extract_result *o = c->out;
    bool dup = false;
    for (size_t i = 0; i < o->nplates; i++)
        dup |= strcmp(o->plates[i], plate) == 0;
    if (!dup && o->nplates < EXTRACT_MAX_ITEMS)
        memcpy(o->plates[o->nplates++], plate, n + 1);
    extract__mask(c, ov[0], ov[1]);
    return ov[1];
}

/* ---- the driver -------------------------------------------------------------------------- */

static int ex_rule_run(const struct extract *ex, const struct ex_rule *rule, struct ex_ctx *c,
                       pcre2_match_data *md, bool ascii)
{
    const char *t = c->in->strip;
    size_t len = c->in->strip_len, start = 0;
    const pcre2_code *re = rx_code(&ex->re[rule->kind], ascii);
    while (start < len) {
        int rc = pcre2_match(re, (PCRE2_SPTR)t, len, start, PCRE2_NO_UTF_CHECK, md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return rc == PCRE2_ERROR_NOMEMORY ? EXTRACT_ENOMEM : EXTRACT_OK;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t next = ov[1];
        if (!(rule->masked && extract__masked(c, ov[0], ov[1])))
            next = rule->on_match(c, ov);
        if (next <= ov[0]) /* an empty match: step over one code point */
            next = ov[0] + 1;
        while (next < len && ((unsigned char)t[next] & 0xC0) == 0x80)
            next++;
        start = next;
    }
    return EXTRACT_OK;
}

/* True when t has "trieu", "ngh", "ngan" or "ty" in any case: one pass instead of four
 * strcasestr. x | 0x20 equals a lower case letter only when x is that letter in either case. */
static bool ex_has_unit_word(const char *t, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        char a = (char)(t[i] | 0x20), b = (char)(t[i + 1] | 0x20);
        if (a == 't' && (b == 'y' || (b == 'r' && i + 4 < len && (t[i + 2] | 0x20) == 'i' &&
                                      (t[i + 3] | 0x20) == 'e' && (t[i + 4] | 0x20) == 'u')))
            return true;
        if (a == 'n' && b == 'g' && i + 2 < len &&
            ((t[i + 2] | 0x20) == 'h' ||
             (i + 3 < len && (t[i + 2] | 0x20) == 'a' && (t[i + 3] | 0x20) == 'n')))
            return true;
    }
    return false;
}

static bool ex_has_needed(const char *t, size_t len, enum ex_needs needs)
{
    if (needs == EX_DIGIT) {
        for (size_t i = 0; i < len; i++)
            if (t[i] >= '0' && t[i] <= '9')
                return true;
        return false;
    }
    if (needs ==
        EX_UNIT_WORD) /* the units an amount in words can end with: triệu, nghìn, ngàn, tỷ */
        return ex_has_unit_word(t, len);
    if (needs == EX_DOT_LETTER) {
        for (size_t i = 0; i + 1 < len; i++)
            if (t[i] == '.' && ((t[i + 1] | 0x20) >= 'a' && (t[i + 1] | 0x20) <= 'z'))
                return true;
        return false;
    }
    return true;
}

int extract_run(const struct extract *ex, const struct extract_input *in,
                struct extract_result *out)
{
    memset(out, 0, sizeof *out);
    out->money_vnd = -1;
    struct ex_ctx c = {.in = in, .out = out};
    pcre2_match_data *md = pcre2_match_data_create(EX_OVEC, NULL);
    if (!md)
        return EXTRACT_ENOMEM;
    int rc = EXTRACT_OK;
    bool digit = ex_has_needed(in->strip, in->strip_len, EX_DIGIT);
    bool dot = ex_has_needed(in->strip, in->strip_len, EX_DOT_LETTER);
    bool unit_word = ex_has_needed(in->strip, in->strip_len, EX_UNIT_WORD);
    bool ascii = rx_is_ascii(in->strip, in->strip_len);
    for (int k = 0; k < EX_KINDS && rc == EXTRACT_OK; k++) {
        enum ex_needs needs = ex_rules[k].needs;
        if ((needs == EX_DIGIT && !digit) || (needs == EX_DOT_LETTER && !dot) ||
            (needs == EX_UNIT_WORD && !unit_word))
            continue;
        rc = ex_rule_run(ex, &ex_rules[k], &c, md, ascii);
    }
    pcre2_match_data_free(md);
    out->money_vnd = extract__money_reported(&c);
    if (rc == EXTRACT_OK) {
        /* a few letters with diacritics: the writer types them (extract_words.c) */
        c.diacritics = in->nfc_len >= in->strip_len + EX_DIACRITICS_MIN;
        struct ex_tokens tk;
        extract__tokens(&c, ex->lex, &tk);
        extract__place(&c, &tk);
        extract__when(&c, &tk);
    }
    return rc;
}

int extract_text(const struct extract *ex, const char *text, struct extract_result *out)
{
    size_t len = strnlen(text, EX_TEXT_MAX);
    size_t cap = 3 * len + 1;
    char *nfc = malloc(cap), *strip = malloc(cap);
    uint32_t *map = malloc(cap * sizeof *map);
    int rc = EXTRACT_ENOMEM;
    if (nfc && strip && map) {
        size_t nlen = textnorm_nfc(text, len, nfc, cap);
        size_t slen = textnorm_strip(nfc, nlen, strip, cap, map);
        struct extract_input in = {nfc, nlen, strip, slen, map, NULL};
        rc = extract_run(ex, &in, out);
    } else {
        memset(out, 0, sizeof *out);
        out->money_vnd = -1;
    }
    free(nfc), free(strip), free(map);
    return rc;
}

int extract_new(struct extract **out, char *err, size_t errlen)
{
    *out = NULL;
    struct extract *ex = calloc(1, sizeof *ex);
    if (!ex)
        return EXTRACT_ENOMEM;
    if (!(ex->lex = extract__lexicon_new())) {
        free(ex);
        return EXTRACT_ENOMEM;
    }
    for (int k = 0; k < EX_KINDS; k++) {
        size_t off;
        int code = rx_compile(ex_rules[k].re, &ex->re[k], &off);
        if (code != 0) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            snprintf(err, errlen, "extract: pattern %s, offset %zu: %s", ex_rules[k].name, off,
                     (const char *)msg);
            extract_free(ex);
            return EXTRACT_EPATTERN;
        }
    }
    *out = ex;
    return EXTRACT_OK;
}

void extract_free(struct extract *ex)
{
    if (!ex)
        return;
    for (int k = 0; k < EX_KINDS; k++)
        rx_free(&ex->re[k]);
    extract__lexicon_free(ex->lex);
    free(ex);
}
