/*
 * tipcard.c — see tipcard.h. Moved here from tipfile.c (labels, times, the relay) and
 * desk_buttons.c (a tip's buttons) so that filing, the desk and the scam list all stand on it
 * instead of calling each other in a circle.
 */
#include "handlers/tipcard.h"

#include "base/log.h"
#include "config/desks.h"
#include "text/textengine.h"
#include "storage/people.h"
#include "storage/push_store.h"
#include "storage/uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- labels and times --------------------------------------------------------------------- */

const char *tipcard_category_label(const struct hctx *ctx, const char *category)
{
    size_t n = 0;
    const struct textengine_category *cats = textengine_categories(ctx->te, &n);
    for (size_t i = 0; category && i < n; i++)
        if (strcmp(cats[i].name, category) == 0)
            return cats[i].label;
    return texts_get(ctx->texts, "category_unknown");
}

const char *tipcard_status_label(const struct hctx *ctx, const char *status)
{
    char name[48];
    snprintf(name, sizeof name, "status_%s", status ? status : "new");
    return texts_get(ctx->texts, name);
}

void tipcard_time(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, size, "%H:%M %d/%m/%Y", &tm);
}

/* ---- buttons ------------------------------------------------------------------------------ */

/* Appends a {text, data} button to row. */
void tipcard_button(json_t *row, const char *label, const char *action, const char *code,
                    const char *more)
{
    char data[TIPCARD_CALLBACK_MAX];
    snprintf(data, sizeof data, TIPCARD_CB "%s:%s%s%s", action, code, more ? ":" : "",
             more ? more : "");
    json_array_append_new(row, json_pack("{s:s, s:s}", "text", label, "data", data));
}

char *tipcard_rows_take(json_t *rows)
{
    char *out = json_array_size(rows) ? json_dumps(rows, JSON_COMPACT) : NULL;
    json_decref(rows);
    return out;
}

static int tipcard_is_open(const struct tip *t)
{
    static const char *const closed[] = {"resolved", "rejected", "duplicate", "closed"};
    for (size_t i = 0; t->status && i < sizeof closed / sizeof closed[0]; i++)
        if (strcmp(t->status, closed[i]) == 0)
            return 0;
    return 1;
}

char *tipcard_buttons(struct hctx *ctx, const struct tip *t, const char *platform, int view)
{
    if (!t || !t->id || !t->code[0] || !platform || !platform_caps_now(platform).buttons)
        return NULL;
    json_t *rows = json_array(), *first = json_array(), *second = json_array();
    int lead = t->kind && strcmp(t->kind, "group_lead") == 0;
    if (!t->acknowledged_at && t->status && strcmp(t->status, "new") == 0)
        tipcard_button(first, texts_get(ctx->texts, "desk_button_ack"), "ack", t->code, NULL);
    if (!lead && t->platform && t->chat_id)
        tipcard_button(first, texts_get(ctx->texts, "desk_button_reply"), "reply", t->code, NULL);
    if (tipcard_is_open(t))
        tipcard_button(second, texts_get(ctx->texts, "desk_button_status"), "status", t->code,
                       NULL);
    if (view)
        tipcard_button(second, texts_get(ctx->texts, "desk_button_view"), "view", t->code, NULL);
    json_array_append_new(rows, first);
    json_array_append_new(rows, second);
    for (size_t i = json_array_size(rows); i-- > 0;)
        if (json_array_size(json_array_get(rows, i)) == 0)
            json_array_remove(rows, i);
    return tipcard_rows_take(rows);
}

/* ---- the relay ---------------------------------------------------------------------------- */

/* No desk chat configured: the officers enrolled for the area (or any officer) hear about it
 * in their private chats. With no officer either, the tip waits for /tinmoi. */
static int tipcard_tell_officers(struct hctx *ctx, const struct tip *t, const char *text)
{
    char *platforms[16], *ids[16];
    int n = 0, rc = 0;
    if (people_officers(ctx->db, t->area, platforms, ids, 16, &n) != DB_OK)
        return -1;
    if (n == 0)
        log_warn("tips",
                 "no desk and no enrolled officer for tip %s: it is stored and listed "
                 "by /tinmoi",
                 t->code);
    for (int i = 0; i < n; i++) {
        char *buttons = rc == 0 ? tipcard_buttons(ctx, t, platforms[i], 1) : NULL;
        if (rc == 0)
            rc = hctx_send(ctx, platforms[i], ids[i], text, buttons,
                           t->urgent ? OUTBOX_URGENT : OUTBOX_REPLY);
        free(buttons);
        free(platforms[i]);
        free(ids[i]);
    }
    return rc;
}

