/*
 * fuzz_zalo.c — a Zalo Bot update as the webhook receives it: the input is the body of a
 * POST to /webhook/zalo carrying the right secret header, handed to the adapter's own
 * webhook op (bot/platforms/zalo.c: JSON parse, {ok, result} or a bare update or a batch,
 * zl_update_to_msg, msg_to_json, inbox_add) on a started Zalo Bot platform in webhook
 * mode. Polling reads the same updates through the same zl_store.
 */
#include "fuzz/fuzzlib.h"

#include "bot/app_core.h"
#include "bot/platform.h"

#define FUZZ_ZL_SECRET "fuzz-zalo-secret-0042"

static struct app *zl_app;
static void *zl_state;
static const struct platform_ops *zl_ops;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    zl_app = fuzzlib_app("{\"webchat\": {\"enabled\": false}, \"zalo\": {\"enabled\": true, "
                         "\"token\": \"123456:fuzz\", \"mode\": \"webhook\", "
                         "\"webhook_url\": \"https://fuzz.invalid/webhook/zalo\", "
                         "\"webhook_secret\": \"" FUZZ_ZL_SECRET "\", "
                         "\"api_base_url\": \"http://127.0.0.1:9\"}}");
    zl_state = fuzzlib_start_platform("zalo");
    zl_ops = platform_find("zalo");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct platform_webhook in = {
        .get = false,
        .query = "",
        .headers = {FUZZ_ZL_SECRET},
        .body = (const char *)data,
        .len = size,
    };
    struct platform_webhook_reply out = {.body = ""};
    zl_ops->webhook(zl_state, zl_app->db, &in, &out);
    fuzzlib_trim();
    return 0;
}
