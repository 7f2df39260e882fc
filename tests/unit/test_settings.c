/*
 * test_settings.c — the settings table (config/config.h): a key nobody declared and a block or
 * section nobody read are reported with their key paths; a platform's keys are checked from the
 * spec its own file declares (type and bounds named by key path), as a platform added later
 * would declare them; and the scheduler's jobs read what the start parsed, never the JSON again.
 */
#include "config/config.h"

#include "bot/app.h"
#include "bot/bot_settings.h"
#include "base/log.h"
#include "bot/scheduler.h"
#include "calendar/calendar.h"
#include "handlers/agency.h"
#include "handlers/campaign.h"
#include "handlers/deadlines.h"
#include "storage/db.h"

#include "testlib.h"

#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

/* cfg_load of text written to tmpdir/name, with warnings captured into *warnings. */
static int load(const char *name, const char *text, struct cfg **out, char err[CFG_ERR_MAX],
                const char **warnings)
{
    enum log_level saved = log_get_level();
    log_set_level(LOG_WARN);
    testlib_capture_begin();
    int rc = cfg_load(testlib_write(name, text), out, err);
    *warnings = testlib_capture_end();
    log_set_level(saved);
    return rc;
}

/* What cfg_warn_unread says of cfg, and how many it counted. */
static const char *unread(const struct cfg *cfg, int *n)
{
    enum log_level saved = log_get_level();
    log_set_level(LOG_WARN);
    testlib_capture_begin();
    *n = cfg_warn_unread(cfg);
    const char *out = testlib_capture_end();
    log_set_level(saved);
    return out;
}

static void test_settings_unknown_and_unread_keys_are_reported(void)
{
    const char *text = "{\"colour\": \"blue\",\n"
                       " \"platforms\": {\"telegram\": {\"enable\": true}},\n"
                       " \"calendar\": {\"//\": \"only a comment: nothing set\"},\n"
                       " \"agencies\": [],\n"
                       " \"campaigns\": {\"batch\": 5}}\n";
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    const char *warned = NULL;
    CHECK_INT(load("unread.json", text, &cfg, err, &warned), 0);
    if (!cfg)
        return;
    CHECK(strstr(warned, "unknown key colour") != NULL);
    /* A platform's keys are its spec's: a misspelt one is named with its whole path. */
    CHECK(strstr(warned, "unknown key platforms.telegram.enable ") != NULL);
    /* Nothing has read anything yet: what the file sets is named; the comment-only calendar
     * and the platforms the file does not mention are not. */
    int n = 0;
    const char *out = unread(cfg, &n);
    CHECK(strstr(out, "campaigns is accepted but nothing reads it") != NULL);
    CHECK(strstr(out, "agencies is accepted but nothing reads it") != NULL);
    CHECK(strstr(out, "platforms.telegram is accepted but nothing reads it") != NULL);
    CHECK(strstr(out, "calendar") == NULL);
    CHECK(strstr(out, "zalo") == NULL);
    CHECK_INT(n, 3);
    /* Once the modules and the platform read theirs, nothing is left to report. */
    CHECK(cfg_settings(cfg, &campaign_settings) != NULL);
    CHECK(cfg_settings(cfg, &agency_settings) != NULL);
    CHECK(!platform_find("telegram")->enabled(cfg));
    out = unread(cfg, &n);
    CHECK_INT(n, 0);
    CHECK_STR(out, "");
    cfg_free(cfg);
}

/* A platform added later: its file declares these, the registry registers them. */
struct fakechat_settings {
    bool enabled;
    int port;
    char *mode;
    char *token;
};

static const char *const fakechat_modes[] = {"push", "pull", NULL};

static const struct cfg_spec fakechat_spec[] = {
    {"enabled", CFG_BOOL, offsetof(struct fakechat_settings, enabled), NULL, 0, 0, 0, NULL, NULL},
    {"port", CFG_INT, offsetof(struct fakechat_settings, port), NULL, 443, 1, 65535, NULL, NULL},
    {"mode", CFG_STR, offsetof(struct fakechat_settings, mode), "pull", 0, 0, 0, fakechat_modes,
     NULL},
    {"token", CFG_SECRET, offsetof(struct fakechat_settings, token), "", 0, 0, 0, NULL, NULL},
};

