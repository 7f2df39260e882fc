/*
 * db.c — see db.h. The statement cache is a small open-addressing table keyed by the address of
 * the SQL string: storage modules pass string literals, so the pointer identifies the statement
 * and no hashing of text is needed on the hot path.
 */
#include "storage/db.h"

#include "base/log.h"
#include "base/utf8.h"
#include "storage/db_writes.h"
#include "storage/migrations.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DB_STMT_SLOTS 256 /* power of two, > number of distinct statements */
enum {
    DB_WHY_MAX = 512,   /* SQLite's message for a failed statement */
    DB_SQL_SHOWN = 60,  /* bytes of a statement quoted in its error line */
    DB_STATE_SLOTS = 4, /* storage modules keeping state per connection */
};

struct db_cached {
    const char *sql;
    sqlite3_stmt *st;
};

struct db_state_slot {
    const void *key;
    void *state;
    void (*free_fn)(void *state);
};

struct db {
    sqlite3 *handle;
    int in_write;             /* holds db_write_mutex (inside db_begin … db_commit/db_rollback) */
    int64_t changes_at_begin; /* sqlite3_total_changes64 at db_begin: did the commit write? */
    int busy_timeout_ms;
    struct timespec busy_since;
    struct db_cached cache[DB_STMT_SLOTS];
    struct db_state_slot states[DB_STATE_SLOTS];
};

sqlite3 *db_handle(struct db *db)
{
    return db->handle;
}

/* Creates the parent directory (0700) and the file (0600) if missing, so the database is never
 * readable by other users even for a moment. An existing directory is left as it is. */
static int db_prepare_path(const char *path)
{
    char dir[4096];
    size_t n = strlen(path);
    if (n >= sizeof dir)
        return -1;
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        /* mkdir -p: every missing level owner-only, existing ones left as they are. */
        for (char *p = dir + 1;; p++) {
            if (*p != '/' && *p != '\0')
                continue;
            char saved = *p;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                log_error("db", "cannot create directory %s: %s", dir, strerror(errno));
                return -1;
            }
            *p = saved;
            if (!saved)
                break;
        }
    }
    /* Create the file only when it does not exist. Opening and closing an existing database
     * file here would be a bug: closing any descriptor of a file drops every POSIX lock the
     * process holds on it, including the locks of connections other threads have open, and
     * another process could then take itself for the last user and delete the WAL. */
    struct stat sb;
    if (stat(path, &sb) == 0)
        return 0;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
        log_error("db", "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (fd >= 0)
        close(fd);
    return 0;
}

/* Waits for another connection's write lock. SQLite's own busy timeout sleeps 1, 2, 5, 10 …
 * 100 ms between tries, which is long next to our transactions (a few hundred microseconds):
 * three threads taking turns would spend most of their time asleep. This handler retries after
 * 50 µs, doubling to at most 2 ms, until busy_timeout_ms has passed. */
static int db_busy(void *arg, int count)
{
    struct db *db = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0)
        db->busy_since = now;
    long long waited = (now.tv_sec - db->busy_since.tv_sec) * 1000LL +
                       (now.tv_nsec - db->busy_since.tv_nsec) / 1000000LL;
    if (waited >= db->busy_timeout_ms)
        return 0;
    long us = 50L << (count < 6 ? count : 6);
    struct timespec nap = {0, (us < 2000 ? us : 2000) * 1000L};
    nanosleep(&nap, NULL);
    return 1;
}

/* Whether rc (an extended result code of handle's last call) is the disk refusing a write for
 * lack of space: SQLITE_FULL (a write to the database or the WAL), SQLITE_IOERR_SHMSIZE (the
 * WAL index, -shm, could not grow: SQLite writes each new page of it before mapping it, so a
 * full tmpfs is this error and never a SIGBUS on the mapping — it reports no errno, measured),
 * or another I/O error whose system error is ENOSPC or EDQUOT (an fsync). When it is, the
 * refusal is reported to storage/db_writes.c, which logs it once per episode, and 1 is
 * returned: the caller does not log it again. */
