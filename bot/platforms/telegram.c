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
 * sendPhoto (its build_request op), with inline keyboards whose callback_data is a server-side
 * token, and reads answers with the Bot API classifier (bot/botapi.c, its classify_answer op).
 *
 * Chat ids are kept as text (they need 52 bits). A group upgraded to a supergroup is rewritten
 * everywhere it is stored, from the service message or from a send's 400 answer.
 *
 * Update ids are not unique for ever: after a week without updates Telegram picks the next one
 * at random, possibly below the stored offset and equal to ids already in the inbox. So the
 * offset is always the last returned id + 1 (never "the highest seen"), and inbox keys are
 * scoped by a receive epoch (telegram.h: tg_ids_step) that starts anew when the ids can have
 * restarted. We rejected a time-bounded dedupe window instead: the unique inbox key would have
 * to go (a table rebuild), and duplicates would no longer die on the key in one statement.
 */
#include "bot/app_core.h"
#include "bot/health.h"
#include "bot/botapi.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/msg.h"
#include "bot/platform.h"
#include "bot/bot_settings.h"
#include "bot/receiver.h"
#include "base/secure.h"
#include "bot/sender.h"
#include "bot/platforms/telegram.h"
#include "bot/worker.h"
#include "storage/inbox.h"
#include "storage/platform_store.h"
#include "storage/uploads.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TG                "telegram"
#define TG_POLL_TIMEOUT_S 30
#define TG_POLL_LIMIT     100
#define TG_HTTP_SLACK_S   15 /* the long poll's HTTP timeout is the poll timeout plus this */
#define TG_ID_STR_MAX     32 /* an id sent as a string (callback ids) must fit, never be cut */
/* Chat and user ids have at most 52 significant bits: anything beyond 2^53 - 1 is garbage. */
#define TG_ENTITY_ID_MAX  9007199254740991LL
#define TG_DATE_MAX_S     253402300799LL /* 9999-12-31T23:59:59Z; dates are Unix seconds */
#define TG_FILE_SIZE_MAX  9007199254740991LL
#define TG_FILE_TIMEOUT_S 30 /* getFile, on the copier's thread */

struct telegram {
    struct app *app;
    const struct bot_settings *pc;
    struct sender *sender;
    struct receiver rx;
    int64_t offset;
};

extern const struct platform_ops telegram_platform; /* at the end: start passes it on */

static const char *const tg_allowed[] = {"message", "edited_message", "callback_query",
                                         "my_chat_member", "chat_member"};

/* ---- updates → normalised messages ------------------------------------------------------ */

/* *out = v when v is an integer in [lo, hi]; else -1 and *out untouched. */
static int tg_int(json_t *v, json_int_t lo, json_int_t hi, json_int_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

/* A chat, user or callback id as text: an integer within 52 bits, or a short string. NULL for
 * anything else (a malformed id is never cut or wrapped into someone else's). */
static char *tg_id(json_t *v)
{
    char buf[TG_ID_STR_MAX];
    json_int_t n;
    if (tg_int(v, -TG_ENTITY_ID_MAX, TG_ENTITY_ID_MAX, &n) == 0)
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, n);
    else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < sizeof buf)
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else
        return NULL;
    return strdup(buf);
}

/* A date in Unix seconds as milliseconds, or 0 (then the time of arrival is used). */
static int64_t tg_date_ms(json_t *v)
{
    json_int_t s;
    return tg_int(v, 1, TG_DATE_MAX_S, &s) == 0 ? (int64_t)s * 1000 : 0;
}

int tg_update_id(json_t *u, int64_t *id)
{
    json_int_t v;
    if (tg_int(json_object_get(u, "update_id"), 0, TG_UPDATE_ID_MAX, &v) != 0)
        return -1;
    *id = v;
    return 0;
}

