/*
 * desk_login.c — see desk_login.h. The link's base is cfg->http_base_url, which the HTTP server
 * completes with the port it really listens on before the worker starts. Signing out is
 * audited like signing in (bot/deskweb.c): action "sign_out", no tip.
 */
#include "handlers/desk_login.h"

#include "storage/desk_auth.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <stdio.h>

enum { DESK_LOGIN_LINK_MAX = CFG_URL_MAX + DESK_SECRET_HEX + 32 };

int desk_login(struct hctx *ctx)
{
    if (ctx->msg->is_group)
        return hctx_reply(ctx, "desk_login_group", NULL, 0);
    if (!ctx->person || !desk_auth_role_ok(ctx->person->role))
        return hctx_reply(ctx, "desk_login_not_enrolled", NULL, 0);
    char secret[DESK_SECRET_HEX + 1], link[DESK_LOGIN_LINK_MAX];
    int rc = desk_link_create(ctx->db, ctx->person->id, ctx->now_ms, secret);
    if (rc == DB_NOT_FOUND)
        return hctx_reply(ctx, "desk_login_not_enrolled", NULL, 0);
    if (rc != DB_OK)
        return -1;
    snprintf(link, sizeof link, "%s/desk/login#t=%s", ctx->cfg->http_base_url, secret);
    struct texts_var vars[] = {{"link", link}};
    return hctx_reply(ctx, "desk_login_link", vars, 1);
}

int desk_logout(struct hctx *ctx)
{
    if (!ctx->person || !desk_auth_role_ok(ctx->person->role))
        return hctx_reply(ctx, "desk_login_not_enrolled", NULL, 0);
    int64_t ended = 0;
    if (desk_sessions_end_person(ctx->db, ctx->person->id, ctx->now_ms, &ended) != DB_OK ||
        tips_audit(ctx->db, ctx->person->id, "sign_out", 0, "chat", ctx->now_ms) != DB_OK)
        return -1;
    if (ended == 0)
        return hctx_reply(ctx, "desk_logout_none", NULL, 0);
    char count[24];
    snprintf(count, sizeof count, "%lld", (long long)ended);
    struct texts_var vars[] = {{"count", count}};
    return hctx_reply(ctx, "desk_logout_done", vars, 1);
}

static const struct router_command desk_login_rows[] = {
    {{"/dangnhap", "/login", NULL}, desk_login, 1}, /* in a group: refused, with no link */
    {{"/dangxuat", "/logout", NULL}, desk_logout, 0},
};
const struct router_table desk_login_commands = ROUTER_TABLE(desk_login_rows);
