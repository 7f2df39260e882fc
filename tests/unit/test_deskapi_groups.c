/*
 * test_deskapi_groups.c — the web desk's group leads, groups, scam shield and shift handover
 * (handlers/deskapi_groups.c, handlers/deskapi_handover.c), run as bot/deskweb.c runs a route:
 * deskapi_find, the role check, a write transaction for a route that writes. Each role sees its
 * scope (an officer of KP1 sees KP1's leads, never KP2's; a leader sees groups but not leads or
 * the scam list); cursors cover every row once; an item added on the web is normalised as the
 * chat and `tipgate scamlist import` normalise it, and a bad import line is named by its number
 * as the CLI names it; additions and removals are audited; sightings are counted by groups
 * without naming them; the handover sorts tips into its lists at a fake time through indexes;
 * and no answer carries a chat id or a platform user id.
 */
#include "bot/app.h"
#include "bot/app_core.h"
#include "handlers/deskapi.h"
#include "handlers/handler.h"
#include "handlers/scam.h"
#include "storage/groups.h"
#include "storage/people.h"
#include "storage/scam_list.h"
#include "storage/tips.h"

#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL

static const int64_t now = 1798000000000LL + 40 * DAY_MS;

/* Strings no desk answer may contain: the groups' chat ids, people's platform user ids. */
static const char *const secrets[] = {"-100111",  "-100222",   "tg-officer-a", "tg-officer-b",
                                      "tg-chief", "tg-leader", "tg-resident",  NULL};

struct world {
    struct app app;
    struct person officer_a, officer_b, commander, leader;
};

static void person_make(struct world *w, struct person *p, const char *user, const char *name,
                        const char *role, const char *area)
{
    CHECK_INT(people_touch(w->app.db, "telegram", user, name, true, now - DAY_MS, &p->id), DB_OK);
    CHECK_INT(db_run(w->app.db, "UPDATE people SET role = ?, area = ? WHERE id = ?", "ttI", role,
                     area, p->id),
              DB_OK);
    p->display_name = (char *)name;
    p->role = (char *)role;
    p->area = (char *)area;
}

static int64_t tip_make(struct world *w, const char *kind, const char *area, const char *chat,
                        const char *text, int64_t at, char code[TIPS_CODE_LEN + 1])
{
    struct tip t = {0};
    t.kind = (char *)kind;
    t.platform = (char *)"telegram";
    t.chat_id = (char *)chat;
    t.area = (char *)area;
    t.category = (char *)"fraud";
    t.description = (char *)text;
    t.folded = (char *)text;
    t.anonymous = true;
    t.deadline_at = kind[0] == 't' ? at + 20 * DAY_MS : 0; /* as filing sets it */
    CHECK_INT(tips_create(w->app.db, &t, at), DB_OK);
    if (code)
        snprintf(code, TIPS_CODE_LEN + 1, "%s", t.code);
    return t.id;
}

static int start(struct world *w, const char *name)
{
    char text[1024];
    memset(w, 0, sizeof *w);
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"},"
             " \"areas\": [{\"code\": \"KP1\", \"name\": \"Khu phố 1\", \"desk\": "
             "{\"platform\": \"webchat\", \"chat_id\": \"desk1\"}}, {\"code\": \"KP2\", \"name\": "
             "\"Khu phố 2\", \"desk\": {\"platform\": \"webchat\", \"chat_id\": \"desk2\"}}]}",
             name);
    if (testlib_app(&w->app, name, text) != 0)
        return -1;
    struct db *db = w->app.db;
    CHECK_INT(db_begin(db), DB_OK);
    person_make(w, &w->officer_a, "tg-officer-a", "Trung úy A", "police", "KP1");
    person_make(w, &w->officer_b, "tg-officer-b", "Trung úy B", "police", "KP2");
    person_make(w, &w->commander, "tg-chief", "Thiếu tá C", "commander", NULL);
    person_make(w, &w->leader, "tg-leader", "Tổ trưởng D", "leader", "KP1");
    CHECK_INT(chats_touch(db, "telegram", "-100111", "group", "Cư dân KP1", true, now - DAY_MS),
              DB_OK);
    CHECK_INT(chats_touch(db, "telegram", "-100222", "group", "Cư dân KP2", true, now - DAY_MS),
              DB_OK);
    CHECK_INT(groups_bind(db, "telegram", "-100111", "KP1", now - DAY_MS), DB_OK);
    CHECK_INT(groups_bind(db, "telegram", "-100222", "KP2", now - DAY_MS), DB_OK);
    CHECK_INT(db_commit(db), DB_OK);
    return 0;
}

