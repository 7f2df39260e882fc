/*
 * test_messenger.c — the Messenger adapter's pure parts (bot/platforms/messenger.h): the
 * X-Hub-Signature-256 check over the raw body, Meta's subscription check (hub.mode,
 * hub.verify_token, hub.challenge), the Graph API answer classifier, and the settings an
 * operator writes (what enabling the platform requires).
 */
#include "bot/platforms/messenger.h"
#include "config/config.h"

#include "testlib.h"

#include <stdlib.h>
#include <string.h>

/* HMAC-SHA256 of BODY keyed with SECRET, as Python's hmac module computes it. */
#define SECRET "app-secret-0042"
#define BODY   "{\"object\":\"page\",\"entry\":[]}"
#define MAC    "ef80e11b0fc4c34da0cf6f1f7881ad5cc950eb60555e2b40f3b7de3d8c701e15"

static void test_signature_accepts_the_right_mac_in_either_case(void)
{
    CHECK(ms_signature_ok(SECRET, "sha256=" MAC, BODY, strlen(BODY)));
    CHECK(ms_signature_ok(SECRET,
                          "sha256=EF80E11B0FC4C34DA0CF6F1F7881AD5CC950EB60555E2B40F3B7DE3D8C"
                          "701E15",
                          BODY, strlen(BODY)));
    CHECK(ms_signature_ok(SECRET, " sha256=" MAC "\r\n", BODY, strlen(BODY)));
}

static void test_signature_refuses_anything_else(void)
{
    const char *body = BODY;
    size_t len = strlen(body);
    CHECK(!ms_signature_ok(SECRET, NULL, body, len));
    CHECK(!ms_signature_ok(SECRET, "", body, len));
    CHECK(!ms_signature_ok(SECRET, MAC, body, len));                /* no "sha256=" */
    CHECK(!ms_signature_ok(SECRET, "sha1=" MAC, body, len));        /* the old header's form */
    CHECK(!ms_signature_ok(SECRET, "sha256=" MAC "00", body, len)); /* too long */
    CHECK(!ms_signature_ok(SECRET, "sha256=ef80", body, len));      /* too short */
    CHECK(!ms_signature_ok("other-secret", "sha256=" MAC, body, len));
    CHECK(!ms_signature_ok("", "sha256=" MAC, body, len));
    CHECK(!ms_signature_ok(SECRET, "sha256=" MAC, body, len - 1)); /* a byte less is signed */
    CHECK(!ms_signature_ok(
        SECRET, "sha256=ff80e11b0fc4c34da0cf6f1f7881ad5cc950eb60555e2b40f3b7de3d8c701e15", body,
        len));
}

static void test_subscription_check_echoes_only_a_plain_challenge(void)
{
    char ch[MS_CHALLENGE_MAX + 1];
    CHECK_INT(ms_verify_subscription(
                  "verify-0042",
                  "hub.mode=subscribe&hub.verify_token=verify-0042&hub.challenge=11582", ch),
              200);
    CHECK_STR(ch, "11582");
    CHECK_INT(ms_verify_subscription(
                  "verify-0042",
                  "hub.challenge=ab12&hub.verify_token=verify-0042&hub.mode=subscribe", ch),
              200);
    CHECK_STR(ch, "ab12");
    CHECK_INT(
        ms_verify_subscription(
            "verify-0042", "hub.mode=subscribe&hub.verify_token=verify-0043&hub.challenge=1", ch),
        403);
    CHECK_STR(ch, "");
    CHECK_INT(
        ms_verify_subscription(
            "verify-0042", "hub.mode=subscribed&hub.verify_token=verify-0042&hub.challenge=1", ch),
        403);
    CHECK_INT(
        ms_verify_subscription(
            "verify-0042", "hub.mode=subscribe&hub.verify_token=verify-0042&hub.challenge=<b>", ch),
        403);
    CHECK_INT(ms_verify_subscription("verify-0042",
                                     "hub.mode=subscribe&hub.verify_token=verify-0042", ch),
              403);
    CHECK_INT(
        ms_verify_subscription("", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1", ch),
        403);
    CHECK_INT(ms_verify_subscription("verify-0042", "", ch), 403);
}

static void classify(long status, const char *body, struct platform_answer *a)
{
    ms_classify_answer(status, body, body ? strlen(body) : 0, a);
}

#define GRAPH_ERR(code, sub, msg)                                                                  \
    "{\"error\":{\"message\":\"" msg "\",\"type\":\"OAuthException\",\"code\":" #code              \
    ",\"error_subcode\":" #sub ",\"fbtrace_id\":\"AbC\"}}"

static void test_classifier_maps_graph_errors(void)
{
    struct platform_answer a;
    classify(200, "{\"recipient_id\":\"2400\",\"message_id\":\"m_AbC-1\"}", &a);
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "m_AbC-1");
    CHECK(a.understood);
    const struct {
        long http;
        const char *body;
        enum platform_verdict want;
    } cases[] = {
        {400, GRAPH_ERR(613, 0, "Calls to this api have exceeded the rate limit."),
         PLATFORM_RETRY_AFTER},
        {400, GRAPH_ERR(4, 0, "Application request limit reached"), PLATFORM_RETRY_AFTER},
        {400, GRAPH_ERR(17, 0, "User request limit reached"), PLATFORM_RETRY_AFTER},
        {400, GRAPH_ERR(32, 0, "Page request limit reached"), PLATFORM_RETRY_AFTER},
        {400, GRAPH_ERR(190, 463, "Error validating access token: Session has expired"),
         PLATFORM_TOKEN_EXPIRED},
        {401, GRAPH_ERR(190, 0, "Invalid OAuth access token."), PLATFORM_TOKEN_EXPIRED},
        {400, GRAPH_ERR(551, 1545041, "This person isn't available right now."), PLATFORM_BLOCKED},
        {400, GRAPH_ERR(200, 1545041, "Message failed to send because the person is not available"),
         PLATFORM_BLOCKED},
        {400, GRAPH_ERR(10, 2018108, "This person isn't receiving messages from you right now."),
         PLATFORM_BLOCKED},
        {400, GRAPH_ERR(100, 2018001, "No matching user found"), PLATFORM_BLOCKED},
        {400, GRAPH_ERR(10, 2018278, "This message is sent outside of allowed window."),
         PLATFORM_WINDOW_CLOSED},
        {400, GRAPH_ERR(100, 0, "(#100) Invalid parameter"), PLATFORM_BAD_REQUEST},
        {500, GRAPH_ERR(1, 0, "An unknown error occurred"), PLATFORM_TRANSIENT},
        {500, GRAPH_ERR(2, 0, "Temporary send message failure. Please try again later."),
         PLATFORM_TRANSIENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        classify(cases[i].http, cases[i].body, &a);
        if (a.verdict != cases[i].want)
            fprintf(stderr, "case %zu: %s\n", i, cases[i].body);
        CHECK_INT(a.verdict, cases[i].want);
        CHECK(a.understood);
        CHECK(a.why[0] != '\0');
    }
    classify(400, GRAPH_ERR(10, 2018278, "This message is sent outside of allowed window."), &a);
    CHECK(strstr(a.why, "window") != NULL);
}

static void test_classifier_takes_garbage_for_transient(void)
{
    struct platform_answer a;
    const char *bodies[] = {NULL, "", "<html>502 Bad Gateway</html>", "{\"recipient_id\":\"24",
                            "[1,2]"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        classify(502, bodies[i], &a);
        CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
        CHECK(!a.understood);
        classify(200, bodies[i], &a);
        CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
    }
    char longid[200];
    memset(longid, 'x', sizeof longid);
    char body[300];
    snprintf(body, sizeof body, "{\"message_id\":\"%.*s\"}", (int)sizeof longid, longid);
    classify(200, body, &a);
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, ""); /* an id that does not fit is left out, never cut */
}

