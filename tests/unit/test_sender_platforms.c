/*
 * test_sender_platforms.c — the real sender (bot/sender.c) carries platforms that are not the
 * Bot API. Two minimal platform ops defined here speak like the Zalo Official Account Open API
 * v3 (answers {"error":0,"message":"Success","data":{…}} or {"error":-216,…}, the token in an
 * access_token header) and like the Graph API of Facebook Messenger (success
 * {"recipient_id","message_id"}, errors {"error":{"message","type","code","error_subcode"}},
 * a Bearer token). A small HTTP server in a thread answers each chat with a recorded answer;
 * the test checks what became of each outbox row and how many requests each chat got: sent,
 * token refused (kept queued), blocked, bad request, throttled — none of them taken for garbage
 * and sent twice. These ops only show the sender can carry such platforms; the real adapters
 * are future work (their error codes here are the documented common ones, not a full map).
 */
#include "bot/app.h"
#include "base/clock.h"
#include "bot/platform.h"
#include "bot/sender.h"
#include "storage/outbox.h"
#include "storage/platform_store.h"

#include "testlib.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <sqlite3.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum { FAKE_ROUTES_MAX = 8, FAKE_REQ_MAX = 16384, WAIT_MS = 20000 };

/* ---- a fake platform: one canned answer per chat ------------------------------------------ */

struct fake_route {
    const char *chat;
    int status;
    const char *body;
};

struct fake {
    int fd, port;
    pthread_t thread;
    atomic_int stop;
    const struct fake_route *routes;
    int nroutes;
    const char *auth;                    /* the header line every request must carry */
    const char *fresh_auth, *fresh_body; /* a request carrying fresh_auth gets fresh_body */
    atomic_int hits[FAKE_ROUTES_MAX];
    atomic_int total, authorised;
};

/* Reads one request (headers and a Content-Length body) into buf; returns its length or -1. */
static int fake_read(int c, char *buf, int max)
{
    int len = 0, want = -1;
    while (len < max - 1 && (want < 0 || len < want)) {
        ssize_t n = recv(c, buf + len, (size_t)(max - 1 - len), 0);
        if (n <= 0)
            return -1;
        len += (int)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        char *cl = strcasestr(buf, "\r\nContent-Length:");
        if (end && want < 0)
            want = (int)(end - buf) + 4 + (cl ? atoi(cl + 17) : 0);
    }
    return len;
}

static void fake_answer(struct fake *f, int c)
{
    char req[FAKE_REQ_MAX], key[128], resp[FAKE_REQ_MAX];
    if (fake_read(c, req, sizeof req) < 0)
        return;
    atomic_fetch_add(&f->total, 1);
    if (strstr(req, f->auth))
        atomic_fetch_add(&f->authorised, 1);
    int status = 404;
    const char *body = "{}";
    for (int i = 0; i < f->nroutes; i++) {
        snprintf(key, sizeof key, "\"to\":\"%s\"", f->routes[i].chat);
        if (strstr(req, key)) {
            atomic_fetch_add(&f->hits[i], 1);
            status = f->routes[i].status;
            body = f->routes[i].body;
        }
    }
    if (f->fresh_auth && strstr(req, f->fresh_auth)) {
        status = 200;
        body = f->fresh_body;
    }
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     status, strlen(body), body);
    if (send(c, resp, (size_t)n, MSG_NOSIGNAL) != n)
        fprintf(stderr, "fake: short send\n");
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    while (!atomic_load(&f->stop)) {
        struct pollfd p = {.fd = f->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            continue;
        struct timeval tv = {.tv_sec = 5};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        fake_answer(f, c);
        close(c);
    }
    return NULL;
}

static int fake_start(struct fake *f)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(f->fd, 16) != 0 ||
        getsockname(f->fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    f->port = ntohs(a.sin_port);
    return pthread_create(&f->thread, NULL, fake_main, f) == 0 ? 0 : -1;
}

static void fake_stop(struct fake *f)
{
    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    close(f->fd);
}

/* ---- the minimal platforms ------------------------------------------------------------- */

