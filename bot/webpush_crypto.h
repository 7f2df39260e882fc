/*
 * webpush_crypto.h — the cryptography of Web Push, pure functions over byte arrays: P-256 key
 * pairs, message encryption per RFC 8291 ("aes128gcm" content coding of RFC 8188, one record),
 * its inverse (for the tests' fake push service), and the VAPID token of RFC 8292 (an ES256
 * JWT) with its check. Every primitive (ECDH, HKDF-SHA-256, AES-128-GCM, ECDSA) is OpenSSL's
 * libcrypto; nothing here is hand-written but the framing and base64url. Used by bot/webpush.c
 * (the sender) and tests/tools/pushdecrypt.c.
 */
#ifndef TIPGATE_WEBPUSH_CRYPTO_H
#define TIPGATE_WEBPUSH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum {
    WPC_PUB_LEN = 65,  /* uncompressed P-256 point: 0x04 || X || Y */
    WPC_PRIV_LEN = 32, /* P-256 private scalar, big-endian */
    WPC_AUTH_LEN = 16, /* the subscription's auth secret */
    WPC_SALT_LEN = 16,
    WPC_TAG_LEN = 16,
    WPC_HEADER_LEN = WPC_SALT_LEN + 4 + 1 + WPC_PUB_LEN, /* 86 */
    WPC_RECORD_SIZE = 4096,                              /* rs of the one record */
    /* the largest plaintext one record carries: rs - tag - delimiter */
    WPC_MAX_PLAIN = WPC_RECORD_SIZE - WPC_TAG_LEN - 1,
    WPC_JWT_MAX = 1024,
};

/* base64url without padding. Encode writes a NUL-terminated string; returns 0, or -1 when cap
 * is too small. Decode accepts padded or unpadded input and returns the length written, or -1
 * (bad character, too long for cap). */
int wpc_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap);
long wpc_b64url_decode(const char *in, uint8_t *out, size_t cap);

/* A fresh P-256 key pair. Returns 0 or -1. */
int wpc_keypair_new(uint8_t priv[WPC_PRIV_LEN], uint8_t pub[WPC_PUB_LEN]);
/* The public point of a private scalar; -1 when priv is no valid key. */
int wpc_public_of(const uint8_t priv[WPC_PRIV_LEN], uint8_t pub[WPC_PUB_LEN]);
/* 0 when pub is a point on P-256 (uncompressed form), else -1. */
int wpc_check_public(const uint8_t pub[WPC_PUB_LEN]);

/* Encrypts plain (at most WPC_MAX_PLAIN bytes) for the subscriber (ua_pub, auth) into out:
 * header (salt, rs, the sender's public key) and one record. as_priv and salt are normally NULL
 * (a fresh ephemeral key and a random salt per message); the test vector passes them. *out_len
 * gets WPC_HEADER_LEN + n + 1 + WPC_TAG_LEN. Returns 0 or -1. */
int wpc_encrypt(const uint8_t *plain, size_t n, const uint8_t ua_pub[WPC_PUB_LEN],
                const uint8_t auth[WPC_AUTH_LEN], const uint8_t *as_priv, const uint8_t *salt,
                uint8_t *out, size_t cap, size_t *out_len);
/* The user agent's side: decrypts body with its private key and auth secret, strips the
 * padding; plaintext into out (cap bytes), its length in *out_len. Returns 0, or -1 on any
 * malformed header, failed tag or bad padding. */
int wpc_decrypt(const uint8_t *body, size_t n, const uint8_t ua_priv[WPC_PRIV_LEN],
                const uint8_t auth[WPC_AUTH_LEN], uint8_t *out, size_t cap, size_t *out_len);

/* The VAPID JWT (ES256) for aud (the push service's origin, "https://host[:port]"), sub (a
 * mailto: or https: contact) and exp (seconds since the epoch), NUL-terminated into out.
 * Returns 0 or -1. */
int wpc_vapid_jwt(const uint8_t priv[WPC_PRIV_LEN], const char *aud, const char *sub, int64_t exp_s,
                  char *out, size_t cap);
/* Checks the JWT's ES256 signature against pub; its claims JSON (NUL-terminated) into claims.
 * Returns 0 when the signature holds, -1 otherwise. */
int wpc_vapid_verify(const char *jwt, const uint8_t pub[WPC_PUB_LEN], char *claims, size_t cap);

#endif
