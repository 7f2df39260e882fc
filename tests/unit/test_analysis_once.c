/*
 * test_analysis_once.c — each message is read by the text engine once (issue 11): the worker
 * reads it before the transaction and every handler on its way (the guided report, the offer,
 * the emergency path, filing, the emergency's follow-up) uses that reading instead of running
 * the engine again. Counted with textengine_runs, which /metrics shows as
 * tipgate_text_analyses_total. Runs the real pipeline without threads: inbox rows →
 * worker_run_batch → router → handlers, on an app made by app_init from a temporary config.
 */
#include "bot/app.h"
#include "base/msg.h"
#include "bot/worker.h"
#include "text/textengine.h"
#include "storage/inbox.h"

#include "testlib.h"

#include <stdlib.h>

/* A resident's messages from one private web chat, numbered keys. */
struct chat {
    struct app *app;
    const char *id;
    int next;
};

static int start_app(struct app *app, const char *name)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"}}", name);
    return testlib_app(app, name, text);
}

/* Stores one message (text, or a button press with data) as an adapter would, runs the worker
 * over it, and returns how many times the text engine ran meanwhile. */
static long long say(struct chat *c, const char *text, const char *callback)
{
    struct msg m = {0};
    char key[32];
    snprintf(key, sizeof key, "%s-%d", c->id, ++c->next);
    m.kind = callback ? MSG_CALLBACK : MSG_TEXT;
    m.platform = strdup("webchat");
    m.update_key = strdup(key);
    m.chat_id = strdup(c->id);
    m.sender_id = strdup(c->id);
    m.sender_name = strdup("Lan");
    m.text = text ? strdup(text) : NULL;
    m.callback_data = callback ? strdup(callback) : NULL;
    m.date_ms = 1767225600000LL;
    char *json = msg_to_json(&m);
    int64_t id = 0;
    CHECK_INT(inbox_add(c->app->db, "webchat", key, c->id, json, 1767225600000LL, &id), DB_OK);
    free(json);
    msg_clear(&m);
    uint64_t before = textengine_runs(c->app->te);
    int done = 0;
    unsigned touched = 0;
    CHECK_INT(worker_run_batch(c->app, c->app->db, &done, &touched), 0);
    CHECK_INT(done, 1);
    return (long long)(textengine_runs(c->app->te) - before);
}

/* The value of one SQL count over the app's database. */
static long long count(struct app *app, const char *sql)
{
    long long n = -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_handle(app->db), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* "/baotin <mô tả>": the description is read once, for the emergency check and the filing. */
static void test_analysis_once_direct_tip(void)
{
    struct app app;
    if (start_app(&app, "direct") != 0)
        return;
    struct chat c = {&app, "810001", 0};
    CHECK_INT(say(&c, "/baotin Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh", NULL),
              1);
    CHECK_INT(count(&app, "SELECT count(*) FROM tips WHERE category = 'theft'"), 1);
    app_free(&app);
}

/* A tip told in free text: read by the worker, offered, and its description pre-filled from
 * that one reading. */
static void test_analysis_once_free_text_offer(void)
{
    struct app app;
    if (start_app(&app, "offer") != 0)
        return;
    struct chat c = {&app, "810002", 0};
    CHECK_INT(say(&c, "Nhà hàng xóm bị trộm mất xe máy", NULL), 1);
    CHECK_INT(count(&app, "SELECT count(*) FROM conversations WHERE flow = 'offer'"), 1);
    app_free(&app);
}

/* An emergency in free text is filed at once on the worker's reading; what follows in the
 * follow-up is read once too (the check for a new danger and the addition to the tip). */
static void test_analysis_once_emergency_and_follow_up(void)
{
    struct app app;
    if (start_app(&app, "urgent") != 0)
        return;
    struct chat c = {&app, "810003", 0};
    CHECK_INT(say(&c, "đang có cướp, cứu với, ở ngõ 12 đường Lê Lợi", NULL), 1);
    CHECK_INT(count(&app, "SELECT count(*) FROM tips WHERE urgent = 1"), 1);
    CHECK_INT(say(&c, "nó mặc áo đen, đi xe máy biển 29A-12345", NULL), 1);
    CHECK_INT(count(&app, "SELECT count(*) FROM tips WHERE description LIKE '%29A-12345%'"), 1);
    app_free(&app);
}

/* The guided report: the command reads nothing, the description is read once (the emergency
 * check and the pre-filling), a button press reads nothing, and sending reads the draft's
 * description once to file it. */
static void test_analysis_once_guided_report(void)
{
    struct app app;
    if (start_app(&app, "guided") != 0)
        return;
    struct chat c = {&app, "810004", 0};
    CHECK_INT(say(&c, "/baotin", NULL), 0);
    CHECK_INT(say(&c, "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh", NULL), 1);
    CHECK_INT(say(&c, NULL, "right"), 0); /* "Có phải: Trộm cắp tài sản?" — Đúng */
    CHECK_INT(say(&c, NULL, "continue"), 0);
    CHECK_INT(say(&c, NULL, "anonymous"), 0);
    CHECK_INT(say(&c, NULL, "send"), 1);
    CHECK_INT(count(&app, "SELECT count(*) FROM tips"), 1);
    app_free(&app);
}

/* An emergency told at a later step: the answer is read once, and the story with it once more
 * (a new text), which the filing then uses. */
static void test_analysis_once_emergency_at_a_step(void)
{
    struct app app;
    if (start_app(&app, "step") != 0)
        return;
    struct chat c = {&app, "810005", 0};
    CHECK_INT(say(&c, "/baotin", NULL), 0);
    CHECK_INT(say(&c, "Có người lạ hay đi xem nhà ban đêm", NULL), 1);
    CHECK_INT(say(&c, "ngõ 12, nó đang cầm dao đuổi chém người, cứu với", NULL), 2);
    CHECK_INT(count(&app, "SELECT count(*) FROM tips WHERE urgent = 1"), 1);
    app_free(&app);
}

TESTLIB_MAIN(T(test_analysis_once_direct_tip), T(test_analysis_once_free_text_offer),
             T(test_analysis_once_emergency_and_follow_up), T(test_analysis_once_guided_report),
             T(test_analysis_once_emergency_at_a_step))
