/*
 * test_outbox.c — the outbox state machine (storage/outbox.h): claiming moves due rows to
 * "sending" most urgent first and counts the attempt, not_before delays a row, sent / retry /
 * failed land where they should with the error kept, a gone owner's interrupted sends (and
 * only its) are queued again,
 * dedupe keys refuse a second copy, and the web chat's per-chat and max-id queries. The
 * sender's look (outbox_due) returns each chat's next message only, and keeps doing so as
 * messages are sent, fail, are withdrawn or move to another chat, and after the marks of
 * migration 025 were lost. /metrics' count by platform and status sorts no rows.
 */
#include "storage/db.h"
#include "storage/outbox.h"
#include "storage/platform_store.h"

#include "testlib.h"

#include <limits.h>

enum { OWNER = 7 }; /* the owner id rows are claimed under, where owners do not matter */

static int64_t enqueue(struct db *db, const char *chat, const char *text, enum outbox_priority prio,
                       int64_t now_ms)
{
    struct outbox_new m = {.platform = "webchat", .chat_id = chat, .text = text, .priority = prio};
    int64_t id = 0;
    CHECK_INT(outbox_enqueue(db, &m, now_ms, &id), DB_OK);
    return id;
}

static int64_t count(struct db *db, const char *status)
{
    int64_t n = -1;
    CHECK_INT(outbox_count(db, status, &n), DB_OK);
    return n;
}

static void clear_rows(struct outbox_row *rows, int n)
{
    for (int i = 0; i < n; i++)
        outbox_row_clear(&rows[i]);
}

/* One column of one outbox row as text ("(null)" for SQL NULL), static buffer. */
static const char *column(struct db *db, int64_t id, const char *col)
{
    static char buf[256];
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM outbox WHERE id = ?", col);
    sqlite3_stmt *st = NULL;
    snprintf(buf, sizeof buf, "(no row)");
    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(buf, sizeof buf, "%s",
                     sqlite3_column_type(st, 0) == SQLITE_NULL
                         ? "(null)"
                         : (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return buf;
}

static void test_outbox_claim_moves_to_sending_with_first_attempt(void)
{
    struct db *db = testlib_db("claim.db", -1);
    if (!db)
        return;
    struct outbox_new m = {.platform = "webchat",
                           .chat_id = "c1",
                           .text = "Cảm ơn bạn",
                           .buttons = "[[{\"text\":\"OK\",\"data\":\"ok\"}]]",
                           .priority = OUTBOX_REPLY};
    int64_t id = 0;
    CHECK_INT(outbox_enqueue(db, &m, 1000, &id), DB_OK);
    CHECK_INT(count(db, "queued"), 1);

    struct outbox_row rows[4];
    int n = -1;
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 1000, 4, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(rows[0].id, id);
        CHECK_STR(rows[0].platform, "webchat");
        CHECK_STR(rows[0].chat_id, "c1");
        CHECK_STR(rows[0].text, "Cảm ơn bạn");
        CHECK_STR(rows[0].buttons, "[[{\"text\":\"OK\",\"data\":\"ok\"}]]");
        CHECK_INT(rows[0].priority, OUTBOX_REPLY);
        CHECK_INT(rows[0].attempts, 1);
        CHECK_INT(rows[0].created_at, 1000);
    }
    clear_rows(rows, n);
    CHECK_INT(count(db, "sending"), 1);
    CHECK_INT(count(db, "queued"), 0);

    /* A row being sent is not handed out again, and other platforms see nothing. */
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 5000, 4, rows, &n), DB_OK);
    CHECK_INT(n, 0);
    enqueue(db, "c2", "other", OUTBOX_REPLY, 1000);
    CHECK_INT(outbox_claim(db, "telegram", OWNER, 5000, 4, rows, &n), DB_OK);
    CHECK_INT(n, 0);
    db_close(db);
}

