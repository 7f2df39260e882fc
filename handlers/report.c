/*
 * report.c — see report.h. The guided report is a small state machine whose state is the
 * conversation row: step names are the fields still missing, report_next() picks the first
 * missing one and asks for it, and every answer is written back before the next question. So a
 * restart in the middle simply continues from the row.
 */
#include "handlers/report.h"

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

enum { REPORT_FIELD_MAX = 512, REPORT_CHOICES_MAX = 32 };

struct report {
    struct hctx *ctx;
    json_t *data; /* owned */
    const char *flow;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static const char *report_str(const struct report *r, const char *key)
{
    return json_string_value(json_object_get(r->data, key));
}

/* Sets a field to value cut to at most max bytes (a whole last character kept). */
static void report_set(struct report *r, const char *key, const char *value, size_t max)
{
    size_t n = strlen(value);
    if (n > max) { /* keep a whole last character */
        n = max;
        while (n > 0 && ((unsigned char)value[n] & 0xC0) == 0x80)
            n--;
    }
    json_object_set_new(r->data, key, json_stringn(value, n));
}

static char *report_text(struct hctx *ctx, const char *name)
{
    char max[16];
    snprintf(max, sizeof max, "%d", ctx->desks->rules.max_attachments);
    struct texts_var vars[] = {{"max", max}};
    return texts_render(ctx->texts, name, vars, 1);
}

static int report_save(struct report *r, const char *step)
{
    char *data = json_dumps(r->data, JSON_COMPACT);
    const struct msg *m = r->ctx->msg;
    int rc =
        data ? convo_put(r->ctx->db, m->platform, m->chat_id, r->flow, step, data, r->ctx->now_ms)
             : DB_ERROR;
    free(data);
    return rc == DB_ERROR ? -1 : 0;
}

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

/* "không rõ", "khong biet", "ko ro" … all mean "unknown". */
static int report_is_unknown(const char *folded)
{
    static const char *const words[] = {"khong ro",     "khong biet", "ko ro",     "k ro",
                                        "ko biet",      "chua ro",    "khong nho", "bo qua",
                                        "khong co anh", "ko co anh",  "k co anh"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(folded, words[i]) == folded)
            return 1;
    return 0;
}

/* "không", "ko", "k", "không có", "thôi"… (folded and trimmed, the whole answer): nothing to
 * give at an optional step. */
static int report_is_skip(const char *folded)
{
    static const char *const words[] = {"khong",     "ko",          "k",       "kg",   "khong co",
                                        "ko co",     "k co",        "chua co", "thoi", "khong a",
                                        "khong nhe", "khong co gi", "bo",      "skip", "xong"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(folded, words[i]) == 0)
            return 1;
    return report_is_unknown(folded);
}

/* Drops blanks and punctuation around a folded answer ("Tiếp tục!" is "tiep tuc"). */
static void report_trim(char *s)
{
    size_t n = strlen(s), start = 0;
    while (n > 0 && strchr(" .,!?;:\t\r\n\"'", s[n - 1]))
        s[--n] = '\0';
    while (start < n && strchr(" .,!?;:\t\r\n\"'", s[start]))
        start++;
    memmove(s, s + start, n - start + 1);
}

/* What a typed answer is when it is a button's label typed by hand (any step's): a button is
 * never a free-text answer ("Thời gian xảy ra: Tiếp tục" must not happen). */
enum report_label { REPORT_LABEL_NONE, REPORT_LABEL_GO_ON, REPORT_LABEL_OTHER };

static enum report_label report_label_of(const struct hctx *ctx, const char *folded)
{
    /* labels that mean "nothing (more) to give here, go on" */
    static const char *const go_on[] = {"choice_continue", "choice_skip", "choice_no",
                                        "emergency_choice_done"};
    static const char *const other[] = {
        "choice_yes",           "choice_send",      "choice_edit",
        "choice_cancel",        "choice_anonymous", "choice_phone",
        "choice_category_more", "choice_right",     "choice_other_category",
        "field_description",    "field_category",   "field_place",
        "field_when",           "field_media",      "field_identity"};
    char label[REPORT_FIELD_MAX];
    for (size_t i = 0; i < sizeof go_on / sizeof go_on[0] + sizeof other / sizeof other[0]; i++) {
        size_t n_go = sizeof go_on / sizeof go_on[0];
        const char *t = texts_get(ctx->texts, i < n_go ? go_on[i] : other[i - n_go]);
        textnorm_fold(t, strlen(t), label, sizeof label);
        report_trim(label);
        /* "Loại khác…": the ellipsis folds to dots, typed or not */
        size_t len = strlen(label);
        while (len > 0 && label[len - 1] == '.')
            label[--len] = '\0';
        if (*label && strcmp(folded, label) == 0)
            return i < n_go ? REPORT_LABEL_GO_ON : REPORT_LABEL_OTHER;
    }
    return REPORT_LABEL_NONE;
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

/* ---- questions -------------------------------------------------------------------------- */

struct report_choices {
    struct choice c[REPORT_CHOICES_MAX];
    size_t n;
};

static void report_add_choice(struct report_choices *rc, const struct hctx *ctx, const char *data,
                              const char *label_name, const char *alt)
{
    if (rc->n < REPORT_CHOICES_MAX)
        rc->c[rc->n++] = (struct choice){data, texts_get(ctx->texts, label_name), alt};
}

/* The categories offered first ("likely" in data: the engine's most likely for the text, best
 * first; an older draft's "guess"), else the first of the list. */
static const json_t *report_likely(const json_t *data)
{
    const json_t *likely = json_object_get(data, "likely");
    return json_is_array(likely) ? likely : json_object_get(data, "guess");
}

/* The first screen of the category step into rc: the TEXTENGINE_LIKELY most likely categories
 * for the text, best first, made up from the top of the list when the text says less. */
static void report_category_first(const struct hctx *ctx, const json_t *data,
                                  struct report_choices *rc)
{
    size_t count = 0, i;
    const struct textengine_category *cats = textengine_categories(ctx->te, &count);
    const json_t *g;
    json_array_foreach(report_likely(data), i, g)
    {
        const char *name = json_string_value(g);
        if (name && textengine_category_index(name) >= 0 && rc->n < TEXTENGINE_LIKELY)
            rc->c[rc->n++] = (struct choice){name, tipcard_category_label(ctx, name), NULL};
    }
    for (i = 0; i < count && rc->n < TEXTENGINE_LIKELY; i++) {
        bool shown = strcmp(cats[i].name, "other") == 0;
        for (size_t k = 0; k < rc->n; k++)
            shown = shown || strcmp(rc->c[k].data, cats[i].name) == 0;
        if (!shown)
            rc->c[rc->n++] = (struct choice){cats[i].name, cats[i].label, NULL};
    }
}

/* The category step's buttons: its first screen and "Loại khác…"; after "Loại khác…"
 * ("category_all"), every other category. A phone's screen holds seven buttons; it does not
 * hold nineteen. */
static void report_category_choices(const struct hctx *ctx, const json_t *data,
                                    struct report_choices *rc)
{
    report_category_first(ctx, data, rc);
    if (!json_is_true(json_object_get(data, "category_all"))) {
        report_add_choice(rc, ctx, "more", "choice_category_more", "loai khac");
        return;
    }
    struct report_choices first = *rc;
    size_t count = 0;
    const struct textengine_category *cats = textengine_categories(ctx->te, &count);
    rc->n = 0;
    for (size_t i = 0; i < count && rc->n < REPORT_CHOICES_MAX; i++) {
        bool shown = false;
        for (size_t k = 0; k < first.n; k++)
            shown = shown || strcmp(first.c[k].data, cats[i].name) == 0;
        if (!shown)
            rc->c[rc->n++] = (struct choice){cats[i].name, cats[i].label, NULL};
    }
}

/* The choices of a step (none for steps answered in free text). data: the draft. */
static void report_choices(const struct hctx *ctx, const json_t *data, const char *step,
                           struct report_choices *rc)
{
    rc->n = 0;
    if (strcmp(step, "category") == 0) {
        report_category_choices(ctx, data, rc);
    } else if (strcmp(step, "category_check") == 0) {
        report_add_choice(rc, ctx, "right", "choice_right", "dung");
        report_add_choice(rc, ctx, "other", "choice_other_category", "loai khac");
    } else if (strcmp(step, "place") == 0 || strcmp(step, "when") == 0) {
        report_add_choice(rc, ctx, "skip", "choice_skip", "bo qua");
    } else if (strcmp(step, "media") == 0) {
        report_add_choice(rc, ctx, "continue", "choice_continue", "xong");
    } else if (strcmp(step, "identity") == 0) {
        report_add_choice(rc, ctx, "anonymous", "choice_anonymous", "an danh");
        report_add_choice(rc, ctx, "phone", "choice_phone", "so dien thoai");
    } else if (strcmp(step, "confirm") == 0) {
        report_add_choice(rc, ctx, "send", "choice_send", "gui");
        report_add_choice(rc, ctx, "edit", "choice_edit", "sua");
        report_add_choice(rc, ctx, "cancel", "choice_cancel", "huy");
    } else if (strcmp(step, "edit") == 0) {
        report_add_choice(rc, ctx, "desc", "field_description", NULL);
        report_add_choice(rc, ctx, "category", "field_category", NULL);
        report_add_choice(rc, ctx, "place", "field_place", NULL);
        report_add_choice(rc, ctx, "when", "field_when", NULL);
        report_add_choice(rc, ctx, "media", "field_media", NULL);
        report_add_choice(rc, ctx, "identity", "field_identity", NULL);
    } else if (strcmp(step, "offer") == 0) {
        report_add_choice(rc, ctx, "yes", "choice_yes", "co");
        report_add_choice(rc, ctx, "no", "choice_no", "khong");
    }
}

static char *report_summary(struct report *r)
{
    struct hctx *ctx = r->ctx;
    if (strcmp(r->flow, "feedback") == 0) { /* an opinion: no category, place or time */
        struct texts_var fv[] = {{"description", report_str(r, "desc")}};
        return texts_render(ctx->texts, "feedback_summary", fv, 1);
    }
    const char *unknown = texts_get(ctx->texts, "value_unknown");
    const char *place = report_str(r, "place"), *when = report_str(r, "when");
    char photos[96], identity[128], others[48] = "";
    size_t n_photos = json_array_size(json_object_get(r->data, "photos"));
    size_t n_media = json_array_size(json_object_get(r->data, "media"));
    if (n_media)
        snprintf(others, sizeof others, " + %zu 🎤/📎", n_media);
    snprintf(photos, sizeof photos, "%zu%s%s", n_photos, others,
             json_object_get(r->data, "lat") ? " + 📍" : "");
    const char *phone = report_str(r, "phone");
    struct texts_var pv[] = {{"phone", phone}};
    char *who = texts_render(ctx->texts, phone ? "identity_contact" : "identity_anonymous", pv, 1);
    snprintf(identity, sizeof identity, "%s", who ? who : "");
    free(who);
    struct texts_var vars[] = {
        {"category", tipcard_category_label(ctx, report_str(r, "category"))},
        {"place", place && *place ? place : unknown},
        {"when", when && *when ? when : unknown},
        {"description", report_str(r, "desc")},
        {"photos", photos},
        {"identity", identity},
    };
    return texts_render(ctx->texts, "report_summary", vars, sizeof vars / sizeof vars[0]);
}

/* Asks the question of step (saving the step first, so a restart asks it again). */
static int report_ask(struct report *r, const char *step)
{
    struct hctx *ctx = r->ctx;
    if (report_save(r, step) != 0)
        return -1;
    struct report_choices rc;
    report_choices(ctx, r->data, step, &rc);
    bool category = strcmp(step, "category") == 0;
    bool all = json_is_true(json_object_get(r->data, "category_all"));
    bool guess = category && !all && json_array_size(json_object_get(r->data, "likely")) > 0;
    bool feedback = strcmp(r->flow, "feedback") == 0;
    /* where no location can be shared, the questions that offer one ask for words instead */
    bool typed =
        platform_caps_now(ctx->msg->platform).no_location &&
        (strcmp(step, "place") == 0 || strcmp(step, "media") == 0 || strcmp(step, "distress") == 0);
    char name[48];
    snprintf(name, sizeof name, "%s_ask_%s%s%s",
             feedback && strcmp(step, "describe") == 0 ? "feedback" : "report", step,
             guess ? "_guess" : "", typed ? "_typed" : "");
    char *question = NULL;
    if (strcmp(step, "confirm") == 0) {
        question = report_summary(r);
    } else if (strcmp(step, "category_check") == 0) {
        struct texts_var cv[] = {
            {"category", tipcard_category_label(ctx, report_str(r, "category_check"))}};
        question = texts_render(ctx->texts, "report_ask_category_check", cv, 1);
    } else {
        question = report_text(ctx, name);
    }
    if (!question)
        return -1;
    /* the likely categories (long labels) one per row; the rest of the list two per row */
    int per_row = category ? (all ? 2 : 1) : 3;
    int rv =
        rc.n ? choice_ask(ctx, question, rc.c, rc.n, per_row)
             : hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, question, NULL, OUTBOX_REPLY);
    free(question);
    return rv;
}

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
