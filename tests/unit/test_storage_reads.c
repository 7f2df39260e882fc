/*
 * test_storage_reads.c — every storage reader reports a failed read (storage/db.h db_step_row):
 * a step that fails is DB_ERROR with the outputs emptied, never "no rows" or a count of 0. The
 * first case is the one that hurt: another process changes the schema under the cached
 * statement of tips_count_since, which once answered 0 and let a resident past the hourly
 * limit. The second drives every reader through a step that fails (the connection's progress
 * handler interrupts every statement, as sqlite3_interrupt or an I/O error would end it).
 */
#include "base/log.h"
#include "storage/agencies.h"
#include "storage/campaigns.h"
#include "storage/convo.h"
#include "storage/db.h"
#include "storage/enrol.h"
#include "storage/groups.h"
#include "storage/meetings.h"
#include "storage/inbox.h"
#include "storage/outbox.h"
#include "storage/people.h"
#include "storage/platform_store.h"
#include "storage/scam_list.h"
#include "storage/tips.h"
#include "storage/webchat_store.h"

#include "testlib.h"

#include <limits.h>
#include <stdlib.h>

enum { MAXN = 4 };

static struct db *fresh_db(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", testlib_tmpdir(), name);
    struct db *db = NULL;
    CHECK_INT(db_open(path, NULL, &db), DB_OK);
    if (db && db_migrate(db, -1) != DB_OK) {
        CHECK(!"migrate");
        db_close(db);
        db = NULL;
    }
    return db;
}

