/*
 * period_report.c — see period_report.h. A period's counts (storage/stats.h, and the
 * agencies' record of storage/agencies.h) become figures — counts, percentages, medians — and
 * breakdowns; the report puts each beside the same figure a year earlier, the KPI view beside
 * the plans' targets and month by month. Labels are looked up by name in the messages file
 * (preport_fig_<id>, preport_tab_<id>, …) when the document is built, so every renderer
 * (period_report_render.c, the desk's page, the API) shows the same words.
 */
#include "handlers/period_report.h"

#include "calendar/calendar.h"
#include "config/desks.h"
#include "handlers/tipcard.h"
#include "storage/agencies.h"
#include "storage/stats.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    PREPORT_AGENCIES_MAX = 1000, /* agencies in one record */
    PREPORT_KPI_MONTHS_MAX = 24,
    PREPORT_SMALL_CELL = 3, /* an area's count of tips below this (and above 0) is "< 3" */
};

#define PREPORT_DAY_MS  86400000LL
#define PREPORT_HOUR_MS 3600000LL

/* ---- the targets settings ---------------------------------------------------------------- */

#define PREPORT_TARGET(key, def)                                                                   \
    {                                                                                              \
#key, CFG_INT, offsetof(struct preport_targets, key), NULL, def, 0, 100, NULL, NULL        \
    }
static const struct cfg_spec preport_target_spec[] = {
    PREPORT_TARGET(received_pct, 100),
    PREPORT_TARGET(resolved_pct, 90),
    PREPORT_TARGET(reach_pct, 90),
    PREPORT_TARGET(agencies_on_time_pct, 100),
};
#undef PREPORT_TARGET

const struct cfg_block preport_target_settings = {
    .prefix = "targets",
    .spec = preport_target_spec,
    .n_spec = sizeof preport_target_spec / sizeof preport_target_spec[0],
    .size = sizeof(struct preport_targets),
    .strict = true,
};

/* The configured targets, or the plans' values when the block was not registered (tests). */
static struct preport_targets preport_targets_of(const struct hctx *ctx)
{
    static const struct preport_targets plans = {100, 90, 90, 100};
    const struct preport_targets *t =
        ctx->cfg ? cfg_settings(ctx->cfg, &preport_target_settings) : NULL;
    return t ? *t : plans;
}

/* ---- the query ----------------------------------------------------------------------------- */

int preport_query_parse(const struct hctx *ctx, const char *period, const char *area,
                        struct preport_query *q, const char **why)
{
    memset(q, 0, sizeof *q);
    int y, m, d;
    calendar_ymd(calendar_today(ctx->now_ms), &y, &m, &d);
    if (!period || !*period)
        snprintf(q->period, sizeof q->period, "%d", y);
    else if (strlen(period) >= sizeof q->period) {
        *why = "bad_period";
        return -1;
    } else
        snprintf(q->period, sizeof q->period, "%s", period);
    if (calendar_period(q->period, calendar_today(ctx->now_ms), &q->from_day, &q->to_day) != 0) {
        *why = "bad_period";
        return -1;
    }
    if (area && *area) {
        const struct area *a = ctx->desks ? desks_area(ctx->desks, area) : NULL;
        if (!a) {
            *why = "bad_area";
            return -1;
        }
        snprintf(q->area, sizeof q->area, "%s", a->code);
    }
    *why = NULL;
    return 0;
}

/* ---- one period's counts ------------------------------------------------------------------ */

struct preport_counts {
    int64_t tips[STATS_TIP_COUNTS]; /* kind 'tip' */
    int64_t feedback, leads;
    json_t *by_channel, *by_category, *by_area; /* key -> count (kind 'tip'; leads by channel) */
    json_t *groups_by_area;                     /* area -> groups bound */
    int64_t median_ack_ms, median_finish_ms;
    int has_ack, has_finish;
    int64_t groups_bound, groups_new;
    struct stats_scams scams;
    struct stats_awareness aw;
    int64_t due, on_time, late, missing, pending;
    json_t *by_agency;    /* code -> on-time percent, or null when nothing was due */
    json_t *agency_names; /* code -> name */
};

static void preport_counts_free(struct preport_counts *c)
{
    json_decref(c->by_channel);
    json_decref(c->by_category);
    json_decref(c->by_area);
    json_decref(c->groups_by_area);
    json_decref(c->by_agency);
    json_decref(c->agency_names);
    memset(c, 0, sizeof *c);
}

static void preport_add(json_t *obj, const char *key, int64_t n)
{
    json_t *v = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer((v ? json_integer_value(v) : 0) + n));
}

