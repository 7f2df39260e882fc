/*
 * test_texts_router.c — handlers/texts.h: a messages file is loaded with arrays joined by
 * newlines, {placeholders} filled and unknown ones left alone, and a file missing a required
 * text or holding bad JSON is refused with a useful error; the shipped Vietnamese file loads and
 * its welcome lists the emergency numbers. handlers/router.h: router_parse_command.
 */
#include "handlers/router.h"
#include "handlers/texts.h"

#include "base/log.h"
#include "base/utf8.h"

#include "testlib.h"

#include <stdlib.h>

/* Every name texts.c requires; a file lacking one is refused. */
#define required (texts_required_names())

/* Writes a messages file with every required text except skip (NULL: none), plus extra
 * (a JSON fragment of further members, or NULL). Returns the path (testlib_write's buffer). */
static const char *write_messages(const char *name, const char *skip, const char *extra)
{
    static char text[65536];
    size_t at = 0;
    at += (size_t)snprintf(text + at, sizeof text - at, "{\n  \"//\": \"test texts\"");
    for (size_t i = 0; required[i] && at < sizeof text - 256; i++) {
        if (skip && strcmp(skip, required[i]) == 0)
            continue;
        at += (size_t)snprintf(text + at, sizeof text - at, ",\n  \"%s\": \"text of %s\"",
                               required[i], required[i]);
    }
    snprintf(text + at, sizeof text - at, "%s%s\n}\n", extra ? ",\n" : "", extra ? extra : "");
    return testlib_write(name, text);
}

static struct texts *load_ok(const char *path)
{
    char err[512] = "";
    struct texts *t = NULL;
    int rc = texts_load(path, &t, err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "  %s\n", err);
    return t;
}

static void test_texts_arrays_are_joined_with_newlines(void)
{
    struct texts *t = load_ok(write_messages("join.json", NULL,
                                             "  \"multi\": [\"Dòng một\", \"\", \"Dòng ba\"],\n"
                                             "  \"single\": [\"chỉ một\"], \"none\": []"));
    if (!t)
        return;
    CHECK_STR(texts_get(t, "multi"), "Dòng một\n\nDòng ba");
    CHECK_STR(texts_get(t, "single"), "chỉ một");
    CHECK_STR(texts_get(t, "none"), "");
    CHECK_STR(texts_get(t, "welcome"), "text of welcome");
    enum log_level saved = log_get_level();
    log_set_level(LOG_OFF); /* looking up a name that is not there logs an error */
    CHECK(strcmp(texts_get(t, "//"), "test texts") != 0); /* comments are not texts */
    log_set_level(saved);
    char *r = texts_render(t, "multi", NULL, 0);
    CHECK_STR(r, "Dòng một\n\nDòng ba");
    free(r);
    texts_free(t);
}

static void test_texts_render_fills_known_placeholders_only(void)
{
    struct texts *t = load_ok(write_messages(
        "render.json", NULL,
        "  \"greet\": \"Chào {name}, mã tra cứu {code}. {unknown} {name}! {notclosed\",\n"
        "  \"braces\": \"{} {{name}} {na me}\""));
    if (!t)
        return;
    struct texts_var vars[] = {{"name", "Nguyễn Văn A"}, {"code", "TB-0042"}};
    char *r = texts_render(t, "greet", vars, 2);
    CHECK_STR(r, "Chào Nguyễn Văn A, mã tra cứu TB-0042. {unknown} Nguyễn Văn A! {notclosed");
    free(r);

    r = texts_render(t, "greet", NULL, 0);
    CHECK_STR(r, "Chào {name}, mã tra cứu {code}. {unknown} {name}! {notclosed");
    free(r);

    r = texts_render(t, "braces", vars, 2);
    CHECK_STR(r, "{} {Nguyễn Văn A} {na me}");
    free(r);

    /* A value that is itself a placeholder is not expanded again. */
    struct texts_var loop[] = {{"name", "{code}"}, {"code", "X"}};
    r = texts_render(t, "greet", loop, 2);
    CHECK_STR(r, "Chào {code}, mã tra cứu X. {unknown} {code}! {notclosed");
    free(r);
    texts_free(t);
}

