/*
 * desk_auth.c — see desk_auth.h. Secrets are 32 bytes from getrandom as hex; the tables hold
 * their SHA-256. A link is spent by one UPDATE … RETURNING, so two browsers racing with the
 * same link cannot both get a session. Expiry and the person's role are checked in the same
 * SELECT that finds the session, so an unenrolled person's open tab is refused at once.
 */
#include "storage/desk_auth.h"

#include "base/secure.h"

#include <string.h>

#define DESK_ROLES_SQL "('police', 'commander', 'leader')"

int desk_auth_role_ok(const char *role)
{
    return role && (strcmp(role, "police") == 0 || strcmp(role, "commander") == 0 ||
                    strcmp(role, "leader") == 0);
}

int desk_link_create(struct db *db, int64_t person_id, int64_t now_ms,
                     char secret[DESK_SECRET_HEX + 1])
{
    static const char role[] =
        "SELECT count(*) FROM people WHERE id = ? AND role IN " DESK_ROLES_SQL;
    static const char sql[] = "INSERT INTO desk_links (token_hash, person_id, created_at, "
                              "expires_at) VALUES (?, ?, ?, ?)";
    int64_t enrolled = 0;
    int rc = db_get_int(db, &enrolled, role, "I", person_id);
    if (rc != DB_OK)
        return rc;
    if (!enrolled)
        return DB_NOT_FOUND;
    if (secure_token_hex(DESK_SECRET_HEX / 2, secret) != 0)
        return DB_ERROR;
    char hash[2 * SECURE_SHA256_LEN + 1];
    secure_sha256_hex(secret, hash);
    return db_run(db, sql, "tIII", hash, person_id, now_ms, now_ms + DESK_LINK_TTL_MS);
}

/* Only hex of the right length is looked up: anything else cannot be a secret of ours. */
static int desk_secret_ok(const char *s)
{
    if (!s || strlen(s) != DESK_SECRET_HEX)
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789abcdef", *p))
            return 0;
    return 1;
}

int desk_link_redeem(struct db *db, const char *link_secret, const char *address, int64_t now_ms,
                     struct desk_session *s, char session_secret[DESK_SECRET_HEX + 1])
{
    static const char use[] =
        "UPDATE desk_links SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL "
        "AND expires_at > ?1 AND person_id IN (SELECT id FROM people WHERE role IN " DESK_ROLES_SQL
        ") RETURNING person_id";
    static const char open[] = "INSERT INTO desk_sessions (token_hash, person_id, csrf, address, "
                               "created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)";
    memset(s, 0, sizeof *s);
    session_secret[0] = '\0';
    if (!desk_secret_ok(link_secret))
        return DB_NOT_FOUND;
    char hash[2 * SECURE_SHA256_LEN + 1];
    secure_sha256_hex(link_secret, hash);
    sqlite3_stmt *st = db_query(db, use, "It", now_ms, hash);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        s->person_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != DB_OK)
        return rc;
    if (secure_token_hex(DESK_SECRET_HEX / 2, session_secret) != 0 ||
        secure_token_hex(DESK_CSRF_HEX / 2, s->csrf) != 0)
        return DB_ERROR;
    secure_sha256_hex(session_secret, hash);
    rc = db_run(db, open, "tIttII", hash, s->person_id, s->csrf, address, now_ms, now_ms);
    if (rc != DB_OK)
        return rc;
    s->id = db_last_id(db);
    s->created_at = s->last_seen_at = now_ms;
    return DB_OK;
}

int desk_session_check(struct db *db, const char *session_secret, int64_t now_ms,
                       struct desk_session *s)
{
    static const char find[] =
        "SELECT s.id, s.person_id, s.csrf, s.created_at, s.last_seen_at FROM desk_sessions s "
        "JOIN people p ON p.id = s.person_id WHERE s.token_hash = ? AND s.ended_at IS NULL "
        "AND s.created_at > ? AND s.last_seen_at > ? AND p.role IN " DESK_ROLES_SQL;
    static const char seen[] = "UPDATE desk_sessions SET last_seen_at = ? WHERE id = ?";
    static const struct db_col map[] = {
        DB_COL(0, DB_INT64, struct desk_session, id),
        DB_COL(1, DB_INT64, struct desk_session, person_id),
        DB_COL(2, DB_TEXT, struct desk_session, csrf),
        DB_COL(3, DB_INT64, struct desk_session, created_at),
        DB_COL(4, DB_INT64, struct desk_session, last_seen_at),
    };
    memset(s, 0, sizeof *s);
    if (!desk_secret_ok(session_secret))
        return DB_NOT_FOUND;
    char hash[2 * SECURE_SHA256_LEN + 1];
    secure_sha256_hex(session_secret, hash);
    sqlite3_stmt *st = db_query(db, find, "tII", hash, now_ms - DESK_SESSION_MAX_MS,
                                now_ms - DESK_SESSION_IDLE_MS);
    int rc = db_row(st, map, DB_COLS(map), s);
    if (rc != DB_OK || now_ms - s->last_seen_at < DESK_SEEN_EVERY_MS)
        return rc;
    /* Bookkeeping, not the check: a session stays valid when its "seen" date cannot be
     * written (a full disk must not sign every officer out, nor stop the desk reading). */
    if (db_run(db, seen, "II", now_ms, s->id) == DB_OK)
        s->last_seen_at = now_ms;
    return DB_OK;
}

int desk_session_end(struct db *db, int64_t session_id, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE desk_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL";
    return db_run(db, sql, "II", now_ms, session_id);
}

int desk_sessions_end_person(struct db *db, int64_t person_id, int64_t now_ms, int64_t *ended)
{
    static const char sql[] =
        "UPDATE desk_sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL";
    int rc = db_run(db, sql, "II", now_ms, person_id);
    if (ended)
        *ended = rc == DB_OK ? db_changes(db) : 0;
    return rc;
}

#define DESK_LINKS_DUE "FROM desk_links WHERE expires_at < ?1"
#define DESK_SESSIONS_DUE                                                                          \
    "FROM desk_sessions WHERE coalesce(ended_at, min(last_seen_at + ?2, created_at + ?3)) < ?1"

int desk_auth_prune_due(struct db *db, int64_t before_ms, bool *due)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 " DESK_LINKS_DUE ") OR EXISTS (SELECT 1 " DESK_SESSIONS_DUE ")";
    int64_t any = 0;
    int rc = db_get_int(db, &any, sql, "III", before_ms, DESK_SESSION_IDLE_MS, DESK_SESSION_MAX_MS);
    *due = rc == DB_OK && any;
    return rc;
}

int desk_auth_prune(struct db *db, int64_t before_ms, int64_t *deleted)
{
    static const char links[] = "DELETE " DESK_LINKS_DUE;
    static const char sessions[] = "DELETE " DESK_SESSIONS_DUE;
    *deleted = 0;
    int rc = db_run(db, links, "I", before_ms);
    if (rc != DB_OK)
        return rc;
    *deleted += db_changes(db);
    rc = db_run(db, sessions, "III", before_ms, DESK_SESSION_IDLE_MS, DESK_SESSION_MAX_MS);
    if (rc == DB_OK)
        *deleted += db_changes(db);
    return rc;
}
