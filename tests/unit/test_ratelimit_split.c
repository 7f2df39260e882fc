/*
 * test_ratelimit_split.c — the sending limits (sliding windows that never exceed what a
 * platform counting "N per window" allows) and the splitting of long texts at paragraph, line
 * or word boundaries without cutting a UTF-8 sequence.
 */
#include "testlib.h"

#include "bot/ratelimit.h"
#include "base/textsplit.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

/* Counts the most sends in any window of w ms (sends at times t[0..n)). */
static int max_in_window(const int64_t *t, int n, int64_t w)
{
    int best = 0;
    for (int i = 0; i < n; i++) {
        int c = 0;
        for (int j = i; j < n && t[j] < t[i] + w; j++)
            c++;
        best = c > best ? c : best;
    }
    return best;
}

/* Sends as fast as the limiter allows, stepping a fake clock by 1 ms; returns how many. */
static int drive(struct ratelimit *rl, const char *chat, bool group, int64_t until, int64_t *times,
                 int cap)
{
    int n = 0;
    for (int64_t now = 0; now < until && n < cap; now++) {
        bool global;
        if (ratelimit_check(rl, chat, group, now, &global) == 0) {
            ratelimit_take(rl, chat, group, now);
            times[n++] = now;
        }
    }
    return n;
}

static void test_global_limit_never_exceeds_30_in_any_second(void)
{
    struct ratelimit *rl = ratelimit_new(ratelimit_rule(30, 1000, 30), ratelimit_rule(0, 0, 0),
                                         ratelimit_rule(0, 0, 0));
    int64_t times[400];
    char chat[16];
    int n = 0;
    for (int64_t now = 0; now < 10000 && n < 400; now++) {
        snprintf(chat, sizeof chat, "c%d", n); /* a new chat every time: only the global rule */
        bool global;
        if (ratelimit_check(rl, chat, false, now, &global) == 0) {
            ratelimit_take(rl, chat, false, now);
            times[n++] = now;
        }
    }
    CHECK(max_in_window(times, n, 1000) <= 30);
    CHECK(n >= 290); /* and it does not hold back more than it must: ~30/s over 10 s */
    ratelimit_free(rl);
}

static void test_per_chat_burst_then_one_per_second(void)
{
    struct ratelimit *rl =
        ratelimit_new(ratelimit_rule(0, 0, 0), ratelimit_rule(1, 1000, 3), ratelimit_rule(0, 0, 0));
    int64_t times[64];
    int n = drive(rl, "42", false, 10000, times, 64);
    CHECK_INT(times[0], 0);
    CHECK_INT(times[2], 2); /* a burst of three */
    CHECK(max_in_window(times, n, 3000) <= 3);
    CHECK(n >= 9 && n <= 12);
    /* another chat is not held back by the first */
    bool global;
    CHECK_INT(ratelimit_check(rl, "43", false, 5, &global), 0);
    ratelimit_free(rl);
}

static void test_group_limit_20_per_minute_and_reports_when(void)
{
    struct ratelimit *rl = ratelimit_new(ratelimit_rule(0, 0, 0), ratelimit_rule(1, 1000, 1),
                                         ratelimit_rule(20, 60000, 20));
    int64_t times[64];
    int n = drive(rl, "-100", true, 120000, times, 64);
    CHECK(max_in_window(times, n, 60000) <= 20);
    CHECK_INT(n, 40);
    bool global = true;
    int64_t at = ratelimit_check(rl, "-100", true, times[n - 1] + 1, &global);
    CHECK(at > times[n - 1] && !global);
    ratelimit_free(rl);
}

