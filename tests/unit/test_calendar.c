/*
 * test_calendar.c — the calendar rules (calendar/calendar.h): civil dates, every rule kind,
 * month ends and leap years, quarters, relative dates, weekends and holidays (kept, or shifted
 * when asked), dated codes, and every deadline of the shipped calendars on its plan's date.
 */
#include "calendar/calendar.h"

#include "testlib.h"

#include <stdlib.h>
#include <time.h>

#define SHIPPED TIPGATE_SOURCE_DIR "/config/"

static int64_t D(int y, int m, int d)
{
    return calendar_days(y, m, d);
}

static const char *fmt(int64_t day)
{
    static char buf[4][16];
    static int i;
    i = (i + 1) % 4;
    calendar_format(day, buf[i], sizeof buf[i]);
    return buf[i];
}

/* The dates of one rule within [from, to], as "DD/MM/YYYY DD/MM/YYYY …". */
static const char *rule_dates(const char *rule, int64_t from, int64_t to)
{
    static char out[1024];
    struct calendar_rule r;
    char err[256];
    int64_t days[64];
    size_t n = 0, at = 0;
    out[0] = '\0';
    if (calendar_rule_parse(rule, &r, err, sizeof err) != 0) {
        snprintf(out, sizeof out, "error: %s", err);
        return out;
    }
    CHECK_INT(calendar_rule_days(&r, from, to, days, NULL, NULL, NULL, 64, &n), 0);
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(out + at, sizeof out - at, "%s%s", i ? " " : "", fmt(days[i]));
    return out;
}

static struct calendar *load_one(const char *json)
{
    const char *path = testlib_write("cal.json", json);
    const char *files[] = {path};
    struct calendar *cal = NULL;
    char err[CALENDAR_ERR_MAX] = "";
    if (calendar_load_files(files, 1, SHIPPED "holidays.vi.json", &cal, err, sizeof err) != 0)
        fprintf(stderr, "  load: %s\n", err);
    return cal;
}

static const char *load_error(const char *json)
{
    static char err[CALENDAR_ERR_MAX];
    const char *path = testlib_write("bad.json", json);
    const char *files[] = {path};
    struct calendar *cal = NULL;
    err[0] = '\0';
    CHECK_INT(calendar_load_files(files, 1, NULL, &cal, err, sizeof err), -1);
    CHECK(cal == NULL);
    calendar_free(cal);
    return err;
}

/* Every dated code with its due day, "CODE=DD/MM/YYYY …", for dates in [from, to]. */
static const char *expanded(const struct calendar *cal, int64_t from, int64_t to)
{
    static char out[4096];
    struct calendar_date *dates = NULL;
    size_t n = 0, at = 0;
    char err[CALENDAR_ERR_MAX] = "";
    out[0] = '\0';
    if (!cal || calendar_expand(cal, from, to, &dates, &n, err, sizeof err) != 0) {
        snprintf(out, sizeof out, "error: %s", err);
        return out;
    }
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(out + at, sizeof out - at, "%s%s=%s", i ? " " : "", dates[i].code,
                               fmt(dates[i].day));
    free(dates);
    return out;
}

static void test_calendar_civil_dates_round_trip_and_weekdays(void)
{
    for (int64_t day = D(1999, 12, 25); day < D(2031, 3, 1); day += 17) {
        int y, m, d;
        calendar_ymd(day, &y, &m, &d);
        CHECK_INT(calendar_days(y, m, d), day);
    }
    CHECK_INT(D(1970, 1, 1), 0);
    CHECK_INT(calendar_weekday(D(2026, 2, 15)), 0); /* a Sunday */
    CHECK_INT(calendar_weekday(D(2026, 9, 2)), 3);  /* a Wednesday */
    CHECK_INT(calendar_weekday(D(2027, 10, 30)), 6);
    CHECK_INT(calendar_month_days(2024, 2), 29);
    CHECK_INT(calendar_month_days(2026, 2), 28);
    CHECK_INT(calendar_month_days(2000, 2), 29);
    CHECK_INT(calendar_month_days(2100, 2), 28);
    int64_t day = 0;
    CHECK_INT(calendar_parse_date("15/02/2026", &day), 0);
    CHECK_INT(day, D(2026, 2, 15));
    CHECK_INT(calendar_parse_date("1/5/2026", &day), 0);
    CHECK_INT(day, D(2026, 5, 1));
    CHECK_INT(calendar_parse_date("2026-09-10", &day), 0);
    CHECK_INT(day, D(2026, 9, 10));
    CHECK_INT(calendar_parse_date("29/02/2026", &day), -1);
    CHECK_INT(calendar_parse_date("31/04/2026", &day), -1);
    CHECK_INT(calendar_parse_date("15/02/2026x", &day), -1);
    CHECK_INT(calendar_parse_time("08:00"), 480);
    CHECK_INT(calendar_parse_time("23:59"), 1439);
    CHECK_INT(calendar_parse_time("24:00"), -1);
    CHECK_INT(calendar_parse_time("8h"), -1);
}

