/*
 * telegram.c — the Telegram Bot API adapter.
 *
 * Receiving: in polling mode a receive thread long-polls getUpdates (timeout 30, limit 100,
 * the five update kinds we use) and stores each batch in one transaction together with the
 * next offset, so the offset moves only with committed updates: a restart neither skips nor
 * repeats anything, and pending updates are never dropped. In webhook mode the thread sets the
 * webhook (with retries) and the HTTP thread stores each POST, checked against the secret
 * header in constant time, before answering 200. Switching modes deletes or sets the webhook.
 *
 * Sending: bot/sender.c drives the outbox; this file only turns a row into sendMessage or
 * sendPhoto, with inline keyboards whose callback_data is a server-side token.
 *
 * Chat ids are kept as text (they need 52 bits). A group upgraded to a supergroup is rewritten
 * everywhere it is stored, from the service message or from a send's 400 answer.
 */
#include "bot/app.h"
#include "bot/botapi.h"
#include "bot/clock.h"
#include "bot/log.h"
#include "bot/msg.h"
#include "bot/platform.h"
#include "bot/receiver.h"
#include "bot/secure.h"
#include "bot/sender.h"
#include "bot/worker.h"
#include "storage/inbox.h"
#include "storage/platform_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TG                      "telegram"
#define TG_POLL_TIMEOUT_S       30
#define TG_POLL_LIMIT           100
#define TG_HTTP_SLACK_S         15 /* the long poll's HTTP timeout is the poll timeout plus this */
#define RECEIVER_BACKOFF_CAP_MS 60000

struct telegram {
    struct app *app;
    const struct cfg_platform *pc;
    struct sender *sender;
    struct receiver rx;
    int64_t offset;
};

static const char *const tg_allowed[] = {"message", "edited_message", "callback_query",
                                         "my_chat_member", "chat_member"};

/* ---- updates → normalised messages ------------------------------------------------------ */

static char *tg_id(json_t *v)
{
    char buf[32];
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_string(v))
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else
        return NULL;
    return strdup(buf);
}

static char *tg_name(json_t *user)
{
    const char *first = json_string_value(json_object_get(user, "first_name"));
    const char *last = json_string_value(json_object_get(user, "last_name"));
    char *out = NULL;
    if (first && last && asprintf(&out, "%s %s", first, last) > 0)
        return out;
    return first ? strdup(first) : last ? strdup(last) : NULL;
}

static void tg_read_chat(json_t *chat, struct msg *m)
{
    m->chat_id = tg_id(json_object_get(chat, "id"));
    const char *type = json_string_value(json_object_get(chat, "type"));
    m->is_group = type && (strcmp(type, "group") == 0 || strcmp(type, "supergroup") == 0);
    const char *title = json_string_value(json_object_get(chat, "title"));
    m->chat_title = title ? strdup(title) : NULL;
}

static void tg_read_sender(json_t *from, struct msg *m)
{
    m->sender_id = tg_id(json_object_get(from, "id"));
    m->sender_name = tg_name(from);
}

/* The largest photo size is the last one Telegram lists; pick by file_size to be sure. */
static void tg_read_media(json_t *message, struct msg *m)
{
    json_t *photos = json_object_get(message, "photo"), *p, *best = NULL;
    size_t i;
    json_array_foreach(photos, i, p)
    {
        if (!best || json_integer_value(json_object_get(p, "file_size")) >=
                         json_integer_value(json_object_get(best, "file_size")))
            best = p;
    }
    const char *fid = json_string_value(json_object_get(best, "file_id"));
    if (fid)
        msg_add_attachment(m, "photo", fid);
    fid = json_string_value(json_object_get(json_object_get(message, "document"), "file_id"));
    if (fid)
        msg_add_attachment(m, "document", fid);
    fid = json_string_value(json_object_get(json_object_get(message, "voice"), "file_id"));
    if (fid)
        msg_add_attachment(m, "voice", fid);
    json_t *loc = json_object_get(message, "location");
    if (json_is_object(loc)) {
        m->has_location = true;
        m->latitude = json_number_value(json_object_get(loc, "latitude"));
        m->longitude = json_number_value(json_object_get(loc, "longitude"));
    }
    const char *phone =
        json_string_value(json_object_get(json_object_get(message, "contact"), "phone_number"));
    m->contact_phone = phone ? strdup(phone) : NULL;
}

