/*
 * groups.c — see groups.h.
 */
#include "storage/groups.h"

#include "base/log.h"
#include "storage/tips_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void group_chat_clear(struct group_chat *g)
{
    free(g->title);
    free(g->area);
    memset(g, 0, sizeof *g);
}

int groups_get(struct db *db, const char *platform, const char *chat_id, struct group_chat *out)
{
    static const char sql[] = "SELECT title, area, reachable, coalesce(hinted_at, 0), "
                              "coalesce(last_unsolicited_at, 0) FROM chats "
                              "WHERE platform = ? AND chat_id = ?";
    static const struct db_col cols[] = {
        DB_COL(0, DB_DUP, struct group_chat, title),
        DB_COL(1, DB_DUP, struct group_chat, area),
        DB_COL(2, DB_BOOL, struct group_chat, reachable),
        DB_COL(3, DB_INT64, struct group_chat, hinted_at),
        DB_COL(4, DB_INT64, struct group_chat, last_unsolicited_at),
    };
    memset(out, 0, sizeof *out);
    int rc = db_row(db_query(db, sql, "tt", platform, chat_id), cols, DB_COLS(cols), out);
    if (rc == DB_ERROR)
        group_chat_clear(out);
    return rc;
}

static int groups_update(struct db *db, const char *sql, const char *text, int64_t t,
                         const char *platform, const char *chat_id)
{
    return db_changed(db, db_run(db, sql, "tItt", text, t, platform, chat_id), DB_NOT_FOUND);
}

int groups_bind(struct db *db, const char *platform, const char *chat_id, const char *area,
                int64_t now_ms)
{
    /* The quiet period starts afresh: the hint an unbound group got does not count. */
    static const char sql[] = "UPDATE chats SET area = ?1, bound_at = CASE WHEN ?1 IS NULL "
                              "THEN NULL ELSE ?2 END, updated_at = ?2, last_unsolicited_at = NULL "
                              "WHERE platform = ?3 AND chat_id = ?4";
    return groups_update(db, sql, area, now_ms, platform, chat_id);
}

int groups_mark_hinted(struct db *db, const char *platform, const char *chat_id, int64_t now_ms)
{
    static const char sql[] = "UPDATE chats SET hinted_at = ?2, last_unsolicited_at = ?2 "
                              "WHERE platform = ?3 AND chat_id = ?4 AND ?1 IS NULL";
    return groups_update(db, sql, NULL, now_ms, platform, chat_id);
}

int groups_take_unsolicited(struct db *db, const char *platform, const char *chat_id,
                            int64_t now_ms, int64_t gap_ms)
{
    static const char sql[] =
        "UPDATE chats SET last_unsolicited_at = ?2 WHERE platform = ?3 AND chat_id = ?4 "
        "AND (last_unsolicited_at IS NULL OR last_unsolicited_at <= ?2 - CAST(?1 AS INTEGER))";
    char gap[32];
    snprintf(gap, sizeof gap, "%lld", (long long)gap_ms);
    int rc = groups_update(db, sql, gap, now_ms, platform, chat_id);
    return rc == DB_NOT_FOUND ? DB_DUPLICATE : rc;
}

int groups_of_area(struct db *db, const char *area, char **platforms, char **chat_ids, int max,
                   int *n)
{
    static const char sql[] = "SELECT platform, chat_id FROM chats WHERE area = ? "
                              "AND kind = 'group' AND reachable = 1 ORDER BY id LIMIT ?";
    return db_text_pairs(db_query(db, sql, "ti", area, max), platforms, chat_ids, max, n);
}

static int64_t groups_count(struct db *db, const char *sql, const char *area, int64_t since)
{
    int64_t n = 0;
    return db_get_int(db, &n, sql, "tI", area, since) == DB_OK ? n : -1;
}

int groups_stats(struct db *db, const char *area, int64_t since_ms, int64_t *tips,
                 int64_t *warnings, int64_t *campaign)
{
    static const char tips_sql[] = "SELECT count(*) FROM tips WHERE area = ? AND created_at >= ? "
                                   "AND kind IN ('tip', 'group_lead')";
    static const char warn_sql[] =
        "SELECT count(*) FROM scam_warnings w JOIN chats c ON c.platform = w.platform "
        "AND c.chat_id = w.chat_id WHERE c.area = ? AND w.at >= ?";
    static const char bulk_sql[] =
        "SELECT count(*) FROM outbox o JOIN chats c ON c.platform = o.platform "
        "AND c.chat_id = o.chat_id WHERE c.area = ? AND o.priority = 3 AND o.status = 'sent' "
        "AND o.sent_at >= ?";
    *tips = groups_count(db, tips_sql, area, since_ms);
    *warnings = groups_count(db, warn_sql, area, since_ms);
    *campaign = groups_count(db, bulk_sql, area, since_ms);
    return *tips < 0 || *warnings < 0 || *campaign < 0 ? DB_ERROR : DB_OK;
}

/* The leads due, oldest first: ?1 before, ?2 how many. Every statement of one batch names the
 * same rows (one transaction, a deterministic order). */