/* One request as bot/deskweb.c runs it. Returns the answer (caller frees) and its status; fails
 * the test when the answer names a chat id or a platform user id. */
static json_t *call(struct world *w, struct person *p, const char *method, const char *target,
                    const char *body, int *status)
{
    char path[256];
    struct deskapi_req req = {.method = method, .csrf = "x"};
    snprintf(path, sizeof path, "%.*s", (int)strcspn(target, "?"), target);
    req.path = path;
    req.query = strchr(target, '?') ? strchr(target, '?') + 1 : "";
    json_t *parsed = body ? json_loads(body, 0, NULL) : NULL;
    req.body = parsed;
    struct hctx ctx = {.db = w->app.db,
                       .cfg = w->app.cfg,
                       .texts = w->app.texts,
                       .te = w->app.te,
                       .desks = w->app.desks,
                       .person = p,
                       .now_ms = now,
                       .args = ""};
    struct deskapi_resp resp = {0};
    const struct deskapi_route *r = deskapi_find(&req, status);
    if (!r) {
        json_decref(parsed);
        return NULL;
    }
    if (!deskapi_allowed(r, p)) {
        *status = 403;
        json_decref(parsed);
        return NULL;
    }
    if (r->writes)
        CHECK_INT(db_begin(w->app.db), DB_OK);
    int rc = r->fn(&ctx, &req, &resp);
    CHECK_INT(rc, 0);
    if (r->writes) {
        if (rc == 0 && resp.status < 400)
            CHECK_INT(db_commit(w->app.db), DB_OK);
        else
            db_rollback(w->app.db);
    }
    *status = rc == 0 ? resp.status : 500;
    char *text = resp.body ? json_dumps(resp.body, 0) : NULL;
    for (int i = 0; text && secrets[i]; i++)
        if (strstr(text, secrets[i])) {
            fprintf(stderr, "  %s %s names %s: %.300s\n", method, target, secrets[i], text);
            CHECK(!"no chat id or platform user id in an answer");
        }
    free(text);
    json_decref(parsed);
    return resp.body;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static json_int_t num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static int64_t count(struct world *w, const char *sql)
{
    int64_t n = -1;
    CHECK_INT(db_query_int(w->app.db, sql, &n), DB_OK);
    return n;
}

/* Pages through GET base with limit=1 and the cursors; the codes (or values) of every row,
 * joined with spaces, into out. */
static int page_all(struct world *w, struct person *p, const char *base, const char *list,
                    const char *key, char *out, size_t size)
{
    char target[512], cursor[256] = "";
    int status = 0, pages = 0;
    out[0] = '\0';
    for (;;) {
        snprintf(target, sizeof target, "%s%slimit=1%s%s", base, strchr(base, '?') ? "&" : "?",
                 cursor[0] ? "&cursor=" : "", cursor);
        json_t *a = call(w, p, "GET", target, NULL, &status);
        CHECK_INT(status, 200);
        if (!a)
            return -1;
        json_t *rows = json_object_get(a, list);
        CHECK(json_array_size(rows) <= 1);
        for (size_t i = 0; i < json_array_size(rows); i++)
            snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "",
                     str(json_array_get(rows, i), key));
        const char *next = json_string_value(json_object_get(a, "next"));
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        json_decref(a);
        pages++;
        if (!cursor[0] || pages > 20)
            break;
    }
    return pages;
}

