/*
 * extract.c — see extract.h. One table, ex_rules[], holds each pattern with the function that
 * validates and normalises a match; the rules run in order and the earlier kinds (URLs, then
 * phones, then plates) mask their spans so a later kind cannot read the same digits again: the
 * digits of zalo.me/0912345678 are a URL, not a phone; 0703.456.219 is a phone, not money.
 *
 * The patterns find candidates generously and the C code decides (a phone candidate is split
 * into its digit groups and the longest prefix of groups that is a valid number wins), which
 * keeps the regular expressions readable. Tried and rejected: one pattern per phone layout —
 * residents group digits in every possible way (0978 456 123, 0978.456.123, 09 78 45 61 23).
 */
#include "handlers/extract.h"

#include "handlers/textnorm.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum ex_kind { EX_URL, EX_PHONE, EX_PLATE, EX_MONEY, EX_MONEY_BARE, EX_WHEN, EX_WHERE, EX_KINDS };
enum { EX_MAX_MASK = 4 * EXTRACT_MAX_ITEMS, EX_MAX_GROUPS = 16, EX_OVEC = 8, EX_TEXT_MAX = 4096 };

struct extract {
    pcre2_code *re[EX_KINDS];
};

struct ex_span {
    size_t s, e;
};

/* The state of one extract_run call. */
struct ex_ctx {
    const struct extract_input *in;
    struct extract_result *out;
    struct ex_span mask[EX_MAX_MASK];
    size_t nmask;
    size_t money_pos[EXTRACT_MAX_ITEMS];
    int money_cue[EXTRACT_MAX_ITEMS]; /* enum ex_cue of each amount */
    int nwhen;
};

/* A match handler: validates ov (the ovector of a match), stores what it found, and returns the
 * offset where the search goes on (> ov[0]). */
typedef size_t (*ex_handler)(struct ex_ctx *c, const PCRE2_SIZE *ov);

/* ---- the patterns ------------------------------------------------------------------------ */

#define EX_B "(?<![\\p{L}\\p{N}])"
#define EX_E "(?![\\p{L}\\p{N}])"

#define EX_URL_RE                                                                                  \
    "(?i)(?<![\\p{L}\\p{N}@.\\-/_])(?:(?:https?://|www\\.)[^\\s<>\"'`]+"                           \
    "|(?:[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?\\.)+"                                              \
    "(?:com|vn|net|org|info|vip|me|io|co|biz|xyz|top|shop|online|site|club|app|link|live|store"    \
    "|tk|cc|ly|gl|to|tv|asia|pro|win|bet|fun|icu|cn|ru|us|uk|ai|dev|page|cloud|space|website"      \
    "|tech|gov|edu|ml|ga|cf|gq|sbs|cfd|click|today|news|life|world|mobi|ws|la|kh|hk|sg|fr|de"      \
    "|cx|work|buzz|pw|su|me)(?![\\p{L}\\p{N}\\-])(?::\\d{1,5})?(?:[/?#][^\\s<>\"'`]*)?)"

#define EX_PHONE_RE                                                                                \
    "(?<![\\p{L}\\p{N}.,/+_\\-])\\(?\\+?\\(?\\d(?:[ .\\-()]{0,3}\\d){6,}(?![\\p{L}\\p{N}])"

#define EX_PLATE_RE                                                                                \
    "(?<![\\p{L}\\p{N}.,/\\-])([1-9]\\d)[ .\\-]{0,2}([A-Za-z][A-Za-z0-9]?)[ .\\-]{0,3}"            \
    "(\\d{3}[ .]?\\d{2}|\\d{4})(?![\\p{L}\\p{N}]|[.,]\\d)"

/* "1 triệu 2 và cái đồng hồ" is 1.2 million; "2 triệu 3 người" is not: a digit after the unit
 * counts as tenths unless the next word counts something. */
