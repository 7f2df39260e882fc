/*
 * deskapi_act.c — the web desk's actions on a tip (POST /api/desk/tips/:code/<action>) and the
 * colleagues a tip may be assigned to (GET /colleagues). Each route finds the tip in the
 * person's scope (404 otherwise, like a code that does not exist), checks its body (400
 * bad_request with a message saying what to fix), runs the same deskact_* function the chat's
 * command runs, tells the tip's desk chat in one line what was done on the web (the chat and
 * the web stay one desk; an internal note stays on the tip), and answers {"ok":true,"tip":row}.
 *
 * Texts a person typed are NFC'd and bounded like a resident's message (msg_text_nfc).
 */
#include "handlers/deskapi.h"
#include "handlers/deskapi_tips.h"

#include "base/msg.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "config/desks.h"
#include "handlers/desk_impl.h"
#include "handlers/deskact.h"
#include "handlers/tipcard.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    ACT_NAME_CHARS = 100,      /* characters of a name typed for an assignment */
    ACT_WORD_BYTES = 256,      /* bytes of a status, category or code in a body */
    ACT_COLLEAGUES_MAX = 200,  /* colleagues listed at most (a ward's staff) */
    ACT_EXTEND_DAYS_MAX = 366, /* days asked for at most (art. 147 allows far fewer) */
    ACT_DATE_MAX = 16,         /* "YYYY-MM-DD" with the NUL, and room */
};

/* ---- the answers ---------------------------------------------------------------------------- */

/* 400 bad_request with the message of text name (what to fix). */
static int act_bad(struct hctx *ctx, struct deskapi_resp *resp, const char *name)
{
    deskapi_error(ctx, resp, 400, "bad_request");
    const char *message = texts_get(ctx->texts, name);
    json_t *error = json_object_get(resp->body, "error");
    if (error && message && *message)
        json_object_set_new(error, "message", json_string(message));
    return 0;
}

/* The signed-in person's name as the desk chat reads it. */
static const char *act_who(struct hctx *ctx)
{
    const char *name = ctx->person->display_name;
    return name && *name ? name : texts_get(ctx->texts, "desk_event_officer");
}

/* One line to the tip's desk chat (when it has one) saying what was done on the web. */
static int act_tell_desk(struct hctx *ctx, const struct tip *t, const char *action,
                         const char *detail)
{
    if (!t->desk_platform || !t->desk_chat_id || !*t->desk_platform || !*t->desk_chat_id)
        return 0;
    char shown[TIPS_CODE_LEN + 2], name[48];
    tips_code_show(t->code, shown);
    snprintf(name, sizeof name, "desk_web_told_%s", action);
    struct texts_var vars[] = {{"who", act_who(ctx)},
                               {"code", shown},
                               {"status", tipcard_status_label(ctx, t->status)},
                               {"text", detail ? detail : ""}};
    char *text = texts_render(ctx->texts, name, vars, 4);
    int64_t was = ctx->about_tip;
    ctx->about_tip = t->id; /* a desk message about the tip: deleted with a group lead */
    int rc =
        text ? hctx_send(ctx, t->desk_platform, t->desk_chat_id, text, NULL, OUTBOX_REPLY) : -1;
    ctx->about_tip = was;
    free(text);
    return rc;
}

/* After deskact_<action> returned rc: the answer the page gets. */
static int act_answer(struct hctx *ctx, struct deskapi_resp *resp, const struct tip *t,
                      const char *action, int rc, const char *detail)
{
    switch (rc) {
    case DESKACT_OK:
        break;
    case DESKACT_NO_TIPSTER:
        return deskapi_error(ctx, resp, 409, "no_tipster");
    case DESKACT_BAD_CATEGORY:
        return act_bad(ctx, resp, "desk_web_bad_category");
    case DESKACT_SAME_TIP:
        return act_bad(ctx, resp, "desk_web_bad_duplicate");
    default:
        return -1;
    }
    if (strcmp(action, "note") != 0 && act_tell_desk(ctx, t, action, detail) != 0)
        return -1;
    json_t *row = deskapi_tip_row(ctx, t);
    return deskapi_ok(resp, row ? json_pack("{s:b, s:o}", "ok", 1, "tip", row) : NULL);
}

/* ---- reading the body ----------------------------------------------------------------------- */

/* The text at key, NFC'd, blanks around it dropped (caller frees): NULL when absent, empty,
 * not valid UTF-8, longer than max_chars characters, or on no memory (*oom). */
