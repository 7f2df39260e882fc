/*
 * deadlines.h — agencies' plan and report deadlines (the calendars of calendar/calendar.h),
 * run by the scheduler from the one clock:
 *
 *   - reminders at the configured offsets before the due day (default 7, 3 and 1 days and on
 *     the day, at 08:00 local), then daily while overdue (up to overdue_max_days), to every
 *     chat of every responsible agency; a date on a weekend or holiday is said so, not moved;
 *   - after escalate_after_days overdue (default 3), one message to the steering committee
 *     listing who is late;
 *   - /danop <mã> (/done) records an agency's submission, on time or late, and stops its
 *     reminders; /hannop (/deadlines) lists its open deadlines with their codes.
 *
 * Configuration ("deadlines" section): remind_days, remind_time, overdue_max_days,
 * escalate_after_days, steering ({"platform", "chat_id"} or a list). The calendars are
 * calendar.files; the agencies come from handlers/agency.h.
 *
 * State lives in the database (storage/agencies.h): each (agency, dated deadline) remembers
 * the last reminder sent and when the next is due, so a restart catches up with one message
 * (the latest one due) and never repeats one. The calendar files are expanded into dated rows
 * at start and again each new local day (sync_marks remembers which day and process did it).
 */
#ifndef TIPGATE_DEADLINES_H
#define TIPGATE_DEADLINES_H

#include "handlers/agency.h"
#include "handlers/handler.h"

enum { DEADLINES_OFFSETS_MAX = 8, DEADLINES_STEERING_MAX = 4, DEADLINES_BATCH = 32 };

struct deadlines_days {
    int day[DEADLINES_OFFSETS_MAX]; /* days before the due day, descending */
    int n;
};

struct deadlines_chats {
    struct agency_chat chat[DEADLINES_STEERING_MAX];
    int n;
};

/* The "deadlines" section, read once at start through deadlines_settings. */
struct deadlines_rules {
    struct deadlines_days remind;
    int remind_minute; /* local minute of the day reminders go */
    int overdue_max_days;
    int escalate_after_days;
    struct deadlines_chats steering;
};

extern const struct router_table deadlines_commands;

/* The keys of the "deadlines" section, for the settings table (bot/app.c registers it). */
extern const struct cfg_block deadlines_settings;
/* The rules cfg_load read (NULL if deadlines_settings was not registered). */
const struct deadlines_rules *deadlines_rules(const struct cfg *cfg);
/* Everything this module reads at start: the rules, the agencies, the calendars and the
 * holidays. For `tipgate serve` to refuse a broken file at once. */
int deadlines_check_config(const struct cfg *cfg, char *err, size_t errlen);
/* Writes the configured agencies, expands the calendars into dated deadlines around now and
 * creates the missing tasks (caller's transaction). */
int deadlines_sync(struct db *db, const struct cfg *cfg, int64_t now_ms, char *err, size_t errlen);

/* The scheduler job. */
int deadlines_tick(struct hctx *ctx);

int deadlines_done(struct hctx *ctx);
int deadlines_list(struct hctx *ctx);

/* "Thứ Ba, 10/03/2026" (weekday names from the texts). */
void deadlines_day_text(const struct texts *t, int64_t day, char *out, size_t size);

#endif
