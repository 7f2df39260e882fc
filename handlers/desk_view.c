/*
 * desk_view.c — /xem (desk.h): one tip whole for the chat that asked — the facts as filed, its
 * status and deadlines, then its history (the tipster's additions and the desk's actions in
 * order), and its photos sent again where the chat's platform can show them (the others are
 * counted, so the officer knows there is more to see elsewhere).
 *
 * Every /xem is written to the audit log, as "view_contact" when the tipster's phone was on
 * the card: who read a contactable tipster's number, and when, can always be answered.
 */
#include "handlers/desk.h"
#include "handlers/desk_impl.h"

#include "calendar/calendar.h"
#include "config/desks.h"
#include "handlers/tipcard.h"
#include "handlers/tipfile.h"
#include "storage/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- /xem --------------------------------------------------------------------------------- */

/* "23:59 04/01/2027" as "hết ngày 04/01/2027" when it is the end of a day (an extension). */
static void desk_when(struct hctx *ctx, int64_t ms, char *out, size_t size)
{
    int64_t day = calendar_today(ms);
    if (calendar_at(day + 1, 0) - 1 == ms) {
        char date[16];
        calendar_format(day, date, sizeof date);
        struct texts_var vars[] = {{"value", date}};
        char *s = texts_render(ctx->texts, "desk_end_of_day", vars, 1);
        snprintf(out, size, "%s", s ? s : date);
        free(s);
    } else {
        tipcard_time(ms, out, size);
    }
}

/* Status, who has it, and the deadlines still running. */
static void desk_view_state(struct hctx *ctx, struct desk_text *b, const struct tip *t)
{
    char when[64], days[24], count[16];
    desk_text_add1(ctx, b, "desk_view_status", tipcard_status_label(ctx, t->status));
    if (t->acknowledged_at) {
        tipcard_time(t->acknowledged_at, when, sizeof when);
        desk_text_add1(ctx, b, "desk_view_acknowledged", when);
    }
    desk_text_add1(ctx, b, "desk_view_assigned", t->assigned_to);
    if (t->closed_at) {
        tipcard_time(t->closed_at, when, sizeof when);
        desk_text_add1(ctx, b, "desk_view_closed", when);
        desk_text_add1(ctx, b, "desk_view_outcome", t->outcome);
        struct tip orig;
        if (t->duplicate_of && tips_get_id(ctx->db, t->duplicate_of, &orig) == DB_OK) {
            char shown[TIPS_CODE_LEN + 2];
            tips_code_show(orig.code, shown);
            desk_text_add1(ctx, b, "desk_view_duplicate_of", shown);
            tip_clear(&orig);
        }
        return;
    }
    if (strcmp(t->kind, "tip") == 0 && !t->classified_at) {
        tipcard_time(t->created_at + ctx->desks->rules.classify_hours * 3600000LL, when,
                     sizeof when);
        desk_text_add1(ctx, b, "desk_view_classify_due", when);
    }
    if (t->deadline_at) {
        desk_when(ctx, t->deadline_at, when, sizeof when);
        int64_t left = calendar_today(t->deadline_at) - calendar_today(ctx->now_ms);
        int64_t over = (ctx->now_ms - t->deadline_at + DESK_DAY_MS - 1) / DESK_DAY_MS;
        snprintf(days, sizeof days, "%lld",
                 (long long)(t->deadline_at < ctx->now_ms ? over : left));
        struct texts_var vars[] = {{"when", when}, {"days", days}};
        desk_text_addv(ctx, b,
                       t->deadline_at < ctx->now_ms ? "desk_view_deadline_over"
                       : left == 0                  ? "desk_view_deadline_today"
                                                    : "desk_view_deadline",
                       vars, 2);
    }
    if (t->extensions > 0) {
        snprintf(count, sizeof count, "%d", t->extensions);
        snprintf(days, sizeof days, "%d", t->extended_days);
        char date[16] = "";
        if (t->deadline_at > 0) /* an extension runs to the end of a day */
            calendar_format(calendar_today(t->deadline_at), date, sizeof date);
        struct texts_var vars[] = {{"value", count}, {"days", days}, {"date", date}};
        desk_text_addv(ctx, b, "desk_view_extensions", vars, 3);
    }
}

/* The actions the history names; any other is shown with desk_event_other. */
static const char *const desk_events[] = {"file",   "from_tipster", "add",   "ack",    "assign",
                                          "status", "reply",        "close", "reopen", "duplicate",
                                          "extend", "contact",      "note"};