static void test_outbox_claim_keeps_creation_order_for_a_single_chat(void)
{
    struct db *db = testlib_db("priority.db", -1);
    if (!db)
        return;
    int64_t bulk = enqueue(db, "c", "bulk", OUTBOX_BULK, 1000);
    int64_t reply1 = enqueue(db, "c", "reply 1", OUTBOX_REPLY, 1001);
    int64_t notice = enqueue(db, "c", "notice", OUTBOX_NOTICE, 1002);
    int64_t reply2 = enqueue(db, "c", "reply 2", OUTBOX_REPLY, 1003);
    int64_t urgent = enqueue(db, "c", "urgent", OUTBOX_URGENT, 1004);

    /* One chat's messages keep their order whatever their priority: the oldest goes first. */
    struct outbox_row rows[8];
    int n = 0;
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 2000, 1, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].id, bulk);
    clear_rows(rows, n);

    CHECK_INT(outbox_claim(db, "webchat", OWNER, 2000, 8, rows, &n), DB_OK);
    CHECK_INT(n, 4);
    int64_t want[] = {reply1, notice, reply2, urgent};
    for (int i = 0; i < n && i < 4; i++) {
        if (rows[i].id != want[i])
            fprintf(stderr, "  claimed[%d] = \"%s\"\n", i, rows[i].text);
        CHECK_INT(rows[i].id, want[i]);
    }
    clear_rows(rows, n);
    db_close(db);
}

static void test_outbox_not_before_delays_claim_until_due(void)
{
    struct db *db = testlib_db("notbefore.db", -1);
    if (!db)
        return;
    struct outbox_new m = {.platform = "webchat",
                           .chat_id = "c1",
                           .text = "nhắc lịch",
                           .priority = OUTBOX_NOTICE,
                           .not_before_ms = 5000};
    int64_t id = 0;
    CHECK_INT(outbox_enqueue(db, &m, 1000, &id), DB_OK);
    struct outbox_row rows[2];
    int n = -1;
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 4999, 2, rows, &n), DB_OK);
    CHECK_INT(n, 0);
    clear_rows(rows, n);
    CHECK_INT(count(db, "queued"), 1);
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 5000, 2, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].id, id);
    clear_rows(rows, n);

    /* A not_before in the past means now. */
    m.not_before_ms = 10;
    CHECK_INT(outbox_enqueue(db, &m, 7000, &id), DB_OK);
    CHECK_STR(column(db, id, "next_attempt_at"), "7000");
    db_close(db);
}

static void test_outbox_mark_sent_counts_as_sent(void)
{
    struct db *db = testlib_db("sent.db", -1);
    if (!db)
        return;
    int64_t id = enqueue(db, "c1", "hi", OUTBOX_REPLY, 1000);
    struct outbox_row rows[2];
    int n = 0;
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 1000, 2, rows, &n), DB_OK);
    clear_rows(rows, n);
    CHECK_INT(outbox_mark_sent(db, id, 1500), DB_OK);
    CHECK_INT(count(db, "sent"), 1);
    CHECK_INT(count(db, "sending"), 0);
    CHECK_STR(column(db, id, "sent_at"), "1500");
    /* Sent is final. */
    CHECK_INT(outbox_mark_sent(db, id, 1600), DB_NOT_FOUND);
    CHECK_INT(outbox_mark_failed(db, id, "late"), DB_NOT_FOUND);
    CHECK_INT(outbox_mark_sent(db, 424242, 1600), DB_NOT_FOUND);
    CHECK_STR(column(db, id, "status"), "sent");
    db_close(db);
}

