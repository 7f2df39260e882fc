/*
 * zalo.c — the Zalo Bot Platform API adapter.
 *
 * Zalo has no offsets and no update ids: getUpdates hands out one update (some servers a list —
 * both are accepted) and forgets it, so duplicates are the application's problem. The inbox key
 * is event_name + message_id, and a message from a bot (from.is_bot; or from getMe's id, though
 * chats show the bot under a hex id unlike getMe's number) is dropped. An idle long poll answers
 * 408, which is normal. Ids are strings, dates are milliseconds, chats are PRIVATE or GROUP
 * (groups are in beta on Zalo, and getMe's can_join_groups says whether this bot may join
 * them: logged at start and kept as the platform's runtime groups capability).
 *
 * Zalo has no buttons: handlers offer numbered choices by capability, and handlers/handler.c
 * turns any buttons into numbered lines before splitting. A row that carries buttons anyway
 * (written by something else) gets them appended only if the text stays within 2,000
 * characters: a longer one would be refused.
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
#include "bot/platforms/zalo.h"
#include "bot/sender.h"
#include "base/textsplit.h"
#include "bot/worker.h"
#include "storage/db_writes.h"
#include "storage/inbox.h"
#include "storage/platform_store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZL                "zalo"
#define ZL_HELD_TRIES     5 /* stores of a held update, not on a full disk, before giving up */
#define ZL_POLL_TIMEOUT_S 30
#define ZL_HTTP_SLACK_S   15
#define ZL_MAX_TEXT       2000               /* zalo_platform.caps.max_text_chars */
#define ZL_NUM_ID_MAX     9007199254740991LL /* an id sent as a number: at most 2^53 - 1 */

struct zalo {
    struct app *app;
    const struct bot_settings *pc;
    struct sender *sender;
    struct receiver rx;
    pthread_mutex_t lock; /* guards bot_id: written by the receive thread, read by webhooks */
    char bot_id[ZL_ID_MAX + 1];
    json_t *held; /* what getUpdates handed out and could not be stored yet (receive thread) */
};

extern const struct platform_ops zalo_platform; /* at the end: start passes it on */

struct zl_event {
    const char *name;
    const char *attachment; /* kind of attachment it carries, or NULL */
    const char *fields[2];  /* where its reference is, in order of preference */
};

/* Real payloads: a photo in photo_url (message_type CHAT_PHOTO; the documented photo kept as a
 * fallback), a voice message in voice_url (CHAT_VOICE: a URL the desk can open), a sticker as
 * its id in sticker with its image in url (CHAT_STICKER: a reaction, kept as "sticker" so it is
 * never taken for a photo of evidence). */
static const struct zl_event zl_events[] = {
    {"message.text.received", NULL, {NULL, NULL}},
    {"message.image.received", "photo", {"photo_url", "photo"}},
    {"message.sticker.received", "sticker", {"sticker", NULL}},
    {"message.voice.received", "voice", {"voice_url", "url"}},
    {"message.unsupported.received", NULL, {NULL, NULL}},
};

/* An id as text: a string of 1..ZL_ID_MAX bytes, or an integer within 2^53; NULL otherwise. */
static char *zl_str(json_t *v)
{
    char buf[32];
    if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= ZL_ID_MAX)
        return strdup(json_string_value(v));
    if (json_is_integer(v) && json_integer_value(v) >= -ZL_NUM_ID_MAX &&
        json_integer_value(v) <= ZL_NUM_ID_MAX) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strdup(buf);
    }
    return NULL;
}

/* The first of the event's fields that holds a usable reference (a bounded string). */
static const char *zl_ref(const struct zl_event *ev, json_t *message)
{
    for (size_t i = 0; i < sizeof ev->fields / sizeof ev->fields[0] && ev->fields[i]; i++) {
        json_t *v = json_object_get(message, ev->fields[i]);
        if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= ZL_REF_MAX)
            return json_string_value(v);
    }
    return NULL;
}

/* A date in milliseconds, or the time of arrival when it is missing or out of range. */
static int64_t zl_date_ms(json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= ZL_DATE_MAX_MS)
        return json_integer_value(v);
    return clock_now_ms();
}

static const struct zl_event *zl_event(const char *name)
{
    for (size_t i = 0; name && i < sizeof zl_events / sizeof zl_events[0]; i++)
        if (strcmp(zl_events[i].name, name) == 0)
            return &zl_events[i];
    return NULL;
}