static int db_refused(sqlite3 *handle, int rc)
{
    int sys = sqlite3_system_errno(handle);
    int full = (rc & 0xff) == SQLITE_FULL || rc == SQLITE_IOERR_SHMSIZE ||
               ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT));
    if (!full)
        return 0;
    char why[DB_WRITES_WHY_MAX];
    if (rc == SQLITE_IOERR_SHMSIZE)
        snprintf(why, sizeof why, "%s (the WAL index cannot grow: no space left?)",
                 sqlite3_errstr(rc));
    else if (sys && (rc & 0xff) == SQLITE_IOERR)
        snprintf(why, sizeof why, "%s (%s)", sqlite3_errstr(rc), strerror(sys));
    else
        snprintf(why, sizeof why, "%s", sqlite3_errstr(rc));
    db_writes_refused(why);
    return 1;
}

/* Runs sql; on failure DB_ERROR with SQLite's message in why, and *refused set when it was
 * the disk refusing a write for lack of space (reported: see db_refused). */
static int db_exec_why(struct db *db, const char *sql, char *why, size_t size, int *refused)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->handle, sql, NULL, NULL, &msg);
    *refused = 0;
    if (rc == SQLITE_OK)
        return DB_OK;
    snprintf(why, size, "%s", msg ? msg : sqlite3_errmsg(db->handle));
    sqlite3_free(msg);
    *refused = db_refused(db->handle, sqlite3_extended_errcode(db->handle));
    return DB_ERROR;
}

/* The statement at debug level, after the error line that quoted only its start: a migration
 * is kilobytes long, and quoted first it pushed SQLite's reason past the log's line limit. */
static void db_log_statement(const char *sql)
{
    log_debug("db", "the statement was: %s", sql);
}

static int db_exec(struct db *db, const char *sql)
{
    char why[DB_WHY_MAX];
    int refused;
    if (db_exec_why(db, sql, why, sizeof why, &refused) == DB_OK)
        return DB_OK;
    if (refused) /* logged once per episode by storage/db_writes.c */
        return DB_ERROR;
    size_t line = strcspn(sql, "\n");
    size_t shown = utf8_floor(sql, line, DB_SQL_SHOWN);
    log_error("db", "%s (in: %.*s%s)", why, (int)shown, sql, sql[shown] ? " …" : "");
    if (sql[shown])
        db_log_statement(sql);
    return DB_ERROR;
}

/* Once per process, before the first connection: SQLite's memory statistics take a global mutex
 * on every allocation, which every thread would contend on for numbers we never read. */
static void db_global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static pthread_once_t db_once = PTHREAD_ONCE_INIT;

