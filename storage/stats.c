/*
 * stats.c — see stats.h. Each count is one statement over the period's rows, found through an
 * index: tips through tips_kind_created (kind, created_at), their messages and audit rows
 * through the tip's own index, groups through chats_area, and the small tables of scams,
 * campaigns and subscribers through the indexes of migration 023 (storage/migrations).
 */
#include "storage/stats.h"

#include <string.h>

/* A tip the desk is done with; the same list as the open-tip indexes of migration 009. */
#define STATS_FINAL "status IN ('resolved', 'rejected', 'duplicate', 'closed', 'transferred')"

/* When a finished tip was finished: closed_at (closed, duplicate), else the last status set
 * at the desk (resolved, rejected, transferred: audit_log), else its last change. */
#define STATS_FINISHED_AT                                                                          \
    "coalesce(t.closed_at, (SELECT max(a.at) FROM audit_log a WHERE a.tip_id = t.id AND "          \
    "a.action = 'status'), t.updated_at)"

/* The period's tips with what each became, one row each (?1 from, ?2 to, ?3 area or "",
 * ?4 now, ?5 the default limit). */
#define STATS_TIP_ROWS                                                                             \
    "SELECT t.kind AS kind, coalesce(t.area, '') AS area, coalesce(t.category, '') AS category, "  \
    "coalesce(t.platform, '') AS platform, t.urgent AS urgent, t.extensions AS extensions, "       \
    "t.status AS status, t.acknowledged_at IS NOT NULL AS acked, "                                 \
    "coalesce(t.acknowledged_at - t.created_at <= 86400000, 0) AS acked_24h, "                     \
    "t." STATS_FINAL " AS fin, "                                                                   \
    "CASE WHEN t." STATS_FINAL                                                                     \
    " THEN coalesce(t.deadline_at, t.created_at + ?5) < " STATS_FINISHED_AT                        \
    " ELSE coalesce(t.deadline_at, t.created_at + ?5) < ?4 END AS past, "                          \
    "CASE WHEN t.kind = 'group_lead' THEN 0 ELSE (SELECT count(*) FROM tip_messages m WHERE "      \
    "m.tip_id = t.id AND m.direction = 'from_tipster') END AS follow_ups, "                        \
    "CASE WHEN t.kind = 'group_lead' THEN 0 ELSE (SELECT count(*) FROM tip_messages m WHERE "      \
    "m.tip_id = t.id AND m.direction = 'from_tipster' AND EXISTS (SELECT 1 FROM tip_messages d "   \
    "WHERE d.tip_id = t.id AND d.direction = 'to_tipster' AND d.id > m.id)) END AS answered, "     \
    "CASE WHEN t." STATS_FINAL " AND t.kind = 'tip' THEN EXISTS (SELECT 1 FROM tip_messages s "    \
    "WHERE s.tip_id = t.id AND s.direction = 'status' AND s.created_at >= " STATS_FINISHED_AT      \
    ") ELSE 0 END AS told "                                                                        \
    "FROM tips t WHERE t.kind IN ('tip', 'feedback', 'group_lead') AND t.created_at >= ?1 AND "    \
    "t.created_at < ?2 AND (?3 = '' OR t.area = ?3)"

static const char *stats_area(const struct stats_range *r)
{
    return r->area ? r->area : "";
}

int stats_tips(struct db *db, const struct stats_range *r,
               int (*fn)(const struct stats_cell *c, void *arg), void *arg)
{
    static const char sql[] =
        "SELECT kind, area, category, platform, count(*), sum(urgent), sum(acked), "
        "sum(acked_24h), sum(fin), sum(status = 'rejected'), sum(status = 'transferred'), "
        "sum(past), sum(extensions > 0), sum(extensions), sum(follow_ups), sum(answered), "
        "sum(told) FROM (" STATS_TIP_ROWS ") GROUP BY kind, area, category, platform";
    sqlite3_stmt *st =
        db_query(db, sql, "IItII", r->from_ms, r->to_ms, stats_area(r), r->now_ms, r->limit_ms);
    int rc;
    while ((rc = db_step_row(st)) == DB_OK) {
        struct stats_cell c;
        memset(&c, 0, sizeof c);
        db_col_text(st, 0, c.kind, sizeof c.kind);
        db_col_text(st, 1, c.area, sizeof c.area);
        db_col_text(st, 2, c.category, sizeof c.category);
        db_col_text(st, 3, c.platform, sizeof c.platform);
        for (int i = 0; i < STATS_TIP_COUNTS; i++)
            c.n[i] = sqlite3_column_int64(st, 4 + i);
        if (fn(&c, arg) != 0)
            break;
    }
    return db_rows_end(st, rc);
}

