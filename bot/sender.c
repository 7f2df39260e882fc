/*
 * sender.c — see sender.h. Times: the rate limiter and pauses use the monotonic clock (a test
 * moving the application clock must not release a platform pause early); rows' next_attempt_at
 * uses the application clock like everything stored.
 */
#include "bot/sender.h"

#include "bot/app_core.h"
#include "bot/botapi.h"
#include "base/clock.h"
#include "bot/health.h"
#include "base/log.h"
#include "storage/people.h"
#include "storage/platform_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SENDER_MAX_INFLIGHT 64
#define SENDER_IDLE_MS      500
#define SENDER_TIMEOUT_S    30L
#define SENDER_DRAIN_MS     3000
#define SENDER_RESP_MAX     (256 * 1024)
#define SENDER_429_BASE_MS  5000
#define SENDER_RETRY_CAP_MS (5 * 60 * 1000)
#define SENDER_DOWN_CAP_MS  60000

struct sx { /* one transfer slot */
    CURL *easy;
    int64_t started; /* monotonic: when the rate limiter counted it */
    struct outbox_row row;
    char *body;
    struct botapi_buf resp;
    int busy;
};

struct sender {
    struct app *app;
    struct sender_config cfg;
    char *platform, *base_url, *token;
    const struct sender_ops *ops;
    void *ctx;
    struct db *db;
    CURLM *multi;
    struct sx slots[SENDER_MAX_INFLIGHT];
    int inflight;
    struct ratelimit *rl;
    pthread_t thread;
    atomic_int stop;
    atomic_int woken;
    int64_t paused_until; /* monotonic: platform-wide pause (429 storm, platform down) */
    int64_t wait_until;   /* monotonic: when the global limit lets the next send go */
    int down_streak;      /* consecutive transient failures */
    int64_t throttled_at[3];
    int throttled_n;
};

enum sender_verdict { SV_SENT, SV_RETRY, SV_RETRY_FREE, SV_FAILED, SV_BLOCKED, SV_MOVED };

/* Decides what a reply means for its row; *delay_ms for retries. */
static enum sender_verdict sender_judge(struct sender *s, const struct botapi_reply *r,
                                        int attempts, int64_t *delay_ms)
{
    *delay_ms = 0;
    if (r->status == BOTAPI_OK)
        return SV_SENT;
    if (r->status == BOTAPI_REFUSED) {
        int code = r->error_code;
        if (code == 429) {
            *delay_ms = r->retry_after > 0
                            ? r->retry_after * 1000LL
                            : botapi_backoff_ms(attempts, SENDER_429_BASE_MS, SENDER_RETRY_CAP_MS);
            return SV_RETRY_FREE;
        }
        if (code == 400 && r->migrate_to[0])
            return SV_MOVED;
        if (code == 403)
            return SV_BLOCKED;
        if (code == 401 || code == 404) { /* the token, not the message: wait for the operator */
            *delay_ms = SENDER_DOWN_CAP_MS;
            return SV_RETRY_FREE;
        }
        if (code >= 400 && code < 500 && code != 408 && code != 409)
            return SV_FAILED;
    }
    if (attempts >= s->cfg.max_attempts)
        return SV_FAILED;
    *delay_ms = botapi_backoff_ms(attempts, 1000, SENDER_RETRY_CAP_MS);
    return SV_RETRY;
}

/* Remembers a 429; three chats throttled within two seconds pause the whole platform. */
static void sender_note_throttle(struct sender *s, int64_t mono, int64_t delay_ms)
{
    s->throttled_at[s->throttled_n++ % 3] = mono;
    if (s->throttled_n >= 3) {
        int64_t oldest = mono;
        for (int i = 0; i < 3; i++)
            oldest = s->throttled_at[i] < oldest ? s->throttled_at[i] : oldest;
        if (mono - oldest < 2000 && mono + delay_ms > s->paused_until) {
            s->paused_until = mono + delay_ms;
            log_warn("sender", "%s: throttled in several chats: pausing all sends for %lld ms",
                     s->platform, (long long)delay_ms);
        }
    }
}