int db_open(const char *path, const struct db_options *opt, struct db **out)
{
    *out = NULL;
    pthread_once(&db_once, db_global_init);
    if (db_prepare_path(path) != 0)
        return DB_ERROR;
    struct db *db = calloc(1, sizeof *db);
    if (!db)
        return DB_ERROR;
    int rc = DB_ERROR;
    /* umask is process-wide; the file exists already (0600), so WAL/SHM files inherit its
     * mode (SQLite copies the database file's permissions to them). */
    if (sqlite3_open_v2(path, &db->handle,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        log_error("db", "cannot open %s: %s", path,
                  db->handle ? sqlite3_errmsg(db->handle) : "out of memory");
        goto out;
    }
    db->busy_timeout_ms = opt ? opt->busy_timeout_ms : 5000;
    sqlite3_busy_handler(db->handle, db_busy, db);
    sqlite3_extended_result_codes(db->handle, 1);
    if (db_exec(db, "PRAGMA journal_mode=WAL") != DB_OK ||
        db_exec(db, "PRAGMA foreign_keys=ON") != DB_OK ||
        /* Deleted or scrubbed content (group chatter, expired leads) is overwritten in its
         * page, not left readable in free space. */
        db_exec(db, "PRAGMA secure_delete=FAST") != DB_OK ||
        /* The worker runs each update in a savepoint, whose statement journal SQLite writes to
         * a temporary file once it passes 64 KiB: 580 MB written per 20,000 updates at a
         * million rows, about 40 % of the time of the commonest writes (issue 10; 187 → 67 MB
         * per 10,000 updates on a 200,000-row database here). In memory it is a few pages an
         * update. It also keeps sorts and temporary tables in memory: every query on the hot
         * path reads a bounded page of rows (tests/unit/test_query_plans.c), and /metrics'
         * count of the outbox sorts no rows (storage/outbox.c outbox_tally: the sort it did,
         * tens of MB at a million rows, stayed in the counting thread's heap).
         * Left at SQLite's defaults, measured and rejected: cache_size (2 MB a connection;
         * 16 MB made no difference to the worker or the ticks, for 10 MB more RSS a
         * connection) and mmap_size (no measurable gain either, the file's pages then count
         * in every connection's RSS — 12 MB more each after 10,000 updates at 200,000 rows —
         * and an I/O error on a mapped page kills the process with SIGBUS instead of failing
         * one statement). */
        db_exec(db, "PRAGMA temp_store=MEMORY") != DB_OK ||
        db_exec(db, opt && !opt->synchronous_full ? "PRAGMA synchronous=NORMAL"
                                                  : "PRAGMA synchronous=FULL") != DB_OK)
        goto out;
    rc = DB_OK;
out:
    if (rc != DB_OK) {
        db_close(db);
        return rc;
    }
    *out = db;
    return DB_OK;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    db_rollback(db);
    for (int i = 0; i < DB_STMT_SLOTS; i++)
        sqlite3_finalize(db->cache[i].st);
    for (int i = 0; i < DB_STATE_SLOTS; i++)
        if (db->states[i].key)
            db->states[i].free_fn(db->states[i].state);
    sqlite3_close(db->handle);
    free(db);
}

int db_set_synchronous(struct db *db, int full)
{
    return db_exec(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
    size_t h = ((uintptr_t)sql >> 3) & (DB_STMT_SLOTS - 1);
    for (int probe = 0; probe < DB_STMT_SLOTS; probe++) {
        struct db_cached *slot = &db->cache[(h + (size_t)probe) & (DB_STMT_SLOTS - 1)];
        if (slot->sql == sql) {
            sqlite3_reset(slot->st);
            sqlite3_clear_bindings(slot->st);
            return slot->st;
        }
        if (!slot->sql) {
            if (sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &slot->st,
                                   NULL) != SQLITE_OK) {
                log_error("db", "prepare failed: %s: %s", sqlite3_errmsg(db->handle), sql);
                slot->st = NULL;
                return NULL;
            }
            slot->sql = sql;
            return slot->st;
        }
    }
    log_error("db", "statement cache full");
    return NULL;
}

int db_each_statement(struct db *db, int (*fn)(const char *sql, void *arg), void *arg)
{
    for (int i = 0; i < DB_STMT_SLOTS; i++)
        if (db->cache[i].sql) {
            int rc = fn(db->cache[i].sql, arg);
            if (rc)
                return rc;
        }
    return 0;
}

void *db_state(struct db *db, const void *key)
{
    for (int i = 0; i < DB_STATE_SLOTS; i++)
        if (db->states[i].key == key)
            return db->states[i].state;
    return NULL;
}

int db_state_set(struct db *db, const void *key, void *state, void (*free_fn)(void *state))
{
    struct db_state_slot *free_slot = NULL;
    for (int i = 0; i < DB_STATE_SLOTS; i++) {
        struct db_state_slot *slot = &db->states[i];
        if (slot->key == key) {
            if (slot->state != state)
                slot->free_fn(slot->state);
            slot->state = state;
            slot->free_fn = free_fn;
            return DB_OK;
        }
        if (!slot->key && !free_slot)
            free_slot = slot;
    }
    if (!free_slot) {
        log_error("db", "no slot left for per-connection state");
        return DB_ERROR;
    }
    *free_slot = (struct db_state_slot){key, state, free_fn};
    return DB_OK;
}

int db_status_of(int sqlite_rc)
{
    switch (sqlite_rc) {
    case SQLITE_ROW:
        return DB_ROW;
    case SQLITE_DONE:
        return DB_OK;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return DB_DUPLICATE;
    default:
        break;
    }
    switch (sqlite_rc & 0xff) { /* the primary code of an extended one */
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DB_BUSY;
    case SQLITE_FULL:
        return DB_FULL;
    default:
        return DB_ERROR;
    }
}

/* Steps st once: the db_status_of status, a failure logged with what it was and st reset. */
static int db_step(sqlite3_stmt *st)
{
    if (!st)
        return DB_ERROR;
    int rc = sqlite3_step(st);
    int status = db_status_of(rc);
    if (status == DB_ROW || status == DB_OK || status == DB_DUPLICATE)
        return status;
    if (db_refused(sqlite3_db_handle(st), rc)) { /* logged once per episode */
        sqlite3_reset(st);
        return DB_FULL;
    }
    const char *what = status == DB_BUSY   ? "database busy past the busy timeout"
                       : status == DB_FULL ? "disk full"
                                           : "step failed";
    log_error("db", "%s (%d): %s", what, rc, sqlite3_errmsg(sqlite3_db_handle(st)));
    sqlite3_reset(st);
    return status;
}

int db_step_done(struct db *db, sqlite3_stmt *st)
{
    int rc = db_step(st);
    if (rc == DB_ROW || rc == DB_OK || rc == DB_DUPLICATE) {
        /* A write outside any transaction (the web chat's inbox row) committed by itself. */
        if (rc == DB_OK && sqlite3_get_autocommit(db->handle) && !sqlite3_stmt_readonly(st) &&
            sqlite3_changes(db->handle) > 0)
            db_writes_accepted();
        sqlite3_reset(st);
        return rc == DB_DUPLICATE ? DB_DUPLICATE : DB_OK;
    }
    return DB_ERROR;
}

int db_step_row(sqlite3_stmt *st)
{
    int rc = db_step(st);
    if (rc == DB_ROW)
        return DB_OK;
    if (rc == DB_OK)
        return DB_NOT_FOUND;
    if (rc == DB_DUPLICATE) { /* a conflicting INSERT … RETURNING: a failed read, as before */
        log_error("db", "step failed: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        sqlite3_reset(st);
    }
    return DB_ERROR;
}

int db_rows_end(sqlite3_stmt *st, int rc)
{
    sqlite3_reset(st);
    return rc == DB_ERROR ? DB_ERROR : DB_OK;
}

int db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    if (!s)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

char *db_col_strdup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? strdup((const char *)s) : NULL;
}

int db_query_int(struct db *db, const char *sql, int64_t *out)
{
    *out = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        *out = sqlite3_column_int64(st, 0);
    return db_rows_end(st, rc);
}

/* ---- binding by a format, reading through a column map -------------------------------- */

/* Whether format letter c accepts a value of type t (db.h lists the letters). */
static bool db_letter_accepts(char c, enum db_arg_type t)
{
    switch (c) {
    case 't':
        return t == DB_ARG_TEXT;
    case 'i': /* an int64_t is taken when its value fits (checked when bound) */
        return t == DB_ARG_INT || t == DB_ARG_INT64;
    case 'I':
    case 'z':
        return t == DB_ARG_INT || t == DB_ARG_INT64;
    case 'd':
        return t == DB_ARG_DOUBLE;
    default:
        return false;
    }
}

static int db_bind_one(sqlite3_stmt *st, int idx, char c, const struct db_arg *a)
{
    if (c == 't')
        return a->v.s ? sqlite3_bind_text(st, idx, a->v.s, -1, SQLITE_TRANSIENT)
                      : sqlite3_bind_null(st, idx);
    if (c == 'z' && a->v.i == 0)
        return sqlite3_bind_null(st, idx);
    if (c == 'd')
        return sqlite3_bind_double(st, idx, a->v.d);
    return sqlite3_bind_int64(st, idx, a->v.i);
}

int db_bind_args(sqlite3_stmt *st, const char *fmt, const struct db_arg *args, int n)
{
    if (!st)
        return DB_ERROR;
    if ((int)strlen(fmt) != n) {
        log_error("db", "bind: format \"%s\" for %d values", fmt, n);
        return DB_ERROR;
    }
    /* Values past the statement's last parameter are not bound: a helper shared by several
     * statements (tips_update, campaigns_update) passes values some of them do not use. */
    int used = sqlite3_bind_parameter_count(st);
    for (int i = 0; i < n; i++) {
        if (!db_letter_accepts(fmt[i], args[i].type) ||
            (fmt[i] == 'i' && (args[i].v.i < INT_MIN || args[i].v.i > INT_MAX))) {
            log_error("db", "bind: value %d does not fit letter '%c' of \"%s\"", i + 1, fmt[i],
                      fmt);
            return DB_ERROR;
        }
        if (i < used && db_bind_one(st, i + 1, fmt[i], &args[i]) != SQLITE_OK) {
            log_error("db", "bind %d failed: %s", i + 1, sqlite3_errmsg(sqlite3_db_handle(st)));
            return DB_ERROR;
        }
    }
    return DB_OK;
}

sqlite3_stmt *db_query_args(struct db *db, const char *sql, const char *fmt,
                            const struct db_arg *args, int n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st || db_bind_args(st, fmt, args, n) == DB_OK)
        return st;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return NULL;
}

