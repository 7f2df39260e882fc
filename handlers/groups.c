/*
 * groups.c — see groups.h.
 */
#include "handlers/groups.h"

#include "base/log.h"
#include "config/desks.h"
#include "handlers/meeting.h"
#include "handlers/retention.h"
#include "handlers/scam.h"
#include "text/textengine.h"
#include "handlers/tipfile.h"
#include "storage/groups.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define GROUP_QUIET_MS (5 * 60 * 1000LL) /* one unsolicited message per group per 5 minutes */
enum { GROUP_FANOUT_MAX = 256 };

static int group_role(const struct hctx *ctx)
{
    const char *role = ctx->person ? ctx->person->role : NULL;
    if (people_is_officer(role))
        return 2;
    return role && strcmp(role, "leader") == 0 ? 1 : 0;
}

static const char *group_area_name(const struct hctx *ctx, const char *code)
{
    const struct area *a = desks_area(ctx->desks, code);
    return a ? a->name : code;
}

/* A leader may change only a group that is unbound or bound to their own area. */
static int group_leader_may_change(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (group_role(ctx) != 1)
        return 1;
    struct group_chat g;
    if (groups_get(ctx->db, m->platform, m->chat_id, &g) != DB_OK)
        return 1;
    int ok = !g.area || (ctx->person->area && strcasecmp(g.area, ctx->person->area) == 0);
    group_chat_clear(&g);
    return ok;
}

int group_bind(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (!m->is_group)
        return hctx_reply(ctx, "group_bind_in_group", NULL, 0);
    int role = group_role(ctx);
    if (!role)
        return hctx_reply(ctx, "group_leader_only", NULL, 0);
    char code[64];
    snprintf(code, sizeof code, "%.*s", (int)strcspn(ctx->args, " \t\r\n"), ctx->args);
    const struct area *a = desks_area(ctx->desks, code[0] ? code : ctx->person->area);
    /* A leader binds groups of their own area; an officer any area of the ward. */
    if (!a || (role == 1 && (!ctx->person->area || strcasecmp(a->code, ctx->person->area))) ||
        !group_leader_may_change(ctx))
        return hctx_reply(ctx, role == 1 ? "group_bind_own_area" : "group_bind_usage", NULL, 0);
    if (groups_bind(ctx->db, m->platform, m->chat_id, a->code, ctx->now_ms) == DB_ERROR)
        return -1;
    tips_audit(ctx->db, ctx->person->id, "bind_group", 0, a->code, ctx->now_ms);
    struct texts_var vars[] = {{"area", a->name}};
    if (hctx_reply(ctx, "group_bound", vars, 1) != 0)
        return -1;
    /* Telegram shows a bot only commands unless it is an admin or privacy mode is off. */
    if (strcmp(m->platform, "telegram") == 0)
        return hctx_reply(ctx, "group_privacy_hint", NULL, 0);
    return 0;
}

int group_unbind(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (!m->is_group)
        return hctx_reply(ctx, "group_bind_in_group", NULL, 0);
    if (!group_role(ctx))
        return hctx_reply(ctx, "group_leader_only", NULL, 0);
    if (!group_leader_may_change(ctx))
        return hctx_reply(ctx, "group_bind_own_area", NULL, 0);
    if (groups_bind(ctx->db, m->platform, m->chat_id, NULL, ctx->now_ms) == DB_ERROR)
        return -1;
    tips_audit(ctx->db, ctx->person->id, "unbind_group", 0, NULL, ctx->now_ms);
    return hctx_reply(ctx, "group_unbound", NULL, 0);
}

int group_announce(struct hctx *ctx)
{
    int role = group_role(ctx);
    if (!role)
        return hctx_reply(ctx, "group_leader_only", NULL, 0);
    if (!*ctx->args)
        return hctx_reply(ctx, "announce_usage", NULL, 0);
    const char *area = ctx->person->area;
    char *platforms[GROUP_FANOUT_MAX], *chats[GROUP_FANOUT_MAX];
    int n = 0, rc = 0;
    if (!area || groups_of_area(ctx->db, area, platforms, chats, GROUP_FANOUT_MAX, &n) != DB_OK)
        return area ? -1 : hctx_reply(ctx, "announce_no_area", NULL, 0);
    char role_name[48];
    snprintf(role_name, sizeof role_name, "role_%s", ctx->person->role);
    struct texts_var vars[] = {{"role", texts_get(ctx->texts, role_name)},
                               {"area", group_area_name(ctx, area)},
                               {"text", ctx->args}};
    char *text = texts_render(ctx->texts, "announce_text", vars, 3);
    for (int i = 0; i < n; i++) {
        if (rc == 0 && text)
            rc = hctx_send(ctx, platforms[i], chats[i], text, NULL, OUTBOX_BULK);
        free(platforms[i]);
        free(chats[i]);
    }
    free(text);
    if (rc != 0)
        return -1;
    char count[16];
    snprintf(count, sizeof count, "%d", n);
    struct texts_var done[] = {{"count", count}};
    tips_audit(ctx->db, ctx->person->id, "announce", 0, ctx->args, ctx->now_ms);
    return hctx_reply(ctx, n ? "announce_sent" : "announce_no_groups", done, 1);
}