/* The update key: event + message id, or a digest of the update when it has no id. */
static char *zl_key(const char *event, json_t *message, json_t *u)
{
    char *id = zl_str(json_object_get(message, "message_id")), *key = NULL;
    if (!id) {
        char *dump = json_dumps(u, JSON_COMPACT | JSON_SORT_KEYS);
        char hash[2 * SECURE_SHA256_LEN + 1];
        secure_sha256_hex(dump ? dump : "", hash);
        free(dump);
        id = strdup(hash);
    }
    if (id && asprintf(&key, "%s:%s", event, id) < 0)
        key = NULL;
    free(id);
    return key;
}

/* Whether the update is a bot's own message: from.is_bot, or getMe's id as the sender. */
static int zl_from_bot(json_t *from, const char *sender_id, const char *bot_id)
{
    return json_is_true(json_object_get(from, "is_bot")) ||
           (sender_id && bot_id && bot_id[0] && strcmp(sender_id, bot_id) == 0);
}

int zl_update_to_msg(json_t *u, const char *bot_id, struct msg *m)
{
    memset(m, 0, sizeof *m);
    const char *event = json_string_value(json_object_get(u, "event_name"));
    json_t *message = json_object_get(u, "message");
    const struct zl_event *ev = zl_event(event);
    if (!ev || !json_is_object(message))
        return ev ? -1 : 1;
    json_t *from = json_object_get(message, "from"), *chat = json_object_get(message, "chat");
    m->sender_id = zl_str(json_object_get(from, "id"));
    int rc = 0;
    if (zl_from_bot(from, m->sender_id, bot_id)) {
        rc = 1;
        goto out;
    }
    const char *name = json_string_value(json_object_get(from, "display_name"));
    if (!name)
        name = json_string_value(json_object_get(from, "first_name"));
    m->sender_name = name ? strdup(name) : NULL;
    m->chat_id = zl_str(json_object_get(chat, "id"));
    const char *type = json_string_value(json_object_get(chat, "chat_type"));
    m->is_group = type && strcmp(type, "GROUP") == 0;
    const char *text = json_string_value(json_object_get(message, "text"));
    if (!text || !*text)
        text = json_string_value(json_object_get(message, "caption"));
    m->text = text && *text ? strdup(text) : NULL; /* a photo's caption may be "" */
    m->date_ms = zl_date_ms(json_object_get(message, "date"));
    const char *ref = ev->attachment ? zl_ref(ev, message) : NULL;
    if (ref)
        msg_add_attachment(m, ev->attachment, ref);
    m->platform = strdup(ZL);
    m->update_key = zl_key(event, message, u);
    if (!m->chat_id || !m->platform || !m->update_key)
        rc = -1;
out:
    if (rc != 0)
        msg_clear(m);
    return rc;
}

static int zl_parse(struct zalo *zl, json_t *u, struct msg *m)
{
    char bot_id[sizeof zl->bot_id];
    pthread_mutex_lock(&zl->lock);
    memcpy(bot_id, zl->bot_id, sizeof bot_id);
    pthread_mutex_unlock(&zl->lock);
    return zl_update_to_msg(u, bot_id, m);
}

/* Stores updates (one object or a list) in one transaction. *stored counts new private texts
 * (those get a "typing" indicator). */
static int zl_store(struct zalo *zl, struct db *db, json_t *result, json_t *typing)
{
    json_t *list = json_is_array(result) ? json_incref(result) : json_pack("[O]", result);
    int64_t now = clock_now_ms();
    int rc = app_write_begin(zl->app, db) == DB_OK ? 0 : -1, stored = 0;
    size_t i;
    json_t *u;
    json_array_foreach(list, i, u)
    {
        struct msg m;
        int r = rc == 0 ? zl_parse(zl, u, &m) : 1;
        if (r < 0)
            log_warn(ZL, "skipping a malformed update");
        if (r != 0)
            continue;
        char *json = msg_to_json(&m);
        int st = json ? inbox_add(db, ZL, m.update_key, m.chat_id, json, now, NULL) : DB_ERROR;
        stored += st == DB_OK;
        if (st == DB_ERROR)
            rc = -1;
        else if (st == DB_OK && typing && !m.is_group && m.text)
            json_array_append_new(typing, json_string(m.chat_id));
        free(json);
        msg_clear(&m);
    }
    json_decref(list);
    if (rc == 0 && db_commit(db) != DB_OK)
        rc = -1;
    if (rc != 0)
        db_rollback(db);
    else
        health_received(zl->app->health, ZL, stored);
    return rc;
}

