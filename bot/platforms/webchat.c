/*
 * webchat.c — tipgate's own web chat, the embedded default platform.
 *
 * A browser page (web/) talks JSON over the WebSocket protocol "tipgate-chat" at /ws:
 *   → {"type":"hello","secret"?}            ← {"type":"ready","secret","history",
 *                                                   "max_text_chars","max_text_bytes","ward"}
 *   → {"type":"message","id","text"}        ← {"type":"ack","id","duplicate"?}
 *   → {"type":"callback","id","data","text"}← {"type":"ack","id"}
 *   → {"type":"location","id","lat","lon","accuracy"?} ← {"type":"ack","id","duplicate"?}
 *   → {"type":"ping"}                       ← {"type":"pong"}
 *   → {"type":"push_subscribe"|"push_unsubscribe","id","subscription"} ← ack (bot/webpush.h;
 *     the ready frame then carries "vapid_public_key" when notifications are on)
 *                                           ← {"type":"message","text","at","buttons"?}
 *                                           ← {"type":"mine","id","text","at"}
 *                                           ← {"type":"error","code","text","id"?}
 *   (code "not_saved", with "retry_ms": the disk is full; the page sends it again, same id)
 * A history line of the bot carries its "buttons" when it came after the person's last line:
 * the question still waiting for an answer keeps its buttons after a reload. "mine" tells the
 * other tabs of the same identity what the person wrote in one of them, so all show the same
 * conversation.
 * The secret (>= 128 random bits, kept in the browser's localStorage) is the identity: only its
 * SHA-256 is stored (storage/webchat_store.c) and it is never logged. The chat id of a new
 * identity is a one-way function of its secret, so the identity needs no row until its first
 * message is stored: a browser that only looks leaves nothing behind.
 *
 * Incoming messages go to the inbox before the ack; replies are outbox rows delivered to every
 * open connection of the chat and marked sent once written; a chat with no connection keeps
 * them queued until it reconnects. The open connections are indexed by chat id (wc->chats), so
 * a reply costs one lookup and one query per batch of new rows, whatever the number of
 * connections. Memory per idle connection is what libwebsockets keeps (its receive buffer is
 * WC_RX_CHUNK) plus struct wc_conn: a longer frame is joined in a buffer that lives only as
 * long as the frame. Everything here runs on the HTTP thread, using app->db.
 */
#include "bot/app_core.h"
#include "bot/health.h"
#include "base/clock.h"
#include "bot/http.h"
#include "base/log.h"
#include "base/msg.h"
#include "bot/platform.h"
#include "base/secure.h"
#include "base/utf8.h"
#include "bot/webpush.h"
#include "bot/worker.h"
#include "storage/db_writes.h"
#include "storage/inbox.h"
#include "storage/outbox.h"
#include "storage/webchat_store.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define WC_TEXT_CHARS MSG_MAX_TEXT_CHARS /* a resident's message, in characters after NFC */
#define WC_TEXT_MAX   MSG_MAX_TEXT_BYTES /* ... so at most this many bytes once stored */
/* A whole JSON frame: the longest text with every character escaped as a \uXXXX surrogate
 * pair (12 bytes), plus room for the rest of the frame. */
#define WC_FRAME_MAX    (12 * WC_TEXT_CHARS + 4096)
#define WC_TXQ_MAX      256 /* frames waiting for a slow reader before we drop it */
#define WC_HISTORY      100 /* lines replayed on connect */
#define WC_DELIVER_STEP 32
#define WC_MAX_CONNS    HTTP_WS_MAX_CONNECTIONS
#define WC_RATE_PER_SEC 5.0 /* messages a connection may send, with a burst of WC_RATE_BURST */
#define WC_RATE_BURST   20.0
/* libwebsockets' receive buffer, allocated for every connection: a hello, a ping and most
 * messages fit; a longer frame arrives in pieces that wc_receive joins. */
#define WC_RX_CHUNK 1024
/* The most one write hands the socket (no buffer of that size is kept): without it lws would
 * cut every frame longer than WC_RX_CHUNK into pieces and copy the rest. */
#define WC_TX_PACKET      65536
#define WC_CHAT_BUCKETS   8192 /* chat id → connections; a power of two near WC_MAX_CONNS */
#define WC_SECRET_MAX     128  /* hex characters (wc_valid_secret) */
#define WC_IDENTITY_TRIES 3    /* fresh secrets tried when a derived chat id is taken */
#define WC_CHAT_ID_HEX    16   /* hex characters of a chat id after its "w" */
#define WC_CHAT_ID_DOMAIN "tipgate web chat id\n"
#define WC_ACCURACY_MAX   100000.0 /* metres: a browser's coarsest guess is a few km */
/* A browser past the most connections held at once is let in and told at once, by the close
 * code 1013 "Try Again Later" with this reason, to come back later: web/app.js then says the
 * server is busy and retries with a longer, jittered wait. Refusing the handshake itself was
 * rejected: a browser's WebSocket sees any refused handshake as the code 1006 it also gets
 * for a network failure, so the page could not tell the resident why. */
