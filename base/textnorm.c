/*
 * textnorm.c — see textnorm.h. One reader, textnorm_take(), turns the input into composed code
 * points (a Vietnamese base vowel absorbs the combining tone and modifier marks that follow it,
 * in any order); the four public functions differ only in the per-code-point mapping applied to
 * what it yields (identity, lower, fold, strip), so they cannot disagree about composition.
 *
 * The tables were generated from Python's unicodedata (NFC of vowel + tone, upper()) and are
 * checked by tests/unit/test_textnorm.c against every letter in both cases and both forms.
 * A full Unicode NFC was rejected: it needs the whole UCD, and true NFC does not compose the
 * Windows-1258 order (tone before circumflex) that residents' keyboards still produce.
 */
#include "base/textnorm.h"

#include "base/utf8.h"

#include <stdbool.h>
#include <string.h>

enum { TN_VOWELS = 12, TN_TONES = 6 };

/* [case][vowel][tone]: vowels a ă â e ê i o ô ơ u ư y; tones none, grave, acute, hook above,
 * tilde, dot below. */
static const uint16_t tn_vowel[2][TN_VOWELS][TN_TONES] = {
    {
        {0x0061, 0x00E0, 0x00E1, 0x1EA3, 0x00E3, 0x1EA1}, /* a */
        {0x0103, 0x1EB1, 0x1EAF, 0x1EB3, 0x1EB5, 0x1EB7}, /* ă */
        {0x00E2, 0x1EA7, 0x1EA5, 0x1EA9, 0x1EAB, 0x1EAD}, /* â */
        {0x0065, 0x00E8, 0x00E9, 0x1EBB, 0x1EBD, 0x1EB9}, /* e */
        {0x00EA, 0x1EC1, 0x1EBF, 0x1EC3, 0x1EC5, 0x1EC7}, /* ê */
        {0x0069, 0x00EC, 0x00ED, 0x1EC9, 0x0129, 0x1ECB}, /* i */
        {0x006F, 0x00F2, 0x00F3, 0x1ECF, 0x00F5, 0x1ECD}, /* o */
        {0x00F4, 0x1ED3, 0x1ED1, 0x1ED5, 0x1ED7, 0x1ED9}, /* ô */
        {0x01A1, 0x1EDD, 0x1EDB, 0x1EDF, 0x1EE1, 0x1EE3}, /* ơ */
        {0x0075, 0x00F9, 0x00FA, 0x1EE7, 0x0169, 0x1EE5}, /* u */
        {0x01B0, 0x1EEB, 0x1EE9, 0x1EED, 0x1EEF, 0x1EF1}, /* ư */
        {0x0079, 0x1EF3, 0x00FD, 0x1EF7, 0x1EF9, 0x1EF5}, /* y */
    },
    {
        {0x0041, 0x00C0, 0x00C1, 0x1EA2, 0x00C3, 0x1EA0}, /* A */
        {0x0102, 0x1EB0, 0x1EAE, 0x1EB2, 0x1EB4, 0x1EB6}, /* Ă */
        {0x00C2, 0x1EA6, 0x1EA4, 0x1EA8, 0x1EAA, 0x1EAC}, /* Â */
        {0x0045, 0x00C8, 0x00C9, 0x1EBA, 0x1EBC, 0x1EB8}, /* E */
        {0x00CA, 0x1EC0, 0x1EBE, 0x1EC2, 0x1EC4, 0x1EC6}, /* Ê */
        {0x0049, 0x00CC, 0x00CD, 0x1EC8, 0x0128, 0x1ECA}, /* I */
        {0x004F, 0x00D2, 0x00D3, 0x1ECE, 0x00D5, 0x1ECC}, /* O */
        {0x00D4, 0x1ED2, 0x1ED0, 0x1ED4, 0x1ED6, 0x1ED8}, /* Ô */
        {0x01A0, 0x1EDC, 0x1EDA, 0x1EDE, 0x1EE0, 0x1EE2}, /* Ơ */
        {0x0055, 0x00D9, 0x00DA, 0x1EE6, 0x0168, 0x1EE4}, /* U */
        {0x01AF, 0x1EEA, 0x1EE8, 0x1EEC, 0x1EEE, 0x1EF0}, /* Ư */
        {0x0059, 0x1EF2, 0x00DD, 0x1EF6, 0x1EF8, 0x1EF4}, /* Y */
    },
};

