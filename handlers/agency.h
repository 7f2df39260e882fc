/*
 * agency.h — the agencies a ward reminds (Công an phường, Ban Chỉ huy Quân sự, Văn phòng
 * HĐND-UBND, the culture and economy offices, the public service centre, MTTQ and the mass
 * organisations, schools, businesses, each tổ dân phố / thôn), as the configuration defines
 * them:
 *
 *   "agencies": [{"code": "CA", "name": "Công an phường", "kind": "police",
 *                 "chats": [{"platform": "telegram", "chat_id": "-1001234"}]}]
 *
 * and as `tipgate agency add` adds them (storage/agencies.c keeps both). The section is a
 * block of the settings table (agency_settings), read and checked once when the configuration
 * is loaded into a typed list; agency_config_sync writes that list to the database (at start,
 * then daily, with the calendars: handlers/deadlines.c), so every reader — the reminder job,
 * the commands, the CLI — sees one list.
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

enum { AGENCY_CONFIG_MAX = 512 };

/* One configured agency, as checked at load. */
struct agency_conf {
    char code[AGENCIES_CODE_MAX];
    char name[AGENCIES_NAME_MAX];
    char kind[AGENCIES_KIND_MAX]; /* "" when none */
    int n_chats;
    struct agency_chat chats[AGENCIES_CHATS_MAX];
};

/* The "agencies" section as cfg_load reads it (cfg_settings(cfg, &agency_settings)). */
struct agency_settings {
    struct agency_conf *list; /* n of them, owned by the configuration */
    int n;
};

/* The settings block of the "agencies" list (registered by app_register_settings). */
extern const struct cfg_block agency_settings;

/* The configured agencies; err says so when the block was not registered before cfg_load. */
int agency_config_check(const struct cfg *cfg, char *err, size_t errlen);
/* Writes the configured agencies and their chats (today: the local day, for new ones). */
int agency_config_sync(struct db *db, const struct cfg *cfg, int64_t today, int64_t now_ms,
                       char *err, size_t errlen);

/* Sends text to every chat of the agency (agencies_chats: its chats, else its members).
 * *reached gets how many chats; 0 is not an error (the caller decides what to say). */
int agency_send(struct hctx *ctx, const char *code, const char *text, enum outbox_priority priority,
                int *reached);

#endif
