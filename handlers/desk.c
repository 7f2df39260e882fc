/*
 * desk.c — see desk.h. Each command parses "<mã> [rest]", checks the officer, changes the tip,
 * records the audit entry, tells the tipster (a 'status' line is kept in the relay so
 * /trangthai shows it) and confirms in the chat the command came from.
 */
#include "handlers/desk.h"

#include "handlers/desks.h"
#include "handlers/textengine.h"
#include "handlers/textnorm.h"
#include "handlers/tipfile.h"
#include "storage/enrol.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DESK_TEXT_MAX = 8192 };
#define DESK_DAY_MS 86400000LL

/* Only enrolled officers use the desk; anyone else is refused politely. */
static int desk_officer(struct hctx *ctx)
{
    if (ctx->person && ctx->person->role && strcmp(ctx->person->role, "police") == 0)
        return 1;
    hctx_reply(ctx, "desk_only_police", NULL, 0);
    return 0;
}

/* Splits args into the first word and the rest. */
static const char *desk_word(const char *args, char *word, size_t size)
{
    size_t n = strcspn(args, " \t\r\n");
    snprintf(word, size, "%.*s", (int)(n < size - 1 ? n : size - 1), args);
    const char *rest = args + n;
    while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r')
        rest++;
    return rest;
}

/* Reads the tip named by the first word of args; answers the officer when it cannot. */
static int desk_tip(struct hctx *ctx, const char *usage, const char **rest, struct tip *t)
{
    char word[32], code[TIPS_CODE_LEN + 1];
    *rest = desk_word(ctx->args, word, sizeof word);
    memset(t, 0, sizeof *t);
    if (!word[0]) {
        hctx_reply(ctx, usage, NULL, 0);
        return DB_NOT_FOUND;
    }
    int rc = tips_code_parse(word, code) == 0 ? tips_get(ctx->db, code, t) : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND) {
        struct texts_var vars[] = {{"code", word}};
        hctx_reply(ctx, "desk_unknown_code", vars, 1);
    }
    return rc;
}

/* Tells the tipster (and keeps the line for /trangthai), audits, confirms to the officer. */
static int desk_after(struct hctx *ctx, const struct tip *t, const char *action,
                      const char *tipster_name, const char *detail)
{
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown},
                               {"status", tipfile_status_label(ctx, t->status)},
                               {"text", detail ? detail : ""}};
    if (tipster_name) {
        char *line = texts_render(ctx->texts, tipster_name, vars, 3);
        int rc = line ? tips_message_add(ctx->db, t->id, "status", line, ctx->person->id, false,
                                         ctx->now_ms)
                      : DB_ERROR;
        free(line);
        if (rc != DB_OK || tipfile_tell_tipster(ctx, t, tipster_name, vars, 3) != 0)
            return -1;
    }
    if (tips_audit(ctx->db, ctx->person->id, action, t->id, detail, ctx->now_ms) != DB_OK)
        return -1;
    char name[48];
    snprintf(name, sizeof name, "desk_done_%s", action);
    return hctx_reply(ctx, name, vars, 3);
}

/* Re-reads the tip after a change, so the messages show the new state. */
static int desk_reload(struct hctx *ctx, struct tip *t)
{
    int64_t id = t->id;
    tip_clear(t);
    return tips_get_id(ctx->db, id, t) == DB_OK ? 0 : -1;
}

int desk_enrol(struct hctx *ctx)
{
    if (!*ctx->args)
        return hctx_reply(ctx, "enrol_usage", NULL, 0);
    if (!ctx->person)
        return hctx_reply(ctx, "enrol_bad_code", NULL, 0);
    struct enrol_grant g;
    int rc = enrol_redeem(ctx->db, ctx->args, ctx->person->id, ctx->now_ms, &g);
    if (rc == DB_ERROR)
        return -1;
    if (rc != DB_OK)
        return hctx_reply(ctx, "enrol_bad_code", NULL, 0);
    char role[48];
    snprintf(role, sizeof role, "role_%s", g.role);
    const struct area *a = desks_area(ctx->desks, g.area);
    struct texts_var vars[] = {{"role", texts_get(ctx->texts, role)},
                               {"area", a           ? a->name
                                        : g.area[0] ? g.area
                                                    : g.agency}};
    tips_audit(ctx->db, ctx->person->id, "enrol", 0, g.role, ctx->now_ms);
    return hctx_reply(ctx, "enrol_done", vars, 2);
}

int desk_ack(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_ack", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    int first = t.acknowledged_at == 0;
    rc = tips_acknowledge(ctx->db, t.id, ctx->now_ms) == DB_OK && desk_reload(ctx, &t) == 0
             ? desk_after(ctx, &t, "ack", first ? "tip_notice_ack" : NULL, NULL)
             : -1;
    tip_clear(&t);
    return rc;
}

