/*
 * backup.c — see backup.h.
 *
 * How the copy is taken, and why. The service keeps the database in WAL mode, where a reader
 * never blocks a writer: a copy that holds one read transaction from its first page to its
 * last sees one consistent snapshot while the service goes on committing (its commits go to
 * the WAL; only the checkpoint waits for the copy to end, so the WAL grows meanwhile).
 *   - SQLite's online backup API (chosen): copies the pages as they are. Used as its manual
 *     suggests, in steps with pauses between them, it starts again from the first page
 *     whenever another process commits between two steps: a 4,456-page file under one commit
 *     every 5 ms took 11,901 steps of 100 pages and 43 s instead of 45 steps and 0.4 s, and a
 *     million-row file (588,378 pages) would in practice never end under a steady stream.
 *     So the copy opens its read transaction itself before the first step, which pins the
 *     snapshot across steps (those 45 steps); the steps (BACKUP_STEP_PAGES) with a short
 *     pause between them then only pace the reads, giving the service's commits (an fsync
 *     each) a turn at the disk. Writers are never starved: they never wait for a reader.
 *   - VACUUM INTO (measured, rejected): one statement and a compacted file (2 % smaller
 *     here), but it rebuilds every table and index of the snapshot row by row, at full CPU,
 *     and cannot be paced: at a million rows it took 21.5 s against 9.7–11.7 s for the page
 *     copy, back to back on the same file (bench/results.md, "Backups at a million rows").
 * The copy is then switched to the rollback journal (one self-contained file, readable by the
 * sqlite3 shell without write access to its directory; tipgate puts it back in WAL mode when
 * it opens it), checked with PRAGMA integrity_check, fsynced, and only then linked to its
 * name: link() fails when the name exists, so two backups never overwrite each other.
 */
#include "storage/backup.h"

#include "storage/db.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    BACKUP_PATH_MAX = 4096,
    BACKUP_COPY_CHUNK = 1 << 20, /* bytes read and written at a time by backup_stage */
    BACKUP_PROBLEMS_SHOWN = 3,   /* integrity_check lines quoted in why */
};

static void backup_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void backup_why(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* Runs sql (no rows wanted); SQLite's message in why on failure. Returns the SQLite code. */
static int backup_exec(sqlite3 *h, const char *sql, char *why, size_t whylen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        backup_why(why, whylen, "%s", msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    return rc;
}

/* The first column of sql's first row as an integer. SQLITE_OK or the failing code (why). */
static int backup_int(sqlite3 *h, const char *sql, int64_t *out, char *why, size_t whylen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK)
        backup_why(why, whylen, "%s", sqlite3_errmsg(h));
    sqlite3_finalize(st);
    return rc;
}

/* PRAGMA integrity_check on h: DB_OK when it says "ok", else DB_ERROR with its first lines. */
static int backup_integrity_run(sqlite3 *h, char *why, size_t whylen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), n = 0;
    size_t used = 0;
    int ok = 0;
    if (rc != SQLITE_OK) {
        backup_why(why, whylen, "%s", sqlite3_errmsg(h));
        return DB_ERROR;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        ok = n == 0 && line && strcmp(line, "ok") == 0;
        if (!ok && n < BACKUP_PROBLEMS_SHOWN && used < whylen) {
            int k = snprintf(why + used, whylen - used, "%s%s",
                             n ? "; " : "integrity check: ", line ? line : "?");
            used += k > 0 ? (size_t)k : 0;
        }
        n++;
    }
    if (rc != SQLITE_DONE) {
        backup_why(why, whylen, "%s", sqlite3_errmsg(h));
        ok = 0;
    }
    sqlite3_finalize(st);
    return ok && n == 1 ? DB_OK : DB_ERROR;
}

