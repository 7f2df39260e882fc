/*
 * test_retention.c — retention (handlers/retention.h and the storage prune functions): what
 * is due goes, what anyone is owed stays however old (an unprocessed update, a queued message,
 * a campaign still delivering, the identity of a browser with a message waiting or an open
 * tip), a campaign's report reads the same after its recipients are gone, a pass works a
 * backlog off a few batches per tick, and finding what is due costs what is due, not what is
 * stored (counted in SQLite's virtual machine instructions, not in time). A photo uploaded
 * from the web chat goes once nothing refers to it and it was stored more than a day ago; one
 * that a tip, an update not yet processed or a draft still holds stays, however old.
 */
#include "config/config.h"
#include "handlers/handler.h"
#include "handlers/retention.h"
#include "storage/campaigns.h"
#include "storage/db.h"
#include "storage/groups.h"
#include "storage/inbox.h"
#include "storage/outbox.h"
#include "base/clock.h"
#include "storage/platform_store.h"
#include "storage/uploads.h"
#include "storage/webchat_store.h"

#include "testlib.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#define DAY (24 * 3600 * 1000LL)
#define NOW (1000 * DAY) /* the application clock in these tests */

/* The retention periods of the documented defaults. */
static const struct cfg retention_cfg = {
    .retention = {.inbox_days = 30,
                  .outbox_days = 30,
                  .callback_days = 30,
                  .webchat_days = 180,
                  .campaign_days = 90},
};

static int tick(struct db *db, int64_t now)
{
    struct hctx ctx = {.db = db, .cfg = &retention_cfg, .now_ms = now, .args = ""};
    return retention_tick(&ctx);
}

/* Runs retention ticks a second apart until the pass is over (at most 100). */
static void pass(struct db *db, int64_t now)
{
    for (int i = 0; i < 100; i++)
        CHECK_INT(tick(db, now + i * 1000), 0);
}

/* ---- what goes and what stays ---------------------------------------------------------- */

static void test_retention_inbox_keeps_unprocessed_and_recent_rows_and_their_keys(void)
{
    struct db *db = testlib_db("inbox.db", -1);
    if (!db)
        return;
    int64_t id[5];
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        CHECK_INT(
            inbox_add(db, "telegram", key, "c1", "{\"text\":\"riêng tư\"}", NOW - 40 * DAY, &id[i]),
            DB_OK);
    }
    CHECK_INT(inbox_mark_processed(db, id[0], NOW - 40 * DAY, NULL), DB_OK);
    CHECK_INT(inbox_mark_processed(db, id[1], NOW - 31 * DAY, "handler failed"), DB_OK);
    /* id[2] never processed: owed, however old */
    CHECK_INT(inbox_mark_processed(db, id[3], NOW - 29 * DAY, NULL), DB_OK);
    CHECK_INT(inbox_mark_processed(db, id[4], NOW - 40 * DAY, NULL), DB_OK);
    bool due = false;
    CHECK_INT(inbox_prune_due(db, NOW - 30 * DAY, &due), DB_OK);
    CHECK(due);
    int64_t deleted = -1;
    CHECK_INT(inbox_prune(db, NOW - 30 * DAY, 500, &deleted), DB_OK);
    CHECK_INT(deleted, 3);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM inbox WHERE update_key IN ('k2', 'k3')"), 2);
    /* a resend of a kept update is still recognised */
    CHECK_INT(inbox_add(db, "telegram", "k3", "c1", "{}", NOW, NULL), DB_DUPLICATE);
    CHECK_INT(inbox_prune_due(db, NOW - 30 * DAY, &due), DB_OK);
    CHECK(!due); /* the first row left is unprocessed: nothing more until it is */
    db_close(db);
}

