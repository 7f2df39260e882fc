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
#include <stdint.h>

enum db_status {
    DB_OK = 0,
    DB_ERROR = -1,
    DB_DUPLICATE = 1, /* a unique key said this row exists already */
    DB_NOT_FOUND = 2,
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
/* A column as a fresh heap string (NULL for SQL NULL or no memory). */
char *db_col_strdup(sqlite3_stmt *st, int col);
/* SELECT of a single integer (first column of first row); *out 0 when no row, DB_ERROR when
 * the step failed. */
int db_query_int(struct db *db, const char *sql, int64_t *out);

/* For pruning from the head of a table (retention): runs sql, a SELECT of one boolean with ?1
 * bound to before_ms, and sets *due from its first row (false when there is none, or NULL). */
int db_prune_due(struct db *db, const char *sql, int64_t before_ms, bool *due);
/* Runs sql, a DELETE with ?1 bound to before_ms and ?2 to max; *deleted is how many rows went. */
int db_prune_batch(struct db *db, const char *sql, int64_t before_ms, int max, int64_t *deleted);

#endif
