/*
 * resident.c — see resident.h. A tip is the resident's own when its person_id is theirs; any
 * other code — someone else's, or none — gets the same "not found" answer, so codes cannot be
 * probed for their owners.
 */
#include "handlers/resident.h"

#include "config/desks.h"
#include "text/textengine.h"
#include "handlers/tipcard.h"
#include "handlers/tipfile.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RESIDENT_TEXT_MAX = 8192 };

/* Reads "<code> [rest]" from args into t when the tip is the sender's own. */
static int resident_own_tip(struct hctx *ctx, const char **rest, struct tip *t)
{
    char word[32], code[TIPS_CODE_LEN + 1];
    const char *args = ctx->args;
    size_t n = strcspn(args, " \t\r\n");
    snprintf(word, sizeof word, "%.*s", (int)(n < 31 ? n : 31), args);
    if (rest) {
        *rest = args + n;
        while (**rest == ' ' || **rest == '\t' || **rest == '\n')
            (*rest)++;
    }
    memset(t, 0, sizeof *t);
    if (!ctx->person || tips_code_parse(word, code) != 0)
        return DB_NOT_FOUND;
    int rc = tips_get(ctx->db, code, t);
    if (rc == DB_OK && (t->person_id != ctx->person->id || strcmp(t->kind, "group_lead") == 0)) {
        tip_clear(t);
        return DB_NOT_FOUND;
    }
    return rc;
}

static int resident_not_found(struct hctx *ctx, const char *usage)
{
    if (!*ctx->args)
        return hctx_reply(ctx, usage, NULL, 0);
    return hctx_reply(ctx, "tip_not_found", NULL, 0);
}

static void resident_append(char *buf, size_t *at, const char *line)
{
    size_t n = strlen(line);
    if (*at + n + 2 >= RESIDENT_TEXT_MAX)
        return;
    memcpy(buf + *at, line, n);
    *at += n;
    buf[(*at)++] = '\n';
    buf[*at] = '\0';
}

/* The police's replies and status notes on a tip, oldest first. */
static void resident_history(struct hctx *ctx, const struct tip *t, char *buf, size_t *at)
{
    char *dirs[20], *texts[20];
    int64_t times[20];
    int n = 0;
    tips_messages(ctx->db, t->id, dirs, texts, times, 20, &n);
    for (int i = 0; i < n; i++) {
        if (strcmp(dirs[i], "from_tipster") != 0) {
            char when[32];
            tipcard_time(times[i], when, sizeof when);
            struct texts_var vars[] = {{"time", when}, {"text", texts[i]}};
            char *line = texts_render(ctx->texts, "status_line_reply", vars, 2);
            if (line)
                resident_append(buf, at, line);
            free(line);
        }
        free(dirs[i]);
        free(texts[i]);
    }
}

int resident_status(struct hctx *ctx)
{
    struct tip t;
    int rc = resident_own_tip(ctx, NULL, &t);
    if (rc == DB_ERROR)
        return -1;
    if (rc != DB_OK)
        return resident_not_found(ctx, "status_usage");
    char shown[TIPS_CODE_LEN + 2], created[32], updated[32];
    tips_code_show(t.code, shown);
    tipcard_time(t.created_at, created, sizeof created);
    tipcard_time(t.updated_at, updated, sizeof updated);
    struct texts_var vars[] = {
        {"code", shown},
        {"status", tipcard_status_label(ctx, t.status)},
        {"category", tipcard_category_label(ctx, t.category)},
        {"created", created},
        {"updated", updated},
        {"outcome", t.outcome ? t.outcome : ""},
    };
    int closed = t.outcome && strcmp(t.status, "closed") == 0;
    int feedback = strcmp(t.kind, "feedback") == 0; /* an opinion has no category */
    char *head =
        texts_render(ctx->texts,
                     feedback ? (closed ? "status_view_feedback_closed" : "status_view_feedback")
                     : closed ? "status_view_closed"
                              : "status_view",
                     vars, sizeof vars / sizeof vars[0]);
    char *buf = malloc(RESIDENT_TEXT_MAX);
    if (!head || !buf) {
        free(head), free(buf), tip_clear(&t);
        return -1;
    }
    size_t at = 0;
    buf[0] = '\0';
    resident_append(buf, &at, head);
    resident_history(ctx, &t, buf, &at);
    while (at > 0 && buf[at - 1] == '\n')
        buf[--at] = '\0';
    rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, buf, NULL, OUTBOX_REPLY);
    free(head), free(buf), tip_clear(&t);
    return rc;
}

