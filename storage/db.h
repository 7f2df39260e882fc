/*
 * db.h — one SQLite connection and its prepared statements.
 *
 * Each thread opens its own struct db (WAL mode lets the worker write while the HTTP thread
 * reads). Statements are prepared once per connection and kept for its life: storage modules
 * call db_stmt() with a static SQL string, which is prepared on first use and reset on every
 * later one. No SQL is ever built from user text; values go through sqlite3_bind_*.
 *
 * Every storage function returns a status (enum db_status) and leaves by one exit.
 */
#ifndef TIPGATE_DB_H
#define TIPGATE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum db_status {
    DB_OK = 0,
    DB_ERROR = -1,
    DB_DUPLICATE = 1, /* a unique key said this row exists already */
    DB_NOT_FOUND = 2,
    /* Only from db_status_of (below): callers of the other helpers see DB_ERROR. */
    DB_ROW = 3,
    DB_BUSY = -2,
    DB_FULL = -3,
};

struct db_options {
    int busy_timeout_ms;
    int synchronous_full; /* 1: PRAGMA synchronous=FULL (durable on power loss), 0: NORMAL */
};

struct db;

/* Opens (creating owner-only: directory 0700, file 0600) the database at path and applies the
 * connection pragmas. Does not migrate. *out owns the connection; db_close() it. */
int db_open(const char *path, const struct db_options *opt, struct db **out);
void db_close(struct db *db);
/* Changes this connection's durability: 1 waits for the disk at every commit (FULL), 0 only at
 * checkpoints (NORMAL: survives a crash of the process, not a power cut). */
int db_set_synchronous(struct db *db, int full);

/* Upgrades the schema to target (-1: the newest compiled-in version). Each migration runs in its
 * own write transaction (BEGIN IMMEDIATE) with its user_version bump, and the version is read
 * again once that lock is held, so any number of processes may migrate the same file at once:
 * each step is applied by exactly one of them. A crash leaves a consistent version and a rerun
 * continues where it stopped; on an up-to-date database it takes no lock and does nothing. A
 * failed step is logged with SQLite's reason (the statement itself only at debug level). */
int db_migrate(struct db *db, int target);
int db_version(struct db *db, int *version);
int db_latest_version(void);

/* The cached statement for sql (a string with static storage duration), reset and unbound. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);
sqlite3 *db_handle(struct db *db);
/* Calls fn(sql, arg) for each statement this connection has prepared (its cache), until fn
 * returns non-zero (returned). For tests/unit/test_query_plans.c, which checks the plan of
 * exactly the SQL the storage modules ran. */
int db_each_statement(struct db *db, int (*fn)(const char *sql, void *arg), void *arg);

/* State a storage module keeps per connection beside its statements (a cache of read-mostly
 * rows), found by the address of a static object of that module. Like the statement cache it
 * belongs to the connection's one thread. db_state_set hands state over (a previous one of the
 * same key is freed; on DB_ERROR the caller keeps state); free_fn(state) runs at db_close. */
void *db_state(struct db *db, const void *key);
int db_state_set(struct db *db, const void *key, void *state, void (*free_fn)(void *state));

/* Transactions. db_begin takes the write lock at once (BEGIN IMMEDIATE) so a transaction never
 * fails half-way on a lock upgrade. */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_savepoint(struct db *db);
int db_release(struct db *db);
/* Undoes everything since db_savepoint and ends that savepoint (ROLLBACK TO, then RELEASE):
 * the caller must not release it again. */
int db_rollback_to(struct db *db);
/* Runs fn(db, arg) in a savepoint of its own inside the open transaction (nested in any
 * db_savepoint of the caller). fn returning 0 keeps its writes; anything else undoes them,
 * once, and ends the savepoint, so the transaction around it, and the caller's savepoint, go
 * on untouched. Returns fn's result, or DB_ERROR when the savepoint itself failed. */
int db_in_savepoint(struct db *db, int (*fn)(struct db *db, void *arg), void *arg);
/* Runs fn(db, arg) as one write: in a transaction of its own (BEGIN IMMEDIATE), committed when
 * fn returns 0 and rolled back otherwise — or, when the caller already holds a transaction, in a
 * savepoint of it (db_in_savepoint). How the scheduler's jobs write their short batches.
 * Returns fn's result, or -1 when the transaction itself failed. */
