/*
 * worker.c — see worker.h. The thread sleeps on a condition variable until woken (a new inbox
 * row) or WORKER_IDLE_MS passes; the timeout is a safety net for rows written by another
 * process (`tipgate chat` beside `serve`) and will drive the scheduler's ticks.
 */
#include "bot/worker.h"

#include "bot/app_core.h"
#include "base/clock.h"
#include "bot/copier.h"
#include "bot/health.h"
#include "bot/http.h"
#include "base/log.h"
#include "base/msg.h"
#include "bot/owner.h"
#include "bot/scheduler.h"
#include "handlers/router.h"
#include "text/textengine.h"
#include "storage/inbox.h"
#include "storage/outbox.h"
#include "storage/db_writes.h"
#include "storage/people.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORKER_IDLE_MS      1000
#define WORKER_FULL_WAIT_MS 4000 /* the longest pause between tries while the disk is full */

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
    /* A group member's display name is not kept: only a private chat's sender needs one. */
    /* A message or a button press proves the chat open again (a resident who unblocked the
     * bot); a membership change does not, and a word in a group says nothing of the sender's
     * private chat. */
    bool wrote = m->kind != MSG_MEMBER;
    if (m->sender_id &&
        people_touch(db, m->platform, m->sender_id, m->is_group ? NULL : m->sender_name,
                     wrote && !m->is_group, now, NULL) != DB_OK)
        return -1;
    /* The last message of a group that became a supergroup: its row was renamed to the new
     * id when the update was stored; touching the old id would bring a stale row back. */
    if (m->migrate_to_chat_id)
        return 0;
    if (chats_touch(db, m->platform, m->chat_id, m->is_group ? "group" : "private", m->chat_title,
                    wrote, now) != DB_OK)
        return -1;
    return 0;
}

/* An update read for this batch, with the work that needs no lock already done. */
struct worker_item {
    struct inbox_row row;
    struct msg m;
    int parsed;
    struct text_analysis a;
    int analysed;
    /* What /metrics learns once the batch commits (bot/health.h health_handled). */
    int counted;                 /* this process handled it (not another one meanwhile) */
    int failed;                  /* kept with a handler error */
    int64_t processed_at;        /* application clock */
    int64_t out_first, out_last; /* the outbox rows its handling enqueued (first > last: none) */
};

static int worker_handle(struct app *app, struct db *db, struct worker_item *it, int64_t now,
                         unsigned *touched)
{
    const struct msg *m = &it->m;
    struct platform_caps caps = platform_caps_now(m->platform); /* groups as the bot can */
    struct person person;
    struct hctx ctx = {
        .db = db,
        .cfg = app->cfg,
        .texts = app->texts,
        .te = app->te,
        .desks = app->desks,
        .msg = m,
        .analysis = it->analysed ? &it->a : NULL,
        .caps = &caps,
        .now_ms = now,
        .args = "",
    };
    memset(&person, 0, sizeof person);
    int rc = worker_record(db, m, now);
    if (rc == 0 && m->sender_id) {
        rc = people_get(db, m->platform, m->sender_id, &person) == DB_OK ? 0 : -1;
        ctx.person = &person;
    }
    if (rc == 0)
        rc = router_dispatch(&ctx);
    /* Group talk is reduced to its update key once handled unless it drew a warning (a lead's
     * text is in the lead); the key goes with the inbox retention. */
    if (rc == 0 && m->is_group && !ctx.keep_text)
        rc = inbox_scrub(db, it->row.id) == DB_OK ? 0 : -1;
    hctx_clear(&ctx); /* a reading the handlers made of a message the worker did not read */
    person_clear(&person);
    if (rc != 0)
        return -1;
    *touched |= ctx.touched;
    return 0;
}

/* One update in its own savepoint: its processed mark and its effects stand or fall together.
 * The mark comes first: if another process (a `tipgate chat` beside `serve`) handled the row
 * since it was read, the mark finds nothing and the update is skipped, never handled twice.
 * A handler that failed because the disk refused a write (full) has not failed: the whole
 * batch is rolled back (SQLite may already have undone the transaction) and the update is
 * handled when space returns, instead of being marked processed with an error. */
