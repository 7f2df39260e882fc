/*
 * test_desk_pages.c — the desk's lists and search read one page at a time (issue 10): /tim
 * takes its page from the full-text index, newest first, and counts at most TIPS_COUNT_MAX
 * matches ("hơn 1000 tin" past that) instead of reading and sorting every match; a page of
 * words and keys together is the page of their union; /quahan and /tinmoi page through their
 * partial indexes in their order, with an exact count below the cap.
 */
#include "bot/app.h"
#include "base/clock.h"
#include "base/msg.h"
#include "bot/worker.h"
#include "storage/enrol.h"
#include "storage/inbox.h"
#include "storage/tips.h"

#include "testlib.h"

#include <stdlib.h>

#define DAY_MS 86400000LL

static const int64_t t0 = 1798000000000LL;

static int start(struct app *app, const char *name)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"%s.db\"},"
             " \"areas\": [{\"code\": \"TDP5\", \"name\": \"Tổ dân phố 5\", \"desk\": "
             "{\"platform\": \"webchat\", \"chat_id\": \"desk\"}}]}",
             name);
    return testlib_app(app, name, text);
}

/* n tips, one a minute from t0, about a stolen motorbike; every seventh names a phone, and
 * every one past its deadline from the 20th day on. Returns the first id. */
static int64_t file_tips(struct app *app, int n)
{
    int64_t first = 0;
    CHECK_INT(db_begin(app->db), DB_OK);
    for (int i = 0; i < n; i++) {
        struct tip t = {0};
        t.kind = "tip";
        t.description = i % 7 ? "Mất trộm xe máy trước nhà" : "Mất xe máy, kẻ gian gọi 0912345678";
        t.folded = i % 7 ? "mat trom xe may truoc nha" : "mat xe may, ke gian goi 0912345678";
        t.entities = i % 7 ? NULL : "{\"phones\": [\"0912345678\"]}";
        t.area = "TDP5";
        t.deadline_at = t0 + i * 60000LL + 20 * DAY_MS;
        CHECK_INT(tips_create(app->db, &t, t0 + i * 60000LL), DB_OK);
        first = first ? first : t.id;
    }
    CHECK_INT(db_commit(app->db), DB_OK);
    return first;
}

static void clear(struct tip *list, int n)
{
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
}

static void test_desk_search_pages_newest_first_and_counts_to_the_cap(void)
{
    struct app app;
    struct tip list[TIPS_PAGE_MAX];
    int n = 0;
    int64_t total = 0;
    const char *phone[] = {"phone:0912345678"};
    if (start(&app, "search") != 0)
        return;
    int64_t first = file_tips(&app, TIPS_COUNT_MAX + 5), last = first + TIPS_COUNT_MAX + 4;
    CHECK_INT(tips_search_page(app.db, "xe may", NULL, 0, 0, list, TIPS_PAGE_MAX, &n, &total),
              DB_OK);
    CHECK_INT(n, TIPS_PAGE_MAX);
    CHECK_INT(total, TIPS_COUNT_MAX + 1); /* more than the cap */
    CHECK_INT(list[0].id, last);
    CHECK_INT(list[9].id, last - 9);
    clear(list, n);
    CHECK_INT(tips_search_page(app.db, "xe may", NULL, 0, 100 * TIPS_PAGE_MAX, list, TIPS_PAGE_MAX,
                               &n, &total),
              DB_OK);
    CHECK_INT(n, 5); /* the oldest five, past the counted thousand */
    CHECK_INT(list[4].id, first);
    clear(list, n);
    /* by the phone key only: every seventh tip, exactly counted */
    CHECK_INT(tips_search_page(app.db, "", phone, 1, 0, list, TIPS_PAGE_MAX, &n, &total), DB_OK);
    CHECK_INT(total, (TIPS_COUNT_MAX + 5 + 6) / 7);
    CHECK_INT(list[0].id, first + (TIPS_COUNT_MAX + 4) / 7 * 7);
    clear(list, n);
    /* a word of six tips in seven, or the phone of the seventh: every tip, page 2 */
    CHECK_INT(
        tips_search_page(app.db, "trom", phone, 1, TIPS_PAGE_MAX, list, TIPS_PAGE_MAX, &n, &total),
        DB_OK);
    CHECK_INT(total, TIPS_COUNT_MAX + 1);
    CHECK_INT(n, TIPS_PAGE_MAX);
    CHECK_INT(list[0].id, last - 10);
    clear(list, n);
    app_free(&app);
}

