/*
 * campaigns.c — see campaigns.h. The three audiences are each one SELECT (below, as macros),
 * used both to snapshot recipients when a campaign starts and to count them for a preview, so
 * the number an officer confirms is computed exactly as the list that is sent.
 *
 * Withdrawing queued messages (an opt-out, a cancelled campaign) updates outbox rows directly,
 * found by their reference (ref_kind 'campaign', ref_id the campaign: the index outbox_ref, or
 * outbox_chat for one chat's): storage/outbox.c has no notion of campaigns, and a new outbox
 * state was rejected — 'failed' with the reason kept is what every report already reads.
 */
#include "storage/campaigns.h"

#include "storage/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Residents: private chats that said /dangkytin (or /tatthongbao), by area (?3: ",A,B," or ""). */
#define CAMPAIGNS_RESIDENTS                                                                        \
    "SELECT s.platform AS platform, s.chat_id AS chat_id, 'resident' AS audience, "                \
    "CASE WHEN s.status = 'stopped' THEN 'opted_out' WHEN coalesce(c.reachable, 1) = 0 OR "        \
    "coalesce(p.reachable, 1) = 0 THEN 'unreachable' ELSE 'pending' END AS state "                 \
    "FROM subscriptions s LEFT JOIN chats c ON c.platform = s.platform AND c.chat_id = s.chat_id " \
    "LEFT JOIN people p ON p.id = s.person_id WHERE coalesce(c.kind, 'private') = 'private' AND "  \
    "(?3 = '' OR instr(?3, ',' || coalesce(s.area, p.area) || ',') > 0)"

/* Bound groups: kind 'group', an area, reachable (the group-chat work's definition). */
#define CAMPAIGNS_GROUPS                                                                           \
    "SELECT c.platform AS platform, c.chat_id AS chat_id, 'group' AS audience, "                   \
    "CASE WHEN s.status = 'stopped' THEN 'opted_out' ELSE 'pending' END AS state FROM chats c "    \
    "LEFT JOIN subscriptions s ON s.platform = c.platform AND s.chat_id = c.chat_id "              \
    "WHERE c.kind = 'group' AND c.area IS NOT NULL AND c.reachable = 1 AND "                       \
    "(?3 = '' OR instr(?3, ',' || c.area || ',') > 0)"

/* Agencies' chats (?4 = 1: schools only; ?3: codes). */
#define CAMPAIGNS_AGENCIES                                                                         \
    "SELECT ac.platform AS platform, ac.chat_id AS chat_id, 'agency' AS audience, "                \
    "CASE WHEN s.status = 'stopped' THEN 'opted_out' WHEN coalesce(c.reachable, 1) = 0 THEN "      \
    "'unreachable' ELSE 'pending' END AS state FROM agency_chats ac JOIN agencies a ON "           \
    "a.code = ac.agency AND a.active = 1 LEFT JOIN chats c ON c.platform = ac.platform AND "       \
    "c.chat_id = ac.chat_id LEFT JOIN subscriptions s ON s.platform = ac.platform AND "            \
    "s.chat_id = ac.chat_id WHERE (?4 = 0 OR a.kind = 'school') AND "                              \
    "(?3 = '' OR instr(?3, ',' || a.code || ',') > 0)"

#define CAMPAIGNS_SNAPSHOT(select)                                                                 \
    "INSERT OR IGNORE INTO campaign_recipients (campaign_id, platform, chat_id, audience, state, " \
    "updated_at) SELECT ?1, platform, chat_id, audience, state, ?2 FROM (" select ")"

#define CAMPAIGNS_COUNT(select)                                                                    \
    "SELECT count(*), count(CASE WHEN state = 'opted_out' THEN 1 END), "                           \
    "count(CASE WHEN state = 'unreachable' THEN 1 END) FROM (" select ")"

/* ---- subscriptions ---------------------------------------------------------------------- */

