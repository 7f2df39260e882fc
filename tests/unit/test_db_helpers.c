/*
 * test_db_helpers.c — the query helpers of storage/db.h: binding by a format (each letter, and a
 * letter that does not fit its value's type refused), reading rows through a column map (a long
 * text cut safely at a character boundary, a column of the wrong type refused, a run of rows
 * bounded), and each sqlite3_step result mapped to a status (a duplicate, a busy database, a
 * full disk, a failed step never taken for "no rows"); a full disk (PRAGMA max_page_count
 * makes SQLite answer SQLITE_FULL) is one episode of storage/db_writes.c that ends with the
 * first write that commits, and leaves the connection usable.
 */
#include "storage/db.h"
#include "storage/db_writes.h"

#include "testlib.h"

#include <limits.h>
#include <stdlib.h>
#include <time.h>

static struct db *open_db(const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", testlib_tmpdir(), name);
    struct db *db = NULL;
    CHECK_INT(db_open(path, NULL, &db), DB_OK);
    if (db)
        CHECK_INT(db_run0(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, n INTEGER, "
                              "big INTEGER, opt INTEGER, r REAL, u TEXT UNIQUE)"),
                  DB_OK);
    return db;
}

struct trow {
    int64_t id;
    char s[8];
    int n;
    int64_t big;
    bool opt;
    double r;
    char *u;
};

static const struct db_col trow_map[] = {
    DB_COL(0, DB_INT64, struct trow, id), DB_COL(1, DB_TEXT, struct trow, s),
    DB_COL(2, DB_INT, struct trow, n),    DB_COL(3, DB_INT64, struct trow, big),
    DB_COL(4, DB_BOOL, struct trow, opt), DB_COL(5, DB_DOUBLE, struct trow, r),
    DB_COL(6, DB_DUP, struct trow, u),
};

static const char trow_sql[] = "SELECT id, s, n, big, opt, r, u FROM t WHERE id = ?";

static void test_db_bind_each_letter(void)
{
    struct db *db = open_db("letters.db");
    if (!db)
        return;
    static const char ins[] = "INSERT INTO t (s, n, big, opt, r, u) VALUES (?, ?, ?, ?, ?, ?)";
    int64_t big = 5000000000LL, none = 0;
    CHECK_INT(db_run(db, ins, "tiIzdt", "abc", 42, big, none, 2.5, "u1"), DB_OK);
    CHECK_INT(db_last_id(db), 1);
    CHECK_INT(db_run(db, ins, "tiIzdt", (const char *)NULL, -1, 7, big, 0.0, "u2"), DB_OK);
    CHECK_INT(db_changes(db), 1);

    struct trow r = {0};
    int64_t id = 1;
    CHECK_INT(db_row(db_query(db, trow_sql, "I", id), trow_map, DB_COLS(trow_map), &r), DB_OK);
    CHECK_STR(r.s, "abc");
    CHECK_INT(r.n, 42);
    CHECK_INT(r.big, 5000000000LL);
    CHECK(!r.opt); /* z with 0: NULL, read back as 0 */
    CHECK(r.r == 2.5);
    CHECK_STR(r.u, "u1");
    free(r.u);

    memset(&r, 0, sizeof r);
    CHECK_INT(db_row(db_query(db, trow_sql, "I", 2), trow_map, DB_COLS(trow_map), &r), DB_OK);
    CHECK_STR(r.s, ""); /* t with NULL: NULL, read into a text member as "" */
    CHECK_INT(r.n, -1);
    CHECK_INT(r.big, 7); /* an int widened by I */
    CHECK(r.opt);        /* z with a value */
    free(r.u);
    int64_t nulls = -1;
    CHECK_INT(db_query_int(db, "SELECT count(*) FROM t WHERE s IS NULL AND opt IS NULL", &nulls),
              DB_OK);
    CHECK_INT(nulls, 0);
    CHECK_INT(db_query_int(db, "SELECT count(*) FROM t WHERE opt IS NULL", &nulls), DB_OK);
    CHECK_INT(nulls, 1);
    db_close(db);
}

static void test_db_bind_refuses_a_letter_that_does_not_fit(void)
{
    struct db *db = open_db("misfit.db");
    if (!db)
        return;
    static const char ins[] = "INSERT INTO t (s, n) VALUES (?, ?)";
    int64_t wide = 5000000000LL;
    /* an int64_t too wide for an int where one is wanted, a number where text is */
    CHECK_INT(db_run(db, ins, "ti", "x", wide), DB_ERROR);
    CHECK_INT(db_run(db, ins, "ti", 1, 2), DB_ERROR);
    CHECK_INT(db_run(db, ins, "tq", "x", 2), DB_ERROR); /* no such letter */
    CHECK(db_query(db, ins, "ti", 3.0, 1) == NULL);
    int64_t n = -1;
    CHECK_INT(db_query_int(db, "SELECT count(*) FROM t", &n), DB_OK);
    CHECK_INT(n, 0);
    /* the statement is usable again afterwards */
    CHECK_INT(db_run(db, ins, "ti", "x", 2), DB_OK);
    db_close(db);
}