static void test_desk_overdue_and_new_lists_page_in_their_order(void)
{
    struct app app;
    struct tip list[TIPS_PAGE_MAX];
    int n = 0;
    int64_t total = 0;
    if (start(&app, "lists") != 0)
        return;
    int64_t first = file_tips(&app, 25);
    /* on the 20th day plus 12 minutes, the first 12 are overdue; most overdue first */
    CHECK_INT(tips_page(app.db, TIPS_LISTING_OVERDUE, t0 + 20 * DAY_MS + 12 * 60000 - 1, 10, list,
                        TIPS_PAGE_MAX, &n, &total),
              DB_OK);
    CHECK_INT(total, 12);
    CHECK_INT(n, 2);
    CHECK_INT(list[0].id, first + 10);
    clear(list, n);
    CHECK_INT(tips_acknowledge(app.db, first, t0), DB_OK);
    CHECK_INT(tips_page(app.db, TIPS_LISTING_NEW, t0, 20, list, TIPS_PAGE_MAX, &n, &total), DB_OK);
    CHECK_INT(total, 24);
    CHECK_INT(n, 4);
    CHECK_INT(list[3].id, first + 24);
    clear(list, n);
    /* past the end: nothing, and still the count */
    CHECK_INT(tips_page(app.db, TIPS_LISTING_NEW, t0, 40, list, TIPS_PAGE_MAX, &n, &total), DB_OK);
    CHECK_INT(n, 0);
    CHECK_INT(total, 24);
    app_free(&app);
}

/* The reply to an officer's message (the last text queued to their chat; static buffer). */
static const char *officer_says(struct app *app, const char *text)
{
    static int seq;
    static char reply[8192];
    char key[32];
    struct msg m = {0};
    snprintf(key, sizeof key, "d%d", ++seq);
    m.kind = MSG_TEXT;
    m.platform = strdup("webchat");
    m.update_key = strdup(key);
    m.chat_id = strdup("officer");
    m.sender_id = strdup("officer");
    m.text = strdup(text);
    m.date_ms = t0;
    char *json = msg_to_json(&m);
    CHECK_INT(inbox_add(app->db, "webchat", key, "officer", json, t0, NULL), DB_OK);
    free(json);
    msg_clear(&m);
    int done = 0;
    unsigned touched = 0;
    clock_set_fake(t0 + 2 * 3600000LL);
    CHECK_INT(worker_run_batch(app, app->db, &done, &touched), 0);
    clock_set_fake(0);
    sqlite3_stmt *st = NULL;
    reply[0] = '\0';
    sqlite3_prepare_v2(db_handle(app->db),
                       "SELECT text FROM outbox WHERE chat_id = 'officer' ORDER BY id DESC LIMIT 1",
                       -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(reply, sizeof reply, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return reply;
}

static void test_desk_search_says_more_than_the_cap(void)
{
    struct app app;
    struct enrol_grant g = {.role = "police", .area = "TDP5"};
    char code[ENROL_CODE_LEN + 1], cmd[64];
    if (start(&app, "shown") != 0)
        return;
    file_tips(&app, TIPS_COUNT_MAX + 5);
    CHECK_INT(enrol_create(app.db, &g, t0, DAY_MS, code), DB_OK);
    snprintf(cmd, sizeof cmd, "/dangky %s", code);
    officer_says(&app, cmd);
    const char *r = officer_says(&app, "/tim xe máy");
    CHECK(strstr(r, "Trang 1 · hơn 1000 tin. Gõ /tim xe máy trang 2 để xem tiếp.") != NULL);
    r = officer_says(&app, "/tim xe máy trang 101");
    CHECK(strstr(r, "Trang 101 · hơn 1000 tin.") != NULL);
    CHECK(strstr(r, "để xem tiếp") == NULL);
    r = officer_says(&app, "/tim xe máy trang 102");
    CHECK_STR(r, "Danh sách không có trang 102.");
    app_free(&app);
}

TESTLIB_MAIN(T(test_desk_search_pages_newest_first_and_counts_to_the_cap),
             T(test_desk_overdue_and_new_lists_page_in_their_order),
             T(test_desk_search_says_more_than_the_cap))
