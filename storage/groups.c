/*
 * groups.c — see groups.h.
 */
#include "storage/groups.h"

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
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, chat_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->title = db_col_strdup(st, 0);
        out->area = db_col_strdup(st, 1);
        out->reachable = sqlite3_column_int(st, 2) != 0;
        out->hinted_at = sqlite3_column_int64(st, 3);
        out->last_unsolicited_at = sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return DB_NOT_FOUND;
    return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

static int groups_update(struct db *db, const char *sql, const char *text, int64_t t,
                         const char *platform, const char *chat_id)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, text);
    sqlite3_bind_int64(st, 2, t);
    db_bind_text(st, 3, platform);
    db_bind_text(st, 4, chat_id);
    int rc = db_step_done(db, st);
    if (rc == DB_OK && sqlite3_changes(db_handle(db)) == 0)
        return DB_NOT_FOUND;
    return rc;
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
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, area);
    sqlite3_bind_int(st, 2, max);
    while (*n < max && sqlite3_step(st) == SQLITE_ROW) {
        platforms[*n] = db_col_strdup(st, 0);
        chat_ids[*n] = db_col_strdup(st, 1);
        (*n)++;
    }
    sqlite3_reset(st);
    return DB_OK;
}

int scam_flag(struct db *db, const char *kind, const char *value, const char *bank,
              const char *reason, int64_t by, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO scam_items (kind, value, bank, reason, flagged_by, created_at) "
        "VALUES (?, ?, ?, ?, NULLIF(?, 0), ?) ON CONFLICT (kind, value) DO UPDATE SET "
        "reason = excluded.reason, bank = coalesce(excluded.bank, bank)";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, value);
    db_bind_text(st, 3, bank);
    db_bind_text(st, 4, reason);
    sqlite3_bind_int64(st, 5, by);
    sqlite3_bind_int64(st, 6, now_ms);
    return db_step_done(db, st);
}

static void scam_read(sqlite3_stmt *st, struct scam_item *out)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    snprintf(out->kind, sizeof out->kind, "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(out->value, sizeof out->value, "%s", (const char *)sqlite3_column_text(st, 2));
    const char *bank = (const char *)sqlite3_column_text(st, 3);
    snprintf(out->bank, sizeof out->bank, "%s", bank ? bank : "");
    snprintf(out->reason, sizeof out->reason, "%s", (const char *)sqlite3_column_text(st, 4));
}

int scam_find(struct db *db, const char *kind, const char *value, struct scam_item *out)
{
    static const char sql[] = "SELECT id, kind, value, bank, reason FROM scam_items "
                              "WHERE kind = ? AND value = ?";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, value);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        scam_read(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return DB_NOT_FOUND;
    return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int scam_accounts(struct db *db, struct scam_item *out, int max, int *n)
{
    static const char sql[] = "SELECT id, kind, value, bank, reason FROM scam_items "
                              "WHERE kind = 'account' ORDER BY id LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int(st, 1, max);
    while (*n < max && sqlite3_step(st) == SQLITE_ROW)
        scam_read(st, &out[(*n)++]);
    sqlite3_reset(st);
    return DB_OK;
}

int scam_warn_once(struct db *db, int64_t item_id, const char *platform, const char *chat_id,
                   const char *day, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO scam_warnings (item_id, platform, chat_id, day, at) "
                              "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    db_bind_text(st, 2, platform);
    db_bind_text(st, 3, chat_id);
    db_bind_text(st, 4, day);
    sqlite3_bind_int64(st, 5, now_ms);
    int rc = db_step_done(db, st);
    if (rc == DB_OK && sqlite3_changes(db_handle(db)) == 0)
        return DB_DUPLICATE;
    return rc;
}

int scam_forget_warning(struct db *db, int64_t item_id, const char *platform, const char *chat_id,
                        const char *day)
{
    static const char sql[] = "DELETE FROM scam_warnings WHERE item_id = ? AND platform = ? "
                              "AND chat_id = ? AND day = ?";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    db_bind_text(st, 2, platform);
    db_bind_text(st, 3, chat_id);
    db_bind_text(st, 4, day);
    return db_step_done(db, st);
}

int scam_sighting(struct db *db, const char *kind, const char *value, const char *source,
                  int64_t now_ms, int64_t since_ms, int *sources)
{
    static const char add[] =
        "INSERT INTO sightings (kind, value, source, seen_at) VALUES (?, ?, ?, ?)";
    static const char count[] = "SELECT count(DISTINCT source) FROM sightings "
                                "WHERE kind = ? AND value = ? AND seen_at >= ?";
    *sources = 0;
    sqlite3_stmt *st = db_stmt(db, add);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, value);
    db_bind_text(st, 3, source);
    sqlite3_bind_int64(st, 4, now_ms);
    if (db_step_done(db, st) != DB_OK || !(st = db_stmt(db, count)))
        return DB_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, value);
    sqlite3_bind_int64(st, 3, since_ms);
    if (sqlite3_step(st) == SQLITE_ROW)
        *sources = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return DB_OK;
}

int scam_suspect_once(struct db *db, const char *kind, const char *value, const char *day,
                      int64_t now_ms)
{
    static const char sql[] = "INSERT INTO scam_suspects (kind, value, day, reported_at) "
                              "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, value);
    db_bind_text(st, 3, day);
    sqlite3_bind_int64(st, 4, now_ms);
    int rc = db_step_done(db, st);
    if (rc == DB_OK && sqlite3_changes(db_handle(db)) == 0)
        return DB_DUPLICATE;
    return rc;
}

