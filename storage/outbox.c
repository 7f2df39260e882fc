/*
 * outbox.c — see outbox.h. Claiming is an UPDATE … RETURNING inside BEGIN IMMEDIATE, so two
 * senders (or two processes) can never claim the same row; the claim records the owner, and
 * releasing an owner touches only the rows it claimed (found through the partial index on
 * rows in "sending"). Whether an owner may be released is not decided here (bot/owner.c).
 */
#include "storage/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ref_kind column's text for kind (NULL: none). */
static const char *outbox_ref_name(enum outbox_ref_kind kind)
{
    return kind == OUTBOX_REF_TIP ? "tip" : kind == OUTBOX_REF_CAMPAIGN ? "campaign" : NULL;
}

int outbox_enqueue(struct db *db, const struct outbox_new *m, int64_t now_ms, int64_t *id)
{
    static const char sql[] =
        "INSERT INTO outbox (platform, chat_id, text, buttons, priority, next_attempt_at, "
        "dedupe_key, created_at, photo, ref_kind, ref_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING";
    enum outbox_ref_kind kind = m->ref_kind;
    int64_t ref = m->ref_id;
    if (kind == OUTBOX_REF_NONE && m->tip_id) {
        kind = OUTBOX_REF_TIP;
        ref = m->tip_id;
    }
    const char *ref_name = outbox_ref_name(kind);
    int rc =
        db_changed(db,
                   db_run(db, sql, "ttttiItIttz", m->platform, m->chat_id, m->text, m->buttons,
                          (int)m->priority, m->not_before_ms > now_ms ? m->not_before_ms : now_ms,
                          m->dedupe_key, now_ms, m->photo, ref_name, ref_name ? ref : 0),
                   DB_DUPLICATE);
    if (rc == DB_OK && id)
        *id = db_last_id(db);
    return rc;
}

/* id, platform, chat_id, text, buttons, priority, attempts, created_at, photo, and for
 * outbox_due what its chat is (is_group, reachable) and what the row belongs to (ref_kind as
 * enum outbox_ref_kind, ref_id). */
#define OUTBOX_COLS                                                                                \
    DB_COL(0, DB_INT64, struct outbox_row, id), DB_COL(1, DB_DUP, struct outbox_row, platform),    \
        DB_COL(2, DB_DUP, struct outbox_row, chat_id), DB_COL(3, DB_DUP, struct outbox_row, text), \
        DB_COL(4, DB_DUP, struct outbox_row, buttons),                                             \
        DB_COL(5, DB_INT, struct outbox_row, priority),                                            \
        DB_COL(6, DB_INT, struct outbox_row, attempts),                                            \
        DB_COL(7, DB_INT64, struct outbox_row, created_at),                                        \
        DB_COL(8, DB_DUP, struct outbox_row, photo)
static const struct db_col outbox_cols[] = {OUTBOX_COLS};
static const struct db_col outbox_due_cols[] = {
    OUTBOX_COLS,
    DB_COL(9, DB_BOOL, struct outbox_row, is_group),
    DB_COL(10, DB_BOOL, struct outbox_row, reachable),
    DB_COL(11, DB_INT, struct outbox_row, ref_kind),
    DB_COL(12, DB_INT64, struct outbox_row, ref_id),
};

/* Reads up to max rows of st through map; rows without a chat column are reachable. */
static int outbox_collect(sqlite3_stmt *st, const struct db_col *map, int ncols, int max,
                          struct outbox_row *rows, int *n)
{
    if (db_rows(st, map, ncols, rows, sizeof *rows, max, n) != DB_OK) {
        for (int i = 0; i < *n; i++)
            outbox_row_clear(&rows[i]);
        *n = 0;
        return DB_ERROR;
    }
    for (int i = 0; map == outbox_cols && i < *n; i++)
        rows[i].reachable = true;
    return DB_OK;
}

/* RETURNING's order is not promised: put the rows back in creation order. */
static int outbox_cmp_order(const void *a, const void *b)
{
    const struct outbox_row *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

int outbox_claim(struct db *db, const char *platform, int64_t owner, int64_t now_ms, int max,
                 struct outbox_row *rows, int *n)
{
    static const char sql[] =
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = ?4 "
        "WHERE id IN ("
        "  SELECT id FROM outbox WHERE status = 'queued' AND platform = ?1 "
        "  AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3) "
        "RETURNING id, platform, chat_id, text, buttons, priority, attempts, created_at, photo";
    *n = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    int rc = outbox_collect(db_query(db, sql, "tIiI", platform, now_ms, max, owner), outbox_cols,
                            DB_COLS(outbox_cols), max, rows, n);
    if (rc != DB_OK || db_commit(db) != DB_OK) {
        db_rollback(db);
        for (int i = 0; i < *n; i++)
            outbox_row_clear(&rows[i]);
        *n = 0;
        return DB_ERROR;
    }
    qsort(rows, (size_t)*n, sizeof *rows, outbox_cmp_order);
    return DB_OK;
}

int outbox_queued_for_chat(struct db *db, const char *platform, const char *chat_id,
                           int64_t after_id, int64_t sent_after_id, int max,
                           struct outbox_row *rows, int *n)
{
    static const char sql[] =
        "SELECT id, platform, chat_id, text, buttons, priority, attempts, created_at, photo "
        "FROM outbox WHERE platform = ?1 AND chat_id = ?2 AND "
        "(status = 'queued' AND id > ?3 OR status = 'sent' AND id > ?4) ORDER BY id LIMIT ?5";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "ttIIi", platform, chat_id, after_id, sent_after_id, max);
    return outbox_collect(st, outbox_cols, DB_COLS(outbox_cols), max, rows, n);
}

