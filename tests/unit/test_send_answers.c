/*
 * test_send_answers.c — each API platform's classify_answer op (bot/platform.h) over answers
 * recorded from the platforms (and the fake servers of tests/integration): what the sender is
 * told for ok, throttled, blocked, moved, bad, token and garbage answers. The sender acts on
 * these verdicts alone (bot/sender.c), so a wrong one here is a lost or a duplicated message.
 * The ops are taken from the registry, as the adapters register them.
 */
#include "bot/platform.h"

#include "testlib.h"

#include <string.h>

static struct platform_answer answer(const char *platform, long http, const char *body)
{
    const struct platform_ops *ops = platform_find(platform);
    struct platform_answer a;
    memset(&a, 0x5a, sizeof a); /* the op must set every field it reports */
    CHECK(ops && ops->classify_answer && ops->build_request);
    if (ops && ops->classify_answer)
        ops->classify_answer(http, body, body ? strlen(body) : 0, &a);
    return a;
}

static void test_telegram_sent_answers_carry_the_message_id(void)
{
    struct platform_answer a = answer(
        "telegram", 200,
        "{\"ok\":true,\"result\":{\"message_id\":4711,\"from\":{\"id\":42,\"is_bot\":true,"
        "\"first_name\":\"Tip\"},\"chat\":{\"id\":1001,\"type\":\"private\"},\"date\":1767225600,"
        "\"text\":\"Cảm ơn\"}}");
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "4711");
    CHECK(a.understood);
    /* Another key order or spacing is still ok:true (parsed, not matched). */
    a = answer("telegram", 200, "{ \"result\": {\"message_id\": 12}, \"ok\": true }");
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "12");
    /* An answer cut at our cap after a good start is still a send that happened. */
    a = answer("telegram", 200, "{\"ok\":true,\"result\":{\"message_id\":99,\"text\":\"abc");
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "99");
}

static void test_telegram_refusals_become_their_verdicts(void)
{
    struct platform_answer a = answer(
        "telegram", 429,
        "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 35\","
        "\"parameters\":{\"retry_after\":35}}");
    CHECK_INT(a.verdict, PLATFORM_RETRY_AFTER);
    CHECK_INT(a.retry_after_s, 35);
    CHECK_STR(a.why, "error 429: Too Many Requests: retry after 35");
    a = answer("telegram", 403,
               "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was blocked by "
               "the user\"}");
    CHECK_INT(a.verdict, PLATFORM_BLOCKED);
    CHECK_STR(a.why, "error 403: Forbidden: bot was blocked by the user");
    a = answer("telegram", 400,
               "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: group chat was "
               "upgraded to a supergroup chat\",\"parameters\":{\"migrate_to_chat_id\":"
               "-1001234567890}}");
    CHECK_INT(a.verdict, PLATFORM_MOVED);
    CHECK_STR(a.moved_to, "-1001234567890");
    a = answer("telegram", 400,
               "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: chat not "
               "found\"}");
    CHECK_INT(a.verdict, PLATFORM_BAD_REQUEST);
    a = answer("telegram", 401,
               "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}");
    CHECK_INT(a.verdict, PLATFORM_TOKEN_EXPIRED);
    CHECK(a.understood);
    a = answer("telegram", 404, "{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}");
    CHECK_INT(a.verdict, PLATFORM_TOKEN_EXPIRED);
    a = answer("telegram", 409,
               "{\"ok\":false,\"error_code\":409,\"description\":\"Conflict: terminated by other "
               "getUpdates request\"}");
    CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
    a = answer("telegram", 500,
               "{\"ok\":false,\"error_code\":500,\"description\":\"Internal Server Error\"}");
    CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
    CHECK(a.understood); /* the API answered: the token is fine */
}

static void test_telegram_garbage_and_silence_are_transient(void)
{
    struct platform_answer a =
        answer("telegram", 502, "<html><head><title>502 Bad Gateway</title></head></html>");
    CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
    CHECK(!a.understood);
    CHECK_STR(a.why, "HTTP 502, not the API's JSON");
    a = answer("telegram", 200, "{\"ok\":tr");
    CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
    a = answer("telegram", 200, NULL);
    CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
    CHECK_STR(a.why, "HTTP 200, empty answer");
    /* Another platform's success is not the Bot API's: never "sent" by mistake. */
    a = answer("telegram", 200, "{\"error\":0,\"message\":\"Success\"}");
    CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
}

static void test_zalo_bot_answers_become_their_verdicts(void)
{
    struct platform_answer a =
        answer("zalo", 200,
               "{\"ok\":true,\"result\":{\"message_id\":\"8f1c2d3e4b5a\",\"date\":1767225600123}}");
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "8f1c2d3e4b5a");
    a = answer("zalo", 429, "{\"ok\":false,\"error_code\":429,\"description\":\"Quota exceeded\"}");
    CHECK_INT(a.verdict, PLATFORM_RETRY_AFTER);
    CHECK_INT(a.retry_after_s, 0); /* Zalo gives no wait: the sender's own backoff */
    a = answer("zalo", 403,
               "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: the user has "
               "blocked or not interacted with the bot\"}");
    CHECK_INT(a.verdict, PLATFORM_BLOCKED);
    a = answer("zalo", 400,
               "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: text is too "
               "long\"}");
    CHECK_INT(a.verdict, PLATFORM_BAD_REQUEST);
    a = answer("zalo", 401, "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}");
    CHECK_INT(a.verdict, PLATFORM_TOKEN_EXPIRED);
    a = answer("zalo", 504, "");
    CHECK_INT(a.verdict, PLATFORM_TRANSIENT);
    CHECK(!a.understood);
}

static void test_message_ids_that_are_no_ids_are_left_out(void)
{
    struct platform_answer a =
        answer("telegram", 200,
               "{\"ok\":true,\"result\":{\"message_id\":\"0123456789012345678901234567890123456789"
               "012345678901234567890123456789\"}}");
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "");
    a = answer("telegram", 200, "{\"ok\":true,\"result\":{\"message_id\":\"a\\\"b\"}}");
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "");
    a = answer("telegram", 200, "{\"ok\":true,\"result\":true}");
    CHECK_INT(a.verdict, PLATFORM_SENT);
    CHECK_STR(a.message_id, "");
}

TESTLIB_MAIN(T(test_telegram_sent_answers_carry_the_message_id),
             T(test_telegram_refusals_become_their_verdicts),
             T(test_telegram_garbage_and_silence_are_transient),
             T(test_zalo_bot_answers_become_their_verdicts),
             T(test_message_ids_that_are_no_ids_are_left_out))
