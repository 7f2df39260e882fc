/*
 * test_sender_window.c — what a crash may send twice is what the sender has on the wire: a
 * message the platform may have taken whose answer is not committed yet (bot/sender.c,
 * claim → start → settle). Three properties keep that small, each checked here against the
 * real sender and a fake platform that holds every answer for a while, as a distant API does:
 * starts are paced within the rate limit instead of leaving in a burst of the whole quota; a
 * chat never has two messages on the wire; an answer is committed as soon as it is read, not
 * after the turn's other work (a platform's prepare op, which may upload for seconds).
 */
#include "bot/app.h"
#include "base/clock.h"
#include "bot/platform.h"
#include "bot/sender.h"
#include "storage/outbox.h"

#include "testlib.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { FAKE_REQ_MAX = 8192, FAKE_CHATS_MAX = 16, BUILDS_MAX = 64, WAIT_MS = 30000 };

/* ---- a fake platform that answers each request delay_ms after it arrived ------------------ */

struct fake {
    int fd, port;
    pthread_t thread;
    atomic_int stop, threads;
    int delay_ms;
    const char *held;        /* a chat whose answer waits for release, or NULL */
    atomic_int release;      /* set: the held answer goes */
    atomic_int held_arrived; /* the held chat's request is here */
    atomic_int held_answered;
    pthread_mutex_t lock; /* the counts below */
    char chat[FAKE_CHATS_MAX][32];
    int on_wire[FAKE_CHATS_MAX], most[FAKE_CHATS_MAX], got[FAKE_CHATS_MAX], nchats, total;
};

struct fake_conn {
    struct fake *f;
    int fd;
};

/* The chat's slot (added when new). Under f->lock. */
static int fake_chat(struct fake *f, const char *chat)
{
    for (int i = 0; i < f->nchats; i++)
        if (strcmp(f->chat[i], chat) == 0)
            return i;
    if (f->nchats == FAKE_CHATS_MAX)
        return -1;
    snprintf(f->chat[f->nchats], sizeof f->chat[0], "%s", chat);
    return f->nchats++;
}

/* Reads one request with its Content-Length body into buf; its length, or -1. */
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

/* The chat of a request body {"to":"…"} into out. */
static void fake_to(const char *req, char *out, size_t size)
{
    const char *p = strstr(req, "\"to\":\"");
    size_t n = 0;
    for (p = p ? p + 6 : ""; *p && *p != '"' && n + 1 < size; p++)
        out[n++] = *p;
    out[n] = '\0';
}

