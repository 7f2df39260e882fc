/*
 * cli_export.c — `tipgate export tips --period P --format csv|jsonl [--area CODE] [--out FILE]
 * [--with-contacts --person ID]` (cli/cli_commands.h): the tips of a period for another office
 * (handlers/export.h), to a file or to standard output. The contact phones a tipster chose to
 * give come only with --with-contacts and the id of an enrolled commander, whose export is
 * written to the audit log in the same transaction; without them the export only reads.
 */
#include "cli/cli_commands.h"

#include "base/clock.h"
#include "bot/app_core.h"
#include "calendar/calendar.h"
#include "cli/cli_util.h"
#include "config/desks.h"
#include "handlers/export.h"
#include "storage/people.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_EXPORT_USAGE                                                                           \
    "tipgate: usage: tipgate export tips [--period P] [--format csv|jsonl] [--area CODE] "         \
    "[--out FILE] [--with-contacts --person ID] [--config FILE]\n"

/* Reads the options into q and *f; 0, or 2 after saying what is wrong. */
static int cli_export_args(const struct app *app, const struct cli_args *a, int64_t now,
                           struct export_query *q, enum export_format *f)
{
    memset(q, 0, sizeof *q);
    if (!a->format || strcmp(a->format, "csv") == 0) {
        *f = EXPORT_CSV;
    } else if (strcmp(a->format, "jsonl") == 0) {
        *f = EXPORT_JSONL;
    } else {
        fprintf(stderr, "tipgate: --format: csv or jsonl\n");
        return 2;
    }
    if (cli_util_period(a->period, calendar_today(now), &q->from_day, &q->to_day) != 0) {
        fprintf(stderr, "tipgate: --period: a year (2026), a quarter (2026-Q1), a half year "
                        "(2026-H1), a month (2026-03), a range (01/01/2026-30/06/2026) or all\n");
        return 2;
    }
    if (a->area_code && *a->area_code) {
        const struct area *ar = desks_area(app->desks, a->area_code);
        if (!ar) {
            fprintf(stderr, "tipgate: --area: no area %s in the configuration\n", a->area_code);
            return 2;
        }
        snprintf(q->area, sizeof q->area, "%s", ar->code);
    }
    if (!a->with_contacts)
        return 0;
    char *end = NULL;
    errno = 0;
    long long id = a->person ? strtoll(a->person, &end, 10) : 0;
    struct person p = {0};
    int rc = !a->person || errno || *end || id <= 0 ? DB_NOT_FOUND : people_get_id(app->db, id, &p);
    bool commander = rc == DB_OK && p.role && strcmp(p.role, "commander") == 0;
    person_clear(&p);
    if (rc == DB_ERROR)
        return APP_EXIT_RUNTIME;
    if (!commander) {
        fprintf(stderr, "tipgate: --with-contacts is for commanders only: --person must be the "
                        "id of an enrolled commander (`tipgate staff` shows it)\n");
        return 2;
    }
    q->with_contacts = 1;
    q->actor = id;
    return 0;
}

/* Runs the export into out: 0 or APP_EXIT_RUNTIME. */
static int cli_export_run(struct app *app, const struct export_query *q, enum export_format f,
                          FILE *out, int64_t now, int64_t *rows)
{
    struct hctx ctx = {.db = app->db,
                       .cfg = app->cfg,
                       .texts = app->texts,
                       .te = app->te,
                       .desks = app->desks,
                       .now_ms = now};
    int rc = q->with_contacts ? cli_util_begin(app) : 0;
    if (rc != 0)
        return rc;
    if (export_tips(&ctx, q, f, out, rows) != 0) {
        fprintf(stderr, "tipgate: the export failed (%s)\n",
                ferror(out) ? "cannot write the output" : "database");
        rc = APP_EXIT_RUNTIME;
    }
    if (q->with_contacts) {
        if (rc == 0)
            rc = cli_util_commit(app);
        else
            db_rollback(app->db);
    }
    hctx_clear(&ctx);
    return rc;
}

int cli_export(const char *config, const struct cli_args *a)
{
    if (!a->action || strcmp(a->action, "tips") != 0) {
        fputs(CLI_EXPORT_USAGE, stderr);
        return 2;
    }
    struct app app;
    struct export_query q;
    enum export_format f;
    int64_t now = clock_now_ms(), rows = 0;
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    rc = cli_export_args(&app, a, now, &q, &f);
    FILE *out = stdout;
    if (rc == 0 && a->out_file && strcmp(a->out_file, "-") != 0 &&
        !(out = fopen(a->out_file, "wb"))) {
        fprintf(stderr, "tipgate: --out %s: %s\n", a->out_file, strerror(errno));
        rc = APP_EXIT_RUNTIME;
    }
    if (rc == 0)
        rc = cli_export_run(&app, &q, f, out, now, &rows);
    if (out && out != stdout) {
        if (fclose(out) != 0 && rc == 0) {
            fprintf(stderr, "tipgate: --out %s: %s\n", a->out_file, strerror(errno));
            rc = APP_EXIT_RUNTIME;
        }
        if (rc != 0)
            remove(a->out_file); /* no half file left behind */
        else
            fprintf(stderr, "tipgate: %" PRId64 " tips written to %s\n", rows, a->out_file);
    }
    app_free(&app);
    return rc;
}
