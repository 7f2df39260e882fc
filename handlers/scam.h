/*
 * scam.h — the scam shield. Officers flag scam phone numbers, links and bank accounts
 * (/canhbao_sdt, /canhbao_link, /canhbao_stk, or `tipgate scamlist import FILE`); a group message
 * naming a flagged item gets a warning in the group (what it is, why, what to do — without
 * repeating the item), at most once per item per group per day; and the same unflagged phone or
 * link turning up in several groups of the ward within a day, or in several private tips, is
 * told to the desk as a possible new scam.
 */
#ifndef TIPGATE_SCAM_H
#define TIPGATE_SCAM_H

#include "handlers/handler.h"

#include <stdio.h>

struct text_analysis;

extern const struct router_table scam_commands;

int scam_flag_phone(struct hctx *ctx);
int scam_flag_link(struct hctx *ctx);
int scam_flag_account(struct hctx *ctx);

/* A group message: the warnings it calls for. Returns 1 when a warning was given (the message
 * is then kept), 0 when none, -1 on error. may_speak says whether the group's unsolicited
 * slot is free; the caller takes it when this returns 1. */
int scam_check_group(struct hctx *ctx, const struct text_analysis *a, int may_speak);
/* Phones and links of a group message or a tip: counted across sources; a spreading one is told
 * to the desk once a day. source is "group:<platform>:<chat>" or "tip:<id>". */
int scam_note_items(struct hctx *ctx, const struct text_analysis *a, const char *source,
                    const char *area);

/* `tipgate scamlist import FILE`: JSON Lines {"type": "phone"|"link"|"account", "value": …,
 * "reason": …, "bank": …}. Prints a line per bad line to err; *added counts the good ones.
 * Returns 0, or -1 when the file cannot be read. Runs in one transaction on ctx->db. */
int scam_import(struct hctx *ctx, FILE *in, FILE *err, int *added, int *bad);

/* Scheduled: forgets sightings older than two days. */
int scam_tick(struct hctx *ctx);

#endif
