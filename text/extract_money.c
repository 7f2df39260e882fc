/*
 * extract_money.c — amounts of money in đồng (extract.h lists the forms and what is not money):
 * the patterns of the three money rules in text/extract.c's table (a figure with a unit, an
 * amount in words, bare thousands groups), their match handlers, which read the groups, drop
 * ranges, counts of followers and look-alike words ("cũ", "tí") and note the cue before each
 * amount (a total, a loss), and extract__money_reported, which picks the amount reported.
 * Masking and copying from the NFC text are extract.c's (text/extract_impl.h).
 */
#include "text/extract_impl.h"

#include <string.h>
#include <strings.h>

/* ---- the patterns ------------------------------------------------------------------------ */

/* "1 triệu 2 và cái đồng hồ" is 1.2 million; "2 triệu 3 người" is not: a digit after the unit
 * counts as tenths unless the next word counts something. */
#define EX_NOT_COUNTER                                                                             \
    "(?!(?i:nguoi|ng|nam|thang|ngay|lan|cai|chiec|con|tuoi|gio|h|phut|km|m|kg|ky|ki|lang|lit|dua"  \
    "|toi|dem|buoi|ve|lo|hop|bo|bao|tang|phong|xe|nha|ho|suat|cay|chi|luong|thang|tuan|luot)\\b)"
/* A figure, "trăm"/"chục" (hundred, ten: "2 trăm nghìn", "15 chục triệu"), a unit, then tenths
 * of the unit ("2tr5", "1 tỷ 2") or "rưỡi" (and a half). The groups are EX_G_*. */
#define EX_MONEY_RE                                                                                \
    "(?<![\\p{L}\\p{N}.,])(\\d{1,3}(?:[.,]\\d{3})+|\\d{1,15}(?:[.,]\\d{1,2})?)"                    \
    "(?:[ ]+(?i:(tram|chuc)))?[ ]?(?i:(trieu|tr|cu|ty|ti|k|nghin|ngan|dong|d|vnd))"                \
    "(?:(\\d{1,3})" EX_E "|[ ](\\d{1,3})(?=[ ]*(?:$|[,.;!?)]))"                                    \
    "|[ ](\\d{1,3})(?=[ ]+" EX_NOT_COUNTER "\\p{L})|[ ]?(?i:(ruoi)))?" EX_E
enum {
    EX_G_NUM = 1,
    EX_G_MUL,
    EX_G_UNIT,
    EX_G_TENTHS,
    EX_G_TENTHS_END,
    EX_G_TENTHS_WORD,
    EX_G_RUOI
};

/* An amount in words, as older residents and voice typing write it: "hai trăm ngàn", "ba
 * triệu", "năm chục triệu". The number word is checked in C (ex_word_number). */
#define EX_MONEY_WORD_RE                                                                           \
    "(?i)(?<![\\p{L}\\p{N}])(mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi)[ ]+(?:(tram|chuc)[ ]+)?"    \
    "(trieu|ty|ti|nghin|ngan|cu)(?:[ ]+(ruoi))?(?![\\p{L}\\p{N}])"

#define EX_MONEY_BARE_RE                                                                           \
    "(?<![\\p{L}\\p{N}.,])([1-9]\\d{0,2}(?:\\.\\d{3}){2,}|[1-9]\\d{0,2}(?:,\\d{3}){2,})"           \
    "(?![\\p{N}]|[.,]\\d)"

const char extract__money_re[] = EX_MONEY_RE;
const char extract__money_word_re[] = EX_MONEY_WORD_RE;
const char extract__money_bare_re[] = EX_MONEY_BARE_RE;

/* ---- money ------------------------------------------------------------------------------- */

/* What the words just before an amount say about it: a total ("tổng cộng 50 triệu") is the
 * amount reported whatever came before; an amount at stake — lost, demanded, owed, bet, paid
 * over ("mất 4 triệu", "đòi 60tr", "nợ 200 triệu", "cá 10 triệu", "chuyển 35k") — beats the
 * prices and pay mentioned on the way ("lương 15tr" in a fake job offer is no loss); an amount
 * with "/" after it is a rate ("150k/tháng", "5 nghìn/1 triệu/ngày"), at stake only as a last
 * resort (extract__money_reported). */
enum ex_cue { EX_CUE_PAY = -1, EX_CUE_NONE = 0, EX_CUE_STAKE = 1, EX_CUE_TOTAL = 2 };