static void test_db_column_map_truncates_text_at_a_character(void)
{
    struct db *db = open_db("truncate.db");
    if (!db)
        return;
    /* s[8] holds 7 bytes: "XPhư" is 5, and the 3 bytes of "ờ" would end past them. */
    CHECK_INT(db_run(db, "INSERT INTO t (s) VALUES (?)", "t", "XPhường"), DB_OK);
    struct trow r;
    memset(&r, 'x', sizeof r);
    r.u = NULL;
    CHECK_INT(db_row(db_query(db, trow_sql, "I", 1), trow_map, DB_COLS(trow_map), &r), DB_OK);
    CHECK_STR(r.s, "XPhư"); /* cut before the character, never inside it */
    CHECK(r.u == NULL);     /* a NULL column into a heap member */
    db_close(db);
}

static void test_db_column_map_refuses_a_wrong_type(void)
{
    struct db *db = open_db("wrongtype.db");
    if (!db)
        return;
    CHECK_INT(db_run(db, "INSERT INTO t (s, n) VALUES (?, ?)", "ti", "text", 1), DB_OK);
    struct trow r = {0};
    /* text read into an integer member */
    static const struct db_col text_as_int[] = {DB_COL(1, DB_INT, struct trow, n)};
    CHECK_INT(db_row(db_query(db, trow_sql, "I", 1), text_as_int, 1, &r), DB_ERROR);
    /* a number read into a text member */
    static const struct db_col int_as_text[] = {DB_COL(2, DB_TEXT, struct trow, s)};
    CHECK_INT(db_row(db_query(db, trow_sql, "I", 1), int_as_text, 1, &r), DB_ERROR);
    /* a member whose size does not match its type (an int64_t member mapped as DB_INT) */
    static const struct db_col bad_size[] = {DB_COL(3, DB_INT, struct trow, big)};
    CHECK_INT(db_row(db_query(db, trow_sql, "I", 1), bad_size, 1, &r), DB_ERROR);
    /* no row */
    CHECK_INT(db_row(db_query(db, trow_sql, "I", 9), trow_map, DB_COLS(trow_map), &r),
              DB_NOT_FOUND);
    db_close(db);
}

static void test_db_rows_stops_at_its_maximum(void)
{
    struct db *db = open_db("rows.db");
    if (!db)
        return;
    for (int i = 0; i < 5; i++)
        CHECK_INT(db_run(db, "INSERT INTO t (n, u) VALUES (?, 'u' || ?)", "ii", i, i), DB_OK);
    struct trow rows[3];
    int n = -1;
    sqlite3_stmt *st =
        db_query(db, "SELECT id, s, n, big, opt, r, u FROM t WHERE n >= ? ORDER BY n", "i", 1);
    CHECK_INT(db_rows(st, trow_map, DB_COLS(trow_map), rows, sizeof rows[0], 3, &n), DB_OK);
    CHECK_INT(n, 3);
    for (int i = 0; i < n; i++) {
        CHECK_INT(rows[i].n, i + 1);
        free(rows[i].u);
    }
    db_close(db);
}

