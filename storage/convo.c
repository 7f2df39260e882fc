/*
 * convo.c — see convo.h.
 */
#include "storage/convo.h"

#include <stdlib.h>
#include <string.h>

void convo_clear(struct convo *c)
{
    free(c->platform);
    free(c->chat_id);
    free(c->flow);
    free(c->step);
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* platform, chat_id, flow, step, data, started_at, updated_at, nudged */
static const struct db_col convo_cols[] = {
    DB_COL(0, DB_DUP, struct convo, platform),     DB_COL(1, DB_DUP, struct convo, chat_id),
    DB_COL(2, DB_DUP, struct convo, flow),         DB_COL(3, DB_DUP, struct convo, step),
    DB_COL(4, DB_DUP, struct convo, data),         DB_COL(5, DB_INT64, struct convo, started_at),
    DB_COL(6, DB_INT64, struct convo, updated_at), DB_COL(7, DB_BOOL, struct convo, nudged),
};

int convo_get(struct db *db, const char *platform, const char *chat_id, struct convo *out)
{
    static const char sql[] = "SELECT platform, chat_id, flow, step, data, started_at, "
                              "updated_at, nudged FROM conversations "
                              "WHERE platform = ? AND chat_id = ?";
    memset(out, 0, sizeof *out);
    int rc =
        db_row(db_query(db, sql, "tt", platform, chat_id), convo_cols, DB_COLS(convo_cols), out);
    if (rc == DB_ERROR)
        convo_clear(out);
    return rc;
}

int convo_put(struct db *db, const char *platform, const char *chat_id, const char *flow,
              const char *step, const char *data, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO conversations (platform, chat_id, flow, step, data, started_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (platform, chat_id) DO UPDATE SET "
        "flow = excluded.flow, step = excluded.step, data = excluded.data, "
        "started_at = CASE WHEN flow = excluded.flow THEN started_at ELSE excluded.started_at "
        "END, updated_at = excluded.updated_at, nudged = 0";
    return db_run(db, sql, "tttttI", platform, chat_id, flow, step, data, now_ms);
}

int convo_delete(struct db *db, const char *platform, const char *chat_id)
{
    static const char sql[] = "DELETE FROM conversations WHERE platform = ? AND chat_id = ?";
    return db_run(db, sql, "tt", platform, chat_id);
}

int convo_idle(struct db *db, int64_t idle_before_ms, bool nudged, struct convo *out, int max,
               int *n)
{
    /* Through conversations_idle (nudged, updated_at), migration 009: the drafts job looks
     * every second, and reads only the drafts it will act on. */
    static const char sql[] = "SELECT platform, chat_id, flow, step, data, started_at, "
                              "updated_at, nudged FROM conversations "
                              "WHERE updated_at < ? AND nudged = ? ORDER BY updated_at LIMIT ?";
    if (db_rows(db_query(db, sql, "Iii", idle_before_ms, nudged, max), convo_cols,
                DB_COLS(convo_cols), out, sizeof *out, max, n) != DB_OK) {
        for (int i = 0; i < *n; i++)
            convo_clear(&out[i]);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int convo_mark_nudged(struct db *db, const char *platform, const char *chat_id)
{
    static const char sql[] =
        "UPDATE conversations SET nudged = 1 WHERE platform = ? AND chat_id = ?";
    return db_run(db, sql, "tt", platform, chat_id);
}