int db_write(struct db *db, int (*fn)(struct db *db, void *arg), void *arg);

/* Runs a statement that returns no rows; DB_OK when it finished. */
int db_step_done(struct db *db, sqlite3_stmt *st);
/* Steps a statement that returns rows (a SELECT, or a write with RETURNING): DB_OK when a row
 * is ready to read, DB_NOT_FOUND when there are no (more) rows, DB_ERROR when the step failed
 * (logged, statement reset). Every reader steps through this, so a failed read (a lock, an I/O
 * error, a schema that changed under a cached statement) is never taken for "no rows". */
int db_step_row(sqlite3_stmt *st);
/* Ends a loop of db_step_row whose last status was rc: resets st and returns DB_ERROR when the
 * loop ended on a failed step, else DB_OK (it ran out of rows or stopped at its maximum). */
int db_rows_end(sqlite3_stmt *st, int rc);
/* Binds text or NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Copies column col's text into out (size bytes): NULL as "", a text too long cut at a
 * character boundary (never inside a UTF-8 sequence). */
void db_col_text(sqlite3_stmt *st, int col, char *out, size_t size);
/* A column as a fresh heap string (NULL for SQL NULL or no memory). */
char *db_col_strdup(sqlite3_stmt *st, int col);
/* SELECT of a single integer (first column of first row); *out 0 when no row, DB_ERROR when
 * the step failed. */
int db_query_int(struct db *db, const char *sql, int64_t *out);

/* ---- binding by a format, reading through a column map ----------------------------------
 *
 * A typical query is then a few lines:
 *
 *     sqlite3_stmt *st = db_query(db, sql, "tI", platform, since_ms);
 *     int rc = db_row(st, map, DB_COLS(map), &out);  // or db_rows(), or db_run() for writes
 *
 * db_query() returns NULL when the statement could not be prepared or bound (logged), and every
 * stepping helper takes a NULL statement as DB_ERROR: no caller writes `if (!st)`.
 *
 * Format letters, one per value, bound to ?1, ?2, … in order:
 *   t  const char *  text; NULL binds SQL NULL
 *   i  a 32-bit integer: an int, a bool, an enum cast to int, or an int64_t whose value fits
 *      (one that does not is refused when binding, never cut)
 *   I  int64_t       (an int is widened)
 *   z  int64_t       0 binds SQL NULL (an optional id)
 *   d  double
 * Varargs are not type-checked by C, so db_query/db_run are macros: each value goes through
 * _Generic into a tagged struct db_arg (a value of another type — an unsigned, a pointer that is
 * not a string — is a compile error), the count of values must equal the length of the format
 * (a compile error otherwise: the format must be a string literal), and the letter must accept
 * the value's C type (checked when binding: a mismatch binds nothing, is logged, and the query
 * is DB_ERROR — every query runs in the tests). At most DB_ARGS_MAX values. Values past the
 * statement's last parameter are left unbound (a helper shared by statements that use fewer of
 * its values), as sqlite3_bind_* calls past it did. */
enum { DB_ARGS_MAX = 16 };

enum db_arg_type { DB_ARG_TEXT, DB_ARG_INT, DB_ARG_INT64, DB_ARG_DOUBLE };
struct db_arg {
    enum db_arg_type type;
    union {
        const char *s;
        int64_t i;
        double d;
    } v;
};
static inline struct db_arg db_arg_text(const char *s)
{
    return (struct db_arg){DB_ARG_TEXT, {.s = s}};
}
static inline struct db_arg db_arg_int(int i)
{
    return (struct db_arg){DB_ARG_INT, {.i = i}};
}
static inline struct db_arg db_arg_int64(int64_t i)
{
    return (struct db_arg){DB_ARG_INT64, {.i = i}};
}
static inline struct db_arg db_arg_double(double d)
{
    return (struct db_arg){DB_ARG_DOUBLE, {.d = d}};
}
/* clang-format off */
#define DB_ARG(x) _Generic((x), \
    char *: db_arg_text, const char *: db_arg_text, \
    _Bool: db_arg_int, char: db_arg_int, short: db_arg_int, int: db_arg_int, \
    long: db_arg_int64, long long: db_arg_int64, \
    double: db_arg_double)(x)
