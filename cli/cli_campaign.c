/*
 * cli_campaign.c — `tipgate campaign create|list|preview|schedule|cancel|report`
 * (cli/cli_commands.h). The service does the sending; these commands only write campaign rows
 * (the scheduler picks them up at its next tick) and read their progress. `--wait` follows a
 * campaign until nothing of it is left in progress, with a progress line on a terminal, and
 * gives up after two minutes without progress (the service is probably not running).
 */
#include "cli/cli_commands.h"

#include "cli/cli_util.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "handlers/campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CLI_CAMPAIGN_LIST_MAX = 200, CLI_CAMPAIGN_STALL_S = 120 };

static int cli_campaign_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    return n > 0 && n < CAMPAIGNS_CODE_MAX &&
           strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* The text from --text or --text-file (caller frees); NULL after printing why. */
static char *cli_campaign_text(const struct cli_args *a)
{
    char *text = NULL;
    if (!!a->text == !!a->text_file) {
        fprintf(stderr, "tipgate: campaign create needs --text \"…\" or --text-file FILE\n");
        return NULL;
    }
    if (a->text) {
        text = strdup(a->text);
    } else {
        FILE *f = fopen(a->text_file, "r");
        text = f ? calloc(1, CAMPAIGNS_TEXT_MAX + 1) : NULL;
        size_t n = text ? fread(text, 1, CAMPAIGNS_TEXT_MAX + 1, f) : 0;
        if (f)
            fclose(f);
        if (!text || n == 0 || n > CAMPAIGNS_TEXT_MAX) {
            fprintf(stderr,
                    "tipgate: --text-file %s: cannot read it, or empty, or over %d "
                    "bytes\n",
                    a->text_file, CAMPAIGNS_TEXT_MAX);
            free(text);
            return NULL;
        }
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
            text[--n] = '\0';
    }
    if (text && (!*text || strlen(text) > CAMPAIGNS_TEXT_MAX || !utf8_valid(text, strlen(text)))) {
        fprintf(stderr, "tipgate: the text must be 1 to %d bytes of UTF-8\n", CAMPAIGNS_TEXT_MAX);
        free(text);
        return NULL;
    }
    return text;
}

/* Fills c from the arguments; 0, or 2 after printing why. */
static int cli_campaign_new(const struct cli_args *a, int64_t now, struct campaign *c)
{
    struct campaigns_audience aud;
    char err[512];
    memset(c, 0, sizeof *c);
    if (!cli_campaign_code_ok(a->code)) {
        fprintf(stderr, "tipgate: --code: 1-39 of A-Z 0-9 - _ (e.g. LUADAO-T12)\n");
        return 2;
    }
    if (campaign_audience_parse(a->audience ? a->audience : "residents groups", &aud, c->audience,
                                sizeof c->audience, err, sizeof err) != 0) {
        fprintf(stderr, "tipgate: --audience: %s\n", err);
        return 2;
    }
    if (a->at && cli_util_parse_when(a->at, now, &c->send_at) != 0) {
        fprintf(stderr, "tipgate: --at: \"DD/MM/YYYY HH:MM\", \"DD/MM/YYYY\" or now\n");
        return 2;
    }
    if (!(c->text = cli_campaign_text(a)))
        return 2;
    snprintf(c->code, sizeof c->code, "%s", a->code);
    snprintf(c->kind, sizeof c->kind, "custom");
    snprintf(c->title, sizeof c->title, "%.*s", (int)strcspn(a->title ? a->title : c->text, "\n"),
             a->title ? a->title : c->text);
    c->title[utf8_floor(c->title, strlen(c->title), 120)] = '\0';
    c->priority = OUTBOX_BULK;
    return 0;
}

/* Opens the app, syncs the awareness calendar and begins a transaction. */
static int cli_campaign_open(const char *config, struct app *app, int64_t now)
{
    char err[512];
    int rc = cli_util_open(config, app);
    if (rc != 0)
        return rc;
    rc = cli_util_begin(app);
    if (rc == 0 && campaign_sync(app->db, app->cfg, now, err, sizeof err) != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        db_rollback(app->db);
        rc = APP_EXIT_RUNTIME;
    }
    if (rc != 0)
        app_free(app);
    return rc;
}