static int preport_cell(const struct stats_cell *cell, void *arg)
{
    struct preport_counts *c = arg;
    if (strcmp(cell->kind, "feedback") == 0) {
        c->feedback += cell->n[STATS_TIPS];
        return 0;
    }
    if (strcmp(cell->kind, "group_lead") == 0) {
        c->leads += cell->n[STATS_TIPS];
        preport_add(c->by_channel, "group_lead", cell->n[STATS_TIPS]);
        return 0;
    }
    for (int i = 0; i < STATS_TIP_COUNTS; i++)
        c->tips[i] += cell->n[i];
    preport_add(c->by_channel, cell->platform, cell->n[STATS_TIPS]);
    preport_add(c->by_category, cell->category, cell->n[STATS_TIPS]);
    preport_add(c->by_area, cell->area, cell->n[STATS_TIPS]);
    return 0;
}

static int preport_group(const char *area, int64_t bound, int64_t bound_new, void *arg)
{
    struct preport_counts *c = arg;
    c->groups_bound += bound;
    c->groups_new += bound_new;
    preport_add(c->groups_by_area, area, bound);
    return 0;
}

static double preport_pct(int64_t part, int64_t whole)
{
    double v = whole > 0 ? 100.0 * (double)part / (double)whole : 0;
    return round((v > 100 ? 100 : v) * 10) / 10;
}

static int preport_agencies(struct hctx *ctx, int64_t from_day, int64_t to_day,
                            struct preport_counts *c)
{
    struct agencies_record *rows = calloc(PREPORT_AGENCIES_MAX, sizeof *rows);
    int n = 0;
    int rc = rows ? agencies_report(ctx->db, from_day, to_day, calendar_today(ctx->now_ms), rows,
                                    PREPORT_AGENCIES_MAX, &n)
                  : DB_ERROR;
    for (int i = 0; rc == DB_OK && i < n; i++) {
        int due = rows[i].on_time + rows[i].late + rows[i].missing;
        c->on_time += rows[i].on_time;
        c->late += rows[i].late;
        c->missing += rows[i].missing;
        c->pending += rows[i].pending;
        json_object_set_new(c->by_agency, rows[i].code,
                            due ? json_real(preport_pct(rows[i].on_time, due)) : json_null());
        json_object_set_new(c->agency_names, rows[i].code, json_string(rows[i].name));
    }
    c->due = c->on_time + c->late + c->missing;
    free(rows);
    return rc == DB_OK ? 0 : -1;
}

/* Reads the counts of [from_day, to_day] in area ("" all). 0 or -1. */
static int preport_read(struct hctx *ctx, int64_t from_day, int64_t to_day, const char *area,
                        struct preport_counts *c)
{
    memset(c, 0, sizeof *c);
    c->by_channel = json_object();
    c->by_category = json_object();
    c->by_area = json_object();
    c->groups_by_area = json_object();
    c->by_agency = json_object();
    c->agency_names = json_object();
    if (!c->by_channel || !c->by_category || !c->by_area || !c->groups_by_area || !c->by_agency ||
        !c->agency_names)
        return -1;
    struct stats_range r = {.from_ms = calendar_at(from_day, 0),
                            .to_ms = calendar_at(to_day + 1, 0),
                            .area = area,
                            .now_ms = ctx->now_ms,
                            .limit_ms = (int64_t)ctx->desks->rules.resolve_days * PREPORT_DAY_MS};
    if (stats_tips(ctx->db, &r, preport_cell, c) != DB_OK ||
        stats_median_ack(ctx->db, &r, &c->median_ack_ms, &c->has_ack) != DB_OK ||
        stats_median_finish(ctx->db, &r, &c->median_finish_ms, &c->has_finish) != DB_OK ||
        stats_groups(ctx->db, &r, preport_group, c) != DB_OK ||
        stats_scams(ctx->db, &r, &c->scams) != DB_OK ||
        stats_awareness(ctx->db, &r, &c->aw) != DB_OK)
        return -1;
    /* an archived campaign's recipients are gone: its delivered total is a lower bound */
    if (c->aw.largest_frozen > c->aw.residents_reached)
        c->aw.residents_reached = c->aw.largest_frozen;
    return preport_agencies(ctx, from_day, to_day, c);
}

/* Whether the period holds anything to compare with. */
static int preport_has_data(const struct preport_counts *c)
{
    return c->tips[STATS_TIPS] || c->feedback || c->leads || c->aw.campaigns || c->due ||
           c->scams.warnings || c->scams.flagged;
}

/* The population and households the reach is measured against ("" area: the ward's, else the
 * sum of the areas'). */
static void preport_residents(const struct hctx *ctx, const char *area, int64_t *pop,
                              int64_t *households)
{
    *pop = *households = 0;
    if (area && *area) {
        const struct area *a = desks_area(ctx->desks, area);
        if (a)
            *pop = a->population, *households = a->households;
        return;
    }
    *pop = ctx->cfg ? ctx->cfg->ward_population : 0;
    *households = ctx->cfg ? ctx->cfg->ward_households : 0;
    for (int i = 0; i < ctx->desks->n_areas; i++) {
        if (!ctx->cfg || !ctx->cfg->ward_population)
            *pop += ctx->desks->areas[i].population;
        if (!ctx->cfg || !ctx->cfg->ward_households)
            *households += ctx->desks->areas[i].households;
    }
}

