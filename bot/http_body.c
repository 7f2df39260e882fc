/*
 * http_body.c — see http_body.h.
 */
#include "bot/http_body.h"

#include <stdlib.h>
#include <string.h>

int http_body_add(char **body, size_t *len, size_t max, const void *in, size_t n)
{
    if (*len + n > max)
        return -1;
    char *grown = realloc(*body, *len + n + 1);
    if (!grown)
        return -1;
    *body = grown;
    memcpy(grown + *len, in, n);
    *len += n;
    grown[*len] = '\0';
    return 0;
}

/* The decoder's states: a size line (hex digits, then extensions ignored up to CRLF), the
 * chunk's data, the CRLF after it, and after the last (zero) chunk the trailer lines up to an
 * empty one. */
enum {
    HB_SIZE,
    HB_SIZE_EXT,
    HB_SIZE_LF,
    HB_DATA,
    HB_DATA_CR,
    HB_DATA_LF,
    HB_TRAILER_START,
    HB_TRAILER_LINE,
    HB_TRAILER_LF,
    HB_END_LF,
    HB_DONE
};

#define HB_SIZE_DIGITS_MAX 15 /* a chunk size beyond 2^60 is nonsense */

static int hb_hex(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* One byte of the framing (not of a chunk's data). */
static int hb_frame_byte(struct http_chunked *c, unsigned char ch)
{
    int v;
    switch (c->state) {
    case HB_SIZE:
        if ((v = hb_hex(ch)) >= 0 && c->digits < HB_SIZE_DIGITS_MAX) {
            c->left = c->left * 16 + (size_t)v;
            c->digits++;
            return HTTP_CHUNKED_MORE;
        }
        if (!c->digits || (ch != ';' && ch != '\r' && ch != ' ' && ch != '\t'))
            return HTTP_CHUNKED_BAD;
        c->state = ch == '\r' ? HB_SIZE_LF : HB_SIZE_EXT;
        return HTTP_CHUNKED_MORE;
    case HB_SIZE_EXT:
        if (ch == '\r')
            c->state = HB_SIZE_LF;
        return HTTP_CHUNKED_MORE;
    case HB_SIZE_LF:
        if (ch != '\n')
            return HTTP_CHUNKED_BAD;
        c->digits = 0;
        c->state = c->left ? HB_DATA : HB_TRAILER_START;
        return HTTP_CHUNKED_MORE;
    case HB_DATA_CR:
        c->state = HB_DATA_LF;
        return ch == '\r' ? HTTP_CHUNKED_MORE : HTTP_CHUNKED_BAD;
    case HB_DATA_LF:
        c->state = HB_SIZE;
        return ch == '\n' ? HTTP_CHUNKED_MORE : HTTP_CHUNKED_BAD;
    case HB_TRAILER_START:
        c->state = ch == '\r' ? HB_END_LF : HB_TRAILER_LINE;
        return HTTP_CHUNKED_MORE;
    case HB_TRAILER_LINE:
        if (ch == '\r')
            c->state = HB_TRAILER_LF;
        return HTTP_CHUNKED_MORE;
    case HB_TRAILER_LF:
        c->state = HB_TRAILER_START;
        return ch == '\n' ? HTTP_CHUNKED_MORE : HTTP_CHUNKED_BAD;
    case HB_END_LF:
        if (ch != '\n')
            return HTTP_CHUNKED_BAD;
        c->state = HB_DONE;
        return HTTP_CHUNKED_DONE;
    default:
        return HTTP_CHUNKED_DONE;
    }
}

int http_chunked_add(struct http_chunked *c, char **body, size_t *len, size_t max, const void *in,
                     size_t n)
{
    const unsigned char *p = in;
    size_t i = 0;
    while (i < n) {
        if (c->state == HB_DONE)
            return HTTP_CHUNKED_DONE;
        if (c->state == HB_DATA) {
            size_t take = n - i < c->left ? n - i : c->left;
            if (http_body_add(body, len, max, p + i, take) != 0)
                return HTTP_CHUNKED_TOO_BIG;
            i += take;
            c->left -= take;
            if (!c->left)
                c->state = HB_DATA_CR;
            continue;
        }
        int rc = hb_frame_byte(c, p[i++]);
        if (rc != HTTP_CHUNKED_MORE)
            return rc;
    }
    return c->state == HB_DONE ? HTTP_CHUNKED_DONE : HTTP_CHUNKED_MORE;
}