int outbox_last_sent_for_chat(struct db *db, const char *platform, const char *chat_id, int64_t *id)
{
    static const char sql[] = "SELECT coalesce(max(id), 0) FROM outbox "
                              "WHERE platform = ?1 AND chat_id = ?2 AND status = 'sent'";
    return db_get_int(db, id, sql, "tt", platform, chat_id);
}

int outbox_last_id(struct db *db, int64_t *id)
{
    static const char sql[] = "SELECT coalesce(max(id), 0) FROM outbox";
    return db_query_int(db, sql, id);
}

int outbox_queued_between(struct db *db, const char *platform, int64_t after_id, int64_t upto_id,
                          bool with_sent, int max, struct outbox_row *rows, int *n)
{
    /* The unary + keep the planner on the id range: the indexes that start with platform
     * would make it read every queued row of the platform, including the ones waiting for a
     * chat that is not connected. */
    static const char sql[] =
        "SELECT id, platform, chat_id, text, buttons, priority, attempts, created_at, photo "
        "FROM outbox WHERE id > ?1 AND id <= ?2 AND +platform = ?3 AND "
        "(+status = 'queued' OR ?5 AND +status = 'sent') ORDER BY id LIMIT ?4";
    *n = 0;
    sqlite3_stmt *st =
        db_query(db, sql, "IItii", after_id, upto_id, platform, max, with_sent ? 1 : 0);
    return outbox_collect(st, outbox_cols, DB_COLS(outbox_cols), max, rows, n);
}

void outbox_row_clear(struct outbox_row *row)
{
    free(row->platform);
    free(row->chat_id);
    free(row->text);
    free(row->buttons);
    free(row->photo);
    memset(row, 0, sizeof *row);
}

static int outbox_update(struct db *db, const char *sql, int64_t id, int64_t t, const char *err)
{
    return db_changed(db, db_run(db, sql, "ItI", t, err, id), DB_NOT_FOUND);
}

int outbox_mark_sent(struct db *db, int64_t id, int64_t now_ms)
{
    static const char sql[] = "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = ? "
                              "WHERE id = ? AND status IN ('queued', 'sending')";
    return outbox_update(db, sql, id, now_ms, NULL);
}

int outbox_mark_retry(struct db *db, int64_t id, int64_t next_attempt_ms, const char *error)
{
    static const char sql[] = "UPDATE outbox SET status = 'queued', next_attempt_at = ?, "
                              "last_error = ? WHERE id = ? AND status = 'sending'";
    return outbox_update(db, sql, id, next_attempt_ms, error);
}

int outbox_mark_retry_free(struct db *db, int64_t id, int64_t next_attempt_ms, const char *error)
{
    static const char sql[] = "UPDATE outbox SET status = 'queued', next_attempt_at = ?, "
                              "last_error = ?, attempts = max(attempts - 1, 0) "
                              "WHERE id = ? AND status = 'sending'";
    return outbox_update(db, sql, id, next_attempt_ms, error);
}

int outbox_mark_failed(struct db *db, int64_t id, const char *error)
{
    static const char sql[] = "UPDATE outbox SET status = 'failed', sent_at = NULLIF(?, 0), "
                              "last_error = ? WHERE id = ? AND status IN ('queued', 'sending')";
    return outbox_update(db, sql, id, 0, error);
}

int outbox_count(struct db *db, const char *status, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM outbox WHERE status = ?";
    *count = 0;
    return db_get_int(db, count, sql, "t", status);
}

