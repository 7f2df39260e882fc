/*
 * test_desk_auth.c — the web desk's sign-in rules in storage/desk_auth.c on a real database
 * and the application clock passed in: a link works once and for 10 minutes, a session lasts
 * 12 hours at most and 2 hours idle, ends for all of a person's browsers at once, ends when
 * the person is no longer enrolled, and what can no longer be used is pruned (also by the
 * retention pass). And people_is_officer: commanders work the desk as officers do.
 */
#include "config/config.h"
#include "handlers/handler.h"
#include "handlers/retention.h"
#include "storage/desk_auth.h"
#include "storage/people.h"
#include "testlib.h"

#define MIN  (60 * 1000LL)
#define HOUR (60 * MIN)
#define NOW  (1000 * 24 * HOUR)

static int64_t person(struct db *db, const char *uid, const char *role)
{
    int64_t id = 0;
    CHECK_INT(people_touch(db, "telegram", uid, "Cán bộ", true, NOW, &id), DB_OK);
    CHECK_INT(db_run(db, "UPDATE people SET role = ?, area = 'TDP5' WHERE id = ?", "tI", role, id),
              DB_OK);
    return id;
}

/* A session opened at now by a fresh link of id; its secret in secret. */
static void open_session(struct db *db, int64_t id, int64_t now, struct desk_session *s,
                         char secret[DESK_SECRET_HEX + 1])
{
    char link[DESK_SECRET_HEX + 1];
    CHECK_INT(desk_link_create(db, id, now, link), DB_OK);
    CHECK_INT(desk_link_redeem(db, link, "127.0.0.1", now, s, secret), DB_OK);
}

static void test_desk_auth_link_works_once_and_for_ten_minutes(void)
{
    struct db *db = testlib_db("links.db", -1);
    int64_t id = person(db, "1", "police");
    char a[DESK_SECRET_HEX + 1], b[DESK_SECRET_HEX + 1], sec[DESK_SECRET_HEX + 1];
    struct desk_session s;
    CHECK_INT(desk_link_create(db, id, NOW, a), DB_OK);
    CHECK_INT(desk_link_create(db, id, NOW, b), DB_OK);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(desk_link_redeem(db, a, NULL, NOW + DESK_LINK_TTL_MS - 1, &s, sec), DB_OK);
    CHECK_INT(s.person_id, id);
    CHECK_INT(strlen(s.csrf), DESK_CSRF_HEX);
    CHECK_INT(desk_link_redeem(db, a, NULL, NOW + 1, &s, sec), DB_NOT_FOUND); /* once */
    CHECK_INT(desk_link_redeem(db, b, NULL, NOW + DESK_LINK_TTL_MS, &s, sec), DB_NOT_FOUND);
    CHECK_INT(desk_link_redeem(db, "not-a-secret", NULL, NOW, &s, sec), DB_NOT_FOUND);
    /* Residents get no link. */
    CHECK_INT(desk_link_create(db, person(db, "2", "resident"), NOW, a), DB_NOT_FOUND);
    db_close(db);
}

static void test_desk_auth_session_lasts_twelve_hours_and_two_idle(void)
{
    struct db *db = testlib_db("sessions.db", -1);
    int64_t id = person(db, "1", "commander");
    struct desk_session s, got;
    char sec[DESK_SECRET_HEX + 1], idle[DESK_SECRET_HEX + 1];
    open_session(db, id, NOW, &s, sec);
    /* Used every 110 minutes it lives until 12 hours after it opened, not longer. */
    int64_t t = NOW;
    for (; t + 110 * MIN < NOW + DESK_SESSION_MAX_MS; t += 110 * MIN)
        CHECK_INT(desk_session_check(db, sec, t + 110 * MIN, &got), DB_OK);
    CHECK_INT(got.id, s.id);
    CHECK_INT(desk_session_check(db, sec, NOW + DESK_SESSION_MAX_MS, &got), DB_NOT_FOUND);
    /* Left alone for 2 hours it is over. */
    open_session(db, id, NOW, &s, idle);
    CHECK_INT(desk_session_check(db, idle, NOW + DESK_SESSION_IDLE_MS - 1, &got), DB_OK);
    open_session(db, id, NOW, &s, idle);
    CHECK_INT(desk_session_check(db, idle, NOW + DESK_SESSION_IDLE_MS, &got), DB_NOT_FOUND);
    db_close(db);
}

