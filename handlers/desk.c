/*
 * desk.c — see desk.h. Each command parses "<mã> [rest]", checks the officer, changes the tip,
 * records the audit entry, tells the tipster (a 'status' line is kept in the relay so
 * /trangthai shows it) and confirms in the chat the command came from. Reading tips is in
 * desk_view.c (/xem) and desk_lists.c (the lists, /tim, the summary on enrolment); the buttons
 * in desk_buttons.c.
 */
#include "handlers/desk.h"

#include "calendar/calendar.h"
#include "handlers/desk_impl.h"
#include "handlers/deskact.h"
#include "config/desks.h"
#include "text/textengine.h"
#include "base/textnorm.h"
#include "handlers/tipcard.h"
#include "storage/enrol.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Confirms a done action to the officer ("desk_done_<action>"), or says why it was not done. */
static int desk_confirm(struct hctx *ctx, const struct tip *t, const char *action, int rc,
                        const char *detail)
{
    if (rc == DESKACT_ERROR)
        return -1;
    char shown[TIPS_CODE_LEN + 2], name[48];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown},
                               {"status", tipcard_status_label(ctx, t->status)},
                               {"text", detail ? detail : ""}};
    snprintf(name, sizeof name, "desk_done_%s", action);
    return hctx_reply(ctx, name, vars, 3);
}

/* "✅ Đăng ký thành công …", and for an officer the open tips of their area right after, so one
 * enrolled after tips were filed sees them at once. */
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
                               {"area", a             ? a->name
                                        : g.area[0]   ? g.area
                                        : g.agency[0] ? g.agency
                                                      : ctx->cfg->ward_police_name}};
    if (tips_audit(ctx->db, ctx->person->id, "enrol", 0, g.role, ctx->now_ms) != DB_OK)
        return -1;
    if (!people_is_officer(g.role))
        return hctx_reply(ctx, "enrol_done", vars, 2);
    char *text = malloc(DESK_TEXT_MAX), *done = texts_render(ctx->texts, "enrol_done", vars, 2);
    char *buttons = NULL;
    size_t at = 0;
    rc = -1;
    if (text && done) {
        at = (size_t)snprintf(text, DESK_TEXT_MAX, "%s\n\n", done);
        if (desk_summary(ctx, g.area[0] ? g.area : NULL, text, &at, &buttons) == 0)
            rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, text, buttons, OUTBOX_REPLY);
    }
    free(text);
    free(done);
    free(buttons);
    return rc;
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
    rc = desk_confirm(ctx, &t, "ack", deskact_ack(ctx, &t), NULL);
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
        rc = desk_confirm(ctx, &t, "assign", deskact_assign_name(ctx, &t, rest), rest);
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
    if (!*rest) {
        rc = hctx_reply(ctx, "desk_usage_reply", NULL, 0);
        tip_clear(&t);
        return rc;
    }
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t.code, shown);
    struct texts_var vars[] = {{"code", shown}, {"text", rest}};
    /* the chat's /traloi always asks: the tipster's next message is the answer */
    rc = deskact_reply(ctx, &t, rest, true);
    if (rc == DESKACT_NO_TIPSTER)
        rc = hctx_reply(ctx, "desk_no_tipster", NULL, 0);
    else
        rc = rc == DESKACT_OK && tips_reply_wait_drop(ctx->db, ctx->msg->platform,
                                                      ctx->msg->chat_id, ctx->person->id) == DB_OK
                 ? hctx_reply(ctx, "desk_done_reply", vars, 2)
                 : -1;
    tip_clear(&t);
    return rc;
}

/* The usage with every category's label, so the officer can copy one. */
static int desk_classify_usage(struct hctx *ctx)
{
    size_t n = 0, at = 0;
    const struct textengine_category *cats = textengine_categories(ctx->te, &n);
    char list[1024] = "";
    for (size_t i = 0; i < n && at < sizeof list; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? "; " : "", cats[i].label);
    struct texts_var vars[] = {{"list", list}};
    return hctx_reply(ctx, "desk_usage_classify", vars, 1);
}

