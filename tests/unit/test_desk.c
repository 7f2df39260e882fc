/*
 * test_desk.c — the pure parts of the police desk (handlers/desk_impl.h): what /giahan reads
 * from what an officer types (a number of days or a date, and nothing else: "10/01/2027" was
 * once read as 10 days), the limits of art. 147 on an extension, and the gist a list shows of
 * a tip (one line, cut at a word, never the tipster's phone or name).
 */
#include "calendar/calendar.h"
#include "handlers/desk_impl.h"
#include "handlers/deskact.h"

#include "testlib.h"

#include <stdlib.h>

static int64_t day(int y, int m, int d)
{
    return calendar_days(y, m, d);
}

static void test_giahan_reads_days(void)
{
    int64_t today = day(2026, 12, 5), v = -1;
    CHECK_INT(desk_extend_parse("30", today, &v), DESK_EXTEND_DAYS);
    CHECK_INT(v, 30);
    CHECK_INT(desk_extend_parse(" 30 ngày ", today, &v), DESK_EXTEND_DAYS);
    CHECK_INT(v, 30);
    CHECK_INT(desk_extend_parse("thêm 7 ngay nữa", today, &v), DESK_EXTEND_DAYS);
    CHECK_INT(v, 7);
    CHECK_INT(desk_extend_parse("7 NGÀY", today, &v), DESK_EXTEND_DAYS);
    CHECK_INT(v, 7);
}

static void test_giahan_reads_dates_not_as_days(void)
{
    int64_t today = day(2026, 12, 5), v = -1;
    CHECK_INT(desk_extend_parse("10/01/2027", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2027, 1, 10));
    CHECK_INT(desk_extend_parse("4-1-2027", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2027, 1, 4));
    CHECK_INT(desk_extend_parse("04.01.27", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2027, 1, 4));
    CHECK_INT(desk_extend_parse("đến hết ngày 04/01/2027", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2027, 1, 4));
    /* DD/MM: the next such day from today on */
    CHECK_INT(desk_extend_parse("04/01", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2027, 1, 4));
    CHECK_INT(desk_extend_parse("25/12", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2026, 12, 25));
    CHECK_INT(desk_extend_parse("5/12", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, today);
    CHECK_INT(desk_extend_parse("29/02", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2028, 2, 29));
    /* a date in the past is still a date (the desk says it is not later than the deadline) */
    CHECK_INT(desk_extend_parse("01/01/2026", today, &v), DESK_EXTEND_DATE);
    CHECK_INT(v, day(2026, 1, 1));
}

static void test_giahan_refuses_anything_else(void)
{
    static const char *const bad[] = {
        "",           "0",     "abc",    "hai",     "31/02/2027", "10/13/2027",
        "0/1/2027",   "-5",    "5 tuần", "1/2/3/4", "10/01/2",    "10/01/20271",
        "10/01 2027", "30 30", "1e3",    "999999",  "10//2027",   "10/01/2027x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = -1;
        enum desk_extend_form f = desk_extend_parse(bad[i], day(2026, 12, 5), &v);
        if (f != DESK_EXTEND_BAD)
            fprintf(stderr, "  \"%s\" was read as %d (%lld)\n", bad[i], (int)f, (long long)v);
        CHECK_INT(f, DESK_EXTEND_BAD);
    }
}

static void test_art_147_limits_of_an_extension(void)
{
    int64_t created = day(2026, 12, 5);
    /* the first: to 2 months after receipt at most */
    CHECK_INT(deskact_extend_max_day(created, created + 20, 0), created + 60);
    /* the second: at most 2 more months, 4 in all */
    CHECK_INT(deskact_extend_max_day(created, created + 60, 1), created + 120);
    CHECK_INT(deskact_extend_max_day(created, created + 30, 1), created + 90);
    /* no third */
    CHECK_INT(deskact_extend_max_day(created, created + 120, 2), created + 120);
}

static void test_gist_is_one_line_cut_at_a_word(void)
{
    char out[256];
    desk_gist("Có kẻ trộm xe máy\nở tổ 5", NULL, NULL, out, sizeof out);
    CHECK_STR(out, "Có kẻ trộm xe máy ở tổ 5");
    desk_gist("Khoảng 10 giờ tối hôm qua có hai thanh niên đi xe máy không biển số giật điện "
              "thoại của một chị bán hàng",
              NULL, NULL, out, sizeof out);
    CHECK_STR(out, "Khoảng 10 giờ tối hôm qua có hai thanh niên đi xe máy không…");
    /* one word longer than the gist: cut at a character */
    char word[200];
    memset(word, 'a', 100);
    word[100] = '\0';
    desk_gist(word, NULL, NULL, out, sizeof out);
    CHECK_INT(strlen(out), 60 + strlen("…"));
}

static void test_gist_never_shows_the_tipsters_phone_or_name(void)
{
    char out[256];
    desk_gist("Tôi là Hằng Nga, số 0987 654 321, thấy kẻ lạ", "0987654321", "Hằng Nga", out,
              sizeof out);
    CHECK_STR(out, "Tôi là …, số …, thấy kẻ lạ");
    desk_gist("HANG NGA gọi +84 987.654.321 báo", "0987654321", "Hằng Nga", out, sizeof out);
    CHECK_STR(out, "… gọi … báo");
    /* other numbers, and names inside other words, stay */
    desk_gist("Số 0912345678 lừa, anh Ngaô", "0987654321", "Nga", out, sizeof out);
    CHECK_STR(out, "Số 0912345678 lừa, anh Ngaô");
    desk_gist("số 09876543210 khác", "0987654321", NULL, out, sizeof out);
    CHECK_STR(out, "số 09876543210 khác");
}

TESTLIB_MAIN(T(test_giahan_reads_days), T(test_giahan_reads_dates_not_as_days),
             T(test_giahan_refuses_anything_else), T(test_art_147_limits_of_an_extension),
             T(test_gist_is_one_line_cut_at_a_word),
             T(test_gist_never_shows_the_tipsters_phone_or_name))