/* Transient trouble: the platform is down or answering garbage. Back off everything. */
static void sender_note_down(struct sender *s, int64_t mono, const char *what)
{
    s->down_streak++;
    int64_t pause = botapi_backoff_ms(s->down_streak, 1000, SENDER_DOWN_CAP_MS);
    if (mono + pause > s->paused_until)
        s->paused_until = mono + pause;
    if (s->down_streak == 1 || s->down_streak % 10 == 0)
        log_warn("sender", "%s: %s; pausing sends for %lld ms (%d failures in a row)", s->platform,
                 what, (long long)pause, s->down_streak);
}

/* What one turn tells /healthz (bot/health.h). */
struct sender_report {
    struct health_send_turn t;
    int token; /* 1 the platform took the token this turn, -1 it refused it, 0 no answer */
    char token_why[BOTAPI_DESC_MAX + 64];
};

static void sender_note(struct sender_report *rep, const struct botapi_reply *r,
                        enum sender_verdict v, const char *why)
{
    if (r->status == BOTAPI_REFUSED && (r->error_code == 401 || r->error_code == 404)) {
        rep->token = -1;
        snprintf(rep->token_why, sizeof rep->token_why, "%s", why);
    } else if (r->status == BOTAPI_OK || r->status == BOTAPI_REFUSED) {
        rep->token = rep->token < 0 ? -1 : 1;
    }
    if (v == SV_SENT)
        rep->t.delivered++;
    else if (v == SV_FAILED || v == SV_BLOCKED)
        rep->t.given_up++;
    else
        rep->t.retried++;
    if (r->status == BOTAPI_REFUSED && r->error_code == 429)
        rep->t.throttled++;
}

static void sender_settle(struct sender *s, struct sx *x, const struct botapi_reply *r, int64_t now,
                          int64_t mono, struct sender_report *rep)
{
    struct outbox_row *row = &x->row;
    char why[BOTAPI_DESC_MAX + 64];
    botapi_describe(r, why, sizeof why);
    int64_t delay;
    enum sender_verdict v = sender_judge(s, r, row->attempts, &delay);
    sender_note(rep, r, v, why);
    switch (v) {
    case SV_SENT:
        outbox_mark_sent(s->db, row->id, now);
        s->down_streak = 0;
        break;
    case SV_RETRY_FREE:
        outbox_mark_retry_free(s->db, row->id, now + delay, why);
        if (r->error_code == 429)
            sender_note_throttle(s, mono, delay);
        else
            sender_note_down(s, mono, why);
        break;
    case SV_RETRY:
        outbox_mark_retry(s->db, row->id, now + delay, why);
        sender_note_down(s, mono, why);
        break;
    case SV_FAILED:
        outbox_mark_failed(s->db, row->id, why);
        log_warn("sender", "%s: message %lld to chat %s failed: %s", s->platform,
                 (long long)row->id, row->chat_id, why);
        break;
    case SV_BLOCKED:
        outbox_mark_failed(s->db, row->id, why);
        chats_set_reachable(s->db, s->platform, row->chat_id, false, now);
        people_set_reachable(s->db, s->platform, row->chat_id, false, now);
        log_info("sender", "%s: chat %s cannot be reached any more (%s); no more sends to it",
                 s->platform, row->chat_id, why);
        break;
    case SV_MOVED:
        pstore_migrate_chat(s->db, s->platform, row->chat_id, r->migrate_to, now);
        outbox_mark_retry_free(s->db, row->id, now, why);
        break;
    }
}

static void sender_release(struct sender *s, struct sx *x)
{
    outbox_row_clear(&x->row);
    free(x->body);
    x->body = NULL;
    x->busy = 0;
    s->inflight--;
}

/* A finished transfer waiting to be settled. */
struct sender_done {
    struct sx *x;
    struct botapi_reply r;
};

