/*
 * cli_agency.c — `tipgate agency add|list` (cli/cli_commands.h). An agency added here lives in
 * the database beside the configured ones; adding chats to a configured agency is allowed
 * (the configuration keeps owning its name and its own chats). After a change the calendars
 * are synced in the same transaction, so the new agency owes its deadlines at once.
 */
#include "cli/cli_commands.h"

#include "cli/cli_util.h"
#include "base/clock.h"
#include "handlers/agency.h"
#include "calendar/calendar.h"
#include "handlers/deadlines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CLI_AGENCY_LIST_MAX = 1000 };

/* Every argument checked before the database is opened. */
static int cli_agency_check(const struct cli_args *a, struct agency_chat *chats)
{
    if (!agency_code_ok(a->code)) {
        fprintf(stderr, "tipgate: agency add needs --code CODE (1-31 of A-Z 0-9 - _, e.g. CA, "
                        "QS, TDP5)\n");
        return 2;
    }
    if (!a->name || !*a->name || strlen(a->name) >= AGENCIES_NAME_MAX) {
        fprintf(stderr, "tipgate: agency add needs --name \"…\" (the agency's name)\n");
        return 2;
    }
    if (a->kind && !agency_kind_ok(a->kind)) {
        fprintf(stderr, "tipgate: --kind is a lower-case word (police, school, business, "
                        "neighbourhood, …)\n");
        return 2;
    }
    if (a->chats.n == 0) {
        fprintf(stderr, "tipgate: agency add needs at least one --chat PLATFORM:CHAT_ID\n");
        return 2;
    }
    for (int i = 0; i < a->chats.n; i++)
        if (agency_parse_chat(a->chats.items[i], &chats[i]) != 0) {
            fprintf(stderr,
                    "tipgate: --chat %s: expected PLATFORM:CHAT_ID with PLATFORM one of "
                    "telegram, zalo, webchat (e.g. telegram:-1001234567890)\n",
                    a->chats.items[i]);
            return 2;
        }
    return 0;
}