static char *act_text(const struct deskapi_req *req, const char *key, size_t max_chars, bool *oom)
{
    const char *s = deskapi_body_str(req, key);
    *oom = false;
    if (!s)
        return NULL;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (!len || len > MSG_MAX_TEXT_BYTES || !utf8_valid(s, len))
        return NULL;
    char *text = msg_text_nfc(s, len, oom);
    if (text && utf8_count(text, strlen(text)) > max_chars) {
        free(text);
        return NULL;
    }
    return text;
}

/* The tip of the route in scope: DB_OK, or the answer made (404) / -1 in *rc. */
static int act_tip(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp,
                   struct tip *t, int *rc)
{
    int got = deskapi_tip(ctx, req, t);
    if (got == DB_NOT_FOUND)
        *rc = deskapi_error(ctx, resp, 404, "not_found");
    else if (got != DB_OK)
        *rc = -1;
    return got;
}

/* ---- the routes ----------------------------------------------------------------------------- */

static int act_ack(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    struct tip t;
    int rc = 0;
    if (act_tip(ctx, req, resp, &t, &rc) != DB_OK)
        return rc;
    rc = act_answer(ctx, resp, &t, "ack", deskact_ack(ctx, &t), NULL);
    tip_clear(&t);
    return rc;
}

/* body {"person_id": n} (a colleague of people_colleagues), or {"name": "…"} as /giao types. */
static int act_assign(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    struct tip t;
    struct person colleague = {0};
    bool oom = false;
    int n = 0, rc = 0;
    json_t *id = json_object_get(req->body, "person_id");
    char *name = id ? NULL : act_text(req, "name", ACT_NAME_CHARS, &oom);
    if (oom)
        return -1;
    if (id && (!json_is_integer(id) || json_integer_value(id) <= 0))
        return act_bad(ctx, resp, "desk_web_bad_colleague");
    if (!id && !name)
        return act_bad(ctx, resp, "desk_web_bad_name");
    if (act_tip(ctx, req, resp, &t, &rc) != DB_OK) {
        free(name);
        return rc;
    }
    if (id) {
        const char *area =
            deskapi_role_of(ctx->person) == DESKAPI_COMMANDER ? NULL : ctx->person->area;
        if (people_colleagues(ctx->db, area && *area ? area : NULL, json_integer_value(id),
                              &colleague, 1, &n) != DB_OK)
            rc = -1;
        else if (n == 0)
            rc = act_bad(ctx, resp, "desk_web_bad_colleague");
        else {
            char gist[DESK_GIST_BYTES];
            desk_tip_gist(ctx, &t, gist, sizeof gist);
            if ((rc = deskact_assign_person(ctx, &t, &colleague, gist)) != DESKACT_ERROR)
                rc = act_answer(ctx, resp, &t, "assign", rc, t.assigned_to); /* the name stored */
        }
        for (int i = 0; i < n; i++)
            person_clear(&colleague);
    } else {
        rc = act_answer(ctx, resp, &t, "assign", deskact_assign_name(ctx, &t, name), name);
    }
    free(name);
    tip_clear(&t);
    return rc;
}

/* body {"text": "…", "question": bool}: relayed to the tipster through the code. */
static int act_reply(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    struct tip t;
    bool oom = false;
    int rc = 0;
    char *text = act_text(req, "text", MSG_MAX_TEXT_CHARS, &oom);
    if (!text)
        return oom ? -1 : act_bad(ctx, resp, "desk_web_bad_text");
    if (act_tip(ctx, req, resp, &t, &rc) == DB_OK) {
        bool question = json_is_true(json_object_get(req->body, "question"));
        rc = act_answer(ctx, resp, &t, "reply", deskact_reply(ctx, &t, text, question), text);
        tip_clear(&t);
    }
    free(text);
    return rc;
}

/* body {"status": "received" | "verifying" | "transferred" | "resolved" | "rejected"}. */
static int act_status(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    const char *typed = deskapi_body_str(req, "status");
    const char *status = typed && strlen(typed) < ACT_WORD_BYTES ? deskact_status(typed) : NULL;
    if (!status)
        return act_bad(ctx, resp, "desk_web_bad_status");
    struct tip t;
    int rc = 0;
    if (act_tip(ctx, req, resp, &t, &rc) != DB_OK)
        return rc;
    rc = act_answer(ctx, resp, &t, "status", deskact_set_status(ctx, &t, status), status);
    tip_clear(&t);
    return rc;
}

/* A route whose body is one text at key (at most MSG_MAX_TEXT_CHARS characters), handed to the
 * action act, with the text as the desk chat's line. */
