/*
 * test_uploads.c — web chat photos as files (storage/uploads.c) and the multipart request
 * that carries one to a Telegram desk (bot/botapi.c): image types told by their first bytes
 * and never by the announced type alone, a file stored once under its SHA-256 with owner-only
 * modes and read back by its ref, refs that could escape the directory refused, a location's
 * accuracy kept in the stored message, and a multipart body that holds the fields and the
 * file's bytes exactly (NULs included) between its boundaries.
 */
#include "base/msg.h"
#include "bot/botapi.h"
#include "storage/uploads.h"

#include "testlib.h"

#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
static const char webp[] = "RIFF\x10\x00\x00\x00WEBPVP8 ";
static const char heic[] = "\x00\x00\x00\x18"
                           "ftypheic\x00\x00\x00\x00";

static void test_uploads_types_are_told_by_their_first_bytes(void)
{
    CHECK_STR(uploads_sniff(jpeg, sizeof jpeg), "image/jpeg");
    CHECK_STR(uploads_sniff(png, sizeof png), "image/png");
    CHECK_STR(uploads_sniff(webp, sizeof webp - 1), "image/webp");
    CHECK_STR(uploads_sniff(heic, sizeof heic - 1), "image/heic");
    CHECK(uploads_sniff("#!/bin/sh\necho hi\n", 18) == NULL);
    CHECK(uploads_sniff(jpeg, 2) == NULL);
    CHECK(uploads_type_matches("image/jpeg", jpeg, sizeof jpeg));
    CHECK(uploads_type_matches("IMAGE/JPEG; charset=binary", jpeg, sizeof jpeg));
    CHECK(uploads_type_matches("image/heif", heic, sizeof heic - 1));
    CHECK(!uploads_type_matches("image/png", jpeg, sizeof jpeg));      /* bytes disagree */
    CHECK(!uploads_type_matches("image/jpeg", "plain text here", 15)); /* not an image */
    CHECK(!uploads_type_matches("image/gif", "GIF89a......", 12));     /* not accepted */
    CHECK(uploads_type_accepted("image/webp"));
    CHECK(!uploads_type_accepted("text/plain"));
    CHECK(!uploads_type_accepted("image/jpegx"));
}

static void test_uploads_a_file_is_stored_once_owner_only_and_read_back(void)
{
    char dir[UPLOADS_PATH_MAX], hex[UPLOADS_HEX_LEN + 1], ref[UPLOADS_HEX_LEN + 16];
    char db_path[UPLOADS_PATH_MAX];
    snprintf(db_path, sizeof db_path, "%s/tipgate.db", testlib_tmpdir());
    CHECK_INT(uploads_dir(db_path, dir, sizeof dir), 0);
    bool existed = true;
    CHECK_INT(uploads_save(dir, jpeg, sizeof jpeg, hex, &existed), 0);
    CHECK(!existed);
    CHECK_INT(strlen(hex), 64);
    char path[UPLOADS_PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%.2s/%s", dir, hex, hex);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(stat(dir, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    CHECK_INT(uploads_save(dir, jpeg, sizeof jpeg, hex, &existed), 0);
    CHECK(existed);

    snprintf(ref, sizeof ref, "upload:%s", hex);
    CHECK(uploads_is_ref(ref));
    char *data = NULL;
    size_t len = 0;
    CHECK_INT(uploads_read(dir, ref, &data, &len), 0);
    CHECK_INT(len, sizeof jpeg);
    CHECK(data && memcmp(data, jpeg, len) == 0);
    free(data);

    /* refs that are not exactly 64 lowercase hex digits never reach the file system */
    CHECK(!uploads_is_ref("upload:../../etc/passwd"));
    CHECK(!uploads_is_ref("AgACAgUAAxkBAAIB"));
    ref[10] = 'G';
    CHECK(!uploads_is_ref(ref));
    CHECK_INT(uploads_read(dir, "upload:../x", &data, &len), -1);
    CHECK(data == NULL);
}

static void test_uploads_a_location_keeps_its_accuracy_in_the_stored_message(void)
{
    struct msg m = {0}, b;
    m.platform = "webchat";
    m.chat_id = "w0011223344556677";
    m.has_location = true;
    m.latitude = 21.0285;
    m.longitude = 105.8542;
    m.location_accuracy_m = 25;
    char *json = msg_to_json(&m);
    CHECK_INT(msg_from_json(json, &b), 0);
    CHECK(b.has_location && b.location_accuracy_m == 25.0);
    msg_clear(&b);
    free(json);
}

static void test_uploads_multipart_request_holds_fields_and_file_bytes(void)
{
    struct platform_request r = {0};
    const char *why = NULL;
    static const char file[] = {'\xff', '\xd8', '\xff', '\0', 'x', '\0'};
    json_t *p = json_pack("{s:I, s:s}", "chat_id", (json_int_t)-1005, "caption", "Ảnh kèm tin");
    CHECK_INT(botapi_request_multipart(&r, "http://127.0.0.1:1", "123:ABC", "sendPhoto", p, "photo",
                                       "photo.jpg", "image/jpeg", file, sizeof file, &why),
              0);
    CHECK_STR(r.url, "http://127.0.0.1:1/bot123:ABC/sendPhoto");
    const char *b = strstr(r.content_type, "boundary=");
    CHECK(strncmp(r.content_type, "Content-Type: multipart/form-data; boundary=", 44) == 0);
    CHECK(b != NULL && r.body != NULL && r.body_len > sizeof file);
    if (b && r.body) {
        char close[80];
        snprintf(close, sizeof close, "\r\n--%s--\r\n", b + 9);
        size_t cl = strlen(close);
        CHECK(r.body_len > cl && memcmp(r.body + r.body_len - cl, close, cl) == 0);
        CHECK(strstr(r.body, "name=\"chat_id\"\r\n\r\n-1005\r\n") != NULL);
        CHECK(strstr(r.body, "name=\"caption\"\r\n\r\nẢnh kèm tin\r\n") != NULL);
        const char *head =
            "name=\"photo\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n";
        char *at = strstr(r.body, head);
        CHECK(at != NULL);
        if (at)
            CHECK(memcmp(at + strlen(head), file, sizeof file) == 0);
    }
    free(r.body);
}

TESTLIB_MAIN(T(test_uploads_types_are_told_by_their_first_bytes),
             T(test_uploads_a_file_is_stored_once_owner_only_and_read_back),
             T(test_uploads_a_location_keeps_its_accuracy_in_the_stored_message),
             T(test_uploads_multipart_request_holds_fields_and_file_bytes))
