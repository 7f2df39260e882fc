/*
 * sla.c — see sla.h. The job is a list of steps (which candidates, what each of them gets).
 * Each step looks for its candidates outside any transaction, through the partial indexes of
 * migration 009, and takes the write lock only when one is there, for one batch (SLA_BATCH):
 * a tick with nothing due reads a few index pages and writes nothing. The last message of a
 * stage (the escalation, the classification reminder, the overdue flag) is recorded with
 * tips_sla_finish in the transaction that records the message, which takes the tip out of that
 * stage's index: a tip the desk leaves open costs the job nothing once its messages are out.
 */
#include "handlers/sla.h"

#include "base/log.h"
#include "config/desks.h"
#include "handlers/tipcard.h"
#include "storage/db_writes.h"
#include "storage/tips.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLA_MIN_MS 60000LL
#define SLA_DAY_MS 86400000LL
enum { SLA_BATCH = 32 }; /* tips handled by one step in one tick, in one transaction */
/* The reminder days of the rules (config/desks.h), at most. */
#define SLA_DAYS_MAX                                                                               \
    (sizeof((struct tips_rules *)0)->remind_days / sizeof((struct tips_rules *)0)->remind_days[0])

/* Escalations go to the area's escalation chat; escalate 2 also (and otherwise only) to the
 * desk, which is where something can be done about it (an overdue tip needs /giahan). */
static int sla_escalate(struct hctx *ctx, const struct tip *t, const char *text, int escalate)
{
    const struct area *a = desks_area(ctx->desks, t->area);
    if (a && a->has_escalation &&
        hctx_send(ctx, a->escalation.platform, a->escalation.chat_id, text, NULL, OUTBOX_URGENT) !=
            0)
        return -1;
    if (a && a->has_escalation && escalate == 1)
        return 0;
    return tipcard_tell_desk(ctx, t, text);
}

static int sla_send(struct hctx *ctx, const struct tip *t, const char *name, const char *value,
                    int escalate)
{
    char shown[TIPS_CODE_LEN + 2], deadline[32] = "";
    tips_code_show(t->code, shown);
    if (t->deadline_at)
        tipcard_time(t->deadline_at, deadline, sizeof deadline);
    const struct area *a = desks_area(ctx->desks, t->area);
    struct texts_var vars[] = {{"code", shown},
                               {"value", value},
                               {"deadline", deadline},
                               {"category", tipcard_category_label(ctx, t->category)},
                               {"area", a ? a->name : "-"}};
    char *text = texts_render(ctx->texts, name, vars, sizeof vars / sizeof vars[0]);
    if (!text)
        return -1;
    int rc = escalate ? sla_escalate(ctx, t, text, escalate) : tipcard_tell_desk(ctx, t, text);
    free(text);
    return rc;
}

/* Records (tip, kind) and, when it is new, sends the message. */
static int sla_once(struct hctx *ctx, const struct tip *t, const char *kind, const char *name,
                    const char *value, int escalate)
{
    int rc = tips_reminder_once(ctx->db, t->id, kind, ctx->now_ms);
    if (rc == DB_DUPLICATE)
        return 0;
    if (rc != DB_OK)
        return -1;
    return name ? sla_send(ctx, t, name, value, escalate) : 0;
}

/* One step of the job: which candidates (tips_sla_candidates), and what each of them gets. */
struct sla_step {
    enum tips_sla which;
    const char *kind; /* the reminder the candidates have not had, when which needs one */
    int64_t t1, t2;
    int (*one)(struct hctx *ctx, const struct sla_step *s, const struct tip *t);
    int day; /* TIPS_SLA_DEADLINE: the index of the reminder day in the rules */
};

/* Twice the acknowledgement time: the escalation, which makes the plain reminder moot. */
static int sla_ack_last(struct hctx *ctx, const struct sla_step *s, const struct tip *t)
{
    (void)s;
    char minutes[24];
    snprintf(minutes, sizeof minutes, "%lld",
             (long long)((ctx->now_ms - t->created_at) / SLA_MIN_MS));
    if (sla_once(ctx, t, "ack", NULL, NULL, 0) != 0 ||
        sla_once(ctx, t, "ack_escalation", "sla_ack_escalation", minutes, 1) != 0)
        return -1;
    return tips_sla_finish(ctx->db, t->id, TIPS_SLA_ACK_LAST, ctx->now_ms) == DB_OK ? 0 : -1;
}

static int sla_ack(struct hctx *ctx, const struct sla_step *s, const struct tip *t)
{
    (void)s;
    char minutes[24];
    snprintf(minutes, sizeof minutes, "%lld",
             (long long)((ctx->now_ms - t->created_at) / SLA_MIN_MS));
    return sla_once(ctx, t, "ack", "sla_ack_reminder", minutes, 0);
}

static int sla_classify(struct hctx *ctx, const struct sla_step *s, const struct tip *t)
{
    (void)s;
    char hours[16];
    snprintf(hours, sizeof hours, "%d", ctx->desks->rules.classify_hours);
    if (sla_once(ctx, t, "classify", "sla_classify_reminder", hours, 0) != 0)
        return -1;
    return tips_sla_finish(ctx->db, t->id, TIPS_SLA_CLASSIFY, ctx->now_ms) == DB_OK ? 0 : -1;
}