static int tg_read_message(json_t *message, struct msg *m)
{
    tg_read_chat(json_object_get(message, "chat"), m);
    tg_read_sender(json_object_get(message, "from"), m);
    const char *text = json_string_value(json_object_get(message, "text"));
    if (!text)
        text = json_string_value(json_object_get(message, "caption"));
    m->text = text ? strdup(text) : NULL;
    m->date_ms = json_integer_value(json_object_get(message, "date")) * 1000;
    m->migrate_to_chat_id = tg_id(json_object_get(message, "migrate_to_chat_id"));
    tg_read_media(message, m);
    return m->chat_id ? 0 : -1;
}

/* A button press: the payload comes back from the server-side table, never from the client.
 * An unknown token (expired, or forged) leaves callback_data empty for the handler to say so. */
static int tg_read_callback(struct db *db, json_t *cq, struct msg *m)
{
    m->kind = MSG_CALLBACK;
    m->callback_id = tg_id(json_object_get(cq, "id"));
    tg_read_sender(json_object_get(cq, "from"), m);
    json_t *message = json_object_get(cq, "message");
    tg_read_chat(json_object_get(message, "chat"), m);
    if (!m->chat_id) /* a button on an inline message: answer in the presser's private chat */
        m->chat_id = m->sender_id ? strdup(m->sender_id) : NULL;
    m->date_ms = clock_now_ms();
    const char *token = json_string_value(json_object_get(cq, "data"));
    char *data = NULL;
    if (token && m->chat_id)
        pstore_callback_get(db, TG, m->chat_id, token, &data);
    m->callback_data = data ? data : strdup("");
    return m->chat_id && m->callback_id ? 0 : -1;
}

static int tg_read_member(json_t *cm, struct msg *m)
{
    m->kind = MSG_MEMBER;
    tg_read_chat(json_object_get(cm, "chat"), m);
    tg_read_sender(json_object_get(cm, "from"), m);
    m->date_ms = json_integer_value(json_object_get(cm, "date")) * 1000;
    const char *status =
        json_string_value(json_object_get(json_object_get(cm, "new_chat_member"), "status"));
    m->member_status = status ? strdup(status) : NULL;
    return m->chat_id ? 0 : -1;
}

/* Turns one update into *m. Returns 0, 1 for a kind we do not keep, -1 if malformed. */
static int tg_update_to_msg(struct db *db, json_t *u, struct msg *m)
{
    memset(m, 0, sizeof *m);
    json_t *v;
    int rc = 1;
    if ((v = json_object_get(u, "message")))
        rc = tg_read_message(v, m);
    else if ((v = json_object_get(u, "edited_message")))
        rc = tg_read_message(v, m), m->kind = MSG_EDITED;
    else if ((v = json_object_get(u, "callback_query")))
        rc = tg_read_callback(db, v, m);
    else if ((v = json_object_get(u, "my_chat_member")))
        rc = tg_read_member(v, m);
    else if ((v = json_object_get(u, "chat_member")))
        rc = tg_read_member(v, m), m->kind = MSG_EDITED; /* recorded, not acted on */
    if (rc != 0) {
        msg_clear(m);
        return rc;
    }
    m->platform = strdup(TG);
    m->update_key = tg_id(json_object_get(u, "update_id"));
    if (!m->date_ms)
        m->date_ms = clock_now_ms();
    return m->platform && m->update_key ? 0 : -1;
}

