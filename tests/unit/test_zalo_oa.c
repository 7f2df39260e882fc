/*
 * test_zalo_oa.c — the Zalo Official Account adapter's pure pieces (bot/platforms/zalo_oa.h):
 * the webhook signature (a vector computed independently with Python's hashlib), how the
 * X-ZEvent-Signature header is read, the answer classifier for every mapped error code and for
 * garbage, and webhook events read into messages (text, photo, location, ids, follow).
 */
#include "base/msg.h"
#include "bot/platforms/zalo_oa.h"

#include "testlib.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static const char body_text[] =
    "{\"event_name\":\"user_send_text\",\"timestamp\":\"1718000100000\"}";

/* hashlib.sha256(b"4291763606161179100" + body + b"1718000100000" + b"oa-secret") */
static const char vector_mac[] = "e949168a17574582f4b25ba5f1e1226d20484f08418329e12460262d37a93546";

static void test_zoa_signature_matches_the_documented_formula(void)
{
    char mac[ZOA_MAC_HEX + 1];
    zoa_signature("4291763606161179100", body_text, sizeof body_text - 1, "1718000100000",
                  "oa-secret", mac);
    CHECK_STR(mac, vector_mac);
    /* one byte of the body, the timestamp or the key changed: another mac */
    zoa_signature("4291763606161179100", body_text, sizeof body_text - 2, "1718000100000",
                  "oa-secret", mac);
    CHECK(strcmp(mac, vector_mac) != 0);
    zoa_signature("4291763606161179100", body_text, sizeof body_text - 1, "1718000100001",
                  "oa-secret", mac);
    CHECK(strcmp(mac, vector_mac) != 0);
    zoa_signature("4291763606161179100", body_text, sizeof body_text - 1, "1718000100000",
                  "oa-secreT", mac);
    CHECK(strcmp(mac, vector_mac) != 0);
}

static void test_zoa_signature_header_forms(void)
{
    char upper[80] = "mac=", bad[80] = "mac=";
    for (size_t i = 0; vector_mac[i]; i++)
        upper[4 + i] = (char)(vector_mac[i] >= 'a' ? vector_mac[i] - 32 : vector_mac[i]);
    upper[4 + ZOA_MAC_HEX] = '\0';
    CHECK(zoa_signature_ok(upper, vector_mac));
    char with_prefix[80];
    snprintf(with_prefix, sizeof with_prefix, "mac=%s", vector_mac);
    CHECK(zoa_signature_ok(with_prefix, vector_mac));
    CHECK(zoa_signature_ok(vector_mac, vector_mac)); /* the bare hex */
    snprintf(bad, sizeof bad, "mac=%.63s0", vector_mac);
    CHECK(!zoa_signature_ok(bad, vector_mac));
    CHECK(!zoa_signature_ok(NULL, vector_mac));
    CHECK(!zoa_signature_ok("", vector_mac));
    CHECK(!zoa_signature_ok("mac=", vector_mac));
    snprintf(bad, sizeof bad, "mac=%.40s", vector_mac); /* a prefix of the right mac */
    CHECK(!zoa_signature_ok(bad, vector_mac));
}

static void test_zoa_timestamp_as_it_appears(void)
{
    char ts[32];
    json_t *s = json_loads("{\"timestamp\":\"1718000100000\"}", 0, NULL);
    json_t *n = json_loads("{\"timestamp\":1718000100000}", 0, NULL);
    json_t *none = json_loads("{\"timestamp\":null}", 0, NULL);
    CHECK_INT(zoa_event_timestamp(s, ts, sizeof ts), 0);
    CHECK_STR(ts, "1718000100000");
    CHECK_INT(zoa_event_timestamp(n, ts, sizeof ts), 0);
    CHECK_STR(ts, "1718000100000");
    CHECK_INT(zoa_event_timestamp(none, ts, sizeof ts), -1);
    json_decref(s);
    json_decref(n);
    json_decref(none);
}

static enum platform_verdict classify(const char *body, long status, struct platform_answer *a)
{
    zoa_classify_answer(status, body, body ? strlen(body) : 0, a);
    return a->verdict;
}

static void test_zoa_classify_answers(void)
{
    struct platform_answer a;
    CHECK_INT(classify("{\"error\":0,\"message\":\"Success\",\"data\":{\"message_id\":"
                       "\"a4d0243feee163bd3af2\",\"user_id\":\"2512\"}}",
                       200, &a),
              PLATFORM_SENT);
    CHECK_STR(a.message_id, "a4d0243feee163bd3af2");
    CHECK(a.understood);
    static const struct {
        int code;
        enum platform_verdict v;
    } cases[] = {
        {-216, PLATFORM_TOKEN_EXPIRED}, {-124, PLATFORM_TOKEN_EXPIRED},
        {-220, PLATFORM_TOKEN_EXPIRED}, {-32, PLATFORM_RETRY_AFTER},
        {-213, PLATFORM_BLOCKED},       {-227, PLATFORM_BLOCKED},
        {-201, PLATFORM_BAD_REQUEST},   {-230, PLATFORM_WINDOW_CLOSED},
        {-232, PLATFORM_WINDOW_CLOSED}, {-233, PLATFORM_BAD_REQUEST},
        {-200, PLATFORM_TRANSIENT},     {-999, PLATFORM_TRANSIENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"error\":%d,\"message\":\"m%d\"}", cases[i].code,
                 cases[i].code);
        CHECK_INT(classify(body, 200, &a), cases[i].v);
        CHECK(a.understood);
        CHECK(strstr(a.why, "error ") == a.why);
        if (cases[i].v == PLATFORM_RETRY_AFTER)
            CHECK_INT(a.retry_after_s, 60);
    }
    /* not Zalo's answer: HTML, empty, truncated, a 5xx */
    CHECK_INT(classify("<html>502 Bad Gateway</html>", 502, &a), PLATFORM_TRANSIENT);
    CHECK(!a.understood);
    CHECK_INT(classify(NULL, 200, &a), PLATFORM_TRANSIENT);
    CHECK_INT(classify("{\"error\":0,\"data\":{", 200, &a), PLATFORM_TRANSIENT);
    CHECK_INT(classify("{\"error\":-216}", 503, &a), PLATFORM_TRANSIENT);
    CHECK_INT(classify("", 429, &a), PLATFORM_RETRY_AFTER);
    CHECK_INT(classify("{\"error\":\"0\"}", 200, &a), PLATFORM_TRANSIENT);
}

