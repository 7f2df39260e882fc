/*
 * desk_session.h — the web desk's session as the HTTP thread reads it from a request: the
 * cookie (DESK_COOKIE), its session (storage/desk_auth.h) and the signed-in person. Shared by
 * the JSON API (bot/deskweb.c) and the live WebSocket (bot/desk_live.c), so both refuse the
 * same requests.
 */
#ifndef TIPGATE_DESK_SESSION_H
#define TIPGATE_DESK_SESSION_H

#include "storage/db.h"
#include "storage/desk_auth.h"
#include "storage/people.h"

#include <stdint.h>

#define DESK_COOKIE "tipgate_desk"

struct lws;

/* The value of the cookie named name in the request's Cookie header into out (size bytes):
 * 1 when found and it fits, else 0 (out ""). */
int desk_cookie_get(struct lws *wsi, const char *name, char *out, size_t size);

/* The live session of the request's DESK_COOKIE, and its person: DB_OK with *s and *p filled
 * (person_clear(p) when done), DB_NOT_FOUND when there is no cookie or no live session for it
 * (p zeroed), DB_ERROR. Runs on the HTTP thread's connection db. */
int desk_session_of(struct db *db, struct lws *wsi, int64_t now_ms, struct desk_session *s,
                    struct person *p);
/* The same from the cookie's value secret (desk_cookie_get), on any thread's connection db:
 * the heavy requests check their session on their own thread (bot/slowreq.h). */
int desk_session_of_secret(struct db *db, const char *secret, int64_t now_ms,
                           struct desk_session *s, struct person *p);

#endif