static int worker_process(struct app *app, struct db *db, struct worker_item *it, unsigned *touched)
{
    int64_t now = clock_now_ms();
    const char *error = NULL;
    uint64_t refused = db_writes_refusals_total();
    if (db_savepoint(db) != DB_OK)
        return -1;
    int rc = inbox_mark_processed(db, it->row.id, now, NULL);
    if (rc != DB_OK)
        return db_release(db) == DB_OK && rc == DB_NOT_FOUND ? 0 : -1;
    unsigned mine = 0;
    int64_t before = 0, after = 0;
    if (!it->parsed)
        error = "malformed normalised message";
    else if (outbox_last_id(db, &before) != DB_OK || worker_handle(app, db, it, now, &mine) != 0 ||
             outbox_last_id(db, &after) != DB_OK)
        error = "handler failed";
    else
        *touched |= mine;
    if (error && db_writes_refusals_total() != refused)
        return -1;
    it->counted = 1;
    it->failed = error != NULL;
    it->processed_at = now;
    it->out_first = error ? 1 : before + 1;
    it->out_last = error ? 0 : after;
    if (error) {
        /* Undo the handler's partial effects but keep the update, marked, for the operator. */
        log_error("worker", "inbox row %lld (%s): %s", (long long)it->row.id, it->row.platform,
                  error);
        if (db_rollback_to(db) != DB_OK || db_savepoint(db) != DB_OK ||
            inbox_mark_processed(db, it->row.id, now, error) == DB_ERROR) {
            db_rollback_to(db);
            return -1;
        }
    }
    return db_release(db) == DB_OK ? 0 : -1;
}

/* Parses and analyses outside the write lock: the lock is then held only for the writes. This
 * is the message's one reading: handlers take it through hctx_analyse, never read it again. */
static void worker_prepare(struct app *app, struct worker_item *it)
{
    it->parsed = msg_from_json(it->row.message, &it->m) == 0;
    const struct msg *m = &it->m;
    if (it->parsed && m->kind == MSG_TEXT && m->text && *m->text && m->text[0] != '/')
        it->analysed = textengine_analyze(app->te, m->text, m->is_group, &it->a) == 0;
}

static void worker_items_free(struct worker_item *items, int n)
{
    for (int i = 0; i < n; i++) {
        inbox_row_clear(&items[i].row);
        if (items[i].parsed)
            msg_clear(&items[i].m);
        if (items[i].analysed)
            text_analysis_clear(&items[i].a);
    }
}

int worker_run_batch(struct app *app, struct db *db, int *done, unsigned *touched)
{
    /* On the stack (53 KiB; the worker's thread has 8 MiB), not a block from malloc at every
     * batch. */
    struct worker_item items[WORKER_BATCH];
    struct inbox_row rows[WORKER_BATCH];
    int n = 0, rc = -1, handled = 0;
    *done = 0;
    *touched = 0;
    /* Read without the write lock (WAL readers never wait); an empty inbox takes no lock. */
    if (inbox_pending(db, WORKER_BATCH, rows, &n) != DB_OK)
        goto out;
    for (int i = 0; i < n; i++) {
        memset(&items[i], 0, sizeof items[i]);
        items[i].row = rows[i];
        worker_prepare(app, &items[i]);
    }
    if (n == 0) {
        rc = 0;
        goto out;
    }
    if (db_begin(db) != DB_OK) {
        health_db_write(app->health, 0, sqlite3_errmsg(db_handle(db)));
        goto out;
    }
    /* A receiver waiting to store new updates goes first: the batch ends early and the rest
     * waits for the next one, so intake never stalls behind a long batch. */
    while (handled < n && (handled == 0 || !atomic_load(&app->writers_waiting)))
        if (worker_process(app, db, &items[handled++], touched) != 0)
            goto out;
    if (db_commit(db) != DB_OK) {
        health_db_write(app->health, 0, sqlite3_errmsg(db_handle(db))); /* before the rollback */
        goto out;
    }
    health_db_write(app->health, 1, NULL);
    for (int i = 0; i < handled; i++)
        if (items[i].counted)
            health_handled(app->health, items[i].row.platform, items[i].failed,
                           items[i].row.received_at, items[i].processed_at, items[i].out_first,
                           items[i].out_last);
    *done = handled;
    rc = 0;
out:
    if (rc != 0) {
        db_rollback(db);
        *touched = 0;
    }
    worker_items_free(items, n);
    return rc;
}

