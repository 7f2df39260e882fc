/*
 * platform.h — the one interface every messaging platform implements, and the registry.
 *
 * A platform is a const ops struct (designated initialisers) registered by name in
 * platform.c's table. Its capabilities are data, so handlers pick buttons or numbered choices,
 * or split long texts, without ever naming a platform. Optional methods may be NULL; callers
 * check. Adding a platform (Messenger, Matrix, SMS) is one new file in bot/platforms/ — its ops
 * and the settings block declaring its keys — and one line in platform_registry[] (see
 * ARCHITECTURE.md).
 *
 * Receiving: an adapter turns updates into struct msg and stores them with inbox_add() before
 * acknowledging the platform. Sending: the adapter drains its outbox rows; wake() tells it new
 * rows exist. Adapters never call handlers and handlers never call adapters: they meet in SQLite.
 *
 * An HTTP platform leaves the draining to bot/sender.c and supplies only two ops: build_request
 * (an outbox row → URL, headers, body) and classify_answer (HTTP status + body → a verdict from
 * enum platform_verdict). The sender keeps limits, priorities, claims and settlement and never
 * reads a platform's JSON, so an API that answers {"ok":…} (Telegram, Zalo Bot),
 * {"error":0,…} (Zalo Official Account) or a Graph error object (Messenger) is carried alike.
 */
#ifndef TIPGATE_PLATFORM_H
#define TIPGATE_PLATFORM_H

#include "base/platform_caps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct cfg;
struct cfg_block;
struct db;
struct lws_protocols;
struct outbox_row;

/* Bounds of one HTTP send (bot/sender.c keeps one request per transfer slot). */
enum {
    PLATFORM_URL_MAX = 1024,    /* the URL, query string included */
    PLATFORM_HEADERS_MAX = 4,   /* extra header lines a request may carry */
    PLATFORM_HEADER_MAX = 1024, /* one "Name: value" line (a Zalo OA access token: ~450) */
    PLATFORM_ID_MAX = 64,       /* a platform's message id or a moved chat's new id */
    PLATFORM_WHY_MAX = 320,     /* what an answer meant, for logs and outbox.last_error */
};

/* One send, as build_request fills it (the sender hands it in empty). The URL and headers may
 * hold the token: the sender never logs them. The method is POST; the body is JSON sent with
 * "Content-Type: application/json" unless content_type names another type (a photo from a
 * web chat upload goes as multipart/form-data), and then it is body_len bytes of anything. */
struct platform_request {
    char url[PLATFORM_URL_MAX];
    char headers[PLATFORM_HEADERS_MAX][PLATFORM_HEADER_MAX]; /* extra lines; "" ends them */
    char *body;      /* malloc'd; the sender frees it, whatever build_request returned */
    size_t body_len; /* 0: the body is a NUL-terminated string */
    char content_type[PLATFORM_HEADER_MAX]; /* a whole "Content-Type: …" line, or "" for JSON */
    int token_gen; /* the generation of the token the request carries (refresh_token below) */
};

/* build_request's answer for a message the platform's messaging window forbids now (Zalo OA:
 * 48 h after the user's last message, Messenger: 24 h): the row is not sent; it is settled
 * failed with last_error OUTBOX_OUTSIDE_WINDOW (storage/outbox.h), which reports count apart
 * from failures. */
enum { PLATFORM_OUTSIDE_WINDOW = 1 };

/* One webhook call, as the HTTP thread hands it to a platform. */
enum { PLATFORM_WEBHOOK_HEADERS = 3, PLATFORM_WEBHOOK_RESP_MAX = 1024 };
struct platform_webhook {
    bool get;          /* a GET (a subscription check: Messenger's hub.challenge), else a POST */
    const char *query; /* GET: the query arguments, url-decoded, joined by '&' ("" when none) */
    const char *headers[PLATFORM_WEBHOOK_HEADERS]; /* ops->webhook_headers[i]'s values, or NULL */
    const char *body; /* POST: the raw body exactly as received (signatures); NULL for a GET */
    size_t len;
};
struct platform_webhook_reply {
    char body[PLATFORM_WEBHOOK_RESP_MAX]; /* "": the default {"ok":…,"status":N} */
    bool text;                            /* body is text/plain (an echoed challenge), not JSON */
};