int campaigns_sub_get(struct db *db, const char *platform, const char *chat_id,
                      struct campaigns_sub *out)
{
    static const char sql[] = "SELECT status, coalesce(area, '') FROM subscriptions "
                              "WHERE platform = ? AND chat_id = ?";
    static const struct db_col cols[] = {
        DB_COL(0, DB_TEXT, struct campaigns_sub, status),
        DB_COL(1, DB_TEXT, struct campaigns_sub, area),
    };
    memset(out, 0, sizeof *out);
    return db_row(db_query(db, sql, "tt", platform, chat_id), cols, DB_COLS(cols), out);
}

static int campaigns_set_status(struct db *db, const char *platform, const char *chat_id,
                                int64_t person_id, const char *status, const char *area,
                                int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO subscriptions (platform, chat_id, person_id, status, area, created_at, "
        "updated_at) VALUES (?1, ?2, NULLIF(?3, 0), ?4, ?5, ?6, ?6) ON CONFLICT (platform, "
        "chat_id) DO UPDATE SET status = excluded.status, person_id = coalesce(excluded.person_id, "
        "person_id), area = coalesce(excluded.area, area), updated_at = excluded.updated_at";
    return db_run(db, sql, "ttIttI", platform, chat_id, person_id, status, area, now_ms);
}

int campaigns_subscribe(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                        const char *area, int64_t now_ms)
{
    return campaigns_set_status(db, platform, chat_id, person_id, "subscribed", area, now_ms);
}

/* Withdraws the campaign messages still queued for one chat (or for one campaign: chat NULL). */
static int campaigns_withdraw(struct db *db, const char *platform, const char *chat_id, int64_t id,
                              const char *why, int64_t *dropped)
{
    static const char by_chat[] =
        "UPDATE outbox SET status = 'failed', last_error = ?3 WHERE platform = ?1 AND "
        "chat_id = ?2 AND status = 'queued' AND ref_kind = 'campaign'";
    static const char by_campaign[] =
        "UPDATE outbox SET status = 'failed', last_error = ?2 WHERE ref_kind = 'campaign' AND "
        "ref_id = ?1 AND status = 'queued'";
    int rc = chat_id ? db_run(db, by_chat, "ttt", platform, chat_id, why)
                     : db_run(db, by_campaign, "It", id, why);
    if (dropped)
        *dropped = rc == DB_OK ? db_changes(db) : 0;
    return rc;
}

int campaigns_stop(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                   int64_t now_ms, int64_t *dropped)
{
    static const char recipients[] =
        "UPDATE campaign_recipients SET state = 'opted_out', updated_at = ?3 WHERE platform = ?1 "
        "AND chat_id = ?2 AND (state = 'pending' OR (state = 'queued' AND outbox_id IN (SELECT id "
        "FROM outbox WHERE platform = ?1 AND chat_id = ?2 AND status = 'failed' AND "
        "last_error = 'opted out')))";
    if (campaigns_set_status(db, platform, chat_id, person_id, "stopped", NULL, now_ms) != DB_OK ||
        campaigns_withdraw(db, platform, chat_id, 0, "opted out", dropped) != DB_OK)
        return DB_ERROR;
    return db_run(db, recipients, "ttI", platform, chat_id, now_ms);
}

/* ---- campaigns -------------------------------------------------------------------------- */

void campaign_clear(struct campaign *c)
{
    if (!c)
        return;
    free(c->text);
    c->text = NULL;
}

#define CAMPAIGNS_COLUMNS                                                                          \
    "SELECT id, code, kind, title, text, audience, priority, status, coalesce(send_at, 0), "       \
    "created_at, coalesce(started_at, 0), coalesce(finished_at, 0) FROM campaigns "

static void campaigns_row(sqlite3_stmt *st, struct campaign *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    db_col_text(st, 1, c->code, sizeof c->code);
    db_col_text(st, 2, c->kind, sizeof c->kind);
    db_col_text(st, 3, c->title, sizeof c->title);
    c->text = db_col_strdup(st, 4);
    db_col_text(st, 5, c->audience, sizeof c->audience);
    c->priority = sqlite3_column_int(st, 6);
    db_col_text(st, 7, c->status, sizeof c->status);
    c->send_at = sqlite3_column_int64(st, 8);
    c->created_at = sqlite3_column_int64(st, 9);
    c->started_at = sqlite3_column_int64(st, 10);
    c->finished_at = sqlite3_column_int64(st, 11);
}

static int campaigns_bind_new(sqlite3_stmt *st, const struct campaign *c, int64_t person_id,
                              int64_t now_ms)
{
    db_bind_text(st, 1, c->code);
    db_bind_text(st, 2, c->kind);
    db_bind_text(st, 3, c->title);
    db_bind_text(st, 4, c->text);
    db_bind_text(st, 5, c->audience);
    sqlite3_bind_int(st, 6, c->priority);
    db_bind_text(st, 7, c->send_at ? "scheduled" : "draft");
    sqlite3_bind_int64(st, 8, c->send_at);
    sqlite3_bind_int64(st, 9, person_id);
    sqlite3_bind_int64(st, 10, now_ms);
    return 0;
}

int campaigns_create(struct db *db, const struct campaign *c, int64_t person_id, int64_t now_ms,
                     int64_t *id)
{
    static const char sql[] =
        "INSERT INTO campaigns (code, kind, title, text, audience, priority, status, send_at, "
        "created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULLIF(?8, 0), "
        "NULLIF(?9, 0), ?10, ?10) ON CONFLICT (code) DO NOTHING RETURNING id";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    campaigns_bind_new(st, c, person_id, now_ms);
    int rc = db_step_row(st);
    if (rc == DB_OK && id)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == DB_NOT_FOUND ? DB_DUPLICATE : rc;
}

int campaigns_upsert_scheduled(struct db *db, const struct campaign *c, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO campaigns (code, kind, title, text, audience, priority, status, send_at, "
        "created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULLIF(?8, 0), "
        "NULLIF(?9, 0), ?10, ?10) ON CONFLICT (code) DO UPDATE SET title = excluded.title, "
        "text = excluded.text, audience = excluded.audience, send_at = excluded.send_at, "
        "updated_at = excluded.updated_at WHERE status = 'scheduled' AND kind = 'awareness' AND "
        "(title, text, audience, send_at) IS NOT (excluded.title, excluded.text, "
        "excluded.audience, excluded.send_at)";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    campaigns_bind_new(st, c, 0, now_ms);
    return db_step_done(db, st);
}

static int campaigns_one(sqlite3_stmt *st, struct campaign *out)
{
    int rc = db_step_row(st);
    if (rc == DB_OK)
        campaigns_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int campaigns_get(struct db *db, const char *code, struct campaign *out)
{
    static const char sql[] = CAMPAIGNS_COLUMNS "WHERE code = upper(?)";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "t", code);
    return campaigns_one(st, out);
}

int campaigns_get_id(struct db *db, int64_t id, struct campaign *out)
{
    static const char sql[] = CAMPAIGNS_COLUMNS "WHERE id = ?";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "I", id);
    return campaigns_one(st, out);
}

int campaigns_list(struct db *db, struct campaign *out, int max, int *n)
{
    static const char sql[] =
        CAMPAIGNS_COLUMNS "ORDER BY coalesce(send_at, created_at) DESC, id DESC LIMIT ?";
    int rc = DB_NOT_FOUND;
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "i", max);
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        campaigns_row(st, &out[(*n)++]);
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++)
            campaign_clear(&out[i]);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

