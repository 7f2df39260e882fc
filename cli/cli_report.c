/*
 * cli_report.c — `tipgate report` (cli/cli_commands.h): the ward's period report
 * (handlers/period_report.h) as a printable HTML document, CSV or JSON, to stdout or a file.
 * It reads only, in one read transaction, so every figure is of the same moment.
 */
#include "cli/cli_commands.h"

#include "cli/cli_util.h"
#include "base/clock.h"
#include "handlers/period_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cli_report_format { CLI_REPORT_HTML, CLI_REPORT_CSV, CLI_REPORT_JSON };

static int cli_report_format(const char *s, enum cli_report_format *out)
{
    if (!s || strcmp(s, "html") == 0)
        *out = CLI_REPORT_HTML;
    else if (strcmp(s, "csv") == 0)
        *out = CLI_REPORT_CSV;
    else if (strcmp(s, "json") == 0)
        *out = CLI_REPORT_JSON;
    else
        return -1;
    return 0;
}

/* The document rendered in format f (a new string) or NULL. */
static char *cli_report_render(const struct hctx *ctx, const json_t *doc, enum cli_report_format f)
{
    char *text = NULL;
    if (f == CLI_REPORT_JSON) {
        text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        size_t n = text ? strlen(text) : 0;
        char *line = text ? realloc(text, n + 2) : NULL;
        if (line)
            memcpy(line + n, "\n", 2);
        else
            free(text);
        return line;
    }
    if ((f == CLI_REPORT_HTML ? preport_html(ctx, doc, &text) : preport_csv(ctx, doc, &text)) != 0)
        return NULL;
    return text;
}

static int cli_report_write(const char *path, const char *text)
{
    FILE *out = path ? fopen(path, "wb") : stdout;
    if (!out) {
        fprintf(stderr, "tipgate: cannot write %s\n", path);
        return APP_EXIT_RUNTIME;
    }
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, out) != n;
    bad |= path ? fclose(out) != 0 : fflush(out) != 0;
    if (bad)
        fprintf(stderr, "tipgate: cannot write %s\n", path ? path : "the output");
    return bad ? APP_EXIT_RUNTIME : 0;
}

int cli_report(const char *config, const struct cli_args *a)
{
    struct app app;
    struct preport_query q;
    enum cli_report_format f;
    const char *why = NULL;
    json_t *doc = NULL;
    char *text = NULL;
    if (a->action) {
        fprintf(stderr, "tipgate: unexpected '%s'\n", a->action);
        return 2;
    }
    if (cli_report_format(a->format, &f) != 0) {
        fprintf(stderr, "tipgate: --format: html, csv or json\n");
        return 2;
    }
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    struct hctx ctx = {.db = app.db,
                       .cfg = app.cfg,
                       .texts = app.texts,
                       .te = app.te,
                       .desks = app.desks,
                       .now_ms = clock_now_ms()};
    if (preport_query_parse(&ctx, a->period, a->area, &q, &why) != 0) {
        if (strcmp(why, "bad_area") == 0)
            fprintf(stderr,
                    "tipgate: --area: %s is not an area of the configuration (areas[].code)\n",
                    a->area);
        else
            fprintf(stderr, "tipgate: --period: a year (2026), a quarter (2026-Q1), six months "
                            "(2026-H1, 2026-H2, 2026-6T), a month (2026-03), a range "
                            "(01/01/2026-30/06/2026) or all\n");
        app_free(&app);
        return 2;
    }
    /* one read transaction: the figures are of one moment */
    if (db_run0(app.db, "BEGIN") != DB_OK) {
        fprintf(stderr, "tipgate: cannot read the database\n");
        app_free(&app);
        return APP_EXIT_RUNTIME;
    }
    rc = preport_build(&ctx, &q, &doc) == 0 ? 0 : APP_EXIT_RUNTIME;
    if (db_run0(app.db, "COMMIT") != DB_OK)
        rc = APP_EXIT_RUNTIME;
    if (rc == 0 && !(text = cli_report_render(&ctx, doc, f)))
        rc = APP_EXIT_RUNTIME;
    if (rc == 0)
        rc = cli_report_write(a->out, text);
    else
        fprintf(stderr, "tipgate: the report could not be made (see the log)\n");
    free(text);
    json_decref(doc);
    app_free(&app);
    return rc;
}
