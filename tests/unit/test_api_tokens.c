/*
 * test_api_tokens.c — the API's bearer tokens (storage/api_tokens.h): the database keeps the
 * SHA-256 of a token, never the token; a token is found by itself only while not revoked; a
 * name is unique among the tokens in use and free again once revoked; scopes are checked
 * against the API's list and granted exactly.
 */
#include "base/secure.h"
#include "storage/api_tokens.h"
#include "testlib.h"

#include <string.h>

#define NOW (1000LL * 24 * 3600 * 1000)

static void test_api_tokens_hash_stored_not_the_token(void)
{
    struct db *db = testlib_db("tokens.db", -1);
    char token[API_TOKEN_MAX], other[API_TOKEN_MAX], hash[2 * SECURE_SHA256_LEN + 1];
    struct api_token t;
    CHECK_INT(api_tokens_create(db, "tinh", ",read:tips,read:reports,", NOW, token), DB_OK);
    CHECK_INT(strlen(token), API_TOKEN_MAX - 1);
    CHECK(strncmp(token, API_TOKEN_PREFIX, API_TOKEN_PREFIX_LEN) == 0);
    secure_sha256_hex(token, hash);
    /* the stored hash is the token's SHA-256, and the token is nowhere in the row */
    CHECK_INT(testlib_q1(db, "SELECT count(*) FROM api_tokens WHERE instr(token_hash, 'tg1_') = 0"
                             " AND instr(scopes, 'tg1_') = 0 AND instr(name, 'tg1_') = 0"),
              1);
    sqlite3_stmt *st = db_stmt(db, "SELECT token_hash FROM api_tokens");
    CHECK_INT(db_step_row(st), DB_OK);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), hash);
    CHECK_INT(db_rows_end(st, DB_OK), DB_OK);
    CHECK_INT(api_tokens_find(db, token, &t), DB_OK);
    CHECK_STR(t.name, "tinh");
    CHECK(api_tokens_grants(&t, "read:tips") && api_tokens_grants(&t, "read:reports"));
    CHECK(!api_tokens_grants(&t, "read:campaigns") && !api_tokens_grants(&t, "read"));
    /* the hash itself is not a token; nor is a token one character off */
    CHECK_INT(api_tokens_find(db, hash, &t), DB_NOT_FOUND);
    strcpy(other, token);
    other[10] = other[10] == 'a' ? 'b' : 'a';
    CHECK_INT(api_tokens_find(db, other, &t), DB_NOT_FOUND);
    CHECK_INT(api_tokens_find(db, "", &t), DB_NOT_FOUND);
    db_close(db);
}

static void test_api_tokens_revoke(void)
{
    struct db *db = testlib_db("revoke.db", -1);
    char a[API_TOKEN_MAX], b[API_TOKEN_MAX];
    struct api_token t, list[4];
    int n = 0;
    CHECK_INT(api_tokens_create(db, "thongke", ",read:reports,", NOW, a), DB_OK);
    CHECK_INT(api_tokens_create(db, "thongke", ",read:reports,", NOW, b), DB_DUPLICATE);
    CHECK_INT(api_tokens_revoke(db, "thongke", NOW + 1), DB_OK);
    CHECK_INT(api_tokens_find(db, a, &t), DB_NOT_FOUND);
    CHECK_INT(api_tokens_revoke(db, "thongke", NOW + 2), DB_NOT_FOUND);
    CHECK_INT(api_tokens_create(db, "thongke", ",read:tips,", NOW + 3, b), DB_OK);
    CHECK_INT(api_tokens_find(db, b, &t), DB_OK);
    CHECK_INT(api_tokens_find(db, a, &t), DB_NOT_FOUND); /* the old one stays revoked */
    CHECK_INT(api_tokens_list(db, list, 4, &n), DB_OK);
    CHECK_INT(n, 2);
    CHECK_INT(list[0].revoked_at, NOW + 1);
    CHECK_INT(list[1].revoked_at, 0);
    db_close(db);
}

static void test_api_tokens_scopes_parse(void)
{
    char in[API_TOKEN_SCOPES_MAX], out[API_TOKEN_SCOPES_MAX];
    const char *bad = NULL;
    strcpy(in, " read:reports, read:tips ,read:reports");
    CHECK_INT(api_tokens_scopes_parse(in, out, &bad), 0);
    CHECK_STR(out, ",read:reports,read:tips,");
    strcpy(in, "read:tips,write:tips");
    CHECK_INT(api_tokens_scopes_parse(in, out, &bad), -1);
    CHECK_STR(bad, "write:tips");
    strcpy(in, " , ");
    CHECK_INT(api_tokens_scopes_parse(in, out, &bad), -1);
}

TESTLIB_MAIN(T(test_api_tokens_hash_stored_not_the_token), T(test_api_tokens_revoke),
             T(test_api_tokens_scopes_parse))
