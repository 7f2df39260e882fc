/*
 * secure.h — the few cryptographic primitives tipgate needs: random bytes from the kernel
 * (getrandom), SHA-256 (FIPS 180-4) for storing secrets as hashes and checking Zalo Official
 * Account webhook signatures, HMAC-SHA256 (RFC 2104) for Facebook's webhook signatures, and a
 * constant-time comparison for webhook secrets and signatures.
 */
#ifndef TIPGATE_SECURE_H
#define TIPGATE_SECURE_H

#include <stddef.h>
#include <stdint.h>

enum { SECURE_SHA256_LEN = 32 };

/* Fills buf with n bytes from the kernel CSPRNG. Returns 0, or -1 if it could not. */
int secure_random(void *buf, size_t n);
/* Writes 2*n lowercase hex characters and a NUL to out (which must hold 2*n+1 bytes). */
void secure_hex(const uint8_t *in, size_t n, char *out);
/* A fresh random token of nbytes random bytes as lowercase hex into out (2*nbytes+1 bytes). */
int secure_token_hex(size_t nbytes, char *out);
void secure_sha256(const void *data, size_t len, uint8_t out[SECURE_SHA256_LEN]);
/* HMAC-SHA256 of len bytes of data under a key of keylen bytes (either may be empty) into out.
 * Returns 0, or -1 when libcrypto failed. */
int secure_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                       uint8_t out[SECURE_SHA256_LEN]);
/* SHA-256 of a NUL-terminated string as 64 hex characters plus NUL. */
void secure_sha256_hex(const char *s, char out[2 * SECURE_SHA256_LEN + 1]);
/* 1 if a and b are equal strings; time depends only on the lengths, not on where they differ. */
int secure_equal(const char *a, const char *b);

#endif