static void test_outbox_mark_retry_requeues_for_later_with_error(void)
{
    struct db *db = testlib_db("retry.db", -1);
    if (!db)
        return;
    int64_t id = enqueue(db, "c1", "hi", OUTBOX_REPLY, 1000);
    struct outbox_row rows[2];
    int n = 0;
    /* Only a row being sent can be retried. */
    CHECK_INT(outbox_mark_retry(db, id, 9000, "early"), DB_NOT_FOUND);
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 1000, 2, rows, &n), DB_OK);
    clear_rows(rows, n);
    CHECK_INT(outbox_mark_retry(db, id, 9000, "HTTP 429: Too Many Requests"), DB_OK);
    CHECK_INT(count(db, "queued"), 1);
    CHECK_STR(column(db, id, "next_attempt_at"), "9000");
    CHECK_STR(column(db, id, "last_error"), "HTTP 429: Too Many Requests");

    CHECK_INT(outbox_claim(db, "webchat", OWNER, 8999, 2, rows, &n), DB_OK);
    CHECK_INT(n, 0);
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 9000, 2, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].attempts, 2);
    clear_rows(rows, n);
    /* The error stays until the send succeeds. */
    CHECK_STR(column(db, id, "last_error"), "HTTP 429: Too Many Requests");
    CHECK_INT(outbox_mark_sent(db, id, 9100), DB_OK);
    CHECK_STR(column(db, id, "last_error"), "(null)");
    db_close(db);
}

static void test_outbox_mark_failed_keeps_reason_and_stops(void)
{
    struct db *db = testlib_db("failed.db", -1);
    if (!db)
        return;
    int64_t id = enqueue(db, "c1", "hi", OUTBOX_REPLY, 1000);
    struct outbox_row rows[2];
    int n = 0;
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 1000, 2, rows, &n), DB_OK);
    clear_rows(rows, n);
    CHECK_INT(outbox_mark_failed(db, id, "Forbidden: bot was blocked by the user"), DB_OK);
    CHECK_INT(count(db, "failed"), 1);
    CHECK_INT(count(db, "sending"), 0);
    CHECK_STR(column(db, id, "last_error"), "Forbidden: bot was blocked by the user");
    CHECK_STR(column(db, id, "sent_at"), "(null)");
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 99999, 2, rows, &n), DB_OK);
    CHECK_INT(n, 0);
    int64_t after = 0;
    CHECK_INT(outbox_owner_release(db, OWNER, &after), DB_OK);
    CHECK_INT(after, 0);
    CHECK_INT(count(db, "failed"), 1);
    db_close(db);
}

static int64_t add_owner(struct db *db, int64_t pid)
{
    struct outbox_owner o = {.pid = pid, .start_ticks = 1, .heartbeat_at = 1};
    snprintf(o.command, sizeof o.command, "serve");
    CHECK_INT(outbox_owner_add(db, &o), DB_OK);
    CHECK(o.id > 0);
    return o.id;
}

/* A crash leaves rows in "sending"; releasing their (gone) owner queues exactly those again,
 * never another owner's, and counts a new attempt when they are claimed again. */
