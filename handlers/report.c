/*
 * report.c — see report.h. The guided report is a small state machine whose state is the
 * conversation row: step names are the fields still missing, report_next() picks the first
 * missing one and asks for it, and every answer is written back before the next question. So a
 * restart in the middle simply continues from the row. What a step asks and how a typed answer
 * reads (its skip words, a button's label typed by hand) are report_ask.c's (report_impl.h);
 * here are the answers of each step, filing the draft, the commands and the drafts' nudge and
 * expiry.
 */
#include "handlers/report_impl.h"

#include "base/log.h"
#include "base/msg.h"
#include "handlers/choice.h"
#include "config/desks.h"
#include "handlers/emergency.h"
#include "handlers/resident.h"
#include "text/textengine.h"
#include "base/textnorm.h"
#include "handlers/tipfile.h"
#include "storage/convo.h"
#include "storage/people.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------------------------- */

static int report_done(struct hctx *ctx)
{
    return convo_delete(ctx->db, ctx->msg->platform, ctx->msg->chat_id) == DB_ERROR ? -1 : 0;
}

/* The time of something happening now: "đang diễn ra (lúc gửi tin 21:05 23/11/2026)". */
static void report_set_now(struct report *r)
{
    char now[32];
    tipcard_time(r->ctx->now_ms, now, sizeof now);
    struct texts_var vars[] = {{"time", now}};
    char *value = texts_render(r->ctx->texts, "value_ongoing", vars, 1);
    if (value)
        report_set(r, "when", value, REPORT_FIELD_MAX);
    free(value);
}

/* Photos, voice messages, files and a location on any message of the flow are kept (up to the
 * limit) in data: "photos" holds photo refs, "media" the other kinds as [kind, ref]. A sticker
 * is not evidence: it neither counts nor answers the media question. */
static int report_take_media(struct report *r)
{
    const struct msg *m = r->ctx->msg;
    json_t *photos = json_object_get(r->data, "photos"), *media = json_object_get(r->data, "media");
    if (!photos) {
        photos = json_array();
        json_object_set_new(r->data, "photos", photos);
    }
    if (!media) {
        media = json_array();
        json_object_set_new(r->data, "media", media);
    }
    int refused = 0, taken = 0;
    for (int i = 0; i < m->n_attachments; i++) {
        const struct msg_attachment *at = &m->attachments[i];
        if (!tipfile_is_evidence(at->kind))
            continue;
        taken = 1;
        if ((int)(json_array_size(photos) + json_array_size(media)) >=
            r->ctx->desks->rules.max_attachments)
            refused = 1;
        else if (strcmp(at->kind, "photo") == 0)
            json_array_append_new(photos, json_string(at->ref));
        else
            json_array_append_new(media, json_pack("[s, s]", at->kind, at->ref));
    }
    if (m->has_location) {
        json_object_set_new(r->data, "lat", json_real(m->latitude));
        json_object_set_new(r->data, "lon", json_real(m->longitude));
    }
    if (refused) {
        char *text = report_text(r->ctx, "report_too_many_photos");
        hctx_send(r->ctx, m->platform, m->chat_id, text, NULL, OUTBOX_REPLY);
        free(text);
    }
    return taken || m->has_location;
}

/* ---- the next question ------------------------------------------------------------------ */

/* The first thing still missing, in the order a person tells a story. */
static const char *report_missing(const struct report *r)
{
    if (!report_str(r, "desc"))
        return "describe";
    if (strcmp(r->flow, "feedback") == 0)
        return "confirm";
    if (!report_str(r, "category"))
        return report_str(r, "category_check") ? "category_check" : "category";
    if (!report_str(r, "place"))
        return "place";
    if (!report_str(r, "when"))
        return "when";
    if (!json_is_true(json_object_get(r->data, "media_done")))
        return "media";
    if (!json_object_get(r->data, "anon"))
        return "identity";
    return "confirm";
}

static int report_next(struct report *r)
{
    return report_ask(r, report_missing(r));
}

/* ---- answers ---------------------------------------------------------------------------- */

/* The engine's category: taken when it is very sure (and kept as its guess, with its
 * confidence, for the desk), confirmed with the resident ("category_check") when it is sure, and
 * else left to the resident, who is shown the likely categories ("likely") first. */