int group_stats(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    struct group_chat g;
    memset(&g, 0, sizeof g);
    const char *area = NULL;
    int rc = m->is_group ? groups_get(ctx->db, m->platform, m->chat_id, &g) : DB_NOT_FOUND;
    if (rc == DB_ERROR)
        return -1;
    if (rc == DB_OK)
        area = g.area;
    if (!area && ctx->person && ctx->person->area && group_role(ctx))
        area = ctx->person->area;
    if (!area) {
        group_chat_clear(&g);
        return hctx_reply(ctx, "stats_no_area", NULL, 0);
    }
    time_t now = (time_t)(ctx->now_ms / 1000);
    struct tm tm;
    localtime_r(&now, &tm);
    tm.tm_mday = 1, tm.tm_hour = tm.tm_min = tm.tm_sec = 0, tm.tm_isdst = -1;
    int64_t since = (int64_t)mktime(&tm) * 1000, tips = 0, warnings = 0, campaign = 0;
    int st = groups_stats(ctx->db, area, since, &tips, &warnings, &campaign);
    char a[24], b[24], c[24], month[32];
    snprintf(a, sizeof a, "%lld", (long long)tips);
    snprintf(b, sizeof b, "%lld", (long long)warnings);
    snprintf(c, sizeof c, "%lld", (long long)campaign);
    snprintf(month, sizeof month, "%02d/%04d", tm.tm_mon + 1, tm.tm_year + 1900);
    struct texts_var vars[] = {{"area", group_area_name(ctx, area)},
                               {"month", month},
                               {"tips", a},
                               {"warnings", b},
                               {"campaign", c}};
    rc = st == DB_OK ? hctx_reply(ctx, "stats_text", vars, 5) : -1;
    group_chat_clear(&g); /* area may point into it: freed last */
    return rc;
}

/* The lead as the desk sees it: the heading says where it was seen; the sender's display name
 * only where the area's policy allows. */
static int group_lead(struct hctx *ctx, const struct text_analysis *a, const struct group_chat *g)
{
    const struct msg *m = ctx->msg;
    const struct area *area = desks_area(ctx->desks, g->area);
    struct tip t;
    memset(&t, 0, sizeof t);
    t.kind = "group_lead";
    t.platform = m->platform;
    t.chat_id = m->chat_id;
    t.anonymous = true;
    t.category = (char *)(a->category ? a->category : "other");
    t.urgent = a->urgent;
    t.area = g->area;
    t.place = a->place;
    t.happened = a->when;
    t.description = a->nfc;
    t.folded = a->folded;
    char *entities = tipfile_entities(a);
    t.entities = entities;
    struct desk desk;
    if (desks_route(ctx->desks, t.category, t.area, &desk)) {
        t.desk_platform = desk.platform;
        t.desk_chat_id = desk.chat_id;
    }
    int created = tips_create(ctx->db, &t, ctx->now_ms);
    if (created != DB_OK) {
        free(entities);
        return -1;
    }
    t.status =
        "new"; /* as the row now holds it: the desk's message is built from t, not read back */
    char *body =
        tipfile_desk_message_new(ctx, &t, a->urgent ? "lead_heading_urgent" : "lead_heading", a);
    const char *who = area && area->show_sender_names && m->sender_name ? m->sender_name : NULL;
    struct texts_var vars[] = {{"group", g->title ? g->title : "-"},
                               {"area", area ? area->name : "-"},
                               {"sender", who ? who : texts_get(ctx->texts, "lead_sender_hidden")},
                               {"body", body ? body : ""}};
    char *text = body ? texts_render(ctx->texts, "lead_text", vars, 4) : NULL;
    int rc = text ? tipcard_tell_desk(ctx, &t, text) : -1;
    free(text);
    free(body);
    free(entities);
    return rc;
}

