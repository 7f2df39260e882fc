/*
 * tips_queue.c — the web desk's queue and summary (tips_queue.h).
 *
 * Every filter is one term of a shared WHERE (TIPS_Q_COMMON), left out by binding NULL or 0, so
 * one set of parameters serves every statement: ?1 scope, ?2 statuses (a JSON array), ?3
 * category, ?4 area, ?5 urgent, ?6 now, ?7 overdue, ?8 unacknowledged, ?9 assigned person, ?10
 * from, ?11 to, ?12 and ?13 the cursor (urgent, id), ?14 the page size (one more than shown, to
 * know whether a next page exists), ?15 the search's FTS5 query, ?16 its keys (a JSON array),
 * ?17 how many keys.
 *
 * What differs between the statements is where the rows come from: the driver is the index of
 * the most selective filter asked for (tips_queue_driver), walked in the page's order where it
 * can be (the table by id, tips_queue_urgent by (urgent, id), the assigned person's index, a
 * category's, the tips filed in a window of days by the ids the window spans), or holding a
 * bounded set sorted whole (the open, the unacknowledged, the overdue tips: what is still being
 * worked on, not every tip ever filed; a search's matches). A partial index is used
 * only when the statement repeats its WHERE term for term, and INDEXED BY makes a mismatch an
 * error at prepare rather than a silent scan (as in tips_desk.c). The table itself and a search's
 * matches are read NOT INDEXED: by id (the rowid), never through tips_kind_created, which
 * would select every tip for kind = 'tip' and sort them all.
 */
#include "storage/tips_queue.h"

#include "storage/tips_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIPS_Q_COMMON                                                                              \
    " kind = 'tip' AND (?1 IS NULL OR area IS NULL OR area = '' OR area = ?1 COLLATE NOCASE)"      \
    " AND (?2 IS NULL OR status IN (SELECT value FROM json_each(?2)))"                             \
    " AND (?3 IS NULL OR category = ?3) AND (?4 IS NULL OR area = ?4 COLLATE NOCASE)"              \
    " AND (?5 = 0 OR urgent = 1)"                                                                  \
    " AND (?7 = 0 OR (deadline_at IS NOT NULL AND " TIPS_OPEN " AND deadline_at < ?6))"            \
    " AND (?8 = 0 OR (acknowledged_at IS NULL AND status = 'new'))"                                \
    " AND (?9 IS NULL OR assigned_person = ?9)"                                                    \
    " AND (?10 IS NULL OR created_at >= ?10) AND (?11 IS NULL OR created_at < ?11) "
#define TIPS_Q_NEWEST             " AND id < ?13 ORDER BY id DESC LIMIT ?14"
#define TIPS_Q_URGENT             " AND (urgent, id) < (?12, ?13) ORDER BY urgent DESC, id DESC LIMIT ?14"
#define TIPS_Q(from_where, order) "SELECT " TIPS_COLUMNS " FROM " from_where TIPS_Q_COMMON order

/* The drivers. Their WHERE terms before TIPS_Q_COMMON repeat their partial index's. */
#define TIPS_Q_TABLE     "tips NOT INDEXED WHERE"
#define TIPS_Q_BY_URGENT "tips INDEXED BY tips_queue_urgent WHERE"
#define TIPS_Q_ASSIGNED  "tips INDEXED BY tips_assigned_person WHERE assigned_person = ?9 AND"
#define TIPS_Q_FRESH                                                                               \
    "tips INDEXED BY tips_fresh WHERE acknowledged_at IS NULL AND status = 'new' "                 \
    "AND kind != 'group_lead' AND"
#define TIPS_Q_OVERDUE                                                                             \
    "tips INDEXED BY tips_overdue WHERE deadline_at IS NOT NULL AND " TIPS_OPEN                    \
    " AND deadline_at < ?6 AND"
#define TIPS_Q_OPEN "tips INDEXED BY tips_queue_open WHERE kind = 'tip' AND " TIPS_OPEN " AND"
/* A category's tips in id order. The tips filed from a day on, up to the next if asked: the
 * window's lowest and highest ids, read from tips_kind_created alone (its entries carry the
 * rowid), bound a walk of the table by id in the page's order, so a page reads its 20 rows and
 * not the whole window sorted (a week at a million tips is ten thousand). The ids bound every
 * tip of the window even where a clock set back made ids and times disagree; the window's own
 * terms in TIPS_Q_COMMON keep out the others between them. */
#define TIPS_Q_CATEGORY                                                                            \
    "tips INDEXED BY tips_queue_category WHERE kind = 'tip' AND category = ?3 AND"
