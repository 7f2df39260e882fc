/*
 * fakebot.c — a fast fake Telegram Bot API server for tipgate's benchmark harness (bench/run).
 *
 * One thread, epoll, non-blocking sockets, HTTP/1.1 keep-alive and pipelining, any number of
 * connections. Requests are `/bot<TOKEN>/<method>` with parameters in a JSON body, a form body
 * or the query string (parsed with jansson just enough). It serves a scenario:
 *
 *   --messages N   N private text messages from N users/chats (ids 100000+i), in Vietnamese
 *   --rate R       updates become available at R per second from the first getUpdates call,
 *                  each stamped with its availability time (0: all available at once)
 *   --expect N     stop once N sendMessage calls were accepted (default: --messages)
 *   --limits       enforce Telegram's limits on sendMessage (30/s global, 1/s per chat,
 *                  20/min per group), answering 429 with parameters.retry_after
 *   --stats FILE   write what happened as JSON at exit
 *   --mix          a ward's mixed traffic instead of --messages' questions: of every 100
 *                  updates, 60 group messages from --groups groups, 35 private messages,
 *                  5 tips sent with /baotin, from --users residents (bench/soak)
 *
 * Sends to chats outside the scenario (a desk, a group, a resident of a filled database) are
 * counted apart (other_sends) and, with --messages, neither reach --expect nor count as a
 * reply. A control interface on the same port, outside /bot<TOKEN>/, injects one update and
 * tells when its chat was answered (bench/scale times /tim and /quahan with it):
 *
 *   POST /control/inject  {"chat_id": N, "chat_type": "group", "title": "…", "from_id": N,
 *                          "first_name": "…", "text": "…"}  → {"ok": true, "index": K, …}
 *   GET  /control/reply?index=K  → {"ok": true, "replied": true, "latency_ms": X, "text": "…"}
 *
 * Injected updates come after the scheduled ones (updates are delivered in order): they are
 * available at once with --messages 0, or once every scheduled message is. With --live-inject
 * an injected update is delivered at once, between the scheduled updates already available and
 * the next (bench/soak probes a running load with it). Two more control calls follow a chat:
 *
 *   GET  /control/sent?chat_id=N&from=K  → {"ok": true, "count": C, "messages": [{"i": K,
 *        "ms": X, "text": "…", "markup": {…} | null}, …]}: C sendMessage calls to chat N so
 *        far; with the texts and reply_markup of those from the K-th on when N is watched
 *   POST /control/watch  {"chat_id": N}: keep the texts sent to chat N from now on (a chat an
 *        update was injected into is watched; at most LOG_MAX_PER_CHAT texts a chat are kept)
 *
 * and stops at --expect, on SIGTERM/SIGINT, at --deadline seconds, or after --idle-timeout
 * seconds without any sendMessage. getUpdates implements offset (confirmation, negative
 * offsets), limit and timeout (long polling: the request is held until updates are available
 * or its timeout passes; a second poller terminates the first with 409 as Telegram does);
 * setWebhook makes getUpdates answer 409 until deleteWebhook. Webhooks are not delivered.
 *
 * Build: gcc -O2 -Wall -Wextra -o fakebot fakebot.c -ljansson   (bench/run does this)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADER_BYTES 16384
#define MAX_BODY_BYTES   (1024 * 1024)
#define MAX_EVENTS       256
#define CHAT_BASE        100000
#define GROUP_BASE       (-1001000000000LL) /* --mix group k is GROUP_BASE - k (bench/fill.py) */
#define MAX_INJECTED     32768
#define LOG_MAX_PER_CHAT 512
#define UPDATE_JSON_MAX  4096
#define UPDATE_BASE      500000000LL
#define BOT_ID_DEFAULT   7000000001LL
#define NS               1000000000LL

enum stop_reason { RUNNING = 0, STOP_EXPECT, STOP_SIGNAL, STOP_DEADLINE, STOP_IDLE };
static const char *const stop_names[] = {"running", "expect", "signal", "deadline", "idle"};

/* Methods counted in the stats; the last slot counts everything else. */
static const char *const method_names[] = {
    "getUpdates",     "sendMessage", "answerCallbackQuery", "getMe", "deleteWebhook",
    "getWebhookInfo", "setWebhook",  "sendChatAction",      "other",
};
enum {
    M_GETUPDATES,
    M_SENDMESSAGE,
    M_ANSWERCB,
    M_GETME,
    M_DELETEWH,
    M_GETWHINFO,
    M_SETWH,
    M_CHATACTION,
    M_OTHER,
    M_COUNT
};

struct conn {
    int fd;
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_off, out_cap;
    int close_after; /* close once out is flushed */
    int epollout;    /* EPOLLOUT is registered */
    int continued;   /* "100 Continue" sent for the request in hand */
    int dead;        /* on the free list; ignore further events */
    /* A held getUpdates (long poll). */
    int held;
    int held_keepalive;
    int held_limit;
    int64_t held_deadline;
    struct conn *next_dead;
    struct conn *prev, *next; /* every open connection, to free them at exit */
};

/* Per chat: replies seen, first reply, and the sliding windows of --limits. */
struct chat {
    int64_t id;
    int used;
    int replies;
    int64_t first_ns;
    int64_t last_ns;   /* last accepted send (1/s per chat) */
    int64_t *group_ts; /* ring of the last 20 accepted sends (groups only) */
    int group_n, group_pos;
    /* --live-inject and the control calls: injected updates not yet answered (k + 1, 0: none),
     * and what was sent to a watched chat. */
    long inj_first, inj_last;
    int watched;
    struct sent {
        int64_t t_ns;
        char *text, *markup; /* markup: reply_markup as JSON, or NULL */
    } * log;
    int log_n, log_cap;
};

static struct {
    /* options */
    int port;
    const char *token;
    long messages;
    double rate;
    long expect;
    int limits;
    const char *stats_file;
    const char *port_file;
    double deadline_s;
    double idle_s;
    int quiet;
    int mix;
    long users, groups;
    int64_t bot_id;

    /* state */
    int ep, lfd, tfd;
    int64_t tfd_armed;
    int64_t start_ns; /* process start */
    int64_t t0_ns;    /* updates' clock: first getUpdates (or first request if N == 0) */
    time_t t0_wall;
    int64_t first_request_ns;
    int64_t last_send_req_ns; /* any sendMessage, for --idle-timeout */
    long confirmed;           /* updates with index < confirmed are gone */
    char **upd_json;          /* formatted lazily, freed once confirmed */
    size_t *upd_len;
    long upd_cap; /* slots in upd_json and upd_len */
    long freed;   /* upd_json[i] for i < freed are gone */
    /* Updates injected through /control/inject: index messages + k. */
    struct injected {
        int64_t chat_id, from_id;
        char *json; /* the update's message body, without update_id */
        int64_t t_ns, reply_ns;
        char *reply_text;
        long inj_next; /* the next unanswered one in the same chat (k + 1, 0: none) */
    } injected[MAX_INJECTED];
    long n_injected;
    /* --live-inject: the order of delivery, position -> scheduled index i (>= 0) or injected
     * update k (-1 - k); seq_sched scheduled updates are in it. */
    int live;
    long *seq_src;
    long seq_n, seq_cap, seq_sched;
    struct conn *waiter; /* the held getUpdates, if any */
    int webhook_set;
    char webhook_url[512];
    struct conn *dead_list;
    struct conn *conns;
    enum stop_reason stop;

    /* counters */
    long requests[M_COUNT];
    long sends, throttled, rejected_400, conflicts, updates_delivered, connections;
    long scenario_sends, other_sends, mix_counts[3];
    long next_message_id;
    int64_t last_reply_ns;
    int64_t first_send_req_ns;

    /* chats: open addressing */
    struct chat *chats;
    size_t chat_cap, chat_count;

    /* global window of --limits: the last 30 accepted sends */
    int64_t global_ts[30];
    int global_n, global_pos;
} g;

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fakebot: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory");
    return q;
}

