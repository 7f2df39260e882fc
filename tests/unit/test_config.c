/*
 * test_config.c — cfg_load (config/config.h): the embedded defaults, a file setting every key,
 * relative paths resolved against the file's directory, "env:NAME" strings, and the one-line
 * errors an operator sees for a missing file, bad JSON, wrong types, out-of-range values and
 * invalid platform settings, retention periods (a misspelt retention key is refused). Unknown
 * and "//" keys are accepted; cfg_section reads sections.
 */
#include "config/config.h"

#include "base/log.h"
#include "bot/bot_settings.h"
#include "bot/platform.h"

#include "testlib.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A platform's typed settings, as the platform reads them (its own spec, bot/platforms/). */
static const struct bot_settings *bot(const struct cfg *cfg, const char *name)
{
    return cfg_settings(cfg, platform_find(name)->settings);
}

static bool webchat_on(const struct cfg *cfg)
{
    return platform_find("webchat")->enabled(cfg);
}

/* Loads text written to tmpdir/name; returns cfg_load's status. */
static int load_text(const char *name, const char *text, struct cfg **out, char *err)
{
    return cfg_load(testlib_write(name, text), out, err);
}

/* Expects text to be refused with an error containing every one of want[] (NULL-terminated). */
static void expect_refused(const char *name, const char *text, const char *const *want)
{
    char err[CFG_ERR_MAX];
    struct cfg *cfg = (struct cfg *)1;
    CHECK_INT(load_text(name, text, &cfg, err), -1);
    CHECK(cfg == NULL);
    for (int i = 0; want[i]; i++) {
        if (!strstr(err, want[i])) {
            fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", err, want[i]);
            CHECK(strstr(err, want[i]) != NULL);
        }
    }
    if (cfg != (struct cfg *)1)
        cfg_free(cfg);
}

static void test_config_defaults_without_file(void)
{
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(cfg_load(NULL, &cfg, err), 0);
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    CHECK(cfg->file == NULL);
    CHECK_STR(cfg->timezone, "Asia/Ho_Chi_Minh");
    CHECK_STR(cfg->log_level, "info");
    CHECK_INT(cfg->http_port, 8080);
    CHECK_STR(cfg->http_listen, "127.0.0.1");
    CHECK_INT(cfg->http_max_body_bytes, 1048576);
    CHECK_STR(cfg->storage_synchronous, "full");
    CHECK_INT(cfg->storage_busy_timeout_ms, 5000);
    CHECK(webchat_on(cfg));
    CHECK(!bot(cfg, "telegram")->enabled);
    CHECK(!bot(cfg, "zalo")->enabled);
    CHECK_STR(bot(cfg, "telegram")->mode, "polling");
    CHECK_STR(bot(cfg, "telegram")->api_base_url, "https://api.telegram.org");
    CHECK_INT(bot(cfg, "telegram")->max_attempts, 8);

    char *cwd = getcwd(NULL, 0);
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s/data/tipgate.db", cwd);
    CHECK(cfg->storage_path[0] == '/');
    CHECK_STR(cfg->storage_path, want);
    free(cwd);

    /* The shipped texts are found even with no file. */
    CHECK(ends_with(cfg->messages_file, "/config/messages.vi.json"));
    CHECK(access(cfg->messages_file, R_OK) == 0);
    cfg_free(cfg);
}