#define TIPS_Q_WINDOW(agg)                                                                         \
    "(SELECT " agg "(id) FROM tips INDEXED BY tips_kind_created WHERE kind = 'tip' AND "           \
    "created_at >= ?10 AND created_at < coalesce(?11, 9223372036854775807))"
#define TIPS_Q_SINCE                                                                               \
    "tips NOT INDEXED WHERE id BETWEEN " TIPS_Q_WINDOW("min") " AND " TIPS_Q_WINDOW("max") " AND"
/* A search: the full-text index hands its matches over newest first, below the cursor, and the
 * page stops at its size (a common word never reads every match); ordered by urgency, or with
 * keys, the matches are a set. */
#define TIPS_Q_WORDS_STREAM                                                                        \
    "(SELECT rowid AS m FROM tips_fts WHERE tips_fts MATCH ?15 AND rowid < ?13 "                   \
    "ORDER BY rowid DESC) CROSS JOIN tips ON id = m WHERE"
#define TIPS_Q_WORDS_IDS "SELECT rowid FROM tips_fts WHERE tips_fts MATCH ?15"
#define TIPS_Q_KEYS_IDS                                                                            \
    "SELECT tip_id FROM tip_keys WHERE key IN (SELECT value FROM json_each(?16)) "                 \
    "GROUP BY tip_id HAVING count(*) = ?17"
#define TIPS_Q_WORDS "tips NOT INDEXED WHERE id IN (" TIPS_Q_WORDS_IDS ") AND"
#define TIPS_Q_KEYS  "tips NOT INDEXED WHERE id IN (" TIPS_Q_KEYS_IDS ") AND"
#define TIPS_Q_BOTH                                                                                \
    "tips NOT INDEXED WHERE id IN (" TIPS_Q_WORDS_IDS " UNION " TIPS_Q_KEYS_IDS ") AND"

enum tips_queue_driver {
    TQ_TABLE,
    TQ_ASSIGNED,
    TQ_FRESH,
    TQ_OVERDUE,
    TQ_OPEN,
    TQ_SINCE,
    TQ_CATEGORY,
    TQ_WORDS,
    TQ_KEYS,
    TQ_BOTH,
    TQ_DRIVERS
};

/* [driver][sort]: newest, urgent. The table walked by urgency is tips_queue_urgent. */
static const char *const tips_queue_sql[TQ_DRIVERS][2] = {
    [TQ_TABLE] = {TIPS_Q(TIPS_Q_TABLE, TIPS_Q_NEWEST), TIPS_Q(TIPS_Q_BY_URGENT, TIPS_Q_URGENT)},
    [TQ_ASSIGNED] = {TIPS_Q(TIPS_Q_ASSIGNED, TIPS_Q_NEWEST),
                     TIPS_Q(TIPS_Q_ASSIGNED, TIPS_Q_URGENT)},
    [TQ_FRESH] = {TIPS_Q(TIPS_Q_FRESH, TIPS_Q_NEWEST), TIPS_Q(TIPS_Q_FRESH, TIPS_Q_URGENT)},
    [TQ_OVERDUE] = {TIPS_Q(TIPS_Q_OVERDUE, TIPS_Q_NEWEST), TIPS_Q(TIPS_Q_OVERDUE, TIPS_Q_URGENT)},
    [TQ_OPEN] = {TIPS_Q(TIPS_Q_OPEN, TIPS_Q_NEWEST), TIPS_Q(TIPS_Q_OPEN, TIPS_Q_URGENT)},
    [TQ_SINCE] = {TIPS_Q(TIPS_Q_SINCE, TIPS_Q_NEWEST), TIPS_Q(TIPS_Q_SINCE, TIPS_Q_URGENT)},
    [TQ_CATEGORY] = {TIPS_Q(TIPS_Q_CATEGORY, TIPS_Q_NEWEST),
                     TIPS_Q(TIPS_Q_CATEGORY, TIPS_Q_URGENT)},
    [TQ_WORDS] = {"SELECT " TIPS_COLUMNS " FROM " TIPS_Q_WORDS_STREAM TIPS_Q_COMMON
                  " ORDER BY m DESC LIMIT ?14",
                  TIPS_Q(TIPS_Q_WORDS, TIPS_Q_URGENT)},
    [TQ_KEYS] = {TIPS_Q(TIPS_Q_KEYS, TIPS_Q_NEWEST), TIPS_Q(TIPS_Q_KEYS, TIPS_Q_URGENT)},
    [TQ_BOTH] = {TIPS_Q(TIPS_Q_BOTH, TIPS_Q_NEWEST), TIPS_Q(TIPS_Q_BOTH, TIPS_Q_URGENT)},
};