static void report_guess_category(struct report *r, const struct text_analysis *a)
{
    json_t *likely = json_array();
    for (size_t i = 0; likely && i < a->nlikely; i++)
        json_array_append_new(likely, json_string(a->likely[i]));
    json_object_set_new(r->data, "likely", likely);
    if (a->category_confidence < TEXTENGINE_SURE_CATEGORY)
        return; /* the likely categories are offered */
    json_object_set_new(r->data, "category_conf", json_real(a->category_confidence));
    if (a->category2)
        report_set(r, "category_alt", a->category2, 64);
    /* sure, but not sure enough to file without a word: "Có phải: …?" */
    report_set(
        r, a->category_confidence >= TEXTENGINE_CONFIRM_CATEGORY ? "category" : "category_check",
        a->category, 64);
}

/* A description was given: what the engine understands of it (the message's own reading when
 * it is the message) pre-fills the rest. */
static int report_describe(struct report *r, const char *text)
{
    struct text_analysis own;
    const struct text_analysis *a = hctx_analyse(r->ctx, text, &own);
    if (!a)
        return -1;
    report_set(r, "desc", a->nfc, MSG_MAX_TEXT_BYTES);
    if (a->is_tip && a->category && strcmp(a->category, "other") != 0 && !report_str(r, "category"))
        report_guess_category(r, a);
    /* shown back to the resident and the desk: only a clean piece of their words, else asked */
    char piece[REPORT_FIELD_MAX];
    if (!report_str(r, "place") && tipfile_clean_piece(a->nfc, a->place, true, piece, sizeof piece))
        report_set(r, "place", piece, REPORT_FIELD_MAX);
    if (!report_str(r, "when") && tipfile_clean_piece(a->nfc, a->when, false, piece, sizeof piece))
        report_set(r, "when", piece, REPORT_FIELD_MAX);
    if (a->ongoing && !report_str(r, "when")) /* "đang…", "cứu với": never "Khi nào?" */
        report_set_now(r);
    if (a->urgent)
        json_object_set_new(r->data, "urgent", json_true());
    text_analysis_clear(&own);
    return 0;
}

/* What the draft holds so far, as a tip to file (the strings stay r->data's). */
static void report_draft(const struct report *r, struct tip_draft *d)
{
    *d = (struct tip_draft){
        .kind = strcmp(r->flow, "feedback") == 0 ? "feedback" : "tip",
        .description = report_str(r, "desc"),
        .category = report_str(r, "category"),
        .category_confidence = json_real_value(json_object_get(r->data, "category_conf")),
        .category_alt = report_str(r, "category_alt"),
        .place = report_str(r, "place"),
        .happened = report_str(r, "when"),
        .urgent = json_is_true(json_object_get(r->data, "urgent")),
        .anonymous = !report_str(r, "phone"),
        .phone = report_str(r, "phone"),
    };
    json_t *photos = json_object_get(r->data, "photos"), *p;
    size_t i;
    json_array_foreach(photos, i, p) if (d->n_media < TIPFILE_PHOTOS_MAX && json_is_string(p))
        d->media[d->n_media++] = (struct tip_media){"photo", json_string_value(p)};
    json_array_foreach(json_object_get(r->data, "media"), i, p)
    {
        const char *kind = json_string_value(json_array_get(p, 0));
        const char *ref = json_string_value(json_array_get(p, 1));
        if (d->n_media < TIPFILE_PHOTOS_MAX && tipfile_is_evidence(kind) && ref)
            d->media[d->n_media++] = (struct tip_media){kind, ref};
    }
    json_t *lat = json_object_get(r->data, "lat"), *lon = json_object_get(r->data, "lon");
    if (json_is_number(lat) && json_is_number(lon)) {
        d->has_location = true;
        d->latitude = json_number_value(lat);
        d->longitude = json_number_value(lon);
    }
}

/* The hourly limit with the time left, as the text called name ({max}, {minutes}) in *text
 * (caller frees); *text NULL when the resident may file now (and for feedback, which is not
 * limited). 0, or -1 on error. */
