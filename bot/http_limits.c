/*
 * http_limits.c — see http_limits.h.
 *
 * The 431. libwebsockets 4.1 copies a request's headers into a buffer of
 * max_http_header_data bytes; when they do not fit, its parser logs "Ran out of header data
 * space" (an error) and closes the connection with no answer: no callback runs between the
 * overflow and the shutdown(SHUT_WR) of the socket, and LWS_CALLBACK_CLOSED_HTTP comes after
 * it, when nothing can be written any more (tried: send() there fails with EPIPE). What does
 * run in between, on this thread and in the same call, is the library's logging: the error
 * line, then "__lws_close_free_wsi: shutdown conn: <wsi> (sk <fd>, …)" at the info level just
 * before the shutdown. So the error line arms a one-shot catch and raises the log level to
 * info; the next "shutdown conn" line names the socket, which still takes writes: the 431
 * status line goes there, and the level goes back. Anything else that closes a connection
 * never arms it. Rejected: a header limit of our own checked in LWS_CALLBACK_HTTP (headers
 * too big for the buffer never reach it, so it would only move the silent close further
 * out), reading the headers ourselves before adopting the socket into libwebsockets (every
 * request would pay for a second parser, and a keep-alive connection's later requests would
 * skip it), and logging at the info level all the time (a dozen formatted lines per
 * request). The integration test (tests/integration/test_http_limits.py) proves the status
 * line arrives, so a libwebsockets whose lines differ fails there rather than in service.
 */
#include "bot/http_limits.h"

#include "base/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HL_OVERFLOW_LINE   "Ran out of header data space"
#define HL_SHUTDOWN_LINE   "shutdown conn: "
#define HL_ARMED_LINES_MAX 32 /* info lines awaited for "shutdown conn" before giving up */
#define HL_ANSWER_MAX      512
#define HL_BODY_MAX        64

/* The one-shot catch of a header overflow (one libwebsockets context per process, and its
 * logging runs on the HTTP thread only). */
static struct {
    int armed;       /* lines of info level seen since the overflow, plus one; 0: not armed */
    int base_level;  /* the level to go back to */
    int warned_miss; /* said once that the closing line never came */
} hl_overflow;

/* The web folder as the mounts name it, its real path, and libwebsockets' own open
 * (http_limits_files). */
static char hl_prefix[PATH_MAX], hl_root[PATH_MAX];
static size_t hl_prefix_len, hl_root_len;
static lws_fop_fd_t (*hl_open_next)(const struct lws_plat_file_ops *, const char *, const char *,
                                    lws_fop_flags_t *);

static void hl_deadline_fired(lws_sorted_usec_list_t *sul)
{
    struct http_deadline *d = lws_container_of(sul, struct http_deadline, sul);
    d->expired = 1;
    lws_callback_on_writable(d->wsi);
}

void http_deadline_start(struct http_deadline *d, struct lws *wsi, int secs)
{
    http_deadline_stop(d);
    d->wsi = wsi;
    d->expired = 0;
    lws_sul_schedule(lws_get_context(wsi), 0, &d->sul, hl_deadline_fired,
                     (lws_usec_t)secs * LWS_US_PER_SEC);
}

void http_deadline_stop(struct http_deadline *d)
{
    if (d->wsi)
        lws_sul_cancel(&d->sul);
    d->wsi = NULL;
}

static const char *hl_reason(unsigned status)
{
    switch (status) {
    case HTTP_STATUS_REQUEST_TIMEOUT:
        return "Request Timeout";
    case HTTP_STATUS_REQ_ENTITY_TOO_LARGE:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Bad Request";
    }
}

/* The whole answer as bytes, for a socket libwebsockets no longer writes to. */
static int hl_raw_answer(char *out, size_t size, unsigned status)
{
    char body[HL_BODY_MAX];
    int blen = snprintf(body, sizeof body, "{\"ok\":false,\"status\":%u}", status);
    return snprintf(out, size,
                    "HTTP/1.1 %u %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                    "cache-control: no-store\r\nconnection: close\r\n\r\n%s",
                    status, hl_reason(status), blen, body);
}

