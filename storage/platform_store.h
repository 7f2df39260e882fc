/*
 * platform_store.h — what platform adapters persist: small key/value facts per platform (the
 * Telegram getUpdates offset, the Zalo bot id), server-side button payloads, and group chat id
 * migrations (a Telegram group upgraded to a supergroup changes its id), and each chat's
 * messaging window on the platforms that have one.
 */
#ifndef TIPGATE_PLATFORM_STORE_H
#define TIPGATE_PLATFORM_STORE_H

#include "storage/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the value into buf (size bytes); DB_NOT_FOUND leaves buf "". */
int pstore_get(struct db *db, const char *platform, const char *key, char *buf, size_t size);
int pstore_set(struct db *db, const char *platform, const char *key, const char *value,
               int64_t now_ms);

enum { PSTORE_TOKEN_LEN = 20 }; /* "cb" + 16 hex + NUL, padded */

/* Stores data for a button and returns its token in token (PSTORE_TOKEN_LEN bytes). */
int pstore_callback_put(struct db *db, const char *platform, const char *chat_id, const char *data,
                        int64_t now_ms, char token[PSTORE_TOKEN_LEN]);
/* The payload of token if it was issued for this platform and chat (a new string, caller
 * frees), else DB_NOT_FOUND and *data NULL. */
int pstore_callback_get(struct db *db, const char *platform, const char *chat_id, const char *token,
                        char **data);
/* Retention (handlers/retention.c): payloads issued before before_ms. Rows arrive in rowid
 * order, so the oldest are the first of the table. pstore_callback_prune_due: *due when the
 * first is that old (a read, no lock); pstore_callback_prune: deletes, among the first max,
 * those that old; *deleted says how many. A press of a button whose payload is gone comes in
 * with empty data, which the handlers answer as an expired button. */
int pstore_callback_prune_due(struct db *db, int64_t before_ms, bool *due);
int pstore_callback_prune(struct db *db, int64_t before_ms, int max, int64_t *deleted);

/* Rewrites a chat id everywhere it is stored (chats, queued outbox rows, inbox history). */
int pstore_migrate_chat(struct db *db, const char *platform, const char *old_id, const char *new_id,
                        int64_t now_ms);

/* The platforms' messaging windows (table platform_windows): a message from the user opens
 * (re-opens) the window — the adapter calls pstore_window_open in the transaction that stores
 * it. pstore_window_use says in *open whether one more message may go to chat_id now: its
 * window opened within window_ms before now_ms and fewer than max_msgs (0: no limit) went
 * since; when open it counts one more (in build_request, the sender's transaction; a retry of
 * the same message counts again, which errs on the side of the platform's limit). A chat that
 * never wrote is closed. */
int pstore_window_open(struct db *db, const char *platform, const char *chat_id, int64_t at_ms);
int pstore_window_use(struct db *db, const char *platform, const char *chat_id, int64_t now_ms,
                      int64_t window_ms, int max_msgs, bool *open);
/* The platform said the chat's window is closed: nothing more goes until the user writes. */
int pstore_window_close(struct db *db, const char *platform, const char *chat_id);

#endif
