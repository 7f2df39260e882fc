/*
 * emergency.c — see emergency.h. The emergency message is assembled from named lines, one per
 * number in the order to call, so a ward can reword it; the numbers are the national ones and
 * sit in the table below beside the names of their line and button. The resident's message
 * goes at urgent priority, before anything else this update writes to their chat; the desk's
 * alert is urgent too (handlers/tipfile.c sends an urgent tip's alert first of all).
 */
#include "handlers/emergency.h"

#include "handlers/choice.h"
#include "handlers/resident.h"
#include "text/textengine.h"
#include "base/textnorm.h"
#include "storage/convo.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EMERGENCY_LINES_MAX = 1024, EMERGENCY_NUMBERS_MAX = 2, EMERGENCY_FOLDED_MAX = 256 };

struct emergency_number {
    const char *dial;   /* what a tap dials */
    const char *line;   /* name of its line in "emergency_call" */
    const char *button; /* name of its button label */
};

static const struct emergency_number emergency_police = {"113", "emergency_number_police",
                                                         "emergency_button_police"};
static const struct emergency_number emergency_fire = {"114", "emergency_number_fire",
                                                       "emergency_button_fire"};
static const struct emergency_number emergency_medical = {"115", "emergency_number_medical",
                                                          "emergency_button_medical"};

/* Which numbers, in the order to call: the fire brigade for a fire, the police for anything
 * else, and the ambulance beside either when someone is hurt or trapped. */
static size_t emergency_numbers(const char *category, bool injury,
                                const struct emergency_number *out[EMERGENCY_NUMBERS_MAX])
{
    size_t n = 0;
    out[n++] = category && strcmp(category, "fire") == 0 ? &emergency_fire : &emergency_police;
    if (injury)
        out[n++] = &emergency_medical;
    return n;
}

int emergency_call(struct hctx *ctx, const char *category, bool injury, bool filing)
{
    const struct emergency_number *nums[EMERGENCY_NUMBERS_MAX];
    size_t n = emergency_numbers(category, injury, nums);
    char lines[EMERGENCY_LINES_MAX] = "";
    size_t at = 0;
    json_t *rows = ctx->caps->tel_links ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *line = texts_get(ctx->texts, nums[i]->line);
        int w = snprintf(lines + at, sizeof lines - at, "%s%s", i ? "\n" : "", line);
        if (w > 0 && (size_t)w < sizeof lines - at)
            at += (size_t)w;
        char url[16];
        snprintf(url, sizeof url, "tel:%s", nums[i]->dial);
        if (rows)
            json_array_append_new(rows,
                                  json_pack("[{s:s, s:s}]", "text",
                                            texts_get(ctx->texts, nums[i]->button), "url", url));
    }
    struct texts_var vars[] = {{"numbers", lines}};
    char *text =
        texts_render(ctx->texts, filing ? "emergency_call" : "emergency_call_first", vars, 1);
    char *buttons = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
    int rc = text && (buttons || !rows) ? hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id,
                                                    text, buttons, OUTBOX_URGENT)
                                        : -1;
    free(text);
    free(buttons);
    json_decref(rows);
    return rc;
}

/* The follow-up's two answers besides details: a phone to be called back on, and "done". */
static size_t emergency_choices(const struct hctx *ctx, struct choice c[2])
{
    c[0] = (struct choice){"phone", texts_get(ctx->texts, "choice_phone"), "so dien thoai"};
    c[1] = (struct choice){"done", texts_get(ctx->texts, "emergency_choice_done"), "xong roi"};
    return 2;
}

/* Starts (or moves to step) the follow-up of tip t. */
static int emergency_save(struct hctx *ctx, const struct tip *t, const char *step)
{
    json_t *data = json_pack("{s:s}", "tip", t->code);
    char *s = data ? json_dumps(data, JSON_COMPACT) : NULL;
    int rc = s && convo_put(ctx->db, ctx->msg->platform, ctx->msg->chat_id, "urgent", step, s,
                            ctx->now_ms) == DB_OK
                 ? 0
                 : -1;
    free(s);
    json_decref(data);
    return rc;
}

/* Renders the named text about tip t ({code}, and {phone} when given) to the resident. */
static int emergency_reply(struct hctx *ctx, const struct tip *t, const char *name,
                           const char *phone)
{
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown}, {"phone", phone ? phone : ""}};
    return hctx_reply(ctx, name, vars, 2);
}