static double backup_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* backup_integrity_run, and in *took how long it ran (seconds). */
static int backup_integrity(sqlite3 *h, double *took, char *why, size_t whylen)
{
    double t0 = backup_now_s();
    int rc = backup_integrity_run(h, why, whylen);
    *took = backup_now_s() - t0;
    return rc;
}

/* Fills info from the open copy h (pages, page size, schema version). DB_OK or DB_ERROR. */
static int backup_describe(sqlite3 *h, struct backup_info *info, char *why, size_t whylen)
{
    int64_t pages = 0, size = 0, version = 0;
    if (backup_int(h, "PRAGMA page_count", &pages, why, whylen) != SQLITE_OK ||
        backup_int(h, "PRAGMA page_size", &size, why, whylen) != SQLITE_OK ||
        backup_int(h, "PRAGMA user_version", &version, why, whylen) != SQLITE_OK)
        return DB_ERROR;
    info->pages = pages;
    info->page_size = (int)size;
    info->schema_version = (int)version;
    return DB_OK;
}

/* fsyncs path (a file or a directory) and, for a file, reports its size. 0 or -1 (why). */
static int backup_fsync(const char *path, int64_t *bytes, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    int rc = fd >= 0 && fsync(fd) == 0 && fstat(fd, &sb) == 0 ? 0 : -1;
    if (rc != 0)
        backup_why(why, whylen, "cannot flush %s to the disk: %s", path, strerror(errno));
    else if (bytes)
        *bytes = (int64_t)sb.st_size;
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The directory part of path ("." when none) into dir. 0, or -1 when it does not fit. */
static int backup_dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    int n = !slash          ? snprintf(dir, size, ".")
            : slash == path ? snprintf(dir, size, "/")
                            : snprintf(dir, size, "%.*s", (int)(slash - path), path);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* A new empty owner-only file named prefix + a unique suffix; its path in out. 0 or -1. */
static int backup_temp(const char *prefix, char *out, size_t size, char *why, size_t whylen)
{
    int n = snprintf(out, size, "%s.tmp-XXXXXX", prefix);
    if (n < 0 || (size_t)n >= size) {
        backup_why(why, whylen, "the path %s is too long", prefix);
        return -1;
    }
    int fd = mkstemp(out); /* O_EXCL, mode 0600: never readable by others, even for a moment */
    if (fd < 0) {
        backup_why(why, whylen, "cannot create a file beside %s: %s", prefix, strerror(errno));
        return -1;
    }
    close(fd); /* SQLite opens it by name; no descriptor of ours may outlive its locks */
    return 0;
}

/* Removes path and the journal files SQLite may have left beside it. */
static void backup_unlink_all(const char *path)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char p[BACKUP_PATH_MAX + 16];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

/* Steps the backup b to its end, pausing between steps. SQLITE_DONE or the failing code. A
 * lock (never expected: the source's snapshot is held, the destination is ours) is waited for
 * up to busy_ms. */
static int backup_steps(sqlite3_backup *b, int busy_ms)
{
    const struct timespec pause = {0, BACKUP_PAUSE_US * 1000L};
    int rc, waited_us = 0;
    while ((rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES)) == SQLITE_OK ||
           ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited_us / 1000 < busy_ms)) {
        waited_us = rc == SQLITE_OK ? 0 : waited_us + BACKUP_PAUSE_US;
        nanosleep(&pause, NULL);
    }
    return rc;
}

