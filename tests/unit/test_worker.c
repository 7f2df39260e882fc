/*
 * test_worker.c — the pipeline without threads: inbox rows → worker_run_batch → router →
 * handlers → outbox rows, on an app made by app_init from a temporary config. Checks the
 * replies residents get (/start, /help in groups, unknown commands, free text), that each
 * update is processed once, and that a malformed row or a failing handler is marked with its
 * error and rolled back alone while the rest of the batch is still answered.
 */
#include "bot/app.h"
#include "base/msg.h"
#include "bot/platform.h"
#include "bot/worker.h"
#include "storage/inbox.h"
#include "storage/outbox.h"

#include "testlib.h"

#include <stdlib.h>

/* app_init on a config whose database is tmpdir/<name>.db. Returns 0 when the app is usable. */
static int start_app(struct app *app, const char *name)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"}}", name);
    return testlib_app(app, name, text);
}

/* Stores a webchat update as an adapter would; returns the inbox id. */
static int64_t add_update(struct app *app, const char *key, const char *chat, const char *text,
                          bool is_group)
{
    struct msg m = {0};
    m.kind = MSG_TEXT;
    m.platform = strdup("webchat");
    m.update_key = strdup(key);
    m.chat_id = strdup(chat);
    m.sender_id = strdup(chat);
    m.is_group = is_group;
    m.text = text ? strdup(text) : NULL;
    m.date_ms = 1767225600000LL;
    char *json = msg_to_json(&m);
    int64_t id = 0;
    CHECK_INT(inbox_add(app->db, "webchat", key, chat, json, 1767225600000LL, &id), DB_OK);
    free(json);
    msg_clear(&m);
    return id;
}

static int64_t add_raw(struct app *app, const char *key, const char *chat, const char *json)
{
    int64_t id = 0;
    CHECK_INT(inbox_add(app->db, "webchat", key, chat, json, 1767225600000LL, &id), DB_OK);
    return id;
}

static int run_batch(struct app *app, int *done, unsigned *touched)
{
    *done = -1;
    *touched = 0xdead;
    return worker_run_batch(app, app->db, done, touched);
}

static unsigned webchat_bit(void)
{
    int idx = platform_index("webchat");
    CHECK(idx >= 0);
    return idx >= 0 ? 1u << idx : 0;
}

/* The texts queued for chat, oldest first, joined by "|" (static buffer); "" when none. */
static const char *replies_to(struct app *app, const char *chat)
{
    static char buf[16384];
    buf[0] = '\0';
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_handle(app->db),
                           "SELECT text, platform, priority, status FROM outbox "
                           "WHERE chat_id = ? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return "(prepare failed)";
    sqlite3_bind_text(st, 1, chat, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        CHECK_STR((const char *)sqlite3_column_text(st, 1), "webchat");
        CHECK_INT(sqlite3_column_int(st, 2), OUTBOX_REPLY);
        CHECK_STR((const char *)sqlite3_column_text(st, 3), "queued");
        size_t at = strlen(buf);
        snprintf(buf + at, sizeof buf - at, "%s%s", at ? "|" : "",
                 (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return buf;
}

static int64_t outbox_total(struct app *app)
{
    int64_t n = -1;
    CHECK_INT(outbox_count(app->db, "queued", &n), DB_OK);
    return n;
}

/* 1 if inbox row id is processed; its error (or "") into a static buffer via *error. */
static int processed(struct app *app, int64_t id, const char **error)
{
    static char buf[256];
    int done = -1;
    buf[0] = '\0';
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_handle(app->db),
                           "SELECT processed_at IS NOT NULL, error FROM inbox WHERE id = ?", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            done = sqlite3_column_int(st, 0);
            if (sqlite3_column_text(st, 1))
                snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 1));
        }
    }
    sqlite3_finalize(st);
    if (error)
        *error = buf;
    return done;
}

