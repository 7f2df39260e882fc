/*
 * cli_backup.c — `tipgate backup --to FILE|DIR/ [--keep N] [--force]` and `tipgate restore
 * --from FILE` (cli/cli_commands.h), the operator's side of storage/backup.h.
 *
 * backup reads the configured database while `tipgate serve` runs and writes a checked,
 * owner-only copy. Given a directory (an existing one, or a path ending in '/'), it names the
 * copy tipgate-YYYYMMDD-HHMMSS.db (UTC) and, with --keep N, then deletes the oldest copies so
 * named there beyond the newest N — the daily timer's retention (scripts/tipgate-backup.*).
 * Files of any other name in the directory are never touched.
 *
 * restore refuses while anything uses the database, on two proofs: a registered sender
 * (bot/owner.h) the kernel says is alive — named in the message, pid and command — and,
 * failing that, a connection of any other process (backup_unused: an exclusive lock cannot be
 * taken). Only then does it copy and check the file and swap it in; the database it replaces
 * is kept beside it as FILE.before-restore-YYYYMMDD-HHMMSS.
 */
#include "cli/cli_commands.h"

#include "base/clock.h"
#include "base/log.h"
#include "bot/app.h"
#include "bot/owner.h"
#include "storage/backup.h"
#include "storage/db.h"
#include "storage/outbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    CLI_BACKUP_PATH_MAX = 4096,
    CLI_BACKUP_KEEP_MAX = 1000, /* --keep: more copies than that is a typo */
    CLI_BACKUP_STAMP = 32,      /* "YYYYMMDD-HHMMSS" */
};

#define CLI_BACKUP_PREFIX "tipgate-"
#define CLI_BACKUP_SUFFIX ".db"
/* strlen("tipgate-YYYYMMDD-HHMMSS.db") */
#define CLI_BACKUP_NAME_LEN (sizeof CLI_BACKUP_PREFIX - 1 + 15 + sizeof CLI_BACKUP_SUFFIX - 1)

/* "YYYYMMDD-HHMMSS" (UTC: names sort in time order whatever the zone) of the clock's now. */
static void cli_backup_stamp(char *out, size_t size)
{
    time_t t = (time_t)(clock_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y%m%d-%H%M%S", &tm);
}

static double cli_backup_seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Loads the configuration (no database opened): 0 or APP_EXIT_CONFIG (printed). */
static int cli_backup_cfg(const char *config, struct cfg **cfg)
{
    char err[CFG_ERR_MAX];
    if (app_load_cfg(config, cfg, err) != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        return APP_EXIT_CONFIG;
    }
    log_set_level((enum log_level)log_level_parse((*cfg)->log_level));
    return 0;
}

/* 1 when name is one of ours: tipgate-YYYYMMDD-HHMMSS.db. */
static int cli_backup_ours(const char *name)
{
    size_t p = sizeof CLI_BACKUP_PREFIX - 1;
    if (strlen(name) != CLI_BACKUP_NAME_LEN || strncmp(name, CLI_BACKUP_PREFIX, p) != 0 ||
        strcmp(name + CLI_BACKUP_NAME_LEN - (sizeof CLI_BACKUP_SUFFIX - 1), CLI_BACKUP_SUFFIX))
        return 0;
    for (size_t i = 0; i < 15; i++)
        if (i == 8 ? name[p + i] != '-' : (name[p + i] < '0' || name[p + i] > '9'))
            return 0;
    return 1;
}

static int cli_backup_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes the oldest tipgate-*.db copies in dir beyond the newest keep. 0 or APP_EXIT_RUNTIME. */
static int cli_backup_prune(const char *dir, int keep)
{
    char *names[CLI_BACKUP_KEEP_MAX * 2];
    int n = 0, rc = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "tipgate: --keep: cannot read %s: %s\n", dir, strerror(errno));
        return APP_EXIT_RUNTIME;
    }
    struct dirent *e;
    int full = 0;
    while (!full && (e = readdir(d)))
        if (cli_backup_ours(e->d_name) && !(full = n == (int)(sizeof names / sizeof names[0])) &&
            (names[n] = strdup(e->d_name)))
            n++;
    closedir(d);
    if (full) { /* the oldest may be among those not read: deleting any could miss the mark */
        fprintf(stderr, "tipgate: --keep: more than %d copies in %s; nothing deleted\n", n, dir);
        rc = APP_EXIT_RUNTIME;
        keep = n;
    }
    qsort(names, (size_t)n, sizeof names[0], cli_backup_cmp);
    for (int i = 0; i < n; i++) {
        char path[CLI_BACKUP_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (i < n - keep) {
            if (unlink(path) == 0) {
                printf("removed the old copy %s\n", path);
            } else {
                fprintf(stderr, "tipgate: cannot remove %s: %s\n", path, strerror(errno));
                rc = APP_EXIT_RUNTIME;
            }
        }
        free(names[i]);
    }
    return rc;
}

