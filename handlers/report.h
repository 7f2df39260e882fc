/*
 * report.h — a resident reporting in their own words (private chats, every platform).
 *
 * "/baotin" (aliases "/tip", and the words "tố giác", "báo tin") starts a guided report that
 * asks only what the resident has not already said — what happened, the kind of case, where,
 * when, photos or location, anonymous or with a phone — then shows a summary to send, edit or
 * cancel. "/baotin <mô tả>" files at once. A private message the classifier takes for a tip gets
 * an offer to file it. "/huy" cancels at any step. The draft is a conversation row (storage/
 * convo.c): it survives restarts, is nudged once after an hour idle and expires after a day.
 */
#ifndef TIPGATE_REPORT_H
#define TIPGATE_REPORT_H

#include "handlers/handler.h"

/* The residents' commands (this file and resident.c). */
extern const struct router_table report_commands;

/* /baotin [mô tả] */
int report_start(struct hctx *ctx);
/* /huy: cancels whatever conversation the chat has. */
int report_cancel(struct hctx *ctx);
/* /gopy <nội dung>: feedback to the ward police, filed like a tip of kind feedback. */
int report_feedback(struct hctx *ctx);
/* A message in a chat with a conversation in progress. Returns 1 when it was consumed. */
int report_continue(struct hctx *ctx);
/* A private free-text message with no conversation: offers to file it when it reads like a
 * tip, or starts the guided report when it says "tố giác"/"báo tin". 1 when consumed. */
int report_free_text(struct hctx *ctx);

/* Scheduled: nudges drafts idle for the configured minutes, expires old ones. */
int report_tick(struct hctx *ctx);

#endif