int desk_assign(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_assign", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    if (!*rest)
        rc = hctx_reply(ctx, "desk_usage_assign", NULL, 0);
    else
        rc = tips_assign(ctx->db, t.id, rest, ctx->now_ms) == DB_OK && desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "assign", NULL, rest)
                 : -1;
    tip_clear(&t);
    return rc;
}

int desk_reply(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_reply", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    if (!*rest || strcmp(t.kind, "group_lead") == 0) {
        rc = hctx_reply(ctx, *rest ? "desk_no_tipster" : "desk_usage_reply", NULL, 0);
        tip_clear(&t);
        return rc;
    }
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t.code, shown);
    struct texts_var vars[] = {{"code", shown}, {"text", rest}};
    /* One open question per tip at a time: the newest replaces older ones. */
    rc = tips_close_questions(ctx->db, t.id) == DB_OK &&
                 tips_message_add(ctx->db, t.id, "to_tipster", rest, ctx->person->id, true,
                                  ctx->now_ms) == DB_OK &&
                 tips_acknowledge(ctx->db, t.id, ctx->now_ms) == DB_OK &&
                 tipfile_tell_tipster(ctx, &t, "relay_to_tipster", vars, 2) == 0 &&
                 tips_audit(ctx->db, ctx->person->id, "reply", t.id, rest, ctx->now_ms) == DB_OK
             ? hctx_reply(ctx, "desk_done_reply", vars, 2)
             : -1;
    tip_clear(&t);
    return rc;
}

struct desk_status_word {
    const char *status;
    const char *folded; /* accepted typed forms, folded, "|"-separated */
};

static const struct desk_status_word desk_statuses[] = {
    {"received", "received|tiep nhan|da tiep nhan|nhan"},
    {"verifying", "verifying|xac minh|dang xac minh"},
    {"transferred", "transferred|chuyen|da chuyen|chuyen co quan"},
    {"resolved", "resolved|giai quyet|da giai quyet|xong"},
    {"rejected", "rejected|khong co can cu|tu choi|bac|sai su that"},
};

static const char *desk_parse_status(const char *typed)
{
    char folded[128];
    textnorm_fold(typed, strlen(typed), folded, sizeof folded);
    for (size_t i = 0; i < sizeof desk_statuses / sizeof desk_statuses[0]; i++) {
        char forms[128];
        snprintf(forms, sizeof forms, "%s", desk_statuses[i].folded);
        for (char *save = NULL, *w = strtok_r(forms, "|", &save); w; w = strtok_r(NULL, "|", &save))
            if (strcmp(folded, w) == 0)
                return desk_statuses[i].status;
    }
    return NULL;
}

int desk_set_status(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_status", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    const char *status = desk_parse_status(rest);
    if (!status)
        rc = hctx_reply(ctx, "desk_usage_status", NULL, 0);
    else
        rc = tips_set_status(ctx->db, t.id, status, ctx->now_ms) == DB_OK &&
                     desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "status", "tip_notice_status", status)
                 : -1;
    tip_clear(&t);
    return rc;
}

int desk_close(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_close", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    if (!*rest)
        rc = hctx_reply(ctx, "desk_usage_close", NULL, 0);
    else
        rc = tips_close(ctx->db, t.id, rest, ctx->now_ms) == DB_OK &&
                     tips_close_questions(ctx->db, t.id) == DB_OK && desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "close", "tip_notice_closed", rest)
                 : -1;
    tip_clear(&t);
    return rc;
}

int desk_reopen(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_reopen", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    rc = tips_reopen(ctx->db, t.id, ctx->now_ms) == DB_OK && desk_reload(ctx, &t) == 0
             ? desk_after(ctx, &t, "reopen", "tip_notice_reopened", NULL)
             : -1;
    tip_clear(&t);
    return rc;
}

int desk_duplicate(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t, orig;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_duplicate", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    char code[TIPS_CODE_LEN + 1];
    memset(&orig, 0, sizeof orig);
    if (tips_code_parse(rest, code) != 0 || tips_get(ctx->db, code, &orig) != DB_OK ||
        orig.id == t.id) {
        rc = hctx_reply(ctx, "desk_usage_duplicate", NULL, 0);
    } else {
        char shown[TIPS_CODE_LEN + 2];
        tips_code_show(orig.code, shown);
        rc = tips_mark_duplicate(ctx->db, t.id, orig.id, ctx->now_ms) == DB_OK &&
                     desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "duplicate", "tip_notice_duplicate", shown)
                 : -1;
    }
    tip_clear(&orig);
    tip_clear(&t);
    return rc;
}

/* Art. 147: 20 days; one extension to at most 2 months from receipt, a second of at most
 * 2 more months; 4 months in all. */
