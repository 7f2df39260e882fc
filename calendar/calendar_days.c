/*
 * calendar_days.c — the bottom of the calendar module: civil-date arithmetic (Howard Hinnant's
 * days-from-civil, exact for every Gregorian date) and local times, the loaded holiday list,
 * and the helpers calendar_impl.h declares. Both calendar_rules.c and calendar.c stand on it;
 * it calls neither.
 */
#include "calendar/calendar_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- civil dates ------------------------------------------------------------------------ */

int64_t calendar_days(int y, int m, int d)
{
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void calendar_ymd(int64_t day, int *y, int *m, int *d)
{
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int calendar_weekday(int64_t day)
{
    int64_t w = (day + 4) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

int calendar_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : days[m - 1];
}

static int calendar_valid(int y, int m, int d)
{
    return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= calendar_month_days(y, m);
}

int calendar_parse_date(const char *s, int64_t *day)
{
    int y = 0, m = 0, d = 0, used = 0;
    if (!s)
        return -1;
    if (sscanf(s, "%d/%d/%d%n", &d, &m, &y, &used) != 3 &&
        sscanf(s, "%d-%d-%d%n", &y, &m, &d, &used) != 3)
        return -1;
    if (s[used] != '\0' || !calendar_valid(y, m, d))
        return -1;
    *day = calendar_days(y, m, d);
    return 0;
}

void calendar_format(int64_t day, char *out, size_t size)
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    snprintf(out, size, "%02d/%02d/%04d", d, m, y);
}

/* The period "2026-Q3" or "2026-H1" / "2026-6T" names; 0 or -1. */
static int calendar_period_part(const char *s, int64_t *from, int64_t *to)
{
    int y = 0, q = 0, used = -1, used_h = -1, used_6t = -1; /* %n: set only when all matched */
    int first = 0, last = 0;
    if (sscanf(s, "%d-Q%d%n", &y, &q, &used) == 2 && used > 0 && !s[used] && q >= 1 && q <= 4) {
        first = 3 * q - 2;
        last = 3 * q;
    } else if (sscanf(s, "%d-H%d%n", &y, &q, &used_h) == 2 && used_h > 0 && !s[used_h] && q >= 1 &&
               q <= 2) {
        first = 6 * q - 5;
        last = 6 * q;
    } else if (sscanf(s, "%d-6T%n", &y, &used_6t) == 1 && used_6t > 0 && !s[used_6t]) {
        first = 1;
        last = 6;
    } else {
        return -1;
    }
    if (y < 1900 || y > 9999)
        return -1;
    *from = calendar_days(y, first, 1);
    *to = calendar_days(y, last, calendar_month_days(y, last));
    return 0;
}

int calendar_period(const char *s, int64_t today, int64_t *from, int64_t *to)
{
    int y, m, d, used = 0;
    calendar_ymd(today, &y, &m, &d);
    if (!s || !*s) {
        *from = calendar_days(y, 1, 1);
        *to = calendar_days(y, 12, 31);
        return 0;
    }
    if (strcmp(s, "all") == 0) {
        *from = calendar_days(1900, 1, 1);
        *to = calendar_days(9999, 12, 31);
        return 0;
    }
    char a[16], b[16];
    if (sscanf(s, "%15[0-9/]-%15[0-9/]%n", a, b, &used) == 2 && !s[used] && strchr(a, '/'))
        return calendar_parse_date(a, from) || calendar_parse_date(b, to) || *from > *to ? -1 : 0;
    if (calendar_period_part(s, from, to) == 0)
        return 0;
    if (sscanf(s, "%d-%d%n", &y, &m, &used) == 2 && !s[used] && m >= 1 && m <= 12 && y >= 1900 &&
        y <= 9999) {
        *from = calendar_days(y, m, 1);
        *to = calendar_days(y, m, calendar_month_days(y, m));
        return 0;
    }
    if (sscanf(s, "%d%n", &y, &used) == 1 && !s[used] && y >= 1900 && y <= 9999) {
        *from = calendar_days(y, 1, 1);
        *to = calendar_days(y, 12, 31);
        return 0;
    }
    return -1;
}

/* day a year earlier; last: a month's last day stays its month's last day. */
static int64_t calendar_back_a_year(int64_t day, int last)
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    int n = calendar_month_days(y - 1, m);
    if (d > n || (last && d == calendar_month_days(y, m)))
        d = n;
    return calendar_days(y - 1, m, d);
}

void calendar_year_earlier(int64_t from, int64_t to, int64_t *pfrom, int64_t *pto)
{
    *pfrom = calendar_back_a_year(from, 0);
    *pto = calendar_back_a_year(to, 1);
}

int64_t calendar_today(int64_t now_ms)
{
    int64_t secs = now_ms >= 0 ? now_ms / 1000 : -((-now_ms + 999) / 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    localtime_r(&t, &tm);
    return calendar_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t calendar_at(int64_t day, int minute_of_day)
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = minute_of_day / 60;
    tm.tm_min = minute_of_day % 60;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

int calendar_parse_time(const char *s)
{
    int h = -1, m = -1, used = 0;
    if (!s || sscanf(s, "%d:%d%n", &h, &m, &used) != 2 || s[used] != '\0')
        return -1;
    return h >= 0 && h < 24 && m >= 0 && m < 60 ? h * 60 + m : -1;
}

/* ---- shared with calendar_rules.c ---------------------------------------------------------- */

void calendar__err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const struct calendar_deadline *calendar__find(const struct calendar *cal, const char *code)
{
    for (int i = 0; i < cal->n_deadlines; i++)
        if (strcmp(cal->deadlines[i].code, code) == 0)
            return &cal->deadlines[i];
    return NULL;
}

/* ---- holidays --------------------------------------------------------------------------- */

const char *calendar_holiday(const struct calendar *cal, int64_t day)
{
    int lo = 0, hi = cal ? cal->n_holidays - 1 : -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cal->holidays[mid].day == day)
            return cal->holidays[mid].name;
        if (cal->holidays[mid].day < day)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

int calendar_is_off(const struct calendar *cal, int64_t day)
{
    int w = calendar_weekday(day);
    return w == 0 || w == 6 || calendar_holiday(cal, day) != NULL;
}
