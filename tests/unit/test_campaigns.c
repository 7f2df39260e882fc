/*
 * test_campaigns.c — campaigns on the scheduler (handlers/campaign.h): audiences, residents'
 * subscription commands and plain "dừng", the awareness calendar on its day at 08:00 local,
 * bounded batches with one outbox row per recipient (a replayed batch adds none), an opt-out
 * honoured for the next send and withdrawing what was still queued, the per-campaign report,
 * a day missed by a long downtime, and an officer's /canhbao with its confirmation.
 */
#include "bot/app.h"
#include "base/clock.h"
#include "base/msg.h"
#include "bot/scheduler.h"
#include "bot/worker.h"
#include "calendar/calendar.h"
#include "handlers/campaign.h"
#include "storage/enrol.h"
#include "storage/inbox.h"
#include "storage/outbox.h"

#include "testlib.h"

#include <stdlib.h>

static int64_t at(int y, int m, int d, int h, int min)
{
    return calendar_at(calendar_days(y, m, d), h * 60 + min);
}

static int start(struct app *app, const char *name, const char *campaigns)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"},"
             " \"areas\": [{\"code\": \"TDP5\", \"name\": \"Tổ dân phố 5\", \"aliases\": "
             "[\"tổ 5\"]}, {\"code\": \"THONDONG\", \"name\": \"Thôn Đông\"}],"
             " \"campaigns\": %s}",
             name, campaigns ? campaigns : "{}");
    return testlib_app(app, name, text);
}

static void tick(struct app *app, int64_t now)
{
    unsigned touched = 0;
    CHECK_INT(scheduler_tick(app, app->db, now, &touched), 0);
}

static void exec(struct app *app, const char *sql)
{
    char *err = NULL;
    CHECK_INT(sqlite3_exec(db_handle(app->db), sql, NULL, NULL, &err), SQLITE_OK);
    if (err)
        fprintf(stderr, "  %s: %s\n", sql, err);
    sqlite3_free(err);
}

/* One integer from sql (prepared afresh: db_query_int caches statements by address). */
static int64_t q1(struct app *app, const char *sql)
{
    int64_t v = -1;
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_prepare_v2(db_handle(app->db), sql, -1, &st, NULL), SQLITE_OK);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *last_to(struct app *app, const char *chat)
{
    static char buf[8192];
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    sqlite3_prepare_v2(db_handle(app->db),
                       "SELECT text FROM outbox WHERE chat_id = ? ORDER BY id DESC LIMIT 1", -1,
                       &st, NULL);
    sqlite3_bind_text(st, 1, chat, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

static int count_to(struct app *app, const char *chat)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE chat_id = '%s'", chat);
    return (int)q1(app, sql);
}

/* A webchat message from user at now, handled; returns the last text queued for the user. */
static const char *say(struct app *app, const char *user, const char *text, int64_t now)
{
    static int seq;
    char key[32];
    struct msg m = {0};
    snprintf(key, sizeof key, "c%d", ++seq);
    m.kind = MSG_TEXT;
    m.platform = strdup("webchat");
    m.update_key = strdup(key);
    m.chat_id = strdup(user);
    m.sender_id = strdup(user);
    m.text = strdup(text);
    m.date_ms = now;
    char *json = msg_to_json(&m);
    CHECK_INT(inbox_add(app->db, "webchat", key, user, json, now, NULL), DB_OK);
    free(json);
    msg_clear(&m);
    int done = 0;
    unsigned touched = 0;
    clock_set_fake(now);
    CHECK_INT(worker_run_batch(app, app->db, &done, &touched), 0);
    clock_set_fake(0);
    return last_to(app, user);
}

/* n subscribed residents on webchat, chats r0 … r<n-1>, in area (or none). */
static void residents(struct app *app, int n, const char *prefix, const char *area)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x + 1 < %d) "
             "INSERT INTO people (platform, platform_user_id, created_at, updated_at) "
             "SELECT 'webchat', '%s' || x, 1, 1 FROM i; "
             "INSERT INTO chats (platform, chat_id, kind, created_at, updated_at) "
             "SELECT 'webchat', platform_user_id, 'private', 1, 1 FROM people WHERE "
             "platform_user_id LIKE '%s%%'; "
             "INSERT INTO subscriptions (platform, chat_id, person_id, status, area, created_at, "
             "updated_at) SELECT 'webchat', platform_user_id, id, 'subscribed', %s%s%s, 1, 1 "
             "FROM people WHERE platform_user_id LIKE '%s%%';",
             n, prefix, prefix, area ? "'" : "", area ? area : "NULL", area ? "'" : "", prefix);
    exec(app, sql);
}