static int act_with_text(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp,
                         const char *key, const char *action,
                         int (*act)(struct hctx *ctx, struct tip *t, const char *text))
{
    struct tip t;
    bool oom = false;
    int rc = 0;
    char *text = act_text(req, key, MSG_MAX_TEXT_CHARS, &oom);
    if (!text)
        return oom ? -1 : act_bad(ctx, resp, "desk_web_bad_text");
    if (act_tip(ctx, req, resp, &t, &rc) == DB_OK) {
        rc = act_answer(ctx, resp, &t, action, act(ctx, &t, text), text);
        tip_clear(&t);
    }
    free(text);
    return rc;
}

/* body {"outcome": "…"}: told to the tipster (art. 56). */
static int act_close(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    return act_with_text(ctx, req, resp, "outcome", "close", deskact_close);
}

static int act_reopen(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    struct tip t;
    int rc = 0;
    if (act_tip(ctx, req, resp, &t, &rc) != DB_OK)
        return rc;
    rc = act_answer(ctx, resp, &t, "reopen", deskact_reopen(ctx, &t), NULL);
    tip_clear(&t);
    return rc;
}

/* body {"of": "CODE"}: the original, which the person must be able to see too (a code outside
 * their scope is answered as one that does not exist). */
static int act_duplicate(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    const char *of = deskapi_body_str(req, "of");
    char code[TIPS_CODE_LEN + 1], shown[TIPS_CODE_LEN + 2];
    if (!of || strlen(of) >= ACT_WORD_BYTES || tips_code_parse(of, code) != 0)
        return act_bad(ctx, resp, "desk_web_bad_duplicate");
    struct tip t, orig;
    int rc = 0;
    if (act_tip(ctx, req, resp, &t, &rc) != DB_OK)
        return rc;
    memset(&orig, 0, sizeof orig);
    int got = tips_get(ctx->db, code, &orig);
    if (got == DB_ERROR) {
        rc = -1;
    } else if (got != DB_OK || !deskapi_sees_tip_area(ctx->person, orig.area)) {
        rc = act_bad(ctx, resp, "desk_web_bad_duplicate");
    } else {
        tips_code_show(orig.code, shown);
        rc = act_answer(ctx, resp, &t, "duplicate", deskact_duplicate(ctx, &t, &orig), shown);
    }
    tip_clear(&orig);
    tip_clear(&t);
    return rc;
}

/* "YYYY-MM-DD" → a calendar day in *day; -1 when it is not a real date. */
static int act_date(const char *s, int64_t *day)
{
    int y = 0, m = 0, d = 0, used = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
        !isdigit((unsigned char)s[5]) || !isdigit((unsigned char)s[8]) || m < 1 || m > 12 ||
        d < 1 || y < 2000 || d > calendar_month_days(y, m))
        return -1;
    *day = calendar_days(y, m, d);
    return 0;
}

static void act_day(int64_t day, char out[ACT_DATE_MAX])
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    snprintf(out, ACT_DATE_MAX, "%04d-%02d-%02d", y, m, d);
}

/* Art. 147 refused: 409 with the chat's words for it and "max", the last day this extension
 * may reach (null when none may). */
static int act_extend_refused(struct hctx *ctx, struct deskapi_resp *resp, const struct tip *t,
                              int why, const struct deskact_extension *x, int64_t target_day)
{
    static const char *const codes[][2] = {
        {"extend_refused", "desk_extend_refused"},
        {"extend_not_later", "desk_extend_not_later"},
        {"extend_limit", "desk_extend_limit"},
    };
    int k = why == DESKACT_EXTEND_REFUSED ? 0 : why == DESKACT_EXTEND_NOT_LATER ? 1 : 2;
    char shown[TIPS_CODE_LEN + 2], date[16], limit[16], current[16], max[ACT_DATE_MAX];
    tips_code_show(t->code, shown);
    calendar_format(target_day, date, sizeof date);
    calendar_format(x->base_day, current, sizeof current);
    calendar_format(x->max_day, limit, sizeof limit);
    act_day(x->max_day, max);
    struct texts_var vars[] = {
        {"code", shown}, {"date", date}, {"deadline", current}, {"max", limit}};
    deskapi_error(ctx, resp, 409, codes[k][0]);
    char *message = texts_render(ctx->texts, codes[k][1], vars, 4);
    json_t *error = json_object_get(resp->body, "error");
    if (error && message)
        json_object_set_new(error, "message", json_string(message));
    free(message);
    json_object_set_new(resp->body, "max",
                        x->max_day > x->base_day ? json_string(max) : json_null());
    return 0;
}

