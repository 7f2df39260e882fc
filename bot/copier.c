/*
 * copier.c — see copier.h. One thread, one database connection, one CURL handle. A download
 * is aborted from its progress callback when the service stops, so stopping never waits for a
 * slow CDN. Nothing of a URL is logged (Telegram's holds the token): a failure is told by the
 * attachment's id, the platform and what the platform or the transfer said.
 */
#include "bot/copier.h"

#include "base/clock.h"
#include "base/log.h"
#include "bot/app_core.h"
#include "bot/botapi.h"
#include "bot/platform.h"
#include "storage/photo_copies.h"
#include "storage/uploads.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The waits before each next try, then it is given up. */
static const int64_t copier_backoff_ms[] = {60000, 300000, 1800000, 7200000, 21600000};
enum { COPIER_TRIES = sizeof copier_backoff_ms / sizeof copier_backoff_ms[0] + 1 };

struct copier {
    struct app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool pending, stop;
    atomic_int aborting; /* read by the transfer's progress callback */
    struct db *db;
    CURL *easy;
    char dir[UPLOADS_PATH_MAX];
};

static int copier_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                           curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct copier *c = arg;
    return atomic_load(&c->aborting) ? 1 : 0;
}

/* A fresh handle state for the next request, abortable by copier_stop. */
static void copier_reset(struct copier *c)
{
    curl_easy_reset(c->easy);
    curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c->easy, CURLOPT_XFERINFOFUNCTION, copier_progress);
    curl_easy_setopt(c->easy, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT, (long)COPIER_CONNECT_TIMEOUT_S);
}

/* GETs url into b. 0, PLATFORM_FILE_GONE when the server refused the file for good (4xx, too
 * large), or -1 to try later (no answer, 5xx, 429). */
static int copier_download(struct copier *c, const char *url, struct botapi_buf *b, char *why,
                           size_t whylen)
{
    copier_reset(c);
    curl_easy_setopt(c->easy, CURLOPT_URL, url);
    curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c->easy, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, (long)COPIER_TIMEOUT_S);
    curl_easy_setopt(c->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)UPLOADS_MAX_BYTES);
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, botapi_buf_write);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, b);
    botapi_buf_reset(b, (size_t)UPLOADS_MAX_BYTES + 1); /* the bytes and botapi_buf's NUL */
    CURLcode rc = curl_easy_perform(c->easy);
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    /* past the cap: told by Content-Length, or the write refused (out of memory would read
     * the same, and is as final for this file) */
    if (rc == CURLE_FILESIZE_EXCEEDED || rc == CURLE_WRITE_ERROR) {
        snprintf(why, whylen, "larger than %d bytes", UPLOADS_MAX_BYTES);
        return PLATFORM_FILE_GONE;
    }
    if (rc != CURLE_OK) {
        snprintf(why, whylen, "download: %s", curl_easy_strerror(rc));
        return -1;
    }
    if (status != 200) {
        snprintf(why, whylen, "download: HTTP %ld", status);
        return status >= 400 && status < 500 && status != 408 && status != 429 ? PLATFORM_FILE_GONE
                                                                               : -1;
    }
    return 0;
}

/* The started platform named name, its ops into *ops and state into *state; false when it does
 * not run in this process or cannot give files. */
static bool copier_platform(struct copier *c, const char *name, const struct platform_ops **ops,
                            void **state)
{
    for (int i = 0; platform_registry[i]; i++) {
        if (strcmp(platform_registry[i]->name, name) != 0)
            continue;
        *ops = platform_registry[i];
        *state = c->app->pstate[i];
        return c->app->pstarted[i] && (*ops)->file_url;
    }
    return false;
}

/* Fetches one photo and stores it: 0 with local ("upload:<hex>"), else as copier_download. */
static int copier_fetch(struct copier *c, const struct photo_copies_job *job, char *local, size_t n,
                        char why[PLATFORM_WHY_MAX])
{
    const struct platform_ops *ops = NULL;
    void *state = NULL;
    char url[PLATFORM_URL_MAX];
    struct botapi_buf b = {0};
    if (!copier_platform(c, job->platform, &ops, &state)) {
        snprintf(why, PLATFORM_WHY_MAX, "platform %s is not running here",
                 *job->platform ? job->platform : "(none)");
        return -1;
    }
    copier_reset(c);
    int rc = ops->file_url(state, c->easy, job->ref, url, why);
    if (rc == 0)
        rc = copier_download(c, url, &b, why, PLATFORM_WHY_MAX);
    memset(url, 0, sizeof url); /* it may hold the bot's token */
    char hex[UPLOADS_HEX_LEN + 1];
    bool existed = false;
    if (rc == 0 && !uploads_sniff(b.data, b.len)) {
        snprintf(why, PLATFORM_WHY_MAX, "not a photo (%zu bytes)", b.len);
        rc = PLATFORM_FILE_GONE;
    } else if (rc == 0 && uploads_save(c->dir, b.data, b.len, hex, &existed) != 0) {
        snprintf(why, PLATFORM_WHY_MAX, "cannot store it: %s", strerror(errno));
        rc = -1;
    } else if (rc == 0) {
        snprintf(local, n, "%s%s", UPLOADS_REF_PREFIX, hex);
    }
    botapi_buf_free(&b);
    return rc;
}