/* ---- figures --------------------------------------------------------------------------------- */

enum preport_unit { U_COUNT, U_PCT, U_HOURS, U_DAYS };
static const char *const preport_units[] = {"count", "pct", "hours", "days"};

enum preport_target { T_NONE, T_RECEIVED, T_RESOLVED, T_REACH, T_AGENCIES };

struct preport_fig {
    const char *section, *id;
    enum preport_unit unit;
    enum preport_target target;
};

static const struct preport_fig preport_figs[] = {
    {"tips", "received", U_COUNT, T_NONE},
    {"tips", "urgent", U_COUNT, T_NONE},
    {"tips", "acknowledged_pct", U_PCT, T_RECEIVED},
    {"tips", "ack_24h_pct", U_PCT, T_NONE},
    {"tips", "resolved", U_COUNT, T_NONE},
    {"tips", "resolved_pct", U_PCT, T_RESOLVED},
    {"tips", "rejected", U_COUNT, T_NONE},
    {"tips", "transferred", U_COUNT, T_NONE},
    {"tips", "past_limit", U_COUNT, T_NONE},
    {"tips", "extended", U_COUNT, T_NONE},
    {"tips", "extensions", U_COUNT, T_NONE},
    {"tips", "median_ack_hours", U_HOURS, T_NONE},
    {"tips", "median_finish_days", U_DAYS, T_NONE},
    {"residents", "feedback", U_COUNT, T_NONE},
    {"residents", "follow_ups", U_COUNT, T_NONE},
    {"residents", "follow_ups_answered", U_COUNT, T_NONE},
    {"residents", "told", U_COUNT, T_NONE},
    {"residents", "told_pct", U_PCT, T_NONE},
    {"groups", "groups_bound", U_COUNT, T_NONE},
    {"groups", "groups_new", U_COUNT, T_NONE},
    {"groups", "leads", U_COUNT, T_NONE},
    {"groups", "scam_warnings", U_COUNT, T_NONE},
    {"groups", "scam_suspects", U_COUNT, T_NONE},
    {"groups", "scam_flagged", U_COUNT, T_NONE},
    {"awareness", "campaigns", U_COUNT, T_NONE},
    {"awareness", "deliveries", U_COUNT, T_NONE},
    {"awareness", "residents_reached", U_COUNT, T_NONE},
    {"awareness", "groups_reached", U_COUNT, T_NONE},
    {"awareness", "subscribers", U_COUNT, T_NONE},
    {"awareness", "reach_subscribers_pct", U_PCT, T_NONE},
    {"awareness", "reach_residents_pct", U_PCT, T_REACH},  /* only with a population */
    {"awareness", "reach_households_pct", U_PCT, T_REACH}, /* only with households */
    {"agencies", "agencies_due", U_COUNT, T_NONE},
    {"agencies", "on_time", U_COUNT, T_NONE},
    {"agencies", "late", U_COUNT, T_NONE},
    {"agencies", "missing", U_COUNT, T_NONE},
    {"agencies", "pending", U_COUNT, T_NONE},
    {"agencies", "on_time_pct", U_PCT, T_AGENCIES},
};

static const char *const preport_sections[] = {"tips", "residents", "groups", "awareness",
                                               "agencies"};

static json_t *preport_count(int64_t n)
{
    return json_integer(n);
}

/* A percentage of whole, or null when whole is 0 (nothing to measure). */
static json_t *preport_share(int64_t part, int64_t whole)
{
    return whole > 0 ? json_real(preport_pct(part, whole)) : json_null();
}

static json_t *preport_duration(int has, int64_t ms, int64_t unit_ms)
{
    return has ? json_real(round((double)ms / (double)unit_ms * 10) / 10) : json_null();
}

/* Every figure of c by id (new object). pop, households: 0 when not configured; area: the
 * report's ("" the ward), whose report leaves out the figures that have no area. */