#define WC_CLOSE_BUSY        1013
#define WC_CLOSE_BUSY_REASON "busy"
#define WC_RETRY_MS          3000 /* the page's pause before sending a message not saved again */

struct wc_frame {
    struct wc_frame *next;
    int64_t outbox_id; /* 0 for frames that are not outbox rows */
    size_t len;
    unsigned char data[]; /* LWS_PRE bytes of room, then len bytes of JSON */
};

struct webchat;

struct wc_conn {               /* lws per-session data */
    struct wc_conn *chat_next; /* the next connection in this one's bucket of wc->chats */
    struct lws *wsi;
    struct webchat *wc;
    int ready; /* said hello: has a chat id and is in wc->chats */
    int binary;
    int behind; /* rows were held back while the send queue was full: catch up when it drains */
    char chat_id[WEBCHAT_CHAT_ID_LEN];
    char *unsaved; /* owned: the secret's hash while the identity has no row, else NULL */
    int64_t last_queued_id;
    int64_t sent_floor; /* sent rows up to this id were in the history of the hello */
    char *rx;           /* owned: a frame that arrives in pieces, while it does */
    size_t rx_len;
    int rx_overflow;
    struct wc_frame *tx_head, *tx_tail;
    int tx_count;
    int kill;
    int refused; /* past the most connections: closed with WC_CLOSE_BUSY, never counted */
    double tokens;
    int64_t tokens_at;
};

struct webchat {
    struct app *app;
    int nconns;
    int max_conns;   /* platforms.webchat.max_connections, within the open-file limit */
    int full;        /* refusing: logged once per episode */
    int64_t seen_id; /* outbox rows up to this id have been handed to the connections open */
    struct wc_conn *chats[WC_CHAT_BUCKETS]; /* ready connections, chained by chat_next */
    struct webpush *push;                   /* notifications when the police answer, or NULL */
};

static struct webchat *wc_of(struct lws *wsi)
{
    struct app *app = lws_context_user(lws_get_context(wsi));
    int i = platform_index("webchat");
    return app && i >= 0 ? app->pstate[i] : NULL;
}

/* The bucket of wc->chats that holds the connections of chat_id (FNV-1a of the id). */
static struct wc_conn **wc_bucket(struct webchat *wc, const char *chat_id)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)chat_id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &wc->chats[h & (WC_CHAT_BUCKETS - 1)];
}

static void wc_index_add(struct wc_conn *c)
{
    struct wc_conn **b = wc_bucket(c->wc, c->chat_id);
    c->chat_next = *b;
    *b = c;
}

static void wc_index_remove(struct wc_conn *c)
{
    for (struct wc_conn **pp = wc_bucket(c->wc, c->chat_id); *pp; pp = &(*pp)->chat_next)
        if (*pp == c) {
            *pp = c->chat_next;
            return;
        }
}

/* Queues one frame: len bytes of JSON, copied. A reader that lets WC_TXQ_MAX frames pile up is
 * dropped: its rows stay queued in the outbox and arrive when it reconnects. */
static void wc_queue_text(struct wc_conn *c, const char *s, size_t len, int64_t outbox_id)
{
    struct wc_frame *f = c->tx_count < WC_TXQ_MAX ? malloc(sizeof *f + LWS_PRE + len) : NULL;
    if (!f) {
        c->kill = 1;
        lws_callback_on_writable(c->wsi);
        return;
    }
    f->next = NULL;
    f->outbox_id = outbox_id;
    f->len = len;
    memcpy(f->data + LWS_PRE, s, len);
    if (c->tx_tail)
        c->tx_tail->next = f;
    else
        c->tx_head = f;
    c->tx_tail = f;
    c->tx_count++;
    lws_callback_on_writable(c->wsi);
}

/* Queues one JSON frame (steals o). */
static void wc_queue(struct wc_conn *c, json_t *o, int64_t outbox_id)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s)
        return;
    wc_queue_text(c, s, strlen(s), outbox_id);
    free(s);
}

static void wc_error(struct wc_conn *c, const char *code, const char *id, const char *max)
{
    char name[48];
    snprintf(name, sizeof name, "ws_%s", code);
    struct texts_var vars[] = {{"max", max}};
    char *text = texts_render(c->wc->app->texts, name, vars, 1);
    json_t *o =
        json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "text", text ? text : code);
    free(text);
    if (o && id)
        json_object_set_new(o, "id", json_string(id));
    wc_queue(c, o, 0);
}