struct mini {
    char base[64];
    const char *auth; /* header line with the token */
    const char *path;
    int64_t window_ms; /* > 0: a messaging window of that length (pstore_window_use) */
    int gen;           /* the token's generation: auth while 0, "access_token: renewed" after */
    atomic_int renewals, checks; /* refresh_token calls for a failed token / ahead of time */
    bool until_sent;             /* run() waits for every row sent, not only answered */
    atomic_int prepared, prepared_in_tx; /* prepare op calls, and those inside a transaction */
};

static int mini_build(void *state, struct db *db, const struct outbox_row *row, int64_t now_ms,
                      struct platform_request *out, const char **why)
{
    struct mini *m = state;
    bool open = true;
    if (m->window_ms &&
        pstore_window_use(db, "window_test", row->chat_id, now_ms, m->window_ms, 2, &open) != DB_OK)
        return -1;
    if (!open)
        return PLATFORM_OUTSIDE_WINDOW;
    snprintf(out->url, sizeof out->url, "%s%s", m->base, m->path);
    snprintf(out->headers[0], sizeof out->headers[0], "%s",
             m->gen ? "access_token: renewed" : m->auth);
    out->token_gen = m->gen;
    json_t *body = json_pack("{s:s, s:s}", "to", row->chat_id, "text", row->text);
    out->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    *why = "out of memory";
    return out->body ? 0 : -1;
}

/* Zalo OA v3: {"error": 0} is success whatever the HTTP status; negative codes refuse. */
static void oa_classify(long http, const char *body, size_t len, struct platform_answer *a)
{
    memset(a, 0, sizeof *a);
    json_t *root = len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *err = json_object_get(root, "error");
    if (!json_is_integer(err)) {
        a->verdict = PLATFORM_TRANSIENT;
        snprintf(a->why, sizeof a->why, "HTTP %ld, not the API's JSON", http);
        json_decref(root);
        return;
    }
    json_int_t code = json_integer_value(err);
    const char *msg = json_string_value(json_object_get(root, "message"));
    const char *id =
        json_string_value(json_object_get(json_object_get(root, "data"), "message_id"));
    a->understood = true;
    snprintf(a->why, sizeof a->why, "error %lld: %s", (long long)code, msg ? msg : "");
    if (code == 0) {
        a->verdict = PLATFORM_SENT;
        snprintf(a->message_id, sizeof a->message_id, "%s", id ? id : "");
    } else if (code == -216 || code == -124) { /* access token invalid / expired */
        a->verdict = PLATFORM_TOKEN_EXPIRED;
    } else if (code == -213 || code == -230) { /* not following / no interaction in 7 days */
        a->verdict = PLATFORM_BLOCKED;
    } else if (code == -232) { /* the platform's own record: no window for this user now */
        a->verdict = PLATFORM_WINDOW_CLOSED;
    } else if (code == -32) { /* over the app's rate limit */
        a->verdict = PLATFORM_RETRY_AFTER;
    } else {
        a->verdict = PLATFORM_BAD_REQUEST;
    }
    json_decref(root);
}

/* The Graph API: an "error" object on failure, recipient_id + message_id on success. */
static enum platform_verdict graph_refusal(json_int_t code, json_int_t subcode)
{
    if (code == 190 || code == 102) /* OAuthException: expired or revoked token */
        return PLATFORM_TOKEN_EXPIRED;
    if (code == 551 || (code == 10 && subcode == 2018108)) /* person unavailable, opted out */
        return PLATFORM_BLOCKED;
    if (code == 4 || code == 17 || code == 32 || code == 613)
        return PLATFORM_RETRY_AFTER;
    if (code == 1 || code == 2)
        return PLATFORM_TRANSIENT;
    return PLATFORM_BAD_REQUEST;
}