static void test_deskapi_leads_by_scope_newest_first_each_once(void)
{
    struct world w;
    char a1[9], a2[9], a3[9], b1[9], b2[9], got[512], want[512];
    int status = 0;
    if (start(&w, "leads") != 0)
        return;
    CHECK_INT(db_begin(w.app.db), DB_OK);
    tip_make(&w, "group_lead", "KP1", "-100111", "Có kẻ gian gọi 0912345678 lừa", now - 5 * HOUR_MS,
             a1);
    tip_make(&w, "group_lead", "KP1", "-100111", "Trộm xe máy đầu ngõ", now - 2 * HOUR_MS, a2);
    tip_make(&w, "group_lead", "KP1", "-100111", "Cùng giờ với tin trước", now - 2 * HOUR_MS, a3);
    tip_make(&w, "group_lead", "KP2", "-100222", "Đánh nhau ở chợ", now - 3 * HOUR_MS, b1);
    tip_make(&w, "group_lead", "KP2", "-100222", "Cháy nhà kho", now - HOUR_MS, b2);
    tip_make(&w, "tip", "KP1", "tg-resident", "Một tin báo riêng, không phải tin nhóm", now, NULL);
    CHECK_INT(db_commit(w.app.db), DB_OK);

    /* KP1's leads only, newest first (a3 after a2 at the same time: by id), each once */
    CHECK_INT(page_all(&w, &w.officer_a, "/leads", "leads", "code", got, sizeof got), 3);
    snprintf(want, sizeof want, "%s %s %s", a3, a2, a1);
    CHECK_STR(got, want);
    CHECK_INT(page_all(&w, &w.commander, "/leads", "leads", "code", got, sizeof got), 5);
    snprintf(want, sizeof want, "%s %s %s %s %s", b2, a3, a2, b1, a1);
    CHECK_STR(got, want);
    CHECK_INT(page_all(&w, &w.commander, "/leads?area=KP2", "leads", "code", got, sizeof got), 2);
    snprintf(want, sizeof want, "%s %s", b2, b1);
    CHECK_STR(got, want);

    json_t *a = call(&w, &w.officer_a, "GET", "/leads", NULL, &status);
    CHECK_INT(status, 200);
    json_t *row = json_array_get(json_object_get(a, "leads"), 2);
    CHECK_STR(str(row, "group"), "Cư dân KP1");
    CHECK_STR(str(row, "kind"), "group_lead");
    CHECK_STR(str(row, "area_name"), "Khu phố 1");
    CHECK(strstr(str(row, "gist"), "0912345678") != NULL); /* a lead has no contact to hide */
    CHECK(json_object_get(row, "platform") == NULL && json_object_get(row, "chat_id") == NULL);
    json_decref(a);

    /* KP2 asked for by KP1's officer; a cursor that is not one; the leader's role */
    json_decref(call(&w, &w.officer_a, "GET", "/leads?area=KP2", NULL, &status));
    CHECK_INT(status, 403);
    json_decref(call(&w, &w.officer_a, "GET", "/leads?cursor=abc", NULL, &status));
    CHECK_INT(status, 400);
    CHECK(call(&w, &w.leader, "GET", "/leads", NULL, &status) == NULL);
    CHECK_INT(status, 403);
    CHECK(call(&w, &w.leader, "GET", "/scam", NULL, &status) == NULL);
    CHECK_INT(status, 403);
    CHECK(call(&w, &w.leader, "GET", "/handover", NULL, &status) == NULL);
    CHECK_INT(status, 403);
    app_free(&w.app);
}

static void test_deskapi_groups_in_scope_with_their_figures(void)
{
    struct world w;
    int status = 0;
    if (start(&w, "groups") != 0)
        return;
    CHECK_INT(db_begin(w.app.db), DB_OK);
    tip_make(&w, "group_lead", "KP1", "-100111", "Tin nhóm một", now - 2 * DAY_MS, NULL);
    tip_make(&w, "group_lead", "KP1", "-100111", "Tin nhóm hai", now - 40 * DAY_MS, NULL);
    CHECK_INT(scam_flag(w.app.db, "phone", "0987654321", NULL, "giả danh", 0, now), DB_OK);
    CHECK_INT(scam_warn_once(w.app.db, 1, "telegram", "-100111", "2026-01-01", now - DAY_MS),
              DB_OK);
    CHECK_INT(db_commit(w.app.db), DB_OK);
    struct person *who[] = {&w.officer_a, &w.leader, &w.commander, &w.officer_b};
    const size_t sizes[] = {1, 1, 2, 1};
    for (int i = 0; i < 4; i++) {
        json_t *a = call(&w, who[i], "GET", "/groups", NULL, &status);
        CHECK_INT(status, 200);
        json_t *groups = json_object_get(a, "groups");
        CHECK_INT(json_array_size(groups), sizes[i]);
        json_t *g = json_array_get(groups, 0);
        if (i < 3) {
            CHECK_STR(str(g, "title"), "Cư dân KP1");
            CHECK_STR(str(g, "area_name"), "Khu phố 1");
            CHECK_STR(str(g, "platform"), "telegram");
            CHECK_INT(num(g, "leads_30d"), 1); /* the one of 40 days ago is older */
            CHECK_INT(num(g, "warnings_30d"), 1);
        } else {
            CHECK_STR(str(g, "title"), "Cư dân KP2");
        }
        json_decref(a);
    }
    app_free(&w.app);
}