int desk_classify(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_classify", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    const char *category = deskact_category(ctx, rest);
    rc = category ? deskact_classify(ctx, &t, category) : DESKACT_BAD_CATEGORY;
    if (rc == DESKACT_BAD_CATEGORY)
        rc = desk_classify_usage(ctx);
    else
        rc = desk_confirm(ctx, &t, "classify", rc, tipcard_category_label(ctx, category));
    tip_clear(&t);
    return rc;
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
    const char *status = deskact_status(rest);
    if (!status && !*rest && ctx->caps && ctx->caps->buttons)
        rc = desk_ask_status(ctx, &t); /* "/xuly <mã>" alone: the statuses as buttons */
    else if (!status)
        rc = hctx_reply(ctx, "desk_usage_status", NULL, 0);
    else
        rc = desk_confirm(ctx, &t, "status", deskact_set_status(ctx, &t, status), status);
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
        rc = desk_confirm(ctx, &t, "close", deskact_close(ctx, &t, rest), rest);
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
    rc = desk_confirm(ctx, &t, "reopen", deskact_reopen(ctx, &t), NULL);
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
    char code[TIPS_CODE_LEN + 1], shown[TIPS_CODE_LEN + 2];
    memset(&orig, 0, sizeof orig);
    rc = tips_code_parse(rest, code) == 0 && tips_get(ctx->db, code, &orig) == DB_OK
             ? deskact_duplicate(ctx, &t, &orig)
             : DESKACT_SAME_TIP;
    tips_code_show(orig.code, shown);
    if (rc == DESKACT_SAME_TIP)
        rc = hctx_reply(ctx, "desk_usage_duplicate", NULL, 0);
    else
        rc = desk_confirm(ctx, &t, "duplicate", rc, shown);
    tip_clear(&orig);
    tip_clear(&t);
    return rc;
}

/* "/ghichu <mã> <nội dung>": an internal note on the tip, for the desk only. */
int desk_note(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_note", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    if (!*rest)
        rc = hctx_reply(ctx, "desk_usage_note", NULL, 0);
    else
        rc = desk_confirm(ctx, &t, "note", deskact_note(ctx, &t, rest), rest);
    tip_clear(&t);
    return rc;
}

/* ---- /giahan ------------------------------------------------------------------------- */

/* Skips blanks and the words people put around a date or a number of days ("đến hết ngày",
 * "tới", "thêm … ngày nữa"), already folded. */
static const char *desk_extend_skip(const char *p)
{
    static const char *const words[] = {"den", "toi", "het", "ngay", "han", "la", "them", "nua"};
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t");
        size_t i = 0;
        while (i < sizeof words / sizeof words[0] &&
               !(strlen(words[i]) == n && strncmp(p, words[i], n) == 0))
            i++;
        if (i == sizeof words / sizeof words[0])
            return p;
        p += n;
    }
}

/* Up to max digits into *v; the number of digits read. */
static int desk_digits(const char **p, int max, int *v)
{
    int n = 0;
    *v = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        *v = *v * 10 + (**p - '0');
        (*p)++, n++;
    }
    return n;
}

/* "D/M", "D/M/YY" or "D/M/YYYY" (also with "-" or "."); the year is 0 when not given. */
static int desk_date_parts(const char *p, int *d, int *m, int *y, const char **end)
{
    *y = 0;
    if (desk_digits(&p, 2, d) == 0 || !strchr("/-.", *p) || !*p)
        return -1;
    char sep = *p++;
    if (desk_digits(&p, 2, m) == 0)
        return -1;
    if (*p == sep && isdigit((unsigned char)p[1])) {
        p++;
        int digits = desk_digits(&p, 4, y);
        if (digits == 2)
            *y += 2000;
        else if (digits != 4)
            return -1;
    }
    *end = p;
    return 0;
}