/* The frame of one outbox row, or NULL (caller frees). */
static char *wc_row_frame(const struct outbox_row *r)
{
    json_t *o = json_pack("{s:s, s:s, s:I}", "type", "message", "text", r->text, "at",
                          (json_int_t)clock_now_ms());
    json_t *buttons = r->buttons ? json_loads(r->buttons, 0, NULL) : NULL;
    if (o && buttons)
        json_object_set_new(o, "buttons", buttons);
    else
        json_decref(buttons);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* Room for a batch of rows in the send queue; else the rows wait and c catches up later. */
static int wc_has_room(struct wc_conn *c)
{
    if (c->tx_count <= WC_TXQ_MAX - WC_DELIVER_STEP)
        return 1;
    c->behind = 1;
    return 0;
}

/* Puts the chat's queued outbox rows that this connection has not had into its send queue:
 * on hello, and when rows were held back while its queue was full. */
static void wc_deliver(struct wc_conn *c)
{
    struct db *db = c->wc->app->db;
    struct outbox_row rows[WC_DELIVER_STEP];
    int n;
    c->behind = 0;
    do {
        if (!wc_has_room(c))
            return; /* the rest follows when the queue drains */
        /* Sent rows too: another tab may have had, and marked sent, a row this one was
         * behind on; the ones up to sent_floor are in its history already. */
        int64_t sent_after = c->last_queued_id > c->sent_floor ? c->last_queued_id : c->sent_floor;
        if (outbox_queued_for_chat(db, "webchat", c->chat_id, c->last_queued_id, sent_after,
                                   WC_DELIVER_STEP, rows, &n) != DB_OK) {
            c->behind = 1; /* tried again when the queue next drains, or on reconnect */
            return;
        }
        for (int i = 0; i < n; i++) {
            char *frame = wc_row_frame(&rows[i]);
            c->last_queued_id = rows[i].id;
            if (frame)
                wc_queue_text(c, frame, strlen(frame), rows[i].id);
            free(frame);
            outbox_row_clear(&rows[i]);
        }
    } while (n == WC_DELIVER_STEP);
}

/* Hands one new outbox row to the open connections of its chat, found in the index. */
static void wc_fan_out(struct webchat *wc, const struct outbox_row *r)
{
    char *frame = NULL;
    for (struct wc_conn *c = *wc_bucket(wc, r->chat_id); c; c = c->chat_next) {
        if (strcmp(c->chat_id, r->chat_id) != 0 || r->id <= c->last_queued_id ||
            r->id <= c->sent_floor)
            continue; /* had it already, or shows it in the history of its hello */
        if (c->behind || !wc_has_room(c))
            continue; /* wc_deliver brings it, in order, once the queue drains */
        if (!frame && !(frame = wc_row_frame(r)))
            return; /* the row stays queued: it arrives on the next hello */
        c->last_queued_id = r->id;
        wc_queue_text(c, frame, strlen(frame), r->id);
    }
    free(frame);
}

/* The newest outbox rows were deleted, so SQLite will hand out their ids again: start over
 * from the table's end and forget, on every connection, what it had above it. Rare (only
 * rows nobody wrote after for a whole retention period), so the walk over all is fine. */
static void wc_ids_went_back(struct webchat *wc, int64_t last)
{
    log_info("webchat", "the outbox ids went back from %lld to %lld: deliveries go on from there",
             (long long)wc->seen_id, (long long)last);
    wc->seen_id = last;
    for (int b = 0; b < WC_CHAT_BUCKETS; b++)
        for (struct wc_conn *c = wc->chats[b]; c; c = c->chat_next) {
            if (c->last_queued_id > last)
                c->last_queued_id = last;
            if (c->sent_floor > last)
                c->sent_floor = last;
        }
}

/* Hands the rows enqueued since the last sweep (by the worker, or another process) to the
 * connections of their chats: one query per WC_DELIVER_STEP new rows, nothing when there are
 * none, whatever the number of connections. Rows for a chat with no connection stay queued
 * and arrive with its next hello (wc_deliver). */
static void wc_sweep(struct webchat *wc)
{
    struct db *db = wc->app->db;
    int64_t last = 0;
    if (outbox_last_id(db, &last) != DB_OK || last == wc->seen_id)
        return;
    if (last < wc->seen_id) {
        wc_ids_went_back(wc, last);
        return;
    }
    struct outbox_row rows[WC_DELIVER_STEP];
    int n;
    do {
        /* Sent rows too: a tab's hello may have had and written a row before this sweep
         * reached it, and the chat's other tabs still need it. */
        if (outbox_queued_between(db, "webchat", wc->seen_id, last, true, WC_DELIVER_STEP, rows,
                                  &n) != DB_OK)
            return; /* the next sweep goes on from seen_id */
        for (int i = 0; i < n; i++) {
            wc_fan_out(wc, &rows[i]);
            wc->seen_id = rows[i].id;
            outbox_row_clear(&rows[i]);
        }
    } while (n == WC_DELIVER_STEP);
    wc->seen_id = last;
}

static int wc_valid_secret(const char *s)
{
    size_t n = strlen(s);
    return n >= 32 && n <= 128 && strspn(s, "0123456789abcdef") == n;
}

static int wc_valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 64 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* One history line; a bot line after the person's last line (live) keeps its buttons. */
static json_t *wc_history_line(const struct webchat_line *l, int live)
{
    json_t *o = json_pack("{s:s, s:s, s:I}", "from", l->from_bot ? "bot" : "me", "text", l->text,
                          "at", (json_int_t)l->at_ms);
    json_t *buttons = live && l->from_bot && l->buttons ? json_loads(l->buttons, 0, NULL) : NULL;
    if (o && buttons)
        json_object_set_new(o, "buttons", buttons);
    else
        json_decref(buttons);
    return o;
}

static json_t *wc_history(struct webchat *wc, const char *chat_id)
{
    struct webchat_line *lines = NULL;
    int n = 0;
    json_t *arr = json_array();
    if (webchat_store_history(wc->app->db, chat_id, WC_HISTORY, &lines, &n) != DB_OK)
        return arr;
    int last_mine = -1;
    for (int i = 0; i < n; i++)
        if (!lines[i].from_bot)
            last_mine = i;
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, wc_history_line(&lines[i], i > last_mine));
    webchat_lines_free(lines, n);
    return arr;
}