static json_t *post(struct world *w, const char *path, const char *body, int *status)
{
    return call(w, &w->officer_a, "POST", path, body, status);
}

/* The CLI's import of text: its error lines into err. */
static void cli_import(struct world *w, const char *text, char *err, size_t size, int *added)
{
    struct hctx ctx = {.db = w->app.db,
                       .texts = w->app.texts,
                       .te = w->app.te,
                       .desks = w->app.desks,
                       .cfg = w->app.cfg,
                       .now_ms = now,
                       .args = ""};
    FILE *in = fmemopen((void *)text, strlen(text), "r"), *out = fmemopen(err, size, "w");
    int bad = 0;
    CHECK_INT(scam_import(&ctx, in, out, added, &bad), 0);
    fclose(in);
    fclose(out);
}

static void test_deskapi_scam_add_remove_import_as_chat_and_cli(void)
{
    struct world w;
    int status = 0;
    char got[512];
    if (start(&w, "scam") != 0)
        return;
    /* a phone in any writing is stored as the chat stores it */
    json_t *a = post(&w, "/scam",
                     "{\"kind\": \"phone\", \"value\": \"0912.345.678\", \"note\": \"giả danh "
                     "công an gọi điện\"}",
                     &status);
    CHECK_INT(status, 200);
    json_int_t phone_id = num(json_object_get(a, "item"), "id");
    CHECK_STR(str(json_object_get(a, "item"), "value"), "0912345678");
    CHECK_STR(str(json_object_get(a, "item"), "shown"), "0912 345 678");
    json_decref(a);
    struct scam_item it;
    CHECK_INT(scam_find(w.app.db, "phone", "0912345678", &it), DB_OK);
    json_decref(
        post(&w, "/scam",
             "{\"kind\": \"url\", \"value\": \"https://www.Lua-Dao.vn/\", \"note\": \"trang "
             "giả ngân hàng\"}",
             &status));
    CHECK_INT(status, 200);
    CHECK_INT(scam_find(w.app.db, "link", "lua-dao.vn", &it), DB_OK);
    json_decref(post(&w, "/scam",
                     "{\"kind\": \"account\", \"value\": \"0071 0012 3456\", \"bank\": \"VCB\", "
                     "\"note\": \"nhận cọc phòng trọ\"}",
                     &status));
    CHECK_INT(status, 200);
    /* what the chat refuses, the web refuses, with the reason */
    a = post(&w, "/scam", "{\"kind\": \"phone\", \"value\": \"12\", \"note\": \"x\"}", &status);
    CHECK_INT(status, 400);
    CHECK_STR(str(json_object_get(a, "error"), "code"), "scam_bad_phone");
    json_decref(a);
    json_decref(
        post(&w, "/scam", "{\"kind\": \"url\", \"value\": \"abc\", \"note\": \"x\"}", &status));
    CHECK_INT(status, 400);
    json_decref(post(&w, "/scam", "{\"kind\": \"phone\", \"value\": \"0912345678\"}", &status));
    CHECK_INT(status, 400);
    CHECK_INT(count(&w, "SELECT count(*) FROM audit_log WHERE action = 'scam_add'"), 3);

    /* the list: newest first, by kind, by a phone written another way, by the note's words */
    CHECK_INT(page_all(&w, &w.officer_a, "/scam", "items", "value", got, sizeof got), 3);
    CHECK_STR(got, "007100123456 lua-dao.vn 0912345678");
    CHECK_INT(page_all(&w, &w.officer_a, "/scam?kind=url", "items", "kind", got, sizeof got), 1);
    CHECK_STR(got, "url");
    CHECK_INT(page_all(&w, &w.officer_a, "/scam?q=%2B84%20912%20345%20678", "items", "value", got,
                       sizeof got),
              1);
    CHECK_STR(got, "0912345678");
    CHECK_INT(page_all(&w, &w.officer_a, "/scam?q=phong+tro", "items", "value", got, sizeof got),
              1);
    CHECK_STR(got, ""); /* LIKE: the note is matched as written */
    CHECK_INT(page_all(&w, &w.officer_a, "/scam?q=phòng+trọ", "items", "value", got, sizeof got),
              1);
    CHECK_STR(got, "007100123456");

    /* removal: audited, off the list, no longer matched; flagging again brings it back */
    char body[64];
    snprintf(body, sizeof body, "{\"id\": %lld}", (long long)phone_id);
    json_decref(post(&w, "/scam/remove", body, &status));
    CHECK_INT(status, 200);
    CHECK_INT(scam_find(w.app.db, "phone", "0912345678", &it), DB_NOT_FOUND);
    CHECK_INT(count(&w, "SELECT count(*) FROM audit_log WHERE action = 'scam_remove' AND detail = "
                        "'phone:0912345678'"),
              1);
    json_decref(post(&w, "/scam/remove", body, &status));
    CHECK_INT(status, 404);
    CHECK_INT(page_all(&w, &w.officer_a, "/scam?kind=phone", "items", "value", got, sizeof got), 1);
    CHECK_STR(got, "");

    /* import: the CLI's reader and normal forms; a bad line named by its number, as the CLI
     * names it; the removed phone comes back under its id */
    static const char lines[] =
        "{\"type\": \"phone\", \"value\": \"0912 345 678\", \"reason\": \"lại gọi\"}\n"
        "\n"
        "{\"type\": \"phone\", \"value\": \"12345\", \"reason\": \"sai\"}\n"
        "# comment\n"
        "{\"type\": \"link\", \"value\": \"http://qua-tang.vn/nhan/\", \"reason\": \"quà giả\"}\n"
        "not json\n";
    json_t *req = json_pack("{s:s}", "lines", lines);
    char *req_text = json_dumps(req, 0);
    a = post(&w, "/scam/import", req_text, &status);
    CHECK_INT(status, 200);
    CHECK_INT(num(a, "added"), 2);
    CHECK_INT(num(a, "skipped"), 2);
    json_t *errors = json_object_get(a, "errors");
    CHECK_INT(json_array_size(errors), 2);
    CHECK_INT(num(json_array_get(errors, 0), "line"), 3);
    CHECK_STR(str(json_array_get(errors, 0), "message"),
              "Đây không phải một số điện thoại hợp lệ.");
    CHECK_INT(num(json_array_get(errors, 1), "line"), 6);
    json_decref(a);
    CHECK_INT(scam_find(w.app.db, "phone", "0912345678", &it), DB_OK);
    CHECK_INT(it.id, phone_id);
    CHECK_INT(scam_find(w.app.db, "link", "qua-tang.vn/nhan", &it), DB_OK);
    CHECK_INT(count(&w, "SELECT count(*) FROM audit_log WHERE action = 'scam_import'"), 1);
    char err[512] = "";
    int added = 0;
    cli_import(&w, lines, err, sizeof err, &added);
    CHECK_INT(added, 2);
    CHECK_STR(err, "line 3: not a phone number\nline 6: needs type (phone, link, account), value "
                   "and reason\n");
    CHECK_INT(count(&w, "SELECT count(*) FROM scam_items"), 4);
    free(req_text);
    json_decref(req);

    /* bounded: 5,001 lines are refused whole */
    size_t big = 5001 * 3 + 1;
    char *many = malloc(big);
    for (int i = 0; i < 5001; i++)
        memcpy(many + 3 * i, "#x\n", 3);
    many[big - 1] = '\0';
    req = json_pack("{s:s}", "lines", many);
    req_text = json_dumps(req, 0);
    json_decref(post(&w, "/scam/import", req_text, &status));
    CHECK_INT(status, 413);
    free(req_text);
    json_decref(req);
    free(many);
    app_free(&w.app);
}