static int desk_extension_ok(const struct tip *t, int days, int64_t *deadline)
{
    int64_t base = t->deadline_at ? t->deadline_at : t->created_at + 20 * DESK_DAY_MS;
    *deadline = base + days * DESK_DAY_MS;
    if (days < 1 || days > 60 || t->extensions >= 2)
        return 0;
    int64_t cap = t->created_at + (t->extensions == 0 ? 60 : 120) * DESK_DAY_MS;
    return *deadline <= cap;
}

int desk_extend(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_extend", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    int days = atoi(rest);
    int64_t deadline = 0;
    if (!desk_extension_ok(&t, days, &deadline)) {
        rc = hctx_reply(ctx, "desk_extend_refused", NULL, 0);
    } else {
        char when[32];
        tipfile_time(deadline, when, sizeof when);
        rc = tips_extend(ctx->db, t.id, days, deadline, ctx->now_ms) == DB_OK &&
                     desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "extend", NULL, when)
                 : -1;
    }
    tip_clear(&t);
    return rc;
}

/* Sends a list of tips (or the "none" text) to the officer. */
static int desk_send_list(struct hctx *ctx, struct tip *list, int n, const char *head,
                          const char *none)
{
    if (n == 0)
        return hctx_reply(ctx, none, NULL, 0);
    char *buf = malloc(DESK_TEXT_MAX);
    if (!buf)
        return -1;
    size_t at = (size_t)snprintf(buf, DESK_TEXT_MAX, "%s", texts_get(ctx->texts, head));
    for (int i = 0; i < n; i++) {
        char shown[TIPS_CODE_LEN + 2], created[32], deadline[32] = "";
        tips_code_show(list[i].code, shown);
        tipfile_time(list[i].created_at, created, sizeof created);
        if (list[i].deadline_at)
            tipfile_time(list[i].deadline_at, deadline, sizeof deadline);
        struct texts_var vars[] = {
            {"code", shown},
            {"category", tipfile_category_label(ctx, list[i].category)},
            {"status", tipfile_status_label(ctx, list[i].status)},
            {"created", created},
            {"deadline", deadline},
            {"urgent", list[i].urgent ? texts_get(ctx->texts, "desk_urgent_mark") : ""},
        };
        char *line = texts_render(ctx->texts, "desk_list_line", vars, 6);
        if (line && at + strlen(line) + 2 < DESK_TEXT_MAX)
            at += (size_t)snprintf(buf + at, DESK_TEXT_MAX - at, "\n%s", line);
        free(line);
    }
    int rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, buf, NULL, OUTBOX_REPLY);
    free(buf);
    return rc;
}

static int desk_list(struct hctx *ctx, int which)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip list[TIPS_LIST_MAX];
    int n = 0, rc;
    if (which == 0)
        rc = tips_list_unacknowledged(ctx->db, list, TIPS_LIST_MAX, &n);
    else if (which == 1)
        rc = tips_list_overdue(ctx->db, ctx->now_ms, list, TIPS_LIST_MAX, &n);
    else {
        if (!*ctx->args)
            return hctx_reply(ctx, "desk_usage_search", NULL, 0);
        char folded[512];
        textnorm_fold(ctx->args, strlen(ctx->args), folded, sizeof folded);
        rc = tips_search(ctx->db, folded, list, TIPS_LIST_MAX, &n);
    }
    if (rc != DB_OK)
        return -1;
    static const char *const heads[] = {"desk_list_new", "desk_list_overdue", "desk_list_found"};
    static const char *const nones[] = {"desk_none_new", "desk_none_overdue", "desk_none_found"};
    rc = desk_send_list(ctx, list, n, heads[which], nones[which]);
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
    return rc;
}

int desk_list_new(struct hctx *ctx)
{
    return desk_list(ctx, 0);
}

int desk_list_overdue(struct hctx *ctx)
{
    return desk_list(ctx, 1);
}

int desk_search(struct hctx *ctx)
{
    return desk_list(ctx, 2);
}

/* Desks are often group chats: every desk command works in groups. */
static const struct router_command desk_rows[] = {
    {{"/dangky", "/register", NULL}, desk_enrol, 1},
    {{"/nhan", "/ack", NULL}, desk_ack, 1},
    {{"/giao", "/assign", NULL}, desk_assign, 1},
    {{"/traloi", "/reply", NULL}, desk_reply, 1},
    {{"/xuly", "/update", NULL}, desk_set_status, 1},
    {{"/dong", "/close", NULL}, desk_close, 1},
    {{"/mo", "/reopen", NULL}, desk_reopen, 1},
    {{"/trungvoi", "/duplicate", NULL}, desk_duplicate, 1},
    {{"/giahan", "/extend", NULL}, desk_extend, 1},
    {{"/tinmoi", "/new", NULL}, desk_list_new, 1},
    {{"/quahan", "/overdue", NULL}, desk_list_overdue, 1},
    {{"/tim", "/search", NULL}, desk_search, 1},
};

const struct router_table desk_commands = ROUTER_TABLE(desk_rows);
