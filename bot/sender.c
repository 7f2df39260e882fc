/*
 * sender.c — see sender.h. Times: the rate limiter and pauses use the monotonic clock (a test
 * moving the application clock must not release a platform pause early); rows' next_attempt_at
 * uses the application clock like everything stored.
 *
 * The platform's ops build each request and read each answer (bot/platform.h); this file acts
 * on the verdict only. It still borrows bot/botapi.c's curl plumbing (bounded response buffer,
 * transfer options, backoff), which holds nothing of the Bot API's JSON.
 */
#include "bot/sender.h"

#include "bot/app_core.h"
#include "bot/botapi.h"
#include "base/clock.h"
#include "bot/health.h"
#include "base/log.h"
#include "bot/platform.h"
#include "storage/db_writes.h"
#include "storage/outbox.h"
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
#define SENDER_FULL_WAIT_MS 2000 /* between claims while the disk refuses writes */

struct sx { /* one transfer slot */
    CURL *easy;
    int64_t started; /* monotonic: when the rate limiter counted it */
    int token_gen;   /* the generation of the token its request carried */
    struct outbox_row row;
    char *body; /* the request's body, sent from here (curl does not copy it) */
    size_t body_len;
    struct curl_slist *headers; /* owned when the request has extra lines, else NULL */
    struct botapi_buf resp;
    int busy;
};

struct sender {
    struct app *app;
    struct sender_config cfg;
    char *platform;
    const struct platform_ops *ops;
    void *state; /* the platform's, passed to ops->build_request */
    struct db *db;
    CURLM *multi;
    struct sx slots[SENDER_MAX_INFLIGHT];
    int inflight;
    struct ratelimit *rl;
    pthread_t thread;
    atomic_int stop;
    atomic_int woken;
    int64_t paused_until;  /* monotonic: platform-wide pause (429 storm, platform down) */
    int64_t wait_until;    /* monotonic: when the global limit lets the next send go */
    int64_t pace_us;       /* starts this far apart (the global rule's window / max), or 0 */
    int64_t next_start_us; /* monotonic, µs: the pace's next slot */
    int down_streak;       /* consecutive transient failures */
    int64_t throttled_at[3];
    int throttled_n;
};

/* The delay before a row answered with a (retrying) verdict goes again. */
static int64_t sender_delay_ms(const struct platform_answer *a, int attempts)
{
    switch (a->verdict) {
    case PLATFORM_RETRY_AFTER:
        return a->retry_after_s > 0
                   ? a->retry_after_s * 1000LL
                   : botapi_backoff_ms(attempts, SENDER_429_BASE_MS, SENDER_RETRY_CAP_MS);
    case PLATFORM_TOKEN_EXPIRED: /* wait for the operator, not for the message */
        return SENDER_DOWN_CAP_MS;
    case PLATFORM_MOVED:
        return 0;
    default:
        return botapi_backoff_ms(attempts, 1000, SENDER_RETRY_CAP_MS);
    }
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
    char token_why[PLATFORM_WHY_MAX];
    int64_t sent_ids[SENDER_MAX_INFLIGHT]; /* marked sent this turn: for /metrics' latency */
    int nsent;
};

/* Counts one settled answer; given_up says the row was failed for good. */
static void sender_note(struct sender_report *rep, const struct platform_answer *a, bool given_up)
{
    if (a->verdict == PLATFORM_TOKEN_EXPIRED) {
        rep->token = -1;
        snprintf(rep->token_why, sizeof rep->token_why, "%s", a->why);
    } else if (a->understood) {
        rep->token = rep->token < 0 ? -1 : 1;
    }
    if (a->verdict == PLATFORM_SENT)
        rep->t.delivered++;
    else if (given_up)
        rep->t.given_up++;
    else
        rep->t.retried++;
    if (a->verdict == PLATFORM_RETRY_AFTER)
        rep->t.throttled++;
}

