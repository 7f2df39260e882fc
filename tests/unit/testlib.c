/*
 * testlib.c — see testlib.h.
 */
#include "testlib.h"

#include "bot/app.h"

#include "base/log.h"
#include "storage/db.h"
#include "text/textengine.h"

#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int testlib_failures;
static char testlib_dir[512];

const char *testlib_tmpdir(void)
{
    if (!testlib_dir[0]) {
        const char *base = getenv("TIPGATE_TEST_TMP");
        if (!base || !*base)
            base = "/tmp";
        mkdir(base, 0700);
        snprintf(testlib_dir, sizeof testlib_dir, "%s/unit-XXXXXX", base);
        if (!mkdtemp(testlib_dir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return testlib_dir;
}

const char *testlib_write(const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", testlib_tmpdir(), name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

int testlib_app(struct app *app, const char *name, const char *config)
{
    char file[128], err[512] = "";
    snprintf(file, sizeof file, "%s.json", name);
    int rc = app_init(app, testlib_write(file, config), err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "  app_init: %s\n", err);
        app_free(app);
    }
    return rc;
}

int testlib_run(const struct testlib_case *cases, size_t n)
{
    if (!getenv("TIPGATE_TEST_VERBOSE"))
        log_set_level(LOG_ERROR);
    platform_registry_init(); /* as app_init does: handlers ask platforms' caps by name */
    app_register_settings();  /* as every command does before reading a configuration */
    int failed_cases = 0;
    for (size_t i = 0; i < n; i++) {
        int before = testlib_failures;
        cases[i].fn();
        int ok = testlib_failures == before;
        failed_cases += !ok;
        printf("%s %s\n", ok ? "ok  " : "FAIL", cases[i].name);
    }
    printf("%zu cases, %d failed\n", n, failed_cases);
    if (testlib_dir[0] && failed_cases == 0) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", testlib_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", testlib_dir);
    }
    log_shutdown();
    return failed_cases ? 1 : 0;
}

struct db *testlib_db(const char *name, int version)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", testlib_tmpdir(), name);
    struct db *db = NULL;
    CHECK_INT(db_open(path, NULL, &db), DB_OK);
    if (db && db_migrate(db, version) != DB_OK) {
        CHECK(!"migrate");
        db_close(db);
        db = NULL;
    }
    return db;
}

void testlib_exec(struct db *db, const char *sql)
{
    char *why = NULL;
    if (sqlite3_exec(db_handle(db), sql, NULL, NULL, &why) != SQLITE_OK) {
        fprintf(stderr, "exec failed: %s\n  %s\n", why ? why : "?", sql);
        testlib_failures++;
    }
    sqlite3_free(why);
}

int64_t testlib_q1(struct db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "q1 failed: %s\n  %s\n", sqlite3_errmsg(db_handle(db)), sql);
    sqlite3_finalize(st);
    return v;
}

static int testlib_capture_saved = -1;

static const char *testlib_capture_path(void)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/stderr.txt", testlib_tmpdir());
    return path;
}

void testlib_capture_begin(void)
{
    fflush(stderr);
    testlib_capture_saved = dup(2);
    int fd = open(testlib_capture_path(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
}

const char *testlib_capture_end(void)
{
    static char buf[8192];
    fflush(stderr);
    dup2(testlib_capture_saved, 2);
    close(testlib_capture_saved);
    buf[0] = '\0';
    FILE *f = fopen(testlib_capture_path(), "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

struct textengine *testlib_engine(void)
{
    struct textengine *te = NULL;
    char err[512];
    if (textengine_load(TIPGATE_SOURCE_DIR "/config/categories.vi.json", &te, err, sizeof err) !=
        TEXTENGINE_OK) {
        fprintf(stderr, "textengine_load: %s\n", err);
        exit(1);
    }
    return te;
}