static const struct cfg_block fakechat_block = {
    .prefix = "platforms.fakechat",
    .spec = fakechat_spec,
    .n_spec = sizeof fakechat_spec / sizeof fakechat_spec[0],
    .size = sizeof(struct fakechat_settings),
};

/* text is refused with an error containing want. */
static void refused(const char *name, const char *text, const char *want)
{
    char err[CFG_ERR_MAX] = "";
    struct cfg *cfg = NULL;
    const char *warned = NULL;
    CHECK_INT(load(name, text, &cfg, err, &warned), -1);
    if (!strstr(err, want))
        fprintf(stderr, "  %s: error \"%s\" lacks \"%s\"\n", name, err, want);
    CHECK(strstr(err, want) != NULL);
    cfg_free(cfg);
}

static void test_settings_a_platform_key_is_validated_from_its_own_spec(void)
{
    /* The shipped platforms: their keys come from bot/platforms/telegram.c and zalo.c. */
    refused("zl-attempts.json", "{\"platforms\": {\"zalo\": {\"max_attempts\": 0}}}",
            "platforms.zalo.max_attempts: must be from 1 to 100 (got 0)");
    refused("tg-rate.json",
            "{\"platforms\": {\"telegram\": {\"rate_limit\": {\"global_per_sec\": \"fast\"}}}}",
            "platforms.telegram.rate_limit.global_per_sec: must be a number");
    refused("wc-enabled.json", "{\"platforms\": {\"webchat\": {\"enabled\": \"yes\"}}}",
            "platforms.webchat.enabled: must be true or false");
    /* A new platform's: one registration, no line of config.c. */
    CHECK_INT(cfg_register(&fakechat_block), 0);
    refused("fc-port.json", "{\"platforms\": {\"fakechat\": {\"port\": 70000}}}",
            "platforms.fakechat.port: must be from 1 to 65535 (got 70000)");
    refused("fc-port-type.json", "{\"platforms\": {\"fakechat\": {\"port\": \"443\"}}}",
            "platforms.fakechat.port: must be an integer");
    refused("fc-mode.json", "{\"platforms\": {\"fakechat\": {\"mode\": \"poll\"}}}",
            "platforms.fakechat.mode: must be one of push, pull (got \"poll\")");
    setenv("TIPGATE_FAKECHAT_TOKEN", "fc-TOKEN-ScrubMe", 1);
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    const char *warned = NULL;
    CHECK_INT(load("fc-ok.json",
                   "{\"platforms\": {\"fakechat\": {\"enabled\": true, \"prot\": 1, "
                   "\"token\": \"env:TIPGATE_FAKECHAT_TOKEN\"}}}",
                   &cfg, err, &warned),
              0);
    unsetenv("TIPGATE_FAKECHAT_TOKEN");
    CHECK(strstr(warned, "unknown key platforms.fakechat.prot") != NULL);
    const struct fakechat_settings *s = cfg ? cfg_settings(cfg, &fakechat_block) : NULL;
    CHECK(s != NULL);
    if (s) {
        CHECK(s->enabled);
        CHECK_INT(s->port, 443);
        CHECK_STR(s->mode, "pull");
        CHECK_STR(s->token, "fc-TOKEN-ScrubMe");
    }
    /* Its secret is scrubbed from the logs like the shipped platforms' tokens. */
    enum log_level saved = log_get_level();
    log_set_level(LOG_INFO);
    testlib_capture_begin();
    log_info("unit", "calling https://fake/fc-TOKEN-ScrubMe/send");
    const char *out = testlib_capture_end();
    log_set_level(saved);
    CHECK(strstr(out, "ScrubMe") == NULL);
    cfg_free(cfg);
}

/* Inside a module's section a misspelt key would silently change what the service does: it
 * still stops the start, as before the sections moved into the table. */
