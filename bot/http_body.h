/*
 * http_body.h — a request body gathered as libwebsockets hands it over in pieces, bounded: what
 * the webhook POSTs (bot/http.c) and the web desk's API (bot/deskweb.c) both read whole before
 * acting on it.
 */
#ifndef TIPGATE_HTTP_BODY_H
#define TIPGATE_HTTP_BODY_H

#include <stddef.h>

/* Appends n bytes at in to *body (heap, NUL-terminated after *len bytes; the caller frees it),
 * unless the body would pass max bytes. 0, or -1 when it would (or on no memory): the caller
 * marks the request too big and ignores the rest; *body is then left as it was. */
int http_body_add(char **body, size_t *len, size_t max, const void *in, size_t n);

#endif
