/*
 * webchat_upload.h — photos from the web chat: POST /upload on the tipgate HTTP server.
 *
 *   POST /upload
 *   Authorization: Bearer <the identity's secret>   (the one the page keeps in localStorage)
 *   X-Tipgate-Id: <client message id>               (the rules of a WebSocket frame's id)
 *   Content-Type: image/jpeg | image/png | image/webp | image/heic | image/heif
 *   Content-Length: <at most UPLOADS_MAX_BYTES>     body: the image's bytes
 *
 * answers {"ok":true,"id","duplicate"} once the file is stored (storage/uploads.h) and ONE inbox
 * row holds the photo — keyed "<chat id>:<id>" exactly like a WebSocket message, so a resend of
 * the same id is a duplicate, not a second photo — or {"ok":false,"code","text"} (Vietnamese,
 * texts "upload_<code>") with 400, 401 (unknown secret: nothing stored), 413 (refused from the
 * Content-Length, before any of the body is read), 415 (type not accepted, or bytes that are
 * not the announced image), 429 (a chat uploading too fast) or 503. The per-tip limit on
 * photos is the handlers' (the same as a Telegram photo's). bot/http.c routes the request here
 * and writes the answers; everything runs on the HTTP thread with app->db.
 */
#ifndef TIPGATE_WEBCHAT_UPLOAD_H
#define TIPGATE_WEBCHAT_UPLOAD_H

#include <stddef.h>

struct app;
struct lws;
struct wcup;
struct wcup_req;

enum { WCUP_RESP_MAX = 1024 }; /* the JSON answer, text included */

/* The upload state of the HTTP server (rate table, uploads in progress); NULL on no memory.
 * Free with wcup_free (NULL is fine). */
struct wcup *wcup_new(struct app *app);
void wcup_free(struct wcup *u);

/* Starts an upload from the request's headers. Returns 0 with *req (owned by the caller until
 * wcup_end or wcup_req_free) when the body should be read; otherwise the HTTP status to answer
 * with resp (WCUP_RESP_MAX bytes) filled, and *req NULL. */
unsigned wcup_begin(struct wcup *u, struct lws *wsi, struct wcup_req **req, char *resp);
/* Appends a piece of the body (never beyond what Content-Length announced). */
void wcup_body(struct wcup_req *req, const void *in, size_t len);
/* The whole body is here: checks it, stores the file and the inbox row, frees req. Returns the
 * HTTP status, with resp filled. */
unsigned wcup_end(struct wcup *u, struct wcup_req *req, char *resp);
/* Drops an upload that did not complete (the connection closed). NULL is fine. */
void wcup_req_free(struct wcup *u, struct wcup_req *req);

#endif
