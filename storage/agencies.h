/*
 * agencies.h — agencies, their chats, the dated deadlines expanded from the calendars, and what
 * each agency owes for each of them (a "task": the next reminder, the last one sent, the
 * submission). handlers/deadlines.c writes the dates from the calendar files and runs the
 * reminders; cli/cli_agency.c and cli/cli_deadlines.c read and write the same rows.
 *
 * Days are day numbers (days since 1970-01-01, local calendar; calendar/calendar.h); instants
 * are milliseconds from the application clock. Every function returns a db_status and runs in
 * the caller's transaction.
 */
#ifndef TIPGATE_AGENCIES_H
#define TIPGATE_AGENCIES_H

#include "storage/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    AGENCIES_CODE_MAX = 32,
    AGENCIES_NAME_MAX = 160,
    AGENCIES_KIND_MAX = 24,
    AGENCIES_TEXT_MAX = 400,
    AGENCIES_DATE_CODE_MAX = 40,
    AGENCIES_TARGETS_MAX = 256, /* targets of one dated deadline (a calendar's 512-byte list) */
    AGENCIES_CHATS_MAX = 16,    /* chats of one agency reached by a reminder */
};

struct agency {
    char code[AGENCIES_CODE_MAX];
    char name[AGENCIES_NAME_MAX];
    char kind[AGENCIES_KIND_MAX];
    char source[8]; /* "config" or "cli" */
    bool active;
    int64_t created_day;
    int n_chats, n_members;
};

struct agency_chat {
    char platform[16];
    char chat_id[64];
};

/* ---- agencies --------------------------------------------------------------------------- */

/* Creates or updates an agency (active again); today is the local day, from which on it owes
 * the deadlines its targets name. A 'cli' write never takes over an agency the configuration
 * defines. */
int agencies_upsert(struct db *db, const char *code, const char *name, const char *kind,
                    const char *source, int64_t today, int64_t now_ms);
/* Adds a chat (a duplicate is fine). */
int agencies_chat_add(struct db *db, const char *code, const char *platform, const char *chat_id,
                      const char *source, int64_t now_ms);
/* Before the configured agencies are written again: every 'config' agency inactive and its
 * configured chats gone (agencies_upsert brings back those still configured). */
int agencies_config_reset(struct db *db);
/* After a sync: open tasks of inactive agencies are dropped (they owe nothing any more). */
int agencies_drop_inactive_tasks(struct db *db);
/* DB_OK and *out, or DB_NOT_FOUND. */
int agencies_get(struct db *db, const char *code, struct agency *out);
/* The agency an enrolled member (role agency) belongs to: DB_OK and code, or DB_NOT_FOUND. */
int agencies_of_person(struct db *db, int64_t person_id, char code[AGENCIES_CODE_MAX]);
/* Every agency (active first, by code), up to max. */
int agencies_list(struct db *db, struct agency *out, int max, int *n);
/* The chats a message to the agency goes to: its reachable chats, else the private chats of
 * its enrolled, reachable members. Up to max. */
int agencies_chats(struct db *db, const char *code, struct agency_chat *out, int max, int *n);
/* Every chat of code, reachable or not (for listings). */
int agencies_chats_all(struct db *db, const char *code, struct agency_chat *out, int max, int *n);

/* ---- dated deadlines -------------------------------------------------------------------- */

struct agencies_date {
    char code[AGENCIES_DATE_CODE_MAX]; /* "BCQ1-2026" */
    char base[AGENCIES_CODE_MAX];      /* "BCQ" */
    char plan[AGENCIES_TEXT_MAX];
    char what[AGENCIES_TEXT_MAX];
    char submit_to[AGENCIES_TEXT_MAX];
    char note[AGENCIES_TEXT_MAX]; /* weekend / holiday / shift note, or "" */
    int64_t due_day, rule_day;
    int64_t escalate_at; /* when the late list goes to the steering committee */
};

/* Whom a dated deadline binds (table deadline_targets): every active agency, the agency whose
 * code is value, or every agency whose kind is value ("school"). */
enum agencies_target_kind { AGENCIES_TARGET_ALL, AGENCIES_TARGET_AGENCY, AGENCIES_TARGET_KIND };
struct agencies_target {
    enum agencies_target_kind kind;
    char value[AGENCIES_CODE_MAX]; /* "" for ALL */
};

/* Marks every date due on or after from_day inactive: the sync's upserts bring back those the
 * calendars still have. */
int agencies_dates_retire(struct db *db, int64_t from_day);
/* Writes one date (active) and its n targets (they replace the ones it had; n at most
 * AGENCIES_TARGETS_MAX). When its due day moved, its open tasks start their reminders afresh. */