#define EX_NOT_COUNTER                                                                             \
    "(?!(?i:nguoi|ng|nam|thang|ngay|lan|cai|chiec|con|tuoi|gio|h|phut|km|m|kg|dua|toi|dem|buoi"    \
    "|ve|lo|hop|bo|bao|tang|phong|xe|nha|ho|suat|cay|chi|luong|thang|tuan)\\b)"
#define EX_MONEY_RE                                                                                \
    "(?<![\\p{L}\\p{N}.,])(\\d{1,3}(?:[.,]\\d{3})+|\\d{1,15}(?:[.,]\\d{1,2})?)[ ]?"                \
    "(?i:(trieu|tr|cu|ty|ti|k|nghin|ngan|dong|d|vnd))"                                             \
    "(?:(\\d{1,3})" EX_E "|[ ](\\d{1,3})(?=[ ]*(?:$|[,.;!?)]))"                                    \
    "|[ ](\\d)(?=[ ]+" EX_NOT_COUNTER "\\p{L})|[ ]?(?i:(ruoi)))?" EX_E

#define EX_MONEY_BARE_RE                                                                           \
    "(?<![\\p{L}\\p{N}.,])([1-9]\\d{0,2}(?:\\.\\d{3}){2,}|[1-9]\\d{0,2}(?:,\\d{3}){2,})"           \
    "(?![\\p{N}]|[.,]\\d)"

#define EX_DAYPART                                                                                 \
    "(?:sang som|sang|trua|chieu toi|chieu|toi|dem khuya|dem|khuya|nua dem|rang sang)"
#define EX_WHEN_RE                                                                                 \
    EX_B "(?i:" EX_DAYPART "[ ]+(?:nay|qua|hom qua|hom kia|hom truoc|mai|thu [2-7]|chu nhat)"      \
         "|(?:hom|bua)[ ]+(?:nay|qua|kia|truoc)|hqua|hnay|vua xong|vua roi|luc nay|ban nay"        \
         "|ngay bay gio|bay gio|may hom nay|may hom truoc|tuan truoc|thang truoc"                  \
         "|(?:toi|dem|sang|chieu|trua) nao cung"                                                   \
         "|(?:luc|khoang|tam|vao)[ ]+\\d{1,2}[ ]?(?:h|g|gio)(?:[ ]?\\d{1,2}(?:p|phut)?)?"          \
         "(?:[ ]+" EX_DAYPART ")?"                                                                 \
         "|\\d{1,2}[ ]?(?:h|gio)(?:[ ]?\\d{2}(?:p|phut)?)?(?:[ ]+" EX_DAYPART ")?"                 \
         "|(?:(?:luc|khoang|tam|vao)[ ]+)?\\d{1,2}:\\d{2}"                                         \
         "|(?:ngay[ ]+)?\\d{1,2}/\\d{1,2}(?:/\\d{2,4})?"                                           \
         "|ngay[ ]+\\d{1,2}[ ]+thang[ ]+\\d{1,2}|thu[ ]+(?:[2-7]|hai|ba|tu|nam|sau|bay)"           \
         "|chu nhat)" EX_E

/* Places: a keyword and a reference (a house-style number and/or capitalised name words),
 * chained: "nhà số 9 ngõ 34 Nguyễn Khang". Keywords that are also common words (tổ/to,
 * số/so, khu) need a number; the others also take a name. */
#define EX_NAME "\\p{Lu}\\p{L}*(?:[ ]+\\p{Lu}\\p{L}*){0,3}"
#define EX_NUM  "[1-9]\\d{0,3}[a-zA-Z]?(?:/\\d{1,4}[a-zA-Z]?)*" EX_E
#define EX_KW_NAMED                                                                                \
    "(?i:khu pho|to dan pho|khu do thi|khu cong nghiep|nga ba|nga tu|nga nam|chung cu|cong vien"   \
    "|quoc lo|tinh lo|ngo|ngach|hem|kiet|duong|pho|thon|xom|ap|ban|lang|cho|cau|phuong|xa|quan"    \
    "|huyen|truong|kdt|kcn|ql)"
