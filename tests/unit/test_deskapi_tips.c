/*
 * test_deskapi_tips.c — what the web desk reads about tips (handlers/deskapi_tips.c, issue 14),
 * called as bot/deskweb.c calls it: a context with the signed-in person, the route found by
 * deskapi_find and allowed by deskapi_allowed, the routes that write inside a transaction.
 * Each role sees exactly its scope; the queue's filters, search (with or without diacritics,
 * phones and plates in any written form) and cursor pages; the tip page's story in order and
 * its audit; the contact and photos; and no answer carries the tipster's identity.
 */
#include "bot/app.h"
#include "handlers/deskapi.h"
#include "handlers/deskapi_tips.h"
#include "storage/people.h"
#include "storage/tips.h"
#include "storage/photo_copies.h"
#include "storage/uploads.h"

#include "testlib.h"

#include <jansson.h>
#include <stdlib.h>

#define DAY_MS 86400000LL

static const int64_t t0 = 1798000000000LL; /* 2026-12-23 */
static const char tipster_uid[] = "tipster-uid-777", tipster_chat[] = "tipchat-555",
                  tipster_phone[] = "0987654321";

struct fixture {
    struct app app;
    struct person officer_a, officer_b, commander, leader;
    char t1[16], t2[16], t3[16], t4[16]; /* codes */
    int64_t id1, id4, tipster;
    int fillers; /* KP1 tips beside t1, t4 */
};

static int start(struct fixture *fx, const char *name)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"},"
             " \"areas\": [{\"code\": \"KP1\", \"name\": \"Khu phố 1\"},"
             " {\"code\": \"KP2\", \"name\": \"Khu phố 2\"}]}",
             name);
    return testlib_app(&fx->app, name, text);
}

static void person(struct fixture *fx, const char *uid, const char *name, const char *role,
                   const char *area, struct person *out)
{
    int64_t id = 0;
    char sql[256];
    CHECK_INT(people_touch(fx->app.db, "webchat", uid, name, true, t0, &id), DB_OK);
    snprintf(sql, sizeof sql, "UPDATE people SET role = '%s', area = %s%s%s WHERE id = %lld", role,
             area ? "'" : "", area ? area : "NULL", area ? "'" : "", (long long)id);
    testlib_exec(fx->app.db, sql);
    CHECK_INT(people_get_id(fx->app.db, id, out), DB_OK);
}

static void finish(struct fixture *fx)
{
    person_clear(&fx->officer_a);
    person_clear(&fx->officer_b);
    person_clear(&fx->commander);
    person_clear(&fx->leader);
    app_free(&fx->app);
}

static int64_t file(struct fixture *fx, const char *area, const char *desc, const char *folded,
                    const char *entities, bool urgent, int64_t at, char *code)
{
    struct tip t = {0};
    t.kind = "tip";
    t.person_id = fx->tipster;
    t.platform = "webchat";
    t.chat_id = (char *)tipster_chat;
    t.anonymous = true;
    t.category = "theft";
    t.area = (char *)area;
    t.description = (char *)desc;
    t.folded = (char *)folded;
    t.entities = (char *)entities;
    t.urgent = urgent;
    t.deadline_at = at + 20 * DAY_MS;
    CHECK_INT(tips_create(fx->app.db, &t, at), DB_OK);
    if (code)
        snprintf(code, 16, "%s", t.code);
    return t.id;
}