static void test_retention_group_talk_is_reduced_to_its_key_kind_and_date(void)
{
    struct db *db = testlib_db("scrub.db", -1);
    if (!db)
        return;
    int64_t id = 0;
    CHECK_INT(inbox_add(db, "telegram", "g1", "-5",
                        "{\"kind\":\"text\",\"chat_id\":\"-5\",\"sender_id\":\"42\","
                        "\"sender_name\":\"Hoa\",\"text\":\"nhà số 8\",\"is_group\":true,"
                        "\"date_ms\":1234,\"location\":{\"latitude\":1,\"longitude\":2}}",
                        NOW, &id),
              DB_OK);
    CHECK_INT(inbox_scrub(db, id), DB_OK);
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT message = '{\"kind\":\"text\",\"is_group\":true,"
             "\"date_ms\":1234}' FROM inbox WHERE id = %lld",
             (long long)id);
    CHECK_INT(testlib_q1(db, sql), 1);
    CHECK_INT(inbox_add(db, "telegram", "g1", "-5", "{}", NOW, NULL), DB_DUPLICATE);
    db_close(db);
}

static void test_retention_outbox_never_prunes_what_is_owed(void)
{
    struct db *db = testlib_db("outbox.db", -1);
    if (!db)
        return;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (platform, chat_id, text, status, next_attempt_at, dedupe_key, "
             "created_at, sent_at, ref_kind, ref_id) VALUES "
             "('telegram', '1', 'queued', 'queued', 0, NULL, %lld, NULL, NULL, NULL), "
             "('telegram', '1', 'sending', 'sending', 0, NULL, %lld, NULL, NULL, NULL), "
             "('telegram', '1', 'sent', 'sent', 0, NULL, %lld, %lld, NULL, NULL), "
             "('telegram', '1', 'failed', 'failed', 0, NULL, %lld, NULL, NULL, NULL), "
             "('telegram', '1', 'sent late', 'sent', 0, NULL, %lld, %lld, NULL, NULL), "
             "('telegram', '1', 'campaign', 'sent', 0, 'campaign:1:telegram:1:0', %lld, %lld, "
             "'campaign', 1)",
             NOW - 90 * DAY, NOW - 90 * DAY, NOW - 90 * DAY, NOW - 89 * DAY, NOW - 90 * DAY,
             NOW - 90 * DAY, NOW - 2 * DAY, NOW - 90 * DAY, NOW - 89 * DAY);
    testlib_exec(db, sql);
    int64_t deleted = -1;
    CHECK_INT(outbox_prune(db, NOW - 30 * DAY, 500, &deleted), DB_OK);
    CHECK_INT(deleted, 2);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text IN ('queued', 'sending', "
                             "'sent late', 'campaign')"),
              4);
    bool due = true;
    CHECK_INT(outbox_prune_due(db, NOW - 30 * DAY, &due), DB_OK);
    CHECK(!due);
    db_close(db);
}

static void test_retention_expired_button_payloads_go(void)
{
    struct db *db = testlib_db("buttons.db", -1);
    if (!db)
        return;
    char token[PSTORE_TOKEN_LEN], fresh[PSTORE_TOKEN_LEN];
    CHECK_INT(pstore_callback_put(db, "telegram", "1", "tip:AAAA", NOW - 31 * DAY, token), DB_OK);
    CHECK_INT(pstore_callback_put(db, "telegram", "1", "tip:BBBB", NOW - DAY, fresh), DB_OK);
    int64_t deleted = -1;
    CHECK_INT(pstore_callback_prune(db, NOW - 30 * DAY, 500, &deleted), DB_OK);
    CHECK_INT(deleted, 1);
    char *data = NULL;
    CHECK_INT(pstore_callback_get(db, "telegram", "1", token, &data), DB_NOT_FOUND);
    CHECK_INT(pstore_callback_get(db, "telegram", "1", fresh, &data), DB_OK);
    free(data);
    db_close(db);
}

/* Identities: a (unused, nothing waiting), b (a message waits), c (its person has an open
 * tip), d (its person's tip is closed), e (seen lately). */