/* ---- the receive thread ----------------------------------------------------------------- */

static void zl_typing(struct zalo *zl, json_t *chats)
{
    size_t i;
    json_t *c;
    json_array_foreach(chats, i, c)
    {
        struct botapi_reply r;
        receiver_call(&zl->rx, "sendChatAction",
                      json_pack("{s:O, s:s}", "chat_id", c, "action", "typing"), 5, &r);
        botapi_reply_clear(&r);
    }
}

static int zl_is_idle(const struct botapi_reply *r)
{
    return r->http_code == 408 || (r->status == BOTAPI_REFUSED && r->error_code == 408);
}

/* Stores what getUpdates handed out (zl->held). Zalo forgets an update once it has handed it
 * out, so one that cannot be stored (the disk is full) stays held and is stored again after a
 * growing pause, before anything more is fetched: nothing is lost while the process runs.
 * Returns the wait before the next try (0: stored). */
static int64_t zl_store_held(struct zalo *zl, int *fails)
{
    json_t *typing = json_array();
    int64_t wait = 0;
    if (zl_store(zl, zl->rx.db, zl->held, typing) != 0) {
        wait = receiver_store_failed(&zl->rx, "an update (held until it is stored)");
        /* Not the disk (that passes): an update the database refuses for good must not
         * stop the polling for ever. */
        if (!db_writes_refusing() && zl->rx.store_fails >= ZL_HELD_TRIES) {
            log_error(ZL, "giving up an update that cannot be stored after %d tries",
                      zl->rx.store_fails);
            json_decref(zl->held);
            zl->held = NULL;
            receiver_stored(&zl->rx);
        }
    } else {
        receiver_stored(&zl->rx);
        json_decref(zl->held);
        zl->held = NULL;
        if (*fails)
            log_info(ZL, "polling works again after %d failures", *fails);
        *fails = 0;
        worker_wake(zl->app->worker);
        zl_typing(zl, typing);
    }
    json_decref(typing);
    return wait;
}

static int zl_poll_once(struct zalo *zl, int *fails)
{
    if (zl->held) {
        int64_t wait = zl_store_held(zl, fails);
        return wait && receiver_sleep(&zl->rx, wait) ? -1 : 0;
    }
    int64_t started = clock_mono_ms();
    struct botapi_reply r;
    char timeout[8];
    snprintf(timeout, sizeof timeout, "%d", ZL_POLL_TIMEOUT_S);
    receiver_call(&zl->rx, "getUpdates", json_pack("{s:s}", "timeout", timeout),
                  ZL_POLL_TIMEOUT_S + ZL_HTTP_SLACK_S, &r);
    if (receiver_stopping(&zl->rx)) {
        botapi_reply_clear(&r);
        return -1;
    }
    int64_t wait = 0;
    if (r.status == BOTAPI_OK && (json_is_object(r.result) || json_is_array(r.result))) {
        zl->held = json_incref(r.result);
        wait = zl_store_held(zl, fails);
    } else if (zl_is_idle(&r) || (r.status == BOTAPI_OK && json_is_null(r.result))) {
        *fails = 0;
        if (clock_mono_ms() - started < 1000)
            wait = 1000; /* an idle answer that came at once: never spin */
    } else {
        if (r.status == BOTAPI_OK)
            r.status = BOTAPI_GARBAGE;
        ++*fails;
        wait = botapi_backoff_ms(*fails, 1000, RECEIVER_BACKOFF_CAP_MS);
        receiver_log_failure(&zl->rx, "getUpdates", &r, *fails, wait);
    }
    botapi_reply_clear(&r);
    return wait && receiver_sleep(&zl->rx, wait) ? -1 : 0;
}

/* getMe's can_join_groups: many Zalo bot accounts may not join groups. When it says false,
 * the operator is told once at start and the platform stops claiming groups (its runtime
 * caps); the answer is kept in platform_state for anyone looking. Absent: groups as before. */