int db_run_args(struct db *db, const char *sql, const char *fmt, const struct db_arg *args, int n)
{
    return db_step_done(db, db_query_args(db, sql, fmt, args, n));
}

int db_run0(struct db *db, const char *sql)
{
    return db_step_done(db, db_stmt(db, sql));
}

int db_get_int_args(struct db *db, int64_t *out, const char *sql, const char *fmt,
                    const struct db_arg *args, int n)
{
    *out = 0;
    sqlite3_stmt *st = db_query_args(db, sql, fmt, args, n);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        *out = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return rc == DB_ERROR ? DB_ERROR : DB_OK;
}

int db_changed(struct db *db, int rc, int none)
{
    return rc == DB_OK && sqlite3_changes(db->handle) == 0 ? none : rc;
}

int64_t db_changes(struct db *db)
{
    return sqlite3_changes(db->handle);
}

int64_t db_last_id(struct db *db)
{
    return sqlite3_last_insert_rowid(db->handle);
}

/* The size a member of this type must have (DB_TEXT: any, at least 1). */
static bool db_col_fits(const struct db_col *c)
{
    switch (c->type) {
    case DB_INT:
        return c->size == sizeof(int);
    case DB_INT64:
        return c->size == sizeof(int64_t);
    case DB_BOOL:
        return c->size == sizeof(bool);
    case DB_DOUBLE:
        return c->size == sizeof(double);
    case DB_TEXT:
        return c->size >= 1;
    case DB_DUP:
        return c->size == sizeof(char *);
    }
    return false;
}