/* Stores one update (inside the caller's transaction). */
static int tg_store_one(struct db *db, json_t *u, int64_t now)
{
    struct msg m;
    int rc = tg_update_to_msg(db, u, &m);
    if (rc != 0) {
        if (rc < 0)
            log_warn(TG, "skipping a malformed update");
        return 0;
    }
    char *json = msg_to_json(&m);
    int st = json ? inbox_add(db, TG, m.update_key, m.chat_id, json, now, NULL) : DB_ERROR;
    free(json);
    if (st != DB_ERROR && m.migrate_to_chat_id)
        st = pstore_migrate_chat(db, TG, m.chat_id, m.migrate_to_chat_id, now);
    msg_clear(&m);
    return st == DB_ERROR ? -1 : 0;
}

/* Stores a batch and, when polling, the offset after it, in one transaction. */
static int tg_store(struct app *app, struct db *db, json_t *updates, int64_t *offset)
{
    int64_t now = clock_now_ms(), next = offset ? *offset : 0;
    if (app_write_begin(app, db) != DB_OK)
        return -1;
    size_t i;
    json_t *u;
    json_array_foreach(updates, i, u)
    {
        if (tg_store_one(db, u, now) != 0) {
            db_rollback(db);
            return -1;
        }
        json_int_t id = json_integer_value(json_object_get(u, "update_id"));
        if (id >= next)
            next = id + 1;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, next);
    if ((offset && pstore_set(db, TG, "offset", buf, now) != DB_OK) || db_commit(db) != DB_OK) {
        db_rollback(db);
        return -1;
    }
    if (offset)
        *offset = next;
    return 0;
}

/* ---- the receive thread ----------------------------------------------------------------- */

static json_t *tg_allowed_updates(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof tg_allowed / sizeof tg_allowed[0]; i++)
        json_array_append_new(a, json_string(tg_allowed[i]));
    return a;
}

static void tg_answer_callbacks(struct telegram *tg, json_t *updates)
{
    size_t i;
    json_t *u;
    json_array_foreach(updates, i, u)
    {
        json_t *id = json_object_get(json_object_get(u, "callback_query"), "id");
        if (!json_is_string(id))
            continue;
        struct botapi_reply r;
        receiver_call(&tg->rx, "answerCallbackQuery", json_pack("{s:O}", "callback_query_id", id),
                      10, &r);
        botapi_reply_clear(&r);
    }
}

static int tg_poll_once(struct telegram *tg, int *fails)
{
    json_t *params = json_pack("{s:i, s:i, s:o}", "limit", TG_POLL_LIMIT, "timeout",
                               TG_POLL_TIMEOUT_S, "allowed_updates", tg_allowed_updates());
    if (tg->offset > 0)
        json_object_set_new(params, "offset", json_integer(tg->offset));
    int64_t started = clock_mono_ms();
    struct botapi_reply r;
    receiver_call(&tg->rx, "getUpdates", params, TG_POLL_TIMEOUT_S + TG_HTTP_SLACK_S, &r);
    if (receiver_stopping(&tg->rx)) {
        botapi_reply_clear(&r);
        return -1;
    }
    int64_t wait = 0;
    if (r.status == BOTAPI_OK && json_is_array(r.result)) {
        size_t n = json_array_size(r.result);
        if (n > 0 && tg_store(tg->app, tg->rx.db, r.result, &tg->offset) != 0) {
            log_error(TG, "cannot store %zu updates; will fetch them again", n);
            wait = 1000;
        } else if (n > 0) {
            if (*fails)
                log_info(TG, "polling works again after %d failures", *fails);
            *fails = 0;
            worker_wake(tg->app->worker);
            tg_answer_callbacks(tg, r.result);
        } else if (clock_mono_ms() - started < 1000) {
            wait = 1000; /* an instant empty answer: never spin */
        }
    } else {
        if (r.status == BOTAPI_OK)
            r.status = BOTAPI_GARBAGE;
        ++*fails;
        wait = botapi_backoff_ms(*fails, 1000, RECEIVER_BACKOFF_CAP_MS);
        receiver_log_failure(&tg->rx, "getUpdates", &r, *fails, wait);
    }
    botapi_reply_clear(&r);
    return wait ? receiver_sleep(&tg->rx, wait) ? -1 : 0 : 0;
}