static int64_t create(struct app *app, const char *code, const char *audience, int64_t send_at,
                      int64_t now)
{
    struct campaign c = {.kind = "custom", .priority = OUTBOX_BULK, .send_at = send_at};
    char norm[CAMPAIGNS_AUDIENCE_MAX], err[256];
    struct campaigns_audience a;
    int64_t id = 0;
    snprintf(c.code, sizeof c.code, "%s", code);
    snprintf(c.title, sizeof c.title, "Thử %s", code);
    c.text = (char *)"Cảnh giác lừa đảo qua điện thoại.";
    CHECK_INT(campaign_audience_parse(audience, &a, c.audience, sizeof c.audience, err, sizeof err),
              0);
    (void)norm;
    CHECK_INT(campaigns_create(app->db, &c, 0, now, &id), DB_OK);
    return id;
}

static struct campaigns_counts report(struct app *app, int64_t id)
{
    struct campaigns_counts k;
    CHECK_INT(campaigns_report(app->db, id, &k), DB_OK);
    return k;
}

static void test_campaigns_audience_words(void)
{
    struct campaigns_audience a;
    char norm[CAMPAIGNS_AUDIENCE_MAX], err[256];
    CHECK_INT(campaign_audience_parse("residents:tdp5,THONDONG groups schools", &a, norm,
                                      sizeof norm, err, sizeof err),
              0);
    CHECK(a.residents && a.groups && a.schools && !a.agencies);
    CHECK_STR(a.resident_areas, ",TDP5,THONDONG,");
    CHECK_STR(a.group_areas, "");
    CHECK_STR(norm, "residents:tdp5,THONDONG groups schools");
    const char *bad[] = {"",          "everyone",   "residents residents",
                         "schools:X", "groups:a b", "residents:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(campaign_audience_parse(bad[i], &a, norm, sizeof norm, err, sizeof err), -1);
}

static void test_campaigns_subscribe_stop_and_plain_words(void)
{
    struct app app;
    if (start(&app, "subs", "{\"enabled\": false}") != 0)
        return;
    int64_t now = at(2027, 3, 1, 9, 0);
    CHECK(strstr(say(&app, "u1", "/dangkytin", now), "Bạn đã đăng ký nhận tin") != NULL);
    CHECK(strstr(say(&app, "u1", "/dangkytin tổ 5", now), "cho Tổ dân phố 5") != NULL);
    CHECK(strstr(say(&app, "u1", "/subscribe to 5", now), "cho Tổ dân phố 5") != NULL);
    CHECK(strstr(say(&app, "u1", "/dangkytin phố cổ", now), "TDP5 — Tổ dân phố 5") != NULL);
    CHECK(q1(&app, "SELECT count(*) FROM subscriptions WHERE chat_id = 'u1' AND "
                   "status = 'subscribed' AND area = 'TDP5'") == 1);
    CHECK(strstr(say(&app, "u1", "Dừng", now), "Đã tắt") != NULL);
    CHECK(q1(&app, "SELECT count(*) FROM subscriptions WHERE chat_id = 'u1' AND "
                   "status = 'stopped'") == 1);
    CHECK(strstr(say(&app, "u1", "/batthongbao", now), "Đã bật lại") != NULL);
    CHECK(strstr(say(&app, "u1", "huỷ đăng ký", now), "Đã tắt") != NULL);
    CHECK(strstr(say(&app, "u1", "/start_alerts", now), "Đã bật lại") != NULL);
    CHECK(strstr(say(&app, "u1", "huy dang ky!", now), "Đã tắt") != NULL);
    CHECK(strstr(say(&app, "u1", "/batthongbao", now), "Đã bật lại") != NULL);
    CHECK(strstr(say(&app, "u1", "dung", now), "Đã tắt") != NULL);
    CHECK(strstr(say(&app, "u1", "/stop", now), "Đã tắt") != NULL);
    /* "Đúng" (right) and "dùng" (use) are not "dừng". */
    CHECK(strstr(say(&app, "u2", "/dangkytin", now), "đã đăng ký") != NULL);
    CHECK(strstr(say(&app, "u2", "Đúng", now), "Đã tắt") == NULL);
    CHECK(strstr(say(&app, "u2", "dùng", now), "Đã tắt") == NULL);
    CHECK(q1(&app, "SELECT count(*) FROM subscriptions WHERE chat_id = 'u2' AND "
                   "status = 'subscribed'") == 1);
    app_free(&app);
}

static void test_campaigns_batches_are_bounded_and_replays_add_nothing(void)
{
    struct app app;
    if (start(&app, "batches", "{\"enabled\": false, \"batch\": 500}") != 0)
        return;
    residents(&app, 1200, "r", NULL);
    int64_t now = at(2027, 3, 1, 9, 0);
    int64_t id = create(&app, "BIG", "residents", now, now);
    tick(&app, now);
    CHECK_INT(q1(&app, "SELECT count(*) FROM outbox"), 500);
    CHECK_INT(q1(&app, "SELECT count(*) FROM campaign_recipients WHERE state = 'pending'"), 700);
    CHECK_INT(q1(&app, "SELECT min(priority) FROM outbox"), OUTBOX_BULK);
    tick(&app, now + 1000);
    tick(&app, now + 2000);
    CHECK_INT(q1(&app, "SELECT count(*) FROM outbox"), 1200);
    CHECK_INT(q1(&app, "SELECT count(DISTINCT chat_id) FROM outbox"), 1200);
    tick(&app, now + 3000);
    CHECK_INT(q1(&app, "SELECT count(*) FROM campaigns WHERE code = 'BIG' AND status = 'done'"), 1);
    /* A batch replayed (as after a crash between two writes) adds no second row. */
    exec(&app, "UPDATE campaign_recipients SET state = 'pending' WHERE chat_id IN ('r1', 'r2'); "
               "UPDATE campaigns SET status = 'running' WHERE code = 'BIG'");
    tick(&app, now + 4000);
    CHECK_INT(q1(&app, "SELECT count(*) FROM outbox"), 1200);
    struct campaigns_counts k = report(&app, id);
    CHECK_INT(k.targeted, 1200);
    CHECK_INT(k.in_progress, 1198); /* queued, not yet sent */
    app_free(&app);
}

/* Recipients a platform's messaging window kept from a campaign are counted apart: not sent,
 * not failed, not unreachable — and the frozen totals keep them too. */
static void test_campaigns_count_outside_the_window_apart_from_failures(void)
{
    struct app app;
    if (start(&app, "window", "{\"enabled\": false, \"batch\": 500}") != 0)
        return;
    residents(&app, 5, "w", NULL);
    int64_t now = at(2027, 3, 1, 9, 0);
    int64_t id = create(&app, "WIN", "residents", now, now);
    tick(&app, now);
    CHECK_INT(q1(&app, "SELECT count(*) FROM outbox"), 5);
    exec(&app, "UPDATE outbox SET status = 'sent' WHERE chat_id IN ('w0', 'w1'); "
               "UPDATE outbox SET status = 'failed', last_error = 'error 400' WHERE chat_id = "
               "'w4'");
    /* As the sender settles a row build_request found outside the window. */
    CHECK_INT(outbox_mark_failed(app.db, q1(&app, "SELECT id FROM outbox WHERE chat_id = 'w2'"),
                                 OUTBOX_OUTSIDE_WINDOW),
              DB_OK);
    CHECK_INT(outbox_mark_failed(app.db, q1(&app, "SELECT id FROM outbox WHERE chat_id = 'w3'"),
                                 OUTBOX_OUTSIDE_WINDOW),
              DB_OK);
    struct campaigns_counts k = report(&app, id);
    CHECK_INT(k.targeted, 5);
    CHECK_INT(k.sent, 2);
    CHECK_INT(k.outside_window, 2);
    CHECK_INT(k.failed, 1);
    CHECK_INT(k.unreachable, 0);
    CHECK_INT(k.in_progress, 0);
    bool frozen = false;
    CHECK_INT(campaigns_freeze(app.db, id, now + 1000, &frozen), DB_OK);
    CHECK(frozen);
    exec(&app, "DELETE FROM campaign_recipients; DELETE FROM outbox");
    k = report(&app, id);
    CHECK_INT(k.outside_window, 2);
    CHECK_INT(k.failed, 1);
    CHECK_INT(k.sent, 2);
    app_free(&app);
}

static void test_campaigns_opt_out_withdraws_queued_and_holds_for_next_send(void)
{
    struct app app;
    if (start(&app, "optout", "{\"enabled\": false}") != 0)
        return;
    int64_t now = at(2027, 3, 1, 9, 0);
    say(&app, "p1", "/dangkytin TDP5", now);
    say(&app, "p2", "/dangkytin", now);
    say(&app, "p3", "/dangkytin THONDONG", now);
    int64_t first = create(&app, "ONE", "residents", now, now);
    tick(&app, now);
    CHECK(strstr(last_to(&app, "p1"), "Cảnh giác lừa đảo qua điện thoại.") != NULL);
    CHECK(strstr(last_to(&app, "p1"), "Gõ /tatthongbao để ngừng nhận thông báo.") != NULL);
    /* p3's message is delivered; p2's fails; then p1 stops before its message went. */
    CHECK_INT(q1(&app, "SELECT count(*) FROM outbox WHERE chat_id = 'p3' AND "
                       "dedupe_key LIKE 'campaign:%'"),
              1);
    exec(&app, "UPDATE outbox SET status = 'sent' WHERE chat_id = 'p3' AND dedupe_key LIKE "
               "'campaign:%'; UPDATE outbox SET status = 'failed' WHERE chat_id = 'p2' AND "
               "dedupe_key LIKE 'campaign:%'");
    say(&app, "p1", "/tatthongbao", now + 1000);
    CHECK_INT(q1(&app, "SELECT count(*) FROM outbox WHERE chat_id = 'p1' AND "
                       "status = 'failed' AND last_error = 'opted out'"),
              1);
    struct campaigns_counts k = report(&app, first);
    CHECK_INT(k.targeted, 3);
    CHECK_INT(k.sent, 1);
    CHECK_INT(k.failed, 1);
    CHECK_INT(k.opted_out, 1);
    CHECK_INT(k.in_progress, 0);
    int before = count_to(&app, "p1");
    int64_t second = create(&app, "TWO", "residents:TDP5,THONDONG", now + 2000, now + 2000);
    tick(&app, now + 2000);
    CHECK_INT(count_to(&app, "p1"), before);
    CHECK(strstr(last_to(&app, "p3"), "Cảnh giác") != NULL);
    k = report(&app, second);
    CHECK_INT(k.targeted, 2); /* p1 (stopped) and p3; p2 has no area */
    CHECK_INT(k.opted_out, 1);
    CHECK_INT(k.in_progress, 1);
    app_free(&app);
}

/* The shipped calendar: 19/08 at 08:00 local, to subscribed residents and bound groups (kind
 * group, an area, reachable) — not to a group without an area or one the bot left. */
static void test_campaigns_awareness_day_at_eight_to_residents_and_bound_groups(void)
{
    struct app app;
    if (start(&app, "aware", NULL) != 0)
        return;
    say(&app, "w1", "/dangkytin", at(2027, 8, 1, 9, 0));
    exec(&app, "INSERT INTO chats (platform, chat_id, kind, area, reachable, created_at, "
               "updated_at) VALUES ('webchat', 'g1', 'group', 'TDP5', 1, 1, 1), "
               "('webchat', 'g2', 'group', NULL, 1, 1, 1), "
               "('webchat', 'g3', 'group', 'TDP5', 0, 1, 1)");
    tick(&app, at(2027, 8, 18, 9, 0));
    CHECK_INT(q1(&app, "SELECT count(*) FROM campaigns WHERE code = 'ANTQ-2027' AND "
                       "status = 'scheduled'"),
              1);
    tick(&app, at(2027, 8, 19, 7, 59));
    CHECK_INT(count_to(&app, "g1"), 0);
    tick(&app, at(2027, 8, 19, 8, 0));
    CHECK(strstr(last_to(&app, "w1"), "19/8 — Ngày hội toàn dân bảo vệ an ninh Tổ quốc") != NULL);
    CHECK(strstr(last_to(&app, "w1"), "/tatthongbao") != NULL);
    CHECK(strstr(last_to(&app, "g1"), "19/8 — Ngày hội") != NULL);
    CHECK(strstr(last_to(&app, "g1"), "/tatthongbao") == NULL);
    CHECK_INT(count_to(&app, "g2"), 0);
    CHECK_INT(count_to(&app, "g3"), 0);
    tick(&app, at(2027, 8, 19, 8, 1));
    CHECK_INT(count_to(&app, "w1"), 2); /* the /dangkytin answer and the campaign, once */
    app_free(&app);
}

static void test_campaigns_awareness_day_missed_by_a_long_downtime_is_skipped(void)
{
    struct app app;
    if (start(&app, "missed", "{\"max_delay_days\": 2}") != 0)
        return;
    say(&app, "m1", "/dangkytin", at(2027, 9, 20, 9, 0));
    tick(&app, at(2027, 9, 20, 9, 0)); /* PCCC-2027 (04/10) scheduled */
    tick(&app, at(2027, 10, 6, 7, 0)); /* a day and 23 hours late: still sent */
    CHECK(strstr(last_to(&app, "m1"), "04/10 — Ngày toàn dân phòng cháy") != NULL);
    say(&app, "m2", "/dangkytin", at(2028, 1, 1, 9, 0));
    tick(&app, at(2028, 1, 1, 9, 0)); /* TET-2028 (26/01) scheduled */
    tick(&app, at(2028, 1, 29, 9, 0));
    CHECK(strstr(last_to(&app, "m2"), "Chúc mừng năm mới") == NULL);
    CHECK_INT(q1(&app, "SELECT count(*) FROM campaigns WHERE code = 'TET-2028' AND "
                       "status = 'missed'"),
              1);
    app_free(&app);
}

static void test_campaigns_officer_alert_after_confirmation(void)
{
    struct app app;
    if (start(&app, "alert", "{\"enabled\": false}") != 0)
        return;
    int64_t now = at(2027, 3, 1, 9, 0);
    say(&app, "x1", "/dangkytin TDP5", now);
    say(&app, "x2", "/dangkytin tổ 5", now);
    say(&app, "x3", "/dangkytin THONDONG", now);
    exec(&app, "INSERT INTO chats (platform, chat_id, kind, area, reachable, created_at, "
               "updated_at) VALUES ('webchat', 'gx', 'group', 'TDP5', 1, 1, 1)");
    CHECK(strstr(say(&app, "x1", "/canhbao lừa đảo", now), "dành cho cán bộ Công an") != NULL);
    struct enrol_grant g = {.role = "police", .area = "TDP5"};
    char code[ENROL_CODE_LEN + 1], cmd[64];
    CHECK_INT(enrol_create(app.db, &g, now, 86400000LL, code), DB_OK);
    snprintf(cmd, sizeof cmd, "/dangky %s", code);
    say(&app, "cb", cmd, now);
    CHECK(strstr(say(&app, "cb", "/canhbao", now), "Gõ /canhbao <nội dung") != NULL);
    const char *ask = say(&app, "cb", "/canhbao Giả danh điện lực gọi đòi tiền", now);
    CHECK(strstr(ask, "tới 2 người dân đã đăng ký và 1 nhóm của Tổ dân phố 5") != NULL);
    CHECK(strstr(ask, "Giả danh điện lực gọi đòi tiền") != NULL);
    CHECK(strstr(say(&app, "cb", "Hủy", now), "Đã hủy, cảnh báo chưa được gửi") != NULL);
    say(&app, "cb", "/alert Giả danh điện lực gọi đòi tiền", now);
    const char *done = say(&app, "cb", "gui", now + 1000);
    CHECK(strstr(done, "Đã gửi cảnh báo CB") != NULL);
    tick(&app, now + 2000);
    CHECK(strstr(last_to(&app, "x1"), "CẢNH BÁO từ Công an — Tổ dân phố 5") != NULL);
    CHECK(strstr(last_to(&app, "x2"), "Giả danh điện lực gọi đòi tiền") != NULL);
    CHECK(strstr(last_to(&app, "gx"), "113") != NULL);
    CHECK(strstr(last_to(&app, "x3"), "CẢNH BÁO") == NULL);
    CHECK_INT(q1(&app, "SELECT count(*) FROM outbox WHERE text LIKE '%CẢNH BÁO từ%' AND "
                       "priority = 2"),
              3);
    /* A confirmation answered too late sends nothing. */
    say(&app, "cb", "/canhbao Cảnh báo thứ hai", now + 3000);
    CHECK(strstr(say(&app, "cb", "Gửi", now + 3000 + 16 * 60000LL), "quá hạn") != NULL);
    CHECK_INT(q1(&app, "SELECT count(*) FROM campaigns WHERE kind = 'alert'"), 1);
    app_free(&app);
}

TESTLIB_MAIN(T(test_campaigns_count_outside_the_window_apart_from_failures),
             T(test_campaigns_audience_words), T(test_campaigns_subscribe_stop_and_plain_words),
             T(test_campaigns_batches_are_bounded_and_replays_add_nothing),
             T(test_campaigns_opt_out_withdraws_queued_and_holds_for_next_send),
             T(test_campaigns_awareness_day_at_eight_to_residents_and_bound_groups),
             T(test_campaigns_awareness_day_missed_by_a_long_downtime_is_skipped),
             T(test_campaigns_officer_alert_after_confirmation))
