/*
 * test_deskapi_act.c — the web desk's actions (issue 14): each POST under /api/desk/tips/:code
 * runs the chat desk's own action (deskact.c) on a tip in the signed-in person's scope, and what
 * the people involved notice is what the chat desk's command gives them: the tipster is told
 * through the code (never a note), a colleague assigned gets the tip in their chat, the desk chat
 * reads one line about what was done on the web, the audit log names who did it. An officer of
 * another area gets 404; a leader may not act; art. 147's limit answers 409 with the last day
 * allowed; bad bodies answer 400. Requests run as bot/deskweb.c runs them: find, role, a write
 * transaction committed below 400.
 */
#include "bot/app.h"
#include "handlers/deskapi.h"
#include "storage/people.h"
#include "storage/tips.h"

#include "testlib.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static const int64_t t0 = 1798000000000LL; /* 2026-12-23 */

static int start(struct app *app, const char *name)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"},"
             " \"areas\": [{\"code\": \"KP1\", \"name\": \"Khu phố 1\", \"desk\": "
             "{\"platform\": \"webchat\", \"chat_id\": \"desk1\"}},"
             " {\"code\": \"KP2\", \"name\": \"Khu phố 2\", \"desk\": "
             "{\"platform\": \"webchat\", \"chat_id\": \"desk2\"}}]}",
             name);
    return testlib_app(app, name, text);
}

/* A person with a role and an area (NULL: none); their chat is their user id. */
static int64_t person(struct app *app, const char *uid, const char *name, const char *role,
                      const char *area)
{
    int64_t id = 0;
    char sql[256];
    CHECK_INT(people_touch(app->db, "webchat", uid, name, true, t0, &id), DB_OK);
    snprintf(sql, sizeof sql, "UPDATE people SET role = '%s', area = %s%s%s WHERE id = %lld", role,
             area ? "'" : "", area ? area : "NULL", area ? "'" : "", (long long)id);
    testlib_exec(app->db, sql);
    return id;
}

/* A tip of area filed by a resident "Nguyễn Thị Báo" (phone 0912345678) in chat "tipster". */
static void file_tip(struct app *app, const char *area, const char *kind, struct tip *out)
{
    int64_t resident = person(app, "tipster", "Nguyễn Thị Báo", "resident", NULL);
    struct tip t = {0};
    t.kind = (char *)kind;
    t.person_id = resident;
    t.platform = "webchat";
    t.chat_id = "tipster";
    t.contact_phone = "0912345678";
    t.description = "Có người bán ma túy ở cuối hẻm 12, tối nào cũng có";
    t.folded = "co nguoi ban ma tuy o cuoi hem 12, toi nao cung co";
    t.category = "drugs";
    t.area = (char *)area;
    t.desk_platform = "webchat";
    t.desk_chat_id = strcmp(area, "KP1") == 0 ? "desk1" : "desk2";
    CHECK_INT(tips_create(app->db, &t, t0), DB_OK);
    CHECK_INT(tips_get_id(app->db, t.id, out), DB_OK);
}

/* Runs one request as the web desk does; the HTTP status (0 when the route returned -1). */
static int call(struct app *app, int64_t person_id, int64_t now_ms, const char *method,
                const char *path, const char *body, json_t **answer)
{
    struct person p;
    struct deskapi_req req = {.method = method, .path = path, .query = "", .csrf = "c"};
    struct deskapi_resp resp = {0};
    json_error_t err;
    json_t *json = body ? json_loads(body, 0, &err) : NULL;
    CHECK(!body || json);
    req.body = json;
    CHECK_INT(people_get_id(app->db, person_id, &p), DB_OK);
    struct hctx ctx = {.db = app->db,
                       .cfg = app->cfg,
                       .texts = app->texts,
                       .te = app->te,
                       .desks = app->desks,
                       .person = &p,
                       .now_ms = now_ms};
    int status = 0;
    const struct deskapi_route *r = deskapi_find(&req, &status);
    if (r && !deskapi_allowed(r, &p)) {
        status = 403;
    } else if (r) {
        CHECK_INT(db_begin(app->db), DB_OK);
        int rc = r->fn(&ctx, &req, &resp);
        status = rc == 0 ? resp.status : 0;
        if (status > 0 && status < 400)
            CHECK_INT(db_commit(app->db), DB_OK);
        else
            CHECK_INT(db_rollback(app->db), DB_OK);
    }
    hctx_clear(&ctx);
    person_clear(&p);
    json_decref(json);
    if (answer)
        *answer = resp.body;
    else
        json_decref(resp.body);
    return status;
}

