/*
 * test_metrics.c — the pure parts of /metrics (bot/health.h, bot/metrics.h): a latency falls
 * into the first bucket whose bound holds it (a bound is inclusive, as Prometheus' le says),
 * beyond the last into +Inf, and a clock set back counts as 0; a send's outcome comes from the
 * HTTP status the platform gave, or from why it gave none; /proc/self/stat is read after the
 * command's last parenthesis; label values are escaped; the inbox-to-send latency finds the
 * update whose handling enqueued a row, and none for a row nobody's handling enqueued.
 */
#include "bot/health.h"
#include "bot/metrics.h"

#include "testlib.h"

#include <math.h>
#include <string.h>

static void test_metrics_histogram_buckets_are_inclusive_bounds(void)
{
    struct health_hist hh;
    memset(&hh, 0, sizeof hh);
    health_hist_observe(&hh, 0.005); /* on the first bound: in it */
    health_hist_observe(&hh, 0.0051);
    health_hist_observe(&hh, 300);
    health_hist_observe(&hh, 301); /* past the last bound: +Inf */
    health_hist_observe(&hh, -2);  /* a clock set back: 0 */
    health_hist_observe(&hh, NAN);
    CHECK(hh.bucket[0] == 3);
    CHECK(hh.bucket[1] == 1);
    CHECK(hh.bucket[HEALTH_BOUNDS - 1] == 1);
    CHECK(hh.bucket[HEALTH_BOUNDS] == 1);
    CHECK(hh.count == 6);
    CHECK(fabs(hh.sum - (0.005 + 0.0051 + 300 + 301)) < 1e-9);
    for (int i = 1; i < HEALTH_BOUNDS; i++)
        CHECK(health_bounds[i] > health_bounds[i - 1]);
}

static void test_metrics_send_outcomes_by_status(void)
{
    CHECK(health_outcome_of(1, 0, 200, 1) == HEALTH_SENT);
    CHECK(health_outcome_of(1, 0, 200, 0) == HEALTH_OTHER); /* 200 with garbage */
    CHECK(health_outcome_of(1, 0, 429, 0) == HEALTH_429);
    CHECK(health_outcome_of(1, 0, 400, 0) == HEALTH_400);
    CHECK(health_outcome_of(1, 0, 401, 0) == HEALTH_401);
    CHECK(health_outcome_of(1, 0, 403, 0) == HEALTH_403);
    CHECK(health_outcome_of(1, 0, 404, 0) == HEALTH_404);
    CHECK(health_outcome_of(1, 0, 409, 0) == HEALTH_4XX);
    CHECK(health_outcome_of(1, 0, 502, 0) == HEALTH_5XX);
    CHECK(health_outcome_of(1, 0, 302, 0) == HEALTH_OTHER);
    CHECK(health_outcome_of(0, 1, 0, 0) == HEALTH_TIMEOUT);
    CHECK(health_outcome_of(0, 0, 0, 0) == HEALTH_NETWORK);
    CHECK_STR(health_outcome_names[HEALTH_5XX], "5xx");
}

static void test_metrics_proc_stat_after_the_command(void)
{
    struct metrics_proc p;
    /* A command with a space and a parenthesis must not shift the fields. */
    const char *stat = "4242 (tip gate) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 50 0 0 20 0 "
                       "7 0 12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0";
    CHECK_INT(metrics_proc_parse(stat, &p), 0);
    CHECK(p.cpu_ticks == 200);
    CHECK(p.vsize_bytes == 104857600ULL);
    CHECK(p.rss_pages == 2560);
    CHECK_INT(metrics_proc_parse("4242 (tipgate", &p), -1);
    CHECK_INT(metrics_proc_parse("", &p), -1);
    CHECK_INT(metrics_proc_parse(NULL, &p), -1);
}

static void test_metrics_label_values_escaped(void)
{
    char out[32];
    metrics_label_escape("a\"b\\c\nd", out, sizeof out);
    CHECK_STR(out, "a\\\"b\\\\c\\nd");
    metrics_label_escape("abc\"", out, 5); /* no room for the escape: cut before it */
    CHECK_STR(out, "abc");
}

static void test_metrics_inbox_to_send_finds_the_update(void)
{
    struct health *h = NULL;
    CHECK_INT(health_new(&h), 0);
    health_handled(h, "telegram", 0, 1000, 1200, 10, 12); /* enqueued rows 10..12 */
    health_handled(h, "telegram", 0, 2000, 2100, 1, 0);   /* enqueued nothing */
    health_handled(h, "telegram", 1, 3000, 3050, 1, 0);   /* failed */
    health_reply_sent(h, "telegram", 11, 4000);           /* 3 s after its update */
    health_reply_sent(h, "telegram", 13, 4000);           /* not a reply: not observed */
    struct health_snap s;
    health_snapshot(h, &s);
    int tg = platform_index("telegram");
    CHECK(tg >= 0);
    CHECK(s.p[tg].handled == 3 && s.p[tg].failed == 1);
    CHECK(s.p[tg].handling.count == 3);
    CHECK(fabs(s.p[tg].handling.sum - 0.35) < 1e-9);
    CHECK(s.p[tg].reply.count == 1);
    CHECK(fabs(s.p[tg].reply.sum - 3.0) < 1e-9);
    health_free(h);
}

TESTLIB_MAIN(T(test_metrics_histogram_buckets_are_inclusive_bounds),
             T(test_metrics_send_outcomes_by_status), T(test_metrics_proc_stat_after_the_command),
             T(test_metrics_label_values_escaped), T(test_metrics_inbox_to_send_finds_the_update))
