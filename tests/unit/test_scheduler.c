/*
 * test_scheduler.c — the scheduler's jobs each own their transactions (bot/scheduler.h, issue
 * 10): a job with nothing due takes no write lock, so it runs while another connection holds
 * it (a receiver storing updates, a `tipgate chat` beside `serve`); a job that fails leaves
 * what the jobs before it committed, and the senders are still told; and the tip deadlines job
 * sends each message once while a finished stage leaves its index, an extended deadline
 * bringing the tip back for the new one.
 */
#include "bot/app.h"
#include "bot/platform.h"
#include "bot/scheduler.h"
#include "handlers/handler.h"
#include "storage/tips.h"

#include "testlib.h"

#include <stdlib.h>

#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL

static const int64_t t0 = 1798000000000LL; /* 2026-12-23 */

/* An app with one area whose desk is the webchat chat "desk"; a short busy timeout, so that a
 * tick that wrongly waits for the write lock fails fast. */
static int start(struct app *app, const char *name)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\", "
             "\"busy_timeout_ms\": 200},"
             " \"areas\": [{\"code\": \"TDP5\", \"name\": \"Tổ dân phố 5\", \"desk\": "
             "{\"platform\": \"webchat\", \"chat_id\": \"desk\"}}]}",
             name);
    return testlib_app(app, name, text);
}

/* A tip filed at t0 for the desk, with the legal 20-day limit. */
static int64_t file_tip(struct app *app)
{
    struct tip t = {0};
    t.kind = "tip";
    t.description = "Có người lạ cạy cửa nhà số 5 hẻm 7";
    t.folded = "co nguoi la cay cua nha so 5 hem 7";
    t.area = "TDP5";
    t.desk_platform = "webchat";
    t.desk_chat_id = "desk";
    t.deadline_at = t0 + 20 * DAY_MS;
    CHECK_INT(tips_create(app->db, &t, t0), DB_OK);
    return t.id;
}

/* Messages queued for the desk whose text has needle. */
static int to_desk(struct app *app, const char *needle)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    sqlite3_prepare_v2(db_handle(app->db),
                       "SELECT count(*) FROM outbox WHERE chat_id = 'desk' AND instr(text, ?) > 0",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, needle, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Runs sql on a connection of its own, as another process would; returns it (or NULL). */
static sqlite3 *other(struct app *app, const char *sql)
{
    sqlite3 *h = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s", sqlite3_db_filename(db_handle(app->db), "main"));
    CHECK_INT(sqlite3_open(path, &h), SQLITE_OK);
    CHECK_INT(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    return h;
}

/* Every job, alone, at a time when nothing is due, while another connection holds the write
 * lock: none waits for it. */
static void test_scheduler_jobs_with_nothing_due_need_no_write_lock(void)
{
    struct app app;
    unsigned touched = 0;
    const char *name;
    int (*run)(struct hctx * ctx);
    if (start(&app, "idle") != 0)
        return;
    file_tip(&app);
    CHECK_INT(scheduler_tick(&app, app.db, t0 + 60000, &touched), 0); /* the day's syncs */
    sqlite3 *h = other(&app, "BEGIN IMMEDIATE");
    for (size_t i = 0; scheduler_job(i, &name, &run) == 0; i++) {
        struct hctx ctx = {.db = app.db,
                           .cfg = app.cfg,
                           .texts = app.texts,
                           .te = app.te,
                           .desks = app.desks,
                           .now_ms = t0 + 120000,
                           .args = ""};
        int rc = run(&ctx);
        if (rc != 0)
            fprintf(stderr, "  job \"%s\" waited for the write lock\n", name);
        CHECK_INT(rc, 0);
        CHECK_INT(ctx.touched, 0);
    }
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(h);
    app_free(&app);
}

static void test_scheduler_failing_job_keeps_what_others_committed(void)
{
    struct app app;
    unsigned touched = 0;
    if (start(&app, "failing") != 0)
        return;
    file_tip(&app);
    CHECK_INT(scheduler_tick(&app, app.db, t0 + 60000, &touched), 0);
    /* The scam job (after the tip deadlines job) finds its table gone. */
    sqlite3_close(other(&app, "ALTER TABLE sightings RENAME TO sightings_gone"));
    touched = 0;
    CHECK_INT(scheduler_tick(&app, app.db, t0 + 3 * HOUR_MS, &touched), -1);
    CHECK_INT(to_desk(&app, "chưa được tiếp nhận"), 1); /* the acknowledgement reminder */
    int webchat = platform_index("webchat");
    CHECK(webchat >= 0 && (touched & (1u << webchat)) != 0);
    CHECK(sqlite3_get_autocommit(db_handle(app.db)));
    app_free(&app);
}

static void test_scheduler_deadline_messages_once_and_again_after_extension(void)
{
    struct app app;
    unsigned touched = 0;
    struct tip list[4];
    int n = -1;
    if (start(&app, "deadline") != 0)
        return;
    int64_t id = file_tip(&app);
    CHECK_INT(tips_acknowledge(app.db, id, t0 + 60000), DB_OK);
    CHECK_INT(tips_set_status(app.db, id, "verifying", t0 + 60000), DB_OK);
    for (int64_t at = t0 + 21 * DAY_MS; at < t0 + 21 * DAY_MS + 3 * 60000; at += 60000)
        CHECK_INT(scheduler_tick(&app, app.db, at, &touched), 0);
    CHECK_INT(to_desk(&app, "QUÁ HẠN"), 1);
    /* flagged: the tip is out of the job's index for this deadline */
    CHECK_INT(tips_sla_candidates(app.db, TIPS_SLA_OVERDUE, NULL, t0 + 30 * DAY_MS, 0, list, 4, &n),
              DB_OK);
    CHECK_INT(n, 0);
    CHECK_INT(tips_extend(app.db, id, 10, t0 + 30 * DAY_MS, t0 + 21 * DAY_MS), DB_OK);
    CHECK_INT(tips_sla_candidates(app.db, TIPS_SLA_OVERDUE, NULL, t0 + 31 * DAY_MS, 0, list, 4, &n),
              DB_OK);
    CHECK_INT(n, 1);
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
    for (int64_t at = t0 + 31 * DAY_MS; at < t0 + 31 * DAY_MS + 3 * 60000; at += 60000)
        CHECK_INT(scheduler_tick(&app, app.db, at, &touched), 0);
    CHECK_INT(to_desk(&app, "QUÁ HẠN"), 2);
    app_free(&app);
}

TESTLIB_MAIN(T(test_scheduler_jobs_with_nothing_due_need_no_write_lock),
             T(test_scheduler_failing_job_keeps_what_others_committed),
             T(test_scheduler_deadline_messages_once_and_again_after_extension))