static void test_config_file_sets_every_key(void)
{
    const char *text =
        "{\n"
        "  \"timezone\": \"UTC\",\n"
        "  \"log\": {\"level\": \"warn\"},\n"
        "  \"storage\": {\"path\": \"/var/tmp/tg-unit.db\", \"busy_timeout_ms\": 1234,\n"
        "              \"synchronous\": \"normal\"},\n"
        "  \"http\": {\"listen\": \"::1\", \"port\": 9090, \"max_body_bytes\": 2048},\n"
        "  \"data_dir\": \"share\",\n"
        "  \"messages\": \"my-texts.json\",\n"
        "  \"platforms\": {\n"
        "    \"webchat\": {\"enabled\": false},\n"
        "    \"telegram\": {\"enabled\": true, \"token\": \"123456:ABC-def_ghi\",\n"
        "      \"api_base_url\": \"http://127.0.0.1:9999\", \"mode\": \"webhook\",\n"
        "      \"webhook_url\": \"https://example.org/webhook/telegram\",\n"
        "      \"webhook_secret\": \"s\",\n"
        "      \"rate_limit\": {\"global_per_sec\": 5, \"per_chat_per_sec\": 0.5,\n"
        "                     \"per_group_per_min\": 12},\n"
        "      \"max_attempts\": 3},\n"
        "    \"zalo\": {\"enabled\": false, \"token\": \"\", \"api_base_url\": "
        "\"https://z.example\",\n"
        "      \"mode\": \"polling\", \"webhook_url\": \"\", \"webhook_secret\": \"\",\n"
        "      \"rate_limit\": {\"global_per_sec\": 0, \"per_chat_per_sec\": 2,\n"
        "                     \"per_group_per_min\": 0},\n"
        "      \"max_attempts\": 100}\n"
        "  }\n"
        "}\n";
    testlib_write("my-texts.json", "{}");
    char share[PATH_MAX];
    snprintf(share, sizeof share, "%s/share", testlib_tmpdir());
    mkdir(share, 0700);
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    int rc = load_text("every.json", text, &cfg, err);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    char dir[PATH_MAX];
    CHECK(realpath(testlib_tmpdir(), dir) != NULL);
    char want[PATH_MAX + 64];

    CHECK_STR(cfg->timezone, "UTC");
    CHECK_STR(cfg->log_level, "warn");
    CHECK_STR(cfg->storage_path, "/var/tmp/tg-unit.db");
    CHECK_INT(cfg->storage_busy_timeout_ms, 1234);
    CHECK_STR(cfg->storage_synchronous, "normal");
    CHECK_STR(cfg->http_listen, "::1");
    CHECK_INT(cfg->http_port, 9090);
    CHECK_INT(cfg->http_max_body_bytes, 2048);
    snprintf(want, sizeof want, "%s/share", dir);
    CHECK_STR(cfg->data_dir, want);
    snprintf(want, sizeof want, "%s/my-texts.json", dir);
    CHECK_STR(cfg->messages_file, want);
    snprintf(want, sizeof want, "%s/every.json", dir);
    CHECK_STR(cfg->file, want);
    CHECK_STR(cfg->dir, dir);
    CHECK(!webchat_on(cfg));

    CHECK(bot(cfg, "telegram")->enabled);
    CHECK_STR(bot(cfg, "telegram")->token, "123456:ABC-def_ghi");
    CHECK_STR(bot(cfg, "telegram")->api_base_url, "http://127.0.0.1:9999");
    CHECK_STR(bot(cfg, "telegram")->mode, "webhook");
    CHECK_STR(bot(cfg, "telegram")->webhook_url, "https://example.org/webhook/telegram");
    CHECK_STR(bot(cfg, "telegram")->webhook_secret, "s");
    CHECK(bot(cfg, "telegram")->rate_limit.global_per_sec == 5.0);
    CHECK(bot(cfg, "telegram")->rate_limit.per_chat_per_sec == 0.5);
    CHECK(bot(cfg, "telegram")->rate_limit.per_group_per_min == 12.0);
    CHECK_INT(bot(cfg, "telegram")->max_attempts, 3);

    CHECK(!bot(cfg, "zalo")->enabled);
    CHECK_STR(bot(cfg, "zalo")->api_base_url, "https://z.example");
    CHECK(bot(cfg, "zalo")->rate_limit.global_per_sec == 0.0);
    CHECK(bot(cfg, "zalo")->rate_limit.per_chat_per_sec == 2.0);
    CHECK_INT(bot(cfg, "zalo")->max_attempts, 100);
    cfg_free(cfg);
}

