/*
 * test_http_body.c — request bodies gathered in pieces (bot/http_body.h): the bound, and the
 * chunked decoder fed byte by byte or whole: chunk extensions and trailers skipped, the end
 * told once the last chunk is in, a body past the bound refused as soon as it passes, and a
 * malformed encoding refused.
 */
#include "bot/http_body.h"

#include "testlib.h"

#include <stdlib.h>
#include <string.h>

/* Feeds wire in pieces of step bytes; the last status, the body in *out (caller frees). */
static int feed(const char *wire, size_t step, size_t max, char **out, size_t *len)
{
    struct http_chunked c = {0};
    size_t n = strlen(wire);
    int rc = HTTP_CHUNKED_MORE;
    *out = NULL;
    *len = 0;
    for (size_t at = 0; at < n && rc == HTTP_CHUNKED_MORE; at += step)
        rc = http_chunked_add(&c, out, len, max, wire + at, at + step < n ? step : n - at);
    return rc;
}

static void test_http_body_bound(void)
{
    char *body = NULL;
    size_t len = 0;
    CHECK_INT(http_body_add(&body, &len, 8, "abcde", 5), 0);
    CHECK_INT(http_body_add(&body, &len, 8, "fgh", 3), 0);
    CHECK_INT(http_body_add(&body, &len, 8, "i", 1), -1);
    CHECK_STR(body, "abcdefgh");
    free(body);
}

static void test_http_chunked_decodes_in_any_pieces(void)
{
    const char *wire = "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
    for (size_t step = 1; step <= strlen(wire); step++) {
        char *body;
        size_t len;
        CHECK_INT(feed(wire, step, 100, &body, &len), HTTP_CHUNKED_DONE);
        CHECK_STR(body ? body : "", "hello 0123456789");
        free(body);
    }
}

static void test_http_chunked_refuses_past_the_bound_at_once(void)
{
    /* the body never ends: the refusal must not wait for it */
    char *body;
    size_t len;
    CHECK_INT(feed("10\r\n0123456789abcdef\r\n10\r\n0123456789", 4, 20, &body, &len),
              HTTP_CHUNKED_TOO_BIG);
    CHECK(len <= 20);
    free(body);
}

static void test_http_chunked_refuses_malformed(void)
{
    const char *bad[] = {"x\r\n", "\r\n", "5\rhello", "5\r\nhelloXY", "ffffffffffffffffff\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *body;
        size_t len;
        CHECK_INT(feed(bad[i], 1, 1 << 20, &body, &len), HTTP_CHUNKED_BAD);
        free(body);
    }
    char *body;
    size_t len;
    CHECK_INT(feed("5\r\nhel", 1, 100, &body, &len), HTTP_CHUNKED_MORE);
    free(body);
}

TESTLIB_MAIN(T(test_http_body_bound), T(test_http_chunked_decodes_in_any_pieces),
             T(test_http_chunked_refuses_past_the_bound_at_once),
             T(test_http_chunked_refuses_malformed))
