/*
 * test_storage_refs.c — what an outbox row belongs to is its reference (outbox.ref_kind,
 * ref_id), never its text or its dedupe key: a group lead's retention deletes the desk
 * messages that reference it, not a message that quotes its code; a campaign's withdrawal (an
 * opt-out, a cancellation) and pruning take the rows that reference it, whatever their key.
 * Migration 011 fills the references of the rows written before it, and moves the deadline
 * targets out of their ",CA,kind:school," strings into deadline_targets.
 */
#include "storage/agencies.h"
#include "storage/campaigns.h"
#include "storage/db.h"
#include "storage/groups.h"
#include "storage/outbox.h"

#include "testlib.h"

#include <limits.h>
#include <string.h>

#define DAY (24 * 3600 * 1000LL)
#define NOW (1000 * DAY)

static void enqueue(struct db *db, const char *chat, const char *text, const char *key,
                    enum outbox_ref_kind kind, int64_t ref)
{
    struct outbox_new m = {.platform = "telegram",
                           .chat_id = chat,
                           .text = text,
                           .dedupe_key = key,
                           .priority = OUTBOX_BULK,
                           .ref_kind = kind,
                           .ref_id = ref};
    CHECK_INT(outbox_enqueue(db, &m, NOW, NULL), DB_OK);
}

static void test_refs_lead_retention_spares_a_message_quoting_its_code(void)
{
    struct db *db = testlib_db("leads.db", -1);
    if (!db)
        return;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO tips (id, code, kind, description, folded, created_at, updated_at) "
             "VALUES (1, 'LEAD-AAAA', 'group_lead', 'x', 'x', %lld, 0), "
             "(2, 'TIPB-BBBB', 'tip', 'y', 'y', %lld, 0)",
             NOW - 200 * DAY, NOW - 10 * DAY);
    testlib_exec(db, sql);
    /* about the lead: goes with it (its text does not name it) */
    struct outbox_new about = {
        .platform = "telegram", .chat_id = "-1", .text = "card", .tip_id = 1};
    CHECK_INT(outbox_enqueue(db, &about, NOW, NULL), DB_OK);
    /* about tip 2, quoting the lead's code: stays */
    enqueue(db, "-1", "Tin LEAD-AAAA trùng với tin này", NULL, OUTBOX_REF_TIP, 2);
    /* about nothing, quoting the code: stays */
    enqueue(db, "-1", "LEAD-AAAA", NULL, OUTBOX_REF_NONE, 0);
    enqueue(db, "-1", "newest", NULL, OUTBOX_REF_NONE, 0); /* the newest row is never pruned */
    testlib_exec(db, "UPDATE outbox SET status = 'sent'");
    int64_t deleted = -1;
    CHECK_INT(groups_prune_leads(db, NOW - 180 * DAY, 100, &deleted), DB_OK);
    CHECK_INT(deleted, 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'card'"), 0);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text LIKE '%LEAD-AAAA%'"), 2);
    db_close(db);
}

/* A sender sees what each due row belongs to: a platform may treat a desk's message about a
 * tip differently from a campaign's (Messenger's HUMAN_AGENT tag is for the former only). */
static void test_refs_due_rows_carry_their_reference(void)
{
    struct db *db = testlib_db("due_refs.db", -1);
    if (!db)
        return;
    enqueue(db, "d1", "about tip 42", NULL, OUTBOX_REF_TIP, 42);
    enqueue(db, "d2", "campaign 7", NULL, OUTBOX_REF_CAMPAIGN, 7);
    enqueue(db, "d3", "a reply", NULL, OUTBOX_REF_NONE, 0);
    struct outbox_row rows[4];
    int n = 0;
    CHECK_INT(outbox_due(db, "telegram", NOW + 1, 4, rows, &n), DB_OK);
    CHECK_INT(n, 3);
    for (int i = 0; i < n; i++) {
        if (strcmp(rows[i].chat_id, "d1") == 0) {
            CHECK_INT(rows[i].ref_kind, OUTBOX_REF_TIP);
            CHECK_INT(rows[i].ref_id, 42);
        } else if (strcmp(rows[i].chat_id, "d2") == 0) {
            CHECK_INT(rows[i].ref_kind, OUTBOX_REF_CAMPAIGN);
            CHECK_INT(rows[i].ref_id, 7);
        } else {
            CHECK_INT(rows[i].ref_kind, OUTBOX_REF_NONE);
            CHECK_INT(rows[i].ref_id, 0);
        }
        outbox_row_clear(&rows[i]);
    }
    db_close(db);
}