static void webchat_fixture(struct db *db)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO webchat_identities VALUES ('ha', 'wa', 0, %lld), ('hb', 'wb', 0, %lld), "
             "('hc', 'wc', 0, %lld), ('hd', 'wd', 0, %lld), ('he', 'we', 0, %lld);"
             "INSERT INTO chats (platform, chat_id, kind, created_at, updated_at) VALUES "
             "('webchat', 'wa', 'private', 0, 0), ('webchat', 'wb', 'private', 0, 0);"
             "INSERT INTO outbox (platform, chat_id, text, next_attempt_at, created_at) VALUES "
             "('webchat', 'wb', 'Công an đã trả lời', 0, 0);"
             "INSERT INTO people (id, platform, platform_user_id, created_at, updated_at) VALUES "
             "(7, 'webchat', 'wc', 0, 0), (8, 'webchat', 'wd', 0, 0);"
             "INSERT INTO tips (code, person_id, description, folded, status, created_at, "
             "updated_at) VALUES ('AAAABBBB', 7, 'x', 'x', 'verifying', 0, 0), "
             "('CCCCDDDD', 8, 'y', 'y', 'closed', 0, 0);",
             NOW - 400 * DAY, NOW - 300 * DAY, NOW - 200 * DAY, NOW - 190 * DAY, NOW - 10 * DAY);
    testlib_exec(db, sql);
}

static void test_retention_webchat_keeps_identities_someone_is_owed(void)
{
    struct db *db = testlib_db("webchat.db", -1);
    if (!db)
        return;
    webchat_fixture(db);
    testlib_exec(db, "INSERT INTO push_subscriptions (platform, chat_id, endpoint, p256dh, auth, "
                     "created_at) VALUES ('webchat', 'wa', 'https://push.example/a', 'k', 'a', 0), "
                     "('webchat', 'wb', 'https://push.example/b', 'k', 'a', 0);");
    pass(db, NOW);
    CHECK_INT(testlib_q1(db,
                         "SELECT count(*) FROM webchat_identities WHERE chat_id IN ('wb', 'wc', "
                         "'we')"),
              3);
    /* the browser's push subscription goes with its identity; a kept one's stays */
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM push_subscriptions WHERE chat_id = 'wa'"), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM push_subscriptions WHERE chat_id = 'wb'"), 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM webchat_identities"), 3);
    CHECK_INT(testlib_q1(db, "SELECT reachable FROM chats WHERE chat_id = 'wa'"), 0);
    CHECK_INT(testlib_q1(db, "SELECT reachable FROM chats WHERE chat_id = 'wb'"), 1);
    /* the browser that held "a" comes back with its secret: a fresh identity, no error */
    char chat[WEBCHAT_CHAT_ID_LEN];
    CHECK_INT(webchat_store_find(db, "ha", NOW, chat), DB_NOT_FOUND);
    CHECK_INT(webchat_store_add(db, "ha", "wnew", NOW), DB_OK);
    CHECK_INT(webchat_store_find(db, "ha", NOW, chat), DB_OK);
    CHECK(strcmp(chat, "wnew") == 0);
    db_close(db);
}

static void test_retention_webchat_cursor_passes_kept_identities_once_a_pass(void)
{
    struct db *db = testlib_db("cursor.db", -1);
    if (!db)
        return;
    webchat_fixture(db);
    int64_t seen = 0, rowid = 0, deleted = -1, looked = -1;
    CHECK_INT(webchat_store_prune(db, NOW - 180 * DAY, 2, &seen, &rowid, &deleted, &looked), DB_OK);
    CHECK_INT(looked, 2); /* a and b */
    CHECK_INT(deleted, 1);
    CHECK_INT(webchat_store_prune(db, NOW - 180 * DAY, 2, &seen, &rowid, &deleted, &looked), DB_OK);
    CHECK_INT(looked, 2); /* c and d: d goes */
    CHECK_INT(deleted, 1);
    bool due = true;
    CHECK_INT(webchat_store_prune_due(db, NOW - 180 * DAY, seen, rowid, &due), DB_OK);
    CHECK(!due); /* b and c are behind the cursor: not looked at again in this pass */
    db_close(db);
}

/* A campaign of four recipients finished 100 days ago: sent, failed, opted out, and one whose
 * message is still queued (id 1) or sent as well (id 2). */
