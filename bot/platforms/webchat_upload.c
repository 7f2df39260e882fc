/*
 * webchat_upload.c — see webchat_upload.h. Kept apart from webchat.c (the WebSocket protocol):
 * an upload is a plain HTTP request that ends in the same inbox as a typed message.
 *
 * The body is kept in memory while it arrives (at most UPLOADS_MAX_BYTES, and at most
 * WCUP_ACTIVE_MAX uploads at once, so at most 80 MiB in all) because the file's name is the hash
 * of all of it; streaming to a temporary file was rejected as more code for photos that the
 * page has already shrunk to a few hundred kilobytes. A small table of token buckets keyed by
 * chat id keeps one resident from filling the disk; a chat that loses its slot to another
 * simply starts with a full bucket again.
 */
#include "bot/platforms/webchat_upload.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/msg.h"
#include "base/secure.h"
#include "bot/app_core.h"
#include "bot/health.h"
#include "bot/worker.h"
#include "storage/inbox.h"
#include "storage/uploads.h"
#include "storage/webchat_store.h"

#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WCUP_ACTIVE_MAX   8    /* uploads receiving at once; more answer 503 */
#define WCUP_RATE_SLOTS   256  /* chats remembered by the rate table */
#define WCUP_RATE_BURST   10.0 /* photos a chat may send at once … */
#define WCUP_RATE_PER_MIN 10.0 /* … and then per minute */
#define WCUP_ID_MAX       64   /* a client message id, as on the WebSocket */
#define WCUP_SECRET_MAX   128
#define WCUP_TYPE_MAX     64
#define WCUP_AUTH_MAX     (WCUP_SECRET_MAX + 16)

struct wcup_rate {
    char chat_id[WEBCHAT_CHAT_ID_LEN];
    double tokens;
    int64_t at_ms;
};

struct wcup {
    struct app *app;
    char dir[UPLOADS_PATH_MAX];
    int active;
    struct wcup_rate rate[WCUP_RATE_SLOTS];
    int no_space; /* photos refused in a row because the upload directory is full */
};

struct wcup_req {
    char chat_id[WEBCHAT_CHAT_ID_LEN];
    char id[WCUP_ID_MAX + 1];
    char type[WCUP_TYPE_MAX];
    unsigned char *body;
    size_t want, len;
};

struct wcup *wcup_new(struct app *app)
{
    struct wcup *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->app = app;
    if (uploads_dir(app->cfg->storage_path, u->dir, sizeof u->dir) != 0) {
        free(u);
        return NULL;
    }
    return u;
}

void wcup_free(struct wcup *u)
{
    free(u);
}

/* {"ok":false,"code","text"} with the text "upload_<code>" (max: the size limit in MB). */
static unsigned wcup_refuse(struct wcup *u, unsigned status, const char *code, char *resp)
{
    char name[48], max[16];
    snprintf(name, sizeof name, "upload_%s", code);
    snprintf(max, sizeof max, "%d", UPLOADS_MAX_BYTES / (1024 * 1024));
    struct texts_var vars[] = {{"max", max}};
    char *text = texts_render(u->app->texts, name, vars, 1);
    json_t *o = json_pack("{s:b, s:s, s:s}", "ok", 0, "code", code, "text", text ? text : code);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    snprintf(resp, WCUP_RESP_MAX, "%s", s ? s : "{\"ok\":false}");
    free(s);
    json_decref(o);
    free(text);
    return status;
}

static bool wcup_valid_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= WCUP_ID_MAX &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The chat of "Bearer <secret>": DB_OK, DB_NOT_FOUND (no such identity: an identity is stored
 * with its first message, so a page must have said something before it uploads), DB_ERROR. */