static void *fake_serve(void *arg)
{
    struct fake_conn *fc = arg;
    struct fake *f = fc->f;
    char req[FAKE_REQ_MAX], chat[32];
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: 10\r\nConnection: close\r\n\r\n{\"ok\":true}";
    if (fake_read(fc->fd, req, sizeof req) > 0) {
        fake_to(req, chat, sizeof chat);
        bool held = f->held && strcmp(chat, f->held) == 0;
        pthread_mutex_lock(&f->lock);
        int i = fake_chat(f, chat);
        f->total++;
        if (i >= 0) {
            f->got[i]++;
            f->on_wire[i]++;
            f->most[i] = f->on_wire[i] > f->most[i] ? f->on_wire[i] : f->most[i];
        }
        pthread_mutex_unlock(&f->lock);
        if (held)
            atomic_store(&f->held_arrived, 1);
        int64_t until = clock_mono_ms() + (held ? WAIT_MS : f->delay_ms);
        while (clock_mono_ms() < until && !atomic_load(&f->stop) &&
               !(held && atomic_load(&f->release)))
            usleep(2000); /* the platform's answer time */
        pthread_mutex_lock(&f->lock);
        if (i >= 0)
            f->on_wire[i]--;
        pthread_mutex_unlock(&f->lock);
        if (send(fc->fd, ok, sizeof ok - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof ok - 1))
            fprintf(stderr, "fake: short send\n");
        if (held)
            atomic_store(&f->held_answered, 1);
    }
    close(fc->fd);
    free(fc);
    atomic_fetch_sub(&f->threads, 1);
    return NULL;
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    while (!atomic_load(&f->stop)) {
        struct pollfd p = {.fd = f->fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int c = accept(f->fd, NULL, NULL);
        struct fake_conn *fc = c >= 0 ? malloc(sizeof *fc) : NULL;
        pthread_t t;
        if (!fc) {
            if (c >= 0)
                close(c);
            continue;
        }
        *fc = (struct fake_conn){f, c};
        atomic_fetch_add(&f->threads, 1);
        if (pthread_create(&t, NULL, fake_serve, fc) != 0) {
            atomic_fetch_sub(&f->threads, 1);
            close(c);
            free(fc);
            continue;
        }
        pthread_detach(t);
    }
    return NULL;
}

static int fake_start(struct fake *f)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    pthread_mutex_init(&f->lock, NULL);
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(f->fd, 64) != 0 ||
        getsockname(f->fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    f->port = ntohs(a.sin_port);
    return pthread_create(&f->thread, NULL, fake_main, f) == 0 ? 0 : -1;
}

static void fake_stop(struct fake *f)
{
    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    while (atomic_load(&f->threads) > 0)
        usleep(5000); /* the connection threads see stop and leave */
    close(f->fd);
    pthread_mutex_destroy(&f->lock);
}

/* ---- a minimal platform ------------------------------------------------------------------- */

struct plat {
    char url[96];
    pthread_mutex_t lock;
    int64_t built_us[BUILDS_MAX]; /* when each request was built (claimed), monotonic */
    int nbuilt;
    struct fake *f;
    atomic_int prepare_entered;
    char seen[16]; /* the held row's status when the next row was claimed */
};

static int plat_build(void *state, struct db *db, const struct outbox_row *row, int64_t now_ms,
                      struct platform_request *out, const char **why)
{
    struct plat *p = state;
    (void)now_ms;
    pthread_mutex_lock(&p->lock);
    if (p->nbuilt < BUILDS_MAX)
        p->built_us[p->nbuilt++] = clock_mono_us();
    pthread_mutex_unlock(&p->lock);
    if (p->f->held && strcmp(row->chat_id, p->f->held) != 0 && !p->seen[0]) {
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db_handle(db), "SELECT status FROM outbox WHERE chat_id = ?", -1, &st,
                           NULL);
        sqlite3_bind_text(st, 1, p->f->held, -1, SQLITE_STATIC);
        if (st && sqlite3_step(st) == SQLITE_ROW)
            snprintf(p->seen, sizeof p->seen, "%s", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    snprintf(out->url, sizeof out->url, "%s", p->url);
    json_t *body = json_pack("{s:s, s:s}", "to", row->chat_id, "text", row->text);
    out->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    *why = "out of memory";
    return out->body ? 0 : -1;
}

static void plat_classify(long http, const char *body, size_t len, struct platform_answer *a)
{
    memset(a, 0, sizeof *a);
    a->understood = true;
    a->verdict =
        http == 200 && len && strstr(body, "\"ok\":true") ? PLATFORM_SENT : PLATFORM_BAD_REQUEST;
    snprintf(a->why, sizeof a->why, "http %ld", http);
}

/* The prepare op of a row not to the held chat: enters, lets the test release the held answer,
 * and returns once the fake has written it — the answer arrives during the turn's other work. */
static void plat_prepare(void *state, struct db *db, const struct outbox_row *row, int64_t now_ms)
{
    struct plat *p = state;
    (void)db;
    (void)now_ms;
    if (!p->f->held || strcmp(row->chat_id, p->f->held) == 0 ||
        atomic_exchange(&p->prepare_entered, 1))
        return;
    int64_t until = clock_mono_ms() + WAIT_MS;
    while (!atomic_load(&p->f->held_answered) && clock_mono_ms() < until)
        usleep(2000);
    /* The answer is written; on loopback it is readable at once. The margin only covers a
     * machine too loaded to move a few bytes between two threads in 200 ms. */
    usleep(200 * 1000);
}

static const struct platform_ops plat_ops = {
    .name = "window_test", .build_request = plat_build, .classify_answer = plat_classify};
static const struct platform_ops plat_prepare_ops = {.name = "window_test",
                                                     .build_request = plat_build,
                                                     .classify_answer = plat_classify,
                                                     .prepare = plat_prepare};

/* ---- the run ------------------------------------------------------------------------------ */

static int count_sent(struct app *app)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db_handle(app->db), "SELECT count(*) FROM outbox WHERE status = 'sent'", -1,
                       &st, NULL);
    int n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

static void enqueue(struct app *app, const char *chat, const char *text)
{
    struct outbox_new n = {.platform = "window_test", .chat_id = chat, .text = text};
    int64_t id = 0;
    CHECK_INT(outbox_enqueue(app->db, &n, clock_now_ms(), &id), DB_OK);
}

static bool wait_until_sent(struct app *app, int n)
{
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    while (count_sent(app) < n && clock_mono_ms() < deadline)
        usleep(20 * 1000); /* polls a condition: the sender settles on its own thread */
    return count_sent(app) >= n;
}

/* A fresh app (database name) with this process as the owner of sends, and the fake up. */
static int setup(struct app *app, const char *name, struct fake *f, struct plat *p)
{
    char config[256], err[256], file[160];
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(file, sizeof file, "%s.db%s", name, ext[i]);
        unlink(file);
    }
    snprintf(config, sizeof config,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"}}", name);
    if (testlib_app(app, name, config) != 0)
        return -1;
    CHECK_INT(app_own_sends(app, "serve", err, sizeof err), 0);
    if (fake_start(f) != 0) {
        CHECK(!"the fake platform starts");
        app_free(app);
        return -1;
    }
    pthread_mutex_init(&p->lock, NULL);
    p->f = f;
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d/send", f->port);
    return 0;
}

static void teardown(struct app *app, struct sender *s, struct fake *f, struct plat *p)
{
    sender_stop(s);
    fake_stop(f);
    pthread_mutex_destroy(&p->lock);
    app_free(app);
}

static struct sender_config config_of(double per_second)
{
    return (struct sender_config){.global = ratelimit_rule(per_second, 1000, (int)per_second),
                                  .chat = ratelimit_rule(0, 1000, 0),
                                  .group = ratelimit_rule(0, 60000, 0),
                                  .max_attempts = 5,
                                  .concurrency = 32};
}

/* ---- the tests ---------------------------------------------------------------------------- */

/* 10 a second and twelve messages due at once: they start about 100 ms apart, never the whole
 * quota at once (before: ten in the same turn, all on the wire together for the answer time). */
static void test_starts_are_paced_within_the_rate_limit(void)
{
    struct app app;
    struct fake f = {.delay_ms = 250};
    struct plat p = {0};
    struct sender *s = NULL;
    if (setup(&app, "window_pace", &f, &p) != 0)
        return;
    char chat[16];
    for (int i = 0; i < 12; i++) {
        snprintf(chat, sizeof chat, "pace-%d", i);
        enqueue(&app, chat, "Cảm ơn bạn");
    }
    struct sender_config sc = config_of(10);
    CHECK_INT(sender_start(&app, &sc, &plat_ops, &p, &s), 0);
    CHECK(wait_until_sent(&app, 12));
    CHECK_INT(p.nbuilt, 12);
    /* The pace is 100 ms; a start may follow a late one after three quarters (bot/sender.c). */
    int64_t closest = INT64_MAX;
    for (int i = 1; i < p.nbuilt; i++)
        if (p.built_us[i] - p.built_us[i - 1] < closest)
            closest = p.built_us[i] - p.built_us[i - 1];
    CHECK(closest >= 74 * 1000);
    if (closest < 74 * 1000)
        fprintf(stderr, "  two starts %lld µs apart\n", (long long)closest);
    teardown(&app, s, &f, &p);
}

/* Four messages each to three chats, no rate limit and eight transfers allowed at once: each
 * chat has one message on the wire at a time, the next only once the one before is settled, so
 * a crash can send at most one message of a chat twice. */
static void test_one_message_on_the_wire_per_chat(void)
{
    struct app app;
    struct fake f = {.delay_ms = 60};
    struct plat p = {0};
    struct sender *s = NULL;
    static const char *const chats[] = {"chat-a", "chat-b", "chat-c"};
    if (setup(&app, "window_chat", &f, &p) != 0)
        return;
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < 3; c++)
            enqueue(&app, chats[c], "Tin nhắn");
    struct sender_config sc = config_of(0);
    sc.concurrency = 8;
    CHECK_INT(sender_start(&app, &sc, &plat_ops, &p, &s), 0);
    CHECK(wait_until_sent(&app, 12));
    pthread_mutex_lock(&f.lock);
    CHECK_INT(f.nchats, 3);
    for (int i = 0; i < f.nchats; i++) {
        CHECK_INT(f.got[i], 4);  /* each once */
        CHECK_INT(f.most[i], 1); /* never two on the wire */
    }
    pthread_mutex_unlock(&f.lock);
    teardown(&app, s, &f, &p);
}