/* The chat id of an identity that has no row: "w" and the start of SHA-256 over a fixed prefix
 * and the secret. The same in every tab and after every reconnect, so nothing needs storing
 * before the first message; unrelated to the stored hash (SHA-256 of the secret alone), and
 * it tells nothing about the secret. */
static void wc_derive_chat_id(const char *secret, char chat_id[WEBCHAT_CHAT_ID_LEN])
{
    static const char prefix[] = WC_CHAT_ID_DOMAIN;
    char input[sizeof prefix + WC_SECRET_MAX];
    uint8_t digest[SECURE_SHA256_LEN];
    size_t plen = sizeof prefix - 1, slen = strlen(secret);
    memcpy(input, prefix, plen);
    memcpy(input + plen, secret, slen);
    secure_sha256(input, plen + slen, digest);
    chat_id[0] = 'w';
    secure_hex(digest, WC_CHAT_ID_HEX / 2, chat_id + 1);
}

/* Who the secret is: DB_OK for a stored identity, DB_NOT_FOUND for one that has no row yet
 * (c->unsaved then holds its hash), DB_DUPLICATE when its derived chat id belongs to another
 * identity (a 64-bit collision: the caller tries a fresh secret), DB_ERROR. */
static int wc_identity(struct wc_conn *c, const char *secret)
{
    struct db *db = c->wc->app->db;
    char hash[2 * SECURE_SHA256_LEN + 1];
    secure_sha256_hex(secret, hash);
    int rc = webchat_store_find(db, hash, clock_now_ms(), c->chat_id);
    if (rc != DB_NOT_FOUND)
        return rc;
    wc_derive_chat_id(secret, c->chat_id);
    rc = webchat_store_chat_taken(db, c->chat_id);
    if (rc != DB_NOT_FOUND)
        return rc == DB_OK ? DB_DUPLICATE : rc;
    c->unsaved = strdup(hash);
    return c->unsaved ? DB_NOT_FOUND : DB_ERROR;
}

static void wc_hello(struct wc_conn *c, json_t *frame)
{
    if (c->ready) {
        wc_error(c, "bad_type", NULL, NULL);
        return;
    }
    const char *given = json_string_value(json_object_get(frame, "secret"));
    int bad = given && !wc_valid_secret(given);
    char fresh[65];
    const char *secret = given && !bad ? given : NULL;
    int rc = DB_ERROR;
    for (int tries = 0; tries < WC_IDENTITY_TRIES; tries++) {
        if (!secret) {
            if (secure_token_hex(32, fresh) != 0) {
                c->kill = 1;
                return;
            }
            secret = fresh;
        }
        if ((rc = wc_identity(c, secret)) != DB_DUPLICATE)
            break;
        secret = NULL;
    }
    /* Rows sent up to the floor show in the history; wc_deliver brings the rest. */
    if ((rc != DB_OK && rc != DB_NOT_FOUND) ||
        outbox_last_sent_for_chat(c->wc->app->db, "webchat", c->chat_id, &c->sent_floor) != DB_OK) {
        wc_error(c, "busy", NULL, NULL);
        return;
    }
    wc_queue(c,
             json_pack("{s:s, s:s, s:o, s:i, s:i, s:s*, s:s*}", "type", "ready", "secret", secret,
                       "history", wc_history(c->wc, c->chat_id), "max_text_chars", WC_TEXT_CHARS,
                       "max_text_bytes", WC_TEXT_MAX, "vapid_public_key",
                       webpush_public_key(c->wc->push), "ward", c->wc->app->cfg->ward_police_name),
             0);
    c->ready = 1;
    wc_index_add(c);
    if (bad)
        wc_error(c, "bad_secret", NULL, NULL);
    log_info("webchat", "chat %s connected (%s)", c->chat_id,
             c->unsaved ? "identity not stored until it writes" : "known identity");
    wc_deliver(c);
}