/* "" when the configuration text loads, else cfg_load's error (static buffer); *on whether
 * the platform is then enabled. */
static const char *load(const char *messenger, bool *on)
{
    static char err[CFG_ERR_MAX];
    char text[1024];
    struct cfg *cfg = NULL;
    snprintf(text, sizeof text, "{\"platforms\": {\"messenger\": %s}}", messenger);
    err[0] = '\0';
    *on = false;
    if (cfg_load(testlib_write("messenger.json", text), &cfg, err) == 0) {
        *on = platform_find("messenger")->enabled(cfg);
        cfg_free(cfg);
    }
    return err;
}

#define FULL                                                                                       \
    "\"enabled\": true, \"page_id\": \"1048576\", \"page_token\": \"EAAtoken0042\", "              \
    "\"app_secret\": \"s3cr3t\""

static void test_settings_enable_only_with_every_secret(void)
{
    bool on;
    CHECK_STR(load("{}", &on), "");
    CHECK(!on); /* off by default */
    CHECK_STR(load("{" FULL ", \"verify_token\": \"verify-0042\"}", &on), "");
    CHECK(on);
    setenv("TIPGATE_TEST_FB_SECRET", "from-the-environment", 1);
    CHECK_STR(load("{\"enabled\": true, \"page_id\": \"1\", \"page_token\": \"EAAt\", "
                   "\"app_secret\": \"env:TIPGATE_TEST_FB_SECRET\", \"verify_token\": "
                   "\"verify-0042\"}",
                   &on),
              "");
    CHECK(on);
    CHECK(strstr(load("{" FULL "}", &on), "platforms.messenger.verify_token") != NULL);
    CHECK(!on);
    CHECK(strstr(load("{\"enabled\": true, \"page_id\": \"1\", \"verify_token\": "
                      "\"verify-0042\", \"app_secret\": \"s\"}",
                      &on),
                 "platforms.messenger.page_token") != NULL);
    CHECK(strstr(load("{" FULL ", \"verify_token\": \"a&b=c-0042\"}", &on),
                 "platforms.messenger.verify_token") != NULL);
    CHECK(strstr(load("{" FULL ", \"verify_token\": \"verify-0042\", \"api_version\": "
                      "\"21\"}",
                      &on),
                 "platforms.messenger.api_version") != NULL);
    CHECK(strstr(load("{\"enabeld\": true}", &on), "platforms.messenger.enabeld") != NULL);
}

int main(void)
{
    const struct testlib_case cases[] = {
        {"signature_accepts_the_right_mac_in_either_case",
         test_signature_accepts_the_right_mac_in_either_case},
        {"signature_refuses_anything_else", test_signature_refuses_anything_else},
        {"subscription_check_echoes_only_a_plain_challenge",
         test_subscription_check_echoes_only_a_plain_challenge},
        {"classifier_maps_graph_errors", test_classifier_maps_graph_errors},
        {"classifier_takes_garbage_for_transient", test_classifier_takes_garbage_for_transient},
        {"settings_enable_only_with_every_secret", test_settings_enable_only_with_every_secret},
    };
    return testlib_run(cases, sizeof cases / sizeof cases[0]);
}
