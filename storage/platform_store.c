/*
 * platform_store.c — see platform_store.h.
 */
#include "storage/platform_store.h"

#include "base/log.h"
#include "base/secure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pstore_get(struct db *db, const char *platform, const char *key, char *buf, size_t size)
{
    static const char sql[] = "SELECT value FROM platform_state WHERE platform = ? AND key = ?";
    buf[0] = '\0';
    sqlite3_stmt *st = db_query(db, sql, "tt", platform, key);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        db_col_text(st, 0, buf, size);
    sqlite3_reset(st);
    return rc;
}

int pstore_set(struct db *db, const char *platform, const char *key, const char *value,
               int64_t now_ms)
{
    static const char sql[] = "INSERT INTO platform_state (platform, key, value, updated_at) "
                              "VALUES (?, ?, ?, ?) ON CONFLICT (platform, key) DO UPDATE SET "
                              "value = excluded.value, updated_at = excluded.updated_at";
    return db_run(db, sql, "tttI", platform, key, value, now_ms);
}

int pstore_callback_put(struct db *db, const char *platform, const char *chat_id, const char *data,
                        int64_t now_ms, char token[PSTORE_TOKEN_LEN])
{
    static const char sql[] = "INSERT INTO callback_payloads (token, platform, chat_id, data, "
                              "created_at) VALUES (?, ?, ?, ?, ?)";
    token[0] = 'c';
    token[1] = 'b';
    if (secure_token_hex(8, token + 2) != 0)
        return DB_ERROR;
    return db_run(db, sql, "ttttI", token, platform, chat_id, data, now_ms);
}

int pstore_callback_get(struct db *db, const char *platform, const char *chat_id, const char *token,
                        char **data)
{
    static const char sql[] = "SELECT data FROM callback_payloads "
                              "WHERE token = ? AND platform = ? AND chat_id = ?";
    *data = NULL;
    sqlite3_stmt *st = db_query(db, sql, "ttt", token, platform, chat_id);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        *data = db_col_strdup(st, 0);
    sqlite3_reset(st);
    return rc == DB_OK && !*data ? DB_ERROR : rc;
}

int pstore_callback_prune_due(struct db *db, int64_t before_ms, bool *due)
{
    static const char sql[] = "SELECT created_at < ? FROM callback_payloads ORDER BY rowid LIMIT 1";
    return db_prune_due(db, sql, before_ms, due);
}

int pstore_callback_prune(struct db *db, int64_t before_ms, int max, int64_t *deleted)
{
    static const char sql[] = "DELETE FROM callback_payloads WHERE rowid IN (SELECT rowid FROM "
                              "callback_payloads ORDER BY rowid LIMIT ?2) AND created_at < ?1";
    return db_prune_batch(db, sql, before_ms, max, deleted);
}

static int pstore_rewrite(struct db *db, const char *sql, const char *platform, const char *old_id,
                          const char *new_id)
{
    return db_run(db, sql, "ttt", new_id, platform, old_id);
}

int pstore_migrate_chat(struct db *db, const char *platform, const char *old_id, const char *new_id,
                        int64_t now_ms)
{
    /* If the new id already has a chats row (an update from the supergroup arrived first), the
     * old row's facts (area, bindings) win: the new row is dropped and the old one renamed. */
    static const char drop_new[] =
        "DELETE FROM chats WHERE platform = ?2 AND chat_id = ?1 AND EXISTS "
        "(SELECT 1 FROM chats WHERE platform = ?2 AND chat_id = ?3)";
    static const char chats[] =
        "UPDATE chats SET chat_id = ?1 WHERE platform = ?2 AND chat_id = ?3";
    static const char outbox[] = "UPDATE outbox SET chat_id = ?1 WHERE platform = ?2 AND "
                                 "chat_id = ?3 AND status IN ('queued', 'sending')";
    (void)now_ms;
    int rc = pstore_rewrite(db, drop_new, platform, old_id, new_id);
    if (rc == DB_OK)
        rc = pstore_rewrite(db, chats, platform, old_id, new_id);
    if (rc == DB_OK)
        rc = pstore_rewrite(db, outbox, platform, old_id, new_id);
    if (rc == DB_OK)
        log_info("store", "%s chat %s is now %s", platform, old_id, new_id);
    return rc;
}

/* ---- messaging windows ------------------------------------------------------------------ */

int pstore_window_open(struct db *db, const char *platform, const char *chat_id, int64_t at_ms)
{
    /* A delivery retried late (an older message) never re-opens a newer window's count. */
    static const char sql[] =
        "INSERT INTO platform_windows (platform, chat_id, opened_at, sent_since) "
        "VALUES (?1, ?2, ?3, 0) ON CONFLICT (platform, chat_id) DO UPDATE SET "
        "opened_at = excluded.opened_at, sent_since = 0 WHERE excluded.opened_at >= opened_at";
    return db_run(db, sql, "ttI", platform, chat_id, at_ms);
}

int pstore_window_use(struct db *db, const char *platform, const char *chat_id, int64_t now_ms,
                      int64_t window_ms, int max_msgs, bool *open)
{
    /* One statement decides and counts: the row changes only when the window is open. */
    static const char sql[] =
        "UPDATE platform_windows SET sent_since = sent_since + 1 WHERE platform = ?1 AND "
        "chat_id = ?2 AND opened_at > ?3 - ?4 AND (?5 = 0 OR sent_since < ?5)";
    *open = false;
    int rc = db_run(db, sql, "ttIIi", platform, chat_id, now_ms, window_ms, max_msgs);
    if (rc == DB_OK)
        *open = db_changes(db) > 0;
    return rc;
}

int pstore_window_close(struct db *db, const char *platform, const char *chat_id)
{
    static const char sql[] =
        "UPDATE platform_windows SET opened_at = 0 WHERE platform = ?1 AND chat_id = ?2";
    return db_run(db, sql, "tt", platform, chat_id);
}
