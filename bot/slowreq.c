/*
 * slowreq.c — see slowreq.h. The jobs are one list in order of arrival, each waiting, running
 * or done; the lock guards the list and the states. A job's wsi is only touched on the HTTP
 * thread, and only while the job is not released (the connection is alive until then).
 */
#include "bot/slowreq.h"

#include "base/log.h"
#include "bot/app_core.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdlib.h>

#define SR "slowreq"

enum slowreq_state { SLOWREQ_WAITING, SLOWREQ_RUNNING, SLOWREQ_DONE };

struct slowreq_job {
    struct slowreq_job *next;
    enum slowreq_state state;
    bool released; /* its connection closed: nobody answers it */
    bool notified; /* its connection was asked to become writable */
    struct lws *wsi;
    const struct slowreq_ops *ops;
    void *arg;
};

struct slowreq {
    struct app *app;
    struct lws_context *ctx;
    struct db *db;
    pthread_t thread;
    bool started, stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct slowreq_job *jobs;
};

static void slowreq_job_free(struct slowreq_job *j)
{
    j->ops->free(j->arg);
    free(j);
}

/* Unlinks j from the list (under the lock). */
static void slowreq_unlink(struct slowreq *sr, struct slowreq_job *j)
{
    for (struct slowreq_job **pp = &sr->jobs; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            return;
        }
}

static struct slowreq_job *slowreq_next_waiting(struct slowreq *sr)
{
    for (struct slowreq_job *j = sr->jobs; j; j = j->next)
        if (j->state == SLOWREQ_WAITING)
            return j;
    return NULL;
}

static void *slowreq_main(void *arg)
{
    struct slowreq *sr = arg;
    pthread_mutex_lock(&sr->lock);
    for (;;) {
        struct slowreq_job *j = NULL;
        while (!sr->stop && !(j = slowreq_next_waiting(sr)))
            pthread_cond_wait(&sr->cond, &sr->lock);
        if (sr->stop)
            break;
        j->state = SLOWREQ_RUNNING;
        pthread_mutex_unlock(&sr->lock);
        log_debug(SR, "a heavy request runs");
        j->ops->run(sr->db, j->arg); /* j is not freed while running: release only marks it */
        pthread_mutex_lock(&sr->lock);
        j->state = SLOWREQ_DONE;
        if (j->released) {
            log_debug(SR, "a heavy request's connection closed before its answer: discarded");
            slowreq_unlink(sr, j);
            slowreq_job_free(j);
        } else {
            lws_cancel_service(sr->ctx); /* the HTTP loop collects it */
        }
    }
    pthread_mutex_unlock(&sr->lock);
    return NULL;
}

struct slowreq *slowreq_new(struct app *app)
{
    struct slowreq *sr = calloc(1, sizeof *sr);
    if (!sr)
        return NULL;
    sr->app = app;
    pthread_mutex_init(&sr->lock, NULL);
    pthread_cond_init(&sr->cond, NULL);
    if (app_open_db(app, &sr->db) != 0) {
        log_error(SR, "cannot open a database connection for the heavy requests");
        slowreq_free(sr);
        return NULL;
    }
    return sr;
}

int slowreq_start(struct slowreq *sr, struct lws_context *ctx)
{
    sr->ctx = ctx;
    if (pthread_create(&sr->thread, NULL, slowreq_main, sr) != 0) {
        log_error(SR, "cannot start the thread of the heavy requests");
        return -1;
    }
    pthread_mutex_lock(&sr->lock);
    sr->started = true;
    pthread_mutex_unlock(&sr->lock);
    return 0;
}

void slowreq_stop(struct slowreq *sr)
{
    if (!sr || !sr->started)
        return;
    pthread_mutex_lock(&sr->lock);
    sr->stop = true;
    pthread_cond_signal(&sr->cond);
    pthread_mutex_unlock(&sr->lock);
    pthread_join(sr->thread, NULL);
    sr->started = false;
}

void slowreq_free(struct slowreq *sr)
{
    if (!sr)
        return;
    slowreq_stop(sr);
    while (sr->jobs) {
        struct slowreq_job *j = sr->jobs;
        sr->jobs = j->next;
        slowreq_job_free(j);
    }
    db_close(sr->db);
    pthread_cond_destroy(&sr->cond);
    pthread_mutex_destroy(&sr->lock);
    free(sr);
}

struct slowreq_job *slowreq_submit(struct slowreq *sr, struct lws *wsi,
                                   const struct slowreq_ops *ops, void *arg)
{
    if (!sr)
        return NULL;
    struct slowreq_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    *j = (struct slowreq_job){.wsi = wsi, .ops = ops, .arg = arg, .state = SLOWREQ_WAITING};
    int waiting = 0;
    pthread_mutex_lock(&sr->lock);
    struct slowreq_job **tail = &sr->jobs;
    for (; *tail; tail = &(*tail)->next)
        waiting += (*tail)->state == SLOWREQ_WAITING;
    bool ok = sr->started && !sr->stop && waiting < SLOWREQ_WAITING_MAX;
    if (ok) {
        *tail = j;
        pthread_cond_signal(&sr->cond);
    }
    pthread_mutex_unlock(&sr->lock);
    if (!ok) {
        free(j);
        log_warn(SR, "%d heavy requests wait already: one more answered busy", waiting);
        return NULL;
    }
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, SLOWREQ_WAIT_S);
    log_debug(SR, "a heavy request queued (%d waited before it)", waiting);
    return j;
}

void slowreq_collect(struct slowreq *sr)
{
    if (!sr)
        return;
    pthread_mutex_lock(&sr->lock);
    for (struct slowreq_job *j = sr->jobs; j; j = j->next)
        if (j->state == SLOWREQ_DONE && !j->released && !j->notified) {
            j->notified = true;
            lws_callback_on_writable(j->wsi);
        }
    pthread_mutex_unlock(&sr->lock);
}

int slowreq_answer(struct slowreq *sr, struct slowreq_job **jobp, struct lws *wsi)
{
    struct slowreq_job *job = *jobp;
    pthread_mutex_lock(&sr->lock);
    bool done = job->state == SLOWREQ_DONE;
    if (done)
        slowreq_unlink(sr, job);
    pthread_mutex_unlock(&sr->lock);
    if (!done)
        return 0;
    /* The connection forgets it first: writing the answer may close it (no keep-alive), and
     * its closing must not release the job a second time. */
    *jobp = NULL;
    int rc = job->ops->answer(wsi, job->arg);
    slowreq_job_free(job);
    return rc;
}

void slowreq_release(struct slowreq *sr, struct slowreq_job *job)
{
    pthread_mutex_lock(&sr->lock);
    bool running = job->state == SLOWREQ_RUNNING;
    job->released = true;
    job->wsi = NULL;
    if (job->state == SLOWREQ_WAITING)
        log_debug(SR, "a heavy request's connection closed while it waited: dropped");
    if (!running)
        slowreq_unlink(sr, job);
    pthread_mutex_unlock(&sr->lock);
    if (!running)
        slowreq_job_free(job);
}
