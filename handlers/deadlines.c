/*
 * deadlines.c — see deadlines.h. The reminders of one (agency, dated deadline) are a list of
 * slots — days relative to the due day: -7, -3, -1, 0, then 1 … overdue_max_days — each at
 * remind_time local. A task remembers the last slot sent and the instant of the next; at a
 * tick the latest slot already due is sent (only that one: after a long downtime the agency
 * gets "overdue 4 days", not five stale reminders) and the next instant is stored with it in
 * the same transaction.
 *
 * Rejected: a row per reminder sent (like tips' reminders) — the slots depend on the
 * configuration, and a changed list would have to be reconciled with rows already written.
 */
#include "handlers/deadlines.h"

#include "base/log.h"
#include "calendar/calendar.h"
#include "storage/db_writes.h"
#include "storage/agencies.h"
#include "storage/outbox.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    DEADLINES_TEXT_MAX = 8192,
    DEADLINES_LATE_MAX = 64,
    DEADLINES_LIST_MAX = 8,
    DEADLINES_PAST_DAYS = 366,
    DEADLINES_AHEAD_DAYS = 400,
    DEADLINES_SOON_DAYS = 31, /* "/danop BCQ" means the one due within a month, if open */
};

/* ---- rules ------------------------------------------------------------------------------ */

/* remind_days: up to DEADLINES_OFFSETS_MAX distinct days 0-365, kept descending. */
static int deadlines_offsets(json_t *v, void *slot, char *why, size_t whylen)
{
    static const int defaults[] = {7, 3, 1, 0};
    struct deadlines_days *r = slot;
    size_t i;
    json_t *d;
    r->n = 0;
    if (!v) {
        memcpy(r->day, defaults, sizeof defaults);
        r->n = 4;
        return 0;
    }
    snprintf(why, whylen, "must be a list of up to %d distinct days 0-365", DEADLINES_OFFSETS_MAX);
    if (!json_is_array(v) || json_array_size(v) > DEADLINES_OFFSETS_MAX)
        return -1;
    json_array_foreach(v, i, d)
    {
        if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 365)
            return -1;
        r->day[r->n++] = (int)json_integer_value(d);
    }
    for (int a = 1; a < r->n; a++) /* descending, no repeats */
        for (int b = a; b > 0 && r->day[b - 1] <= r->day[b]; b--) {
            if (r->day[b - 1] == r->day[b])
                return -1;
            int t = r->day[b];
            r->day[b] = r->day[b - 1];
            r->day[b - 1] = t;
        }
    return 0;
}

/* steering: {"platform", "chat_id"} or a list of up to DEADLINES_STEERING_MAX of them. */
static int deadlines_steering(json_t *v, void *slot, char *why, size_t whylen)
{
    static const char *const keys[] = {"platform", "chat_id", NULL};
    struct deadlines_chats *r = slot;
    char unknown[CALENDAR_ERR_MAX];
    json_t *one = json_is_object(v) ? v : NULL;
    r->n = 0;
    if (!v)
        return 0;
    snprintf(why, whylen, "must be {\"platform\", \"chat_id\"} or a list of up to %d",
             DEADLINES_STEERING_MAX);
    if (!one && (!json_is_array(v) || json_array_size(v) > DEADLINES_STEERING_MAX))
        return -1;
    for (size_t i = 0; i < (one ? 1 : json_array_size(v)); i++) {
        json_t *c = one ? one : json_array_get(v, i);
        const char *platform = json_string_value(json_object_get(c, "platform"));
        const char *chat = json_string_value(json_object_get(c, "chat_id"));
        char spec[128];
        if (!platform || !chat || cfg_known_keys(c, keys, "steering", unknown, sizeof unknown))
            return -1;
        snprintf(spec, sizeof spec, "%s:%s", platform, chat);
        if (agency_parse_chat(spec, &r->chat[r->n]) != 0)
            return -1;
        r->n++;
    }
    return 0;
}