int scam_prune(struct db *db, int64_t before_ms)
{
    static const char sql[] = "DELETE FROM sightings WHERE seen_at < ?";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, before_ms);
    return db_step_done(db, st);
}

void meeting_clear(struct meeting *m)
{
    free(m->platform);
    free(m->chat_id);
    free(m->text);
    memset(m, 0, sizeof *m);
}

int meetings_add(struct db *db, const char *platform, const char *chat_id, int64_t at,
                 const char *text, int64_t by, int64_t now_ms)
{
    /* Set less than a day ahead, a "tomorrow" reminder would be wrong: only the hour one. */
    static const char sql[] = "INSERT INTO meetings (platform, chat_id, at, text, created_by, "
                              "created_at, reminded_day) VALUES (?1, ?2, ?3, ?4, NULLIF(?5, 0), "
                              "?6, ?3 - ?6 < 86400000)";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, chat_id);
    sqlite3_bind_int64(st, 3, at);
    db_bind_text(st, 4, text);
    sqlite3_bind_int64(st, 5, by);
    sqlite3_bind_int64(st, 6, now_ms);
    return db_step_done(db, st);
}

int meetings_due(struct db *db, int64_t now_ms, struct meeting *out, int max, int *n)
{
    /* Due: the day-before reminder once now >= at - 24 h, the hour-before once now >= at - 1 h.
     * Meetings more than an hour past are left alone (a reminder after the fact helps no one). */
    static const char sql[] =
        "SELECT id, platform, chat_id, text, at, reminded_day, reminded_hour FROM meetings "
        "WHERE reminded_hour = 0 AND at > ?1 - 3600000 AND "
        "((reminded_day = 0 AND ?1 >= at - 86400000) OR ?1 >= at - 3600000) "
        "ORDER BY at LIMIT ?2";
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, max);
    while (*n < max && sqlite3_step(st) == SQLITE_ROW) {
        struct meeting *m = &out[(*n)++];
        m->id = sqlite3_column_int64(st, 0);
        m->platform = db_col_strdup(st, 1);
        m->chat_id = db_col_strdup(st, 2);
        m->text = db_col_strdup(st, 3);
        m->at = sqlite3_column_int64(st, 4);
        m->reminded_day = sqlite3_column_int(st, 5) != 0;
        m->reminded_hour = sqlite3_column_int(st, 6) != 0;
    }
    sqlite3_reset(st);
    return DB_OK;
}

int meetings_mark(struct db *db, int64_t id, bool day, bool hour)
{
    static const char sql[] = "UPDATE meetings SET reminded_day = reminded_day OR ?, "
                              "reminded_hour = reminded_hour OR ? WHERE id = ?";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int(st, 1, day);
    sqlite3_bind_int(st, 2, hour);
    sqlite3_bind_int64(st, 3, id);
    return db_step_done(db, st);
}

static int64_t groups_count(struct db *db, const char *sql, const char *area, int64_t since)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    int64_t n = -1;
    if (!st)
        return -1;
    db_bind_text(st, 1, area);
    sqlite3_bind_int64(st, 2, since);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
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

int groups_prune_leads(struct db *db, int64_t before_ms, int64_t *deleted)
{
    static const char *const sqls[] = {
        "DELETE FROM tip_attachments WHERE tip_id IN (SELECT id FROM tips WHERE kind = "
        "'group_lead' AND created_at < ?1)",
        "DELETE FROM tip_messages WHERE tip_id IN (SELECT id FROM tips WHERE kind = "
        "'group_lead' AND created_at < ?1)",
        "DELETE FROM tip_reminders WHERE tip_id IN (SELECT id FROM tips WHERE kind = "
        "'group_lead' AND created_at < ?1)",
        "UPDATE audit_log SET tip_id = NULL WHERE tip_id IN (SELECT id FROM tips WHERE kind = "
        "'group_lead' AND created_at < ?1)",
        "UPDATE tips SET duplicate_of = NULL WHERE duplicate_of IN (SELECT id FROM tips WHERE "
        "kind = 'group_lead' AND created_at < ?1)",
        /* the desk's messages about the leads, and the kept text of group messages */
        "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < ?1 AND EXISTS "
        "(SELECT 1 FROM tips t WHERE t.kind = 'group_lead' AND t.created_at < ?1 AND "
        "instr(outbox.text, substr(t.code, 1, 4) || '-' || substr(t.code, 5)) > 0)",
        "UPDATE inbox SET message = json_remove(message, '$.text', '$.attachments', "
        "'$.sender_name') WHERE received_at < ?1 AND json_extract(message, '$.is_group') "
        "AND json_extract(message, '$.text') IS NOT NULL",
        "DELETE FROM tips WHERE kind = 'group_lead' AND created_at < ?1",
    };
    *deleted = 0;
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        sqlite3_stmt *st = db_stmt(db, sqls[i]);
        if (!st)
            return DB_ERROR;
        sqlite3_bind_int64(st, 1, before_ms);
        if (db_step_done(db, st) != DB_OK)
            return DB_ERROR;
    }
    *deleted = sqlite3_changes(db_handle(db));
    return DB_OK;
}
