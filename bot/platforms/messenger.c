/*
 * messenger.c — the Facebook Page Messenger adapter (Messenger Platform: webhooks and the
 * Graph API's Send API).
 *
 * Receiving is by webhook only. Meta first checks the URL with a GET (hub.mode=subscribe,
 * hub.verify_token, hub.challenge echoed as text/plain); every POST is signed with
 * X-Hub-Signature-256, an HMAC-SHA256 of the raw body keyed with the app secret, checked in
 * constant time before anything is parsed. A POST batches entry[].messaging[] events of the
 * page: all of them are stored in one transaction (inbox_add, keyed by the message's mid so a
 * redelivery dies on the key) with the user's messaging window opened (pstore_window_open),
 * and 200 goes back only after the commit. Echoes of the page's own messages (is_echo),
 * delivery and read receipts and any other event are answered 200 and dropped.
 *
 * Buttons: a tap on a quick reply or a postback button comes back as its payload, which is a
 * server-side token (pstore_callback_put/get, as Telegram's callback_data): payloads never
 * carry what the handlers put in a button. Up to 13 choices go as quick replies; a row with
 * link buttons goes as a button template (at most 3) or, when it cannot, as lines of text.
 *
 * Sending: bot/sender.c drives the outbox; build_request turns a row into a Send API call
 * (POST {api_base_url}/{api_version}/me/messages?access_token=…, the page token as the docs
 * show it; the sender never logs URLs and the token is a registered secret). The Messenger
 * Platform lets a page answer within 24 hours of the user's last message (standard
 * messaging); outside it only message tags may go, never promotional content. So a row
 * outside the window is not sent (PLATFORM_OUTSIDE_WINDOW: campaigns count it "ngoài khung"),
 * except, when human_agent_tag is set, a desk's message about a tip within 7 days, which goes
 * with the HUMAN_AGENT tag. Facebook Groups cannot be read by bots (the Groups API was removed
 * in 2024): this platform has private chats only.
 */
#include "bot/platforms/messenger.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/msg.h"
#include "base/secure.h"
#include "base/textsplit.h"
#include "base/utf8.h"
#include "bot/app_core.h"
#include "bot/bot_settings.h"
#include "bot/botapi.h"
#include "bot/health.h"
#include "bot/sender.h"
#include "bot/worker.h"
#include "storage/inbox.h"
#include "storage/outbox.h"
#include "storage/platform_store.h"
#include "storage/uploads.h"

#include <ctype.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS                   "messenger"
#define MS_MAX_TEXT          2000 /* the Send API's limit on a text message */
#define MS_QUICK_REPLIES_MAX 13   /* quick replies one message may carry */
#define MS_TITLE_MAX         20   /* characters of a quick reply's or a button's title */
#define MS_TEMPLATE_MAX      3    /* buttons of a button template */
#define MS_TEMPLATE_TEXT_MAX 640  /* characters of a button template's text */
#define MS_BUTTONS_MAX       32   /* buttons read from a row; more are numbered lines */
#define MS_ID_MAX            64   /* a PSID or a page id */
#define MS_MID_MAX           512  /* a message id ("m_…", about 100 characters) */
#define MS_REF_MAX           2048 /* an attachment's URL */
#define MS_DATE_MAX_MS       253402300799999LL        /* 9999-12-31: later is garbage */
#define MS_HUMAN_AGENT_MS    (7LL * 24 * 3600 * 1000) /* the HUMAN_AGENT tag's window */
#define MS_SIG_PREFIX        "sha256="

/* The keys under platforms.messenger (README: Configuration). */
struct ms_settings {
    bool enabled;
    char *page_id;
    char *page_token;
    char *app_secret;
    char *verify_token;
    char *api_base_url;
    char *api_version;
    struct bot_rate_limit rate_limit;
    int max_attempts;
    int window_hours;
    bool human_agent_tag;
};

struct messenger {
    struct app *app;
    const struct ms_settings *s;
    struct sender *sender;
};

extern const struct platform_ops messenger_platform; /* at the end: start passes it on */

/* ---- the webhook's checks ----------------------------------------------------------------- */

bool ms_signature_ok(const char *secret, const char *header, const char *body, size_t len)
{
    const size_t plen = sizeof MS_SIG_PREFIX - 1;
    char got[2 * SECURE_SHA256_LEN + 1], want[2 * SECURE_SHA256_LEN + 1];
    uint8_t mac[SECURE_SHA256_LEN];
    if (!secret || !*secret || !header)
        return false;
    while (*header == ' ')
        header++;
    size_t n = strlen(header);
    while (n > 0 && (header[n - 1] == ' ' || header[n - 1] == '\r' || header[n - 1] == '\n'))
        n--;
    if (n != plen + 2 * SECURE_SHA256_LEN || strncmp(header, MS_SIG_PREFIX, plen) != 0)
        return false;
    for (size_t i = 0; i < 2 * SECURE_SHA256_LEN; i++)
        got[i] = (char)tolower((unsigned char)header[plen + i]);
    got[2 * SECURE_SHA256_LEN] = '\0';
    if (secure_hmac_sha256(secret, strlen(secret), body ? body : "", body ? len : 0, mac) != 0)
        return false;
    secure_hex(mac, sizeof mac, want);
    return secure_equal(got, want);
}

