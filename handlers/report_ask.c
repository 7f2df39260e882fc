/*
 * report_ask.c — what the guided report asks and how it reads an answer (report_impl.h; the
 * state machine that decides what to ask next, and files the draft, is report.c, which calls
 * in here and is never called from here). The floor of the report's two files: the draft's
 * fields and its saving (the question of a step is saved before it is asked, so a restart asks
 * it again), each step's text and choices — the category step's first screen of likely ones and
 * "Loại khác…" — the summary shown before "Gửi", the question itself, and the readers of a typed
 * answer: skip words ("không", "bỏ qua", "không rõ"), and a button's label typed by hand.
 */
#include "handlers/report_impl.h"

#include "base/textnorm.h"
#include "config/desks.h"
#include "handlers/tipcard.h"
#include "storage/convo.h"
#include "text/textengine.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the draft -------------------------------------------------------------------------- */

const char *report_str(const struct report *r, const char *key)
{
    return json_string_value(json_object_get(r->data, key));
}

void report_set(struct report *r, const char *key, const char *value, size_t max)
{
    size_t n = strlen(value);
    if (n > max) { /* keep a whole last character */
        n = max;
        while (n > 0 && ((unsigned char)value[n] & 0xC0) == 0x80)
            n--;
    }
    json_object_set_new(r->data, key, json_stringn(value, n));
}

int report_save(struct report *r, const char *step)
{
    char *data = json_dumps(r->data, JSON_COMPACT);
    const struct msg *m = r->ctx->msg;
    int rc =
        data ? convo_put(r->ctx->db, m->platform, m->chat_id, r->flow, step, data, r->ctx->now_ms)
             : DB_ERROR;
    free(data);
    return rc == DB_ERROR ? -1 : 0;
}

/* ---- answers as typed ------------------------------------------------------------------- */

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

int report_is_skip(const char *folded)
{
    static const char *const words[] = {"khong",     "ko",          "k",       "kg",   "khong co",
                                        "ko co",     "k co",        "chua co", "thoi", "khong a",
                                        "khong nhe", "khong co gi", "bo",      "skip", "xong"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(folded, words[i]) == 0)
            return 1;
    return report_is_unknown(folded);
}

void report_trim(char *s)
{
    size_t n = strlen(s), start = 0;
    while (n > 0 && strchr(" .,!?;:\t\r\n\"'", s[n - 1]))
        s[--n] = '\0';
    while (start < n && strchr(" .,!?;:\t\r\n\"'", s[start]))
        start++;
    memmove(s, s + start, n - start + 1);
}

enum report_label report_label_of(const struct hctx *ctx, const char *folded)
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

/* ---- questions -------------------------------------------------------------------------- */

char *report_text(struct hctx *ctx, const char *name)
{
    char max[16];
    snprintf(max, sizeof max, "%d", ctx->desks->rules.max_attachments);
    struct texts_var vars[] = {{"max", max}};
    return texts_render(ctx->texts, name, vars, 1);
}

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

void report_choices(const struct hctx *ctx, const json_t *data, const char *step,
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

int report_ask(struct report *r, const char *step)
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