static int tg_set_webhook(struct telegram *tg)
{
    return receiver_set_webhook(&tg->rx, json_pack("{s:o, s:i, s:b}", "allowed_updates",
                                                   tg_allowed_updates(), "max_connections", 40,
                                                   "drop_pending_updates", 0));
}

static void tg_remember_me(struct telegram *tg)
{
    struct botapi_reply r;
    if (receiver_call_until_ok(&tg->rx, "getMe", json_object(), &r) != 0)
        return;
    const char *username = json_string_value(json_object_get(r.result, "username"));
    char *id = tg_id(json_object_get(r.result, "id"));
    if (username && id && db_begin(tg->rx.db) == DB_OK) {
        int64_t now = clock_now_ms();
        pstore_set(tg->rx.db, TG, "username", username, now);
        pstore_set(tg->rx.db, TG, "bot_id", id, now);
        if (db_commit(tg->rx.db) != DB_OK)
            db_rollback(tg->rx.db);
        log_info(TG, "connected as @%s", username);
    }
    free(id);
    botapi_reply_clear(&r);
}

static void *tg_rx_main(void *arg)
{
    struct telegram *tg = arg;
    char buf[32];
    if (pstore_get(tg->rx.db, TG, "offset", buf, sizeof buf) == DB_OK)
        tg->offset = strtoll(buf, NULL, 10);
    tg_remember_me(tg);
    if (strcmp(tg->pc->mode, "webhook") == 0) {
        tg_set_webhook(tg);
        return NULL; /* the HTTP thread takes it from here */
    }
    if (receiver_prepare_polling(&tg->rx) != 0)
        return NULL;
    log_info(TG, "polling getUpdates from offset %lld", (long long)tg->offset);
    int fails = 0;
    while (!receiver_stopping(&tg->rx))
        if (tg_poll_once(tg, &fails) != 0)
            break;
    return NULL;
}

/* ---- the webhook (HTTP thread) ---------------------------------------------------------- */

static int tg_webhook(void *state, struct db *db, const char *secret, const char *body, size_t len,
                      char *resp, size_t resp_size)
{
    struct telegram *tg = state;
    if (strcmp(tg->pc->mode, "webhook") != 0 || !secret ||
        !secure_equal(secret, tg->pc->webhook_secret))
        return 401;
    json_t *u = json_loadb(body, len, 0, NULL);
    if (!json_is_object(u)) {
        json_decref(u);
        return 400;
    }
    json_t *batch = json_pack("[O]", u);
    int rc = tg_store(tg->app, db, batch, NULL);
    json_decref(batch);
    if (rc != 0) {
        json_decref(u);
        return 500; /* Telegram retries later */
    }
    worker_wake(tg->app->worker);
    /* Answer a button press in the webhook reply itself: no extra request. */
    json_t *cq = json_object_get(json_object_get(u, "callback_query"), "id");
    json_t *answer = json_is_string(cq) ? json_pack("{s:s, s:O}", "method", "answerCallbackQuery",
                                                    "callback_query_id", cq)
                                        : NULL;
    char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    if (text && strlen(text) < resp_size)
        strcpy(resp, text);
    free(text);
    json_decref(answer);
    json_decref(u);
    return 200;
}

/* ---- sending ---------------------------------------------------------------------------- */

/* Telegram takes chat_id as an integer (or "@channel"): send numbers as numbers. */
static json_t *tg_chat_json(const char *chat_id)
{
    char *end = NULL;
    long long v = strtoll(chat_id, &end, 10);
    return end && !*end && *chat_id ? json_integer(v) : json_string(chat_id);
}

