/*
 * tips_desk.c — what the police desk reads (tips.h, "what the desk reads"): its lists one page
 * at a time with the count of the whole list (a window function in the same SELECT, so a page
 * and its total cannot disagree), search by words and by normalised phones, plates and amounts
 * (table tip_keys, kept by the triggers of migration 007), the summary an officer gets on
 * enrolment, a tip's history, and the replies waiting for an officer's next message.
 *
 * Like tips.c, nothing here decides what a desk may see: the tipster's display name is read
 * only for handlers/desk_view.c to leave it out of a gist.
 */
#include "storage/tips.h"

#include "storage/tips_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A page past the end has no row to carry the count: count without the offset. The count (the
 * column after TIPS_COLUMNS) is capped: each statement counts at most TIPS_COUNT_MAX + 1 rows
 * (parameter count_param), read as "more than TIPS_COUNT_MAX". */
static int tips_desk_page(sqlite3_stmt *st, int offset_param, int offset, int count_param,
                          struct tip *out, int max, int *n, int64_t *total)
{
    sqlite3_bind_int(st, count_param, TIPS_COUNT_MAX + 1);
    sqlite3_bind_int(st, offset_param, offset);
    int rc = tips_collect_total(st, out, max, n, total);
    if (rc == DB_OK && *n == 0 && offset > 0) {
        sqlite3_bind_int(st, offset_param, 0);
        struct tip first;
        int one = 0;
        rc = tips_collect_total(st, &first, 1, &one, total);
        if (one)
            tip_clear(&first);
    }
    if (*total > TIPS_COUNT_MAX)
        *total = TIPS_COUNT_MAX + 1; /* a union of capped branches may count a little more */
    return rc;
}

/* The lists walk partial indexes of migration 009 in the order they show, so a page reads its
 * rows and the count at most TIPS_COUNT_MAX + 1 index entries, never every tip (287 ms for
 * /quahan at a million tips when the whole list was sorted and counted). The terms of each
 * index's WHERE are repeated word for word, and INDEXED BY makes a mismatch an error at
 * prepare rather than a silent scan (see storage/tips.c, tips_sla_candidates). */
#define TIPS_FRESH                                                                                 \
    "tips INDEXED BY tips_fresh WHERE acknowledged_at IS NULL AND status = 'new' "                 \
    "AND kind != 'group_lead'"
#define TIPS_FRESH_TIPS TIPS_FRESH " AND kind != 'feedback'"
#define TIPS_FEEDBACK   "tips INDEXED BY tips_feedback WHERE kind = 'feedback'"
#define TIPS_OVERDUE                                                                               \
    "tips INDEXED BY tips_overdue WHERE deadline_at IS NOT NULL AND " TIPS_OPEN                    \
    " AND deadline_at < ?1"

int tips_page(struct db *db, enum tips_listing which, int64_t now_ms, int offset, struct tip *out,
              int max, int *n, int64_t *total)
{
    static const char fresh[] =
        "SELECT " TIPS_COLUMNS ", (SELECT count(*) FROM (SELECT 1 FROM " TIPS_FRESH_TIPS
        " LIMIT ?4)) FROM " TIPS_FRESH_TIPS " AND ?1 = ?1 "
        "ORDER BY urgent DESC, created_at, id LIMIT ?2 OFFSET ?3";
    static const char overdue[] =
        "SELECT " TIPS_COLUMNS ", (SELECT count(*) FROM (SELECT 1 FROM " TIPS_OVERDUE
        " LIMIT ?4)) FROM " TIPS_OVERDUE " ORDER BY deadline_at, id LIMIT ?2 OFFSET ?3";
    /* feedback only, newest first, through its partial index (migration 014) */
    static const char feedback[] =
        "SELECT " TIPS_COLUMNS ", (SELECT count(*) FROM (SELECT 1 FROM " TIPS_FEEDBACK
        " LIMIT ?4)) FROM " TIPS_FEEDBACK " AND ?1 = ?1 "
        "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3";
    *n = 0;
    *total = 0;
    sqlite3_stmt *st = db_stmt(db, which == TIPS_LISTING_NEW       ? fresh
                                   : which == TIPS_LISTING_OVERDUE ? overdue
                                                                   : feedback);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, max);
    return tips_desk_page(st, 3, offset, 4, out, max, n, total);
}