bool tg_ids_step(struct tg_ids *s, int64_t id, int64_t now_ms)
{
    bool below = s->expect > 0 && id < s->expect;
    bool quiet = s->last_at > 0 && now_ms - s->last_at >= TG_QUIET_EPOCH_MS;
    if (below || quiet)
        s->epoch++;
    if (s->expect > 0)
        s->expect = id + 1; /* id <= TG_UPDATE_ID_MAX: no overflow */
    s->last_at = now_ms;
    return below || quiet;
}

void tg_key(int64_t epoch, int64_t id, char key[TG_KEY_MAX])
{
    if (epoch > 0)
        snprintf(key, TG_KEY_MAX, "e%" PRId64 ":%" PRId64, epoch, id);
    else
        snprintf(key, TG_KEY_MAX, "%" PRId64, id);
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

static json_int_t tg_file_size(json_t *photo)
{
    json_int_t n = 0;
    tg_int(json_object_get(photo, "file_size"), 0, TG_FILE_SIZE_MAX, &n);
    return n;
}

/* A point on the globe, or nothing: coordinates out of range are dropped, not stored. */
static void tg_read_location(json_t *loc, struct msg *m)
{
    json_t *lat = json_object_get(loc, "latitude"), *lon = json_object_get(loc, "longitude");
    if (!json_is_number(lat) || !json_is_number(lon))
        return;
    msg_set_location(m, json_number_value(lat), json_number_value(lon));
}

/* The largest photo size is the last one Telegram lists; pick by file_size to be sure. */
static void tg_read_media(json_t *message, struct msg *m)
{
    json_t *photos = json_object_get(message, "photo"), *p, *best = NULL;
    size_t i;
    json_array_foreach(photos, i, p)
    {
        if (!best || tg_file_size(p) >= tg_file_size(best))
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
    tg_read_location(json_object_get(message, "location"), m);
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
    m->date_ms = tg_date_ms(json_object_get(message, "date"));
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
    m->date_ms = tg_date_ms(json_object_get(cm, "date"));
    const char *status =
        json_string_value(json_object_get(json_object_get(cm, "new_chat_member"), "status"));
    m->member_status = status ? strdup(status) : NULL;
    return m->chat_id ? 0 : -1;
}

int tg_update_to_msg(struct db *db, json_t *u, int64_t epoch, struct msg *m)
{
    memset(m, 0, sizeof *m);
    int64_t id;
    if (tg_update_id(u, &id) != 0)
        return -1; /* before anything is allocated */
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
    if (rc == 0) {
        char key[TG_KEY_MAX];
        tg_key(epoch, id, key);
        m->platform = strdup(TG);
        m->update_key = strdup(key);
        if (!m->date_ms)
            m->date_ms = clock_now_ms();
        rc = m->platform && m->update_key ? 0 : -1;
    }
    if (rc != 0)
        msg_clear(m);
    return rc;
}

/* Stores one update (inside the caller's transaction) under its key in epoch. */
static int tg_store_one(struct db *db, json_t *u, int64_t epoch, int64_t now, int *stored)
{
    struct msg m;
    int rc = tg_update_to_msg(db, u, epoch, &m);
    if (rc != 0) {
        if (rc < 0)
            log_warn(TG, "skipping a malformed update");
        return 0;
    }
    char *json = msg_to_json(&m);
    int st = json ? inbox_add(db, TG, m.update_key, m.chat_id, json, now, NULL) : DB_ERROR;
    *stored += st == DB_OK;
    free(json);
    if (st != DB_ERROR && m.migrate_to_chat_id)
        st = pstore_migrate_chat(db, TG, m.chat_id, m.migrate_to_chat_id, now);
    msg_clear(&m);
    return st == DB_ERROR ? -1 : 0;
}

/* A number we stored in platform_state, or dflt when absent or not a number in [0, max]. */
static int tg_state_get(struct db *db, const char *key, int64_t max, int64_t dflt, int64_t *out)
{
    char buf[32], *end = NULL;
    *out = dflt;
    int st = pstore_get(db, TG, key, buf, sizeof buf);
    if (st == DB_NOT_FOUND)
        return DB_OK;
    if (st != DB_OK)
        return st;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno == 0 && end != buf && !*end && v >= 0 && v <= max)
        *out = v;
    else
        log_warn(TG, "platform_state %s holds \"%s\"; using %" PRId64, key, buf, dflt);
    return DB_OK;
}

static int tg_state_set(struct db *db, const char *key, int64_t v, int64_t now)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return pstore_set(db, TG, key, buf, now);
}