/* A row that can never go: failed, and for a blocked chat no more sends to it. */
static void sender_give_up(struct sender *s, const struct outbox_row *row,
                           const struct platform_answer *a, int64_t now)
{
    if (a->verdict == PLATFORM_WINDOW_CLOSED) { /* counted apart, like one never sent */
        outbox_mark_failed(s->db, row->id, OUTBOX_OUTSIDE_WINDOW);
        pstore_window_close(s->db, s->platform, row->chat_id);
        log_info("sender", "%s: message %lld to chat %s not delivered: %s", s->platform,
                 (long long)row->id, row->chat_id, a->why);
        return;
    }
    outbox_mark_failed(s->db, row->id, a->why);
    if (a->verdict != PLATFORM_BLOCKED) {
        log_warn("sender", "%s: message %lld to chat %s failed: %s", s->platform,
                 (long long)row->id, row->chat_id, a->why);
        return;
    }
    chats_set_reachable(s->db, s->platform, row->chat_id, false, now);
    people_set_reachable(s->db, s->platform, row->chat_id, false, now);
    log_info("sender", "%s: chat %s cannot be reached any more (%s); no more sends to it",
             s->platform, row->chat_id, a->why);
}

/* Acts on one answer's verdict (inside the turn's transaction). */
static void sender_settle(struct sender *s, struct sx *x, const struct platform_answer *a,
                          int64_t now, int64_t mono, struct sender_report *rep)
{
    struct outbox_row *row = &x->row;
    int64_t delay = sender_delay_ms(a, row->attempts);
    bool given_up = a->verdict == PLATFORM_BLOCKED || a->verdict == PLATFORM_BAD_REQUEST ||
                    a->verdict == PLATFORM_WINDOW_CLOSED ||
                    (a->verdict == PLATFORM_TRANSIENT && row->attempts >= s->cfg.max_attempts);
    sender_note(rep, a, given_up);
    if (given_up) {
        sender_give_up(s, row, a, now);
        return;
    }
    switch (a->verdict) {
    case PLATFORM_SENT:
        outbox_mark_sent(s->db, row->id, now);
        if (rep->nsent < SENDER_MAX_INFLIGHT)
            rep->sent_ids[rep->nsent++] = row->id;
        s->down_streak = 0;
        if (a->message_id[0])
            log_debug("sender", "%s: message %lld sent as %s", s->platform, (long long)row->id,
                      a->message_id);
        break;
    case PLATFORM_RETRY_AFTER: /* throttling and a refused token cost no attempt */
        outbox_mark_retry_free(s->db, row->id, now + delay, a->why);
        sender_note_throttle(s, mono, delay);
        break;
    case PLATFORM_TOKEN_EXPIRED:
        outbox_mark_retry_free(s->db, row->id, now + delay, a->why);
        sender_note_down(s, mono, a->why);
        break;
    case PLATFORM_MOVED:
        pstore_migrate_chat(s->db, s->platform, row->chat_id, a->moved_to, now);
        outbox_mark_retry_free(s->db, row->id, now, a->why);
        break;
    default: /* PLATFORM_TRANSIENT with attempts left */
        outbox_mark_retry(s->db, row->id, now + delay, a->why);
        sender_note_down(s, mono, a->why);
        break;
    }
}

static void sender_release(struct sender *s, struct sx *x)
{
    outbox_row_clear(&x->row);
    free(x->body);
    x->body = NULL;
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    x->busy = 0;
    s->inflight--;
}

/* A finished transfer waiting to be settled. */
struct sender_done {
    struct sx *x;
    struct platform_answer a;
    bool renewed; /* TOKEN_EXPIRED, and the platform has renewed the token since: send again */
};

/* What a finished transfer means: no answer at all is transient here; anything the platform
 * said (even cut at our cap, which curl reports as a write error) is for its classify op. */