/* What an answer means for its outbox row — the only thing the sender learns from it. */
enum platform_verdict {
    PLATFORM_SENT,          /* delivered; message_id holds the platform's id when it gave one */
    PLATFORM_RETRY_AFTER,   /* throttled: retry after retry_after_s (0: the sender's backoff);
                               does not use up an attempt */
    PLATFORM_BLOCKED,       /* the user blocked the bot or left: fail it, send nothing more */
    PLATFORM_BAD_REQUEST,   /* this message can never go (too long, no such chat): fail it */
    PLATFORM_MOVED,         /* the chat has a new id (moved_to, never ""): rewrite it
                               everywhere and resend */
    PLATFORM_TOKEN_EXPIRED, /* the token, not the message: keep it queued, report the token */
    PLATFORM_TRANSIENT,     /* down, 5xx, garbage: retry with backoff up to max_attempts */
    PLATFORM_WINDOW_CLOSED, /* the platform says its messaging window is closed for this user
                               (our own record thought it open): failed as
                               OUTBOX_OUTSIDE_WINDOW, and the chat's window marked closed */
};

struct platform_answer {
    enum platform_verdict verdict;
    int retry_after_s;                /* RETRY_AFTER only */
    char message_id[PLATFORM_ID_MAX]; /* SENT: "" when the answer did not carry one */
    char moved_to[PLATFORM_ID_MAX];   /* MOVED: the chat's new id */
    bool understood; /* the answer was the platform's own (it read the token), not garbage */
    char why[PLATFORM_WHY_MAX]; /* "error 403: Forbidden: bot was blocked by the user" */
};