static void zl_groups(struct zalo *zl, json_t *can)
{
    if (!json_is_boolean(can))
        return;
    bool yes = json_is_true(can);
    platform_set_groups(ZL, yes);
    if (pstore_set(zl->rx.db, ZL, "can_join_groups", yes ? "1" : "0", clock_now_ms()) != DB_OK)
        log_warn(ZL, "cannot record can_join_groups");
    if (!yes)
        log_warn(ZL, "this bot cannot join group chats (getMe: can_join_groups is false): "
                     "neighbourhood groups are not available on Zalo; private chats work. "
                     "Allow groups for the bot in Zalo Bot Creator, then restart tipgate");
}

/* The bot's own id, to drop echoes of what it sent. Kept from the last run if Zalo is down. */
static void zl_remember_me(struct zalo *zl)
{
    char known[sizeof zl->bot_id];
    if (pstore_get(zl->rx.db, ZL, "bot_id", known, sizeof known) == DB_OK) {
        pthread_mutex_lock(&zl->lock);
        snprintf(zl->bot_id, sizeof zl->bot_id, "%s", known);
        pthread_mutex_unlock(&zl->lock);
    }
    struct botapi_reply r;
    if (receiver_call_until_ok(&zl->rx, "getMe", json_object(), &r) != 0)
        return;
    char *id = zl_str(json_object_get(r.result, "id"));
    const char *name = json_string_value(json_object_get(r.result, "account_name"));
    if (id) {
        pthread_mutex_lock(&zl->lock);
        snprintf(zl->bot_id, sizeof zl->bot_id, "%s", id);
        pthread_mutex_unlock(&zl->lock);
        pstore_set(zl->rx.db, ZL, "bot_id", id, clock_now_ms());
        log_info(ZL, "connected as %s", name ? name : id);
    }
    zl_groups(zl, json_object_get(r.result, "can_join_groups"));
    free(id);
    botapi_reply_clear(&r);
}

static void *zl_rx_main(void *arg)
{
    struct zalo *zl = arg;
    zl_remember_me(zl);
    if (receiver_stopping(&zl->rx))
        return NULL;
    if (strcmp(zl->pc->mode, "webhook") == 0) {
        receiver_set_webhook(&zl->rx, NULL);
        return NULL;
    }
    if (receiver_prepare_polling(&zl->rx) != 0)
        return NULL;
    log_info(ZL, "polling getUpdates");
    int fails = 0;
    while (!receiver_stopping(&zl->rx))
        if (zl_poll_once(zl, &fails) != 0)
            break;
    return NULL;
}

/* ---- the webhook (HTTP thread) ---------------------------------------------------------- */

static int zl_webhook(void *state, struct db *db, const struct platform_webhook *in,
                      struct platform_webhook_reply *out)
{
    struct zalo *zl = state;
    const char *secret = in->headers[0];
    (void)out;
    if (in->get || strcmp(zl->pc->mode, "webhook") != 0 || !secret ||
        !secure_equal(secret, zl->pc->webhook_secret))
        return 401;
    json_t *root = json_loadb(in->body, in->len, 0, NULL);
    json_t *u = json_object_get(root, "result"); /* {ok, result} or the bare update */
    if (!json_is_object(u) && !json_is_array(u))
        u = root;
    int status = 400;
    if (json_is_object(u) || json_is_array(u))
        status = zl_store(zl, db, u, NULL) == 0 ? 200 : 500;
    json_decref(root);
    if (status == 200)
        worker_wake(zl->app->worker);
    return status;
}

/* ---- sending ---------------------------------------------------------------------------- */

/* No buttons on Zalo: a row that has some anyway (handlers/handler.c numbers them itself)
 * shows them as numbered choices — if that still fits in one message. Otherwise the text goes
 * alone rather than be refused with 400 and lost. */
static char *zl_text_with_choices(const struct outbox_row *row, int limit)
{
    if (!row->buttons)
        return strdup(row->text);
    char *out = textsplit_numbered(row->text, row->buttons);
    if (out && textsplit_units(out, strlen(out)) > (size_t)limit) {
        log_warn(ZL,
                 "outbox row %lld: its numbered choices would take the text over %d "
                 "characters; sending the text without them",
                 (long long)row->id, limit);
        free(out);
        out = strdup(row->text);
    }
    return out;
}

/* The platform's build_request op: a row → sendMessage or sendPhoto (answers are read by the
 * Bot API classifier, bot/botapi.c, the classify_answer op). */
