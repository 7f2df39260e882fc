/*
 * groups.c — see groups.h.
 */
#include "storage/groups.h"

#include "base/log.h"

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
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        out->title = db_col_strdup(st, 0);
        out->area = db_col_strdup(st, 1);
        out->reachable = sqlite3_column_int(st, 2) != 0;
        out->hinted_at = sqlite3_column_int64(st, 3);
        out->last_unsolicited_at = sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    return rc;
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
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        platforms[*n] = db_col_strdup(st, 0);
        chat_ids[*n] = db_col_strdup(st, 1);
        (*n)++;
    }
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++) {
            free(platforms[i]);
            free(chat_ids[i]);
        }
        *n = 0;
        return DB_ERROR;
    }
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
    int rc = db_step_row(st);
    if (rc == DB_OK)
        scam_read(st, out);
    sqlite3_reset(st);
    return rc;
}

/* ---- flagged accounts, matched in memory ------------------------------------------------ */

/* Every group message with six digits or more is searched for flagged accounts. Copying the
 * flagged accounts out of the database for each such message (a 435 KB buffer of whole items,
 * and only the first 512 of them) cost more than the rest of its handling, so the account
 * numbers are kept per connection in a hash set and reloaded only when scam_items changed.
 * Items are never deleted and an upsert keeps an item's value, so max(id) moves exactly when
 * an account may have been added (by this process or another: `tipgate scamlist import`). */

enum {
    SCAM_ACCOUNT_MIN = 6,
    SCAM_ACCOUNT_MAX = 20,
    SCAM_CACHED_MAX = 100000, /* more flagged accounts than this are matched in SQL */
};

struct scam_cache {
    int64_t generation; /* max(id) of scam_items when loaded */
    bool too_many;      /* over SCAM_CACHED_MAX: match in SQL */
    size_t n, slots;    /* accounts; hash slots (a power of two, at least 2n) */
    uint32_t lengths;   /* bit l: some account has l digits */
    char (*values)[SCAM_ACCOUNT_MAX + 1];
    uint32_t *table; /* 0: empty, else index + 1 into values */
};

static const char scam_cache_key; /* the connection's slot (storage/db.h db_state) */

static void scam_cache_free(void *p)
{
    struct scam_cache *c = p;
    if (c) {
        free(c->values);
        free(c->table);
        free(c);
    }
}

static uint32_t scam_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The index + 1 of the account s[0..len) in c, or 0. */
static uint32_t scam_cache_find(const struct scam_cache *c, const char *s, size_t len)
{
    for (size_t at = scam_hash(s, len) & (c->slots - 1);; at = (at + 1) & (c->slots - 1)) {
        uint32_t i = c->table[at];
        if (!i || (strncmp(c->values[i - 1], s, len) == 0 && c->values[i - 1][len] == '\0'))
            return i;
    }
}

static int scam_cache_add(struct scam_cache *c, const char *value)
{
    size_t len = strlen(value);
    if (len < SCAM_ACCOUNT_MIN || len > SCAM_ACCOUNT_MAX || scam_cache_find(c, value, len))
        return 0; /* not an account number as flagging makes them, or twice */
    memcpy(c->values[c->n], value, len + 1);
    size_t at = scam_hash(value, len) & (c->slots - 1);
    while (c->table[at])
        at = (at + 1) & (c->slots - 1);
    c->table[at] = (uint32_t)++c->n;
    c->lengths |= 1u << len;
    return 0;
}

/* Reads every flagged account into a new cache of generation gen. */
static int scam_cache_load(struct db *db, int64_t gen, struct scam_cache **out)
{
    static const char count_sql[] = "SELECT count(*) FROM scam_items WHERE kind = 'account'";
    static const char sql[] = "SELECT value FROM scam_items WHERE kind = 'account'";
    int64_t count = 0;
    *out = NULL;
    if (db_query_int(db, count_sql, &count) != DB_OK)
        return DB_ERROR;
    struct scam_cache *c = calloc(1, sizeof *c);
    if (!c)
        return DB_ERROR;
    c->generation = gen;
    c->too_many = count > SCAM_CACHED_MAX;
    if (c->too_many) {
        log_warn("scam",
                 "%lld flagged accounts: over %d, each message is searched in the "
                 "database (slower)",
                 (long long)count, SCAM_CACHED_MAX);
        *out = c;
        return DB_OK;
    }
    for (c->slots = 16; c->slots < 2 * (size_t)count + 2;)
        c->slots *= 2;
    c->values = calloc((size_t)count + 1, sizeof *c->values);
    c->table = calloc(c->slots, sizeof *c->table);
    sqlite3_stmt *st = db_stmt(db, sql);
    int rc = c->values && c->table ? DB_NOT_FOUND : DB_ERROR;
    while (rc != DB_ERROR && c->n < (size_t)count && (rc = db_step_row(st)) == DB_OK)
        scam_cache_add(c, (const char *)sqlite3_column_text(st, 0));
    if (db_rows_end(st, rc) != DB_OK) {
        scam_cache_free(c);
        return DB_ERROR;
    }
    *out = c;
    return DB_OK;
}

