/*
 * test_period_report.c — the period report's builder and the KPI view (handlers/period_report.c,
 * issue 15), and the desk's routes that serve them (handlers/deskapi_report.c) called as
 * bot/deskweb.c calls them: periods and areas as typed (and refused with a stable code), the
 * targets from the configuration, the KPI view's months, trend and breakdowns on known tips,
 * and /report and /kpi for commanders only (an officer and a leader get 403).
 */
#include "bot/app.h"
#include "calendar/calendar.h"
#include "handlers/deskapi.h"
#include "handlers/period_report.h"
#include "storage/people.h"

#include "testlib.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static const int64_t now = 1798000000000LL; /* 2026-12-23 */

struct fixture {
    struct app app;
    struct person officer, commander, leader;
};

static void person(struct fixture *fx, const char *uid, const char *role, const char *area,
                   struct person *out)
{
    int64_t id = 0;
    char sql[256];
    CHECK_INT(people_touch(fx->app.db, "webchat", uid, uid, true, now, &id), DB_OK);
    snprintf(sql, sizeof sql, "UPDATE people SET role = '%s', area = %s%s%s WHERE id = %lld", role,
             area ? "'" : "", area ? area : "NULL", area ? "'" : "", (long long)id);
    testlib_exec(fx->app.db, sql);
    CHECK_INT(people_get_id(fx->app.db, id, out), DB_OK);
}

/* A tip of kind 'tip' filed at ms; acknowledged an hour and closed a day later when closed. */
static void tip(struct fixture *fx, int n, const char *area, const char *category, int64_t ms,
                int closed)
{
    char sql[512], ack[24] = "NULL", done[24] = "NULL";
    if (closed) {
        snprintf(ack, sizeof ack, "%lld", (long long)(ms + 3600000));
        snprintf(done, sizeof done, "%lld", (long long)(ms + DAY_MS));
    }
    snprintf(sql, sizeof sql,
             "INSERT INTO tips (code, kind, platform, chat_id, category, area, description, "
             "folded, status, created_at, updated_at, acknowledged_at, closed_at) VALUES "
             "('U%07d', 'tip', 'webchat', 'c%d', '%s', '%s', 'x', 'x', '%s', %lld, %lld, %s, %s)",
             n, n, category, area, closed ? "closed" : "new", (long long)ms, (long long)ms, ack,
             done);
    testlib_exec(fx->app.db, sql);
}

static int start(struct fixture *fx, const char *name)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"},"
             " \"targets\": {\"resolved_pct\": 80},"
             " \"areas\": [{\"code\": \"KP1\", \"name\": \"Khu phố 1\"},"
             " {\"code\": \"KP2\", \"name\": \"Khu phố 2\"}]}",
             name);
    memset(fx, 0, sizeof *fx);
    if (testlib_app(&fx->app, name, text) != 0)
        return -1;
    person(fx, "officer", "police", "KP1", &fx->officer);
    person(fx, "commander", "commander", NULL, &fx->commander);
    person(fx, "leader", "leader", "KP1", &fx->leader);
    int64_t dec = now - 10 * DAY_MS, nov = now - 40 * DAY_MS, sep = now - 100 * DAY_MS;
    tip(fx, 1, "KP1", "theft", dec, 1);
    tip(fx, 2, "KP1", "theft", dec + 60000, 0);
    tip(fx, 3, "KP2", "fraud", dec + 120000, 1);
    tip(fx, 4, "KP1", "theft", nov, 0);
    tip(fx, 5, "KP1", "fraud", sep, 1); /* before a 3-month window */
    return 0;
}

static void finish(struct fixture *fx)
{
    person_clear(&fx->officer);
    person_clear(&fx->commander);
    person_clear(&fx->leader);
    app_free(&fx->app);
}

static struct hctx context(struct fixture *fx, const struct person *p)
{
    return (struct hctx){.db = fx->app.db,
                         .cfg = fx->app.cfg,
                         .texts = fx->app.texts,
                         .te = fx->app.te,
                         .desks = fx->app.desks,
                         .person = p,
                         .now_ms = now};
}