/* The value of key in a query of url-decoded "k=v" pairs joined by '&' (*vlen bytes), or
 * NULL. Values cannot hold '&': the verify token is checked at start to have none, and a
 * challenge that did is refused anyway. */
static const char *ms_query_get(const char *query, const char *key, size_t *vlen)
{
    size_t klen = strlen(key);
    for (const char *p = query; p && *p;) {
        const char *end = strchr(p, '&');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            *vlen = n - klen - 1;
            return p + klen + 1;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

int ms_verify_subscription(const char *verify_token, const char *query,
                           char challenge[MS_CHALLENGE_MAX + 1])
{
    size_t mlen = 0, tlen = 0, clen = 0;
    char token[256];
    challenge[0] = '\0';
    const char *mode = ms_query_get(query, "hub.mode", &mlen);
    const char *tok = ms_query_get(query, "hub.verify_token", &tlen);
    const char *ch = ms_query_get(query, "hub.challenge", &clen);
    if (!mode || mlen != 9 || strncmp(mode, "subscribe", 9) != 0 || !tok || tlen >= sizeof token ||
        !ch || clen == 0 || clen > MS_CHALLENGE_MAX || !verify_token || !*verify_token)
        return 403;
    for (size_t i = 0; i < clen; i++)
        if (!isalnum((unsigned char)ch[i]))
            return 403; /* echoed into a response: letters and digits only */
    memcpy(token, tok, tlen);
    token[tlen] = '\0';
    if (!secure_equal(token, verify_token))
        return 403;
    memcpy(challenge, ch, clen);
    challenge[clen] = '\0';
    return 200;
}

/* ---- events → normalised messages --------------------------------------------------------- */

/* An id as text: a string of 1..max bytes or a non-negative integer; NULL otherwise. */
static char *ms_str(json_t *v, size_t max)
{
    char buf[32];
    if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= max)
        return strdup(json_string_value(v));
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strdup(buf);
    }
    return NULL;
}

/* When the user wrote (Unix ms), never later than now: a window opens at the earlier of the
 * two, so a delayed redelivery cannot stretch it past Meta's. */
static int64_t ms_date(json_t *v, int64_t now)
{
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= MS_DATE_MAX_MS)
        return json_integer_value(v) < now ? (int64_t)json_integer_value(v) : now;
    return now;
}

/* A button's payload: a token we issued for this chat, turned back into its data ("" when
 * unknown or expired: the handlers answer that as an expired button). */
static int ms_callback(struct db *db, const char *payload, struct msg *m)
{
    char *data = NULL;
    m->kind = MSG_CALLBACK;
    if (payload && strlen(payload) < PSTORE_TOKEN_LEN &&
        pstore_callback_get(db, MS, m->chat_id, payload, &data) == DB_ERROR)
        return -1;
    m->callback_data = data ? data : strdup("");
    return m->callback_data ? 0 : -1;
}

static void ms_read_location(json_t *payload, struct msg *m)
{
    json_t *c = json_object_get(payload, "coordinates");
    json_t *lat = json_object_get(c, "lat"), *lon = json_object_get(c, "long");
    if (!json_is_number(lat) || !json_is_number(lon))
        return;
    msg_set_location(m, json_number_value(lat), json_number_value(lon));
}

/* Attachments as the handlers know them: an image is a photo (a sticker when the message
 * names one: a reaction, never evidence), audio a voice message, a video or a file a
 * document; a location a point. Templates, fallbacks and anything else are left out. */
static void ms_read_attachments(json_t *message, struct msg *m)
{
    bool sticker = json_object_get(message, "sticker_id") != NULL;
    json_t *a;
    size_t i;
    json_array_foreach(json_object_get(message, "attachments"), i, a)
    {
        const char *type = json_string_value(json_object_get(a, "type"));
        json_t *payload = json_object_get(a, "payload");
        json_t *url = json_object_get(payload, "url");
        const char *kind = !type                        ? NULL
                           : strcmp(type, "image") == 0 ? (sticker ? "sticker" : "photo")
                           : strcmp(type, "audio") == 0 ? "voice"
                           : strcmp(type, "video") == 0 || strcmp(type, "file") == 0 ? "document"
                                                                                     : NULL;
        if (type && strcmp(type, "location") == 0)
            ms_read_location(payload, m);
        else if (kind && json_is_string(url) && json_string_length(url) > 0 &&
                 json_string_length(url) <= MS_REF_MAX)
            msg_add_attachment(m, kind, json_string_value(url));
    }
}