int outbox_due(struct db *db, const char *platform, int64_t now_ms, int max,
               struct outbox_row *rows, int *n)
{
    static const char sql[] =
        "SELECT o.id, o.platform, o.chat_id, o.text, o.buttons, o.priority, o.attempts, "
        "o.created_at, o.photo, coalesce(c.kind = 'group', 0), coalesce(c.reachable, 1), "
        "CASE o.ref_kind WHEN 'tip' THEN 1 WHEN 'campaign' THEN 2 ELSE 0 END, "
        "coalesce(o.ref_id, 0) FROM outbox o LEFT JOIN chats c ON c.platform = o.platform AND "
        "c.chat_id = o.chat_id "
        "WHERE o.platform = ?1 AND o.status = 'queued' AND o.head = 1 "
        "AND o.next_attempt_at <= ?2 ORDER BY o.priority, o.next_attempt_at, o.id LIMIT ?3";
    *n = 0;
    return outbox_collect(db_query(db, sql, "tIi", platform, now_ms, max), outbox_due_cols,
                          DB_COLS(outbox_due_cols), max, rows, n);
}

int outbox_set_sending(struct db *db, int64_t id, int64_t owner)
{
    static const char sql[] = "UPDATE outbox SET status = 'sending', attempts = attempts + 1, "
                              "claimed_by = ?2 WHERE id = ?1 AND status = 'queued'";
    return db_changed(db, db_run(db, sql, "II", id, owner), DB_NOT_FOUND);
}

int outbox_defer(struct db *db, int64_t id, int64_t not_before_ms)
{
    static const char sql[] =
        "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'queued'";
    return db_run(db, sql, "II", not_before_ms, id);
}

/* The rows of a tally statement (platform, status, priority, count) into rows. */
static int outbox_tally_rows(struct db *db, const char *sql, struct outbox_tally *rows, int max,
                             int *n)
{
    static const struct db_col cols[] = {
        DB_COL(0, DB_TEXT, struct outbox_tally, platform),
        DB_COL(1, DB_TEXT, struct outbox_tally, status),
        DB_COL(2, DB_INT64, struct outbox_tally, priority),
        DB_COL(3, DB_INT64, struct outbox_tally, count),
    };
    *n = 0;
    /* More platforms than slots: the rest are not counted (max is far above what exists). */
    int rc = db_rows(db_stmt(db, sql), cols, DB_COLS(cols), rows, sizeof *rows, max, n);
    if (rc != DB_OK)
        *n = 0;
    return rc;
}

int outbox_tally(struct db *db, struct outbox_tally *rows, int max, int *n)
{
    /* Counted per platform along outbox_chat (platform first), one sum per status of the
     * table's CHECK, then unfolded into (platform, status) rows: GROUP BY platform, status
     * sorted every row of the outbox in memory for each /metrics count — 6.6 MB at 206,000
     * rows, tens of MB at a million, every 10 s — and the counting thread's heap grew by that
     * much for good (bench/results.md, "Soak"). This reads the index once and sorts the few
     * rows it returns. */
    static const char sql[] =
        "SELECT t.platform, s.status, 0, CASE s.status WHEN 'failed' THEN t.f "
        "WHEN 'queued' THEN t.q WHEN 'sending' THEN t.g ELSE t.d END AS k "
        "FROM (SELECT platform, sum(status = 'failed') AS f, sum(status = 'queued') AS q, "
        "sum(status = 'sending') AS g, sum(status = 'sent') AS d "
        "FROM outbox INDEXED BY outbox_chat GROUP BY platform) AS t, "
        "(SELECT 'failed' AS status UNION ALL SELECT 'queued' UNION ALL SELECT 'sending' "
        "UNION ALL SELECT 'sent') AS s WHERE k > 0 ORDER BY t.platform, s.status";
    return outbox_tally_rows(db, sql, rows, max, n);
}

int outbox_depth(struct db *db, struct outbox_tally *rows, int max, int *n)
{
    /* Through the partial indexes of the owed rows only (outbox_due, outbox_in_flight): a
     * GROUP BY priority over the whole table would read every row (8 s at a million). */
    static const char sql[] =
        "SELECT platform, 'queued', priority, count(*) FROM outbox INDEXED BY outbox_due "
        "WHERE status = 'queued' GROUP BY platform, priority "
        "UNION ALL SELECT platform, 'sending', priority, count(*) FROM outbox "
        "INDEXED BY outbox_in_flight WHERE status = 'sending' GROUP BY platform, priority";
    return outbox_tally_rows(db, sql, rows, max, n);
}

/* ---- retention ------------------------------------------------------------------------- */

/* The index made for this is named: the planner could take another (outbox_ref, the unique
 * index on dedupe_key) whose first terms say nothing about age. */
#define OUTBOX_DONE_BEFORE                                                                         \
    "FROM outbox INDEXED BY outbox_done WHERE status IN ('sent', 'failed') AND "                   \
    "coalesce(ref_kind, '') <> 'campaign' AND coalesce(sent_at, created_at) < ?1"

int outbox_prune_due(struct db *db, int64_t before_ms, bool *due)
{
    static const char sql[] = "SELECT 1 " OUTBOX_DONE_BEFORE " LIMIT 1";
    *due = false;
    sqlite3_stmt *st = db_query(db, sql, "I", before_ms);
    int rc = db_step_row(st);
    *due = rc == DB_OK;
    return db_rows_end(st, rc);
}