static int report_limit_text(struct report *r, const char *name, char **text)
{
    struct hctx *ctx = r->ctx;
    int64_t wait = 0;
    *text = NULL;
    if (strcmp(r->flow, "feedback") == 0)
        return 0;
    if (tipfile_limit_wait(ctx, &wait) != 0)
        return -1;
    if (wait <= 0)
        return 0;
    char max[16], minutes[24];
    snprintf(max, sizeof max, "%d", ctx->desks->rules.max_per_hour);
    tipfile_minutes(wait, minutes, sizeof minutes);
    struct texts_var vars[] = {{"max", max}, {"minutes", minutes}};
    *text = texts_render(ctx->texts, name, vars, 2);
    return *text ? 0 : -1;
}

/* At the start of a report: the limit told first, when the resident is over it. */
static int report_limit_say(struct report *r)
{
    char *text = NULL;
    int rc = report_limit_text(r, "tip_limit_start", &text);
    const struct msg *m = r->ctx->msg;
    if (rc == 0 && text)
        rc = hctx_send(r->ctx, m->platform, m->chat_id, text, NULL, OUTBOX_REPLY);
    free(text);
    return rc;
}

static int report_file(struct report *r)
{
    struct hctx *ctx = r->ctx;
    char *limit = NULL;
    if (report_limit_text(r, "tip_limit_kept", &limit) != 0)
        return -1;
    if (limit) { /* the draft stays at "Gửi?": pressing it once the hour has passed files it */
        struct report_choices rc;
        report_choices(ctx, r->data, "confirm", &rc);
        int out = report_save(r, "confirm") == 0 ? choice_ask(ctx, limit, rc.c, rc.n, 3) : -1;
        free(limit);
        return out;
    }
    struct tip_draft d;
    report_draft(r, &d);
    struct tip t;
    enum tipfile_result res = tipfile_file(ctx, &d, &t);
    tip_clear(&t);
    if (res == TIPFILE_ERROR)
        return -1;
    return res == TIPFILE_LIMIT ? 0 : report_done(ctx); /* over the limit: the draft waits */
}

/* A phone number typed for contact: exactly one valid number is accepted. */
static int report_phone(struct report *r, const char *text)
{
    struct text_analysis own;
    const struct text_analysis *a = hctx_analyse(r->ctx, text, &own);
    if (!a)
        return -1;
    int ok = a->nphones == 1;
    if (ok) {
        report_set(r, "phone", a->phones[0], 32);
        json_object_set_new(r->data, "anon", json_false());
    }
    text_analysis_clear(&own);
    if (!ok) {
        hctx_reply(r->ctx, "report_bad_phone", NULL, 0);
        return report_save(r, "phone");
    }
    return report_next(r);
}

/* "Not understood", said for what the question offers: buttons, numbered choices (platforms
 * without buttons), or a free answer. */
static int report_not_understood(struct report *r, const char *step)
{
    struct report_choices rc;
    report_choices(r->ctx, r->data, step, &rc);
    const char *name = !rc.n                                   ? "report_not_understood_text"
                       : r->ctx->caps && r->ctx->caps->buttons ? "report_not_understood"
                                                               : "report_not_understood_numbered";
    hctx_reply(r->ctx, name, NULL, 0);
    return report_ask(r, step);
}

/* Files the draft now as an emergency: its description is what it had (unless fresh) and text
 * on a new line. numbers_sent: the resident has just been given the emergency numbers. */
static int report_emergency(struct report *r, const char *text, bool fresh, bool numbers_sent)
{
    const char *desc = fresh ? NULL : report_str(r, "desc");
    size_t n = (desc ? strlen(desc) : 0) + (text ? strlen(text) : 0) + 2;
    char *both = malloc(n);
    if (!both)
        return -1;
    snprintf(both, n, "%s%s%s", desc ? desc : "", desc && text && *text ? "\n" : "",
             text ? text : "");
    /* with nothing before it, the description is the message: its own reading serves */
    struct text_analysis own;
    const struct text_analysis *a =
        hctx_analyse(r->ctx, text && strcmp(both, text) == 0 ? text : both, &own);
    free(both);
    int rc = a ? 0 : -1;
    if (rc == 0) {
        report_set(r, "desc", a->nfc, MSG_MAX_TEXT_BYTES);
        struct tip_draft d;
        report_draft(r, &d);
        /* the description is that text in NFC, which reads the same, unless it was cut */
        d.analysis = d.description && strcmp(d.description, a->nfc) == 0 ? a : NULL;
        rc = emergency_file(r->ctx, &d, a, numbers_sent);
    }
    text_analysis_clear(&own);
    return rc;
}

