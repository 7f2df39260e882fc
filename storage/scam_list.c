/*
 * scam_list.c — see scam_list.h.
 */
#include "storage/scam_list.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int scam_flag(struct db *db, const char *kind, const char *value, const char *bank,
              const char *reason, int64_t by, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO scam_items (kind, value, bank, reason, flagged_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, value) DO UPDATE SET "
        "reason = excluded.reason, bank = coalesce(excluded.bank, bank), "
        "flagged_by = CASE WHEN removed_at IS NULL THEN flagged_by ELSE excluded.flagged_by END, "
        "created_at = CASE WHEN removed_at IS NULL THEN created_at ELSE excluded.created_at END, "
        "removed_at = NULL, removed_by = NULL";
    return db_run(db, sql, "ttttzI", kind, value, bank, reason, by, now_ms);
}

/* id, kind, value, bank, reason */
static const struct db_col scam_cols[] = {
    DB_COL(0, DB_INT64, struct scam_item, id),    DB_COL(1, DB_TEXT, struct scam_item, kind),
    DB_COL(2, DB_TEXT, struct scam_item, value),  DB_COL(3, DB_TEXT, struct scam_item, bank),
    DB_COL(4, DB_TEXT, struct scam_item, reason),
};

int scam_find(struct db *db, const char *kind, const char *value, struct scam_item *out)
{
    static const char sql[] = "SELECT id, kind, value, bank, reason FROM scam_items "
                              "WHERE kind = ? AND value = ? AND removed_at IS NULL";
    memset(out, 0, sizeof *out);
    return db_row(db_query(db, sql, "tt", kind, value), scam_cols, DB_COLS(scam_cols), out);
}

/* ---- flagged accounts, matched in memory ------------------------------------------------ */

/* Every group message with six digits or more is searched for flagged accounts. Copying the
 * flagged accounts out of the database for each such message (a 435 KB buffer of whole items,
 * and only the first 512 of them) cost more than the rest of its handling, so the account
 * numbers are kept per connection in a hash set and reloaded only when scam_items changed.
 * Items are never deleted (a removed one is only marked, migration 019) and an upsert keeps an
 * item's id and value, so max(id) moves exactly when an account may have been added (by this
 * process or another: `tipgate scamlist import`). The set holds removed accounts too, so one
 * flagged again is there at once; each hit is checked by scam_find, which leaves them out. */

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
                              "WHERE kind = 'account' AND instr(?1, value) > 0 "
                              "AND removed_at IS NULL ORDER BY id "
                              "LIMIT ?2";
    int rc = db_rows(db_query(db, sql, "ti", digits, max), scam_cols, DB_COLS(scam_cols), out,
                     sizeof *out, max, n);
    if (rc != DB_OK)
        *n = 0;
    return rc;
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
    return db_changed(db, db_run(db, sql, "ItttI", item_id, platform, chat_id, day, now_ms),
                      DB_DUPLICATE);
}

int scam_forget_warning(struct db *db, int64_t item_id, const char *platform, const char *chat_id,
                        const char *day)
{
    static const char sql[] = "DELETE FROM scam_warnings WHERE item_id = ? AND platform = ? "
                              "AND chat_id = ? AND day = ?";
    return db_run(db, sql, "Ittt", item_id, platform, chat_id, day);
}

int scam_sighting(struct db *db, const char *kind, const char *value, const char *source,
                  int64_t now_ms, int64_t since_ms, int *sources)
{
    static const char add[] =
        "INSERT INTO sightings (kind, value, source, seen_at) VALUES (?, ?, ?, ?)";
    static const char count[] = "SELECT count(DISTINCT source) FROM sightings "
                                "WHERE kind = ? AND value = ? AND seen_at >= ?";
    int64_t distinct = 0;
    *sources = 0;
    if (db_run(db, add, "tttI", kind, value, source, now_ms) != DB_OK ||
        db_get_int(db, &distinct, count, "ttI", kind, value, since_ms) != DB_OK)
        return DB_ERROR;
    *sources = (int)distinct;
    return DB_OK;
}

