/*
 * people.c — see people.h. Upserts keep the first-seen time and refresh what the platform may
 * change (display names, group titles).
 */
#include "storage/people.h"

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
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, user_id);
    db_bind_text(st, 3, display_name);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_int64(st, 5, now_ms);
    sqlite3_bind_int(st, 6, wrote);
    int rc = db_step_row(st);
    if (rc == DB_OK && id)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == DB_OK ? DB_OK : DB_ERROR;
}

int people_get(struct db *db, const char *platform, const char *user_id, struct person *out)
{
    static const char sql[] = "SELECT id, platform, platform_user_id, display_name, role, area, "
                              "reachable FROM people WHERE platform = ? AND platform_user_id = ?";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, user_id);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        out->id = sqlite3_column_int64(st, 0);
        out->platform = db_col_strdup(st, 1);
        out->platform_user_id = db_col_strdup(st, 2);
        out->display_name = db_col_strdup(st, 3);
        out->role = db_col_strdup(st, 4);
        out->area = db_col_strdup(st, 5);
        out->reachable = sqlite3_column_int(st, 6) != 0;
    }
    sqlite3_reset(st);
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
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int(st, 1, reachable);
    sqlite3_bind_int64(st, 2, now_ms);
    db_bind_text(st, 3, platform);
    db_bind_text(st, 4, id);
    int rc = db_step_done(db, st);
    if (rc == DB_OK && sqlite3_changes(db_handle(db)) == 0)
        return DB_NOT_FOUND;
    return rc;
}

int people_set_reachable(struct db *db, const char *platform, const char *user_id, bool reachable,
                         int64_t now_ms)
{
    static const char sql[] = "UPDATE people SET reachable = ?, updated_at = ? "
                              "WHERE platform = ? AND platform_user_id = ?";
    return people_set_flag(db, sql, platform, user_id, reachable, now_ms);
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
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, chat_id);
    db_bind_text(st, 3, kind);
    db_bind_text(st, 4, title);
    sqlite3_bind_int64(st, 5, now_ms);
    sqlite3_bind_int64(st, 6, now_ms);
    sqlite3_bind_int(st, 7, wrote);
    return db_step_done(db, st);
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
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, status);
    sqlite3_bind_int64(st, 2, now_ms);
    db_bind_text(st, 3, platform);
    db_bind_text(st, 4, chat_id);
    return db_step_done(db, st);
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
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, area ? area : "");
    sqlite3_bind_int(st, 2, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        platforms[*n] = db_col_strdup(st, 0);
        user_ids[*n] = db_col_strdup(st, 1);
        (*n)++;
    }
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++) {
            free(platforms[i]);
            free(user_ids[i]);
        }
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}