/* GET path?query as p; the answer (caller decrefs) and its status (403 refused by role). */
static json_t *call(struct fixture *fx, const struct person *p, const char *path,
                    const char *query, int *status)
{
    struct deskapi_req req = {.method = "GET", .path = path, .query = query ? query : ""};
    struct deskapi_resp resp = {0};
    struct hctx ctx = context(fx, p);
    const struct deskapi_route *r = deskapi_find(&req, status);
    if (!r)
        return NULL;
    if (!deskapi_allowed(r, p)) {
        *status = 403;
        return NULL;
    }
    CHECK_INT(r->writes, 0);
    CHECK_INT(r->fn(&ctx, &req, &resp), 0);
    *status = resp.status;
    return resp.body;
}

static const char *error_code(json_t *body)
{
    return json_string_value(json_object_get(json_object_get(body, "error"), "code"));
}

static void test_period_report_query_parses_periods_and_areas(void)
{
    struct fixture fx;
    if (start(&fx, "parse") != 0)
        return;
    struct hctx ctx = context(&fx, &fx.commander);
    struct preport_query q;
    const char *why = NULL;
    CHECK_INT(preport_query_parse(&ctx, "2026-Q1", NULL, &q, &why), 0);
    CHECK_INT(q.from_day, calendar_days(2026, 1, 1));
    CHECK_INT(q.to_day, calendar_days(2026, 3, 31));
    CHECK_STR(q.period, "2026-Q1");
    CHECK_STR(q.area, "");
    CHECK_INT(preport_query_parse(&ctx, "", "kp2", &q, &why), 0); /* the year of today */
    CHECK_STR(q.period, "2026");
    CHECK_INT(q.to_day, calendar_days(2026, 12, 31));
    CHECK_STR(q.area, "KP2"); /* as the configuration spells it */
    CHECK_INT(preport_query_parse(&ctx, "2026-Q5", NULL, &q, &why), -1);
    CHECK_STR(why, "bad_period");
    CHECK_INT(preport_query_parse(&ctx, "2026", "KP9", &q, &why), -1);
    CHECK_STR(why, "bad_area");
    CHECK_INT(preport_query_parse(&ctx, "01/01/2026-31/01/2026-and-a-long-tail-beyond-48-bytes",
                                  NULL, &q, &why),
              -1);
    CHECK_STR(why, "bad_period");
    finish(&fx);
}

static const json_t *find(const json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row)
    {
        const char *v = json_string_value(json_object_get(row, key));
        if (v && strcmp(v, value) == 0)
            return row;
    }
    return NULL;
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void test_period_report_kpi_months_targets_and_breakdowns(void)
{
    struct fixture fx;
    json_t *kpi = NULL;
    if (start(&fx, "kpi") != 0)
        return;
    struct hctx ctx = context(&fx, &fx.commander);
    CHECK_INT(preport_kpi(&ctx, 0, NULL, &kpi), -1);
    CHECK_INT(preport_kpi(&ctx, 25, NULL, &kpi), -1);
    CHECK_INT(preport_kpi(&ctx, 3, NULL, &kpi), 0);
    CHECK_INT(json_integer_value(json_object_get(kpi, "months")), 3);
    CHECK(json_is_null(json_object_get(kpi, "area")));
    json_t *trend = json_object_get(kpi, "trend");
    CHECK_INT(json_array_size(trend), 3);
    const char *months[] = {"2026-10", "2026-11", "2026-12"};
    const int received[] = {0, 1, 3}, resolved[] = {0, 0, 2};
    for (int i = 0; i < 3; i++) {
        json_t *m = json_array_get(trend, i);
        CHECK_STR(json_string_value(json_object_get(m, "month")), months[i]);
        CHECK_INT(json_integer_value(json_object_get(m, "received")), received[i]);
        CHECK_INT(json_integer_value(json_object_get(m, "resolved")), resolved[i]);
    }
    CHECK_STR(json_string_value(json_object_get(json_array_get(trend, 2), "label")), "12/2026");
    CHECK(json_is_null(json_object_get(json_array_get(trend, 0), "resolved_pct")));
    CHECK(fabs(num(json_array_get(trend, 2), "resolved_pct") - 66.7) < 1e-9);
    json_t *targets = json_object_get(kpi, "targets");
    const json_t *t = find(targets, "id", "resolved");
    CHECK(t != NULL);
    CHECK_INT(json_integer_value(json_object_get(t, "target")), 80); /* targets.resolved_pct */
    CHECK(fabs(num(t, "value") - 50.0) < 1e-9);                      /* 2 of the window's 4 */
    CHECK(json_is_false(json_object_get(t, "met")));
    t = find(targets, "id", "received");
    CHECK(t && json_integer_value(json_object_get(t, "target")) == 100);
    t = find(targets, "id", "reach");
    CHECK(t && json_integer_value(json_object_get(t, "target")) == 90);
    CHECK(t && json_is_null(json_object_get(t, "value")) && json_is_null(json_object_get(t, "met")));
    CHECK(find(targets, "id", "agencies_on_time") != NULL);
    const json_t *kp1 = find(json_object_get(kpi, "by_area"), "key", "KP1");
    CHECK(kp1 && json_integer_value(json_object_get(kp1, "received")) == 3 &&
          json_integer_value(json_object_get(kp1, "resolved")) == 1);
    CHECK(kp1 && strcmp(json_string_value(json_object_get(kp1, "label")), "Khu phố 1") == 0);
    json_t *cats = json_object_get(kpi, "by_category");
    CHECK_STR(json_string_value(json_object_get(json_array_get(cats, 0), "key")), "theft");
    CHECK(fabs(num(find(cats, "key", "fraud"), "resolved_pct") - 100.0) < 1e-9);
    json_decref(kpi);
    CHECK_INT(preport_kpi(&ctx, 12, "KP2", &kpi), 0);
    CHECK_STR(json_string_value(json_object_get(kpi, "area")), "KP2");
    CHECK_INT(json_array_size(json_object_get(kpi, "trend")), 12);
    CHECK_INT(json_array_size(json_object_get(kpi, "by_area")), 1);
    json_decref(kpi);
    finish(&fx);
}

