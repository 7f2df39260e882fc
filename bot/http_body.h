/*
 * http_body.h — a request body gathered as libwebsockets hands it over in pieces, bounded: what
 * the webhook POSTs (bot/http.c) and the web desk's API (bot/deskweb.c) both read whole before
 * acting on it. A body sent with "Transfer-Encoding: chunked" reaches the server's callback
 * as it came on the wire (libwebsockets 4.1 decodes chunks only in its client, and never says
 * such a body has ended), so http_chunked_add decodes it and tells when its last chunk came.
 */
#ifndef TIPGATE_HTTP_BODY_H
#define TIPGATE_HTTP_BODY_H

#include <stddef.h>

/* Appends n bytes at in to *body (heap, NUL-terminated after *len bytes; the caller frees it),
 * unless the body would pass max bytes. 0, or -1 when it would (or on no memory): the caller
 * marks the request too big and ignores the rest; *body is then left as it was. */
int http_body_add(char **body, size_t *len, size_t max, const void *in, size_t n);

/* The decoder's place in a chunked body (RFC 9112 §7.1); zeroed to start. */
struct http_chunked {
    int state;
    size_t left;   /* bytes of the current chunk still to come */
    size_t digits; /* hex digits of the current size read */
};

enum {
    HTTP_CHUNKED_MORE = 0,
    HTTP_CHUNKED_DONE = 1,
    HTTP_CHUNKED_TOO_BIG = -1,
    HTTP_CHUNKED_BAD = -2
};

/* Decodes n wire bytes at in, appending the data to *body as http_body_add does (at most max
 * bytes in all). HTTP_CHUNKED_MORE while the body goes on, HTTP_CHUNKED_DONE once the last
 * chunk and its trailer are in (bytes after it are ignored), HTTP_CHUNKED_TOO_BIG as soon as
 * the data would pass max, HTTP_CHUNKED_BAD for a malformed encoding. */
int http_chunked_add(struct http_chunked *c, char **body, size_t *len, size_t max, const void *in,
                     size_t n);

#endif