/* Rows of {text, data} become an inline keyboard whose callback_data are fresh tokens. */
static json_t *tg_keyboard(struct db *db, const struct outbox_row *row, int64_t now)
{
    json_t *rows = json_loads(row->buttons, 0, NULL), *out = json_array(), *line, *b;
    size_t i, j;
    int ok = json_is_array(rows);
    json_array_foreach(rows, i, line)
    {
        json_t *kline = json_array();
        json_array_foreach(line, j, b)
        {
            const char *text = json_string_value(json_object_get(b, "text"));
            const char *data = json_string_value(json_object_get(b, "data"));
            char token[PSTORE_TOKEN_LEN];
            if (!text || !data ||
                pstore_callback_put(db, TG, row->chat_id, data, now, token) != DB_OK) {
                ok = 0;
                continue;
            }
            json_array_append_new(kline,
                                  json_pack("{s:s, s:s}", "text", text, "callback_data", token));
        }
        json_array_append_new(out, kline);
    }
    json_decref(rows);
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    return json_pack("{s:o}", "inline_keyboard", out);
}

static int tg_build(void *ctx, struct db *db, const struct outbox_row *row, int64_t now,
                    const char **method, json_t **params, const char **why)
{
    json_t *p = json_pack("{s:o}", "chat_id", tg_chat_json(row->chat_id));
    if (row->photo) {
        *method = "sendPhoto";
        json_object_set_new(p, "photo", json_string(row->photo));
        if (row->text && *row->text)
            json_object_set_new(p, "caption", json_string(row->text));
    } else {
        *method = "sendMessage";
        json_object_set_new(p, "text", json_string(row->text));
    }
    if (row->buttons) {
        json_t *kb = tg_keyboard(db, row, now);
        if (!kb) {
            json_decref(p);
            *why = "malformed buttons";
            return -1;
        }
        json_object_set_new(p, "reply_markup", kb);
    }
    *params = p;
    return 0;
}

static const struct sender_ops tg_sender_ops = {.build = tg_build};

/* ---- the platform ------------------------------------------------------------------------ */

static bool tg_enabled(const struct cfg *cfg)
{
    return cfg->telegram.enabled;
}

static int tg_start(struct app *app, void **state)
{
    struct telegram *tg = calloc(1, sizeof *tg);
    if (!tg)
        return -1;
    tg->app = app;
    tg->pc = &app->cfg->telegram;
    const struct cfg_rate_limit *rl = &tg->pc->rate_limit;
    struct sender_config sc = {
        .platform = TG,
        .base_url = tg->pc->api_base_url,
        .token = tg->pc->token,
        .global = ratelimit_rule(rl->global_per_sec, 1000, (int)rl->global_per_sec),
        .chat = ratelimit_rule(rl->per_chat_per_sec, 1000, 3),
        .group = ratelimit_rule(rl->per_group_per_min, 60000, (int)rl->per_group_per_min),
        .max_attempts = tg->pc->max_attempts,
        .concurrency = 32,
    };
    if (receiver_init(&tg->rx, app, TG, tg->pc) != 0 ||
        sender_start(app, &sc, &tg_sender_ops, tg, &tg->sender) != 0 ||
        receiver_start(&tg->rx, tg_rx_main, tg) != 0) {
        sender_stop(tg->sender);
        receiver_stop(&tg->rx);
        free(tg);
        return -1;
    }
    *state = tg;
    return 0;
}

static void tg_stop(void *state)
{
    struct telegram *tg = state;
    receiver_stop(&tg->rx);
    sender_stop(tg->sender);
    free(tg);
}

static void tg_wake(void *state)
{
    struct telegram *tg = state;
    sender_wake(tg->sender);
}

const struct platform_ops telegram_platform = {
    .name = TG,
    .caps = {.max_text_chars = 4096,
             .max_caption_chars = 1024,
             .buttons = true,
             .groups = true,
             .edit = true,
             .photos = true},
    .enabled = tg_enabled,
    .start = tg_start,
    .stop = tg_stop,
    .wake = tg_wake,
    .webhook_path = "/webhook/telegram",
    .webhook_header = "x-telegram-bot-api-secret-token:",
    .webhook = tg_webhook,
};