int resident_mine(struct hctx *ctx)
{
    struct tip list[TIPS_LIST_MAX];
    int n = 0;
    if (!ctx->person ||
        tips_list_by_person(ctx->db, ctx->person->id, list, TIPS_LIST_MAX, &n) != DB_OK)
        return ctx->person ? -1 : hctx_reply(ctx, "mytips_none", NULL, 0);
    if (n == 0)
        return hctx_reply(ctx, "mytips_none", NULL, 0);
    char *buf = malloc(RESIDENT_TEXT_MAX);
    size_t at = 0;
    int rc = buf ? 0 : -1;
    if (buf) {
        buf[0] = '\0';
        resident_append(buf, &at, texts_get(ctx->texts, "mytips_head"));
    }
    for (int i = 0; i < n; i++) {
        char shown[TIPS_CODE_LEN + 2], created[32];
        tips_code_show(list[i].code, shown);
        tipcard_time(list[i].created_at, created, sizeof created);
        struct texts_var vars[] = {
            {"code", shown},
            {"category", strcmp(list[i].kind, "feedback") == 0
                             ? texts_get(ctx->texts, "feedback_label")
                             : tipcard_category_label(ctx, list[i].category)},
            {"status", tipcard_status_label(ctx, list[i].status)},
            {"created", created}};
        char *line = buf ? texts_render(ctx->texts, "mytips_line", vars, 4) : NULL;
        if (line)
            resident_append(buf, &at, line);
        free(line);
        tip_clear(&list[i]);
    }
    if (buf) {
        while (at > 0 && buf[at - 1] == '\n')
            buf[--at] = '\0';
        rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, buf, NULL, OUTBOX_REPLY);
    }
    free(buf);
    return rc;
}

/* What one message adds to a tip: its evidence stored, the photos and the links to pass on. */
struct resident_added {
    int added, refused, n_photos, n_links;
    const char *photos[MSG_MAX_ATTACHMENTS], *links[MSG_MAX_ATTACHMENTS];
};

/* Stores the message's evidence up to the tip's limit (refused past it). 0 or -1. */
static int resident_add_media(struct hctx *ctx, const struct tip *t, struct resident_added *out)
{
    const struct msg *m = ctx->msg;
    int64_t have = 0;
    if (tips_count_attachments(ctx->db, t->id, NULL, &have) != DB_OK)
        return -1;
    for (int i = 0; i < m->n_attachments; i++) {
        const struct msg_attachment *at = &m->attachments[i];
        if (!tipfile_is_evidence(at->kind))
            continue; /* a sticker is not evidence */
        if (have + out->added >= ctx->desks->rules.max_attachments) {
            out->refused = 1;
            continue;
        }
        if (tips_add_attachment(ctx->db, t->id, at->kind, at->ref, ctx->now_ms) != DB_OK)
            return -1;
        out->added++;
        if (strcmp(at->kind, "photo") == 0)
            out->photos[out->n_photos++] = at->ref;
        else if (strncmp(at->ref, "https://", 8) == 0 || strncmp(at->ref, "http://", 7) == 0)
            out->links[out->n_links++] = at->ref; /* a voice message or file the desk opens */
    }
    return 0;
}

