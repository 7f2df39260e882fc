/*
 * cli_util.c — see cli_util.h.
 */
#include "cli/cli_util.h"

#include "cli/cli_commands.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "handlers/campaign.h"
#include "handlers/deadlines.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cli_check_config(const struct cfg *cfg, char *err, size_t errlen)
{
    char why[CALENDAR_ERR_MAX] = "";
    if (deadlines_check_config(cfg, why, sizeof why) == 0 &&
        campaign_check_config(cfg, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s: %s", cfg->file ? cfg->file : "(defaults)", why);
    return -1;
}

int cli_util_open(const char *config, struct app *app)
{
    char err[1024];
    int rc = app_init(app, config, err, sizeof err);
    if (rc == 0 && cli_check_config(app->cfg, err, sizeof err) != 0)
        rc = APP_EXIT_CONFIG;
    if (rc != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        app_free(app);
    }
    return rc;
}

int cli_util_begin(struct app *app)
{
    if (db_begin(app->db) == DB_OK)
        return 0;
    fprintf(stderr, "tipgate: the database %s is busy or unreadable\n", app->cfg->storage_path);
    return APP_EXIT_RUNTIME;
}

int cli_util_commit(struct app *app)
{
    if (db_commit(app->db) == DB_OK)
        return 0;
    db_rollback(app->db);
    fprintf(stderr, "tipgate: cannot write to the database %s\n", app->cfg->storage_path);
    return APP_EXIT_RUNTIME;
}

int cli_util_parse_when(const char *s, int64_t now_ms, int64_t *out)
{
    char date[16];
    int h = 8, m = 0, used = 0;
    int64_t day;
    if (!s)
        return -1;
    if (strcmp(s, "now") == 0) {
        *out = now_ms;
        return 0;
    }
    if (sscanf(s, "%15s %d:%d%n", date, &h, &m, &used) == 3 && s[used] == '\0') {
        if (h < 0 || h > 23 || m < 0 || m > 59)
            return -1;
    } else if (sscanf(s, "%15s%n", date, &used) != 1 || s[used] != '\0') {
        return -1;
    }
    if (calendar_parse_date(date, &day) != 0)
        return -1;
    *out = calendar_at(day, h * 60 + m);
    return 0;
}

void cli_util_time(int64_t ms, char *out, size_t size)
{
    if (ms <= 0) {
        snprintf(out, size, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, size, "%H:%M %d/%m/%Y", &tm);
}

int cli_util_period(const char *s, int64_t today, int64_t *from, int64_t *to)
{
    return calendar_period(s, today, from, to);
}

void cli_util_cell(FILE *out, const char *s, int width)
{
    int n = 0;
    const char *p = s ? s : "";
    while (*p && n < width - 1) { /* one space always separates the columns */
        size_t len = 1;
        while (((unsigned char)p[len] & 0xC0) == 0x80)
            len++;
        fwrite(p, 1, len, out);
        p += len;
        n++;
    }
    for (; n < width; n++)
        fputc(' ', out);
}

void cli_util_csv(FILE *out, const char *s, char sep)
{
    s = s ? s : "";
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputc(sep, out);
}

int cli_util_format(const char *s)
{
    if (!s || strcmp(s, "table") == 0)
        return 0;
    if (strcmp(s, "csv") == 0)
        return 1;
    fprintf(stderr, "tipgate: --format must be table or csv (got \"%s\")\n", s);
    return -1;
}

void cli_util_progress(FILE *out, const char *label, int64_t done, int64_t total)
{
    enum { BAR = 30 };
    if (!isatty(fileno(out)))
        return;
    int filled = total > 0 ? (int)(BAR * done / total) : 0;
    char bar[BAR + 1];
    for (int i = 0; i < BAR; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR] = '\0';
    fprintf(out, "\r%s [%s] %lld/%lld (%lld%%)  ", label, bar, (long long)done, (long long)total,
            (long long)(total > 0 ? 100 * done / total : 0));
    fflush(out);
}