/* An answer the engine reads as an emergency (or a cry for help once something is told), at
 * any step: the report stops asking and what is known is filed at once — the answer joins the
 * description, and at the place step it is the place too. 1 when it was one, 0 when not, -1
 * on error. */
static int report_urgent_answer(struct report *r, const char *step, const char *text)
{
    if (!text || !*text || strcmp(step, "phone") == 0)
        return 0;
    struct text_analysis own;
    const struct text_analysis *a = hctx_analyse(r->ctx, text, &own);
    if (!a)
        return -1;
    int urgent = (a->is_tip && a->urgent) || (a->distress && report_str(r, "desc"));
    text_analysis_clear(&own);
    if (!urgent)
        return 0;
    if (strcmp(step, "place") == 0)
        report_set(r, "place", text, REPORT_FIELD_MAX);
    return report_emergency(r, text, strcmp(step, "describe") == 0, false) == 0 ? 1 : -1;
}

/* After a cry for help, anything said or sent is the emergency: filed at once, urgent, with
 * the cry and this together as the description (the numbers were given with the question). */
static int report_distress_answer(struct report *r, const char *text, int media)
{
    if ((!text || !*text) && !media)
        return report_ask(r, "distress");
    return report_emergency(r, text, false, true);
}

/* The answer to the question of step. */
/* One answer to the step in progress, read once for every step's function: the text (NULL
 * for a button press), its folded form, whether it brought media, and the choice it picked
 * among the step's (-1: none). */
struct report_reply {
    const char *step;
    const char *text;
    char folded[REPORT_FIELD_MAX]; /* trimmed of blanks and punctuation */
    int media;
    struct report_choices rc;
    int pick;
    bool skip; /* "không", "bỏ qua", "không rõ", "Tiếp tục" typed…: nothing */
    enum report_label label; /* the text is a button's label, of this step or another */
};

static int report_on_describe(struct report *r, struct report_reply *a)
{
    if (a->label != REPORT_LABEL_NONE)
        return report_not_understood(r, a->step);
    if (a->text && *a->text)
        return report_describe(r, a->text) != 0 ? -1 : report_next(r);
    return a->media ? report_save(r, a->step) : report_not_understood(r, a->step);
}

/* The resident's choice (a button, or a category in their own words); "Loại khác…" shows every
 * category. A category a person chose carries no engine confidence. */
static int report_on_category(struct report *r, struct report_reply *a)
{
    json_object_del(r->data, "category_conf");
    json_object_del(r->data, "category_alt");
    if (a->pick >= 0 && strcmp(a->rc.c[a->pick].data, "more") == 0) {
        json_object_set_new(r->data, "category_all", json_true());
        return report_ask(r, "category");
    }
    if (a->pick >= 0) {
        report_set(r, "category", a->rc.c[a->pick].data, 64);
        return report_next(r);
    }
    if (a->skip) { /* "không rõ", "bỏ qua": the desk classifies it */
        report_set(r, "category", "other", 64);
        return report_next(r);
    }
    if (a->label != REPORT_LABEL_NONE)
        return report_not_understood(r, a->step);
    struct text_analysis own;
    const struct text_analysis *an = hctx_analyse(r->ctx, a->text, &own);
    int ok = an && an->category != NULL;
    if (ok)
        report_set(r, "category", an->category, 64);
    text_analysis_clear(&own);
    return ok ? report_next(r) : report_not_understood(r, a->step);
}

/* "Có phải: …?" — "Đúng" files the engine's category as the resident's; "Chọn loại khác" shows
 * the likely categories. */
static int report_on_category_check(struct report *r, struct report_reply *a)
{
    static const char *const yes[] = {"co", "phai", "dung roi", "vang", "da", "u", "ok", "uh"};
    const char *checked = report_str(r, "category_check");
    for (size_t i = 0; a->pick < 0 && a->text && i < sizeof yes / sizeof yes[0]; i++)
        if (strcmp(a->folded, yes[i]) == 0)
            a->pick = 0; /* "có", "phải", "đúng rồi": yes */
    if (a->pick == 0 && checked) {
        report_set(r, "category", checked, 64);
        json_object_del(r->data, "category_conf"); /* confirmed by a person */
        json_object_del(r->data, "category_alt");
        json_object_del(r->data, "category_check");
        return report_next(r);
    }
    if (a->pick == 1 || a->skip) {
        json_object_del(r->data, "category_conf");
        json_object_del(r->data, "category_alt");
        json_object_del(r->data, "category_check");
        return report_ask(r, "category");
    }
    return report_not_understood(r, a->step);
}

