/*
 * extract_span.c — the bottom of the extractors: what the files of text/extract*.c do with a
 * span of the stripped text — mark it as taken, ask whether it was, or copy the writer's own
 * (NFC) text behind it. Kept apart so the money rules, the main table and the place and time
 * readers stand on it without calling each other back.
 */
#include "text/extract_impl.h"

#include "base/textnorm.h"

void extract__mask(struct ex_ctx *c, size_t s, size_t e)
{
    if (c->nmask < EX_MAX_MASK)
        c->mask[c->nmask++] = (struct ex_span){s, e};
}

bool extract__masked(const struct ex_ctx *c, size_t s, size_t e)
{
    for (size_t i = 0; i < c->nmask; i++)
        if (s < c->mask[i].e && c->mask[i].s < e)
            return true;
    return false;
}

size_t extract__copy_nfc(const struct ex_ctx *c, size_t s, size_t e, char *dst, size_t cap,
                         bool lower, bool must_fit)
{
    size_t ns = c->in->map[s], ne = c->in->map[e];
    if (must_fit && ne - ns >= cap)
        return 0;
    if (lower)
        return textnorm_lower(c->in->nfc + ns, ne - ns, dst, cap);
    return textnorm_nfc(c->in->nfc + ns, ne - ns, dst, cap);
}