static int zl_build_request(void *state, struct db *db, const struct outbox_row *row, int64_t now,
                            struct platform_request *out, const char **why)
{
    const struct zalo *zl = state;
    const char *method;
    json_t *params;
    (void)db;
    (void)now;
    char *text = zl_text_with_choices(row, ZL_MAX_TEXT);
    if (!text) {
        *why = "out of memory";
        return -1;
    }
    if (row->photo) {
        method = "sendPhoto";
        params = json_pack("{s:s, s:s}", "chat_id", row->chat_id, "photo", row->photo);
        if (params && *text)
            json_object_set_new(params, "caption", json_string(text));
    } else {
        method = "sendMessage";
        params = json_pack("{s:s, s:s}", "chat_id", row->chat_id, "text", text);
    }
    free(text);
    return botapi_request(out, zl->pc->api_base_url, zl->pc->token, method, params, why);
}

/* ---- the platform ------------------------------------------------------------------------ */

/* The keys under platforms.zalo (README: Configuration). */
static const struct cfg_spec zl_spec[] = {
    BOT_SETTINGS_SPEC("https://bot-api.zaloplatforms.com", 10, 1, 10)};

static int zl_check(const struct cfg *cfg, const void *settings, char *why, size_t whylen)
{
    (void)cfg;
    return bot_settings_check(settings, ZL, 8, why, whylen);
}

static const struct cfg_block zl_settings = {
    .prefix = "platforms." ZL,
    .spec = zl_spec,
    .n_spec = sizeof zl_spec / sizeof zl_spec[0],
    .size = sizeof(struct bot_settings),
    .check = zl_check,
};

static bool zl_enabled(const struct cfg *cfg)
{
    const struct bot_settings *s = cfg_settings(cfg, &zl_settings);
    return s && s->enabled;
}

static int zl_start(struct app *app, void **state)
{
    struct zalo *zl = calloc(1, sizeof *zl);
    if (!zl)
        return -1;
    zl->app = app;
    zl->pc = cfg_settings(app->cfg, &zl_settings);
    pthread_mutex_init(&zl->lock, NULL);
    const struct bot_rate_limit *rl = &zl->pc->rate_limit;
    struct sender_config sc = {
        .global = ratelimit_rule(rl->global_per_sec, 1000, (int)rl->global_per_sec),
        .chat = ratelimit_rule(rl->per_chat_per_sec, 1000, 2),
        .group = ratelimit_rule(rl->per_group_per_min, 60000, (int)rl->per_group_per_min),
        .max_attempts = zl->pc->max_attempts,
        .concurrency = 16,
    };
    if (receiver_init(&zl->rx, app, ZL, zl->pc) != 0 ||
        sender_start(app, &sc, &zalo_platform, zl, &zl->sender) != 0 ||
        receiver_start(&zl->rx, zl_rx_main, zl) != 0) {
        sender_stop(zl->sender);
        receiver_stop(&zl->rx);
        pthread_mutex_destroy(&zl->lock);
        free(zl);
        return -1;
    }
    *state = zl;
    return 0;
}

static void zl_stop(void *state)
{
    struct zalo *zl = state;
    receiver_stop(&zl->rx);
    if (zl->held)
        log_error(ZL, "stopping with an update that could not be stored: Zalo will not hand it "
                      "out again");
    json_decref(zl->held);
    sender_stop(zl->sender);
    pthread_mutex_destroy(&zl->lock);
    free(zl);
}

static void zl_wake(void *state)
{
    struct zalo *zl = state;
    sender_wake(zl->sender);
}

const struct platform_ops zalo_platform = {
    .name = ZL,
    .caps = {.max_text_chars = ZL_MAX_TEXT,
             .max_caption_chars = ZL_MAX_TEXT,
             .buttons = false,
             .groups = true,
             .edit = false,
             .photos = true,
             .no_location = true},
    .enabled = zl_enabled,
    .start = zl_start,
    .stop = zl_stop,
    .wake = zl_wake,
    .webhook_path = "/webhook/zalo",
    .webhook_headers = {"x-bot-api-secret-token:"},
    .webhook = zl_webhook,
    .settings = &zl_settings,
    .build_request = zl_build_request,
    .classify_answer = botapi_classify_answer,
    .file_url = platform_file_url_as_is,
};
