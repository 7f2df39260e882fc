/*
 * stats.c — see stats.h. Each count is one statement over the period's rows, found through an
 * index: tips through tips_kind_created (kind, created_at), their messages and audit rows
 * through the tip's own index, groups through chats_area, and the small tables of scams,
 * campaigns and subscribers through the indexes of migration 023 (storage/migrations).
 */
#include "storage/stats.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    STATS_CELLS_MAX = 8192, /* distinct (kind, area, category, channel) of one period */
    STATS_SLOTS = 16411,    /* a prime above twice the cells */
};

#define STATS_DAY_MS 86400000LL

/* A tip the desk is done with; the same list as the open-tip indexes of migration 009. */
#define STATS_FINAL "status IN ('resolved', 'rejected', 'duplicate', 'closed', 'transferred')"

/* When a finished tip was finished: closed_at (closed, duplicate), else the last status set
 * at the desk (resolved, rejected, transferred: audit_log), else its last change. */
#define STATS_FINISHED_AT                                                                          \
    "coalesce(t.closed_at, (SELECT max(a.at) FROM audit_log a WHERE a.tip_id = t.id AND "          \
    "a.action = 'status'), t.updated_at)"

/* The period's tips with what each became, one row each (?1 from, ?2 to, ?3 area or "",
 * ?4 now, ?5 the default limit), through the covering index tips_report (migration 023): the
 * rows themselves (descriptions, often overflowing a page) are never read. The tip's messages
 * and audit rows are looked up only for the tips a figure needs them for. */
static const char stats_tip_rows[] =
    "SELECT t.kind, coalesce(t.area, ''), coalesce(t.category, ''), coalesce(t.platform, ''), "
    "t.urgent, t.extensions, t.status, t.acknowledged_at - t.created_at, "
    "CASE WHEN t." STATS_FINAL " THEN " STATS_FINISHED_AT " - t.created_at END AS fin, "
    "CASE WHEN t." STATS_FINAL
    " THEN coalesce(t.deadline_at, t.created_at + ?5) < " STATS_FINISHED_AT
    " ELSE coalesce(t.deadline_at, t.created_at + ?5) < ?4 END, "
    "CASE WHEN t.kind = 'tip' THEN (SELECT count(*) FROM tip_messages m WHERE m.tip_id = t.id "
    "AND m.direction = 'from_tipster') ELSE 0 END AS follow_ups, "
    "CASE WHEN t.kind = 'tip' THEN (SELECT count(*) FROM tip_messages m WHERE m.tip_id = t.id "
    "AND m.direction = 'from_tipster' AND EXISTS (SELECT 1 FROM tip_messages d WHERE "
    "d.tip_id = t.id AND d.direction = 'to_tipster' AND d.id > m.id)) ELSE 0 END, "
    "CASE WHEN t.kind = 'tip' AND t." STATS_FINAL " THEN EXISTS (SELECT 1 FROM tip_messages s "
    "WHERE s.tip_id = t.id AND s.direction = 'status' AND s.created_at >= " STATS_FINISHED_AT
    ") ELSE 0 END "
    "FROM tips t INDEXED BY tips_report WHERE t.kind IN ('tip', 'feedback', 'group_lead') AND "
    "t.created_at >= ?1 AND t.created_at < ?2 AND (?3 = '' OR t.area = ?3)";

static const char *stats_area(const struct stats_range *r)
{
    return r->area ? r->area : "";
}

/* The cells of one pass, in an open-addressing table by their key (a period has a few
 * hundred: kinds x areas x categories x channels). */
struct stats_cells {
    struct stats_cell *cells;
    int *slots; /* index into cells + 1, 0 empty */
    int n;
};

static uint32_t stats_hash(const char *const *keys)
{
    uint32_t h = 2166136261u;
    for (int k = 0; k < 4; k++)
        for (const char *p = keys[k]; *p || p == keys[k]; p++) {
            h = (h ^ (unsigned char)*p) * 16777619u;
            if (!*p)
                break;
        }
    return h;
}

static struct stats_cell *stats_cell_of(struct stats_cells *t, const char *const *keys)
{
    uint32_t slot = stats_hash(keys) % STATS_SLOTS;
    for (;; slot = (slot + 1) % STATS_SLOTS) {
        int at = t->slots[slot];
        if (!at)
            break;
        struct stats_cell *c = &t->cells[at - 1];
        if (strcmp(c->kind, keys[0]) == 0 && strcmp(c->area, keys[1]) == 0 &&
            strcmp(c->category, keys[2]) == 0 && strcmp(c->platform, keys[3]) == 0)
            return c;
    }
    if (t->n == STATS_CELLS_MAX)
        return NULL;
    struct stats_cell *c = &t->cells[t->n];
    memset(c, 0, sizeof *c);
    snprintf(c->kind, sizeof c->kind, "%s", keys[0]);
    snprintf(c->area, sizeof c->area, "%s", keys[1]);
    snprintf(c->category, sizeof c->category, "%s", keys[2]);
    snprintf(c->platform, sizeof c->platform, "%s", keys[3]);
    t->slots[slot] = ++t->n;
    return c;
}