/* "place" and "when": the words as written ("không", "bỏ qua", "không rõ" and the button
 * "Bỏ qua" stored as empty); a button label typed by hand is never a place or a time. */
static int report_on_place_or_when(struct report *r, struct report_reply *a)
{
    const struct msg *m = r->ctx->msg;
    if (m->has_location && strcmp(a->step, "place") == 0)
        report_set(r, a->step, texts_get(r->ctx->texts, "value_location_sent"), REPORT_FIELD_MAX);
    else if (a->pick >= 0 || a->skip)
        report_set(r, a->step, "", REPORT_FIELD_MAX);
    else if (a->label != REPORT_LABEL_NONE || !a->text || !*a->text)
        return report_not_understood(r, a->step);
    else
        report_set(r, a->step, a->text, REPORT_FIELD_MAX);
    return report_next(r);
}

static int report_on_media(struct report *r, struct report_reply *a)
{
    if (a->pick >= 0 || a->skip) {
        json_object_set_new(r->data, "media_done", json_true());
        return report_next(r);
    }
    return a->media ? report_save(r, a->step) : report_not_understood(r, a->step);
}

static int report_on_identity(struct report *r, struct report_reply *a)
{
    const struct msg *m = r->ctx->msg;
    int pick = a->pick < 0 && m->contact_phone ? 1 : a->pick;
    if (pick < 0 && a->skip) /* "bỏ qua": no phone given is anonymous */
        pick = 0;
    if (pick == 0) {
        json_object_set_new(r->data, "anon", json_true());
        json_object_del(r->data, "phone");
        return report_next(r);
    }
    if (pick == 1)
        return m->contact_phone ? report_phone(r, m->contact_phone) : report_ask(r, "phone");
    return report_not_understood(r, a->step);
}

static int report_on_phone(struct report *r, struct report_reply *a)
{
    if (strstr(a->folded, "an danh") == a->folded || a->skip) {
        json_object_set_new(r->data, "anon", json_true());
        return report_next(r);
    }
    return report_phone(r, a->text ? a->text : "");
}

static int report_on_confirm(struct report *r, struct report_reply *a)
{
    if (a->pick == 0)
        return report_file(r);
    if (a->pick == 1)
        return report_ask(r, "edit");
    if (a->pick == 2)
        return report_cancel(r->ctx);
    return report_not_understood(r, a->step);
}

/* "Sửa": the field picked is forgotten, so report_next asks it again. */
static int report_on_edit(struct report *r, struct report_reply *a)
{
    if (a->pick < 0)
        return report_not_understood(r, a->step);
    const char *field = a->rc.c[a->pick].data;
    if (strcmp(field, "media") == 0) {
        json_object_del(r->data, "media_done");
    } else if (strcmp(field, "identity") == 0) {
        json_object_del(r->data, "anon");
        json_object_del(r->data, "phone");
    } else {
        json_object_del(r->data, field);
    }
    if (strcmp(field, "category") == 0) { /* a correction: the likely ones, then the rest */
        json_object_del(r->data, "category_all");
        json_object_del(r->data, "category_check");
    }
    return report_next(r);
}

static int report_on_distress(struct report *r, struct report_reply *a)
{
    return report_distress_answer(r, a->text, a->media);
}

static const struct {
    const char *step;
    int (*fn)(struct report *r, struct report_reply *a);
} report_steps[] = {
    {"distress", report_on_distress},   {"describe", report_on_describe},
    {"category", report_on_category},   {"category_check", report_on_category_check},
    {"place", report_on_place_or_when}, {"when", report_on_place_or_when},
    {"media", report_on_media},         {"identity", report_on_identity},
    {"phone", report_on_phone},         {"confirm", report_on_confirm},
    {"edit", report_on_edit},
};