static int ms_read_message(struct db *db, json_t *message, struct msg *m)
{
    json_t *mid = json_object_get(message, "mid");
    if (!json_is_string(mid) || json_string_length(mid) == 0 ||
        json_string_length(mid) > MS_MID_MAX)
        return -1;
    m->update_key = strdup(json_string_value(mid));
    json_t *qr = json_object_get(json_object_get(message, "quick_reply"), "payload");
    if (json_is_string(qr)) /* a tapped quick reply: its title is only the button's label */
        return ms_callback(db, json_string_value(qr), m);
    const char *text = json_string_value(json_object_get(message, "text"));
    m->text = text && *text ? strdup(text) : NULL;
    ms_read_attachments(message, m);
    return 0;
}

/* A postback button's tap. Its mid when it has one, else sender + timestamp, keys it. */
static int ms_read_postback(struct db *db, json_t *postback, json_t *ev, struct msg *m)
{
    json_t *mid = json_object_get(postback, "mid");
    char *key = NULL;
    if (json_is_string(mid) && json_string_length(mid) > 0 && json_string_length(mid) <= MS_MID_MAX)
        key = strdup(json_string_value(mid));
    else if (json_is_integer(json_object_get(ev, "timestamp")) &&
             asprintf(&key, "pb:%s:%" JSON_INTEGER_FORMAT, m->sender_id,
                      json_integer_value(json_object_get(ev, "timestamp"))) < 0)
        key = NULL;
    if (!key)
        return -1;
    m->update_key = key;
    return ms_callback(db, json_string_value(json_object_get(postback, "payload")), m);
}

/* One messaging event → *m. 0, 1 for an event to drop (an echo, a receipt, a reaction), -1
 * when malformed or on a storage error; on non-zero *m is cleared. */
static int ms_event_to_msg(struct db *db, json_t *ev, int64_t now, struct msg *m)
{
    memset(m, 0, sizeof *m);
    json_t *message = json_object_get(ev, "message"), *postback = json_object_get(ev, "postback");
    if (!json_is_object(message) && !json_is_object(postback))
        return 1;
    if (json_is_object(message) && json_is_true(json_object_get(message, "is_echo")))
        return 1; /* what the page sent (tipgate or a person in the Page inbox) */
    m->sender_id = ms_str(json_object_get(json_object_get(ev, "sender"), "id"), MS_ID_MAX);
    m->chat_id = m->sender_id ? strdup(m->sender_id) : NULL;
    m->platform = strdup(MS);
    m->date_ms = ms_date(json_object_get(ev, "timestamp"), now);
    int rc = -1;
    if (m->chat_id && m->platform)
        rc = json_is_object(message) ? ms_read_message(db, message, m)
                                     : ms_read_postback(db, postback, ev, m);
    if (rc == 0 && !m->update_key)
        rc = -1;
    if (rc != 0)
        msg_clear(m);
    return rc;
}

/* Stores one event inside the caller's transaction; *stored counts the new ones. */
static int ms_store_event(struct db *db, json_t *ev, int64_t now, int *stored)
{
    struct msg m;
    int rc = ms_event_to_msg(db, ev, now, &m);
    if (rc != 0) {
        if (rc < 0)
            log_warn(MS, "skipping a malformed messaging event");
        return 0;
    }
    char *json = msg_to_json(&m);
    int st = json ? inbox_add(db, MS, m.update_key, m.chat_id, json, now, NULL) : DB_ERROR;
    if (st == DB_OK) {
        (*stored)++;
        st = pstore_window_open(db, MS, m.chat_id, m.date_ms);
    }
    free(json);
    msg_clear(&m);
    return st == DB_ERROR ? -1 : 0;
}

/* Whether an entry is our page's: another page of the same app is not ours to answer. */
static bool ms_our_page(const struct ms_settings *s, json_t *entry)
{
    char *id = ms_str(json_object_get(entry, "id"), MS_ID_MAX);
    bool ours = id && strcmp(id, s->page_id) == 0;
    free(id);
    return ours;
}

/* Every event of every entry in one transaction. 0, or -1 (nothing stored). */
static int ms_store(struct messenger *ms, struct db *db, json_t *root)
{
    int64_t now = clock_now_ms();
    int stored = 0, rc = app_write_begin(ms->app, db) == DB_OK ? 0 : -1;
    json_t *entry, *ev;
    size_t i, j;
    json_array_foreach(json_object_get(root, "entry"), i, entry)
    {
        if (rc != 0)
            break;
        if (!ms_our_page(ms->s, entry)) {
            log_warn(MS, "ignoring an entry for another page than platforms.messenger.page_id");
            continue;
        }
        json_array_foreach(json_object_get(entry, "messaging"), j, ev)
        {
            if (rc == 0)
                rc = ms_store_event(db, ev, now, &stored);
        }
    }
    if (rc == 0 && db_commit(db) != DB_OK)
        rc = -1;
    if (rc != 0)
        db_rollback(db);
    else
        health_received(ms->app->health, MS, stored);
    return rc;
}

