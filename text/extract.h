/*
 * extract.h — the entities a tip form is pre-filled with, found by PCRE2 patterns (UTF + UCP,
 * JIT-compiled once by extract_new): phone numbers, licence plates, URLs and bare domains, the
 * amounts of money; and, read over words (text/extract_words.c), the place and the time as the
 * writer gave them. text/textengine.c is the caller.
 *
 * The patterns run on the stripped form of the text (textnorm_strip: no diacritics, case kept),
 * so "đường" and "duong", "200.000đ" and "200.000d" are the same to them; what is returned as
 * written (URLs, places, times) is cut from the NFC text through the strip map.
 *
 * Normal forms (shared/data/README.md is the reference):
 *  - phones: digits only, national form, mobiles only: 0 + 9 digits (+84 912 345 678, 84912345678,
 *    +84 (0) 912…, 0 9 1 2 … typed digit by digit, 0912/345/678 → 0912345678); two numbers
 *    joined by a dash or a slash are both found. The README's phones are "10 digits starting
 *    with 0": landlines (0 + 10 digits since 2017, 024 3825 1234) and 1800/1900 service numbers
 *    are recognised so that no other rule reads their digits, and not reported. Never
 *    113/114/115, amounts, plates, dates, identity-card or bank-account numbers (a number right
 *    after "stk" / "số tài khoản" is not a phone).
 *  - plates: province + series, a dash, the digits: 29A-123.45 → 29A-12345, 59 x1 234 56 →
 *    59X1-23456, 37LD-02281, 29MĐ1-123.45 → 29MD1-12345, 76C-04 567 → 76C-04567, 29A-1234 (old
 *    four-digit plates). A part of a plate (29C-xxx.xx, "29B1-999 gì đó") is not a plate.
 *  - urls: scheme URLs, www. and bare domains with a known top-level domain, lowercased; the
 *    punctuation, closing brackets and quotes typed after one ("…", ".", ")", "”") dropped, a
 *    closing bracket kept when the URL opened one; e-mail addresses are not URLs.
 *  - money: in đồng. 500k, 2tr, 2tr5, 1,5 tỷ, 50 triệu, 3 củ, 200.000đ, 2 triệu rưỡi, 2 trăm
 *    nghìn, 15 chục triệu, amounts in words ("hai trăm ngàn", "ba triệu rưỡi"), and bare amounts
 *    with at least two thousands groups (1.500.000), "1 tỷ 850", "800 đồng/lít". A range ("2-3
 *    triệu", "từ 2 triệu đến 3 triệu") counts as its upper end. Not money: counts ("30k
 *    follow"), "2 xị" (liquor). money[] holds every amount in text order; money_vnd is the one
 *    at stake (tips-dev2's rule): the first total ("tổng cộng 50 triệu"), else the largest
 *    amount lost, demanded, owed, bet or paid over ("vay 20tr giờ bị đòi 60tr" → 60tr; "lương
 *    12tr/tháng … nộp phí 1tr5" → 1tr5), else the largest amount that is neither pay nor a rate
 *    ("150k/tháng"), else the largest amount; -1 when none.
 *  - place: the span of the text naming the place, cleaned of filler: "quán karaoke Sao Mai
 *    đầu ngõ 40 Tạ Quang Bửu", "ấp Long Thuận, gần tiệm sửa xe Hai Tèo", "Sa Pa" in "ở Sa Pa"
 *    (text/extract_place.c); "" when none.
 *  - when: one span naming the time: "tối qua khoảng 22h", "đêm nào cũng", "đang diễn ra"
 *    (text/extract_when.c); "" when none.
 *
 * extract_run is thread-safe: the compiled patterns are read-only and each call uses its own
 * match data.
 */
#ifndef TIPGATE_EXTRACT_H
#define TIPGATE_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    EXTRACT_MAX_ITEMS = 8,  /* per kind and message; more are ignored */
    EXTRACT_PHONE_MAX = 16, /* bytes, with the NUL */
    EXTRACT_PLATE_MAX = 16,
    EXTRACT_URL_MAX = 384, /* longer URLs are not kept (a cut URL would be wrong) */
    EXTRACT_HINT_MAX = 128 /* when/where strings, cut at a code point boundary */
};

enum extract_status { EXTRACT_OK = 0, EXTRACT_ENOMEM = -1, EXTRACT_EPATTERN = -2 };

struct extract;

/* The text in the forms the patterns need (see textnorm.h). strip/strip_len is
 * textnorm_strip(nfc) and map its map (strip_len + 1 entries). lower, when not NULL, is
 * textnorm_lower(nfc) with exactly nfc_len bytes, so that an offset of nfc is the same offset
 * of lower (lower case never changes a code point's length; test_textnorm checks it); NULL
 * makes the extractors lower what they need themselves. */
struct extract_input {
    const char *nfc;
    size_t nfc_len;
    const char *strip;
    size_t strip_len;
    const uint32_t *map;
    const char *lower;
};

struct extract_result {
    size_t nphones, nplates, nurls;
    char phones[EXTRACT_MAX_ITEMS][EXTRACT_PHONE_MAX];
    char plates[EXTRACT_MAX_ITEMS][EXTRACT_PLATE_MAX];
    char urls[EXTRACT_MAX_ITEMS][EXTRACT_URL_MAX];
    size_t nmoney; /* amounts found, in text order */
    int64_t money[EXTRACT_MAX_ITEMS];
    int64_t money_vnd;            /* the amount at stake (see above), or -1 */
    char when[EXTRACT_HINT_MAX];  /* "" when none */
    char place[EXTRACT_HINT_MAX]; /* "" when none */
};

/* Compiles and JIT-compiles the patterns. On failure returns EXTRACT_EPATTERN (with err
 * naming the pattern) or EXTRACT_ENOMEM and *out is NULL. *out is freed with extract_free. */
int extract_new(struct extract **out, char *err, size_t errlen);
void extract_free(struct extract *ex);

/* Fills *out (all fields are reset first). Returns EXTRACT_OK or EXTRACT_ENOMEM. */
int extract_run(const struct extract *ex, const struct extract_input *in,
                struct extract_result *out);

/* Convenience for tests and tools: NFC + strip of text (at most 4096 bytes are looked at),
 * then extract_run. */
int extract_text(const struct extract *ex, const char *text, struct extract_result *out);

#endif