/* ---------- chats ---------- */

static size_t chat_hash(int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(x ^ (x >> 29));
}

static struct chat *chat_get(int64_t id)
{
    if ((g.chat_count + 1) * 2 > g.chat_cap) {
        size_t ncap = g.chat_cap ? g.chat_cap * 2 : 1024;
        struct chat *n = calloc(ncap, sizeof *n);
        if (!n)
            die("out of memory");
        for (size_t i = 0; i < g.chat_cap; i++) {
            if (!g.chats[i].used)
                continue;
            size_t j = chat_hash(g.chats[i].id) & (ncap - 1);
            while (n[j].used)
                j = (j + 1) & (ncap - 1);
            n[j] = g.chats[i];
        }
        free(g.chats);
        g.chats = n;
        g.chat_cap = ncap;
    }
    size_t j = chat_hash(id) & (g.chat_cap - 1);
    while (g.chats[j].used && g.chats[j].id != id)
        j = (j + 1) & (g.chat_cap - 1);
    if (!g.chats[j].used) {
        g.chats[j].used = 1;
        g.chats[j].id = id;
        g.chat_count++;
    }
    return &g.chats[j];
}

static struct chat *chat_find(int64_t id)
{
    if (!g.chat_cap)
        return NULL;
    size_t j = chat_hash(id) & (g.chat_cap - 1);
    while (g.chats[j].used) {
        if (g.chats[j].id == id)
            return &g.chats[j];
        j = (j + 1) & (g.chat_cap - 1);
    }
    return NULL;
}

/* ---------- updates ---------- */

static const char *const texts[] = {
    "Chào anh, em muốn hỏi về thủ tục đăng ký tạm trú ở phường mình ạ",
    "Dạ cho em hỏi làm căn cước cho con thì cần mang giấy tờ gì ạ?",
    "Tối qua ở đầu hẻm có mấy thanh niên tụ tập gây ồn ào, anh chị kiểm tra giúp em với",
    "Em bị mất ví ở chợ sáng nay, trong ví có giấy phép lái xe, em phải làm sao ạ?",
    "Xin chào, nhà tôi có người thuê trọ mới, khai báo lưu trú ở đâu vậy?",
};

/* --mix: a ward's traffic. Group talk (some of it naming a phone or a link, which the scam
 * shield notes), residents writing to the bot, and tips filed at once with /baotin; %ld is
 * filled from the update's index so that no two tips read the same. */
static const char *const mix_group[] = {
    "Mai 7 giờ tối họp tổ dân phố ở nhà văn hóa nhé cả nhà",
    "Ai thấy con chó vàng lạc ở hẻm %ld không ạ, nhà em tìm mấy hôm nay",
    "Chiều nay cắt điện từ 13h đến 17h nha mọi người",
    "Cảm ơn anh tổ trưởng đã thông báo",
    "Nhà ai có xe đậu trước cổng số %ld dời giúp em với ạ",
    "Cẩn thận có người gọi điện từ số 0912%06ld giả danh điện lực đòi tiền nhé cả nhà",
    "Ai cần mua rau sạch thì nhắn em nha, giao tận nhà",
    "Dạ vâng ạ",
    "Mưa to quá, đường Lê Lợi ngập rồi mọi người tránh nhé",
    "Có ai nhặt được chùm chìa khóa ở chợ không ạ, số nhà em là %ld",
    "Tối qua có trộm vào nhà số %ld hẻm 12, mất chiếc xe máy Wave, mọi người cẩn thận khóa cửa",
    "Link nhận quà miễn phí nè cả nhà http://qua-tang-%ld.top bấm vào nhận liền",
};
static const char *const mix_private[] = {
    "Chào anh, em muốn hỏi về thủ tục đăng ký tạm trú ở phường mình ạ",
    "Dạ cho em hỏi làm căn cước cho con thì cần mang giấy tờ gì ạ?",
    "Xin chào, nhà tôi có người thuê trọ mới, khai báo lưu trú ở đâu vậy?",
    "/help",
    "/tincuatoi",
    "Cảm ơn ạ",
    "Có ai trực không ạ?",
};
static const char *const mix_tip[] = {
    "/baotin Tôi bị mất xe máy Honda Wave màu đỏ ở hẻm %ld đường Nguyễn Trãi tối qua, xe có khóa "
    "cổ.",
    "/baotin Ở khu trọ cuối kiệt %ld thường có nhóm thanh niên tụ tập sử dụng ma túy vào ban đêm.",
    "/baotin Có sòng bạc đánh bài ăn tiền ở nhà số %ld đường Quang Trung, tối nào cũng đông người.",
    "/baotin Tôi nhận cuộc gọi từ số 0987%06ld tự xưng công an yêu cầu chuyển tiền để xác minh.",
    "/baotin Quán karaoke số %ld Lê Duẩn hát to quá 12 giờ đêm, nhắc nhiều lần vẫn không chấp "
    "hành.",
};
#define NELEM(a) ((long)(sizeof(a) / sizeof((a)[0])))

static int64_t avail_ns(long i)
{
    if (g.rate <= 0)
        return g.t0_ns;
    return g.t0_ns + (int64_t)((double)i * 1e9 / g.rate);
}

/* How many scheduled updates are available at time t (counted from index 0, confirmed ones
 * included): the number of i with avail_ns(i) <= t, exactly, so the timer and this count agree. */
static long sched_avail(int64_t t)
{
    if (!g.t0_ns || g.messages <= 0 || t < g.t0_ns)
        return 0;
    if (g.rate <= 0)
        return g.messages;
    double est = floor((double)(t - g.t0_ns) * g.rate / 1e9) + 1;
    long n = est >= (double)g.messages ? g.messages : (long)est;
    while (n < g.messages && avail_ns(n) <= t)
        n++;
    while (n > 0 && avail_ns(n - 1) > t)
        n--;
    return n;
}

static void seq_append(long src)
{
    if (g.seq_n == g.seq_cap) {
        g.seq_cap = g.seq_cap ? g.seq_cap * 2 : 4096;
        g.seq_src = xrealloc(g.seq_src, sizeof *g.seq_src * (size_t)g.seq_cap);
    }
    g.seq_src[g.seq_n++] = src;
}

/* --live-inject: the scheduled updates available at t join the order of delivery. */
static void seq_sync(int64_t t)
{
    long n = sched_avail(t);
    while (g.seq_sched < n)
        seq_append(g.seq_sched++);
}

/* The same with the injected updates, which follow every scheduled one (or, with
 * --live-inject, come in the order they were injected among those available). */
static long avail_count(int64_t t)
{
    if (g.live) {
        seq_sync(t);
        return g.seq_n;
    }
    long n = sched_avail(t);
    return n == g.messages ? n + g.n_injected : n;
}