/* Opens src read-only and starts the read transaction that pins its snapshot. */
static int backup_open_source(const char *src, int busy_ms, sqlite3 **h, char *why, size_t whylen)
{
    int64_t tables = 0;
    if (sqlite3_open_v2(src, h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        backup_why(why, whylen, "cannot open the database %s: %s", src,
                   *h ? sqlite3_errmsg(*h) : "out of memory");
        return DB_ERROR;
    }
    sqlite3_busy_timeout(*h, busy_ms);
    if (backup_exec(*h, "BEGIN", why, whylen) != SQLITE_OK ||
        backup_int(*h, "SELECT count(*) FROM sqlite_schema", &tables, why, whylen) != SQLITE_OK)
        return DB_ERROR;
    return DB_OK;
}

/* Copies the snapshot of src into the empty file tmp and checks it there. */
static int backup_to_temp(sqlite3 *src, const char *tmp, int busy_ms, struct backup_info *info,
                          char *why, size_t whylen)
{
    sqlite3 *dst = NULL;
    int rc = DB_ERROR;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        backup_why(why, whylen, "cannot open %s: %s", tmp, dst ? sqlite3_errmsg(dst) : "no memory");
        goto out;
    }
    /* No journal while copying: a failed copy is deleted, and the whole file is fsynced once. */
    if (backup_exec(dst, "PRAGMA journal_mode=OFF", why, whylen) != SQLITE_OK ||
        backup_exec(dst, "PRAGMA synchronous=OFF", why, whylen) != SQLITE_OK)
        goto out;
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        backup_why(why, whylen, "%s", sqlite3_errmsg(dst));
        goto out;
    }
    int step = backup_steps(b, busy_ms);
    if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
        backup_why(why, whylen, "the copy failed: %s",
                   sqlite3_errstr(step != SQLITE_DONE ? step : sqlite3_errcode(dst)));
        goto out;
    }
    if (backup_exec(dst, "PRAGMA journal_mode=DELETE", why, whylen) != SQLITE_OK ||
        backup_integrity(dst, &info->check_s, why, whylen) != DB_OK ||
        backup_describe(dst, info, why, whylen))
        goto out;
    rc = DB_OK;
out:
    if (dst && sqlite3_close(dst) != SQLITE_OK && rc == DB_OK) {
        backup_why(why, whylen, "cannot close the copy");
        rc = DB_ERROR;
    }
    return rc;
}

/* Gives tmp the name dest: replacing an existing file only when force. */
static int backup_name(const char *tmp, const char *dest, int force, char *why, size_t whylen)
{
    if (force ? rename(tmp, dest) == 0 : link(tmp, dest) == 0)
        return DB_OK;
    if (errno == EEXIST) {
        backup_why(why, whylen, "%s exists already", dest);
        return DB_DUPLICATE;
    }
    backup_why(why, whylen, "cannot name the copy %s: %s", dest, strerror(errno));
    return DB_ERROR;
}

int backup_copy(const char *src, const char *dest, const struct backup_options *opt,
                struct backup_info *info, char *why, size_t whylen)
{
    char tmp[BACKUP_PATH_MAX], dir[BACKUP_PATH_MAX];
    struct stat sb;
    sqlite3 *h = NULL;
    int rc = DB_ERROR, made = 0;
    memset(info, 0, sizeof *info);
    why[0] = '\0';
    if (!opt->force && lstat(dest, &sb) == 0) {
        backup_why(why, whylen, "%s exists already", dest);
        return DB_DUPLICATE;
    }
    if (stat(src, &sb) != 0) {
        backup_why(why, whylen, "no database at %s: %s", src, strerror(errno));
        return DB_ERROR;
    }
    struct stat db_sb = sb;
    if (stat(dest, &sb) == 0 && sb.st_dev == db_sb.st_dev && sb.st_ino == db_sb.st_ino) {
        backup_why(why, whylen, "%s is the database itself", dest); /* even with --force */
        return DB_ERROR;
    }
    if (backup_dir_of(dest, dir, sizeof dir) != 0 ||
        backup_temp(dest, tmp, sizeof tmp, why, whylen))
        return DB_ERROR;
    made = 1;
    if (backup_open_source(src, opt->busy_timeout_ms, &h, why, whylen) != DB_OK ||
        backup_to_temp(h, tmp, opt->busy_timeout_ms, info, why, whylen) != DB_OK)
        goto out;
    sqlite3_close(h); /* ends the snapshot: the service's checkpoints may go on */
    h = NULL;
    if (backup_fsync(tmp, &info->bytes, why, whylen) != 0)
        goto out;
    rc = backup_name(tmp, dest, opt->force, why, whylen);
    if (rc == DB_OK && backup_fsync(dir, NULL, why, whylen) != 0)
        rc = DB_ERROR;
out:
    sqlite3_close(h);
    if (made)
        backup_unlink_all(tmp); /* after link() the copy lives on under dest */
    return rc;
}