int agencies_date_upsert(struct db *db, const struct agencies_date *d,
                         const struct agencies_target *targets, int n, int64_t now_ms);
/* Creates the missing tasks: every active date due on or after from_day, for every active
 * agency its targets name that existed on the due day; drops open tasks no longer targeted
 * or of retired dates. New tasks are due at once (next_at 0): the reminder job schedules them. */
int agencies_tasks_sync(struct db *db, int64_t from_day, int64_t now_ms);

/* A task with its date. */
struct agencies_task {
    int64_t date_id;
    char agency[AGENCIES_CODE_MAX];
    struct agencies_date date;
    bool has_last_slot;
    int last_slot; /* days from the due day of the last reminder sent (-7, 0, 2, …) */
    int64_t next_at;
    int64_t submitted_at; /* 0: not yet */
    int late_days;
};

/* Tasks whose next reminder is due (next_at <= now_ms), oldest first, up to max. */
int agencies_tasks_due(struct db *db, int64_t now_ms, struct agencies_task *out, int max, int *n);
/* Records the last reminder sent (has_slot false: none) and the next one (0: none left). */
int agencies_task_schedule(struct db *db, int64_t date_id, const char *agency, bool has_slot,
                           int slot, int64_t next_at);
/* The task of agency named by typed: a dated code ("BCQ1-2026"), or a deadline code ("BCQ")
 * meaning its earliest open date due by soon_day, else its latest submitted one, else its
 * next open one. Case-insensitive. DB_NOT_FOUND when none. */
int agencies_task_find(struct db *db, const char *agency, const char *typed, int64_t soon_day,
                       struct agencies_task *out);
/* Records the submission; no more reminders. */
int agencies_task_submit(struct db *db, int64_t date_id, const char *agency, int64_t person_id,
                         int late_days, int64_t now_ms);
/* The agency's open tasks, earliest due first, up to max. */
int agencies_tasks_open(struct db *db, const char *agency, struct agencies_task *out, int max,
                        int *n);

/* Dates whose escalation is due (escalate_at <= now_ms), up to max: id and code only. */
int agencies_escalations_due(struct db *db, int64_t now_ms, int64_t *ids, int max, int *n);
/* The date with this id. */
int agencies_date_get(struct db *db, int64_t id, struct agencies_date *out);
/* Agencies that have not submitted date_id (code and name), up to max. */
int agencies_late(struct db *db, int64_t date_id, struct agency *out, int max, int *n);
/* The escalation of date_id is done. */
int agencies_escalated(struct db *db, int64_t date_id, int64_t now_ms);

/* Whether the daily work name must run for token (calendar/calendar.h calendar_daily_token):
 * 1 and the token recorded, 0 when it ran with this token already, or DB_ERROR (-1). */
int agencies_sync_due(struct db *db, const char *name, const char *token);
/* The same question without writing: 1 when the daily work name has not run with token (a
 * scheduled job looks before it takes the write lock), 0 when it has, or DB_ERROR. */
int agencies_sync_pending(struct db *db, const char *name, const char *token);

/* A daily sync: writes what the files say into db; on failure returns non-zero with err set. */
typedef int (*agencies_sync_fn)(struct db *db, void *arg, char *err, size_t errlen);
/* The daily work name (the deadline calendars, the awareness calendar): run(db, arg, …) once
 * per token, inside a savepoint of the caller's transaction. Returns 1 when it ran, 0 when it
 * ran with this token already, DB_ERROR when it failed: err then says why, nothing the run
 * wrote remains, the token is recorded all the same (a file edited into an error is reported
 * once, not every second: it needs a fix), and the caller's transaction and savepoints go on
 * untouched. */
int agencies_sync_daily(struct db *db, const char *name, const char *token, agencies_sync_fn run,
                        void *arg, char *err, size_t errlen);

/* One agency's record over dates due within [from_day, to_day], judged on today. */
struct agencies_record {
    char code[AGENCIES_CODE_MAX];
    char name[AGENCIES_NAME_MAX];
    int on_time, late, missing, pending;
    /* The reminders of the period's deadlines (one message per agency chat): delivered, kept
     * back by the platform's messaging window (not a failure), failed. Counted while the
     * outbox keeps their rows. */
    int reminders_sent, reminders_outside_window, reminders_failed;
};

/* Records the outbox rows after_id < id <= last_id as reminders to agency of deadline date_id
 * (deadline_reminders), in the transaction that enqueued them. */
int agencies_reminders_record(struct db *db, int64_t date_id, const char *agency, int64_t after_id,
                              int64_t last_id);

/* Every active agency with tasks in the period (or any agency with a record there), by code. */
int agencies_report(struct db *db, int64_t from_day, int64_t to_day, int64_t today,
                    struct agencies_record *out, int max, int *n);

#endif