/* The webhook op (HTTP thread): a GET is Meta's subscription check; a POST is signed events. */
static int ms_webhook(void *state, struct db *db, const struct platform_webhook *in,
                      struct platform_webhook_reply *out)
{
    struct messenger *ms = state;
    if (in->get) {
        char challenge[MS_CHALLENGE_MAX + 1];
        int status =
            ms_verify_subscription(ms->s->verify_token, in->query ? in->query : "", challenge);
        if (status == 200) {
            snprintf(out->body, sizeof out->body, "%s", challenge);
            out->text = true;
        } else {
            log_warn(MS, "refused a webhook subscription check (wrong mode or verify token)");
        }
        return status;
    }
    if (!ms_signature_ok(ms->s->app_secret, in->headers[0], in->body, in->len))
        return 401;
    json_t *root = json_loadb(in->body ? in->body : "", in->len, 0, NULL);
    const char *object = json_string_value(json_object_get(root, "object"));
    int status = 400;
    if (json_is_object(root))
        status = !object || strcmp(object, "page") != 0 ? 404 /* Meta's own example does */
                 : ms_store(ms, db, root) == 0          ? 200
                                                        : 500;
    json_decref(root);
    if (status == 200)
        worker_wake(ms->app->worker);
    return status;
}

/* ---- sending: the window -------------------------------------------------------------------- */

/* A desk's message about a tip (an officer's relay: outbox ref_kind 'tip'), which the
 * HUMAN_AGENT tag may carry; a campaign's or the bot's own never. */
static bool ms_is_desk_relay(const struct outbox_row *row)
{
    return row->ref_kind == OUTBOX_REF_TIP;
}

/* 0 with *tag NULL (standard messaging) or "HUMAN_AGENT"; PLATFORM_OUTSIDE_WINDOW; -1. */
static int ms_window(const struct messenger *ms, struct db *db, const struct outbox_row *row,
                     int64_t now, const char **tag, const char **why)
{
    bool open = false;
    *tag = NULL;
    if (pstore_window_use(db, MS, row->chat_id, now, (int64_t)ms->s->window_hours * 3600000, 0,
                          &open) != DB_OK) {
        *why = "cannot read the messaging window";
        return -1;
    }
    if (!open && ms->s->human_agent_tag && ms_is_desk_relay(row)) {
        if (pstore_window_use(db, MS, row->chat_id, now, MS_HUMAN_AGENT_MS, 0, &open) != DB_OK) {
            *why = "cannot read the messaging window";
            return -1;
        }
        *tag = open ? "HUMAN_AGENT" : NULL;
    }
    if (open)
        return 0;
    *why = "outside Messenger's 24-hour messaging window";
    return PLATFORM_OUTSIDE_WINDOW;
}

/* ---- sending: buttons ------------------------------------------------------------------------ */
/* A row's text ("" for none). */
static const char *ms_text(const struct outbox_row *row)
{
    return row->text ? row->text : "";
}

struct ms_button {
    const char *text, *data, *url; /* borrowed from the row's parsed buttons */
};

/* The row's buttons, flattened in reading order: *n of them (-1 when malformed or more than
 * MS_BUTTONS_MAX). Strings borrow from *rows (the caller decrefs it). */
static int ms_buttons(const char *buttons, json_t **rows, struct ms_button b[MS_BUTTONS_MAX])
{
    json_t *line, *v;
    size_t i, j;
    int n = 0;
    *rows = json_loads(buttons, 0, NULL);
    if (!json_is_array(*rows))
        return -1;
    json_array_foreach(*rows, i, line)
    {
        json_array_foreach(line, j, v)
        {
            const char *text = json_string_value(json_object_get(v, "text"));
            const char *data = json_string_value(json_object_get(v, "data"));
            const char *url = json_string_value(json_object_get(v, "url"));
            if (n >= MS_BUTTONS_MAX || !text || !*text || (!data) == (!url))
                return -1;
            b[n++] = (struct ms_button){text, data, url};
        }
    }
    return n;
}

/* title cut to MS_TITLE_MAX characters (Meta cuts longer ones itself; we cut where we choose,
 * never inside a character). */
static json_t *ms_title(const char *title)
{
    size_t len = strlen(title), at = 0;
    uint32_t cp;
    for (int chars = 0; at < len && chars < MS_TITLE_MAX; chars++) {
        size_t step = utf8_decode(title + at, len - at, &cp);
        if (step == 0)
            break;
        at += step;
    }
    return json_stringn(title, at);
}

/* A link a template button can open: a web page, or a number in the "+<country>…" form Meta's
 * call button requires (the short emergency numbers cannot be written so: README). */
static const char *ms_link_type(const char *url)
{
    if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0)
        return "web_url";
    if (strncmp(url, "tel:+", 5) == 0 && strlen(url) > 6 &&
        strspn(url + 5, "0123456789") == strlen(url + 5))
        return "phone_number";
    return NULL;
}