static void test_deskapi_sightings_counted_by_groups_never_named(void)
{
    struct world w;
    int status = 0;
    char got[512];
    if (start(&w, "seen") != 0)
        return;
    static const char *const rows[][3] = {
        {"phone", "0987654321", "group:telegram:-100111"},
        {"phone", "0987654321", "group:telegram:-100222"},
        {"phone", "0987654321", "group:telegram:-100222"},
        {"phone", "0987654321", "tip:7"},
        {"link", "x-lua.vn", "group:telegram:-100111"},
        {"phone", "0911222333", "tip:8"},
    };
    CHECK_INT(db_begin(w.app.db), DB_OK);
    for (int i = 0; i < 6; i++)
        CHECK_INT(db_run(w.app.db,
                         "INSERT INTO sightings (kind, value, source, seen_at) VALUES (?, ?, ?, ?)",
                         "tttI", rows[i][0], rows[i][1], rows[i][2], now - (6 - i) * HOUR_MS),
                  DB_OK);
    CHECK_INT(scam_flag(w.app.db, "link", "x-lua.vn", NULL, "lừa", 0, now), DB_OK);
    CHECK_INT(db_commit(w.app.db), DB_OK);
    CHECK_INT(page_all(&w, &w.commander, "/scam/sightings", "sightings", "value", got, sizeof got),
              3);
    CHECK_STR(got, "x-lua.vn 0911222333 0987654321");
    json_t *a = call(&w, &w.officer_a, "GET", "/scam/sightings", NULL, &status);
    CHECK_INT(status, 200);
    json_t *list = json_object_get(a, "sightings");
    json_t *link = json_array_get(list, 0), *phone = json_array_get(list, 2);
    CHECK_STR(str(link, "kind"), "url");
    CHECK(json_is_true(json_object_get(link, "flagged")));
    CHECK_INT(num(link, "groups"), 1);
    CHECK_STR(str(phone, "shown"), "0987 654 321");
    CHECK_INT(num(phone, "groups"), 2);
    CHECK_INT(num(phone, "count"), 4);
    CHECK_INT(num(phone, "first_at"), now - 6 * HOUR_MS);
    CHECK_INT(num(phone, "last_at"), now - 3 * HOUR_MS);
    CHECK(json_is_false(json_object_get(phone, "flagged")));
    json_decref(a);
    json_decref(call(&w, &w.officer_a, "GET", "/scam/sightings?cursor=zz", NULL, &status));
    CHECK_INT(status, 400);
    app_free(&w.app);
}