/* Runs an UPDATE of one campaign (?1 id, ?2 now, ?3 a value); DB_NOT_FOUND when it changed
 * nothing (the campaign was not in the state the statement expects). */
static int campaigns_update(struct db *db, const char *sql, int64_t id, int64_t now_ms,
                            int64_t value)
{
    return db_changed(db, db_run(db, sql, "III", id, now_ms, value), DB_NOT_FOUND);
}

int campaigns_schedule(struct db *db, int64_t id, int64_t send_at, int64_t now_ms)
{
    static const char sql[] = "UPDATE campaigns SET status = 'scheduled', send_at = ?3, "
                              "updated_at = ?2 WHERE id = ?1 AND status IN ('draft', 'scheduled')";
    return campaigns_update(db, sql, id, now_ms, send_at);
}

int campaigns_cancel(struct db *db, int64_t id, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE campaigns SET status = 'cancelled', updated_at = ?2, finished_at = ?2 "
        "WHERE id = ?1 AND status IN ('draft', 'scheduled', 'running')";
    static const char pending[] = "UPDATE campaign_recipients SET state = 'cancelled', "
                                  "updated_at = ?2 WHERE campaign_id = ?1 AND "
                                  "state = 'pending'";
    int rc = campaigns_update(db, sql, id, now_ms, 0);
    if (rc != DB_OK)
        return rc;
    rc = campaigns_update(db, pending, id, now_ms, 0);
    if (rc == DB_ERROR)
        return rc;
    return campaigns_withdraw(db, NULL, NULL, id, "cancelled", NULL);
}