/* A statement of another connection, as another process would run it. */
static void other_process(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    CHECK_INT(sqlite3_open(path, &h), SQLITE_OK);
    CHECK_INT(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static void test_reads_count_since_reports_a_failed_read_not_zero(void)
{
    char path[PATH_MAX];
    struct db *db = fresh_db("count.db", path, sizeof path);
    if (!db)
        return;
    int64_t n = -1;
    CHECK_INT(tips_count_since(db, 1, 0, &n), DB_OK); /* the statement is now cached */
    CHECK_INT(n, 0);
    other_process(path, "ALTER TABLE tips RENAME COLUMN person_id TO person");
    log_set_level(LOG_OFF);
    n = -1;
    CHECK_INT(tips_count_since(db, 1, 0, &n), DB_ERROR);
    log_set_level(LOG_ERROR);
    CHECK_INT(n, 0);
    db_close(db);
}

/* ---- every reader ----------------------------------------------------------------------- */

/* Each calls one reader with harmless arguments, checks that a failure left its outputs empty,
 * frees what it returned, and gives the reader's status. */
typedef int (*reader_fn)(struct db *db);

#define EMPTY_ON_ERROR(rc, n) CHECK((rc) != DB_ERROR || (n) == 0)

static int r_agencies_get(struct db *db)
{
    struct agency a;
    return agencies_get(db, "CA", &a);
}

static int r_agencies_of_person(struct db *db)
{
    char code[AGENCIES_CODE_MAX];
    return agencies_of_person(db, 1, code);
}

static int r_agencies_list(struct db *db)
{
    struct agency a[MAXN];
    int n = -1, rc = agencies_list(db, a, MAXN, &n);
    return rc;
}

static int r_agencies_chats(struct db *db)
{
    struct agency_chat c[MAXN];
    int n = -1;
    return agencies_chats(db, "CA", c, MAXN, &n);
}

static int r_agencies_chats_all(struct db *db)
{
    struct agency_chat c[MAXN];
    int n = -1;
    return agencies_chats_all(db, "CA", c, MAXN, &n);
}

static int r_agencies_tasks_due(struct db *db)
{
    static struct agencies_task t[MAXN];
    int n = -1;
    return agencies_tasks_due(db, 0, t, MAXN, &n);
}

static int r_agencies_task_find(struct db *db)
{
    static struct agencies_task t;
    return agencies_task_find(db, "CA", "BCQ", 0, &t);
}

static int r_agencies_tasks_open(struct db *db)
{
    static struct agencies_task t[MAXN];
    int n = -1;
    return agencies_tasks_open(db, "CA", t, MAXN, &n);
}

static int r_agencies_escalations_due(struct db *db)
{
    int64_t ids[MAXN];
    int n = -1, rc = agencies_escalations_due(db, INT64_MAX, ids, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    return rc;
}

static int r_agencies_date_get(struct db *db)
{
    struct agencies_date d;
    return agencies_date_get(db, 1, &d);
}

static int r_agencies_late(struct db *db)
{
    struct agency a[MAXN];
    int n = -1;
    return agencies_late(db, 1, a, MAXN, &n);
}

static int r_agencies_report(struct db *db)
{
    struct agencies_record r[MAXN];
    int n = -1, rc = agencies_report(db, 0, 100000, 50000, r, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    return rc;
}

static int r_campaigns_sub_get(struct db *db)
{
    struct campaigns_sub s;
    return campaigns_sub_get(db, "webchat", "w1", &s);
}

static int r_campaigns_get(struct db *db)
{
    struct campaign c;
    int rc = campaigns_get(db, "NONE", &c);
    campaign_clear(&c);
    return rc;
}

static int r_campaigns_get_id(struct db *db)
{
    struct campaign c;
    int rc = campaigns_get_id(db, 1, &c);
    campaign_clear(&c);
    return rc;
}

static int r_campaigns_list(struct db *db)
{
    struct campaign c[MAXN];
    int n = -1, rc = campaigns_list(db, c, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        campaign_clear(&c[i]);
    return rc;
}

static int r_campaigns_due(struct db *db)
{
    int64_t ids[MAXN];
    int n = -1;
    return campaigns_due(db, INT64_MAX, ids, MAXN, &n);
}

static int r_campaigns_running(struct db *db)
{
    int64_t ids[MAXN];
    int n = -1;
    return campaigns_running(db, ids, MAXN, &n);
}

static int r_campaigns_pending(struct db *db)
{
    struct campaigns_recipient r[MAXN];
    int n = -1;
    return campaigns_pending(db, 1, r, MAXN, &n);
}

static int r_campaigns_report(struct db *db)
{
    struct campaigns_counts c;
    return campaigns_report(db, 1, &c);
}

static int r_campaigns_count(struct db *db)
{
    struct campaigns_audience a = {.residents = true, .groups = true, .agencies = true};
    struct campaigns_counts r, g, ag;
    return campaigns_count(db, &a, &r, &g, &ag);
}

static int r_campaigns_draft_get(struct db *db)
{
    struct campaigns_draft d;
    int rc = campaigns_draft_get(db, "webchat", "w1", &d);
    free(d.text);
    return rc;
}

static int r_convo_get(struct db *db)
{
    struct convo c;
    int rc = convo_get(db, "webchat", "w1", &c);
    convo_clear(&c);
    return rc;
}

static int r_convo_idle(struct db *db)
{
    struct convo c[MAXN];
    int n = -1, rc = convo_idle(db, INT64_MAX, false, c, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        convo_clear(&c[i]);
    return rc;
}

static int r_enrol_redeem(struct db *db)
{
    struct enrol_grant g;
    return enrol_redeem(db, "2345-6789AB", 1, 0, &g);
}

static int r_groups_get(struct db *db)
{
    struct group_chat g;
    int rc = groups_get(db, "telegram", "-1", &g);
    group_chat_clear(&g);
    return rc;
}

static int r_groups_of_area(struct db *db)
{
    char *p[MAXN], *c[MAXN];
    int n = -1, rc = groups_of_area(db, "TDP5", p, c, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        free(p[i]), free(c[i]);
    return rc;
}

static int r_groups_stats(struct db *db)
{
    int64_t t, w, c;
    return groups_stats(db, "TDP5", 0, &t, &w, &c);
}

static int r_scam_find(struct db *db)
{
    struct scam_item it;
    return scam_find(db, "phone", "0912345678", &it);
}

static int r_scam_match_accounts(struct db *db)
{
    static struct scam_item it[MAXN];
    int n = -1, rc = scam_match_accounts(db, "0123456789", it, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    return rc;
}

static int r_scam_sighting(struct db *db)
{
    int sources = -1, rc = scam_sighting(db, "phone", "0912345678", "tip:1", 0, 0, &sources);
    EMPTY_ON_ERROR(rc, sources);
    return rc;
}

static int r_meetings_due(struct db *db)
{
    struct meeting m[MAXN];
    int n = -1, rc = meetings_due(db, 0, m, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        meeting_clear(&m[i]);
    return rc;
}

static int r_inbox_pending(struct db *db)
{
    struct inbox_row r[MAXN];
    int n = -1, rc = inbox_pending(db, MAXN, r, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        inbox_row_clear(&r[i]);
    return rc;
}

static int r_inbox_count_pending(struct db *db)
{
    int64_t n;
    return inbox_count_pending(db, NULL, &n);
}

static int r_outbox_queued_for_chat(struct db *db)
{
    struct outbox_row r[MAXN];
    int n = -1, rc = outbox_queued_for_chat(db, "webchat", "w1", 0, INT64_MAX, MAXN, r, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        outbox_row_clear(&r[i]);
    return rc;
}

static int r_outbox_last_id(struct db *db)
{
    int64_t id;
    return outbox_last_id(db, &id);
}

static int r_outbox_queued_between(struct db *db)
{
    struct outbox_row r[MAXN];
    int n = -1, rc = outbox_queued_between(db, "webchat", 0, 100, false, MAXN, r, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        outbox_row_clear(&r[i]);
    return rc;
}

static int r_outbox_due(struct db *db)
{
    struct outbox_row r[MAXN];
    int n = -1, rc = outbox_due(db, "telegram", INT64_MAX, MAXN, r, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        outbox_row_clear(&r[i]);
    return rc;
}

static int r_outbox_count(struct db *db)
{
    int64_t n;
    return outbox_count(db, "queued", &n);
}

static int r_people_get(struct db *db)
{
    struct person p;
    int rc = people_get(db, "webchat", "w1", &p);
    person_clear(&p);
    return rc;
}

static int r_people_officers(struct db *db)
{
    char *p[MAXN], *u[MAXN];
    int n = -1, rc = people_officers(db, "TDP5", p, u, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        free(p[i]), free(u[i]);
    return rc;
}

static int r_pstore_get(struct db *db)
{
    char buf[64];
    return pstore_get(db, "telegram", "offset", buf, sizeof buf);
}

static int r_pstore_callback_get(struct db *db)
{
    char *data = NULL;
    int rc = pstore_callback_get(db, "telegram", "1", "token", &data);
    free(data);
    return rc;
}

static int r_tips_get(struct db *db)
{
    struct tip t;
    int rc = tips_get(db, "AAAAAAAA", &t);
    tip_clear(&t);
    return rc;
}

static int r_tips_get_id(struct db *db)
{
    struct tip t;
    int rc = tips_get_id(db, 1, &t);
    tip_clear(&t);
    return rc;
}

static int r_tips_attachments(struct db *db)
{
    char *refs[MAXN];
    int n = -1, rc = tips_attachments(db, 1, NULL, refs, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        free(refs[i]);
    return rc;
}

static int r_tips_count_attachments(struct db *db)
{
    int64_t n = -1;
    int rc = tips_count_attachments(db, 1, NULL, &n);
    EMPTY_ON_ERROR(rc, n);
    return rc;
}

/* The lists of whole tips share one collector; each has its own statement. */
static int tips_list_result(int rc, struct tip *t, int n)
{
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        tip_clear(&t[i]);
    return rc;
}

static int r_tips_page(struct db *db, enum tips_listing which)
{
    struct tip t[MAXN];
    int n = -1;
    int64_t total = -1;
    int rc = tips_page(db, which, INT64_MAX, 0, t, MAXN, &n, &total);
    EMPTY_ON_ERROR(rc, total);
    return tips_list_result(rc, t, n);
}

static int r_tips_page_new(struct db *db)
{
    return r_tips_page(db, TIPS_LISTING_NEW);
}

static int r_tips_page_overdue(struct db *db)
{
    return r_tips_page(db, TIPS_LISTING_OVERDUE);
}

static int r_tips_list_pressing(struct db *db)
{
    struct tip t[MAXN];
    int n = -1, rc = tips_list_pressing(db, NULL, INT64_MAX, t, MAXN, &n);
    return tips_list_result(rc, t, n);
}

static int r_tips_summarise(struct db *db)
{
    struct tips_summary sum;
    int rc = tips_summarise(db, "TDP5", INT64_MAX, &sum);
    EMPTY_ON_ERROR(rc, sum.open);
    return rc;
}

static int r_tips_events(struct db *db)
{
    struct tip t = {.id = 1, .person_id = 1};
    struct tip_event ev[MAXN];
    int n = -1;
    int64_t total = -1;
    int rc = tips_events(db, &t, ev, MAXN, &n, &total);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        tip_event_clear(&ev[i]);
    return rc;
}

static int r_tips_tipster_name(struct db *db)
{
    struct tip t = {.id = 1, .person_id = 1};
    char name[64] = "x";
    int rc = tips_tipster_name(db, &t, name, sizeof name);
    CHECK(rc != DB_ERROR || name[0] == '\0');
    return rc;
}

static int r_tips_reply_wait_take(struct db *db)
{
    int64_t tip = -1;
    int rc = tips_reply_wait_take(db, "telegram", "-1005", 1, 0, &tip);
    EMPTY_ON_ERROR(rc, tip);
    return rc;
}

static int r_tips_list_by_person(struct db *db)
{
    struct tip t[MAXN];
    int n = -1, rc = tips_list_by_person(db, 1, t, MAXN, &n);
    return tips_list_result(rc, t, n);
}

static int r_tips_search(struct db *db)
{
    struct tip t[MAXN];
    const char *keys[] = {"phone:0912345678"};
    int n = -1;
    int64_t total = -1;
    int rc = tips_search_page(db, "xe may", keys, 1, 0, t, MAXN, &n, &total);
    EMPTY_ON_ERROR(rc, total);
    return tips_list_result(rc, t, n);
}

static int r_tips_count_since(struct db *db)
{
    int64_t n = -1;
    int rc = tips_count_since(db, 1, 0, &n);
    EMPTY_ON_ERROR(rc, n);
    return rc;
}

static int r_tips_recent_of_person(struct db *db)
{
    struct tip t[MAXN];
    int n = -1, rc = tips_recent_of_person(db, 1, 0, t, MAXN, &n);
    return tips_list_result(rc, t, n);
}

static int r_tips_open_question(struct db *db)
{
    struct tip t;
    int count = -1, rc = tips_open_question(db, 1, &t, &count);
    if (rc == DB_OK)
        tip_clear(&t);
    return rc;
}

static int r_tips_messages(struct db *db)
{
    char *dirs[MAXN], *texts[MAXN];
    int64_t times[MAXN];
    int n = -1, rc = tips_messages(db, 1, dirs, texts, times, MAXN, &n);
    EMPTY_ON_ERROR(rc, n);
    for (int i = 0; rc == DB_OK && i < n; i++)
        free(dirs[i]), free(texts[i]);
    return rc;
}

static int r_tips_sla(struct db *db, enum tips_sla which)
{
    struct tip t[MAXN];
    int n = -1, rc = tips_sla_candidates(db, which, "ack", INT64_MAX, INT64_MAX, t, MAXN, &n);
    return tips_list_result(rc, t, n);
}

static int r_tips_sla_ack(struct db *db)
{
    return r_tips_sla(db, TIPS_SLA_ACK);
}

static int r_tips_sla_classify(struct db *db)
{
    return r_tips_sla(db, TIPS_SLA_CLASSIFY);
}

static int r_tips_sla_deadline(struct db *db)
{
    return r_tips_sla(db, TIPS_SLA_DEADLINE);
}

static int r_tips_sla_ack_last(struct db *db)
{
    return r_tips_sla(db, TIPS_SLA_ACK_LAST);
}

static int r_tips_sla_overdue(struct db *db)
{
    return r_tips_sla(db, TIPS_SLA_OVERDUE);
}

static int r_scam_oldest_sighting(struct db *db)
{
    int64_t at = -1;
    int rc = scam_oldest_sighting(db, &at);
    CHECK(rc != DB_ERROR || at == 0);
    return rc;
}

static int r_agencies_sync_pending(struct db *db)
{
    return agencies_sync_pending(db, "deadlines", "t1");
}

static int r_webchat_history(struct db *db)
{
    struct webchat_line *lines = NULL;
    int n = -1, rc = webchat_store_history(db, "w1", MAXN, &lines, &n);
    EMPTY_ON_ERROR(rc, n);
    CHECK(rc != DB_ERROR || lines == NULL);
    webchat_lines_free(lines, n > 0 ? n : 0);
    return rc;
}

static int r_webchat_find(struct db *db)
{
    char chat[WEBCHAT_CHAT_ID_LEN];
    return webchat_store_find(db, "00ff", 0, chat);
}

static int r_webchat_chat_taken(struct db *db)
{
    return webchat_store_chat_taken(db, "w0123456789abcdef");
}

/* Retention's reads: a failed one must not read as "nothing due" (nor as due). */
static int r_due(int rc, bool due)
{
    CHECK(rc != DB_ERROR || !due);
    return rc;
}

static int r_inbox_prune_due(struct db *db)
{
    bool due = true;
    int rc = inbox_prune_due(db, INT64_MAX, &due);
    return r_due(rc, due);
}

static int r_outbox_prune_due(struct db *db)
{
    bool due = true;
    int rc = outbox_prune_due(db, INT64_MAX, &due);
    return r_due(rc, due);
}

static int r_pstore_callback_prune_due(struct db *db)
{
    bool due = true;
    int rc = pstore_callback_prune_due(db, INT64_MAX, &due);
    return r_due(rc, due);
}

static int r_webchat_store_prune_due(struct db *db)
{
    bool due = true;
    int rc = webchat_store_prune_due(db, INT64_MAX, 0, 0, &due);
    return r_due(rc, due);
}

static int r_groups_leads_due(struct db *db)
{
    bool due = true;
    int rc = groups_leads_due(db, INT64_MAX, &due);
    return r_due(rc, due);
}

static int r_campaigns_archive_next(struct db *db)
{
    int64_t id = -1;
    bool frozen = true;
    int rc = campaigns_archive_next(db, INT64_MAX, 0, &id, &frozen);
    CHECK(rc != DB_ERROR || (id == 0 && !frozen));
    return rc;
}

static int r_db_version(struct db *db)
{
    int v = -1;
    return db_version(db, &v);
}

static const struct {
    const char *name;
    reader_fn fn;
} readers[] = {
#define R(f)                                                                                       \
    {                                                                                              \
#f, r_##f                                                                                  \
    }
    R(agencies_get),
    R(agencies_of_person),
    R(agencies_list),
    R(agencies_chats),
    R(agencies_chats_all),
    R(agencies_tasks_due),
    R(agencies_task_find),
    R(agencies_tasks_open),
    R(agencies_escalations_due),
    R(agencies_date_get),
    R(agencies_late),
    R(agencies_report),
    R(campaigns_sub_get),
    R(campaigns_get),
    R(campaigns_get_id),
    R(campaigns_list),
    R(campaigns_due),
    R(campaigns_running),
    R(campaigns_pending),
    R(campaigns_report),
    R(campaigns_count),
    R(campaigns_draft_get),
    R(convo_get),
    R(convo_idle),
    R(enrol_redeem),
    R(groups_get),
    R(groups_of_area),
    R(groups_stats),
    R(scam_find),
    R(scam_match_accounts),
    R(scam_sighting),
    R(meetings_due),
    R(inbox_pending),
    R(inbox_count_pending),
    R(outbox_queued_for_chat),
    R(outbox_last_id),
    R(outbox_queued_between),
    R(outbox_due),
    R(outbox_count),
    R(people_get),
    R(people_officers),
    R(pstore_get),
    R(pstore_callback_get),
    R(tips_get),
    R(tips_get_id),
    R(tips_attachments),
    R(tips_count_attachments),
    R(tips_page_new),
    R(tips_page_overdue),
    R(tips_list_pressing),
    R(tips_summarise),
    R(tips_events),
    R(tips_tipster_name),
    R(tips_reply_wait_take),
    R(tips_list_by_person),
    R(tips_search),
    R(tips_count_since),
    R(tips_recent_of_person),
    R(tips_open_question),
    R(tips_messages),
    R(tips_sla_ack),
    R(tips_sla_classify),
    R(tips_sla_deadline),
    R(tips_sla_ack_last),
    R(tips_sla_overdue),
    R(scam_oldest_sighting),
    R(agencies_sync_pending),
    R(webchat_history),
    R(webchat_find),
    R(webchat_chat_taken),
    R(inbox_prune_due),
    R(outbox_prune_due),
    R(pstore_callback_prune_due),
    R(webchat_store_prune_due),
    R(groups_leads_due),
    R(campaigns_archive_next),
    R(db_version),
#undef R
};

static int interrupt_every_statement(void *arg)
{
    (void)arg;
    return 1;
}

static void test_reads_every_reader_reports_a_failed_step(void)
{
    char path[PATH_MAX];
    struct db *db = fresh_db("every.db", path, sizeof path);
    if (!db)
        return;
    size_t n = sizeof readers / sizeof readers[0];
    /* First with a healthy connection: every statement is prepared and cached, so what fails
     * below is the step itself. */
    for (size_t i = 0; i < n; i++) {
        int rc = readers[i].fn(db);
        if (rc == DB_ERROR)
            fprintf(stderr, "  %s failed on a healthy database\n", readers[i].name);
        CHECK(rc != DB_ERROR);
    }
    log_set_level(LOG_OFF);
    sqlite3_progress_handler(db_handle(db), 1, interrupt_every_statement, NULL);
    for (size_t i = 0; i < n; i++) {
        int rc = readers[i].fn(db);
        if (rc != DB_ERROR)
            fprintf(stderr, "  %s answered %d for a failed read\n", readers[i].name, rc);
        CHECK_INT(rc, DB_ERROR);
    }
    sqlite3_progress_handler(db_handle(db), 0, NULL, NULL);
    log_set_level(LOG_ERROR);
    /* The connection is usable again once the cause is gone. */
    for (size_t i = 0; i < n; i++)
        CHECK(readers[i].fn(db) != DB_ERROR);
    db_close(db);
}

TESTLIB_MAIN(T(test_reads_count_since_reports_a_failed_read_not_zero),
             T(test_reads_every_reader_reports_a_failed_step))
