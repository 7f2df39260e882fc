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

/* Why an item cannot be flagged (scam_normalise, scam_import_lines). */
enum scam_bad {
    SCAM_OK = 0,
    SCAM_BAD_FIELDS,  /* a line without type (phone, link, account), value or reason */
    SCAM_BAD_PHONE,   /* not one phone number */
    SCAM_BAD_LINK,    /* not a link or domain */
    SCAM_BAD_ACCOUNT, /* not 6 to 20 digits */
};
enum { SCAM_LINE_MAX = 8192 }; /* bytes of one line of an import */

/* The rule every way of flagging applies (the chat's commands, the import, the web desk): value
 * of kind ("phone", "link", "account") in the list's normal form into out (size bytes): phones
 * as the text engine writes them, links without scheme, "www." and trailing slash, accounts as
 * digits. SCAM_OK, or the SCAM_BAD_* that says why not. */
int scam_normalise(struct hctx *ctx, const char *kind, const char *value, char *out, size_t size);
/* The English reason the CLI prints for a SCAM_BAD_*. */
const char *scam_bad_why(int bad);

/* Reads JSON Lines {"type": "phone"|"link"|"account", "value": …, "reason": …, "bank": …} from
 * in and flags each good one (flagged_by: by, 0 for none) in the caller's transaction; bad(arg,
 * line number from 1, SCAM_BAD_*) for each bad one. Blank lines and lines starting with '#'
 * are skipped. 0, or -1 when a write or the read failed (the caller rolls back). */
typedef void (*scam_bad_fn)(void *arg, int line, int bad);
int scam_import_lines(struct hctx *ctx, FILE *in, int64_t by, scam_bad_fn bad, void *arg,
                      int *added, int *nbad);

/* `tipgate scamlist import FILE`: JSON Lines {"type": "phone"|"link"|"account", "value": …,
 * "reason": …, "bank": …} (scam_import_lines). Prints a line per bad line to err; *added counts
 * the good ones. Returns 0, or -1 when the file cannot be read. Runs in one transaction on
 * ctx->db. */
int scam_import(struct hctx *ctx, FILE *in, FILE *err, int *added, int *bad);

/* Scheduled: forgets sightings older than two days. */
int scam_tick(struct hctx *ctx);

#endif
