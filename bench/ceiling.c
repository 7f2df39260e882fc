/*
 * ceiling.c — the harness's ceiling: a Telegram bot that does nothing but fetch and answer.
 *
 * One libcurl easy handle long-polls getUpdates (limit 100) while up to --concurrency
 * sendMessage requests are in flight on keep-alive connections, all in one curl multi, one
 * thread. Every message is answered exactly once with a fixed text; nothing is stored. Its rate
 * against bench/fakebot is the most any bot can show on this harness and machine (bench/run S3).
 * A 429 is retried after its retry_after; a failed request after 100 ms. It runs until SIGTERM,
 * SIGINT or --max-seconds, and prints what it did on stderr.
 *
 * Build: gcc -O2 -Wall -Wextra -o ceiling ceiling.c -lcurl -ljansson   (bench/run does this)
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPLY_TEXT "Cảm ơn anh/chị, tin nhắn đã được ghi nhận."

struct buf {
    char *p;
    size_t len, cap;
};

struct job {
    int64_t chat_id;
    int64_t not_before_ms; /* retry time */
};

struct sender {
    CURL *h;
    struct buf resp;
    char body[512];
    struct job job;
    int busy;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t on_write(char *data, size_t size, size_t n, void *userp)
{
    struct buf *b = userp;
    size_t len = size * n;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return len;
}

/* The job queue: a growable ring. */
static struct job *q;
static size_t q_head, q_len, q_cap;

static void q_push(struct job j)
{
    if (q_len == q_cap) {
        size_t cap = q_cap ? q_cap * 2 : 1024;
        struct job *n = malloc(cap * sizeof *n);
        if (!n) {
            fprintf(stderr, "ceiling: out of memory\n");
            exit(1);
        }
        for (size_t i = 0; i < q_len; i++)
            n[i] = q[(q_head + i) % q_cap];
        free(q);
        q = n;
        q_head = 0;
        q_cap = cap;
    }
    q[(q_head + q_len) % q_cap] = j;
    q_len++;
}

static struct curl_slist *json_headers;

static void setup_handle(CURL *h, struct buf *resp, long timeout_ms)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, json_headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
}