static int read_event(const char *json, struct msg *m)
{
    json_t *ev = json_loads(json, 0, NULL);
    CHECK(ev != NULL);
    int rc = zoa_event_to_msg(ev, 1800000000000LL, m);
    json_decref(ev);
    return rc;
}

static void test_zoa_events_read(void)
{
    struct msg m;
    CHECK_INT(read_event("{\"app_id\":\"1\",\"sender\":{\"id\":\"3105\"},\"event_name\":"
                         "\"user_send_text\",\"message\":{\"msg_id\":\"m1\",\"text\":\"chào\"},"
                         "\"timestamp\":\"1718000100000\"}",
                         &m),
              0);
    CHECK_STR(m.chat_id, "3105");
    CHECK_STR(m.sender_id, "3105");
    CHECK_STR(m.text, "chào");
    CHECK_STR(m.update_key, "m1");
    CHECK_STR(m.platform, "zalo_oa");
    CHECK_INT(m.date_ms, 1718000100000LL);
    CHECK(!m.is_group);
    msg_clear(&m);

    CHECK_INT(
        read_event("{\"sender\":{\"id\":\"3105\"},\"event_name\":\"user_send_image\","
                   "\"message\":{\"msg_id\":\"m2\",\"attachments\":[{\"type\":\"image\","
                   "\"payload\":{\"thumbnail\":\"https://t/x\",\"url\":\"https://p/x.jpg\"}}]}"
                   ",\"timestamp\":\"9999999999999\"}",
                   &m),
        0);
    CHECK_INT(m.n_attachments, 1);
    CHECK_STR(m.attachments[0].kind, "photo");
    CHECK_STR(m.attachments[0].ref, "https://p/x.jpg");
    CHECK_INT(m.date_ms, 1800000000000LL); /* a future timestamp: now */
    msg_clear(&m);

    CHECK_INT(read_event("{\"sender\":{\"id\":\"3105\"},\"event_name\":\"user_send_location\","
                         "\"message\":{\"msg_id\":\"m3\",\"attachments\":[{\"type\":\"location\","
                         "\"payload\":{\"coordinates\":{\"latitude\":\"10.7764\",\"longitude\":"
                         "\"106.7009\"}}}]},\"timestamp\":\"1718000100000\"}",
                         &m),
              0);
    CHECK(m.has_location);
    CHECK(fabs(m.latitude - 10.7764) < 1e-9 && fabs(m.longitude - 106.7009) < 1e-9);
    msg_clear(&m);

    /* no msg_id: event + user + timestamp */
    CHECK_INT(read_event("{\"sender\":{\"id\":\"3105\"},\"event_name\":\"user_send_sticker\","
                         "\"message\":{\"attachments\":[{\"type\":\"sticker\",\"payload\":{"
                         "\"url\":\"https://s/1.png\",\"id\":\"s1\"}}]},\"timestamp\":\"17\"}",
                         &m),
              0);
    CHECK_STR(m.update_key, "user_send_sticker:3105:17");
    CHECK_STR(m.attachments[0].kind, "sticker");
    msg_clear(&m);

    /* events that store nothing, and malformed ones */
    CHECK_INT(read_event("{\"follower\":{\"id\":\"3105\"},\"event_name\":\"follow\"}", &m), 1);
    CHECK_INT(read_event("{\"sender\":{\"id\":\"1\"},\"event_name\":\"oa_send_text\","
                         "\"message\":{\"msg_id\":\"x\",\"text\":\"echo\"}}",
                         &m),
              1);
    CHECK_INT(read_event("{\"event_name\":\"user_send_text\",\"message\":{\"text\":\"x\"}}", &m),
              -1);
    CHECK_INT(read_event("{\"sender\":{\"id\":\"3105\"},\"event_name\":\"user_send_text\"}", &m),
              -1);
    CHECK(m.chat_id == NULL && m.text == NULL);
}

TESTLIB_MAIN(T(test_zoa_signature_matches_the_documented_formula),
             T(test_zoa_signature_header_forms), T(test_zoa_timestamp_as_it_appears),
             T(test_zoa_classify_answers), T(test_zoa_events_read))