/* Records the reminders of the days before `until` (an index in the rules) silently: a later
 * message of the same deadline makes them moot. */
static int sla_moot(struct hctx *ctx, const struct tip *t, int until)
{
    const struct tips_rules *r = &ctx->desks->rules;
    char kind[64];
    for (int d = 0; d < until; d++) {
        snprintf(kind, sizeof kind, "due%d:%lld", r->remind_days[d], (long long)t->deadline_at);
        if (sla_once(ctx, t, kind, NULL, NULL, 0) != 0)
            return -1;
    }
    return 0;
}

/* The overdue flag, the deadline's last message. */
static int sla_overdue(struct hctx *ctx, const struct sla_step *s, const struct tip *t)
{
    (void)s;
    char kind[64];
    snprintf(kind, sizeof kind, "overdue:%lld", (long long)t->deadline_at);
    if (sla_moot(ctx, t, ctx->desks->rules.n_remind_days) != 0 ||
        sla_once(ctx, t, kind, "sla_overdue", NULL, 2) != 0)
        return -1;
    return tips_sla_finish(ctx->db, t->id, TIPS_SLA_OVERDUE, ctx->now_ms) == DB_OK ? 0 : -1;
}

static int sla_due(struct hctx *ctx, const struct sla_step *s, const struct tip *t)
{
    const struct tips_rules *r = &ctx->desks->rules;
    char kind[64], days[16];
    snprintf(kind, sizeof kind, "%s:%lld", s->kind, (long long)t->deadline_at);
    snprintf(days, sizeof days, "%d", r->resolve_days - r->remind_days[s->day]);
    if (sla_moot(ctx, t, s->day) != 0)
        return -1;
    return sla_once(ctx, t, kind, "sla_due_reminder", days, 0);
}

/* Inside the step's transaction: the candidates read again (now under the write lock, so what
 * changed since the look outside is seen), each handled. */
static int sla_step_write(struct hctx *ctx, void *arg)
{
    const struct sla_step *s = arg;
    struct tip list[SLA_BATCH];
    int n = 0, rc = 0;
    if (tips_sla_candidates(ctx->db, s->which, s->kind, s->t1, s->t2, list, SLA_BATCH, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = s->one(ctx, s, &list[i]);
        tip_clear(&list[i]);
    }
    return rc;
}

/* A look outside any transaction (an index read of what is due); the write lock only when a
 * candidate is there. */
static int sla_step(struct hctx *ctx, const struct sla_step *s)
{
    struct tip first;
    int n = 0;
    if (tips_sla_candidates(ctx->db, s->which, s->kind, s->t1, s->t2, &first, 1, &n) != DB_OK)
        return -1;
    if (n == 0)
        return 0;
    tip_clear(&first);
    return hctx_in_write(ctx, sla_step_write, (void *)s);
}

/* In this order, so that after a long downtime only the latest relevant message goes: the
 * escalation before the plain reminder, the overdue flag before the reminders of the days
 * before it, and of those the latest first. */
int sla_tick(struct hctx *ctx)
{
    const struct tips_rules *r = &ctx->desks->rules;
    int64_t now = ctx->now_ms, ack = r->ack_minutes * SLA_MIN_MS,
            ack_urgent = r->ack_urgent_minutes * SLA_MIN_MS;
    struct sla_step steps[4 + SLA_DAYS_MAX];
    char prefixes[SLA_DAYS_MAX][16];
    int n = 0, rc = 0;
    steps[n++] = (struct sla_step){TIPS_SLA_ACK_LAST,    NULL,         now - 2 * ack,
                                   now - 2 * ack_urgent, sla_ack_last, 0};
    steps[n++] = (struct sla_step){TIPS_SLA_ACK, "ack", now - ack, now - ack_urgent, sla_ack, 0};
    steps[n++] = (struct sla_step){TIPS_SLA_CLASSIFY, NULL, now - r->classify_hours * 3600000LL, 0,
                                   sla_classify,      0};
    steps[n++] = (struct sla_step){TIPS_SLA_OVERDUE, NULL, now, 0, sla_overdue, 0};
    for (int d = r->n_remind_days - 1; d >= 0; d--) {
        snprintf(prefixes[d], sizeof prefixes[d], "due%d", r->remind_days[d]);
        int64_t lead = (int64_t)(r->resolve_days - r->remind_days[d]) * SLA_DAY_MS;
        steps[n++] = (struct sla_step){TIPS_SLA_DEADLINE, prefixes[d], now + lead, 0, sla_due, d};
    }
    for (int i = 0; i < n && rc == 0; i++)
        rc = sla_step(ctx, &steps[i]);
    if (rc != 0 && !db_writes_refusing()) /* a full disk is logged once (storage/db_writes.c) */
        log_error("sla", "a reminder could not be recorded; retrying at the next tick");
    return rc;
}
