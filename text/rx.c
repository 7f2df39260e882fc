/*
 * rx.c — see rx.h.
 */
#include "text/rx.h"

#include <stdint.h>
#include <string.h>

int rx_compile(const char *src, struct rx *out, size_t *offset)
{
    int code = 0;
    PCRE2_SIZE off = 0;
    out->ascii = NULL;
    out->ucp = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &code,
                             &off, NULL);
    if (out->ucp)
        out->ascii =
            pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (!out->ucp || !out->ascii) {
        rx_free(out);
        *offset = off;
        return code;
    }
    (void)pcre2_jit_compile(out->ucp, PCRE2_JIT_COMPLETE); /* without JIT: slower, correct */
    (void)pcre2_jit_compile(out->ascii, PCRE2_JIT_COMPLETE);
    *offset = 0;
    return 0;
}

void rx_free(struct rx *r)
{
    pcre2_code_free(r->ucp);
    pcre2_code_free(r->ascii);
    r->ucp = r->ascii = NULL;
}

bool rx_is_ascii(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* eight bytes at a time: no high bit in any */
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (w & 0x8080808080808080ULL)
            return false;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] & 0x80)
            return false;
    return true;
}
