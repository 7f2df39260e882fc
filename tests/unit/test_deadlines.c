/*
 * test_deadlines.c — agency deadline reminders on the scheduler (handlers/deadlines.h) with a
 * moving clock: the offsets before the due day at 08:00 local, daily while overdue, one
 * message per chat of every responsible agency; a restart and a long downtime caught up with
 * one message; /danop on time and late stops an agency's reminders; the steering committee's
 * escalation once, listing who is late; the weekend and holiday notes; /hannop; an agency
 * added later owes only what is still to come; a daily sync that fails is undone once, inside
 * the update that ran it, which goes on (a calendar broken overnight still lets /hannop answer).
 */
#include "bot/app.h"
#include "base/log.h"
#include "base/clock.h"
#include "base/msg.h"
#include "bot/scheduler.h"
#include "bot/worker.h"
#include "calendar/calendar.h"
#include "handlers/deadlines.h"
#include "storage/agencies.h"
#include "storage/enrol.h"
#include "storage/inbox.h"
#include "storage/outbox.h"

#include "testlib.h"

#include <stdlib.h>

static const char *calendar_json =
    "{\"plan\": \"Kế hoạch thử\", \"deadlines\": ["
    "{\"code\": \"BCQ\", \"who\": \"all\", \"what\": \"Báo cáo quý\", \"to\": \"UBND phường\", "
    "\"rule\": \"quarterly 10 quarters Q1\"},"
    "{\"code\": \"CN\", \"who\": [\"A\"], \"what\": \"Báo cáo chủ nhật\", \"to\": \"UBND\", "
    "\"rule\": \"once 14/03/2027\"},"
    "{\"code\": \"LE\", \"who\": [\"A\"], \"what\": \"Báo cáo ngày lễ\", \"to\": \"UBND\", "
    "\"rule\": \"once 01/05/2027\"}]}";

static int64_t at(int y, int m, int d, int h, int min)
{
    return calendar_at(calendar_days(y, m, d), h * 60 + min);
}

/* An app whose config names this test's calendar, agencies A (one chat) and B (two), and a
 * steering committee chat. */
static int start(struct app *app, const char *name)
{
    char text[2048], cal[128];
    snprintf(cal, sizeof cal, "%s-cal.json", name);
    testlib_write(cal, calendar_json);
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"},"
             " \"calendar\": {\"files\": [\"%s\"]},"
             " \"agencies\": [{\"code\": \"A\", \"name\": \"Cơ quan A\", \"chats\": "
             "[{\"platform\": \"webchat\", \"chat_id\": \"a1\"}]},"
             " {\"code\": \"B\", \"name\": \"Trường B\", \"kind\": \"school\", \"chats\": "
             "[{\"platform\": \"webchat\", \"chat_id\": \"b1\"}, {\"platform\": \"webchat\", "
             "\"chat_id\": \"b2\"}]}],"
             " \"deadlines\": {\"steering\": {\"platform\": \"webchat\", \"chat_id\": \"bcd\"}}}",
             name, cal);
    return testlib_app(app, name, text);
}

static void tick(struct app *app, int64_t now)
{
    unsigned touched = 0;
    CHECK_INT(scheduler_tick(app, app->db, now, &touched), 0);
}