static void campaign_fixture(struct db *db, long long id, const char *last)
{
    char sql[4096];
    long long t = NOW - 100 * DAY;
    snprintf(sql, sizeof sql,
             "INSERT INTO campaigns (id, code, kind, title, text, audience, priority, status, "
             "created_at, updated_at, started_at, finished_at) VALUES (%lld, 'C%lld', 'custom', "
             "'t', 'x', 'residents', 3, 'done', %lld, %lld, %lld, %lld);"
             "INSERT INTO outbox (id, platform, chat_id, text, status, next_attempt_at, "
             "dedupe_key, created_at, sent_at, ref_kind, ref_id) VALUES "
             "(%lld1, 'telegram', '1', 'x', 'sent', 0, 'campaign:%lld:telegram:1:0', %lld, %lld, "
             "'campaign', %lld),"
             "(%lld2, 'telegram', '2', 'x', 'failed', 0, 'campaign:%lld:telegram:2:0', %lld, "
             "NULL, 'campaign', %lld),"
             "(%lld4, 'webchat', 'w4', 'x', '%s', 0, 'campaign:%lld:webchat:w4:0', %lld, NULL, "
             "'campaign', %lld);"
             "INSERT INTO campaign_recipients VALUES "
             "(%lld, 'telegram', '1', 'resident', 'queued', %lld1, %lld),"
             "(%lld, 'telegram', '2', 'resident', 'queued', %lld2, %lld),"
             "(%lld, 'telegram', '3', 'resident', 'opted_out', NULL, %lld),"
             "(%lld, 'webchat', 'w4', 'resident', 'queued', %lld4, %lld);",
             id, id, t, t, t, t, id, id, t, t, id, id, id, t, id, id, last, id, t, id, id, id, t,
             id, id, t, id, t, id, id, t);
    testlib_exec(db, sql);
}

static void test_retention_campaign_report_reads_the_same_after_its_recipients_go(void)
{
    struct db *db = testlib_db("campaign.db", -1);
    if (!db)
        return;
    campaign_fixture(db, 1, "queued"); /* still delivering to w4 */
    campaign_fixture(db, 2, "sent");
    struct campaigns_counts before1, before2, after1, after2;
    CHECK_INT(campaigns_report(db, 1, &before1), DB_OK);
    CHECK_INT(campaigns_report(db, 2, &before2), DB_OK);
    CHECK_INT(before1.in_progress, 1);
    CHECK_INT(before2.sent, 2);
    pass(db, NOW);
    /* campaign 2 is archived: no recipient, no outbox row left; its report unchanged */
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM campaign_recipients WHERE campaign_id = 2"), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'campaign:2:%'"),
              0);
    CHECK(testlib_q1(db, "SELECT archived_at FROM campaigns WHERE id = 2") > 0);
    CHECK_INT(campaigns_report(db, 2, &after2), DB_OK);
    CHECK(memcmp(&before2, &after2, sizeof before2) == 0);
    CHECK_INT(after2.targeted, 4);
    CHECK_INT(after2.failed, 1);
    CHECK_INT(after2.opted_out, 1);
    /* campaign 1 still owes w4 its message: nothing of it goes */
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM campaign_recipients WHERE campaign_id = 1"), 4);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'campaign:1:%'"),
              3);
    CHECK_INT(campaigns_report(db, 1, &after1), DB_OK);
    CHECK(memcmp(&before1, &after1, sizeof before1) == 0);
    /* once it is delivered, the next pass archives it too */
    testlib_exec(db,
                 "UPDATE outbox SET status = 'sent' WHERE dedupe_key = 'campaign:1:webchat:w4:0'");
    pass(db, NOW + RETENTION_PASS_MS);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM campaign_recipients"), 0);
    CHECK_INT(campaigns_report(db, 1, &after1), DB_OK);
    CHECK_INT(after1.sent, 2);
    CHECK_INT(after1.in_progress, 0);
    db_close(db);
}

