/*
 * extract_impl.h — private to the extractors (text/extract*.c; the public API is
 * text/extract.h): the state of one extract_run call, the signature of the rule table's match
 * handlers, the word boundaries the patterns share, and what the files call across —
 * extract_span.c's masking and copying helpers; extract_money.c's patterns, handlers and the
 * choice of the amount at stake; extract_words.c's tokens and lexicon, on which
 * extract_place.c and extract_when.c read the place and the time. Shared names are
 * extract__*; the rest is static.
 */
#ifndef TIPGATE_EXTRACT_IMPL_H
#define TIPGATE_EXTRACT_IMPL_H

#include "text/extract.h"
#include "text/rx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    bool diacritics; /* the writer typed diacritics (extract_words.c reads words with them) */
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
/* True when [s, e) overlaps a span an earlier rule took (a phone, a plate, an amount). */
bool extract__masked(const struct ex_ctx *c, size_t s, size_t e);
/* Copies the NFC text behind the stripped span [s, e) into dst (cap bytes), lowercased if
 * asked; returns its length, or 0 when it does not fit whole and must_fit. */
size_t extract__copy_nfc(const struct ex_ctx *c, size_t s, size_t e, char *dst, size_t cap,
                         bool lower, bool must_fit);

/* ---- words (extract_words.c) ------------------------------------------------------------ */

/* What a word can be in a place (EX_W_*) or a time (EX_T_*); a token may have several roles. */
enum ex_role {
    EX_W_HEAD = 1u << 0,  /* a noun that names a place: hẻm, chợ, quán, trường */
    EX_W_ADMIN = 1u << 1, /* an administrative unit: xã, phường, quận */
    EX_W_MOD = 1u << 2, /* a word that may follow a head: "bãi đất trống", "nhà văn hóa" */
    EX_W_CONN = 1u << 3,   /* joins two parts of a place: ở, cạnh, đoạn qua, hướng về */
    EX_W_PREFIX = 1u << 4, /* a place may start with it when a head follows: đầu, cuối, gần */
    EX_W_PREP = 1u << 5,   /* a capitalised name after it is a place: ở, tại, về, quê */
    EX_W_KIN = 1u << 6,    /* whose place: "nhà ông Ba", "nhà mẹ đẻ" */
    EX_W_UNIT = 1u << 7,   /* a figure before it counts something: "3 ngày", "800 đồng" */
    EX_W_ORG = 1u << 8,    /* an office named by its unit: "công an xã", "UBND phường" */
    EX_W_NUMBERED = 1u << 9, /* a head that takes a number, not a name: số, tầng, phòng, tổ */
    EX_W_SHOP = 1u << 18,    /* a place of business: a few words of its trade may follow before
                                its name ("quán bún chả Hương Liên") */
    EX_T_DAYPART = 1u << 10, /* sáng, tối, đêm */
    EX_T_REL = 1u << 11,     /* which one: nay, qua, mai, trước, nào cũng */
    EX_T_UNIT = 1u << 12,    /* hôm, bữa, tuần, ngày, phút, lúc (nãy) */
    EX_T_LEAD = 1u << 13,    /* may open a time: từ, lúc, khoảng, mấy, mỗi */
    EX_T_JOIN = 1u << 14,    /* joins two times: từ … đến, và */
    EX_T_DOW = 1u << 15,     /* thứ, chủ (nhật) */
    EX_T_DOWNUM = 1u << 16,  /* hai … bảy, nhật */
    EX_T_CORE = 1u << 17,    /* a time on its own: Tết, mai, hqua */
    /* 1u << 18 is EX_W_SHOP */
    EX_W_PAIR = 1u << 19,    /* a head only with the word after it: "công ty", "ngã tư" */
    EX_T_SPECIAL = 1u << 20, /* a word of "đang diễn ra", "bây giờ", "cuối tuần" */
    EX_W_AMBIG = 1u << 30    /* typed without diacritics, the word may be another one */
};

enum ex_tok_kind {
    EX_TOK_WORD,
    EX_TOK_NUM,     /* 12, 1.200 */
    EX_TOK_CODE,    /* letters and figures: HH4, Q7, CMT8, B1 */
    EX_TOK_CLOCK,   /* 22h, 6h45, 22:15 */
    EX_TOK_MINUTES, /* 5p */
    EX_TOK_DATE,    /* 14/11, 30/4 */
    EX_TOK_PUNCT
};

enum { EX_MAX_TOKENS = 320 };

struct ex_tok {
    uint32_t s, e; /* the span of the stripped text */
    uint32_t roles;
    uint8_t kind; /* enum ex_tok_kind */
    char punct;   /* the character of a EX_TOK_PUNCT ('?' for any non-ASCII one) */
    bool cap;     /* starts with a capital letter */
};

struct ex_tokens {
    size_t n;
    struct ex_tok t[EX_MAX_TOKENS];
};

struct ex_lexicon;
/* The lexicon, built once by extract_new; NULL when out of memory. */
struct ex_lexicon *extract__lexicon_new(void);
void extract__lexicon_free(struct ex_lexicon *lx);
/* Cuts the stripped text into tokens (at most EX_MAX_TOKENS) and gives each word its roles. */
void extract__tokens(struct ex_ctx *c, const struct ex_lexicon *lx, struct ex_tokens *tk);
/* True when the token is the word plain (lower case, no diacritics), in any case. Inline: the
 * place and time readers ask it some ninety times a message, always of a literal, whose length
 * the compiler then knows. */
static inline bool extract__tok_is(const struct ex_ctx *c, const struct ex_tok *k,
                                   const char *plain)
{
    size_t n = strlen(plain);
    if (k->kind != EX_TOK_WORD || k->e - k->s != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((c->in->strip[k->s + i] | 0x20) != plain[i])
            return false;
    return true;
}

/* ---- place and time (extract_place.c, extract_when.c) ---------------------------------- */

/* Fill out->place / out->when with the span of the writer's text that names the place / the
 * time (extract.h), or leave it empty. */
void extract__place(struct ex_ctx *c, const struct ex_tokens *tk);
void extract__when(struct ex_ctx *c, const struct ex_tokens *tk);

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
/* The amount at stake (extract.h): the first total, else the largest amount lost, demanded,
 * owed, bet or paid over, else the largest that is neither pay nor a rate, else the largest;
 * -1 if none. */
int64_t extract__money_reported(const struct ex_ctx *c);

#endif