/* A token bucket per connection so one flooding tab cannot monopolise the HTTP thread. */
static int wc_rate_ok(struct wc_conn *c)
{
    int64_t now = clock_mono_ms();
    if (c->tokens_at == 0)
        c->tokens = WC_RATE_BURST;
    else
        c->tokens += (double)(now - c->tokens_at) * WC_RATE_PER_SEC / 1000.0;
    if (c->tokens > WC_RATE_BURST)
        c->tokens = WC_RATE_BURST;
    c->tokens_at = now;
    if (c->tokens < 1.0)
        return 0;
    c->tokens -= 1.0;
    return 1;
}

static int wc_only_space(const char *s)
{
    return strspn(s, " \t\r\n") == strlen(s);
}

/* Validates a message or callback frame; returns the error code to send, or NULL. */
static const char *wc_check_input(struct wc_conn *c, const char *id, const char *text)
{
    if (!c->ready)
        return "not_ready";
    if (!wc_valid_id(id))
        return "bad_id";
    if (!text || wc_only_space(text))
        return "empty";
    return NULL;
}

/* Stores the identity of a connection that had none, with its first message. */
static int wc_save_identity(struct wc_conn *c)
{
    if (!c->unsaved)
        return DB_OK;
    int rc = webchat_store_add(c->wc->app->db, c->unsaved, c->chat_id, clock_now_ms());
    if (rc == DB_OK) {
        free(c->unsaved);
        c->unsaved = NULL;
    }
    return rc;
}

/* Shows what the person wrote in one tab in the chat's other open tabs ("mine"). */
static void wc_tell_other_tabs(struct wc_conn *c, const struct msg *m, const char *id)
{
    if (!m->text)
        return;
    for (struct wc_conn *o = *wc_bucket(c->wc, c->chat_id); o; o = o->chat_next)
        if (o != c && strcmp(o->chat_id, c->chat_id) == 0)
            wc_queue(o,
                     json_pack("{s:s, s:s, s:s, s:I}", "type", "mine", "id", id, "text", m->text,
                               "at", (json_int_t)m->date_ms),
                     0);
}

/* A message that could not be stored: while the disk refuses writes, "not_saved" with the
 * pause after which the page sends it again (same id, so it is stored once); any other
 * failure is "busy", as before. Nothing is acknowledged either way. */
static void wc_not_stored(struct wc_conn *c, const char *id)
{
    if (!db_writes_refusing()) {
        wc_error(c, "busy", id, NULL);
        return;
    }
    char *text = texts_render(c->wc->app->texts, "ws_not_saved", NULL, 0);
    wc_queue(c,
             json_pack("{s:s, s:s, s:s, s:s, s:i}", "type", "error", "code", "not_saved", "text",
                       text ? text : "not_saved", "id", id, "retry_ms", WC_RETRY_MS),
             0);
    free(text);
}

/* Stores the update and acknowledges it: the ack means "durably stored". */
static void wc_store(struct wc_conn *c, struct msg *m, const char *id)
{
    struct app *app = c->wc->app;
    if (wc_save_identity(c) != DB_OK) {
        wc_not_stored(c, id);
        return;
    }
    char key[WEBCHAT_CHAT_ID_LEN + 70];
    snprintf(key, sizeof key, "%s:%s", c->chat_id, id);
    m->platform = "webchat";
    m->update_key = key;
    m->chat_id = c->chat_id;
    m->sender_id = c->chat_id;
    m->date_ms = clock_now_ms();
    char *json = msg_to_json(m);
    int rc =
        json ? inbox_add(app->db, "webchat", key, c->chat_id, json, m->date_ms, NULL) : DB_ERROR;
    free(json);
    if (rc == DB_OK)
        health_received(app->health, "webchat", 1);
    if (rc == DB_ERROR) {
        wc_not_stored(c, id);
        return;
    }
    json_t *ack = json_pack("{s:s, s:s}", "type", "ack", "id", id);
    if (ack && rc == DB_DUPLICATE)
        json_object_set_new(ack, "duplicate", json_true());
    wc_queue(c, ack, 0);
    if (rc == DB_OK) {
        wc_tell_other_tabs(c, m, id);
        worker_wake(app->worker);
    }
}