/* The periods the plans report on, as a commander types them. */
static void test_calendar_periods_as_the_plans_name_them(void)
{
    int64_t from = 0, to = 0, pf = 0, pt = 0;
    int64_t today = D(2026, 12, 5);
    CHECK_INT(calendar_period("2026-Q1", today, &from, &to), 0);
    CHECK_INT(from, D(2026, 1, 1));
    CHECK_INT(to, D(2026, 3, 31));
    CHECK_INT(calendar_period("2026-Q3", today, &from, &to), 0);
    CHECK_INT(to, D(2026, 9, 30));
    CHECK_INT(calendar_period("2026-H1", today, &from, &to), 0);
    CHECK_INT(from, D(2026, 1, 1));
    CHECK_INT(to, D(2026, 6, 30));
    CHECK_INT(calendar_period("2026-H2", today, &from, &to), 0);
    CHECK_INT(from, D(2026, 7, 1));
    CHECK_INT(to, D(2026, 12, 31));
    CHECK_INT(calendar_period("2026-6T", today, &from, &to), 0);
    CHECK_INT(to, D(2026, 6, 30));
    CHECK_INT(calendar_period("2026", today, &from, &to), 0);
    CHECK_INT(to, D(2026, 12, 31));
    CHECK_INT(calendar_period("2024-02", today, &from, &to), 0);
    CHECK_INT(to, D(2024, 2, 29));
    CHECK_INT(calendar_period("01/01/2026-30/06/2026", today, &from, &to), 0);
    CHECK_INT(from, D(2026, 1, 1));
    CHECK_INT(to, D(2026, 6, 30));
    CHECK_INT(calendar_period("", today, &from, &to), 0);
    CHECK_INT(from, D(2026, 1, 1));
    CHECK_INT(calendar_period("2026-Q5", today, &from, &to), -1);
    CHECK_INT(calendar_period("2026-H3", today, &from, &to), -1);
    CHECK_INT(calendar_period("30/06/2026-01/01/2026", today, &from, &to), -1);
    CHECK_INT(calendar_period("quý 1", today, &from, &to), -1);
    /* A year earlier: the same days, a leap day and a month's end kept as such. */
    calendar_year_earlier(D(2026, 1, 1), D(2026, 3, 31), &pf, &pt);
    CHECK_INT(pf, D(2025, 1, 1));
    CHECK_INT(pt, D(2025, 3, 31));
    calendar_year_earlier(D(2025, 2, 1), D(2025, 2, 28), &pf, &pt);
    CHECK_INT(pt, D(2024, 2, 29));
    calendar_year_earlier(D(2024, 2, 29), D(2024, 2, 29), &pf, &pt);
    CHECK_INT(pf, D(2023, 2, 28));
    CHECK_INT(pt, D(2023, 2, 28));
}

static void test_calendar_local_times_follow_the_zone(void)
{
    setenv("TZ", "Asia/Ho_Chi_Minh", 1);
    tzset();
    /* 08:00 in Vietnam is 01:00 UTC. */
    CHECK_INT(calendar_at(D(2026, 2, 8), 480), (int64_t)D(2026, 2, 8) * 86400000 + 3600000);
    CHECK_INT(calendar_today((int64_t)D(2026, 2, 8) * 86400000 - 3600000), D(2026, 2, 8));
    CHECK_INT(calendar_today((int64_t)D(2026, 2, 8) * 86400000 + 17 * 3600000), D(2026, 2, 9));
}

static void test_calendar_once_and_dates(void)
{
    CHECK_STR(rule_dates("once 15/02/2026", D(2026, 1, 1), D(2026, 12, 31)), "15/02/2026");
    CHECK_STR(rule_dates("once 15/02/2026", D(2026, 3, 1), D(2026, 12, 31)), "");
    CHECK_STR(rule_dates("dates 06/02/2027 17/02/2026", D(2026, 1, 1), D(2027, 12, 31)),
              "17/02/2026 06/02/2027");
}