static void fill(struct fixture *fx)
{
    struct person tipster;
    person(fx, tipster_uid, "Nguyễn Văn Tố", "resident", NULL, &tipster);
    fx->tipster = tipster.id;
    person_clear(&tipster);
    person(fx, "oa", "Trung úy A", "police", "KP1", &fx->officer_a);
    person(fx, "ob", "Trung úy B", "police", "KP2", &fx->officer_b);
    person(fx, "cm", "Thiếu tá C", "commander", NULL, &fx->commander);
    person(fx, "ld", "Tổ trưởng D", "leader", "KP1", &fx->leader);
    CHECK_INT(db_begin(fx->app.db), DB_OK);
    fx->id1 =
        file(fx, "KP1", "Trộm xe máy biển 29A-123.45, kẻ gian gọi 0912 345 678",
             "trom xe may bien 29a-123.45, ke gian goi 0912 345 678",
             "{\"phones\": [\"0912345678\"], \"plates\": [\"29A-123.45\"]}", false, t0, fx->t1);
    file(fx, "KP2", "Cướp giật điện thoại ở chợ", "cuop giat dien thoai o cho", NULL, true,
         t0 + 60000, fx->t2);
    file(fx, NULL, "Lừa đảo chuyển khoản 5 triệu", "lua dao chuyen khoan 5 trieu",
         "{\"money_vnd\": 5000000}", true, t0 + 120000, fx->t3);
    fx->id4 = file(fx, "KP1", "Đánh nhau trước quán", "danh nhau truoc quan", NULL, false,
                   t0 + 180000, fx->t4);
    fx->fillers = 23;
    for (int i = 0; i < fx->fillers; i++)
        file(fx, "KP1", "Tụ tập gây ồn ào ban đêm", "tu tap gay on ao ban dem", NULL, i % 3 == 0,
             t0 + (4 + i) * 60000, NULL);
    CHECK_INT(tips_close(fx->app.db, fx->id4, "đã xử lý", t0 + DAY_MS), DB_OK);
    CHECK_INT(tips_set_contact(fx->app.db, fx->id4, tipster_phone, t0 + 200000), DB_OK);
    CHECK_INT(db_commit(fx->app.db), DB_OK);
}

/* Runs method path?query as p, as deskweb would; the answer's JSON (caller decrefs) and its
 * status; the file served into file when there is one. NULL when refused before the route. */
static json_t *call(struct fixture *fx, const struct person *p, const char *method,
                    const char *path, const char *query, int *status, char *file)
{
    struct deskapi_req req = {.method = method, .path = path, .query = query ? query : ""};
    struct deskapi_resp resp = {0};
    struct hctx ctx = {.db = fx->app.db,
                       .cfg = fx->app.cfg,
                       .texts = fx->app.texts,
                       .te = fx->app.te,
                       .desks = fx->app.desks,
                       .person = p,
                       .now_ms = t0 + 2 * DAY_MS};
    const struct deskapi_route *r = deskapi_find(&req, status);
    if (!r)
        return NULL;
    if (!deskapi_allowed(r, p)) {
        *status = 403;
        return NULL;
    }
    if (r->writes)
        CHECK_INT(db_begin(fx->app.db), DB_OK);
    int rc = r->fn(&ctx, &req, &resp);
    CHECK_INT(rc, 0);
    if (r->writes)
        CHECK_INT(resp.status < 400 ? db_commit(fx->app.db) : db_rollback(fx->app.db), DB_OK);
    *status = resp.status;
    if (file)
        snprintf(file, DESKAPI_FILE_MAX, "%s", resp.file);
    /* no answer names the tipster (the contact's phone is /contact's own answer) */
    char *text = resp.body ? json_dumps(resp.body, 0) : NULL;
    if (text) {
        CHECK(!strstr(text, tipster_uid));
        CHECK(!strstr(text, tipster_chat));
        CHECK(!strstr(text, "Nguyễn Văn Tố"));
        CHECK(!strstr(text, "person_id") && !strstr(text, "platform") && !strstr(text, "chat_id"));
        if (!strstr(path, "/contact"))
            CHECK(!strstr(text, tipster_phone));
    }
    free(text);
    return resp.body;
}

/* The codes of a /tips answer, space-separated, into out; the next cursor into next. */
static int codes(json_t *body, char *out, size_t size, char *next, size_t nsize)
{
    json_t *tips = json_object_get(body, "tips"), *row;
    size_t i;
    out[0] = '\0';
    json_array_foreach(tips, i, row)
    {
        size_t at = strlen(out);
        snprintf(out + at, size - at, "%s ", json_string_value(json_object_get(row, "code")));
    }
    if (next)
        snprintf(next, nsize, "%s",
                 json_string_value(json_object_get(body, "next"))
                     ? json_string_value(json_object_get(body, "next"))
                     : "");
    return (int)json_array_size(tips);
}

/* How many rows /tips?query gives p in one page of 50, and whether code is among them. */
static int list(struct fixture *fx, const struct person *p, const char *query, const char *code,
                int *has)
{
    char q[512], all[4096];
    int status = 0;
    snprintf(q, sizeof q, "limit=50%s%s", *query ? "&" : "", query);
    json_t *body = call(fx, p, "GET", "/tips", q, &status, NULL);
    CHECK_INT(status, 200);
    int n = codes(body, all, sizeof all, NULL, 0);
    if (has)
        *has = code && strstr(all, code) != NULL;
    json_decref(body);
    return n;
}