static void sender_read_answer(const struct sender *s, CURLcode rc, long code,
                               const struct botapi_buf *resp, struct platform_answer *a)
{
    int answered = !(rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && code));
    if (!answered) {
        memset(a, 0, sizeof *a);
        a->verdict = PLATFORM_TRANSIENT;
        snprintf(a->why, sizeof a->why, "no answer: %s", curl_easy_strerror(rc));
    } else {
        s->ops->classify_answer(code, resp->data, resp->len, a);
        if (a->verdict == PLATFORM_MOVED && !a->moved_to[0]) /* NEVER: resending would spin */
            a->verdict = PLATFORM_TRANSIENT;
    }
    /* Every answer, as the platform gave it (tipgate_sends_total), settled or not. */
    health_send_outcome(s->app->health, s->platform,
                        health_outcome_of(answered, rc == CURLE_OPERATION_TIMEDOUT, code,
                                          a->verdict == PLATFORM_SENT));
}

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
        done[n].renewed = false;
        sender_read_answer(s, rc, code, &x->resp, &done[n].a);
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
        if (done[i].renewed) { /* not the message's fault, and the new token is here */
            outbox_mark_retry_free(s->db, done[i].x->row.id, now, "access token renewed");
            rep->t.retried++;
            rep->token = rep->token < 0 ? -1 : 1;
        } else {
            sender_settle(s, done[i].x, &done[i].a, now, mono, rep);
        }
        sender_release(s, done[i].x);
    }
}

/* Whether done's answer waits for a token renewal before it is settled: a platform whose
 * access token expires (refresh_token) said the token is dead. */
static bool sender_needs_renewal(const struct sender *s, const struct sender_done *d)
{
    return s->ops->refresh_token && d->a.verdict == PLATFORM_TOKEN_EXPIRED;
}

/* The answers of done[0..n) that said the token expired: the platform renews it once (a network
 * call, outside any transaction) and, if it did, those go again at once. 1 when it was asked. */
static int sender_refresh(struct sender *s, struct sender_done *done, int n, int64_t now)
{
    int gen = -1, expired = 0;
    for (int i = 0; i < n; i++)
        if (sender_needs_renewal(s, &done[i])) {
            expired++;
            gen = done[i].x->token_gen > gen ? done[i].x->token_gen : gen;
        }
    if (!expired)
        return 0;
    if (s->ops->refresh_token(s->state, s->db, gen, now) != 0)
        return 1; /* settled as TOKEN_EXPIRED: they wait, and /healthz shows the token */
    for (int i = 0; i < n; i++)
        done[i].renewed = sender_needs_renewal(s, &done[i]);
    return 1;
}

static void sender_request_init(struct platform_request *req)
{
    req->url[0] = '\0';
    for (int i = 0; i < PLATFORM_HEADERS_MAX; i++)
        req->headers[i][0] = '\0';
    req->body = NULL;
    req->body_len = 0;
    req->content_type[0] = '\0';
    req->token_gen = 0;
}

/* Appends line to *list; on failure frees the whole list. Returns 0 or -1. */
static int sender_header_add(struct curl_slist **list, const char *line)
{
    struct curl_slist *next = curl_slist_append(*list, line);
    if (!next) {
        curl_slist_free_all(*list);
        *list = NULL;
        return -1;
    }
    *list = next;
    return 0;
}

/* The header list of a request with extra lines or its own content type into *out (owned by
 * the slot); NULL when it has neither, for the shared JSON list. Returns 0, or -1 out of
 * memory. */
static int sender_headers(const struct platform_request *req, struct curl_slist **out)
{
    struct curl_slist *list = NULL;
    int rc = 0;
    *out = NULL;
    if (req->content_type[0]) {
        rc = sender_header_add(&list, req->content_type);
        if (!rc)
            rc = sender_header_add(&list, "Expect:"); /* no 100-continue round trip */
    }
    for (const struct curl_slist *h = botapi_json_headers();
         !req->content_type[0] && req->headers[0][0] && h && !rc; h = h->next)
        rc = sender_header_add(&list, h->data);
    for (int i = 0; i < PLATFORM_HEADERS_MAX && req->headers[i][0] && !rc; i++)
        rc = sender_header_add(&list, req->headers[i]);
    *out = list;
    return rc;
}

