/*
 * agency.h — the agencies a ward reminds (Công an phường, Ban Chỉ huy Quân sự, Văn phòng
 * HĐND-UBND, the culture and economy offices, the public service centre, MTTQ and the mass
 * organisations, schools, businesses, each tổ dân phố / thôn), as the configuration defines
 * them:
 *
 *   "agencies": [{"code": "CA", "name": "Công an phường", "kind": "police",
 *                 "chats": [{"platform": "telegram", "chat_id": "-1001234"}]}]
 *
 * and as `tipgate agency add` adds them (storage/agencies.c keeps both). The configured ones
 * are written to the database by agency_config_sync (at start, then daily, with the
 * calendars: handlers/deadlines.c), so every reader — the reminder job, the commands, the
 * CLI — sees one list.
 */
#ifndef TIPGATE_AGENCY_H
#define TIPGATE_AGENCY_H

#include "config/config.h"
#include "handlers/handler.h"
#include "storage/agencies.h"

#include <stddef.h>
#include <stdint.h>

/* A code people type: 1–31 of A-Z 0-9 - _ (upper case). */
int agency_code_ok(const char *code);
/* A kind: 1–23 of a-z _ ("police", "school", "neighbourhood", …). */
int agency_kind_ok(const char *kind);
/* "telegram:-1001234" → platform and chat id; the platform must be a registered one. */
int agency_parse_chat(const char *text, struct agency_chat *out);

/* Checks the "agencies" section; err names the key path. */
int agency_config_check(const struct cfg *cfg, char *err, size_t errlen);
/* Writes the configured agencies and their chats (today: the local day, for new ones). */
int agency_config_sync(struct db *db, const struct cfg *cfg, int64_t today, int64_t now_ms,
                       char *err, size_t errlen);

/* Sends text to every chat of the agency (agencies_chats: its chats, else its members).
 * *reached gets how many chats; 0 is not an error (the caller decides what to say). */
int agency_send(struct hctx *ctx, const char *code, const char *text, enum outbox_priority priority,
                int *reached);

#endif