static void test_refs_opt_out_withdraws_campaign_rows_by_reference(void)
{
    struct db *db = testlib_db("optout.db", -1);
    if (!db)
        return;
    /* a campaign's message whose key is not of the campaign:… form */
    enqueue(db, "p1", "campaign text", "bulk-7-p1", OUTBOX_REF_CAMPAIGN, 7);
    /* not a campaign's, though its key starts with campaign: */
    enqueue(db, "p1", "reminder", "campaign:9:telegram:p1:0", OUTBOX_REF_NONE, 0);
    /* a reply to the resident */
    enqueue(db, "p1", "reply", NULL, OUTBOX_REF_NONE, 0);
    int64_t dropped = -1;
    CHECK_INT(campaigns_stop(db, "telegram", "p1", 0, NOW, &dropped), DB_OK);
    CHECK_INT(dropped, 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'campaign text' AND "
                             "status = 'failed' AND last_error = 'opted out'"),
              1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE status = 'queued'"), 2);
    db_close(db);
}

static void test_refs_cancel_and_prune_a_campaign_by_reference(void)
{
    struct db *db = testlib_db("cancel.db", -1);
    if (!db)
        return;
    testlib_exec(
        db, "INSERT INTO campaigns (id, code, kind, title, text, audience, priority, status, "
            "created_at, updated_at) VALUES (1, 'C1', 'custom', 't', 'x', 'residents', 3, "
            "'running', 0, 0), (2, 'C2', 'custom', 't', 'x', 'residents', 3, 'running', 0, 0)");
    enqueue(db, "p1", "of 1", "k1", OUTBOX_REF_CAMPAIGN, 1);
    /* campaign 2's row under a key that names campaign 1 */
    enqueue(db, "p2", "of 2", "campaign:1:telegram:p2:0", OUTBOX_REF_CAMPAIGN, 2);
    CHECK_INT(campaigns_cancel(db, 1, NOW), DB_OK);
    CHECK_INT(
        testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'of 1' AND status = 'failed'"), 1);
    CHECK_INT(
        testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'of 2' AND status = 'queued'"), 1);

    /* pruning campaign 1 takes its failed row only; campaign 2 keeps its own */
    testlib_exec(db, "UPDATE outbox SET status = 'sent' WHERE text = 'of 2'");
    enqueue(db, "p3", "newest", NULL, OUTBOX_REF_NONE, 0);
    int64_t deleted = -1;
    CHECK_INT(campaigns_prune_rows(db, 1, 10, &deleted), DB_OK);
    CHECK_INT(deleted, 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'of 2'"), 1);
    bool archived = true;
    testlib_exec(db, "UPDATE campaigns SET totals_at = 0");
    CHECK_INT(campaigns_archive(db, 2, NOW, &archived), DB_OK);
    CHECK(!archived); /* its row is still there */
    CHECK_INT(campaigns_archive(db, 1, NOW, &archived), DB_OK);
    CHECK(archived);
    /* the outbox retention never takes a campaign's row, whatever its key */
    testlib_exec(db, "UPDATE outbox SET dedupe_key = NULL, sent_at = 0 WHERE text = 'of 2'");
    CHECK_INT(outbox_prune(db, NOW, 100, &deleted), DB_OK);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM outbox WHERE text = 'of 2'"), 1);
    db_close(db);
}

static void test_refs_migration_fills_references_and_targets(void)
{
    struct db *db = testlib_db("migrate11.db", 10);
    if (!db)
        return;
    testlib_exec(
        db, "INSERT INTO outbox (platform, chat_id, text, next_attempt_at, created_at, tip_id, "
            "dedupe_key) VALUES ('telegram', '1', 'desk', 0, 0, 5, NULL), "
            "('telegram', '1', 'bulk', 0, 0, NULL, 'campaign:12:telegram:1:0'), "
            "('telegram', '1', 'plain', 0, 0, NULL, NULL);"
            "INSERT INTO deadline_dates (id, code, base, plan, what, submit_to, targets, due_day, "
            "rule_day, updated_at) VALUES (1, 'A1', 'A', 'p', 'w', 's', '*', 1, 1, 0), "
            "(2, 'B1', 'B', 'p', 'w', 's', ',CA,kind:school,QS,', 1, 1, 0)");
    CHECK_INT(db_migrate(db, 11), DB_OK);
    CHECK_INT(testlib_q1(db, "SELECT ref_id FROM outbox WHERE text = 'desk' AND ref_kind = 'tip'"),
              5);
    CHECK_INT(
        testlib_q1(db, "SELECT ref_id FROM outbox WHERE text = 'bulk' AND ref_kind = 'campaign'"),
        12);
    CHECK_INT(testlib_q1(db,
                         "SELECT count(*) FROM outbox WHERE text = 'plain' AND ref_kind IS NULL "
                         "AND ref_id IS NULL"),
              1);
    CHECK_INT(
        testlib_q1(db, "SELECT count(*) FROM deadline_targets WHERE date_id = 1 AND kind = 'all'"),
        1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM deadline_targets WHERE date_id = 2"), 3);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM deadline_targets WHERE date_id = 2 AND "
                             "((kind = 'agency' AND value IN ('CA', 'QS')) OR "
                             "(kind = 'kind' AND value = 'school'))"),
              3);
    db_close(db);
}

static void test_refs_deadline_targets_bind_agencies_by_rows(void)
{
    struct db *db = testlib_db("targets.db", -1);
    if (!db)
        return;
    CHECK_INT(agencies_upsert(db, "CA", "Công an", "police", "config", 0, 0), DB_OK);
    CHECK_INT(agencies_upsert(db, "TH1", "Trường 1", "school", "config", 0, 0), DB_OK);
    CHECK_INT(agencies_upsert(db, "YT", "Y tế", "health", "config", 0, 0), DB_OK);
    struct agencies_date d = {.code = "BCQ1-2026", .base = "BCQ", .due_day = 10, .rule_day = 10};
    struct agencies_target t[] = {{AGENCIES_TARGET_AGENCY, "CA"}, {AGENCIES_TARGET_KIND, "school"}};
    CHECK_INT(agencies_date_upsert(db, &d, t, 2, NOW), DB_OK);
    CHECK_INT(agencies_tasks_sync(db, 0, NOW), DB_OK);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM deadline_tasks WHERE agency IN ('CA', 'TH1')"),
              2);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM deadline_tasks"), 2);
    /* written again with other targets: they replace the old ones, untargeted tasks go */
    struct agencies_target all[] = {{AGENCIES_TARGET_ALL, ""}};
    CHECK_INT(agencies_date_upsert(db, &d, all, 1, NOW), DB_OK);
    CHECK_INT(agencies_tasks_sync(db, 0, NOW), DB_OK);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM deadline_tasks"), 3);
    struct agencies_target one[] = {{AGENCIES_TARGET_AGENCY, "YT"}};
    CHECK_INT(agencies_date_upsert(db, &d, one, 1, NOW), DB_OK);
    CHECK_INT(agencies_tasks_sync(db, 0, NOW), DB_OK);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM deadline_tasks"), 1);
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM deadline_targets"), 1);
    db_close(db);
}

TESTLIB_MAIN(T(test_refs_due_rows_carry_their_reference),
             T(test_refs_lead_retention_spares_a_message_quoting_its_code),
             T(test_refs_opt_out_withdraws_campaign_rows_by_reference),
             T(test_refs_cancel_and_prune_a_campaign_by_reference),
             T(test_refs_migration_fills_references_and_targets),
             T(test_refs_deadline_targets_bind_agencies_by_rows))
