/*
 * webchat_store.h — web chat identities and conversation history.
 *
 * A browser proves who it is with a secret it keeps in localStorage. Only the secret's SHA-256
 * is stored; it maps to a chat id that says nothing about the secret (random for identities
 * stored before issue 10, a one-way function of the secret since: bot/platforms/webchat.c), so
 * the chat id can appear in logs and (later) to police without letting anyone read the
 * conversation.
 */
#ifndef TIPGATE_WEBCHAT_STORE_H
#define TIPGATE_WEBCHAT_STORE_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

enum { WEBCHAT_CHAT_ID_LEN = 18 }; /* "w" + 16 hex + NUL */

/* How stale last_seen_at may grow before a reconnect refreshes it: a reconnect is then a read,
 * not a write, and the date stays exact to the hour, which is all pruning needs. */
enum { WEBCHAT_SEEN_STEP_MS = 3600 * 1000 };

/* The chat id of the identity whose secret hashes to secret_hash: DB_OK with *chat_id, or
 * DB_NOT_FOUND when it has no row (yet). Refreshes last_seen_at once it is older than
 * WEBCHAT_SEEN_STEP_MS. */
int webchat_store_find(struct db *db, const char *secret_hash, int64_t now_ms,
                       char chat_id[WEBCHAT_CHAT_ID_LEN]);
/* DB_OK when an identity owns chat_id, DB_NOT_FOUND when none does. */
int webchat_store_chat_taken(struct db *db, const char *chat_id);
/* Stores the identity secret_hash → chat_id, done once its first message is stored: an identity
 * that never said anything leaves no row. DB_OK also when the same identity is already stored
 * (a second tab got there first); DB_DUPLICATE when chat_id belongs to another identity. */
int webchat_store_add(struct db *db, const char *secret_hash, const char *chat_id, int64_t now_ms);

struct webchat_line {
    bool from_bot;
    char *text;
    int64_t at_ms;
    char *buttons; /* the bot line's keyboard as stored in the outbox (JSON), or NULL */
};

/* The last max lines of a conversation, oldest first: what the person wrote and what the bot
 * delivered. A bot line is placed by when it was written (the outbox row's creation), not
 * when it was delivered: a resident who answers it at once is often received before the
 * delivery is recorded, and an answer must never come before its question. at_ms is when it
 * was delivered. Free with webchat_lines_free(). */
int webchat_store_history(struct db *db, const char *chat_id, int max, struct webchat_line **lines,
                          int *n);
void webchat_lines_free(struct webchat_line *lines, int n);

/* Retention (handlers/retention.c): identities whose browser has not said hello since
 * before_ms, walked in order of last use from a cursor (after_seen, after_rowid: both 0 at the
 * start of a pass), because some are kept and stay where they are: an identity with a message
 * waiting for it, or whose person has an open tip (the tipster could not read the police's
 * answer otherwise). A pruned identity's chat is marked unreachable (nothing more is queued
 * for it); a browser coming back with its secret gets a fresh identity and chat.
 * webchat_store_prune_due: *due when the cursor has one ahead (a read, no lock);
 * webchat_store_prune: looks at up to max of them, deletes those not kept, moves the cursor
 * past them; *deleted and *looked say how many. */
int webchat_store_prune_due(struct db *db, int64_t before_ms, int64_t after_seen,
                            int64_t after_rowid, bool *due);
int webchat_store_prune(struct db *db, int64_t before_ms, int max, int64_t *after_seen,
                        int64_t *after_rowid, int64_t *deleted, int64_t *looked);

#endif