/* The statuses of an open tip (TIPS_OPEN's complement). */
static bool tips_queue_open_status(const char *s)
{
    static const char *const open[] = {"new", "received", "verifying", "transferred"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (strcmp(s, open[i]) == 0)
            return true;
    return false;
}

/* The index of the most selective filter asked for: a search's matches, a person's tips, the
 * unacknowledged, the overdue, the open tips, the tips filed from a day on, a category's; else
 * the table in the page's order (which reads until the page is full: a filter it cannot use,
 * a day long past, would walk every tip newer than it). */
static enum tips_queue_driver tips_queue_driver(const struct tips_queue_filter *f, bool words)
{
    if (words && f->nkeys > 0)
        return TQ_BOTH;
    if (f->nkeys > 0)
        return TQ_KEYS;
    if (words)
        return TQ_WORDS;
    if (f->assigned)
        return TQ_ASSIGNED;
    if (f->unacked)
        return TQ_FRESH;
    if (f->overdue)
        return TQ_OVERDUE;
    bool open = f->statuses[0] != NULL;
    for (int i = 0; open && f->statuses[i]; i++)
        open = tips_queue_open_status(f->statuses[i]);
    if (open)
        return TQ_OPEN;
    if (f->from_ms)
        return TQ_SINCE;
    return f->category ? TQ_CATEGORY : TQ_TABLE;
}

/* A JSON array of strings (statuses, keys: letters, digits, '_' and ':'), or NULL for none.
 * Built by jansson, so no character can break it. */
static char *tips_queue_json(const char *const *items, int n)
{
    if (n <= 0)
        return NULL;
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

static void tips_queue_bind_ms(sqlite3_stmt *st, int i, int64_t ms)
{
    if (ms)
        sqlite3_bind_int64(st, i, ms);
    else
        sqlite3_bind_null(st, i);
}

/* A page of at most max tips from st, read as max + 1 into page (max + 1 slots) so that *more
 * says whether another page follows; the first *n are moved to out (the caller clears them). */
static int tips_queue_collect(sqlite3_stmt *st, struct tip *page, struct tip *out, int max, int *n,
                              bool *more)
{
    int got = 0;
    int rc = tips_collect(st, page, max + 1, &got);
    if (rc != DB_OK)
        return rc;
    *n = got > max ? max : got;
    memcpy(out, page, (size_t)*n * sizeof *page);
    *more = got > max;
    if (*more)
        tip_clear(&page[max]);
    return DB_OK;
}

int tips_queue_page(struct db *db, const struct tips_queue_filter *f,
                    const struct tips_queue_cursor *after, struct tip *out, int max, int *n,
                    struct tips_queue_cursor *next)
{
    *n = 0;
    memset(next, 0, sizeof *next);
    if (max > TIPS_QUEUE_MAX)
        max = TIPS_QUEUE_MAX;
    int nstatus = 0;
    while (nstatus < TIPS_QUEUE_STATUSES && f->statuses[nstatus])
        nstatus++;
    char *fts = tips_fts_query(f->folded ? f->folded : "");
    char *statuses = tips_queue_json(f->statuses, nstatus);
    char *keys = tips_queue_json(f->keys, f->nkeys);
    struct tip *page = calloc((size_t)max + 1, sizeof *page);
    int rc = DB_ERROR;
    if (!fts || !page || (nstatus && !statuses) || (f->nkeys > 0 && !keys))
        goto out;
    /* urgent tips only come in the same order newest first or by urgency: tips_queue_urgent
     * hands them over in it */
    int sort = f->sort == TIPS_QUEUE_URGENT || (f->urgent && f->nkeys == 0 && !*fts);
    enum tips_queue_driver d = tips_queue_driver(f, *fts != '\0');
    sqlite3_stmt *st = db_stmt(db, tips_queue_sql[d][sort && d != TQ_TABLE ? 1 : sort]);
    if (!st)
        goto out;
    db_bind_text(st, 1, f->scope);
    db_bind_text(st, 2, statuses);
    db_bind_text(st, 3, f->category);
    db_bind_text(st, 4, f->area);
    sqlite3_bind_int(st, 5, f->urgent);
    sqlite3_bind_int64(st, 6, f->now_ms);
    sqlite3_bind_int(st, 7, f->overdue);
    sqlite3_bind_int(st, 8, f->unacked);
    tips_queue_bind_ms(st, 9, f->assigned);
    tips_queue_bind_ms(st, 10, f->from_ms);
    tips_queue_bind_ms(st, 11, f->to_ms);
    /* the first page starts above every (urgent, id) */
    sqlite3_bind_int(st, 12, after && after->set ? after->urgent : 2);
    sqlite3_bind_int64(st, 13, after && after->set ? after->id : INT64_MAX);
    sqlite3_bind_int(st, 14, max + 1);
    /* statements that name fewer parameters answer SQLITE_RANGE here, harmlessly */
    sqlite3_bind_text(st, 15, fts, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 16, keys, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 17, f->nkeys);
    bool more = false;
    rc = tips_queue_collect(st, page, out, max, n, &more);
    if (rc == DB_OK && more) {
        next->set = true;
        next->urgent = out[*n - 1].urgent;
        next->id = out[*n - 1].id;
    }
out:
    free(page);
    free(fts);
    free(statuses);
    free(keys);
    return rc;
}

int tips_queue_open_by_status(struct db *db, int64_t now_ms, struct tips_queue_status_count *out,
                              int max, int *n)
{
    static const char sql[] =
        "SELECT status, count(*), coalesce(sum(deadline_at IS NOT NULL AND deadline_at < ?1), 0)"
        " FROM tips INDEXED BY tips_queue_open WHERE kind = 'tip' AND " TIPS_OPEN
        " GROUP BY status ORDER BY status";
    static const struct db_col cols[] = {
        DB_COL(0, DB_TEXT, struct tips_queue_status_count, status),
        DB_COL(1, DB_INT64, struct tips_queue_status_count, open),
        DB_COL(2, DB_INT64, struct tips_queue_status_count, overdue),
    };
    *n = 0;
    int rc = db_rows(db_query(db, sql, "I", now_ms), cols, DB_COLS(cols), out, sizeof *out, max, n);
    if (rc != DB_OK)
        *n = 0;
    return rc;
}

/* The window in the index's order, each way. One bound a side, so that the index is entered at
 * the page's start: oldest first ?1 is the window's start or the previous page's last filing
 * time, whichever is later, and ?2 the window's end; newest first ?1 the window's start and ?2
 * the window's last millisecond or the previous page's last filing time, whichever is earlier.
 * ?5 is the previous page's last tip: at its filing time, only ids past it. */
#define TIPS_Q_WINDOW_WHERE                                                                        \
    "SELECT " TIPS_COLUMNS " FROM tips INDEXED BY tips_kind_created WHERE kind = 'tip'"            \
    " AND (?3 IS NULL OR area = ?3 COLLATE NOCASE)"                                                \
    " AND (?4 IS NULL OR status IN (SELECT value FROM json_each(?4)))"
#define TIPS_Q_WINDOW_OLDEST                                                                       \
    TIPS_Q_WINDOW_WHERE                                                                            \
    " AND created_at >= ?1 AND created_at < ?2 AND (created_at > ?1 OR id > ?5)"                   \
    " ORDER BY created_at, id LIMIT ?6"
#define TIPS_Q_WINDOW_NEWEST                                                                       \
    TIPS_Q_WINDOW_WHERE                                                                            \
    " AND created_at >= ?1 AND created_at <= ?2 AND (created_at < ?2 OR id < ?5)"                  \
    " ORDER BY created_at DESC, id DESC LIMIT ?6"

int tips_queue_window(struct db *db, int64_t from_ms, int64_t to_ms, const char *area,
                      const char *const *statuses, bool newest, const struct tips_queue_at *after,
                      struct tip *out, int max, int *n, struct tips_queue_at *next)
{
    static const char *const sql[2] = {TIPS_Q_WINDOW_OLDEST, TIPS_Q_WINDOW_NEWEST};
    *n = 0;
    memset(next, 0, sizeof *next);
    if (max > TIPS_QUEUE_MAX)
        max = TIPS_QUEUE_MAX;
    int nstatus = 0;
    while (statuses && nstatus < TIPS_QUEUE_STATUSES && statuses[nstatus])
        nstatus++;
    char *json = tips_queue_json(statuses, nstatus);
    struct tip *page = calloc((size_t)max + 1, sizeof *page);
    int rc = DB_ERROR;
    if (!page || (nstatus && !json))
        goto out;
    bool set = after && after->set;
    int64_t lo = from_ms, hi = to_ms, id = newest ? INT64_MAX : 0;
    if (newest) {
        hi = to_ms - 1; /* the window's last millisecond */
        if (set && after->at < hi)
            hi = after->at, id = after->id;
        else if (set && after->at == hi)
            id = after->id;
    } else if (set && after->at >= lo) {
        lo = after->at, id = after->id;
    }
    sqlite3_stmt *st = db_query(db, sql[newest ? 1 : 0], "IIttIi", lo, hi, area, json, id, max + 1);
    bool more = false;
    rc = tips_queue_collect(st, page, out, max, n, &more);
    if (rc == DB_OK && more) {
        next->set = true;
        next->at = out[*n - 1].created_at;
        next->id = out[*n - 1].id;
    }
out:
    free(page);
    free(json);
    return rc;
}

/* The tipster's messages since the desk last wrote to them (a reply, a question, a status
 * line) — all of them when it never has: a follow-up nobody answered waits as much as an answer
 * does. The shift handover's "replies waiting" is the same rule (storage/handover.c). */
#define TIPS_Q_WAITING(tip)                                                                        \
    "(SELECT count(*) FROM tip_messages w WHERE w.tip_id = " tip " AND w.direction = "             \
    "'from_tipster' AND w.id > coalesce((SELECT max(d.id) FROM tip_messages d WHERE d.tip_id "     \
    "= " tip " AND d.direction <> 'from_tipster'), 0))"

int tips_queue_summary(struct db *db, const char *scope, int64_t person, int64_t now_ms,
                       struct tips_queue_summary *out)
{
    /* The open tips only, through tips_queue_open (migration 020): what is being worked on. */
    static const char sql[] =
        "SELECT count(*), coalesce(sum(urgent AND acknowledged_at IS NULL AND status = 'new'), 0),"
        " coalesce(sum(deadline_at IS NOT NULL AND deadline_at < ?2), 0),"
        " coalesce(sum(acknowledged_at IS NULL AND status = 'new'), 0),"
        " coalesce(sum(" TIPS_Q_WAITING(
            "tips.id") " > 0), 0),"
                       " coalesce(sum(assigned_person IS ?3), 0)"
                       " FROM tips INDEXED BY tips_queue_open WHERE kind = 'tip' AND " TIPS_OPEN
                       " AND (?1 IS NULL OR area IS NULL OR area = '' OR area = ?1 COLLATE NOCASE)";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "tIz", scope, now_ms, person);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        out->open = sqlite3_column_int64(st, 0);
        out->urgent_unacked = sqlite3_column_int64(st, 1);
        out->overdue = sqlite3_column_int64(st, 2);
        out->unacked = sqlite3_column_int64(st, 3);
        out->replies_waiting = sqlite3_column_int64(st, 4);
        out->mine = sqlite3_column_int64(st, 5);
    }
    return db_rows_end(st, rc) == DB_OK && rc == DB_OK ? DB_OK : DB_ERROR;
}