static void test_retention_leads_go_with_their_desk_messages(void)
{
    struct db *db = testlib_db("leads.db", -1);
    if (!db)
        return;
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO tips (id, code, kind, description, folded, created_at, updated_at) "
             "VALUES (1, 'LEADAAAA', 'group_lead', 'cờ bạc', 'co bac', %lld, 0), "
             "(2, 'LEADBBBB', 'group_lead', 'ma túy', 'ma tuy', %lld, 0);"
             "INSERT INTO tips (id, code, description, folded, duplicate_of, created_at, "
             "updated_at) VALUES (3, 'TIPCCCCC', 'cờ bạc', 'co bac', 1, %lld, 0);"
             "INSERT INTO tip_attachments (tip_id, kind, ref, created_at) VALUES (1, 'photo', "
             "'f', 0);"
             "INSERT INTO audit_log (at, action, tip_id) VALUES (0, 'view', 1);"
             "INSERT INTO outbox (platform, chat_id, text, status, next_attempt_at, created_at, "
             "ref_kind, ref_id) VALUES ('telegram', '-1', 'lead 1', 'sent', 0, 0, 'tip', 1), "
             "('telegram', '-1', 'lead 1 owed', 'queued', 0, 0, 'tip', 1), "
             "('telegram', '-1', 'lead 2', 'sent', 0, 0, 'tip', 2);",
             NOW - 200 * DAY, NOW - 10 * DAY, NOW - 150 * DAY);
    testlib_exec(db, sql);
    bool due = false;
    CHECK_INT(groups_leads_due(db, NOW - 180 * DAY, &due), DB_OK);
    CHECK(due);
    int64_t deleted = -1;
    CHECK_INT(groups_prune_leads(db, NOW - 180 * DAY, 100, &deleted), DB_OK);
    CHECK_INT(deleted, 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM tips WHERE id = 1"), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM tips WHERE id IN (2, 3)"), 2);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM tips WHERE duplicate_of IS NOT NULL"), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM tip_attachments"), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM audit_log WHERE tip_id IS NULL"), 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'lead 1'"), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'lead 1 owed' AND "
                             "ref_id IS NULL"),
              1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE ref_kind = 'tip' AND ref_id = 2"),
              1);
    CHECK_INT(groups_leads_due(db, NOW - 180 * DAY, &due), DB_OK);
    CHECK(!due);
    db_close(db);
}

/* ---- how a pass goes -------------------------------------------------------------------- */

static void add_processed(struct db *db, int n, int64_t at)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO inbox (platform, update_key, chat_id, message, received_at, "
             "processed_at) SELECT 'telegram', 'u' || (SELECT count(*) FROM inbox) || '-' || i, "
             "'1', '{}', %lld, %lld FROM n",
             n, (long long)at, (long long)at);
    testlib_exec(db, sql);
}

/* ---- uploaded photos ------------------------------------------------------------------- */

enum {
    UP_TIPPED,
    UP_SHARED,
    UP_ORPHAN,
    UP_FRESH,
    UP_PENDING,
    UP_DRAFT,
    UP_AGAIN,
    UP_COPY, /* the copy of a Telegram photo (storage/photo_copies.h) */
    UP_FILES
};

/* Photo i's bytes stored under dir at the application time at; its hex into hex. */
static void upload_at(const char *dir, int i, int64_t at, char hex[UPLOADS_HEX_LEN + 1])
{
    unsigned char bytes[] = {0xFF, 0xD8, 0xFF, 0xE0, (unsigned char)i};
    bool existed;
    clock_set_fake(at);
    CHECK_INT(uploads_save(dir, bytes, sizeof bytes, hex, &existed), 0);
    clock_set_fake(0);
}