static int campaigns_ids(sqlite3_stmt *st, int64_t *ids, int max, int *n)
{
    int rc = DB_NOT_FOUND;
    *n = 0;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    return db_rows_end(st, rc);
}

int campaigns_due(struct db *db, int64_t now_ms, int64_t *ids, int max, int *n)
{
    static const char sql[] = "SELECT id FROM campaigns WHERE status = 'scheduled' AND "
                              "send_at <= ? ORDER BY send_at, id LIMIT ?";
    sqlite3_stmt *st = db_query(db, sql, "Ii", now_ms, max);
    return campaigns_ids(st, ids, max, n);
}

int campaigns_running(struct db *db, int64_t *ids, int max, int *n)
{
    static const char sql[] = "SELECT id FROM campaigns WHERE status = 'running' "
                              "ORDER BY priority, id LIMIT ?";
    sqlite3_stmt *st = db_query(db, sql, "i", max);
    return campaigns_ids(st, ids, max, n);
}

int campaigns_miss(struct db *db, int64_t id, int64_t now_ms)
{
    static const char sql[] = "UPDATE campaigns SET status = 'missed', updated_at = ?2, "
                              "finished_at = ?2 WHERE id = ?1 AND status = 'scheduled'";
    return campaigns_update(db, sql, id, now_ms, 0);
}

int campaigns_finish(struct db *db, int64_t id, int64_t now_ms)
{
    static const char sql[] = "UPDATE campaigns SET status = 'done', updated_at = ?2, "
                              "finished_at = ?2 WHERE id = ?1 AND status = 'running'";
    return campaigns_update(db, sql, id, now_ms, 0);
}

/* Binds the audience's parameters of one of the SELECTs above (?3 list, ?4 schools). */
static void campaigns_bind_audience(sqlite3_stmt *st, const char *list, int schools)
{
    db_bind_text(st, 3, list);
    if (sqlite3_bind_parameter_count(st) >= 4)
        sqlite3_bind_int(st, 4, schools);
}

static int campaigns_snapshot(struct db *db, const char *sql, int64_t id, int64_t now_ms,
                              const char *list, int schools, int64_t *added)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms);
    campaigns_bind_audience(st, list, schools);
    int rc = db_step_done(db, st);
    *added += rc == DB_OK ? db_changes(db) : 0;
    return rc;
}

int campaigns_start(struct db *db, int64_t id, const struct campaigns_audience *a, int64_t now_ms,
                    int64_t *targeted)
{
    static const char residents[] = CAMPAIGNS_SNAPSHOT(CAMPAIGNS_RESIDENTS);
    static const char groups[] = CAMPAIGNS_SNAPSHOT(CAMPAIGNS_GROUPS);
    static const char agencies[] = CAMPAIGNS_SNAPSHOT(CAMPAIGNS_AGENCIES);
    static const char running[] = "UPDATE campaigns SET status = 'running', updated_at = ?2, "
                                  "started_at = ?2 WHERE id = ?1 AND status = 'scheduled'";
    int rc = DB_OK;
    *targeted = 0;
    if (a->residents)
        rc = campaigns_snapshot(db, residents, id, now_ms, a->resident_areas, 0, targeted);
    if (rc == DB_OK && a->groups)
        rc = campaigns_snapshot(db, groups, id, now_ms, a->group_areas, 0, targeted);
    if (rc == DB_OK && (a->agencies || a->schools))
        rc = campaigns_snapshot(db, agencies, id, now_ms, a->agency_codes, !a->agencies, targeted);
    return rc == DB_OK ? campaigns_update(db, running, id, now_ms, 0) : rc;
}