int tips_key(const char *kind, const char *value, char out[TIPS_KEY_MAX])
{
    int at = snprintf(out, TIPS_KEY_MAX, "%s:", kind);
    if (at < 0 || at >= TIPS_KEY_MAX)
        return -1;
    int plate = strcmp(kind, "plate") == 0;
    for (const char *p = value; *p; p++) {
        /* the trigger keeps a plate's letters and digits only, upper case (59X1-234.56) */
        if (plate && (*p == '-' || *p == '.' || *p == ' '))
            continue;
        if (at + 1 >= TIPS_KEY_MAX)
            return -1;
        out[at++] = plate ? (char)toupper((unsigned char)*p) : *p;
    }
    out[at] = '\0';
    return 0;
}

/* The keys as a JSON array of strings, for json_each() (keys are letters, digits and ':'). */
static char *tips_keys_json(const char *const *keys, int nkeys)
{
    size_t cap = 3;
    for (int i = 0; i < nkeys; i++)
        cap += strlen(keys[i]) + 3;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t at = 0;
    out[at++] = '[';
    for (int i = 0; i < nkeys; i++) {
        for (const char *p = keys[i]; *p; p++)
            if (*p == '"' || *p == '\\')
                goto bad; /* never made by tips_key from extractor output */
        at += (size_t)snprintf(out + at, cap - at, "%s\"%s\"", i ? "," : "", keys[i]);
    }
    out[at++] = ']';
    out[at] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

int tips_search_page(struct db *db, const char *folded_query, const char *const *keys, int nkeys,
                     int offset, struct tip *out, int max, int *n, int64_t *total)
{
    /* The words and the keys are two ways to find a tip: a tip naming every key is found even
     * when the words typed around a number ("0912 345 678") are not its words. An empty FTS5
     * query is an error, hence three statements rather than one with an empty branch.
     *
     * Newest first is by id, the order FTS5 keeps its matches in: the full-text index hands
     * over the page (ORDER BY rowid DESC LIMIT ... OFFSET ...) and the tips of that page only
     * are read. Sorting every match by created_at, as before, read every matching tip: 190 ms
     * for a common word at a million tips, in the worker's write transaction. The union of
     * words and keys takes the first offset + max of each branch, which holds the first
     * offset + max of the union. The count reads at most TIPS_COUNT_MAX + 1 matches a branch
     * (?6). */
    /* Feedback is an opinion, not a tip: it is left out (the few ids of kind 'feedback', read
     * once from their partial index, migration 014). */
#define TIPS_NOT_FEEDBACK(col) col " NOT IN (SELECT id FROM " TIPS_FEEDBACK ") "
#define TIPS_BY_WORDS(limit)                                                                       \
    "SELECT id FROM (SELECT rowid AS id FROM tips_fts WHERE tips_fts MATCH ?1 "                    \
    "AND " TIPS_NOT_FEEDBACK("rowid") "ORDER BY rowid DESC LIMIT " limit ")"
#define TIPS_BY_KEYS(limit)                                                                        \
    "SELECT id FROM (SELECT tip_id AS id FROM tip_keys WHERE key IN (SELECT value FROM "           \
    "json_each(?2)) AND " TIPS_NOT_FEEDBACK("tip_id") "GROUP BY tip_id HAVING count(*) = ?3 "      \
                                                      "ORDER BY tip_id DESC LIMIT " limit ")"
#define TIPS_FOUND(page, all)                                                                      \
    "SELECT " TIPS_COLUMNS ", (SELECT count(*) FROM (" all ")) FROM tips WHERE id IN ("            \
    "SELECT id FROM (" page ") ORDER BY id DESC LIMIT ?4 OFFSET ?5) ORDER BY id DESC"
    static const char both[] =
        TIPS_FOUND(TIPS_BY_WORDS("?4 + ?5") " UNION " TIPS_BY_KEYS("?4 + ?5"),
                   TIPS_BY_WORDS("?6") " UNION " TIPS_BY_KEYS("?6"));
    static const char words[] =
        TIPS_FOUND(TIPS_BY_WORDS("?4 + ?5") " WHERE ?2 IS ?2 AND ?3 = ?3", TIPS_BY_WORDS("?6"));
    static const char by_keys[] =
        TIPS_FOUND(TIPS_BY_KEYS("?4 + ?5") " WHERE ?1 IS ?1", TIPS_BY_KEYS("?6"));
    *n = 0;
    *total = 0;
    char *q = tips_fts_query(folded_query ? folded_query : "");
    char *k = nkeys > 0 ? tips_keys_json(keys, nkeys) : NULL;
    int rc = DB_ERROR;
    if (!q || (nkeys > 0 && !k))
        goto out;
    rc = DB_OK;
    if (!*q && nkeys == 0)
        goto out;
    sqlite3_stmt *st = db_stmt(db, !*q ? by_keys : nkeys == 0 ? words : both);
    if (!st) {
        rc = DB_ERROR;
        goto out;
    }
    db_bind_text(st, 1, q);
    db_bind_text(st, 2, k);
    sqlite3_bind_int(st, 3, nkeys);
    sqlite3_bind_int(st, 4, max);
    rc = tips_desk_page(st, 5, offset, 6, out, max, n, total);
out:
    free(q);
    free(k);
    return rc;
#undef TIPS_FOUND
#undef TIPS_BY_WORDS
#undef TIPS_BY_KEYS
#undef TIPS_NOT_FEEDBACK
}

/* The statuses of an open tip, in the order a tip goes through them. */
static const char *const tips_open_statuses[] = {"new", "received", "verifying", "transferred"};

/* The summary and the pressing tips read the open tips only, through tips_open_area (migration
 * 009): an officer's enrolment costs what is open, not every tip ever filed. */
int tips_summarise(struct db *db, const char *area, int64_t now_ms, struct tips_summary *out)
{
    static const char sql[] =
        "SELECT status, count(*), sum(urgent), "
        "sum(deadline_at IS NOT NULL AND deadline_at < ?2), sum(area IS NULL) FROM tips "
        "INDEXED BY tips_open_area WHERE kind != 'group_lead' AND " TIPS_OPEN
        " AND (?1 IS NULL OR area = ?1 OR area IS NULL) "
        "GROUP BY status";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "tI", area, now_ms);
    int64_t counts[sizeof tips_open_statuses / sizeof tips_open_statuses[0]] = {0};
    int rc;
    while ((rc = db_step_row(st)) == DB_OK) {
        const char *status = (const char *)sqlite3_column_text(st, 0);
        int64_t all = sqlite3_column_int64(st, 1), no_area = sqlite3_column_int64(st, 4);
        /* tips without an area are counted apart, not in the area's figures */
        int64_t mine = area ? all - no_area : all;
        out->no_area += area ? no_area : 0;
        out->open += mine;
        for (size_t i = 0; status && i < sizeof counts / sizeof counts[0]; i++)
            if (strcmp(status, tips_open_statuses[i]) == 0)
                counts[i] += mine;
    }
    if (db_rows_end(st, rc) != DB_OK)
        return DB_ERROR;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (counts[i] > 0) {
            snprintf(out->by_status[out->n_status].status, sizeof out->by_status[0].status, "%s",
                     tips_open_statuses[i]);
            out->by_status[out->n_status++].n = counts[i];
        }
    /* urgent and overdue of the area itself */
    static const char pressing[] =
        "SELECT coalesce(sum(urgent), 0), "
        "coalesce(sum(deadline_at IS NOT NULL AND deadline_at < ?2), 0) FROM tips "
        "INDEXED BY tips_open_area WHERE kind != 'group_lead' AND " TIPS_OPEN
        " AND (?1 IS NULL OR area = ?1)";
    st = db_stmt(db, pressing);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, area);
    sqlite3_bind_int64(st, 2, now_ms);
    rc = db_step_row(st);
    if (rc == DB_OK) {
        out->urgent = sqlite3_column_int64(st, 0);
        out->overdue = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == DB_OK ? DB_OK : DB_ERROR; /* an aggregate always has its row */
}