/* Copies one claimed photo and records the outcome. */
static void copier_one(struct copier *c, const struct photo_copies_job *job)
{
    char local[sizeof UPLOADS_REF_PREFIX + UPLOADS_HEX_LEN];
    char why[PLATFORM_WHY_MAX] = "";
    int rc = copier_fetch(c, job, local, sizeof local, why);
    int64_t now = clock_now_ms(), next = -1;
    if (rc == 0) {
        if (photo_copies_done(c->db, job->id, local) != DB_OK)
            log_error("copier", "photo %lld: copied but not recorded", (long long)job->id);
        return;
    }
    if (rc != PLATFORM_FILE_GONE && job->tries + 1 < COPIER_TRIES)
        next = now + copier_backoff_ms[job->tries];
    if (next < 0)
        log_warn("copier", "photo %lld from %s: given up after %d tries: %s", (long long)job->id,
                 job->platform, job->tries + 1, why);
    else
        log_info("copier", "photo %lld from %s: %s; trying again later", (long long)job->id,
                 job->platform, why);
    if (photo_copies_failed(c->db, job->id, why, next) != DB_OK)
        log_error("copier", "photo %lld: the failed try was not recorded", (long long)job->id);
}

/* Sleeps until woken, stopped, or the next photo is due (at least min_ms, at most
 * COPIER_IDLE_MS). */
static bool copier_wait(struct copier *c, int64_t min_ms)
{
    int64_t due = 0, wait = COPIER_IDLE_MS;
    int rc = photo_copies_next_due(c->db, &due);
    if (rc == DB_OK)
        wait = due - clock_now_ms();
    if (wait < min_ms)
        wait = min_ms;
    if (wait > COPIER_IDLE_MS)
        wait = COPIER_IDLE_MS;
    pthread_mutex_lock(&c->lock);
    if (wait > 0 && !c->pending) {
        struct timespec deadline = clock_mono_deadline(wait);
        while (!c->pending && !c->stop)
            if (pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == ETIMEDOUT)
                break;
    }
    c->pending = false;
    bool stop = c->stop;
    pthread_mutex_unlock(&c->lock);
    return stop;
}

static void *copier_main(void *arg)
{
    struct copier *c = arg;
    struct photo_copies_job jobs[COPIER_BATCH];
    bool failing = false;
    /* a database that refuses reads or writes is not asked again at once */
    while (!copier_wait(c, failing ? COPIER_RETRY_MS : 0)) {
        int n = 0;
        int rc = photo_copies_claim(c->db, clock_now_ms(), COPIER_LEASE_MS, jobs, COPIER_BATCH, &n);
        if (rc != DB_OK && !failing)
            log_error("copier", "cannot read the photos to copy; trying again later");
        failing = rc != DB_OK;
        for (int i = 0; i < n && !atomic_load(&c->aborting); i++)
            copier_one(c, &jobs[i]);
        photo_copies_jobs_clear(jobs, n);
        if (n == COPIER_BATCH)
            copier_wake(c); /* more may be due */
    }
    return NULL;
}

static void copier_free(struct copier *c)
{
    if (c->easy)
        curl_easy_cleanup(c->easy);
    db_close(c->db);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int copier_start(struct app *app, struct copier **out)
{
    *out = NULL;
    struct copier *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->app = app;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (uploads_dir(app->cfg->storage_path, c->dir, sizeof c->dir) != 0 ||
        app_open_db(app, &c->db) != 0 || !(c->easy = curl_easy_init()) ||
        pthread_create(&c->thread, NULL, copier_main, c) != 0) {
        log_error("copier", "cannot start: photos from the platforms will not reach the web desk");
        copier_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void copier_wake(struct copier *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->pending = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

void copier_stop(struct copier *c)
{
    if (!c)
        return;
    atomic_store(&c->aborting, 1);
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    copier_free(c);
}