static void test_scope_of_each_role(void)
{
    struct fixture fx = {0};
    int status = 0, has = 0;
    if (start(&fx, "scope") != 0)
        return;
    fill(&fx);
    /* officer of KP1: KP1's tips and the one with no area, never KP2's */
    CHECK_INT(list(&fx, &fx.officer_a, "", fx.t2, &has), fx.fillers + 3);
    CHECK(!has);
    CHECK_INT(list(&fx, &fx.officer_a, "", fx.t3, &has), fx.fillers + 3);
    CHECK(has);
    char path[64];
    snprintf(path, sizeof path, "/tips/%s", fx.t2);
    json_decref(call(&fx, &fx.officer_a, "GET", path, NULL, &status, NULL));
    CHECK_INT(status, 404);
    json_decref(call(&fx, &fx.officer_b, "GET", path, NULL, &status, NULL));
    CHECK_INT(status, 200);
    /* officer of KP2: KP2's and the no-area one */
    CHECK_INT(list(&fx, &fx.officer_b, "", NULL, NULL), 2);
    /* the commander: every tip */
    CHECK_INT(list(&fx, &fx.commander, "", fx.t2, &has), fx.fillers + 4);
    CHECK(has);
    /* the leader: no tips at all */
    CHECK(!call(&fx, &fx.leader, "GET", "/tips", "", &status, NULL));
    CHECK_INT(status, 403);
    CHECK(!call(&fx, &fx.leader, "GET", path, "", &status, NULL));
    CHECK_INT(status, 403);
    json_t *cats = call(&fx, &fx.leader, "GET", "/categories", "", &status, NULL);
    CHECK_INT(status, 200);
    CHECK(json_array_size(json_object_get(cats, "statuses")) == 8);
    CHECK(json_array_size(json_object_get(cats, "categories")) > 5);
    json_decref(cats);
    /* the summary in scope: open tips, urgent not yet taken up */
    json_t *s = call(&fx, &fx.officer_a, "GET", "/summary", "", &status, NULL);
    CHECK_INT(status, 200);
    CHECK_INT(json_integer_value(json_object_get(s, "open")), fx.fillers + 2);
    CHECK_INT(json_integer_value(json_object_get(s, "urgent_unacked")), 1 + (fx.fillers + 2) / 3);
    json_decref(s);
    finish(&fx);
}