int campaigns_pending(struct db *db, int64_t id, struct campaigns_recipient *out, int max, int *n)
{
    static const char sql[] =
        "SELECT r.platform, r.chat_id, r.audience, coalesce(s.status, ''), "
        "coalesce(c.reachable, 1) FROM campaign_recipients r INDEXED BY "
        "campaign_recipients_pending LEFT JOIN subscriptions s ON "
        "s.platform = r.platform AND s.chat_id = r.chat_id LEFT JOIN chats c ON "
        "c.platform = r.platform AND c.chat_id = r.chat_id WHERE r.campaign_id = ? AND "
        "r.state = 'pending' LIMIT ?";
    int rc = DB_NOT_FOUND;
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Ii", id, max);
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        struct campaigns_recipient *r = &out[(*n)++];
        db_col_text(st, 0, r->platform, sizeof r->platform);
        db_col_text(st, 1, r->chat_id, sizeof r->chat_id);
        db_col_text(st, 2, r->audience, sizeof r->audience);
        db_col_text(st, 3, r->sub_status, sizeof r->sub_status);
        r->reachable = sqlite3_column_int(st, 4) != 0;
    }
    return db_rows_end(st, rc);
}

int campaigns_recipient_set(struct db *db, int64_t id, const char *platform, const char *chat_id,
                            const char *state, int64_t outbox_id, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE campaign_recipients SET state = ?4, outbox_id = NULLIF(?5, 0), updated_at = ?6 "
        "WHERE campaign_id = ?1 AND platform = ?2 AND chat_id = ?3 AND state = 'pending'";
    return db_run(db, sql, "ItttII", id, platform, chat_id, state, outbox_id, now_ms);
}

static int campaigns_report_live(struct db *db, int64_t id, struct campaigns_counts *out)
{
    static const char sql[] =
        "SELECT count(*), "
        "count(CASE WHEN r.state = 'queued' AND o.status = 'sent' THEN 1 END), "
        "count(CASE WHEN r.state = 'queued' AND o.status = 'failed' AND "
        "coalesce(c.reachable, 1) = 1 AND o.last_error IS NOT ?2 THEN 1 END), "
        "count(CASE WHEN r.state = 'unreachable' OR (r.state = 'queued' AND "
        "o.status = 'failed' AND coalesce(c.reachable, 1) = 0) THEN 1 END), "
        "count(CASE WHEN r.state = 'opted_out' THEN 1 END), "
        "count(CASE WHEN r.state = 'pending' OR (r.state = 'queued' AND "
        "o.status IN ('queued', 'sending')) THEN 1 END), "
        "count(CASE WHEN r.state = 'cancelled' THEN 1 END), "
        "count(CASE WHEN r.state = 'queued' AND o.status = 'failed' AND "
        "coalesce(c.reachable, 1) = 1 AND o.last_error IS ?2 THEN 1 END) "
        "FROM campaign_recipients r LEFT JOIN outbox o ON o.id = r.outbox_id LEFT JOIN chats c "
        "ON c.platform = r.platform AND c.chat_id = r.chat_id WHERE r.campaign_id = ?1";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "It", id, OUTBOX_OUTSIDE_WINDOW);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        int64_t *fields[] = {&out->targeted,    &out->sent,          &out->failed,
                             &out->unreachable, &out->opted_out,     &out->in_progress,
                             &out->cancelled,   &out->outside_window};
        for (int i = 0; i < 8; i++)
            *fields[i] = sqlite3_column_int64(st, i);
    }
    return db_rows_end(st, rc);
}

