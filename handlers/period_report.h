/*
 * period_report.h — the ward's period report (issue 15 §1) and the KPI view (§2): the figures
 * the plans ask for over a period (a quarter, six months, a year, any days) and the same
 * period a year earlier, as one JSON document that the CLI (`tipgate report`), the web desk
 * (handlers/deskapi_report.c) and the HTTP API render. The HTML rendering is a printable
 * Vietnamese administrative document; the CSV carries the same numbers.
 *
 * The document holds no personal data: counts only, and in an area breakdown a count of 1 or
 * 2 tips is written "< 3". Every label comes from config/messages.vi.json (preport_*). What
 * each figure counts is defined in storage/stats.h and the README ("tipgate report").
 *
 * Files: period_report.c (the query, the figures, the KPI view, the targets settings),
 * period_report_render.c (HTML and CSV).
 */
#ifndef TIPGATE_PERIOD_REPORT_H
#define TIPGATE_PERIOD_REPORT_H

#include "config/config.h"
#include "handlers/handler.h"

#include <jansson.h>
#include <stdint.h>

struct preport_query {
    int64_t from_day, to_day; /* inclusive local days (calendar day numbers) */
    char period[48];          /* as typed ("2026-Q1"), for the heading and file names */
    char area[32];            /* "" for the whole ward, else an area code of the config */
};

/* The plans' targets (`targets.*` in the configuration), in percent. */
struct preport_targets {
    int received_pct;         /* tips received and recorded (acknowledged by the desk): 100 */
    int resolved_pct;         /* tips resolved: 90 */
    int reach_pct;            /* residents reached by awareness work: 90 */
    int agencies_on_time_pct; /* agencies' plans and reports on time: 100 */
};
/* The `targets` settings block (registered by bot/app.c app_register_settings). */
extern const struct cfg_block preport_target_settings;

/* Parses period and area (NULL/"" = whole ward) into q: 0, or -1 with *why one of
 * "bad_period", "bad_area" (stable codes for API errors). */
int preport_query_parse(const struct hctx *ctx, const char *period, const char *area,
                        struct preport_query *q, const char **why);
/* The report's figures as a JSON document (new reference in *out): 0 or -1. */
int preport_build(struct hctx *ctx, const struct preport_query *q, json_t **out);
/* The document as a printable Vietnamese HTML page / as CSV (UTF-8 with BOM). *out: a new
 * string (free()). 0 or -1. */
int preport_html(const struct hctx *ctx, const json_t *doc, char **out);
int preport_csv(const struct hctx *ctx, const json_t *doc, char **out);
/* The KPI view: targets against the figures of the last `months` months (1..24) ending with
 * the current one, month by month, and breakdowns. area as above. 0 or -1. */
int preport_kpi(struct hctx *ctx, int months, const char *area, json_t **out);

#endif