static json_t *preport_values(const struct preport_counts *c, int64_t pop, int64_t households,
                              const char *area)
{
    const int64_t *t = c->tips;
    json_t *v = json_object();
    if (!v)
        return NULL;
    json_object_set_new(v, "received", preport_count(t[STATS_TIPS]));
    json_object_set_new(v, "urgent", preport_count(t[STATS_URGENT]));
    json_object_set_new(v, "acknowledged_pct", preport_share(t[STATS_ACKED], t[STATS_TIPS]));
    json_object_set_new(v, "ack_24h_pct", preport_share(t[STATS_ACKED_24H], t[STATS_TIPS]));
    json_object_set_new(v, "resolved", preport_count(t[STATS_FINISHED]));
    json_object_set_new(v, "resolved_pct", preport_share(t[STATS_FINISHED], t[STATS_TIPS]));
    json_object_set_new(v, "rejected", preport_count(t[STATS_REJECTED]));
    json_object_set_new(v, "transferred", preport_count(t[STATS_TRANSFERRED]));
    json_object_set_new(v, "past_limit", preport_count(t[STATS_PAST_LIMIT]));
    json_object_set_new(v, "extended", preport_count(t[STATS_EXTENDED]));
    json_object_set_new(v, "extensions", preport_count(t[STATS_EXTENSIONS]));
    json_object_set_new(v, "median_ack_hours",
                        preport_duration(c->has_ack, c->median_ack_ms, PREPORT_HOUR_MS));
    json_object_set_new(v, "median_finish_days",
                        preport_duration(c->has_finish, c->median_finish_ms, PREPORT_DAY_MS));
    json_object_set_new(v, "feedback", preport_count(c->feedback));
    json_object_set_new(v, "follow_ups", preport_count(t[STATS_FOLLOW_UPS]));
    json_object_set_new(v, "follow_ups_answered", preport_count(t[STATS_FOLLOW_UPS_ANSWERED]));
    json_object_set_new(v, "told", preport_count(t[STATS_TOLD]));
    json_object_set_new(v, "told_pct", preport_share(t[STATS_TOLD], t[STATS_FINISHED]));
    json_object_set_new(v, "groups_bound", preport_count(c->groups_bound));
    json_object_set_new(v, "groups_new", preport_count(c->groups_new));
    json_object_set_new(v, "leads", preport_count(c->leads));
    json_object_set_new(v, "scam_warnings", preport_count(c->scams.warnings));
    if (!*area) {
        json_object_set_new(v, "scam_suspects", preport_count(c->scams.suspects));
        json_object_set_new(v, "scam_flagged", preport_count(c->scams.flagged));
    }
    json_object_set_new(v, "campaigns", preport_count(c->aw.campaigns));
    json_object_set_new(v, "deliveries", preport_count(c->aw.deliveries));
    json_object_set_new(v, "residents_reached", preport_count(c->aw.residents_reached));
    json_object_set_new(v, "groups_reached", preport_count(c->aw.groups_reached));
    json_object_set_new(v, "subscribers", preport_count(c->aw.subscribers));
    json_object_set_new(v, "reach_subscribers_pct",
                        preport_share(c->aw.residents_reached, c->aw.subscribers));
    if (pop)
        json_object_set_new(v, "reach_residents_pct", preport_share(c->aw.residents_reached, pop));
    if (households)
        json_object_set_new(v, "reach_households_pct",
                            preport_share(c->aw.residents_reached, households));
    json_object_set_new(v, "agencies_due", preport_count(c->due));
    json_object_set_new(v, "on_time", preport_count(c->on_time));
    json_object_set_new(v, "late", preport_count(c->late));
    json_object_set_new(v, "missing", preport_count(c->missing));
    json_object_set_new(v, "pending", preport_count(c->pending));
    json_object_set_new(v, "on_time_pct", preport_share(c->on_time, c->due));
    return v;
}

static int preport_target_value(const struct preport_targets *t, enum preport_target which)
{
    switch (which) {
    case T_RECEIVED:
        return t->received_pct;
    case T_RESOLVED:
        return t->resolved_pct;
    case T_REACH:
        return t->reach_pct;
    case T_AGENCIES:
        return t->agencies_on_time_pct;
    default:
        return -1;
    }
}

static const char *preport_text(const struct hctx *ctx, const char *prefix, const char *id)
{
    char name[96];
    snprintf(name, sizeof name, "%s%s", prefix, id);
    const char *s = texts_get(ctx->texts, name);
    return s && *s ? s : id;
}

/* ---- breakdowns ------------------------------------------------------------------------------ */

enum preport_order { ORDER_AREAS, ORDER_CHANNELS, ORDER_BY_VALUE };

struct preport_table {
    const char *section, *id, *column;
    enum preport_order order;
    int small_cells; /* counts of tips by area: 1 and 2 are "< 3" */
    enum preport_unit unit;
    size_t offset; /* of the json_t * in struct preport_counts */
};

static const struct preport_table preport_tables[] = {
    {"tips", "by_channel", "preport_col_channel", ORDER_CHANNELS, 0, U_COUNT,
     offsetof(struct preport_counts, by_channel)},
    {"tips", "by_category", "preport_col_category", ORDER_BY_VALUE, 0, U_COUNT,
     offsetof(struct preport_counts, by_category)},
    {"tips", "by_area", "preport_col_area", ORDER_AREAS, 1, U_COUNT,
     offsetof(struct preport_counts, by_area)},
    {"groups", "groups_by_area", "preport_col_area", ORDER_AREAS, 0, U_COUNT,
     offsetof(struct preport_counts, groups_by_area)},
    {"agencies", "by_agency", "preport_col_agency", ORDER_BY_VALUE, 0, U_PCT,
     offsetof(struct preport_counts, by_agency)},
};

