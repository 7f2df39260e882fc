/*
 * fuzz_calendar.c — the deadline calendars as wards write them (calendar/):
 *   - an input that starts with '{' is a whole file: loaded as a plan (calendar_load_files with
 *     the shipped holiday list) and expanded over three years (calendar_expand: every rule,
 *     relative rules on their bases, shifts off holidays), then loaded as the holiday list
 *     beside a shipped plan;
 *   - any other input is one rule line ("quarterly 10 quarters Q1,Q3", calendar_rule_parse)
 *     and, when it parses, its days over three years (calendar_rule_days), which must lie in
 *     the range asked and number at most the room given (else abort: a crash to libFuzzer).
 * The campaigns file (config/campaigns.vi.json) writes its dates in the same rule syntax.
 */
#include "fuzz/fuzzlib.h"

#include "calendar/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { FUZZ_CAL_DAYS_MAX = 64 };

#define FUZZ_CAL_HOLIDAYS TIPGATE_SOURCE_DIR "/config/holidays.vi.json"
#define FUZZ_CAL_PLAN     TIPGATE_SOURCE_DIR "/config/calendars/chonthanh.json"

static int64_t fuzz_from, fuzz_to;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    setenv("TZ", "<+07>-7", 1);
    tzset();
    fuzz_from = calendar_days(2025, 1, 1);
    fuzz_to = calendar_days(2027, 12, 31);
    return 0;
}

static void fuzz_file(const uint8_t *data, size_t size)
{
    const char *path = fuzzlib_write("plan.json", data, size);
    if (!path)
        return;
    char err[CALENDAR_ERR_MAX];
    struct calendar *cal = NULL;
    const char *files[] = {path};
    if (calendar_load_files(files, 1, FUZZ_CAL_HOLIDAYS, &cal, err, sizeof err) == 0) {
        struct calendar_date *dates = NULL;
        size_t n = 0;
        if (calendar_expand(cal, fuzz_from, fuzz_to, &dates, &n, err, sizeof err) == 0)
            free(dates);
        calendar_free(cal);
    }
    cal = NULL;
    const char *plans[] = {FUZZ_CAL_PLAN};
    if (calendar_load_files(plans, 1, path, &cal, err, sizeof err) == 0) {
        for (int64_t day = fuzz_from; day <= fuzz_to; day += 7)
            calendar_is_off(cal, day);
        calendar_free(cal);
    }
}

static void fuzz_rule(const uint8_t *data, size_t size)
{
    char *line = fuzzlib_cstr(data, size), err[CALENDAR_ERR_MAX];
    struct calendar_rule r;
    int64_t days[FUZZ_CAL_DAYS_MAX];
    int years[FUZZ_CAL_DAYS_MAX], quarters[FUZZ_CAL_DAYS_MAX], months[FUZZ_CAL_DAYS_MAX];
    size_t n = 0;
    if (calendar_rule_parse(line, &r, err, sizeof err) == 0 &&
        calendar_rule_days(&r, fuzz_from, fuzz_to, days, years, quarters, months, FUZZ_CAL_DAYS_MAX,
                           &n) == 0) {
        if (n > FUZZ_CAL_DAYS_MAX) {
            fprintf(stderr, "fuzz_calendar: %zu days into room for %d: \"%s\"\n", n,
                    FUZZ_CAL_DAYS_MAX, line);
            abort();
        }
        for (size_t i = 0; i < n; i++)
            if (days[i] < fuzz_from || days[i] > fuzz_to || months[i] < 1 || months[i] > 12 ||
                quarters[i] < 1 || quarters[i] > 4) {
                fprintf(stderr, "fuzz_calendar: a day out of range from \"%s\"\n", line);
                abort();
            }
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == '{')
        fuzz_file(data, size);
    else
        fuzz_rule(data, size);
    return 0;
}