/* The texts queued for chat, oldest first, joined by "|" (static buffer). */
static const char *sent_to(struct app *app, const char *chat)
{
    static char buf[32768];
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    sqlite3_prepare_v2(db_handle(app->db), "SELECT text FROM outbox WHERE chat_id = ? ORDER BY id",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, chat, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s", n ? "|" : "",
                 (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return buf;
}

static int count_to(struct app *app, const char *chat)
{
    const char *s = sent_to(app, chat);
    int n = *s ? 1 : 0;
    for (; *s; s++)
        n += *s == '|';
    return n;
}

/* The last text queued for chat (static buffer). */
static const char *last_to(struct app *app, const char *chat)
{
    const char *s = sent_to(app, chat), *bar = strrchr(s, '|');
    return bar ? bar + 1 : s;
}

/* A webchat message from user (its own chat) handled at now; returns the reply. */
static const char *say(struct app *app, const char *user, const char *text, int64_t now)
{
    static int seq;
    char key[32];
    struct msg m = {0};
    snprintf(key, sizeof key, "k%d", ++seq);
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

/* Enrols webchat user as a member of agency. */
static void member(struct app *app, const char *user, const char *agency, int64_t now)
{
    struct enrol_grant g = {.role = "agency"};
    char code[ENROL_CODE_LEN + 1], cmd[64];
    snprintf(g.agency, sizeof g.agency, "%s", agency);
    CHECK_INT(enrol_create(app->db, &g, now, 86400000LL, code), DB_OK);
    snprintf(cmd, sizeof cmd, "/dangky %s", code);
    CHECK(strstr(say(app, user, cmd, now), "Đăng ký thành công") != NULL);
}

/* B is bound by BCQ only (A also by CN and LE): its chats show one deadline's reminders. */
static void test_deadlines_reminders_at_offsets_then_daily_while_overdue(void)
{
    struct app app;
    if (start(&app, "offsets") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0)); /* sync: tasks for BCQ1-2027 (10/03) */
    CHECK_INT(count_to(&app, "b1"), 0);
    tick(&app, at(2027, 3, 3, 7, 59));
    CHECK_INT(count_to(&app, "b1"), 0);
    tick(&app, at(2027, 3, 3, 8, 0));
    CHECK_INT(count_to(&app, "a1"), 1);
    CHECK_INT(count_to(&app, "b1"), 1);
    CHECK_INT(count_to(&app, "b2"), 1);
    CHECK(strstr(last_to(&app, "a1"), "Nhắc hạn nộp BCQ1-2027 — Cơ quan A") != NULL);
    CHECK(strstr(last_to(&app, "a1"), "Thứ Tư, 10/03/2027 (còn 7 ngày)") != NULL);
    CHECK(strstr(last_to(&app, "a1"), "Khi đã nộp, gõ /danop BCQ1-2027.") != NULL);
    CHECK(strstr(last_to(&app, "b2"), "Nhắc hạn nộp BCQ1-2027 — Trường B") != NULL);
    tick(&app, at(2027, 3, 3, 8, 1));
    tick(&app, at(2027, 3, 6, 23, 0));
    CHECK_INT(count_to(&app, "b1"), 1);
    tick(&app, at(2027, 3, 7, 8, 0));
    CHECK(strstr(last_to(&app, "b1"), "(còn 3 ngày)") != NULL);
    tick(&app, at(2027, 3, 9, 8, 0));
    CHECK(strstr(last_to(&app, "b1"), "(còn 1 ngày)") != NULL);
    tick(&app, at(2027, 3, 10, 8, 0));
    CHECK(strstr(last_to(&app, "b1"), "HÔM NAY là hạn nộp BCQ1-2027") != NULL);
    tick(&app, at(2027, 3, 11, 8, 0));
    CHECK(strstr(last_to(&app, "b1"), "QUÁ HẠN 1 ngày: Trường B (B) chưa nộp BCQ1-2027") != NULL);
    tick(&app, at(2027, 3, 12, 8, 0));
    CHECK(strstr(last_to(&app, "b1"), "QUÁ HẠN 2 ngày") != NULL);
    CHECK_INT(count_to(&app, "b1"), 6);
    CHECK_INT(count_to(&app, "b2"), 6);
    app_free(&app);
}

static void test_deadlines_restart_and_long_downtime_caught_up_once(void)
{
    struct app app;
    if (start(&app, "downtime") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    tick(&app, at(2027, 3, 3, 8, 0));
    CHECK_INT(count_to(&app, "b1"), 1);
    app_free(&app); /* down from 03/03 to 12/03: -3, -1, 0 and +1 are missed */
    if (start(&app, "downtime") != 0)
        return;
    tick(&app, at(2027, 3, 12, 10, 0));
    CHECK_INT(count_to(&app, "b1"), 2);
    CHECK(strstr(last_to(&app, "b1"), "QUÁ HẠN 2 ngày") != NULL);
    tick(&app, at(2027, 3, 12, 10, 0));
    tick(&app, at(2027, 3, 12, 23, 59));
    CHECK_INT(count_to(&app, "b1"), 2);
    app_free(&app); /* a restart on the same day repeats nothing */
    if (start(&app, "downtime") != 0)
        return;
    tick(&app, at(2027, 3, 12, 23, 59));
    CHECK_INT(count_to(&app, "b1"), 2);
    tick(&app, at(2027, 3, 13, 8, 0));
    CHECK_INT(count_to(&app, "b1"), 3);
    CHECK(strstr(last_to(&app, "b1"), "QUÁ HẠN 3 ngày") != NULL);
    app_free(&app); /* longer than the overdue period: the task ends without a stale message */
    if (start(&app, "downtime") != 0)
        return;
    tick(&app, at(2027, 6, 1, 9, 0));
    CHECK_INT(count_to(&app, "b1"), 3);
    app_free(&app);
}

static void test_deadlines_done_on_time_and_late_stop_reminders(void)
{
    struct app app;
    if (start(&app, "done") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    member(&app, "ua", "A", at(2027, 3, 1, 9, 5));
    member(&app, "ub", "B", at(2027, 3, 1, 9, 6));
    CHECK(strstr(say(&app, "ux", "/danop BCQ1-2027", at(2027, 3, 2, 9, 0)),
                 "dành cho thành viên cơ quan") != NULL);
    CHECK(strstr(say(&app, "ua", "/danop XYZ", at(2027, 3, 2, 9, 0)),
                 "Không tìm thấy hạn nộp XYZ của Cơ quan A") != NULL);
    CHECK(strstr(say(&app, "ua", "/danop", at(2027, 3, 2, 9, 0)), "Gõ /danop <mã hạn nộp>"));
    CHECK(strstr(say(&app, "ua", "/danop bcq1-2027", at(2027, 3, 10, 17, 0)),
                 "Cơ quan A đã nộp Báo cáo quý (BCQ1-2027) đúng hạn") != NULL);
    CHECK(strstr(say(&app, "ua", "/danop BCQ", at(2027, 3, 10, 17, 1)),
                 "Cơ quan A đã báo nộp BCQ1-2027 ngày Thứ Tư, 10/03/2027") != NULL);
    tick(&app, at(2027, 3, 12, 9, 0));
    int b_before = count_to(&app, "b1");
    CHECK(strstr(say(&app, "ub", "/done BCQ", at(2027, 3, 12, 10, 0)),
                 "Trường B đã nộp Báo cáo quý (BCQ1-2027), trễ 2 ngày so với hạn Thứ Tư, "
                 "10/03/2027") != NULL);
    tick(&app, at(2027, 3, 13, 8, 0));
    tick(&app, at(2027, 3, 14, 8, 0));
    CHECK_INT(count_to(&app, "b1"), b_before);
    /* A's other deadline goes on; BCQ's reminders stopped when it was submitted. */
    CHECK(strstr(last_to(&app, "a1"), "HÔM NAY là hạn nộp CN") != NULL);
    CHECK(strstr(sent_to(&app, "a1"), "chưa nộp BCQ1-2027") == NULL);
    app_free(&app);
}

static void test_deadlines_escalation_lists_who_is_late_once(void)
{
    struct app app;
    if (start(&app, "escalate") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    member(&app, "ua2", "A", at(2027, 3, 1, 9, 5));
    say(&app, "ua2", "/danop BCQ1-2027", at(2027, 3, 11, 9, 0));
    tick(&app, at(2027, 3, 13, 7, 59));
    CHECK_INT(count_to(&app, "bcd"), 0);
    tick(&app, at(2027, 3, 13, 8, 0));
    CHECK_INT(count_to(&app, "bcd"), 1);
    const char *esc = last_to(&app, "bcd");
    CHECK(strstr(esc, "Quá hạn 3 ngày: Báo cáo quý (BCQ1-2027)") != NULL);
    CHECK(strstr(esc, "• B — Trường B") != NULL);
    CHECK(strstr(esc, "Cơ quan A") == NULL);
    tick(&app, at(2027, 3, 14, 8, 0));
    tick(&app, at(2027, 3, 20, 8, 0));
    CHECK_INT(count_to(&app, "bcd"), 2); /* CN-… of A escalated on 17/03; BCQ not again */
    CHECK(strstr(last_to(&app, "bcd"), "(CN)") != NULL);
    app_free(&app);
}

static void test_deadlines_weekend_and_holiday_are_said_not_moved(void)
{
    struct app app;
    if (start(&app, "notes") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    tick(&app, at(2027, 3, 13, 8, 0)); /* CN: Sunday 14/03, 1 day before */
    const char *s = sent_to(&app, "a1");
    CHECK(strstr(s, "Hạn: Chủ nhật, 14/03/2027 (còn 1 ngày)") != NULL);
    CHECK(strstr(s, "hạn rơi vào Chủ nhật (nghỉ cuối tuần). Hạn vẫn giữ nguyên") != NULL);
    tick(&app, at(2027, 4, 30, 8, 0)); /* LE: 01/05, a holiday */
    CHECK(strstr(last_to(&app, "a1"), "hạn rơi vào ngày nghỉ Ngày Quốc tế Lao động") != NULL);
    app_free(&app);
}

static void test_deadlines_hannop_lists_open_codes(void)
{
    struct app app;
    if (start(&app, "list") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    member(&app, "ul", "A", at(2027, 3, 1, 9, 5));
    const char *list = say(&app, "ul", "/hannop", at(2027, 3, 12, 9, 0));
    CHECK(strstr(list, "Các hạn nộp sắp tới của Cơ quan A (A):") != NULL);
    CHECK(strstr(list, "• BCQ1-2027 — Báo cáo quý — hạn Thứ Tư, 10/03/2027 (quá hạn 2 ngày)"));
    CHECK(strstr(list, "• CN — Báo cáo chủ nhật — hạn Chủ nhật, 14/03/2027 (còn 2 ngày)"));
    CHECK(strstr(list, "• LE — ") != NULL);
    CHECK(strstr(list, "BCQ1-2027") < strstr(list, "CN —"));
    app_free(&app);
}

/* An agency created after a date owes nothing for it; it owes the next ones. */
static void test_deadlines_agency_added_later_owes_only_what_is_to_come(void)
{
    struct app app;
    char err[512];
    if (start(&app, "later") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    int64_t now = at(2027, 3, 20, 9, 0);
    CHECK_INT(db_begin(app.db), DB_OK);
    CHECK_INT(
        agencies_upsert(app.db, "C", "Doanh nghiệp C", "business", "cli", calendar_today(now), now),
        DB_OK);
    CHECK_INT(agencies_chat_add(app.db, "C", "webchat", "c1", "cli", now), DB_OK);
    CHECK_INT(deadlines_sync(app.db, app.cfg, now, err, sizeof err), 0);
    CHECK_INT(db_commit(app.db), DB_OK);
    tick(&app, now);
    tick(&app, at(2028, 3, 3, 8, 0));
    CHECK_INT(count_to(&app, "c1"), 1);
    CHECK(strstr(last_to(&app, "c1"), "BCQ1-2028") != NULL);
    struct agencies_record rec[8];
    int n = 0;
    CHECK_INT(agencies_report(app.db, calendar_days(2027, 1, 1), calendar_days(2027, 12, 31),
                              calendar_days(2028, 3, 3), rec, 8, &n),
              DB_OK);
    CHECK_INT(n, 3);
    CHECK_STR(rec[2].code, "C");
    CHECK_INT(rec[2].missing + rec[2].late + rec[2].on_time, 0);
    CHECK_STR(rec[0].code, "A");
    CHECK_INT(rec[0].missing, 3);
    app_free(&app);
}

/* The deadline report says how each reminder went: delivered, kept back by the platform's
 * messaging window (not a failure), or failed. */
static void test_deadlines_report_counts_reminders_outside_the_window_apart(void)
{
    struct app app;
    if (start(&app, "remwin") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    tick(&app, at(2027, 3, 3, 8, 0)); /* one reminder to a1, one each to b1 and b2 */
    CHECK_INT(count_to(&app, "b1"), 1);
    static const char ids[] = "SELECT id FROM outbox WHERE chat_id = ?";
    int64_t a1 = 0, b1 = 0, b2 = 0;
    const char *chats[] = {"a1", "b1", "b2"};
    int64_t *out[] = {&a1, &b1, &b2};
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db_handle(app.db), ids, -1, &st, NULL);
        sqlite3_bind_text(st, 1, chats[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            *out[i] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    CHECK_INT(outbox_mark_sent(app.db, a1, at(2027, 3, 3, 8, 1)), DB_OK);
    CHECK_INT(outbox_mark_failed(app.db, b1, OUTBOX_OUTSIDE_WINDOW), DB_OK);
    CHECK_INT(outbox_mark_failed(app.db, b2, "error 400: chat not found"), DB_OK);
    struct agencies_record rec[8];
    int n = 0;
    CHECK_INT(agencies_report(app.db, calendar_days(2027, 1, 1), calendar_days(2027, 12, 31),
                              calendar_days(2027, 3, 3), rec, 8, &n),
              DB_OK);
    CHECK_INT(n, 2);
    CHECK_STR(rec[0].code, "A");
    CHECK_INT(rec[0].reminders_sent, 1);
    CHECK_INT(rec[0].reminders_outside_window + rec[0].reminders_failed, 0);
    CHECK_STR(rec[1].code, "B");
    CHECK_INT(rec[1].reminders_sent, 0);
    CHECK_INT(rec[1].reminders_outside_window, 1);
    CHECK_INT(rec[1].reminders_failed, 1);
    app_free(&app);
}

/* ---- the daily sync (storage/agencies.h agencies_sync_daily) ----------------------------- */

struct fake_sync {
    int runs;
    int fail;
};

/* Writes an agency, then fails when asked to, as a calendar edited into an error would. */
static int fake_sync_run(struct db *db, void *arg, char *err, size_t errlen)
{
    struct fake_sync *f = arg;
    f->runs++;
    if (agencies_upsert(db, "HALF", "Viết dở", "office", "config", 1, 1) != DB_OK)
        return -1;
    if (f->fail)
        snprintf(err, errlen, "calendars/broken.json: invalid JSON at line 1");
    return f->fail ? -1 : 0;
}

static int64_t inbox_rows(struct app *app)
{
    static const char sql[] = "SELECT count(*) FROM inbox";
    int64_t n = -1;
    CHECK_INT(db_query_int(app->db, sql, &n), DB_OK);
    return n;
}

/* As the worker runs a command: a transaction, the update's savepoint, the sync inside it. */
static void test_deadlines_failed_sync_is_undone_once_and_the_update_goes_on(void)
{
    struct app app;
    struct agency a;
    char err[CALENDAR_ERR_MAX];
    struct fake_sync f = {.fail = 1};
    if (start(&app, "syncfail") != 0)
        return;
    CHECK_INT(db_begin(app.db), DB_OK);
    CHECK_INT(db_savepoint(app.db), DB_OK);
    CHECK_INT(inbox_add(app.db, "webchat", "before", "u", "{}", 1, NULL), DB_OK);
    log_set_level(LOG_OFF);
    CHECK_INT(agencies_sync_daily(app.db, "deadlines", "day-1", fake_sync_run, &f, err, sizeof err),
              DB_ERROR);
    log_set_level(LOG_ERROR);
    CHECK(strstr(err, "broken.json: invalid JSON") != NULL);
    CHECK_INT(agencies_get(app.db, "HALF", &a), DB_NOT_FOUND); /* nothing half-written */
    /* Reported once: the same day does not run it again. */
    CHECK_INT(agencies_sync_daily(app.db, "deadlines", "day-1", fake_sync_run, &f, err, sizeof err),
              0);
    CHECK_INT(f.runs, 1);
    /* The update's own savepoint and the transaction are intact. */
    CHECK_INT(inbox_add(app.db, "webchat", "after", "u", "{}", 2, NULL), DB_OK);
    CHECK_INT(db_release(app.db), DB_OK);
    CHECK_INT(db_commit(app.db), DB_OK);
    CHECK_INT(inbox_rows(&app), 2);
    /* A new token runs it again; a run that succeeds keeps what it wrote. */
    f.fail = 0;
    CHECK_INT(db_begin(app.db), DB_OK);
    CHECK_INT(agencies_sync_daily(app.db, "deadlines", "day-2", fake_sync_run, &f, err, sizeof err),
              1);
    CHECK_INT(db_commit(app.db), DB_OK);
    CHECK_INT(f.runs, 2);
    CHECK_INT(agencies_get(app.db, "HALF", &a), DB_OK);
    app_free(&app);
}

/* The calendar file edited into an error overnight: the next morning's /hannop still answers
 * from what the database has (the sync fails inside the command's update). */
static void test_deadlines_calendar_broken_overnight_hannop_still_answers(void)
{
    struct app app;
    if (start(&app, "broken") != 0)
        return;
    tick(&app, at(2027, 3, 1, 9, 0));
    member(&app, "ub1", "A", at(2027, 3, 1, 9, 5));
    testlib_write("broken-cal.json", "{\"plan\": \"Kế hoạch thử\", \"deadlines\": [");
    log_set_level(LOG_OFF); /* "calendars not refreshed" is expected */
    const char *list = say(&app, "ub1", "/hannop", at(2027, 3, 2, 9, 0));
    log_set_level(LOG_ERROR);
    CHECK(strstr(list, "Các hạn nộp sắp tới của Cơ quan A (A):") != NULL);
    CHECK(strstr(list, "• BCQ1-2027 — Báo cáo quý") != NULL);
    static const char pending[] = "SELECT count(*) FROM inbox WHERE processed_at IS NULL OR "
                                  "error IS NOT NULL";
    int64_t n = -1;
    CHECK_INT(db_query_int(app.db, pending, &n), DB_OK);
    CHECK_INT(n, 0);
    app_free(&app);
}

TESTLIB_MAIN(T(test_deadlines_report_counts_reminders_outside_the_window_apart),
             T(test_deadlines_reminders_at_offsets_then_daily_while_overdue),
             T(test_deadlines_restart_and_long_downtime_caught_up_once),
             T(test_deadlines_done_on_time_and_late_stop_reminders),
             T(test_deadlines_escalation_lists_who_is_late_once),
             T(test_deadlines_weekend_and_holiday_are_said_not_moved),
             T(test_deadlines_hannop_lists_open_codes),
             T(test_deadlines_agency_added_later_owes_only_what_is_to_come),
             T(test_deadlines_failed_sync_is_undone_once_and_the_update_goes_on),
             T(test_deadlines_calendar_broken_overnight_hannop_still_answers))