/* Appends text to the tip's description, merges its entities and records it. 0 or -1. */
static int resident_add_text(struct hctx *ctx, const struct tip *t, const char *text)
{
    struct text_analysis own; /* the message's own reading when text is the message */
    const struct text_analysis *a = hctx_analyse(ctx, text, &own);
    if (!a)
        return -1;
    int rc = tips_append_description(ctx->db, t->id, a->nfc, a->folded, ctx->now_ms);
    /* the phones, plates, links and amount of an addition are the tip's too (the desk's card
     * lists them and /tim finds them) */
    char *entities = rc == DB_OK ? tipfile_entities_merge(t->entities, a) : NULL;
    if (rc == DB_OK)
        rc = entities ? tips_set_entities(ctx->db, t->id, entities, ctx->now_ms) : DB_ERROR;
    free(entities);
    if (rc == DB_OK)
        rc = tips_message_add(ctx->db, t->id, "from_tipster", a->nfc, ctx->person->id, false,
                              ctx->now_ms);
    text_analysis_clear(&own);
    return rc == DB_OK ? 0 : -1;
}

/* Tells the desk what was added (the text named name, the photos, each link). 0 or -1. */
static int resident_tell_desk(struct hctx *ctx, struct tip *t, const char *text, const char *name,
                              const struct resident_added *ad, const struct texts_var *vars)
{
    int rc = 0;
    if (ad->added || (text && *text)) { /* nothing new (only refused photos): nothing to tell */
        char plain[64];                 /* without "(ảnh, tệp mới: 0)" when there is none */
        snprintf(plain, sizeof plain, "%s_text", name);
        char *to_desk = texts_render(ctx->texts, ad->added ? name : plain, vars, 3);
        rc = to_desk ? tipcard_tell_desk(ctx, t, to_desk) : -1;
        free(to_desk);
    }
    if (rc == 0 && ad->n_photos)
        rc = tipcard_send_photo_refs(ctx, t, ad->photos, ad->n_photos);
    for (int i = 0; rc == 0 && i < ad->n_links; i++) {
        struct texts_var lv[] = {vars[0], {"value", ad->links[i]}};
        char *line = texts_render(ctx->texts, "relay_media_to_desk", lv, 2);
        rc = line ? tipcard_tell_desk(ctx, t, line) : -1;
        free(line);
    }
    return rc;
}

int resident_forward(struct hctx *ctx, struct tip *t, const char *text, const char *name,
                     const char *reply)
{
    struct resident_added ad = {0};
    if (resident_add_media(ctx, t, &ad) != 0 ||
        (text && *text && resident_add_text(ctx, t, text) != 0))
        return -1;
    char shown[TIPS_CODE_LEN + 2], count[16];
    tips_code_show(t->code, shown);
    snprintf(count, sizeof count, "%d", ad.added);
    struct texts_var vars[] = {{"code", shown}, {"text", text ? text : ""}, {"photos", count}};
    int rc = resident_tell_desk(ctx, t, text, name, &ad, vars);
    if (rc == 0)
        rc = tips_audit(ctx->db, ctx->person->id, "add", t->id, NULL, ctx->now_ms);
    if (rc == 0)
        rc = hctx_reply(ctx, ad.refused ? "add_done_photos_refused" : reply, vars, 3);
    return rc == DB_OK ? 0 : -1;
}

int resident_add(struct hctx *ctx)
{
    struct tip t;
    const char *rest = "";
    int rc = resident_own_tip(ctx, &rest, &t);
    if (rc == DB_ERROR)
        return -1;
    if (rc != DB_OK)
        return resident_not_found(ctx, "add_usage");
    if (!*rest && ctx->msg->n_attachments == 0) {
        tip_clear(&t);
        return hctx_reply(ctx, "add_usage", NULL, 0);
    }
    rc = resident_forward(ctx, &t, rest, "relay_add_to_desk", "add_done");
    tip_clear(&t);
    return rc;
}

int resident_answer(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (m->is_group || !ctx->person || (!m->text && m->n_attachments == 0))
        return 0;
    struct tip t;
    int many = 0;
    int rc = tips_open_question(ctx->db, ctx->person->id, &t, &many);
    if (rc == DB_NOT_FOUND && many > 1) /* which tip is this about? ask rather than guess */
        return hctx_reply(ctx, "answer_which_tip", NULL, 0) == 0 ? 1 : -1;
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    rc = tips_close_questions(ctx->db, t.id) == DB_OK &&
                 resident_forward(ctx, &t, m->text, "relay_answer_to_desk", "answer_forwarded") == 0
             ? 1
             : -1;
    tip_clear(&t);
    return rc;
}