/* How many outbox rows to chat contain needle (and lack absent, when not NULL). */
static int64_t sent(struct app *app, const char *chat, const char *needle, const char *absent)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM outbox WHERE chat_id = '%s' AND instr(text, '%s') > 0%s%s%s",
             chat, needle, absent ? " AND instr(text, '" : "", absent ? absent : "",
             absent ? "') = 0" : "");
    return testlib_q1(app->db, sql);
}

/* testlib_q1 on sql with one number put in. */
__attribute__((format(printf, 2, 3))) static int64_t q1(struct app *app, const char *fmt, ...)
{
    char sql[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return testlib_q1(app->db, sql);
}

static void path(char *out, size_t size, const struct tip *t, const char *action)
{
    snprintf(out, size, "/tips/%s/%s", t->code, action);
}

static void test_ack_tells_the_tipster_and_the_desk_chat(void)
{
    struct app app;
    if (start(&app, "ack") != 0)
        return;
    int64_t officer = person(&app, "o1", "Trung úy Lê Văn An", "police", "KP1");
    struct tip t;
    char p[64], shown[TIPS_CODE_LEN + 2];
    file_tip(&app, "KP1", "tip", &t);
    tips_code_show(t.code, shown);
    path(p, sizeof p, &t, "ack");
    json_t *answer = NULL;
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, "{}", &answer), 200);
    json_t *row = json_object_get(answer, "tip");
    CHECK(json_is_true(json_object_get(answer, "ok")));
    CHECK_STR(json_string_value(json_object_get(row, "code_shown")), shown);
    CHECK_STR(json_string_value(json_object_get(row, "status")), "received");
    CHECK_INT(json_integer_value(json_object_get(row, "acknowledged_at")), t0 + 60000);
    CHECK(!json_object_get(row, "chat_id") && !json_object_get(row, "person_id"));
    json_decref(answer);
    /* the tipster's chat: the chat desk's notice, through the code, no officer named */
    CHECK_INT(sent(&app, "tipster", shown, "Lê Văn An"), 1);
    CHECK_INT(sent(&app, "tipster", "tiếp nhận", NULL), 1);
    /* the desk chat sees at once what was done on the web */
    CHECK_INT(sent(&app, "desk1", "🖥 Đ/c Trung úy Lê Văn An đã tiếp nhận tin", NULL),
              1);
    CHECK_INT(sent(&app, "desk1", shown, NULL), 1);
    CHECK_INT(q1(&app, "SELECT count(*) FROM audit_log WHERE action = 'ack' AND actor = %lld",
                 (long long)officer),
              1);
    /* a second acknowledgement tells the tipster nothing more */
    CHECK_INT(call(&app, officer, t0 + 120000, "POST", p, "{}", NULL), 200);
    CHECK_INT(sent(&app, "tipster", "tiếp nhận", NULL), 1);
    tip_clear(&t);
    app_free(&app);
}

