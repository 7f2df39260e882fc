/*
 * handler.c — the answering helpers every handler shares (handler.h).
 */
#include "handlers/handler.h"

#include "bot/log.h"

#include <stdlib.h>

int hctx_send(struct hctx *ctx, const char *platform, const char *chat_id, const char *text,
              const char *buttons, enum outbox_priority priority)
{
    struct outbox_new m = {
        .platform = platform,
        .chat_id = chat_id,
        .text = text,
        .buttons = buttons,
        .priority = priority,
    };
    int rc = outbox_enqueue(ctx->db, &m, ctx->now_ms, NULL);
    if (rc == DB_OK) {
        int idx = platform_index(platform);
        if (idx >= 0)
            ctx->touched |= 1u << idx;
    }
    return rc == DB_ERROR ? -1 : 0;
}

int hctx_reply(struct hctx *ctx, const char *name, const struct texts_var *vars, size_t n)
{
    char *text = texts_render(ctx->texts, name, vars, n);
    if (!text)
        return -1;
    int rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, text, NULL, OUTBOX_REPLY);
    free(text);
    return rc;
}