/* A growing list of durations, for a median. */
struct stats_list {
    int64_t *v;
    size_t n, cap;
};

static int stats_push(struct stats_list *l, int64_t v)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        int64_t *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        l->v = nv, l->cap = cap;
    }
    l->v[l->n++] = v;
    return 0;
}

static int stats_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void stats_median(struct stats_list *l, int64_t *ms, int *has)
{
    *has = l->n > 0;
    *ms = 0;
    if (!l->n)
        return;
    qsort(l->v, l->n, sizeof *l->v, stats_cmp);
    *ms = l->n % 2 ? l->v[l->n / 2] : (l->v[l->n / 2 - 1] + l->v[l->n / 2]) / 2;
}

/* Adds the row st is on to its cell, and a tip's durations to the lists. 0, or -1 when the
 * cells are full or memory ran out. */
static int stats_add_row(sqlite3_stmt *st, struct stats_cells *t, struct stats_list *ack,
                         struct stats_list *fin)
{
    const char *keys[4];
    for (int k = 0; k < 4; k++) {
        const char *v = (const char *)sqlite3_column_text(st, k);
        keys[k] = v ? v : "";
    }
    struct stats_cell *c = stats_cell_of(t, keys);
    if (!c)
        return -1;
    const char *status = (const char *)sqlite3_column_text(st, 6);
    int acked = sqlite3_column_type(st, 7) != SQLITE_NULL;
    int finished = sqlite3_column_type(st, 8) != SQLITE_NULL;
    int64_t ack_ms = sqlite3_column_int64(st, 7), extensions = sqlite3_column_int64(st, 5);
    c->n[STATS_TIPS]++;
    c->n[STATS_URGENT] += sqlite3_column_int(st, 4) != 0;
    c->n[STATS_ACKED] += acked;
    c->n[STATS_ACKED_24H] += acked && ack_ms <= STATS_DAY_MS;
    c->n[STATS_FINISHED] += finished;
    c->n[STATS_REJECTED] += status && strcmp(status, "rejected") == 0;
    c->n[STATS_TRANSFERRED] += status && strcmp(status, "transferred") == 0;
    c->n[STATS_PAST_LIMIT] += sqlite3_column_int(st, 9) != 0;
    c->n[STATS_EXTENDED] += extensions > 0;
    c->n[STATS_EXTENSIONS] += extensions;
    c->n[STATS_FOLLOW_UPS] += sqlite3_column_int64(st, 10);
    c->n[STATS_FOLLOW_UPS_ANSWERED] += sqlite3_column_int64(st, 11);
    c->n[STATS_TOLD] += sqlite3_column_int(st, 12) != 0;
    if (strcmp(keys[0], "tip") != 0)
        return 0;
    if ((acked && stats_push(ack, ack_ms) != 0) ||
        (finished && stats_push(fin, sqlite3_column_int64(st, 8)) != 0))
        return -1;
    return 0;
}

int stats_tips(struct db *db, const struct stats_range *r,
               int (*fn)(const struct stats_cell *c, void *arg), void *arg,
               struct stats_medians *med)
{
    struct stats_cells t = {calloc(STATS_CELLS_MAX, sizeof *t.cells),
                            calloc(STATS_SLOTS, sizeof *t.slots), 0};
    struct stats_list ack = {0}, fin = {0};
    int rc = DB_ERROR, bad = 0;
    if (t.cells && t.slots) {
        sqlite3_stmt *st = db_query(db, stats_tip_rows, "IItII", r->from_ms, r->to_ms,
                                    stats_area(r), r->now_ms, r->limit_ms);
        while (!bad && (rc = db_step_row(st)) == DB_OK)
            bad = stats_add_row(st, &t, &ack, &fin) != 0;
        rc = db_rows_end(st, rc);
        if (bad) {
            log_error("stats", "the period's tips fill more than %d cells, or memory ran out",
                      STATS_CELLS_MAX);
            rc = DB_ERROR;
        }
    }
    for (int i = 0; rc == DB_OK && i < t.n; i++)
        if (fn(&t.cells[i], arg) != 0)
            break;
    if (rc == DB_OK && med) {
        stats_median(&ack, &med->ack_ms, &med->has_ack);
        stats_median(&fin, &med->finish_ms, &med->has_finish);
    }
    free(ack.v);
    free(fin.v);
    free(t.cells);
    free(t.slots);
    return rc;
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
