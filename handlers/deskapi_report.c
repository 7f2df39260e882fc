/*
 * deskapi_report.c — the web desk's figures for commanders (issue 15): GET /report?period=&area=
 * is the period report's document (handlers/period_report.h), GET /kpi?months=&area= the KPI
 * view. Both read only; a bad period or area is a 400 with a stable code.
 */
#include "handlers/deskapi.h"
#include "handlers/period_report.h"

#include <stdlib.h>

enum { DESKAPI_REPORT_ARG_MAX = 64, DESKAPI_KPI_MONTHS = 12 };

/* GET /report?period=2026-Q1&area=TDP5 */
static int deskapi_report(struct hctx *ctx, const struct deskapi_req *req,
                          struct deskapi_resp *resp)
{
    char period[DESKAPI_REPORT_ARG_MAX], area[DESKAPI_REPORT_ARG_MAX];
    struct preport_query q;
    const char *why = NULL;
    json_t *doc = NULL;
    deskapi_query(req->query, "period", period, sizeof period);
    deskapi_query(req->query, "area", area, sizeof area);
    if (preport_query_parse(ctx, period, area, &q, &why) != 0)
        return deskapi_error(ctx, resp, 400, why);
    if (preport_build(ctx, &q, &doc) != 0)
        return -1;
    return deskapi_ok(resp, doc);
}

/* GET /kpi?months=12&area=TDP5 */
static int deskapi_kpi(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    char months[16], area[DESKAPI_REPORT_ARG_MAX];
    struct preport_query q;
    const char *why = NULL;
    json_t *doc = NULL;
    long n = DESKAPI_KPI_MONTHS;
    if (deskapi_query(req->query, "months", months, sizeof months) && months[0]) {
        char *end = NULL;
        n = strtol(months, &end, 10);
        if (*end || n < 1 || n > 24)
            return deskapi_error(ctx, resp, 400, "bad_months");
    }
    deskapi_query(req->query, "area", area, sizeof area);
    if (preport_query_parse(ctx, NULL, area, &q, &why) != 0)
        return deskapi_error(ctx, resp, 400, why);
    if (preport_kpi(ctx, (int)n, q.area, &doc) != 0)
        return -1;
    return deskapi_ok(resp, doc);
}

static const struct deskapi_route deskapi_report_rows[] = {
    {"GET", "/report", DESKAPI_COMMANDER, 0, deskapi_report, 1},
    {"GET", "/kpi", DESKAPI_COMMANDER, 0, deskapi_kpi, 1},
};
const struct deskapi_table deskapi_report_routes = DESKAPI_TABLE(deskapi_report_rows);