static void graph_classify(long http, const char *body, size_t len, struct platform_answer *a)
{
    memset(a, 0, sizeof *a);
    json_t *root = len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *err = json_object_get(root, "error");
    const char *id = json_string_value(json_object_get(root, "message_id"));
    a->understood = json_is_object(err) || id;
    if (json_is_object(err)) {
        json_int_t code = json_integer_value(json_object_get(err, "code"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        a->verdict = graph_refusal(code, json_integer_value(json_object_get(err, "error_subcode")));
        snprintf(a->why, sizeof a->why, "error %lld: %s", (long long)code, msg ? msg : "");
    } else if (http == 200 && id) {
        a->verdict = PLATFORM_SENT;
        snprintf(a->message_id, sizeof a->message_id, "%s", id);
    } else {
        a->verdict = PLATFORM_TRANSIENT;
        snprintf(a->why, sizeof a->why, "HTTP %ld, not the API's JSON", http);
    }
    json_decref(root);
}

static const struct platform_ops oa_ops = {
    .name = "zalo_oa_test", .build_request = mini_build, .classify_answer = oa_classify};

/* Renews the token once for a failed generation; a later call for an old one is a no-op. */
static int mini_refresh(void *state, struct db *db, int failed_gen, int64_t now_ms)
{
    struct mini *m = state;
    (void)db;
    (void)now_ms;
    if (failed_gen < 0) {
        atomic_fetch_add(&m->checks, 1);
        return 0;
    }
    if (failed_gen == m->gen) {
        atomic_fetch_add(&m->renewals, 1);
        m->gen++;
    }
    return 0;
}

static const struct platform_ops renew_ops = {.name = "renew_test",
                                              .build_request = mini_build,
                                              .classify_answer = oa_classify,
                                              .refresh_token = mini_refresh};
/* Records whether the sender called it inside a transaction (it must not: an upload there
 * would hold the write lock for the length of a network call). */
static void mini_prepare(void *state, struct db *db, const struct outbox_row *row, int64_t now_ms)
{
    struct mini *m = state;
    (void)row;
    (void)now_ms;
    atomic_fetch_add(&m->prepared, 1);
    if (!sqlite3_get_autocommit(db_handle(db)))
        atomic_fetch_add(&m->prepared_in_tx, 1);
}

static const struct platform_ops prepare_ops = {.name = "prepare_test",
                                                .build_request = mini_build,
                                                .classify_answer = oa_classify,
                                                .prepare = mini_prepare};
static const struct platform_ops window_ops = {
    .name = "window_test", .build_request = mini_build, .classify_answer = oa_classify};
static const struct platform_ops graph_ops = {
    .name = "messenger_test", .build_request = mini_build, .classify_answer = graph_classify};

/* ---- the run --------------------------------------------------------------------------- */

/* Whether every row has had its answer settled (sent, failed, or back in the queue with it). */
static bool all_settled(struct app *app)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db_handle(app->db),
                       "SELECT COUNT(*) FROM outbox WHERE status = 'sending' OR "
                       "(status = 'queued' AND last_error IS NULL)",
                       -1, &st, NULL);
    bool done = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    return done;
}

/* Whether every row was delivered. */
static bool all_sent(struct app *app)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db_handle(app->db), "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'", -1,
                       &st, NULL);
    bool done = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    return done;
}

/* "status|attempts|last_error" of the row sent to chat (static buffer). */
static const char *row_of(struct app *app, const char *chat)
{
    static char out[512];
    sqlite3_stmt *st = NULL;
    snprintf(out, sizeof out, "(none)");
    sqlite3_prepare_v2(db_handle(app->db),
                       "SELECT status, attempts, coalesce(last_error, '') FROM outbox "
                       "WHERE chat_id = ?",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, chat, -1, SQLITE_STATIC);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, sizeof out, "%s|%d|%s", sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
                 sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return out;
}

/* Queues one message per route for ops, runs the sender against the fake until every answer
 * is settled, and stops. The app stays open for the checks. */