/* The totals frozen when the campaign's report period ended: DB_NOT_FOUND before. */
static int campaigns_report_frozen(struct db *db, int64_t id, struct campaigns_counts *out)
{
    static const char sql[] =
        "SELECT total_targeted, total_sent, total_failed, total_unreachable, total_opted_out, "
        "total_cancelled, coalesce(total_outside_window, 0) FROM campaigns WHERE id = ? AND "
        "totals_at IS NOT NULL";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "I", id);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        int64_t *fields[] = {&out->targeted,      &out->sent,      &out->failed,
                             &out->unreachable,   &out->opted_out, &out->cancelled,
                             &out->outside_window};
        for (int i = 0; i < 7; i++)
            *fields[i] = sqlite3_column_int64(st, i);
    }
    sqlite3_reset(st);
    return rc;
}

int campaigns_report(struct db *db, int64_t id, struct campaigns_counts *out)
{
    int rc = campaigns_report_frozen(db, id, out);
    return rc == DB_NOT_FOUND ? campaigns_report_live(db, id, out) : rc;
}

static int campaigns_count_one(struct db *db, const char *sql, const char *list, int schools,
                               struct campaigns_counts *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    campaigns_bind_audience(st, list, schools);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        out->targeted = sqlite3_column_int64(st, 0);
        out->opted_out = sqlite3_column_int64(st, 1);
        out->unreachable = sqlite3_column_int64(st, 2);
    }
    return db_rows_end(st, rc);
}

int campaigns_count(struct db *db, const struct campaigns_audience *a,
                    struct campaigns_counts *residents, struct campaigns_counts *groups,
                    struct campaigns_counts *agencies)
{
    static const char r_sql[] = CAMPAIGNS_COUNT(CAMPAIGNS_RESIDENTS);
    static const char g_sql[] = CAMPAIGNS_COUNT(CAMPAIGNS_GROUPS);
    static const char a_sql[] = CAMPAIGNS_COUNT(CAMPAIGNS_AGENCIES);
    memset(residents, 0, sizeof *residents);
    memset(groups, 0, sizeof *groups);
    memset(agencies, 0, sizeof *agencies);
    int rc = DB_OK;
    if (a->residents)
        rc = campaigns_count_one(db, r_sql, a->resident_areas, 0, residents);
    if (rc == DB_OK && a->groups)
        rc = campaigns_count_one(db, g_sql, a->group_areas, 0, groups);
    if (rc == DB_OK && (a->agencies || a->schools))
        rc = campaigns_count_one(db, a_sql, a->agency_codes, !a->agencies, agencies);
    return rc;
}

/* ---- retention -------------------------------------------------------------------------- */

int campaigns_archive_next(struct db *db, int64_t before_ms, int64_t after_id, int64_t *id,
                           bool *frozen)
{
    static const char sql[] =
        "SELECT id, totals_at IS NOT NULL FROM campaigns INDEXED BY campaigns_unarchived WHERE "
        "archived_at IS NULL AND finished_at < ?1 AND id > ?2 AND "
        "status IN ('done', 'cancelled', 'missed') ORDER BY id LIMIT 1";
    *id = 0;
    *frozen = false;
    sqlite3_stmt *st = db_query(db, sql, "II", before_ms, after_id);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        *id = sqlite3_column_int64(st, 0);
        *frozen = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_reset(st);
    return rc;
}

int campaigns_freeze(struct db *db, int64_t id, int64_t now_ms, bool *frozen)
{
    static const char sql[] =
        "UPDATE campaigns SET totals_at = ?2, total_targeted = ?3, total_sent = ?4, "
        "total_failed = ?5, total_unreachable = ?6, total_opted_out = ?7, total_cancelled = ?8, "
        "total_outside_window = ?9 WHERE id = ?1 AND totals_at IS NULL";
    struct campaigns_counts k;
    *frozen = false;
    int rc = campaigns_report_live(db, id, &k);
    if (rc != DB_OK || k.in_progress > 0)
        return rc; /* something still owed: the campaign waits for a later pass */
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    const int64_t values[] = {id,          now_ms,      k.targeted,
                              k.sent,      k.failed,    k.unreachable,
                              k.opted_out, k.cancelled, k.outside_window};
    for (int i = 0; i < 9; i++)
        sqlite3_bind_int64(st, i + 1, values[i]);
    rc = db_step_done(db, st);
    *frozen = rc == DB_OK;
    return rc;
}

