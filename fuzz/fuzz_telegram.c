/*
 * fuzz_telegram.c — a Telegram update as the webhook receives it: the input is the body of a
 * POST to /webhook/telegram carrying the right secret header, handed to the adapter's own
 * webhook op (bot/platforms/telegram.c: JSON parse, update_id and epoch, tg_update_to_msg,
 * msg_to_json, inbox_add, the callback answer) on a started Telegram platform in webhook
 * mode. Polling reads the same updates through the same tg_store.
 */
#include "fuzz/fuzzlib.h"

#include "bot/app_core.h"
#include "bot/platform.h"

#define FUZZ_TG_SECRET "fuzz-telegram-secret-0042"

static struct app *tg_app;
static void *tg_state;
static const struct platform_ops *tg_ops;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    tg_app = fuzzlib_app("{\"webchat\": {\"enabled\": false}, \"telegram\": {\"enabled\": true, "
                         "\"token\": \"123456:fuzz\", \"mode\": \"webhook\", "
                         "\"webhook_url\": \"https://fuzz.invalid/webhook/telegram\", "
                         "\"webhook_secret\": \"" FUZZ_TG_SECRET "\", "
                         "\"api_base_url\": \"http://127.0.0.1:9\"}}");
    tg_state = fuzzlib_start_platform("telegram");
    tg_ops = platform_find("telegram");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct platform_webhook in = {
        .get = false,
        .query = "",
        .headers = {FUZZ_TG_SECRET},
        .body = (const char *)data,
        .len = size,
    };
    struct platform_webhook_reply out = {.body = ""};
    tg_ops->webhook(tg_state, tg_app->db, &in, &out);
    fuzzlib_trim();
    return 0;
}