static void test_period_report_desk_routes_are_for_commanders_only(void)
{
    struct fixture fx;
    int status = 0;
    if (start(&fx, "routes") != 0)
        return;
    const struct person *refused[] = {&fx.officer, &fx.leader};
    for (int i = 0; i < 2; i++) {
        CHECK(call(&fx, refused[i], "/report", "period=2026-Q4", &status) == NULL);
        CHECK_INT(status, 403);
        CHECK(call(&fx, refused[i], "/kpi", "", &status) == NULL);
        CHECK_INT(status, 403);
    }
    json_t *doc = call(&fx, &fx.commander, "/report", "period=2026-Q4&area=kp1", &status);
    CHECK_INT(status, 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "period"), "label")),
              "Quý IV năm 2026");
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "area"), "code")), "KP1");
    json_t *tips = json_array_get(json_object_get(doc, "sections"), 0);
    CHECK_STR(json_string_value(json_object_get(tips, "id")), "tips");
    json_t *received = json_array_get(json_object_get(tips, "figures"), 0);
    CHECK_STR(json_string_value(json_object_get(received, "id")), "received");
    CHECK_INT(json_integer_value(json_object_get(received, "value")), 3);
    json_decref(doc);
    doc = call(&fx, &fx.commander, "/report", "period=2026-Q9", &status);
    CHECK_INT(status, 400);
    CHECK_STR(error_code(doc), "bad_period");
    CHECK(json_string_value(json_object_get(json_object_get(doc, "error"), "message")) != NULL);
    json_decref(doc);
    doc = call(&fx, &fx.commander, "/report", "period=2026&area=KP9", &status);
    CHECK_INT(status, 400);
    CHECK_STR(error_code(doc), "bad_area");
    json_decref(doc);
    doc = call(&fx, &fx.commander, "/kpi", "months=6", &status);
    CHECK_INT(status, 200);
    CHECK_INT(json_array_size(json_object_get(doc, "trend")), 6);
    json_decref(doc);
    doc = call(&fx, &fx.commander, "/kpi", "months=0", &status);
    CHECK_INT(status, 400);
    CHECK_STR(error_code(doc), "bad_months");
    json_decref(doc);
    doc = call(&fx, &fx.commander, "/kpi", "area=KP9", &status);
    CHECK_INT(status, 400);
    CHECK_STR(error_code(doc), "bad_area");
    json_decref(doc);
    finish(&fx);
}

TESTLIB_MAIN(T(test_period_report_query_parses_periods_and_areas),
             T(test_period_report_kpi_months_targets_and_breakdowns),
             T(test_period_report_desk_routes_are_for_commanders_only))
