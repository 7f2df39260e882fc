/*
 * test_inbox.c — the inbox (storage/inbox.h): a redelivered update is a duplicate and stored
 * once, update keys are per platform, pending rows come oldest first within the limit asked,
 * a processed row leaves the pending set exactly once, and pending counts per platform.
 */
#include "storage/db.h"
#include "storage/inbox.h"

#include "testlib.h"

#include <limits.h>

static int64_t total_rows(struct db *db)
{
    int64_t n = -1;
    static const char sql[] = "SELECT count(*) FROM inbox";
    CHECK_INT(db_query_int(db, sql, &n), DB_OK);
    return n;
}

static void test_inbox_same_update_key_is_duplicate(void)
{
    struct db *db = testlib_db("dup.db", -1);
    if (!db)
        return;
    int64_t id1 = 0, id2 = -7;
    CHECK_INT(inbox_add(db, "telegram", "upd-1", "c1", "{\"a\":1}", 1000, &id1), DB_OK);
    CHECK(id1 > 0);
    CHECK_INT(inbox_add(db, "telegram", "upd-1", "c1", "{\"a\":2}", 2000, &id2), DB_DUPLICATE);
    CHECK_INT(id2, -7); /* untouched on a duplicate */
    CHECK_INT(total_rows(db), 1);

    struct inbox_row rows[4];
    int n = 0;
    CHECK_INT(inbox_pending(db, 4, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(rows[0].message, "{\"a\":1}"); /* the first delivery is kept */
        CHECK_INT(rows[0].received_at, 1000);
    }
    for (int i = 0; i < n; i++)
        inbox_row_clear(&rows[i]);
    db_close(db);
}

static void test_inbox_same_key_on_other_platform_is_distinct(void)
{
    struct db *db = testlib_db("platforms.db", -1);
    if (!db)
        return;
    int64_t a = 0, b = 0;
    CHECK_INT(inbox_add(db, "telegram", "42", "c1", "{}", 1000, &a), DB_OK);
    CHECK_INT(inbox_add(db, "zalo", "42", "c1", "{}", 1000, &b), DB_OK);
    CHECK(a != b);
    CHECK_INT(total_rows(db), 2);
    db_close(db);
}

static void test_inbox_pending_oldest_first_limited_by_max(void)
{
    struct db *db = testlib_db("pending.db", -1);
    if (!db)
        return;
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        char key[16], chat[16];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(chat, sizeof chat, "chat-%d", i);
        CHECK_INT(inbox_add(db, "webchat", key, chat, "{}", 1000 + i, &ids[i]), DB_OK);
    }
    struct inbox_row rows[5];
    int n = 0;
    CHECK_INT(inbox_pending(db, 3, rows, &n), DB_OK);
    CHECK_INT(n, 3);
    for (int i = 0; i < n && i < 3; i++) {
        char chat[16];
        snprintf(chat, sizeof chat, "chat-%d", i);
        CHECK_INT(rows[i].id, ids[i]);
        CHECK_STR(rows[i].platform, "webchat");
        CHECK_STR(rows[i].chat_id, chat);
        CHECK_INT(rows[i].received_at, 1000 + i);
    }
    for (int i = 0; i < n; i++)
        inbox_row_clear(&rows[i]);

    CHECK_INT(inbox_pending(db, 5, rows, &n), DB_OK);
    CHECK_INT(n, 5);
    for (int i = 0; i < n; i++)
        inbox_row_clear(&rows[i]);
    db_close(db);
}

static void test_inbox_mark_processed_removes_from_pending_once(void)
{
    struct db *db = testlib_db("processed.db", -1);
    if (!db)
        return;
    int64_t first = 0, second = 0;
    CHECK_INT(inbox_add(db, "webchat", "k1", "c1", "{}", 1000, &first), DB_OK);
    CHECK_INT(inbox_add(db, "webchat", "k2", "c1", "{}", 1001, &second), DB_OK);
    CHECK_INT(inbox_mark_processed(db, first, 2000, NULL), DB_OK);

    struct inbox_row rows[4];
    int n = 0;
    CHECK_INT(inbox_pending(db, 4, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].id, second);
    for (int i = 0; i < n; i++)
        inbox_row_clear(&rows[i]);

    CHECK_INT(inbox_mark_processed(db, first, 3000, "again"), DB_NOT_FOUND);
    CHECK_INT(inbox_mark_processed(db, 999999, 3000, NULL), DB_NOT_FOUND);

    /* The error given is kept for the operator; the first mark's time is not overwritten. */
    CHECK_INT(inbox_mark_processed(db, second, 4000, "handler failed"), DB_OK);
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_prepare_v2(db_handle(db), "SELECT processed_at, error FROM inbox ORDER BY id",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int64(st, 0), 2000);
    CHECK(sqlite3_column_type(st, 1) == SQLITE_NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int64(st, 0), 4000);
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "handler failed");
    sqlite3_finalize(st);
    db_close(db);
}

static void test_inbox_count_pending_per_platform_and_total(void)
{
    struct db *db = testlib_db("count.db", -1);
    if (!db)
        return;
    int64_t c = -1, id = 0;
    CHECK_INT(inbox_count_pending(db, NULL, &c), DB_OK);
    CHECK_INT(c, 0);
    CHECK_INT(inbox_add(db, "webchat", "a", "c", "{}", 1, &id), DB_OK);
    CHECK_INT(inbox_add(db, "webchat", "b", "c", "{}", 2, NULL), DB_OK);
    CHECK_INT(inbox_add(db, "telegram", "a", "c", "{}", 3, NULL), DB_OK);
    CHECK_INT(inbox_count_pending(db, "webchat", &c), DB_OK);
    CHECK_INT(c, 2);
    CHECK_INT(inbox_count_pending(db, "telegram", &c), DB_OK);
    CHECK_INT(c, 1);
    CHECK_INT(inbox_count_pending(db, "zalo", &c), DB_OK);
    CHECK_INT(c, 0);
    CHECK_INT(inbox_count_pending(db, NULL, &c), DB_OK);
    CHECK_INT(c, 3);
    CHECK_INT(inbox_mark_processed(db, id, 10, NULL), DB_OK);
    CHECK_INT(inbox_count_pending(db, "webchat", &c), DB_OK);
    CHECK_INT(c, 1);
    CHECK_INT(inbox_count_pending(db, NULL, &c), DB_OK);
    CHECK_INT(c, 2);
    db_close(db);
}

TESTLIB_MAIN(T(test_inbox_same_update_key_is_duplicate),
             T(test_inbox_same_key_on_other_platform_is_distinct),
             T(test_inbox_pending_oldest_first_limited_by_max),
             T(test_inbox_mark_processed_removes_from_pending_once),
             T(test_inbox_count_pending_per_platform_and_total))
