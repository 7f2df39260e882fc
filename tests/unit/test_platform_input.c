/*
 * test_platform_input.c — what Telegram and Zalo send, fed straight to the adapters' parsers
 * (bot/platforms/telegram.h, zalo.h) and to the answer classifier (bot/botapi.h) under ASan and
 * UBSan: numbers near 2^63 and ids out of range neither overflow nor leak (each input that once
 * did is kept here), Telegram's receive epochs start exactly when ids may repeat, Zalo's real
 * payload shapes are read, and numbered choices are counted in before a text is split.
 */
#include "bot/botapi.h"
#include "base/clock.h"
#include "base/msg.h"
#include "bot/platforms/telegram.h"
#include "bot/platforms/zalo.h"
#include "base/textsplit.h"
#include "handlers/handler.h"
#include "storage/db.h"

#include "testlib.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>

#define NOW_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

/* Parses one Telegram update (JSON text) into *m; returns tg_update_to_msg's result. */
static int tg_parse(struct db *db, const char *json, int64_t epoch, struct msg *m)
{
    json_error_t err;
    json_t *u = json_loads(json, 0, &err);
    CHECK(u != NULL);
    int rc = tg_update_to_msg(db, u, epoch, m);
    json_decref(u);
    return rc;
}

#define TG_MSG(extra)                                                                              \
    "\"message\":{\"message_id\":1,\"date\":1767225600,\"text\":\"/start\","                       \
    "\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":\"Lan\"},"                                \
    "\"chat\":{\"id\":42,\"type\":\"private\"}" extra "}"

/* Each of these once returned early without msg_clear (a leak per request) or overflowed. */
static void test_tg_unusable_update_ids_are_refused_without_leaking(void)
{
    struct db *db = testlib_db("tg-ids.db", -1);
    static const char *const bad[] = {
        "{" TG_MSG("") "}",                                   /* no update_id */
        "{\"update_id\":\"12\"," TG_MSG("") "}",              /* a string */
        "{\"update_id\":null," TG_MSG("") "}",                /* null */
        "{\"update_id\":1.5," TG_MSG("") "}",                 /* a real */
        "{\"update_id\":-1," TG_MSG("") "}",                  /* negative */
        "{\"update_id\":2147483648," TG_MSG("") "}",          /* beyond 32 bits */
        "{\"update_id\":9223372036854775807," TG_MSG("") "}", /* INT64_MAX: +1 overflowed */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct msg m;
        CHECK_INT(tg_parse(db, bad[i], 0, &m), -1);
        CHECK(m.chat_id == NULL && m.text == NULL && m.update_key == NULL);
        json_t *u = json_loads(bad[i], 0, NULL);
        int64_t id = -7;
        CHECK_INT(tg_update_id(u, &id), -1);
        CHECK_INT(id, -7);
        json_decref(u);
    }
    struct msg m;
    CHECK_INT(tg_parse(db, "{\"update_id\":2147483647," TG_MSG("") "}", 0, &m), 0);
    CHECK_STR(m.update_key, "2147483647");
    msg_clear(&m);
    db_close(db);
}

static void test_tg_dates_near_2_63_fall_back_to_arrival_time(void)
{
    struct db *db = testlib_db("tg-dates.db", -1);
    clock_set_fake(NOW_MS);
    static const char *const updates[] = {
        "{\"update_id\":5,\"message\":{\"date\":9223372036854775807,\"text\":\"a\","
        "\"chat\":{\"id\":1,\"type\":\"private\"}}}",
        "{\"update_id\":6,\"edited_message\":{\"date\":-9223372036854775808,\"text\":\"b\","
        "\"chat\":{\"id\":1,\"type\":\"private\"}}}",
        "{\"update_id\":7,\"my_chat_member\":{\"date\":9223372036854775807,"
        "\"chat\":{\"id\":-5,\"type\":\"group\"},\"new_chat_member\":{\"status\":\"member\"}}}",
        "{\"update_id\":8,\"message\":{\"date\":253402300800,\"text\":\"c\","
        "\"chat\":{\"id\":1,\"type\":\"private\"}}}",
        "{\"update_id\":9,\"message\":{\"date\":\"1767225600\",\"text\":\"d\","
        "\"chat\":{\"id\":1,\"type\":\"private\"}}}",
    };
    for (size_t i = 0; i < sizeof updates / sizeof updates[0]; i++) {
        struct msg m;
        CHECK_INT(tg_parse(db, updates[i], 0, &m), 0);
        CHECK_INT(m.date_ms, NOW_MS);
        msg_clear(&m);
    }
    struct msg m;
    CHECK_INT(tg_parse(db, "{\"update_id\":10," TG_MSG("") "}", 0, &m), 0);
    CHECK_INT(m.date_ms, 1767225600000LL);
    msg_clear(&m);
    clock_set_fake(0);
    db_close(db);
}

