/*
 * fuzz_dates.c — dates, times and periods as operators and officers type them, each reader on
 * the same input: calendar_parse_date ("15/02/2026", "2026-02-15"), calendar_parse_time
 * ("08:00"), calendar_period ("2026-Q3", "2026-H1", "2026-6T", "2026-03",
 * "01/01/2026-30/06/2026", "all") and calendar_year_earlier on what it returns,
 * cli_util_parse_when (the CLI's "DD/MM/YYYY [HH:MM]" or "now") and meeting_parse_when (a
 * leader's "/meeting thứ 6 14h ..." in words, handlers/meeting.c), in Vietnam's time zone.
 *
 * Besides the sanitizers it checks what the readers promise: a date read is a real date that
 * prints and reads back the same, a time is a minute of the day, a period does not end before
 * it starts (nor does the same period a year earlier), and no reader claims more bytes than it
 * was given. A broken promise aborts, which libFuzzer reports as a crash.
 */
#include "fuzz/fuzzlib.h"

#include "calendar/calendar.h"
#include "cli/cli_util.h"
#include "handlers/meeting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t fuzz_today;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    setenv("TZ", "<+07>-7", 1); /* Asia/Ho_Chi_Minh, as app_init sets it without tzdata */
    tzset();
    fuzz_today = calendar_today(FUZZ_NOW_MS);
    return 0;
}

static void fuzz_require(int ok, const char *what, const char *input)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_dates: broken promise: %s, on \"%s\"\n", what, input);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzzlib_cstr(data, size);
    int64_t day = 0, from = 0, to = 0, pfrom = 0, pto = 0, at = 0;
    if (calendar_parse_date(s, &day) == 0) {
        char text[32];
        int64_t again = -1;
        calendar_format(day, text, sizeof text);
        fuzz_require(calendar_parse_date(text, &again) == 0 && again == day,
                     "a date read prints and reads back the same", s);
    }
    int minute = calendar_parse_time(s);
    fuzz_require(minute >= -1 && minute < 24 * 60, "a time is a minute of the day", s);
    if (calendar_period(s, fuzz_today, &from, &to) == 0) {
        fuzz_require(from <= to, "a period does not end before it starts", s);
        calendar_year_earlier(from, to, &pfrom, &pto);
        fuzz_require(pfrom <= pto, "nor does it a year earlier", s);
    }
    cli_util_parse_when(s, FUZZ_NOW_MS, &at);
    size_t used = meeting_parse_when(s, FUZZ_NOW_MS, &at);
    fuzz_require(used <= strlen(s), "meeting_parse_when uses at most what it was given", s);
    free(s);
    return 0;
}