int backup_check(const char *path, struct backup_info *info, char *why, size_t whylen)
{
    sqlite3 *h = NULL;
    int rc = DB_ERROR;
    memset(info, 0, sizeof *info);
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        backup_why(why, whylen, "cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "no memory");
        goto out;
    }
    if (backup_integrity(h, &info->check_s, why, whylen) != DB_OK ||
        backup_describe(h, info, why, whylen))
        goto out;
    if (info->schema_version <= 0) {
        backup_why(why, whylen, "not a tipgate database (schema version %d)", info->schema_version);
        goto out;
    }
    if (info->schema_version > db_latest_version()) {
        backup_why(why, whylen,
                   "its schema version %d is newer than this tipgate knows (%d): restore it with "
                   "the tipgate that made it, or a newer one",
                   info->schema_version, db_latest_version());
        goto out;
    }
    rc = DB_OK;
out:
    if (sqlite3_close(h) != SQLITE_OK && rc == DB_OK)
        rc = DB_ERROR;
    return rc;
}

/* Copies the bytes of from into the open descriptor fd. 0 or -1 (why). */
static int backup_copy_bytes(const char *from, int fd, char *why, size_t whylen)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    char *buf = malloc(BACKUP_COPY_CHUNK);
    int rc = in >= 0 && buf ? 0 : -1;
    if (rc != 0)
        backup_why(why, whylen, "cannot read %s: %s", from, buf ? strerror(errno) : "no memory");
    while (rc == 0) {
        ssize_t n = read(in, buf, BACKUP_COPY_CHUNK);
        if (n == 0)
            break;
        for (ssize_t off = 0; n > 0 && off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                n = -1;
                break;
            }
            off += w;
        }
        if (n < 0 && errno != EINTR) {
            backup_why(why, whylen, "cannot copy %s: %s", from, strerror(errno));
            rc = -1;
        }
    }
    if (in >= 0)
        close(in);
    free(buf);
    return rc;
}