/* The median of a sorted column of n values read by sql (bound: range, then the offset). */
static int stats_median(struct db *db, const char *count_sql, const char *sql,
                        const struct stats_range *r, int64_t *ms, int *has)
{
    int64_t n = 0, v[2] = {0, 0};
    *ms = 0;
    *has = 0;
    sqlite3_stmt *st =
        db_query_args(db, count_sql, "IIt",
                      (const struct db_arg[]){db_arg_int64(r->from_ms), db_arg_int64(r->to_ms),
                                              db_arg_text(stats_area(r))},
                      3);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        n = sqlite3_column_int64(st, 0);
    rc = db_rows_end(st, rc);
    if (rc != DB_OK || n == 0)
        return rc;
    st = db_query_args(db, sql, "IItI",
                       (const struct db_arg[]){db_arg_int64(r->from_ms), db_arg_int64(r->to_ms),
                                               db_arg_text(stats_area(r)),
                                               db_arg_int64((n - 1) / 2)},
                       4);
    int k = 0;
    while (k < 2 && (rc = db_step_row(st)) == DB_OK)
        v[k++] = sqlite3_column_int64(st, 0);
    rc = db_rows_end(st, rc == DB_NOT_FOUND ? DB_OK : rc);
    if (rc != DB_OK || k == 0)
        return rc;
    *ms = n % 2 || k < 2 ? v[0] : (v[0] + v[1]) / 2;
    *has = 1;
    return DB_OK;
}

#define STATS_PERIOD_TIPS                                                                          \
    "FROM tips t WHERE t.kind = 'tip' AND t.created_at >= ?1 AND t.created_at < ?2 AND "           \
    "(?3 = '' OR t.area = ?3)"

int stats_median_ack(struct db *db, const struct stats_range *r, int64_t *ms, int *has)
{
    static const char count_sql[] =
        "SELECT count(*) " STATS_PERIOD_TIPS " AND t.acknowledged_at IS NOT NULL";
    static const char sql[] = "SELECT t.acknowledged_at - t.created_at AS d " STATS_PERIOD_TIPS
                              " AND t.acknowledged_at IS NOT NULL ORDER BY d LIMIT 2 OFFSET ?4";
    return stats_median(db, count_sql, sql, r, ms, has);
}

int stats_median_finish(struct db *db, const struct stats_range *r, int64_t *ms, int *has)
{
    static const char count_sql[] = "SELECT count(*) " STATS_PERIOD_TIPS " AND t." STATS_FINAL;
    static const char sql[] = "SELECT " STATS_FINISHED_AT " - t.created_at AS d " STATS_PERIOD_TIPS
                              " AND t." STATS_FINAL " ORDER BY d LIMIT 2 OFFSET ?4";
    return stats_median(db, count_sql, sql, r, ms, has);
}

int stats_groups(struct db *db, const struct stats_range *r,
                 int (*fn)(const char *area, int64_t bound, int64_t bound_new, void *arg),
                 void *arg)
{
    static const char sql[] =
        "SELECT area, count(*), count(CASE WHEN coalesce(bound_at, created_at) >= ?1 THEN 1 END) "
        "FROM chats WHERE area IS NOT NULL AND kind = 'group' AND "
        "coalesce(bound_at, created_at) < ?2 AND (?3 = '' OR area = ?3) GROUP BY area";
    sqlite3_stmt *st = db_query(db, sql, "IIt", r->from_ms, r->to_ms, stats_area(r));
    int rc;
    while ((rc = db_step_row(st)) == DB_OK) {
        char area[STATS_KEY_MAX];
        db_col_text(st, 0, area, sizeof area);
        if (fn(area, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), arg) != 0)
            break;
    }
    return db_rows_end(st, rc);
}