static int wcup_identity(struct wcup *u, const char *auth, char chat_id[WEBCHAT_CHAT_ID_LEN])
{
    static const char bearer[] = "Bearer ";
    const char *secret = auth + sizeof bearer - 1;
    size_t n = strncmp(auth, bearer, sizeof bearer - 1) == 0 ? strlen(secret) : 0;
    if (n < 32 || n > WCUP_SECRET_MAX || strspn(secret, "0123456789abcdef") != n)
        return DB_NOT_FOUND;
    char hash[2 * SECURE_SHA256_LEN + 1];
    secure_sha256_hex(secret, hash);
    return webchat_store_find(u->app->db, hash, clock_now_ms(), chat_id);
}

/* Takes a token from the chat's bucket; false when it has none left. */
static bool wcup_rate_ok(struct wcup *u, const char *chat_id)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)chat_id; *p; p++)
        h = (h ^ *p) * 16777619u;
    struct wcup_rate *r = &u->rate[h % WCUP_RATE_SLOTS];
    int64_t now = clock_mono_ms();
    if (strcmp(r->chat_id, chat_id) != 0) {
        snprintf(r->chat_id, sizeof r->chat_id, "%s", chat_id);
        r->tokens = WCUP_RATE_BURST;
    } else {
        r->tokens += (double)(now - r->at_ms) * WCUP_RATE_PER_MIN / 60000.0;
        if (r->tokens > WCUP_RATE_BURST)
            r->tokens = WCUP_RATE_BURST;
    }
    r->at_ms = now;
    if (r->tokens < 1.0)
        return false;
    r->tokens -= 1.0;
    return true;
}