static json_t *ms_quick_replies(struct db *db, const struct outbox_row *row, int64_t now,
                                const struct ms_button *b, int n)
{
    json_t *out = json_array();
    for (int i = 0; out && i < n; i++) {
        char token[PSTORE_TOKEN_LEN];
        if (pstore_callback_put(db, MS, row->chat_id, b[i].data, now, token) != DB_OK) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, json_pack("{s:s, s:o, s:s}", "content_type", "text", "title",
                                             ms_title(b[i].text), "payload", token));
    }
    return out;
}

/* A button template: postback buttons for choices, web_url and phone_number for links. */
static json_t *ms_template(struct db *db, const struct outbox_row *row, int64_t now,
                           const struct ms_button *b, int n)
{
    json_t *buttons = json_array();
    for (int i = 0; buttons && i < n; i++) {
        char token[PSTORE_TOKEN_LEN];
        json_t *one;
        if (b[i].url) {
            const char *type = ms_link_type(b[i].url);
            one = strcmp(type, "web_url") == 0
                      ? json_pack("{s:s, s:s, s:o}", "type", type, "url", b[i].url, "title",
                                  ms_title(b[i].text))
                      : json_pack("{s:s, s:s, s:o}", "type", type, "payload", b[i].url + 4, "title",
                                  ms_title(b[i].text));
        } else if (pstore_callback_put(db, MS, row->chat_id, b[i].data, now, token) == DB_OK) {
            one = json_pack("{s:s, s:s, s:o}", "type", "postback", "payload", token, "title",
                            ms_title(b[i].text));
        } else {
            json_decref(buttons);
            return NULL;
        }
        json_array_append_new(buttons, one);
    }
    return json_pack("{s:s, s:{s:s, s:s, s:o}}", "type", "template", "payload", "template_type",
                     "button", "text", ms_text(row), "buttons", buttons);
}

/* The text with its buttons as lines — choices numbered ("1. Gửi", answered with the number or
 * the word, handlers/choice.c), links as "label: link" — when that fits in one message; the
 * text alone otherwise. A new string, or NULL on no memory. */
static char *ms_lines(const struct outbox_row *row, const struct ms_button *b, int n)
{
    const char *text = ms_text(row);
    size_t cap = strlen(text) + 1;
    for (int i = 0; i < n; i++)
        cap += strlen(b[i].text) + (b[i].url ? strlen(b[i].url) : 0) + 16;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t at = (size_t)snprintf(out, cap, "%s\n", text);
    for (int i = 0, k = 0; i < n; i++) {
        if (b[i].url)
            at += (size_t)snprintf(out + at, cap - at, "\n%s: %s", b[i].text,
                                   strncmp(b[i].url, "tel:", 4) == 0 ? b[i].url + 4 : b[i].url);
        else
            at += (size_t)snprintf(out + at, cap - at, "\n%d. %s", ++k, b[i].text);
    }
    if (textsplit_units(out, at) > MS_MAX_TEXT) {
        log_warn(MS,
                 "outbox row %lld: its choices as lines would take the text over %d "
                 "characters; sending the text without them",
                 (long long)row->id, MS_MAX_TEXT);
        snprintf(out, cap, "%s", text);
    }
    return out;
}

/* How a row's buttons go: as quick replies (choices only, up to 13), as a button template
 * (up to 3, links allowed, a text of at most 640 characters and no photo), else as lines. */
enum ms_layout { MS_PLAIN, MS_QUICK, MS_TEMPLATE, MS_LINES };

static enum ms_layout ms_layout(const struct outbox_row *row, const struct ms_button *b, int n)
{
    bool links = false, linkable = true;
    for (int i = 0; i < n; i++) {
        links |= b[i].url != NULL;
        linkable &= !b[i].url || ms_link_type(b[i].url) != NULL;
    }
    if (n == 0)
        return MS_PLAIN;
    const char *text = ms_text(row);
    if (!links && n <= MS_QUICK_REPLIES_MAX && (*text || row->photo))
        return MS_QUICK;
    if (!row->photo && linkable && n <= MS_TEMPLATE_MAX && *text &&
        textsplit_units(text, strlen(text)) <= MS_TEMPLATE_TEXT_MAX)
        return MS_TEMPLATE;
    return MS_LINES;
}

/* ---- sending: the request ------------------------------------------------------------------ */

/* "{base}/{version}/me/messages?access_token={token}" (the token's characters are checked at
 * start: it needs no escaping). */
static int ms_url(const struct ms_settings *s, char url[PLATFORM_URL_MAX])
{
    size_t n = strlen(s->api_base_url);
    while (n > 0 && s->api_base_url[n - 1] == '/')
        n--;
    int len = snprintf(url, PLATFORM_URL_MAX, "%.*s/%s/me/messages?access_token=%s", (int)n,
                       s->api_base_url, s->api_version, s->page_token);
    return len > 0 && len < PLATFORM_URL_MAX ? 0 : -1;
}

