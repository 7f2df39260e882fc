/*
 * console.c — see console.h. The person is chat "console"; each line is one message with an
 * update key made of the run's start time, the pid and the line number, so separate runs never
 * collide and history accumulates in the database like any other chat's.
 */
#include "bot/platforms/console.h"

#include "bot/app_core.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/msg.h"
#include "bot/platform.h"
#include "base/utf8.h"
#include "bot/worker.h"
#include "storage/inbox.h"
#include "storage/outbox.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_CHAT     "console"
#define CONSOLE_POLL_MS  50
#define CONSOLE_DRAIN_MS 5000
#define CONSOLE_LINE_MAX (MSG_MAX_TEXT_INPUT_BYTES + 2)
#define CONSOLE_BATCH    16

struct console {
    struct app *app;
    FILE *out;
    int64_t run_id;
    long line_no;
    char rbuf[CONSOLE_LINE_MAX + 1];
    size_t rlen;
    int skipping; /* inside an over-long line, dropping bytes up to its newline */
};

/* Prints and marks sent every due reply; returns how many, or -1 on a storage error. */
static int console_flush(struct console *con)
{
    struct outbox_row rows[CONSOLE_BATCH];
    int n = 0, total = 0;
    do {
        if (outbox_claim(con->app->db, "console", con->app->owner.id, clock_now_ms(), CONSOLE_BATCH,
                         rows, &n) != DB_OK)
            return -1;
        for (int i = 0; i < n; i++) {
            fprintf(con->out, "%s\n\n", rows[i].text);
            fflush(con->out);
            outbox_mark_sent(con->app->db, rows[i].id, clock_now_ms());
            outbox_row_clear(&rows[i]);
        }
        total += n;
    } while (n == CONSOLE_BATCH);
    return total;
}

static void console_say(struct console *con, const char *name)
{
    char max[16];
    msg_max_text_chars_vi(max, sizeof max);
    struct texts_var vars[] = {{"max", max}};
    char *text = texts_render(con->app->texts, name, vars, 1);
    fprintf(con->out, "%s\n\n", text ? text : name);
    fflush(con->out);
    free(text);
}

static int console_submit(struct console *con, char *line)
{
    size_t len = strlen(line);
    while (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
    if (strspn(line, " \t") == len)
        return 0;
    if (!utf8_valid(line, len)) {
        console_say(con, "ws_bad_utf8");
        return 0;
    }
    bool oom = false;
    char *nfc = msg_text_nfc(line, len, &oom);
    if (!nfc) {
        console_say(con, oom ? "ws_busy" : "ws_too_long");
        return 0;
    }
    char key[96];
    snprintf(key, sizeof key, "%lld-%ld-%ld", (long long)con->run_id, (long)getpid(),
             ++con->line_no);
    struct msg m = {
        .kind = MSG_TEXT,
        .platform = "console",
        .update_key = key,
        .chat_id = CONSOLE_CHAT,
        .sender_id = CONSOLE_CHAT,
        .text = nfc,
        .date_ms = clock_now_ms(),
    };
    char *json = msg_to_json(&m);
    free(nfc);
    int rc = json ? inbox_add(con->app->db, "console", key, CONSOLE_CHAT, json, m.date_ms, NULL)
                  : DB_ERROR;
    free(json);
    if (rc == DB_ERROR)
        return -1;
    worker_wake(con->app->worker);
    return 0;
}

/* Takes complete lines out of the read buffer. A line longer than the text limit (in
 * characters: console_submit; a buffer's worth of bytes without a newline: here) is refused
 * and skipped up to its newline. Returns -1 on a storage error. */
static int console_take_lines(struct console *con, int at_eof)
{
    for (;;) {
        char *nl = memchr(con->rbuf, '\n', con->rlen);
        if (!nl && !(at_eof && con->rlen > 0)) {
            if (con->rlen == sizeof con->rbuf - 1) { /* no newline in a full buffer */
                if (!con->skipping)
                    console_say(con, "ws_too_long");
                con->skipping = 1;
                con->rlen = 0;
            }
            return 0;
        }
        size_t n = nl ? (size_t)(nl - con->rbuf) : con->rlen;
        con->rbuf[n] = '\0';
        int rc = con->skipping ? 0 : console_submit(con, con->rbuf);
        con->skipping = 0;
        size_t used = nl ? n + 1 : n;
        memmove(con->rbuf, con->rbuf + used, con->rlen - used);
        con->rlen -= used;
        if (rc != 0)
            return -1;
    }
}

/* Reads what is available on fd. Returns 1 at end of input, 0 otherwise, -1 on error. */
static int console_read(struct console *con, int fd)
{
    ssize_t got = read(fd, con->rbuf + con->rlen, sizeof con->rbuf - 1 - con->rlen);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : -1;
    con->rlen += (size_t)got;
    if (console_take_lines(con, got == 0) != 0)
        return -1;
    return got == 0;
}

/* After end of input: the replies still due, waiting CONSOLE_DRAIN_MS at most. */
static int console_drain(struct console *con)
{
    int64_t deadline = clock_mono_ms() + CONSOLE_DRAIN_MS;
    for (;;) {
        int64_t pending = 0;
        if (console_flush(con) < 0 ||
            inbox_count_pending(con->app->db, "console", &pending) != DB_OK)
            return -1;
        if (pending == 0) {
            if (console_flush(con) < 0)
                return -1;
            return 0;
        }
        if (clock_mono_ms() >= deadline || atomic_load(&con->app->stopping)) {
            log_warn("console",
                     "%lld message(s) still being processed; their replies will "
                     "show at the next run",
                     (long long)pending);
            return 0;
        }
        poll(NULL, 0, CONSOLE_POLL_MS);
    }
}

int console_run(struct app *app, FILE *in, FILE *out)
{
    struct console *con = calloc(1, sizeof *con);
    if (!con)
        return -1;
    con->app = app;
    con->out = out;
    con->run_id = clock_now_ms();
    int rc = 0, fd = fileno(in);
    while (!atomic_load(&app->stopping)) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, CONSOLE_POLL_MS);
        if (ready < 0 && errno != EINTR) {
            rc = -1;
            break;
        }
        int eof = ready > 0 ? console_read(con, fd) : 0;
        if (eof < 0 || console_flush(con) < 0) {
            rc = -1;
            break;
        }
        if (eof)
            break;
    }
    if (rc == 0)
        rc = console_drain(con);
    free(con);
    return rc;
}

static bool console_enabled(const struct cfg *cfg)
{
    return false; /* only `tipgate chat` drives it */
}

const struct platform_ops console_platform = {
    .name = "console",
    .caps =
        {.max_text_chars = 0, .buttons = false, .groups = false, .edit = false, .photos = false},
    .enabled = console_enabled,
};