/* The offer to add details, with the phone and done answers. */
static int emergency_offer(struct hctx *ctx, const struct tip *t)
{
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown}};
    /* where no location can be shared, the offer asks for the address in words */
    bool typed = platform_caps_now(ctx->msg->platform).no_location;
    char *text =
        texts_render(ctx->texts, typed ? "emergency_filed_typed" : "emergency_filed", vars, 1);
    struct choice c[2];
    size_t n = emergency_choices(ctx, c);
    int rc = text ? choice_ask(ctx, text, c, n, 1) : -1;
    free(text);
    return rc;
}

int emergency_file(struct hctx *ctx, struct tip_draft *d, const struct text_analysis *a,
                   bool numbers_sent)
{
    if (!numbers_sent &&
        emergency_call(ctx, d->category ? d->category : a->category, a->injury, true) != 0)
        return -1;
    char *ongoing = NULL;
    if (!d->happened && !a->when) { /* nobody asks "when?" of an emergency: it is now */
        char now[32];
        tipcard_time(ctx->now_ms, now, sizeof now);
        struct texts_var vars[] = {{"time", now}};
        ongoing = texts_render(ctx->texts, "value_ongoing", vars, 1);
        d->happened = ongoing;
    }
    d->kind = "tip";
    d->urgent = true;
    d->emergency = true;
    struct tip t;
    enum tipfile_result res = tipfile_file(ctx, d, &t);
    int rc = res == TIPFILE_ERROR ? -1 : 0;
    /* A repeat of a tip filed minutes ago was answered with its code: what follows is added
     * to that one. */
    if (rc == 0 && (res == TIPFILE_FILED || res == TIPFILE_DUPLICATE))
        rc = emergency_save(ctx, &t, "details");
    if (rc == 0 && res == TIPFILE_FILED)
        rc = emergency_offer(ctx, &t);
    tip_clear(&t);
    if (ongoing)
        d->happened = NULL;
    free(ongoing);
    return rc;
}

/* The tipster gave a phone to be called back on: the tip is contactable from now on. */
static int emergency_set_phone(struct hctx *ctx, struct tip *t, const char *phone)
{
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown}, {"phone", phone}};
    char *to_desk = texts_render(ctx->texts, "relay_contact_to_desk", vars, 2);
    int rc = to_desk && tips_set_contact(ctx->db, t->id, phone, ctx->now_ms) == DB_OK &&
                     tips_audit(ctx->db, ctx->person ? ctx->person->id : 0, "contact", t->id, NULL,
                                ctx->now_ms) == DB_OK &&
                     tipcard_tell_desk(ctx, t, to_desk) == 0 &&
                     emergency_save(ctx, t, "details") == 0
                 ? emergency_reply(ctx, t, "emergency_phone_saved", phone)
                 : -1;
    free(to_desk);
    return rc;
}

/* The one phone number in text (normalised by the text engine), or NULL; *own frees it. */
static const char *emergency_phone_in(struct hctx *ctx, const char *text, struct text_analysis *own)
{
    const struct text_analysis *a = hctx_analyse(ctx, text, own);
    return a && a->nphones == 1 ? a->phones[0] : NULL;
}

/* Step "phone": the number to call back, or "ẩn danh" / "không" to stay anonymous. */
static int emergency_phone(struct hctx *ctx, struct tip *t)
{
    const struct msg *m = ctx->msg;
    if (m->contact_phone) { /* a shared contact card: normalised when it reads as a mobile */
        struct text_analysis a;
        const char *phone = emergency_phone_in(ctx, m->contact_phone, &a);
        int rc = emergency_set_phone(ctx, t, phone ? phone : m->contact_phone);
        text_analysis_clear(&a);
        return rc;
    }
    char folded[EMERGENCY_FOLDED_MAX] = "";
    if (m->text)
        textnorm_fold(m->text, strlen(m->text), folded, sizeof folded);
    static const char *const declines[] = {"an danh", "khong", "thoi", "bo qua", "ko"};
    for (size_t i = 0; i < sizeof declines / sizeof declines[0]; i++)
        if (strncmp(folded, declines[i], strlen(declines[i])) == 0)
            return emergency_save(ctx, t, "details") == 0
                       ? emergency_reply(ctx, t, "emergency_kept_anonymous", NULL)
                       : -1;
    struct text_analysis a;
    const char *phone = emergency_phone_in(ctx, m->text, &a);
    int rc =
        phone ? emergency_set_phone(ctx, t, phone) : hctx_reply(ctx, "report_bad_phone", NULL, 0);
    text_analysis_clear(&a);
    return rc;
}