int tips_list_pressing(struct db *db, const char *area, int64_t now_ms, struct tip *out, int max,
                       int *n)
{
    static const char sql[] =
        "SELECT " TIPS_COLUMNS " FROM tips INDEXED BY tips_open_area WHERE kind != 'group_lead' "
        "AND " TIPS_OPEN
        " AND (?1 IS NULL OR area = ?1) AND (urgent OR (deadline_at IS NOT NULL AND "
        "deadline_at < ?2)) ORDER BY urgent DESC, created_at, id LIMIT ?3";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "tIi", area, now_ms, max);
    return tips_collect(st, out, max, n);
}

void tip_event_clear(struct tip_event *e)
{
    free(e->action);
    free(e->detail);
    free(e->who);
    memset(e, 0, sizeof *e);
}

int tips_events(struct db *db, const struct tip *t, struct tip_event *out, int max, int *n,
                int64_t *total)
{
    /* The audit log holds every desk action; the tipster's words are in tip_messages. An "add"
     * with words is shown by its message; one without (photos alone) by itself. Views are not
     * events of the tip, nor is the card's showing a contact to the desk. The newest max are
     * read, then turned oldest first. */
    static const char sql[] =
        "SELECT at, action, detail, who, count(*) OVER () FROM ("
        " SELECT a.at AS at, a.id AS seq, 0 AS src, a.action AS action, a.detail AS detail,"
        "  CASE WHEN a.actor IS NOT NULL AND a.actor IS NOT ?2 AND p.role != 'resident'"
        "   AND a.action NOT IN ('file', 'add') THEN p.display_name END AS who"
        " FROM audit_log a LEFT JOIN people p ON p.id = a.actor"
        " WHERE a.tip_id = ?1 AND a.action NOT IN ('view', 'view_contact', 'contact_to_desk')"
        "  AND NOT (a.action = 'add' AND EXISTS (SELECT 1 FROM tip_messages m"
        "   WHERE m.tip_id = a.tip_id AND m.direction = 'from_tipster' AND m.created_at = a.at))"
        " UNION ALL"
        " SELECT m.created_at, m.id, 1, 'from_tipster', m.text, NULL FROM tip_messages m"
        " WHERE m.tip_id = ?1 AND m.direction = 'from_tipster'"
        ") ORDER BY at DESC, src DESC, seq DESC LIMIT ?3";
    *n = 0;
    *total = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, t->id);
    if (t->person_id)
        sqlite3_bind_int64(st, 2, t->person_id);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int(st, 3, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        struct tip_event *e = &out[(*n)++];
        e->at = sqlite3_column_int64(st, 0);
        e->action = db_col_strdup(st, 1);
        e->detail = db_col_strdup(st, 2);
        e->who = db_col_strdup(st, 3);
        *total = sqlite3_column_int64(st, 4);
    }
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++)
            tip_event_clear(&out[i]);
        *n = 0;
        return DB_ERROR;
    }
    for (int i = 0; i < *n / 2; i++) {
        struct tip_event tmp = out[i];
        out[i] = out[*n - 1 - i];
        out[*n - 1 - i] = tmp;
    }
    return DB_OK;
}

