/*
 * desk_impl.h — private to the desk's files, which stand in this order, each calling only the
 * ones before it (and deskact.h, tipcard.h, tipfile.h below them all): desk_parts.c (the officer
 * check, reading "<mã> [rest]", message assembly, list buttons, the status question),
 * desk_view.c (/xem), desk_lists.c (the lists, /tim, the summary on enrolment, a tip's gist),
 * desk.c (enrolment and the commands that change a tip: parse, deskact_*, confirm),
 * desk_buttons.c (the buttons' presses, and the reply typed after "Trả lời", which run those
 * commands). Also the pure parts the unit tests reach, and what the web desk's API files share
 * with the chat desk (the gist, the search keys, the description as filed).
 */
#ifndef TIPGATE_DESK_IMPL_H
#define TIPGATE_DESK_IMPL_H

#include "handlers/handler.h"
#include "handlers/tipcard.h"
#include "storage/tips.h"

#include <stddef.h>
#include <stdint.h>

enum {
    DESK_TEXT_MAX = 8192,     /* one desk message as assembled (split later by platform) */
    DESK_GIST_CHARS = 60,     /* code points of a tip's gist in a list */
    DESK_GIST_BYTES = 256,    /* a gist: DESK_GIST_CHARS code points, "…" and the NUL */
    DESK_REPLY_WAIT_MIN = 10, /* how long "Trả lời" waits for the officer's message */
    DESK_PRESSING_MAX = 5,    /* urgent or overdue tips named in the enrolment summary */
    DESK_CALLBACK_MAX = TIPCARD_CALLBACK_MAX, /* bytes of a button's payload */
};
#define DESK_DAY_MS 86400000LL

/* ---- desk_parts.c ------------------------------------------------------------------------ */

/* Only enrolled officers use the desk: 1 if the sender is one, else 0 after a polite refusal
 * in the chat. */
int desk_officer(struct hctx *ctx);
/* Reads the tip named by the first word of ctx->args into t (tip_clear it) and points rest at
 * the words after it. DB_OK; DB_NOT_FOUND after answering the officer (usage, or unknown
 * code); DB_ERROR. */
int desk_tip(struct hctx *ctx, const char *usage, const char **rest, struct tip *t);

/* A message being assembled line by line in s (DESK_TEXT_MAX bytes); a line that would not fit
 * is left out. add1 adds the {value} text name only when value is not empty; end drops the
 * trailing line breaks. */
struct desk_text {
    char *s;
    size_t at;
};
void desk_text_add(struct desk_text *b, const char *line);
void desk_text_addv(struct hctx *ctx, struct desk_text *b, const char *name,
                    const struct texts_var *vars, size_t n);
void desk_text_add1(struct hctx *ctx, struct desk_text *b, const char *name, const char *value);
void desk_text_end(struct desk_text *b);

/* The description as filed: the tipster's later additions (appended to it, see
 * tips_append_description) taken off the end. Returns the length to show. */
size_t desk_original_length(struct hctx *ctx, const struct tip *t);

/* Asks which status to set, as buttons (the platform has them). */
int desk_ask_status(struct hctx *ctx, const struct tip *t);
/* Buttons to read each listed tip, and a next page when next_data is not NULL (caller frees;
 * NULL when the chat has no buttons). */
char *desk_list_buttons(struct hctx *ctx, const struct tip *list, int n, const char *next_data);

/* ---- desk_lists.c ------------------------------------------------------------------------ */

/* The one-line gist of a tip's text for the lists: at most DESK_GIST_CHARS code points of its
 * original description on one line, cut at a word boundary ("…" when cut), with the tipster's
 * contact phone (in any spacing) and display name (whole words, any case or diacritics) left
 * out. out holds size bytes. */
void desk_gist(const char *description, const char *phone, const char *name, char *out,
               size_t size);
/* The gist of a stored tip as the lists show it: desk_gist of its original description
 * (desk_original_length), leaving out its tipster's contact phone and display name. */
void desk_tip_gist(struct hctx *ctx, const struct tip *t, char *out, size_t size);
/* The search keys (tips_key) of the phones, plates and amount the query's first len bytes name,
 * read by the text engine as /tim reads them: into keys (TIPS_KEYS_MAX of them at most), their
 * count returned. */
struct textengine;
int desk_query_keys(const struct textengine *te, const char *query, size_t len,
                    char keys[][TIPS_KEY_MAX]);
/* The summary an officer gets on enrolment for area (NULL: every area), appended to text at
 * *at (DESK_TEXT_MAX); buttons (caller frees) for the tips it names, NULL without. */
int desk_summary(struct hctx *ctx, const char *area, char *text, size_t *at, char **buttons);

/* ---- desk.c: /giahan, deskact.c: art. 147 ---------------------------------------------------- */

/* What "/giahan <mã> <arg>" asks for. DESK_EXTEND_DAYS: *value days after the current deadline
 * ("30", "30 ngày", "thêm 30 ngày nữa"); DESK_EXTEND_DATE: until the end of day number *value
 * ("04/01/2027", "4-1-2027", "04.01.27", "đến 04/01/2027"; "04/01" is the next 4 January from today
 * on); DESK_EXTEND_BAD for anything else (0 days, 31/02, words). */
enum desk_extend_form { DESK_EXTEND_BAD = -1, DESK_EXTEND_DAYS = 0, DESK_EXTEND_DATE = 1 };
enum desk_extend_form desk_extend_parse(const char *arg, int64_t today, int64_t *value);

#endif