#define DL_OFF(field) offsetof(struct deadlines_rules, field)
/* The keys of the "deadlines" section (README: Configuration). */
static const struct cfg_spec deadlines_spec[] = {
    {"remind_days", CFG_CUSTOM, DL_OFF(remind), NULL, 0, 0, 0, NULL, deadlines_offsets},
    {"remind_time", CFG_TIME, DL_OFF(remind_minute), "08:00", 0, 0, 0, NULL, NULL},
    {"overdue_max_days", CFG_INT, DL_OFF(overdue_max_days), NULL, 30, 0, 365, NULL, NULL},
    {"escalate_after_days", CFG_INT, DL_OFF(escalate_after_days), NULL, 3, 1, 365, NULL, NULL},
    {"steering", CFG_CUSTOM, DL_OFF(steering), NULL, 0, 0, 0, NULL, deadlines_steering},
};

const struct cfg_block deadlines_settings = {
    .prefix = "deadlines",
    .spec = deadlines_spec,
    .n_spec = sizeof deadlines_spec / sizeof deadlines_spec[0],
    .size = sizeof(struct deadlines_rules),
    .strict = true,
};

const struct deadlines_rules *deadlines_rules(const struct cfg *cfg)
{
    return cfg_settings(cfg, &deadlines_settings);
}

int deadlines_check_config(const struct cfg *cfg, char *err, size_t errlen)
{
    struct calendar *cal = NULL;
    if (!deadlines_rules(cfg)) {
        snprintf(err, errlen, "deadlines: settings not registered (app_register_settings)");
        return -1;
    }
    if (agency_config_check(cfg, err, errlen) != 0 || calendar_load(cfg, &cal, err, errlen) != 0)
        return -1;
    calendar_free(cal);
    return 0;
}

/* ---- sync ------------------------------------------------------------------------------- */

/* "KH{yyyy}" → "KH": the code people may type for "the next one". */
static void deadlines_base(const char *code, char *out, size_t size)
{
    size_t at = 0;
    for (const char *p = code; *p && at + 1 < size; p++) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (close) {
                p = close;
                continue;
            }
        }
        out[at++] = *p;
    }
    out[at] = '\0';
}

static void deadlines_date_row(const struct calendar *cal, const struct calendar_date *cd,
                               const struct deadlines_rules *r, struct agencies_date *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->code, sizeof d->code, "%s", cd->code);
    deadlines_base(cd->deadline->code, d->base, sizeof d->base);
    snprintf(d->plan, sizeof d->plan, "%s", cd->deadline->plan);
    snprintf(d->what, sizeof d->what, "%s", cd->deadline->what);
    snprintf(d->submit_to, sizeof d->submit_to, "%s", cd->deadline->to);
    d->due_day = cd->day;
    d->rule_day = cd->rule_day;
    /* Why the day is special: of the rule's day when it was shifted, else of the due day. */
    int64_t day = cd->rule_day != cd->day ? cd->rule_day : cd->day;
    const char *holiday = calendar_holiday(cal, day);
    if (holiday)
        snprintf(d->note, sizeof d->note, "holiday:%s", holiday);
    else if (calendar_is_off(cal, day))
        snprintf(d->note, sizeof d->note, "weekend");
    d->escalate_at =
        r->steering.n ? calendar_at(cd->day + r->escalate_after_days, r->remind_minute) : 0;
}

/* The calendar's targets ("*", or ",CA,kind:school,": calendar/calendar.h) as the rows
 * storage keeps; -1 when there are more than fit. A name longer than any agency's code or kind
 * can name none: it is left out, as the text match of before never matched it. */