static void test_config_relative_storage_path_resolves_against_file_dir(void)
{
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/etc", testlib_tmpdir());
    mkdir(sub, 0700);
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("etc/rel.json", "{\"storage\": {\"path\": \"db/t.db\"}}", &cfg, err), 0);
    if (!cfg)
        return;
    char dir[PATH_MAX], want[PATH_MAX + 32];
    CHECK(realpath(sub, dir) != NULL);
    snprintf(want, sizeof want, "%s/db/t.db", dir);
    CHECK_STR(cfg->storage_path, want);
    CHECK_STR(cfg->dir, dir);
    cfg_free(cfg);
}

static void test_config_env_strings_read_from_environment(void)
{
    setenv("TIPGATE_UNIT_TG_TOKEN", "987654:secretTOKENvalue", 1);
    setenv("TIPGATE_UNIT_TZ", "UTC", 1);
    setenv("TIPGATE_UNIT_PORT_STR", "8081", 1);
    const char *text = "{\"timezone\": \"env:TIPGATE_UNIT_TZ\",\n"
                       " \"platforms\": {\"telegram\": {\"enabled\": true,\n"
                       "   \"token\": \"env:TIPGATE_UNIT_TG_TOKEN\"}}}\n";
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("env.json", text, &cfg, err), 0);
    if (cfg) {
        CHECK_STR(cfg->timezone, "UTC");
        CHECK_STR(bot(cfg, "telegram")->token, "987654:secretTOKENvalue");
        /* The resolved value is what modules reading their own sections see too. */
        CHECK_STR(json_string_value(cfg_section(cfg, "platforms.telegram.token")),
                  "987654:secretTOKENvalue");
        cfg_free(cfg);
    }
    /* An env: string is still a string: it cannot stand for a number. */
    const char *const want[] = {"http.port", NULL};
    expect_refused("env-port.json", "{\"http\": {\"port\": \"env:TIPGATE_UNIT_PORT_STR\"}}", want);
    unsetenv("TIPGATE_UNIT_TG_TOKEN");
    unsetenv("TIPGATE_UNIT_TZ");
    unsetenv("TIPGATE_UNIT_PORT_STR");
}

static void test_config_token_from_file_is_scrubbed_from_logs(void)
{
    const char *text = "{\"platforms\": {\"telegram\": {\"enabled\": true,\n"
                       "   \"token\": \"555000:ScrubMeFromLogs\"}}}\n";
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("scrub.json", text, &cfg, err), 0);
    enum log_level saved = log_get_level();
    log_set_level(LOG_INFO);
    testlib_capture_begin();
    log_info("unit", "calling https://api/bot555000:ScrubMeFromLogs/getMe");
    const char *out = testlib_capture_end();
    log_set_level(saved);
    CHECK(strstr(out, "getMe") != NULL);
    CHECK(strstr(out, "ScrubMeFromLogs") == NULL);
    cfg_free(cfg);
}

static void test_config_unset_env_is_fine_for_disabled_platform_only(void)
{
    unsetenv("TIPGATE_UNIT_NOT_SET");
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("env-off.json",
                        "{\"platforms\": {\"telegram\": {\"enabled\": false,"
                        " \"token\": \"env:TIPGATE_UNIT_NOT_SET\"}}}",
                        &cfg, err),
              0);
    if (cfg)
        CHECK_STR(bot(cfg, "telegram")->token, "");
    cfg_free(cfg);

    const char *const want[] = {"platforms.telegram.token", "env-on.json", NULL};
    expect_refused("env-on.json",
                   "{\"platforms\": {\"telegram\": {\"enabled\": true,"
                   " \"token\": \"env:TIPGATE_UNIT_NOT_SET\"}}}",
                   want);
}

static void test_config_missing_file_names_the_path(void)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/no-such-config.json", testlib_tmpdir());
    char err[CFG_ERR_MAX];
    struct cfg *cfg = (struct cfg *)1;
    CHECK_INT(cfg_load(path, &cfg, err), -1);
    CHECK(cfg == NULL);
    CHECK(strstr(err, path) != NULL);
}