static void test_outbox_owner_release_requeues_only_that_owners_sends(void)
{
    struct db *db = testlib_db("release.db", -1);
    if (!db)
        return;
    int64_t gone = add_owner(db, 100), live = add_owner(db, 200);
    enqueue(db, "c1", "one", OUTBOX_REPLY, 1000);
    enqueue(db, "c1", "two", OUTBOX_REPLY, 1001);
    int64_t third = enqueue(db, "c1", "three", OUTBOX_REPLY, 1002);
    int64_t other = enqueue(db, "c2", "other", OUTBOX_REPLY, 1003);
    struct outbox_row rows[4];
    int n = 0;
    CHECK_INT(outbox_claim(db, "webchat", gone, 2000, 3, rows, &n), DB_OK);
    CHECK_INT(n, 3);
    clear_rows(rows, n);
    CHECK_INT(outbox_set_sending(db, other, live), DB_OK);
    char live_id[24];
    snprintf(live_id, sizeof live_id, "%lld", (long long)live);
    CHECK_STR(column(db, other, "claimed_by"), live_id);
    CHECK_INT(outbox_mark_sent(db, third, 2100), DB_OK);

    int64_t requeued = -1;
    CHECK_INT(outbox_owner_release(db, gone, &requeued), DB_OK);
    CHECK_INT(requeued, 2);
    CHECK_INT(count(db, "queued"), 2);
    CHECK_INT(count(db, "sending"), 1); /* the live owner's send stays on the wire */
    CHECK_STR(column(db, other, "status"), "sending");
    CHECK_INT(count(db, "sent"), 1);
    struct outbox_owner list[4];
    CHECK_INT(outbox_owner_list(db, list, 4, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(list[0].id, live);

    CHECK_INT(outbox_claim(db, "webchat", live, 3000, 4, rows, &n), DB_OK);
    CHECK_INT(n, 2);
    for (int i = 0; i < n; i++)
        CHECK_INT(rows[i].attempts, 2);
    clear_rows(rows, n);
    CHECK_INT(outbox_owner_release(db, gone, &requeued), DB_OK);
    CHECK_INT(requeued, 0);
    db_close(db);
}

/* Owner ids are never reused, so rows naming a forgotten owner never name a new one; the
 * heartbeat of a forgotten owner says so; rows claimed by a tipgate older than owners are
 * requeued by outbox_requeue_unowned alone. */
static void test_outbox_owners_ids_heartbeat_and_unowned_rows(void)
{
    struct db *db = testlib_db("owners.db", -1);
    if (!db)
        return;
    int64_t a = add_owner(db, 100), b = add_owner(db, 200);
    int64_t requeued = -1;
    CHECK_INT(outbox_owner_release(db, b, &requeued), DB_OK);
    int64_t c = add_owner(db, 300);
    CHECK(c > b && b > a);
    CHECK_INT(outbox_owner_beat(db, a, 5000), DB_OK);
    CHECK_INT(outbox_owner_beat(db, b, 5000), DB_NOT_FOUND);
    struct outbox_owner again = {.id = b, .pid = 200, .heartbeat_at = 6000};
    snprintf(again.command, sizeof again.command, "serve");
    CHECK_INT(outbox_owner_add(db, &again), DB_OK);
    CHECK_INT(again.id, b);
    CHECK_INT(outbox_owner_beat(db, b, 7000), DB_OK);

    int64_t old = enqueue(db, "c1", "claimed before owners", OUTBOX_REPLY, 1000);
    int64_t mine = enqueue(db, "c2", "mine", OUTBOX_REPLY, 1000);
    CHECK_INT(sqlite3_exec(db_handle(db),
                           "UPDATE outbox SET status = 'sending' WHERE chat_id = 'c1'", NULL, NULL,
                           NULL),
              SQLITE_OK);
    CHECK_INT(outbox_set_sending(db, mine, a), DB_OK);
    CHECK_INT(outbox_requeue_unowned(db, &requeued), DB_OK);
    CHECK_INT(requeued, 1);
    CHECK_STR(column(db, old, "status"), "queued");
    CHECK_STR(column(db, mine, "status"), "sending");
    db_close(db);
}

static void test_outbox_dedupe_key_refuses_second_copy(void)
{
    struct db *db = testlib_db("dedupe.db", -1);
    if (!db)
        return;
    struct outbox_new m = {.platform = "webchat",
                           .chat_id = "c1",
                           .text = "Nhắc: họp tổ dân phố",
                           .priority = OUTBOX_NOTICE,
                           .dedupe_key = "reminder:42:2026-01-01"};
    int64_t id = 0, id2 = -5;
    CHECK_INT(outbox_enqueue(db, &m, 1000, &id), DB_OK);
    CHECK_INT(outbox_enqueue(db, &m, 2000, &id2), DB_DUPLICATE);
    CHECK_INT(id2, -5);
    CHECK_INT(count(db, "queued"), 1);
    /* Still refused once the first copy was sent. */
    struct outbox_row rows[2];
    int n = 0;
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 3000, 2, rows, &n), DB_OK);
    clear_rows(rows, n);
    CHECK_INT(outbox_mark_sent(db, id, 3000), DB_OK);
    CHECK_INT(outbox_enqueue(db, &m, 4000, NULL), DB_DUPLICATE);

    /* Without a key, identical messages are all kept. */
    m.dedupe_key = NULL;
    CHECK_INT(outbox_enqueue(db, &m, 5000, NULL), DB_OK);
    CHECK_INT(outbox_enqueue(db, &m, 5000, NULL), DB_OK);
    CHECK_INT(count(db, "queued"), 2);
    db_close(db);
}