static void wc_message(struct wc_conn *c, json_t *frame, int callback)
{
    const char *id = json_string_value(json_object_get(frame, "id"));
    json_t *jtext = json_object_get(frame, "text");
    const char *text = json_string_value(jtext);
    const char *data = json_string_value(json_object_get(frame, "data"));
    char max[16];
    msg_max_text_chars_vi(max, sizeof max);
    const char *err = wc_check_input(c, id, text);
    if (!err && callback && (!data || !*data || strlen(data) > 64))
        err = "bad_type";
    bool oom = false;
    char *nfc = err ? NULL : msg_text_nfc(text, json_string_length(jtext), &oom);
    if (!err && !nfc)
        err = oom ? "busy" : "too_long";
    if (!err && !wc_rate_ok(c))
        err = "rate";
    if (err) {
        wc_error(c, err, wc_valid_id(id) ? id : NULL, max);
        free(nfc);
        return;
    }
    struct msg m = {0};
    m.kind = callback ? MSG_CALLBACK : MSG_TEXT;
    m.text = nfc;
    m.callback_data = callback ? (char *)data : NULL;
    m.callback_id = callback ? (char *)id : NULL;
    wc_store(c, &m, id);
    free(nfc);
}

/* A position the resident chose to share (the page asks the browser only on their tap):
 * stored as a message with a location, range-checked; accuracy in metres when given. */
static void wc_location(struct wc_conn *c, json_t *frame)
{
    const char *id = json_string_value(json_object_get(frame, "id"));
    json_t *lat = json_object_get(frame, "lat"), *lon = json_object_get(frame, "lon");
    json_t *acc = json_object_get(frame, "accuracy");
    double la = json_number_value(lat), lo = json_number_value(lon);
    double ac = json_is_number(acc) ? json_number_value(acc) : 0;
    const char *err = !c->ready ? "not_ready" : !wc_valid_id(id) ? "bad_id" : NULL;
    if (!err && (!json_is_number(lat) || !json_is_number(lon) || !(la >= -90 && la <= 90) ||
                 !(lo >= -180 && lo <= 180) || !(ac >= 0 && ac <= WC_ACCURACY_MAX) ||
                 (acc && !json_is_number(acc))))
        err = "bad_location";
    if (!err && !wc_rate_ok(c))
        err = "rate";
    if (err) {
        wc_error(c, err, wc_valid_id(id) ? id : NULL, NULL);
        return;
    }
    struct msg m = {.kind = MSG_TEXT, .has_location = true, .latitude = la, .longitude = lo};
    m.location_accuracy_m = ac;
    wc_store(c, &m, id);
}

/* push_subscribe / push_unsubscribe: the page's Web Push subscription, kept by bot/webpush.c
 * in app->db (this thread's connection). */
static void wc_push(struct wc_conn *c, json_t *frame, int subscribe)
{
    const char *id = json_string_value(json_object_get(frame, "id"));
    json_t *sub = json_object_get(frame, "subscription");
    const char *err = !c->ready ? "not_ready" : !wc_valid_id(id) ? "bad_id" : NULL;
    if (!err && !wc_rate_ok(c))
        err = "rate";
    if (!err && subscribe && wc_save_identity(c) != DB_OK)
        err = "busy";
    if (!err)
        err = subscribe
                  ? webpush_subscribe(c->wc->push, c->wc->app->db, "webchat", c->chat_id, sub)
                  : webpush_unsubscribe(c->wc->push, c->wc->app->db, "webchat", c->chat_id, sub);
    if (err)
        wc_error(c, err, wc_valid_id(id) ? id : NULL, NULL);
    else
        wc_queue(c, json_pack("{s:s, s:s}", "type", "ack", "id", id), 0);
}

static void wc_frame(struct wc_conn *c, const char *buf, size_t len)
{
    if (c->binary || !utf8_valid(buf, len)) {
        wc_error(c, c->binary ? "bad_json" : "bad_utf8", NULL, NULL);
        return;
    }
    json_t *frame = json_loadb(buf, len, 0, NULL);
    const char *type = json_string_value(json_object_get(frame, "type"));
    if (!type)
        wc_error(c, "bad_json", NULL, NULL);
    else if (strcmp(type, "hello") == 0)
        wc_hello(c, frame);
    else if (strcmp(type, "message") == 0)
        wc_message(c, frame, 0);
    else if (strcmp(type, "callback") == 0)
        wc_message(c, frame, 1);
    else if (strcmp(type, "location") == 0)
        wc_location(c, frame);
    else if (strcmp(type, "ping") == 0)
        wc_queue(c, json_pack("{s:s}", "type", "pong"), 0);
    else if (strcmp(type, "push_subscribe") == 0 || strcmp(type, "push_unsubscribe") == 0)
        wc_push(c, frame, strcmp(type, "push_subscribe") == 0);
    else
        wc_error(c, "bad_type", NULL, NULL);
    json_decref(frame);
}