static int run(struct app *app, const struct platform_ops *ops, struct mini *m, struct fake *f)
{
    char config[256], err[256];
    snprintf(config, sizeof config,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"}}", ops->name);
    if (testlib_app(app, ops->name, config) != 0)
        return -1;
    CHECK_INT(app_own_sends(app, "serve", err, sizeof err), 0);
    if (fake_start(f) != 0) {
        CHECK(!"the fake server starts");
        app_free(app);
        return -1;
    }
    snprintf(m->base, sizeof m->base, "http://127.0.0.1:%d", f->port);
    for (int i = 0; i < f->nroutes; i++) {
        struct outbox_new n = {
            .platform = ops->name, .chat_id = f->routes[i].chat, .text = "Cảm ơn bạn"};
        int64_t id = 0;
        CHECK_INT(outbox_enqueue(app->db, &n, clock_now_ms(), &id), DB_OK);
    }
    struct sender_config sc = {.global = ratelimit_rule(0, 1000, 0),
                               .chat = ratelimit_rule(0, 1000, 0),
                               .group = ratelimit_rule(0, 60000, 0),
                               .max_attempts = 5,
                               .concurrency = 8};
    struct sender *s = NULL;
    CHECK_INT(sender_start(app, &sc, ops, m, &s), 0);
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    while (!(m->until_sent ? all_sent(app) : all_settled(app)) && clock_mono_ms() < deadline)
        usleep(20 * 1000); /* polls a condition: the sender settles on its own thread */
    CHECK(m->until_sent ? all_sent(app) : all_settled(app));
    sender_stop(s);
    fake_stop(f);
    CHECK_INT(atomic_load(&f->authorised), atomic_load(&f->total)); /* the header rode along */
    return 0;
}

static void test_zalo_oa_answers_are_settled_once_each(void)
{
    static const struct fake_route routes[] = {
        {"oa-ok", 200,
         "{\"error\":0,\"message\":\"Success\",\"data\":{\"message_id\":"
         "\"7b3f0a1c2d\",\"user_id\":\"2512523625412515\"}}"},
        {"oa-token", 200, "{\"error\":-216,\"message\":\"Access token is invalid\"}"},
        {"oa-blocked", 200,
         "{\"error\":-230,\"message\":\"User has not interacted with the OA in the past 7 "
         "days\"}"},
        {"oa-bad", 200, "{\"error\":-203,\"message\":\"Invalid parameter\"}"},
    };
    struct fake f = {.routes = routes, .nroutes = 4, .auth = "access_token: oa-secret"};
    struct mini m = {.auth = "access_token: oa-secret", .path = "/v3.0/oa/message/cs"};
    struct app app;
    if (run(&app, &oa_ops, &m, &f) != 0)
        return;
    CHECK_STR(row_of(&app, "oa-ok"), "sent|1|");
    CHECK_STR(row_of(&app, "oa-token"), "queued|0|error -216: Access token is invalid");
    CHECK_STR(row_of(&app, "oa-blocked"),
              "failed|1|error -230: User has not interacted with the OA in the past 7 days");
    CHECK_STR(row_of(&app, "oa-bad"), "failed|1|error -203: Invalid parameter");
    for (int i = 0; i < 4; i++)
        CHECK_INT(atomic_load(&f.hits[i]), 1); /* one request each: nothing sent twice */
    app_free(&app);
}

static void test_graph_answers_are_settled_once_each(void)
{
    static const struct fake_route routes[] = {
        {"g-ok", 200,
         "{\"recipient_id\":\"1254477777772919\",\"message_id\":\"m_AG5Hz2Uq7tuwNE\"}"},
        {"g-token", 400,
         "{\"error\":{\"message\":\"Error validating access token: Session has expired\","
         "\"type\":\"OAuthException\",\"code\":190,\"error_subcode\":463,"
         "\"fbtrace_id\":\"BLBz/WZt8dN\"}}"},
        {"g-blocked", 400,
         "{\"error\":{\"message\":\"(#551) This person isn't available right now.\","
         "\"type\":\"OAuthException\",\"code\":551,\"error_subcode\":1545041}}"},
        {"g-bad", 400,
         "{\"error\":{\"message\":\"(#100) The parameter recipient is required\","
         "\"type\":\"OAuthException\",\"code\":100}}"},
        {"g-slow", 400,
         "{\"error\":{\"message\":\"(#613) Calls to this api have exceeded the rate limit.\","
         "\"type\":\"OAuthException\",\"code\":613}}"},
    };
    struct fake f = {.routes = routes, .nroutes = 5, .auth = "Authorization: Bearer page-secret"};
    struct mini m = {.auth = "Authorization: Bearer page-secret", .path = "/v19.0/me/messages"};
    struct app app;
    if (run(&app, &graph_ops, &m, &f) != 0)
        return;
    CHECK_STR(row_of(&app, "g-ok"), "sent|1|");
    CHECK_STR(row_of(&app, "g-token"),
              "queued|0|error 190: Error validating access token: Session has expired");
    CHECK_STR(row_of(&app, "g-blocked"),
              "failed|1|error 551: (#551) This person isn't available right now.");
    CHECK_STR(row_of(&app, "g-bad"),
              "failed|1|error 100: (#100) The parameter recipient is required");
    /* Throttled: back in the queue without using up an attempt (however often it is asked). */
    CHECK_STR(row_of(&app, "g-slow"),
              "queued|0|error 613: (#613) Calls to this api have exceeded the rate limit.");
    for (int i = 0; i < 4; i++)
        CHECK_INT(atomic_load(&f.hits[i]), 1);
    app_free(&app);
}

