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
    return db_run(db, sql, "It", now_ms, secret_hash);
}

int webchat_store_find(struct db *db, const char *secret_hash, int64_t now_ms,
                       char chat_id[WEBCHAT_CHAT_ID_LEN])
{
    static const char sql[] =
        "SELECT chat_id, last_seen_at FROM webchat_identities WHERE secret_hash = ?";
    chat_id[0] = '\0';
    sqlite3_stmt *st = db_query(db, sql, "t", secret_hash);
    int64_t seen = 0;
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(chat_id, WEBCHAT_CHAT_ID_LEN, "%s", id ? id : "");
        seen = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    /* The "seen" date is bookkeeping (retention of idle identities): the identity is known
     * even when it cannot be written, so a full disk does not keep residents from connecting
     * (their messages are then answered "not saved, retry" one by one). */
    if (rc == DB_OK && now_ms - seen >= WEBCHAT_SEEN_STEP_MS)
        webchat_store_touch(db, secret_hash, now_ms);
    return rc;
}

int webchat_store_chat_taken(struct db *db, const char *chat_id)
{
    static const char sql[] = "SELECT 1 FROM webchat_identities WHERE chat_id = ?";
    sqlite3_stmt *st = db_query(db, sql, "t", chat_id);
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
    int rc = db_run(db, sql, "ttII", secret_hash, chat_id, now_ms, now_ms);
    if (rc != DB_OK || db_changes(db) > 0)
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
        "SELECT bot, text, at, buttons FROM ("
        "  SELECT 0 AS bot, json_extract(message, '$.text') AS text, received_at AS at, "
        "  received_at AS k, id, NULL AS buttons FROM inbox "
        "  WHERE platform = 'webchat' AND chat_id = ?1 "
        "  UNION ALL "
        "  SELECT 1, text, sent_at, created_at, id, buttons FROM outbox "
        "  WHERE platform = 'webchat' AND chat_id = ?1 AND status = 'sent') "
        "WHERE text IS NOT NULL ORDER BY k DESC, bot DESC, id DESC LIMIT ?2";
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
        l->buttons = db_col_strdup(st, 3);
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
    for (int i = 0; lines && i < n; i++) {
        free(lines[i].text);
        free(lines[i].buttons);
    }
    free(lines);
}

/* Identities unused since ?1, ahead of the cursor (?2, ?3) in the pruner's walk. */
#define WEBCHAT_UNUSED "last_seen_at < ?1 AND (last_seen_at, rowid) > (?2, ?3)"
/* ... up to the end of its window (?4, ?5), and not kept: no message waits for the chat, and
 * its person (the web chat's sender id is the chat id) has no open tip. */
#define WEBCHAT_PRUNABLE                                                                           \
    "SELECT w.rowid, w.chat_id FROM webchat_identities w WHERE " WEBCHAT_UNUSED                    \
    " AND (last_seen_at, rowid) <= (?4, ?5) AND NOT EXISTS (SELECT 1 FROM outbox o WHERE "         \
    "o.platform = 'webchat' AND o.chat_id = w.chat_id AND o.status IN ('queued', 'sending')) "     \
    "AND NOT EXISTS (SELECT 1 FROM people p JOIN tips t ON t.person_id = p.id WHERE "              \
    "p.platform = 'webchat' AND p.platform_user_id = w.chat_id AND "                               \
    "t.status NOT IN ('resolved', 'rejected', 'duplicate', 'closed'))"

int webchat_store_prune_due(struct db *db, int64_t before_ms, int64_t after_seen,
                            int64_t after_rowid, bool *due)
{
    static const char sql[] = "SELECT 1 FROM webchat_identities WHERE " WEBCHAT_UNUSED " LIMIT 1";
    *due = false;
    sqlite3_stmt *st = db_query(db, sql, "III", before_ms, after_seen, after_rowid);
    int rc = db_step_row(st);
    *due = rc == DB_OK;
    return db_rows_end(st, rc);
}

/* The last of up to max identities ahead of the cursor, and how many there are. */
static int webchat_store_window(struct db *db, int64_t before_ms, int max, int64_t after_seen,
                                int64_t after_rowid, int64_t end[2], int64_t *n)
{
    static const char sql[] =
        "SELECT last_seen_at, rowid FROM webchat_identities WHERE " WEBCHAT_UNUSED
        " ORDER BY last_seen_at, rowid LIMIT ?4";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "IIIi", before_ms, after_seen, after_rowid, max);
    int rc;
    while ((rc = db_step_row(st)) == DB_OK) {
        end[0] = sqlite3_column_int64(st, 0);
        end[1] = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    return db_rows_end(st, rc);
}

static int webchat_store_prune_run(struct db *db, const char *sql, int64_t before_ms,
                                   const int64_t after[2], const int64_t end[2])
{
    return db_run(db, sql, "IIIII", before_ms, after[0], after[1], end[0], end[1]);
}

int webchat_store_prune(struct db *db, int64_t before_ms, int max, int64_t *after_seen,
                        int64_t *after_rowid, int64_t *deleted, int64_t *looked)
{
    /* The chat goes first, while its identity still names it: nothing is queued for a chat
     * no browser can open any more (campaigns count it unreachable). */
    static const char unreachable[] =
        "UPDATE chats SET reachable = 0 WHERE platform = 'webchat' AND chat_id IN "
        "(SELECT chat_id FROM (" WEBCHAT_PRUNABLE "))";
    /* Its browsers' push subscriptions (migration 013) go with it: an endpoint is a way to
     * reach that browser, and nobody may be told anything through it any more. */
    static const char unsubscribe[] =
        "DELETE FROM push_subscriptions WHERE platform = 'webchat' AND chat_id IN "
        "(SELECT chat_id FROM (" WEBCHAT_PRUNABLE "))";
    static const char forget[] = "DELETE FROM webchat_identities WHERE rowid IN "
                                 "(SELECT rowid FROM (" WEBCHAT_PRUNABLE "))";
    int64_t after[2] = {*after_seen, *after_rowid}, end[2] = {0, 0};
    *deleted = 0;
    int rc = webchat_store_window(db, before_ms, max, after[0], after[1], end, looked);
    if (rc != DB_OK || *looked == 0)
        return rc;
    rc = webchat_store_prune_run(db, unreachable, before_ms, after, end);
    if (rc == DB_OK)
        rc = webchat_store_prune_run(db, unsubscribe, before_ms, after, end);
    if (rc == DB_OK)
        rc = webchat_store_prune_run(db, forget, before_ms, after, end);
    if (rc != DB_OK)
        return rc;
    *deleted = db_changes(db);
    *after_seen = end[0];
    *after_rowid = end[1];
    return DB_OK;
}