/* The photo's attachment: a URL Meta fetches, or (an upload of ours) the file sent with the
 * request as filedata. A HEIC the browser could not shrink goes as a file. */
static json_t *ms_photo(const struct messenger *ms, const char *photo, char **data, size_t *len,
                        const char **why)
{
    if (strncmp(photo, "https://", 8) == 0 || strncmp(photo, "http://", 7) == 0)
        return json_pack("{s:s, s:{s:s, s:b}}", "type", "image", "payload", "url", photo,
                         "is_reusable", 0);
    if (!uploads_is_ref(photo)) { /* another platform's file id: Meta cannot fetch it */
        *why = "a photo that is neither a URL nor an upload";
        return NULL;
    }
    char dir[UPLOADS_PATH_MAX];
    if (uploads_dir(ms->app->cfg->storage_path, dir, sizeof dir) != 0 ||
        uploads_read(dir, photo, data, len) != 0) {
        *why = "the uploaded photo is missing";
        return NULL;
    }
    const char *type = uploads_sniff(*data, *len);
    bool image = type && strcmp(type, "image/heic") != 0;
    return json_pack("{s:s, s:{s:b}}", "type", image ? "image" : "file", "payload", "is_reusable",
                     0);
}

/* The message object of a row. A photo carries no text: a caption longer than one character
 * was sent on its own after it (caps.max_caption_chars), a shorter one is dropped. */
static json_t *ms_message(const struct messenger *ms, struct db *db, const struct outbox_row *row,
                          int64_t now, char **data, size_t *len, const char **why)
{
    struct ms_button b[MS_BUTTONS_MAX];
    json_t *rows = NULL, *m = json_object();
    int n = row->buttons ? ms_buttons(row->buttons, &rows, b) : 0;
    *why = "malformed buttons";
    if (n < 0 || !m)
        goto fail;
    enum ms_layout layout = ms_layout(row, b, n);
    if (row->photo) {
        json_t *a = ms_photo(ms, row->photo, data, len, why);
        if (!a)
            goto fail;
        json_object_set_new(m, "attachment", a);
    } else if (layout == MS_TEMPLATE) {
        json_t *t = ms_template(db, row, now, b, n);
        if (!t)
            goto fail;
        json_object_set_new(m, "attachment", t);
    } else if (layout == MS_LINES) {
        char *text = ms_lines(row, b, n);
        if (!text)
            goto fail;
        json_object_set_new(m, "text", json_string(text));
        free(text);
    } else if (*ms_text(row)) {
        json_object_set_new(m, "text", json_string(ms_text(row)));
    } else {
        *why = "an empty message";
        goto fail;
    }
    if (layout == MS_QUICK) {
        json_t *q = ms_quick_replies(db, row, now, b, n);
        if (!q)
            goto fail;
        json_object_set_new(m, "quick_replies", q);
    } else if (row->photo && n > 0) {
        log_warn(MS,
                 "outbox row %lld: a photo with buttons Messenger cannot show under it; "
                 "sending it without them",
                 (long long)row->id);
    }
    json_decref(rows);
    return m;
fail:
    json_decref(rows);
    json_decref(m);
    return NULL;
}

/* The platform's build_request op: a row → one Send API call, inside the window. */
static int ms_build_request(void *state, struct db *db, const struct outbox_row *row, int64_t now,
                            struct platform_request *out, const char **why)
{
    const struct messenger *ms = state;
    const char *tag = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc = ms_window(ms, db, row, now, &tag, why);
    if (rc != 0)
        return rc;
    json_t *message = ms_message(ms, db, row, now, &data, &len, why);
    if (!message)
        return -1;
    json_t *body =
        json_pack("{s:{s:s}, s:s, s:o}", "recipient", "id", row->chat_id, "messaging_type",
                  tag ? "MESSAGE_TAG" : "RESPONSE", "message", message);
    if (body && tag)
        json_object_set_new(body, "tag", json_string(tag));
    rc = -1;
    *why = "out of memory";
    if (!body) {
        /* nothing to send */
    } else if (data) { /* recipient, messaging_type, tag, message as fields, then filedata */
        const char *type = uploads_sniff(data, len);
        rc = botapi_request_multipart(out, "", "", "", json_incref(body), "filedata", "photo",
                                      type ? type : "application/octet-stream", data, len, why);
    } else {
        out->body = json_dumps(body, JSON_COMPACT);
        rc = out->body ? 0 : -1;
    }
    /* The multipart body is Bot API shaped but for its URL: ours replaces it. */
    if (rc == 0 && ms_url(ms->s, out->url) != 0) {
        *why = "the API base URL is too long";
        rc = -1;
    }
    json_decref(body);
    free(data);
    return rc;
}

/* ---- answers -------------------------------------------------------------------------------- */