/* Removes a database a previous run left in the working directory. */
static void fresh_db(const char *path)
{
    static const char *const ext[] = {"", "-wal", "-shm"};
    char file[128];
    for (int i = 0; i < 3; i++) {
        snprintf(file, sizeof file, "%s%s", path, ext[i]);
        unlink(file);
    }
}

/* Eight messages in flight when the access token expires: every one comes back -216, the
 * platform is asked to renew once (not eight times: a used refresh token is dead), and all eight
 * go again with the new token — none failed, none using up an attempt. */
static void test_an_expired_token_is_renewed_once_for_all_in_flight(void)
{
    static const char expired[] = "{\"error\":-216,\"message\":\"Access token is invalid\"}";
    static const struct fake_route routes[] = {
        {"r1", 200, expired}, {"r2", 200, expired}, {"r3", 200, expired}, {"r4", 200, expired},
        {"r5", 200, expired}, {"r6", 200, expired}, {"r7", 200, expired}, {"r8", 200, expired},
    };
    struct fake f = {.routes = routes,
                     .nroutes = 8,
                     .auth = "access_token: ",
                     .fresh_auth = "access_token: renewed",
                     .fresh_body = "{\"error\":0,\"data\":{\"message_id\":\"m1\"}}"};
    struct mini m = {
        .auth = "access_token: old", .path = "/v3.0/oa/message/cs", .until_sent = true};
    struct app app;
    fresh_db("renew_test.db");
    if (run(&app, &renew_ops, &m, &f) != 0)
        return;
    CHECK_INT(atomic_load(&m.renewals), 1);
    CHECK(atomic_load(&m.checks) > 0); /* asked ahead of time on every turn, too */
    for (int i = 0; i < 8; i++) {
        CHECK_STR(row_of(&app, routes[i].chat), "sent|1|"); /* the renewal cost no attempt */
        CHECK_INT(atomic_load(&f.hits[i]), 2);              /* refused once, then delivered */
    }
    app_free(&app);
}

/* A chat whose user wrote within the window gets its message (two at most per window here);
 * one that never wrote, or wrote too long ago, gets no request at all and its row says why. */