enum desk_extend_form desk_extend_parse(const char *arg, int64_t today, int64_t *value)
{
    char folded[128];
    *value = 0;
    if (!arg || strlen(arg) >= sizeof folded)
        return DESK_EXTEND_BAD;
    textnorm_fold(arg, strlen(arg), folded, sizeof folded);
    const char *p = desk_extend_skip(folded), *end = NULL;
    int d = 0, m = 0, y = 0;
    if (desk_date_parts(p, &d, &m, &y, &end) == 0) {
        if (*desk_extend_skip(end) || m < 1 || m > 12 || d < 1)
            return DESK_EXTEND_BAD;
        int ty, tm, td;
        calendar_ymd(today, &ty, &tm, &td);
        /* "04/01": this year's if it is still to come (today included), else next year's; a
         * 29/02 waits for a leap year */
        for (int year = y ? y : ty; year <= (y ? y : ty + 8); year++) {
            if (d > calendar_month_days(year, m))
                continue;
            int64_t day = calendar_days(year, m, d);
            if (y || day >= today) {
                *value = day;
                return DESK_EXTEND_DATE;
            }
        }
        return DESK_EXTEND_BAD;
    }
    int days = 0;
    end = p;
    if (desk_digits(&end, 5, &days) == 0 || isdigit((unsigned char)*end) || days < 1)
        return DESK_EXTEND_BAD;
    if (*desk_extend_skip(end)) /* only "ngày" may follow the number */
        return DESK_EXTEND_BAD;
    *value = days;
    return DESK_EXTEND_DAYS;
}

/* Says why art. 147 refused the extension, and up to which day it could go. */
static int desk_extend_refusal(struct hctx *ctx, const struct tip *t, int why,
                               const struct deskact_extension *x, int64_t target_day)
{
    char shown[TIPS_CODE_LEN + 2], date[16], limit[16], current[16];
    tips_code_show(t->code, shown);
    calendar_format(target_day, date, sizeof date);
    calendar_format(x->base_day, current, sizeof current);
    calendar_format(x->max_day, limit, sizeof limit);
    struct texts_var vars[] = {
        {"code", shown}, {"date", date}, {"deadline", current}, {"max", limit}};
    return hctx_reply(ctx,
                      why == DESKACT_EXTEND_REFUSED     ? "desk_extend_refused"
                      : why == DESKACT_EXTEND_NOT_LATER ? "desk_extend_not_later"
                                                        : "desk_extend_limit",
                      vars, 4);
}

/* "/giahan <mã> <số ngày | ngày>": the limits are art. 147's (deskact_extend). */
int desk_extend(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_extend", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    struct deskact_extension x;
    deskact_extension(ctx, &t, &x);
    int64_t value = 0;
    enum desk_extend_form form = desk_extend_parse(rest, calendar_today(ctx->now_ms), &value);
    int64_t target_day = form == DESK_EXTEND_DAYS ? x.base_day + value : value;
    char date[16];
    calendar_format(target_day, date, sizeof date);
    if (form == DESK_EXTEND_BAD)
        rc = hctx_reply(ctx, "desk_usage_extend", NULL, 0);
    else if ((rc = deskact_extend(ctx, &t, target_day, &x)) > 0)
        rc = desk_extend_refusal(ctx, &t, rc, &x, target_day);
    else
        rc = desk_confirm(ctx, &t, "extend", rc, date);
    tip_clear(&t);
    return rc;
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
    {{"/phanloai", "/classify", NULL}, desk_classify, 1},
    {{"/ghichu", "/note", NULL}, desk_note, 1},
    {{"/xem", "/view", NULL}, desk_view, 1},
    {{"/tinmoi", "/new", NULL}, desk_list_new, 1},
    {{"/quahan", "/overdue", NULL}, desk_list_overdue, 1},
    {{"/dsgopy", "/feedbacks", NULL}, desk_list_feedback, 1},
    {{"/tim", "/search", NULL}, desk_search, 1},
};

const struct router_table desk_commands = ROUTER_TABLE(desk_rows);