int stats_scams(struct db *db, const struct stats_range *r, struct stats_scams *out)
{
    static const char warnings[] =
        "SELECT count(*) FROM scam_warnings w WHERE w.at >= ?1 AND w.at < ?2 AND (?3 = '' OR "
        "(SELECT c.area FROM chats c WHERE c.platform = w.platform AND c.chat_id = w.chat_id) = "
        "?3)";
    static const char suspects[] = "SELECT count(DISTINCT kind || ':' || value) FROM "
                                   "scam_suspects WHERE reported_at >= ?1 AND reported_at < ?2";
    static const char flagged[] =
        "SELECT count(*) FROM scam_items WHERE created_at >= ?1 AND created_at < ?2";
    memset(out, 0, sizeof *out);
    if (db_get_int_args(db, &out->warnings, warnings, "IIt",
                        (const struct db_arg[]){db_arg_int64(r->from_ms), db_arg_int64(r->to_ms),
                                                db_arg_text(stats_area(r))},
                        3) != DB_OK)
        return DB_ERROR;
    const struct db_arg span[] = {db_arg_int64(r->from_ms), db_arg_int64(r->to_ms)};
    if (db_get_int_args(db, &out->suspects, suspects, "II", span, 2) != DB_OK ||
        db_get_int_args(db, &out->flagged, flagged, "II", span, 2) != DB_OK)
        return DB_ERROR;
    return DB_OK;
}

int stats_awareness(struct db *db, const struct stats_range *r, struct stats_awareness *out)
{
    static const char campaigns[] =
        "SELECT count(*), coalesce(sum(total_sent), 0), coalesce(max(total_sent), 0) "
        "FROM campaigns WHERE started_at >= ?1 AND started_at < ?2";
    /* the live recipients delivered to, in r's area: a resident's by their subscription, a
     * group's by its binding */
    static const char live[] =
        "SELECT r.audience, count(*), count(DISTINCT r.platform || ':' || r.chat_id) "
        "FROM campaigns c JOIN campaign_recipients r ON r.campaign_id = c.id "
        "JOIN outbox o ON o.id = r.outbox_id "
        "WHERE c.started_at >= ?1 AND c.started_at < ?2 AND r.state = 'queued' AND "
        "o.status = 'sent' AND (?3 = '' OR coalesce((SELECT s.area FROM subscriptions s WHERE "
        "s.platform = r.platform AND s.chat_id = r.chat_id), (SELECT h.area FROM chats h WHERE "
        "h.platform = r.platform AND h.chat_id = r.chat_id)) = ?3) GROUP BY r.audience";
    static const char subscribers[] =
        "SELECT count(*) FROM subscriptions INDEXED BY subscriptions_since WHERE status = "
        "'subscribed' AND created_at < ?1 AND "
        "(?2 = '' OR area = ?2)";
    memset(out, 0, sizeof *out);
    int64_t frozen_sent = 0;
    sqlite3_stmt *st = db_query(db, campaigns, "II", r->from_ms, r->to_ms);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        out->campaigns = sqlite3_column_int64(st, 0);
        frozen_sent = sqlite3_column_int64(st, 1);
        out->largest_frozen = sqlite3_column_int64(st, 2);
    }
    if (db_rows_end(st, rc) != DB_OK)
        return DB_ERROR;
    if (*stats_area(r)) /* a frozen total has no area */
        frozen_sent = out->largest_frozen = 0;
    out->deliveries = frozen_sent;
    st = db_query(db, live, "IIt", r->from_ms, r->to_ms, stats_area(r));
    while ((rc = db_step_row(st)) == DB_OK) {
        const char *audience = (const char *)sqlite3_column_text(st, 0);
        out->deliveries += sqlite3_column_int64(st, 1);
        if (audience && strcmp(audience, "resident") == 0)
            out->residents_reached = sqlite3_column_int64(st, 2);
        else if (audience && strcmp(audience, "group") == 0)
            out->groups_reached = sqlite3_column_int64(st, 2);
    }
    if (db_rows_end(st, rc) != DB_OK)
        return DB_ERROR;
    return db_get_int_args(
        db, &out->subscribers, subscribers, "It",
        (const struct db_arg[]){db_arg_int64(r->to_ms), db_arg_text(stats_area(r))}, 2);
}