static void test_outbox_queued_for_chat_honours_after_id_and_chat(void)
{
    struct db *db = testlib_db("forchat.db", -1);
    if (!db)
        return;
    int64_t a1 = enqueue(db, "A", "a1", OUTBOX_BULK, 1000);
    enqueue(db, "B", "b1", OUTBOX_REPLY, 1001);
    int64_t a2 = enqueue(db, "A", "a2", OUTBOX_URGENT, 1002);
    int64_t a3 = enqueue(db, "A", "a3", OUTBOX_REPLY, 1003);
    struct outbox_new other = {.platform = "telegram", .chat_id = "A", .text = "tg"};
    CHECK_INT(outbox_enqueue(db, &other, 1004, NULL), DB_OK);

    struct outbox_row rows[8];
    int n = 0;
    CHECK_INT(outbox_queued_for_chat(db, "webchat", "A", 0, INT64_MAX, 8, rows, &n), DB_OK);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_INT(rows[0].id, a1);
        CHECK_INT(rows[1].id, a2);
        CHECK_INT(rows[2].id, a3);
        CHECK_STR(rows[2].text, "a3");
    }
    clear_rows(rows, n);

    CHECK_INT(outbox_queued_for_chat(db, "webchat", "A", a1, INT64_MAX, 8, rows, &n), DB_OK);
    CHECK_INT(n, 2);
    if (n == 2)
        CHECK_INT(rows[0].id, a2);
    clear_rows(rows, n);

    CHECK_INT(outbox_queued_for_chat(db, "webchat", "A", a1, INT64_MAX, 1, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].id, a2);
    clear_rows(rows, n);

    CHECK_INT(outbox_queued_for_chat(db, "webchat", "A", a3, INT64_MAX, 8, rows, &n), DB_OK);
    CHECK_INT(n, 0);
    CHECK_INT(outbox_queued_for_chat(db, "webchat", "nobody", 0, INT64_MAX, 8, rows, &n), DB_OK);
    CHECK_INT(n, 0);

    /* Delivered rows are no longer queued for the chat. */
    CHECK_INT(outbox_mark_sent(db, a1, 2000), DB_OK);
    CHECK_INT(outbox_queued_for_chat(db, "webchat", "A", 0, INT64_MAX, 8, rows, &n), DB_OK);
    CHECK_INT(n, 2);
    clear_rows(rows, n);
    db_close(db);
}