/* The cue of the words just before the amount at pos (the stripped text, so "mất" and "mat"
 * are one word): up to four words back, stepping over the fillers that stand between a verb and
 * its amount ("mất hết khoảng 4 triệu", "nộp phí 2 triệu"). */
static int ex_cue_before(const struct ex_ctx *c, size_t pos)
{
    static const char *const fillers[] = {
        "het", "sach", "khoang", "tam", "gan",   "hon",  "len",   "toi",   "den",   "tien",
        "la",  "luon", "mat",    "ca",  "tat",   "cong", "tong",  "thiet", "hai",   "duoc",
        "tru", "lua",  "dao",    "bi",  "thua",  "doat", "chiem", "khoan", "phi",   "them",
        "tra", "lai",  "lan",    "no",  "ca",    "moi",  "cuoc",  "vay",   "co",    "ong",
        "ba",  "ho",   "tui",    "toi", "em",    "anh",  "chi",   "minh",  "nguoi", "cua",
        "nha", "me",   "bo",     "dua", "thang", NULL};
    static const struct {
        const char *word;
        enum ex_cue cue;
    } cues[] = {{"tong", EX_CUE_TOTAL}, {"cong", EX_CUE_TOTAL}, {"thay", EX_CUE_TOTAL},
                {"mat", EX_CUE_STAKE},  {"hai", EX_CUE_STAKE},  {"doat", EX_CUE_STAKE},
                {"cuop", EX_CUE_STAKE}, {"tru", EX_CUE_STAKE},  {"lua", EX_CUE_STAKE},
                {"thua", EX_CUE_STAKE}, {"doi", EX_CUE_STAKE},  {"chuoc", EX_CUE_STAKE},
                {"no", EX_CUE_STAKE},   {"vay", EX_CUE_STAKE},  {"muon", EX_CUE_STAKE},
                {"cuoc", EX_CUE_STAKE}, {"ca", EX_CUE_STAKE},   {"chuyen", EX_CUE_STAKE},
                {"nop", EX_CUE_STAKE},  {"coc", EX_CUE_STAKE},  {"trom", EX_CUE_STAKE},
                {"tra", EX_CUE_STAKE},  {"thu", EX_CUE_STAKE},  {"luong", EX_CUE_PAY},
                {"gia", EX_CUE_PAY},    {"thuong", EX_CUE_PAY}, {"hong", EX_CUE_PAY},
                {"nhap", EX_CUE_PAY},   {NULL, EX_CUE_NONE}};
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
            if (strcmp(word, cues[k].word) == 0 && (best == EX_CUE_NONE || (int)cues[k].cue > best))
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

static void ex_money_add(struct ex_ctx *c, size_t pos, size_t end, int64_t v)
{
    struct extract_result *o = c->out;
    if (v <= 0 || o->nmoney >= EXTRACT_MAX_ITEMS)
        return;
    size_t i = o->nmoney++;
    while (i > 0 && c->money_pos[i - 1] > pos) { /* keep text order across the rules */
        c->money_pos[i] = c->money_pos[i - 1];
        c->money_end[i] = c->money_end[i - 1];
        c->money_cue[i] = c->money_cue[i - 1];
        o->money[i] = o->money[i - 1];
        i--;
    }
    c->money_pos[i] = pos;
    c->money_end[i] = end;
    c->money_cue[i] = ex_cue_before(c, pos);
    o->money[i] = v;
}

/* A range ("2-3 triệu", "5 đến 7 triệu", "từ 2 triệu tới 3 triệu", "2 hoặc 3 củ") puts its
 * upper end at stake (shared/data/README.md, tips-dev2: the largest): true when the amount at
 * pos closes a range, and an amount already taken as its opening end is dropped. */
static bool ex_money_range(struct ex_ctx *c, size_t pos)
{
    static const char *const joins[] = {"den", "toi", "hoac", "->", "-", "~", NULL};
    const char *t = c->in->strip;
    size_t i = pos;
    while (i > 0 && t[i - 1] == ' ')
        i--;
    size_t j = i;
    for (int k = 0; joins[k] && j == i; k++) {
        size_t n = strlen(joins[k]);
        bool word = (joins[k][0] | 0x20) >= 'a' && (joins[k][0] | 0x20) <= 'z';
        if (i >= n && strncasecmp(t + i - n, joins[k], n) == 0 &&
            (!word || i == n || !(((t[i - n - 1] | 0x20) >= 'a' && (t[i - n - 1] | 0x20) <= 'z'))))
            j = i - n;
    }
    if (j == i)
        return false;
    while (j > 0 && t[j - 1] == ' ')
        j--;
    if (j > 0 && t[j - 1] >= '0' && t[j - 1] <= '9')
        return true;
    struct extract_result *o = c->out;
    if (o->nmoney > 0 && c->money_end[o->nmoney - 1] == j) {
        o->nmoney--;
        return true;
    }
    return false;
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

/* "30k follow", "5k like": a count of followers or views, not đồng. */
static bool ex_counted(const struct ex_ctx *c, size_t after)
{
    static const char *const what[] = {"follow", "follower", "followers", "like", "likes", "view",
                                       "views",  "sub",      "subs",      "luot", "mem",   "member",
                                       "fan",    "fans",     "nguoi",     "ng",   NULL};
    const char *t = c->in->strip;
    size_t len = c->in->strip_len, i = after, j;
    while (i < len && t[i] == ' ')
        i++;
    for (j = i; j < len && ((t[j] | 0x20) >= 'a' && (t[j] | 0x20) <= 'z'); j++)
        ;
    for (int k = 0; what[k]; k++)
        if (strlen(what[k]) == j - i && strncasecmp(t + i, what[k], j - i) == 0)
            return true;
    return false;
}

static bool ex_set(const PCRE2_SIZE *ov, int g)
{
    return ov[2 * g] != PCRE2_UNSET;
}

/* The figure of group EX_G_NUM times mult: 200.000 and 1.500.000 are thousands groups; 1,5 and
 * 2.25 are decimals (the pattern allows at most two decimal digits, so three digits after the
 * last separator is a group). */
static int64_t ex_figure(const char *num, size_t nlen, int64_t mult)
{
    size_t sep = strcspn(num, ".,"), last = nlen;
    if (sep > nlen)
        sep = nlen;
    while (last > 0 && num[last - 1] != '.' && num[last - 1] != ',')
        last--;
    bool grouped = sep < nlen && nlen - last == 3;
    if (sep >= nlen || grouped)
        return ex_scaled(num, nlen, mult, false);
    int64_t ip = ex_scaled(num, sep, mult, false); /* 1,5 tỷ: a decimal comma */
    int64_t fp = ex_scaled(num + sep + 1, nlen - sep - 1, mult, true);
    return ip < 0 || fp < 0 ? -1 : ip + fp;
}

size_t extract__on_money(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    char unit[24];
    if (extract__copy_nfc(c, ov[2 * EX_G_UNIT], ov[2 * EX_G_UNIT + 1], unit, sizeof unit, true,
                          true) == 0)
        return ov[1];
    int64_t mult = ex_unit(unit);
    if (strcmp(unit, "cu") == 0 && !ex_cu_ok(c, ov[1]))
        mult = 0;
    bool small_unit = mult == 1000 || mult == 1;
    if (small_unit && ex_counted(c, ov[1]))
        mult = 0;
    if (mult != 0)
        (void)ex_money_range(c, ov[0]); /* the upper end stands for the range */
    /* "2k8" is a birth year, not 2 800 đồng; "65 ngàn 1 ký" is 65 000 (after a small unit and a
     * space, a digit is not a fraction of it) */
    if (mult == 0 || (small_unit && (ex_set(ov, EX_G_TENTHS) || ex_set(ov, EX_G_RUOI))))
        return ov[1];
    if (ex_set(ov, EX_G_MUL)) /* trăm, chục */
        mult *= (t[ov[2 * EX_G_MUL]] | 0x20) == 't' ? 100 : 10;
    int64_t v = ex_figure(t + ov[2 * EX_G_NUM], ov[2 * EX_G_NUM + 1] - ov[2 * EX_G_NUM], mult);
    for (int g = EX_G_TENTHS; g <= EX_G_TENTHS_WORD && v > 0 && !small_unit; g++)
        if (ex_set(ov, g)) /* 2tr5, 1 tỷ 2: tenths of the unit */
            v += ex_scaled(t + ov[2 * g], ov[2 * g + 1] - ov[2 * g], mult, true);
    if (v > 0 && ex_set(ov, EX_G_RUOI)) /* rưỡi: and a half */
        v += mult / 2;
    /* nobody states fewer than 1 000 đồng, but for a price in "đồng" ("800 đồng/lít") */
    bool dong = strcmp(unit, "đồng") == 0 || strcmp(unit, "vnd") == 0 || strcmp(unit, "vnđ") == 0;
    if (v > 0 && (mult > 1 || v >= 1000 || dong))
        ex_money_add(c, ov[0], ov[1], v);
    extract__mask(c, ov[0], ov[1]);
    return ov[1];
}

/* The value of a number word as typed (NFC, lower case), or 0. Without diacritics "tam"
 * (tầm, about), "sau" (after) and "bay" (fly) say nothing, and are not read. */
static int ex_word_number(const char *w)
{
    static const struct {
        const char *word;
        int value;
    } nums[] = {{"một", 1},  {"mot", 1},  {"hai", 2},   {"ba", 3},    {"bốn", 4}, {"bon", 4},
                {"năm", 5},  {"nam", 5},  {"sáu", 6},   {"bảy", 7},   {"bẩy", 7}, {"tám", 8},
                {"chín", 9}, {"chin", 9}, {"mười", 10}, {"muoi", 10}, {NULL, 0}};
    for (int i = 0; nums[i].word; i++)
        if (strcmp(w, nums[i].word) == 0)
            return nums[i].value;
    return 0;
}

/* True when the word or figure just before pos is a number ("hai mươi triệu" is twenty, not
 * ten): the amount in words is then not ours to read. */
static bool ex_after_number(const struct ex_ctx *c, size_t pos)
{
    const char *t = c->in->strip;
    size_t b = pos;
    while (b > 0 && t[b - 1] == ' ')
        b--;
    if (b > 0 && t[b - 1] >= '0' && t[b - 1] <= '9')
        return true;
    size_t a = b;
    while (a > 0 && ((t[a - 1] | 0x20) >= 'a' && (t[a - 1] | 0x20) <= 'z'))
        a--;
    char prev[24];
    return b > a && extract__copy_nfc(c, a, b, prev, sizeof prev, true, true) > 0 &&
           ex_word_number(prev) != 0;
}

size_t extract__on_money_word(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    const char *t = c->in->strip;
    char word[24], unit[24];
    if (extract__copy_nfc(c, ov[2], ov[3], word, sizeof word, true, true) == 0 ||
        extract__copy_nfc(c, ov[6], ov[7], unit, sizeof unit, true, true) == 0)
        return ov[1];
    int64_t mult = ex_unit(unit);
    /* "ti" without diacritics is also "tí" (a little); "cu" is "cũ", "cụ" */
    if (strcmp(unit, "ti") == 0 || strcmp(unit, "cu") == 0)
        mult = 0;
    int n = ex_word_number(word);
    /* "Nam Ngạn" typed as "Nam Ngan" is a place: a unit in title case is a name */
    bool name = t[ov[6]] >= 'A' && t[ov[6]] <= 'Z' && t[ov[6] + 1] >= 'a' && t[ov[6] + 1] <= 'z';
    if (n == 0 || mult == 0 || name || ex_after_number(c, ov[0]))
        return ov[1];
    if (ov[4] != PCRE2_UNSET) /* trăm, chục */
        mult *= (t[ov[4]] | 0x20) == 't' ? 100 : 10;
    int64_t v = n * mult + (ov[8] != PCRE2_UNSET ? mult / 2 : 0); /* rưỡi: and a half */
    (void)ex_money_range(c, ov[0]);
    ex_money_add(c, ov[0], ov[1], v);
    extract__mask(c, ov[0], ov[1]);
    return ov[1];
}

size_t extract__on_money_bare(struct ex_ctx *c, const PCRE2_SIZE *ov)
{
    int64_t v = ex_scaled(c->in->strip + ov[2], ov[3] - ov[2], 1, false);
    if (v >= 1000000)
        ex_money_add(c, ov[0], ov[1], v);
    return ov[1];
}

/* "150k/tháng": an amount followed by "/" is a rate. */
static bool ex_money_rate(const struct ex_ctx *c, size_t i)
{
    size_t e = c->money_end[i];
    while (e < c->in->strip_len && c->in->strip[e] == ' ')
        e++;
    return e < c->in->strip_len && c->in->strip[e] == '/';
}

/* See extract_impl.h. */
int64_t extract__money_reported(const struct ex_ctx *c)
{
    const struct extract_result *o = c->out;
    int64_t stake = -1, plain = -1, any = -1;
    for (size_t i = 0; i < o->nmoney; i++) {
        int64_t v = o->money[i];
        if (c->money_cue[i] == EX_CUE_TOTAL)
            return v;
        bool rate = ex_money_rate(c, i);
        if (c->money_cue[i] == EX_CUE_STAKE && !rate && v > stake)
            stake = v;
        if (c->money_cue[i] != EX_CUE_PAY && !rate && v > plain)
            plain = v;
        if (v > any)
            any = v;
    }
    return stake >= 0 ? stake : plain >= 0 ? plain : any;
}