/* The connection's cache, reloaded when scam_items changed since it was loaded. */
static int scam_cache_current(struct db *db, struct scam_cache **out)
{
    static const char sql[] = "SELECT coalesce(max(id), 0) FROM scam_items";
    struct scam_cache *c = db_state(db, &scam_cache_key);
    int64_t gen = 0;
    if (db_query_int(db, sql, &gen) != DB_OK)
        return DB_ERROR;
    if (!c || c->generation != gen) {
        if (scam_cache_load(db, gen, &c) != DB_OK)
            return DB_ERROR;
        if (db_state_set(db, &scam_cache_key, c, scam_cache_free) != DB_OK) {
            scam_cache_free(c);
            return DB_ERROR;
        }
    }
    *out = c;
    return DB_OK;
}

/* Over SCAM_CACHED_MAX accounts: SQLite compares each with the digits. */
static int scam_match_sql(struct db *db, const char *digits, struct scam_item *out, int max, int *n)
{
    static const char sql[] = "SELECT id, kind, value, bank, reason FROM scam_items "
                              "WHERE kind = 'account' AND instr(?1, value) > 0 ORDER BY id "
                              "LIMIT ?2";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, digits);
    sqlite3_bind_int(st, 2, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        scam_read(st, &out[(*n)++]);
    if (db_rows_end(st, rc) != DB_OK) {
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

/* Adds the item of account value to out unless it is there already. */
static int scam_match_add(struct db *db, const char *value, struct scam_item *out, int *n)
{
    for (int k = 0; k < *n; k++)
        if (strcmp(out[k].value, value) == 0)
            return DB_OK;
    int rc = scam_find(db, "account", value, &out[*n]);
    *n += rc == DB_OK;
    return rc == DB_ERROR ? DB_ERROR : DB_OK;
}

int scam_match_accounts(struct db *db, const char *digits, struct scam_item *out, int max, int *n)
{
    struct scam_cache *c = NULL;
    size_t len = strlen(digits);
    *n = 0;
    if (scam_cache_current(db, &c) != DB_OK)
        return DB_ERROR;
    if (c->too_many)
        return scam_match_sql(db, digits, out, max, n);
    int rc = DB_OK;
    for (size_t i = 0; i + SCAM_ACCOUNT_MIN <= len && *n < max && rc == DB_OK; i++)
        for (size_t l = SCAM_ACCOUNT_MIN; l <= SCAM_ACCOUNT_MAX && i + l <= len; l++) {
            uint32_t hit = c->lengths & (1u << l) ? scam_cache_find(c, digits + i, l) : 0;
            if (hit && *n < max && rc == DB_OK)
                rc = scam_match_add(db, c->values[hit - 1], out, n);
        }
    if (rc != DB_OK)
        *n = 0;
    return rc;
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
    int rc = db_step_row(st);
    if (rc == DB_OK)
        *sources = sqlite3_column_int(st, 0);
    return db_rows_end(st, rc);
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

int scam_oldest_sighting(struct db *db, int64_t *seen_at)
{
    /* min() of an indexed column is one step down sightings_age. */
    static const char sql[] = "SELECT min(seen_at) FROM sightings";
    *seen_at = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    int rc = db_step_row(st);
    if (rc == DB_OK && sqlite3_column_type(st, 0) == SQLITE_NULL)
        rc = DB_NOT_FOUND;
    else if (rc == DB_OK)
        *seen_at = sqlite3_column_int64(st, 0);
    if (db_rows_end(st, rc) != DB_OK)
        return DB_ERROR;
    return rc;
}

int scam_prune(struct db *db, int64_t before_ms, int max)
{
    static const char sql[] = "DELETE FROM sightings WHERE rowid IN (SELECT rowid FROM sightings "
                              "WHERE seen_at < ? ORDER BY seen_at LIMIT ?)";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, before_ms);
    sqlite3_bind_int(st, 2, max);
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
        "WHERE reminded_hour = 0 AND at > ?1 - 3600000 AND at <= ?1 + 86400000 AND "
        "((reminded_day = 0 AND ?1 >= at - 86400000) OR ?1 >= at - 3600000) "
        "ORDER BY at LIMIT ?2";
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        struct meeting *m = &out[(*n)++];
        m->id = sqlite3_column_int64(st, 0);
        m->platform = db_col_strdup(st, 1);
        m->chat_id = db_col_strdup(st, 2);
        m->text = db_col_strdup(st, 3);
        m->at = sqlite3_column_int64(st, 4);
        m->reminded_day = sqlite3_column_int(st, 5) != 0;
        m->reminded_hour = sqlite3_column_int(st, 6) != 0;
    }
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++)
            meeting_clear(&out[i]);
        *n = 0;
        return DB_ERROR;
    }
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
    int rc = db_step_row(st);
    if (rc == DB_OK)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == DB_ERROR ? -1 : n;
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
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, before_ms);
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
        "DELETE FROM outbox WHERE tip_id IN (" GROUPS_LEADS_DUE ") AND status IN ('sent', "
        "'failed') AND id < (SELECT max(id) FROM outbox)", /* outbox_prune says why */
        "UPDATE outbox SET tip_id = NULL WHERE tip_id IN (" GROUPS_LEADS_DUE ")",
        "DELETE FROM tips WHERE id IN (" GROUPS_LEADS_DUE ")",
    };
    *deleted = 0;
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        sqlite3_stmt *st = db_stmt(db, sqls[i]);
        if (!st)
            return DB_ERROR;
        sqlite3_bind_int64(st, 1, before_ms);
        sqlite3_bind_int(st, 2, max);
        if (db_step_done(db, st) != DB_OK)
            return DB_ERROR;
    }
    *deleted = sqlite3_changes(db_handle(db));
    return DB_OK;
}