/* Brings the configured agencies and the dated deadlines up to date (caller's transaction). */
static int cli_agency_sync(struct app *app, int64_t now)
{
    char err[CALENDAR_ERR_MAX];
    if (deadlines_sync(app->db, app->cfg, now, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "tipgate: %s\n", err);
    return APP_EXIT_RUNTIME;
}

static int cli_agency_add(const struct cli_args *a, const char *config)
{
    struct agency_chat chats[CLI_LIST_MAX];
    struct app app;
    struct agency row;
    int rc = cli_agency_check(a, chats);
    if (rc == 0)
        rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    int64_t now = clock_now_ms();
    rc = cli_util_begin(&app);
    if (rc == 0 && agencies_upsert(app.db, a->code, a->name, a->kind, "cli", calendar_today(now),
                                   now) != DB_OK)
        rc = APP_EXIT_RUNTIME;
    for (int i = 0; rc == 0 && i < a->chats.n; i++)
        if (agencies_chat_add(app.db, a->code, chats[i].platform, chats[i].chat_id, "cli", now) !=
            DB_OK)
            rc = APP_EXIT_RUNTIME;
    if (rc == 0)
        rc = cli_agency_sync(&app, now);
    if (rc == 0 && agencies_get(app.db, a->code, &row) != DB_OK)
        rc = APP_EXIT_RUNTIME;
    if (rc == 0)
        rc = cli_util_commit(&app);
    else
        db_rollback(app.db);
    if (rc == 0)
        printf("Cơ quan %s — %s: %d kênh, %d thành viên.\nThành viên đăng ký bằng mã từ: "
               "tipgate enrol --role agency --agency %s\n",
               row.code, row.name, row.n_chats, row.n_members, row.code);
    app_free(&app);
    return rc;
}

static void cli_agency_row(struct app *app, const struct agency *g)
{
    struct agency_chat chats[AGENCIES_CHATS_MAX];
    char list[1024] = "", kind[64];
    size_t at = 0;
    int n = 0;
    agencies_chats_all(app->db, g->code, chats, AGENCIES_CHATS_MAX, &n);
    for (int i = 0; i < n && at + 80 < sizeof list; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s:%s", i ? " " : "",
                               chats[i].platform, chats[i].chat_id);
    snprintf(kind, sizeof kind, "%s%s", g->kind, g->active ? "" : " (ngừng)");
    cli_util_cell(stdout, g->code, 12);
    cli_util_cell(stdout, g->name, 42);
    cli_util_cell(stdout, kind, 16);
    cli_util_cell(stdout, g->source, 8);
    printf("%-10d %s\n", g->n_members, n ? list : "-");
}

static int cli_agency_list(const char *config)
{
    struct app app;
    struct agency *rows = calloc(CLI_AGENCY_LIST_MAX, sizeof *rows);
    int n = 0, rc = rows ? cli_util_open(config, &app) : APP_EXIT_RUNTIME;
    if (rc != 0) {
        free(rows);
        return rc;
    }
    rc = cli_util_begin(&app);
    if (rc == 0)
        rc = cli_agency_sync(&app, clock_now_ms());
    if (rc == 0 && agencies_list(app.db, rows, CLI_AGENCY_LIST_MAX, &n) != DB_OK)
        rc = APP_EXIT_RUNTIME;
    if (rc == 0)
        rc = cli_util_commit(&app);
    else
        db_rollback(app.db);
    if (rc == 0) {
        cli_util_cell(stdout, "Mã", 12);
        cli_util_cell(stdout, "Tên", 42);
        cli_util_cell(stdout, "Loại", 16);
        cli_util_cell(stdout, "Nguồn", 8);
        printf("%-10s %s\n", "Thành viên", "Kênh");
        for (int i = 0; i < n; i++)
            cli_agency_row(&app, &rows[i]);
        if (n == 0)
            printf("(chưa có cơ quan nào: thêm vào \"agencies\" trong cấu hình, hoặc tipgate "
                   "agency add)\n");
    }
    free(rows);
    app_free(&app);
    return rc;
}

int cli_agency(const char *config, const struct cli_args *a)
{
    if (a->action && strcmp(a->action, "add") == 0)
        return cli_agency_add(a, config);
    if (a->action && strcmp(a->action, "list") == 0)
        return cli_agency_list(config);
    fprintf(stderr, "tipgate: usage: tipgate agency add --code CODE --name \"…\" --chat "
                    "PLATFORM:CHAT_ID [--chat …] [--kind KIND] | tipgate agency list "
                    "[--config FILE]\n");
    return 2;
}

int cli_agency_known(struct app *app, const char *code, char *err, size_t errlen)
{
    struct agency a = {0};
    char why[CALENDAR_ERR_MAX];
    int64_t now = clock_now_ms();
    int rc = db_begin(app->db) == DB_OK ? DB_OK : DB_ERROR;
    if (rc == DB_OK && deadlines_sync(app->db, app->cfg, now, why, sizeof why) != 0)
        rc = DB_ERROR;
    if (rc == DB_OK)
        rc = agencies_get(app->db, code, &a);
    if (rc != DB_ERROR && db_commit(app->db) != DB_OK)
        rc = DB_ERROR;
    if (rc == DB_ERROR)
        db_rollback(app->db);
    if (rc == DB_OK && a.active)
        return 0;
    if (rc == DB_ERROR) {
        snprintf(err, errlen, "cannot read the agencies from the database");
        return APP_EXIT_RUNTIME;
    }
    snprintf(err, errlen,
             "unknown agency \"%s\": add it under \"agencies\" in the configuration or with "
             "tipgate agency add --code %s --name \"…\" --chat PLATFORM:CHAT_ID",
             code, code);
    return APP_EXIT_CONFIG;
}
