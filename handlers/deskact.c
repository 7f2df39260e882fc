/*
 * deskact.c — see deskact.h. The desk's actions on a tip, shared by the chat desk (desk.c) and
 * the web desk (deskapi_act.c). Among the desk's files (desk_impl.h) it stands after
 * desk_lists.c, whose gist it uses for a colleague's message, and before desk.c.
 */
#include "handlers/deskact.h"

#include "base/textnorm.h"
#include "calendar/calendar.h"
#include "config/desks.h"
#include "handlers/tipcard.h"
#include "storage/people.h"
#include "text/textengine.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESKACT_DAY_MS 86400000LL

/* ---- what a typed word names ------------------------------------------------------------- */

const char *deskact_category(const struct hctx *ctx, const char *typed)
{
    char folded[128], label[160];
    textnorm_fold(typed, strlen(typed), folded, sizeof folded);
    size_t n = 0, len = strlen(folded);
    const struct textengine_category *cats = textengine_categories(ctx->te, &n);
    const char *inside = NULL;
    for (size_t i = 0; len && i < n; i++) {
        if (strcmp(folded, cats[i].name) == 0)
            return cats[i].name;
        textnorm_fold(cats[i].label, strlen(cats[i].label), label, sizeof label);
        const char *at = strstr(label, folded);
        bool aligned = at && (at == label || !isalnum((unsigned char)at[-1])) &&
                       !isalnum((unsigned char)at[len]);
        if (aligned && at == label)
            return cats[i].name;
        if (aligned && !inside)
            inside = cats[i].name;
    }
    return inside;
}

struct deskact_status_word {
    const char *status;
    const char *folded; /* accepted typed forms, folded, "|"-separated */
};

static const struct deskact_status_word deskact_statuses[] = {
    {"received", "received|tiep nhan|da tiep nhan|nhan"},
    {"verifying", "verifying|xac minh|dang xac minh"},
    {"transferred", "transferred|chuyen|da chuyen|chuyen co quan"},
    {"resolved", "resolved|giai quyet|da giai quyet|xong"},
    {"rejected", "rejected|khong co can cu|tu choi|bac|sai su that"},
};

const char *deskact_status(const char *typed)
{
    char folded[128];
    textnorm_fold(typed, strlen(typed), folded, sizeof folded);
    for (size_t i = 0; i < sizeof deskact_statuses / sizeof deskact_statuses[0]; i++) {
        char forms[128];
        snprintf(forms, sizeof forms, "%s", deskact_statuses[i].folded);
        for (char *save = NULL, *w = strtok_r(forms, "|", &save); w; w = strtok_r(NULL, "|", &save))
            if (strcmp(folded, w) == 0)
                return deskact_statuses[i].status;
    }
    return NULL;
}

/* ---- after every action ------------------------------------------------------------------- */

/* Re-reads the tip after a change, so the callers show the new state. */
static int deskact_reload(struct hctx *ctx, struct tip *t)
{
    int64_t id = t->id;
    tip_clear(t);
    return tips_get_id(ctx->db, id, t) == DB_OK ? 0 : -1;
}

/* Reloads t; tells the tipster the named text (NULL: nothing) and keeps it as the status line
 * /trangthai shows; audits action with detail. */
