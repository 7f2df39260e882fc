/*
 * test_scam.c — the scam shield's account lookup (handlers/scam.h scam_check_group): a flagged
 * bank account named in a group message, written with spaces or dots, draws the warning
 * however many accounts are flagged (the lookup once loaded only the first 512, into a 435 KB
 * buffer, for every message with six digits or more); digits that only contain part of an
 * account, or an account number inside a longer run of digits of an unflagged one, draw
 * nothing wrong; and a failed read is an error, not "nothing flagged".
 */
#include "bot/app.h"
#include "base/log.h"
#include "base/msg.h"
#include "handlers/handler.h"
#include "handlers/scam.h"
#include "text/textengine.h"
#include "storage/groups.h"
#include "storage/scam_list.h"

#include "testlib.h"

#include <stdlib.h>

static int start(struct app *app, const char *name)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"}}", name);
    return testlib_app(app, name, text);
}

/* Flags n accounts 970400000000 + i * 7919 (12 digits). */
static void flag_accounts(struct app *app, int n)
{
    char value[32];
    CHECK_INT(db_begin(app->db), DB_OK);
    for (int i = 0; i < n; i++) {
        snprintf(value, sizeof value, "%lld", 970400000000LL + (long long)i * 7919);
        CHECK_INT(
            scam_flag(app->db, "account", value, "Ngân hàng X", "lừa đặt cọc phòng trọ", 0, 1000),
            DB_OK);
    }
    CHECK_INT(db_commit(app->db), DB_OK);
}

/* scam_check_group for text as a message in group chat, the group free to be spoken to. */
static int check(struct app *app, const char *chat, const char *text)
{
    struct msg m = {.kind = MSG_TEXT, .is_group = true};
    m.platform = (char *)"telegram";
    m.chat_id = (char *)chat;
    m.text = (char *)text;
    struct hctx ctx = {.db = app->db,
                       .cfg = app->cfg,
                       .texts = app->texts,
                       .te = app->te,
                       .desks = app->desks,
                       .msg = &m,
                       .now_ms = 1800000000000LL,
                       .args = ""};
    struct text_analysis a;
    if (textengine_analyze(app->te, text, true, &a) != 0)
        return -2;
    int rc = scam_check_group(&ctx, &a, 1);
    text_analysis_clear(&a);
    return rc;
}

static int64_t warnings_to(struct app *app, const char *chat)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    sqlite3_prepare_v2(db_handle(app->db), "SELECT count(*) FROM outbox WHERE chat_id = ?", -1, &st,
                       NULL);
    sqlite3_bind_text(st, 1, chat, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_scam_account_flagged_after_many_others_is_still_found(void)
{
    struct app app;
    if (start(&app, "many") != 0)
        return;
    flag_accounts(&app, 600);
    /* The 600th flag: 970400000000 + 599 * 7919 = 970404743481. */
    CHECK_INT(check(&app, "-100", "Ai biết STK 9704.0474.3481 không, bảo chuyển cọc 2 triệu"), 1);
    CHECK_INT(warnings_to(&app, "-100"), 1);
    /* The first one, in spaces, in another group. */
    CHECK_INT(check(&app, "-101", "chuyen khoan vao 9704 0000 0000 nhe"), 1);
    CHECK_INT(warnings_to(&app, "-101"), 1);
    app_free(&app);
}

static void test_scam_digits_without_a_flagged_account_draw_nothing(void)
{
    struct app app;
    if (start(&app, "none") != 0)
        return;
    flag_accounts(&app, 3);
    CHECK_INT(check(&app, "-200", "Họp tổ 19h30, mỗi hộ đóng 200000 đồng, liên hệ 0912 345 678"),
              0);
    CHECK_INT(check(&app, "-200", "số 9704000 thôi"), 0); /* part of an account only */
    CHECK_INT(warnings_to(&app, "-200"), 0);
    app_free(&app);
}

/* `tipgate scamlist import` runs in another process: its flags count from the next message. */
static void test_scam_account_flagged_by_another_process_counts_at_once(void)
{
    struct app app;
    if (start(&app, "other") != 0)
        return;
    flag_accounts(&app, 2);
    CHECK_INT(check(&app, "-400", "STK 0071 0012 3456 789"), 0);
    sqlite3 *h = NULL;
    CHECK_INT(sqlite3_open(app.cfg->storage_path, &h), SQLITE_OK);
    CHECK_INT(sqlite3_exec(h,
                           "INSERT INTO scam_items (kind, value, bank, reason, created_at) "
                           "VALUES ('account', '0071001234567', 'VCB', 'giả danh công an', 1)",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(h);
    CHECK_INT(check(&app, "-400", "STK 0071 0012 3456 789"), 1);
    app_free(&app);
}

/* More accounts than are kept in memory: each message is searched in the database instead. */
static void test_scam_very_many_accounts_are_all_searched(void)
{
    struct app app;
    if (start(&app, "huge") != 0)
        return;
    CHECK_INT(sqlite3_exec(db_handle(app.db),
                           "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
                           "WHERE i < 100000) INSERT INTO scam_items (kind, value, reason, "
                           "created_at) SELECT 'account', 880000000000 + i * 13, 'x', 1 FROM n",
                           NULL, NULL, NULL),
              SQLITE_OK);
    log_set_level(LOG_OFF); /* the slower path is announced with a warning */
    /* the last one: 880000000000 + 100000 * 13 = 880001300000 */
    CHECK_INT(check(&app, "-500", "STK 8800 0130 0000"), 1);
    CHECK_INT(check(&app, "-501", "STK 8800 0130 0001"), 0);
    app_free(&app);
}

static int interrupt_every_statement(void *arg)
{
    (void)arg;
    return 1;
}

static void test_scam_failed_read_is_an_error_not_silence(void)
{
    struct app app;
    if (start(&app, "fails") != 0)
        return;
    flag_accounts(&app, 3);
    CHECK_INT(check(&app, "-300", "STK 9704 0000 7919"), 1); /* statements now cached */
    log_set_level(LOG_OFF);
    sqlite3_progress_handler(db_handle(app.db), 1, interrupt_every_statement, NULL);
    CHECK_INT(check(&app, "-301", "STK 9704 0000 7919"), -1);
    CHECK_INT(check(&app, "-301", "gọi 0912 345 678 để nhận quà"), -1);
    sqlite3_progress_handler(db_handle(app.db), 0, NULL, NULL);
    app_free(&app);
}

TESTLIB_MAIN(T(test_scam_account_flagged_after_many_others_is_still_found),
             T(test_scam_digits_without_a_flagged_account_draw_nothing),
             T(test_scam_account_flagged_by_another_process_counts_at_once),
             T(test_scam_very_many_accounts_are_all_searched),
             T(test_scam_failed_read_is_an_error_not_silence))
