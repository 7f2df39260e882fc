/*
 * fuzz_messenger.c — what Meta sends to /webhook/messenger, handed to the adapter's own webhook
 * op (bot/platforms/messenger.c) on a started Messenger platform. An input that starts with
 * "GET " is a subscription check: the rest is the url-decoded query (hub.mode,
 * hub.verify_token, hub.challenge). Any other input is a POST body, signed here with the
 * configured app secret as Meta signs it (X-Hub-Signature-256), so the fuzzer reaches the
 * parser behind the signature check: entries, our page's id, messaging events, messages,
 * attachments, locations, postbacks and quick replies, inbox_add and the messaging window.
 */
#include "fuzz/fuzzlib.h"

#include "base/secure.h"
#include "bot/app_core.h"
#include "bot/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MS_SECRET "fuzz-app-secret-0042"
#define FUZZ_MS_GET    "GET "

static struct app *ms_app;
static void *ms_state;
static const struct platform_ops *ms_ops;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    ms_app = fuzzlib_app("{\"webchat\": {\"enabled\": false}, \"messenger\": {\"enabled\": true, "
                         "\"page_id\": \"1000042\", \"page_token\": \"fuzz-page-token\", "
                         "\"app_secret\": \"" FUZZ_MS_SECRET "\", "
                         "\"verify_token\": \"fuzz-verify-0042\", "
                         "\"api_base_url\": \"http://127.0.0.1:9\"}}");
    ms_state = fuzzlib_start_platform("messenger");
    ms_ops = platform_find("messenger");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct platform_webhook_reply out = {.body = ""};
    size_t get = strlen(FUZZ_MS_GET);
    if (size >= get && memcmp(data, FUZZ_MS_GET, get) == 0) {
        char *query = fuzzlib_cstr(data + get, size - get);
        struct platform_webhook in = {.get = true, .query = query};
        ms_ops->webhook(ms_state, ms_app->db, &in, &out);
        free(query);
        return 0;
    }
    uint8_t mac[SECURE_SHA256_LEN];
    char header[8 + 2 * SECURE_SHA256_LEN + 1] = "sha256=";
    if (secure_hmac_sha256(FUZZ_MS_SECRET, strlen(FUZZ_MS_SECRET), data, size, mac) != 0)
        return 0;
    secure_hex(mac, sizeof mac, header + strlen("sha256="));
    struct platform_webhook in = {
        .get = false,
        .query = "",
        .headers = {header},
        .body = (const char *)data,
        .len = size,
    };
    ms_ops->webhook(ms_state, ms_app->db, &in, &out);
    fuzzlib_trim();
    return 0;
}