static void test_calendar_yearly_and_leap_years(void)
{
    CHECK_STR(rule_dates("yearly 10/12", D(2026, 1, 1), D(2028, 12, 31)),
              "10/12/2026 10/12/2027 10/12/2028");
    CHECK_STR(rule_dates("yearly 29/02", D(2023, 1, 1), D(2025, 12, 31)),
              "28/02/2023 29/02/2024 28/02/2025");
    CHECK_STR(rule_dates("yearly 29/02", D(2100, 1, 1), D(2100, 12, 31)), "28/02/2100");
    CHECK_STR(rule_dates("yearly 29/02", D(2000, 1, 1), D(2000, 12, 31)), "29/02/2000");
}

static void test_calendar_monthly_month_ends(void)
{
    CHECK_STR(rule_dates("monthly last months 1-4", D(2024, 1, 1), D(2024, 12, 31)),
              "31/01/2024 29/02/2024 31/03/2024 30/04/2024");
    CHECK_STR(rule_dates("monthly 31 months 2,4,6", D(2026, 1, 1), D(2026, 12, 31)),
              "28/02/2026 30/04/2026 30/06/2026");
    CHECK_STR(rule_dates("monthly 10 months 3,9", D(2026, 1, 1), D(2026, 12, 31)),
              "10/03/2026 10/09/2026");
}

static void test_calendar_quarters(void)
{
    CHECK_STR(rule_dates("quarterly 10 quarters Q1,Q3", D(2026, 1, 1), D(2026, 12, 31)),
              "10/03/2026 10/09/2026");
    CHECK_STR(rule_dates("quarterly last quarters 1-4", D(2026, 1, 1), D(2026, 12, 31)),
              "31/03/2026 30/06/2026 30/09/2026 31/12/2026");
    CHECK_STR(rule_dates("quarterly 31 quarters q2,q3", D(2026, 1, 1), D(2026, 12, 31)),
              "30/06/2026 30/09/2026");
}

static void test_calendar_rule_errors_say_what_was_expected(void)
{
    const char *bad[] = {"weekly 3",
                         "yearly 31/02",
                         "yearly 10",
                         "monthly 10 months 13",
                         "monthly 0 months 1",
                         "quarterly 10 quarters Q5",
                         "quarterly 10 months 3",
                         "once 30/02/2026",
                         "once 01/01/2026 02/01/2026",
                         "relative X 5d",
                         "relative X +5",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct calendar_rule r;
        char err[256] = "";
        CHECK_INT(calendar_rule_parse(bad[i], &r, err, sizeof err), -1);
        CHECK(err[0] != '\0');
    }
    struct calendar_rule r;
    char err[256] = "";
    calendar_rule_parse("monthly 10 months 13", &r, err, sizeof err);
    CHECK(strstr(err, "monthly DAY|last months") != NULL);
}

static void test_calendar_relative_dates(void)
{
    struct calendar *cal =
        load_one("{\"plan\": \"P\", \"deadlines\": ["
                 "{\"code\": \"KQ\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"yearly 15/09\"},"
                 "{\"code\": \"TH\", \"who\": [\"CA\"], \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"relative KQ +45d\"},"
                 "{\"code\": \"CB\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"relative TH -7d\"}]}");
    CHECK(cal != NULL);
    CHECK_STR(expanded(cal, D(2026, 1, 1), D(2026, 12, 31)),
              "KQ-2026=15/09/2026 CB-2026=23/10/2026 TH-2026=30/10/2026");
    /* Near the window's edge the base date outside it still yields the relative one. */
    CHECK_STR(expanded(cal, D(2026, 10, 1), D(2026, 10, 31)),
              "CB-2026=23/10/2026 TH-2026=30/10/2026");
    calendar_free(cal);
}

static void test_calendar_weekends_and_holidays_kept_unless_shift_asked(void)
{
    struct calendar *cal =
        load_one("{\"plan\": \"P\", \"deadlines\": ["
                 "{\"code\": \"A\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"once 15/02/2026\"},"
                 "{\"code\": \"B\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"once 15/02/2026\", \"shift\": \"before\"},"
                 "{\"code\": \"C\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"once 15/02/2026\", \"shift\": \"after\"},"
                 "{\"code\": \"E\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"once 02/09/2026\", \"shift\": \"before\"}]}");
    CHECK(cal != NULL);
    if (!cal)
        return;
    /* 15/02/2026 is a Sunday; 16–20/02 is Tết; 21–22/02 a weekend; 01–02/09 Quốc khánh. */
    CHECK_STR(expanded(cal, D(2026, 1, 1), D(2026, 12, 31)),
              "B=13/02/2026 A=15/02/2026 C=23/02/2026 E=31/08/2026");
    CHECK(calendar_is_off(cal, D(2026, 2, 15)));
    CHECK(calendar_holiday(cal, D(2026, 2, 15)) == NULL);
    CHECK_STR(calendar_holiday(cal, D(2026, 2, 17)), "Tết Nguyên đán Bính Ngọ");
    CHECK_STR(calendar_holiday(cal, D(2026, 5, 1)), "Ngày Quốc tế Lao động");
    CHECK_STR(calendar_holiday(cal, D(2026, 9, 2)), "Quốc khánh");
    CHECK_STR(calendar_holiday(cal, D(2026, 4, 26)), "Giỗ Tổ Hùng Vương (10/3 âm lịch)");
    CHECK_STR(calendar_holiday(cal, D(2026, 1, 1)), "Tết Dương lịch");
    CHECK(!calendar_is_off(cal, D(2026, 3, 10)));
    calendar_free(cal);
}