int scam_suspect_once(struct db *db, const char *kind, const char *value, const char *day,
                      int64_t now_ms)
{
    static const char sql[] = "INSERT INTO scam_suspects (kind, value, day, reported_at) "
                              "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
    return db_changed(db, db_run(db, sql, "tttI", kind, value, day, now_ms), DB_DUPLICATE);
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
    return db_run(db, sql, "Ii", before_ms, max);
}

/* ---- the web desk's lists ---------------------------------------------------------------- */

int scam_list_page(struct db *db, const char *kind, const char *part, const char *reason_part,
                   int64_t before_id, struct scam_entry *out, int max, int *n)
{
    /* Newest first down the rowid: a page reads its rows (a search reads what it must). */
    static const char sql[] =
        "SELECT id, kind, value, bank, reason, created_at, (SELECT count(*) FROM sightings s "
        "WHERE s.kind = i.kind AND s.value = i.value) FROM scam_items i WHERE removed_at IS NULL "
        "AND id < ?1 AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR instr(value, ?3) > 0 "
        "OR (?4 IS NOT NULL AND reason LIKE '%' || ?4 || '%' ESCAPE '\\')) "
        "ORDER BY id DESC LIMIT ?5";
    static const struct db_col cols[] = {
        DB_COL(0, DB_INT64, struct scam_entry, item.id),
        DB_COL(1, DB_TEXT, struct scam_entry, item.kind),
        DB_COL(2, DB_TEXT, struct scam_entry, item.value),
        DB_COL(3, DB_TEXT, struct scam_entry, item.bank),
        DB_COL(4, DB_TEXT, struct scam_entry, item.reason),
        DB_COL(5, DB_INT64, struct scam_entry, created_at),
        DB_COL(6, DB_INT64, struct scam_entry, sightings),
    };
    int64_t before = before_id > 0 ? before_id : INT64_MAX;
    int rc = db_rows(db_query(db, sql, "Ittti", before, kind, part, reason_part, max), cols,
                     DB_COLS(cols), out, sizeof *out, max, n);
    if (rc != DB_OK)
        *n = 0;
    return rc;
}

int scam_remove(struct db *db, int64_t id, int64_t by, int64_t now_ms, struct scam_item *out)
{
    static const char find[] = "SELECT id, kind, value, bank, reason FROM scam_items "
                               "WHERE id = ? AND removed_at IS NULL";
    static const char sql[] = "UPDATE scam_items SET removed_at = ?, removed_by = ? "
                              "WHERE id = ? AND removed_at IS NULL";
    memset(out, 0, sizeof *out);
    int rc = db_row(db_query(db, find, "I", id), scam_cols, DB_COLS(scam_cols), out);
    if (rc != DB_OK)
        return rc;
    return db_changed(db, db_run(db, sql, "IzI", now_ms, by, id), DB_NOT_FOUND);
}

int scam_sightings_page(struct db *db, const char *after_kind, const char *after_value,
                        struct scam_seen *out, int max, int *n)
{
    /* Down sightings_item from the cursor, one item after another. */
    static const char sql[] =
        "SELECT kind, value, count(DISTINCT CASE WHEN source LIKE 'group:%' THEN source END), "
        "count(*), min(seen_at), max(seen_at), EXISTS (SELECT 1 FROM scam_items i "
        "WHERE i.kind = s.kind AND i.value = s.value AND i.removed_at IS NULL) "
        "FROM sightings s WHERE (kind, value) > (?1, ?2) GROUP BY kind, value "
        "ORDER BY kind, value LIMIT ?3";
    static const struct db_col cols[] = {
        DB_COL(0, DB_TEXT, struct scam_seen, kind),
        DB_COL(1, DB_TEXT, struct scam_seen, value),
        DB_COL(2, DB_INT64, struct scam_seen, groups),
        DB_COL(3, DB_INT64, struct scam_seen, count),
        DB_COL(4, DB_INT64, struct scam_seen, first_at),
        DB_COL(5, DB_INT64, struct scam_seen, last_at),
        DB_COL(6, DB_BOOL, struct scam_seen, flagged),
    };
    int rc = db_rows(db_query(db, sql, "tti", after_kind, after_value, max), cols, DB_COLS(cols),
                     out, sizeof *out, max, n);
    if (rc != DB_OK)
        *n = 0;
    return rc;
}