#define DB_NARGS(...) \
    DB_NARGS_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define DB_NARGS_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, n, ...) n
#define DB_CAT(a, b) DB_CAT_(a, b)
#define DB_CAT_(a, b) a##b
#define DB_ARGS_1(a) DB_ARG(a)
#define DB_ARGS_2(a, ...) DB_ARG(a), DB_ARGS_1(__VA_ARGS__)
#define DB_ARGS_3(a, ...) DB_ARG(a), DB_ARGS_2(__VA_ARGS__)
#define DB_ARGS_4(a, ...) DB_ARG(a), DB_ARGS_3(__VA_ARGS__)
#define DB_ARGS_5(a, ...) DB_ARG(a), DB_ARGS_4(__VA_ARGS__)
#define DB_ARGS_6(a, ...) DB_ARG(a), DB_ARGS_5(__VA_ARGS__)
#define DB_ARGS_7(a, ...) DB_ARG(a), DB_ARGS_6(__VA_ARGS__)
#define DB_ARGS_8(a, ...) DB_ARG(a), DB_ARGS_7(__VA_ARGS__)
#define DB_ARGS_9(a, ...) DB_ARG(a), DB_ARGS_8(__VA_ARGS__)
#define DB_ARGS_10(a, ...) DB_ARG(a), DB_ARGS_9(__VA_ARGS__)
#define DB_ARGS_11(a, ...) DB_ARG(a), DB_ARGS_10(__VA_ARGS__)
#define DB_ARGS_12(a, ...) DB_ARG(a), DB_ARGS_11(__VA_ARGS__)
#define DB_ARGS_13(a, ...) DB_ARG(a), DB_ARGS_12(__VA_ARGS__)
#define DB_ARGS_14(a, ...) DB_ARG(a), DB_ARGS_13(__VA_ARGS__)
#define DB_ARGS_15(a, ...) DB_ARG(a), DB_ARGS_14(__VA_ARGS__)
#define DB_ARGS_16(a, ...) DB_ARG(a), DB_ARGS_15(__VA_ARGS__)
/* The values as an array, and a compile-time check that the format has one letter per value. */
#define DB_VALUES(fmt, ...) \
    (const struct db_arg[]){DB_CAT(DB_ARGS_, DB_NARGS(__VA_ARGS__))(__VA_ARGS__)}, \
    DB_NARGS(__VA_ARGS__) + 0 * (int)sizeof(char[sizeof(fmt) - 1 == DB_NARGS(__VA_ARGS__) ? 1 : -1])
/* clang-format on */

/* Binds args (n of them, typed) to st by fmt (letters above). DB_OK, or DB_ERROR (logged) when
 * a letter does not accept its value's type, the format is not n letters long, or SQLite
 * refused a value. */
int db_bind_args(sqlite3_stmt *st, const char *fmt, const struct db_arg *args, int n);
/* The cached statement for sql with its values bound; NULL when preparing or binding failed
 * (logged, statement reset). Every stepping helper takes NULL as DB_ERROR. */
sqlite3_stmt *db_query_args(struct db *db, const char *sql, const char *fmt,
                            const struct db_arg *args, int n);
/* Runs a statement that returns no rows, with its values: db_step_done's statuses. */
int db_run_args(struct db *db, const char *sql, const char *fmt, const struct db_arg *args, int n);
/* db_query(db, sql, fmt, values…) / db_run(db, sql, fmt, values…); sql and fmt are literals.
 * Without values: db_stmt() / db_run0(). */
#define db_query(db, sql, fmt, ...) db_query_args((db), (sql), (fmt), DB_VALUES(fmt, __VA_ARGS__))
#define db_run(db, sql, fmt, ...)   db_run_args((db), (sql), (fmt), DB_VALUES(fmt, __VA_ARGS__))
int db_run0(struct db *db, const char *sql);
/* The first column of the first row as an integer, with values bound: *out 0 when there is no
 * row or it is NULL. DB_OK or DB_ERROR (*out 0). db_get_int(db, &out, sql, fmt, values…). */
int db_get_int_args(struct db *db, int64_t *out, const char *sql, const char *fmt,
                    const struct db_arg *args, int n);
#define db_get_int(db, out, sql, fmt, ...)                                                         \
    db_get_int_args((db), (out), (sql), (fmt), DB_VALUES(fmt, __VA_ARGS__))