static void test_scope_other_area_404_and_leader_refused(void)
{
    struct app app;
    if (start(&app, "scope") != 0)
        return;
    int64_t other = person(&app, "o2", "Thiếu úy Trần Bình", "police", "KP2");
    int64_t leader = person(&app, "l1", "Tổ trưởng Hoa", "leader", "KP1");
    int64_t commander = person(&app, "c1", "Thiếu tá Phạm Chỉ", "commander", NULL);
    struct tip t;
    char p[64];
    file_tip(&app, "KP1", "tip", &t);
    path(p, sizeof p, &t, "ack");
    json_t *answer = NULL;
    CHECK_INT(call(&app, other, t0 + 60000, "POST", p, "{}", &answer), 404);
    CHECK_STR(json_string_value(json_object_get(json_object_get(answer, "error"), "code")),
              "not_found");
    json_decref(answer);
    path(p, sizeof p, &t, "note");
    CHECK_INT(call(&app, other, t0 + 60000, "POST", p, "{\"text\": \"xem\"}", NULL), 404);
    CHECK_INT(call(&app, leader, t0 + 60000, "POST", p, "{\"text\": \"xem\"}", NULL), 403);
    CHECK_INT(call(&app, leader, t0 + 60000, "GET", "/colleagues", NULL, NULL), 403);
    CHECK_INT(q1(&app, "SELECT count(*) FROM audit_log WHERE tip_id = %lld", (long long)t.id), 0);
    CHECK_INT(q1(&app, "SELECT acknowledged_at IS NULL FROM tips WHERE id = %lld", (long long)t.id),
              1);
    /* the commander sees the whole ward */
    path(p, sizeof p, &t, "ack");
    CHECK_INT(call(&app, commander, t0 + 60000, "POST", p, "{}", NULL), 200);
    tip_clear(&t);
    app_free(&app);
}

static void test_assign_to_a_colleague_tells_them_in_their_chat(void)
{
    struct app app;
    if (start(&app, "assign") != 0)
        return;
    int64_t officer = person(&app, "o1", "Trung úy Lê Văn An", "police", "KP1");
    int64_t mate = person(&app, "o3", "Hạ sĩ Đỗ Minh", "police", "kp1");
    int64_t other = person(&app, "o2", "Thiếu úy Trần Bình", "police", "KP2");
    int64_t commander = person(&app, "c1", "Thiếu tá Phạm Chỉ", "commander", NULL);
    person(&app, "r9", "Cư dân", "resident", "KP1");
    struct tip t;
    char p[64], body[64], shown[TIPS_CODE_LEN + 2];
    file_tip(&app, "KP1", "tip", &t);
    tips_code_show(t.code, shown);

    /* whom an officer may choose: their area's officers and the commanders, nobody else */
    json_t *answer = NULL;
    CHECK_INT(call(&app, officer, t0, "GET", "/colleagues", NULL, &answer), 200);
    json_t *list = json_object_get(answer, "colleagues");
    CHECK_INT(json_array_size(list), 3);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(list, 0), "id")), commander);
    CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "role")), "commander");
    for (size_t i = 0; i < json_array_size(list); i++)
        CHECK(json_integer_value(json_object_get(json_array_get(list, i), "id")) != other);
    json_decref(answer);
    CHECK_INT(call(&app, commander, t0, "GET", "/colleagues", NULL, &answer), 200);
    CHECK_INT(json_array_size(json_object_get(answer, "colleagues")), 4);
    json_decref(answer);

    path(p, sizeof p, &t, "assign");
    snprintf(body, sizeof body, "{\"person_id\": %lld}", (long long)other);
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, body, NULL), 400);
    snprintf(body, sizeof body, "{\"person_id\": %lld}", (long long)mate);
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, body, &answer), 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(answer, "tip"), "assignee")),
              "Hạ sĩ Đỗ Minh");
    json_decref(answer);
    CHECK_INT(q1(&app, "SELECT assigned_person FROM tips WHERE id = %lld", (long long)t.id), mate);
    /* the colleague's own chat: the code and the gist, nothing of the tipster */
    CHECK_INT(sent(&app, "o3", shown, "Nguyễn Thị Báo"), 1);
    CHECK_INT(sent(&app, "o3", "ma túy", "0912345678"), 1);
    CHECK_INT(sent(&app, "desk1", "đã giao tin", NULL), 1);
    CHECK_INT(sent(&app, "desk1", "Hạ sĩ Đỗ Minh", NULL), 1);
    CHECK_INT(sent(&app, "tipster", shown, NULL), 0);
    CHECK_INT(q1(&app,
                 "SELECT count(*) FROM audit_log WHERE action = 'assign' AND actor = %lld AND "
                 "detail = 'Hạ sĩ Đỗ Minh'",
                 (long long)officer),
              1);
    /* the commander may hand it to another area's officer */
    snprintf(body, sizeof body, "{\"person_id\": %lld}", (long long)other);
    CHECK_INT(call(&app, commander, t0 + 120000, "POST", p, body, NULL), 200);
    CHECK_INT(sent(&app, "o2", shown, NULL), 1);
    /* a typed name, as /giao takes it, names nobody enrolled */
    CHECK_INT(call(&app, officer, t0 + 180000, "POST", p, "{\"name\": \"Tổ trinh sát\"}", NULL),
              200);
    CHECK_INT(q1(&app, "SELECT assigned_person IS NULL FROM tips WHERE id = %lld", (long long)t.id),
              1);
    tip_clear(&t);
    app_free(&app);
}

