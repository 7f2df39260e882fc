/*
 * report_impl.h — private to the guided report's two files (the public API is report.h), which
 * stand in this order, the second calling the first and never the other way round:
 * report_ask.c (the draft's fields and its saving, each step's text and choices, the summary,
 * the question, and the readers of a typed answer) and report.c (the state machine: the answer
 * of each step, filing, the commands, the drafts' nudge and expiry). The draft is a
 * conversation row whose data is a JSON object; struct report is one message's view of it.
 * Shared names keep the module's prefix report_, as desk_impl.h's keep desk_.
 */
#ifndef TIPGATE_REPORT_IMPL_H
#define TIPGATE_REPORT_IMPL_H

#include "handlers/report.h"

#include "handlers/choice.h"

#include <jansson.h>
#include <stddef.h>

enum {
    REPORT_FIELD_MAX = 512,  /* bytes of a field typed at a step (place, time, a folded answer) */
    REPORT_CHOICES_MAX = 32, /* choices of one step: every category after "Loại khác…" */
};

/* The draft of one conversation as this message reads it. */
struct report {
    struct hctx *ctx;
    json_t *data; /* owned */
    const char *flow;
};

/* ---- report_ask.c: the draft ------------------------------------------------------------ */

/* The string field key of the draft (r->data's), or NULL when it has none. */
const char *report_str(const struct report *r, const char *key);
/* Sets a field to value cut to at most max bytes (a whole last character kept). */
void report_set(struct report *r, const char *key, const char *value, size_t max);
/* Writes the draft back to the conversation row at step. 0, or -1 on error. */
int report_save(struct report *r, const char *step);

/* ---- report_ask.c: answers as typed ----------------------------------------------------- */

/* "không", "ko", "k", "không có", "thôi", "không rõ", "bỏ qua"… (folded and trimmed, the whole
 * answer): nothing to give at an optional step. */
int report_is_skip(const char *folded);
/* Drops blanks and punctuation around a folded answer in place ("Tiếp tục!" is "tiep tuc"). */
void report_trim(char *s);

/* What a typed answer is when it is a button's label typed by hand (any step's): a button is
 * never a free-text answer ("Thời gian xảy ra: Tiếp tục" must not happen). */
enum report_label { REPORT_LABEL_NONE, REPORT_LABEL_GO_ON, REPORT_LABEL_OTHER };
/* folded: the answer folded and trimmed. GO_ON for the labels that mean "nothing (more) to
 * give here" ("Tiếp tục", "Bỏ qua", "Không", "Xong"), OTHER for any other button's. */
enum report_label report_label_of(const struct hctx *ctx, const char *folded);

/* ---- report_ask.c: questions ------------------------------------------------------------ */

/* The text called name rendered with {max} (the attachments a tip may carry); caller frees,
 * NULL on error. */
char *report_text(struct hctx *ctx, const char *name);

/* A step's choices; the labels are ctx->texts' or the category table's. */
struct report_choices {
    struct choice c[REPORT_CHOICES_MAX];
    size_t n;
};
/* The choices of step into rc (none for steps answered in free text). data: the draft. */
void report_choices(const struct hctx *ctx, const json_t *data, const char *step,
                    struct report_choices *rc);
/* Asks the question of step (saving the step first, so a restart asks it again): its text,
 * the summary at "confirm", with its choices as buttons or numbered. 0, or -1 on error. */
int report_ask(struct report *r, const char *step);

#endif