/* The desk's message about t, to its desk (or, with none, to the officers). */
static int tipcard_tell_desk_chat(struct hctx *ctx, const struct tip *t, const char *text)
{
    struct desk desk;
    if (t->desk_platform && t->desk_chat_id) {
        snprintf(desk.platform, sizeof desk.platform, "%s", t->desk_platform);
        snprintf(desk.chat_id, sizeof desk.chat_id, "%s", t->desk_chat_id);
    } else if (!desks_route(ctx->desks, t->category, t->area, &desk)) {
        return tipcard_tell_officers(ctx, t, text);
    }
    /* Every desk message about a stored tip carries its buttons where the desk has them: the
     * card, the reminders, the tipster's additions — what to do next is one tap away. */
    char *buttons = tipcard_buttons(ctx, t, desk.platform, 1);
    int rc = hctx_send(ctx, desk.platform, desk.chat_id, text, buttons,
                       t->urgent ? OUTBOX_URGENT : OUTBOX_REPLY);
    free(buttons);
    return rc;
}

int tipcard_tell_desk(struct hctx *ctx, const struct tip *t, const char *text)
{
    /* The messages name the tip they are about, so that a group lead's leave with it. */
    int64_t was = ctx->about_tip;
    ctx->about_tip = t->id;
    int rc = tipcard_tell_desk_chat(ctx, t, text);
    ctx->about_tip = was;
    return rc;
}

/* Sends each of refs that platform can show to chat (or, with send 0, only counts); *skipped
 * counts the others. */
static int tipcard_photos_to(struct hctx *ctx, const struct tip *t, const char *platform,
                             const char *chat_id, const char *const *refs, int n,
                             enum outbox_priority priority, int send, int *skipped)
{
    struct platform_caps caps = platform_caps_now(platform);
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    int rc = 0;
    *skipped = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        /* A platform file id is only valid on the platform that issued it; URLs go anywhere. */
        int url = strncmp(refs[i], "http://", 7) == 0 || strncmp(refs[i], "https://", 8) == 0;
        int same = t->platform && strcmp(t->platform, platform) == 0;
        /* A web chat upload is a file of ours: any platform that can send one from disk. */
        if (uploads_is_ref(refs[i])) {
            url = caps.local_photos;
            same = 0;
        }
        if (!caps.photos || !(url || same)) {
            (*skipped)++;
            continue;
        }
        if (!send)
            continue;
        struct texts_var vars[] = {{"code", shown}};
        char *caption = texts_render(ctx->texts, "desk_photo_caption", vars, 1);
        rc = hctx_send_photo(ctx, platform, chat_id, caption, refs[i], NULL, priority);
        free(caption);
    }
    return rc;
}

int tipcard_send_photo_refs(struct hctx *ctx, const struct tip *t, const char *const *refs, int n)
{
    int skipped = 0;
    if (!t->desk_platform)
        return 0;
    return tipcard_photos_to(ctx, t, t->desk_platform, t->desk_chat_id, refs, n,
                             t->urgent ? OUTBOX_URGENT : OUTBOX_REPLY, 1, &skipped);
}

int tipcard_send_photos_here(struct hctx *ctx, const struct tip *t, int send, int *skipped)
{
    char *refs[TIPCARD_PHOTOS_MAX];
    int n = 0;
    *skipped = 0;
    if (tips_attachments(ctx->db, t->id, "photo", refs, TIPCARD_PHOTOS_MAX, &n) != DB_OK)
        return -1;
    int rc = tipcard_photos_to(ctx, t, ctx->msg->platform, ctx->msg->chat_id,
                               (const char *const *)refs, n, OUTBOX_REPLY, send, skipped);
    for (int i = 0; i < n; i++)
        free(refs[i]);
    return rc;
}

int tipcard_send_photos(struct hctx *ctx, const struct tip *t)
{
    char *refs[TIPCARD_PHOTOS_MAX];
    int n = 0;
    if (!t->desk_platform ||
        tips_attachments(ctx->db, t->id, "photo", refs, TIPCARD_PHOTOS_MAX, &n) != DB_OK)
        return 0;
    int rc = tipcard_send_photo_refs(ctx, t, (const char *const *)refs, n);
    for (int i = 0; i < n; i++)
        free(refs[i]);
    return rc;
}

int tipcard_tell_tipster(struct hctx *ctx, const struct tip *t, const char *name,
                         const struct texts_var *vars, size_t n)
{
    if (!t->platform || !t->chat_id || strcmp(t->kind, "group_lead") == 0)
        return 0;
    char *text = texts_render(ctx->texts, name, vars, n);
    if (!text)
        return -1;
    /* Tied to the tip (outbox ref_kind 'tip'): an officer's answer or notice, which a
     * platform with a messaging window may still deliver as a human agent's (Messenger's
     * HUMAN_AGENT tag), unlike anything automated. */
    int64_t was = ctx->about_tip;
    ctx->about_tip = t->id;
    int rc = hctx_send(ctx, t->platform, t->chat_id, text, NULL, OUTBOX_REPLY);
    ctx->about_tip = was;
    free(text);
    /* The police answered: a browser that asked to be told gets a notification (none for a
     * chat without a subscription, whatever its platform). */
    if (rc == 0 &&
        push_jobs_add_for_chat(ctx->db, t->platform, t->chat_id, ctx->now_ms, NULL) != DB_OK)
        rc = -1;
    return rc;
}
