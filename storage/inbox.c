/*
 * inbox.c — see inbox.h. The partial index inbox_pending keeps "what is left to do" cheap to
 * find however long the history grows. Pruning takes the first rows of the table (rowid order
 * is arrival order), which needs no index of its own and no write on the hot path.
 */
#include "storage/inbox.h"

#include <stdlib.h>
#include <string.h>

int inbox_add(struct db *db, const char *platform, const char *update_key, const char *chat_id,
              const char *message_json, int64_t now_ms, int64_t *id)
{
    static const char sql[] = "INSERT INTO inbox (platform, update_key, chat_id, message, "
                              "received_at) VALUES (?, ?, ?, ?, ?) "
                              "ON CONFLICT (platform, update_key) DO NOTHING";
    int rc = db_run(db, sql, "ttttI", platform, update_key, chat_id, message_json, now_ms);
    if (rc != DB_OK)
        return rc;
    if (db_changes(db) == 0)
        return DB_DUPLICATE;
    if (id)
        *id = db_last_id(db);
    return DB_OK;
}

int inbox_pending(struct db *db, int max, struct inbox_row *rows, int *n)
{
    static const char sql[] = "SELECT id, platform, update_key, chat_id, message, received_at "
                              "FROM inbox WHERE processed_at IS NULL ORDER BY id LIMIT ?";
    static const struct db_col cols[] = {
        DB_COL(0, DB_INT64, struct inbox_row, id),
        DB_COL(1, DB_DUP, struct inbox_row, platform),
        DB_COL(2, DB_DUP, struct inbox_row, update_key),
        DB_COL(3, DB_DUP, struct inbox_row, chat_id),
        DB_COL(4, DB_DUP, struct inbox_row, message),
        DB_COL(5, DB_INT64, struct inbox_row, received_at),
    };
    if (db_rows(db_query(db, sql, "i", max), cols, DB_COLS(cols), rows, sizeof *rows, max, n) !=
        DB_OK) {
        for (int i = 0; i < *n; i++)
            inbox_row_clear(&rows[i]);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

void inbox_row_clear(struct inbox_row *row)
{
    free(row->platform);
    free(row->update_key);
    free(row->chat_id);
    free(row->message);
    memset(row, 0, sizeof *row);
}

int inbox_mark_processed(struct db *db, int64_t id, int64_t now_ms, const char *error)
{
    static const char sql[] =
        "UPDATE inbox SET processed_at = ?, error = ? WHERE id = ? AND processed_at IS NULL";
    return db_changed(db, db_run(db, sql, "ItI", now_ms, error, id), DB_NOT_FOUND);
}

int inbox_count_pending(struct db *db, const char *platform, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM inbox WHERE processed_at IS NULL "
                              "AND (?1 IS NULL OR platform = ?1)";
    *count = 0;
    return db_get_int(db, count, sql, "t", platform);
}

int inbox_scrub(struct db *db, int64_t id)
{
    /* What the update was and when, never who sent it or what was said. */
    static const char sql[] =
        "UPDATE inbox SET message = json_object('kind', json_extract(message, '$.kind'), "
        "'is_group', json(iif(json_extract(message, '$.is_group'), 'true', 'false')), "
        "'date_ms', json_extract(message, '$.date_ms')) WHERE id = ?";
    return db_run(db, sql, "I", id);
}

int inbox_prune_due(struct db *db, int64_t before_ms, bool *due)
{
    static const char sql[] = "SELECT processed_at < ? FROM inbox ORDER BY id LIMIT 1";
    /* NULL (unprocessed) reads as not due */
    return db_prune_due(db, sql, before_ms, due);
}

int inbox_prune(struct db *db, int64_t before_ms, int max, int64_t *deleted)
{
    static const char sql[] = "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox ORDER BY id "
                              "LIMIT ?2) AND processed_at < ?1";
    return db_prune_batch(db, sql, before_ms, max, deleted);
}