static void test_tg_ids_beyond_52_bits_and_long_strings_are_malformed(void)
{
    struct db *db = testlib_db("tg-chats.db", -1);
    struct msg m;
    /* A chat id beyond 2^53 - 1: the update is malformed (and nothing leaks). */
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":1,\"message\":{\"text\":\"x\",\"from\":{\"id\":7},"
                       "\"chat\":{\"id\":4611686018427387904,\"type\":\"private\"}}}",
                       0, &m),
              -1);
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":1,\"message\":{\"text\":\"x\",\"chat\":{\"id\":"
                       "-9007199254740991,\"type\":\"supergroup\"}}}",
                       0, &m),
              0);
    CHECK_STR(m.chat_id, "-9007199254740991");
    CHECK(m.is_group);
    msg_clear(&m);
    /* A callback id longer than any real one is not cut to fit: malformed. */
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":2,\"callback_query\":{\"id\":"
                       "\"1234567890123456789012345678901234567890\",\"data\":\"x\","
                       "\"from\":{\"id\":7},\"message\":{\"chat\":{\"id\":7,\"type\":"
                       "\"private\"}}}}",
                       0, &m),
              -1);
    /* A migration to an impossible id is ignored, the message kept. */
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":3," TG_MSG(",\"migrate_to_chat_id\":"
                                                  "9223372036854775807") "}",
                       0, &m),
              0);
    CHECK(m.migrate_to_chat_id == NULL);
    msg_clear(&m);
    db_close(db);
}

static void test_tg_locations_and_file_sizes_out_of_range(void)
{
    struct db *db = testlib_db("tg-media.db", -1);
    struct msg m;
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":1," TG_MSG(",\"location\":{\"latitude\":1e300,"
                                                  "\"longitude\":10}") "}",
                       0, &m),
              0);
    CHECK(!m.has_location);
    msg_clear(&m);
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":2," TG_MSG(",\"location\":{\"latitude\":\"10\","
                                                  "\"longitude\":10}") "}",
                       0, &m),
              0);
    CHECK(!m.has_location);
    msg_clear(&m);
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":3," TG_MSG(",\"location\":{\"latitude\":-90,"
                                                  "\"longitude\":180}") "}",
                       0, &m),
              0);
    CHECK(m.has_location && m.latitude == -90.0 && m.longitude == 180.0);
    msg_clear(&m);
    CHECK_INT(tg_parse(db,
                       "{\"update_id\":4," TG_MSG(",\"photo\":[{\"file_id\":\"a\",\"file_size\":"
                                                  "9223372036854775807},{\"file_id\":\"b\","
                                                  "\"file_size\":-9223372036854775808},"
                                                  "{\"file_id\":\"c\",\"file_size\":900}]") "}",
                       0, &m),
              0);
    CHECK_INT(m.n_attachments, 1);
    if (m.n_attachments == 1)
        CHECK_STR(m.attachments[0].ref, "c");
    msg_clear(&m);
    db_close(db);
}

static void test_tg_keys_are_scoped_by_epoch(void)
{
    char key[TG_KEY_MAX];
    tg_key(0, 500000001, key);
    CHECK_STR(key, "500000001");
    tg_key(3, 500000001, key);
    CHECK_STR(key, "e3:500000001");
    struct db *db = testlib_db("tg-keys.db", -1);
    struct msg m;
    CHECK_INT(tg_parse(db, "{\"update_id\":77," TG_MSG("") "}", 2, &m), 0);
    CHECK_STR(m.update_key, "e2:77");
    msg_clear(&m);
    db_close(db);
}

static void test_tg_epoch_starts_when_polled_ids_go_below_the_offset(void)
{
    struct tg_ids s = {.epoch = 0, .last_at = NOW_MS - 1000, .expect = 506};
    CHECK(!tg_ids_step(&s, 506, NOW_MS)); /* the offset we asked for */
    CHECK(!tg_ids_step(&s, 507, NOW_MS));
    CHECK(!tg_ids_step(&s, 900, NOW_MS)); /* ids may skip upwards */
    CHECK_INT(s.expect, 901);
    CHECK_INT(s.epoch, 0);
    CHECK(tg_ids_step(&s, 502, NOW_MS)); /* below: the ids restarted */
    CHECK_INT(s.epoch, 1);
    CHECK_INT(s.expect, 503);
    CHECK(!tg_ids_step(&s, 503, NOW_MS));
    CHECK_INT(s.epoch, 1);
    /* The largest id: expect becomes 2^31, no overflow. */
    CHECK(!tg_ids_step(&s, TG_UPDATE_ID_MAX, NOW_MS));
    CHECK_INT(s.expect, (int64_t)TG_UPDATE_ID_MAX + 1);
}