static int report_answer(struct report *r, const char *step)
{
    struct hctx *ctx = r->ctx;
    const struct msg *m = ctx->msg;
    struct report_reply a = {.step = step, .text = m->kind == MSG_CALLBACK ? NULL : m->text};
    /* An urgent answer at any step leaves the guided report for the emergency path. */
    int urgent = strcmp(step, "distress") == 0 ? 0 : report_urgent_answer(r, step, a.text);
    if (urgent != 0)
        return urgent < 0 ? -1 : 0;
    if (a.text) {
        textnorm_fold(a.text, strlen(a.text), a.folded, sizeof a.folded);
        report_trim(a.folded);
        a.label = report_label_of(ctx, a.folded);
        a.skip = report_is_skip(a.folded) || a.label == REPORT_LABEL_GO_ON;
    }
    a.media = report_take_media(r);
    report_choices(ctx, r->data, step, &a.rc);
    a.pick = a.rc.n ? choice_pick(ctx, a.rc.c, a.rc.n) : -1;
    for (size_t i = 0; i < sizeof report_steps / sizeof report_steps[0]; i++)
        if (strcmp(step, report_steps[i].step) == 0)
            return report_steps[i].fn(r, &a);
    return report_not_understood(r, "describe");
}

/* ---- entry points ----------------------------------------------------------------------- */

static int report_begin(struct hctx *ctx, const char *flow, const char *description)
{
    struct report r = {ctx, json_object(), flow};
    /* told before the story, not after it: the draft can still be written and sent later */
    int rc = report_limit_say(&r);
    if (rc == 0)
        report_take_media(&r);
    if (rc == 0 && description && *description)
        rc = report_describe(&r, description);
    if (rc == 0)
        rc = report_next(&r);
    json_decref(r.data);
    return rc;
}

/* The current message's evidence (up to the limit) and location, into d. */
static void report_message_media(const struct hctx *ctx, struct tip_draft *d)
{
    const struct msg *m = ctx->msg;
    for (int i = 0; i < m->n_attachments && d->n_media < TIPFILE_PHOTOS_MAX; i++)
        if (tipfile_is_evidence(m->attachments[i].kind) &&
            d->n_media < ctx->desks->rules.max_attachments)
            d->media[d->n_media++] =
                (struct tip_media){m->attachments[i].kind, m->attachments[i].ref};
    if (m->has_location) {
        d->has_location = true;
        d->latitude = m->latitude;
        d->longitude = m->longitude;
    }
}

/* Files at once, anonymously, from one message ("/baotin <mô tả>", "/gopy <nội dung>"); an
 * emergency takes the emergency path (even typed after /gopy: it is a tip, not an opinion). */
static int report_file_now(struct hctx *ctx, const char *kind, const char *text)
{
    struct text_analysis a;
    if (!hctx_analyse(ctx, text, &a))
        return -1;
    struct tip_draft d = {.kind = kind, .description = text, .anonymous = true, .analysis = &a};
    report_message_media(ctx, &d);
    int64_t wait = 0;
    if (strcmp(kind, "tip") == 0 && !(a.is_tip && a.urgent) &&
        (tipfile_limit_wait(ctx, &wait) != 0 || wait > 0)) {
        /* over the hourly limit: told so with the time left, and kept as a guided draft */
        text_analysis_clear(&a);
        return wait > 0 ? report_begin(ctx, "report", text) : -1;
    }
    if (a.is_tip && a.urgent) { /* the follow-up replaces any draft */
        int rc = emergency_file(ctx, &d, &a, false);
        text_analysis_clear(&a);
        return rc;
    }
    struct tip t;
    enum tipfile_result res = tipfile_file(ctx, &d, &t);
    text_analysis_clear(&a);
    tip_clear(&t);
    if (res == TIPFILE_ERROR)
        return -1;
    return report_done(ctx); /* an unfinished draft is superseded by what was just sent */
}

int report_start(struct hctx *ctx)
{
    if (ctx->msg->is_group)
        return hctx_reply(ctx, "report_private_only", NULL, 0);
    if (*ctx->args)
        return report_file_now(ctx, "tip", ctx->args);
    return report_begin(ctx, "report", NULL);
}

int report_feedback(struct hctx *ctx)
{
    if (ctx->msg->is_group)
        return hctx_reply(ctx, "report_private_only", NULL, 0);
    if (*ctx->args)
        return report_file_now(ctx, "feedback", ctx->args);
    return report_begin(ctx, "feedback", NULL);
}