/* One bot message into the group, if its quiet period allows. 1 spoke, 0 kept quiet. */
static int group_say(struct hctx *ctx, const char *name)
{
    const struct msg *m = ctx->msg;
    int rc = groups_take_unsolicited(ctx->db, m->platform, m->chat_id, ctx->now_ms, GROUP_QUIET_MS);
    if (rc == DB_DUPLICATE)
        return 0;
    if (rc != DB_OK)
        return -1;
    return hctx_reply(ctx, name, NULL, 0) == 0 ? 1 : -1;
}

static int group_watch_bound(struct hctx *ctx, const struct group_chat *g)
{
    const struct text_analysis *a = ctx->analysis;
    const struct msg *m = ctx->msg;
    char source[160];
    snprintf(source, sizeof source, "group:%s:%s", m->platform, m->chat_id);
    int may_speak = ctx->now_ms - g->last_unsolicited_at >= GROUP_QUIET_MS;
    int warned = scam_check_group(ctx, a, may_speak);
    if (warned < 0 || scam_note_items(ctx, a, source, g->area) != 0)
        return -1;
    if (warned) {
        ctx->keep_text = 1;
        if (groups_take_unsolicited(ctx->db, m->platform, m->chat_id, ctx->now_ms, 0) == DB_ERROR)
            return -1;
    }
    if (!a->is_tip)
        return 0; /* chatter: nothing said, nothing kept */
    /* The text is kept in the lead (until tips.lead_retention_days), not in the inbox. The
     * desk hears of every likely tip, warned about or not; the group hears at most one
     * message (the warning already was it). */
    if (group_lead(ctx, a, g) != 0)
        return -1;
    if (warned)
        return 0;
    return group_say(ctx, a->urgent ? "group_urgent" : "group_invite_private") < 0 ? -1 : 0;
}

int group_watch(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (desks_is_desk(ctx->desks, m->platform, m->chat_id))
        return 0; /* a police desk chat: officers talk there, the bot does not watch it */
    struct group_chat g;
    int rc = groups_get(ctx->db, m->platform, m->chat_id, &g);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? 0 : -1;
    if (!g.reachable) {
        rc = 0; /* removed from the group: say nothing more */
    } else if (!g.area) {
        /* Unbound: one short explanation, ever; then silence. */
        rc = 0;
        if (!g.hinted_at &&
            groups_mark_hinted(ctx->db, m->platform, m->chat_id, ctx->now_ms) == DB_OK)
            rc = hctx_reply(ctx, "group_unbound_hint", NULL, 0);
    } else if (ctx->analysis && m->text) {
        rc = group_watch_bound(ctx, &g);
    }
    group_chat_clear(&g);
    return rc;
}

/* Leads deleted per write transaction: each takes rows of a few tables and of the search
 * index with it. */
enum { GROUP_LEADS_BATCH = 50 };

struct group_prune {
    int64_t before;
    int64_t deleted;
};

static int group_prune_batch(struct db *db, void *arg)
{
    struct group_prune *p = arg;
    return groups_prune_leads(db, p->before, GROUP_LEADS_BATCH, &p->deleted) == DB_OK ? 0 : -1;
}

int group_tick(struct hctx *ctx)
{
    struct group_prune p = {.before =
                                ctx->now_ms - ctx->desks->rules.lead_retention_days * 86400000LL};
    bool due = false;
    /* A read on the leads' own index first: a tick with nothing due takes no write lock. */
    if (groups_leads_due(ctx->db, p.before, &due) != DB_OK)
        return -1;
    if (!due)
        return 0;
    if (db_write(ctx->db, group_prune_batch, &p) != 0)
        return -1;
    if (p.deleted)
        log_info("groups", "deleted %lld group lead(s) past their retention", (long long)p.deleted);
    return 0;
}

static const struct router_command group_rows[] = {
    {{"/dangkynhom", "/bindgroup", NULL}, group_bind, 1},
    {{"/huynhom", "/unbindgroup", NULL}, group_unbind, 1},
    {{"/thongbao", "/announce", NULL}, group_announce, 1},
    {{"/hop", "/meeting", NULL}, meeting_command, 1},
    {{"/thongke", "/stats", NULL}, group_stats, 1},
};

const struct router_table group_commands = ROUTER_TABLE(group_rows);