static uint64_t mix_hash(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* The message of scheduled update i (--mix): into buf, returns its length. */
static int mix_message(long i, time_t date, char *buf, size_t size)
{
    uint64_t h = mix_hash((uint64_t)i);
    long user = CHAT_BASE + (long)((h >> 8) % (uint64_t)g.users);
    long slot = (long)((h >> 40) % 900) + 2;
    int kind = (int)(h % 100) < 60 ? 0 : (int)(h % 100) < 95 ? 1 : 2;
    char text[1024];
    const char *fmt = kind == 0   ? mix_group[(h >> 20) % NELEM(mix_group)]
                      : kind == 1 ? mix_private[(h >> 20) % NELEM(mix_private)]
                                  : mix_tip[(h >> 20) % NELEM(mix_tip)];
    /* Every format takes at most one %ld; a tip's also names the update so each is new. */
    snprintf(text, sizeof text, fmt, kind == 2 ? i % 1000000 : slot);
    g.mix_counts[kind]++;
    if (kind == 0) {
        long k = (long)((h >> 16) % (uint64_t)g.groups);
        return snprintf(buf, size,
                        "\"message\":{\"message_id\":%ld,\"from\":{\"id\":%ld,\"is_bot\":false,"
                        "\"first_name\":\"Cư dân\",\"last_name\":\"%ld\"},\"chat\":{\"id\":%lld,"
                        "\"title\":\"Tổ dân phố %ld\",\"type\":\"supergroup\"},\"date\":%lld,"
                        "\"text\":\"%s\"}",
                        i + 1, user, user, (long long)(GROUP_BASE - k), k + 1, (long long)date,
                        text);
    }
    return snprintf(buf, size,
                    "\"message\":{\"message_id\":%ld,\"from\":{\"id\":%ld,\"is_bot\":false,"
                    "\"first_name\":\"Cư dân\",\"last_name\":\"%ld\",\"language_code\":\"vi\"},"
                    "\"chat\":{\"id\":%ld,\"first_name\":\"Cư dân\",\"last_name\":\"%ld\","
                    "\"type\":\"private\"},\"date\":%lld,\"text\":\"%s\"}",
                    i + 1, user, user, user, user, (long long)date, text);
}

/* Room for update i in the lazily formatted list. */
static void updates_reserve(long i)
{
    if (i < g.upd_cap)
        return;
    long cap = g.upd_cap ? g.upd_cap : 1024;
    while (cap <= i)
        cap *= 2;
    g.upd_json = xrealloc(g.upd_json, sizeof *g.upd_json * (size_t)cap);
    g.upd_len = xrealloc(g.upd_len, sizeof *g.upd_len * (size_t)cap);
    memset(g.upd_json + g.upd_cap, 0, sizeof *g.upd_json * (size_t)(cap - g.upd_cap));
    memset(g.upd_len + g.upd_cap, 0, sizeof *g.upd_len * (size_t)(cap - g.upd_cap));
    g.upd_cap = cap;
}

static void update_format(long i)
{
    updates_reserve(i);
    if (g.upd_json[i])
        return;
    char body[UPDATE_JSON_MAX], buf[UPDATE_JSON_MAX + 64];
    int n;
    /* The update at position i is scheduled update s, or injected update k. */
    long s = i, k = i - g.messages;
    if (g.live) {
        s = g.seq_src[i] >= 0 ? g.seq_src[i] : -1;
        k = g.seq_src[i] >= 0 ? -1 : -1 - g.seq_src[i];
    }
    if (k >= 0) {
        n = snprintf(buf, sizeof buf, "{\"update_id\":%lld,%s}", UPDATE_BASE + i,
                     g.injected[k].json);
    } else {
        time_t date = g.t0_wall + (time_t)((avail_ns(s) - g.t0_ns) / NS);
        if (g.mix) {
            n = mix_message(s, date, body, sizeof body);
            if (n < 0 || (size_t)n >= sizeof body)
                die("update %ld too long", i);
            n = snprintf(buf, sizeof buf, "{\"update_id\":%lld,%s}", UPDATE_BASE + i, body);
        } else {
            long uid = CHAT_BASE + s;
            n = snprintf(buf, sizeof buf,
                         "{\"update_id\":%lld,\"message\":{\"message_id\":%ld,"
                         "\"from\":{\"id\":%ld,\"is_bot\":false,\"first_name\":\"Người dùng\","
                         "\"last_name\":\"%ld\",\"language_code\":\"vi\"},"
                         "\"chat\":{\"id\":%ld,\"first_name\":\"Người dùng\",\"last_name\":\"%ld\","
                         "\"type\":\"private\"},\"date\":%lld,\"text\":\"%s\"}}",
                         UPDATE_BASE + i, s + 1, uid, s, uid, s, (long long)date,
                         texts[s % (long)(sizeof texts / sizeof texts[0])]);
        }
    }
    if (n < 0 || (size_t)n >= sizeof buf)
        die("update %ld too long", i);
    g.upd_json[i] = malloc((size_t)n + 1);
    if (!g.upd_json[i])
        die("out of memory");
    memcpy(g.upd_json[i], buf, (size_t)n + 1);
    g.upd_len[i] = (size_t)n;
}

/* Updates below idx are confirmed: they are never delivered again, so their text can go. */
static void updates_confirm(long idx)
{
    if (idx <= g.confirmed)
        return;
    g.confirmed = idx;
    for (; g.freed < idx && g.freed < g.upd_cap; g.freed++) {
        free(g.upd_json[g.freed]);
        g.upd_json[g.freed] = NULL;
    }
}

/* ---------- connections and output ---------- */

static void conn_kill(struct conn *c)
{
    if (c->dead)
        return;
    c->dead = 1;
    if (g.waiter == c)
        g.waiter = NULL;
    c->held = 0;
    epoll_ctl(g.ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    if (c->prev)
        c->prev->next = c->next;
    else
        g.conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next_dead = g.dead_list;
    g.dead_list = c;
}

static void reap_dead(void)
{
    while (g.dead_list) {
        struct conn *c = g.dead_list;
        g.dead_list = c->next_dead;
        free(c->in);
        free(c->out);
        free(c);
    }
}

static void out_append(struct conn *c, const char *p, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + n)
            cap *= 2;
        c->out = xrealloc(c->out, cap);
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

static void set_epollout(struct conn *c, int on)
{
    if (c->epollout == on)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(g.ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->epollout = on;
}

static void conn_flush(struct conn *c)
{
    while (!c->dead && c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w > 0) {
            c->out_off += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_epollout(c, 1);
            return;
        } else {
            conn_kill(c);
            return;
        }
    }
    if (c->dead)
        return;
    c->out_off = c->out_len = 0;
    set_epollout(c, 0);
    if (c->close_after)
        conn_kill(c);
}

static const char *status_text(int code)
{
    switch (code) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Error";
    }
}

static void respond(struct conn *c, int code, int keepalive, const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nServer: fakebot\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
                     code, status_text(code), len, keepalive ? "keep-alive" : "close");
    out_append(c, head, (size_t)n);
    out_append(c, body, len);
    if (!keepalive)
        c->close_after = 1;
}

static void respond_str(struct conn *c, int code, int keepalive, const char *body)
{
    respond(c, code, keepalive, body, strlen(body));
}

static void respond_error(struct conn *c, int code, int keepalive, const char *desc)
{
    char body[512];
    snprintf(body, sizeof body, "{\"ok\":false,\"error_code\":%d,\"description\":\"%s\"}", code,
             desc);
    respond_str(c, code, keepalive, body);
}

/* ---------- parameters ---------- */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static size_t url_decode(char *dst, const char *src, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '+') {
            dst[o++] = ' ';
        } else if (src[i] == '%' && i + 2 < n && hexval(src[i + 1]) >= 0 &&
                   hexval(src[i + 2]) >= 0) {
            dst[o++] = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
            i += 2;
        } else {
            dst[o++] = src[i];
        }
    }
    dst[o] = '\0';
    return o;
}

/* Adds k=v&k=v pairs to obj as strings (keys already present win). */
static void parse_form(json_t *obj, const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && eq > p) {
            size_t kl = (size_t)(eq - p), vl = (size_t)(stop - eq - 1);
            char *k = malloc(kl + 1), *v = malloc(vl + 1);
            if (!k || !v)
                die("out of memory");
            url_decode(k, p, kl);
            size_t vlen = url_decode(v, eq + 1, vl);
            if (!json_object_get(obj, k))
                json_object_set_new(obj, k, json_stringn(v, vlen));
            free(k);
            free(v);
        }
        p = stop + 1;
    }
}

/* An integer parameter given as a JSON number or a string; def when absent or malformed. */
static int64_t param_int(json_t *params, const char *key, int64_t def, int *present)
{
    json_t *v = json_object_get(params, key);
    if (present)
        *present = 0;
    if (json_is_integer(v)) {
        if (present)
            *present = 1;
        return (int64_t)json_integer_value(v);
    }
    if (json_is_real(v)) {
        if (present)
            *present = 1;
        return (int64_t)json_real_value(v);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *e;
        errno = 0;
        long long x = strtoll(s, &e, 10);
        if (e != s && *e == '\0' && !errno) {
            if (present)
                *present = 1;
            return (int64_t)x;
        }
    }
    return def;
}