/* A frame that fits lws's receive buffer (most do) is handled where it lies; a longer one is
 * joined in c->rx, which is freed as soon as the frame is complete. */
static void wc_receive(struct wc_conn *c, const void *in, size_t len)
{
    int whole = lws_is_final_fragment(c->wsi) && !lws_remaining_packet_payload(c->wsi);
    if (c->rx_len == 0 && !c->rx_overflow) {
        c->binary = lws_frame_is_binary(c->wsi);
        if (whole) {
            if (len > WC_FRAME_MAX)
                wc_error(c, "frame_too_big", NULL, NULL);
            else
                wc_frame(c, in, len);
            return;
        }
    }
    if (len == 0) {
        /* An empty fragment adds nothing: realloc to 0 bytes would free c->rx (and its NULL
         * then read as out of memory, c->rx freed twice; fuzz/regress/webchat/). */
    } else if (!c->rx_overflow && c->rx_len + len <= WC_FRAME_MAX) {
        char *grown = realloc(c->rx, c->rx_len + len);
        if (grown) {
            memcpy(grown + c->rx_len, in, len);
            c->rx = grown;
            c->rx_len += len;
        } else {
            c->rx_overflow = 1;
        }
    } else {
        c->rx_overflow = 1;
    }
    if (!whole)
        return;
    if (c->rx_overflow)
        wc_error(c, "frame_too_big", NULL, NULL);
    else
        wc_frame(c, c->rx, c->rx_len);
    free(c->rx);
    c->rx = NULL;
    c->rx_len = 0;
    c->rx_overflow = 0;
}

static int wc_writable(struct wc_conn *c)
{
    if (c->kill)
        return -1;
    struct wc_frame *f = c->tx_head;
    if (!f)
        return 0;
    if (lws_write(c->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
        return -1;
    if (f->outbox_id && outbox_mark_sent(c->wc->app->db, f->outbox_id, clock_now_ms()) == DB_OK)
        health_reply_sent(c->wc->app->health, "webchat", f->outbox_id, clock_now_ms());
    c->tx_head = f->next;
    if (!c->tx_head)
        c->tx_tail = NULL;
    c->tx_count--;
    free(f);
    if (c->tx_head)
        lws_callback_on_writable(c->wsi);
    else if (c->ready && c->behind)
        wc_deliver(c); /* rows held back while the queue was full */
    return 0;
}

static void wc_closed(struct wc_conn *c)
{
    struct webchat *wc = c->wc;
    if (!wc || c->refused)
        return; /* refused before it was established, or let in only to be told to retry */
    if (c->ready)
        wc_index_remove(c);
    wc->nconns--;
    health_connections(wc->app->health, HEALTH_CONN_WEBCHAT, wc->nconns);
    while (c->tx_head) {
        struct wc_frame *f = c->tx_head;
        c->tx_head = f->next;
        free(f);
    }
    free(c->rx);
    free(c->unsaved);
    if (c->ready)
        log_debug("webchat", "chat %s disconnected", c->chat_id);
}

static int wc_filter(struct lws *wsi)
{
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0)
        return 1;
    return strcmp(uri, "/ws") != 0;
}

/* The keys under platforms.webchat (README: Configuration). */
struct webchat_settings {
    bool enabled;
    int max_connections; /* browsers held at once; more are told to retry later */
};

static const struct cfg_spec webchat_spec[] = {
    {"enabled", CFG_BOOL, offsetof(struct webchat_settings, enabled), NULL, 1, 0, 0, NULL, NULL},
    {"max_connections", CFG_INT, offsetof(struct webchat_settings, max_connections), NULL,
     WC_MAX_CONNS, 1, WC_MAX_CONNS, NULL, NULL},
};

/* A data_dir without the page used to start a web chat that answered 404 to everyone. */
static int webchat_check(const struct cfg *cfg, const void *settings, char *why, size_t whylen)
{
    const struct webchat_settings *s = settings;
    char page[PATH_MAX + 32];
    int n = snprintf(page, sizeof page, "%s/web/index.html", cfg->data_dir);
    if (!s->enabled || (n > 0 && (size_t)n < sizeof page && access(page, R_OK) == 0))
        return 0;
    snprintf(why, whylen,
             "%s: %s has no web/index.html, so the web chat would answer 404 (point it at the "
             "directory holding web/ and config/, or set platforms.webchat.enabled to false)",
             cfg->data_dir_from, cfg->data_dir);
    return -1;
}

static const struct cfg_block webchat_settings = {
    .prefix = "platforms.webchat",
    .spec = webchat_spec,
    .n_spec = sizeof webchat_spec / sizeof webchat_spec[0],
    .size = sizeof(struct webchat_settings),
    .check = webchat_check,
};

/* The most connections held at once: the configured number, or fewer when the open-file
 * limit (raised by bot/http.c when the server starts, after the platforms) leaves less room:
 * beyond it libwebsockets could not even accept, and the page would see only a failure. */
static int wc_max_conns(struct webchat *wc)
{
    if (wc->max_conns)
        return wc->max_conns;
    const struct webchat_settings *s = cfg_settings(wc->app->cfg, &webchat_settings);
    int max = s ? s->max_connections : WC_MAX_CONNS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        /* the files the rest of the service holds: HTTP_FD_SPARE, or a quarter of a low limit */
        rlim_t spare = rl.rlim_cur / 4 < HTTP_FD_SPARE ? rl.rlim_cur / 4 : HTTP_FD_SPARE;
        if (rl.rlim_cur - spare < (rlim_t)max)
            max = rl.rlim_cur - spare > 1 ? (int)(rl.rlim_cur - spare) : 1;
    }
    wc->max_conns = max;
    return max;
}