static json_t *preport_table_of(const struct preport_counts *c, const struct preport_table *t)
{
    return *(json_t *const *)((const char *)c + t->offset);
}

/* A cell: the count, "< 3" for a small one, null when the period has no data. */
static json_t *preport_cell_value(const struct hctx *ctx, const struct preport_table *t, json_t *v,
                                  int has)
{
    if (!has)
        return json_null();
    if (!v)
        return t->unit == U_COUNT ? json_integer(0) : json_null();
    if (t->small_cells && json_is_integer(v) && json_integer_value(v) > 0 &&
        json_integer_value(v) < PREPORT_SMALL_CELL)
        return json_string(texts_get(ctx->texts, "preport_small_cell"));
    return json_deep_copy(v);
}

static const char *preport_key_label(const struct hctx *ctx, const struct preport_table *t,
                                     const struct preport_counts *c, const char *key)
{
    if (strcmp(t->id, "by_agency") == 0 && c) {
        const char *name = json_string_value(json_object_get(c->agency_names, key));
        return name && *name ? name : key;
    }
    if (t->order == ORDER_AREAS) {
        const struct area *a = *key ? desks_area(ctx->desks, key) : NULL;
        return !*key ? texts_get(ctx->texts, "preport_area_none") : a && a->name[0] ? a->name : key;
    }
    if (t->order == ORDER_CHANNELS) {
        char name[64];
        snprintf(name, sizeof name, "preport_channel_%s", *key ? key : "other");
        const char *s = texts_get(ctx->texts, name);
        return s && *s ? s : key;
    }
    return *key ? tipcard_category_label(ctx, key) : texts_get(ctx->texts, "preport_category_none");
}

static int preport_has_key(json_t *keys, const char *key)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) if (strcmp(json_string_value(k), key) == 0) return 1;
    return 0;
}

static void preport_push(json_t *keys, const char *key)
{
    if (!preport_has_key(keys, key))
        json_array_append_new(keys, json_string(key));
}

/* Whether key a comes after key b: a lower value in obj, then by name. */
static int preport_after(json_t *obj, json_t *a, json_t *b)
{
    const char *ka = json_string_value(a), *kb = json_string_value(b);
    double va = json_number_value(json_object_get(obj, ka));
    double vb = json_number_value(json_object_get(obj, kb));
    return va < vb || (va == vb && strcmp(ka, kb) > 0);
}

/* Sorts keys[first..] by their value in obj, highest first (an insertion sort: a table has
 * a few dozen rows). */
static void preport_sort(json_t *keys, size_t first, json_t *obj)
{
    size_t n = json_array_size(keys);
    for (size_t i = first + 1; i < n; i++)
        for (size_t j = i; j > first; j--) {
            json_t *a = json_array_get(keys, j - 1), *b = json_array_get(keys, j);
            if (!preport_after(obj, a, b))
                break;
            json_incref(a);
            json_array_set(keys, j - 1, b);
            json_array_set_new(keys, j, a);
        }
}

/* The row keys of a table: the configured areas in order (the query's one only), the
 * channels in a fixed order, else by the period's value; then what the year earlier adds. */
static json_t *preport_keys(const struct hctx *ctx, const struct preport_table *t, const char *area,
                            json_t *now, json_t *prev)
{
    static const char *const channels[] = {"webchat", "telegram", "zalo"};
    json_t *keys = json_array();
    const char *key;
    json_t *v;
    if (!keys)
        return NULL;
    if (t->order == ORDER_AREAS)
        for (int i = 0; i < ctx->desks->n_areas; i++)
            if (!*area || strcmp(ctx->desks->areas[i].code, area) == 0)
                preport_push(keys, ctx->desks->areas[i].code);
    if (t->order == ORDER_CHANNELS)
        for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++)
            preport_push(keys, channels[i]);
    size_t first = json_array_size(keys);
    json_object_foreach(now, key, v) if (*key && strcmp(key, "group_lead") != 0)
        preport_push(keys, key);
    json_object_foreach(prev, key, v) if (*key && strcmp(key, "group_lead") != 0)
        preport_push(keys, key);
    if (t->order == ORDER_BY_VALUE)
        preport_sort(keys, first, now);
    if (json_object_get(now, "") || json_object_get(prev, ""))
        preport_push(keys, "");
    if (json_object_get(now, "group_lead") || json_object_get(prev, "group_lead"))
        preport_push(keys, "group_lead");
    return keys;
}