/* Runs a delete of up to max rows of campaign id (?1 the id, ?2 max). */
static int campaigns_prune_one(struct db *db, const char *sql, int64_t id, int max,
                               int64_t *deleted)
{
    int rc = db_run(db, sql, "Ii", id, max);
    *deleted = rc == DB_OK ? db_changes(db) : 0;
    return rc;
}

int campaigns_prune_rows(struct db *db, int64_t id, int max, int64_t *deleted)
{
    /* The campaign's outbox rows, by their reference (the index outbox_ref). */
    static const char outbox[] =
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE ref_kind = 'campaign' AND "
        "ref_id = ?1 AND status IN ('sent', 'failed') LIMIT ?2)";
    static const char recipients[] =
        "DELETE FROM campaign_recipients WHERE campaign_id = ?1 AND (platform, chat_id) IN "
        "(SELECT platform, chat_id FROM campaign_recipients WHERE campaign_id = ?1 LIMIT ?2)";
    int64_t messages = 0, people = 0;
    *deleted = 0;
    int rc = campaigns_prune_one(db, outbox, id, max, &messages);
    if (rc == DB_OK && messages < max)
        rc = campaigns_prune_one(db, recipients, id, max - (int)messages, &people);
    if (rc == DB_OK)
        *deleted = messages + people;
    return rc;
}

int campaigns_archive(struct db *db, int64_t id, int64_t now_ms, bool *archived)
{
    static const char sql[] =
        "UPDATE campaigns SET archived_at = ?2 WHERE id = ?1 AND archived_at IS NULL AND "
        "totals_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE "
        "campaign_id = ?1) AND NOT EXISTS (SELECT 1 FROM outbox WHERE ref_kind = 'campaign' "
        "AND ref_id = ?1)";
    int rc = db_run(db, sql, "II", id, now_ms);
    *archived = rc == DB_OK && db_changes(db) > 0;
    return rc;
}

/* ---- alert drafts ----------------------------------------------------------------------- */

int campaigns_draft_put(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                        const char *area, const char *text, int64_t now_ms)
{
    static const char sql[] = "INSERT OR REPLACE INTO alert_drafts (platform, chat_id, person_id, "
                              "area, text, created_at) VALUES (?, ?, ?, ?, ?, ?)";
    return db_run(db, sql, "ttIttI", platform, chat_id, person_id, area, text, now_ms);
}

int campaigns_draft_get(struct db *db, const char *platform, const char *chat_id,
                        struct campaigns_draft *out)
{
    static const char sql[] = "SELECT person_id, area, text, created_at FROM alert_drafts "
                              "WHERE platform = ? AND chat_id = ?";
    static const struct db_col cols[] = {
        DB_COL(0, DB_INT64, struct campaigns_draft, person_id),
        DB_COL(1, DB_TEXT, struct campaigns_draft, area),
        DB_COL(2, DB_DUP, struct campaigns_draft, text),
        DB_COL(3, DB_INT64, struct campaigns_draft, created_at),
    };
    memset(out, 0, sizeof *out);
    int rc = db_row(db_query(db, sql, "tt", platform, chat_id), cols, DB_COLS(cols), out);
    if (rc == DB_OK && !out->text)
        rc = DB_ERROR; /* a draft always has its text */
    if (rc == DB_ERROR) {
        free(out->text);
        out->text = NULL;
    }
    return rc;
}

int campaigns_draft_delete(struct db *db, const char *platform, const char *chat_id)
{
    static const char sql[] = "DELETE FROM alert_drafts WHERE platform = ? AND chat_id = ?";
    return db_run(db, sql, "tt", platform, chat_id);
}