#define GROUPS_LEADS_DUE                                                                           \
    "SELECT id FROM tips INDEXED BY tips_leads_age WHERE kind = 'group_lead' AND created_at < ?1 " \
    "ORDER BY created_at, id LIMIT ?2"

int groups_leads_due(struct db *db, int64_t before_ms, bool *due)
{
    static const char sql[] =
        "SELECT 1 FROM tips INDEXED BY tips_leads_age WHERE kind = 'group_lead' AND created_at < ? "
        "LIMIT 1";
    *due = false;
    sqlite3_stmt *st = db_query(db, sql, "I", before_ms);
    int rc = db_step_row(st);
    *due = rc == DB_OK;
    return db_rows_end(st, rc);
}

int groups_prune_leads(struct db *db, int64_t before_ms, int max, int64_t *deleted)
{
    static const char *const sqls[] = {
        "DELETE FROM tip_attachments WHERE tip_id IN (" GROUPS_LEADS_DUE ")",
        "DELETE FROM tip_messages WHERE tip_id IN (" GROUPS_LEADS_DUE ")",
        "DELETE FROM tip_reminders WHERE tip_id IN (" GROUPS_LEADS_DUE ")",
        "UPDATE audit_log SET tip_id = NULL WHERE tip_id IN (" GROUPS_LEADS_DUE ")",
        "UPDATE tips SET duplicate_of = NULL WHERE duplicate_of IN (" GROUPS_LEADS_DUE ")",
        /* the desk's messages about the leads (a message still owed stays, unlinked) */
        "DELETE FROM outbox WHERE ref_kind = 'tip' AND ref_id IN (" GROUPS_LEADS_DUE ") AND "
        "status IN ('sent', 'failed') AND id < (SELECT max(id) FROM outbox)", /* outbox_prune */
        "UPDATE outbox SET ref_kind = NULL, ref_id = NULL WHERE ref_kind = 'tip' AND ref_id IN "
        "(" GROUPS_LEADS_DUE ")",
        "DELETE FROM tips WHERE id IN (" GROUPS_LEADS_DUE ")",
    };
    *deleted = 0;
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++)
        if (db_run(db, sqls[i], "Ii", before_ms, max) != DB_OK)
            return DB_ERROR;
    *deleted = db_changes(db);
    return DB_OK;
}

/* ---- the web desk ------------------------------------------------------------------------ */

int groups_leads_page(struct db *db, const char *scope, const char *area, int64_t before_at,
                      int64_t before_id, struct tip *out, char **titles, int max, int *n)
{
    /* The partial index tips_leads_age holds the leads only, in (created_at, id) order. */
    static const char sql[] =
        "SELECT " TIPS_COLUMNS ", (SELECT c.title FROM chats c WHERE c.platform = t.platform "
        "AND c.chat_id = t.chat_id) FROM tips t INDEXED BY tips_leads_age "
        "WHERE kind = 'group_lead' AND (?1 IS NULL OR area = ?1 COLLATE NOCASE OR area IS NULL "
        "OR area = '') AND (?2 IS NULL OR area = ?2 COLLATE NOCASE) AND (?3 = 0 OR created_at < ?3 "
        "OR (created_at = ?3 AND id < ?4)) ORDER BY created_at DESC, id DESC LIMIT ?5";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "ttIIi", scope, area, before_at, before_id, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        titles[*n] = db_col_strdup(st, TIPS_NCOLUMNS);
        tips_read(st, &out[(*n)++]);
    }
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++) {
            tip_clear(&out[i]);
            free(titles[i]);
        }
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int groups_list(struct db *db, const char *area, int64_t since_ms, struct group_row *out, int max,
                int *n)
{
    /* chats_area holds the bound chats; each group's leads come from the leads' index (a
     * window of days), its warnings from scam_warnings_chat (migration 019). */
    static const char sql[] =
        "SELECT coalesce(c.title, ''), c.area, c.platform, (SELECT count(*) FROM tips t "
        "INDEXED BY tips_leads_age WHERE t.kind = 'group_lead' AND t.created_at >= ?2 "
        "AND t.platform = c.platform AND t.chat_id = c.chat_id), (SELECT count(*) FROM "
        "scam_warnings w WHERE w.platform = c.platform AND w.chat_id = c.chat_id AND w.at >= ?2) "
        "FROM chats c WHERE c.area IS NOT NULL AND c.kind = 'group' "
        "AND (?1 IS NULL OR c.area = ?1 COLLATE NOCASE) ORDER BY c.area, c.title, c.id LIMIT ?3";
    static const struct db_col cols[] = {
        DB_COL(0, DB_TEXT, struct group_row, title),
        DB_COL(1, DB_TEXT, struct group_row, area),
        DB_COL(2, DB_TEXT, struct group_row, platform),
        DB_COL(3, DB_INT64, struct group_row, leads),
        DB_COL(4, DB_INT64, struct group_row, warnings),
    };
    int rc = db_rows(db_query(db, sql, "tIi", area, since_ms, max), cols, DB_COLS(cols), out,
                     sizeof *out, max, n);
    if (rc != DB_OK)
        *n = 0;
    return rc;
}