/* A new connection: counted, or, past the most held at once, told to retry later. */
static int wc_admit(struct webchat *wc, struct wc_conn *c)
{
    int max = wc_max_conns(wc);
    if (wc->nconns >= max) {
        c->refused = 1;
        if (!wc->full)
            log_warn("webchat",
                     "%d connections open, the most allowed: new browsers are told "
                     "to retry later (platforms.webchat.max_connections)",
                     max);
        wc->full = 1;
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    if (wc->full && wc->nconns < max - max / 10) {
        log_info("webchat", "connections back to %d: browsers are let in again", wc->nconns);
        wc->full = 0;
    }
    wc->nconns++;
    health_connections(wc->app->health, HEALTH_CONN_WEBCHAT, wc->nconns);
    return 0;
}

static int wc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    struct webchat *wc = wc_of(wsi);
    struct wc_conn *c = user;
    if (!wc)
        return reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION ? 1 : 0;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return wc_filter(wsi);
    case LWS_CALLBACK_ESTABLISHED:
        memset(c, 0, sizeof *c);
        c->wsi = wsi;
        c->wc = wc;
        return wc_admit(wc, c);
    case LWS_CALLBACK_RECEIVE:
        if (!c->refused)
            wc_receive(c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (c->refused) {
            lws_close_reason(wsi, (enum lws_close_status)WC_CLOSE_BUSY,
                             (unsigned char *)WC_CLOSE_BUSY_REASON,
                             sizeof WC_CLOSE_BUSY_REASON - 1);
            return -1;
        }
        return wc_writable(c);
    case LWS_CALLBACK_CLOSED:
        wc_closed(c);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        wc_sweep(wc);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols webchat_lws_protocol = {
    .name = "tipgate-chat",
    .callback = wc_callback,
    .per_session_data_size = sizeof(struct wc_conn),
    .rx_buffer_size = WC_RX_CHUNK,
    .tx_packet_size = WC_TX_PACKET,
};

static bool webchat_enabled(const struct cfg *cfg)
{
    const struct webchat_settings *s = cfg_settings(cfg, &webchat_settings);
    return s && s->enabled;
}

static int webchat_start(struct app *app, void **state)
{
    struct webchat *wc = calloc(1, sizeof *wc);
    if (!wc)
        return -1;
    wc->app = app;
    /* Rows already queued wait for their chat's hello: the sweeps start from here. */
    if (outbox_last_id(app->db, &wc->seen_id) != DB_OK || webpush_start(app, &wc->push) != 0) {
        free(wc);
        return -1;
    }
    *state = wc;
    return 0;
}

/* Runs after the HTTP server is gone, so every connection has closed. */
static void webchat_stop(void *state)
{
    struct webchat *wc = state;
    webpush_stop(wc->push);
    free(state);
}

/* From the worker: new rows. The service loop's wait is cancelled and every protocol gets
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED, where wc_sweep finds them. */
static void webchat_wake(void *state)
{
    struct webchat *wc = state;
    http_interrupt(wc->app->http);
    webpush_wake(wc->push); /* an answer to a tipster may have queued a notification */
}

const struct platform_ops webchat_platform = {
    .name = "webchat",
    .caps = {.max_text_chars = 0,
             .buttons = true,
             .groups = false,
             .edit = false,
             .photos = false,
             .tel_links = true},
    .enabled = webchat_enabled,
    .start = webchat_start,
    .stop = webchat_stop,
    .wake = webchat_wake,
    .ws_protocol = &webchat_lws_protocol,
    .settings = &webchat_settings,
};