/* A message's answer arrives while the sender is busy with the next row's prepare op (an
 * upload, up to its timeout): it is committed before the next claim, not after it. */
static void test_an_answer_is_committed_before_the_next_claim(void)
{
    struct app app;
    struct fake f = {.delay_ms = 0, .held = "held"};
    struct plat p = {0};
    struct sender *s = NULL;
    if (setup(&app, "window_settle", &f, &p) != 0)
        return;
    enqueue(&app, "held", "Tin thứ nhất");
    struct sender_config sc = config_of(0);
    CHECK_INT(sender_start(&app, &sc, &plat_prepare_ops, &p, &s), 0);
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    while (!atomic_load(&f.held_arrived) && clock_mono_ms() < deadline)
        usleep(5000); /* polls a condition */
    CHECK(atomic_load(&f.held_arrived));
    enqueue(&app, "next", "Tin thứ hai"); /* its prepare op runs while "held" is on the wire */
    sender_wake(s);
    while (!atomic_load(&p.prepare_entered) && clock_mono_ms() < deadline)
        usleep(5000); /* polls a condition */
    CHECK(atomic_load(&p.prepare_entered));
    atomic_store(&f.release, 1); /* the held answer goes now, during the prepare op */
    CHECK(wait_until_sent(&app, 2));
    CHECK_STR(p.seen, "sent");
    teardown(&app, s, &f, &p);
}

TESTLIB_MAIN(T(test_starts_are_paced_within_the_rate_limit),
             T(test_one_message_on_the_wire_per_chat),
             T(test_an_answer_is_committed_before_the_next_claim))