/* A shared location: kept on the tip (the first one) and told to the desk. */
static int emergency_location(struct hctx *ctx, struct tip *t)
{
    const struct msg *m = ctx->msg;
    char shown[TIPS_CODE_LEN + 2], lat[24], lon[24];
    tips_code_show(t->code, shown);
    snprintf(lat, sizeof lat, "%.6f", m->latitude);
    snprintf(lon, sizeof lon, "%.6f", m->longitude);
    struct texts_var vars[] = {{"code", shown}, {"lat", lat}, {"lon", lon}};
    char *to_desk = texts_render(ctx->texts, "relay_location_to_desk", vars, 3);
    int rc = to_desk &&
                     tips_set_location(ctx->db, t->id, m->latitude, m->longitude, ctx->now_ms) ==
                         DB_OK &&
                     tipcard_tell_desk(ctx, t, to_desk) == 0
                 ? 0
                 : -1;
    free(to_desk);
    return rc;
}

/* Anything else in the follow-up is more about the emergency: added and forwarded at once —
 * and when it is itself urgent ("nó đang đập cửa"), the numbers come first again. */
static int emergency_more(struct hctx *ctx, struct tip *t)
{
    const struct msg *m = ctx->msg;
    const char *text = m->text && *m->text ? m->text : NULL;
    struct text_analysis own = {.money_vnd = -1};
    const struct text_analysis *a = text ? hctx_analyse(ctx, text, &own) : NULL;
    if (text && !a)
        return -1;
    int rc = 0;
    if (text && (a->urgent || a->distress))
        rc = emergency_call(ctx, t->category, a->injury, true);
    text_analysis_clear(&own);
    int photos = 0; /* evidence: photos, voice messages, files */
    for (int i = 0; i < m->n_attachments; i++)
        photos += tipfile_is_evidence(m->attachments[i].kind);
    if (rc == 0 && m->has_location)
        rc = emergency_location(ctx, t);
    if (rc == 0 && (text || photos))
        rc = resident_forward(ctx, t, text, "relay_add_to_desk", "emergency_added");
    else if (rc == 0)
        rc = emergency_reply(ctx, t, m->has_location ? "emergency_added" : "non_text", NULL);
    return rc == 0 ? emergency_save(ctx, t, "details") : -1; /* the hour starts again */
}

/* Step "details": a phone, "done", or more about the emergency. */
static int emergency_details(struct hctx *ctx, struct tip *t)
{
    const struct msg *m = ctx->msg;
    struct choice c[2];
    size_t n = emergency_choices(ctx, c);
    int pick = choice_pick(ctx, c, n);
    if (pick == 1)
        return convo_delete(ctx->db, m->platform, m->chat_id) == DB_ERROR
                   ? -1
                   : emergency_reply(ctx, t, "emergency_done", NULL);
    if (m->contact_phone || pick == 0) {
        if (m->contact_phone)
            return emergency_phone(ctx, t);
        return emergency_save(ctx, t, "phone") == 0
                   ? hctx_reply(ctx, "emergency_ask_phone", NULL, 0)
                   : -1;
    }
    if (m->kind == MSG_CALLBACK) /* a button of an older message */
        return hctx_reply(ctx, "button_expired", NULL, 0);
    return emergency_more(ctx, t);
}

/* The tip the follow-up c is about; DB_NOT_FOUND when it is gone. */
static int emergency_tip(struct hctx *ctx, const struct convo *c, struct tip *t)
{
    memset(t, 0, sizeof *t);
    json_t *data = json_loads(c->data ? c->data : "", 0, NULL);
    const char *code = json_string_value(json_object_get(data, "tip"));
    int rc = code ? tips_get(ctx->db, code, t) : DB_NOT_FOUND;
    json_decref(data);
    return rc;
}

int emergency_continue(struct hctx *ctx, const struct convo *c)
{
    struct tip t;
    int rc = ctx->now_ms - c->updated_at > EMERGENCY_FOLLOWUP_MS ? DB_NOT_FOUND
                                                                 : emergency_tip(ctx, c, &t);
    if (rc == DB_ERROR)
        return -1;
    if (rc == DB_NOT_FOUND) /* lapsed: the message is read afresh */
        return convo_delete(ctx->db, c->platform, c->chat_id) == DB_ERROR ? -1 : 0;
    rc = strcmp(c->step, "phone") == 0 ? emergency_phone(ctx, &t) : emergency_details(ctx, &t);
    tip_clear(&t);
    return rc == 0 ? 1 : -1;
}

int emergency_end(struct hctx *ctx, const struct convo *c)
{
    struct tip t;
    int rc = emergency_tip(ctx, c, &t);
    if (rc == DB_ERROR || convo_delete(ctx->db, c->platform, c->chat_id) == DB_ERROR) {
        tip_clear(&t);
        return -1;
    }
    rc = rc == DB_OK ? emergency_reply(ctx, &t, "emergency_done", NULL)
                     : hctx_reply(ctx, "report_nothing_to_cancel", NULL, 0);
    tip_clear(&t);
    return rc;
}
