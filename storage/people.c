/*
 * people.c — see people.h. Upserts keep the first-seen time and refresh what the platform may
 * change (display names, group titles).
 */
#include "storage/people.h"

#include "storage/desk_auth.h"

#include <stdlib.h>
#include <string.h>

int people_touch(struct db *db, const char *platform, const char *user_id, const char *display_name,
                 bool wrote, int64_t now_ms, int64_t *id)
{
    static const char sql[] =
        "INSERT INTO people (platform, platform_user_id, display_name, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, platform_user_id) DO UPDATE SET "
        "display_name = coalesce(excluded.display_name, display_name), "
        "reachable = CASE WHEN ?6 THEN 1 ELSE reachable END, updated_at = excluded.updated_at "
        "RETURNING id";
    int64_t got = 0;
    int rc =
        db_get_int(db, &got, sql, "tttIIi", platform, user_id, display_name, now_ms, now_ms, wrote);
    if (rc == DB_OK && id)
        *id = got;
    return rc;
}

static const struct db_col people_cols[] = {
    DB_COL(0, DB_INT64, struct person, id),
    DB_COL(1, DB_DUP, struct person, platform),
    DB_COL(2, DB_DUP, struct person, platform_user_id),
    DB_COL(3, DB_DUP, struct person, display_name),
    DB_COL(4, DB_DUP, struct person, role),
    DB_COL(5, DB_DUP, struct person, area),
    DB_COL(6, DB_BOOL, struct person, reachable),
};

int people_get(struct db *db, const char *platform, const char *user_id, struct person *out)
{
    static const char sql[] = "SELECT id, platform, platform_user_id, display_name, role, area, "
                              "reachable FROM people WHERE platform = ? AND platform_user_id = ?";
    memset(out, 0, sizeof *out);
    int rc =
        db_row(db_query(db, sql, "tt", platform, user_id), people_cols, DB_COLS(people_cols), out);
    if (rc == DB_ERROR)
        person_clear(out);
    return rc;
}

int people_get_id(struct db *db, int64_t id, struct person *out)
{
    static const char sql[] = "SELECT id, platform, platform_user_id, display_name, role, area, "
                              "reachable FROM people WHERE id = ?";
    memset(out, 0, sizeof *out);
    int rc = db_row(db_query(db, sql, "I", id), people_cols, DB_COLS(people_cols), out);
    if (rc == DB_ERROR)
        person_clear(out);
    return rc;
}

void person_clear(struct person *p)
{
    free(p->platform);
    free(p->platform_user_id);
    free(p->display_name);
    free(p->role);
    free(p->area);
    memset(p, 0, sizeof *p);
}

static int people_set_flag(struct db *db, const char *sql, const char *platform, const char *id,
                           bool reachable, int64_t now_ms)
{
    return db_changed(db, db_run(db, sql, "iItt", reachable, now_ms, platform, id), DB_NOT_FOUND);
}

int people_set_reachable(struct db *db, const char *platform, const char *user_id, bool reachable,
                         int64_t now_ms)
{
    static const char sql[] = "UPDATE people SET reachable = ?, updated_at = ? "
                              "WHERE platform = ? AND platform_user_id = ?";
    return people_set_flag(db, sql, platform, user_id, reachable, now_ms);
}

bool people_is_officer(const char *role)
{
    return role && (strcmp(role, "police") == 0 || strcmp(role, "commander") == 0);
}

