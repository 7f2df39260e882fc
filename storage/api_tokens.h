/*
 * api_tokens.h — the bearer tokens of the HTTP API (/api/v1, bot/apiweb.h): a name, the scopes
 * it grants ("read:tips", "read:reports", "read:campaigns", "read:deadlines") and the SHA-256
 * of the token (base/secure.h). The token itself is made here, handed to the caller once
 * (`tipgate token create` prints it) and never stored, logged or shown again: a stolen
 * database gives no way in. Revoking keeps the row (who had access until when).
 *
 * Every function returns a db_status and runs in the caller's transaction.
 */
#ifndef TIPGATE_API_TOKENS_H
#define TIPGATE_API_TOKENS_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    API_TOKEN_BYTES = 32,                                           /* random bytes of a token */
    API_TOKEN_PREFIX_LEN = 4,                                       /* "tg1_" */
    API_TOKEN_MAX = API_TOKEN_PREFIX_LEN + 2 * API_TOKEN_BYTES + 1, /* with the NUL */
    API_TOKEN_NAME_MAX = 64,
    API_TOKEN_SCOPES_MAX = 160, /* ",read:tips,read:reports,…," */
};
#define API_TOKEN_PREFIX "tg1_"

struct api_token {
    int64_t id;
    char name[API_TOKEN_NAME_MAX];
    char scopes[API_TOKEN_SCOPES_MAX]; /* ",read:tips,read:reports," */
    int64_t created_at, revoked_at;    /* revoked_at 0: in use */
};

/* Whether scope is one the API knows. */
bool api_tokens_scope_known(const char *scope);
/* "read:reports,read:tips" (blanks allowed around the commas) → ",read:reports,read:tips,"
 * in out (API_TOKEN_SCOPES_MAX). 0, or -1 when empty, unknown (*bad points to the first
 * unknown one, cut in place) or too long. */
int api_tokens_scopes_parse(char *list, char out[API_TOKEN_SCOPES_MAX], const char **bad);
/* Whether t grants scope. */
bool api_tokens_grants(const struct api_token *t, const char *scope);

/* Makes a token named name with scopes (as api_tokens_scopes_parse wrote them): its SHA-256 is
 * stored and the token itself written to token (API_TOKEN_MAX) for the caller to show once.
 * DB_DUPLICATE when a token not revoked has that name. */
int api_tokens_create(struct db *db, const char *name, const char *scopes, int64_t now_ms,
                      char token[API_TOKEN_MAX]);
/* The token not revoked whose SHA-256 is that of token: DB_OK and *out, or DB_NOT_FOUND (also
 * for a revoked or malformed one). */
int api_tokens_find(struct db *db, const char *token, struct api_token *out);
/* Every token, revoked ones too, oldest first, up to max. */
int api_tokens_list(struct db *db, struct api_token *out, int max, int *n);
/* Revokes the token named name at now_ms: DB_NOT_FOUND when no token in use has that name. */
int api_tokens_revoke(struct db *db, const char *name, int64_t now_ms);

#endif
