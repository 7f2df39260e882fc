/*
 * test_msg.c — the normalised message (base/msg.h) as stored in the inbox: every field survives
 * msg_to_json → msg_from_json, malformed JSON or a message without platform or chat is refused,
 * and no message holds more than MSG_MAX_ATTACHMENTS attachments.
 */
#include "base/msg.h"

#include "testlib.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void test_msg_every_field_survives_json_round_trip(void)
{
    struct msg m = {0};
    m.kind = MSG_CALLBACK;
    m.platform = strdup("telegram");
    m.update_key = strdup("tg:123456789");
    m.chat_id = strdup("-1001234567890");
    m.is_group = true;
    m.chat_title = strdup("Tổ dân phố 5 — Phường Bến Nghé");
    m.sender_id = strdup("777");
    m.sender_name = strdup("Trần Thị \"Bé\" Ba");
    m.text = strdup("Tố giác: có người lạ\nđột nhập nhà số 12, hẻm 34 😟\\");
    m.date_ms = 1767225600123LL;
    CHECK_INT(msg_add_attachment(&m, "photo", "AgACAgUAAxkBAAIB"), 0);
    CHECK_INT(msg_add_attachment(&m, "voice", "https://example.org/v.ogg?a=1&b=2"), 0);
    m.has_location = true;
    m.latitude = 10.7769;
    m.longitude = 106.7009;
    m.contact_phone = strdup("+84901234567");
    m.callback_id = strdup("cbq-1");
    m.callback_data = strdup("tip:confirm:42");
    m.member_status = strdup("administrator");
    m.migrate_to_chat_id = strdup("-1009999");

    char *json = msg_to_json(&m);
    CHECK(json != NULL);
    struct msg b;
    CHECK_INT(msg_from_json(json, &b), 0);
    CHECK_INT(b.kind, MSG_CALLBACK);
    CHECK_STR(b.platform, m.platform);
    CHECK_STR(b.update_key, m.update_key);
    CHECK_STR(b.chat_id, m.chat_id);
    CHECK(b.is_group);
    CHECK_STR(b.chat_title, m.chat_title);
    CHECK_STR(b.sender_id, m.sender_id);
    CHECK_STR(b.sender_name, m.sender_name);
    CHECK_STR(b.text, m.text);
    CHECK_INT(b.date_ms, 1767225600123LL);
    CHECK_INT(b.n_attachments, 2);
    if (b.n_attachments == 2) {
        CHECK_STR(b.attachments[0].kind, "photo");
        CHECK_STR(b.attachments[0].ref, "AgACAgUAAxkBAAIB");
        CHECK_STR(b.attachments[1].kind, "voice");
        CHECK_STR(b.attachments[1].ref, "https://example.org/v.ogg?a=1&b=2");
    }
    CHECK(b.has_location);
    CHECK(b.latitude == 10.7769);
    CHECK(b.longitude == 106.7009);
    CHECK_STR(b.contact_phone, m.contact_phone);
    CHECK_STR(b.callback_id, m.callback_id);
    CHECK_STR(b.callback_data, m.callback_data);
    CHECK_STR(b.member_status, m.member_status);
    CHECK_STR(b.migrate_to_chat_id, m.migrate_to_chat_id);

    /* Serialising the parsed copy gives the same stored record. */
    char *again = msg_to_json(&b);
    CHECK_STR(again, json);
    free(again);
    free(json);
    msg_clear(&b);
    msg_clear(&m);
    CHECK(m.platform == NULL && m.n_attachments == 0);
}

static void test_msg_minimal_message_round_trips_with_absent_fields(void)
{
    const enum msg_kind kinds[] = {MSG_TEXT, MSG_EDITED, MSG_CALLBACK, MSG_MEMBER};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct msg m = {0};
        m.kind = kinds[i];
        m.platform = strdup("webchat");
        m.chat_id = strdup("w-1");
        char *json = msg_to_json(&m);
        struct msg b;
        CHECK_INT(msg_from_json(json, &b), 0);
        CHECK_INT(b.kind, kinds[i]);
        CHECK_STR(b.platform, "webchat");
        CHECK_STR(b.chat_id, "w-1");
        CHECK(b.text == NULL);
        CHECK(b.sender_id == NULL);
        CHECK(!b.is_group);
        CHECK(!b.has_location);
        CHECK_INT(b.n_attachments, 0);
        free(json);
        msg_clear(&b);
        msg_clear(&m);
    }
}