static void test_filters_and_search(void)
{
    struct fixture fx = {0};
    int has = 0;
    if (start(&fx, "filters") != 0)
        return;
    fill(&fx);
    const struct person *c = &fx.commander;
    int urgent = 2 + (fx.fillers + 2) / 3; /* t2, t3 and every third filler */
    CHECK_INT(list(&fx, c, "urgent=1", fx.t2, &has), urgent);
    CHECK(has);
    CHECK_INT(list(&fx, c, "status=closed", fx.t4, &has), 1);
    CHECK(has);
    CHECK_INT(list(&fx, c, "status=new,closed", NULL, NULL), fx.fillers + 4);
    CHECK_INT(list(&fx, c, "status=received", NULL, NULL), 0);
    CHECK_INT(list(&fx, c, "area=KP2", fx.t2, &has), 1);
    CHECK_INT(list(&fx, c, "area=kp1&urgent=1", NULL, NULL), (fx.fillers + 2) / 3);
    CHECK_INT(list(&fx, c, "category=theft&unacked=1", fx.t4, &has), fx.fillers + 3);
    CHECK(!has);
    /* two days on, nothing is past its 20 days; then 21 days on, every open tip is */
    CHECK_INT(list(&fx, c, "overdue=1", NULL, NULL), 0);
    testlib_exec(fx.app.db, "UPDATE tips SET deadline_at = deadline_at - 20 * 86400000");
    CHECK_INT(list(&fx, c, "overdue=1", fx.t4, &has), fx.fillers + 3);
    CHECK(!has); /* closed */
    CHECK_INT(list(&fx, c, "overdue=1&urgent=1&area=KP2", fx.t2, &has), 1);
    /* assigned to me */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE tips SET assigned_person = %lld WHERE id = %lld",
             (long long)c->id, (long long)fx.id1);
    testlib_exec(fx.app.db, sql);
    CHECK_INT(list(&fx, c, "mine=1", fx.t1, &has), 1);
    CHECK(has);
    CHECK_INT(list(&fx, &fx.officer_a, "mine=1", NULL, NULL), 0);
    /* created on a local day, or before it */
    CHECK_INT(list(&fx, c, "from=2026-12-23&to=2026-12-23", NULL, NULL), fx.fillers + 4);
    CHECK_INT(list(&fx, c, "to=2026-12-22", NULL, NULL), 0);
    /* search: words with or without diacritics, a phone and a plate in any form, an amount */
    CHECK_INT(list(&fx, c, "q=xe+m%C3%A1y", fx.t1, &has), 1);
    CHECK(has);
    CHECK_INT(list(&fx, c, "q=XE%20MAY", fx.t1, &has), 1);
    CHECK_INT(list(&fx, c, "q=0912+345+678", fx.t1, &has), 1);
    CHECK(has);
    CHECK_INT(list(&fx, c, "q=%2B84912345678", fx.t1, &has), 1);
    CHECK(has);
    CHECK_INT(list(&fx, c, "q=29A12345", fx.t1, &has), 1);
    CHECK_INT(list(&fx, c, "q=l%E1%BB%ABa+%C4%91%E1%BA%A3o", fx.t3, &has), 1);
    CHECK(has);
    CHECK_INT(list(&fx, c, "q=xe+may&area=KP2", NULL, NULL), 0);
    CHECK_INT(list(&fx, &fx.officer_b, "q=0912345678", NULL, NULL), 0);
    CHECK_INT(list(&fx, c, "q=on+ao&urgent=1&sort=urgent", NULL, NULL), (fx.fillers + 2) / 3);
    /* refused: an invalid cursor, status, flag, date, limit or sort */
    static const char *const bad[] = {"cursor=zz",        "cursor=u2.5", "cursor=u1.",
                                      "status=open",      "urgent=yes",  "from=2026-02-30",
                                      "limit=0",          "limit=51",    "sort=oldest",
                                      "category=nothing", "cursor=u1.5x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status = 0;
        json_t *body = call(&fx, c, "GET", "/tips", bad[i], &status, NULL);
        CHECK_INT(status, 400);
        CHECK_STR(json_string_value(json_object_get(json_object_get(body, "error"), "code")),
                  "bad_request");
        json_decref(body);
    }
    finish(&fx);
}

/* Every page of limit 4 in sort order: each row once, the same rows as one page of 50, in
 * order (urgent first when sorted by urgency, then newest). */
static void pages(struct fixture *fx, const struct person *p, const char *extra, int expect)
{
    char cursor[64] = "", q[256], page[1024], seen[4096] = "", one[4096];
    int total = 0, status = 0, guard = 0;
    do {
        snprintf(q, sizeof q, "limit=4%s%s%s%s", *extra ? "&" : "", extra,
                 *cursor ? "&cursor=" : "", cursor);
        json_t *body = call(fx, p, "GET", "/tips", q, &status, NULL);
        CHECK_INT(status, 200);
        total += codes(body, page, sizeof page, cursor, sizeof cursor);
        strncat(seen, page, sizeof seen - strlen(seen) - 1);
        json_decref(body);
    } while (*cursor && ++guard < 100);
    CHECK_INT(total, expect);
    snprintf(q, sizeof q, "limit=50%s%s", *extra ? "&" : "", extra);
    json_t *body = call(fx, p, "GET", "/tips", q, &status, NULL);
    codes(body, one, sizeof one, NULL, 0);
    CHECK_STR(seen, one);
    json_decref(body);
}

static void test_cursor_pages_cover_every_row_once(void)
{
    struct fixture fx = {0};
    if (start(&fx, "pages") != 0)
        return;
    fill(&fx);
    pages(&fx, &fx.officer_a, "", fx.fillers + 3);
    pages(&fx, &fx.officer_a, "sort=urgent", fx.fillers + 3);
    pages(&fx, &fx.commander, "sort=urgent&status=new", fx.fillers + 3);
    pages(&fx, &fx.commander, "q=on+ao", fx.fillers);
    pages(&fx, &fx.commander, "q=on+ao&sort=urgent", fx.fillers);
    pages(&fx, &fx.commander, "urgent=1", 2 + (fx.fillers + 2) / 3);
    pages(&fx, &fx.commander, "unacked=1&sort=urgent", fx.fillers + 3);
    /* urgent first, then newest */
    int status = 0;
    json_t *body = call(&fx, &fx.commander, "GET", "/tips", "sort=urgent&limit=50", &status, NULL);
    json_t *rows = json_object_get(body, "tips");
    size_t n = json_array_size(rows);
    for (size_t i = 1; i < n; i++) {
        json_t *a = json_array_get(rows, i - 1), *b = json_array_get(rows, i);
        int ua = json_is_true(json_object_get(a, "urgent")),
            ub = json_is_true(json_object_get(b, "urgent"));
        CHECK(ua > ub || (ua == ub && json_integer_value(json_object_get(a, "created_at")) >
                                          json_integer_value(json_object_get(b, "created_at"))));
    }
    json_decref(body);
    finish(&fx);
}