static void test_settings_a_misspelt_key_inside_a_section_stops_the_start(void)
{
    refused("cp-typo.json", "{\"campaigns\": {\"bacth\": 5}}",
            "campaigns.bacth: unknown key (known: enabled, file, send_time, batch,");
    refused("dl-typo.json", "{\"deadlines\": {\"remind_day\": [1]}}",
            "deadlines.remind_day: unknown key");
    refused("rt-typo.json", "{\"retention\": {\"inbox_day\": 7}}",
            "retention.inbox_day: unknown key (known: inbox_days, outbox_days");
    refused("dl-time.json", "{\"deadlines\": {\"remind_time\": \"8h\"}}",
            "deadlines.remind_time: must be a local time \"HH:MM\"");
    refused("cp-batch.json", "{\"campaigns\": {\"batch\": 0}}",
            "campaigns.batch: must be from 1 to 10000 (got 0)");
    /* The agencies list is a block of the table too: checked at load, the element named. */
    refused("ag-twice.json",
            "{\"agencies\": [{\"code\": \"CA\", \"name\": \"A\"}, "
            "{\"code\": \"CA\", \"name\": \"B\"}]}",
            "agencies[1].code: CA is used twice");
    refused("ag-list.json", "{\"agencies\": {\"code\": \"CA\"}}",
            "agencies: must be a list of at most 512 agencies");
}

static const char *calendar_json =
    "{\"plan\": \"Kế hoạch thử\", \"deadlines\": ["
    "{\"code\": \"BCQ\", \"who\": \"all\", \"what\": \"Báo cáo quý\", \"to\": \"UBND phường\", "
    "\"rule\": \"quarterly 10 quarters Q1\"}]}";

static int queued_to(struct app *app, const char *chat)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    sqlite3_prepare_v2(db_handle(app->db), "SELECT count(*) FROM outbox WHERE chat_id = ?", -1, &st,
                       NULL);
    sqlite3_bind_text(st, 1, chat, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void tick(struct app *app, int64_t now)
{
    unsigned touched = 0;
    CHECK_INT(scheduler_tick(app, app->db, now, &touched), 0);
}

/* The scheduler ticks every second: its jobs read the settings parsed at start. The parsed
 * file is spoilt after the start; a job that parsed it again would stop (as it did: the
 * deadlines job refused its section and sent nothing), one that reads the start's struct sends
 * the reminder at the configured 09:30. */
static void test_settings_the_tick_reads_what_the_start_parsed(void)
{
    struct app app;
    char text[1024];
    testlib_write("tick-cal.json", calendar_json);
    snprintf(text, sizeof text,
             "{\"log\": {\"level\": \"off\"}, \"storage\": {\"path\": \"tick.db\"},"
             " \"calendar\": {\"files\": [\"tick-cal.json\"]},"
             " \"agencies\": [{\"code\": \"A\", \"name\": \"Cơ quan A\", \"chats\": "
             "[{\"platform\": \"webchat\", \"chat_id\": \"a1\"}]}],"
             " \"deadlines\": {\"remind_time\": \"09:30\"},"
             " \"campaigns\": {\"enabled\": false}}");
    if (testlib_app(&app, "tick", text) != 0)
        return;
    json_object_set_new(app.cfg->root, "deadlines", json_string("spoilt after the start"));
    json_object_set_new(app.cfg->root, "campaigns", json_string("spoilt after the start"));
    json_object_set_new(app.cfg->root, "agencies", json_string("spoilt after the start"));
    tick(&app, calendar_at(calendar_days(2027, 3, 1), 9 * 60)); /* sync: BCQ1-2027 due 10/03 */
    tick(&app, calendar_at(calendar_days(2027, 3, 3), 9 * 60 + 29));
    CHECK_INT(queued_to(&app, "a1"), 0);
    tick(&app, calendar_at(calendar_days(2027, 3, 3), 9 * 60 + 30)); /* 7 days before, 09:30 */
    CHECK_INT(queued_to(&app, "a1"), 1);
    app_free(&app);
}

TESTLIB_MAIN(T(test_settings_unknown_and_unread_keys_are_reported),
             T(test_settings_a_platform_key_is_validated_from_its_own_spec),
             T(test_settings_a_misspelt_key_inside_a_section_stops_the_start),
             T(test_settings_the_tick_reads_what_the_start_parsed))
