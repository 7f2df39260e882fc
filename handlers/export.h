/*
 * export.h — the tips of a period as a file other offices can work with (`tipgate export
 * tips`, the web desk's download): one row per tip (kind 'tip', filed in the period) with its
 * code, dates, area, category, status, outcome, the art. 147 deadline, extensions and the
 * desk's actions — never the tipster's identity (person, platform, chat, name, words). The
 * contact phone a tipster chose to give is added only when a commander asks, and that export
 * is written to the audit log ("export_contacts", with the period and the row count).
 *
 * CSV is UTF-8 with a byte order mark (so Excel reads the Vietnamese text as UTF-8), a header
 * line, every field quoted and lines ended by CRLF; JSON Lines is one object a line, the same
 * object the HTTP API (handlers/apiv1.h) answers for a tip: export_tip_row builds both.
 */
#ifndef TIPGATE_EXPORT_H
#define TIPGATE_EXPORT_H

#include "handlers/handler.h"
#include "storage/tips.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum export_format { EXPORT_CSV, EXPORT_JSONL };
struct export_query {
    int64_t from_day, to_day; /* inclusive local days */
    char area[32];            /* "" all areas */
    int with_contacts;        /* 1: the contact phone a tipster chose to give (commanders only;
                                 the caller has checked the role) */
    int64_t actor;            /* people.id audited for with_contacts (0: none; then refused) */
};
/* Writes one row per tip (kind 'tip', created in the period) to out: CSV (UTF-8 BOM, header,
 * every field quoted, CRLF) or JSON Lines. Audits an export with contacts. *rows the count.
 * 0 or -1. Never the tipster's person id, platform, chat id or name. */
int export_tips(struct hctx *ctx, const struct export_query *q, enum export_format f, FILE *out,
                int64_t *rows);

/* The identity-free row of t (what a JSON Lines line and the API's tip are): code, dates as
 * local ISO 8601 times, area, category and status with their labels, urgency, outcome, the
 * art. 147 deadline and whether it has passed at ctx->now_ms, extensions, and the desk's
 * actions ({"at", "action"}, oldest first; never a note's or a reply's words). contact adds
 * "contact_phone" (a string or null). A new reference, or NULL on no memory or a failed read. */
json_t *export_tip_row(struct hctx *ctx, const struct tip *t, bool contact);

enum { EXPORT_TIME_MAX = 32 };
/* ms as a local ISO 8601 time with its offset ("2026-03-05T10:00:00+07:00"); "" for 0. */
void export_time_iso(int64_t ms, char out[EXPORT_TIME_MAX]);

#endif
