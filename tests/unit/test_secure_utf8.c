/*
 * test_secure_utf8.c — base/secure.h: SHA-256 against the FIPS 180-4 vectors and every padding
 * boundary, constant-time string equality, random hex tokens; base/utf8.h: Vietnamese text
 * (precomposed and decomposed) is valid, every malformed form is refused, code points are
 * counted, and utf8_floor never cuts a sequence in half.
 */
#include "base/secure.h"
#include "base/utf8.h"

#include "testlib.h"

#include <ctype.h>
#include <stdlib.h>

static const char *sha_hex(const void *data, size_t len)
{
    static char hex[2 * SECURE_SHA256_LEN + 1];
    uint8_t digest[SECURE_SHA256_LEN];
    secure_sha256(data, len, digest);
    secure_hex(digest, sizeof digest, hex);
    return hex;
}

static void test_sha256_standard_vectors(void)
{
    CHECK_STR(sha_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(sha_hex("abc", 3),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_STR(sha_hex(two_blocks, strlen(two_blocks)),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *long_vec = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                           "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR(sha_hex(long_vec, strlen(long_vec)),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    char hex[2 * SECURE_SHA256_LEN + 1];
    secure_sha256_hex("abc", hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sha256_million_a(void)
{
    size_t n = 1000000;
    char *a = malloc(n);
    CHECK(a != NULL);
    if (!a)
        return;
    memset(a, 'a', n);
    CHECK_STR(sha_hex(a, n), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_sha256_padding_boundaries(void)
{
    /* Lengths around the 55/56-byte point where the length no longer fits the last block. */
    static const struct {
        size_t len;
        const char *hex;
    } vec[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
        {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
    };
    char a[128];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        if (strcmp(sha_hex(a, vec[i].len), vec[i].hex) != 0)
            fprintf(stderr, "  length %zu\n", vec[i].len);
        CHECK_STR(sha_hex(a, vec[i].len), vec[i].hex);
    }
}

/* HMAC-SHA256 of data under key, as hex (static buffer: one call per CHECK). */
static const char *hmac_hex(const void *key, size_t klen, const void *data, size_t len)
{
    static char hex[2 * SECURE_SHA256_LEN + 1];
    uint8_t mac[SECURE_SHA256_LEN];
    if (secure_hmac_sha256(key, klen, data, len, mac) != 0)
        return "error";
    secure_hex(mac, sizeof mac, hex);
    return hex;
}

/* RFC 4231 section 4: test cases 1-4, 6 and 7 (case 5 is a truncated MAC). A Facebook webhook
 * signature is exactly this function of the raw body under the app secret. */
static void test_hmac_sha256_rfc4231_vectors(void)
{
    uint8_t key[131];
    memset(key, 0x0b, 20);
    CHECK_STR(hmac_hex(key, 20, "Hi There", 8),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK_STR(hmac_hex("Jefe", 4, "what do ya want for nothing?", 28),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    uint8_t data[50];
    memset(key, 0xaa, 20);
    memset(data, 0xdd, sizeof data);
    CHECK_STR(hmac_hex(key, 20, data, 50),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    for (int i = 0; i < 25; i++)
        key[i] = (uint8_t)(i + 1);
    memset(data, 0xcd, sizeof data);
    CHECK_STR(hmac_hex(key, 25, data, 50),
              "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    memset(key, 0xaa, 131);
    CHECK_STR(hmac_hex(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    static const char big[] = "This is a test using a larger than block-size key and a larger "
                              "than block-size data. The key needs to be hashed before being "
                              "used by the HMAC algorithm.";
    CHECK_STR(hmac_hex(key, 131, big, sizeof big - 1),
              "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    /* An empty key and empty data are valid inputs, not errors. */
    CHECK_STR(hmac_hex("", 0, "", 0),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void test_secure_equal_compares_whole_strings(void)
{
    CHECK_INT(secure_equal("s3cret-token", "s3cret-token"), 1);
    CHECK_INT(secure_equal("", ""), 1);
    CHECK_INT(secure_equal("s3cret-token", "s3cret-tokeN"), 0);
    CHECK_INT(secure_equal("X3cret-token", "s3cret-token"), 0);
    CHECK_INT(secure_equal("s3cret", "s3cret-token"), 0);
    CHECK_INT(secure_equal("s3cret-token", "s3cret"), 0);
    CHECK_INT(secure_equal("", "a"), 0);
    CHECK_INT(secure_equal("a", ""), 0);
}

static void test_secure_token_hex_is_random_lowercase_hex(void)
{
    char t1[65], t2[65];
    memset(t1, 'x', sizeof t1);
    CHECK_INT(secure_token_hex(32, t1), 0);
    CHECK_INT(secure_token_hex(32, t2), 0);
    CHECK_INT(strlen(t1), 64);
    CHECK_INT(strlen(t2), 64);
    for (size_t i = 0; i < 64; i++)
        CHECK(isdigit((unsigned char)t1[i]) || (t1[i] >= 'a' && t1[i] <= 'f'));
    CHECK(strcmp(t1, t2) != 0);

    char small[9];
    CHECK_INT(secure_token_hex(4, small), 0);
    CHECK_INT(strlen(small), 8);
    char big[2 * 65 + 1];
    CHECK_INT(secure_token_hex(65, big), -1); /* more than the function can make */
}

static int valid(const char *s)
{
    return utf8_valid(s, strlen(s));
}

static void test_utf8_vietnamese_text_is_valid(void)
{
    CHECK(valid("Tố giác tội phạm"));
    CHECK(valid("To\xcc\x82\xcc\x81")); /* "Tố" decomposed: o + U+0302 + U+0301 */
    CHECK(valid("Phường Bến Nghé, Quận 1 — 113 🚨"));
    CHECK(valid(""));
    CHECK(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
    CHECK(valid("\xef\xbf\xbd"));     /* U+FFFD */
}

static void test_utf8_malformed_sequences_are_refused(void)
{
    CHECK(!valid("\x80"));             /* lone continuation */
    CHECK(!valid("abc\x80xyz"));       /* continuation in the middle */
    CHECK(!valid("\xc0\x80"));         /* overlong NUL */
    CHECK(!valid("\xc1\xbf"));         /* overlong '?' */
    CHECK(!valid("\xe0\x80\xaf"));     /* overlong 3-byte */
    CHECK(!valid("\xf0\x82\x82\xac")); /* overlong 4-byte */
    CHECK(!valid("\xed\xa0\x80"));     /* U+D800 surrogate */
    CHECK(!valid("\xed\xbf\xbf"));     /* U+DFFF surrogate */
    CHECK(!valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
    CHECK(!valid("\xf5\x80\x80\x80")); /* F5 never appears */
    CHECK(!valid("\xff"));             /* FF never appears */
    CHECK(!valid("\xe1\xbb"));         /* truncated "ờ" */
    CHECK(!valid("ph\xe1\xbb"));       /* truncated at the end of text */
    CHECK(!valid("\xe1\xbb\x61"));     /* sequence broken by ASCII 'a' */
    CHECK(!utf8_valid("ab\0cd", 5));   /* embedded NUL */
    CHECK(utf8_valid("ab\0cd", 2));    /* the length given is what counts */
}

static void test_utf8_decode_and_encode_round_trip(void)
{
    uint32_t cp = 0;
    CHECK_INT(utf8_decode("\xe1\xbb\x9d", 3, &cp), 3);
    CHECK_INT(cp, 0x1EDD);
    CHECK_INT(utf8_decode("\xc4\x91", 2, &cp), 2);
    CHECK_INT(cp, 0x0111);
    CHECK_INT(utf8_decode("\xf0\x9f\x9a\xa8", 4, &cp), 4);
    CHECK_INT(cp, 0x1F6A8);
    CHECK_INT(utf8_decode("\xe1\xbb\x9d", 2, &cp), 0); /* not enough bytes available */

    const uint32_t cps[] = {0x41,  0x7F,   0x80,   0x111,   0x7FF,
                            0x800, 0x1EDD, 0xFFFD, 0x10000, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char buf[4];
        size_t n = utf8_encode(cps[i], buf);
        uint32_t back = 0;
        CHECK_INT(utf8_decode(buf, n, &back), n);
        CHECK_INT(back, cps[i]);
    }
}

static void test_utf8_count_counts_code_points(void)
{
    const char *duong = "đường";
    CHECK_INT(strlen(duong), 9);
    CHECK_INT(utf8_count(duong, strlen(duong)), 5);
    CHECK_INT(utf8_count("To\xcc\x82\xcc\x81", 6), 4);
    CHECK_INT(utf8_count("Tố giác tội phạm", strlen("Tố giác tội phạm")), 16);
    CHECK_INT(utf8_count("", 0), 0);
}

static void test_utf8_floor_never_splits_a_sequence(void)
{
    const char *s = "đường"; /* đ:0-1 ư:2-3 ờ:4-6 n:7 g:8 */
    size_t len = strlen(s);
    CHECK_INT(utf8_floor(s, len, 0), 0);
    CHECK_INT(utf8_floor(s, len, 1), 0);
    CHECK_INT(utf8_floor(s, len, 2), 2);
    CHECK_INT(utf8_floor(s, len, 5), 4);
    CHECK_INT(utf8_floor(s, len, 6), 4);
    CHECK_INT(utf8_floor(s, len, 7), 7);
    CHECK_INT(utf8_floor(s, len, len), len);
    CHECK_INT(utf8_floor(s, len, 100), len);

    const char *mixed = "Tố giác 🚨 tội phạm To\xcc\x82\xcc\x81";
    size_t mlen = strlen(mixed);
    for (size_t max = 0; max <= mlen; max++) {
        size_t cut = utf8_floor(mixed, mlen, max);
        CHECK(cut <= max);
        CHECK(utf8_valid(mixed, cut));
        /* Largest such cut: nothing between cut and max starts a code point. */
        for (size_t i = cut + 1; i <= max && i < mlen; i++)
            CHECK(((unsigned char)mixed[i] & 0xC0) == 0x80);
    }
}

TESTLIB_MAIN(T(test_sha256_standard_vectors), T(test_hmac_sha256_rfc4231_vectors),
             T(test_sha256_million_a), T(test_sha256_padding_boundaries),
             T(test_secure_equal_compares_whole_strings),
             T(test_secure_token_hex_is_random_lowercase_hex),
             T(test_utf8_vietnamese_text_is_valid), T(test_utf8_malformed_sequences_are_refused),
             T(test_utf8_decode_and_encode_round_trip), T(test_utf8_count_counts_code_points),
             T(test_utf8_floor_never_splits_a_sequence))
