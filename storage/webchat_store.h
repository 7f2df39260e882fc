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

#endif
