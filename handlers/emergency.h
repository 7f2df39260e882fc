/*
 * emergency.h — an emergency typed into a private chat (free text, /baotin <mô tả>, or any
 * answer of the guided report that the text engine reads as urgent).
 *
 * Safety decides the order: the first reply is the emergency message — 113 (Công an), 114
 * (Cứu hỏa) for a fire, 115 (Cấp cứu) when someone is hurt or trapped, as tappable tel:
 * buttons where the platform allows — then the tip is filed at once as urgent with what is
 * known (no confirmation, no questions, anonymous unless a phone was already given), the desk
 * gets its top-priority alert, and only then is the resident offered to add details. For the
 * next hour (EMERGENCY_FOLLOWUP_MS, renewed by each message) whatever the resident sends —
 * text, photos, a location, a phone to be called back on — is added to the filed tip and
 * forwarded to the desk at once. The follow-up is a conversation row (flow "urgent"), so it
 * survives a restart like the guided report (handlers/report.c calls in here).
 */
#ifndef TIPGATE_EMERGENCY_H
#define TIPGATE_EMERGENCY_H

#include "handlers/handler.h"
#include "handlers/tipfile.h"

struct convo;
struct text_analysis;

/* How long after the resident's last message the follow-up keeps adding to the filed tip. */
#define EMERGENCY_FOLLOWUP_MS (60 * 60 * 1000LL)

/* Sends the emergency message to the chat of the current message, at urgent priority: 114
 * for a fire, else 113, and 115 beside either when injury; tel: buttons where the platform
 * can dial. filing: the message says the tip is on its way to the police (false when nothing
 * is filed yet, after a bare cry for help). 0 or -1. */
int emergency_call(struct hctx *ctx, const char *category, bool injury, bool filing);

/* The emergency path for draft d (what is known; d is completed here: urgent, emergency, the
 * time "đang diễn ra" when none was said) whose text the engine read as a (urgent; the caller
 * sets d->analysis to a when a is the reading of d's description itself). Sends the
 * emergency numbers (unless numbers_sent: the resident got them a moment ago), files, alerts
 * the desk, offers to add details and starts the follow-up (replacing any conversation in
 * progress). 0, or -1 on a storage error. */
int emergency_file(struct hctx *ctx, struct tip_draft *d, const struct text_analysis *a,
                   bool numbers_sent);

/* The message in a chat whose conversation c is the follow-up ("urgent"): 1 when it was
 * added to the tip or answered, 0 when the follow-up had lapsed (the message is read afresh),
 * -1 on error. */
int emergency_continue(struct hctx *ctx, const struct convo *c);

/* /huy during the follow-up: the tip has already gone, so the follow-up ends with a thank-you
 * rather than "cancelled". 0 or -1. */
int emergency_end(struct hctx *ctx, const struct convo *c);

#endif