static void test_texts_render_of_long_value_stays_bounded_and_valid(void)
{
    struct texts *t = load_ok(write_messages("long.json", NULL, "  \"echo\": \"«{v}» hết\""));
    if (!t)
        return;
    size_t n = 30000;
    char *big = malloc(n * 3 + 1);
    CHECK(big != NULL);
    if (!big) {
        texts_free(t);
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(big + 3 * i, "\xe1\xbb\x9d", 3); /* "ờ" */
    big[3 * n] = '\0';
    struct texts_var vars[] = {{"v", big}};
    char *r = texts_render(t, "echo", vars, 1);
    CHECK(r != NULL);
    if (r) {
        CHECK(strlen(r) < 16384);
        CHECK(strlen(r) > 16000);
        CHECK(utf8_valid(r, strlen(r)));
        CHECK(strncmp(r, "«", strlen("«")) == 0);
    }
    free(r);
    free(big);
    texts_free(t);
}

static void test_texts_unknown_name_shows_a_neutral_marker(void)
{
    struct texts *t = load_ok(write_messages("unknown-name.json", NULL, NULL));
    if (!t)
        return;
    /* texts.h: a missing name yields "[?]": internal names are not shown to residents. */
    enum log_level saved = log_get_level();
    log_set_level(LOG_OFF);
    CHECK_STR(texts_get(t, "no_such_text"), "[?]");
    char *r = texts_render(t, "no_such_text", NULL, 0);
    CHECK(r != NULL);
    free(r);
    log_set_level(saved);
    texts_free(t);
}

static void test_texts_missing_required_name_is_refused(void)
{
    const char *path = write_messages("missing.json", "ws_rate", NULL);
    char err[512] = "";
    struct texts *t = (struct texts *)1;
    CHECK_INT(texts_load(path, &t, err, sizeof err), -1);
    CHECK(t == NULL);
    CHECK(strstr(err, "ws_rate") != NULL);
    CHECK(strstr(err, "missing.json") != NULL);

    path = write_messages("missing-welcome.json", "welcome", NULL);
    CHECK_INT(texts_load(path, &t, err, sizeof err), -1);
    CHECK(strstr(err, "\"welcome\"") != NULL);
}

static void test_texts_invalid_files_are_refused(void)
{
    char err[512] = "";
    struct texts *t = NULL;
    const char *path = testlib_write("bad.json", "{\n  \"welcome\": \"x\",\n  oops\n}\n");
    CHECK_INT(texts_load(path, &t, err, sizeof err), -1);
    CHECK(t == NULL);
    CHECK(strstr(err, "line 3") != NULL);
    CHECK(strstr(err, "bad.json") != NULL);

    path = write_messages("number.json", NULL, "  \"count\": 3");
    CHECK_INT(texts_load(path, &t, err, sizeof err), -1);
    CHECK(strstr(err, "count") != NULL);

    path = write_messages("mixed.json", NULL, "  \"lines\": [\"a\", 2]");
    CHECK_INT(texts_load(path, &t, err, sizeof err), -1);
    CHECK(strstr(err, "lines") != NULL);

    path = testlib_write("array.json", "[\"welcome\"]");
    CHECK_INT(texts_load(path, &t, err, sizeof err), -1);

    char nofile[1024];
    snprintf(nofile, sizeof nofile, "%s/absent.json", testlib_tmpdir());
    CHECK_INT(texts_load(nofile, &t, err, sizeof err), -1);
    CHECK(strstr(err, nofile) != NULL);
}

static void test_texts_shipped_welcome_lists_emergency_numbers(void)
{
    struct texts *t = load_ok(TIPGATE_SOURCE_DIR "/config/messages.vi.json");
    if (!t)
        return;
    const char *welcome = texts_get(t, "welcome");
    CHECK(strstr(welcome, "113") != NULL);
    CHECK(strstr(welcome, "114") != NULL);
    CHECK(strstr(welcome, "115") != NULL);
    CHECK(strchr(welcome, '\n') != NULL);
    CHECK(utf8_valid(welcome, strlen(welcome)));
    CHECK(strstr(texts_get(t, "help"), "/start") != NULL);
    struct texts_var vars[] = {{"command", "/foo"}};
    char *r = texts_render(t, "unknown_command", vars, 1);
    CHECK(r && strstr(r, "/foo") != NULL && !strstr(r, "{command}"));
    free(r);
    texts_free(t);
}

static void expect_command(const char *text, const char *cmd, const char *args)
{
    char command[HCTX_COMMAND_MAX];
    const char *a = NULL;
    int rc = router_parse_command(text, command, &a);
    if (rc != 1 || strcmp(command, cmd) != 0 || !a || strcmp(a, args) != 0)
        fprintf(stderr, "  parsing \"%s\": rc %d, \"%s\", \"%s\"\n", text, rc, command,
                a ? a : "(null)");
    CHECK_INT(rc, 1);
    CHECK_STR(command, cmd);
    CHECK_STR(a, args);
}

static void expect_not_command(const char *text)
{
    char command[HCTX_COMMAND_MAX];
    memset(command, 'x', sizeof command);
    const char *a = NULL;
    CHECK_INT(router_parse_command(text, command, &a), 0);
    CHECK_STR(command, "");
    CHECK_STR(a, "");
}

static void test_router_parses_commands(void)
{
    expect_command("/start", "/start", "");
    /* Lowercased, @BotName stripped, leading spaces of the arguments dropped. Arguments point
     * into the text, so trailing spaces stay. */
    expect_command("/START@TipBot  hello  ", "/start", "hello  ");
    expect_command(" /help x", "/help", "x");
    expect_command("\n\t/Help\tnhiều từ  ở đây", "/help", "nhiều từ  ở đây");
    expect_command("/batdau@Bot", "/batdau", "");
    expect_command("/baotin\ntrộm xe", "/baotin", "trộm xe");
}

static void test_router_non_commands(void)
{
    expect_not_command("hello");
    expect_not_command("/ ");
    expect_not_command("/");
    expect_not_command("");
    expect_not_command(NULL);
    expect_not_command("//start");
    expect_not_command("a /start");
    expect_not_command("/ờ");
}

static void test_router_long_command_is_cut_safely(void)
{
    char text[200];
    memset(text, 'a', sizeof text);
    text[0] = '/';
    memcpy(text + 150, " args", 6);
    char command[HCTX_COMMAND_MAX];
    const char *a = NULL;
    CHECK_INT(router_parse_command(text, command, &a), 1);
    CHECK_INT(strlen(command), HCTX_COMMAND_MAX - 1);
    CHECK_STR(a, "args");
}

TESTLIB_MAIN(T(test_texts_arrays_are_joined_with_newlines),
             T(test_texts_render_fills_known_placeholders_only),
             T(test_texts_render_of_long_value_stays_bounded_and_valid),
             T(test_texts_unknown_name_shows_a_neutral_marker),
             T(test_texts_missing_required_name_is_refused),
             T(test_texts_invalid_files_are_refused),
             T(test_texts_shipped_welcome_lists_emergency_numbers), T(test_router_parses_commands),
             T(test_router_non_commands), T(test_router_long_command_is_cut_safely))