int tips_queue_replies_waiting(struct db *db, int64_t tip_id, int64_t *n)
{
    static const char sql[] = "SELECT " TIPS_Q_WAITING("?1");
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "I", tip_id);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        *n = sqlite3_column_int64(st, 0);
    return db_rows_end(st, rc) == DB_OK && rc == DB_OK ? DB_OK : DB_ERROR;
}

int tips_queue_assigned(struct db *db, int64_t tip_id, int64_t *person)
{
    static const char sql[] = "SELECT coalesce(assigned_person, 0) FROM tips WHERE id = ?1";
    *person = 0;
    sqlite3_stmt *st = db_query(db, sql, "I", tip_id);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        *person = sqlite3_column_int64(st, 0);
    return db_rows_end(st, rc) == DB_OK && rc != DB_ERROR ? DB_OK : DB_ERROR;
}

void tips_queue_messages_clear(struct tips_queue_message *m, int n)
{
    for (int i = 0; i < n; i++) {
        free(m[i].direction);
        free(m[i].text);
        free(m[i].who);
        memset(&m[i], 0, sizeof m[i]);
    }
}

int tips_queue_messages(struct db *db, int64_t tip_id, struct tips_queue_message *out, int max,
                        int *n)
{
    /* an officer's name only: the tipster (author NULL, or a resident) is never named */
    static const char sql[] = "SELECT m.direction, m.text, m.open_question, m.created_at, CASE "
                              "WHEN p.role IS NOT NULL AND p.role != 'resident'"
                              "  THEN p.display_name END"
                              " FROM tip_messages m LEFT JOIN people p ON p.id = m.author"
                              " WHERE m.tip_id = ?1 ORDER BY m.id LIMIT ?2";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Ii", tip_id, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        struct tips_queue_message *m = &out[(*n)++];
        m->direction = db_col_strdup(st, 0);
        m->text = db_col_strdup(st, 1);
        m->question = sqlite3_column_int(st, 2) != 0;
        m->at = sqlite3_column_int64(st, 3);
        m->who = db_col_strdup(st, 4);
    }
    if (db_rows_end(st, rc) != DB_OK) {
        tips_queue_messages_clear(out, *n);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}