/* Commits (rc 0) or rolls back, and closes. */
static int cli_campaign_close(struct app *app, int rc)
{
    if (rc == 0)
        rc = cli_util_commit(app);
    else
        db_rollback(app->db);
    app_free(app);
    return rc;
}

static int cli_campaign_create(const char *config, const struct cli_args *a)
{
    struct app app;
    struct campaign c = {0};
    int64_t now = clock_now_ms(), id = 0;
    int rc = cli_campaign_open(config, &app, now); /* first: the time zone comes with it */
    if (rc != 0)
        return rc;
    rc = cli_campaign_new(a, now, &c);
    int db = rc == 0 ? campaigns_create(app.db, &c, 0, now, &id) : DB_OK;
    if (db == DB_DUPLICATE)
        fprintf(stderr, "tipgate: a campaign %s exists already (tipgate campaign list)\n", c.code);
    if (rc == 0)
        rc = db == DB_OK ? 0 : db == DB_DUPLICATE ? 2 : APP_EXIT_RUNTIME;
    char when[32];
    cli_util_time(c.send_at, when, sizeof when);
    rc = cli_campaign_close(&app, rc);
    if (rc == 0)
        printf(c.send_at ? "Đã tạo chiến dịch %s, lịch gửi %s.\n"
                         : "Đã tạo chiến dịch %s (bản nháp%s). Xem trước: tipgate campaign "
                           "preview --code %s; đặt lịch: tipgate campaign schedule --code %s "
                           "--at now\n",
               c.code, c.send_at ? when : "", c.code, c.code);
    campaign_clear(&c);
    return rc;
}

/* The campaign named by --code, or a message. */
static int cli_campaign_find(struct app *app, const char *code, struct campaign *c)
{
    int rc = code ? campaigns_get(app->db, code, c) : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND)
        fprintf(stderr, "tipgate: no campaign %s (tipgate campaign list)\n",
                code ? code : "(--code is needed)");
    return rc == DB_OK ? 0 : rc == DB_NOT_FOUND ? 2 : APP_EXIT_RUNTIME;
}

static void cli_campaign_count_line(const char *label, const struct campaigns_counts *k)
{
    printf("  ");
    cli_util_cell(stdout, label, 11);
    printf("%lld (nhận được: %lld, đã tắt thông báo: %lld, không liên lạc được: %lld)\n",
           (long long)k->targeted, (long long)(k->targeted - k->opted_out - k->unreachable),
           (long long)k->opted_out, (long long)k->unreachable);
}

static int cli_campaign_preview(const char *config, const struct cli_args *a)
{
    struct app app;
    struct campaign c = {0};
    struct campaigns_audience aud;
    struct campaigns_counts res, grp, agn;
    char norm[CAMPAIGNS_AUDIENCE_MAX], err[512], when[32];
    int rc = cli_campaign_open(config, &app, clock_now_ms());
    if (rc != 0)
        return rc;
    rc = cli_campaign_find(&app, a->code, &c);
    if (rc == 0 &&
        (campaign_audience_parse(c.audience, &aud, norm, sizeof norm, err, sizeof err) != 0 ||
         campaigns_count(app.db, &aud, &res, &grp, &agn) != DB_OK))
        rc = APP_EXIT_RUNTIME;
    if (rc == 0) {
        char *text = campaign_message(app.texts, &c, "resident");
        cli_util_time(c.send_at, when, sizeof when);
        printf("%s — %s\nTrạng thái: %s; gửi lúc: %s; đối tượng: %s\n\nNgười dân sẽ đọc:\n"
               "----\n%s\n----\n\nNgười nhận nếu gửi bây giờ:\n",
               c.code, c.title, c.status, when, c.audience, text ? text : "");
        free(text);
        cli_campaign_count_line("người dân", &res);
        cli_campaign_count_line("nhóm", &grp);
        cli_campaign_count_line("cơ quan", &agn);
    }
    campaign_clear(&c);
    return cli_campaign_close(&app, rc);
}

