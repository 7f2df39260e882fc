/*
 * basic.c — see basic.h. The texts live in config/messages.vi.json; /help adds the commands of
 * the sender's role (officer, leader, agency member) to the residents' ones.
 */
#include "handlers/basic.h"

#include "base/log.h"
#include "storage/groups.h"
#include "storage/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int basic_member(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (!m->member_status)
        return 0;
    log_info("bot", "%s chat %s: the bot is now %s", m->platform, m->chat_id, m->member_status);
    if (chats_set_bot_status(ctx->db, m->platform, m->chat_id, m->member_status, ctx->now_ms) ==
        DB_ERROR)
        return -1;
    /* Just added to a group that is not bound yet: the one short explanation, now. */
    int joined =
        strcmp(m->member_status, "member") == 0 || strcmp(m->member_status, "administrator") == 0;
    struct group_chat g;
    if (!m->is_group || !joined || groups_get(ctx->db, m->platform, m->chat_id, &g) != DB_OK)
        return 0;
    int hint = !g.area && !g.hinted_at &&
               groups_mark_hinted(ctx->db, m->platform, m->chat_id, ctx->now_ms) == DB_OK;
    group_chat_clear(&g);
    return hint ? hctx_reply(ctx, "group_unbound_hint", NULL, 0) : 0;
}

int basic_start(struct hctx *ctx)
{
    return hctx_reply(ctx, "welcome", NULL, 0);
}

/* Everyone gets the residents' commands; an enrolled officer, leader or agency member gets
 * theirs after them (texts "help_police" — commanders too —, "help_leader", "help_agency"). */
int basic_help(struct hctx *ctx)
{
    static const char *const roles[] = {"police", "leader", "agency"};
    const char *role = ctx->person ? ctx->person->role : NULL;
    if (people_is_officer(role))
        role = "police"; /* a commander works the same chat desk */
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(role, roles[i]) != 0)
            continue;
        char name[32];
        snprintf(name, sizeof name, "help_%s", roles[i]);
        char *all = texts_render(ctx->texts, "help", NULL, 0);
        char *mine = texts_render(ctx->texts, name, NULL, 0);
        size_t size = (all ? strlen(all) : 0) + (mine ? strlen(mine) : 0) + 3;
        char *text = all && mine ? malloc(size) : NULL;
        int rc = -1;
        if (text) {
            snprintf(text, size, "%s\n\n%s", all, mine);
            rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, text, NULL, OUTBOX_REPLY);
        }
        free(all);
        free(mine);
        free(text);
        return rc;
    }
    return hctx_reply(ctx, "help", NULL, 0);
}

int basic_unknown_command(struct hctx *ctx)
{
    struct texts_var vars[] = {{"command", ctx->command}};
    return hctx_reply(ctx, "unknown_command", vars, 1);
}

int basic_free_text(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (m->is_group)
        return 0; /* a group member talking to others is not talking to the bot */
    if ((!m->text || !*m->text) && m->n_attachments > 0)
        return hctx_reply(ctx, "non_text", NULL, 0);
    if (!m->text || !*m->text)
        return 0; /* a service message, a sticker with nothing to read */
    return hctx_reply(ctx, "fallback", NULL, 0);
}

static const struct router_command basic_rows[] = {
    {{"/start", "/batdau", NULL}, basic_start, 1},
    {{"/help", "/huongdan", "/trogiup", NULL}, basic_help, 1},
};

const struct router_table basic_commands = ROUTER_TABLE(basic_rows);