/* The checks that need no body, cheapest first; 0 when the body may follow. */
static unsigned wcup_check_headers(struct wcup *u, struct lws *wsi, struct wcup_req *r, char *resp)
{
    char clen[24] = "", auth[WCUP_AUTH_MAX] = "";
    lws_hdr_copy(wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    lws_hdr_copy(wsi, r->type, sizeof r->type, WSI_TOKEN_HTTP_CONTENT_TYPE);
    if (lws_hdr_custom_copy(wsi, r->id, sizeof r->id, "x-tipgate-id:", 13) <= 0)
        r->id[0] = '\0';
    if (lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0)
        auth[0] = '\0';
    char *end = NULL;
    long long n = clen[0] ? strtoll(clen, &end, 10) : -1;
    if (n <= 0 || (end && *end))
        return wcup_refuse(u, HTTP_STATUS_BAD_REQUEST, "bad_request", resp);
    if (n > UPLOADS_MAX_BYTES)
        return wcup_refuse(u, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, "too_big", resp);
    if (!wcup_valid_id(r->id))
        return wcup_refuse(u, HTTP_STATUS_BAD_REQUEST, "bad_request", resp);
    if (!uploads_type_accepted(r->type))
        return wcup_refuse(u, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE, "bad_type", resp);
    int rc = wcup_identity(u, auth, r->chat_id);
    if (rc == DB_NOT_FOUND)
        return wcup_refuse(u, HTTP_STATUS_UNAUTHORIZED, "unauthorized", resp);
    if (rc != DB_OK || u->active >= WCUP_ACTIVE_MAX)
        return wcup_refuse(u, HTTP_STATUS_SERVICE_UNAVAILABLE, "busy", resp);
    if (!wcup_rate_ok(u, r->chat_id))
        return wcup_refuse(u, 429, "rate", resp);
    r->want = (size_t)n;
    return 0;
}

unsigned wcup_begin(struct wcup *u, struct lws *wsi, struct wcup_req **req, char *resp)
{
    *req = NULL;
    struct wcup_req *r = calloc(1, sizeof *r);
    if (!r)
        return wcup_refuse(u, HTTP_STATUS_SERVICE_UNAVAILABLE, "busy", resp);
    unsigned status = wcup_check_headers(u, wsi, r, resp);
    if (status == 0 && !(r->body = malloc(r->want)))
        status = wcup_refuse(u, HTTP_STATUS_SERVICE_UNAVAILABLE, "busy", resp);
    if (status != 0) {
        if (status == HTTP_STATUS_UNAUTHORIZED)
            log_warn("upload", "refused an upload with a wrong or missing secret");
        free(r);
        return status;
    }
    u->active++;
    *req = r;
    return 0;
}

void wcup_body(struct wcup_req *r, const void *in, size_t len)
{
    size_t room = r->want - r->len;
    if (len > room)
        len = room; /* lws never gives more than Content-Length; stay sure of it */
    memcpy(r->body + r->len, in, len);
    r->len += len;
}

/* The inbox row of the photo: a message with one attachment, keyed like a WebSocket message. */
static int wcup_store_row(struct wcup *u, struct wcup_req *r, const char *hex)
{
    char key[WEBCHAT_CHAT_ID_LEN + WCUP_ID_MAX + 2], ref[UPLOADS_HEX_LEN + 16];
    snprintf(key, sizeof key, "%s:%s", r->chat_id, r->id);
    snprintf(ref, sizeof ref, UPLOADS_REF_PREFIX "%s", hex);
    struct msg m = {0};
    m.kind = MSG_TEXT;
    m.platform = "webchat";
    m.update_key = key;
    m.chat_id = r->chat_id;
    m.sender_id = r->chat_id;
    m.date_ms = clock_now_ms();
    m.attachments[0] = (struct msg_attachment){"photo", ref};
    m.n_attachments = 1;
    char *json = msg_to_json(&m);
    int rc =
        json ? inbox_add(u->app->db, "webchat", key, r->chat_id, json, m.date_ms, NULL) : DB_ERROR;
    free(json);
    if (rc == DB_OK)
        health_received(u->app->health, "webchat", 1);
    return rc;
}

unsigned wcup_end(struct wcup *u, struct wcup_req *r, char *resp)
{
    unsigned status;
    char hex[UPLOADS_HEX_LEN + 1];
    bool existed = false;
    if (r->len != r->want) {
        status = wcup_refuse(u, HTTP_STATUS_BAD_REQUEST, "bad_request", resp);
        goto out;
    }
    if (!uploads_type_matches(r->type, r->body, r->len)) {
        status = wcup_refuse(u, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE, "bad_type", resp);
        goto out;
    }
    if (uploads_save(u->dir, r->body, r->len, hex, &existed) != 0) {
        /* A full disk is logged at its first photo, not at each the pages send again. */
        int full = errno == ENOSPC || errno == EDQUOT;
        if (!full || !u->no_space++)
            log_error("upload", "cannot store a photo under %s: %s%s", u->dir, strerror(errno),
                      full ? " (photos are refused until space returns)" : "");
        status = wcup_refuse(u, HTTP_STATUS_SERVICE_UNAVAILABLE, "busy", resp);
        goto out;
    }
    if (u->no_space) {
        log_info("upload", "photos are stored again (%d refused for lack of space)", u->no_space);
        u->no_space = 0;
    }
    int rc = wcup_store_row(u, r, hex);
    if (rc == DB_ERROR) {
        status = wcup_refuse(u, HTTP_STATUS_SERVICE_UNAVAILABLE, "busy", resp);
        goto out;
    }
    if (rc == DB_OK)
        worker_wake(u->app->worker);
    log_info("upload", "chat %s: photo of %zu bytes%s%s", r->chat_id, r->len,
             existed ? " (already stored)" : "", rc == DB_DUPLICATE ? " (a resend)" : "");
    snprintf(resp, WCUP_RESP_MAX, "{\"ok\":true,\"id\":\"%s\",\"duplicate\":%s}", r->id,
             rc == DB_DUPLICATE ? "true" : "false");
    status = HTTP_STATUS_OK;
out:
    wcup_req_free(u, r);
    return status;
}

void wcup_req_free(struct wcup *u, struct wcup_req *r)
{
    if (!r)
        return;
    u->active--;
    free(r->body);
    free(r);
}