/* body {"until": "YYYY-MM-DD"} or {"days": n} (after the current deadline). */
static int act_extend(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    json_t *days = json_object_get(req->body, "days");
    const char *until = deskapi_body_str(req, "until");
    int64_t target_day = 0;
    if (until ? act_date(until, &target_day) != 0
              : !json_is_integer(days) || json_integer_value(days) < 1 ||
                    json_integer_value(days) > ACT_EXTEND_DAYS_MAX)
        return act_bad(ctx, resp, "desk_web_bad_extend");
    struct tip t;
    int rc = 0;
    if (act_tip(ctx, req, resp, &t, &rc) != DB_OK)
        return rc;
    struct deskact_extension x;
    deskact_extension(ctx, &t, &x);
    if (!until)
        target_day = x.base_day + json_integer_value(days);
    char date[16];
    calendar_format(target_day, date, sizeof date);
    rc = deskact_extend(ctx, &t, target_day, &x);
    if (rc == DESKACT_EXTEND_REFUSED || rc == DESKACT_EXTEND_NOT_LATER ||
        rc == DESKACT_EXTEND_LIMIT)
        rc = act_extend_refused(ctx, resp, &t, rc, &x, target_day);
    else
        rc = act_answer(ctx, resp, &t, "extend", rc, date);
    tip_clear(&t);
    return rc;
}

/* body {"category": name} (or a label's words, as /phanloai takes them). */
static int act_classify(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    const char *typed = deskapi_body_str(req, "category");
    const char *category =
        typed && strlen(typed) < ACT_WORD_BYTES ? deskact_category(ctx, typed) : NULL;
    if (!category)
        return act_bad(ctx, resp, "desk_web_bad_category");
    struct tip t;
    int rc = 0;
    if (act_tip(ctx, req, resp, &t, &rc) != DB_OK)
        return rc;
    rc = act_answer(ctx, resp, &t, "classify", deskact_classify(ctx, &t, category),
                    tipcard_category_label(ctx, category));
    tip_clear(&t);
    return rc;
}

/* body {"text": "…"}: an internal note; the tipster never sees it. */
static int act_note(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    return act_with_text(ctx, req, resp, "text", "note", deskact_note);
}

/* GET /colleagues: whom the person may assign a tip to — a commander anyone enrolled, an
 * officer the officers of their area and the commanders. */
static int act_colleagues(struct hctx *ctx, const struct deskapi_req *req,
                          struct deskapi_resp *resp)
{
    (void)req;
    struct person *list = calloc(ACT_COLLEAGUES_MAX, sizeof *list);
    const char *area = deskapi_role_of(ctx->person) == DESKAPI_COMMANDER ? NULL : ctx->person->area;
    int n = 0, rc = -1;
    json_t *arr = NULL;
    if (!list || people_colleagues(ctx->db, area && *area ? area : NULL, 0, list,
                                   ACT_COLLEAGUES_MAX, &n) != DB_OK)
        goto out;
    arr = json_array();
    for (int i = 0; arr && i < n; i++)
        if (json_array_append_new(
                arr, json_pack("{s:I, s:s, s:s, s:s?}", "id", (json_int_t)list[i].id, "name",
                               list[i].display_name ? list[i].display_name : "", "role",
                               list[i].role, "area", list[i].area)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    rc = arr ? deskapi_ok(resp, json_pack("{s:o}", "colleagues", arr)) : -1;
out:
    for (int i = 0; list && i < n; i++)
        person_clear(&list[i]);
    free(list);
    return rc;
}

static const struct deskapi_route deskapi_act_rows[] = {
    {"GET", "/colleagues", DESKAPI_TIPS_ROLES, 0, act_colleagues, 0},
    {"POST", "/tips/:code/ack", DESKAPI_TIPS_ROLES, 1, act_ack, 0},
    {"POST", "/tips/:code/assign", DESKAPI_TIPS_ROLES, 1, act_assign, 0},
    {"POST", "/tips/:code/reply", DESKAPI_TIPS_ROLES, 1, act_reply, 0},
    {"POST", "/tips/:code/status", DESKAPI_TIPS_ROLES, 1, act_status, 0},
    {"POST", "/tips/:code/close", DESKAPI_TIPS_ROLES, 1, act_close, 0},
    {"POST", "/tips/:code/reopen", DESKAPI_TIPS_ROLES, 1, act_reopen, 0},
    {"POST", "/tips/:code/duplicate", DESKAPI_TIPS_ROLES, 1, act_duplicate, 0},
    {"POST", "/tips/:code/extend", DESKAPI_TIPS_ROLES, 1, act_extend, 0},
    {"POST", "/tips/:code/classify", DESKAPI_TIPS_ROLES, 1, act_classify, 0},
    {"POST", "/tips/:code/note", DESKAPI_TIPS_ROLES, 1, act_note, 0},
};
const struct deskapi_table deskapi_act_routes = DESKAPI_TABLE(deskapi_act_rows);