static int64_t people_with_id(struct app *app, const char *user)
{
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_handle(app->db),
                           "SELECT count(*) FROM people WHERE platform_user_id = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static void test_worker_start_command_gets_welcome(void)
{
    struct app app;
    if (start_app(&app, "start") != 0)
        return;
    int64_t id = add_update(&app, "u1", "chat-1", "/start", false);
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 1);
    CHECK_INT(touched, webchat_bit());
    CHECK_STR(replies_to(&app, "chat-1"), texts_get(app.texts, "welcome"));
    CHECK(strstr(replies_to(&app, "chat-1"), "113") != NULL);
    CHECK_INT(outbox_total(&app), 1);
    const char *error = NULL;
    CHECK_INT(processed(&app, id, &error), 1);
    CHECK_STR(error, "");
    int64_t pending = -1;
    CHECK_INT(inbox_count_pending(app.db, NULL, &pending), DB_OK);
    CHECK_INT(pending, 0);
    app_free(&app);
}

static void test_worker_second_run_processes_nothing(void)
{
    struct app app;
    if (start_app(&app, "again") != 0)
        return;
    add_update(&app, "u1", "chat-1", "/start", false);
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 1);
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 0);
    CHECK_INT(touched, 0);
    CHECK_INT(outbox_total(&app), 1);

    /* A redelivered update is not answered twice. */
    int64_t dup = 0;
    CHECK_INT(inbox_add(app.db, "webchat", "u1", "chat-1", "{}", 1, &dup), DB_DUPLICATE);
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 0);
    CHECK_INT(outbox_total(&app), 1);
    app_free(&app);
}

static void test_worker_malformed_row_is_marked_and_batch_continues(void)
{
    struct app app;
    if (start_app(&app, "malformed") != 0)
        return;
    int64_t good1 = add_update(&app, "u1", "chat-1", "/start", false);
    int64_t bad = add_raw(&app, "u2", "chat-bad", "{\"kind\": \"text\", oops");
    int64_t nochat =
        add_raw(&app, "u3", "chat-nochat", "{\"kind\":\"text\",\"platform\":\"webchat\"}");
    int64_t good2 = add_update(&app, "u4", "chat-2", "/help", false);
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 4);
    CHECK_INT(touched, webchat_bit());

    const char *error = NULL;
    CHECK_INT(processed(&app, bad, &error), 1);
    CHECK(strstr(error, "malformed") != NULL);
    CHECK_INT(processed(&app, nochat, &error), 1);
    CHECK(strstr(error, "malformed") != NULL);
    CHECK_STR(replies_to(&app, "chat-bad"), "");
    CHECK_STR(replies_to(&app, "chat-nochat"), "");

    CHECK_INT(processed(&app, good1, &error), 1);
    CHECK_STR(error, "");
    CHECK_INT(processed(&app, good2, &error), 1);
    CHECK_STR(error, "");
    CHECK_STR(replies_to(&app, "chat-1"), texts_get(app.texts, "welcome"));
    CHECK_STR(replies_to(&app, "chat-2"), texts_get(app.texts, "help"));
    CHECK_INT(outbox_total(&app), 2);

    /* Marked rows are not retried. */
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 0);
    app_free(&app);
}

static void test_worker_failing_handler_rolls_back_only_its_update(void)
{
    struct app app;
    if (start_app(&app, "failing") != 0)
        return;
    /* Any reply to chat "boom" fails to be stored. */
    CHECK_INT(sqlite3_exec(db_handle(app.db),
                           "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.outbox "
                           "WHEN NEW.chat_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
                           NULL, NULL, NULL),
              SQLITE_OK);
    int64_t fails = add_update(&app, "u1", "boom", "/start", false);
    int64_t works = add_update(&app, "u2", "fine", "/start", false);
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 2);
    const char *error = NULL;
    CHECK_INT(processed(&app, fails, &error), 1);
    CHECK(strstr(error, "handler") != NULL);
    CHECK_INT(processed(&app, works, &error), 1);
    CHECK_STR(error, "");
    CHECK_STR(replies_to(&app, "boom"), "");
    CHECK_STR(replies_to(&app, "fine"), texts_get(app.texts, "welcome"));
    /* What the failed update wrote before failing (its sender) was rolled back with it. */
    CHECK_INT(people_with_id(&app, "boom"), 0);
    CHECK_INT(people_with_id(&app, "fine"), 1);
    app_free(&app);
}