int outbox_prune(struct db *db, int64_t before_ms, int max, int64_t *deleted)
{
    /* Never the newest row: SQLite would give its id to the next row enqueued, and the web
     * chat, which follows the outbox by id (outbox_last_id), would take the new row for one it
     * has seen. */
    static const char sql[] =
        "DELETE FROM outbox WHERE id IN (SELECT id " OUTBOX_DONE_BEFORE
        " ORDER BY coalesce(sent_at, created_at) LIMIT ?2) AND id < (SELECT max(id) FROM outbox)";
    return db_prune_batch(db, sql, before_ms, max, deleted);
}

/* ---- owners ---------------------------------------------------------------------------- */

int outbox_owner_add(struct db *db, struct outbox_owner *o)
{
    static const char sql[] =
        "INSERT INTO outbox_owners (id, pid, boot_id, pid_ns, start_ticks, command, started_at, "
        "heartbeat_at) VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?)";
    int rc = db_run(db, sql, "IIttItII", o->id, o->pid, o->boot_id, o->pid_ns, o->start_ticks,
                    o->command, o->started_at, o->heartbeat_at);
    if (rc == DB_OK)
        o->id = db_last_id(db);
    return rc;
}

int outbox_owner_beat(struct db *db, int64_t id, int64_t wall_ms)
{
    static const char sql[] = "UPDATE outbox_owners SET heartbeat_at = ? WHERE id = ?";
    return db_changed(db, db_run(db, sql, "II", wall_ms, id), DB_NOT_FOUND);
}

int outbox_owner_list(struct db *db, struct outbox_owner *rows, int max, int *n)
{
    static const char sql[] =
        "SELECT id, pid, boot_id, pid_ns, start_ticks, command, started_at, heartbeat_at "
        "FROM outbox_owners ORDER BY id LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "i", max);
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_owner *o = &rows[(*n)++];
        memset(o, 0, sizeof *o);
        o->id = sqlite3_column_int64(st, 0);
        o->pid = sqlite3_column_int64(st, 1);
        db_col_text(st, 2, o->boot_id, sizeof o->boot_id);
        db_col_text(st, 3, o->pid_ns, sizeof o->pid_ns);
        o->start_ticks = sqlite3_column_int64(st, 4);
        db_col_text(st, 5, o->command, sizeof o->command);
        o->started_at = sqlite3_column_int64(st, 6);
        o->heartbeat_at = sqlite3_column_int64(st, 7);
    }
    if (*n < max && rc != SQLITE_DONE) {
        sqlite3_reset(st);
        *n = 0;
        return DB_ERROR;
    }
    sqlite3_reset(st);
    return DB_OK;
}

int outbox_owner_release(struct db *db, int64_t id, int64_t *requeued)
{
    static const char requeue[] =
        "UPDATE outbox SET status = 'queued' WHERE status = 'sending' AND claimed_by = ?";
    static const char forget[] = "DELETE FROM outbox_owners WHERE id = ?";
    *requeued = 0;
    int rc = db_run(db, requeue, "I", id);
    if (rc != DB_OK)
        return rc;
    *requeued = db_changes(db);
    return db_run(db, forget, "I", id);
}

int outbox_repair_heads(struct db *db, int64_t *fixed)
{
    /* The owed rows through the two partial indexes that hold only them (outbox_due for
     * 'queued', outbox_in_flight for 'sending'): a pass over what is owed, not over the table
     * (2 ms at a million rows, 0.3 s through outbox_chat). The triggers of migration 025 keep
     * the marks; this only undoes a mark that something behind them (a hand edit) left wrong. */
    static const char sql[] =
        "WITH owed(id, platform, chat_id) AS ("
        "  SELECT id, platform, chat_id FROM outbox INDEXED BY outbox_due WHERE status = 'queued'"
        "  UNION ALL SELECT id, platform, chat_id FROM outbox WHERE status = 'sending'), "
        "firsts(id) AS (SELECT min(id) FROM owed GROUP BY platform, chat_id) "
        "UPDATE outbox SET head = (id IN firsts) "
        "WHERE id IN (SELECT id FROM owed) AND head != (id IN firsts)";
    *fixed = 0;
    int rc = db_step_done(db, db_stmt(db, sql));
    if (rc == DB_OK)
        *fixed = db_changes(db);
    return rc;
}

int outbox_requeue_unowned(struct db *db, int64_t *requeued)
{
    static const char sql[] =
        "UPDATE outbox SET status = 'queued' WHERE status = 'sending' AND claimed_by IS NULL";
    *requeued = 0;
    int rc = db_step_done(db, db_stmt(db, sql));
    if (rc == DB_OK)
        *requeued = db_changes(db);
    return rc;
}