static const char *codes_of(const json_t *list, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(list); i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "",
                 str(json_array_get(list, i), "code"));
    return out;
}

/* Plans of the statements a connection ran: no table read whole but through a partial index
 * (a small table, scam_items, is paged down its rowid). */
static int plan_bad(const char *sql, void *arg)
{
    struct db *db = arg;
    char *explain = malloc(strlen(sql) + 32);
    sqlite3_stmt *st = NULL;
    sprintf(explain, "EXPLAIN QUERY PLAN %s", sql);
    CHECK_INT(sqlite3_prepare_v2(db_handle(db), explain, -1, &st, NULL), SQLITE_OK);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(st, 3);
        int partial = strstr(row, "tips_leads_age") || strstr(row, "tips_open_area") ||
                      strstr(row, "tips_overdue") || strstr(row, "chats_area");
        /* "SCAN (subquery-n)": the rows a subquery read through its own index; "SCAN CONSTANT
         * ROW": a SELECT of values with no table (the tip row's per-tip counts) */
        if ((strncmp(row, "SCAN ", 5) == 0 && !partial && !strstr(row, "SCAN i") &&
             strncmp(row, "SCAN (subquery", 14) != 0 && strcmp(row, "SCAN CONSTANT ROW") != 0) ||
            strstr(row, "AUTOMATIC")) {
            fprintf(stderr, "  reads a table whole: %s\n    in: %.300s\n", row, sql);
            CHECK(!"every list read through an index");
        }
    }
    sqlite3_finalize(st);
    free(explain);
    return 0;
}