static void test_tg_epoch_in_webhook_mode_only_after_a_quiet_period(void)
{
    struct tg_ids s = {.epoch = 4, .last_at = 0, .expect = 0};
    CHECK(!tg_ids_step(&s, 700, NOW_MS));     /* unknown history: never a new epoch */
    CHECK(!tg_ids_step(&s, 699, NOW_MS + 5)); /* out of order, or a retry: same epoch */
    CHECK(!tg_ids_step(&s, 700, NOW_MS + 24LL * 3600 * 1000)); /* a retry a day later */
    CHECK_INT(s.epoch, 4);
    CHECK_INT(s.expect, 0);
    CHECK(tg_ids_step(&s, 12, NOW_MS + 24LL * 3600 * 1000 + TG_QUIET_EPOCH_MS));
    CHECK_INT(s.epoch, 5);
    CHECK(!tg_ids_step(&s, 12, NOW_MS + 24LL * 3600 * 1000 + TG_QUIET_EPOCH_MS + 10));
    CHECK_INT(s.epoch, 5);
}

/* ---- Zalo ------------------------------------------------------------------------------- */

static int zl_parse(const char *json, const char *bot_id, struct msg *m)
{
    json_t *u = json_loads(json, 0, NULL);
    CHECK(u != NULL);
    int rc = zl_update_to_msg(u, bot_id, m);
    json_decref(u);
    return rc;
}

#define ZL_UPD(event, fields)                                                                      \
    "{\"event_name\":\"" event "\",\"message\":{\"message_id\":\"85c8e9ee1320f779ae36\","          \
    "\"date\":1776919226470,\"chat\":{\"chat_type\":\"PRIVATE\",\"id\":\"a0c01dfe32b3dbed82a2\"}," \
    "\"from\":{\"id\":\"a0c01dfe32b3dbed82a2\",\"is_bot\":false,\"display_name\":"                 \
    "\"Dzung\"}" fields "}}"

static void test_zl_real_photo_voice_and_sticker_shapes(void)
{
    struct msg m;
    CHECK_INT(zl_parse(ZL_UPD("message.image.received",
                              ",\"message_type\":\"CHAT_PHOTO\",\"caption\":\"\","
                              "\"photo_url\":\"https://photo-stal-29.zdn.vn/a.jpg\""),
                       "", &m),
              0);
    CHECK_INT(m.n_attachments, 1);
    CHECK_STR(m.attachments[0].kind, "photo");
    CHECK_STR(m.attachments[0].ref, "https://photo-stal-29.zdn.vn/a.jpg");
    CHECK(m.text == NULL); /* an empty caption is no text */
    CHECK_INT(m.date_ms, 1776919226470LL);
    CHECK_STR(m.update_key, "message.image.received:85c8e9ee1320f779ae36");
    msg_clear(&m);
    CHECK_INT(zl_parse(ZL_UPD("message.image.received",
                              ",\"photo_url\":17,\"photo\":\"https://x.zdn.vn/b.jpg\","
                              "\"caption\":\"ảnh\""),
                       "", &m),
              0);
    CHECK_STR(m.attachments[0].ref, "https://x.zdn.vn/b.jpg");
    CHECK_STR(m.text, "ảnh");
    msg_clear(&m);
    CHECK_INT(zl_parse(ZL_UPD("message.voice.received",
                              ",\"message_type\":\"CHAT_VOICE\","
                              "\"voice_url\":\"https://f2-voice-aac-dl.zdn.vn/v.aac\""),
                       "", &m),
              0);
    CHECK_STR(m.attachments[0].kind, "voice");
    CHECK_STR(m.attachments[0].ref, "https://f2-voice-aac-dl.zdn.vn/v.aac");
    msg_clear(&m);
    CHECK_INT(zl_parse(ZL_UPD("message.sticker.received",
                              ",\"message_type\":\"CHAT_STICKER\",\"sticker\":\"bd2b8a\","
                              "\"url\":\"https://zalo-api.zadn.vn/sticker?eid=1\""),
                       "", &m),
              0);
    CHECK_INT(m.n_attachments, 1);
    CHECK_STR(m.attachments[0].kind, "sticker"); /* never a photo */
    CHECK_STR(m.attachments[0].ref, "bd2b8a");
    msg_clear(&m);
}