static void desk_view_history(struct hctx *ctx, struct desk_text *b, const struct tip *t)
{
    struct tip_event ev[TIPS_EVENTS_MAX];
    int n = 0;
    int64_t total = 0;
    if (tips_events(ctx->db, t, ev, TIPS_EVENTS_MAX, &n, &total) != DB_OK || n == 0)
        return;
    desk_text_add(b, "");
    desk_text_add(b, texts_get(ctx->texts, "desk_view_history"));
    if (total > n) {
        char older[24];
        snprintf(older, sizeof older, "%lld", (long long)(total - n));
        desk_text_add1(ctx, b, "desk_view_history_more", older);
    }
    for (int i = 0; i < n; i++) {
        char when[32], name[48] = "desk_event_other";
        tipcard_time(ev[i].at, when, sizeof when);
        for (size_t k = 0; k < sizeof desk_events / sizeof desk_events[0]; k++)
            if (strcmp(ev[i].action, desk_events[k]) == 0)
                snprintf(name, sizeof name, "desk_event_%s", ev[i].action);
        const char *detail = ev[i].detail ? ev[i].detail : "";
        if (strcmp(ev[i].action, "status") == 0)
            detail = tipcard_status_label(ctx, ev[i].detail);
        struct texts_var vars[] = {
            {"time", when},
            {"who", ev[i].who ? ev[i].who : texts_get(ctx->texts, "desk_event_officer")},
            {"text", detail},
            {"action", ev[i].action}};
        desk_text_addv(ctx, b, name, vars, 4);
        tip_event_clear(&ev[i]);
    }
}

/* The whole card of t for the chat the command came from. */
static char *desk_view_text(struct hctx *ctx, const struct tip *t, int photos_not_here)
{
    struct desk_text b = {malloc(DESK_TEXT_MAX), 0};
    char shown[TIPS_CODE_LEN + 2], count[16];
    char *facts = tipfile_desk_facts(ctx, t, desk_original_length(ctx, t));
    if (!b.s || !facts) {
        free(b.s);
        free(facts);
        return NULL;
    }
    b.s[0] = '\0';
    tips_code_show(t->code, shown);
    desk_text_add1(ctx, &b, t->urgent ? "desk_view_heading_urgent" : "desk_view_heading", shown);
    if (strcmp(t->kind, "tip") != 0)
        desk_text_add(&b, texts_get(ctx->texts, strcmp(t->kind, "feedback") == 0
                                                    ? "desk_view_kind_feedback"
                                                    : "desk_view_kind_lead"));
    desk_text_add1(ctx, &b, "desk_view_urgency",
                   texts_get(ctx->texts, t->urgent ? "desk_view_urgent" : "desk_view_routine"));
    desk_view_state(ctx, &b, t);
    desk_text_add(&b, "");
    desk_text_add(&b, facts);
    free(facts);
    snprintf(count, sizeof count, "%d", photos_not_here);
    if (photos_not_here)
        desk_text_add1(ctx, &b, "desk_view_photos_elsewhere", count);
    desk_view_history(ctx, &b, t);
    desk_text_add(&b, "");
    desk_text_add1(ctx, &b, "desk_line_commands", shown);
    desk_text_end(&b);
    return b.s;
}

int desk_view(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_view", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    int skipped = 0;
    char *text = NULL, *buttons = NULL;
    rc = -1;
    if (tipcard_send_photos_here(ctx, &t, 0, &skipped) != 0 ||
        !(text = desk_view_text(ctx, &t, skipped)))
        goto out;
    buttons = tipcard_buttons(ctx, &t, ctx->msg->platform, 0);
    /* who read a contactable tipster's phone, and when, is always on record */
    int contact = !t.anonymous && t.contact_phone && strcmp(t.kind, "group_lead") != 0;
    if (hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, text, buttons, OUTBOX_REPLY) != 0 ||
        tipcard_send_photos_here(ctx, &t, 1, &skipped) != 0 ||
        tips_audit(ctx->db, ctx->person->id, contact ? "view_contact" : "view", t.id,
                   contact ? t.contact_phone : NULL, ctx->now_ms) != DB_OK)
        goto out;
    rc = 0;
out:
    free(text);
    free(buttons);
    tip_clear(&t);
    return rc;
}