static void test_calendar_codes_from_templates_and_unique(void)
{
    struct calendar *cal =
        load_one("{\"plan\": \"P\", \"deadlines\": ["
                 "{\"code\": \"KH{yyyy}\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"yearly 15/02\"},"
                 "{\"code\": \"BCT\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"monthly 20 months 11-12\"},"
                 "{\"code\": \"Q{q}Y{yy}\", \"who\": \"all\", \"what\": \"w\", \"to\": \"t\", "
                 "\"rule\": \"quarterly 1 quarters 4\"}]}");
    CHECK_STR(expanded(cal, D(2026, 10, 1), D(2027, 2, 28)),
              "BCT11-2026=20/11/2026 Q4Y26=01/12/2026 BCT12-2026=20/12/2026 KH2027=15/02/2027");
    calendar_free(cal);
    cal = load_one("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"X\", \"who\": \"all\", "
                   "\"what\": \"w\", \"to\": \"t\", \"rule\": \"dates 01/03/2026 01/09/2026\"}]}");
    CHECK(strstr(expanded(cal, D(2026, 1, 1), D(2026, 12, 31)), "two dates get the code X-2026"));
    calendar_free(cal);
}

static void test_calendar_file_errors_name_the_key(void)
{
    CHECK(strstr(load_error("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"A\", \"who\": "
                            "\"all\", \"what\": \"w\", \"to\": \"t\", \"rule\": \"once "
                            "01/01/2026\", \"shfit\": \"before\"}]}"),
                 "deadlines[0].shfit: unknown key"));
    CHECK(strstr(load_error("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"a b\", \"who\": "
                            "\"all\", \"what\": \"w\", \"to\": \"t\", \"rule\": \"once "
                            "01/01/2026\"}]}"),
                 "deadlines[0].code"));
    CHECK(strstr(load_error("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"A\", \"who\": "
                            "\"some\", \"what\": \"w\", \"to\": \"t\", \"rule\": \"once "
                            "01/01/2026\"}]}"),
                 "deadlines[0].who"));
    CHECK(
        strstr(load_error("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"A\", \"who\": "
                          "\"all\", \"what\": \"w\", \"to\": \"t\", \"rule\": \"fortnightly\"}]}"),
               "deadlines[0].rule: \"fortnightly\": a rule starts with"));
    CHECK(strstr(load_error("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"A\", \"who\": "
                            "\"all\", \"what\": \"w\", \"to\": \"t\", \"rule\": \"relative B "
                            "+3d\"}]}"),
                 "no deadline has that code"));
    CHECK(strstr(load_error("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"A\", \"who\": "
                            "\"all\", \"what\": \"w\", \"to\": \"t\", \"rule\": \"relative B "
                            "+3d\"}, {\"code\": \"B\", \"who\": \"all\", \"what\": \"w\", \"to\": "
                            "\"t\", \"rule\": \"relative A -3d\"}]}"),
                 "cycle"));
    CHECK(strstr(load_error("{\"deadlines\": []}"), "needs \"plan\""));
    CHECK(strstr(load_error("{\"plan\": \"P\", \"deadlines\": [{\"code\": \"A\", \"who\": "
                            "\"all\", \"what\": \"w\", \"to\": \"t\", \"rule\": \"once "
                            "01/01/2026\"}, {\"code\": \"A\", \"who\": \"all\", \"what\": \"w\", "
                            "\"to\": \"t\", \"rule\": \"once 01/02/2026\"}]}"),
                 "used twice"));
}