static struct sx *sender_free_slot(struct sender *s)
{
    for (int i = 0; i < s->cfg.concurrency; i++)
        if (!s->slots[i].busy)
            return &s->slots[i];
    return NULL;
}

/* A transfer was started: the pace's next slot. The slots keep to a grid (a turn that woke a
 * little late does not push every later start back: the pace would then add up to a slower
 * rate than the window allows), but never closer than three quarters of a pace to this start:
 * a start long after its slot (the window held it, or nothing was due) is not followed by a
 * burst that catches up. */
static void sender_pace_taken(struct sender *s)
{
    if (s->pace_us <= 0)
        return;
    int64_t us = clock_mono_us(), next = s->next_start_us + s->pace_us;
    int64_t soonest = us + s->pace_us * 3 / 4;
    s->next_start_us = next > soonest ? next : soonest;
}

/* Claims row (in the open transaction) and loads it with its request into a free slot, ready
 * to start. Takes req->body and, on success, row's strings. 1, or -1 when it cannot (no free
 * slot, out of memory, the claim refused): the row stays queued and nothing more goes this turn. */
static int sender_load(struct sender *s, struct outbox_row *row, struct platform_request *req,
                       int64_t mono)
{
    struct sx *x = sender_free_slot(s);
    if (!x || !req->body || sender_headers(req, &x->headers) != 0 ||
        outbox_set_sending(s->db, row->id, s->app->owner.id) != DB_OK) {
        free(req->body);
        if (x) {
            curl_slist_free_all(x->headers);
            x->headers = NULL;
        }
        return -1; /* nothing changed: counted as no progress, so a failing claim never spins */
    }
    ratelimit_take(s->rl, row->chat_id, row->is_group, mono);
    sender_pace_taken(s);
    x->started = mono;
    x->token_gen = req->token_gen;
    row->attempts++;
    x->row = *row;
    memset(row, 0, sizeof *row); /* the slot owns the strings now */
    x->body = req->body;
    x->body_len = req->body_len ? req->body_len : strlen(req->body);
    x->busy = 1;
    s->inflight++;
    botapi_buf_reset(&x->resp, SENDER_RESP_MAX);
    botapi_prepare_len(x->easy, req->url, x->body, x->body_len,
                       x->headers ? x->headers : botapi_json_headers(), &x->resp, SENDER_TIMEOUT_S);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
    return 1;
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
    struct platform_request req;
    const char *why = "cannot build the request";
    sender_request_init(&req);
    int built = s->ops->build_request(s->state, s->db, row, now, &req, &why);
    if (built == PLATFORM_OUTSIDE_WINDOW) { /* the resident has not written lately: not a fault */
        free(req.body);
        outbox_mark_failed(s->db, row->id, OUTBOX_OUTSIDE_WINDOW);
        health_send_outcome(s->app->health, s->platform, HEALTH_OUTSIDE_WINDOW);
        log_debug("sender", "%s: message %lld not sent: outside the messaging window", s->platform,
                  (long long)row->id);
        return 0;
    }
    if (built != 0) {
        free(req.body);
        outbox_mark_failed(s->db, row->id, why);
        log_warn("sender", "%s: message %lld failed: %s", s->platform, (long long)row->id, why);
        return 0;
    }
    return sender_load(s, row, &req, mono);
}

/* How many transfers may start now. Without a global rule, as many as there are free slots.
 * With one, one at a time, pace_us apart: the rule's sliding window would let its whole quota
 * start at once (30 Telegram messages in the same millisecond, all on the wire together for the
 * platform's answer time), and what is on the wire is what a crash may send twice. Paced, the
 * sends on the wire are about the answer time / pace (6 or 7 at 30/s and 200 ms), and the rate
 * is the same: the window, which counts each send from its answer, is what holds it back in the
 * long run, not the pace. */