int people_staff(struct db *db, int64_t now_ms,
                 int (*fn)(const struct people_staff_row *row, void *arg), void *arg)
{
    /* The live-session rule is desk_session_check's: not ended, within 12 h, not idle 2 h. */
    static const char sql[] =
        "SELECT p.id, p.role, coalesce(p.area, ''), p.platform, coalesce(p.display_name, ''), "
        "(SELECT count(*) FROM desk_sessions s WHERE s.person_id = p.id AND s.ended_at IS NULL "
        "AND s.created_at > ?2 AND s.last_seen_at > ?3) FROM people p "
        "WHERE p.role <> 'resident' ORDER BY p.role, p.area, p.id";
    sqlite3_stmt *st = db_query(db, sql, "III", now_ms, now_ms - DESK_SESSION_MAX_MS,
                                now_ms - DESK_SESSION_IDLE_MS);
    int rc, stop = 0;
    while (!stop && (rc = db_step_row(st)) == DB_OK) {
        struct people_staff_row r = {.id = sqlite3_column_int64(st, 0)};
        db_col_text(st, 1, r.role, sizeof r.role);
        db_col_text(st, 2, r.area, sizeof r.area);
        db_col_text(st, 3, r.platform, sizeof r.platform);
        db_col_text(st, 4, r.name, sizeof r.name);
        r.sessions = sqlite3_column_int64(st, 5);
        stop = fn(&r, arg);
    }
    if (stop) {
        sqlite3_reset(st);
        return stop;
    }
    return db_rows_end(st, rc);
}

int people_unenrol(struct db *db, int64_t person_id, int64_t now_ms)
{
    static const char sql[] = "UPDATE people SET role = 'resident', area = NULL, agency = NULL, "
                              "updated_at = ? WHERE id = ?";
    return db_changed(db, db_run(db, sql, "II", now_ms, person_id), DB_NOT_FOUND);
}

int chats_touch(struct db *db, const char *platform, const char *chat_id, const char *kind,
                const char *title, bool wrote, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO chats (platform, chat_id, kind, title, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET "
        "kind = excluded.kind, title = coalesce(excluded.title, title), "
        "reachable = CASE WHEN ?7 AND excluded.kind = 'private' AND coalesce(bot_status, '') NOT "
        "IN ('left', 'kicked') THEN 1 ELSE reachable END, updated_at = excluded.updated_at";
    return db_run(db, sql, "ttttIIi", platform, chat_id, kind, title, now_ms, now_ms, wrote);
}

int chats_set_reachable(struct db *db, const char *platform, const char *chat_id, bool reachable,
                        int64_t now_ms)
{
    static const char sql[] = "UPDATE chats SET reachable = ?, updated_at = ? "
                              "WHERE platform = ? AND chat_id = ?";
    return people_set_flag(db, sql, platform, chat_id, reachable, now_ms);
}

int chats_set_bot_status(struct db *db, const char *platform, const char *chat_id,
                         const char *status, int64_t now_ms)
{
    static const char sql[] = "UPDATE chats SET bot_status = ?1, updated_at = ?2, reachable = "
                              "(?1 NOT IN ('left', 'kicked')) WHERE platform = ?3 AND chat_id = ?4";
    return db_run(db, sql, "tItt", status, now_ms, platform, chat_id);
}

int people_officers(struct db *db, const char *area, char **platforms, char **user_ids, int max,
                    int *n)
{
    /* Through people_police (migration 009), the officers only: without INDEXED BY the
     * planner walks every resident in id order for the ORDER BY, on every tip filed where no
     * desk chat is configured. */
    static const char sql[] =
        "SELECT platform, platform_user_id FROM people INDEXED BY people_police "
        "WHERE role = 'police' AND reachable = 1 AND (area = ?1 OR NOT EXISTS (SELECT 1 FROM "
        "people INDEXED BY people_police WHERE role = 'police' AND reachable = 1 AND "
        "area = ?1)) ORDER BY id LIMIT ?2";
    return db_text_pairs(db_query(db, sql, "ti", area ? area : "", max), platforms, user_ids, max,
                         n);
}

int people_colleagues(struct db *db, const char *area, int64_t only_id, struct person *out, int max,
                      int *n)
{
    static const char sql[] =
        "SELECT id, platform, platform_user_id, display_name, role, area, reachable FROM people "
        "WHERE role IN ('police', 'commander') AND (?1 IS NULL OR role = 'commander' OR "
        "area = ?1 COLLATE NOCASE) AND (?2 = 0 OR id = ?2) "
        "ORDER BY role = 'commander' DESC, display_name, id LIMIT ?3";
    return db_rows(db_query(db, sql, "tIi", area, only_id, max), people_cols, DB_COLS(people_cols),
                   out, sizeof *out, max, n);
}