static int cli_campaign_schedule(const char *config, const struct cli_args *a, int cancel)
{
    struct app app;
    struct campaign c = {0};
    int64_t now = clock_now_ms(), at = 0;
    int rc = cli_campaign_open(config, &app, now);
    if (rc != 0)
        return rc;
    if (!cancel && (!a->at || cli_util_parse_when(a->at, now, &at) != 0)) {
        fprintf(stderr, "tipgate: campaign schedule needs --at \"DD/MM/YYYY HH:MM\" or --at now\n");
        rc = 2;
    }
    if (rc == 0)
        rc = cli_campaign_find(&app, a->code, &c);
    int db = rc != 0  ? DB_OK
             : cancel ? campaigns_cancel(app.db, c.id, now)
                      : campaigns_schedule(app.db, c.id, at, now);
    if (db == DB_NOT_FOUND) {
        fprintf(stderr, "tipgate: campaign %s is %s: it cannot be %s now\n", c.code, c.status,
                cancel ? "cancelled" : "scheduled");
        rc = 2;
    } else if (db == DB_ERROR) {
        rc = APP_EXIT_RUNTIME;
    }
    char when[32];
    cli_util_time(at, when, sizeof when);
    rc = cli_campaign_close(&app, rc);
    if (rc == 0 && cancel)
        printf("Đã hủy chiến dịch %s.\n", c.code);
    else if (rc == 0)
        printf("Chiến dịch %s sẽ gửi lúc %s (tipgate serve phải đang chạy).\n", c.code, when);
    campaign_clear(&c);
    return rc;
}

static int cli_campaign_list(const char *config)
{
    struct app app;
    struct campaign *rows = calloc(CLI_CAMPAIGN_LIST_MAX, sizeof *rows);
    int n = 0, rc = rows ? cli_campaign_open(config, &app, clock_now_ms()) : APP_EXIT_RUNTIME;
    if (rc != 0) {
        free(rows);
        return rc;
    }
    if (campaigns_list(app.db, rows, CLI_CAMPAIGN_LIST_MAX, &n) != DB_OK)
        rc = APP_EXIT_RUNTIME;
    if (rc == 0) {
        cli_util_cell(stdout, "Mã", 20);
        cli_util_cell(stdout, "Loại", 10);
        cli_util_cell(stdout, "Trạng thái", 11);
        cli_util_cell(stdout, "Gửi lúc", 17);
        cli_util_cell(stdout, "Đã gửi", 14);
        printf("Tiêu đề\n");
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        struct campaigns_counts k;
        char when[32], progress[48];
        campaigns_report(app.db, rows[i].id, &k);
        cli_util_time(rows[i].send_at, when, sizeof when);
        snprintf(progress, sizeof progress, "%lld/%lld", (long long)k.sent, (long long)k.targeted);
        cli_util_cell(stdout, rows[i].code, 20);
        cli_util_cell(stdout, rows[i].kind, 10);
        cli_util_cell(stdout, rows[i].status, 11);
        cli_util_cell(stdout, when, 17);
        cli_util_cell(stdout, progress, 14);
        printf("%s\n", rows[i].title);
    }
    for (int i = 0; i < n; i++)
        campaign_clear(&rows[i]);
    free(rows);
    return cli_campaign_close(&app, rc);
}

static void cli_campaign_print(const struct campaign *c, const struct campaigns_counts *k, int csv)
{
    char nums[8][24];
    int64_t vals[] = {k->targeted,    k->sent,      k->failed,     k->outside_window,
                      k->unreachable, k->opted_out, k->in_progress};
    for (int i = 0; i < 7; i++)
        snprintf(nums[i], sizeof nums[i], "%lld", (long long)vals[i]);
    if (k->targeted)
        snprintf(nums[7], sizeof nums[7], "%.1f", 100.0 * (double)k->sent / (double)k->targeted);
    else
        snprintf(nums[7], sizeof nums[7], "-");
    if (csv) {
        cli_util_csv(stdout, c->code, ',');
        cli_util_csv(stdout, c->status, ',');
        for (int i = 0; i < 8; i++)
            cli_util_csv(stdout, nums[i], i == 7 ? '\n' : ',');
        return;
    }
    cli_util_cell(stdout, c->code, 20);
    cli_util_cell(stdout, c->status, 11);
    printf("%9s %8s %8s %12s %14s %10s %10s %8s\n", nums[0], nums[1], nums[2], nums[3], nums[4],
           nums[5], nums[6], nums[7]);
}