static void test_outbox_last_id_and_queued_between_find_new_rows_of_all_chats(void)
{
    struct db *db = testlib_db("between.db", -1);
    if (!db)
        return;
    int64_t last = -1;
    CHECK_INT(outbox_last_id(db, &last), DB_OK);
    CHECK_INT(last, 0);
    int64_t a1 = enqueue(db, "A", "a1", OUTBOX_BULK, 1000);
    struct outbox_new other = {.platform = "telegram", .chat_id = "A", .text = "tg"};
    int64_t tg = 0;
    CHECK_INT(outbox_enqueue(db, &other, 1001, &tg), DB_OK);
    int64_t b1 = enqueue(db, "B", "b1", OUTBOX_URGENT, 1002);
    int64_t a2 = enqueue(db, "A", "a2", OUTBOX_REPLY, 1003);
    CHECK_INT(outbox_mark_sent(db, a2, 2000), DB_OK);
    int64_t c1 = enqueue(db, "C", "c1", OUTBOX_REPLY, 1004);
    CHECK_INT(outbox_last_id(db, &last), DB_OK);
    CHECK_INT(last, c1); /* any platform, any state */

    struct outbox_row rows[8];
    int n = 0;
    /* Queued web chat rows only, every chat, by id; bounded by both ends and by max. */
    CHECK_INT(outbox_queued_between(db, "webchat", 0, last, false, 8, rows, &n), DB_OK);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_INT(rows[0].id, a1);
        CHECK_INT(rows[1].id, b1);
        CHECK_STR(rows[1].chat_id, "B");
        CHECK_INT(rows[2].id, c1);
    }
    clear_rows(rows, n);
    CHECK_INT(outbox_queued_between(db, "webchat", a1, b1, false, 8, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].id, b1);
    clear_rows(rows, n);
    CHECK_INT(outbox_queued_between(db, "webchat", 0, last, false, 2, rows, &n), DB_OK);
    CHECK_INT(n, 2);
    clear_rows(rows, n);
    CHECK_INT(outbox_queued_between(db, "webchat", c1, c1 + 10, false, 8, rows, &n), DB_OK);
    CHECK_INT(n, 0);
    /* with_sent: a2, sent meanwhile by one tab, is still handed to the others. */
    CHECK_INT(outbox_queued_between(db, "webchat", 0, last, true, 8, rows, &n), DB_OK);
    CHECK_INT(n, 4);
    if (n == 4)
        CHECK_INT(rows[2].id, a2);
    clear_rows(rows, n);
    /* For one chat: queued after 0, sent after a1 — a2 (sent) too; sent after a2 — not. */
    CHECK_INT(outbox_queued_for_chat(db, "webchat", "A", 0, a1, 8, rows, &n), DB_OK);
    CHECK_INT(n, 2);
    clear_rows(rows, n);
    CHECK_INT(outbox_queued_for_chat(db, "webchat", "A", 0, a2, 8, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    clear_rows(rows, n);
    int64_t sent = -1;
    CHECK_INT(outbox_last_sent_for_chat(db, "webchat", "A", &sent), DB_OK);
    CHECK_INT(sent, a2);
    CHECK_INT(outbox_last_sent_for_chat(db, "webchat", "B", &sent), DB_OK);
    CHECK_INT(sent, 0);
    CHECK_INT(outbox_queued_between(db, "telegram", 0, last, false, 8, rows, &n), DB_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].id, tg);
    clear_rows(rows, n);
    db_close(db);
}

/* The ids outbox_due returns for webchat at now, in its order, as "id,id,…" (static buffer). */
static const char *due_ids(struct db *db, int64_t now_ms)
{
    static char buf[256];
    struct outbox_row rows[16];
    int n = 0;
    size_t len = 0;
    buf[0] = '\0';
    CHECK_INT(outbox_due(db, "webchat", now_ms, 16, rows, &n), DB_OK);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", i ? "," : "",
                                (long long)rows[i].id);
    clear_rows(rows, n);
    return buf;
}

static void check_due(struct db *db, int64_t now_ms, const char *want)
{
    const char *got = due_ids(db, now_ms);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  due: got [%s], want [%s]\n", got, want);
    CHECK(strcmp(got, want) == 0);
}

