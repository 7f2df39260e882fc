/*
 * router.c — see router.h. Commands are data: each module's table of rows with aliases.
 * Vietnamese command names are ASCII (/baotin) because chat apps only make "/" commands of
 * ASCII words; typed variants with diacritics are a matter for the text engine. A button press
 * goes to the desk when it is a desk button (desk_callback), else to the conversation it answers.
 */
#include "handlers/router.h"

#include "handlers/basic.h"
#include "handlers/campaign.h"
#include "handlers/deadlines.h"
#include "handlers/desk.h"
#include "handlers/desk_login.h"
#include "handlers/groups.h"
#include "handlers/scam.h"
#include "handlers/report.h"
#include "handlers/resident.h"

#include "storage/platform_store.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Every module's commands, looked up in this order. */
static const struct router_table *const router_tables[] = {
    &basic_commands, &report_commands,    &desk_commands,     &group_commands,
    &scam_commands,  &deadlines_commands, &campaign_commands, &desk_login_commands,
};

int router_parse_command(const char *text, char command[HCTX_COMMAND_MAX], const char **args)
{
    command[0] = '\0';
    *args = "";
    if (!text)
        return 0;
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    if (text[0] != '/' || !isalnum((unsigned char)text[1]))
        return 0;
    size_t n = 0;
    const char *p = text;
    while (*p && !isspace((unsigned char)*p) && *p != '@') {
        if (n < HCTX_COMMAND_MAX - 1)
            command[n++] = (char)tolower((unsigned char)*p);
        p++;
    }
    command[n] = '\0';
    while (*p && !isspace((unsigned char)*p)) /* skip @BotName */
        p++;
    while (isspace((unsigned char)*p))
        p++;
    *args = p;
    return 1;
}

/* In a group, "/cmd@Name" is ours only when Name is this bot's username (as getMe said). */
static int router_addressed_to_us(struct hctx *ctx)
{
    const char *text = ctx->msg->text;
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    const char *end = text + strcspn(text, " \t\r\n");
    const char *at = memchr(text, '@', (size_t)(end - text));
    if (!at)
        return 1;
    char mine[128];
    if (pstore_get(ctx->db, ctx->msg->platform, "username", mine, sizeof mine) != DB_OK)
        return 1; /* not known (yet): answer rather than ignore a resident */
    size_t n = (size_t)(end - at - 1);
    return strlen(mine) == n && strncasecmp(at + 1, mine, n) == 0;
}

static const struct router_command *router_find(const char *command)
{
    for (size_t t = 0; t < sizeof router_tables / sizeof router_tables[0]; t++)
        for (size_t i = 0; i < router_tables[t]->n; i++) {
            const struct router_command *c = &router_tables[t]->rows[i];
            for (int j = 0; c->names[j]; j++)
                if (strcmp(c->names[j], command) == 0)
                    return c;
        }
    return NULL;
}

/* Text that is not a command: the conversation in progress, an answer to a police question,
 * a tip offered in a private chat, or the friendly fallback. */
static int router_text(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    int rc = desk_reply_text(ctx); /* an officer's reply typed after "Trả lời" */
    if (rc == 0)
        rc = campaign_text(ctx); /* a /canhbao confirmation, or a plain "dừng" */
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (m->is_group)
        return m->kind == MSG_CALLBACK ? 0 : group_watch(ctx);
    rc = report_continue(ctx);
    if (rc == 0 && m->kind == MSG_CALLBACK)
        return m->is_group ? 0 : hctx_reply(ctx, "button_expired", NULL, 0);
    if (rc == 0)
        rc = resident_answer(ctx);
    if (rc == 0)
        rc = report_free_text(ctx);
    if (rc == 0)
        rc = basic_free_text(ctx);
    return rc < 0 ? -1 : 0;
}

int router_dispatch(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (m->kind == MSG_MEMBER)
        return basic_member(ctx);
    if (m->kind == MSG_EDITED)
        return 0; /* recorded in the inbox; nothing to answer yet */
    if (m->kind == MSG_CALLBACK) {
        /* Desks are usually group chats: their buttons are answered there too, the presser
         * checked as the typed command would check them. Other presses are conversations'. */
        int rc = desk_callback(ctx);
        return rc != 0 ? (rc < 0 ? -1 : 0) : router_text(ctx);
    }
    if (!router_parse_command(m->text, ctx->command, &ctx->args))
        return router_text(ctx);
    if (m->is_group && !router_addressed_to_us(ctx))
        return 0; /* "/help@OtherBot" in a group is for another bot */
    const struct router_command *cmd = router_find(ctx->command);
    if (cmd && (!m->is_group || cmd->in_groups))
        return cmd->fn(ctx);
    if (m->is_group)
        return 0; /* commands meant for other bots in the group */
    return basic_unknown_command(ctx);
}