/* rc, or none when rc is DB_OK and the write changed no row: an INSERT … ON CONFLICT DO NOTHING
 * that met its row (none = DB_DUPLICATE), an UPDATE of a row that is not there (DB_NOT_FOUND).
 * Written around the write: db_changed(db, db_run(db, …), DB_DUPLICATE). */
int db_changed(struct db *db, int rc, int none);
/* Rows the last write of this connection changed (sqlite3_changes). */
int64_t db_changes(struct db *db);
/* The rowid of this connection's last INSERT. */
int64_t db_last_id(struct db *db);

/* How a column fills a member of a struct: DB_INT (int), DB_INT64 (int64_t), DB_BOOL (bool),
 * DB_DOUBLE (double) take an INTEGER (or REAL) column, NULL read as 0; DB_TEXT copies a TEXT
 * column into a char array member, truncated at a character boundary to fit (NULL: ""); DB_DUP
 * stores a fresh heap copy in a char * member (NULL: NULL), which the struct's owner frees.
 * A column of another type (text in an integer member, a number in a text one) or a member whose
 * size does not fit its type is an error: the map and the SQL disagree. */
enum db_col_type { DB_INT, DB_INT64, DB_BOOL, DB_DOUBLE, DB_TEXT, DB_DUP };
struct db_col {
    int col; /* 0-based column of the SELECT (or RETURNING) */
    enum db_col_type type;
    size_t offset, size; /* of the member */
};
/* {column, type, struct, member}: the member's offset and size. */
#define DB_COL(c, type, s, member)                                                                 \
    {                                                                                              \
        (c), (type), offsetof(s, member), sizeof(((s *)0)->member)                                 \
    }
#define DB_COLS(map) ((int)(sizeof(map) / sizeof((map)[0])))

/* Fills out from the current row of st through map (ncols entries). DB_OK, or DB_ERROR (logged)
 * on a type mismatch or no memory: DB_DUP members already filled stay in out for its owner to
 * free. Does not step. */
int db_read(sqlite3_stmt *st, const struct db_col *map, int ncols, void *out);
/* Steps st once and reads its row into out: DB_OK, DB_NOT_FOUND (no row) or DB_ERROR; st is reset
 * either way. */
int db_row(sqlite3_stmt *st, const struct db_col *map, int ncols, void *out);
/* Steps st for up to max rows into rows (an array of elements of elem_size bytes, each zeroed
 * before it is read), *n the rows read; st is reset. DB_OK (no rows is DB_OK, *n 0) or DB_ERROR:
 * *n then counts every row touched, the failing one included, so the caller's clear of *n rows
 * frees every DB_DUP member. */
int db_rows(sqlite3_stmt *st, const struct db_col *map, int ncols, void *rows, size_t elem_size,
            int max, int *n);

/* Steps st for up to max rows of two text columns into a[i] and b[i] (fresh heap copies the
 * caller frees; NULL for SQL NULL); st is reset. On DB_ERROR nothing is left allocated and *n
 * is 0. (Lists of chats: platform and chat id.) */
int db_text_pairs(sqlite3_stmt *st, char **a, char **b, int max, int *n);

/* What one sqlite3_step result means here (every stepping helper maps through this): SQLITE_ROW
 * DB_ROW, SQLITE_DONE DB_OK, a UNIQUE or PRIMARY KEY conflict DB_DUPLICATE, SQLITE_BUSY/LOCKED
 * DB_BUSY (the lock stayed taken past the busy timeout), SQLITE_FULL DB_FULL (disk or quota),
 * anything else DB_ERROR. The public helpers above return DB_BUSY and DB_FULL as DB_ERROR (every
 * caller tests for DB_ERROR) after logging which it was. */
int db_status_of(int sqlite_rc);

/* For pruning from the head of a table (retention): runs sql, a SELECT of one boolean with ?1
 * bound to before_ms, and sets *due from its first row (false when there is none, or NULL). */
int db_prune_due(struct db *db, const char *sql, int64_t before_ms, bool *due);
/* Runs sql, a DELETE with ?1 bound to before_ms and ?2 to max; *deleted is how many rows went. */
int db_prune_batch(struct db *db, const char *sql, int64_t before_ms, int max, int64_t *deleted);

#endif