static void test_reply_and_question_reach_the_tipster_through_the_code(void)
{
    struct app app;
    if (start(&app, "reply") != 0)
        return;
    int64_t officer = person(&app, "o1", "Trung úy Lê Văn An", "police", "KP1");
    struct tip t, lead;
    char p[64], shown[TIPS_CODE_LEN + 2];
    file_tip(&app, "KP1", "tip", &t);
    file_tip(&app, "KP1", "group_lead", &lead);
    tips_code_show(t.code, shown);
    path(p, sizeof p, &t, "reply");
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p,
                   "{\"text\": \"Bạn thấy họ vào giờ nào?\", \"question\": true}", NULL),
              200);
    CHECK_INT(sent(&app, "tipster", "Bạn thấy họ vào giờ nào?", "Lê Văn An"), 1);
    CHECK_INT(sent(&app, "tipster", shown, NULL), 1);
    CHECK_INT(q1(&app,
                 "SELECT count(*) FROM tip_messages WHERE tip_id = %lld AND direction = "
                 "'to_tipster' AND open_question = 1",
                 (long long)t.id),
              1);
    CHECK_INT(sent(&app, "desk1", "đã nhắn người báo", NULL), 1);
    CHECK_INT(
        q1(&app, "SELECT acknowledged_at IS NOT NULL FROM tips WHERE id = %lld", (long long)t.id),
        1);
    path(p, sizeof p, &lead, "reply");
    json_t *answer = NULL;
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, "{\"text\": \"Cảm ơn\"}", &answer), 409);
    CHECK_STR(json_string_value(json_object_get(json_object_get(answer, "error"), "code")),
              "no_tipster");
    json_decref(answer);
    tip_clear(&t);
    tip_clear(&lead);
    app_free(&app);
}

