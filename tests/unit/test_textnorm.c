/*
 * test_textnorm.c — the normalisation tables: every Vietnamese vowel in both cases composes to
 * the same code point from its precomposed, decomposed and Windows-1258 (tone before modifier)
 * forms; lower-casing covers every capital and Đ; folding gives one ASCII letter per Vietnamese
 * letter; outputs are bounded and always valid UTF-8.
 */
#include "testlib.h"

#include "base/utf8.h"
#include "base/textnorm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The 72 lowercase and 72 capital vowels, in NFC: a ă â e ê i o ô ơ u ư y, each followed by its
 * five tones (grave, acute, hook, tilde, dot). Written out here, independent of textnorm.c. */
static const char *const lower_vowels =
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ";
static const char *const upper_vowels =
    "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴ";
static const char bases[] = "aaaeeiooouuy";
/* the modifier mark each vowel needs: 0 none, else U+0306 breve, U+0302 circumflex, U+031B horn */
static const uint32_t modifiers[12] = {0, 0x306, 0x302, 0, 0x302, 0, 0, 0x302, 0x31B, 0, 0x31B, 0};
static const uint32_t tones[6] = {0, 0x300, 0x301, 0x309, 0x303, 0x323};

/* The i-th code point of s, encoded (NUL-terminated) into out. */
static void nth(const char *s, int i, char out[8])
{
    size_t at = 0, len = strlen(s);
    uint32_t cp = 0;
    for (int k = 0; k <= i; k++)
        at += utf8_decode(s + at, len - at, &cp);
    out[utf8_encode(cp, out)] = '\0';
}

static size_t put(char *buf, size_t at, uint32_t cp)
{
    return cp ? at + utf8_encode(cp, buf + at) : at;
}

static void test_every_vowel_composes_from_decomposed_and_windows_1258_order(void)
{
    for (int upper = 0; upper < 2; upper++)
        for (int v = 0; v < 12; v++)
            for (int t = 0; t < 6; t++) {
                char want[8], dec[16], w1258[16], out[32];
                nth(upper ? upper_vowels : lower_vowels, v * 6 + t, want);
                uint32_t base = (uint32_t)(upper ? bases[v] - 32 : bases[v]);
                size_t n = put(dec, put(dec, put(dec, 0, base), modifiers[v]), tones[t]);
                dec[n] = '\0';
                n = put(w1258, put(w1258, put(w1258, 0, base), tones[t]), modifiers[v]);
                w1258[n] = '\0';
                textnorm_nfc(dec, strlen(dec), out, sizeof out);
                CHECK_STR(out, want);
                textnorm_nfc(w1258, strlen(w1258), out, sizeof out);
                CHECK_STR(out, want);
                textnorm_nfc(want, strlen(want), out, sizeof out);
                CHECK_STR(out, want);
            }
}

static void test_precomposed_modifier_then_combining_tone_composes(void)
{
    char out[32];
    textnorm_nfc("\xC3\xA2\xCC\x81", 4, out, sizeof out); /* â + U+0301 */
    CHECK_STR(out, "ấ");
    textnorm_nfc("\xE1\xBA\xA1\xCC\x82", 5, out, sizeof out); /* ạ + U+0302 */
    CHECK_STR(out, "ậ");
    textnorm_nfc("o\xCC\xA3\xCC\x9B", 5, out, sizeof out); /* o + dot below + horn */
    CHECK_STR(out, "ợ");
    textnorm_nfc("d\xCC\xB5", 3, out, sizeof out); /* d + combining short stroke */
    CHECK_STR(out, "đ");
}

static void test_marks_on_other_letters_are_kept(void)
{
    char out[32];
    const char *s = "x\xCC\x81 n\xCC\x83"; /* x́ ñ (not Vietnamese) */
    textnorm_nfc(s, strlen(s), out, sizeof out);
    CHECK_STR(out, s);
    CHECK_INT(textnorm_fold(s, strlen(s), out, sizeof out), 3);
    CHECK_STR(out, "x n");
}

static void test_lower_maps_every_capital_and_d_stroke(void)
{
    char out[512];
    textnorm_lower(upper_vowels, strlen(upper_vowels), out, sizeof out);
    CHECK_STR(out, lower_vowels);
    const char *s = "ĐẶNG VĂN ẤN, ĐƯỜNG LÊ LỢI – ÇÀ ÑÖ ΑΒΓ АБВ ＡＢＣ";
    textnorm_lower(s, strlen(s), out, sizeof out);
    CHECK_STR(out, "đặng văn ấn, đường lê lợi – çà ñö αβγ абв ａｂｃ");
}