static void test_desk_auth_sessions_end_by_person_and_by_role(void)
{
    struct db *db = testlib_db("end.db", -1);
    int64_t id = person(db, "1", "police"), other = person(db, "2", "leader");
    struct desk_session s, got;
    char a[DESK_SECRET_HEX + 1], b[DESK_SECRET_HEX + 1], c[DESK_SECRET_HEX + 1];
    open_session(db, id, NOW, &s, a);
    open_session(db, id, NOW, &s, b);
    open_session(db, other, NOW, &s, c);
    int64_t ended = 0;
    CHECK_INT(desk_sessions_end_person(db, id, NOW + MIN, &ended), DB_OK);
    CHECK_INT(ended, 2);
    CHECK_INT(desk_session_check(db, a, NOW + MIN, &got), DB_NOT_FOUND);
    CHECK_INT(desk_session_check(db, b, NOW + MIN, &got), DB_NOT_FOUND);
    CHECK_INT(desk_session_check(db, c, NOW + MIN, &got), DB_OK);
    /* No longer enrolled: the open session is refused at once. */
    CHECK_INT(people_unenrol(db, other, NOW + MIN), DB_OK);
    CHECK_INT(desk_session_check(db, c, NOW + 2 * MIN, &got), DB_NOT_FOUND);
    CHECK_INT(people_unenrol(db, 999, NOW), DB_NOT_FOUND);
    db_close(db);
}

static int64_t count(struct db *db, const char *sql)
{
    int64_t n = -1;
    CHECK_INT(db_query_int(db, sql, &n), DB_OK);
    return n;
}

static const struct cfg prune_cfg = {
    .retention = {.inbox_days = 30,
                  .outbox_days = 30,
                  .callback_days = 30,
                  .webchat_days = 180,
                  .campaign_days = 90},
};

static void test_desk_auth_prune_takes_what_can_no_longer_be_used(void)
{
    struct db *db = testlib_db("prune.db", -1);
    int64_t id = person(db, "1", "police");
    struct desk_session s;
    char sec[DESK_SECRET_HEX + 1], link[DESK_SECRET_HEX + 1], live[DESK_SECRET_HEX + 1];
    open_session(db, id, NOW, &s, sec);                    /* idle after NOW + 2 h */
    CHECK_INT(desk_link_create(db, id, NOW, link), DB_OK); /* unused, expires NOW + 10 min */
    open_session(db, id, NOW + 3 * HOUR, &s, live);
    CHECK_INT(desk_session_end(db, s.id, NOW + 3 * HOUR + MIN), DB_OK); /* signed out */
    CHECK_INT(desk_link_create(db, id, NOW + 4 * HOUR, link), DB_OK);   /* still valid */
    bool due = false;
    int64_t deleted = 0;
    CHECK_INT(desk_auth_prune_due(db, NOW + MIN, &due), DB_OK);
    CHECK(!due);
    /* The retention pass takes the expired links and the ended and idle sessions. */
    for (int i = 0; i < 10; i++) {
        struct hctx ctx = {
            .db = db, .cfg = &prune_cfg, .now_ms = NOW + 4 * HOUR + i * 1000, .args = ""};
        CHECK_INT(retention_tick(&ctx), 0);
    }
    CHECK_INT(count(db, "SELECT count(*) FROM desk_sessions"), 0);
    CHECK_INT(count(db, "SELECT count(*) FROM desk_links"), 1);
    CHECK_INT(desk_auth_prune(db, NOW + 5 * HOUR, &deleted), DB_OK);
    CHECK_INT(deleted, 1);
    CHECK_INT(desk_auth_prune_due(db, NOW + 5 * HOUR, &due), DB_OK);
    CHECK(!due);
    db_close(db);
}

static void test_desk_auth_commanders_work_the_desk_as_officers(void)
{
    CHECK(people_is_officer("police"));
    CHECK(people_is_officer("commander"));
    CHECK(!people_is_officer("leader"));
    CHECK(!people_is_officer("resident"));
    CHECK(!people_is_officer(NULL));
}

TESTLIB_MAIN(T(test_desk_auth_link_works_once_and_for_ten_minutes),
             T(test_desk_auth_session_lasts_twelve_hours_and_two_idle),
             T(test_desk_auth_sessions_end_by_person_and_by_role),
             T(test_desk_auth_prune_takes_what_can_no_longer_be_used),
             T(test_desk_auth_commanders_work_the_desk_as_officers))
