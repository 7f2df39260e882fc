/*
 * fuzz_zalo_oa.c — an event Zalo posts to /webhook/zalo_oa, handed to the Official Account
 * adapter's own webhook op (bot/platforms/zalo_oa.c) on a started platform. The input is the
 * body; when it carries a "timestamp" the harness signs it here as Zalo does (X-ZEvent-
 * Signature: SHA-256 of app_id, body, timestamp and the OA secret key), so the fuzzer reaches
 * the event reader behind the signature check (user ids, text, attachments, locations, follow
 * events), inbox_add and the consultation window. A body without one gets a wrong signature:
 * the check itself on garbage.
 */
#include "fuzz/fuzzlib.h"

#include "bot/app_core.h"
#include "bot/platform.h"
#include "bot/platforms/zalo_oa.h"

#include <jansson.h>
#include <stdio.h>

#define FUZZ_ZOA_APP_ID "4242"
#define FUZZ_ZOA_KEY    "fuzz-oa-secret-key-0042"

static struct app *zoa_app;
static void *zoa_state;
static const struct platform_ops *zoa_ops;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    zoa_app = fuzzlib_app("{\"webchat\": {\"enabled\": false}, \"zalo_oa\": {\"enabled\": true, "
                          "\"app_id\": \"" FUZZ_ZOA_APP_ID "\", \"app_secret\": \"fuzz-app\", "
                          "\"oa_secret_key\": \"" FUZZ_ZOA_KEY "\", "
                          "\"api_base_url\": \"http://127.0.0.1:9\", "
                          "\"oauth_base_url\": \"http://127.0.0.1:9\"}}");
    zoa_state = fuzzlib_start_platform(ZOA);
    zoa_ops = platform_find(ZOA);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char ts[32], mac[ZOA_MAC_HEX + 1] = "0", header[ZOA_MAC_HEX + 8];
    json_t *ev = json_loadb((const char *)data, size, 0, NULL);
    if (zoa_event_timestamp(ev, ts, sizeof ts) == 0)
        zoa_signature(FUZZ_ZOA_APP_ID, (const char *)data, size, ts, FUZZ_ZOA_KEY, mac);
    json_decref(ev);
    snprintf(header, sizeof header, "mac=%s", mac);
    struct platform_webhook in = {
        .get = false,
        .query = "",
        .headers = {header},
        .body = (const char *)data,
        .len = size,
    };
    struct platform_webhook_reply out = {.body = ""};
    zoa_ops->webhook(zoa_state, zoa_app->db, &in, &out);
    fuzzlib_trim();
    return 0;
}
