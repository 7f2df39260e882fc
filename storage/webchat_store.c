/*
 * webchat_store.c — see webchat_store.h.
 */
#include "storage/webchat_store.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

static int webchat_store_touch(struct db *db, const char *secret_hash, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE webchat_identities SET last_seen_at = ? WHERE secret_hash = ?";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, now_ms);
    db_bind_text(st, 2, secret_hash);
    return db_step_done(db, st);
}

int webchat_store_find(struct db *db, const char *secret_hash, int64_t now_ms,
                       char chat_id[WEBCHAT_CHAT_ID_LEN])
{
    static const char sql[] =
        "SELECT chat_id, last_seen_at FROM webchat_identities WHERE secret_hash = ?";
    chat_id[0] = '\0';
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, secret_hash);
    int64_t seen = 0;
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(chat_id, WEBCHAT_CHAT_ID_LEN, "%s", id ? id : "");
        seen = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc == DB_OK && now_ms - seen >= WEBCHAT_SEEN_STEP_MS)
        rc = webchat_store_touch(db, secret_hash, now_ms);
    return rc;
}

int webchat_store_chat_taken(struct db *db, const char *chat_id)
{
    static const char sql[] = "SELECT 1 FROM webchat_identities WHERE chat_id = ?";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, chat_id);
    int rc = db_step_row(st);
    if (rc != DB_ERROR)
        sqlite3_reset(st);
    return rc;
}

int webchat_store_add(struct db *db, const char *secret_hash, const char *chat_id, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO webchat_identities (secret_hash, chat_id, created_at, "
                              "last_seen_at) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT (secret_hash) DO NOTHING";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, secret_hash);
    db_bind_text(st, 2, chat_id);
    sqlite3_bind_int64(st, 3, now_ms);
    sqlite3_bind_int64(st, 4, now_ms);
    int rc = db_step_done(db, st);
    if (rc != DB_OK || sqlite3_changes(db_handle(db)) > 0)
        return rc;
    /* Already stored: by another tab of the same browser, which derived the same chat id. */
    char stored[WEBCHAT_CHAT_ID_LEN];
    rc = webchat_store_find(db, secret_hash, now_ms, stored);
    if (rc == DB_OK && strcmp(stored, chat_id) != 0)
        rc = DB_DUPLICATE;
    return rc == DB_NOT_FOUND ? DB_ERROR : rc;
}

int webchat_store_history(struct db *db, const char *chat_id, int max, struct webchat_line **lines,
                          int *n)
{
    static const char sql[] =
        "SELECT bot, text, at FROM ("
        "  SELECT 0 AS bot, json_extract(message, '$.text') AS text, received_at AS at, id "
        "  FROM inbox WHERE platform = 'webchat' AND chat_id = ?1 "
        "  UNION ALL "
        "  SELECT 1, text, sent_at, id FROM outbox "
        "  WHERE platform = 'webchat' AND chat_id = ?1 AND status = 'sent') "
        "WHERE text IS NOT NULL ORDER BY at DESC, bot DESC, id DESC LIMIT ?2";
    *lines = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st || max <= 0)
        return st ? DB_OK : DB_ERROR;
    struct webchat_line *out = calloc((size_t)max, sizeof *out);
    if (!out)
        return DB_ERROR;
    db_bind_text(st, 1, chat_id);
    sqlite3_bind_int(st, 2, max);
    int count = 0, rc = DB_NOT_FOUND;
    while (count < max && (rc = db_step_row(st)) == DB_OK) {
        struct webchat_line *l = &out[count++];
        l->from_bot = sqlite3_column_int(st, 0) != 0;
        l->text = db_col_strdup(st, 1);
        l->at_ms = sqlite3_column_int64(st, 2);
    }
    if (db_rows_end(st, rc) != DB_OK) {
        webchat_lines_free(out, count);
        return DB_ERROR;
    }
    for (int i = 0; i < count / 2; i++) { /* newest-first query, oldest-first answer */
        struct webchat_line t = out[i];
        out[i] = out[count - 1 - i];
        out[count - 1 - i] = t;
    }
    *lines = out;
    *n = count;
    return DB_OK;
}

void webchat_lines_free(struct webchat_line *lines, int n)
{
    for (int i = 0; lines && i < n; i++)
        free(lines[i].text);
    free(lines);
}