int http_limits_refuse(struct lws *wsi, unsigned status)
{
    unsigned char buf[LWS_PRE + HL_ANSWER_MAX];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    char body[LWS_PRE + HL_BODY_MAX];
    int len = snprintf(body + LWS_PRE, HL_BODY_MAX, "{\"ok\":false,\"status\":%u}", status);
    if (lws_add_http_common_headers(wsi, status, "application/json", (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                     &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_write(wsi, (unsigned char *)body + LWS_PRE, (size_t)len, LWS_WRITE_HTTP_FINAL);
    return -1; /* close: the rest of the request is never read */
}

/* The socket named by a "shutdown conn: <wsi> (sk <fd>, …)" line, or -1. */
static int hl_socket_of(const char *line)
{
    const char *sk = strstr(line, "(sk ");
    if (!sk)
        return -1;
    char *end = NULL;
    long fd = strtol(sk + 4, &end, 10);
    return end != sk + 4 && fd >= 0 && fd <= INT_MAX ? (int)fd : -1;
}

static void hl_disarm(void)
{
    hl_overflow.armed = 0;
    lws_set_log_level(hl_overflow.base_level, NULL);
}

/* The overflowed connection's socket, just before libwebsockets shuts it: the 431. */
static void hl_answer_overflow(int fd)
{
    char answer[HL_ANSWER_MAX];
    int n = hl_raw_answer(answer, sizeof answer, 431);
    if (send(fd, answer, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
        log_debug("http", "could not answer 431 to a request with headers too large: %s",
                  strerror(errno));
}

int http_limits_log(int level, const char *line, int base_level)
{
    if ((level & LLL_ERR) && strstr(line, HL_OVERFLOW_LINE)) {
        log_info("http", "a request's headers did not fit in the header buffer: answered 431");
        hl_overflow.armed = 1;
        hl_overflow.base_level = base_level;
        lws_set_log_level(base_level | LLL_INFO, NULL);
        return 1;
    }
    if (!hl_overflow.armed || !(level & LLL_INFO))
        return 0;
    const char *shut = strstr(line, HL_SHUTDOWN_LINE);
    int fd = shut ? hl_socket_of(shut) : -1;
    if (fd >= 0) {
        hl_answer_overflow(fd);
        hl_disarm();
    } else if (++hl_overflow.armed > HL_ARMED_LINES_MAX) {
        hl_disarm();
        if (!hl_overflow.warned_miss++)
            log_warn("http", "a request with headers too large was closed without its 431: "
                             "this libwebsockets logs its closes differently");
    }
    return 1; /* the info lines are ours only while armed */
}

/* The file under the web folder only if its real path stays there. */
static lws_fop_fd_t hl_open(const struct lws_plat_file_ops *fops, const char *filename,
                            const char *vpath, lws_fop_flags_t *flags)
{
    size_t n = strlen(filename);
    char real[PATH_MAX];
    if (n > hl_prefix_len && strncmp(filename, hl_prefix, hl_prefix_len) == 0 &&
        filename[hl_prefix_len] == '/' && realpath(filename, real) &&
        (strncmp(real, hl_root, hl_root_len) != 0 || real[hl_root_len] != '/')) {
        log_warn("http", "refused a static file whose real path leaves the web folder");
        return NULL;
    }
    return hl_open_next(fops, filename, vpath, flags);
}

int http_limits_files(struct lws_context *ctx, const char *web_root)
{
    struct lws_plat_file_ops *fops = lws_get_fops(ctx);
    int n = snprintf(hl_prefix, sizeof hl_prefix, "%s", web_root);
    if (n < 0 || (size_t)n >= sizeof hl_prefix || !realpath(web_root, hl_root) || !fops ||
        !fops->LWS_FOP_OPEN)
        return -1;
    hl_prefix_len = (size_t)n;
    hl_root_len = strlen(hl_root);
    if (fops->LWS_FOP_OPEN != hl_open) {
        hl_open_next = fops->LWS_FOP_OPEN;
        fops->LWS_FOP_OPEN = hl_open;
    }
    return 0;
}
