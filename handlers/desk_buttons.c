/*
 * desk_buttons.c — what pressing the buttons under desk messages does (desk.h); the buttons
 * themselves are made by tipcard.c (a tip's) and desk_parts.c (lists, the status question).
 *
 * A press arrives as a callback whose payload is "desk:<action>:<code>[:<more>]" (on Telegram
 * the payload stays on the server, behind a token; the web chat carries it itself, which is why
 * every press is checked exactly as the typed command would be: the presser must be an enrolled
 * officer). Each press runs the typed command it stands for, so a button never does anything a
 * command cannot:
 *
 *   Nhận     → /nhan <mã>          Xem → /xem <mã>
 *   Xử lý    → the statuses as buttons, each → /xuly <mã> <trạng thái>
 *   Trả lời  → "type your reply": the officer's next plain message in that chat, within
 *              DESK_REPLY_WAIT_MIN minutes, is sent as /traloi <mã> <nội dung> would send it
 *              ("hủy" or the Hủy button gives up; /traloi still works as typed). A desk group
 *              often talks among itself, so the wait is per officer, short, and announced.
 *   Xem tiếp → the next page of a list.
 *
 * Platforms without buttons (Zalo, the console) get none of this: the messages say the commands.
 */
#include "handlers/desk.h"
#include "handlers/desk_impl.h"

#include "handlers/choice.h"
#include "base/textnorm.h"
#include "handlers/tipcard.h"
#include "storage/people.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESK_CB TIPCARD_CB

/* Runs a desk command as if "<command> <args>" had been typed: a press does what typing does. */
static int desk_run(struct hctx *ctx, handler_fn fn, const char *command, const char *args)
{
    const char *saved = ctx->args;
    snprintf(ctx->command, sizeof ctx->command, "%s", command);
    ctx->args = args;
    int rc = fn(ctx);
    ctx->args = saved;
    return rc;
}

/* ---- "Trả lời": the reply typed next ---------------------------------------------------- */

/* Starts waiting for the officer's reply to the tip named by code. */
static int desk_reply_wait(struct hctx *ctx, const char *code)
{
    struct tip t;
    const char *rest, *saved = ctx->args;
    ctx->args = code;
    int rc = desk_tip(ctx, "desk_usage_reply", &rest, &t);
    ctx->args = saved;
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    char shown[TIPS_CODE_LEN + 2], minutes[16];
    tips_code_show(t.code, shown);
    snprintf(minutes, sizeof minutes, "%d", DESK_REPLY_WAIT_MIN);
    struct texts_var vars[] = {{"code", shown}, {"minutes", minutes}};
    if (strcmp(t.kind, "group_lead") == 0 || !t.platform || !t.chat_id) {
        rc = hctx_reply(ctx, "desk_no_tipster", NULL, 0);
    } else if (tips_reply_wait_put(ctx->db, ctx->msg->platform, ctx->msg->chat_id, ctx->person->id,
                                   t.id, ctx->now_ms) != DB_OK) {
        rc = -1;
    } else {
        char *text = texts_render(ctx->texts, "desk_reply_prompt", vars, 2);
        json_t *rows = json_array(), *row = json_array();
        tipcard_button(row, texts_get(ctx->texts, "choice_cancel"), "noreply", t.code, NULL);
        json_array_append_new(rows, row);
        char *buttons = tipcard_rows_take(rows);
        rc = text ? hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, text, buttons,
                              OUTBOX_REPLY)
                  : -1;
        free(text);
        free(buttons);
    }
    tip_clear(&t);
    return rc;
}

static int desk_reply_given_up(struct hctx *ctx, const char *code)
{
    if (tips_reply_wait_drop(ctx->db, ctx->msg->platform, ctx->msg->chat_id, ctx->person->id) !=
        DB_OK)
        return -1;
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(code, shown);
    struct texts_var vars[] = {{"code", shown}};
    return hctx_reply(ctx, "desk_reply_cancelled", vars, 1);
}