static void test_outbox_due_gives_each_chat_its_next_message_only(void)
{
    struct db *db = testlib_db("heads.db", -1);
    if (!db)
        return;
    /* ids 1..6: chat A owes three, B two, C one (urgent, so it comes first). */
    int64_t a1 = enqueue(db, "A", "a1", OUTBOX_REPLY, 1000);
    int64_t b1 = enqueue(db, "B", "b1", OUTBOX_REPLY, 1001);
    int64_t a2 = enqueue(db, "A", "a2", OUTBOX_URGENT, 1002);
    int64_t a3 = enqueue(db, "A", "a3", OUTBOX_REPLY, 1003);
    int64_t b2 = enqueue(db, "B", "b2", OUTBOX_REPLY, 1004);
    int64_t c1 = enqueue(db, "C", "c1", OUTBOX_URGENT, 1005);
    char want[64];
    snprintf(want, sizeof want, "%lld,%lld,%lld", (long long)c1, (long long)a1, (long long)b1);
    check_due(db, 2000, want); /* a2 is urgent but waits behind a1: one chat keeps its order */

    /* A message on the wire holds its chat back; its answer hands on to the next one. */
    CHECK_INT(outbox_set_sending(db, a1, OWNER), DB_OK);
    CHECK_INT(outbox_mark_failed(db, c1, "blocked"), DB_OK);
    snprintf(want, sizeof want, "%lld", (long long)b1);
    check_due(db, 2000, want);
    CHECK_INT(outbox_mark_sent(db, a1, 2000), DB_OK);
    snprintf(want, sizeof want, "%lld,%lld", (long long)a2, (long long)b1);
    check_due(db, 2000, want);

    /* A retry later keeps the chat's turn: b2 does not overtake b1. */
    CHECK_INT(outbox_set_sending(db, b1, OWNER), DB_OK);
    CHECK_INT(outbox_mark_retry(db, b1, 9000, "timeout"), DB_OK);
    snprintf(want, sizeof want, "%lld", (long long)a2);
    check_due(db, 2000, want);
    snprintf(want, sizeof want, "%lld,%lld", (long long)a2, (long long)b1);
    check_due(db, 9000, want);

    /* A group that became a supergroup: its owed rows move, and the new chat's next is a2. */
    CHECK_INT(pstore_migrate_chat(db, "webchat", "A", "A2", 9000), DB_OK);
    CHECK_INT(outbox_mark_sent(db, b1, 9000), DB_OK);
    snprintf(want, sizeof want, "%lld,%lld", (long long)a2, (long long)b2);
    check_due(db, 9000, want);
    CHECK_INT(outbox_mark_sent(db, a2, 9000), DB_OK);
    snprintf(want, sizeof want, "%lld,%lld", (long long)a3, (long long)b2);
    check_due(db, 9000, want);
    db_close(db);
}

static void test_outbox_repair_heads_restores_lost_marks(void)
{
    struct db *db = testlib_db("heads-repair.db", -1);
    if (!db)
        return;
    int64_t a1 = enqueue(db, "A", "a1", OUTBOX_REPLY, 1000);
    int64_t a2 = enqueue(db, "A", "a2", OUTBOX_REPLY, 1001);
    int64_t b1 = enqueue(db, "B", "b1", OUTBOX_REPLY, 1002);
    /* Marks written wrong behind the triggers' back (a hand edit): none for A, two for B's. */
    CHECK_INT(sqlite3_exec(db_handle(db),
                           "UPDATE outbox SET head = (chat_id = 'A' AND text = 'a2')", NULL, NULL,
                           NULL),
              SQLITE_OK);
    char want[64];
    snprintf(want, sizeof want, "%lld", (long long)a2);
    check_due(db, 2000, want); /* out of order, and B is stranded */
    int64_t fixed = -1;
    CHECK_INT(outbox_repair_heads(db, &fixed), DB_OK);
    CHECK_INT(fixed, 3);
    snprintf(want, sizeof want, "%lld,%lld", (long long)a1, (long long)b1);
    check_due(db, 2000, want);
    CHECK_INT(outbox_repair_heads(db, &fixed), DB_OK);
    CHECK_INT(fixed, 0);
    db_close(db);
}

/* The /metrics count (outbox_tally): every (platform, status) with rows, in order, and counted
 * without sorting the table: its plan has no temporary b-tree for the grouping, which held
 * memory in proportion to the outbox at every count (issue 17's soak). */