static json_t *preport_table_json(const struct hctx *ctx, const struct preport_table *t,
                                  const char *area, const struct preport_counts *now,
                                  const struct preport_counts *prev, int has_prev)
{
    json_t *cols = json_pack("[s, s, s]", texts_get(ctx->texts, t->column),
                             texts_get(ctx->texts, "preport_col_now"),
                             texts_get(ctx->texts, "preport_col_previous"));
    json_t *rows = json_array();
    json_t *keys = preport_keys(ctx, t, area, preport_table_of(now, t), preport_table_of(prev, t));
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *key = json_string_value(k);
        const struct preport_counts *named = json_object_get(now->agency_names, key) ? now : prev;
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:o, s:o}", "key", key, "label",
                      preport_key_label(ctx, t, named, key), "value",
                      preport_cell_value(ctx, t, json_object_get(preport_table_of(now, t), key), 1),
                      "previous",
                      preport_cell_value(ctx, t, json_object_get(preport_table_of(prev, t), key),
                                         has_prev)));
    }
    json_decref(keys);
    char title[64];
    snprintf(title, sizeof title, "preport_tab_%s", t->id);
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", t->id, "title",
                     texts_get(ctx->texts, title), "unit", preport_units[t->unit], "columns",
                     cols ? cols : json_array(), "rows", rows ? rows : json_array());
}

/* ---- the document ------------------------------------------------------------------------ */

static void preport_iso_day(int64_t day, char *out, size_t size)
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    snprintf(out, size, "%04d-%02d-%02d", y, m, d);
}

/* "Quý I năm 2026", "6 tháng đầu năm 2026", "Năm 2026", "Tháng 3 năm 2026", or the days. */
static char *preport_period_label(const struct hctx *ctx, int64_t from, int64_t to)
{
    static const char *const roman[] = {"I", "II", "III", "IV"};
    int y1, m1, d1, y2, m2, d2;
    calendar_ymd(from, &y1, &m1, &d1);
    calendar_ymd(to, &y2, &m2, &d2);
    char year[8], month[8], a[16], b[16];
    snprintf(year, sizeof year, "%d", y1);
    snprintf(month, sizeof month, "%d", m1);
    calendar_format(from, a, sizeof a);
    calendar_format(to, b, sizeof b);
    int whole = d1 == 1 && y1 == y2 && d2 == calendar_month_days(y2, m2);
    const char *name = "preport_period_range";
    struct texts_var vars[] = {
        {"year", year}, {"month", month}, {"quarter", ""}, {"from", a}, {"to", b}};
    if (whole && m1 == 1 && m2 == 12)
        name = "preport_period_year";
    else if (whole && m1 == 1 && m2 == 6)
        name = "preport_period_h1";
    else if (whole && m1 == 7 && m2 == 12)
        name = "preport_period_h2";
    else if (whole && m1 == m2)
        name = "preport_period_month";
    else if (whole && m2 == m1 + 2 && m1 % 3 == 1) {
        name = "preport_period_quarter";
        vars[2].value = roman[m1 / 3];
    }
    return texts_render(ctx->texts, name, vars, 5);
}

/* "2026-12-05T18:00:00+07:00" in the configured time zone. */
static void preport_iso_time(int64_t ms, char *out, size_t size)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    char zone[8];
    localtime_r(&s, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z", &tm); /* "+0700" */
    size_t n = strlen(out);
    if (strlen(zone) == 5)
        snprintf(out + n, size - n, "%.3s:%.2s", zone, zone + 3);
}

static json_t *preport_section(const struct hctx *ctx, const char *id,
                               const struct preport_targets *tg, json_t *now, json_t *prev,
                               int has_prev, const char *area, const struct preport_counts *cn,
                               const struct preport_counts *cp)
{
    json_t *figs = json_array(), *tables = json_array();
    for (size_t i = 0; figs && i < sizeof preport_figs / sizeof preport_figs[0]; i++) {
        const struct preport_fig *f = &preport_figs[i];
        json_t *v = json_object_get(now, f->id);
        if (strcmp(f->section, id) != 0 || !v)
            continue;
        json_t *p = has_prev ? json_object_get(prev, f->id) : NULL;
        int target = preport_target_value(tg, f->target);
        json_array_append_new(figs,
                              json_pack("{s:s, s:s, s:s, s:O, s:o, s:o}", "id", f->id, "label",
                                        preport_text(ctx, "preport_fig_", f->id), "unit",
                                        preport_units[f->unit], "value", v, "previous",
                                        p ? json_deep_copy(p) : json_null(), "target",
                                        target >= 0 ? json_integer(target) : json_null()));
    }
    for (size_t i = 0; tables && i < sizeof preport_tables / sizeof preport_tables[0]; i++)
        if (strcmp(preport_tables[i].section, id) == 0)
            json_array_append_new(
                tables, preport_table_json(ctx, &preport_tables[i], area, cn, cp, has_prev));
    return json_pack("{s:s, s:s, s:o, s:o}", "id", id, "title",
                     preport_text(ctx, "preport_sec_", id), "figures", figs ? figs : json_array(),
                     "tables", tables ? tables : json_array());
}

