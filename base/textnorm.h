/*
 * textnorm.h — Vietnamese text normalisation for the text engine (text/textengine.c):
 * composition to NFC, case folding and a folded form without diacritics. No ICU: one table of
 * the twelve Vietnamese vowels (a ă â e ê i o ô ơ u ư y) times the six tones, in both cases,
 * plus đ/Đ, is enough for what residents type. Decomposed input (base + combining marks, in
 * either order, as Windows-1258 keyboards emit them: tone before modifier) composes to the same
 * code point as precomposed input, so every function here gives identical output for both.
 *
 * Every function writes into a caller buffer of cap bytes (cap counts the terminating NUL; the
 * output is always NUL-terminated when cap >= 1), returns the number of bytes written without
 * the NUL, cuts only at code point boundaries, and never writes invalid UTF-8: an invalid input
 * sequence or a NUL byte becomes U+FFFD. Outputs never need more than 3 * len + 1 bytes; for
 * valid input NFC and fold never grow (fold is at most len + 1 bytes).
 *
 * All functions are pure and thread-safe (the tables are const).
 */
#ifndef TIPGATE_TEXTNORM_H
#define TIPGATE_TEXTNORM_H

#include <stddef.h>
#include <stdint.h>

/* NFC for Vietnamese: base letters and their combining marks (U+0300 U+0301 U+0303 U+0309
 * U+0323 tones, U+0302 U+0306 U+031B modifiers, in any order) become one precomposed code
 * point. Marks on letters outside the Vietnamese alphabet are kept as written. */
size_t textnorm_nfc(const char *in, size_t len, char *out, size_t cap);
/* NFC, then lower case: ASCII, every Vietnamese capital (Ấ → ấ, Đ → đ), Latin-1, Latin
 * Extended-A, basic Greek and Cyrillic, full-width Latin; other code points unchanged. */
size_t textnorm_lower(const char *in, size_t len, char *out, size_t cap);
/* NFC, lower case, then no diacritics: every Vietnamese letter becomes one ASCII letter
 * (ấ → a, ư → u, đ → d), Latin-1 letters lose their accents (ç → c), full-width ASCII becomes
 * ASCII, combining marks are dropped; other code points pass through lowercased. This is the
 * form the classifier matches and the form stored for search (FTS5's unicode61 keeps đ). */
size_t textnorm_fold(const char *in, size_t len, char *out, size_t cap);
/* As textnorm_fold but keeping case (Trần → Tran, Đ → D), so extractors can still see capital
 * letters. If map is not NULL it has room for cap entries: map[i] is the offset in `in` of the
 * code point that produced out[i], and map[returned length] is len, so a span [s, e) of the
 * output is the span [map[s], map[e]) of the input. */
size_t textnorm_strip(const char *in, size_t len, char *out, size_t cap, uint32_t *map);

/* The three matching forms of a text at once (one pass instead of three, for the text engine):
 * lower, fold and strip as above, each into its own buffer of cap bytes; map as for
 * textnorm_strip (cap entries). The lengths are returned through the struct. */
struct textnorm_forms {
    char *lower, *fold, *strip;
    uint32_t *map;
    size_t cap;
    size_t lower_len, fold_len, strip_len;
};
void textnorm_all(const char *in, size_t len, struct textnorm_forms *f);

/* The per-code-point mappings used above (on composed code points). */
uint32_t textnorm_lower_cp(uint32_t cp);
/* The ASCII letter a Vietnamese or Latin-1 letter folds to (keeping case), or 0 if cp has no
 * such letter. */
uint32_t textnorm_base_cp(uint32_t cp);

#endif
