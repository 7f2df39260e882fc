/*
 * sla.c — see sla.h.
 */
#include "handlers/sla.h"

#include "bot/log.h"
#include "handlers/desks.h"
#include "handlers/tipfile.h"
#include "storage/tips.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLA_MIN_MS 60000LL
#define SLA_DAY_MS 86400000LL
enum { SLA_BATCH = 32 };

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
    return tipfile_tell_desk(ctx, t, text);
}

static int sla_send(struct hctx *ctx, const struct tip *t, const char *name, const char *value,
                    int escalate)
{
    char shown[TIPS_CODE_LEN + 2], deadline[32] = "";
    tips_code_show(t->code, shown);
    if (t->deadline_at)
        tipfile_time(t->deadline_at, deadline, sizeof deadline);
    const struct area *a = desks_area(ctx->desks, t->area);
    struct texts_var vars[] = {{"code", shown},
                               {"value", value},
                               {"deadline", deadline},
                               {"category", tipfile_category_label(ctx, t->category)},
                               {"area", a ? a->name : "-"}};
    char *text = texts_render(ctx->texts, name, vars, sizeof vars / sizeof vars[0]);
    if (!text)
        return -1;
    int rc = escalate ? sla_escalate(ctx, t, text, escalate) : tipfile_tell_desk(ctx, t, text);
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

static int sla_ack(struct hctx *ctx)
{
    const struct tips_rules *r = &ctx->desks->rules;
    struct tip list[SLA_BATCH];
    int n = 0, rc = 0;
    /* Escalations first: a tip that needs one does not also get the plain reminder. */
    for (int esc = 1; esc >= 0 && rc == 0; esc--) {
        int64_t mult = esc ? 2 : 1;
        if (tips_sla_candidates(ctx->db, TIPS_SLA_ACK, esc ? "ack_escalation" : "ack",
                                ctx->now_ms - mult * r->ack_minutes * SLA_MIN_MS,
                                ctx->now_ms - mult * r->ack_urgent_minutes * SLA_MIN_MS, list,
                                SLA_BATCH, &n) != DB_OK)
            return -1;
        for (int i = 0; i < n; i++) {
            char minutes[24];
            snprintf(minutes, sizeof minutes, "%lld",
                     (long long)((ctx->now_ms - list[i].created_at) / SLA_MIN_MS));
            if (rc == 0 && esc)
                rc = sla_once(ctx, &list[i], "ack", NULL, NULL, 0);
            if (rc == 0)
                rc = sla_once(ctx, &list[i], esc ? "ack_escalation" : "ack",
                              esc ? "sla_ack_escalation" : "sla_ack_reminder", minutes, esc);
            tip_clear(&list[i]);
        }
    }
    return rc;
}

static int sla_classify(struct hctx *ctx)
{
    struct tip list[SLA_BATCH];
    int n = 0, rc = 0;
    int64_t before = ctx->now_ms - ctx->desks->rules.classify_hours * 3600000LL;
    if (tips_sla_candidates(ctx->db, TIPS_SLA_CLASSIFY, "classify", before, 0, list, SLA_BATCH,
                            &n) != DB_OK)
        return -1;
    char hours[16];
    snprintf(hours, sizeof hours, "%d", ctx->desks->rules.classify_hours);
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = sla_once(ctx, &list[i], "classify", "sla_classify_reminder", hours, 0);
        tip_clear(&list[i]);
    }
    return rc;
}

/* The overdue flag, then reminders before the limit (those already moot are recorded
 * silently). */
static int sla_deadlines(struct hctx *ctx)
{
    const struct tips_rules *r = &ctx->desks->rules;
    struct tip list[SLA_BATCH];
    int n = 0, rc = 0;
    char kind[64];
    if (tips_sla_candidates(ctx->db, TIPS_SLA_DEADLINE, "overdue", ctx->now_ms, 0, list, SLA_BATCH,
                            &n) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        for (int d = 0; rc == 0 && d < r->n_remind_days; d++) {
            snprintf(kind, sizeof kind, "due%d:%lld", r->remind_days[d],
                     (long long)list[i].deadline_at);
            rc = sla_once(ctx, &list[i], kind, NULL, NULL, 0);
        }
        snprintf(kind, sizeof kind, "overdue:%lld", (long long)list[i].deadline_at);
        if (rc == 0)
            rc = sla_once(ctx, &list[i], kind, "sla_overdue", NULL, 2);
        tip_clear(&list[i]);
    }
    for (int d = r->n_remind_days - 1; rc == 0 && d >= 0; d--) {
        int64_t lead = (int64_t)(r->resolve_days - r->remind_days[d]) * SLA_DAY_MS;
        char prefix[16], days[16];
        snprintf(prefix, sizeof prefix, "due%d", r->remind_days[d]);
        snprintf(days, sizeof days, "%d", r->resolve_days - r->remind_days[d]);
        if (tips_sla_candidates(ctx->db, TIPS_SLA_DEADLINE, prefix, ctx->now_ms + lead, 0, list,
                                SLA_BATCH, &n) != DB_OK)
            return -1;
        for (int i = 0; i < n; i++) {
            /* Later reminders make earlier ones moot: record those silently. */
            for (int e = 0; rc == 0 && e < d; e++) {
                snprintf(kind, sizeof kind, "due%d:%lld", r->remind_days[e],
                         (long long)list[i].deadline_at);
                rc = sla_once(ctx, &list[i], kind, NULL, NULL, 0);
            }
            snprintf(kind, sizeof kind, "%s:%lld", prefix, (long long)list[i].deadline_at);
            if (rc == 0)
                rc = sla_once(ctx, &list[i], kind, "sla_due_reminder", days, 0);
            tip_clear(&list[i]);
        }
    }
    return rc;
}

int sla_tick(struct hctx *ctx)
{
    if (sla_ack(ctx) != 0 || sla_classify(ctx) != 0 || sla_deadlines(ctx) != 0) {
        log_error("sla", "a reminder could not be recorded; retrying at the next tick");
        return -1;
    }
    return 0;
}
