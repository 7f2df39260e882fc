/*
 * api_tokens.c — see api_tokens.h. A token is "tg1_" and 64 hex characters of kernel
 * randomness (256 bits): looked up by its SHA-256 through the table's unique key, so a guess
 * costs one index probe and the hash compared is never the token.
 */
#include "storage/api_tokens.h"

#include "base/secure.h"

#include <stdio.h>
#include <string.h>

static const char *const api_tokens_scopes[] = {"read:tips", "read:reports", "read:campaigns",
                                                "read:deadlines"};

bool api_tokens_scope_known(const char *scope)
{
    for (size_t i = 0; i < sizeof api_tokens_scopes / sizeof api_tokens_scopes[0]; i++)
        if (strcmp(scope, api_tokens_scopes[i]) == 0)
            return true;
    return false;
}

int api_tokens_scopes_parse(char *list, char out[API_TOKEN_SCOPES_MAX], const char **bad)
{
    size_t at = 0;
    *bad = NULL;
    out[0] = '\0';
    for (char *save = NULL, *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        s += strspn(s, " ");
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == ' ')
            s[--n] = '\0';
        if (n == 0)
            continue;
        if (!api_tokens_scope_known(s)) {
            *bad = s;
            return -1;
        }
        char key[API_TOKEN_SCOPES_MAX];
        snprintf(key, sizeof key, ",%s,", s);
        if (strstr(out, key))
            continue; /* named twice */
        int w = snprintf(out + at, API_TOKEN_SCOPES_MAX - at, "%s%s,", at ? "" : ",", s);
        if (w < 0 || at + (size_t)w >= API_TOKEN_SCOPES_MAX)
            return -1;
        at += (size_t)w;
    }
    return at ? 0 : -1;
}

bool api_tokens_grants(const struct api_token *t, const char *scope)
{
    char key[API_TOKEN_SCOPES_MAX];
    snprintf(key, sizeof key, ",%s,", scope);
    return strstr(t->scopes, key) != NULL;
}

int api_tokens_create(struct db *db, const char *name, const char *scopes, int64_t now_ms,
                      char token[API_TOKEN_MAX])
{
    static const char sql[] = "INSERT INTO api_tokens (name, token_hash, scopes, created_at)"
                              " VALUES (?1, ?2, ?3, ?4)";
    char hex[2 * API_TOKEN_BYTES + 1], hash[2 * SECURE_SHA256_LEN + 1];
    token[0] = '\0';
    if (secure_token_hex(API_TOKEN_BYTES, hex) != 0)
        return DB_ERROR;
    snprintf(token, API_TOKEN_MAX, API_TOKEN_PREFIX "%s", hex);
    secure_sha256_hex(token, hash);
    int rc = db_run(db, sql, "tttI", name, hash, scopes, now_ms);
    if (rc != DB_OK)
        token[0] = '\0';
    return rc;
}

/* Reads the row st is on (id, name, scopes, created_at, revoked_at). */
static void api_tokens_read(sqlite3_stmt *st, struct api_token *out)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    db_col_text(st, 1, out->name, sizeof out->name);
    db_col_text(st, 2, out->scopes, sizeof out->scopes);
    out->created_at = sqlite3_column_int64(st, 3);
    out->revoked_at = sqlite3_column_int64(st, 4);
}

#define API_TOKENS_COLUMNS "id, name, scopes, created_at, coalesce(revoked_at, 0)"

int api_tokens_find(struct db *db, const char *token, struct api_token *out)
{
    static const char sql[] = "SELECT " API_TOKENS_COLUMNS " FROM api_tokens"
                              " WHERE token_hash = ?1 AND revoked_at IS NULL";
    char hash[2 * SECURE_SHA256_LEN + 1];
    memset(out, 0, sizeof *out);
    if (strncmp(token, API_TOKEN_PREFIX, API_TOKEN_PREFIX_LEN) != 0 ||
        strlen(token) != API_TOKEN_MAX - 1)
        return DB_NOT_FOUND;
    secure_sha256_hex(token, hash);
    sqlite3_stmt *st = db_query(db, sql, "t", hash);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        api_tokens_read(st, out);
    if (db_rows_end(st, rc) != DB_OK)
        return DB_ERROR;
    return rc;
}

int api_tokens_list(struct db *db, struct api_token *out, int max, int *n)
{
    static const char sql[] = "SELECT " API_TOKENS_COLUMNS " FROM api_tokens ORDER BY id LIMIT ?1";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "i", max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        api_tokens_read(st, &out[(*n)++]);
    return db_rows_end(st, rc);
}

int api_tokens_revoke(struct db *db, const char *name, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL";
    return db_changed(db, db_run(db, sql, "tI", name, now_ms), DB_NOT_FOUND);
}
