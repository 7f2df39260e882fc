/*
 * backup.h — a consistent copy of the database taken while the service writes to it, and
 * putting such a copy back in place (`tipgate backup`, `tipgate restore`: cli/cli_backup.c).
 *
 * A copy is made in a temporary file beside its destination (owner-only from its creation),
 * checked (PRAGMA integrity_check), flushed to the disk and only then given its name, so a
 * file with the destination's name is always a whole, checked database. Restoring copies the
 * file next to the database, checks it the same way and against the schema versions this
 * binary knows, makes sure no other process has the database open, sets the current database
 * aside under another name and renames the copy into place.
 *
 * Only storage facts live here; who is running (bot/owner.h) is the command's business.
 */
#ifndef TIPGATE_BACKUP_H
#define TIPGATE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

enum {
    BACKUP_WHY_MAX = 512,     /* one line saying what failed */
    BACKUP_STEP_PAGES = 4096, /* pages copied per sqlite3_backup_step (16 MiB at 4 KiB) */
    BACKUP_PAUSE_US = 1000,   /* pause between steps, giving the disk to the service */
};

/* What a checked database file holds. */
struct backup_info {
    int64_t bytes;      /* size of the file */
    int64_t pages;      /* PRAGMA page_count */
    int page_size;      /* bytes */
    int schema_version; /* PRAGMA user_version: the last migration applied */
    double check_s;     /* seconds PRAGMA integrity_check took */
};

struct backup_options {
    int busy_timeout_ms; /* for the read snapshot of the source */
    int force;           /* 1: replace an existing destination */
};

/* Copies the database at src (which must exist; it is only read, as one snapshot, while
 * other connections go on writing) to dest, checked and fsynced; info describes the copy.
 * DB_OK, DB_DUPLICATE when dest exists and !opt->force (nothing written), DB_ERROR otherwise
 * with why saying what failed (no file is left at dest, nor any temporary file). */
int backup_copy(const char *src, const char *dest, const struct backup_options *opt,
                struct backup_info *info, char *why, size_t whylen);

/* Checks that path is a whole tipgate database: SQLite can read it, PRAGMA integrity_check
 * says "ok", and its schema version is neither 0 (not a tipgate database) nor newer than the
 * migrations compiled in. DB_OK with info filled, else DB_ERROR with why. The file is read
 * only, but SQLite may create and remove path-wal and path-shm beside it meanwhile. */
int backup_check(const char *path, struct backup_info *info, char *why, size_t whylen);

/* Copies from (any file; read, never changed) to a new owner-only temporary file beside
 * db_path, fsynced, and checks it (backup_check). On DB_OK *staged is that file's path (the
 * caller frees it and either backup_install()s it or unlinks it); on DB_ERROR nothing is left
 * behind and why says what failed. */
int backup_stage(const char *from, const char *db_path, char **staged, struct backup_info *info,
                 char *why, size_t whylen);

/* 1 when no other connection, in this process or another, has the database at path open
 * (an exclusive lock could be taken); its WAL is then folded into the file and removed. 0 when
 * the database is in use (why says so), -1 on another failure (why). path must exist. */
int backup_unused(const char *path, int busy_timeout_ms, char *why, size_t whylen);

/* Puts staged (from backup_stage) in place of db_path: if db_path exists it must be unused
 * (backup_unused, checked again here) and is renamed to aside (with its WAL, if one could not
 * be folded in; a stale shared-memory file is removed), then staged is renamed to db_path and
 * the directory is fsynced. Run as root, staged first takes the owner of db_path. DB_OK; DB_BUSY
 * when the database is in use (nothing changed); DB_ERROR with why (the current database is back in
 * place when the last rename failed). */
int backup_install(const char *staged, const char *db_path, const char *aside, int busy_timeout_ms,
                   char *why, size_t whylen);

#endif
