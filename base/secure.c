/*
 * secure.c — see secure.h. SHA-256 and HMAC-SHA256 are OpenSSL's libcrypto (the library libcurl
 * and libwebsockets already bring); tests/unit/test_secure.c checks them against the FIPS 180-4
 * and RFC 4231 vectors.
 */
#include "base/secure.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <errno.h>
#include <string.h>
#include <sys/random.h>

int secure_random(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

void secure_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int secure_token_hex(size_t nbytes, char *out)
{
    uint8_t buf[64];
    if (nbytes > sizeof buf || secure_random(buf, nbytes) != 0)
        return -1;
    secure_hex(buf, nbytes, out);
    return 0;
}

void secure_sha256(const void *data, size_t len, uint8_t out[SECURE_SHA256_LEN])
{
    SHA256(data, len, out);
}

int secure_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                       uint8_t out[SECURE_SHA256_LEN])
{
    unsigned int n = 0;
    static const uint8_t empty[1];
    /* OpenSSL takes NULL as "no key" only with keylen 0; an empty key is a valid HMAC key. */
    if (!HMAC(EVP_sha256(), keylen ? key : empty, (int)keylen, len ? data : empty, len, out, &n))
        return -1;
    return n == SECURE_SHA256_LEN ? 0 : -1;
}

void secure_sha256_hex(const char *s, char out[2 * SECURE_SHA256_LEN + 1])
{
    uint8_t digest[SECURE_SHA256_LEN];
    secure_sha256(s, strlen(s), digest);
    secure_hex(digest, sizeof digest, out);
}

int secure_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    /* Compare over b's length whatever a is, so timing reveals nothing but the lengths. */
    for (size_t i = 0; i < lb; i++)
        diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
    return diff == 0;
}