static void test_status_close_reopen_duplicate_classify(void)
{
    struct app app;
    if (start(&app, "change") != 0)
        return;
    int64_t officer = person(&app, "o1", "Trung úy Lê Văn An", "police", "KP1");
    struct tip t, other;
    char p[64], body[64];
    file_tip(&app, "KP1", "tip", &t);
    file_tip(&app, "KP1", "tip", &other);
    path(p, sizeof p, &t, "status");
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, "{\"status\": \"verifying\"}", NULL), 200);
    CHECK_INT(sent(&app, "tipster", "xác minh", NULL), 1);
    path(p, sizeof p, &t, "classify");
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, "{\"category\": \"fraud\"}", NULL), 200);
    CHECK_INT(q1(&app, "SELECT category = 'fraud' FROM tips WHERE id = %lld", (long long)t.id), 1);
    path(p, sizeof p, &t, "close");
    CHECK_INT(call(&app, officer, t0 + 120000, "POST", p,
                   "{\"outcome\": \"Đã bắt quả tang, chuyển Công an quận\"}", NULL),
              200);
    CHECK_INT(sent(&app, "tipster", "Đã bắt quả tang", NULL), 1);
    CHECK_INT(q1(&app, "SELECT status = 'closed' FROM tips WHERE id = %lld", (long long)t.id), 1);
    path(p, sizeof p, &t, "reopen");
    CHECK_INT(call(&app, officer, t0 + 180000, "POST", p, "{}", NULL), 200);
    CHECK_INT(q1(&app, "SELECT closed_at IS NULL FROM tips WHERE id = %lld", (long long)t.id), 1);
    path(p, sizeof p, &other, "duplicate");
    snprintf(body, sizeof body, "{\"of\": \"%s\"}", t.code);
    CHECK_INT(call(&app, officer, t0 + 240000, "POST", p, body, NULL), 200);
    CHECK_INT(q1(&app, "SELECT duplicate_of FROM tips WHERE id = %lld", (long long)other.id), t.id);
    CHECK_INT(sent(&app, "desk1", "trùng với tin", NULL), 1);
    tip_clear(&t);
    tip_clear(&other);
    app_free(&app);
}

static void test_extend_beyond_the_limit_is_409_with_the_last_day(void)
{
    struct app app;
    if (start(&app, "extend") != 0)
        return;
    int64_t officer = person(&app, "o1", "Trung úy Lê Văn An", "police", "KP1");
    struct tip t;
    char p[64];
    file_tip(&app, "KP1", "tip", &t);
    path(p, sizeof p, &t, "extend");
    json_t *answer = NULL;
    /* filed 23/12/2026: the first extension reaches 60 days after receipt at most */
    CHECK_INT(call(&app, officer, t0 + DAY_MS, "POST", p, "{\"days\": 100}", &answer), 409);
    CHECK_STR(json_string_value(json_object_get(json_object_get(answer, "error"), "code")),
              "extend_limit");
    CHECK_STR(json_string_value(json_object_get(answer, "max")), "2027-02-21");
    const char *message =
        json_string_value(json_object_get(json_object_get(answer, "error"), "message"));
    CHECK(message && strstr(message, "21/02/2027"));
    json_decref(answer);
    CHECK_INT(call(&app, officer, t0 + DAY_MS, "POST", p, "{\"until\": \"2027-01-05\"}", &answer),
              409);
    CHECK_STR(json_string_value(json_object_get(json_object_get(answer, "error"), "code")),
              "extend_not_later");
    json_decref(answer);
    CHECK_INT(call(&app, officer, t0 + DAY_MS, "POST", p, "{\"until\": \"2027-02-21\"}", &answer),
              200);
    json_decref(answer);
    CHECK_INT(q1(&app, "SELECT extensions FROM tips WHERE id = %lld", (long long)t.id), 1);
    CHECK_INT(sent(&app, "desk1", "21/02/2027", NULL), 1);
    tip_clear(&t);
    app_free(&app);
}

static void test_a_note_never_reaches_the_tipster(void)
{
    struct app app;
    if (start(&app, "note") != 0)
        return;
    int64_t officer = person(&app, "o1", "Trung úy Lê Văn An", "police", "KP1");
    struct tip t;
    char p[64];
    file_tip(&app, "KP1", "tip", &t);
    path(p, sizeof p, &t, "note");
    int64_t before = testlib_q1(app.db, "SELECT count(*) FROM outbox");
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p,
                   "{\"text\": \"  Nghi là nhóm của Tư Sẹo, cần phối hợp CSHS  \"}", NULL),
              200);
    CHECK_INT(testlib_q1(app.db, "SELECT count(*) FROM outbox"), before);
    CHECK_INT(testlib_q1(app.db, "SELECT count(*) FROM tip_messages"), 0);
    CHECK_INT(q1(&app,
                 "SELECT count(*) FROM audit_log WHERE action = 'note' AND actor = %lld AND "
                 "detail = 'Nghi là nhóm của Tư Sẹo, cần phối hợp CSHS'",
                 (long long)officer),
              1);
    /* the desk's history of the tip shows it, with who wrote it */
    struct tip_event ev[TIPS_EVENTS_MAX];
    int n = 0;
    int64_t total = 0;
    CHECK_INT(tips_events(app.db, &t, ev, TIPS_EVENTS_MAX, &n, &total), DB_OK);
    int found = 0;
    for (int i = 0; i < n; i++) {
        found += strcmp(ev[i].action, "note") == 0 && ev[i].who &&
                 strcmp(ev[i].who, "Trung úy Lê Văn An") == 0;
        tip_event_clear(&ev[i]);
    }
    CHECK_INT(found, 1);
    tip_clear(&t);
    app_free(&app);
}

