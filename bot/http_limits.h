/*
 * http_limits.h — what keeps slow, oversized or crafted requests from holding the HTTP thread's
 * connections or reaching files they should not (issue 17, items 4 and 7), for bot/http.c:
 *
 *   - a total deadline on each request body, measured from the end of its headers: a body
 *     still arriving then is answered 408 and the connection closed (libwebsockets' own timeout
 *     is re-armed by every piece that arrives, so a body trickled one byte at a time was never
 *     timed out);
 *   - a status line for a request whose headers overflow libwebsockets' header buffer (431),
 *     which libwebsockets 4.1 itself only closes;
 *   - answers that refuse a request and close its connection (413, 408, 431): the rest of a
 *     body that was refused is never read;
 *   - static files kept inside web/: a file whose real path (symbolic links resolved) leaves
 *     the web folder is not opened.
 * Everything here runs on the HTTP thread.
 */
#ifndef TIPGATE_HTTP_LIMITS_H
#define TIPGATE_HTTP_LIMITS_H

#include <libwebsockets.h>

/* A request body's deadline: lives in the request's per-session data. */
struct http_deadline {
    lws_sorted_usec_list_t sul;
    struct lws *wsi;
    int expired; /* the deadline passed: the connection was asked to become writable */
};

/* Arms d for wsi: secs seconds from now. On expiry, d->expired is set and wsi is made
 * writable; the HTTP_WRITEABLE callback then answers with http_limits_refuse(wsi, 408). */
void http_deadline_start(struct http_deadline *d, struct lws *wsi, int secs);
/* Disarms d (a zeroed or already disarmed d is fine). Must run before the per-session data
 * that holds d is freed or cleared. */
void http_deadline_stop(struct http_deadline *d);

/* Writes a small JSON answer with status and "connection: close", and returns -1 so that the
 * caller's callback closes the connection: whatever of the request is still to come is never
 * read. */
int http_limits_refuse(struct lws *wsi, unsigned status);

/* The libwebsockets log lines pass here first (bot/http.c's log emitter): 1 when the line was
 * consumed (the caller does not log it), 0 otherwise. base_level is the lws log level the
 * server runs with; it is raised for a moment while a header overflow is answered. */
int http_limits_log(int level, const char *line, int base_level);

/* Wraps the context's file operations so that a file under web_root (a path kept by the
 * caller for the context's life) whose real path leaves it is refused. 0, or -1 when the
 * folder cannot be resolved. */
int http_limits_files(struct lws_context *ctx, const char *web_root);

#endif
