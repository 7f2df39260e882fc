/*
 * webchat_store.h — web chat identities and conversation history.
 *
 * A browser proves who it is with a secret it keeps in localStorage. Only the secret's SHA-256
 * is stored; it maps to a random chat id that says nothing about the secret, so the chat id can
 * appear in logs and (later) to police without letting anyone read the conversation.
 */
#ifndef TIPGATE_WEBCHAT_STORE_H
#define TIPGATE_WEBCHAT_STORE_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

enum { WEBCHAT_CHAT_ID_LEN = 18 }; /* "w" + 16 hex + NUL */

/* Finds the chat id of the identity whose secret hashes to secret_hash, creating it when new.
 * *created says which. */
int webchat_store_identity(struct db *db, const char *secret_hash, int64_t now_ms,
                           char chat_id[WEBCHAT_CHAT_ID_LEN], bool *created);

struct webchat_line {
    bool from_bot;
    char *text;
    int64_t at_ms;
};

/* The last max lines of a conversation, oldest first: what the person wrote and what the bot
 * delivered. Free with webchat_lines_free(). */
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