static void test_config_invalid_json_reports_line_and_column(void)
{
    const char *const want[] = {"line 3", "column", "badjson.json", NULL};
    expect_refused("badjson.json",
                   "{\n"
                   "  \"timezone\": \"UTC\",\n"
                   "  \"log\": {level: \"info\"}\n"
                   "}\n",
                   want);
    const char *const top[] = {"top level", NULL};
    expect_refused("array.json", "[1, 2]", top);
}

static void test_config_wrong_type_names_the_key(void)
{
    const char *const port[] = {"http.port", "integer", NULL};
    expect_refused("type-port.json", "{\"http\": {\"port\": \"8080\"}}", port);
    expect_refused("type-port-real.json", "{\"http\": {\"port\": 80.5}}", port);
    const char *const enabled[] = {"platforms.webchat.enabled", NULL};
    expect_refused("type-bool.json", "{\"platforms\": {\"webchat\": {\"enabled\": 1}}}", enabled);
    const char *const tz[] = {"timezone", NULL};
    expect_refused("type-tz.json", "{\"timezone\": 7}", tz);
}

static void test_config_section_of_wrong_type_is_refused(void)
{
    /* An operator writing "log": "debug" (meaning {"level": "debug"}) or "telegram": true
     * must hear about it, not silently get the defaults. */
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("type-log.json", "{\"log\": \"debug\"}", &cfg, err), -1);
    CHECK(strstr(err, "log") != NULL);
    cfg_free(cfg);
    cfg = NULL;
    CHECK_INT(load_text("type-tg.json", "{\"platforms\": {\"telegram\": true}}", &cfg, err), -1);
    CHECK(strstr(err, "platforms.telegram") != NULL);
    cfg_free(cfg);
}

static void test_config_out_of_range_port_names_the_key(void)
{
    const char *const want[] = {"http.port", "70000", NULL};
    expect_refused("range-port.json", "{\"http\": {\"port\": 70000}}", want);
    const char *const neg[] = {"http.port", NULL};
    expect_refused("range-neg.json", "{\"http\": {\"port\": -1}}", neg);

    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("range-max.json", "{\"http\": {\"port\": 65535}}", &cfg, err), 0);
    if (cfg)
        CHECK_INT(cfg->http_port, 65535);
    cfg_free(cfg);
}

static void test_config_bad_values_are_refused(void)
{
    const char *const level[] = {"log.level", "loud", NULL};
    expect_refused("level.json", "{\"log\": {\"level\": \"loud\"}}", level);
    const char *const mode[] = {"platforms.telegram.mode", "push", NULL};
    expect_refused("mode.json", "{\"platforms\": {\"telegram\": {\"mode\": \"push\"}}}", mode);
    const char *const listen[] = {"http.listen", NULL};
    expect_refused("listen.json", "{\"http\": {\"listen\": \"localhost\"}}", listen);
    const char *const tz[] = {"timezone", NULL};
    expect_refused("tz.json", "{\"timezone\": \"Mars/Olympus_Mons\"}", tz);
    const char *const url[] = {"platforms.zalo.api_base_url", NULL};
    expect_refused("url.json", "{\"platforms\": {\"zalo\": {\"api_base_url\": \"ftp://x\"}}}", url);
}

static void test_config_retention_defaults_bounds_and_misspelt_keys(void)
{
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(cfg_load(NULL, &cfg, err), 0);
    if (cfg) {
        CHECK_INT(cfg->retention.inbox_days, 30);
        CHECK_INT(cfg->retention.outbox_days, 30);
        CHECK_INT(cfg->retention.callback_days, 30);
        CHECK_INT(cfg->retention.webchat_days, 180);
        CHECK_INT(cfg->retention.campaign_days, 90);
    }
    cfg_free(cfg);
    cfg = NULL;
    CHECK_INT(load_text("retention.json",
                        "{\"retention\": {\"inbox_days\": 3, \"webchat_days\": 3650, "
                        "\"//inbox_days\": \"a comment\"}}",
                        &cfg, err),
              0);
    if (cfg)
        CHECK(cfg->retention.inbox_days == 3 && cfg->retention.webchat_days == 3650);
    cfg_free(cfg);
    /* a key younger than a platform's resend window would let a resend be handled twice */
    const char *const short_keys[] = {"retention.inbox_days", "from 3 to 3650", NULL};
    expect_refused("inbox2.json", "{\"retention\": {\"inbox_days\": 2}}", short_keys);
    const char *const zero[] = {"retention.outbox_days", NULL};
    expect_refused("outbox0.json", "{\"retention\": {\"outbox_days\": 0}}", zero);
    const char *const typo[] = {"retention.inbox_day", "unknown key", "inbox_days", NULL};
    expect_refused("typo.json", "{\"retention\": {\"inbox_day\": 7}}", typo);
}

