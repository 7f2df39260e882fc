/*
 * cli_deadlines.c — `tipgate deadlines list|report` (cli/cli_commands.h). `list` expands the
 * calendar files as loaded now (to check a ward's edits before a restart); `report` reads each
 * agency's record from the database, after the same sync the service does, as a table or CSV
 * for the emulation and rewards reviews (thi đua, khen thưởng).
 */
#include "cli/cli_commands.h"

#include "cli/cli_util.h"
#include "base/clock.h"
#include "calendar/calendar.h"
#include "handlers/deadlines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CLI_DEADLINES_AGENCIES_MAX = 1000 };

static int cli_deadlines_period(const char *period, int64_t now, int64_t *from, int64_t *to)
{
    if (cli_util_period(period, calendar_today(now), from, to) == 0)
        return 0;
    fprintf(stderr, "tipgate: --period: a year (2026), a quarter (2026-Q1), a month (2026-03), "
                    "a range (01/01/2026-30/06/2026) or all\n");
    return 2;
}

/* Why a day is special, as the reminder will say it. */
static void cli_deadlines_note(const struct app *app, const struct calendar *cal,
                               const struct calendar_date *d, char *out, size_t size)
{
    char rule[48];
    const char *holiday = calendar_holiday(cal, d->rule_day);
    out[0] = '\0';
    if (d->rule_day != d->day) {
        deadlines_day_text(app->texts, d->rule_day, rule, sizeof rule);
        snprintf(out, size, "dời từ %s", rule);
    } else if (holiday) {
        snprintf(out, size, "ngày nghỉ: %s", holiday);
    } else if (calendar_is_off(cal, d->day)) {
        snprintf(out, size, "cuối tuần");
    }
}

static int cli_deadlines_list(const char *config, const char *period)
{
    struct app app;
    struct calendar *cal = NULL;
    struct calendar_date *dates = NULL;
    size_t n = 0;
    int64_t from, to, now = clock_now_ms();
    char err[CALENDAR_ERR_MAX];
    int rc = cli_util_open(config, &app); /* first: the time zone comes with it */
    if (rc != 0)
        return rc;
    if (cli_deadlines_period(period, now, &from, &to) != 0) {
        app_free(&app);
        return 2;
    }
    if (calendar_load(app.cfg, &cal, err, sizeof err) != 0 ||
        calendar_expand(cal, from, to, &dates, &n, err, sizeof err) != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        rc = APP_EXIT_CONFIG;
    }
    if (rc == 0) {
        cli_util_cell(stdout, "Mã", 14);
        cli_util_cell(stdout, "Hạn", 22);
        cli_util_cell(stdout, "Đơn vị", 14);
        cli_util_cell(stdout, "Ghi chú", 36);
        printf("Nội dung — nộp cho\n");
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char due[48], note[160], who[CALENDAR_TARGETS_MAX];
        const char *t = dates[i].deadline->targets; /* "*" or ",CA,kind:school," */
        snprintf(who, sizeof who, "%s", strcmp(t, "*") == 0 ? "tất cả" : t + 1);
        if (strcmp(t, "*") != 0 && *who)
            who[strlen(who) - 1] = '\0';
        deadlines_day_text(app.texts, dates[i].day, due, sizeof due);
        cli_deadlines_note(&app, cal, &dates[i], note, sizeof note);
        cli_util_cell(stdout, dates[i].code, 14);
        cli_util_cell(stdout, due, 22);
        cli_util_cell(stdout, who, 14);
        cli_util_cell(stdout, note[0] ? note : "-", 36);
        printf("%s — %s\n", dates[i].deadline->what, dates[i].deadline->to);
    }
    free(dates);
    calendar_free(cal);
    app_free(&app);
    return rc;
}

static void cli_deadlines_rate(const struct agencies_record *r, char *out, size_t size)
{
    int due = r->on_time + r->late + r->missing;
    if (due == 0)
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.1f", 100.0 * r->on_time / due);
}