static void test_db_step_results_are_mapped(void)
{
    CHECK_INT(db_status_of(SQLITE_ROW), DB_ROW);
    CHECK_INT(db_status_of(SQLITE_DONE), DB_OK);
    CHECK_INT(db_status_of(SQLITE_CONSTRAINT_UNIQUE), DB_DUPLICATE);
    CHECK_INT(db_status_of(SQLITE_CONSTRAINT_PRIMARYKEY), DB_DUPLICATE);
    CHECK_INT(db_status_of(SQLITE_CONSTRAINT_NOTNULL), DB_ERROR);
    CHECK_INT(db_status_of(SQLITE_BUSY), DB_BUSY);
    CHECK_INT(db_status_of(SQLITE_BUSY_SNAPSHOT), DB_BUSY);
    CHECK_INT(db_status_of(SQLITE_LOCKED), DB_BUSY);
    CHECK_INT(db_status_of(SQLITE_FULL), DB_FULL);
    CHECK_INT(db_status_of(SQLITE_IOERR_WRITE), DB_ERROR);

    struct db *db = open_db("steps.db");
    if (!db)
        return;
    static const char ins[] = "INSERT INTO t (u) VALUES (?)";
    CHECK_INT(db_run(db, ins, "t", "same"), DB_OK);
    CHECK_INT(db_run(db, ins, "t", "same"), DB_DUPLICATE);

    /* A second connection holding the write lock: the first one's write is busy, and callers
     * see DB_ERROR (never "done" or "no rows"). */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", testlib_tmpdir(), "steps.db");
    struct db_options quick = {.busy_timeout_ms = 10, .synchronous_full = 0};
    struct db *other = NULL;
    CHECK_INT(db_open(path, &quick, &other), DB_OK);
    struct db *db2 = NULL;
    CHECK_INT(db_open(path, &quick, &db2), DB_OK);
    if (other && db2) {
        CHECK_INT(sqlite3_exec(db_handle(other), "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        CHECK_INT(db_run(db2, ins, "t", "other"), DB_ERROR);
        CHECK_INT(db_step_row(db_stmt(db2, "UPDATE t SET n = 1 RETURNING id")), DB_ERROR);
        CHECK_INT(sqlite3_exec(db_handle(other), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        CHECK_INT(db_run(db2, ins, "t", "other"), DB_OK);
    }
    db_close(db2);
    db_close(other);
    /* A NULL statement (a prepare that failed) is an error, not "no rows". */
    CHECK_INT(db_step_row(NULL), DB_ERROR);
    CHECK_INT(db_step_done(db, NULL), DB_ERROR);
    CHECK_INT(db_row(db_stmt(db, "SELECT nonsense FROM nowhere"), trow_map, 1, &(struct trow){0}),
              DB_ERROR);
    db_close(db);
}

static int64_t page_count(struct db *db)
{
    int64_t n = 0;
    CHECK_INT(db_query_int(db, "PRAGMA page_count", &n), DB_OK);
    return n;
}

static void test_db_full_disk_is_one_episode_ended_by_a_commit(void)
{
    struct db *db = open_db("full.db");
    if (!db)
        return;
    static const char ins[] = "INSERT INTO t (s) VALUES (?)";
    static char big[16384];
    memset(big, 'x', sizeof big - 1);
    CHECK_INT(db_writes_refusing(), 0);
    uint64_t before = db_writes_refusals_total();
    /* The file may not grow: a row that needs new pages is refused, in a transaction or not. */
    char cap[64];
    snprintf(cap, sizeof cap, "PRAGMA max_page_count = %lld", (long long)page_count(db));
    CHECK_INT(sqlite3_exec(db_handle(db), cap, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(db_begin(db), DB_OK);
    CHECK_INT(db_run(db, ins, "t", big), DB_ERROR);
    CHECK_INT(db_writes_refusing(), 1);
    CHECK_INT(db_rollback(db), DB_OK);
    CHECK_INT(db_run(db, ins, "t", big), DB_ERROR);
    struct db_writes_episode e;
    db_writes_episode(&e);
    CHECK_INT(e.refusing, 1);
    CHECK_INT((int64_t)e.refusals, 2);
    CHECK_STR(e.why, "database or disk is full");
    CHECK_INT((int64_t)(db_writes_refusals_total() - before), 2);
    /* A transaction that wrote nothing proves nothing: the episode goes on. */
    CHECK_INT(db_begin(db), DB_OK);
    CHECK_INT(db_commit(db), DB_OK);
    CHECK_INT(db_writes_refusing(), 1);
    /* Space returns: the connection is usable. The episode ends at a commit once no write has
     * been refused for the quiet period (a disk that stays full, where small writes fit and
     * big ones do not, stays one episode): here 50 ms instead of 10 s. */
    CHECK_INT(sqlite3_exec(db_handle(db), "PRAGMA max_page_count = 1000000", NULL, NULL, NULL),
              SQLITE_OK);
    db_writes_set_quiet_ms(50);
    CHECK_INT(db_begin(db), DB_OK);
    CHECK_INT(db_run(db, ins, "t", big), DB_OK);
    CHECK_INT(db_commit(db), DB_OK);
    CHECK_INT(db_writes_refusing(), 1); /* not quiet for long enough yet */
    nanosleep(&(struct timespec){0, 60 * 1000000L}, NULL);
    CHECK_INT(db_begin(db), DB_OK);
    CHECK_INT(db_run(db, ins, "t", big), DB_OK);
    CHECK_INT(db_commit(db), DB_OK);
    CHECK_INT(db_writes_refusing(), 0);
    /* A write outside a transaction ends one too (the web chat stores that way). */
    db_writes_refused("test");
    nanosleep(&(struct timespec){0, 60 * 1000000L}, NULL);
    CHECK_INT(db_run(db, ins, "t", "small"), DB_OK);
    CHECK_INT(db_writes_refusing(), 0);
    db_close(db);
}

TESTLIB_MAIN(T(test_db_bind_each_letter), T(test_db_bind_refuses_a_letter_that_does_not_fit),
             T(test_db_column_map_truncates_text_at_a_character),
             T(test_db_column_map_refuses_a_wrong_type), T(test_db_rows_stops_at_its_maximum),
             T(test_db_step_results_are_mapped),
             T(test_db_full_disk_is_one_episode_ended_by_a_commit))
