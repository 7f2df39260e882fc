/*
 * test_webpush_crypto.c — Web Push cryptography (bot/webpush_crypto.h): the RFC 8291 appendix A
 * example reproduced byte for byte, encrypt → decrypt round trips with fresh keys, a tampered
 * message refused, and a VAPID JWT that verifies against its key and not against another.
 */
#include "bot/webpush_crypto.h"

#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static long b64(const char *s, uint8_t *out, size_t cap)
{
    return wpc_b64url_decode(s, out, cap);
}

static void test_webpush_rfc8291_appendix_a(void)
{
    static const char plain[] = "When I grow up, I want to be a watermelon";
    static const char expect[] =
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInm"
        "YWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQe"
        "xSgSxsj_Qulcy4a-fN";
    uint8_t as_priv[32], ua_pub[65], ua_priv[32], auth[16], salt[16], as_pub[65];
    CHECK_INT(b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw", as_priv, sizeof as_priv), 32);
    CHECK_INT(b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6"
                  "SRpkNtoIAiw4",
                  ua_pub, sizeof ua_pub),
              65);
    CHECK_INT(b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94", ua_priv, sizeof ua_priv), 32);
    CHECK_INT(b64("BTBZMqHH6r4Tts7J_aSIgg", auth, sizeof auth), 16);
    CHECK_INT(b64("DGv6ra1nlYgDCS1FRnbzlw", salt, sizeof salt), 16);

    char text[200];
    CHECK_INT(wpc_public_of(as_priv, as_pub), 0);
    CHECK_INT(wpc_b64url_encode(as_pub, sizeof as_pub, text, sizeof text), 0);
    CHECK_STR(text, "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK"
                    "6PBru3jl7A8");

    uint8_t body[512];
    size_t len = 0;
    CHECK_INT(wpc_encrypt((const uint8_t *)plain, strlen(plain), ua_pub, auth, as_priv, salt, body,
                          sizeof body, &len),
              0);
    char got[700];
    CHECK_INT(wpc_b64url_encode(body, len, got, sizeof got), 0);
    CHECK_STR(got, expect);

    uint8_t back[512];
    size_t back_len = 0;
    CHECK_INT(wpc_decrypt(body, len, ua_priv, auth, back, sizeof back, &back_len), 0);
    CHECK_INT(back_len, strlen(plain));
    CHECK(memcmp(back, plain, strlen(plain)) == 0);
}

static void test_webpush_round_trip_with_fresh_keys(void)
{
    static const char plain[] = "{\"title\":\"Công an\",\"body\":\"Có phản hồi mới\"}";
    uint8_t ua_priv[32], ua_pub[65], auth[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    CHECK_INT(wpc_keypair_new(ua_priv, ua_pub), 0);
    CHECK_INT(wpc_check_public(ua_pub), 0);
    uint8_t a[512], b[512], back[512];
    size_t alen = 0, blen = 0, back_len = 0;
    CHECK_INT(wpc_encrypt((const uint8_t *)plain, strlen(plain), ua_pub, auth, NULL, NULL, a,
                          sizeof a, &alen),
              0);
    CHECK_INT(wpc_encrypt((const uint8_t *)plain, strlen(plain), ua_pub, auth, NULL, NULL, b,
                          sizeof b, &blen),
              0);
    CHECK(alen == blen && memcmp(a, b, alen) != 0); /* fresh key and salt every message */
    CHECK_INT(wpc_decrypt(a, alen, ua_priv, auth, back, sizeof back, &back_len), 0);
    CHECK_INT(back_len, strlen(plain));
    CHECK(memcmp(back, plain, back_len) == 0);

    a[alen - 3] ^= 1; /* tampered ciphertext */
    CHECK_INT(wpc_decrypt(a, alen, ua_priv, auth, back, sizeof back, &back_len), -1);
    auth[0] ^= 1; /* wrong auth secret */
    CHECK_INT(wpc_decrypt(b, blen, ua_priv, auth, back, sizeof back, &back_len), -1);
}

static void test_webpush_refuses_bad_points_and_oversize(void)
{
    uint8_t pub[65] = {4};
    memset(pub + 1, 0x11, 64);
    CHECK_INT(wpc_check_public(pub), -1);
    uint8_t priv[32], good[65], auth[16] = {0}, out[64];
    size_t len = 0;
    CHECK_INT(wpc_keypair_new(priv, good), 0);
    static uint8_t big[WPC_MAX_PLAIN + 1];
    uint8_t *buf = malloc(8192);
    CHECK_INT(wpc_encrypt(big, sizeof big, good, auth, NULL, NULL, buf, 8192, &len), -1);
    CHECK_INT(wpc_encrypt(big, 100, good, auth, NULL, NULL, out, sizeof out, &len), -1);
    free(buf);
}

static void test_webpush_vapid_jwt_verifies(void)
{
    uint8_t priv[32], pub[65], other_priv[32], other_pub[65];
    CHECK_INT(wpc_keypair_new(priv, pub), 0);
    CHECK_INT(wpc_keypair_new(other_priv, other_pub), 0);
    char jwt[WPC_JWT_MAX], claims[512];
    CHECK_INT(wpc_vapid_jwt(priv, "https://push.example.net", "mailto:ops@example.vn", 1767225600,
                            jwt, sizeof jwt),
              0);
    CHECK_INT(wpc_vapid_verify(jwt, pub, claims, sizeof claims), 0);
    CHECK_STR(claims, "{\"aud\":\"https://push.example.net\",\"exp\":1767225600,\"sub\":\"mailto:"
                      "ops@example.vn\"}");
    CHECK_INT(wpc_vapid_verify(jwt, other_pub, claims, sizeof claims), -1);
    jwt[strlen(jwt) / 2] ^= 1;
    CHECK_INT(wpc_vapid_verify(jwt, pub, claims, sizeof claims), -1);
}

TESTLIB_MAIN({"webpush_rfc8291_appendix_a", test_webpush_rfc8291_appendix_a},
             {"webpush_round_trip_with_fresh_keys", test_webpush_round_trip_with_fresh_keys},
             {"webpush_refuses_bad_points_and_oversize",
              test_webpush_refuses_bad_points_and_oversize},
             {"webpush_vapid_jwt_verifies", test_webpush_vapid_jwt_verifies})