static void test_outbox_tally_counts_each_platform_and_status_without_sorting_rows(void)
{
    struct db *db = testlib_db("tally.db", -1);
    if (!db)
        return;
    for (int i = 0; i < 5; i++) {
        char chat[16];
        snprintf(chat, sizeof chat, "w%d", i);
        enqueue(db, chat, "hi", OUTBOX_REPLY, 1000);
    }
    struct outbox_new tg = {.platform = "telegram", .chat_id = "t1", .text = "x"};
    int64_t id = 0;
    CHECK_INT(outbox_enqueue(db, &tg, 1000, &id), DB_OK);
    CHECK_INT(outbox_enqueue(
                  db, &(struct outbox_new){.platform = "telegram", .chat_id = "t2", .text = "y"},
                  1000, &id),
              DB_OK);
    struct outbox_row rows[4];
    int n = 0;
    CHECK_INT(outbox_claim(db, "webchat", OWNER, 1000, 3, rows, &n), DB_OK);
    CHECK_INT(n, 3);
    CHECK_INT(outbox_mark_sent(db, rows[0].id, 1100), DB_OK);
    CHECK_INT(outbox_mark_failed(db, rows[1].id, "blocked"), DB_OK);
    clear_rows(rows, n);
    struct outbox_tally t[8];
    CHECK_INT(outbox_tally(db, t, 8, &n), DB_OK);
    static const char *const want[][3] = {{"telegram", "queued", "2"},
                                          {"webchat", "failed", "1"},
                                          {"webchat", "queued", "2"},
                                          {"webchat", "sending", "1"},
                                          {"webchat", "sent", "1"}};
    CHECK_INT(n, 5);
    for (int i = 0; i < n && i < 5; i++) {
        char k[24];
        snprintf(k, sizeof k, "%lld", (long long)t[i].count);
        CHECK_STR(t[i].platform, want[i][0]);
        CHECK_STR(t[i].status, want[i][1]);
        CHECK_STR(k, want[i][2]);
    }
    /* The very statement outbox_tally ran, explained: no temporary b-tree for GROUP BY. */
    int grouped_in_memory = 0, explained = 0;
    sqlite3_stmt *st = NULL;
    for (int found = 0; !found && (st = sqlite3_next_stmt(db_handle(db), st));) {
        const char *sql = sqlite3_sql(st);
        if (sql && strstr(sql, "sum(status = 'failed')")) {
            found = 1;
            char explain[2048];
            snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
            sqlite3_stmt *ep = NULL;
            CHECK_INT(sqlite3_prepare_v2(db_handle(db), explain, -1, &ep, NULL), SQLITE_OK);
            while (ep && sqlite3_step(ep) == SQLITE_ROW) {
                explained++;
                if (strstr((const char *)sqlite3_column_text(ep, 3), "FOR GROUP BY"))
                    grouped_in_memory = 1;
            }
            sqlite3_finalize(ep);
        }
    }
    CHECK(explained > 0);
    CHECK_INT(grouped_in_memory, 0);
    db_close(db);
}

TESTLIB_MAIN(T(test_outbox_claim_moves_to_sending_with_first_attempt),
             T(test_outbox_claim_keeps_creation_order_for_a_single_chat),
             T(test_outbox_not_before_delays_claim_until_due),
             T(test_outbox_mark_sent_counts_as_sent),
             T(test_outbox_mark_retry_requeues_for_later_with_error),
             T(test_outbox_mark_failed_keeps_reason_and_stops),
             T(test_outbox_owner_release_requeues_only_that_owners_sends),
             T(test_outbox_owners_ids_heartbeat_and_unowned_rows),
             T(test_outbox_dedupe_key_refuses_second_copy),
             T(test_outbox_queued_for_chat_honours_after_id_and_chat),
             T(test_outbox_last_id_and_queued_between_find_new_rows_of_all_chats),
             T(test_outbox_due_gives_each_chat_its_next_message_only),
             T(test_outbox_repair_heads_restores_lost_marks),
             T(test_outbox_tally_counts_each_platform_and_status_without_sorting_rows))