int desk_reply_text(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (m->kind != MSG_TEXT || !m->text || !*m->text || !ctx->person ||
        !people_is_officer(ctx->person->role))
        return 0;
    int64_t tip_id = 0;
    int64_t since = ctx->now_ms - DESK_REPLY_WAIT_MIN * 60000LL;
    int rc =
        tips_reply_wait_take(ctx->db, m->platform, m->chat_id, ctx->person->id, since, &tip_id);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? 0 : -1;
    struct tip t;
    if (tips_get_id(ctx->db, tip_id, &t) != DB_OK)
        return -1;
    char folded[32];
    textnorm_fold(m->text, strlen(m->text), folded, sizeof folded);
    if (strcmp(folded, "huy") == 0 || strcmp(folded, "thoi") == 0 || strcmp(folded, "/huy") == 0) {
        rc = desk_reply_given_up(ctx, t.code);
    } else {
        size_t size = strlen(m->text) + TIPS_CODE_LEN + 2;
        char *args = malloc(size);
        rc = -1;
        if (args) {
            snprintf(args, size, "%s %s", t.code, m->text);
            rc = desk_run(ctx, desk_reply, "/traloi", args);
        }
        free(args);
    }
    tip_clear(&t);
    return rc < 0 ? -1 : 1;
}

/* ---- presses ------------------------------------------------------------------------------ */

/* "new:2", "overdue:3", "feedback:2", "find:2:<folded words>" → the list command with its
 * page. */
static int desk_page_press(struct hctx *ctx, const char *action, const char *rest)
{
    char args[DESK_CALLBACK_MAX + 16];
    const char *colon = strchr(rest, ':');
    if (strcmp(action, "find") == 0) {
        if (!colon)
            return 0;
        snprintf(args, sizeof args, "%s trang %.*s", colon + 1, (int)(colon - rest), rest);
        return desk_run(ctx, desk_search, "/tim", args);
    }
    snprintf(args, sizeof args, "%s", rest);
    if (strcmp(action, "feedback") == 0)
        return desk_run(ctx, desk_list_feedback, "/dsgopy", args);
    return desk_run(ctx, strcmp(action, "new") == 0 ? desk_list_new : desk_list_overdue,
                    strcmp(action, "new") == 0 ? "/tinmoi" : "/quahan", args);
}

int desk_callback(struct hctx *ctx)
{
    const char *data = ctx->msg->callback_data;
    if (!data || strncmp(data, DESK_CB, strlen(DESK_CB)) != 0)
        return 0;
    if (!desk_officer(ctx))
        return 1;
    char action[16], code[DESK_CALLBACK_MAX];
    const char *p = data + strlen(DESK_CB);
    size_t n = strcspn(p, ":");
    snprintf(action, sizeof action, "%.*s", (int)n, p);
    const char *rest = p[n] == ':' ? p + n + 1 : "";
    size_t c = strcspn(rest, ":");
    snprintf(code, sizeof code, "%.*s", (int)c, rest);
    const char *more = rest[c] == ':' ? rest + c + 1 : "";
    int rc;
    if (strcmp(action, "ack") == 0)
        rc = desk_run(ctx, desk_ack, "/nhan", code);
    else if (strcmp(action, "view") == 0)
        rc = desk_run(ctx, desk_view, "/xem", code);
    else if (strcmp(action, "reply") == 0)
        rc = desk_reply_wait(ctx, code);
    else if (strcmp(action, "noreply") == 0)
        rc = desk_reply_given_up(ctx, code);
    else if (strcmp(action, "status") == 0 || strcmp(action, "set") == 0) {
        char args[DESK_CALLBACK_MAX * 2];
        snprintf(args, sizeof args, "%s %s", code, more);
        rc = desk_run(ctx, desk_set_status, "/xuly", args);
    } else if (strcmp(action, "new") == 0 || strcmp(action, "overdue") == 0 ||
               strcmp(action, "feedback") == 0 || strcmp(action, "find") == 0)
        rc = desk_page_press(ctx, action, rest);
    else
        rc = hctx_reply(ctx, "button_expired", NULL, 0);
    return rc < 0 ? -1 : 1;
}