static void test_messages_outside_the_window_are_not_sent(void)
{
    static const char ok[] = "{\"error\":0,\"data\":{\"message_id\":\"m1\"}}";
    static const struct fake_route routes[] = {
        {"w-open", 200, ok},
        {"w-never", 200, ok},
        {"w-stale", 200, ok},
        {"w-refused", 200, "{\"error\":-232,\"message\":\"User has not interacted\"}"}};
    struct fake f = {.routes = routes, .nroutes = 4, .auth = "access_token: t"};
    struct mini m = {
        .auth = "access_token: t", .path = "/v3.0/oa/message/cs", .window_ms = 3600 * 1000};
    char config[] = "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"window_test.db\"}}";
    struct app pre;
    fresh_db("window_test.db");
    /* The windows, as the receiver would have opened them, in the database run() opens. */
    if (testlib_app(&pre, "window_pre", config) != 0)
        return;
    int64_t now = clock_now_ms();
    CHECK_INT(pstore_window_open(pre.db, "window_test", "w-open", now - 60 * 1000), DB_OK);
    CHECK_INT(pstore_window_open(pre.db, "window_test", "w-stale", now - 2 * 3600 * 1000), DB_OK);
    CHECK_INT(pstore_window_open(pre.db, "window_test", "w-refused", now - 60 * 1000), DB_OK);
    bool open = false;
    CHECK_INT(pstore_window_use(pre.db, "window_test", "w-open", now, 3600 * 1000, 2, &open),
              DB_OK);
    CHECK(open); /* one of the two this window allows */
    CHECK_INT(pstore_window_use(pre.db, "window_test", "w-open", now, 3600 * 1000, 2, &open),
              DB_OK);
    CHECK(open);
    CHECK_INT(pstore_window_use(pre.db, "window_test", "w-open", now, 3600 * 1000, 2, &open),
              DB_OK);
    CHECK(!open); /* the third is over the count */
    /* The user writes again: a new window, its count from zero; an older delivery of an
     * earlier message changes nothing. */
    CHECK_INT(pstore_window_open(pre.db, "window_test", "w-open", now), DB_OK);
    CHECK_INT(pstore_window_open(pre.db, "window_test", "w-open", now - 30 * 1000), DB_OK);
    CHECK_INT(pstore_window_use(pre.db, "window_test", "w-open", now, 3600 * 1000, 2, &open),
              DB_OK);
    CHECK(open);
    app_free(&pre);
    struct app app_window;
    if (run(&app_window, &window_ops, &m, &f) != 0)
        return;
    CHECK_STR(row_of(&app_window, "w-open"), "sent|1|");
    CHECK_STR(row_of(&app_window, "w-never"), "failed|0|" OUTBOX_OUTSIDE_WINDOW);
    CHECK_STR(row_of(&app_window, "w-stale"), "failed|0|" OUTBOX_OUTSIDE_WINDOW);
    CHECK_INT(atomic_load(&f.hits[0]), 1);
    CHECK_INT(atomic_load(&f.hits[1]), 0);
    CHECK_INT(atomic_load(&f.hits[2]), 0);
    /* The platform knew better than our record: counted outside the window, not failed, and
     * nothing more is tried until the user writes again. */
    CHECK_STR(row_of(&app_window, "w-refused"), "failed|1|" OUTBOX_OUTSIDE_WINDOW);
    CHECK_INT(atomic_load(&f.hits[3]), 1);
    CHECK_INT(pstore_window_use(app_window.db, "window_test", "w-refused", clock_now_ms(),
                                3600 * 1000, 2, &open),
              DB_OK);
    CHECK(!open);
    app_free(&app_window);
}

/* A platform's slow work for a row (Zalo OA's photo upload) happens before the sender's
 * transaction, once per row claimed, and the row then goes. */
static void test_prepare_runs_outside_the_transaction(void)
{
    static const char ok[] = "{\"error\":0,\"data\":{\"message_id\":\"m1\"}}";
    static const struct fake_route routes[] = {{"p1", 200, ok}, {"p2", 200, ok}, {"p3", 200, ok}};
    struct fake f = {.routes = routes, .nroutes = 3, .auth = "access_token: t"};
    struct mini m = {.auth = "access_token: t", .path = "/v3.0/oa/message/cs", .until_sent = true};
    struct app app;
    fresh_db("prepare_test.db");
    if (run(&app, &prepare_ops, &m, &f) != 0)
        return;
    CHECK(atomic_load(&m.prepared) >= 3);
    CHECK_INT(atomic_load(&m.prepared_in_tx), 0);
    for (int i = 0; i < 3; i++)
        CHECK_STR(row_of(&app, routes[i].chat), "sent|1|");
    app_free(&app);
}

TESTLIB_MAIN(T(test_prepare_runs_outside_the_transaction),
             T(test_zalo_oa_answers_are_settled_once_each),
             T(test_graph_answers_are_settled_once_each),
             T(test_an_expired_token_is_renewed_once_for_all_in_flight),
             T(test_messages_outside_the_window_are_not_sent))
