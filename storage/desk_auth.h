/*
 * desk_auth.h — who is signed in to the web desk. An enrolled person (officer, commander,
 * leader) gets a one-time sign-in link (from /dangnhap in their chat or `tipgate login-link`);
 * using it once, within its time, opens a session whose secret lives in the browser's cookie.
 * The database keeps only SHA-256 hashes of link and session secrets, so a copy of the file
 * signs nobody in. A session ends after DESK_SESSION_MAX_MS, after DESK_SESSION_IDLE_MS without
 * a request, on sign-out, and when the person is no longer enrolled (their role is checked on
 * every request, not copied into the session).
 */
#ifndef TIPGATE_DESK_AUTH_H
#define TIPGATE_DESK_AUTH_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    DESK_SECRET_HEX = 64, /* a link's or a session's secret: 32 random bytes as hex */
    DESK_CSRF_HEX = 32,   /* the session's CSRF token: 16 random bytes as hex */
    DESK_ADDRESS_MAX = 64,
};
#define DESK_LINK_TTL_MS     (10LL * 60 * 1000)   /* a sign-in link: 10 minutes */
#define DESK_SESSION_MAX_MS  (12LL * 3600 * 1000) /* a session: 12 hours at most */
#define DESK_SESSION_IDLE_MS (2LL * 3600 * 1000)  /* and 2 hours without a request */
#define DESK_SEEN_EVERY_MS   (60LL * 1000)        /* last_seen_at written at most this often */

/* The roles that may sign in: "police" (an officer of an area), "commander" (the whole ward),
 * "leader" (a neighbourhood leader: groups and figures, no tips). 1 or 0. */
int desk_auth_role_ok(const char *role);

/* Makes a sign-in link for person_id, valid DESK_LINK_TTL_MS from now: secret receives the
 * DESK_SECRET_HEX characters (and NUL) the link carries; only their hash is stored. DB_OK,
 * DB_NOT_FOUND when the person is not enrolled in a role that may sign in, DB_ERROR. */
int desk_link_create(struct db *db, int64_t person_id, int64_t now_ms,
                     char secret[DESK_SECRET_HEX + 1]);

/* A session opened by a link. */
struct desk_session {
    int64_t id;
    int64_t person_id;
    char csrf[DESK_CSRF_HEX + 1];
    int64_t created_at, last_seen_at;
};

/* Uses the link secret once (write: the caller's transaction): DB_OK with a new session in *s
 * and its secret in session_secret (for the cookie); DB_NOT_FOUND for a link that is unknown,
 * used, expired, or whose person is no longer enrolled; DB_ERROR. address (may be NULL) is
 * kept with the session for the audit. */
int desk_link_redeem(struct db *db, const char *link_secret, const char *address, int64_t now_ms,
                     struct desk_session *s, char session_secret[DESK_SECRET_HEX + 1]);

/* The live session whose secret is session_secret (from the cookie): DB_OK and *s filled;
 * DB_NOT_FOUND when it is unknown, ended, past its 12 hours or idle for 2 hours, or its
 * person is no longer enrolled. Reads only, except that last_seen_at is written when it is
 * older than DESK_SEEN_EVERY_MS (one small write a minute per session at most). */
int desk_session_check(struct db *db, const char *session_secret, int64_t now_ms,
                       struct desk_session *s);

/* Ends one session (sign-out) / every live session of a person (/dangxuat, unenrolment).
 * *ended (may be NULL) receives how many ended. */
int desk_session_end(struct db *db, int64_t session_id, int64_t now_ms);
int desk_sessions_end_person(struct db *db, int64_t person_id, int64_t now_ms, int64_t *ended);

/* Deletes links past their time and sessions ended or expired before before_ms (retention). */
int desk_auth_prune(struct db *db, int64_t before_ms, int64_t *deleted);
/* *due when desk_auth_prune(before_ms) would delete anything (a read, for retention). */
int desk_auth_prune_due(struct db *db, int64_t before_ms, bool *due);

#endif