int tips_tipster_name(struct db *db, const struct tip *t, char *out, size_t size)
{
    static const char sql[] = "SELECT display_name FROM people WHERE id = ?";
    out[0] = '\0';
    if (!t->person_id)
        return DB_OK;
    sqlite3_stmt *st = db_query(db, sql, "I", t->person_id);
    int rc = db_step_row(st);
    if (rc == DB_OK && sqlite3_column_text(st, 0))
        db_col_text(st, 0, out, size);
    return db_rows_end(st, rc);
}

int tips_set_entities(struct db *db, int64_t id, const char *entities, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET entities = ?, updated_at = ? WHERE id = ?";
    return db_run(db, sql, "tII", entities, now_ms, id);
}

/* ---- replies waiting for the officer's next message ------------------------------------- */

int tips_reply_wait_put(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                        int64_t tip_id, int64_t now_ms)
{
    static const char sql[] = "INSERT OR REPLACE INTO desk_replies (platform, chat_id, person_id, "
                              "tip_id, created_at) VALUES (?, ?, ?, ?, ?)";
    return db_run(db, sql, "ttIII", platform, chat_id, person_id, tip_id, now_ms);
}

int tips_reply_wait_take(struct db *db, const char *platform, const char *chat_id,
                         int64_t person_id, int64_t since_ms, int64_t *tip_id)
{
    static const char sql[] = "DELETE FROM desk_replies WHERE platform = ? AND chat_id = ? AND "
                              "person_id = ? RETURNING tip_id, created_at";
    *tip_id = 0;
    sqlite3_stmt *st = db_query(db, sql, "ttI", platform, chat_id, person_id);
    int rc = db_step_row(st), found = 0;
    if (rc == DB_OK) {
        found = sqlite3_column_int64(st, 1) >= since_ms;
        *tip_id = found ? sqlite3_column_int64(st, 0) : 0;
        rc = db_step_row(st); /* the DELETE is done when the statement runs out */
    }
    if (db_rows_end(st, rc) != DB_OK) {
        *tip_id = 0;
        return DB_ERROR;
    }
    return found ? DB_OK : DB_NOT_FOUND;
}

int tips_reply_wait_drop(struct db *db, const char *platform, const char *chat_id,
                         int64_t person_id)
{
    static const char sql[] =
        "DELETE FROM desk_replies WHERE platform = ? AND chat_id = ? AND person_id = ?";
    return db_run(db, sql, "ttI", platform, chat_id, person_id);
}