static void test_zero_rate_means_no_limit_and_many_chats_are_pruned(void)
{
    struct ratelimit *rl =
        ratelimit_new(ratelimit_rule(0, 0, 0), ratelimit_rule(1, 1000, 1), ratelimit_rule(0, 0, 0));
    char chat[16];
    bool global;
    /* 100,000 chats over 100 s: idle windows are dropped, memory stays bounded, none blocked */
    for (int i = 0; i < 100000; i++) {
        snprintf(chat, sizeof chat, "%d", i);
        CHECK_INT(ratelimit_check(rl, chat, false, i, &global), 0);
        ratelimit_take(rl, chat, false, i);
    }
    CHECK(ratelimit_check(rl, "99999", false, 99999, &global) > 0);
    ratelimit_free(rl);
}

struct parts {
    char *p[64];
    int n;
};

static int collect(const char *part, size_t len, void *ud)
{
    struct parts *ps = ud;
    if (ps->n < 64)
        ps->p[ps->n++] = strndup(part, len);
    return 0;
}

static void parts_free(struct parts *ps)
{
    for (int i = 0; i < ps->n; i++)
        free(ps->p[i]);
    ps->n = 0;
}

static void test_split_short_text_is_one_part(void)
{
    struct parts ps = {0};
    textsplit("Xin chào", 4096, collect, &ps);
    CHECK_INT(ps.n, 1);
    CHECK_STR(ps.p[0], "Xin chào");
    parts_free(&ps);
}

static void test_split_prefers_paragraphs_then_lines_then_words(void)
{
    struct parts ps = {0};
    textsplit("Đoạn một dài.\n\nĐoạn hai.", 20, collect, &ps);
    CHECK_INT(ps.n, 2);
    CHECK_STR(ps.p[0], "Đoạn một dài.");
    CHECK_STR(ps.p[1], "Đoạn hai.");
    parts_free(&ps);
    textsplit("dòng một\ndòng hai dài hơn", 15, collect, &ps);
    CHECK_STR(ps.p[0], "dòng một");
    parts_free(&ps);
    textsplit("một hai ba bốn năm sáu", 10, collect, &ps);
    for (int i = 0; i < ps.n; i++)
        CHECK(textsplit_units(ps.p[i], strlen(ps.p[i])) <= 10 && ps.p[i][0] != ' ');
    CHECK_STR(ps.p[0], "một hai");
    parts_free(&ps);
}

static void test_split_never_cuts_a_utf8_sequence_and_keeps_everything(void)
{
    /* 5000 Vietnamese letters without any space: hard cuts at the limit, on letter boundaries */
    size_t n = 5000;
    char *text = malloc(n * 3 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(text + 3 * i, "ệ", 3);
    text[n * 3] = '\0';
    struct parts ps = {0};
    textsplit(text, 4096, collect, &ps);
    CHECK_INT(ps.n, 2);
    size_t total = 0;
    for (int i = 0; i < ps.n; i++) {
        CHECK(utf8_valid(ps.p[i], strlen(ps.p[i])));
        CHECK(textsplit_units(ps.p[i], strlen(ps.p[i])) <= 4096);
        total += strlen(ps.p[i]);
    }
    CHECK_INT(total, n * 3);
    parts_free(&ps);
    free(text);
}

static void test_split_counts_emoji_as_two_units(void)
{
    CHECK_INT(textsplit_units("😭", strlen("😭")), 2);
    struct parts ps = {0};
    textsplit("😭😭😭", 4, collect, &ps);
    CHECK_INT(ps.n, 2);
    CHECK_STR(ps.p[0], "😭😭");
    parts_free(&ps);
}

TESTLIB_MAIN(T(test_global_limit_never_exceeds_30_in_any_second),
             T(test_per_chat_burst_then_one_per_second),
             T(test_group_limit_20_per_minute_and_reports_when),
             T(test_zero_rate_means_no_limit_and_many_chats_are_pruned),
             T(test_split_short_text_is_one_part),
             T(test_split_prefers_paragraphs_then_lines_then_words),
             T(test_split_never_cuts_a_utf8_sequence_and_keeps_everything),
             T(test_split_counts_emoji_as_two_units))