/* The inverse of tn_vowel for the two ranges where precomposed vowels live, 16 code points a
 * line: 0 = not a vowel, else 1 + (case * 12 + vowel) * 6 + tone. */
/* clang-format off */
static const uint8_t tn_latin[0x1B0 - 0xC0 + 1] = {
    74, 75, 85, 77, 0, 0, 0, 0, 92, 93, 97, 0, 104, 105, 0, 0,
    0, 0, 110, 111, 115, 113, 0, 0, 0, 128, 129, 0, 0, 141, 0, 0,
    2, 3, 13, 5, 0, 0, 0, 0, 20, 21, 25, 0, 32, 33, 0, 0,
    0, 0, 38, 39, 43, 41, 0, 0, 0, 56, 57, 0, 0, 69, 0, 0,
    0, 0, 79, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 107, 35, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 131, 59, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    121, 49, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 133,
    61,
};
static const uint8_t tn_ext[0x1EF9 - 0x1EA0 + 1] = {
    78, 6, 76, 4, 87, 15, 86, 14, 88, 16, 89, 17, 90, 18, 81, 9,
    80, 8, 82, 10, 83, 11, 84, 12, 96, 24, 94, 22, 95, 23, 99, 27,
    98, 26, 100, 28, 101, 29, 102, 30, 106, 34, 108, 36, 114, 42, 112, 40,
    117, 45, 116, 44, 118, 46, 119, 47, 120, 48, 123, 51, 122, 50, 124, 52,
    125, 53, 126, 54, 132, 60, 130, 58, 135, 63, 134, 62, 136, 64, 137, 65,
    138, 66, 140, 68, 144, 72, 142, 70, 143, 71,
};

/* clang-format on */

/* The ASCII letter of each vowel. */
static const char tn_vowel_base[TN_VOWELS] = {'a', 'a', 'a', 'e', 'e', 'i',
                                              'o', 'o', 'o', 'u', 'u', 'y'};

/* Latin-1 letters U+00C0..U+00FF without their accents; '.' = keep the code point. */
static const char tn_latin1_base[64 + 1] = "AAAAAA.CEEEEIIIIDNOOOOO.OUUUUY.."
                                           "aaaaaa.ceeeeiiiidnooooo.ouuuuy.y";

/* Packed vowel (see tn_latin) of a composed code point, 0 if it is not one. */
static int tn_vowel_of(uint32_t cp)
{
    if (cp < 0x80) {
        /* a e i o u y → vowels 0 3 5 6 9 11, capitals 12 later */
        static const uint8_t ascii[128] = {
            ['a'] = 1,  ['e'] = 19, ['i'] = 31,  ['o'] = 37,  ['u'] = 55,  ['y'] = 67,
            ['A'] = 73, ['E'] = 91, ['I'] = 103, ['O'] = 109, ['U'] = 127, ['Y'] = 139};
        return ascii[cp];
    }
    if (cp >= 0xC0 && cp <= 0x1B0)
        return tn_latin[cp - 0xC0];
    if (cp >= 0x1EA0 && cp <= 0x1EF9)
        return tn_ext[cp - 0x1EA0];
    return 0;
}

/* The tone a combining mark gives (1..5), 0 if it is not a tone mark. U+0340/U+0341 are the
 * deprecated grave/acute tone marks some old keyboards emit. */
static int tn_tone_of(uint32_t m)
{
    switch (m) {
    case 0x0300:
    case 0x0340:
        return 1;
    case 0x0301:
    case 0x0341:
        return 2;
    case 0x0309:
        return 3;
    case 0x0303:
        return 4;
    case 0x0323:
        return 5;
    default:
        return 0;
    }
}

