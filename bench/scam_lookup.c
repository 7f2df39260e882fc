/*
 * scam_lookup.c — what the scam shield costs one group message (handlers/scam.c
 * scam_check_group, with the group's unsolicited slot taken so nothing is written): the
 * flagged phones, links and bank accounts a message names, looked up in a database holding
 * ACCOUNTS flagged accounts. Run by bench/scam_speed.sh against a Release build.
 *
 *   scam_lookup DIR [ACCOUNTS] [MESSAGES]
 *
 * DIR holds the throw-away database; ACCOUNTS (default 512) are flagged, MESSAGES (default
 * 20000) are checked: half an ordinary notice with a phone number and an amount (six digits or
 * more: the accounts are searched), half naming a flagged account. Prints microseconds per
 * message for each.
 */
#include "base/log.h"
#include "handlers/handler.h"
#include "handlers/scam.h"
#include "text/textengine.h"
#include "storage/db.h"
#include "storage/scam_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int bench_flag(struct db *db, int accounts)
{
    char value[32];
    if (db_begin(db) != DB_OK)
        return -1;
    for (int i = 0; i < accounts; i++) {
        snprintf(value, sizeof value, "97040%07d", i * 7919);
        if (scam_flag(db, "account", value, "Ngân hàng X", "lừa đảo đặt cọc", 0, 0) != DB_OK)
            return -1;
    }
    return db_commit(db) == DB_OK ? 0 : -1;
}

/* Microseconds per scam_check_group of text, over n runs. */
static double bench_run(struct hctx *ctx, const char *text, int n)
{
    struct text_analysis a;
    if (textengine_analyze(ctx->te, text, true, &a) != 0)
        return -1;
    int rc = 0;
    double t0 = bench_now_us();
    for (int i = 0; i < n && rc == 0; i++)
        rc = scam_check_group(ctx, &a, 0);
    double t1 = bench_now_us();
    text_analysis_clear(&a);
    return rc == 0 ? (t1 - t0) / n : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: scam_lookup DIR [ACCOUNTS] [MESSAGES]\n");
        return 2;
    }
    int accounts = argc > 2 ? atoi(argv[2]) : 512, n = argc > 3 ? atoi(argv[3]) : 20000;
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/scam.db", argv[1]);
    struct db_options opt = {.busy_timeout_ms = 5000, .synchronous_full = 0};
    struct db *db = NULL;
    struct textengine *te = NULL;
    log_set_level(LOG_WARN);
    if (db_open(path, &opt, &db) != DB_OK || db_migrate(db, -1) != DB_OK ||
        bench_flag(db, accounts) != 0 ||
        textengine_load(TIPGATE_SOURCE_DIR "/config/categories.vi.json", &te, err, sizeof err)) {
        fprintf(stderr, "scam_lookup: setup failed %s\n", err);
        return 1;
    }
    struct hctx ctx = {.db = db, .te = te, .now_ms = 1800000000000LL, .args = ""};
    double plain = bench_run(&ctx,
                             "Tối nay 19h30 họp tổ ở nhà văn hóa, mỗi hộ đóng 200000 đồng quỹ "
                             "khuyến học, ai chưa đóng liên hệ chị Lan 0912 345 678 nhé",
                             n / 2);
    double flagged = bench_run(&ctx,
                               "Có ai biết tài khoản 9704 0000 7919 này không, người ta bảo "
                               "chuyển cọc 2 triệu để giữ phòng",
                               n / 2);
    printf("%d flagged accounts, %d messages: ordinary %.1f us/message, naming a flagged "
           "account %.1f us/message\n",
           accounts, n, plain, flagged);
    textengine_free(te);
    db_close(db);
    return plain < 0 || flagged < 0;
}
