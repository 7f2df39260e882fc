/*
 * worker.c — see worker.h. The thread sleeps on a condition variable until woken (a new inbox
 * row) or WORKER_IDLE_MS passes; the timeout is a safety net for rows written by another
 * process (`tipgate chat` beside `serve`) and will drive the scheduler's ticks.
 */
#include "bot/worker.h"

#include "bot/app.h"
#include "bot/clock.h"
#include "bot/log.h"
#include "bot/msg.h"
#include "handlers/router.h"
#include "storage/inbox.h"
#include "storage/people.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define WORKER_IDLE_MS 1000

struct worker {
    struct app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int pending; /* wake-ups not yet seen */
    int stop;
};

/* Records the sender and chat so handlers can rely on their rows. */
static int worker_record(struct db *db, const struct msg *m, int64_t now)
{
    if (m->sender_id &&
        people_touch(db, m->platform, m->sender_id, m->sender_name, now, NULL) != DB_OK)
        return -1;
    if (chats_touch(db, m->platform, m->chat_id, m->is_group ? "group" : "private", m->chat_title,
                    now) != DB_OK)
        return -1;
    return 0;
}

static int worker_handle(struct app *app, struct db *db, const struct msg *m, int64_t now,
                         unsigned *touched)
{
    const struct platform_ops *ops = platform_find(m->platform);
    static const struct platform_caps no_caps = {0};
    struct hctx ctx = {
        .db = db,
        .cfg = app->cfg,
        .texts = app->texts,
        .msg = m,
        .caps = ops ? &ops->caps : &no_caps,
        .now_ms = now,
        .args = "",
    };
    if (worker_record(db, m, now) != 0 || router_dispatch(&ctx) != 0)
        return -1;
    *touched |= ctx.touched;
    return 0;
}

/* One update in its own savepoint: its effects and its processed mark stand or fall together. */
static int worker_process_row(struct app *app, struct db *db, const struct inbox_row *row,
                              unsigned *touched)
{
    int64_t now = clock_now_ms();
    struct msg m;
    const char *error = NULL;
    if (db_savepoint(db) != DB_OK)
        return -1;
    if (msg_from_json(row->message, &m) != 0) {
        error = "malformed normalised message";
    } else {
        unsigned mine = 0;
        if (worker_handle(app, db, &m, now, &mine) != 0)
            error = "handler failed";
        else
            *touched |= mine;
        msg_clear(&m);
    }
    if (error) {
        /* Undo the handler's partial effects but keep the update, marked, for the operator. */
        log_error("worker", "inbox row %lld (%s): %s", (long long)row->id, row->platform, error);
        if (db_rollback_to(db) != DB_OK || db_savepoint(db) != DB_OK)
            return -1;
    }
    if (inbox_mark_processed(db, row->id, now, error) == DB_ERROR) {
        db_rollback_to(db);
        return -1;
    }
    return db_release(db) == DB_OK ? 0 : -1;
}

int worker_run_batch(struct app *app, struct db *db, int *done, unsigned *touched)
{
    struct inbox_row rows[WORKER_BATCH];
    int n = 0, rc = -1;
    *done = 0;
    *touched = 0;
    if (db_begin(db) != DB_OK)
        return -1;
    if (inbox_pending(db, WORKER_BATCH, rows, &n) != DB_OK)
        goto out;
    for (int i = 0; i < n; i++)
        if (worker_process_row(app, db, &rows[i], touched) != 0)
            goto out;
    if (db_commit(db) != DB_OK)
        goto out;
    *done = n;
    rc = 0;
out:
    if (rc != 0) {
        db_rollback(db);
        *touched = 0;
    }
    for (int i = 0; i < n; i++)
        inbox_row_clear(&rows[i]);
    return rc;
}

/* Waits for a wake-up or the idle timeout. Returns 1 when asked to stop. */
static int worker_wait(struct worker *w)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += WORKER_IDLE_MS / 1000;
    pthread_mutex_lock(&w->lock);
    while (!w->pending && !w->stop)
        if (pthread_cond_timedwait(&w->cond, &w->lock, &deadline) == ETIMEDOUT)
            break;
    w->pending = 0;
    int stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

static int worker_stopping(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    int stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct db *db = NULL;
    if (app_open_db(w->app, &db) != 0) {
        log_error("worker", "cannot open the database; no update will be processed");
        return NULL;
    }
    int failures = 0;
    for (;;) {
        int done = 0;
        unsigned touched = 0;
        int rc = worker_run_batch(w->app, db, &done, &touched);
        if (touched)
            app_wake_platforms(w->app, touched);
        failures = rc == 0 ? 0 : failures + 1;
        if (rc == 0 && done == WORKER_BATCH && !worker_stopping(w))
            continue; /* more may be waiting */
        if (failures)
            log_warn("worker", "batch failed (%d in a row); retrying after a pause", failures);
        if (worker_wait(w))
            break;
    }
    db_close(db);
    return NULL;
}

int worker_start(struct app *app, struct worker **out)
{
    *out = NULL;
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->app = app;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
    w->pending = 1; /* process whatever a previous run left */
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void worker_wake(struct worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->pending = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void worker_stop(struct worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