/* The file to write: --to itself, or DIR/tipgate-STAMP.db when --to is a directory (made
 * owner-only, as is the directory of FILE, when missing). *dir is set to 1 in the second case. */
static int cli_backup_target(const char *to, char *out, size_t size, int *dir)
{
    struct stat sb;
    size_t n = strlen(to);
    char parent[CLI_BACKUP_PATH_MAX];
    *dir = (stat(to, &sb) == 0 && S_ISDIR(sb.st_mode)) || (n && to[n - 1] == '/');
    const char *slash = *dir ? NULL : strrchr(to, '/');
    snprintf(parent, sizeof parent, "%.*s", (int)(*dir ? n : slash ? (size_t)(slash - to) : 0), to);
    /* The directory of the copies, owner-only when it is made here (one level). */
    if (parent[0] && mkdir(parent, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "tipgate: cannot create the directory %s: %s\n", parent, strerror(errno));
        return APP_EXIT_RUNTIME;
    }
    if (!*dir) {
        snprintf(out, size, "%s", to);
        return 0;
    }
    char stamp[CLI_BACKUP_STAMP];
    cli_backup_stamp(stamp, sizeof stamp);
    int k = snprintf(out, size, "%.*s/" CLI_BACKUP_PREFIX "%s" CLI_BACKUP_SUFFIX,
                     (int)(n && to[n - 1] == '/' ? n - 1 : n), to, stamp);
    return k > 0 && (size_t)k < size ? 0 : 2;
}

/* --keep N: 0 when absent; -1 when not a number from 1 to CLI_BACKUP_KEEP_MAX. */
static int cli_backup_keep(const char *s)
{
    if (!s)
        return 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= 1 && v <= CLI_BACKUP_KEEP_MAX ? (int)v : -1;
}

static void cli_backup_report(const char *what, const char *path, const struct backup_info *i)
{
    printf("%s %s: %.1f MB (%lld pages of %d bytes), schema version %d, integrity ok\n", what, path,
           (double)i->bytes / 1e6, (long long)i->pages, i->page_size, i->schema_version);
}

int cli_backup(const char *config, const struct cli_args *a)
{
    int keep = cli_backup_keep(a->keep), dir = 0;
    if (a->action || !a->to || !*a->to || keep < 0) {
        fprintf(stderr,
                "tipgate: usage: tipgate backup --to FILE|DIR/ [--keep N (1-%d, with a "
                "directory)] [--force] [--config FILE]\n",
                CLI_BACKUP_KEEP_MAX);
        return 2;
    }
    char target[CLI_BACKUP_PATH_MAX], why[BACKUP_WHY_MAX];
    int rc = cli_backup_target(a->to, target, sizeof target, &dir);
    if (rc == 0 && keep && !dir) {
        fprintf(stderr, "tipgate: --keep needs --to to be a directory (its copies are named "
                        "tipgate-YYYYMMDD-HHMMSS.db)\n");
        rc = 2;
    }
    struct cfg *cfg = NULL;
    if (rc != 0 || (rc = cli_backup_cfg(config, &cfg)) != 0)
        return rc;
    struct backup_options opt = {.busy_timeout_ms = cfg->storage_busy_timeout_ms,
                                 .force = a->force != NULL};
    struct backup_info info;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = backup_copy(cfg->storage_path, target, &opt, &info, why, sizeof why);
    if (st == DB_DUPLICATE) {
        fprintf(stderr,
                "tipgate: backup refused: %s (nothing was written; --force replaces "
                "it)\n",
                why);
        rc = APP_EXIT_RUNTIME;
    } else if (st != DB_OK) {
        fprintf(stderr, "tipgate: backup failed: %s (nothing was written)\n", why);
        rc = APP_EXIT_RUNTIME;
    } else {
        cli_backup_report("backup written to", target, &info);
        printf("copied from %s in %.2f s, of which %.2f s the integrity check\n", cfg->storage_path,
               cli_backup_seconds_since(&t0), info.check_s);
        if (keep) {
            char d[CLI_BACKUP_PATH_MAX];
            snprintf(d, sizeof d, "%s", target);
            *strrchr(d, '/') = '\0';
            rc = cli_backup_prune(d, keep);
        }
    }
    cfg_free(cfg);
    return rc;
}

/* A sender (serve, chat) registered on the database at path that the kernel says is alive:
 * 1 (printed), 0 none, -1 the owners could not be read (the lock decides). */