/* The vowel a modifier mark turns `vowel` into (a+breve → ă …), -1 if it does not apply. */
static int tn_modify(int vowel, uint32_t m)
{
    static const struct {
        int from;
        uint32_t mark;
        int to;
    } rules[] = {{0, 0x0306, 1}, {0, 0x0302, 2}, {3, 0x0302, 4},
                 {6, 0x0302, 7}, {6, 0x031B, 8}, {9, 0x031B, 10}};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i].from == vowel && rules[i].mark == m)
            return rules[i].to;
    return -1;
}

/* Reads one composed code point at in[i] into *out; returns the bytes consumed (>= 1). */
static size_t tn_take(const char *in, size_t len, size_t i, uint32_t *out)
{
    uint32_t cp, m;
    unsigned char c0 = (unsigned char)in[i];
    /* The common case: an ASCII character not followed by a combining mark (a mark is never
     * ASCII), so there is nothing to compose with it. */
    if (c0 < 0x80 && c0 != 0 && (i + 1 == len || (unsigned char)in[i + 1] < 0x80)) {
        *out = c0;
        return 1;
    }
    size_t n = utf8_decode(in + i, len - i, &cp);
    if (n == 0 || cp == 0) {
        *out = 0xFFFD;
        return 1;
    }
    size_t at = i + n, k;
    if ((cp == 'd' || cp == 'D') && (k = utf8_decode(in + at, len - at, &m)) != 0 &&
        (m == 0x0335 || m == 0x0336)) { /* d + combining stroke, as some keyboards type đ */
        *out = cp == 'd' ? 0x111 : 0x110;
        return n + k;
    }
    int v = tn_vowel_of(cp);
    if (!v) {
        *out = cp;
        return n;
    }
    int upper = (v - 1) / (TN_VOWELS * TN_TONES);
    int vowel = (v - 1) / TN_TONES % TN_VOWELS, tone = (v - 1) % TN_TONES;
    while ((k = utf8_decode(in + at, len - at, &m)) != 0) {
        int t = tn_tone_of(m), nv;
        if (t && !tone)
            tone = t;
        else if ((nv = tn_modify(vowel, m)) >= 0)
            vowel = nv;
        else
            break;
        at += k;
    }
    *out = tn_vowel[upper][vowel][tone];
    return at - i;
}

uint32_t textnorm_lower_cp(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    int v = tn_vowel_of(cp);
    if (v > TN_VOWELS * TN_TONES) {
        v -= TN_VOWELS * TN_TONES + 1;
        return tn_vowel[0][v / TN_TONES][v % TN_TONES];
    }
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) ||
        (cp >= 0x410 && cp <= 0x42F) || (cp >= 0xFF21 && cp <= 0xFF3A))
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    if (cp == 0x178)
        return 0xFF;
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177))
        return cp | 1; /* pairs: even capital, odd small (Đ U+0110 → đ U+0111) */
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return cp & 1 ? cp + 1 : cp;
    return cp;
}

uint32_t textnorm_base_cp(uint32_t cp)
{
    int v = tn_vowel_of(cp);
    if (v && cp >= 0x80) {
        int upper = (v - 1) / (TN_VOWELS * TN_TONES);
        char c = tn_vowel_base[(v - 1) / TN_TONES % TN_VOWELS];
        return (uint32_t)(upper ? c - 32 : c);
    }
    if (cp == 0x110 || cp == 0x111)
        return cp == 0x110 ? 'D' : 'd';
    if (cp >= 0xC0 && cp <= 0xFF && tn_latin1_base[cp - 0xC0] != '.')
        return (uint32_t)tn_latin1_base[cp - 0xC0];
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return cp - 0xFF10 + '0';
    if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A))
        return cp - 0xFF21 + 'A';
    return 0;
}

static uint32_t tn_identity(uint32_t cp)
{
    return cp;
}

static uint32_t tn_fold_cp(uint32_t cp)
{
    if (cp >= 0x300 && cp <= 0x36F)
        return 0;
    uint32_t b = textnorm_base_cp(cp);
    return b ? textnorm_lower_cp(b) : textnorm_lower_cp(cp);
}

