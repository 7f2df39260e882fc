/*
 * extract_impl.h — private to the extractors (text/extract.c and text/extract_money.c;
 * the public API is text/extract.h): the state of one extract_run call, the signature of the
 * rule table's match handlers, the word boundaries the patterns share, and what the two files
 * call across — extract_span.c's masking and copying helpers; extract_money.c's patterns,
 * handlers and the choice of the amount reported. Shared names are extract__*; the rest is static.
 */
#ifndef TIPGATE_EXTRACT_IMPL_H
#define TIPGATE_EXTRACT_IMPL_H

#include "text/extract.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { EX_MAX_MASK = 4 * EXTRACT_MAX_ITEMS };

struct ex_span {
    size_t s, e;
};

/* The state of one extract_run call. */
struct ex_ctx {
    const struct extract_input *in;
    struct extract_result *out;
    struct ex_span mask[EX_MAX_MASK];
    size_t nmask;
    size_t money_pos[EXTRACT_MAX_ITEMS], money_end[EXTRACT_MAX_ITEMS];
    int money_cue[EXTRACT_MAX_ITEMS]; /* enum ex_cue (extract_money.c) of each amount */
    int nwhen;
};

/* A match handler: validates ov (the ovector of a match), stores what it found, and returns the
 * offset where the search goes on (> ov[0]). */
typedef size_t (*ex_handler)(struct ex_ctx *c, const PCRE2_SIZE *ov);

/* Word boundaries: no letter or digit before (EX_B) or after (EX_E). */
#define EX_B "(?<![\\p{L}\\p{N}])"
#define EX_E "(?![\\p{L}\\p{N}])"

/* ---- helpers (extract_span.c) --------------------------------------------------------------- */

/* Marks the stripped span [s, e) as taken: a later masked rule skips matches overlapping it. */
void extract__mask(struct ex_ctx *c, size_t s, size_t e);
/* Copies the NFC text behind the stripped span [s, e) into dst (cap bytes), lowercased if
 * asked; returns its length, or 0 when it does not fit whole and must_fit. */
size_t extract__copy_nfc(const struct ex_ctx *c, size_t s, size_t e, char *dst, size_t cap,
                         bool lower, bool must_fit);

/* ---- money (extract_money.c) ------------------------------------------------------------ */

/* The patterns of the money rules: a figure with a unit ("2tr5", "200.000đ"), an amount in words
 * ("hai trăm ngàn"), a bare amount of thousands groups ("1.500.000"). */
extern const char extract__money_re[];
extern const char extract__money_word_re[];
extern const char extract__money_bare_re[];
/* Their match handlers (ex_handler). */
size_t extract__on_money(struct ex_ctx *c, const PCRE2_SIZE *ov);
size_t extract__on_money_word(struct ex_ctx *c, const PCRE2_SIZE *ov);
size_t extract__on_money_bare(struct ex_ctx *c, const PCRE2_SIZE *ov);
/* The amount a message reports (extract.h): the first total, else the largest loss ("mất 200k
 * phí rồi mất luôn 12 triệu": the later loss is the one), else the first amount; -1 if none. */
int64_t extract__money_reported(const struct ex_ctx *c);

#endif