void db_col_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    size_t len = s ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (len >= size)
        len = utf8_floor(s, len, size - 1);
    if (len)
        memcpy(out, s, len);
    out[len] = '\0';
}

static int db_read_col(sqlite3_stmt *st, const struct db_col *c, char *base)
{
    int t = sqlite3_column_type(st, c->col);
    bool text = c->type == DB_TEXT || c->type == DB_DUP;
    bool number = t == SQLITE_INTEGER || t == SQLITE_FLOAT;
    if (!db_col_fits(c) || (t != SQLITE_NULL && (text ? t != SQLITE_TEXT : !number))) {
        log_error("db", "column %d (%s) does not fit its member (type %d, %zu bytes)", c->col,
                  sqlite3_column_name(st, c->col), (int)c->type, c->size);
        return DB_ERROR;
    }
    void *m = base + c->offset;
    switch (c->type) {
    case DB_INT:
        *(int *)m = sqlite3_column_int(st, c->col);
        break;
    case DB_INT64:
        *(int64_t *)m = sqlite3_column_int64(st, c->col);
        break;
    case DB_BOOL:
        *(bool *)m = sqlite3_column_int64(st, c->col) != 0;
        break;
    case DB_DOUBLE:
        *(double *)m = sqlite3_column_double(st, c->col);
        break;
    case DB_TEXT:
        db_col_text(st, c->col, m, c->size);
        break;
    case DB_DUP:
        *(char **)m = NULL;
        if (t != SQLITE_NULL && !(*(char **)m = db_col_strdup(st, c->col)))
            return DB_ERROR;
        break;
    }
    return DB_OK;
}

int db_read(sqlite3_stmt *st, const struct db_col *map, int ncols, void *out)
{
    for (int i = 0; i < ncols; i++)
        if (db_read_col(st, &map[i], out) != DB_OK)
            return DB_ERROR;
    return DB_OK;
}

