/*
 * calendar.h — dates as the plans write them: the rule syntax of the deadline calendars
 * (config/calendars/<plan>.json) and the awareness campaigns (config/campaigns.vi.json), the
 * holiday list (config/holidays.vi.json), and the civil-date arithmetic both need.
 *
 * A rule is one line of text, so a ward edits it without learning JSON structures:
 *
 *   once 15/02/2026                 one date
 *   dates 17/02/2026 06/02/2027     several one-off dates (Tết moves every year)
 *   yearly 10/12                    every year; 29/02 is 28/02 in common years
 *   monthly 10 months 3,9           a day of the listed months (1-12 ranges allowed);
 *                                   "last" or a day past the month's end is its last day
 *   quarterly 10 quarters Q1,Q3     a day of the last month of each listed quarter
 *   relative BC6T +45d              45 days after (-45d: before) each date of deadline BC6T
 *
 * A date is a day number (days since 1970-01-01, proleptic Gregorian), so adding days and
 * comparing are plain integer operations; local wall-clock times come from calendar_at(), which
 * uses mktime in the configured zone (TZ is set from the configuration at start). Nothing here
 * reads the clock: callers pass now_ms from base/clock.h.
 *
 * Rules are never moved silently: a date that falls on a weekend or a holiday keeps its day
 * (the reminder says so) unless the deadline asks for "shift": "before" or "after".
 */
#ifndef TIPGATE_CALENDAR_H
#define TIPGATE_CALENDAR_H

#include "config/config.h"

#include <stddef.h>
#include <stdint.h>

enum {
    CALENDAR_CODE_MAX = 24,       /* a deadline's code as written ("BCQ", "KH2026") */
    CALENDAR_DATE_CODE_MAX = 40,  /* a dated code ("BCQ1-2026") */
    CALENDAR_TEXT_MAX = 400,      /* what, to whom, the plan's name */
    CALENDAR_TARGETS_MAX = 512,   /* ",CA,QS,kind:school," */
    CALENDAR_DATES_MAX = 16,      /* dates of a "dates" rule */
    CALENDAR_DEADLINES_MAX = 256, /* over every loaded calendar */
    CALENDAR_HOLIDAYS_MAX = 256,  /* days in the holiday list */
    CALENDAR_FILES_MAX = 16,
    CALENDAR_ERR_MAX = 512,
    CALENDAR_TOKEN_MAX = 1200, /* calendar_daily_token */
};

enum calendar_kind {
    CALENDAR_ONCE,
    CALENDAR_DATES,
    CALENDAR_YEARLY,
    CALENDAR_MONTHLY,
    CALENDAR_QUARTERLY,
    CALENDAR_RELATIVE,
};

enum calendar_shift { CALENDAR_SHIFT_NONE, CALENDAR_SHIFT_BEFORE, CALENDAR_SHIFT_AFTER };

struct calendar_rule {
    enum calendar_kind kind;
    int day;         /* 1..31; 0 = the last day of the month */
    int month;       /* yearly */
    unsigned months; /* monthly: bit m-1; quarterly: bit q-1 */
    int64_t dates[CALENDAR_DATES_MAX];
    int n_dates;
    char base[CALENDAR_CODE_MAX]; /* relative */
    int offset_days;              /* relative */
};

struct calendar_deadline {
    char code[CALENDAR_CODE_MAX]; /* may hold {yyyy} {q} {mm} */
    char plan[CALENDAR_TEXT_MAX];
    char what[CALENDAR_TEXT_MAX];
    char to[CALENDAR_TEXT_MAX];
    char targets[CALENDAR_TARGETS_MAX]; /* "*" or ",CODE,kind:KIND," */
    struct calendar_rule rule;
    int64_t from_day, until_day; /* bounds of recurring rules (INT64_MIN / INT64_MAX: none) */
    enum calendar_shift shift;
};

struct calendar_holiday {
    int64_t day;
    char name[96];
};

/* Everything the loaded calendar files and the holiday list say; read-only once loaded. */
struct calendar {
    struct calendar_deadline *deadlines; /* owned */
    int n_deadlines, cap_deadlines;
    struct calendar_holiday *holidays; /* owned, sorted by day */
    int n_holidays, cap_holidays;
};