int backup_stage(const char *from, const char *db_path, char **staged, struct backup_info *info,
                 char *why, size_t whylen)
{
    char tmp[BACKUP_PATH_MAX];
    int rc = DB_ERROR;
    char dir[BACKUP_PATH_MAX];
    *staged = NULL;
    memset(info, 0, sizeof *info);
    /* A new machine has no database yet, maybe no directory: made owner-only, as db_open does. */
    if (backup_dir_of(db_path, dir, sizeof dir) == 0 && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        backup_why(why, whylen, "cannot create the directory %s: %s", dir, strerror(errno));
        return DB_ERROR;
    }
    if (backup_temp(db_path, tmp, sizeof tmp, why, whylen) != 0)
        return DB_ERROR;
    int fd = open(tmp, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        backup_why(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    int copied = backup_copy_bytes(from, fd, why, whylen);
    if (close(fd) != 0 && copied == 0) {
        backup_why(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
        copied = -1;
    }
    if (copied != 0 || backup_check(tmp, info, why, whylen) != DB_OK ||
        backup_fsync(tmp, &info->bytes, why, whylen) != 0)
        goto out;
    if (!(*staged = strdup(tmp))) {
        backup_why(why, whylen, "out of memory");
        goto out;
    }
    rc = DB_OK;
out:
    if (rc != DB_OK)
        backup_unlink_all(tmp);
    return rc;
}

int backup_unused(const char *path, int busy_timeout_ms, char *why, size_t whylen)
{
    sqlite3 *h = NULL;
    int rc = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        backup_why(why, whylen, "cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "no memory");
        goto out;
    }
    sqlite3_busy_timeout(h, busy_timeout_ms);
    /* In exclusive locking mode a write transaction takes the file's exclusive lock, which
     * SQLite cannot get while any other connection has the database open in WAL mode, even an
     * idle one: that is the proof nobody else uses it, not a guess from a table. */
    if (backup_exec(h, "PRAGMA locking_mode=EXCLUSIVE", why, whylen) != SQLITE_OK)
        goto out;
    int lock = backup_exec(h, "BEGIN EXCLUSIVE", why, whylen);
    if ((lock & 0xff) == SQLITE_BUSY || (lock & 0xff) == SQLITE_LOCKED) {
        backup_why(why, whylen, "%s is open in another process", path);
        rc = 0;
        goto out;
    }
    if (lock != SQLITE_OK || backup_exec(h, "COMMIT", why, whylen) != SQLITE_OK ||
        backup_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", why, whylen) != SQLITE_OK)
        goto out;
    rc = 1;
out:
    if (sqlite3_close(h) != SQLITE_OK && rc == 1)
        rc = -1;
    return rc;
}

/* Sets the current database at db_path aside, with what a close could not fold in. */
static int backup_set_aside(const char *db_path, const char *aside, char *why, size_t whylen)
{
    char from[BACKUP_PATH_MAX + 8], to[BACKUP_PATH_MAX + 8];
    struct stat sb;
    snprintf(from, sizeof from, "%s-wal", db_path);
    snprintf(to, sizeof to, "%s-wal", aside);
    /* A WAL that is still there (the fold failed) holds commits of the old database: it goes
     * with it, else the restored file would be read through the old file's log. */
    if (stat(from, &sb) == 0 && sb.st_size > 0 && rename(from, to) != 0) {
        backup_why(why, whylen, "cannot move %s aside: %s", from, strerror(errno));
        return DB_ERROR;
    }
    unlink(from); /* an empty one */
    snprintf(from, sizeof from, "%s-shm", db_path);
    unlink(from); /* an index of that log, rebuilt from the log whenever needed */
    if (rename(db_path, aside) != 0) {
        backup_why(why, whylen, "cannot rename %s to %s: %s", db_path, aside, strerror(errno));
        return DB_ERROR;
    }
    return DB_OK;
}

int backup_install(const char *staged, const char *db_path, const char *aside, int busy_timeout_ms,
                   char *why, size_t whylen)
{
    char dir[BACKUP_PATH_MAX];
    struct stat sb;
    int had = stat(db_path, &sb) == 0;
    if (backup_dir_of(db_path, dir, sizeof dir) != 0) {
        backup_why(why, whylen, "the path %s is too long", db_path);
        return DB_ERROR;
    }
    /* Run as root (the deployed service runs as a dynamic user), the copy takes the owner of
     * the file it replaces, or the service could not open it. */
    if (had && geteuid() == 0 && chown(staged, sb.st_uid, sb.st_gid) != 0) {
        backup_why(why, whylen, "cannot give %s the owner of %s: %s", staged, db_path,
                   strerror(errno));
        return DB_ERROR;
    }
    if (had) {
        int unused = backup_unused(db_path, busy_timeout_ms, why, whylen);
        if (unused <= 0)
            return unused == 0 ? DB_BUSY : DB_ERROR;
        if (backup_set_aside(db_path, aside, why, whylen) != DB_OK)
            return DB_ERROR;
    }
    if (rename(staged, db_path) != 0) {
        backup_why(why, whylen, "cannot rename %s to %s: %s", staged, db_path, strerror(errno));
        if (had)
            rename(aside, db_path);
        return DB_ERROR;
    }
    return backup_fsync(dir, NULL, why, whylen) == 0 ? DB_OK : DB_ERROR;
}
