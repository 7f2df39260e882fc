/*
 * deskact.h — what the desk does to a tip, once for both desks: the chat's commands (desk.c)
 * and the web desk's POST routes (deskapi_act.c) parse their own input, call these, and word
 * the result in their own way. Each action changes the tip, reads it again into *t (so the
 * caller shows the new state), keeps the tipster's status line for /trangthai and tells the
 * tipster where the action concerns them, and writes the audit entry with ctx->person as the
 * actor. None answers a chat or reads ctx->msg (NULL on the web): the caller confirms.
 *
 * The rules live here: art. 147's limits on extensions, which category or status a typed word
 * names, that a duplicate names another tip, that a group lead has no tipster to answer, that
 * an internal note never reaches the tipster.
 */
#ifndef TIPGATE_DESKACT_H
#define TIPGATE_DESKACT_H

#include "handlers/handler.h"
#include "storage/tips.h"

#include <stdbool.h>
#include <stdint.h>

/* Results: 0 done; -1 an internal error (the transaction is rolled back); otherwise nothing was
 * changed, for the reason named. */
enum deskact_rc {
    DESKACT_OK = 0,
    DESKACT_ERROR = -1,
    DESKACT_NO_TIPSTER = 1,   /* reply: a group lead has no tipster */
    DESKACT_BAD_CATEGORY,     /* classify: feedback has no category */
    DESKACT_SAME_TIP,         /* duplicate: a tip is no duplicate of itself */
    DESKACT_EXTEND_REFUSED,   /* extend: art. 147 allows no further extension */
    DESKACT_EXTEND_NOT_LATER, /* extend: the day asked is not after the current deadline */
    DESKACT_EXTEND_LIMIT,     /* extend: the day asked is past this extension's limit */
};

/* The category or status a person typed: a category's name ("robbery") or a word-aligned part
 * of its Vietnamese label, folded ("cuop"); a status's name or Vietnamese words ("xac minh").
 * NULL when none. */
const char *deskact_category(const struct hctx *ctx, const char *typed);
const char *deskact_status(const char *typed);

enum { DESKACT_EXTEND_MAX_DAYS = 60 }; /* art. 147: each extension at most 2 months */

/* Art. 147 on a tip created on day created_day whose current deadline falls on base_day, with
 * extensions already granted: the last day this extension may reach (at most
 * DESKACT_EXTEND_MAX_DAYS after base_day; the first to 60 days after receipt, the second to
 * 120), or a day before base_day + 1 when none is possible. */
int64_t deskact_extend_max_day(int64_t created_day, int64_t base_day, int extensions);

/* Acknowledges t; the tipster is told the first time only. */
int deskact_ack(struct hctx *ctx, struct tip *t);
/* Assigns t to a name as typed (/giao); nobody is told. */
int deskact_assign_name(struct hctx *ctx, struct tip *t, const char *name);
/* Assigns t to an enrolled colleague (the caller checked they may be: people_colleagues), who
 * is told in their private chat: the tip's code and gist (as the desk's lists show it, made by
 * the caller with desk_tip_gist), nothing of the tipster. */
int deskact_assign_person(struct hctx *ctx, struct tip *t, const struct person *colleague,
                          const char *gist);
/* Sends text to the tipster through the code; question: an open question (the newest replaces
 * older ones), whose answer the tipster's next message is. DESKACT_NO_TIPSTER for a group
 * lead. */
int deskact_reply(struct hctx *ctx, struct tip *t, const char *text, bool question);
/* status: one of deskact_status's names. */
int deskact_set_status(struct hctx *ctx, struct tip *t, const char *status);
int deskact_close(struct hctx *ctx, struct tip *t, const char *outcome);
int deskact_reopen(struct hctx *ctx, struct tip *t);
/* Marks t a duplicate of orig (DESKACT_SAME_TIP when they are one tip). */
int deskact_duplicate(struct hctx *ctx, struct tip *t, const struct tip *orig);
/* category: one of deskact_category's names. DESKACT_BAD_CATEGORY for feedback. */
int deskact_classify(struct hctx *ctx, struct tip *t, const char *category);
/* An internal note: audited as "note" with text, shown in the tip's history; never to the
 * tipster. */
int deskact_note(struct hctx *ctx, struct tip *t, const char *text);

/* Art. 147 on t (days are calendar_days numbers): base_day, the day its deadline falls on now
 * (tips.deadline_at, else created_at + the rules' resolve_days); max_day, the last day this
 * extension may reach (before base_day + 1 when none may). */
struct deskact_extension {
    int64_t base_day, max_day;
};
void deskact_extension(const struct hctx *ctx, const struct tip *t, struct deskact_extension *x);
/* Extends t to the end of target_day, or refuses (DESKACT_EXTEND_*; x says why and to which day
 * it could go). */
int deskact_extend(struct hctx *ctx, struct tip *t, int64_t target_day,
                   struct deskact_extension *x);

#endif