static void test_fold_gives_one_ascii_letter_per_vietnamese_letter(void)
{
    char out[512], want[128];
    size_t n = 0;
    for (int v = 0; v < 12; v++)
        for (int t = 0; t < 6; t++)
            want[n++] = bases[v];
    want[n] = '\0';
    CHECK_INT(textnorm_fold(lower_vowels, strlen(lower_vowels), out, sizeof out), 72);
    CHECK_STR(out, want);
    CHECK_INT(textnorm_fold(upper_vowels, strlen(upper_vowels), out, sizeof out), 72);
    CHECK_STR(out, want);
    const char *s = "Đường Lê Lợi, phường Đống Đa: 200.000đ 😀";
    textnorm_fold(s, strlen(s), out, sizeof out);
    CHECK_STR(out, "duong le loi, phuong dong da: 200.000d 😀");
}

static void test_decomposed_and_precomposed_fold_and_lower_identically(void)
{
    const char *pre = "Tối qua nhà tôi ở ngõ 58 bị TRỘM mất xe";
    const char *dec =
        "To\xCC\x82\xCC\x81i qua nha\xCC\x80 to\xCC\x82i o\xCC\x9B\xCC\x89 ngo\xCC\x83 58 "
        "bi\xCC\xA3 TRO\xCC\x82\xCC\xA3M ma\xCC\x82\xCC\x81t xe";
    char a[128], b[128];
    textnorm_nfc(dec, strlen(dec), a, sizeof a);
    CHECK_STR(a, pre);
    textnorm_lower(pre, strlen(pre), a, sizeof a);
    textnorm_lower(dec, strlen(dec), b, sizeof b);
    CHECK_STR(a, b);
    textnorm_fold(pre, strlen(pre), a, sizeof a);
    textnorm_fold(dec, strlen(dec), b, sizeof b);
    CHECK_STR(a, b);
    CHECK_STR(a, "toi qua nha toi o ngo 58 bi trom mat xe");
}

static void test_strip_keeps_case_and_maps_back_to_the_input(void)
{
    const char *s = "ngõ 58 Trần Bình";
    char out[64];
    uint32_t map[64];
    size_t n = textnorm_strip(s, strlen(s), out, sizeof out, map);
    CHECK_STR(out, "ngo 58 Tran Binh");
    CHECK_INT(map[n], strlen(s));
    /* "Tran" is out[7..11): in the input it is the bytes from map[7] to map[11] */
    CHECK_INT(map[11] - map[7], strlen("Trần"));
    CHECK(memcmp(s + map[7], "Trần", strlen("Trần")) == 0);
}

static void test_output_is_bounded_and_cut_at_a_code_point(void)
{
    char out[8];
    CHECK_INT(textnorm_nfc("ấấấ", strlen("ấấấ"), out, 7), 6); /* 3 bytes each, room for 2 */
    CHECK_STR(out, "ấấ");
    CHECK_INT(textnorm_nfc("ấấấ", strlen("ấấấ"), out, 6), 3);
    CHECK(utf8_valid(out, strlen(out)));
    CHECK_INT(textnorm_fold("ấấấ", strlen("ấấấ"), out, 3), 2);
    CHECK_STR(out, "aa");
    CHECK_INT(textnorm_lower("abc", 3, out, 1), 0);
    CHECK_STR(out, "");
    CHECK_INT(textnorm_lower("abc", 3, out, 0), 0); /* nothing written at all */
}

static void test_invalid_input_never_yields_invalid_output(void)
{
    const char bad[] = "a\xC3\x28 b\xE1\xBA z\xF0\x28\x8C\xBC \xC0\x80 q\x00r";
    size_t len = sizeof bad - 1;
    char out[128];
    size_t (*fns[])(const char *, size_t, char *, size_t) = {textnorm_nfc, textnorm_lower,
                                                             textnorm_fold};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        size_t n = fns[i](bad, len, out, sizeof out);
        CHECK(utf8_valid(out, n));
        CHECK(strstr(out, "\xEF\xBF\xBD") != NULL); /* U+FFFD stands for each bad byte */
        CHECK(strchr(out, 'r') != NULL);            /* the NUL did not end the text */
    }
    /* a truncated sequence at the very end */
    size_t n = textnorm_nfc("ab\xE1\xBA", 4, out, sizeof out);
    CHECK(utf8_valid(out, n));
}

/* textnorm_all of s gives what the three single functions give; lower (128 bytes) keeps the
 * lower case form for the caller to look into. */
static void check_all_forms_agree(const char *s, char *lower)
{
    char fold[128], strip[128], want[128];
    uint32_t map[128], want_map[128];
    struct textnorm_forms f = {lower, fold, strip, map, 128, 0, 0, 0};
    textnorm_all(s, strlen(s), &f);
    CHECK_INT(f.lower_len, textnorm_lower(s, strlen(s), want, sizeof want));
    CHECK_STR(lower, want);
    CHECK_INT(f.fold_len, textnorm_fold(s, strlen(s), want, sizeof want));
    CHECK_STR(fold, want);
    CHECK_INT(f.strip_len, textnorm_strip(s, strlen(s), want, sizeof want, want_map));
    CHECK_STR(strip, want);
    CHECK(memcmp(map, want_map, (f.strip_len + 1) * sizeof map[0]) == 0);
}