static int param_bool(json_t *params, const char *key)
{
    json_t *v = json_object_get(params, key);
    if (json_is_true(v))
        return 1;
    if (json_is_string(v))
        return strcasecmp(json_string_value(v), "true") == 0 ||
               strcmp(json_string_value(v), "1") == 0;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    return 0;
}

/* ---------- methods ---------- */

static void answer_updates(struct conn *c, int keepalive, int limit)
{
    long avail = avail_count(now_ns());
    long from = g.confirmed, to = avail;
    if (to - from > limit)
        to = from + limit;
    size_t len = 24;
    for (long i = from; i < to; i++) {
        update_format(i);
        len += g.upd_len[i] + 1;
    }
    char *body = malloc(len);
    if (!body)
        die("out of memory");
    size_t o = 0;
    memcpy(body, "{\"ok\":true,\"result\":[", 21);
    o = 21;
    for (long i = from; i < to; i++) {
        if (i > from)
            body[o++] = ',';
        memcpy(body + o, g.upd_json[i], g.upd_len[i]);
        o += g.upd_len[i];
    }
    body[o++] = ']';
    body[o++] = '}';
    g.updates_delivered += to - from;
    respond(c, 200, keepalive, body, o);
    free(body);
}

static void conn_process(struct conn *c);

/* Answers the held getUpdates (if its time came) and lets its connection go on. */
static void waiter_release(struct conn *c, int with_409)
{
    c->held = 0;
    if (g.waiter == c)
        g.waiter = NULL;
    if (with_409) {
        g.conflicts++;
        respond_error(c, 409, c->held_keepalive,
                      "Conflict: terminated by other getUpdates request; make sure that only one "
                      "bot instance is running");
    } else {
        answer_updates(c, c->held_keepalive, c->held_limit);
    }
    conn_flush(c);
    if (!c->dead)
        conn_process(c);
}

static void do_get_updates(struct conn *c, int keepalive, json_t *params, int64_t t)
{
    if (g.webhook_set) {
        g.conflicts++;
        respond_error(c, 409, keepalive,
                      "Conflict: can't use getUpdates method while webhook is active; use "
                      "deleteWebhook to delete the webhook first");
        return;
    }
    if (!g.t0_ns) {
        g.t0_ns = t;
        g.t0_wall = time(NULL);
    }
    if (g.waiter && g.waiter != c)
        waiter_release(g.waiter, 1);
    int has_offset;
    int64_t offset = param_int(params, "offset", 0, &has_offset);
    int64_t limit = param_int(params, "limit", 100, NULL);
    int64_t timeout = param_int(params, "timeout", 0, NULL);
    if (limit < 1 || limit > 100)
        limit = 100;
    if (timeout < 0)
        timeout = 0;
    long avail = avail_count(t);
    if (has_offset && offset > 0) {
        int64_t idx = offset - UPDATE_BASE;
        if (idx > avail)
            idx = avail;
        updates_confirm((long)idx);
    } else if (has_offset && offset < 0) {
        long keep = (long)(-offset);
        updates_confirm(avail - keep);
    }
    if (avail > g.confirmed || timeout == 0) {
        answer_updates(c, keepalive, (int)limit);
        return;
    }
    c->held = 1;
    c->held_keepalive = keepalive;
    c->held_limit = (int)limit;
    c->held_deadline = t + timeout * NS;
    g.waiter = c;
}

static int utf8_chars(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* 0 when the send may go, else the retry_after in seconds. */
static int limits_check(struct chat *ch, int64_t t)
{
    int64_t wait = 0;
    if (ch->last_ns && t - ch->last_ns < NS && NS - (t - ch->last_ns) > wait)
        wait = NS - (t - ch->last_ns);
    if (ch->id < 0 && ch->group_n == 20) {
        int64_t oldest = ch->group_ts[ch->group_pos];
        if (t - oldest < 60 * NS && 60 * NS - (t - oldest) > wait)
            wait = 60 * NS - (t - oldest);
    }
    if (g.global_n == 30) {
        int64_t oldest = g.global_ts[g.global_pos];
        if (t - oldest < NS && NS - (t - oldest) > wait)
            wait = NS - (t - oldest);
    }
    return wait ? (int)((wait + NS - 1) / NS) : 0;
}

static void limits_record(struct chat *ch, int64_t t)
{
    ch->last_ns = t;
    if (ch->id < 0) {
        if (!ch->group_ts) {
            ch->group_ts = calloc(20, sizeof *ch->group_ts);
            if (!ch->group_ts)
                die("out of memory");
        }
        ch->group_ts[ch->group_pos] = t;
        ch->group_pos = (ch->group_pos + 1) % 20;
        if (ch->group_n < 20)
            ch->group_n++;
    }
    g.global_ts[g.global_pos] = t;
    g.global_pos = (g.global_pos + 1) % 30;
    if (g.global_n < 30)
        g.global_n++;
}

/* A chat of the scenario: with --messages (and no --mix), one of its N private chats; a send
 * to any other chat (a desk, a group, a resident of a filled database) is counted apart. */
static int scenario_chat(int64_t chat_id)
{
    return g.messages <= 0 || g.mix || (chat_id >= CHAT_BASE && chat_id < CHAT_BASE + g.messages);
}

/* Keeps a text sent to a watched chat (and its buttons) for GET /control/sent. */
static void chat_log(struct chat *ch, int64_t t, const char *text, json_t *markup)
{
    if (ch->log_n >= LOG_MAX_PER_CHAT)
        return;
    if (ch->log_n == ch->log_cap) {
        ch->log_cap = ch->log_cap ? ch->log_cap * 2 : 16;
        ch->log = xrealloc(ch->log, sizeof *ch->log * (size_t)ch->log_cap);
    }
    struct sent *e = &ch->log[ch->log_n++];
    e->t_ns = t;
    e->text = strdup(text);
    /* A form body gives reply_markup as a JSON string; a JSON body as an object. */
    e->markup = json_is_string(markup) ? strdup(json_string_value(markup))
                : markup               ? json_dumps(markup, JSON_COMPACT)
                                       : NULL;
    if (!e->text)
        die("out of memory");
}

static void do_send_message(struct conn *c, int keepalive, json_t *params, int64_t t)
{
    if (!g.first_send_req_ns)
        g.first_send_req_ns = t;
    g.last_send_req_ns = t;
    int present;
    int64_t chat_id = param_int(params, "chat_id", 0, &present);
    if (!present || chat_id == 0) {
        g.rejected_400++;
        respond_error(c, 400, keepalive, "Bad Request: chat not found");
        return;
    }
    json_t *text = json_object_get(params, "text");
    if (!json_is_string(text) || json_string_length(text) == 0) {
        g.rejected_400++;
        respond_error(c, 400, keepalive, "Bad Request: message text is empty");
        return;
    }
    if (utf8_chars(json_string_value(text)) > 4096) {
        g.rejected_400++;
        respond_error(c, 400, keepalive, "Bad Request: message is too long");
        return;
    }
    struct chat *ch = chat_get(chat_id);
    if (g.limits) {
        int retry = limits_check(ch, t);
        if (retry) {
            g.throttled++;
            char body[256];
            snprintf(body, sizeof body,
                     "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: "
                     "retry after %d\",\"parameters\":{\"retry_after\":%d}}",
                     retry, retry);
            respond_str(c, 429, keepalive, body);
            return;
        }
        limits_record(ch, t);
    }
    if (!ch->replies)
        ch->first_ns = t;
    ch->replies++;
    g.sends++;
    if (scenario_chat(chat_id)) {
        g.scenario_sends++;
        g.last_reply_ns = t;
    } else {
        g.other_sends++;
    }
    /* Every update injected into this chat and not yet answered is answered by this send. */
    while (ch->inj_first) {
        struct injected *in = &g.injected[ch->inj_first - 1];
        in->reply_ns = t;
        in->reply_text = strdup(json_string_value(text));
        ch->inj_first = in->inj_next;
    }
    ch->inj_last = 0;
    if (ch->watched)
        chat_log(ch, t, json_string_value(text), json_object_get(params, "reply_markup"));

    char *esc = json_dumps(text, JSON_ENCODE_ANY);
    if (!esc)
        die("out of memory");
    const char *type = chat_id > 0                  ? "private"
                       : chat_id < -1000000000000LL ? "supergroup"
                                                    : "group";
    size_t cap = strlen(esc) + 512;
    char *body = malloc(cap);
    if (!body)
        die("out of memory");
    int n = snprintf(body, cap,
                     "{\"ok\":true,\"result\":{\"message_id\":%ld,\"from\":{\"id\":%lld,"
                     "\"is_bot\":true,\"first_name\":\"Bench Bot\",\"username\":\"bench_bot\"},"
                     "\"chat\":{\"id\":%lld,\"type\":\"%s\"%s},\"date\":%lld,\"text\":%s}}",
                     ++g.next_message_id, (long long)g.bot_id, (long long)chat_id, type,
                     chat_id > 0 ? ",\"first_name\":\"Người dùng\"" : ",\"title\":\"Tổ dân phố\"",
                     (long long)time(NULL), esc);
    respond(c, 200, keepalive, body, (size_t)n);
    free(body);
    free(esc);
    if (g.expect > 0 && g.scenario_sends >= g.expect && !g.stop)
        g.stop = STOP_EXPECT;
}

static int method_index(const char *m)
{
    for (int i = 0; i < M_OTHER; i++)
        if (strcasecmp(m, method_names[i]) == 0)
            return i;
    return M_OTHER;
}

/* POST /control/inject: one update, available now (after the scheduled ones). */
static void control_inject(struct conn *c, int keepalive, const char *body, size_t body_len,
                           int64_t t)
{
    json_error_t jerr;
    json_t *p = json_loadb(body, body_len, 0, &jerr);
    int present;
    int64_t chat_id = param_int(p, "chat_id", 0, &present);
    const char *text = json_string_value(json_object_get(p, "text"));
    const char *type = json_string_value(json_object_get(p, "chat_type"));
    const char *title = json_string_value(json_object_get(p, "title"));
    const char *name = json_string_value(json_object_get(p, "first_name"));
    type = type ? type : chat_id > 0 ? "private" : "supergroup";
    int64_t from = param_int(p, "from_id", chat_id, NULL);
    if (!json_is_object(p) || !present || !chat_id || !text || !*text || from <= 0) {
        json_decref(p);
        respond_error(c, 400, keepalive,
                      "Bad Request: need chat_id, text (and from_id in a group)");
        return;
    }
    if (g.n_injected >= MAX_INJECTED) {
        json_decref(p);
        respond_error(c, 400, keepalive, "Bad Request: too many injected updates");
        return;
    }
    long k = g.n_injected;
    json_t *chat = strcmp(type, "private") == 0
                       ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)chat_id, "first_name",
                                   name ? name : "Cán bộ", "type", type)
                       : json_pack("{s:I, s:s, s:s}", "id", (json_int_t)chat_id, "title",
                                   title ? title : "Bàn trực", "type", type);
    json_t *msg = json_pack("{s:I, s:{s:I, s:b, s:s}, s:o, s:I, s:s}", "message_id",
                            (json_int_t)(1000000 + k), "from", "id", (json_int_t)from, "is_bot", 0,
                            "first_name", name ? name : "Cán bộ", "chat", chat, "date",
                            (json_int_t)time(NULL), "text", text);
    char *m = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    json_decref(p);
    if (!m)
        die("out of memory");
    struct injected *in = &g.injected[k];
    memset(in, 0, sizeof *in);
    in->chat_id = chat_id;
    in->from_id = from;
    in->t_ns = t;
    if (asprintf(&in->json, "\"message\":%s", m) < 0)
        die("out of memory");
    free(m);
    g.n_injected++;
    struct chat *ch = chat_get(chat_id);
    ch->watched = 1;
    if (ch->inj_last)
        g.injected[ch->inj_last - 1].inj_next = k + 1;
    else
        ch->inj_first = k + 1;
    ch->inj_last = k + 1;
    long pos = g.messages + k;
    if (g.live) {
        seq_sync(t);
        pos = g.seq_n;
        seq_append(-1 - k);
    }
    char out[256];
    snprintf(out, sizeof out, "{\"ok\":true,\"index\":%ld,\"update_id\":%lld}", k,
             UPDATE_BASE + pos);
    respond_str(c, 200, keepalive, out);
}