/* The pause after failures batches in a row failed on a full disk: 1, 2, 4 s, then 4 s. */
static int64_t worker_backoff_ms(int failures)
{
    int64_t ms = WORKER_IDLE_MS;
    for (int i = 1; i < failures && ms < WORKER_FULL_WAIT_MS; i++)
        ms *= 2;
    return ms < WORKER_FULL_WAIT_MS ? ms : WORKER_FULL_WAIT_MS;
}

/* Waits for a wake-up or ms. Returns 1 when asked to stop. */
static int worker_wait(struct worker *w, int64_t ms)
{
    struct timespec deadline = clock_mono_deadline(ms);
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

/* Every OWNER_BEAT_MS in a process that sends: the owner's heartbeat, which also releases
 * the sends of owners gone since, and is the write that tells /healthz whether the database
 * still accepts writes when nothing else is written. */
struct worker_beat {
    int64_t at;  /* monotonic */
    int failing; /* it logged a failure (one that is not the disk refusing writes) */
};

static void worker_beat(struct app *app, struct db *db, struct worker_beat *b)
{
    if (!app->owner.id || (b->at && clock_mono_ms() - b->at < OWNER_BEAT_MS))
        return;
    b->at = clock_mono_ms();
    int64_t requeued = 0;
    char why[HEALTH_WHY_MAX];
    int rc = owner_tick(db, &app->owner, &requeued, why, sizeof why);
    health_db_write(app->health, rc == DB_OK, why);
    /* A full disk is logged once per episode by storage/db_writes.c: not here again. */
    if (rc != DB_OK && !b->failing && !db_writes_refusing()) {
        log_error("worker", "the database refuses writes: %s", why);
        b->failing = 1;
    } else if (rc == DB_OK && b->failing) {
        log_info("worker", "the database accepts writes again");
        b->failing = 0;
    }
    if (rc == DB_OK && requeued)
        app_wake_platforms(app, ~0u);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct db *db = NULL;
    if (app_open_db(w->app, &db) != 0) {
        log_error("worker", "cannot open the database; no update will be processed");
        return NULL;
    }
    /* Replies and "processed" marks need not wait for the disk: the updates they come from
     * are already durable in the inbox (committed with the configured durability by whoever
     * received them), so a power cut can at worst make the last updates be handled again —
     * never lose one. A crash of the process loses nothing either way (WAL). */
    db_set_synchronous(db, 0);
    int failures = 0;
    int64_t last_tick = 0;
    struct worker_beat beat = {0};
    for (;;) {
        int done = 0;
        unsigned touched = 0;
        int rc = worker_run_batch(w->app, db, &done, &touched);
        health_worker_turn(w->app->health, done);
        if (touched)
            app_wake_platforms(w->app, touched);
        if (done > 0) {
            http_interrupt(w->app->http); /* the web desk's live alerts read what it stored */
            copier_wake(w->app->copier);  /* and the photos it stored are to be copied */
        }
        worker_beat(w->app, db, &beat);
        int64_t mono = clock_mono_ms();
        if (mono - last_tick >= SCHEDULER_TICK_MS) {
            /* How late the tick runs past its due time (the last one + SCHEDULER_TICK_MS):
             * the worker's batches and waits come first. */
            if (last_tick)
                health_scheduler_lag(w->app->health, mono - last_tick - SCHEDULER_TICK_MS);
            last_tick = mono;
            /* Wake the senders even when a job failed: the jobs before it committed. */
            scheduler_tick(w->app, db, clock_now_ms(), &touched);
            if (touched)
                app_wake_platforms(w->app, touched);
        }
        failures = rc == 0 ? 0 : failures + 1;
        if (rc == 0 && done > 0 && !worker_stopping(w))
            continue; /* more may be waiting */
        int full = failures && db_writes_refusing();
        if (failures && !full)
            log_warn("worker", "batch failed (%d in a row); retrying after a pause", failures);
        /* While the disk is full (logged once, by storage/db_writes.c) each try is a failed
         * commit: back off, up to WORKER_FULL_WAIT_MS. A wake-up — an update stored, so space
         * is back — cuts the wait short, and the owner heartbeat above probes every 5 s. */
        if (worker_wait(w, full ? worker_backoff_ms(failures) : WORKER_IDLE_MS))
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
    pthread_setname_np(w->thread, "worker");
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