static int cli_restore_live_owner(const struct cfg *cfg)
{
    struct db_options dopt = {.busy_timeout_ms = cfg->storage_busy_timeout_ms,
                              .synchronous_full = 1};
    struct outbox_owner me, rows[OUTBOX_OWNERS_MAX];
    struct db *db = NULL;
    int64_t has = 0;
    int n = 0, live = -1;
    if (db_open(cfg->storage_path, &dopt, &db) != DB_OK ||
        db_query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'outbox_owners'", &has) !=
            DB_OK ||
        (has && outbox_owner_list(db, rows, OUTBOX_OWNERS_MAX, &n) != DB_OK))
        goto out;
    owner_identify(&me, "restore", clock_now_ms());
    live = 0;
    for (int i = 0; i < n && !live; i++) {
        if (owner_gone(&me, &rows[i], owner_wall_ms()))
            continue;
        fprintf(stderr,
                "tipgate: restore refused: tipgate %s (pid %lld) is running on %s; "
                "stop it first (systemctl stop tipgate). Nothing was changed.\n",
                rows[i].command, (long long)rows[i].pid, cfg->storage_path);
        live = 1;
    }
out:
    db_close(db);
    return live;
}

static void cli_restore_refused_busy(const char *path, const char *why)
{
    fprintf(stderr,
            "tipgate: restore refused: %s (a tipgate serve, chat or operator command, or a "
            "sqlite3 shell); stop it first. Nothing was changed.\n",
            why[0] ? why : path);
}

/* Refusals before anything is copied: a live sender, or any open connection. 0 or 1. */
static int cli_restore_in_use(const struct cfg *cfg)
{
    char why[BACKUP_WHY_MAX] = "";
    struct stat sb;
    if (stat(cfg->storage_path, &sb) != 0)
        return 0; /* no database yet: nothing to refuse */
    if (cli_restore_live_owner(cfg) == 1)
        return APP_EXIT_RUNTIME;
    int unused = backup_unused(cfg->storage_path, cfg->storage_busy_timeout_ms, why, sizeof why);
    if (unused == 1)
        return 0;
    if (unused == 0)
        cli_restore_refused_busy(cfg->storage_path, why);
    else
        fprintf(stderr,
                "tipgate: restore refused: the current database cannot be opened (%s); "
                "stop the service and move %s away yourself, then restore again. "
                "Nothing was changed.\n",
                why, cfg->storage_path);
    return APP_EXIT_RUNTIME;
}

static void cli_restore_report(const char *from, const char *db, const char *aside, int had,
                               const struct backup_info *info, double seconds)
{
    cli_backup_report("restored", db, info);
    printf("from %s in %.2f s, of which %.2f s the integrity check\n", from, seconds,
           info->check_s);
    if (had)
        printf("the database it replaced is kept as %s\n", aside);
    if (info->schema_version < db_latest_version())
        printf("its schema version %d is older than this tipgate's (%d): the next start "
               "(tipgate serve, or tipgate migrate) upgrades it as usual\n",
               info->schema_version, db_latest_version());
}

int cli_restore(const char *config, const struct cli_args *a)
{
    char why[BACKUP_WHY_MAX], aside[CLI_BACKUP_PATH_MAX], stamp[CLI_BACKUP_STAMP];
    char *staged = NULL;
    struct backup_info info;
    struct timespec t0;
    struct stat sb;
    struct cfg *cfg = NULL;
    if (a->action || !a->from || !*a->from) {
        fprintf(stderr, "tipgate: usage: tipgate restore --from FILE [--config FILE]\n");
        return 2;
    }
    int found = stat(a->from, &sb) == 0;
    if (!found || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "tipgate: cannot read %s: %s\n", a->from,
                found ? "not a regular file" : strerror(errno));
        return 2;
    }
    int rc = cli_backup_cfg(config, &cfg);
    if (rc != 0 || (rc = cli_restore_in_use(cfg)) != 0)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = APP_EXIT_RUNTIME;
    if (backup_stage(a->from, cfg->storage_path, &staged, &info, why, sizeof why) != DB_OK) {
        fprintf(stderr, "tipgate: restore refused: %s: %s. Nothing was changed.\n", a->from, why);
        goto out;
    }
    cli_backup_stamp(stamp, sizeof stamp);
    snprintf(aside, sizeof aside, "%s.before-restore-%s", cfg->storage_path, stamp);
    int had = stat(cfg->storage_path, &sb) == 0;
    int st = backup_install(staged, cfg->storage_path, aside, cfg->storage_busy_timeout_ms, why,
                            sizeof why);
    if (st == DB_OK) {
        cli_restore_report(a->from, cfg->storage_path, aside, had, &info,
                           cli_backup_seconds_since(&t0));
        rc = 0;
    } else if (st == DB_BUSY) {
        cli_restore_refused_busy(cfg->storage_path, why);
    } else {
        fprintf(stderr, "tipgate: restore failed: %s\n", why);
    }
    if (st != DB_OK)
        unlink(staged);
    free(staged);
out:
    cfg_free(cfg);
    return rc;
}