static void test_worker_group_chatter_gets_no_reply(void)
{
    struct app app;
    if (start_app(&app, "group") != 0)
        return;
    /* An unbound group gets one short hint on its first message, then silence. */
    int64_t id = add_update(&app, "u1", "group-1", "chào cả nhà, mai họp tổ nhé", true);
    int64_t other = add_update(&app, "u2", "group-1", "/weather@OtherBot", true);
    int64_t third = add_update(&app, "u3", "group-1", "ai có rau muống bán không", true);
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 3);
    CHECK_STR(replies_to(&app, "group-1"), texts_get(app.texts, "group_unbound_hint"));
    CHECK_INT(processed(&app, id, NULL), 1);
    CHECK_INT(processed(&app, other, NULL), 1);
    CHECK_INT(processed(&app, third, NULL), 1);
    /* Group talk is not kept: the stored update has no text any more. */
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db_handle(app.db),
                       "SELECT count(*) FROM inbox WHERE json_extract(message, '$.text') "
                       "IS NOT NULL",
                       -1, &st, NULL);
    CHECK(st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0);
    sqlite3_finalize(st);
    app_free(&app);
}

static void test_worker_help_with_bot_name_in_group_is_answered(void)
{
    struct app app;
    if (start_app(&app, "grouphelp") != 0)
        return;
    add_update(&app, "u1", "group-2", "/help@SomeBot", true);
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 1);
    CHECK_INT(touched, webchat_bit());
    CHECK_STR(replies_to(&app, "group-2"), texts_get(app.texts, "help"));
    app_free(&app);
}

static void test_worker_private_replies_name_unknown_command_and_thank_free_text(void)
{
    struct app app;
    if (start_app(&app, "private") != 0)
        return;
    add_update(&app, "u1", "p-1", "/Foo bar", false);
    add_update(&app, "u2", "p-2", "Chào bạn, chúc cả nhà buổi tối vui vẻ", false);
    add_update(&app, "u3", "p-3", "/batdau", false);
    add_update(&app, "u4", "p-4", "Có người lạ cạy khóa xe máy trước cổng nhà tôi", false);
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 4);
    /* a message that reads like a tip gets the offer to file it */
    const char *offer = replies_to(&app, "p-4");
    CHECK(offer && strstr(offer, texts_get(app.texts, "report_ask_offer")) == offer);
    struct texts_var vars[] = {{"command", "/foo"}};
    char *unknown = texts_render(app.texts, "unknown_command", vars, 1);
    CHECK_STR(replies_to(&app, "p-1"), unknown);
    free(unknown);
    CHECK_STR(replies_to(&app, "p-2"), texts_get(app.texts, "fallback"));
    CHECK_STR(replies_to(&app, "p-3"), texts_get(app.texts, "welcome"));
    app_free(&app);
}

static void test_worker_batch_takes_at_most_worker_batch_updates(void)
{
    struct app app;
    if (start_app(&app, "batch") != 0)
        return;
    for (int i = 0; i < WORKER_BATCH + 6; i++) {
        char key[16], chat[16];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(chat, sizeof chat, "c%d", i);
        add_update(&app, key, chat, "/start", false);
    }
    int done;
    unsigned touched;
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, WORKER_BATCH);
    CHECK_INT(outbox_total(&app), WORKER_BATCH);
    CHECK_STR(replies_to(&app, "c0"), texts_get(app.texts, "welcome"));
    CHECK_STR(replies_to(&app, "c69"), "");
    CHECK_INT(run_batch(&app, &done, &touched), 0);
    CHECK_INT(done, 6);
    CHECK_INT(outbox_total(&app), WORKER_BATCH + 6);
    CHECK_STR(replies_to(&app, "c69"), texts_get(app.texts, "welcome"));
    app_free(&app);
}

TESTLIB_MAIN(T(test_worker_start_command_gets_welcome), T(test_worker_second_run_processes_nothing),
             T(test_worker_malformed_row_is_marked_and_batch_continues),
             T(test_worker_failing_handler_rolls_back_only_its_update),
             T(test_worker_group_chatter_gets_no_reply),
             T(test_worker_help_with_bot_name_in_group_is_answered),
             T(test_worker_private_replies_name_unknown_command_and_thank_free_text),
             T(test_worker_batch_takes_at_most_worker_batch_updates))