static void test_msg_malformed_or_incomplete_json_is_refused(void)
{
    const char *bad[] = {
        "",
        "{",
        "not json",
        "[]",
        "\"text\"",
        "{\"kind\":\"text\",\"chat_id\":\"1\"}",
        "{\"kind\":\"text\",\"platform\":\"webchat\"}",
        "{\"kind\":\"text\",\"platform\":\"webchat\",\"chat_id\":7}",
        "{\"kind\":\"shout\",\"platform\":\"webchat\",\"chat_id\":\"1\"}",
        "{\"platform\":\"webchat\",\"chat_id\":\"1\"}",
        "{\"kind\":\"text\",\"platform\":null,\"chat_id\":\"1\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct msg m;
        memset(&m, 0x5a, sizeof m);
        int rc = msg_from_json(bad[i], &m);
        if (rc != -1)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        CHECK_INT(rc, -1);
        /* Refused messages hold nothing to free. */
        CHECK(m.platform == NULL && m.chat_id == NULL && m.text == NULL);
        CHECK_INT(m.n_attachments, 0);
        msg_clear(&m);
    }
    struct msg ok;
    CHECK_INT(msg_from_json("{\"kind\":\"text\",\"platform\":\"webchat\",\"chat_id\":\"1\"}", &ok),
              0);
    msg_clear(&ok);
}

static void test_msg_attachments_capped_at_maximum(void)
{
    struct msg m = {0};
    m.platform = strdup("webchat");
    m.chat_id = strdup("w-1");
    for (int i = 0; i < MSG_MAX_ATTACHMENTS; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "file-%d", i);
        CHECK_INT(msg_add_attachment(&m, "photo", ref), 0);
    }
    CHECK_INT(msg_add_attachment(&m, "photo", "one-too-many"), -1);
    CHECK_INT(m.n_attachments, MSG_MAX_ATTACHMENTS);

    /* A stored record listing more attachments cannot overflow the message either. */
    char *json = msg_to_json(&m);
    json_t *o = json_loads(json, 0, NULL);
    json_array_append_new(json_object_get(o, "attachments"),
                          json_pack("{s:s, s:s}", "kind", "photo", "ref", "extra"));
    CHECK_INT(json_array_size(json_object_get(o, "attachments")), MSG_MAX_ATTACHMENTS + 1);
    char *big = json_dumps(o, JSON_COMPACT);
    struct msg b;
    int rc = msg_from_json(big, &b);
    if (rc == 0) {
        CHECK_INT(b.n_attachments, MSG_MAX_ATTACHMENTS);
        CHECK_STR(b.attachments[0].ref, "file-0");
        CHECK_STR(b.attachments[MSG_MAX_ATTACHMENTS - 1].ref, "file-9");
    } else {
        CHECK_INT(b.n_attachments, 0);
    }
    msg_clear(&b);
    free(big);
    json_decref(o);
    free(json);
    msg_clear(&m);
}

/* The limit counts characters after NFC, as people do, not bytes. */
static void test_msg_text_limit_counts_composed_characters(void)
{
    static const char e_dot_hat[] = "e\xcc\xa3\xcc\x82"; /* e + U+0323 + U+0302 = ệ */
    size_t unit = sizeof e_dot_hat - 1;
    char *text = malloc(unit * (MSG_MAX_TEXT_CHARS + 1) + 1);
    CHECK(text != NULL);
    if (!text)
        return;
    for (int i = 0; i <= MSG_MAX_TEXT_CHARS; i++)
        memcpy(text + unit * (size_t)i, e_dot_hat, unit);
    bool oom = true;
    /* 5,000 decomposed letters (25,000 bytes) fit, stored as 5,000 precomposed ones. */
    char *nfc = msg_text_nfc(text, unit * MSG_MAX_TEXT_CHARS, &oom);
    CHECK(nfc != NULL && !oom);
    if (nfc)
        CHECK_INT((long long)strlen(nfc), 3LL * MSG_MAX_TEXT_CHARS);
    free(nfc);
    /* One more does not. */
    CHECK(msg_text_nfc(text, unit * (MSG_MAX_TEXT_CHARS + 1), &oom) == NULL && !oom);
    memset(text, 'a', MSG_MAX_TEXT_CHARS + 1);
    CHECK(msg_text_nfc(text, MSG_MAX_TEXT_CHARS + 1, &oom) == NULL && !oom);
    nfc = msg_text_nfc(text, MSG_MAX_TEXT_CHARS, &oom);
    CHECK(nfc != NULL);
    free(nfc);
    char label[16];
    msg_max_text_chars_vi(label, sizeof label);
    CHECK_STR(label, "5.000");
    free(text);
}

TESTLIB_MAIN(T(test_msg_every_field_survives_json_round_trip),
             T(test_msg_minimal_message_round_trips_with_absent_fields),
             T(test_msg_malformed_or_incomplete_json_is_refused),
             T(test_msg_attachments_capped_at_maximum),
             T(test_msg_text_limit_counts_composed_characters))