int report_cancel(struct hctx *ctx)
{
    struct convo c;
    int rc = convo_get(ctx->db, ctx->msg->platform, ctx->msg->chat_id, &c);
    if (rc != DB_OK)
        convo_clear(&c);
    if (rc == DB_ERROR)
        return -1;
    if (rc == DB_NOT_FOUND)
        return hctx_reply(ctx, "report_nothing_to_cancel", NULL, 0);
    if (strcmp(c.flow, "urgent") == 0) { /* the tip has gone already: the follow-up ends */
        rc = emergency_end(ctx, &c);
        convo_clear(&c);
        return rc;
    }
    convo_clear(&c);
    if (report_done(ctx) != 0)
        return -1;
    return hctx_reply(ctx, "report_cancelled", NULL, 0);
}

static int report_offer_answer(struct report *r)
{
    struct report_choices rc;
    report_choices(r->ctx, r->data, "offer", &rc);
    int pick = choice_pick(r->ctx, rc.c, rc.n);
    if (pick == 0) {
        r->flow = "report";
        if (report_limit_say(r) != 0)
            return -1;
        return report_next(r);
    }
    if (pick == 1) {
        if (report_done(r->ctx) != 0)
            return -1;
        return hctx_reply(r->ctx, "offer_declined", NULL, 0);
    }
    return 1; /* something else: the offer lapses and the message is read afresh */
}

int report_continue(struct hctx *ctx)
{
    struct convo c;
    int rc = convo_get(ctx->db, ctx->msg->platform, ctx->msg->chat_id, &c);
    if (rc != DB_OK) {
        convo_clear(&c);
        return rc == DB_NOT_FOUND ? 0 : -1;
    }
    struct report r = {ctx, json_loads(c.data, 0, NULL), NULL};
    if (!json_is_object(r.data)) {
        json_decref(r.data);
        r.data = json_object();
    }
    if (strcmp(c.flow, "urgent") == 0) { /* the follow-up of an emergency filed */
        json_decref(r.data);
        int out = emergency_continue(ctx, &c);
        convo_clear(&c);
        return out;
    }
    r.flow = strcmp(c.flow, "feedback") == 0 ? "feedback"
             : strcmp(c.flow, "offer") == 0  ? "offer"
                                             : "report";
    int out;
    if (strcmp(r.flow, "offer") == 0) {
        out = report_offer_answer(&r);
        if (out == 1)
            out = report_done(ctx) == 0 ? 0 : -1; /* not consumed */
        else
            out = out == 0 ? 1 : -1;
    } else {
        out = report_answer(&r, c.step) == 0 ? 1 : -1;
    }
    json_decref(r.data);
    convo_clear(&c);
    return out;
}

/* "tố giác", "tôi muốn báo tin"… alone: the resident wants to report but has not said what. */
static int report_is_trigger(const char *folded)
{
    static const char *const triggers[] = {"to giac", "bao tin", "to cao", "bao cong an", "bao an"};
    size_t words = 1;
    for (const char *p = folded; *p; p++)
        words += *p == ' ';
    if (words > 5)
        return 0;
    for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; i++)
        if (strstr(folded, triggers[i]))
            return 1;
    return 0;
}

/* A cry for help that does not say what is happening: the emergency numbers at once, then
 * one question; whatever comes next is filed as urgent (report_distress_answer). */
static int report_distress(struct hctx *ctx, const struct text_analysis *a)
{
    if (emergency_call(ctx, NULL, a->injury, false) != 0)
        return -1;
    struct report r = {ctx, json_object(), "report"};
    report_set(&r, "desc", a->nfc, MSG_MAX_TEXT_BYTES);
    report_take_media(&r);
    int rc = report_ask(&r, "distress");
    json_decref(r.data);
    return rc;
}