static int deskact_done(struct hctx *ctx, struct tip *t, const char *action,
                        const char *tipster_name, const char *detail)
{
    if (deskact_reload(ctx, t) != 0)
        return DESKACT_ERROR;
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown},
                               {"status", tipcard_status_label(ctx, t->status)},
                               {"text", detail ? detail : ""}};
    if (tipster_name) {
        char *line = texts_render(ctx->texts, tipster_name, vars, 3);
        int rc = line ? tips_message_add(ctx->db, t->id, "status", line, ctx->person->id, false,
                                         ctx->now_ms)
                      : DB_ERROR;
        free(line);
        if (rc != DB_OK || tipcard_tell_tipster(ctx, t, tipster_name, vars, 3) != 0)
            return DESKACT_ERROR;
    }
    if (tips_audit(ctx->db, ctx->person->id, action, t->id, detail, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return DESKACT_OK;
}

/* ---- the actions ------------------------------------------------------------------------- */

int deskact_ack(struct hctx *ctx, struct tip *t)
{
    int first = t->acknowledged_at == 0;
    if (tips_acknowledge(ctx->db, t->id, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_done(ctx, t, "ack", first ? "tip_notice_ack" : NULL, NULL);
}

int deskact_assign_name(struct hctx *ctx, struct tip *t, const char *name)
{
    if (tips_assign(ctx->db, t->id, name, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_done(ctx, t, "assign", NULL, name);
}

int deskact_assign_person(struct hctx *ctx, struct tip *t, const struct person *colleague,
                          const char *gist)
{
    const char *name = colleague->display_name && *colleague->display_name
                           ? colleague->display_name
                           : texts_get(ctx->texts, "desk_event_officer");
    if (tips_assign_person(ctx->db, t->id, colleague->id, name, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    int rc = deskact_done(ctx, t, "assign", NULL, name);
    if (rc != DESKACT_OK || colleague->id == ctx->person->id || !colleague->platform ||
        !colleague->platform_user_id)
        return rc;
    /* their private chat: the chat id of a person's own chat is their platform user id */
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    const char *who = ctx->person->display_name && *ctx->person->display_name
                          ? ctx->person->display_name
                          : texts_get(ctx->texts, "desk_event_officer");
    struct texts_var vars[] = {{"code", shown}, {"gist", gist}, {"who", who}};
    char *text = texts_render(ctx->texts, "desk_assigned_to_you", vars, 3);
    rc = text && hctx_send(ctx, colleague->platform, colleague->platform_user_id, text, NULL,
                           OUTBOX_REPLY) == 0
             ? DESKACT_OK
             : DESKACT_ERROR;
    free(text);
    return rc;
}

int deskact_reply(struct hctx *ctx, struct tip *t, const char *text, bool question)
{
    if (strcmp(t->kind, "group_lead") == 0)
        return DESKACT_NO_TIPSTER;
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown}, {"text", text}};
    /* One open question per tip at a time: the newest replaces older ones. */
    if ((question && tips_close_questions(ctx->db, t->id) != DB_OK) ||
        tips_message_add(ctx->db, t->id, "to_tipster", text, ctx->person->id, question,
                         ctx->now_ms) != DB_OK ||
        tips_acknowledge(ctx->db, t->id, ctx->now_ms) != DB_OK ||
        tipcard_tell_tipster(ctx, t, "relay_to_tipster", vars, 2) != 0 ||
        tips_audit(ctx->db, ctx->person->id, "reply", t->id, text, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_reload(ctx, t) == 0 ? DESKACT_OK : DESKACT_ERROR;
}

int deskact_set_status(struct hctx *ctx, struct tip *t, const char *status)
{
    if (tips_set_status(ctx->db, t->id, status, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_done(
        ctx, t, "status",
        strcmp(status, "rejected") == 0 ? "tip_notice_rejected" : "tip_notice_status", status);
}

int deskact_close(struct hctx *ctx, struct tip *t, const char *outcome)
{
    if (tips_close(ctx->db, t->id, outcome, ctx->now_ms) != DB_OK ||
        tips_close_questions(ctx->db, t->id) != DB_OK)
        return DESKACT_ERROR;
    return deskact_done(ctx, t, "close", "tip_notice_closed", outcome);
}

int deskact_reopen(struct hctx *ctx, struct tip *t)
{
    if (tips_reopen(ctx->db, t->id, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_done(ctx, t, "reopen", "tip_notice_reopened", NULL);
}

int deskact_duplicate(struct hctx *ctx, struct tip *t, const struct tip *orig)
{
    if (orig->id == t->id)
        return DESKACT_SAME_TIP;
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(orig->code, shown);
    if (tips_mark_duplicate(ctx->db, t->id, orig->id, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_done(ctx, t, "duplicate", "tip_notice_duplicate", shown);
}

int deskact_classify(struct hctx *ctx, struct tip *t, const char *category)
{
    if (strcmp(t->kind, "feedback") == 0)
        return DESKACT_BAD_CATEGORY;
    if (tips_set_category(ctx->db, t->id, category, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_done(ctx, t, "classify", NULL, tipcard_category_label(ctx, category));
}

int deskact_note(struct hctx *ctx, struct tip *t, const char *text)
{
    /* the audit log is the note's one place: the desk's history reads it, the relay never */
    if (tips_audit(ctx->db, ctx->person->id, "note", t->id, text, ctx->now_ms) != DB_OK)
        return DESKACT_ERROR;
    return deskact_reload(ctx, t) == 0 ? DESKACT_OK : DESKACT_ERROR;
}

/* ---- art. 147 ------------------------------------------------------------------------------ */

int64_t deskact_extend_max_day(int64_t created_day, int64_t base_day, int extensions)
{
    if (extensions >= 2)
        return base_day;
    int64_t cap = created_day + (extensions == 0 ? 60 : 120);
    int64_t most = base_day + DESKACT_EXTEND_MAX_DAYS;
    return cap < most ? cap : most;
}

void deskact_extension(const struct hctx *ctx, const struct tip *t, struct deskact_extension *x)
{
    int64_t base = t->deadline_at ? t->deadline_at
                                  : t->created_at + ctx->desks->rules.resolve_days * DESKACT_DAY_MS;
    x->base_day = calendar_today(base);
    x->max_day = deskact_extend_max_day(calendar_today(t->created_at), x->base_day, t->extensions);
}

/* Art. 147: 20 days; one extension to at most 2 months from receipt, a second of at most 2
 * more months; 4 months in all. A limit counted in days ends at 24:00 of its last day (art.
 * 133), so an extended deadline is the end of the day it names. */
int deskact_extend(struct hctx *ctx, struct tip *t, int64_t target_day, struct deskact_extension *x)
{
    deskact_extension(ctx, t, x);
    if (t->extensions >= 2 || x->max_day <= x->base_day)
        return DESKACT_EXTEND_REFUSED;
    if (target_day <= x->base_day)
        return DESKACT_EXTEND_NOT_LATER;
    if (target_day > x->max_day)
        return DESKACT_EXTEND_LIMIT;
    char date[16];
    calendar_format(target_day, date, sizeof date);
    int64_t deadline = calendar_at(target_day + 1, 0) - 1;
    if (tips_extend(ctx->db, t->id, (int)(target_day - x->base_day), deadline, ctx->now_ms) !=
        DB_OK)
        return DESKACT_ERROR;
    return deskact_done(ctx, t, "extend", NULL, date);
}