static void test_all_forms_at_once_match_the_single_functions(void)
{
    char lower[128], fold[128], strip[128];
    uint32_t map[128];
    check_all_forms_agree("Tối qua ở ngõ 58 Trần Bình, ĐƯỜNG x\xCC\x81 😀 bị TRỘM", lower);
    /* bounded like the others */
    struct textnorm_forms g = {lower, fold, strip, map, 6, 0, 0, 0};
    textnorm_all("ấấấ", strlen("ấấấ"), &g);
    CHECK_STR(lower, "ấ");
    CHECK_STR(fold, "aaa");
    CHECK(utf8_valid(lower, g.lower_len) && map[g.strip_len] == strlen("ấấấ"));
}

/* The extractors read a word of the lowered text at the NFC text's offsets (text/extract.h):
 * that holds only if lower case never changes a code point's encoded length, and lowering NFC
 * text consumes exactly what it writes. */
static void test_lower_keeps_every_length_and_offset(void)
{
    for (uint32_t cp = 1; cp < 0x110000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char a[4], b[4];
        CHECK_INT(utf8_encode(textnorm_lower_cp(cp), b), utf8_encode(cp, a));
    }
    const char *tricky[] = {"A\xCC\x81O\xCC\x9B\xCC\x80 d\xCC\xB5 \xE1\xBA\xA6\xCC\x86",
                            "Tối qua ĐƯỜNG x\xCC\x81 😀 \xC3\x28 q", "E\xCC\x80\xCC\x82 Ω Ж Ｑ"};
    for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
        char nfc[128], low[128];
        size_t n = textnorm_nfc(tricky[i], strlen(tricky[i]), nfc, sizeof nfc);
        CHECK_INT(textnorm_lower(nfc, n, low, sizeof low), n);
    }
}

/* ASCII takes a shorter road through textnorm_all (base/textnorm.c): it must end where the
 * general one does, also when a combining mark follows an ASCII vowel or the room runs out. */
static void test_ascii_road_agrees_with_the_general_one(void)
{
    char lower[128], fold[128], strip[128], want[128];
    uint32_t map[128], want_map[128];
    check_all_forms_agree("Hem 12 Ly Thuong Kiet, TP.HCM a\xCC\x81 e\xCC\x82\xCC\x81 D\xCC\xB5",
                          lower);
    CHECK(strstr(lower, "á ế đ") != NULL);
    struct textnorm_forms g = {lower, fold, strip, map, 4, 0, 0, 0};
    textnorm_all("abCDef", 6, &g);
    CHECK_STR(lower, "abc");
    CHECK_STR(fold, "abc");
    CHECK_STR(strip, "abC");
    CHECK_INT(map[3], 3);
    CHECK_INT(textnorm_strip("abCDef", 6, want, 4, want_map), 3);
    CHECK_INT(textnorm_lower("abCDef", 6, want, 4), 3);
    CHECK_STR(want, "abc");
}

static void test_per_code_point_helpers(void)
{
    CHECK_INT(textnorm_lower_cp(0x110), 0x111);   /* Đ */
    CHECK_INT(textnorm_lower_cp(0x1EA4), 0x1EA5); /* Ấ */
    CHECK_INT(textnorm_lower_cp('Q'), 'q');
    CHECK_INT(textnorm_base_cp(0x1EE3), 'o'); /* ợ */
    CHECK_INT(textnorm_base_cp(0x1EF0), 'U'); /* Ự */
    CHECK_INT(textnorm_base_cp(0x111), 'd');
    CHECK_INT(textnorm_base_cp(0x4E2D), 0); /* 中 */
}

TESTLIB_MAIN(T(test_every_vowel_composes_from_decomposed_and_windows_1258_order),
             T(test_precomposed_modifier_then_combining_tone_composes),
             T(test_marks_on_other_letters_are_kept), T(test_lower_maps_every_capital_and_d_stroke),
             T(test_fold_gives_one_ascii_letter_per_vietnamese_letter),
             T(test_decomposed_and_precomposed_fold_and_lower_identically),
             T(test_strip_keeps_case_and_maps_back_to_the_input),
             T(test_output_is_bounded_and_cut_at_a_code_point),
             T(test_invalid_input_never_yields_invalid_output),
             T(test_all_forms_at_once_match_the_single_functions),
             T(test_lower_keeps_every_length_and_offset),
             T(test_ascii_road_agrees_with_the_general_one), T(test_per_code_point_helpers))