int db_row(sqlite3_stmt *st, const struct db_col *map, int ncols, void *out)
{
    int rc = db_step_row(st);
    if (rc == DB_OK && db_read(st, map, ncols, out) != DB_OK)
        rc = DB_ERROR;
    if (st)
        sqlite3_reset(st);
    return rc;
}

int db_rows(sqlite3_stmt *st, const struct db_col *map, int ncols, void *rows, size_t elem_size,
            int max, int *n)
{
    int rc = DB_NOT_FOUND;
    *n = 0;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        char *row = (char *)rows + (size_t)*n * elem_size;
        memset(row, 0, elem_size);
        (*n)++;
        if (db_read(st, map, ncols, row) != DB_OK) {
            rc = DB_ERROR;
            break;
        }
    }
    if (st)
        sqlite3_reset(st);
    return rc == DB_ERROR ? DB_ERROR : DB_OK;
}

int db_text_pairs(sqlite3_stmt *st, char **a, char **b, int max, int *n)
{
    int rc = DB_NOT_FOUND;
    *n = 0;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        a[*n] = db_col_strdup(st, 0);
        b[*n] = db_col_strdup(st, 1);
        (*n)++;
    }
    if (db_rows_end(st, rc) == DB_OK)
        return DB_OK;
    for (int i = 0; i < *n; i++) {
        free(a[i]);
        free(b[i]);
    }
    *n = 0;
    return DB_ERROR;
}

/* Write transactions of this process's connections take turns on a mutex before asking SQLite
 * for the write lock. SQLite alone would make a waiting thread poll (sleep, retry), leaving
 * the lock free while everyone sleeps; the mutex hands it over at once. Other processes still
 * meet SQLite's own lock and the busy handler. */
static pthread_mutex_t db_write_mutex = PTHREAD_MUTEX_INITIALIZER;

int db_begin(struct db *db)
{
    pthread_mutex_lock(&db_write_mutex);
    int rc = db_exec(db, "BEGIN IMMEDIATE");
    if (rc != DB_OK) {
        pthread_mutex_unlock(&db_write_mutex);
    } else {
        db->in_write = 1;
        db->changes_at_begin = sqlite3_total_changes64(db->handle);
    }
    return rc;
}

static void db_end_write(struct db *db)
{
    if (db->in_write && sqlite3_get_autocommit(db->handle)) {
        db->in_write = 0;
        pthread_mutex_unlock(&db_write_mutex);
    }
}

/* A COMMIT the disk refuses (SQLITE_FULL while appending to the WAL) may leave the transaction
 * open: it is rolled back here, so the connection is usable at once and the write lock is not
 * held by a transaction nobody will finish (every caller rolls back after a failed commit as
 * well; that second rollback finds nothing to do). Any other failure is left to the caller,
 * which reads SQLite's message for /healthz before its rollback would replace it. */
int db_commit(struct db *db)
{
    char why[DB_WHY_MAX];
    int refused = 0;
    int rc = db_exec_why(db, "COMMIT", why, sizeof why, &refused);
    if (rc != DB_OK && !refused)
        log_error("db", "%s (in: COMMIT)", why);
    if (rc != DB_OK && refused && !sqlite3_get_autocommit(db->handle))
        db_exec(db, "ROLLBACK");
    else if (rc == DB_OK && sqlite3_total_changes64(db->handle) != db->changes_at_begin)
        db_writes_accepted(); /* it wrote something: the disk takes writes */
    db_end_write(db);
    return rc;
}

int db_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(db->handle) && db_exec(db, "ROLLBACK") != DB_OK)
        return DB_ERROR;
    db_end_write(db);
    return DB_OK;
}

int db_savepoint(struct db *db)
{
    return db_exec(db, "SAVEPOINT handler");
}

int db_release(struct db *db)
{
    return db_exec(db, "RELEASE handler");
}

int db_rollback_to(struct db *db)
{
    if (db_exec(db, "ROLLBACK TO handler") != DB_OK)
        return DB_ERROR;
    return db_exec(db, "RELEASE handler");
}

