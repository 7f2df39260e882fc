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

/* Tells the tipster (and keeps the line for /trangthai), audits, confirms to the officer. */
static int desk_after(struct hctx *ctx, const struct tip *t, const char *action,
                      const char *tipster_name, const char *detail)
{
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown},
                               {"status", tipcard_status_label(ctx, t->status)},
                               {"text", detail ? detail : ""}};
    if (tipster_name) {
        char *line = texts_render(ctx->texts, tipster_name, vars, 3);
        int rc = line ? tips_message_add(ctx->db, t->id, "status", line, ctx->person->id, false,
                                         ctx->now_ms)
                      : DB_ERROR;
        free(line);
        if (rc != DB_OK || tipcard_tell_tipster(ctx, t, tipster_name, vars, 3) != 0)
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
                 tipcard_tell_tipster(ctx, &t, "relay_to_tipster", vars, 2) == 0 &&
                 tips_audit(ctx->db, ctx->person->id, "reply", t.id, rest, ctx->now_ms) == DB_OK &&
                 tips_reply_wait_drop(ctx->db, ctx->msg->platform, ctx->msg->chat_id,
                                      ctx->person->id) == DB_OK
             ? hctx_reply(ctx, "desk_done_reply", vars, 2)
             : -1;
    tip_clear(&t);
    return rc;
}

/* The category typed by an officer: its name ("robbery"), or a word-aligned part of its
 * Vietnamese label, folded ("cuop" → "Cướp tài sản"). The first category whose label starts
 * with it wins, then the first containing it; NULL when none or the text is empty. */
static const char *desk_parse_category(const struct hctx *ctx, const char *typed)
{
    char folded[128], label[160];
    textnorm_fold(typed, strlen(typed), folded, sizeof folded);
    size_t n = 0, len = strlen(folded);
    const struct textengine_category *cats = textengine_categories(ctx->te, &n);
    const char *inside = NULL;
    for (size_t i = 0; len && i < n; i++) {
        if (strcmp(folded, cats[i].name) == 0)
            return cats[i].name;
        textnorm_fold(cats[i].label, strlen(cats[i].label), label, sizeof label);
        const char *at = strstr(label, folded);
        bool aligned = at && (at == label || !isalnum((unsigned char)at[-1])) &&
                       !isalnum((unsigned char)at[len]);
        if (aligned && at == label)
            return cats[i].name;
        if (aligned && !inside)
            inside = cats[i].name;
    }
    return inside;
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
    const char *category = desk_parse_category(ctx, rest);
    if (!category || strcmp(t.kind, "feedback") == 0)
        rc = desk_classify_usage(ctx);
    else
        rc = tips_set_category(ctx->db, t.id, category, ctx->now_ms) == DB_OK &&
                     desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "classify", NULL, tipcard_category_label(ctx, category))
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
    if (!status && !*rest && ctx->caps && ctx->caps->buttons)
        rc = desk_ask_status(ctx, &t); /* "/xuly <mã>" alone: the statuses as buttons */
    else if (!status)
        rc = hctx_reply(ctx, "desk_usage_status", NULL, 0);
    else
        rc = tips_set_status(ctx->db, t.id, status, ctx->now_ms) == DB_OK &&
                     desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "status",
                              strcmp(status, "rejected") == 0 ? "tip_notice_rejected"
                                                              : "tip_notice_status",
                              status)
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

int64_t desk_extend_max_day(int64_t created_day, int64_t base_day, int extensions)
{
    if (extensions >= 2)
        return base_day;
    int64_t cap = created_day + (extensions == 0 ? 60 : 120);
    int64_t most = base_day + DESK_EXTEND_MAX_DAYS;
    return cap < most ? cap : most;
}

/* Refuses an extension with the reason and the limit; 0 when it is within art. 147. */
static int desk_extend_check(struct hctx *ctx, const struct tip *t, int64_t base_day,
                             int64_t target_day, int *refused)
{
    char shown[TIPS_CODE_LEN + 2], date[16], limit[16], current[16];
    tips_code_show(t->code, shown);
    calendar_format(target_day, date, sizeof date);
    calendar_format(base_day, current, sizeof current);
    int64_t max_day = desk_extend_max_day(calendar_today(t->created_at), base_day, t->extensions);
    calendar_format(max_day, limit, sizeof limit);
    struct texts_var vars[] = {
        {"code", shown}, {"date", date}, {"deadline", current}, {"max", limit}};
    const char *name = t->extensions >= 2 || max_day <= base_day ? "desk_extend_refused"
                       : target_day <= base_day                  ? "desk_extend_not_later"
                       : target_day > max_day                    ? "desk_extend_limit"
                                                                 : NULL;
    *refused = name != NULL;
    return name ? hctx_reply(ctx, name, vars, 4) : 0;
}

/* Art. 147: 20 days; one extension to at most 2 months from receipt, a second of at most 2
 * more months; 4 months in all. A limit counted in days ends at 24:00 of its last day (art.
 * 133), so an extended deadline is the end of the day it names. */
int desk_extend(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    struct tip t;
    const char *rest;
    int rc = desk_tip(ctx, "desk_usage_extend", &rest, &t);
    if (rc != DB_OK)
        return rc == DB_ERROR ? -1 : 0;
    int64_t base =
        t.deadline_at ? t.deadline_at : t.created_at + ctx->desks->rules.resolve_days * DESK_DAY_MS;
    int64_t base_day = calendar_today(base), value = 0;
    enum desk_extend_form form = desk_extend_parse(rest, calendar_today(ctx->now_ms), &value);
    int64_t target_day = form == DESK_EXTEND_DAYS ? base_day + value : value;
    int refused = 0;
    if (form == DESK_EXTEND_BAD)
        rc = hctx_reply(ctx, "desk_usage_extend", NULL, 0);
    else if ((rc = desk_extend_check(ctx, &t, base_day, target_day, &refused)) == 0 && !refused) {
        char date[16];
        calendar_format(target_day, date, sizeof date);
        int64_t deadline = calendar_at(target_day + 1, 0) - 1;
        rc = tips_extend(ctx->db, t.id, (int)(target_day - base_day), deadline, ctx->now_ms) ==
                         DB_OK &&
                     desk_reload(ctx, &t) == 0
                 ? desk_after(ctx, &t, "extend", NULL, date)
                 : -1;
    }
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
    {{"/xem", "/view", NULL}, desk_view, 1},
    {{"/tinmoi", "/new", NULL}, desk_list_new, 1},
    {{"/quahan", "/overdue", NULL}, desk_list_overdue, 1},
    {{"/dsgopy", "/feedbacks", NULL}, desk_list_feedback, 1},
    {{"/tim", "/search", NULL}, desk_search, 1},
};

const struct router_table desk_commands = ROUTER_TABLE(desk_rows);
