/*
 * calendar_impl.h — private to the calendar module (calendar/calendar.c and
 * calendar/calendar_rules.c; the public API is calendar/calendar.h): the helpers both files use,
 * defined in calendar_days.c, and the bound on chains of relative rules, which the loader checks
 * and the expansion relies on. Shared functions are named calendar__*; everything else is static.
 */
#ifndef TIPGATE_CALENDAR_IMPL_H
#define TIPGATE_CALENDAR_IMPL_H

#include "calendar/calendar.h"

#include <stddef.h>

/* How many relative rules may stand between a deadline and the dated rule it counts from. */
enum { CALENDAR_DEPTH_MAX = 4 };

/* Writes the formatted message to err (errlen bytes, cut when full). */
void calendar__err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The loaded deadline with this code (as written, templates and all), or NULL. */
const struct calendar_deadline *calendar__find(const struct calendar *cal, const char *code);

#endif