static void cli_deadlines_print(const struct agencies_record *rows, int n, int csv)
{
    static const char *const csv_head[] = {"agency",
                                           "name",
                                           "on_time",
                                           "late",
                                           "missing",
                                           "pending",
                                           "on_time_pct",
                                           "reminders_sent",
                                           "reminders_outside_window",
                                           "reminders_failed"};
    if (csv) {
        for (int i = 0; i < 10; i++)
            cli_util_csv(stdout, csv_head[i], i == 9 ? '\n' : ',');
    } else {
        cli_util_cell(stdout, "Mã", 12);
        cli_util_cell(stdout, "Cơ quan, đơn vị", 42);
        printf("%9s %9s %9s %13s %12s %9s %12s %9s\n", "Đúng hạn", "Trễ hạn", "Chưa nộp",
               "Chưa đến hạn", "Đúng hạn %", "Nhắc gửi", "Ngoài khung", "Nhắc lỗi");
    }
    for (int i = 0; i < n; i++) {
        char nums[8][24];
        int vals[] = {rows[i].on_time, rows[i].late, rows[i].missing, rows[i].pending};
        int sends[] = {rows[i].reminders_sent, rows[i].reminders_outside_window,
                       rows[i].reminders_failed};
        for (int k = 0; k < 4; k++)
            snprintf(nums[k], sizeof nums[k], "%d", vals[k]);
        cli_deadlines_rate(&rows[i], nums[4], sizeof nums[4]);
        for (int k = 0; k < 3; k++)
            snprintf(nums[5 + k], sizeof nums[5 + k], "%d", sends[k]);
        if (csv) {
            cli_util_csv(stdout, rows[i].code, ',');
            cli_util_csv(stdout, rows[i].name, ',');
            for (int k = 0; k < 8; k++)
                cli_util_csv(stdout, nums[k], k == 7 ? '\n' : ',');
            continue;
        }
        cli_util_cell(stdout, rows[i].code, 12);
        cli_util_cell(stdout, rows[i].name, 42);
        printf("%9s %9s %9s %13s %12s %9s %12s %9s\n", nums[0], nums[1], nums[2], nums[3], nums[4],
               nums[5], nums[6], nums[7]);
    }
}

static int cli_deadlines_report(const char *config, const char *period, const char *format)
{
    struct app app;
    struct agencies_record *rows = calloc(CLI_DEADLINES_AGENCIES_MAX, sizeof *rows);
    int64_t from, to, now = clock_now_ms();
    int n = 0, csv = cli_util_format(format);
    char err[CALENDAR_ERR_MAX];
    int rc = !rows ? APP_EXIT_RUNTIME : csv < 0 ? 2 : cli_util_open(config, &app);
    if (rc != 0) {
        free(rows);
        return rc;
    }
    rc = cli_deadlines_period(period, now, &from, &to);
    if (rc != 0) {
        free(rows);
        app_free(&app);
        return rc;
    }
    rc = cli_util_begin(&app);
    if (rc == 0 && deadlines_sync(app.db, app.cfg, now, err, sizeof err) != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        rc = APP_EXIT_RUNTIME;
    }
    if (rc == 0 && agencies_report(app.db, from, to, calendar_today(now), rows,
                                   CLI_DEADLINES_AGENCIES_MAX, &n) != DB_OK)
        rc = APP_EXIT_RUNTIME;
    if (rc == 0)
        rc = cli_util_commit(&app);
    else
        db_rollback(app.db);
    if (rc == 0)
        cli_deadlines_print(rows, n, csv);
    free(rows);
    app_free(&app);
    return rc;
}

int cli_deadlines(const char *config, const struct cli_args *a)
{
    if (a->action && strcmp(a->action, "list") == 0 && !a->format)
        return cli_deadlines_list(config, a->period);
    if (a->action && strcmp(a->action, "report") == 0)
        return cli_deadlines_report(config, a->period, a->format);
    fprintf(stderr, "tipgate: usage: tipgate deadlines list [--period P] | tipgate deadlines "
                    "report [--period P] [--format table|csv] [--config FILE]\n");
    return 2;
}