/* Stores a batch (in order) and, when polling, the offset after it — the last stored update's
 * id + 1 — in one transaction with the receive epoch it was keyed in. Updates whose update_id
 * is unusable are skipped. Returns 0, 1 when no update had a usable id (nothing stored, the
 * offset cannot move), -1 on a storage error (nothing stored). */
static int tg_store(struct app *app, struct db *db, json_t *updates, int64_t *offset)
{
    int64_t now = clock_now_ms(), last = -1, epoch0 = 0;
    int stored = 0;
    struct tg_ids ids = {.expect = offset ? *offset : 0};
    if (app_write_begin(app, db) != DB_OK)
        return -1;
    int rc = tg_state_get(db, "epoch", INT64_MAX / 2, 0, &ids.epoch) == DB_OK &&
                     tg_state_get(db, "last_at", INT64_MAX / 2, 0, &ids.last_at) == DB_OK
                 ? 0
                 : -1;
    epoch0 = ids.epoch;
    size_t i;
    json_t *u;
    json_array_foreach(updates, i, u)
    {
        int64_t id;
        if (rc != 0)
            break;
        if (tg_update_id(u, &id) != 0) {
            log_warn(TG, "skipping an update whose update_id is missing or out of range");
            continue;
        }
        if (tg_ids_step(&ids, id, now))
            log_info(TG,
                     "update ids restarted (%" PRId64 " after a pause or below the offset): "
                     "receive epoch %" PRId64 " begins",
                     id, ids.epoch);
        rc = tg_store_one(db, u, ids.epoch, now, &stored);
        last = id;
    }
    if (rc == 0 && last >= 0 &&
        ((ids.epoch != epoch0 && tg_state_set(db, "epoch", ids.epoch, now) != DB_OK) ||
         tg_state_set(db, "last_at", ids.last_at, now) != DB_OK ||
         (offset && tg_state_set(db, "offset", last + 1, now) != DB_OK)))
        rc = -1;
    if (rc != 0 || db_commit(db) != DB_OK) {
        db_rollback(db);
        return -1;
    }
    health_received(app->health, TG, stored);
    if (last < 0)
        return 1;
    if (offset)
        *offset = last + 1;
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
        int st = n > 0 ? tg_store(tg->app, tg->rx.db, r.result, &tg->offset) : 0;
        if (st < 0) { /* the offset did not move: getUpdates hands them out again */
            char what[48];
            snprintf(what, sizeof what, "%zu updates", n);
            wait = receiver_store_failed(&tg->rx, what);
        } else if (st > 0) { /* nothing to confirm them with: do not fetch them in a loop */
            ++*fails;
            wait = botapi_backoff_ms(*fails, 1000, RECEIVER_BACKOFF_CAP_MS);
            log_warn(TG,
                     "getUpdates returned %zu updates without a usable update_id; retrying "
                     "in %lld s",
                     n, (long long)(wait + 999) / 1000);
        } else if (n > 0) {
            receiver_stored(&tg->rx);
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
    if (tg_state_get(tg->rx.db, "offset", (int64_t)TG_UPDATE_ID_MAX + 1, 0, &tg->offset) != DB_OK)
        log_warn(TG, "cannot read the stored offset; polling from the oldest pending update");
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

static int tg_webhook(void *state, struct db *db, const struct platform_webhook *in,
                      struct platform_webhook_reply *out)
{
    struct telegram *tg = state;
    const char *secret = in->headers[0];
    if (in->get || strcmp(tg->pc->mode, "webhook") != 0 || !secret ||
        !secure_equal(secret, tg->pc->webhook_secret))
        return 401;
    json_t *u = json_loadb(in->body, in->len, 0, NULL);
    if (!json_is_object(u)) {
        json_decref(u);
        return 400;
    }
    json_t *batch = json_pack("[O]", u);
    int rc = tg_store(tg->app, db, batch, NULL); /* 1 (no usable update_id): answered 200 */
    json_decref(batch);
    if (rc < 0) {
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
    if (text && strlen(text) < sizeof out->body)
        strcpy(out->body, text);
    free(text);
    json_decref(answer);
    json_decref(u);
    return 200;
}

/* ---- sending ---------------------------------------------------------------------------- */

/* Telegram takes chat_id as an integer (or "@channel"): send numbers as numbers — those a
 * chat id can be; anything else goes as the string it is (and Telegram says what it thinks). */
static json_t *tg_chat_json(const char *chat_id)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(chat_id, &end, 10);
    bool number =
        *chat_id && end && !*end && errno == 0 && v >= -TG_ENTITY_ID_MAX && v <= TG_ENTITY_ID_MAX;
    return number ? json_integer(v) : json_string(chat_id);
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

/* sendPhoto of a web chat upload (storage/uploads.h): the file itself, as multipart/form-data,
 * since Telegram cannot fetch it (nothing under uploads/ has a URL). Takes p. */
static int tg_upload_request(const struct telegram *tg, const struct outbox_row *row, json_t *p,
                             struct platform_request *out, const char **why)
{
    char dir[UPLOADS_PATH_MAX], *data = NULL;
    size_t len = 0;
    if (uploads_dir(tg->app->cfg->storage_path, dir, sizeof dir) != 0 ||
        uploads_read(dir, row->photo, &data, &len) != 0) {
        json_decref(p);
        *why = "the uploaded photo is missing";
        return -1;
    }
    /* Telegram shows JPEG, PNG and WebP as photos; a HEIC the browser could not shrink goes as
     * a file, which the desk's phone opens. */
    const char *type = uploads_sniff(data, len);
    bool heic = !type || strcmp(type, "image/heic") == 0;
    const char *name = !type                             ? "photo"
                       : heic                            ? "photo.heic"
                       : strcmp(type, "image/png") == 0  ? "photo.png"
                       : strcmp(type, "image/webp") == 0 ? "photo.webp"
                                                         : "photo.jpg";
    int rc = botapi_request_multipart(out, tg->pc->api_base_url, tg->pc->token,
                                      heic ? "sendDocument" : "sendPhoto", p,
                                      heic ? "document" : "photo", name,
                                      type ? type : "application/octet-stream", data, len, why);
    free(data);
    return rc;
}

/* The platform's build_request op: a row → sendMessage or sendPhoto. */
static int tg_build_request(void *state, struct db *db, const struct outbox_row *row, int64_t now,
                            struct platform_request *out, const char **why)
{
    const struct telegram *tg = state;
    const char *method;
    json_t *p = json_pack("{s:o}", "chat_id", tg_chat_json(row->chat_id));
    bool upload = row->photo && uploads_is_ref(row->photo);
    if (upload) {
        method = "sendPhoto";
        if (row->text && *row->text)
            json_object_set_new(p, "caption", json_string(row->text));
    } else if (row->photo) {
        method = "sendPhoto";
        json_object_set_new(p, "photo", json_string(row->photo));
        if (row->text && *row->text)
            json_object_set_new(p, "caption", json_string(row->text));
    } else {
        method = "sendMessage";
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
    if (upload)
        return tg_upload_request(tg, row, p, out, why);
    return botapi_request(out, tg->pc->api_base_url, tg->pc->token, method, p, why);
}

/* ---- photos for the web desk (bot/copier.c) ---------------------------------------------- */

/* getFile turns a file id into a path under "{base}/file/bot{token}/" valid for an hour. A
 * refusal (400 "invalid file_id", "file is too big") is the file's: it will not change. */
static int tg_file_url(void *state, void *easy, const char *ref, char url[PLATFORM_URL_MAX],
                       char why[PLATFORM_WHY_MAX])
{
    struct telegram *tg = state;
    struct botapi_reply r = {0};
    json_t *params = json_pack("{s:s}", "file_id", ref);
    if (!params) {
        snprintf(why, PLATFORM_WHY_MAX, "out of memory");
        return -1;
    }
    botapi_call(easy, tg->pc->api_base_url, tg->pc->token, "getFile", params, TG_FILE_TIMEOUT_S,
                &r);
    json_decref(params);
    botapi_describe(&r, why, PLATFORM_WHY_MAX);
    const char *path = json_string_value(json_object_get(r.result, "file_path"));
    int rc = r.status == BOTAPI_REFUSED && r.error_code == 400 ? PLATFORM_FILE_GONE : -1;
    if (r.status == BOTAPI_OK && !path) {
        snprintf(why, PLATFORM_WHY_MAX, "getFile gave no file_path");
    } else if (path) {
        int len = snprintf(url, PLATFORM_URL_MAX, "%s/file/bot%s/%s", tg->pc->api_base_url,
                           tg->pc->token, path);
        rc = len > 0 && len < PLATFORM_URL_MAX ? 0 : PLATFORM_FILE_GONE;
        if (rc)
            snprintf(why, PLATFORM_WHY_MAX, "the file's URL is too long");
    }
    botapi_reply_clear(&r);
    return rc;
}

/* ---- the platform ------------------------------------------------------------------------ */

/* The keys under platforms.telegram (README: Configuration). */
static const struct cfg_spec tg_spec[] = {BOT_SETTINGS_SPEC("https://api.telegram.org", 30, 1, 20)};

static int tg_check(const struct cfg *cfg, const void *settings, char *why, size_t whylen)
{
    (void)cfg;
    return bot_settings_check(settings, TG, 1, why, whylen);
}

static const struct cfg_block tg_settings = {
    .prefix = "platforms." TG,
    .spec = tg_spec,
    .n_spec = sizeof tg_spec / sizeof tg_spec[0],
    .size = sizeof(struct bot_settings),
    .check = tg_check,
};

static bool tg_enabled(const struct cfg *cfg)
{
    const struct bot_settings *s = cfg_settings(cfg, &tg_settings);
    return s && s->enabled;
}

static int tg_start(struct app *app, void **state)
{
    struct telegram *tg = calloc(1, sizeof *tg);
    if (!tg)
        return -1;
    tg->app = app;
    tg->pc = cfg_settings(app->cfg, &tg_settings);
    const struct bot_rate_limit *rl = &tg->pc->rate_limit;
    struct sender_config sc = {
        .global = ratelimit_rule(rl->global_per_sec, 1000, (int)rl->global_per_sec),
        .chat = ratelimit_rule(rl->per_chat_per_sec, 1000, 3),
        .group = ratelimit_rule(rl->per_group_per_min, 60000, (int)rl->per_group_per_min),
        .max_attempts = tg->pc->max_attempts,
        .concurrency = 32,
    };
    if (receiver_init(&tg->rx, app, TG, tg->pc) != 0 ||
        sender_start(app, &sc, &telegram_platform, tg, &tg->sender) != 0 ||
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
             .photos = true,
             .local_photos = true},
    .enabled = tg_enabled,
    .start = tg_start,
    .stop = tg_stop,
    .wake = tg_wake,
    .webhook_path = "/webhook/telegram",
    .webhook_headers = {"x-telegram-bot-api-secret-token:"},
    .webhook = tg_webhook,
    .settings = &tg_settings,
    .build_request = tg_build_request,
    .classify_answer = botapi_classify_answer,
    .file_url = tg_file_url,
};
