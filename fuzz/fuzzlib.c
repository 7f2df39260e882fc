/*
 * fuzzlib.c — see fuzzlib.h. One scratch directory and at most one service per process; both
 * live until exit, when an atexit handler stops what was started and removes the directory.
 */
#include "fuzz/fuzzlib.h"

#include "base/clock.h"
#include "base/log.h"
#include "bot/app.h"
#include "bot/platform.h"
#include "storage/db.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    FUZZ_CONFIG_MAX = 8192, /* the service's configuration, platforms included */
    FUZZ_TRIM_EVERY = 4096, /* calls of fuzzlib_trim between two deletions */
};

static char fuzz_dir[PATH_MAX];
static char fuzz_path[PATH_MAX];
static struct app fuzz_app;
static int fuzz_app_ready;
static const struct platform_ops *fuzz_started_ops;
static void *fuzz_started_state;

static void fuzzlib_cleanup(void)
{
    if (fuzz_started_ops && fuzz_started_ops->stop)
        fuzz_started_ops->stop(fuzz_started_state);
    fuzz_started_ops = NULL;
    if (fuzz_app_ready)
        app_free(&fuzz_app);
    fuzz_app_ready = 0;
    if (fuzz_dir[0]) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzzlib: could not remove %s\n", fuzz_dir);
        fuzz_dir[0] = '\0';
    }
}

void fuzzlib_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    log_set_level(LOG_OFF);
    clock_set_fake(FUZZ_NOW_MS);
    platform_registry_init();
    if (app_register_settings() != 0) {
        fprintf(stderr, "fuzzlib: cannot register the settings blocks\n");
        exit(2);
    }
    atexit(fuzzlib_cleanup);
}

const char *fuzzlib_dir(void)
{
    if (fuzz_dir[0])
        return fuzz_dir;
    const char *base = getenv("TIPGATE_TEST_TMP");
    if (!base || !*base)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char mk[PATH_MAX + 16];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", base);
    if (system(mk) != 0)
        fprintf(stderr, "fuzzlib: could not create %s\n", base);
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/tipgate-fuzz-XXXXXX", base);
    if (!mkdtemp(fuzz_dir)) {
        perror("fuzzlib: mkdtemp");
        exit(2);
    }
    return fuzz_dir;
}

char *fuzzlib_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

const char *fuzzlib_write(const char *name, const void *data, size_t size)
{
    snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzzlib_dir(), name);
    FILE *f = fopen(fuzz_path, "wb");
    if (!f)
        return NULL;
    int ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    return ok ? fuzz_path : NULL;
}

struct app *fuzzlib_app(const char *platforms_json)
{
    if (fuzz_app_ready)
        return &fuzz_app;
    fuzzlib_init();
    char config[FUZZ_CONFIG_MAX], err[512] = "";
    int n = snprintf(config, sizeof config,
                     "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s/fuzz.db\"}, "
                     "\"platforms\": %s}",
                     fuzzlib_dir(), platforms_json);
    const char *path = n > 0 && (size_t)n < sizeof config
                           ? fuzzlib_write("tipgate.json", config, (size_t)n)
                           : NULL;
    if (!path || app_init(&fuzz_app, path, err, sizeof err) != 0) {
        fprintf(stderr, "fuzzlib: app_init: %s\n", path ? err : "configuration not written");
        exit(2);
    }
    log_set_level(LOG_OFF);
    fuzz_app_ready = 1;
    return &fuzz_app;
}

void *fuzzlib_start_platform(const char *name)
{
    const struct platform_ops *ops = platform_find(name);
    void *state = NULL;
    if (!fuzz_app_ready || !ops || !ops->start || ops->start(&fuzz_app, &state) != 0) {
        fprintf(stderr, "fuzzlib: cannot start platform %s\n", name);
        exit(2);
    }
    fuzz_started_ops = ops;
    fuzz_started_state = state;
    return state;
}

void fuzzlib_trim(void)
{
    static unsigned calls;
    if (!fuzz_app_ready || ++calls % FUZZ_TRIM_EVERY != 0)
        return;
    if (db_run0(fuzz_app.db, "DELETE FROM inbox") != DB_OK ||
        db_run0(fuzz_app.db, "DELETE FROM webchat_identities") != DB_OK ||
        db_run0(fuzz_app.db, "DELETE FROM platform_windows") != DB_OK)
        fprintf(stderr, "fuzzlib: could not trim the database\n");
}
