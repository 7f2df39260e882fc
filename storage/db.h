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
 * own transaction with its user_version bump, so a crash leaves a consistent version and a rerun
 * continues where it stopped; running it on an up-to-date database does nothing. */
int db_migrate(struct db *db, int target);
int db_version(struct db *db, int *version);
int db_latest_version(void);

/* The cached statement for sql (a string with static storage duration), reset and unbound. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);
sqlite3 *db_handle(struct db *db);

/* Transactions. db_begin takes the write lock at once (BEGIN IMMEDIATE) so a transaction never
 * fails half-way on a lock upgrade. */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_savepoint(struct db *db);
int db_release(struct db *db);
int db_rollback_to(struct db *db);

/* Runs a statement that returns no rows; DB_OK when it finished. */
int db_step_done(struct db *db, sqlite3_stmt *st);
/* Binds text or NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* A column as a fresh heap string (NULL for SQL NULL or no memory). */
char *db_col_strdup(sqlite3_stmt *st, int col);
/* SELECT of a single integer (first column of first row); *out 0 when no row. */
int db_query_int(struct db *db, const char *sql, int64_t *out);

#endif