/* GET /control/reply?index=K: whether the chat of injected update K was answered, and when. */
static void control_reply(struct conn *c, int keepalive, const char *query, size_t query_len)
{
    json_t *q = json_object();
    if (query_len)
        parse_form(q, query, query_len);
    int present;
    int64_t k = param_int(q, "index", -1, &present);
    json_decref(q);
    if (!present || k < 0 || k >= g.n_injected) {
        respond_error(c, 400, keepalive, "Bad Request: unknown index");
        return;
    }
    struct injected *in = &g.injected[k];
    json_t *r =
        json_pack("{s:b, s:b, s:o, s:o}", "ok", 1, "replied", in->reply_ns != 0, "latency_ms",
                  in->reply_ns ? json_real((double)(in->reply_ns - in->t_ns) / 1e6) : json_null(),
                  "text", in->reply_text ? json_string(in->reply_text) : json_null());
    char *s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    respond_str(c, 200, keepalive, s ? s : "{\"ok\":false}");
    free(s);
}

/* GET /control/sent?chat_id=N&from=K: how many sends chat N got, and (watched) their texts. */
static void control_sent(struct conn *c, int keepalive, const char *query, size_t query_len)
{
    json_t *q = json_object();
    if (query_len)
        parse_form(q, query, query_len);
    int present;
    int64_t chat_id = param_int(q, "chat_id", 0, &present);
    int64_t from = param_int(q, "from", 0, NULL);
    json_decref(q);
    if (!present || !chat_id || from < 0) {
        respond_error(c, 400, keepalive, "Bad Request: need chat_id");
        return;
    }
    struct chat *ch = chat_find(chat_id);
    json_t *msgs = json_array();
    for (int i = (int)from; ch && i < ch->log_n; i++) {
        json_error_t jerr;
        json_t *mk = ch->log[i].markup ? json_loads(ch->log[i].markup, 0, &jerr) : NULL;
        json_array_append_new(msgs, json_pack("{s:i, s:f, s:s, s:o}", "i", i, "ms",
                                              (double)(ch->log[i].t_ns - g.start_ns) / 1e6, "text",
                                              ch->log[i].text, "markup", mk ? mk : json_null()));
    }
    json_t *r =
        json_pack("{s:b, s:i, s:o}", "ok", 1, "count", ch ? ch->replies : 0, "messages", msgs);
    char *s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    respond_str(c, 200, keepalive, s ? s : "{\"ok\":false}");
    free(s);
}

/* POST /control/watch {"chat_id": N}: keep what is sent to chat N from now on. */
static void control_watch(struct conn *c, int keepalive, const char *body, size_t body_len)
{
    json_error_t jerr;
    json_t *p = json_loadb(body, body_len, 0, &jerr);
    int present;
    int64_t chat_id = param_int(p, "chat_id", 0, &present);
    json_decref(p);
    if (!present || !chat_id) {
        respond_error(c, 400, keepalive, "Bad Request: need chat_id");
        return;
    }
    chat_get(chat_id)->watched = 1;
    respond_str(c, 200, keepalive, "{\"ok\":true}");
}