static void cli_campaign_head(int csv)
{
    static const char *const head[] = {"campaign",    "status",         "targeted",    "sent",
                                       "failed",      "outside_window", "unreachable", "opted_out",
                                       "in_progress", "reach_pct"};
    if (csv) {
        for (int i = 0; i < 10; i++)
            cli_util_csv(stdout, head[i], i == 9 ? '\n' : ',');
        return;
    }
    cli_util_cell(stdout, "Mã", 20);
    cli_util_cell(stdout, "Trạng thái", 11);
    printf("%9s %8s %8s %12s %14s %10s %10s %8s\n", "Đối tượng", "Đã gửi", "Lỗi", "Ngoài khung",
           "Không liên lạc", "Đã tắt", "Đang gửi", "Đạt %");
}

/* Reads the progress of code until nothing is in progress (or it stalls). */
static int cli_campaign_wait(struct app *app, const char *code)
{
    struct campaigns_counts k, last = {0};
    int64_t stall = 0;
    for (;;) {
        struct campaign c;
        if (campaigns_get(app->db, code, &c) != DB_OK ||
            campaigns_report(app->db, c.id, &k) != DB_OK) {
            campaign_clear(&c);
            return APP_EXIT_RUNTIME;
        }
        int settled = strcmp(c.status, "scheduled") != 0 && strcmp(c.status, "running") != 0 &&
                      k.in_progress == 0;
        campaign_clear(&c);
        cli_util_progress(stderr, code, k.targeted - k.in_progress, k.targeted);
        if (settled)
            break;
        stall = memcmp(&k, &last, sizeof k) == 0 ? stall + 1 : 0;
        last = k;
        if (stall >= CLI_CAMPAIGN_STALL_S) {
            fprintf(stderr, "\ntipgate: no progress for %d s: is tipgate serve running?\n",
                    CLI_CAMPAIGN_STALL_S);
            return APP_EXIT_RUNTIME;
        }
        sleep(1);
    }
    if (isatty(2))
        fputc('\n', stderr);
    return 0;
}

static int cli_campaign_report_rows(struct app *app, const char *code, int csv)
{
    struct campaign *rows = calloc(CLI_CAMPAIGN_LIST_MAX, sizeof *rows);
    int n = 0, rc = rows ? 0 : APP_EXIT_RUNTIME;
    if (rc == 0 && code) {
        rc = cli_campaign_find(app, code, &rows[0]);
        n = rc == 0;
    } else if (rc == 0 && campaigns_list(app->db, rows, CLI_CAMPAIGN_LIST_MAX, &n) != DB_OK) {
        rc = APP_EXIT_RUNTIME;
    }
    if (rc == 0)
        cli_campaign_head(csv);
    for (int i = 0; rc == 0 && i < n; i++) {
        struct campaigns_counts k;
        if (campaigns_report(app->db, rows[i].id, &k) != DB_OK)
            rc = APP_EXIT_RUNTIME;
        else
            cli_campaign_print(&rows[i], &k, csv);
    }
    for (int i = 0; i < n; i++)
        campaign_clear(&rows[i]);
    free(rows);
    return rc;
}

static int cli_campaign_report(const char *config, const struct cli_args *a)
{
    struct app app;
    int csv = cli_util_format(a->format);
    if (csv < 0)
        return 2;
    if (a->wait && !a->code) {
        fprintf(stderr, "tipgate: --wait needs --code\n");
        return 2;
    }
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    if (a->wait)
        rc = cli_campaign_wait(&app, a->code);
    if (rc == 0)
        rc = cli_campaign_report_rows(&app, a->code, csv);
    app_free(&app);
    return rc;
}

int cli_campaign(const char *config, const struct cli_args *a)
{
    const char *act = a->action ? a->action : "";
    if (strcmp(act, "create") == 0)
        return cli_campaign_create(config, a);
    if (strcmp(act, "list") == 0)
        return cli_campaign_list(config);
    if (strcmp(act, "preview") == 0)
        return cli_campaign_preview(config, a);
    if (strcmp(act, "schedule") == 0 || strcmp(act, "cancel") == 0)
        return cli_campaign_schedule(config, a, strcmp(act, "cancel") == 0);
    if (strcmp(act, "report") == 0)
        return cli_campaign_report(config, a);
    fprintf(stderr,
            "tipgate: usage: tipgate campaign create --code C --text \"…\" | --text-file F "
            "[--title T] [--audience A] [--at WHEN]\n"
            "       tipgate campaign list | preview --code C | schedule --code C --at WHEN|now | "
            "cancel --code C\n"
            "       tipgate campaign report [--code C] [--format table|csv] [--wait]\n");
    return 2;
}