/* Takes every finished transfer off the multi handle (no database work). */
static int sender_gather(struct sender *s, struct sender_done *done)
{
    CURLMsg *m;
    int left, n = 0;
    int64_t mono = clock_mono_ms();
    while (n < SENDER_MAX_INFLIGHT && (m = curl_multi_info_read(s->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct sx *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        long code = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        CURLcode rc = m->data.result;
        curl_multi_remove_handle(s->multi, m->easy_handle);
        /* The platform counted it before it answered: count it from the answer. */
        ratelimit_done(s->rl, x->row.chat_id, x->started, mono);
        done[n].x = x;
        done[n].r.want_result = 0;
        botapi_classify(rc, code, &x->resp, &done[n].r);
        n++;
    }
    return n;
}

/* Settles gathered transfers (inside the turn's transaction) and frees their slots. */
static void sender_settle_all(struct sender *s, struct sender_done *done, int n,
                              struct sender_report *rep)
{
    int64_t now = clock_now_ms(), mono = clock_mono_ms();
    for (int i = 0; i < n; i++) {
        sender_settle(s, done[i].x, &done[i].r, now, mono, rep);
        botapi_reply_clear(&done[i].r);
        sender_release(s, done[i].x);
    }
}

static struct sx *sender_free_slot(struct sender *s)
{
    for (int i = 0; i < s->cfg.concurrency; i++)
        if (!s->slots[i].busy)
            return &s->slots[i];
    return NULL;
}

/* Decides one due row: returns 1 when it was prepared in a slot (claimed in the open
 * transaction), 0 when held back or failed, -1 when nothing more can go this turn. */
static int sender_take(struct sender *s, struct outbox_row *row, int64_t now, int64_t mono)
{
    if (!row->reachable) {
        outbox_mark_failed(s->db, row->id, "chat unreachable (blocked or removed earlier)");
        return 0;
    }
    bool global = false;
    int64_t at = ratelimit_check(s->rl, row->chat_id, row->is_group, mono, &global);
    if (at && global) {
        s->wait_until = at;
        return -1;
    }
    if (at) {
        outbox_defer(s->db, row->id, now + (at - mono));
        return 0;
    }
    const char *method = NULL, *why = "cannot build the request";
    json_t *params = NULL;
    if (s->ops->build(s->ctx, s->db, row, now, &method, &params, &why) != 0) {
        outbox_mark_failed(s->db, row->id, why);
        log_warn("sender", "%s: message %lld failed: %s", s->platform, (long long)row->id, why);
        return 0;
    }
    struct sx *x = sender_free_slot(s);
    char url[BOTAPI_URL_MAX];
    char *body = json_dumps(params, JSON_COMPACT);
    json_decref(params);
    if (!x || !body || botapi_url(url, s->base_url, s->token, method) != 0 ||
        outbox_set_sending(s->db, row->id, s->app->owner.id) != DB_OK) {
        free(body);
        return x ? 0 : -1;
    }
    ratelimit_take(s->rl, row->chat_id, row->is_group, mono);
    x->started = mono;
    row->attempts++;
    x->row = *row;
    memset(row, 0, sizeof *row); /* the slot owns the strings now */
    x->body = body;
    x->busy = 1;
    s->inflight++;
    botapi_buf_reset(&x->resp, SENDER_RESP_MAX);
    botapi_prepare(x->easy, url, x->body, botapi_json_headers(), &x->resp, SENDER_TIMEOUT_S);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
    return 1;
}

/* Due rows this turn may start (read without taking the write lock); *queried says whether
 * it looked at all (not when paused or every slot is busy). */
static int sender_due(struct sender *s, struct outbox_row *rows, int64_t now, int64_t mono,
                      int *queried)
{
    int free_slots = s->cfg.concurrency - s->inflight;
    *queried = 0;
    if (mono < s->paused_until || free_slots <= 0 || (s->wait_until && mono < s->wait_until))
        return 0;
    s->wait_until = 0;
    int n = 0;
    if (outbox_due(s->db, s->platform, now, free_slots, rows, &n) != DB_OK)
        return 0;
    *queried = 1;
    return n;
}

/* Tells /healthz how the turn went. */
static void sender_tell_health(struct sender *s, struct sender_report *rep, int64_t now,
                               int64_t mono)
{
    rep->t.in_flight = s->inflight;
    rep->t.paused = mono < s->paused_until;
    if (rep->token)
        health_token(s->app->health, s->platform, rep->token < 0, rep->token_why);
    health_sender(s->app->health, s->platform, now, &rep->t);
}

/* Claims what the limits allow of rows (inside the turn's transaction); the claimed slots go
 * into started[], to start once the claims are committed. Frees the rows. */
static int sender_claim(struct sender *s, struct outbox_row *rows, int n, struct sx **started,
                        int64_t now, int64_t mono)
{
    int nstarted = 0;
    for (int i = 0; i < n; i++) {
        struct sx *slot = sender_free_slot(s);
        int rc = sender_take(s, &rows[i], now, mono);
        if (rc == 1)
            started[nstarted++] = slot;
        outbox_row_clear(&rows[i]);
        if (rc < 0) {
            for (int j = i + 1; j < n; j++)
                outbox_row_clear(&rows[j]);
            break;
        }
    }
    return nstarted;
}

/* One turn: settle what finished and claim what may go, in one transaction — taken only when
 * there is something to write, so an idle or busy-waiting sender never holds the write lock
 * the receivers and the worker need. Claimed transfers start only once that committed, so a
 * crash never leaves a message sent but "queued". */
static int sender_turn(struct sender *s)
{
    struct sender_done done[SENDER_MAX_INFLIGHT];
    struct outbox_row rows[SENDER_MAX_INFLIGHT];
    struct sx *started[SENDER_MAX_INFLIGHT];
    struct sender_report rep;
    memset(&rep, 0, sizeof rep);
    int64_t now = clock_now_ms(), mono = clock_mono_ms();
    int settled = sender_gather(s, done);
    int due = sender_due(s, rows, now, mono, &rep.t.queried);
    rep.t.due = due;
    if (settled + due == 0) {
        sender_tell_health(s, &rep, now, mono);
        return 0;
    }
    if (db_begin(s->db) != DB_OK) {
        health_db_write(s->app->health, 0, sqlite3_errmsg(db_handle(s->db)));
        for (int i = 0; i < due; i++)
            outbox_row_clear(&rows[i]);
        for (int i = 0; i < settled; i++) /* keep them for the next turn: rows stay "sending" */
            botapi_reply_clear(&done[i].r), sender_release(s, done[i].x);
        sender_tell_health(s, &rep, now, mono);
        return 0;
    }
    sender_settle_all(s, done, settled, &rep);
    int nstarted = sender_claim(s, rows, due, started, now, mono);
    if (db_commit(s->db) != DB_OK) {
        health_db_write(s->app->health, 0, sqlite3_errmsg(db_handle(s->db)));
        db_rollback(s->db); /* settled rows stay "sending": requeued when this process stops */
        log_error("sender", "%s: cannot record send results", s->platform);
        for (int i = 0; i < nstarted; i++)
            sender_release(s, started[i]);
        memset(&rep.t, 0, sizeof rep.t); /* nothing was recorded: no progress either */
        rep.t.retried = settled;
        sender_tell_health(s, &rep, now, mono);
        return settled;
    }
    health_db_write(s->app->health, 1, NULL);
    for (int i = 0; i < nstarted; i++)
        curl_multi_add_handle(s->multi, started[i]->easy);
    sender_tell_health(s, &rep, now, mono);
    return settled + nstarted;
}

static int sender_timeout(struct sender *s)
{
    if (atomic_exchange(&s->woken, 0))
        return 0;
    int64_t mono = clock_mono_ms(), t = SENDER_IDLE_MS;
    if (s->paused_until > mono && s->paused_until - mono < t)
        t = s->paused_until - mono;
    if (s->wait_until > mono && s->wait_until - mono < t)
        t = s->wait_until - mono;
    return (int)t;
}

/* At stop: lets transfers in flight finish for a moment, then queues the rest again. */
static void sender_drain(struct sender *s)
{
    int64_t deadline = clock_mono_ms() + SENDER_DRAIN_MS;
    int running = 0;
    while (s->inflight > 0 && clock_mono_ms() < deadline) {
        curl_multi_poll(s->multi, NULL, 0, 100, NULL);
        curl_multi_perform(s->multi, &running);
        struct sender_done done[SENDER_MAX_INFLIGHT];
        int n = sender_gather(s, done);
        struct sender_report rep;
        memset(&rep, 0, sizeof rep);
        if (n && db_begin(s->db) == DB_OK) {
            sender_settle_all(s, done, n, &rep);
            if (db_commit(s->db) != DB_OK)
                db_rollback(s->db);
        } else {
            for (int i = 0; i < n; i++)
                botapi_reply_clear(&done[i].r), sender_release(s, done[i].x);
        }
    }
    if (s->inflight == 0 || db_begin(s->db) != DB_OK)
        return;
    for (int i = 0; i < s->cfg.concurrency; i++) {
        struct sx *x = &s->slots[i];
        if (!x->busy)
            continue;
        curl_multi_remove_handle(s->multi, x->easy);
        outbox_mark_retry_free(s->db, x->row.id, clock_now_ms(), "interrupted by shutdown");
        sender_release(s, x);
    }
    db_commit(s->db);
}

static void *sender_main(void *arg)
{
    struct sender *s = arg;
    int running = 0;
    while (!atomic_load(&s->stop)) {
        curl_multi_perform(s->multi, &running);
        int progress = sender_turn(s);
        /* Something moved: transfers may already have finished in this perform (a fast
         * server answers at once), so look again before sleeping. Every pass that does not
         * sleep settles or starts something, so this cannot spin. */
        int timeout = progress ? 0 : sender_timeout(s);
        curl_multi_poll(s->multi, NULL, 0, timeout, NULL);
    }
    sender_drain(s);
    return NULL;
}

static void sender_free(struct sender *s)
{
    for (int i = 0; i < SENDER_MAX_INFLIGHT; i++) {
        if (s->slots[i].easy)
            curl_easy_cleanup(s->slots[i].easy);
        botapi_buf_free(&s->slots[i].resp);
        outbox_row_clear(&s->slots[i].row);
        free(s->slots[i].body);
    }
    if (s->multi)
        curl_multi_cleanup(s->multi);
    ratelimit_free(s->rl);
    db_close(s->db);
    free(s->platform);
    free(s->base_url);
    free(s->token);
    free(s);
}

int sender_start(struct app *app, const struct sender_config *cfg, const struct sender_ops *ops,
                 void *ctx, struct sender **out)
{
    *out = NULL;
    struct sender *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->app = app;
    s->cfg = *cfg;
    s->ops = ops;
    s->ctx = ctx;
    if (s->cfg.concurrency < 1 || s->cfg.concurrency > SENDER_MAX_INFLIGHT)
        s->cfg.concurrency = SENDER_MAX_INFLIGHT;
    s->platform = strdup(cfg->platform);
    s->base_url = strdup(cfg->base_url);
    s->token = strdup(cfg->token);
    s->rl = ratelimit_new(cfg->global, cfg->chat, cfg->group);
    s->multi = curl_multi_init();
    int ok = s->platform && s->base_url && s->token && s->rl && s->multi &&
             app_open_db(app, &s->db) == 0;
    /* The sender's bookkeeping (claims, sent marks) does not wait for the disk: a crash of
     * the process loses none of it (WAL), and a power cut at worst repeats the messages of
     * the last moments — the same kind of window as a crash mid-request. Updates themselves
     * (the inbox) are committed with the configured durability. */
    if (ok)
        ok = db_set_synchronous(s->db, 0) == DB_OK;
    for (int i = 0; ok && i < s->cfg.concurrency; i++)
        ok = (s->slots[i].easy = curl_easy_init()) != NULL;
    if (ok) {
        curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)s->cfg.concurrency);
        ok = pthread_create(&s->thread, NULL, sender_main, s) == 0;
        if (ok) {
            char name[16];
            snprintf(name, sizeof name, "%.12s-tx", s->platform);
            pthread_setname_np(s->thread, name);
        }
    }
    if (!ok) {
        sender_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void sender_wake(struct sender *s)
{
    if (!s)
        return;
    atomic_store(&s->woken, 1);
    curl_multi_wakeup(s->multi);
}

void sender_stop(struct sender *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    curl_multi_wakeup(s->multi);
    pthread_join(s->thread, NULL);
    sender_free(s);
}