struct platform_ops {
    const char *name;
    struct platform_caps caps;
    /* Whether the configuration turns this platform on for `serve`. Required. */
    bool (*enabled)(const struct cfg *cfg);
    /* Starts receiving and sending; *state is the platform's own. Optional. */
    int (*start)(struct app *app, void **state);
    /* Stops: persists or finishes in-flight work, joins threads, frees state. Optional. */
    void (*stop)(void *state);
    /* New outbox rows exist for this platform. Called from any thread. Optional. */
    void (*wake)(void *state);
    /* A WebSocket protocol the HTTP server should offer for this platform. Optional. */
    const struct lws_protocols *ws_protocol;
    /* Webhook: the HTTP server accepts POSTs (and GETs when webhook_get) at webhook_path while
     * the platform is started, reads the headers webhook_headers names (lowercase, with their
     * colon, e.g. "x-telegram-bot-api-secret-token:"; NULL ends them) and the whole body
     * (bounded by http.max_body_bytes: 413 past it), and calls webhook() on the HTTP thread
     * with that thread's database connection. It returns the HTTP status to answer (200 only
     * after the update is committed; 401 for a wrong or missing secret or signature, which the
     * server logs once without the header) and may write a body into out. Optional. */
    const char *webhook_path;
    const char *webhook_headers[PLATFORM_WEBHOOK_HEADERS];
    bool webhook_get;
    int (*webhook)(void *state, struct db *db, const struct platform_webhook *in,
                   struct platform_webhook_reply *out);
    /* The platform's keys (under "platforms.<name>"): a spec of the settings table
     * (config/config.h), registered before the file is read; the platform reads its typed
     * settings with cfg_settings(cfg, settings). Optional (a platform with no keys). */
    const struct cfg_block *settings;
    /* Sending over HTTP with bot/sender.c (both or neither; its start() passes the ops and its
     * state to sender_start). build_request turns one outbox row into *out, on the sender's
     * thread with its database connection (it may write, e.g. button tokens, inside the
     * sender's transaction). Returns 0, PLATFORM_OUTSIDE_WINDOW when the platform's messaging
     * window forbids the message now, or -1 when the row can never be sent (*why, a static
     * string, says why; the row is marked failed). */
    int (*build_request)(void *state, struct db *db, const struct outbox_row *row, int64_t now_ms,
                         struct platform_request *out, const char **why);
    /* Slow work a due row needs before its request can be built (Zalo OA: uploading a web chat
     * photo to get its attachment id), on the sender's thread before the turn's transaction,
     * so a network call never holds the database's write lock. Whatever it gets it keeps for
     * build_request to find (e.g. in platform_state); failing is not an error here —
     * build_request decides what then goes. Optional. */
    void (*prepare)(void *state, struct db *db, const struct outbox_row *row, int64_t now_ms);
    /* Renews an expiring access token (Zalo OA), on the sender's thread outside any
     * transaction: at the start of every turn with failed_gen -1 (renew ahead of expiry when
     * due; cheap when not), and once after a turn whose answers were TOKEN_EXPIRED, with the
     * highest token_gen among their requests, before they are settled. Returns 0 when the
     * platform now holds a token newer than failed_gen (those rows go again at once, without
     * using an attempt), -1 when not (they wait as for any refused token). The platform
     * guarantees one renewal at a time and never two for one token. Optional. */
    int (*refresh_token)(void *state, struct db *db, int failed_gen, int64_t now_ms);
    /* Reads an answer: http_status and its body (len bytes, not NUL-terminated, NULL when len
     * is 0; possibly cut at the sender's cap, or HTML) into *out. Pure: no state, any thread.
     * A transfer that got no answer at all never reaches it (the sender counts it transient). */
    void (*classify_answer)(long http_status, const char *body, size_t len,
                            struct platform_answer *out);
    /* Photos tipsters sent, copied for the web desk (bot/copier.c): turns ref, a photo ref this
     * platform's receiver stored (a Telegram file id, a Zalo URL), into a URL the copier fetches
     * with a plain GET, asking the platform first when it must (Telegram's getFile: a blocking
     * call on easy, a CURL handle the copier owns). On the copier's thread. Returns 0 with url,
     * PLATFORM_FILE_GONE when ref can never be fetched (the platform does not know it), or -1 to
     * try again later; why says what happened, without the token. Optional: without it a
     * platform's photos are shown as unavailable on the web desk. */
    int (*file_url)(void *state, void *easy, const char *ref, char url[PLATFORM_URL_MAX],
                    char why[PLATFORM_WHY_MAX]);
};
enum { PLATFORM_FILE_GONE = 1 };

/* A file_url op for platforms whose photo refs are already web URLs (Zalo Bot's photo_url, a
 * Zalo OA attachment's url, Messenger's CDN links): the ref itself, if it is an http(s) URL
 * that fits (the CDN's links expire: a refusal then is the copier's to classify), else
 * PLATFORM_FILE_GONE. */
int platform_file_url_as_is(void *state, void *easy, const char *ref, char url[PLATFORM_URL_MAX],
                            char why[PLATFORM_WHY_MAX]);

/* The registry, NULL-terminated, in a fixed order (an index is a platform's bit in masks). */
extern const struct platform_ops *const platform_registry[];

/* Registers every platform's name and caps with base/platform_caps.h, in registry order (an
 * index is a platform's bit in masks). Called once at start (app_init, and tests that run
 * handlers without an app) before any thread starts; calling it again is harmless. */
void platform_registry_init(void);
/* Registers every platform's settings block with the configuration (cfg_register), before
 * cfg_load. 0, or -1 when the table is full. */
int platform_register_settings(void);

/* The ops of a registered platform, or NULL. */
const struct platform_ops *platform_find(const char *name);

#endif