static int sender_room(struct sender *s)
{
    int room = s->cfg.concurrency - s->inflight;
    if (s->pace_us <= 0 || room <= 0)
        return room;
    if (clock_mono_us() < s->next_start_us) {
        s->wait_until = (s->next_start_us + 999) / 1000; /* wake then: rows may be due */
        return 0;
    }
    return 1;
}

/* Due rows this turn may start (read without taking the write lock); *queried says whether
 * it looked at all (not when paused, every slot is busy or the pace says wait). */
static int sender_due(struct sender *s, struct outbox_row *rows, int64_t now, int64_t mono,
                      int *queried)
{
    *queried = 0;
    if (s->wait_until && mono >= s->wait_until)
        s->wait_until = 0; /* over, whatever else holds the sends (sender_timeout sleeps on it) */
    if (mono < s->paused_until || s->wait_until)
        return 0;
    int room = sender_room(s);
    if (room <= 0)
        return 0;
    int n = 0;
    if (outbox_due(s->db, s->platform, now, room, rows, &n) != DB_OK)
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

/* Claims what the limits allow of rows (inside the claim's transaction); the claimed slots go
 * into started[], to start once the claims are committed. *decided counts the rows settled
 * or deferred without a request (they changed: look again at once). Frees the rows. */
static int sender_claim(struct sender *s, struct outbox_row *rows, int n, struct sx **started,
                        int64_t now, int64_t mono, int *decided)
{
    int nstarted = 0;
    *decided = 0;
    for (int i = 0; i < n; i++) {
        struct sx *slot = sender_free_slot(s);
        int rc = sender_take(s, &rows[i], now, mono);
        if (rc == 1)
            started[nstarted++] = slot;
        else if (rc == 0)
            (*decided)++;
        outbox_row_clear(&rows[i]);
        if (rc < 0) {
            for (int j = i + 1; j < n; j++)
                outbox_row_clear(&rows[j]);
            break;
        }
    }
    return nstarted;
}

/* Adds what rep counted to the turn's report. */
static void sender_report_add(struct sender_report *turn, const struct sender_report *rep)
{
    turn->t.delivered += rep->t.delivered;
    turn->t.given_up += rep->t.given_up;
    turn->t.retried += rep->t.retried;
    turn->t.throttled += rep->t.throttled;
    if (rep->token) {
        turn->token = rep->token < 0 || turn->token < 0 ? -1 : 1;
        if (rep->token < 0)
            snprintf(turn->token_why, sizeof turn->token_why, "%s", rep->token_why);
    }
}

/* Settles done[0..n) in a transaction of their own, committed before anything else the turn
 * does, and frees their slots. If the database refuses, the rows stay "sending" (requeued
 * when this process stops; a crash makes them sent twice, as before the answer came). */
static void sender_commit_settled(struct sender *s, struct sender_done *done, int n,
                                  struct sender_report *turn)
{
    struct sender_report rep;
    memset(&rep, 0, sizeof rep);
    if (n == 0)
        return;
    if (db_begin(s->db) != DB_OK) {
        health_db_write(s->app->health, 0, sqlite3_errmsg(db_handle(s->db)));
        for (int i = 0; i < n; i++)
            sender_release(s, done[i].x);
        turn->t.retried += n;
        return;
    }
    sender_settle_all(s, done, n, &rep);
    if (db_commit(s->db) != DB_OK) {
        health_db_write(s->app->health, 0, sqlite3_errmsg(db_handle(s->db)));
        db_rollback(s->db); /* settled rows stay "sending": requeued when this process stops */
        if (!db_writes_refusing()) /* a full disk is logged once, by storage/db_writes.c */
            log_error("sender", "%s: cannot record send results", s->platform);
        turn->t.retried += n; /* nothing was recorded: no progress either */
        return;
    }
    health_db_write(s->app->health, 1, NULL);
    for (int i = 0; i < rep.nsent; i++)
        health_reply_sent(s->app->health, s->platform, rep.sent_ids[i], clock_now_ms());
    sender_report_add(turn, &rep);
}

/* Settles every transfer that has finished by now (curl reads the answers that arrived), each
 * committed as soon as it is read: no claim, prepare op or request building of the turn stands
 * between an answer and its commit. Answers that found the token expired wait for the renewal
 * (a network call), after the others are committed. Returns how many were settled; *renewal
 * says whether the platform was asked to renew its token. */
static int sender_settle_ready(struct sender *s, struct sender_report *turn, int *renewal)
{
    struct sender_done done[SENDER_MAX_INFLIGHT], wait[SENDER_MAX_INFLIGHT];
    int running = 0, ready = 0, waiting = 0;
    curl_multi_perform(s->multi, &running);
    int n = sender_gather(s, done);
    for (int i = 0; i < n; i++) {
        if (sender_needs_renewal(s, &done[i]))
            wait[waiting++] = done[i];
        else
            done[ready++] = done[i];
    }
    sender_commit_settled(s, done, ready, turn);
    if (waiting) {
        *renewal = sender_refresh(s, wait, waiting, clock_now_ms()) || *renewal;
        sender_commit_settled(s, wait, waiting, turn);
    }
    return n;
}

/* A claimed transfer curl would not take: back in the queue at once, no attempt used. */
static void sender_unstart(struct sender *s, struct sx *x)
{
    log_error("sender", "%s: cannot start the transfer of message %lld; queued again", s->platform,
              (long long)x->row.id);
    if (db_begin(s->db) == DB_OK) {
        outbox_mark_retry_free(s->db, x->row.id, clock_now_ms(), "cannot start the transfer");
        if (db_commit(s->db) != DB_OK)
            db_rollback(s->db); /* stays "sending": requeued when this process stops */
    }
    sender_release(s, x);
}

/* Claims what may go and starts it. The window in which a crash sends a message twice is
 * claim → start → settle:
 *   claim   the row goes "sending" (named after this process) in a transaction committed
 *           before any byte is written: a crash before it leaves the row queued, untouched;
 *   start   curl_multi_add_handle right after the commit. A crash between the two leaves a
 *           claimed row that never went: the next owner queues it again (bot/owner.c) and it
 *           goes once. Recording "started" apart would tell this case from the next one, but
 *           it lasts microseconds and would cost a write per message: not worth it;
 *   on the wire  from the start to the commit of its answer (sender_settle_ready). A crash
 *           here may send it twice: the platform may have it, and no platform takes an
 *           idempotency key. This is the inherent window, and it is kept small: one message
 *           per chat (outbox_due gives a chat's next row only once the one before is settled),
 *           starts paced (sender_room), and each answer committed as soon as it is read.
 * Network work (the platform's prepare op) runs before the claim's transaction, and answers
 * that arrive meanwhile are settled between prepare calls. Returns how many rows it started or
 * decided without a request. */
static int sender_start_due(struct sender *s, struct sender_report *rep, int *renewal)
{
    struct outbox_row rows[SENDER_MAX_INFLIGHT];
    struct sx *started[SENDER_MAX_INFLIGHT];
    int64_t now = clock_now_ms(), mono = clock_mono_ms();
    if (s->ops->refresh_token && !*renewal) /* renewed ahead of time when due */
        s->ops->refresh_token(s->state, s->db, -1, now);
    int due = sender_due(s, rows, now, mono, &rep->t.queried);
    rep->t.due = due;
    for (int i = 0; s->ops->prepare && i < due; i++) { /* network work before the write lock */
        s->ops->prepare(s->state, s->db, &rows[i], now);
        sender_settle_ready(s, rep, renewal);
    }
    if (due == 0)
        return 0;
    now = clock_now_ms();
    mono = clock_mono_ms();
    if (db_begin(s->db) != DB_OK) {
        health_db_write(s->app->health, 0, sqlite3_errmsg(db_handle(s->db)));
        for (int i = 0; i < due; i++)
            outbox_row_clear(&rows[i]);
        return 0;
    }
    int decided = 0, nstarted = sender_claim(s, rows, due, started, now, mono, &decided);
    if (db_commit(s->db) != DB_OK) {
        health_db_write(s->app->health, 0, sqlite3_errmsg(db_handle(s->db)));
        db_rollback(s->db);        /* nothing was claimed */
        if (!db_writes_refusing()) /* a full disk is logged once, by storage/db_writes.c */
            log_error("sender", "%s: cannot record claims", s->platform);
        else /* and claims are tried again in a while, not at every turn */
            s->wait_until = mono + SENDER_FULL_WAIT_MS;
        for (int i = 0; i < nstarted; i++)
            sender_release(s, started[i]);
        return 0;
    }
    health_db_write(s->app->health, 1, NULL);
    for (int i = 0; i < nstarted; i++)
        if (curl_multi_add_handle(s->multi, started[i]->easy) != CURLM_OK)
            sender_unstart(s, started[i]);
    return nstarted + decided;
}

/* One turn: settle what has finished, each answer committed as soon as it is read, then claim
 * and start what may go, in a transaction of its own — taken only when there is something to
 * write, so an idle or busy-waiting sender never holds the write lock the receivers and the
 * worker need. Claimed transfers start only once their claim is committed, so a crash never
 * leaves a message sent but "queued". */
static int sender_turn(struct sender *s)
{
    struct sender_report rep;
    int renewal = 0;
    memset(&rep, 0, sizeof rep);
    int settled = sender_settle_ready(s, &rep, &renewal);
    int moved = sender_start_due(s, &rep, &renewal);
    sender_tell_health(s, &rep, clock_now_ms(), clock_mono_ms());
    return settled + moved;
}

static int sender_timeout(struct sender *s)
{
    if (atomic_exchange(&s->woken, 0))
        return 0;
    int64_t mono = clock_mono_ms(), t = SENDER_IDLE_MS;
    if (s->paused_until > mono && s->paused_until - mono < t)
        t = s->paused_until - mono;
    /* A wait that ends now or has ended ends the sleep now (within the millisecond): sleeping
     * on to the next socket event would hold each paced start back until some answer came. */
    if (s->wait_until && s->wait_until - mono < t)
        t = s->wait_until > mono ? s->wait_until - mono : s->wait_until == mono;
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
                sender_release(s, done[i].x);
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
    while (!atomic_load(&s->stop)) {
        int progress = sender_turn(s);
        /* Something moved: transfers may already have finished in this perform (a fast
         * server answers at once), so look again before sleeping. Every pass that does not
         * sleep settles, starts or decides something (a row failed or deferred changes in the
         * database), so this cannot spin. */
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
        curl_slist_free_all(s->slots[i].headers);
    }
    if (s->multi)
        curl_multi_cleanup(s->multi);
    ratelimit_free(s->rl);
    db_close(s->db);
    free(s->platform);
    free(s);
}

int sender_start(struct app *app, const struct sender_config *cfg, const struct platform_ops *ops,
                 void *state, struct sender **out)
{
    *out = NULL;
    struct sender *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->app = app;
    s->cfg = *cfg;
    s->ops = ops;
    s->state = state;
    if (s->cfg.concurrency < 1 || s->cfg.concurrency > SENDER_MAX_INFLIGHT)
        s->cfg.concurrency = SENDER_MAX_INFLIGHT;
    s->pace_us = cfg->global.max > 0 ? cfg->global.window_ms * 1000 / cfg->global.max : 0;
    s->platform = strdup(ops->name);
    s->rl = ratelimit_new(cfg->global, cfg->chat, cfg->group);
    s->multi = curl_multi_init();
    int ok = ops->build_request && ops->classify_answer && s->platform && s->rl && s->multi &&
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