static json_t *preport_head(const struct hctx *ctx, const struct preport_query *q, int64_t pfrom,
                            int64_t pto, int has_prev, const struct preport_targets *tg)
{
    char from[16], to[16], pf[16], pt[16], at[40];
    preport_iso_day(q->from_day, from, sizeof from);
    preport_iso_day(q->to_day, to, sizeof to);
    preport_iso_day(pfrom, pf, sizeof pf);
    preport_iso_day(pto, pt, sizeof pt);
    preport_iso_time(ctx->now_ms, at, sizeof at);
    char *label = preport_period_label(ctx, q->from_day, q->to_day);
    const struct area *a = q->area[0] ? desks_area(ctx->desks, q->area) : NULL;
    json_t *area =
        a ? json_pack("{s:s, s:s}", "code", a->code, "name", a->name[0] ? a->name : a->code)
          : json_null();
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:b}, s:o, s:s, "
        "s:{s:i, s:i, s:i, s:i}}",
        "ward", ctx->cfg && ctx->cfg->ward_police_name ? ctx->cfg->ward_police_name : "", "title",
        texts_get(ctx->texts, "preport_title"), "period", "code", q->period, "from", from, "to", to,
        "label", label ? label : q->period, "previous", "from", pf, "to", pt, "has_data", has_prev,
        "area", area ? area : json_null(), "generated_at", at, "targets", "received_pct",
        tg->received_pct, "resolved_pct", tg->resolved_pct, "reach_pct", tg->reach_pct,
        "agencies_on_time_pct", tg->agencies_on_time_pct);
    free(label);
    return doc;
}

int preport_build(struct hctx *ctx, const struct preport_query *q, json_t **out)
{
    struct preport_counts now, prev;
    struct preport_targets tg = preport_targets_of(ctx);
    int64_t pfrom, pto, pop, households;
    json_t *doc = NULL, *vn = NULL, *vp = NULL, *sections = NULL;
    int rc = -1;
    *out = NULL;
    calendar_year_earlier(q->from_day, q->to_day, &pfrom, &pto);
    if (preport_read(ctx, q->from_day, q->to_day, q->area, &now) != 0 ||
        preport_read(ctx, pfrom, pto, q->area, &prev) != 0)
        goto out;
    int has_prev = preport_has_data(&prev);
    preport_residents(ctx, q->area, &pop, &households);
    vn = preport_values(&now, pop, households, q->area);
    vp = preport_values(&prev, pop, households, q->area);
    doc = preport_head(ctx, q, pfrom, pto, has_prev, &tg);
    sections = json_array();
    if (!vn || !vp || !doc || !sections)
        goto out;
    for (size_t i = 0; i < sizeof preport_sections / sizeof preport_sections[0]; i++) {
        json_t *s =
            preport_section(ctx, preport_sections[i], &tg, vn, vp, has_prev, q->area, &now, &prev);
        if (!s || json_array_append_new(sections, s) != 0)
            goto out;
    }
    json_object_set(doc, "sections", sections);
    *out = json_incref(doc);
    rc = 0;
out:
    json_decref(sections);
    json_decref(doc);
    json_decref(vn);
    json_decref(vp);
    preport_counts_free(&now);
    preport_counts_free(&prev);
    return rc;
}

/* ---- the KPI view ------------------------------------------------------------------------------
 */

static json_t *preport_kpi_breakdown(const struct hctx *ctx, json_t *received, json_t *resolved,
                                     const struct preport_table *t, const char *area)
{
    json_t *keys = preport_keys(ctx, t, area, received, NULL), *rows = json_array(), *k;
    size_t i;
    json_array_foreach(keys, i, k)
    {
        const char *key = json_string_value(k);
        int64_t n = json_integer_value(json_object_get(received, key));
        int64_t done = json_integer_value(json_object_get(resolved, key));
        json_array_append_new(rows, json_pack("{s:s, s:s, s:I, s:I, s:o}", "key", key, "label",
                                              preport_key_label(ctx, t, NULL, key), "received",
                                              (json_int_t)n, "resolved", (json_int_t)done,
                                              "resolved_pct", preport_share(done, n)));
    }
    json_decref(keys);
    return rows;
}

/* A window's breakdowns: by area and by category, received and resolved. */
struct preport_kpi_cells {
    json_t *area_n, *area_done, *cat_n, *cat_done;
};

static int preport_kpi_cell(const struct stats_cell *cell, void *arg)
{
    struct preport_kpi_cells *k = arg;
    if (strcmp(cell->kind, "tip") != 0)
        return 0;
    preport_add(k->area_n, cell->area, cell->n[STATS_TIPS]);
    preport_add(k->area_done, cell->area, cell->n[STATS_FINISHED]);
    preport_add(k->cat_n, cell->category, cell->n[STATS_TIPS]);
    preport_add(k->cat_done, cell->category, cell->n[STATS_FINISHED]);
    return 0;
}

/* The reach figure the target compares: residents when the configuration gives them, else
 * households, else subscribers. */
