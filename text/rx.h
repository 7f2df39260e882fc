/*
 * rx.h — a regular expression of the text engine compiled twice: with Unicode properties
 * (PCRE2_UCP: \b, \w and \d know Vietnamese letters) for any text, and without them for a text
 * that is all ASCII, where the two give the same answers (an ASCII character is a letter, a
 * digit or neither under both rules) and the second is a third faster: most residents type
 * without diacritics, and the classifier's patterns run on the folded text, so the ASCII form
 * is the one that usually runs.
 *
 * Both forms are JIT-compiled when the platform allows (without JIT they are slower, correct).
 */
#ifndef TIPGATE_RX_H
#define TIPGATE_RX_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

struct rx {
    pcre2_code *ucp;   /* NULL: no expression */
    pcre2_code *ascii; /* the same without PCRE2_UCP */
};

/* Compiles src (NUL-terminated, UTF-8) into *out. Returns 0, or the PCRE2 error code with
 * *offset at the error; *out is then empty. Free with rx_free. */
int rx_compile(const char *src, struct rx *out, size_t *offset);
/* Frees both forms and empties *r (an empty one is fine). */
void rx_free(struct rx *r);
/* True when s[0, n) is all ASCII. */
bool rx_is_ascii(const char *s, size_t n);

/* The form to run on a subject: ascii says rx_is_ascii of the subject. */
static inline const pcre2_code *rx_code(const struct rx *r, bool ascii)
{
    return ascii ? r->ascii : r->ucp;
}

#endif