static void test_config_webhook_mode_requires_secret(void)
{
    const char *const want[] = {"platforms.telegram.webhook_secret", NULL};
    expect_refused("wh-nosecret.json",
                   "{\"platforms\": {\"telegram\": {\"enabled\": true, \"token\": \"1:abc\","
                   " \"mode\": \"webhook\", \"webhook_url\": \"https://x.example/wh\"}}}",
                   want);
    const char *const url[] = {"platforms.telegram.webhook_url", NULL};
    expect_refused("wh-nourl.json",
                   "{\"platforms\": {\"telegram\": {\"enabled\": true, \"token\": \"1:abc\","
                   " \"mode\": \"webhook\", \"webhook_secret\": \"abcdefgh\"}}}",
                   url);
}

static void test_config_zalo_webhook_secret_needs_eight_characters(void)
{
    const char *const want[] = {"platforms.zalo.webhook_secret", NULL};
    expect_refused("zalo-short.json",
                   "{\"platforms\": {\"zalo\": {\"enabled\": true, \"token\": \"1:abc\","
                   " \"mode\": \"webhook\", \"webhook_url\": \"https://x.example/wh\","
                   " \"webhook_secret\": \"abc1234\"}}}",
                   want);
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("zalo-ok.json",
                        "{\"platforms\": {\"zalo\": {\"enabled\": true, \"token\": \"1:abc\","
                        " \"mode\": \"webhook\", \"webhook_url\": \"https://x.example/wh\","
                        " \"webhook_secret\": \"abc12345\"}}}",
                        &cfg, err),
              0);
    if (cfg)
        CHECK_STR(bot(cfg, "zalo")->webhook_secret, "abc12345");
    cfg_free(cfg);
}

static void test_config_telegram_secret_with_bad_character_is_refused(void)
{
    const char *const want[] = {"platforms.telegram.webhook_secret", NULL};
    expect_refused("tg-badchar.json",
                   "{\"platforms\": {\"telegram\": {\"enabled\": true, \"token\": \"1:abc\","
                   " \"mode\": \"webhook\", \"webhook_url\": \"https://x.example/wh\","
                   " \"webhook_secret\": \"good_part$bad\"}}}",
                   want);
    const char *const token[] = {"platforms.telegram.token", NULL};
    expect_refused("tg-badtoken.json",
                   "{\"platforms\": {\"telegram\": {\"enabled\": true, \"token\": \"1:a/b\"}}}",
                   token);
}

static void test_config_unknown_keys_warn_and_comments_are_silent(void)
{
    const char *text = "{\"//\": \"a comment\",\n"
                       " \"colour\": \"blue\",\n"
                       " \"http\": {\"//port\": \"comment\", \"prot\": 1, \"port\": 8088},\n"
                       " \"groups\": {\"quiet_minutes\": 5},\n"
                       " \"areas\": {\"anything\": {\"goes\": true}}}\n";
    enum log_level saved = log_get_level();
    log_set_level(LOG_WARN);
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    testlib_capture_begin();
    int rc = load_text("unknown.json", text, &cfg, err);
    const char *out = testlib_capture_end();
    log_set_level(saved);
    CHECK_INT(rc, 0);
    if (cfg)
        CHECK_INT(cfg->http_port, 8088);
    CHECK(strstr(out, "colour") != NULL);
    CHECK(strstr(out, "http.prot") != NULL);
    CHECK(strstr(out, "unknown key //") == NULL);
    CHECK(strstr(out, "unknown key http.//port") == NULL);
    CHECK(strstr(out, "anything") == NULL);
    CHECK(strstr(out, "unknown key groups") != NULL); /* no module reads a "groups" section */
    cfg_free(cfg);
}