int db_in_savepoint(struct db *db, int (*fn)(struct db *db, void *arg), void *arg)
{
    /* Its own name: a RELEASE of "handler" here would end the worker's savepoint instead. */
    if (db_exec(db, "SAVEPOINT nested") != DB_OK)
        return DB_ERROR;
    int rc = fn(db, arg);
    if (rc == 0)
        return db_exec(db, "RELEASE nested") == DB_OK ? 0 : DB_ERROR;
    /* ROLLBACK TO leaves the savepoint open (empty): released here, and only here. */
    if (db_exec(db, "ROLLBACK TO nested") != DB_OK || db_exec(db, "RELEASE nested") != DB_OK)
        return DB_ERROR;
    return rc;
}

int db_write(struct db *db, int (*fn)(struct db *db, void *arg), void *arg)
{
    if (!sqlite3_get_autocommit(db->handle))
        return db_in_savepoint(db, fn, arg);
    if (db_begin(db) != DB_OK)
        return -1;
    int rc = fn(db, arg);
    if (rc == 0 && db_commit(db) == DB_OK)
        return 0;
    db_rollback(db);
    return rc ? rc : -1;
}

int db_prune_due(struct db *db, const char *sql, int64_t before_ms, bool *due)
{
    *due = false;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, before_ms);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        *due = sqlite3_column_int(st, 0) != 0;
    return db_rows_end(st, rc);
}

int db_prune_batch(struct db *db, const char *sql, int64_t before_ms, int max, int64_t *deleted)
{
    *deleted = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, before_ms);
    sqlite3_bind_int(st, 2, max);
    int rc = db_step_done(db, st);
    if (rc == DB_OK)
        *deleted = sqlite3_changes(db->handle);
    return rc;
}

int db_version(struct db *db, int *version)
{
    int64_t v = 0;
    static const char sql[] = "PRAGMA user_version";
    int rc = db_query_int(db, sql, &v);
    *version = (int)v;
    return rc;
}

int db_latest_version(void)
{
    return db_migration_count ? db_migrations[db_migration_count - 1].version : 0;
}

/* The first migration above current, up to target; NULL when none is left. */
static const struct db_migration *db_next_migration(int current, int target)
{
    for (int i = 0; i < db_migration_count; i++)
        if (db_migrations[i].version > current && db_migrations[i].version <= target)
            return &db_migrations[i];
    return NULL;
}

static int db_check_not_newer(int current)
{
    if (current <= db_latest_version())
        return DB_OK;
    log_error("db", "database schema version %d is newer than this tipgate (%d)", current,
              db_latest_version());
    return DB_ERROR;
}

/* One step under the write lock. The version is read again once the lock is held: another
 * process (a `tipgate enrol` started with `tipgate serve`) may have applied this very step
 * while we waited, and applying it twice fails ("table … already exists"). *left is 0 when
 * nothing remained to apply. */
static int db_migrate_step(struct db *db, int target, int *left)
{
    char bump[64], why[DB_WHY_MAX];
    int current;
    *left = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_version(db, &current) != DB_OK || db_check_not_newer(current) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    const struct db_migration *m = db_next_migration(current, target);
    if (!m)
        return db_rollback(db);
    snprintf(bump, sizeof bump, "PRAGMA user_version=%d", m->version);
    int refused = 0;
    if (db_exec_why(db, m->sql, why, sizeof why, &refused) != DB_OK ||
        db_exec_why(db, bump, why, sizeof why, &refused) != DB_OK) {
        db_rollback(db);
        log_error("db", "migration %s failed: %s; the database stays at schema version %d", m->name,
                  why, current);
        db_log_statement(m->sql);
        return DB_ERROR;
    }
    if (db_commit(db) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    log_info("db", "applied migration %s", m->name);
    *left = 1;
    return DB_OK;
}

int db_migrate(struct db *db, int target)
{
    int current, left = 1;
    if (target < 0)
        target = db_latest_version();
    /* Up to date (the usual start): no write lock needed, versions only ever grow. */
    if (db_version(db, &current) != DB_OK || db_check_not_newer(current) != DB_OK)
        return DB_ERROR;
    if (!db_next_migration(current, target))
        return DB_OK;
    while (left)
        if (db_migrate_step(db, target, &left) != DB_OK)
            return DB_ERROR;
    return DB_OK;
}