/* One dated occurrence of a deadline. */
struct calendar_date {
    char code[CALENDAR_DATE_CODE_MAX]; /* "BCQ1-2026" */
    const struct calendar_deadline *deadline;
    int64_t day;              /* the due day (after a requested shift) */
    int64_t rule_day;         /* what the rule says */
    int year, quarter, month; /* the period the code names */
};

/* ---- civil dates ------------------------------------------------------------------------ */

int64_t calendar_days(int y, int m, int d);
void calendar_ymd(int64_t day, int *y, int *m, int *d);
int calendar_weekday(int64_t day); /* 0 Sunday … 6 Saturday */
int calendar_month_days(int y, int m);
/* "15/02/2026" (also "15/2/2026" and "2026-02-15"); 0, or -1 when it is not a real date. */
int calendar_parse_date(const char *s, int64_t *day);
/* "15/02/2026". */
void calendar_format(int64_t day, char *out, size_t size);
/* The local day of an instant, and the instant of a local day at minute_of_day (DST-safe). */
int64_t calendar_today(int64_t now_ms);
int64_t calendar_at(int64_t day, int minute_of_day);
/* "08:00" → 480; -1 when malformed. */
int calendar_parse_time(const char *s);
/* A period of days as operators and the plans name it: "2026", "2026-Q3", "2026-H1" (also
 * "2026-6T": a plan's six months), "2026-03", "01/01/2026-30/06/2026", "all"; NULL or "" is
 * the year of today. [*from, *to] inclusive. 0, or -1 when it names no period. */
int calendar_period(const char *s, int64_t today, int64_t *from, int64_t *to);
/* The same days a year earlier: 29/02 becomes 28/02, and a period ending on its month's last
 * day ends on that month's last day a year earlier. */
void calendar_year_earlier(int64_t from, int64_t to, int64_t *pfrom, int64_t *pto);

/* ---- rules ------------------------------------------------------------------------------ */

/* Parses one rule line; err names what is wrong. */
int calendar_rule_parse(const char *text, struct calendar_rule *r, char *err, size_t errlen);
/* The days of a rule other than "relative" within [from, to], ascending, up to max. The
 * period (year, quarter, month) each day names goes into the optional arrays. */
int calendar_rule_days(const struct calendar_rule *r, int64_t from, int64_t to, int64_t *days,
                       int *years, int *quarters, int *months, size_t max, size_t *n);

/* ---- calendars -------------------------------------------------------------------------- */

/* Loads calendar.files and calendar.holidays of cfg (relative paths: next to the config file,
 * then in the shipped data). *out is owned by the caller (calendar_free). */
int calendar_load(const struct cfg *cfg, struct calendar **out, char *err, size_t errlen);
/* The same from explicit files (tests, tools); holidays may be NULL. */
int calendar_load_files(const char *const *files, size_t n, const char *holidays,
                        struct calendar **out, char *err, size_t errlen);
void calendar_free(struct calendar *cal);

/* Every dated occurrence due within [from, to], sorted by day then code. *out is a new array
 * (free()); dates point into cal. */
int calendar_expand(const struct calendar *cal, int64_t from, int64_t to,
                    struct calendar_date **out, size_t *n, char *err, size_t errlen);

/* The holiday's name on day, or NULL. */
const char *calendar_holiday(const struct calendar *cal, int64_t day);
/* 1 when day is a Saturday, a Sunday or a holiday. */
int calendar_is_off(const struct calendar *cal, int64_t day);

/* A token naming "this configuration, in this process, on this local day": daily work (the
 * calendar syncs) stores it in the database when done (storage/agencies.h,
 * agencies_sync_due), so it runs again on a new day, after every start, and after a tick
 * that rolled back — never twice in a day otherwise. */
void calendar_daily_token(const struct cfg *cfg, int64_t today, char *out, size_t size);

/* Finds path as the configuration finds its files: absolute, next to the config file, in the
 * shipped data, or in its config/ directory. 0 and out filled, or -1 (out names the first try). */
int calendar_find_file(const struct cfg *cfg, const char *path, char *out, size_t size);

#endif