static void test_bad_bodies_are_400_and_change_nothing(void)
{
    struct app app;
    if (start(&app, "bad") != 0)
        return;
    int64_t officer = person(&app, "o1", "Trung úy Lê Văn An", "police", "KP1");
    struct tip t;
    char p[64], body[128];
    file_tip(&app, "KP1", "tip", &t);
    static const char *const cases[][2] = {
        {"reply", "{}"},
        {"reply", "{\"text\": \"   \"}"},
        {"reply", "{\"text\": 5}"},
        {"close", "{\"outcome\": \"\"}"},
        {"status", "{\"status\": \"closed\"}"},
        {"status", "{}"},
        {"classify", "{\"category\": \"không có loại này\"}"},
        {"extend", "{\"until\": \"2027-02-30\"}"},
        {"extend", "{\"until\": \"21/02/2027\"}"},
        {"extend", "{\"days\": 0}"},
        {"extend", "{\"days\": \"30\"}"},
        {"assign", "{\"person_id\": \"x\"}"},
        {"assign", "{}"},
        {"duplicate", "{\"of\": \"ZZ\"}"},
        {"note", "{\"text\": null}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *answer = NULL;
        path(p, sizeof p, &t, cases[i][0]);
        int status = call(&app, officer, t0 + 60000, "POST", p, cases[i][1], &answer);
        if (status != 400)
            fprintf(stderr, "case %zu (%s %s): %d\n", i, cases[i][0], cases[i][1], status);
        CHECK_INT(status, 400);
        json_t *error = json_object_get(answer, "error");
        CHECK_STR(json_string_value(json_object_get(error, "code")), "bad_request");
        CHECK(json_string_length(json_object_get(error, "message")) > 0);
        json_decref(answer);
    }
    /* a tip is no duplicate of itself; a text over 5,000 characters is refused */
    path(p, sizeof p, &t, "duplicate");
    snprintf(body, sizeof body, "{\"of\": \"%s\"}", t.code);
    CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, body, NULL), 400);
    size_t len = 5001;
    char *big = malloc(len + 32);
    if (big) {
        int at = snprintf(big, len + 32, "{\"text\": \"");
        memset(big + at, 'a', len);
        snprintf(big + at + len, 32, "\"}");
        path(p, sizeof p, &t, "note");
        CHECK_INT(call(&app, officer, t0 + 60000, "POST", p, big, NULL), 400);
        free(big);
    }
    CHECK_INT(q1(&app, "SELECT count(*) FROM audit_log WHERE tip_id = %lld", (long long)t.id), 0);
    CHECK_INT(testlib_q1(app.db, "SELECT count(*) FROM outbox"), 0);
    tip_clear(&t);
    app_free(&app);
}

TESTLIB_MAIN(T(test_ack_tells_the_tipster_and_the_desk_chat),
             T(test_scope_other_area_404_and_leader_refused),
             T(test_assign_to_a_colleague_tells_them_in_their_chat),
             T(test_reply_and_question_reach_the_tipster_through_the_code),
             T(test_status_close_reopen_duplicate_classify),
             T(test_extend_beyond_the_limit_is_409_with_the_last_day),
             T(test_a_note_never_reaches_the_tipster),
             T(test_bad_bodies_are_400_and_change_nothing))