static struct calendar *shipped(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, SHIPPED "calendars/%s", name);
    const char *files[] = {path};
    struct calendar *cal = NULL;
    char err[CALENDAR_ERR_MAX] = "";
    CHECK_INT(calendar_load_files(files, 1, SHIPPED "holidays.vi.json", &cal, err, sizeof err), 0);
    if (err[0])
        fprintf(stderr, "  %s: %s\n", name, err);
    return cal;
}

/* Chơn Thành: plans before 15/02/2026; Q1 and Q3 before the 10th of the quarter's last month;
 * 6 months before 10/06; the year before 10/12. */
static void test_calendar_shipped_chonthanh(void)
{
    struct calendar *cal = shipped("chonthanh.json");
    CHECK_STR(expanded(cal, D(2026, 1, 1), D(2026, 12, 31)),
              "KH2026=15/02/2026 BCQ1-2026=10/03/2026 BC6T-2026=10/06/2026 "
              "BCQ3-2026=10/09/2026 BCNAM-2026=10/12/2026");
    CHECK_STR(expanded(cal, D(2027, 1, 1), D(2027, 12, 31)),
              "BCQ1-2027=10/03/2027 BC6T-2027=10/06/2027 BCQ3-2027=10/09/2027 "
              "BCNAM-2027=10/12/2027");
    CHECK_STR(expanded(cal, D(2025, 1, 1), D(2025, 12, 31)), "");
    if (cal) {
        CHECK_STR(cal->deadlines[0].targets, "*");
        CHECK_STR(cal->deadlines[0].to, "UBND phường (qua Công an phường)");
    }
    calendar_free(cal);
}

static void test_calendar_shipped_chiemhoa(void)
{
    struct calendar *cal = shipped("chiemhoa.json");
    CHECK_STR(expanded(cal, D(2026, 1, 1), D(2027, 12, 31)), "KHCH2026=01/05/2026");
    if (cal)
        CHECK(calendar_holiday(cal, D(2026, 5, 1)) != NULL); /* the reminder will say so */
    calendar_free(cal);
}

static void test_calendar_shipped_minhxuan(void)
{
    struct calendar *cal = shipped("minhxuan.json");
    CHECK_STR(expanded(cal, D(2026, 1, 1), D(2026, 12, 31)),
              "BCKQ-2026=15/09/2026 BCPH-2026=30/10/2026");
    CHECK_STR(expanded(cal, D(2030, 1, 1), D(2031, 12, 31)),
              "BCKQ-2030=15/09/2030 BCPH-2030=30/10/2030");
    if (cal)
        CHECK_STR(cal->deadlines[1].targets, ",CA,");
    calendar_free(cal);
}

static void test_calendar_shipped_thuynguyen_template(void)
{
    struct calendar *cal = shipped("thuynguyen.json");
    CHECK_STR(expanded(cal, D(2026, 10, 1), D(2026, 12, 31)),
              "BCT10-2026=20/10/2026 BCTNNAM-2026=15/11/2026 BCT11-2026=20/11/2026 "
              "BCT12-2026=20/12/2026");
    calendar_free(cal);
}

/* Every shipped calendar loads together: codes do not collide. */
static void test_calendar_shipped_all_together(void)
{
    const char *files[] = {SHIPPED "calendars/chonthanh.json", SHIPPED "calendars/chiemhoa.json",
                           SHIPPED "calendars/minhxuan.json", SHIPPED "calendars/thuynguyen.json"};
    struct calendar *cal = NULL;
    char err[CALENDAR_ERR_MAX] = "";
    CHECK_INT(calendar_load_files(files, 4, SHIPPED "holidays.vi.json", &cal, err, sizeof err), 0);
    CHECK(strstr(expanded(cal, D(2026, 1, 1), D(2026, 12, 31)), "error") == NULL);
    calendar_free(cal);
}

TESTLIB_MAIN(T(test_calendar_civil_dates_round_trip_and_weekdays),
             T(test_calendar_periods_as_the_plans_name_them),
             T(test_calendar_local_times_follow_the_zone), T(test_calendar_once_and_dates),
             T(test_calendar_yearly_and_leap_years), T(test_calendar_monthly_month_ends),
             T(test_calendar_quarters), T(test_calendar_rule_errors_say_what_was_expected),
             T(test_calendar_relative_dates),
             T(test_calendar_weekends_and_holidays_kept_unless_shift_asked),
             T(test_calendar_codes_from_templates_and_unique),
             T(test_calendar_file_errors_name_the_key), T(test_calendar_shipped_chonthanh),
             T(test_calendar_shipped_chiemhoa), T(test_calendar_shipped_minhxuan),
             T(test_calendar_shipped_thuynguyen_template), T(test_calendar_shipped_all_together))