/* data_dir pointing nowhere used to start a web chat answering 404 to everyone. */
static void test_config_data_dir_pointing_nowhere_is_refused(void)
{
    char text[PATH_MAX + 128], empty[PATH_MAX];
    const char *const nowhere[] = {"data_dir: ", "/nowhere/tipgate", "is not a directory", NULL};
    expect_refused("dd-nowhere.json", "{\"data_dir\": \"/nowhere/tipgate\"}", nowhere);
    /* A directory without the page, the web chat on: refused; off: fine. */
    snprintf(empty, sizeof empty, "%s/empty-share", testlib_tmpdir());
    mkdir(empty, 0700);
    const char *const noweb[] = {"data_dir: ", "web/index.html", "404", NULL};
    snprintf(text, sizeof text, "{\"data_dir\": \"%s\"}", empty);
    expect_refused("dd-noweb.json", text, noweb);
    snprintf(text, sizeof text,
             "{\"data_dir\": \"%s\", \"platforms\": {\"webchat\": {\"enabled\": false}}}", empty);
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("dd-off.json", text, &cfg, err), 0);
    cfg_free(cfg);
    /* The environment's directory is named as such. */
    setenv("TIPGATE_DATA_DIR", "/nowhere/env-share", 1);
    const char *const env[] = {"$TIPGATE_DATA_DIR", "/nowhere/env-share", NULL};
    expect_refused("dd-env.json", "{}", env);
    unsetenv("TIPGATE_DATA_DIR");
}

static void test_config_section_returns_nested_values(void)
{
    const char *text = "{\"areas\": {\"p1\": {\"name\": \"Phường 1\", \"codes\": [1, 2]}},\n"
                       " \"http\": {\"port\": 8090}}\n";
    char err[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    CHECK_INT(load_text("section.json", text, &cfg, err), 0);
    if (!cfg)
        return;
    CHECK(json_is_object(cfg_section(cfg, "areas")));
    CHECK(json_is_object(cfg_section(cfg, "areas.p1")));
    CHECK_STR(json_string_value(cfg_section(cfg, "areas.p1.name")), "Phường 1");
    CHECK_INT(json_array_size(cfg_section(cfg, "areas.p1.codes")), 2);
    CHECK_INT(json_integer_value(cfg_section(cfg, "http.port")), 8090);
    CHECK(cfg_section(cfg, "areas.p2") == NULL);
    CHECK(cfg_section(cfg, "areas.p1.name.deeper") == NULL);
    CHECK(cfg_section(cfg, "routing") == NULL);
    cfg_free(cfg);
}

TESTLIB_MAIN(T(test_config_defaults_without_file), T(test_config_file_sets_every_key),
             T(test_config_relative_storage_path_resolves_against_file_dir),
             T(test_config_env_strings_read_from_environment),
             T(test_config_token_from_file_is_scrubbed_from_logs),
             T(test_config_unset_env_is_fine_for_disabled_platform_only),
             T(test_config_missing_file_names_the_path),
             T(test_config_invalid_json_reports_line_and_column),
             T(test_config_wrong_type_names_the_key),
             T(test_config_section_of_wrong_type_is_refused),
             T(test_config_data_dir_pointing_nowhere_is_refused),
             T(test_config_out_of_range_port_names_the_key), T(test_config_bad_values_are_refused),
             T(test_config_retention_defaults_bounds_and_misspelt_keys),
             T(test_config_webhook_mode_requires_secret),
             T(test_config_zalo_webhook_secret_needs_eight_characters),
             T(test_config_telegram_secret_with_bad_character_is_refused),
             T(test_config_unknown_keys_warn_and_comments_are_silent),
             T(test_config_section_returns_nested_values))