static void dispatch(struct conn *c, int keepalive, const char *path, size_t path_len,
                     const char *query, size_t query_len, const char *ctype, const char *body,
                     size_t body_len)
{
    int64_t t = now_ns();
    /* The control interface: not the Bot API, so it counts as no request. */
    if (path_len == 15 && memcmp(path, "/control/inject", 15) == 0) {
        control_inject(c, keepalive, body, body_len, t);
        return;
    }
    if (path_len == 14 && memcmp(path, "/control/reply", 14) == 0) {
        control_reply(c, keepalive, query, query_len);
        return;
    }
    if (path_len == 13 && memcmp(path, "/control/sent", 13) == 0) {
        control_sent(c, keepalive, query, query_len);
        return;
    }
    if (path_len == 14 && memcmp(path, "/control/watch", 14) == 0) {
        control_watch(c, keepalive, body, body_len);
        return;
    }
    if (!g.first_request_ns)
        g.first_request_ns = t;
    /* /bot<TOKEN>/<method> */
    if (path_len < 5 || memcmp(path, "/bot", 4) != 0) {
        g.requests[M_OTHER]++;
        respond_error(c, 404, keepalive, "Not Found");
        return;
    }
    const char *tok = path + 4, *end = path + path_len;
    const char *slash = memchr(tok, '/', (size_t)(end - tok));
    if (!slash) {
        g.requests[M_OTHER]++;
        respond_error(c, 404, keepalive, "Not Found");
        return;
    }
    char method[64];
    size_t ml = (size_t)(end - slash - 1);
    if (ml == 0 || ml >= sizeof method) {
        g.requests[M_OTHER]++;
        respond_error(c, 404, keepalive, "Not Found");
        return;
    }
    memcpy(method, slash + 1, ml);
    method[ml] = '\0';
    int mi = method_index(method);
    g.requests[mi]++;
    if ((size_t)(slash - tok) != strlen(g.token) || memcmp(tok, g.token, (size_t)(slash - tok))) {
        respond_error(c, 401, keepalive, "Unauthorized");
        return;
    }

    json_t *params = NULL;
    if (body_len > 0 &&
        (!ctype || strncasecmp(ctype, "application/json", 16) == 0 || body[0] == '{')) {
        json_error_t jerr;
        params = json_loadb(body, body_len, 0, &jerr);
        if (!json_is_object(params)) {
            json_decref(params);
            respond_error(c, 400, keepalive, "Bad Request: can't parse JSON body");
            g.rejected_400++;
            return;
        }
    } else {
        params = json_object();
        if (body_len > 0 && ctype &&
            strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
            parse_form(params, body, body_len);
    }
    if (query_len)
        parse_form(params, query, query_len);

    char buf[1024];
    switch (mi) {
    case M_GETUPDATES:
        do_get_updates(c, keepalive, params, t);
        break;
    case M_SENDMESSAGE:
        do_send_message(c, keepalive, params, t);
        break;
    case M_ANSWERCB:
    case M_CHATACTION:
        respond_str(c, 200, keepalive, "{\"ok\":true,\"result\":true}");
        break;
    case M_GETME:
        snprintf(buf, sizeof buf,
                 "{\"ok\":true,\"result\":{\"id\":%lld,\"is_bot\":true,\"first_name\":\"Bench "
                 "Bot\",\"username\":\"bench_bot\",\"can_join_groups\":true,"
                 "\"can_read_all_group_messages\":false,\"supports_inline_queries\":false}}",
                 (long long)g.bot_id);
        respond_str(c, 200, keepalive, buf);
        break;
    case M_DELETEWH:
        g.webhook_set = 0;
        g.webhook_url[0] = '\0';
        if (param_bool(params, "drop_pending_updates")) {
            long avail = avail_count(t);
            updates_confirm(avail);
        }
        respond_str(c, 200, keepalive,
                    "{\"ok\":true,\"result\":true,\"description\":\"Webhook was deleted\"}");
        break;
    case M_SETWH: {
        json_t *url = json_object_get(params, "url");
        const char *u = json_is_string(url) ? json_string_value(url) : "";
        snprintf(g.webhook_url, sizeof g.webhook_url, "%s", u);
        g.webhook_set = *u != '\0';
        if (g.webhook_set && g.waiter)
            waiter_release(g.waiter, 1);
        respond_str(c, 200, keepalive,
                    g.webhook_set
                        ? "{\"ok\":true,\"result\":true,\"description\":\"Webhook was set\"}"
                        : "{\"ok\":true,\"result\":true,\"description\":\"Webhook was deleted\"}");
        break;
    }
    case M_GETWHINFO: {
        json_t *r = json_pack("{s:b,s:{s:s,s:b,s:I}}", "ok", 1, "result", "url", g.webhook_url,
                              "has_custom_certificate", 0, "pending_update_count",
                              (json_int_t)(avail_count(t) - g.confirmed));
        char *s = json_dumps(r, JSON_COMPACT);
        respond_str(c, 200, keepalive, s ? s : "{\"ok\":true,\"result\":{\"url\":\"\"}}");
        free(s);
        json_decref(r);
        break;
    }
    default:
        /* Harmless housekeeping a real adapter may call: accepted, counted under "other". */
        if (!strcasecmp(method, "getMyCommands"))
            respond_str(c, 200, keepalive, "{\"ok\":true,\"result\":[]}");
        else if (!strcasecmp(method, "setMyCommands") || !strcasecmp(method, "deleteMyCommands") ||
                 !strcasecmp(method, "setChatMenuButton") || !strcasecmp(method, "deleteMessage") ||
                 !strcasecmp(method, "editMessageText") ||
                 !strcasecmp(method, "editMessageReplyMarkup"))
            respond_str(c, 200, keepalive, "{\"ok\":true,\"result\":true}");
        else
            respond_error(c, 404, keepalive, "Not Found: method not found");
        break;
    }
    json_decref(params);
}

/* Finds header `name` in [h, end); returns its value (trimmed) and length, or NULL. */
static const char *header_value(const char *h, const char *end, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    const char *p = h;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *len = (size_t)(ve - v);
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

static int value_has(const char *v, size_t len, const char *token)
{
    size_t tl = strlen(token);
    for (size_t i = 0; i + tl <= len; i++)
        if (strncasecmp(v + i, token, tl) == 0)
            return 1;
    return 0;
}

/* Handles every complete request in the input buffer, in order, unless one is held. */
static void conn_process(struct conn *c)
{
    size_t off = 0;
    if (!c->in)
        return;
    while (!c->dead && !c->held && !c->close_after && off < c->in_len) {
        char *start = c->in + off;
        size_t avail = c->in_len - off;
        char *hend = memmem(start, avail, "\r\n\r\n", 4);
        if (!hend) {
            if (avail > MAX_HEADER_BYTES) {
                respond_error(c, 431, 0, "Request Header Fields Too Large");
                off = c->in_len;
            }
            break;
        }
        size_t head_len = (size_t)(hend - start) + 4;
        char *line_end = memmem(start, head_len, "\r\n", 2);
        /* request line: METHOD SP TARGET SP VERSION */
        char *sp1 = memchr(start, ' ', (size_t)(line_end - start));
        char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
        if (!sp1 || !sp2) {
            respond_error(c, 400, 0, "Bad Request: malformed request line");
            off = c->in_len;
            break;
        }
        int http10 = (size_t)(line_end - sp2 - 1) >= 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0;
        const char *hdrs = line_end + 2, *hdrs_end = hend + 2;
        size_t vl;
        const char *v;
        int keepalive = !http10;
        if ((v = header_value(hdrs, hdrs_end, "Connection", &vl))) {
            if (value_has(v, vl, "close"))
                keepalive = 0;
            else if (value_has(v, vl, "keep-alive"))
                keepalive = 1;
        }
        if ((v = header_value(hdrs, hdrs_end, "Transfer-Encoding", &vl)) &&
            value_has(v, vl, "chunked")) {
            respond_error(c, 411, 0, "Length Required: chunked bodies are not supported");
            off = c->in_len;
            break;
        }
        size_t clen = 0;
        if ((v = header_value(hdrs, hdrs_end, "Content-Length", &vl))) {
            char num[32];
            if (vl == 0 || vl >= sizeof num) {
                respond_error(c, 400, 0, "Bad Request: bad Content-Length");
                off = c->in_len;
                break;
            }
            memcpy(num, v, vl);
            num[vl] = '\0';
            char *e;
            unsigned long long x = strtoull(num, &e, 10);
            if (*e || x > MAX_BODY_BYTES) {
                respond_error(c, 413, 0, "Request Entity Too Large");
                off = c->in_len;
                break;
            }
            clen = (size_t)x;
        }
        if (avail < head_len + clen) {
            if (!c->continued && (v = header_value(hdrs, hdrs_end, "Expect", &vl)) &&
                value_has(v, vl, "100-continue")) {
                out_append(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                c->continued = 1;
            }
            break;
        }
        c->continued = 0;
        const char *ctype = NULL;
        char ctbuf[128];
        if ((v = header_value(hdrs, hdrs_end, "Content-Type", &vl))) {
            snprintf(ctbuf, sizeof ctbuf, "%.*s", (int)(vl < 127 ? vl : 127), v);
            ctype = ctbuf;
        }
        char *target = sp1 + 1;
        size_t tlen = (size_t)(sp2 - target);
        /* absolute form: skip scheme://host */
        if (tlen > 7 && (memcmp(target, "http://", 7) == 0 || memcmp(target, "https://", 8) == 0)) {
            char *p = memchr(target + 8, '/', tlen - 8);
            if (p) {
                tlen -= (size_t)(p - target);
                target = p;
            }
        }
        char *q = memchr(target, '?', tlen);
        size_t path_len = q ? (size_t)(q - target) : tlen;
        dispatch(c, keepalive, target, path_len, q ? q + 1 : NULL, q ? tlen - path_len - 1 : 0,
                 ctype, start + head_len, clen);
        off += head_len + clen;
        if (g.stop)
            break;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    conn_flush(c);
}

static void conn_read(struct conn *c)
{
    for (;;) {
        if (c->in_cap - c->in_len < 4096) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
            if (cap > MAX_HEADER_BYTES + MAX_BODY_BYTES + 8192) {
                /* More unread input than any request may be: give up on the client. */
                conn_kill(c);
                return;
            }
            c->in = xrealloc(c->in, cap);
            c->in_cap = cap;
        }
        size_t space = c->in_cap - c->in_len;
        ssize_t r = recv(c->fd, c->in + c->in_len, space, 0);
        if (r > 0) {
            c->in_len += (size_t)r;
            if ((size_t)r < space)
                break; /* short read: drained for now */
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        conn_kill(c); /* EOF or error */
        return;
    }
    conn_process(c);
}

static void accept_all(void)
{
    for (;;) {
        int fd = accept4(g.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return; /* EAGAIN, or EMFILE etc.: try again on the next event */
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c)
            die("out of memory");
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(c);
            continue;
        }
        c->next = g.conns;
        if (g.conns)
            g.conns->prev = c;
        g.conns = c;
        g.connections++;
    }
}

/* ---------- timing ---------- */

static void timer_arm(int64_t at)
{
    if (at == g.tfd_armed)
        return;
    struct itimerspec its = {0};
    if (at > 0) {
        its.it_value.tv_sec = at / NS;
        its.it_value.tv_nsec = at % NS;
    }
    timerfd_settime(g.tfd, TFD_TIMER_ABSTIME, &its, NULL);
    g.tfd_armed = at;
}

/* Answers the held request if updates came or its timeout passed; checks the stop times. */
static void on_time(int64_t t)
{
    if (g.waiter) {
        struct conn *w = g.waiter;
        if (avail_count(t) > g.confirmed || t >= w->held_deadline)
            waiter_release(w, 0);
    }
    if (!g.stop && g.deadline_s > 0 && t - g.start_ns >= (int64_t)(g.deadline_s * 1e9))
        g.stop = STOP_DEADLINE;
    if (!g.stop && g.idle_s > 0) {
        int64_t since = g.last_send_req_ns ? g.last_send_req_ns : g.start_ns;
        if (t - since >= (int64_t)(g.idle_s * 1e9))
            g.stop = STOP_IDLE;
    }
}

static int64_t next_wake(void)
{
    int64_t at = INT64_MAX;
    if (g.waiter) {
        at = g.waiter->held_deadline;
        if (g.rate > 0 && g.t0_ns) {
            long a = sched_avail(now_ns());
            if (a < g.messages && avail_ns(a) < at)
                at = avail_ns(a);
        }
    }
    if (g.deadline_s > 0) {
        int64_t d = g.start_ns + (int64_t)(g.deadline_s * 1e9);
        if (d < at)
            at = d;
    }
    if (g.idle_s > 0) {
        int64_t since = g.last_send_req_ns ? g.last_send_req_ns : g.start_ns;
        int64_t d = since + (int64_t)(g.idle_s * 1e9);
        if (d < at)
            at = d;
    }
    return at == INT64_MAX ? 0 : at;
}

/* ---------- stats ---------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)v[rank - 1] / 1e6;
}

static void write_stats(int64_t t_end)
{
    long duplicates = 0, extra = 0, answered = 0, missing = 0;
    for (size_t i = 0; i < g.chat_cap; i++) {
        if (!g.chats[i].used || !g.chats[i].replies || !scenario_chat(g.chats[i].id))
            continue;
        answered++;
        if (g.chats[i].replies > 1) {
            duplicates++;
            extra += g.chats[i].replies - 1;
        }
    }
    int64_t *lat = malloc(sizeof *lat * (size_t)(g.messages > 0 ? g.messages : 1));
    size_t nlat = 0;
    if (!lat)
        die("out of memory");
    for (long i = 0; i < g.messages && !g.mix; i++) {
        struct chat *ch = chat_find(CHAT_BASE + i);
        if (!ch || !ch->replies) {
            missing++;
            continue;
        }
        lat[nlat++] = ch->first_ns - avail_ns(i);
    }
    if (g.messages <= 0 && g.expect > answered)
        missing = g.expect - answered;
    qsort(lat, nlat, sizeof *lat, cmp_i64);

    int64_t start = g.messages > 0 ? g.t0_ns : g.first_request_ns;
    double elapsed = start && g.last_reply_ns > start ? (double)(g.last_reply_ns - start) / 1e9 : 0;
    json_t *req = json_object();
    long total = 0;
    for (int i = 0; i < M_COUNT; i++) {
        json_object_set_new(req, method_names[i], json_integer(g.requests[i]));
        total += g.requests[i];
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    json_t *root = json_object();
    json_object_set_new(root, "completed", json_boolean(g.stop == STOP_EXPECT));
    json_object_set_new(root, "stop_reason", json_string(stop_names[g.stop]));
    json_object_set_new(root, "messages", json_integer(g.messages));
    json_object_set_new(root, "rate", json_real(g.rate));
    json_object_set_new(root, "expect", json_integer(g.expect));
    json_object_set_new(root, "limits", json_boolean(g.limits));
    json_object_set_new(root, "requests", req);
    json_object_set_new(root, "requests_total", json_integer(total));
    json_object_set_new(root, "cpu_s", json_real(cpu)); /* the fake's own CPU: is it the limit? */
    json_object_set_new(root, "connections", json_integer(g.connections));
    json_object_set_new(root, "updates_delivered", json_integer(g.updates_delivered));
    json_object_set_new(root, "updates_confirmed", json_integer(g.confirmed));
    json_object_set_new(root, "sends", json_integer(g.scenario_sends));
    json_object_set_new(root, "other_sends", json_integer(g.other_sends));
    if (g.mix)
        json_object_set_new(root, "mix",
                            json_pack("{s:I, s:I, s:I}", "group", (json_int_t)g.mix_counts[0],
                                      "private", (json_int_t)g.mix_counts[1], "tip",
                                      (json_int_t)g.mix_counts[2]));
    if (g.n_injected) {
        json_t *inj = json_array();
        for (long k = 0; k < g.n_injected; k++) {
            struct injected *in = &g.injected[k];
            json_array_append_new(
                inj, json_pack("{s:I, s:o}", "chat_id", (json_int_t)in->chat_id, "latency_ms",
                               in->reply_ns ? json_real((double)(in->reply_ns - in->t_ns) / 1e6)
                                            : json_null()));
        }
        json_object_set_new(root, "injected", inj);
    }
    json_object_set_new(root, "throttled_429", json_integer(g.throttled));
    json_object_set_new(root, "rejected_400", json_integer(g.rejected_400));
    json_object_set_new(root, "conflicts_409", json_integer(g.conflicts));
    json_object_set_new(root, "chats_answered", json_integer(answered));
    json_object_set_new(root, "duplicates", json_integer(duplicates));
    json_object_set_new(root, "extra_replies", json_integer(extra));
    json_object_set_new(root, "missing", json_integer(missing));
    json_object_set_new(root, "first_update_available_s",
                        start ? json_real((double)(start - g.start_ns) / 1e9) : json_null());
    json_object_set_new(root, "last_reply_received_s",
                        g.last_reply_ns ? json_real((double)(g.last_reply_ns - g.start_ns) / 1e9)
                                        : json_null());
    json_object_set_new(root, "elapsed_s", json_real(elapsed));
    json_object_set_new(root, "run_s", json_real((double)(t_end - g.start_ns) / 1e9));
    json_object_set_new(root, "throughput_per_s",
                        json_real(elapsed > 0 ? (double)g.scenario_sends / elapsed : 0));
    if (nlat) {
        json_t *l = json_object();
        json_object_set_new(l, "count", json_integer((json_int_t)nlat));
        json_object_set_new(l, "p50", json_real(pct_ms(lat, nlat, 50)));
        json_object_set_new(l, "p90", json_real(pct_ms(lat, nlat, 90)));
        json_object_set_new(l, "p99", json_real(pct_ms(lat, nlat, 99)));
        json_object_set_new(l, "max", json_real((double)lat[nlat - 1] / 1e6));
        json_object_set_new(root, "latency_ms", l);
    } else {
        json_object_set_new(root, "latency_ms", json_null());
    }
    free(lat);
    if (g.stats_file) {
        if (json_dump_file(root, g.stats_file, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0)
            fprintf(stderr, "fakebot: cannot write %s\n", g.stats_file);
    }
    if (!g.quiet) {
        fprintf(stderr,
                "fakebot: %s: %ld sends (%ld chats, %ld duplicate, %ld missing; %ld to other "
                "chats), %ld 429, %.1f/s over %.3f s\n",
                stop_names[g.stop], g.scenario_sends, answered, duplicates, missing, g.other_sends,
                g.throttled, elapsed > 0 ? (double)g.scenario_sends / elapsed : 0, elapsed);
    }
    json_decref(root);
}

/* ---------- main ---------- */

static void usage(void)
{
    fprintf(stderr, "usage: fakebot [--port N] [--token T] [--messages N] [--rate R] [--expect N]\n"
                    "               [--limits] [--stats FILE] [--port-file FILE] [--deadline S]\n"
                    "               [--idle-timeout S] [--quiet] [--mix [--users U] [--groups G]]\n"
                    "               [--live-inject]\n"
                    "A fake Telegram Bot API on 127.0.0.1 for benchmarks (see bench/README.md).\n");
    exit(2);
}

static const char *arg_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        usage();
    return argv[++*i];
}

int main(int argc, char **argv)
{
    g.port = 8081;
    g.token = "bench:TOKEN";
    g.expect = -1;
    g.users = 50000;
    g.groups = 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--port"))
            g.port = atoi(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--token"))
            g.token = arg_value(argc, argv, &i);
        else if (!strcmp(a, "--messages"))
            g.messages = atol(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--rate"))
            g.rate = atof(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--expect"))
            g.expect = atol(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--limits"))
            g.limits = 1;
        else if (!strcmp(a, "--stats"))
            g.stats_file = arg_value(argc, argv, &i);
        else if (!strcmp(a, "--port-file"))
            g.port_file = arg_value(argc, argv, &i);
        else if (!strcmp(a, "--deadline"))
            g.deadline_s = atof(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--idle-timeout"))
            g.idle_s = atof(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--quiet"))
            g.quiet = 1;
        else if (!strcmp(a, "--mix"))
            g.mix = 1;
        else if (!strcmp(a, "--users"))
            g.users = atol(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--groups"))
            g.groups = atol(arg_value(argc, argv, &i));
        else if (!strcmp(a, "--live-inject"))
            g.live = 1;
        else
            usage();
    }
    if (g.messages < 0 || g.rate < 0 || g.port < 0 || g.port > 65535 || !*g.token ||
        strchr(g.token, '/') || g.users < 1 || g.groups < 1)
        usage();
    if (g.expect < 0)
        g.expect = g.messages;
    {
        char *e;
        long long id = strtoll(g.token, &e, 10);
        g.bot_id = (e != g.token && *e == ':' && id > 0) ? (int64_t)id : BOT_ID_DEFAULT;
    }

    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    g.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (g.lfd < 0)
        die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(g.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g.port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(g.lfd, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("bind 127.0.0.1:%d: %s", g.port, strerror(errno));
    if (listen(g.lfd, 4096) != 0)
        die("listen: %s", strerror(errno));
    socklen_t alen = sizeof addr;
    getsockname(g.lfd, (struct sockaddr *)&addr, &alen);
    g.port = ntohs(addr.sin_port);

    g.ep = epoll_create1(EPOLL_CLOEXEC);
    g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (g.ep < 0 || g.tfd < 0)
        die("epoll/timerfd: %s", strerror(errno));
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &g.lfd};
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = &g.tfd};
    epoll_ctl(g.ep, EPOLL_CTL_ADD, g.lfd, &lev);
    epoll_ctl(g.ep, EPOLL_CTL_ADD, g.tfd, &tev);

    g.start_ns = now_ns();
    if (!g.quiet)
        fprintf(stderr,
                "fakebot: listening on 127.0.0.1:%d (%ld messages, rate %g/s, expect %ld%s)\n",
                g.port, g.messages, g.rate, g.expect, g.limits ? ", limits" : "");
    if (g.port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", g.port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", g.port) < 0 || fclose(f) != 0 || rename(tmp, g.port_file))
            die("cannot write %s", g.port_file);
    }

    struct epoll_event evs[MAX_EVENTS];
    while (!g.stop) {
        timer_arm(next_wake());
        int n = epoll_pwait(g.ep, evs, MAX_EVENTS, -1, &empty);
        if (got_signal) {
            g.stop = STOP_SIGNAL;
            break;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait: %s", strerror(errno));
        }
        for (int i = 0; i < n && !g.stop; i++) {
            void *p = evs[i].data.ptr;
            if (p == &g.lfd) {
                accept_all();
            } else if (p == &g.tfd) {
                uint64_t x;
                while (read(g.tfd, &x, sizeof x) > 0) {
                }
                g.tfd_armed = -1;
            } else {
                struct conn *c = p;
                if (c->dead)
                    continue;
                if (evs[i].events & EPOLLOUT)
                    conn_flush(c);
                if (!c->dead && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                    conn_read(c);
            }
        }
        on_time(now_ns());
        reap_dead();
    }
    write_stats(now_ns());
    while (g.conns)
        conn_kill(g.conns);
    reap_dead();
    for (long i = g.freed; i < g.upd_cap; i++)
        free(g.upd_json[i]);
    for (long k = 0; k < g.n_injected; k++) {
        free(g.injected[k].json);
        free(g.injected[k].reply_text);
    }
    free(g.upd_json);
    free(g.upd_len);
    for (size_t i = 0; i < g.chat_cap; i++) {
        free(g.chats[i].group_ts);
        for (int j = 0; j < g.chats[i].log_n; j++) {
            free(g.chats[i].log[j].text);
            free(g.chats[i].log[j].markup);
        }
        free(g.chats[i].log);
    }
    free(g.seq_src);
    free(g.chats);
    close(g.tfd);
    close(g.lfd);
    close(g.ep);
    return g.stop == STOP_EXPECT || g.stop == STOP_SIGNAL ? 0 : 3;
}