int report_free_text(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (m->is_group || !m->text || !*m->text)
        return 0;
    struct text_analysis own;
    const struct text_analysis *a = hctx_analyse(ctx, m->text, &own);
    if (!a)
        return -1;
    int rc = 0;
    if (a->is_tip && a->urgent) { /* the numbers first, filed at once: never a question */
        struct tip_draft d = {
            .kind = "tip", .description = m->text, .anonymous = true, .analysis = a};
        report_message_media(ctx, &d);
        rc = emergency_file(ctx, &d, a, false) == 0 ? 1 : -1;
    } else if (a->distress && !a->is_tip) { /* "cứu với" alone: the numbers, then what happens */
        rc = report_distress(ctx, a) == 0 ? 1 : -1;
    } else if (report_is_trigger(a->folded)) {
        rc = report_begin(ctx, "report", NULL) == 0 ? 1 : -1;
    } else if (a->is_tip) {
        struct report r = {ctx, json_object(), "offer"};
        report_take_media(&r);
        report_describe(&r, m->text);
        rc = report_ask(&r, "offer") == 0 ? 1 : -1;
        json_decref(r.data);
    }
    text_analysis_clear(&own);
    return rc;
}

/* ---- scheduled -------------------------------------------------------------------------- */

static int report_tick_one(struct hctx *ctx, struct convo *c, const char *name, int expire)
{
    int rc = expire ? convo_delete(ctx->db, c->platform, c->chat_id)
                    : convo_mark_nudged(ctx->db, c->platform, c->chat_id);
    if (rc == DB_ERROR)
        return -1;
    if (strcmp(c->flow, "offer") == 0 || strcmp(c->flow, "urgent") == 0)
        return 0; /* an unanswered offer, or an emergency's follow-up, just lapses */
    char *text = texts_render(ctx->texts, name, NULL, 0);
    rc = text ? hctx_send(ctx, c->platform, c->chat_id, text, NULL, OUTBOX_NOTICE) : -1;
    free(text);
    return rc;
}

/* One pass of the drafts job: drafts idle since before `before`, nudged or not, expired or
 * nudged. */
struct report_pass {
    int64_t before;
    bool nudged;
    int expire;
};

enum { REPORT_TICK_BATCH = 16 }; /* drafts handled by one pass in one tick */

/* Inside the pass's transaction: the drafts read again under the write lock (one a resident
 * answered since the look outside is no longer idle), each expired or nudged. */
static int report_pass_write(struct hctx *ctx, void *arg)
{
    const struct report_pass *p = arg;
    struct convo list[REPORT_TICK_BATCH];
    int n = 0, rc = 0;
    if (convo_idle(ctx->db, p->before, p->nudged, list, REPORT_TICK_BATCH, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = report_tick_one(ctx, &list[i], p->expire ? "report_expired" : "report_nudge",
                                 p->expire);
        convo_clear(&list[i]);
    }
    return rc;
}

/* A look outside any transaction (index conversations_idle); the write lock only for work. */
static int report_pass(struct hctx *ctx, struct report_pass *p)
{
    struct convo first;
    int n = 0;
    if (convo_idle(ctx->db, p->before, p->nudged, &first, 1, &n) != DB_OK)
        return -1;
    if (n == 0)
        return 0;
    convo_clear(&first);
    return hctx_in_write(ctx, report_pass_write, p);
}

int report_tick(struct hctx *ctx)
{
    const struct tips_rules *rules = &ctx->desks->rules;
    int64_t expire_before = ctx->now_ms - rules->draft_expire_hours * 3600000LL;
    int64_t nudge_before = ctx->now_ms - rules->draft_nudge_minutes * 60000LL;
    /* Expiry first: a draft idle past both limits is expired, not nudged. */
    struct report_pass passes[] = {
        {expire_before, false, 1}, {expire_before, true, 1}, {nudge_before, false, 0}};
    int rc = 0;
    for (size_t i = 0; i < sizeof passes / sizeof passes[0] && rc == 0; i++)
        rc = report_pass(ctx, &passes[i]);
    return rc;
}

static const struct router_command report_rows[] = {
    {{"/baotin", "/tip", "/togiac", NULL}, report_start, 1},
    {{"/huy", "/cancel", NULL}, report_cancel, 0},
    {{"/gopy", "/feedback", NULL}, report_feedback, 1},
    {{"/trangthai", "/status", NULL}, resident_status, 0},
    {{"/tincuatoi", "/mytips", NULL}, resident_mine, 0},
    {{"/bosung", "/add", NULL}, resident_add, 0},
};

const struct router_table report_commands = ROUTER_TABLE(report_rows);