int main(int argc, char **argv)
{
    const char *base = NULL, *token = "bench:TOKEN";
    int conc = 32, limit = 100, poll_timeout = 30;
    double max_seconds = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (!strcmp(a, "--api"))
            base = v;
        else if (!strcmp(a, "--token"))
            token = v;
        else if (!strcmp(a, "--concurrency"))
            conc = atoi(v);
        else if (!strcmp(a, "--limit"))
            limit = atoi(v);
        else if (!strcmp(a, "--timeout"))
            poll_timeout = atoi(v);
        else if (!strcmp(a, "--max-seconds"))
            max_seconds = atof(v);
        else
            goto usage;
        i++;
    }
    if (!base || conc < 1 || conc > 1024 || limit < 1 || limit > 100 || poll_timeout < 0)
        goto usage;

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    json_headers = curl_slist_append(NULL, "Content-Type: application/json");
    json_headers = curl_slist_append(json_headers, "Expect:");
    char url_updates[1024], url_send[1024];
    snprintf(url_updates, sizeof url_updates, "%s/bot%s/getUpdates", base, token);
    snprintf(url_send, sizeof url_send, "%s/bot%s/sendMessage", base, token);

    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)conc + 8);
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc + 1);

    struct sender *s = calloc((size_t)conc, sizeof *s);
    if (!s)
        return 1;
    for (int i = 0; i < conc; i++) {
        s[i].h = curl_easy_init();
        setup_handle(s[i].h, &s[i].resp, 30000);
        curl_easy_setopt(s[i].h, CURLOPT_URL, url_send);
        curl_easy_setopt(s[i].h, CURLOPT_PRIVATE, &s[i]);
    }
    struct buf up_resp = {0};
    char up_body[256];
    CURL *up = curl_easy_init();
    setup_handle(up, &up_resp, (long)(poll_timeout + 15) * 1000);
    curl_easy_setopt(up, CURLOPT_URL, url_updates);
    curl_easy_setopt(up, CURLOPT_PRIVATE, NULL);

    int64_t offset = 0, started = now_ms(), up_started = 0, up_next = 0;
    long updates = 0, sent = 0, throttled = 0, errors = 0, polls = 0;
    int up_busy = 0, in_flight = 0;

    while (!stop) {
        int64_t t = now_ms();
        if (max_seconds > 0 && t - started > (int64_t)(max_seconds * 1000))
            break;
        if (!up_busy && t >= up_next) {
            snprintf(up_body, sizeof up_body,
                     "{\"offset\":%lld,\"limit\":%d,\"timeout\":%d,"
                     "\"allowed_updates\":[\"message\",\"callback_query\"]}",
                     (long long)offset, limit, poll_timeout);
            curl_easy_setopt(up, CURLOPT_POSTFIELDS, up_body);
            up_resp.len = 0;
            curl_multi_add_handle(m, up);
            up_busy = 1;
            up_started = t;
            polls++;
        }
        /* Fill free senders from the queue (jobs waiting for a retry go to the back). */
        for (int i = 0; i < conc && q_len; i++) {
            if (s[i].busy)
                continue;
            size_t tries = q_len;
            struct job j;
            int found = 0;
            while (tries--) {
                j = q[q_head];
                q_head = (q_head + 1) % q_cap;
                q_len--;
                if (j.not_before_ms <= t) {
                    found = 1;
                    break;
                }
                q_push(j);
            }
            if (!found)
                break;
            s[i].job = j;
            snprintf(s[i].body, sizeof s[i].body, "{\"chat_id\":%lld,\"text\":\"%s\"}",
                     (long long)j.chat_id, REPLY_TEXT);
            curl_easy_setopt(s[i].h, CURLOPT_POSTFIELDS, s[i].body);
            s[i].resp.len = 0;
            curl_multi_add_handle(m, s[i].h);
            s[i].busy = 1;
            in_flight++;
        }

        int running = 0;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left, done = 0;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            CURLcode rc = msg->data.result;
            long code = 0;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            curl_multi_remove_handle(m, h);
            done++;
            int64_t tn = now_ms();
            if (h == up) {
                up_busy = 0;
                json_t *root = rc == CURLE_OK ? json_loadb(up_resp.p, up_resp.len, 0, NULL) : NULL;
                json_t *res = json_object_get(root, "result");
                if (code != 200 || !json_is_true(json_object_get(root, "ok")) ||
                    !json_is_array(res)) {
                    errors++;
                    up_next = tn + 100; /* never spin on a failing server */
                } else {
                    size_t idx;
                    json_t *u;
                    json_array_foreach(res, idx, u)
                    {
                        json_int_t id = json_integer_value(json_object_get(u, "update_id"));
                        if (id < offset)
                            continue; /* seen already: answer once */
                        offset = id + 1;
                        updates++;
                        json_t *msgo = json_object_get(u, "message");
                        json_t *chat = json_object_get(json_object_get(msgo, "chat"), "id");
                        if (json_is_integer(chat))
                            q_push((struct job){json_integer_value(chat), 0});
                    }
                    /* An empty answer that came back early: wait a little, never spin. */
                    if (json_array_size(res) == 0 && tn - up_started < 500)
                        up_next = tn + 100;
                }
                json_decref(root);
            } else {
                struct sender *sd = NULL;
                curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&sd);
                sd->busy = 0;
                in_flight--;
                if (rc == CURLE_OK && code == 200) {
                    sent++;
                } else if (rc == CURLE_OK && code == 429) {
                    throttled++;
                    json_t *root = json_loadb(sd->resp.p, sd->resp.len, 0, NULL);
                    json_int_t ra = json_integer_value(
                        json_object_get(json_object_get(root, "parameters"), "retry_after"));
                    json_decref(root);
                    sd->job.not_before_ms = tn + (ra > 0 ? ra : 1) * 1000;
                    q_push(sd->job);
                } else if (rc == CURLE_OK && code >= 400 && code < 500) {
                    errors++; /* 400/403: do not retry */
                } else {
                    errors++;
                    sd->job.not_before_ms = tn + 100;
                    q_push(sd->job);
                }
            }
        }
        /* Something finished: refill at once. Else wait for sockets, waking at least every
         * 10 ms while jobs wait for a retry and every 50 ms for the deadline. */
        if (done)
            continue;
        curl_multi_poll(m, NULL, 0, q_len > 0 ? 10 : 50, NULL);
    }

    fprintf(
        stderr,
        "ceiling: %ld updates, %ld replies sent, %ld throttled, %ld errors, %ld polls, %.1f s\n",
        updates, sent, throttled, errors, polls, (double)(now_ms() - started) / 1000.0);
    if (up_busy)
        curl_multi_remove_handle(m, up);
    curl_easy_cleanup(up);
    for (int i = 0; i < conc; i++) {
        if (s[i].busy)
            curl_multi_remove_handle(m, s[i].h);
        curl_easy_cleanup(s[i].h);
        free(s[i].resp.p);
    }
    free(up_resp.p);
    free(s);
    free(q);
    curl_multi_cleanup(m);
    curl_slist_free_all(json_headers);
    curl_global_cleanup();
    return 0;

usage:
    fprintf(stderr, "usage: ceiling --api http://127.0.0.1:PORT [--token T] [--concurrency 32]\n"
                    "               [--limit 100] [--timeout 30] [--max-seconds S]\n");
    return 2;
}
