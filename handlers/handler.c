/*
 * handler.c — the answering helpers every handler shares (handler.h).
 */
#include "handlers/handler.h"

#include "base/log.h"
#include "base/textsplit.h"
#include "text/textengine.h"

#include <stdlib.h>
#include <string.h>

struct hctx_part {
    struct hctx *ctx;
    struct outbox_new m;
    const char *text; /* the whole text, to know which part is the last */
    int failed;
};

/* Enqueues one part; buttons ride on the last part only, so they sit under the whole text. */
static int hctx_emit(const char *part, size_t len, void *ud)
{
    struct hctx_part *p = ud;
    char *copy = strndup(part, len);
    if (!copy)
        return -1;
    struct outbox_new m = p->m;
    m.text = copy;
    if (part + len != p->text + strlen(p->text))
        m.buttons = NULL;
    int rc = outbox_enqueue(p->ctx->db, &m, p->ctx->now_ms, NULL);
    free(copy);
    return rc == DB_ERROR ? -1 : 0;
}

int hctx_send_photo(struct hctx *ctx, const char *platform, const char *chat_id, const char *text,
                    const char *photo, const char *buttons, enum outbox_priority priority)
{
    struct platform_caps caps = platform_caps_now(platform);
    /* Without buttons the choices are numbered lines of the text: append them before the
     * text is measured and split, so no part (nor a caption) exceeds the platform's limit. */
    char *numbered = NULL;
    if (buttons && !caps.buttons) {
        if (!(numbered = textsplit_numbered(text ? text : "", buttons)))
            return -1;
        text = numbered;
        buttons = NULL;
    }
    struct hctx_part p = {
        .ctx = ctx,
        .m = {.platform = platform,
              .chat_id = chat_id,
              .buttons = buttons,
              .priority = priority,
              .tip_id = ctx->about_tip},
        .text = text ? text : "",
    };
    int rc = 0;
    if (photo) { /* a caption the platform would refuse goes in its own messages after it */
        int fits = caps.max_caption_chars <= 0 ||
                   textsplit_units(p.text, strlen(p.text)) <= (size_t)caps.max_caption_chars;
        struct outbox_new m = p.m;
        m.photo = photo;
        m.text = fits ? p.text : "";
        m.buttons = fits ? buttons : NULL;
        rc = outbox_enqueue(ctx->db, &m, ctx->now_ms, NULL) == DB_ERROR ? -1 : 0;
        if (fits)
            p.text = "";
    }
    if (rc == 0 && *p.text)
        rc = textsplit(p.text, caps.max_text_chars, hctx_emit, &p);
    if (rc == 0 && platform_index(platform) >= 0)
        ctx->touched |= 1u << platform_index(platform);
    free(numbered);
    return rc ? -1 : 0;
}

int hctx_send(struct hctx *ctx, const char *platform, const char *chat_id, const char *text,
              const char *buttons, enum outbox_priority priority)
{
    return hctx_send_photo(ctx, platform, chat_id, text, NULL, buttons, priority);
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

struct hctx_write {
    struct hctx *ctx;
    int (*work)(struct hctx *ctx, void *arg);
    void *arg;
};

static int hctx_write_run(struct db *db, void *arg)
{
    (void)db; /* the same as w->ctx->db */
    struct hctx_write *w = arg;
    return w->work(w->ctx, w->arg);
}

int hctx_in_write(struct hctx *ctx, int (*work)(struct hctx *ctx, void *arg), void *arg)
{
    unsigned touched = ctx->touched;
    struct hctx_write w = {ctx, work, arg};
    int rc = db_write(ctx->db, hctx_write_run, &w);
    if (rc != 0)
        ctx->touched = touched; /* nothing it enqueued exists */
    return rc;
}

const struct text_analysis *hctx_analyse(struct hctx *ctx, const char *text,
                                         struct text_analysis *own)
{
    memset(own, 0, sizeof *own);
    own->money_vnd = -1;
    const struct msg *m = ctx->msg;
    if (!text)
        return NULL;
    if (!m || text != m->text) /* not the message's text: read it as it is asked for */
        return textengine_analyze(ctx->te, text, false, own) == TEXTENGINE_OK ? own : NULL;
    if (ctx->analysis)
        return ctx->analysis;
    /* The worker reads only plain texts before the transaction; another message is read here,
     * once, and kept for the rest of the update. */
    struct text_analysis *a = calloc(1, sizeof *a);
    if (!a || textengine_analyze(ctx->te, text, m->is_group, a) != TEXTENGINE_OK) {
        free(a);
        return NULL;
    }
    ctx->analysis = ctx->analysis_own = a;
    return a;
}

void hctx_clear(struct hctx *ctx)
{
    if (ctx->analysis_own) {
        if (ctx->analysis == ctx->analysis_own)
            ctx->analysis = NULL;
        text_analysis_clear(ctx->analysis_own);
        free(ctx->analysis_own);
        ctx->analysis_own = NULL;
    }
}