static bool upload_kept(const char *dir, const char *hex)
{
    char path[UPLOADS_PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%.2s/%s", dir, hex, hex);
    return access(path, F_OK) == 0;
}

/* Retention passes until the pass is over, with the uploads beside db_path. */
static void upload_pass(struct db *db, const char *db_path, int64_t now)
{
    struct cfg cfg = retention_cfg;
    cfg.storage_path = (char *)db_path;
    for (int i = 0; i < 100; i++) {
        struct hctx ctx = {.db = db, .cfg = &cfg, .now_ms = now + i * 1000, .args = ""};
        CHECK_INT(retention_tick(&ctx), 0);
    }
}

static void test_retention_uploads_go_once_nothing_refers_to_them(void)
{
    struct db *db = testlib_db("uploads.db", -1);
    if (!db)
        return;
    char db_path[UPLOADS_PATH_MAX], dir[UPLOADS_PATH_MAX], hex[UP_FILES][UPLOADS_HEX_LEN + 1];
    snprintf(db_path, sizeof db_path, "%s/uploads.db", testlib_tmpdir());
    CHECK_INT(uploads_dir(db_path, dir, sizeof dir), 0);
    for (int i = 0; i < UP_FILES; i++)
        upload_at(dir, i, NOW - 400 * DAY, hex[i]);
    upload_at(dir, UP_FRESH + 100, NOW - 3600000, hex[UP_FRESH]); /* an hour ago, no tip yet */
    upload_at(dir, UP_AGAIN, NOW - 3600000, hex[UP_AGAIN]);       /* the same photo again */
    char sql[4096];
    snprintf(sql, sizeof sql,
             "INSERT INTO tips (id, code, description, folded, created_at, updated_at) VALUES "
             "(1, 'TIPAAAAA', 'x', 'x', 0, 0), (2, 'TIPBBBBB', 'y', 'y', 0, 0);"
             "INSERT INTO tip_attachments (tip_id, kind, ref, created_at) VALUES "
             "(1, 'photo', 'upload:%s', 0), (1, 'photo', 'upload:%s', 0), "
             "(2, 'photo', 'upload:%s', 0);"
             "INSERT INTO tip_attachments (tip_id, kind, ref, created_at, copy_ref) VALUES "
             "(1, 'photo', 'AgACfileid', 0, 'upload:%s');"
             "INSERT INTO inbox (platform, update_key, chat_id, message, received_at) VALUES "
             "('webchat', 'w1:p', 'w1', '{\"attachments\": [{\"kind\": \"photo\", "
             "\"ref\": \"upload:%s\"}]}', 0);"
             "INSERT INTO conversations VALUES ('webchat', 'w2', 'report', 'when', "
             "'{\"photos\": [\"upload:%s\"]}', %lld, %lld, 0);",
             hex[UP_TIPPED], hex[UP_SHARED], hex[UP_SHARED], hex[UP_COPY], hex[UP_PENDING],
             hex[UP_DRAFT], NOW - 400 * DAY, NOW - 2 * 3600000);
    testlib_exec(db, sql);

    upload_pass(db, db_path, NOW);
    CHECK(upload_kept(dir, hex[UP_TIPPED]));
    CHECK(upload_kept(dir, hex[UP_SHARED]));
    CHECK(!upload_kept(dir, hex[UP_ORPHAN])); /* no tip, a year old: gone */
    CHECK(upload_kept(dir, hex[UP_FRESH]));   /* its tip may not be filed yet */
    CHECK(upload_kept(dir, hex[UP_PENDING]));
    CHECK(upload_kept(dir, hex[UP_DRAFT]));
    CHECK(upload_kept(dir, hex[UP_AGAIN]));
    CHECK(upload_kept(dir, hex[UP_COPY])); /* its attachment still refers to the copy */

    /* one of the two tips that share a photo loses it: the other still holds it */
    testlib_exec(db, "DELETE FROM tip_attachments WHERE tip_id = 2");
    upload_pass(db, db_path, NOW + RETENTION_PASS_MS);
    CHECK(upload_kept(dir, hex[UP_SHARED]));
    CHECK(upload_kept(dir, hex[UP_COPY]));
    /* then the last one, the update is handled and the draft expires: they go */
    testlib_exec(db, "DELETE FROM tip_attachments; DELETE FROM conversations;"
                     "UPDATE inbox SET processed_at = 0");
    upload_pass(db, db_path, NOW + 2 * RETENTION_PASS_MS);
    CHECK(!upload_kept(dir, hex[UP_SHARED]));
    CHECK(!upload_kept(dir, hex[UP_TIPPED]));
    CHECK(!upload_kept(dir, hex[UP_PENDING]));
    CHECK(!upload_kept(dir, hex[UP_DRAFT]));
    CHECK(!upload_kept(dir, hex[UP_COPY]));
    CHECK(upload_kept(dir, hex[UP_FRESH]));
    upload_pass(db, db_path, NOW + 2 * DAY);
    CHECK(!upload_kept(dir, hex[UP_FRESH]));
    CHECK(!upload_kept(dir, hex[UP_AGAIN]));
    db_close(db);
}

static void test_retention_pass_works_a_backlog_off_a_few_batches_a_tick(void)
{
    struct db *db = testlib_db("backlog.db", -1);
    if (!db)
        return;
    int per_tick = RETENTION_BATCH * RETENTION_BATCHES_PER_TICK;
    add_processed(db, per_tick + 100, NOW - 31 * DAY);
    add_processed(db, 10, NOW - DAY);
    CHECK_INT(tick(db, NOW), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM inbox"), 110);
    CHECK_INT(tick(db, NOW + 1000), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM inbox"), 10);
    /* the pass is over: new due rows wait for the next one */
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (platform, chat_id, text, status, next_attempt_at, created_at, "
             "sent_at) VALUES ('telegram', '1', 'x', 'sent', 0, %lld, %lld)",
             NOW - 31 * DAY, NOW - 31 * DAY);
    testlib_exec(db, sql);
    /* and a reply still owed after it: the newest row, which retention never takes */
    testlib_exec(
        db, "INSERT INTO outbox (platform, chat_id, text, status, next_attempt_at, created_at) "
            "VALUES ('telegram', '1', 'y', 'queued', 0, 0)");
    CHECK_INT(tick(db, NOW + 2000), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox"), 2);
    CHECK_INT(tick(db, NOW + RETENTION_PASS_MS + 1000), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox"), 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM inbox"), 10);
    db_close(db);
}

static void test_retention_inside_a_callers_transaction_does_one_batch(void)
{
    struct db *db = testlib_db("nested.db", -1);
    if (!db)
        return;
    add_processed(db, RETENTION_BATCH + 7, NOW - 31 * DAY);
    CHECK_INT(db_begin(db), DB_OK);
    CHECK_INT(tick(db, NOW), 0);
    CHECK_INT(db_commit(db), DB_OK);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM inbox"), 7);
    CHECK_INT(db_begin(db), DB_OK);
    CHECK_INT(tick(db, NOW + 1000), 0);
    CHECK_INT(db_rollback(db), DB_OK); /* the caller's failure undoes the batch */
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM inbox"), 7);
    db_close(db);
}

/* ---- cost -------------------------------------------------------------------------------- */

static long vm_ops;

static int count_op(void *arg)
{
    (void)arg;
    vm_ops++;
    return 0;
}

enum { STORED = 50000 };

/* STORED rows of every kind, none due but the few named, and a little of each due. */
static void cost_fixture(struct db *db)
{
    char sql[4096];
    add_processed(db, 3, NOW - 40 * DAY);
    add_processed(db, STORED, NOW - DAY);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO outbox (platform, chat_id, text, status, next_attempt_at, created_at, "
             "sent_at) SELECT 'telegram', '1', 'x', CASE WHEN i %% 2 THEN 'queued' ELSE 'sent' "
             "END, 0, t, t FROM (SELECT i, CASE WHEN i < 4 THEN %lld ELSE %lld END AS t FROM n);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO callback_payloads SELECT 'cb' || i, 'telegram', '1', 'd', "
             "CASE WHEN i < 4 THEN %lld ELSE %lld END FROM n;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO webchat_identities SELECT 'h' || i, 'w' || i, 0, "
             "CASE WHEN i < 4 THEN %lld ELSE %lld END FROM n;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO tips (code, kind, description, folded, created_at, updated_at) "
             "SELECT 'T' || i, CASE WHEN i %% 10 THEN 'tip' ELSE 'group_lead' END, 'x', 'x', "
             "CASE WHEN i <= 20 THEN %lld ELSE %lld END, 0 FROM n;",
             STORED, NOW - 40 * DAY, NOW - DAY, STORED, NOW - 40 * DAY, NOW - DAY, STORED,
             NOW - 200 * DAY, NOW - DAY, STORED, NOW - 200 * DAY, NOW - DAY);
    testlib_exec(db, sql);
}

static long ops_of(struct db *db, int (*fn)(struct db *db, int64_t before, bool *due),
                   int64_t before, bool *due)
{
    vm_ops = 0;
    sqlite3_progress_handler(db_handle(db), 1, count_op, NULL);
    CHECK_INT(fn(db, before, due), DB_OK);
    sqlite3_progress_handler(db_handle(db), 0, NULL, NULL);
    return vm_ops;
}

static int webchat_due(struct db *db, int64_t before, bool *due)
{
    return webchat_store_prune_due(db, before, 0, 0, due);
}

static int prune_all_kinds(struct db *db, int64_t before_unused, bool *due)
{
    (void)before_unused;
    int64_t n = 0, total = 0, seen = 0, rowid = 0, looked = 0;
    int rc = inbox_prune(db, NOW - 30 * DAY, RETENTION_BATCH, &n);
    total += n;
    rc |= outbox_prune(db, NOW - 30 * DAY, RETENTION_BATCH, &n);
    total += n;
    rc |= pstore_callback_prune(db, NOW - 30 * DAY, RETENTION_BATCH, &n);
    total += n;
    rc |= webchat_store_prune(db, NOW - 180 * DAY, RETENTION_BATCH, &seen, &rowid, &n, &looked);
    total += n;
    rc |= groups_prune_leads(db, NOW - 180 * DAY, 100, &n);
    total += n;
    *due = total == 3 + 1 + 3 + 3 + 2; /* every due row of the fixture */
    return rc;
}

/* The read that tells each kind whether a batch is due, with and without the statistics of
 * ANALYZE (which a database may or may not have had). */
static void check_probes(struct db *db)
{
    struct {
        const char *what;
        int (*fn)(struct db *db, int64_t before, bool *due);
        int64_t before;
    } probes[] = {
        {"inbox", inbox_prune_due, NOW - 30 * DAY},
        {"outbox", outbox_prune_due, NOW - 30 * DAY},
        {"buttons", pstore_callback_prune_due, NOW - 30 * DAY},
        {"webchat", webchat_due, NOW - 180 * DAY},
        {"leads", groups_leads_due, NOW - 180 * DAY},
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        bool due = false;
        CHECK_INT(probes[i].fn(db, probes[i].before, &due), DB_OK); /* prepared, schema read */
        long ops = ops_of(db, probes[i].fn, probes[i].before, &due);
        if (getenv("SHOW_OPS") || !due || ops > 100)
            fprintf(stderr, "probe %s: due %d, %ld instructions\n", probes[i].what, due, ops);
        CHECK(due);
        CHECK(ops <= 100);
    }
}

static void test_retention_costs_what_is_due_not_what_is_stored(void)
{
    struct db *db = testlib_db("cost.db", -1);
    if (!db)
        return;
    cost_fixture(db);
    check_probes(db);
    testlib_exec(db, "ANALYZE");
    check_probes(db);
    /* Deleting the few due rows among STORED of each kind: well under one instruction per
     * stored row (a scan of any table would cost several per row). The inbox batch reads its
     * window of RETENTION_BATCH rows whatever is due; that is the bound. */
    CHECK_INT(db_begin(db), DB_OK);
    bool all = false;
    long ops = ops_of(db, prune_all_kinds, 0, &all);
    CHECK_INT(db_commit(db), DB_OK);
    CHECK(all);
    if (getenv("SHOW_OPS") || ops >= STORED)
        fprintf(stderr, "pruning the due rows took %ld instructions\n", ops);
    CHECK(ops < STORED);
    db_close(db);
}

TESTLIB_MAIN(T(test_retention_inbox_keeps_unprocessed_and_recent_rows_and_their_keys),
             T(test_retention_group_talk_is_reduced_to_its_key_kind_and_date),
             T(test_retention_outbox_never_prunes_what_is_owed),
             T(test_retention_expired_button_payloads_go),
             T(test_retention_webchat_keeps_identities_someone_is_owed),
             T(test_retention_webchat_cursor_passes_kept_identities_once_a_pass),
             T(test_retention_campaign_report_reads_the_same_after_its_recipients_go),
             T(test_retention_leads_go_with_their_desk_messages),
             T(test_retention_uploads_go_once_nothing_refers_to_them),
             T(test_retention_pass_works_a_backlog_off_a_few_batches_a_tick),
             T(test_retention_inside_a_callers_transaction_does_one_batch),
             T(test_retention_costs_what_is_due_not_what_is_stored))