static void test_zl_bots_own_messages_are_dropped(void)
{
    struct msg m;
    static const char echo[] =
        "{\"event_name\":\"message.text.received\",\"message\":{\"message_id\":\"m1\","
        "\"text\":\"hi\",\"from\":{\"id\":\"6ede9afa66b88fe6d6a9\",\"is_bot\":true},"
        "\"chat\":{\"id\":\"a0c01dfe32b3dbed82a2\",\"chat_type\":\"PRIVATE\"}}}";
    CHECK_INT(zl_parse(echo, "1234567890", &m), 1); /* getMe's id differs: is_bot decides */
    CHECK(m.sender_id == NULL);
    static const char by_id[] =
        "{\"event_name\":\"message.text.received\",\"message\":{\"message_id\":\"m2\","
        "\"text\":\"hi\",\"from\":{\"id\":1234567890,\"is_bot\":false},"
        "\"chat\":{\"id\":\"a0c01dfe32b3dbed82a2\",\"chat_type\":\"PRIVATE\"}}}";
    CHECK_INT(zl_parse(by_id, "1234567890", &m), 1);
    CHECK_INT(zl_parse(by_id, "", &m), 0);
    msg_clear(&m);
}

static void test_zl_numbers_and_ids_out_of_range(void)
{
    struct msg m;
    clock_set_fake(NOW_MS);
    static const char *const dates[] = {"9223372036854775807", "-9223372036854775808", "0",
                                        "\"1776919226470\"",   "253402300800000",      "1e300"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"event_name\":\"message.text.received\",\"message\":{\"message_id\":\"m\","
                 "\"date\":%s,\"text\":\"x\",\"from\":{\"id\":\"u\"},\"chat\":{\"id\":\"c\"}}}",
                 dates[i]);
        CHECK_INT(zl_parse(json, "", &m), 0);
        CHECK_INT(m.date_ms, NOW_MS);
        msg_clear(&m);
    }
    clock_set_fake(0);
    /* A numeric chat id beyond 2^53, and an absurdly long one: malformed. */
    CHECK_INT(zl_parse("{\"event_name\":\"message.text.received\",\"message\":{\"text\":\"x\","
                       "\"chat\":{\"id\":4611686018427387904}}}",
                       "", &m),
              -1);
    char *long_id = malloc(ZL_ID_MAX + 200);
    memset(long_id, 'a', ZL_ID_MAX + 1);
    long_id[ZL_ID_MAX + 1] = '\0';
    char *json = NULL;
    CHECK(asprintf(&json,
                   "{\"event_name\":\"message.text.received\",\"message\":{\"text\":\"x\","
                   "\"from\":{\"id\":\"%s\"},\"chat\":{\"id\":\"%s\"}}}",
                   long_id, long_id) > 0);
    CHECK_INT(zl_parse(json, "", &m), -1);
    free(json);
    free(long_id);
    /* A message_id beyond 2^53 is not printed: the key is a digest of the update. */
    CHECK_INT(zl_parse("{\"event_name\":\"message.text.received\",\"message\":{\"message_id\":"
                       "9223372036854775807,\"text\":\"x\",\"chat\":{\"id\":12345}}}",
                       "", &m),
              0);
    CHECK_STR(m.chat_id, "12345");
    CHECK(m.update_key && strlen(m.update_key) == strlen("message.text.received:") + 64);
    msg_clear(&m);
    CHECK_INT(zl_parse("{\"event_name\":\"user.unknown\",\"message\":{}}", "", &m), 1);
    CHECK_INT(zl_parse("{\"event_name\":\"message.text.received\",\"message\":[]}", "", &m), -1);
}

/* ---- answers ---------------------------------------------------------------------------- */

static void classify(const char *body, long http, struct botapi_reply *r)
{
    struct botapi_buf b = {.data = (char *)body, .len = strlen(body)};
    memset(r, 0, sizeof *r);
    r->want_result = 1;
    botapi_classify(CURLE_OK, http, &b, r);
}

