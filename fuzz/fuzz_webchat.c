/*
 * fuzz_webchat.c — WebSocket frames a browser sends to /ws, through the web chat's own
 * receive path (bot/platforms/webchat.c: wc_receive joining fragments, wc_frame's UTF-8 and
 * JSON checks, hello, message, callback, location, ping, push_subscribe) on a started web chat
 * platform, one connection per input, closed at its end.
 *
 * The input is a conversation: frames separated by a 0xFF byte, each cut into fragments at
 * 0xFE bytes (every fragment but the last arrives as "not final"), a frame that starts with
 * 0xFD arrives as binary. These three bytes never occur in UTF-8, so a JSON frame from the
 * corpus is one frame as it is.
 *
 * webchat.c's functions are static, so this file includes it whole: the code under test is
 * compiled here unchanged, and only the four libwebsockets calls it makes on a connection are
 * replaced by macros that answer from the harness (there is no socket). The library's own
 * copy of webchat.c is then never linked into the harness (webchat_platform is defined here).
 */
#include "fuzz/fuzzlib.h"

#include <libwebsockets.h>
#include <stdbool.h>
#include <string.h>

static int fuzz_wc_final = 1;  /* this fragment ends its frame */
static int fuzz_wc_binary = 0; /* the frame is binary */

static int fuzz_wc_is_final_fragment(struct lws *wsi)
{
    (void)wsi;
    return fuzz_wc_final;
}

static size_t fuzz_wc_remaining_packet_payload(struct lws *wsi)
{
    (void)wsi;
    return 0;
}

static int fuzz_wc_frame_is_binary(struct lws *wsi)
{
    (void)wsi;
    return fuzz_wc_binary;
}

static int fuzz_wc_callback_on_writable(struct lws *wsi)
{
    (void)wsi;
    return 0;
}

#define lws_is_final_fragment        fuzz_wc_is_final_fragment
#define lws_remaining_packet_payload fuzz_wc_remaining_packet_payload
#define lws_frame_is_binary          fuzz_wc_frame_is_binary
#define lws_callback_on_writable     fuzz_wc_callback_on_writable

#include "bot/platforms/webchat.c"

#define FUZZ_WC_FRAME_END    0xFF
#define FUZZ_WC_FRAGMENT_END 0xFE
#define FUZZ_WC_BINARY       0xFD

static struct webchat *fuzz_wc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    fuzzlib_app("{\"webchat\": {\"enabled\": true}}");
    fuzz_wc = fuzzlib_start_platform("webchat");
    return 0;
}

/* One frame (len bytes at p, fragment marks included) into the connection. */
static void fuzz_wc_frame(struct wc_conn *c, const uint8_t *p, size_t len)
{
    fuzz_wc_binary = len > 0 && p[0] == FUZZ_WC_BINARY;
    if (fuzz_wc_binary) {
        p++;
        len--;
    }
    for (;;) {
        const uint8_t *cut = memchr(p, FUZZ_WC_FRAGMENT_END, len);
        size_t n = cut ? (size_t)(cut - p) : len;
        fuzz_wc_final = cut == NULL;
        wc_receive(c, p, n);
        if (!cut)
            return;
        p += n + 1;
        len -= n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* As LWS_CALLBACK_ESTABLISHED leaves it. */
    struct wc_conn c;
    memset(&c, 0, sizeof c);
    c.wc = fuzz_wc;
    fuzz_wc->nconns++;
    const uint8_t *p = data;
    size_t left = size;
    for (;;) {
        const uint8_t *end = left ? memchr(p, FUZZ_WC_FRAME_END, left) : NULL;
        size_t n = end ? (size_t)(end - p) : left;
        fuzz_wc_frame(&c, p, n);
        if (!end)
            break;
        p += n + 1;
        left -= n + 1;
    }
    wc_closed(&c);
    fuzzlib_trim();
    return 0;
}