static int deadlines_targets(const char *spec, struct agencies_target *out, int *n)
{
    *n = 0;
    if (strcmp(spec, "*") == 0) {
        out[(*n)++] = (struct agencies_target){.kind = AGENCIES_TARGET_ALL};
        return 0;
    }
    for (const char *p = spec; *p;) {
        size_t len = strcspn(p, ",");
        if (len) {
            bool kind = len > 5 && strncmp(p, "kind:", 5) == 0;
            size_t skip = kind ? 5 : 0;
            if (*n == AGENCIES_TARGETS_MAX)
                return -1;
            if (len - skip >= sizeof out->value) {
                p += len + (p[len] == ',');
                continue;
            }
            struct agencies_target *t = &out[(*n)++];
            t->kind = kind ? AGENCIES_TARGET_KIND : AGENCIES_TARGET_AGENCY;
            memcpy(t->value, p + skip, len - skip);
            t->value[len - skip] = '\0';
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

static int deadlines_write_dates(struct db *db, const struct calendar *cal,
                                 const struct deadlines_rules *r, int64_t today, int64_t now_ms,
                                 char *err, size_t errlen)
{
    struct calendar_date *dates = NULL;
    struct agencies_date row;
    struct agencies_target targets[AGENCIES_TARGETS_MAX];
    int n_targets = 0;
    size_t n = 0;
    int rc = -1;
    if (calendar_expand(cal, today - DEADLINES_PAST_DAYS, today + DEADLINES_AHEAD_DAYS, &dates, &n,
                        err, errlen) != 0)
        return -1;
    if (agencies_dates_retire(db, today - DEADLINES_PAST_DAYS) != DB_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        deadlines_date_row(cal, &dates[i], r, &row);
        if (deadlines_targets(dates[i].deadline->targets, targets, &n_targets) != 0) {
            snprintf(err, errlen, "%s: too many targets", dates[i].code);
            goto out;
        }
        if (agencies_date_upsert(db, &row, targets, n_targets, now_ms) != DB_OK)
            goto out;
    }
    rc = agencies_tasks_sync(db, today - r->overdue_max_days, now_ms) == DB_OK ? 0 : -1;
out:
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "cannot store the dated deadlines");
    free(dates);
    return rc;
}

int deadlines_sync(struct db *db, const struct cfg *cfg, int64_t now_ms, char *err, size_t errlen)
{
    const struct deadlines_rules *r = deadlines_rules(cfg);
    struct calendar *cal = NULL;
    int64_t today = calendar_today(now_ms);
    err[0] = '\0';
    if (!r) {
        snprintf(err, errlen, "deadlines: settings not registered (app_register_settings)");
        return -1;
    }
    if (agency_config_sync(db, cfg, today, now_ms, err, errlen) != 0 ||
        calendar_load(cfg, &cal, err, errlen) != 0)
        return -1;
    int rc = deadlines_write_dates(db, cal, r, today, now_ms, err, errlen);
    calendar_free(cal);
    return rc;
}

static int deadlines_sync_run(struct db *db, void *arg, char *err, size_t errlen)
{
    const struct hctx *ctx = arg;
    return deadlines_sync(db, ctx->cfg, ctx->now_ms, err, errlen);
}

/* Once per local day and per start of the process (the token in sync_marks, written in the
 * transaction of the sync, so a rolled-back sync runs again; storage/agencies.h
 * agencies_sync_daily): a calendar edited into an error is logged once and the day's reminders
 * still go from what the database has. */
static void deadlines_ensure_synced(struct hctx *ctx)
{
    char token[CALENDAR_TOKEN_MAX];
    char err[CALENDAR_ERR_MAX];
    calendar_daily_token(ctx->cfg, calendar_today(ctx->now_ms), token, sizeof token);
    if (agencies_sync_daily(ctx->db, "deadlines", token, deadlines_sync_run, ctx, err,
                            sizeof err) == DB_ERROR)
        if (!db_writes_refusing())
            log_error("deadlines", "calendars not refreshed: %s", err);
}

/* ---- rendering -------------------------------------------------------------------------- */

void deadlines_day_text(const struct texts *t, int64_t day, char *out, size_t size)
{
    char name[16], date[16];
    snprintf(name, sizeof name, "weekday_%d", calendar_weekday(day));
    calendar_format(day, date, sizeof date);
    snprintf(out, size, "%s, %s", texts_get(t, name), date);
}

/* The line saying the due day is a weekend or holiday (kept), or that it was moved. */
static char *deadlines_note(struct hctx *ctx, const struct agencies_date *d)
{
    char date[48], rule_date[48], reason[128], weekday[16];
    int holiday = strncmp(d->note, "holiday:", 8) == 0, shifted = d->rule_day != d->due_day;
    const char *name = shifted && d->note[0] ? "deadline_note_shifted"
                       : holiday             ? "deadline_note_holiday"
                       : d->note[0]          ? "deadline_note_weekend"
                                             : NULL;
    if (!name)
        return strdup("");
    deadlines_day_text(ctx->texts, d->due_day, date, sizeof date);
    deadlines_day_text(ctx->texts, d->rule_day, rule_date, sizeof rule_date);
    snprintf(weekday, sizeof weekday, "weekday_%d", calendar_weekday(d->rule_day));
    snprintf(reason, sizeof reason, "%s",
             holiday   ? d->note + 8
             : shifted ? texts_get(ctx->texts, "deadline_reason_weekend")
                       : texts_get(ctx->texts, weekday));
    struct texts_var vars[] = {{"date", date}, {"rule_date", rule_date}, {"reason", reason}};
    return texts_render(ctx->texts, name, vars, 3);
}

/* The reminder of slot for task t (ahead, today or overdue). */
static char *deadlines_reminder(struct hctx *ctx, const struct agencies_task *t,
                                const struct agency *a, int64_t today)
{
    char due[48], days[24];
    int64_t left = t->date.due_day - today;
    const char *name = left > 0    ? "deadline_remind_ahead"
                       : left == 0 ? "deadline_remind_today"
                                   : "deadline_remind_overdue";
    snprintf(days, sizeof days, "%lld", (long long)(left < 0 ? -left : left));
    deadlines_day_text(ctx->texts, t->date.due_day, due, sizeof due);
    /* "Submit before the day off" says nothing once the day is past. */
    char *note = left >= 0 ? deadlines_note(ctx, &t->date) : strdup("");
    if (!note)
        return NULL;
    struct texts_var vars[] = {
        {"agency", a->name},
        {"agency_code", a->code},
        {"code", t->date.code},
        {"what", t->date.what},
        {"to", t->date.submit_to},
        {"plan", t->date.plan},
        {"due", due},
        {"days", days},
        {"note", note},
    };
    char *text = texts_render(ctx->texts, name, vars, sizeof vars / sizeof vars[0]);
    free(note);
    return text;
}

/* ---- the job ---------------------------------------------------------------------------- */

/* The latest slot due at now after the last one sent, and when the next one is (0: none).
 * The final overdue slot is sent only on its day: after a downtime longer than the overdue
 * period the task ends silently rather than with a stale "overdue" message. */
static void deadlines_slots(const struct deadlines_rules *r, const struct agencies_task *t,
                            int64_t now_ms, int *due, int *has_due, int *silent, int64_t *next_at)
{
    int slots[DEADLINES_OFFSETS_MAX + 366], n = 0;
    int64_t due_at = 0;
    for (int i = 0; i < r->remind.n; i++)
        slots[n++] = -r->remind.day[i];
    for (int d = 1; d <= r->overdue_max_days; d++)
        slots[n++] = d;
    *has_due = *silent = 0;
    *next_at = 0;
    for (int i = 0; i < n; i++) {
        if (t->has_last_slot && slots[i] <= t->last_slot)
            continue;
        int64_t at = calendar_at(t->date.due_day + slots[i], r->remind_minute);
        if (at > now_ms) {
            *next_at = at;
            return;
        }
        *due = slots[i];
        *has_due = 1;
        due_at = at;
    }
    *silent = *has_due && n > 0 && *due == slots[n - 1] && *due > 0 && now_ms - due_at > 86400000LL;
}

static int deadlines_remind_one(struct hctx *ctx, const struct deadlines_rules *r,
                                const struct agencies_task *t)
{
    int slot = 0, has = 0, silent = 0, reached = 0;
    int64_t next_at = 0;
    struct agency a;
    deadlines_slots(r, t, ctx->now_ms, &slot, &has, &silent, &next_at);
    if (has && !silent) {
        if (agencies_get(ctx->db, t->agency, &a) != DB_OK)
            return -1;
        char *text = deadlines_reminder(ctx, t, &a, calendar_today(ctx->now_ms));
        int64_t before = 0, after = 0;
        int rc = text && outbox_last_id(ctx->db, &before) == DB_OK
                     ? agency_send(ctx, t->agency, text, OUTBOX_NOTICE, &reached)
                     : -1;
        free(text);
        /* Which messages were this reminder: the report counts how each went. */
        if (rc != 0 || outbox_last_id(ctx->db, &after) != DB_OK ||
            agencies_reminders_record(ctx->db, t->date_id, t->agency, before, after) != DB_OK)
            return -1;
        if (reached == 0)
            log_warn("deadlines", "agency %s has no chat and no member to remind of %s", t->agency,
                     t->date.code);
    }
    return agencies_task_schedule(ctx->db, t->date_id, t->agency, has || t->has_last_slot,
                                  has ? slot : t->last_slot, next_at) == DB_OK
               ? 0
               : -1;
}

static int deadlines_remind(struct hctx *ctx, const struct deadlines_rules *r)
{
    struct agencies_task *due = malloc(DEADLINES_BATCH * sizeof *due);
    int n = 0, rc = -1;
    if (!due || agencies_tasks_due(ctx->db, ctx->now_ms, due, DEADLINES_BATCH, &n) != DB_OK)
        goto out;
    rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = deadlines_remind_one(ctx, r, &due[i]);
out:
    free(due);
    return rc;
}

static char *deadlines_late_list(struct hctx *ctx, const struct agencies_date *d,
                                 const struct agency *late, int n)
{
    char *buf = malloc(DEADLINES_TEXT_MAX), due[48], days[24], count[16];
    size_t at = 0;
    if (!buf)
        return NULL;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        struct texts_var v[] = {{"agency_code", late[i].code}, {"agency", late[i].name}};
        char *line = texts_render(ctx->texts, "deadline_escalation_line", v, 2);
        if (line && at + strlen(line) + 2 < DEADLINES_TEXT_MAX)
            at += (size_t)snprintf(buf + at, DEADLINES_TEXT_MAX - at, "%s%s", i ? "\n" : "", line);
        free(line);
    }
    deadlines_day_text(ctx->texts, d->due_day, due, sizeof due);
    snprintf(days, sizeof days, "%lld", (long long)(calendar_today(ctx->now_ms) - d->due_day));
    snprintf(count, sizeof count, "%d", n);
    struct texts_var vars[] = {{"code", d->code}, {"what", d->what}, {"to", d->submit_to},
                               {"due", due},      {"days", days},    {"count", count},
                               {"list", buf},     {"plan", d->plan}};
    char *text =
        texts_render(ctx->texts, "deadline_escalation", vars, sizeof vars / sizeof vars[0]);
    free(buf);
    return text;
}

static int deadlines_escalate_one(struct hctx *ctx, const struct deadlines_rules *r, int64_t id)
{
    struct agencies_date d;
    struct agency *late = malloc(DEADLINES_LATE_MAX * sizeof *late);
    int n = 0, rc = -1;
    if (!late || agencies_date_get(ctx->db, id, &d) != DB_OK ||
        agencies_late(ctx->db, id, late, DEADLINES_LATE_MAX, &n) != DB_OK)
        goto out;
    char *text = n > 0 ? deadlines_late_list(ctx, &d, late, n) : NULL;
    rc = n > 0 && !text ? -1 : 0;
    for (int i = 0; text && rc == 0 && i < r->steering.n; i++)
        rc = hctx_send(ctx, r->steering.chat[i].platform, r->steering.chat[i].chat_id, text, NULL,
                       OUTBOX_NOTICE);
    free(text);
    if (rc == 0 && agencies_escalated(ctx->db, id, ctx->now_ms) != DB_OK)
        rc = -1;
out:
    free(late);
    return rc;
}

static int deadlines_escalate(struct hctx *ctx, const struct deadlines_rules *r)
{
    int64_t ids[8];
    int n = 0, rc = 0;
    if (agencies_escalations_due(ctx->db, ctx->now_ms, ids, 8, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n && rc == 0; i++)
        rc = deadlines_escalate_one(ctx, r, ids[i]);
    return rc;
}

static int deadlines_sync_write(struct hctx *ctx, void *arg)
{
    (void)arg;
    deadlines_ensure_synced(ctx); /* a failed sync is logged, and its token kept all the same */
    return 0;
}

static int deadlines_remind_write(struct hctx *ctx, void *arg)
{
    return deadlines_remind(ctx, arg);
}

static int deadlines_escalate_write(struct hctx *ctx, void *arg)
{
    return deadlines_escalate(ctx, arg);
}

/* What is due, looked at outside any transaction (sync_marks, and the indexes
 * deadline_tasks_next and deadline_dates_escalate); the write lock only for what is. */
static int deadlines_due(struct hctx *ctx, int *sync, int *remind, int *escalate)
{
    char token[CALENDAR_TOKEN_MAX];
    int64_t ids[1];
    int n = 0;
    struct agencies_task *first = malloc(sizeof *first);
    calendar_daily_token(ctx->cfg, calendar_today(ctx->now_ms), token, sizeof token);
    *sync = agencies_sync_pending(ctx->db, "deadlines", token);
    int rc = first && *sync != DB_ERROR &&
                     agencies_tasks_due(ctx->db, ctx->now_ms, first, 1, &n) == DB_OK
                 ? 0
                 : -1;
    *remind = n;
    n = 0;
    if (rc == 0 && agencies_escalations_due(ctx->db, ctx->now_ms, ids, 1, &n) != DB_OK)
        rc = -1;
    *escalate = n;
    free(first);
    return rc;
}

int deadlines_tick(struct hctx *ctx)
{
    /* Read once at start (config/config.h): a tick parses nothing. */
    const struct deadlines_rules *r = deadlines_rules(ctx->cfg);
    int sync = 0, remind = 0, escalate = 0;
    if (!r)
        return 0; /* no settings registered (a test's bare cfg): nothing sensible to do */
    int rc = deadlines_due(ctx, &sync, &remind, &escalate);
    if (rc == 0 && sync > 0)
        rc = hctx_in_write(ctx, deadlines_sync_write, NULL);
    if (rc == 0 && sync > 0) /* the sync may have scheduled reminders: look again */
        rc = deadlines_due(ctx, &sync, &remind, &escalate);
    if (rc == 0 && remind)
        rc = hctx_in_write(ctx, deadlines_remind_write, (void *)r);
    if (rc == 0 && escalate)
        rc = hctx_in_write(ctx, deadlines_escalate_write, (void *)r);
    if (rc != 0) {
        if (!db_writes_refusing()) /* a full disk is logged once, by storage/db_writes.c */
            log_error("deadlines", "a reminder could not be recorded; retrying at the next tick");
        return -1;
    }
    return 0;
}

/* ---- commands --------------------------------------------------------------------------- */

/* The sender's agency, or a polite refusal (0 returned: answered). */
static int deadlines_member(struct hctx *ctx, struct agency *a)
{
    char code[AGENCIES_CODE_MAX];
    deadlines_ensure_synced(ctx);
    int rc = ctx->person ? agencies_of_person(ctx->db, ctx->person->id, code) : DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = agencies_get(ctx->db, code, a);
    if (rc == DB_ERROR)
        return -1;
    if (rc == DB_OK)
        return 1;
    return hctx_reply(ctx, "deadline_only_agency", NULL, 0);
}

static int deadlines_record(struct hctx *ctx, const struct agency *a, struct agencies_task *t)
{
    int64_t today = calendar_today(ctx->now_ms);
    int late = today > t->date.due_day ? (int)(today - t->date.due_day) : 0;
    char due[48], days[24];
    deadlines_day_text(ctx->texts, t->date.due_day, due, sizeof due);
    snprintf(days, sizeof days, "%d", late);
    struct texts_var vars[] = {{"agency", a->name},    {"code", t->date.code},
                               {"what", t->date.what}, {"due", due},
                               {"days", days},         {"to", t->date.submit_to}};
    if (agencies_task_submit(ctx->db, t->date_id, a->code, ctx->person->id, late, ctx->now_ms) !=
            DB_OK ||
        tips_audit(ctx->db, ctx->person->id, "deadline_done", 0, t->date.code, ctx->now_ms) !=
            DB_OK)
        return -1;
    return hctx_reply(ctx, late ? "deadline_done_late" : "deadline_done_on_time", vars,
                      sizeof vars / sizeof vars[0]);
}

int deadlines_done(struct hctx *ctx)
{
    struct agency a;
    struct agencies_task t;
    char code[AGENCIES_DATE_CODE_MAX];
    int rc = deadlines_member(ctx, &a);
    if (rc <= 0)
        return rc;
    size_t n = strcspn(ctx->args, " \t\r\n");
    if (n == 0 || n >= sizeof code)
        return hctx_reply(ctx, "deadline_usage_done", NULL, 0);
    snprintf(code, sizeof code, "%.*s", (int)n, ctx->args);
    rc = agencies_task_find(ctx->db, a.code, code,
                            calendar_today(ctx->now_ms) + DEADLINES_SOON_DAYS, &t);
    if (rc == DB_ERROR)
        return -1;
    if (rc == DB_NOT_FOUND) {
        struct texts_var vars[] = {{"code", code}, {"agency", a.name}};
        return hctx_reply(ctx, "deadline_unknown_code", vars, 2);
    }
    if (t.submitted_at) {
        char when[48];
        deadlines_day_text(ctx->texts, calendar_today(t.submitted_at), when, sizeof when);
        struct texts_var vars[] = {{"code", t.date.code}, {"agency", a.name}, {"when", when}};
        return hctx_reply(ctx, "deadline_already_done", vars, 3);
    }
    return deadlines_record(ctx, &a, &t);
}

static void deadlines_state(struct hctx *ctx, int64_t due_day, char *out, size_t size)
{
    int64_t left = due_day - calendar_today(ctx->now_ms);
    char days[24];
    snprintf(days, sizeof days, "%lld", (long long)(left < 0 ? -left : left));
    struct texts_var vars[] = {{"days", days}};
    char *s = texts_render(ctx->texts,
                           left > 0    ? "deadline_state_left"
                           : left == 0 ? "deadline_state_today"
                                       : "deadline_state_overdue",
                           vars, 1);
    snprintf(out, size, "%s", s ? s : "");
    free(s);
}

int deadlines_list(struct hctx *ctx)
{
    struct agency a;
    struct agencies_task *open = NULL;
    int n = 0, rc = deadlines_member(ctx, &a);
    if (rc <= 0)
        return rc;
    struct texts_var head[] = {{"agency", a.name}, {"agency_code", a.code}};
    open = malloc(DEADLINES_LIST_MAX * sizeof *open);
    char *buf = malloc(DEADLINES_TEXT_MAX);
    rc = -1;
    if (!open || !buf ||
        agencies_tasks_open(ctx->db, a.code, open, DEADLINES_LIST_MAX, &n) != DB_OK)
        goto out;
    if (n == 0) {
        rc = hctx_reply(ctx, "deadline_list_none", head, 2);
        goto out;
    }
    char *first = texts_render(ctx->texts, "deadline_list_head", head, 2);
    size_t at = (size_t)snprintf(buf, DEADLINES_TEXT_MAX, "%s", first ? first : "");
    free(first);
    for (int i = 0; i < n; i++) {
        char due[48], state[96];
        deadlines_day_text(ctx->texts, open[i].date.due_day, due, sizeof due);
        deadlines_state(ctx, open[i].date.due_day, state, sizeof state);
        struct texts_var v[] = {{"code", open[i].date.code},
                                {"what", open[i].date.what},
                                {"due", due},
                                {"state", state},
                                {"to", open[i].date.submit_to}};
        char *line = texts_render(ctx->texts, "deadline_list_line", v, 5);
        if (line && at + strlen(line) + 2 < DEADLINES_TEXT_MAX)
            at += (size_t)snprintf(buf + at, DEADLINES_TEXT_MAX - at, "\n%s", line);
        free(line);
    }
    snprintf(buf + at, DEADLINES_TEXT_MAX - at, "\n\n%s",
             texts_get(ctx->texts, "deadline_list_foot"));
    rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, buf, NULL, OUTBOX_REPLY);
out:
    free(open);
    free(buf);
    return rc;
}

/* Agencies' chats are often groups: both commands work there (the sender is checked). */
static const struct router_command deadlines_rows[] = {
    {{"/danop", "/done", NULL}, deadlines_done, 1},
    {{"/hannop", "/deadlines", NULL}, deadlines_list, 1},
};

const struct router_table deadlines_commands = ROUTER_TABLE(deadlines_rows);