static const char *preport_reach_id(json_t *values)
{
    return json_object_get(values, "reach_residents_pct")    ? "reach_residents_pct"
           : json_object_get(values, "reach_households_pct") ? "reach_households_pct"
                                                             : "reach_subscribers_pct";
}

static json_t *preport_kpi_targets(const struct hctx *ctx, json_t *v,
                                   const struct preport_targets *tg)
{
    const char *ids[] = {"acknowledged_pct", "resolved_pct", preport_reach_id(v), "on_time_pct"};
    const char *keys[] = {"received", "resolved", "reach", "agencies_on_time"};
    int targets[] = {tg->received_pct, tg->resolved_pct, tg->reach_pct, tg->agencies_on_time_pct};
    json_t *out = json_array();
    for (int i = 0; out && i < 4; i++) {
        json_t *value = json_object_get(v, ids[i]);
        int met = json_is_number(value) && json_number_value(value) + 1e-9 >= targets[i];
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:s, s:i, s:O, s:O}", "id", keys[i], "figure", ids[i],
                           "label", preport_text(ctx, "preport_fig_", ids[i]), "unit", "pct",
                           "target", targets[i], "value", value ? value : json_null(), "met",
                           json_is_number(value) ? json_boolean(met) : json_null()));
    }
    return out;
}

int preport_kpi(struct hctx *ctx, int months, const char *area, json_t **out)
{
    struct preport_query q;
    const char *why = NULL;
    struct preport_targets tg = preport_targets_of(ctx);
    struct preport_counts c;
    struct preport_kpi_cells k = {json_object(), json_object(), json_object(), json_object()};
    json_t *trend = json_array(), *v = NULL, *doc = NULL;
    int64_t pop, households;
    int rc = -1, y, m, d;
    *out = NULL;
    memset(&c, 0, sizeof c);
    if (months < 1 || months > PREPORT_KPI_MONTHS_MAX ||
        preport_query_parse(ctx, NULL, area, &q, &why) != 0 || !trend || !k.area_n ||
        !k.area_done || !k.cat_n || !k.cat_done)
        goto out;
    calendar_ymd(calendar_today(ctx->now_ms), &y, &m, &d);
    int64_t last = calendar_days(y, m, calendar_month_days(y, m));
    int fy = y, fm = m - (months - 1);
    while (fm < 1) /* back to the first month of the window */
        fm += 12, fy--;
    int64_t first = calendar_days(fy, fm, 1);
    preport_residents(ctx, q.area, &pop, &households);
    for (int64_t day = first; day <= last;) {
        int my, mm, md;
        calendar_ymd(day, &my, &mm, &md);
        int64_t end = calendar_days(my, mm, calendar_month_days(my, mm));
        json_t *mv;
        if (preport_read(ctx, day, end, q.area, &c) != 0 ||
            !(mv = preport_values(&c, pop, households, q.area)))
            goto out;
        char key[16], label[16];
        snprintf(key, sizeof key, "%04d-%02d", my, mm);
        snprintf(label, sizeof label, "%02d/%04d", mm, my);
        json_array_append_new(trend,
                              json_pack("{s:s, s:s, s:O, s:O, s:O, s:O}", "month", key, "label",
                                        label, "received", json_object_get(mv, "received"),
                                        "resolved", json_object_get(mv, "resolved"), "resolved_pct",
                                        json_object_get(mv, "resolved_pct"), "reach_pct",
                                        json_object_get(mv, preport_reach_id(mv))));
        json_decref(mv);
        preport_counts_free(&c);
        day = end + 1;
    }
    if (preport_read(ctx, first, last, q.area, &c) != 0 ||
        !(v = preport_values(&c, pop, households, q.area)))
        goto out;
    struct stats_range r = {.from_ms = calendar_at(first, 0),
                            .to_ms = calendar_at(last + 1, 0),
                            .area = q.area,
                            .now_ms = ctx->now_ms,
                            .limit_ms = (int64_t)ctx->desks->rules.resolve_days * PREPORT_DAY_MS};
    if (stats_tips(ctx->db, &r, preport_kpi_cell, &k) != DB_OK)
        goto out;
    doc = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o}", "months", months, "area",
                    q.area[0] ? json_string(q.area) : json_null(), "targets",
                    preport_kpi_targets(ctx, v, &tg), "trend", json_incref(trend), "by_area",
                    preport_kpi_breakdown(ctx, k.area_n, k.area_done, &preport_tables[2], q.area),
                    "by_category",
                    preport_kpi_breakdown(ctx, k.cat_n, k.cat_done, &preport_tables[1], q.area));
    if (!doc)
        goto out;
    *out = doc;
    rc = 0;
out:
    json_decref(trend);
    json_decref(v);
    json_decref(k.area_n);
    json_decref(k.area_done);
    json_decref(k.cat_n);
    json_decref(k.cat_done);
    preport_counts_free(&c);
    return rc;
}