static void test_deskapi_handover_lists_at_a_fake_time(void)
{
    struct world w;
    int status = 0;
    char got[256], want[256];
    char fresh[9], acked[9], late[9], waiting[9], answered[9], closed[9], other[9];
    if (start(&w, "handover") != 0)
        return;
    struct db *db = w.app.db;
    CHECK_INT(db_begin(db), DB_OK);
    tip_make(&w, "tip", "KP1", "tg-resident", "Tin mới trong ca", now - 2 * HOUR_MS, fresh);
    int64_t id = tip_make(&w, "tip", "KP1", "tg-resident", "Đã nhận", now - 3 * DAY_MS, acked);
    CHECK_INT(tips_acknowledge(db, id, now - HOUR_MS), DB_OK);
    tip_make(&w, "tip", "KP1", "tg-resident", "Quá hạn", now - 30 * DAY_MS, late);
    id = tip_make(&w, "tip", "KP1", "tg-resident", "Người báo trả lời", now - 2 * DAY_MS, waiting);
    CHECK_INT(tips_message_add(db, id, "to_tipster", "Anh cho biết thêm?", w.officer_a.id, true,
                               now - 2 * DAY_MS + HOUR_MS),
              DB_OK);
    CHECK_INT(tips_message_add(db, id, "from_tipster", "Dạ, lúc 9 giờ", 0, false, now - DAY_MS),
              DB_OK);
    id = tip_make(&w, "tip", "KP1", "tg-resident", "Đã trả lời người báo", now - 2 * DAY_MS,
                  answered);
    CHECK_INT(tips_message_add(db, id, "from_tipster", "Bổ sung", 0, false, now - DAY_MS), DB_OK);
    CHECK_INT(tips_message_add(db, id, "to_tipster", "Cảm ơn", w.officer_a.id, false,
                               now - DAY_MS + HOUR_MS),
              DB_OK);
    id = tip_make(&w, "tip", "KP1", "tg-resident", "Đã xong", now - 2 * DAY_MS, closed);
    CHECK_INT(tips_close(db, id, "Đã xử lý", now - 30 * 60000), DB_OK);
    tip_make(&w, "tip", "KP2", "tg-resident", "Tin khu phố 2", now - HOUR_MS, other);
    CHECK_INT(db_commit(db), DB_OK);

    json_t *a = call(&w, &w.officer_a, "GET", "/handover", NULL, &status);
    CHECK_INT(status, 200);
    CHECK_INT(num(a, "since"), now - 12 * HOUR_MS);
    CHECK_INT(num(a, "now"), now);
    CHECK_STR(codes_of(json_object_get(a, "new"), got, sizeof got), fresh);
    snprintf(want, sizeof want, "%s %s", closed, acked); /* closing acknowledges too */
    CHECK_STR(codes_of(json_object_get(a, "acknowledged"), got, sizeof got), want);
    CHECK_STR(codes_of(json_object_get(a, "overdue"), got, sizeof got), late);
    CHECK_STR(codes_of(json_object_get(a, "replies_waiting"), got, sizeof got), waiting);
    CHECK_STR(codes_of(json_object_get(a, "closed"), got, sizeof got), closed);
    CHECK_INT(num(json_object_get(a, "more"), "new"), 0);
    CHECK(
        json_is_true(json_object_get(json_array_get(json_object_get(a, "overdue"), 0), "overdue")));
    json_decref(a);
    /* the commander: KP2's new tip too; since bounded to a week back */
    a = call(&w, &w.commander, "GET", "/handover?since=0", NULL, &status);
    CHECK_INT(status, 200);
    CHECK_INT(num(a, "since"), now - 7 * DAY_MS);
    snprintf(want, sizeof want, "%s %s", other, fresh);
    codes_of(json_object_get(a, "new"), got, sizeof got);
    CHECK(strncmp(got, want, strlen(want)) == 0); /* newest first; the week's others follow */
    json_decref(a);
    json_decref(call(&w, &w.officer_a, "GET", "/handover?since=yesterday", NULL, &status));
    CHECK_INT(status, 400);

    /* every list read through an index, on a connection of its own */
    struct db *own = NULL;
    CHECK_INT(app_open_db(&w.app, &own), 0);
    if (own) {
        struct db *shared = w.app.db;
        w.app.db = own;
        const char *const targets[] = {"/handover", "/leads?limit=2", "/groups", "/scam?q=0912",
                                       "/scam/sightings"};
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
            json_decref(call(&w, &w.officer_a, "GET", targets[i], NULL, &status));
        w.app.db = shared;
        CHECK_INT(sqlite3_exec(db_handle(own), "PRAGMA foreign_keys=OFF", NULL, NULL, NULL),
                  SQLITE_OK);
        db_each_statement(own, plan_bad, own);
        db_close(own);
    }
    app_free(&w.app);
}

TESTLIB_MAIN(T(test_deskapi_leads_by_scope_newest_first_each_once),
             T(test_deskapi_groups_in_scope_with_their_figures),
             T(test_deskapi_scam_add_remove_import_as_chat_and_cli),
             T(test_deskapi_sightings_counted_by_groups_never_named),
             T(test_deskapi_handover_lists_at_a_fake_time))