static uint32_t tn_strip_cp(uint32_t cp)
{
    if (cp >= 0x300 && cp <= 0x36F)
        return 0;
    uint32_t b = textnorm_base_cp(cp);
    return b ? b : cp;
}

/* The one loop behind the public functions: composed code points through fn into out. */
static size_t tn_run(const char *in, size_t len, char *out, size_t cap, uint32_t *map,
                     uint32_t (*fn)(uint32_t))
{
    if (cap == 0)
        return 0;
    size_t at = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = tn_take(in, len, i, &cp);
        cp = fn(cp);
        if (cp != 0 && cp < 0x80 && at + 2 <= cap) { /* ASCII: one byte, no encoding */
            if (map)
                map[at] = (uint32_t)i;
            out[at++] = (char)cp;
        } else if (cp != 0) {
            char enc[4];
            size_t k = utf8_encode(cp, enc);
            if (at + k + 1 > cap)
                break;
            memcpy(out + at, enc, k);
            for (size_t j = 0; map && j < k; j++)
                map[at + j] = (uint32_t)i;
            at += k;
        }
        i += n;
    }
    out[at] = '\0';
    if (map)
        map[at] = (uint32_t)i;
    return at;
}

/* Appends cp to buf (at *at, cap bytes, room kept for the NUL); false when it does not fit. */
static bool tn_put(char *buf, size_t cap, size_t *at, uint32_t cp)
{
    char enc[4];
    size_t k = utf8_encode(cp, enc);
    if (*at + k + 1 > cap)
        return false;
    memcpy(buf + *at, enc, k);
    *at += k;
    return true;
}

void textnorm_all(const char *in, size_t len, struct textnorm_forms *f)
{
    size_t i = 0, lo = 0, fo = 0, so = 0;
    bool lower_ok = f->cap > 0, fold_ok = f->cap > 0, strip_ok = f->cap > 0;
    while (i < len && (lower_ok || fold_ok || strip_ok)) {
        uint32_t cp;
        size_t n = tn_take(in, len, i, &cp);
        if (cp < 0x80 && lower_ok && fold_ok && strip_ok && so + 1 < f->cap && fo + 1 < f->cap &&
            lo + 1 < f->cap) {
            /* ASCII, most of what residents type: lower and fold are the lower case letter,
             * strip the character itself; one byte each, no encoding. */
            char low = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            f->lower[lo++] = low;
            f->fold[fo++] = low;
            f->map[so] = (uint32_t)i;
            f->strip[so++] = (char)cp;
            i += n;
            f->map[so] = (uint32_t)i;
            continue;
        }
        uint32_t l = textnorm_lower_cp(cp), d = tn_fold_cp(cp), s = tn_strip_cp(cp);
        lower_ok = lower_ok && tn_put(f->lower, f->cap, &lo, l);
        fold_ok = fold_ok && (!d || tn_put(f->fold, f->cap, &fo, d));
        if (strip_ok && s) {
            size_t before = so;
            strip_ok = tn_put(f->strip, f->cap, &so, s);
            for (size_t j = before; j < so; j++)
                f->map[j] = (uint32_t)i;
        }
        i += n;
        if (strip_ok && f->cap)
            f->map[so] = (uint32_t)i;
    }
    if (f->cap) {
        f->lower[lo] = f->fold[fo] = f->strip[so] = '\0';
        if (so == 0)
            f->map[0] = strip_ok ? (uint32_t)i : 0;
    }
    f->lower_len = lo, f->fold_len = fo, f->strip_len = so;
}

size_t textnorm_nfc(const char *in, size_t len, char *out, size_t cap)
{
    return tn_run(in, len, out, cap, NULL, tn_identity);
}

size_t textnorm_lower(const char *in, size_t len, char *out, size_t cap)
{
    return tn_run(in, len, out, cap, NULL, textnorm_lower_cp);
}

size_t textnorm_fold(const char *in, size_t len, char *out, size_t cap)
{
    return tn_run(in, len, out, cap, NULL, tn_fold_cp);
}

size_t textnorm_strip(const char *in, size_t len, char *out, size_t cap, uint32_t *map)
{
    return tn_run(in, len, out, cap, map, tn_strip_cp);
}