static int64_t audits(struct fixture *fx, const char *action, int64_t tip)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = '%s' AND tip_id = %lld", action,
             (long long)tip);
    return testlib_q1(fx->app.db, sql);
}

static void test_tip_page_story_contact_and_photos(void)
{
    struct fixture fx = {0};
    int status = 0;
    char path[96], file[DESKAPI_FILE_MAX], dir[UPLOADS_PATH_MAX], hex[UPLOADS_HEX_LEN + 1], ref[96];
    bool existed = false;
    if (start(&fx, "page") != 0)
        return;
    fill(&fx);
    int64_t officer = fx.officer_a.id, at = t0 + 3600000;
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0};
    CHECK_INT(uploads_dir(fx.app.cfg->storage_path, dir, sizeof dir), 0);
    CHECK_INT(uploads_save(dir, jpeg, sizeof jpeg, hex, &existed), 0);
    snprintf(ref, sizeof ref, "upload:%s", hex);
    CHECK_INT(db_begin(fx.app.db), DB_OK);
    CHECK_INT(tips_add_attachment(fx.app.db, fx.id1, "photo", ref, t0), DB_OK);
    CHECK_INT(tips_add_attachment(fx.app.db, fx.id1, "photo", "AgACAgIAAxkBAAIB", t0), DB_OK);
    /* a Telegram photo the copier fetched (the same bytes), one it gave up on */
    CHECK_INT(tips_add_attachment(fx.app.db, fx.id1, "photo", "AgACcopied", t0), DB_OK);
    CHECK_INT(photo_copies_done(fx.app.db, db_last_id(fx.app.db), ref), DB_OK);
    CHECK_INT(tips_add_attachment(fx.app.db, fx.id1, "photo", "AgACgone", t0), DB_OK);
    CHECK_INT(photo_copies_failed(fx.app.db, db_last_id(fx.app.db), "invalid file_id", -1), DB_OK);
    CHECK_INT(tips_message_add(fx.app.db, fx.id1, "to_tipster", "Xe màu gì?", officer, true, at),
              DB_OK);
    CHECK_INT(tips_audit(fx.app.db, officer, "reply", fx.id1, "Xe màu gì?", at), DB_OK);
    CHECK_INT(tips_message_add(fx.app.db, fx.id1, "from_tipster", "Màu đỏ ạ", 0, false, at + 60000),
              DB_OK);
    CHECK_INT(tips_append_description(fx.app.db, fx.id1, "Màu đỏ ạ", "mau do a", at + 60000),
              DB_OK);
    CHECK_INT(tips_audit(fx.app.db, officer, "note", fx.id1, "Kiểm tra camera chợ", at + 120000),
              DB_OK);
    CHECK_INT(tips_acknowledge(fx.app.db, fx.id1, at + 180000), DB_OK);
    CHECK_INT(tips_audit(fx.app.db, officer, "ack", fx.id1, NULL, at + 180000), DB_OK);
    CHECK_INT(db_commit(fx.app.db), DB_OK);

    snprintf(path, sizeof path, "/tips/%.4s-%s", fx.t1, fx.t1 + 4); /* a code as typed */
    json_t *body = call(&fx, &fx.officer_a, "GET", path, NULL, &status, NULL);
    CHECK_INT(status, 200);
    json_t *tip = json_object_get(body, "tip"), *story = json_object_get(body, "story");
    CHECK_STR(json_string_value(json_object_get(tip, "code")), fx.t1);
    CHECK_STR(json_string_value(json_object_get(tip, "description")),
              "Trộm xe máy biển 29A-123.45, kẻ gian gọi 0912 345 678");
    CHECK(json_is_false(json_object_get(tip, "has_contact")));
    CHECK_INT(json_integer_value(json_object_get(tip, "replies_waiting")), 1);
    CHECK(json_is_string(json_object_get(tip, "extend_max")));
    json_t *photos = json_object_get(tip, "photos");
    CHECK_INT(json_array_size(photos), 4);
    static const char *const states[] = {"ready", "pending", "ready", "unavailable"};
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_array_get(photos, i);
        CHECK_STR(json_string_value(json_object_get(p, "state")), states[i]);
        CHECK(json_boolean_value(json_object_get(p, "available")) == (i % 2 == 0));
        CHECK(!json_object_get(p, "ref"));
    }
    static const char *const kinds[] = {"filed", "question", "from_tipster", "note", "action"};
    CHECK_INT(json_array_size(story), 5);
    for (size_t i = 0; i < 5; i++)
        CHECK_STR(json_string_value(json_object_get(json_array_get(story, i), "kind")), kinds[i]);
    CHECK_STR(json_string_value(json_object_get(json_array_get(story, 1), "who")), "Trung úy A");
    CHECK(json_is_null(json_object_get(json_array_get(story, 2), "who")));
    CHECK_STR(json_string_value(json_object_get(json_array_get(story, 3), "text")),
              "Kiểm tra camera chợ");
    json_decref(body);
    CHECK_INT(audits(&fx, "view", fx.id1), 1);
    CHECK_INT(audits(&fx, "view_contact", fx.id1), 0);

    /* the contact: none on an anonymous tip, the phone (audited) when the tipster gave one */
    snprintf(path, sizeof path, "/tips/%s/contact", fx.t1);
    body = call(&fx, &fx.commander, "GET", path, NULL, &status, NULL);
    CHECK(json_is_null(json_object_get(body, "phone")));
    json_decref(body);
    CHECK_INT(audits(&fx, "view_contact", fx.id1), 0);
    snprintf(path, sizeof path, "/tips/%s", fx.t4);
    body = call(&fx, &fx.commander, "GET", path, NULL, &status, NULL);
    CHECK(json_is_true(json_object_get(json_object_get(body, "tip"), "has_contact")));
    json_decref(body);
    snprintf(path, sizeof path, "/tips/%s/contact", fx.t4);
    body = call(&fx, &fx.commander, "GET", path, NULL, &status, NULL);
    CHECK_STR(json_string_value(json_object_get(body, "phone")), tipster_phone);
    json_decref(body);
    CHECK_INT(audits(&fx, "view_contact", fx.id4), 1);
    CHECK_INT(audits(&fx, "view", fx.id4), 1);

    /* photos: the upload as a file, a platform's photo once copied, else why not */
    snprintf(path, sizeof path, "/tips/%s/photos/0", fx.t1);
    body = call(&fx, &fx.officer_a, "GET", path, NULL, &status, file);
    CHECK_INT(status, 200);
    CHECK(!body);
    CHECK(strstr(file, hex) != NULL && strstr(file, "/uploads/") != NULL);
    snprintf(path, sizeof path, "/tips/%s/photos/1", fx.t1);
    body = call(&fx, &fx.officer_a, "GET", path, NULL, &status, file);
    CHECK_INT(status, 404);
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "error"), "code")),
              "photo_pending");
    CHECK_STR(file, "");
    json_decref(body);
    snprintf(path, sizeof path, "/tips/%s/photos/2", fx.t1);
    body = call(&fx, &fx.officer_a, "GET", path, NULL, &status, file);
    CHECK_INT(status, 200);
    CHECK(!body && strstr(file, hex) != NULL);
    snprintf(path, sizeof path, "/tips/%s/photos/3", fx.t1);
    body = call(&fx, &fx.officer_a, "GET", path, NULL, &status, file);
    CHECK_INT(status, 404);
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "error"), "code")),
              "photo_unavailable");
    json_decref(body);
    snprintf(path, sizeof path, "/tips/%s/photos/4", fx.t1);
    json_decref(call(&fx, &fx.officer_a, "GET", path, NULL, &status, NULL));
    CHECK_INT(status, 404);
    snprintf(path, sizeof path, "/tips/%s/photos/0", fx.t1);
    json_decref(call(&fx, &fx.officer_b, "GET", path, NULL, &status, NULL));
    CHECK_INT(status, 404); /* out of KP2's scope */
    finish(&fx);
}

TESTLIB_MAIN(T(test_scope_of_each_role), T(test_filters_and_search),
             T(test_cursor_pages_cover_every_row_once), T(test_tip_page_story_contact_and_photos))