static void test_botapi_error_numbers_are_range_checked(void)
{
    struct botapi_reply r;
    classify("{\"ok\":false,\"error_code\":9223372036854775807,\"description\":\"x\","
             "\"parameters\":{\"retry_after\":9223372036854775807,"
             "\"migrate_to_chat_id\":9223372036854775807}}",
             400, &r);
    CHECK_INT(r.status, BOTAPI_REFUSED);
    CHECK_INT(r.error_code, 400); /* no such code: the HTTP status */
    CHECK_INT(r.retry_after, BOTAPI_RETRY_AFTER_MAX_S);
    CHECK_STR(r.migrate_to, "");
    botapi_reply_clear(&r);
    classify("{\"ok\":false,\"error_code\":429,\"parameters\":{\"retry_after\":-5,"
             "\"migrate_to_chat_id\":\"-1001234567890123456789012345678901234567890\"}}",
             429, &r);
    CHECK_INT(r.error_code, 429);
    CHECK_INT(r.retry_after, 0);
    CHECK_STR(r.migrate_to, "");
    botapi_reply_clear(&r);
    classify("{\"ok\":false,\"error_code\":400,\"parameters\":{\"migrate_to_chat_id\":"
             "-1001234567890}}",
             400, &r);
    CHECK_STR(r.migrate_to, "-1001234567890");
    botapi_reply_clear(&r);
}

/* ---- numbered choices ------------------------------------------------------------------- */

static const char buttons[] =
    "[[{\"text\":\"Gửi\",\"data\":\"send\"},{\"text\":\"Hủy\",\"data\":\"no\"}]]";

static void test_numbered_choices_follow_the_text(void)
{
    char *t = textsplit_numbered("Gửi cảnh báo?", buttons);
    CHECK_STR(t, "Gửi cảnh báo?\n\n1. Gửi\n2. Hủy");
    free(t);
    t = textsplit_numbered("Chỉ chữ", NULL);
    CHECK_STR(t, "Chỉ chữ");
    free(t);
    t = textsplit_numbered("Hỏng", "not json");
    CHECK_STR(t, "Hỏng");
    free(t);
}

/* The rows hctx_send enqueued for platform, in order: text units and whether buttons rode. */
static int rows_of(struct db *db, const char *platform, size_t units[], int has_buttons[],
                   char **last, int max)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db_handle(db),
                       "SELECT text, buttons IS NOT NULL FROM outbox WHERE platform = ? "
                       "ORDER BY id",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, platform, -1, SQLITE_STATIC);
    int n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        units[n] = textsplit_units(text, strlen(text));
        has_buttons[n] = sqlite3_column_int(st, 1);
        free(*last);
        *last = strdup(text);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

static void test_choices_are_counted_in_before_a_text_is_split(void)
{
    struct db *db = testlib_db("split.db", -1);
    if (!db)
        return;
    char text[2100];
    memset(text, 'a', 1995);
    text[1995] = '\0';
    for (int i = 100; i < 1995; i += 100)
        text[i] = ' ';
    struct hctx ctx = {.db = db, .now_ms = NOW_MS};
    CHECK_INT(hctx_send(&ctx, "zalo", "c1", text, buttons, OUTBOX_REPLY), 0);
    CHECK_INT(hctx_send(&ctx, "telegram", "1", text, buttons, OUTBOX_REPLY), 0);
    size_t units[8];
    int has[8];
    char *last = NULL;
    int n = rows_of(db, "zalo", units, has, &last, 8);
    CHECK(n >= 2);
    for (int i = 0; i < n; i++) {
        CHECK(units[i] <= 2000);
        CHECK(!has[i]); /* no buttons left for the sender to append */
    }
    CHECK(last && strstr(last, "1. Gửi\n2. Hủy") != NULL);
    n = rows_of(db, "telegram", units, has, &last, 8);
    CHECK_INT(n, 1);
    CHECK(has[0]);
    free(last);
    db_close(db);
}

TESTLIB_MAIN(T(test_tg_unusable_update_ids_are_refused_without_leaking),
             T(test_tg_dates_near_2_63_fall_back_to_arrival_time),
             T(test_tg_ids_beyond_52_bits_and_long_strings_are_malformed),
             T(test_tg_locations_and_file_sizes_out_of_range), T(test_tg_keys_are_scoped_by_epoch),
             T(test_tg_epoch_starts_when_polled_ids_go_below_the_offset),
             T(test_tg_epoch_in_webhook_mode_only_after_a_quiet_period),
             T(test_zl_real_photo_voice_and_sticker_shapes),
             T(test_zl_bots_own_messages_are_dropped), T(test_zl_numbers_and_ids_out_of_range),
             T(test_botapi_error_numbers_are_range_checked),
             T(test_numbered_choices_follow_the_text),
             T(test_choices_are_counted_in_before_a_text_is_split))