/* Graph error codes (Messenger Platform "Common Error Codes" and the Send API reference:
 * developers.facebook.com/docs/messenger-platform/error-codes and
 * /docs/graph-api/reference/page/messages). Documented there: 4 application request limit,
 * 613 "calls to this api have exceeded the rate limit", 190 invalid OAuth access token, 551
 * "this person isn't available right now", 10/2018278 "sent outside of allowed window",
 * 100 invalid parameter (2018001 "no matching user found"), 200/230 permission errors, 2
 * temporary failure. 17 and 32 (user and page request limits) are the Graph API's general
 * rate-limit codes; 1545041 is the "person not available" subcode that comes with 551 or
 * 200; 2018065 is the outside-window answer of pages without subscription messaging;
 * 2018108 "this person isn't receiving messages from you right now". */
static enum platform_verdict ms_verdict(long http, json_int_t code, json_int_t sub,
                                        const char *message)
{
    if (code == 4 || code == 17 || code == 32 || code == 613)
        return PLATFORM_RETRY_AFTER;
    if (code == 190 || code == 102 || code == 230)
        return PLATFORM_TOKEN_EXPIRED; /* the token (or its pages_messaging), not the row */
    if (code == 551 || sub == 1545041 || sub == 2018108 || (code == 100 && sub == 2018001) ||
        (code == 200 && message && strstr(message, "not available")))
        return PLATFORM_BLOCKED;
    if (code == 10 && (sub == 2018278 || sub == 2018065))
        return PLATFORM_WINDOW_CLOSED; /* Meta's record of the window, not ours: not a failure */
    if (code == 1 || code == 2 || code == 368 || http >= 500)
        return PLATFORM_TRANSIENT;
    return PLATFORM_BAD_REQUEST; /* 10 (permission), 100, and the rest */
}

void ms_classify_answer(long http_status, const char *body, size_t len, struct platform_answer *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *err = json_object_get(root, "error");
    if (http_status == 200 && json_is_object(root) && !err) {
        const char *mid = json_string_value(json_object_get(root, "message_id"));
        if (mid && strlen(mid) < sizeof out->message_id)
            snprintf(out->message_id, sizeof out->message_id, "%s", mid);
        out->verdict = PLATFORM_SENT;
        out->understood = true;
        snprintf(out->why, sizeof out->why, "sent");
    } else if (json_is_object(err)) {
        json_int_t code = json_integer_value(json_object_get(err, "code"));
        json_int_t sub = json_integer_value(json_object_get(err, "error_subcode"));
        const char *message = json_string_value(json_object_get(err, "message"));
        out->verdict = ms_verdict(http_status, code, sub, message);
        out->understood = true;
        snprintf(out->why, sizeof out->why,
                 "error %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT " (HTTP %ld): %.200s", code,
                 sub, http_status, message ? message : "");
        if (out->verdict == PLATFORM_WINDOW_CLOSED)
            snprintf(out->why, sizeof out->why,
                     "outside Messenger's messaging window (error "
                     "10/%" JSON_INTEGER_FORMAT ")",
                     sub);
    } else {
        out->verdict = PLATFORM_TRANSIENT;
        snprintf(out->why, sizeof out->why, "HTTP %ld (not a Graph API answer)", http_status);
    }
    json_decref(root);
}

/* ---- the platform ------------------------------------------------------------------------ */

#define MS_OFF(field) offsetof(struct ms_settings, field)
static const struct cfg_spec ms_spec[] = {
    {"enabled", CFG_BOOL, MS_OFF(enabled), NULL, 0, 0, 0, NULL, NULL},
    {"page_id", CFG_STR, MS_OFF(page_id), "", 0, 0, 0, NULL, NULL},
    {"page_token", CFG_SECRET, MS_OFF(page_token), "", 0, 0, 0, NULL, NULL},
    {"app_secret", CFG_SECRET, MS_OFF(app_secret), "", 0, 0, 0, NULL, NULL},
    {"verify_token", CFG_SECRET, MS_OFF(verify_token), "", 0, 0, 0, NULL, NULL},
    {"api_base_url", CFG_STR, MS_OFF(api_base_url), "https://graph.facebook.com", 0, 0, 0, NULL,
     NULL},
    {"api_version", CFG_STR, MS_OFF(api_version), "v25.0", 0, 0, 0, NULL, NULL},
    {"rate_limit.global_per_sec", CFG_NUM, MS_OFF(rate_limit.global_per_sec), NULL, 20, 0, 10000,
     NULL, NULL},
    {"rate_limit.per_chat_per_sec", CFG_NUM, MS_OFF(rate_limit.per_chat_per_sec), NULL, 1, 0, 10000,
     NULL, NULL},
    {"rate_limit.per_group_per_min", CFG_NUM, MS_OFF(rate_limit.per_group_per_min), NULL, 0, 0,
     100000, NULL, NULL},
    {"max_attempts", CFG_INT, MS_OFF(max_attempts), NULL, 8, 1, 100, NULL, NULL},
    {"window_hours", CFG_INT, MS_OFF(window_hours), NULL, 24, 1, 24 * 7, NULL, NULL},
    {"human_agent_tag", CFG_BOOL, MS_OFF(human_agent_tag), NULL, 0, 0, 0, NULL, NULL},
};

