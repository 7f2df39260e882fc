/*
 * push_store.c — see push_store.h. Jobs are found through push_jobs_due (an index on due_at);
 * the sender settles each with one short write, so no transaction spans an HTTP request.
 */
#include "storage/push_store.h"

#include <stddef.h>
#include <string.h>

int push_sub_add(struct db *db, const char *platform, const char *chat_id, const char *endpoint,
                 const char *p256dh, const char *auth, int64_t now_ms)
{
    static const char upsert[] =
        "INSERT INTO push_subscriptions (platform, chat_id, endpoint, p256dh, auth, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(endpoint) DO UPDATE SET "
        "platform = excluded.platform, chat_id = excluded.chat_id, p256dh = excluded.p256dh, "
        "auth = excluded.auth, created_at = excluded.created_at, fails = 0";
    static const char trim[] =
        "DELETE FROM push_subscriptions WHERE platform = ?1 AND chat_id = ?2 AND id NOT IN "
        "(SELECT id FROM push_subscriptions WHERE platform = ?1 AND chat_id = ?2 "
        "ORDER BY created_at DESC, id DESC LIMIT ?3)";
    int rc = db_run(db, upsert, "tttttI", platform, chat_id, endpoint, p256dh, auth, now_ms);
    if (rc != DB_OK)
        return rc;
    return db_run(db, trim, "tti", platform, chat_id, (int)PUSH_SUBS_PER_CHAT);
}

int push_sub_remove(struct db *db, const char *platform, const char *chat_id, const char *endpoint)
{
    static const char sql[] =
        "DELETE FROM push_subscriptions WHERE platform = ?1 AND chat_id = ?2 AND endpoint = ?3";
    return db_changed(db, db_run(db, sql, "ttt", platform, chat_id, endpoint), DB_NOT_FOUND);
}

int push_jobs_add_for_chat(struct db *db, const char *platform, const char *chat_id, int64_t now_ms,
                           int *added)
{
    static const char sql[] =
        "INSERT INTO push_jobs (subscription_id, created_at, due_at) "
        "SELECT s.id, ?3, ?3 FROM push_subscriptions s WHERE s.platform = ?1 AND s.chat_id = ?2 "
        "AND NOT EXISTS (SELECT 1 FROM push_jobs j WHERE j.subscription_id = s.id)";
    if (added)
        *added = 0;
    int rc = db_run(db, sql, "ttI", platform, chat_id, now_ms);
    if (rc == DB_OK && added)
        *added = (int)db_changes(db);
    return rc;
}

int push_jobs_due(struct db *db, int64_t now_ms, struct push_job *jobs, int max, int *n)
{
    static const char sql[] =
        "SELECT j.id, j.subscription_id, j.attempts, s.endpoint, s.p256dh, s.auth "
        "FROM push_jobs j JOIN push_subscriptions s ON s.id = j.subscription_id "
        "WHERE j.due_at <= ?1 ORDER BY j.due_at, j.id LIMIT ?2";
    static const struct db_col map[] = {
        DB_COL(0, DB_INT64, struct push_job, id),
        DB_COL(1, DB_INT64, struct push_job, subscription_id),
        DB_COL(2, DB_INT, struct push_job, attempts),
        DB_COL(3, DB_TEXT, struct push_job, endpoint),
        DB_COL(4, DB_TEXT, struct push_job, p256dh),
        DB_COL(5, DB_TEXT, struct push_job, auth),
    };
    return db_rows(db_query(db, sql, "Ii", now_ms, max), map, DB_COLS(map), jobs, sizeof *jobs, max,
                   n);
}

int push_jobs_next_due(struct db *db, int64_t *due_ms)
{
    return db_query_int(db, "SELECT min(due_at) FROM push_jobs", due_ms);
}

int push_job_done(struct db *db, const struct push_job *j, int64_t now_ms)
{
    int rc = db_run(db, "DELETE FROM push_jobs WHERE id = ?1", "I", j->id);
    if (rc != DB_OK)
        return rc;
    return db_run(db, "UPDATE push_subscriptions SET last_ok_at = ?2, fails = 0 WHERE id = ?1",
                  "II", j->subscription_id, now_ms);
}

int push_job_retry(struct db *db, const struct push_job *j, int64_t due_ms, int64_t now_ms)
{
    int rc = db_run(db, "UPDATE push_jobs SET attempts = attempts + 1, due_at = ?2 WHERE id = ?1",
                    "II", j->id, due_ms);
    if (rc != DB_OK)
        return rc;
    return db_run(db,
                  "UPDATE push_subscriptions SET last_fail_at = ?2, fails = fails + 1 "
                  "WHERE id = ?1",
                  "II", j->subscription_id, now_ms);
}

int push_job_drop(struct db *db, const struct push_job *j, int gone_sub, int64_t now_ms)
{
    if (gone_sub) /* the job goes with it (ON DELETE CASCADE) */
        return db_run(db, "DELETE FROM push_subscriptions WHERE id = ?1", "I", j->subscription_id);
    int rc = db_run(db, "DELETE FROM push_jobs WHERE id = ?1", "I", j->id);
    if (rc != DB_OK)
        return rc;
    return db_run(db,
                  "UPDATE push_subscriptions SET last_fail_at = ?2, fails = fails + 1 "
                  "WHERE id = ?1",
                  "II", j->subscription_id, now_ms);
}

struct push_vapid_row {
    char priv[PUSH_KEY_MAX], pub[PUSH_KEY_MAX];
};

int push_vapid_get(struct db *db, char priv[PUSH_KEY_MAX], char pub[PUSH_KEY_MAX])
{
    static const struct db_col map[] = {
        DB_COL(0, DB_TEXT, struct push_vapid_row, priv),
        DB_COL(1, DB_TEXT, struct push_vapid_row, pub),
    };
    struct push_vapid_row r = {0};
    int rc =
        db_row(db_query(db, "SELECT private_key, public_key FROM push_vapid WHERE id = ?1", "i", 1),
               map, DB_COLS(map), &r);
    if (rc == DB_OK) {
        memcpy(priv, r.priv, PUSH_KEY_MAX);
        memcpy(pub, r.pub, PUSH_KEY_MAX);
    }
    return rc;
}

int push_vapid_put(struct db *db, const char *priv, const char *pub, int64_t now_ms)
{
    return db_run(db,
                  "INSERT INTO push_vapid (id, private_key, public_key, created_at) "
                  "VALUES (1, ?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
                  "ttI", priv, pub, now_ms);
}