#define EX_KW_NUMBERED "(?i:so nha|nha so|so|to|tdp|kp|khu|toa|tang|phong|lo|day)"
#define EX_PLACE                                                                                   \
    "(?:" EX_B EX_KW_NAMED "[ ]+(?:" EX_NUM "(?:[ ]+" EX_NAME ")?|" EX_NAME                        \
    ")|" EX_B EX_KW_NUMBERED "[ ]+" EX_NUM ")"
#define EX_WHERE_RE EX_PLACE "(?:[ ,]{1,3}" EX_PLACE ")*"

static size_t ex_on_url(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_phone(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_plate(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_money(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_money_bare(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_when(struct ex_ctx *c, const PCRE2_SIZE *ov);
static size_t ex_on_where(struct ex_ctx *c, const PCRE2_SIZE *ov);

/* What a text must contain for a rule to be worth running (a cheap scan before the pattern). */
enum ex_needs { EX_ANY, EX_DIGIT, EX_DOT_LETTER };

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
    {EX_MONEY, "money", EX_MONEY_RE, ex_on_money, true, EX_DIGIT},
    {EX_MONEY_BARE, "money_bare", EX_MONEY_BARE_RE, ex_on_money_bare, true, EX_DIGIT},
    {EX_WHEN, "when", EX_WHEN_RE, ex_on_when, false, EX_ANY},
    {EX_WHERE, "where", EX_WHERE_RE, ex_on_where, false, EX_ANY},
};

/* ---- helpers ----------------------------------------------------------------------------- */

static void ex_mask(struct ex_ctx *c, size_t s, size_t e)
{
    if (c->nmask < EX_MAX_MASK)
        c->mask[c->nmask++] = (struct ex_span){s, e};
}

static bool ex_masked(const struct ex_ctx *c, size_t s, size_t e)
{
    for (size_t i = 0; i < c->nmask; i++)
        if (s < c->mask[i].e && c->mask[i].s < e)
            return true;
    return false;
}

/* Copies the NFC text behind the stripped span [s, e) into dst (cap bytes), lowercased if
 * asked; returns its length, or 0 when it does not fit whole and must_fit. */
static size_t ex_copy_nfc(const struct ex_ctx *c, size_t s, size_t e, char *dst, size_t cap,
                          bool lower, bool must_fit)
{
    size_t ns = c->in->map[s], ne = c->in->map[e];
    if (must_fit && ne - ns >= cap)
        return 0;
    if (lower)
        return textnorm_lower(c->in->nfc + ns, ne - ns, dst, cap);
    return textnorm_nfc(c->in->nfc + ns, ne - ns, dst, cap);
}

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

static size_t ex_on_url(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    size_t s = ov[0], e = ov[1];
    while (e > s && strchr(".,;:!?)]}'\"", t[e - 1]))
        e--;
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
        if (host == e - s && ex_risky_tld(t + s, host))
            return ov[1];
    }
    struct extract_result *o = c->out;
    if (o->nurls >= EXTRACT_MAX_ITEMS)
        return ov[1];
    char *dst = o->urls[o->nurls];
    if (ex_copy_nfc(c, s, e, dst, EXTRACT_URL_MAX, true, true) == 0)
        return ov[1];
    if (!ex_has(o->urls, o->nurls, dst))
        o->nurls++;
    ex_mask(c, s, e);
    return ov[1];
}

/* ---- phones ------------------------------------------------------------------------------ */

/* Normalises the digits d[0..n) to the national form in out; false if they are not a number
 * one can call (see extract.h). */
static bool ex_phone_norm(const char *d, size_t n, char out[EXTRACT_PHONE_MAX])
{
    if (n >= 8 && (strncmp(d, "1800", 4) == 0 || strncmp(d, "1900", 4) == 0)) {
        if (n != 8 && n != 10)
            return false;
        memcpy(out, d, n);
        out[n] = '\0';
        return true;
    }
    if (n >= 11 && d[0] == '8' && d[1] == '4') {
        d += 2, n -= 2;
        if (d[0] == '0') /* +84 (0) 912 … */
            d++, n--;
    } else if (d[0] == '0') {
        d++, n--;
    } else {
        return false;
    }
    bool mobile = n == 9 && strchr("35789", d[0]);
    bool landline = n == 10 && d[0] == '2';
    if (!mobile && !landline)
        return false;
    out[0] = '0';
    memcpy(out + 1, d, n);
    out[n + 1] = '\0';
    return true;
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

static size_t ex_on_phone(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    size_t gend[EX_MAX_GROUPS], ng = 0, first_end = ov[1];
    char digits[EX_MAX_GROUPS * 4 + 1];
    size_t nd = 0, cut[EX_MAX_GROUPS];
    for (size_t i = ov[0]; i < ov[1] && ng < EX_MAX_GROUPS; i++) {
        if (t[i] < '0' || t[i] > '9')
            continue;
        if (nd < sizeof digits - 1)
            digits[nd++] = t[i];
        if (i + 1 >= ov[1] || t[i + 1] < '0' || t[i + 1] > '9') {
            gend[ng] = i + 1;
            cut[ng++] = nd;
        }
    }
    if (ng > 0)
        first_end = gend[0];
    if (ex_phone_excluded(c, ov[0]))
        return ov[1];
    struct extract_result *o = c->out;
    for (size_t k = ng; k > 0; k--) {
        char norm[EXTRACT_PHONE_MAX];
        if (cut[k - 1] > 15 || !ex_phone_norm(digits, cut[k - 1], norm))
            continue;
        bool dup = false;
        for (size_t i = 0; i < o->nphones; i++)
            dup |= strcmp(o->phones[i], norm) == 0;
        if (!dup && o->nphones < EXTRACT_MAX_ITEMS)
            memcpy(o->phones[o->nphones++], norm, sizeof norm);
        ex_mask(c, ov[0], gend[k - 1]);
        return gend[k - 1];
    }
    return first_end;
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
    struct extract_result *o = c->out;
    bool dup = false;
    for (size_t i = 0; i < o->nplates; i++)
        dup |= strcmp(o->plates[i], plate) == 0;
    if (!dup && o->nplates < EXTRACT_MAX_ITEMS)
        memcpy(o->plates[o->nplates++], plate, n + 1);
    ex_mask(c, ov[0], ov[1]);
    return ov[1];
}

/* ---- money ------------------------------------------------------------------------------- */

/* What the words just before an amount say about it: a total ("tổng cộng 50 triệu") is the
 * amount reported whatever came before; a loss ("mất 4 triệu", "thiệt hại 10 triệu") beats the
 * fees and prices mentioned on the way ("chuyển 35k phí ship … mất 4 triệu"); otherwise the
 * first amount is the one (extract.h). */
enum ex_cue { EX_CUE_NONE = 0, EX_CUE_LOSS = 1, EX_CUE_TOTAL = 2 };

/* The cue of the words just before the amount at pos (the stripped text, so "mất" and "mat"
 * are one word): up to four words back, stepping over the fillers that stand between a verb and
 * its amount ("mất hết khoảng 4 triệu"). */
static int ex_cue_before(const struct ex_ctx *c, size_t pos)
{
    static const char *const fillers[] = {"het", "sach", "khoang", "tam",   "gan",  "hon", "len",
                                          "toi", "den",  "tien",   "la",    "luon", "mat", "ca",
                                          "tat", "cong", "tong",   "thiet", "hai",  NULL};
    static const struct {
        const char *word;
        enum ex_cue cue;
    } cues[] = {{"tong", EX_CUE_TOTAL}, {"cong", EX_CUE_TOTAL}, {"thay", EX_CUE_TOTAL},
                {"mat", EX_CUE_LOSS},   {"hai", EX_CUE_LOSS},   {"doat", EX_CUE_LOSS},
                {"cuop", EX_CUE_LOSS},  {NULL, EX_CUE_NONE}};
    const char *t = c->in->strip;
    int best = EX_CUE_NONE;
    size_t end = pos;
    for (int w = 0; w < 4; w++) {
        while (end > 0 && (t[end - 1] == ' ' || t[end - 1] == ':'))
            end--;
        size_t start = end;
        while (start > 0 && ((t[start - 1] | 0x20) >= 'a' && (t[start - 1] | 0x20) <= 'z'))
            start--;
        if (start == end || end - start > 8)
            break;
        char word[9];
        for (size_t i = start; i < end; i++)
            word[i - start] = (char)(t[i] | 0x20);
        word[end - start] = '\0';
        for (int k = 0; cues[k].word; k++)
            if (strcmp(word, cues[k].word) == 0 && (int)cues[k].cue > best)
                best = (int)cues[k].cue;
        bool filler = false;
        for (int k = 0; fillers[k] && !filler; k++)
            filler = strcmp(word, fillers[k]) == 0;
        if (!filler)
            break;
        end = start;
    }
    return best;
}

static void ex_money_add(struct ex_ctx *c, size_t pos, int64_t v)
{
    struct extract_result *o = c->out;
    if (v <= 0 || o->nmoney >= EXTRACT_MAX_ITEMS)
        return;
    size_t i = o->nmoney++;
    while (i > 0 && c->money_pos[i - 1] > pos) { /* keep text order across the two rules */
        c->money_pos[i] = c->money_pos[i - 1];
        c->money_cue[i] = c->money_cue[i - 1];
        o->money[i] = o->money[i - 1];
        i--;
    }
    c->money_pos[i] = pos;
    c->money_cue[i] = ex_cue_before(c, pos);
    o->money[i] = v;
}

/* A range ("2-3 triệu", "5 đến 7 triệu") is not a clearly stated amount. */
static bool ex_money_range(const struct ex_ctx *c, size_t pos)
{
    const char *t = c->in->strip;
    size_t i = pos;
    while (i > 0 && t[i - 1] == ' ')
        i--;
    if (i > 0 && (t[i - 1] == '-' || t[i - 1] == '~')) {
        i--;
    } else if (i >= 3 && strncasecmp(t + i - 3, "den", 3) == 0) {
        i -= 3;
    } else if (i >= 3 && strncasecmp(t + i - 3, "toi", 3) == 0) {
        i -= 3;
    } else {
        return false;
    }
    while (i > 0 && t[i - 1] == ' ')
        i--;
    return i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9';
}

/* "củ" (a million) typed without diacritics is also "cũ" (old) and "cứ" (keeps doing): "cu"
 * counts only at the end of a clause or before a word that goes with an amount. */
static bool ex_cu_ok(const struct ex_ctx *c, size_t after)
{
    static const char *const next[] = {"roi", "r",   "tien", "do",  "thi", "ma",    "nha", "luon",
                                       "a",   "nhe", "va",   "voi", "cua", "trong", "de",  NULL};
    const char *t = c->in->strip;
    size_t len = c->in->strip_len, i = after, j;
    while (i < len && t[i] == ' ')
        i++;
    if (i >= len || strchr(",.;!?)", t[i]))
        return true;
    for (j = i; j < len && ((t[j] | 0x20) >= 'a' && (t[j] | 0x20) <= 'z'); j++)
        ;
    for (int k = 0; next[k]; k++)
        if (strlen(next[k]) == j - i && strncasecmp(t + i, next[k], j - i) == 0)
            return true;
    return false;
}

/* The multiplier of a unit as written in the NFC text (diacritics tell "3 củ" from "3 cụ", "5
 * tỷ" from "1 tí"); 0 if the word is not a money unit. */
static int64_t ex_unit(const char *w)
{
    static const struct {
        const char *word;
        int64_t mult;
    } units[] = {{"triệu", 1000000}, {"trieu", 1000000}, {"tr", 1000000},    {"củ", 1000000},
                 {"cu", 1000000},    {"tỷ", 1000000000}, {"tỉ", 1000000000}, {"ty", 1000000000},
                 {"ti", 1000000000}, {"k", 1000},        {"nghìn", 1000},    {"nghin", 1000},
                 {"ngàn", 1000},     {"ngan", 1000},     {"đồng", 1},        {"dong", 1},
                 {"đ", 1},           {"d", 1},           {"vnd", 1},         {"vnđ", 1}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(w, units[i].word) == 0)
            return units[i].mult;
    return 0;
}

/* value * mult / 10^ndigits for a digit string, or -1 when too large (over 10^15 đồng). */
static int64_t ex_scaled(const char *s, size_t n, int64_t mult, bool fraction)
{
    int64_t v = 0, div = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        if (v > 100000000000000LL)
            return -1;
        v = v * 10 + (s[i] - '0');
        if (fraction)
            div *= 10;
    }
    if (v > 1000000000000000LL / mult)
        return -1;
    return v * mult / div;
}

static size_t ex_on_money(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    char unit[24];
    if (ex_copy_nfc(c, ov[4], ov[5], unit, sizeof unit, true, true) == 0)
        return ov[1];
    int64_t mult = ex_unit(unit);
    if (strcmp(unit, "cu") == 0 && !ex_cu_ok(c, ov[1]))
        mult = 0;
    if (mult != 0 && ex_money_range(c, ov[0])) {
        ex_mask(c, ov[0], ov[1]);
        return ov[1];
    }
    bool small_unit = mult == 1000 || mult == 1;
    bool trailing = ov[6] != PCRE2_UNSET || ov[8] != PCRE2_UNSET || ov[10] != PCRE2_UNSET ||
                    ov[12] != PCRE2_UNSET;
    if (mult == 0 || (small_unit && trailing)) /* "2k8" is a birth year, not 2 800 đồng */
        return ov[1];
    const char *num = t + ov[2];
    size_t nlen = ov[3] - ov[2];
    size_t sep = strcspn(num, ".,"), last = nlen;
    while (last > 0 && num[last - 1] != '.' && num[last - 1] != ',')
        last--;
    /* 200.000 and 1.500.000 are thousands groups; 1,5 and 2.25 are decimals (the pattern
     * allows at most two decimal digits, so three digits after the last separator is a group) */
    bool grouped = sep < nlen && nlen - last == 3;
    int64_t v;
    if (sep >= nlen || grouped) {
        v = ex_scaled(num, nlen, mult, false);
    } else { /* 1,5 tỷ: a decimal comma */
        int64_t ip = ex_scaled(num, sep, mult, false);
        int64_t fp = ex_scaled(num + sep + 1, nlen - sep - 1, mult, true);
        v = ip < 0 || fp < 0 ? -1 : ip + fp;
    }
    for (int g = 3; g <= 5 && v > 0; g++) /* 2tr5, 1 tỷ 2: tenths of the unit */
        if (ov[2 * g] != PCRE2_UNSET)
            v += ex_scaled(t + ov[2 * g], ov[2 * g + 1] - ov[2 * g], mult, true);
    if (v > 0 && ov[12] != PCRE2_UNSET) /* rưỡi: and a half */
        v += mult / 2;
    if (v > 0 && (mult > 1 || v >= 1000)) /* nobody states fewer than 1 000 đồng */
        ex_money_add(c, ov[0], v);
    ex_mask(c, ov[0], ov[1]);
    return ov[1];
}

static size_t ex_on_money_bare(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    int64_t v = ex_scaled(c->in->strip + ov[2], ov[3] - ov[2], 1, false);
    if (v >= 1000000)
        ex_money_add(c, ov[0], v);
    return ov[1];
}

/* ---- when and where ---------------------------------------------------------------------- */

static size_t ex_on_when(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    char hint[EXTRACT_HINT_MAX];
    if (c->nwhen >= 2 || ex_copy_nfc(c, ov[0], ov[1], hint, sizeof hint, false, false) == 0)
        return ov[1];
    char *w = c->out->when;
    size_t at = strlen(w);
    if (at > 0 && at + 2 + strlen(hint) < EXTRACT_HINT_MAX)
        memcpy(w + at, ", ", 3), at += 2;
    else if (at > 0)
        return ov[1];
    memcpy(w + at, hint, strlen(hint) + 1);
    c->nwhen++;
    return ov[1];
}

static size_t ex_on_where(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    if (!c->out->where[0])
        ex_copy_nfc(c, ov[0], ov[1], c->out->where, EXTRACT_HINT_MAX, false, false);
    return c->in->strip_len; /* the first place is the one reported */
}

/* ---- the driver -------------------------------------------------------------------------- */

static int ex_rule_run(const struct extract *ex, const struct ex_rule *rule, struct ex_ctx *c,
                       pcre2_match_data *md)
{
    const char *t = c->in->strip;
    size_t len = c->in->strip_len, start = 0;
    while (start < len) {
        int rc = pcre2_match(ex->re[rule->kind], (PCRE2_SPTR)t, len, start, PCRE2_NO_UTF_CHECK, md,
                             NULL);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return rc == PCRE2_ERROR_NOMEMORY ? EXTRACT_ENOMEM : EXTRACT_OK;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t next = ov[1];
        if (!(rule->masked && ex_masked(c, ov[0], ov[1])))
            next = rule->on_match(c, ov);
        if (next <= ov[0]) /* an empty match: step over one code point */
            next = ov[0] + 1;
        while (next < len && ((unsigned char)t[next] & 0xC0) == 0x80)
            next++;
        start = next;
    }
    return EXTRACT_OK;
}

static bool ex_has_needed(const char *t, size_t len, enum ex_needs needs)
{
    if (needs == EX_DIGIT) {
        for (size_t i = 0; i < len; i++)
            if (t[i] >= '0' && t[i] <= '9')
                return true;
        return false;
    }
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
    for (int k = 0; k < EX_KINDS && rc == EXTRACT_OK; k++) {
        enum ex_needs needs = ex_rules[k].needs;
        if ((needs == EX_DIGIT && !digit) || (needs == EX_DOT_LETTER && !dot))
            continue;
        rc = ex_rule_run(ex, &ex_rules[k], &c, md);
    }
    pcre2_match_data_free(md);
    for (int cue = EX_CUE_TOTAL; cue >= EX_CUE_NONE && out->money_vnd < 0; cue--)
        for (size_t i = 0; i < out->nmoney && out->money_vnd < 0; i++)
            if (c.money_cue[i] >= cue)
                out->money_vnd = out->money[i];
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
        struct extract_input in = {nfc, nlen, strip, slen, map};
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
    for (int k = 0; k < EX_KINDS; k++) {
        int code;
        PCRE2_SIZE off;
        ex->re[k] = pcre2_compile((PCRE2_SPTR)ex_rules[k].re, PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_UCP, &code, &off, NULL);
        if (!ex->re[k]) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            snprintf(err, errlen, "extract: pattern %s, offset %zu: %s", ex_rules[k].name,
                     (size_t)off, (const char *)msg);
            extract_free(ex);
            return EXTRACT_EPATTERN;
        }
        /* Without JIT (a platform PCRE2 built without it) matching is slower but correct. */
        (void)pcre2_jit_compile(ex->re[k], PCRE2_JIT_COMPLETE);
    }
    *out = ex;
    return EXTRACT_OK;
}

void extract_free(struct extract *ex)
{
    if (!ex)
        return;
    for (int k = 0; k < EX_KINDS; k++)
        pcre2_code_free(ex->re[k]);
    free(ex);
}