/* The first key an enabled platform needs and lacks, or NULL. */
static const char *ms_missing(const struct ms_settings *s)
{
    return !*s->page_id        ? "page_id"
           : !*s->page_token   ? "page_token"
           : !*s->app_secret   ? "app_secret"
           : !*s->verify_token ? "verify_token"
                               : NULL;
}

/* Characters that pass in a URL query or a '&'-joined query untouched. */
static bool ms_plain(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-._~", *s))
            return false;
    return true;
}

static int ms_check(const struct cfg *cfg, const void *settings, char *why, size_t whylen)
{
    const struct ms_settings *s = settings;
    const char *v = s->api_version, *missing = ms_missing(s);
    (void)cfg;
    if (strncmp(s->api_base_url, "https://", 8) != 0 && strncmp(s->api_base_url, "http://", 7))
        snprintf(why, whylen, "platforms." MS ".api_base_url: must start with https://");
    else if (v[0] != 'v' || strspn(v + 1, "0123456789.") != strlen(v + 1) || !strchr(v, '.'))
        snprintf(why, whylen, "platforms." MS ".api_version: must look like \"v25.0\"");
    else if (!s->enabled)
        return 0;
    else if (missing)
        snprintf(why, whylen,
                 "platforms." MS ".%s: required when the platform is enabled (Meta app and "
                 "Page settings: README, Facebook Page (Messenger))",
                 missing);
    else if (!ms_plain(s->page_token) || !ms_plain(s->page_id))
        snprintf(why, whylen, "platforms." MS ".page_token: unexpected characters");
    else if (!ms_plain(s->verify_token) || strlen(s->verify_token) < 8 ||
             strlen(s->verify_token) > 128)
        snprintf(why, whylen,
                 "platforms." MS ".verify_token: 8 to 128 characters of A-Z a-z "
                 "0-9 - . _ ~");
    else
        return 0;
    return -1;
}

static const struct cfg_block ms_settings_block = {
    .prefix = "platforms." MS,
    .spec = ms_spec,
    .n_spec = sizeof ms_spec / sizeof ms_spec[0],
    .size = sizeof(struct ms_settings),
    .strict = true,
    .check = ms_check,
};

static bool ms_enabled(const struct cfg *cfg)
{
    const struct ms_settings *s = cfg_settings(cfg, &ms_settings_block);
    return s && s->enabled && !ms_missing(s);
}

static int ms_start(struct app *app, void **state)
{
    struct messenger *ms = calloc(1, sizeof *ms);
    if (!ms)
        return -1;
    ms->app = app;
    ms->s = cfg_settings(app->cfg, &ms_settings_block);
    const struct bot_rate_limit *rl = &ms->s->rate_limit;
    struct sender_config sc = {
        .global = ratelimit_rule(rl->global_per_sec, 1000, (int)rl->global_per_sec),
        .chat = ratelimit_rule(rl->per_chat_per_sec, 1000, 2),
        .group = ratelimit_rule(rl->per_group_per_min, 60000, (int)rl->per_group_per_min),
        .max_attempts = ms->s->max_attempts,
        .concurrency = 16,
    };
    if (sender_start(app, &sc, &messenger_platform, ms, &ms->sender) != 0) {
        free(ms);
        return -1;
    }
    log_info(MS, "receiving by webhook at /webhook/" MS " for page %s", ms->s->page_id);
    *state = ms;
    return 0;
}

static void ms_stop(void *state)
{
    struct messenger *ms = state;
    sender_stop(ms->sender);
    free(ms);
}

static void ms_wake(void *state)
{
    struct messenger *ms = state;
    sender_wake(ms->sender);
}

const struct platform_ops messenger_platform = {
    .name = MS,
    /* max_caption_chars 1: Messenger has no captions, so handlers/handler.c sends any real
     * caption as its own message after the photo. tel_links false: Meta's call button takes
     * only "+<country>…" numbers, never 113/114/115 — the numbers are in the text instead.
     * no_location: the location quick reply is gone; questions ask for a typed address. */
    .caps = {.max_text_chars = MS_MAX_TEXT,
             .max_caption_chars = 1,
             .buttons = true,
             .groups = false,
             .edit = false,
             .photos = true,
             .tel_links = false,
             .local_photos = true,
             .no_location = true},
    .enabled = ms_enabled,
    .start = ms_start,
    .stop = ms_stop,
    .wake = ms_wake,
    .webhook_path = "/webhook/" MS,
    .webhook_headers = {"x-hub-signature-256:", NULL},
    .webhook_get = true,
    .webhook = ms_webhook,
    .settings = &ms_settings_block,
    .build_request = ms_build_request,
    .classify_answer = ms_classify_answer,
    .file_url = platform_file_url_as_is,
};
