/*
 * webpush_crypto.c — RFC 8291 message encryption and RFC 8292 VAPID tokens on OpenSSL 3's EVP
 * interfaces (see webpush_crypto.h for the contract).
 *
 * Keys travel as raw bytes (the form subscriptions and the database hold them in) and become
 * EVP_PKEYs only inside one call, built with OSSL_PARAM (the EC_KEY functions are deprecated in
 * OpenSSL 3). The key schedule is the RFC's, written as two HKDF calls each (extract+expand):
 *   IKM   = HKDF(salt=auth, ikm=ECDH(as, ua), info="WebPush: info\0" || ua_pub || as_pub, 32)
 *   CEK   = HKDF(salt=salt, ikm=IKM, info="Content-Encoding: aes128gcm\0", 16)
 *   NONCE = HKDF(salt=salt, ikm=IKM, info="Content-Encoding: nonce\0", 12)
 * One record only: the plaintext, the delimiter 0x02, no further padding (our payloads are a
 * few hundred bytes; a push service accepts up to 4096).
 */
#include "bot/webpush_crypto.h"

#include "base/secure.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>

#include <stdio.h>
#include <string.h>

enum { WPC_CEK_LEN = 16, WPC_NONCE_LEN = 12, WPC_IKM_LEN = 32, WPC_SIG_LEN = 64 };

static const char wpc_b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int wpc_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t need = (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0) + 1;
    if (cap < need)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = wpc_b64chars[(v >> 18) & 63];
        out[o++] = wpc_b64chars[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = wpc_b64chars[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = wpc_b64chars[v & 63];
    }
    out[o] = '\0';
    return 0;
}

static int wpc_b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || c == '+')
        return 62;
    if (c == '_' || c == '/')
        return 63;
    return -1;
}

long wpc_b64url_decode(const char *in, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        int v = wpc_b64_value(*p);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}

/* An EVP_PKEY on P-256 from a public point and, when priv is not NULL, its private scalar. */
static EVP_PKEY *wpc_pkey(const uint8_t pub[WPC_PUB_LEN], const uint8_t *priv)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    OSSL_PARAM *params = NULL;
    BIGNUM *d = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!bld)
        goto out;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, WPC_PUB_LEN))
        goto out;
    if (priv) {
        d = BN_bin2bn(priv, WPC_PRIV_LEN, NULL);
        if (!d || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
            goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0)
        goto out;
    if (EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    return pkey;
}

int wpc_public_of(const uint8_t priv[WPC_PRIV_LEN], uint8_t pub[WPC_PUB_LEN])
{
    int rc = -1;
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *point = group ? EC_POINT_new(group) : NULL;
    BIGNUM *d = BN_bin2bn(priv, WPC_PRIV_LEN, NULL);
    if (!point || !d || BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0)
        goto out;
    if (!EC_POINT_mul(group, point, d, NULL, NULL, NULL))
        goto out;
    if (EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub, WPC_PUB_LEN, NULL) !=
        WPC_PUB_LEN)
        goto out;
    rc = 0;
out:
    BN_clear_free(d);
    EC_POINT_free(point);
    EC_GROUP_free(group);
    return rc;
}

int wpc_check_public(const uint8_t pub[WPC_PUB_LEN])
{
    if (pub[0] != 0x04)
        return -1;
    EVP_PKEY *k = wpc_pkey(pub, NULL);
    int rc = -1;
    if (k) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        rc = ctx && EVP_PKEY_public_check(ctx) == 1 ? 0 : -1;
        EVP_PKEY_CTX_free(ctx);
    }
    EVP_PKEY_free(k);
    return rc;
}

int wpc_keypair_new(uint8_t priv[WPC_PRIV_LEN], uint8_t pub[WPC_PUB_LEN])
{
    int rc = -1;
    BIGNUM *d = NULL;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k || !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d))
        goto out;
    if (BN_bn2binpad(d, priv, WPC_PRIV_LEN) != WPC_PRIV_LEN)
        goto out;
    rc = wpc_public_of(priv, pub);
out:
    BN_clear_free(d);
    EVP_PKEY_free(k);
    return rc;
}

/* ECDH over P-256: the 32-byte x coordinate of priv·peer. */
static int wpc_ecdh(const uint8_t priv[WPC_PRIV_LEN], const uint8_t my_pub[WPC_PUB_LEN],
                    const uint8_t peer[WPC_PUB_LEN], uint8_t secret[32])
{
    int rc = -1;
    EVP_PKEY *mine = wpc_pkey(my_pub, priv);
    EVP_PKEY *theirs = wpc_pkey(peer, NULL);
    EVP_PKEY_CTX *ctx = mine ? EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL) : NULL;
    size_t len = 32;
    if (!ctx || !theirs || EVP_PKEY_derive_init(ctx) <= 0 ||
        EVP_PKEY_derive_set_peer(ctx, theirs) <= 0 || EVP_PKEY_derive(ctx, secret, &len) <= 0 ||
        len != 32)
        goto out;
    rc = 0;
out:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(theirs);
    EVP_PKEY_free(mine);
    return rc;
}

/* HKDF-SHA-256 (extract and expand) of ikm with salt and info into out (n bytes). */
static int wpc_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                    const uint8_t *info, size_t info_len, uint8_t *out, size_t n)
{
    int rc = -1;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!ctx)
        goto out;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(ctx, out, n, params) <= 0)
        goto out;
    rc = 0;
out:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rc;
}

/* The content key and nonce of RFC 8291 §3.4 from the shared secret and both public keys. */
static int wpc_keys(const uint8_t ecdh[32], const uint8_t auth[WPC_AUTH_LEN],
                    const uint8_t ua_pub[WPC_PUB_LEN], const uint8_t as_pub[WPC_PUB_LEN],
                    const uint8_t salt[WPC_SALT_LEN], uint8_t cek[WPC_CEK_LEN],
                    uint8_t nonce[WPC_NONCE_LEN])
{
    static const char key_label[] = "WebPush: info"; /* with its NUL */
    static const char cek_label[] = "Content-Encoding: aes128gcm";
    static const char nonce_label[] = "Content-Encoding: nonce";
    uint8_t info[sizeof key_label + 2 * WPC_PUB_LEN];
    memcpy(info, key_label, sizeof key_label);
    memcpy(info + sizeof key_label, ua_pub, WPC_PUB_LEN);
    memcpy(info + sizeof key_label + WPC_PUB_LEN, as_pub, WPC_PUB_LEN);
    uint8_t ikm[WPC_IKM_LEN];
    int rc = -1;
    if (wpc_hkdf(auth, WPC_AUTH_LEN, ecdh, 32, info, sizeof info, ikm, sizeof ikm) ||
        wpc_hkdf(salt, WPC_SALT_LEN, ikm, sizeof ikm, (const uint8_t *)cek_label, sizeof cek_label,
                 cek, WPC_CEK_LEN) ||
        wpc_hkdf(salt, WPC_SALT_LEN, ikm, sizeof ikm, (const uint8_t *)nonce_label,
                 sizeof nonce_label, nonce, WPC_NONCE_LEN))
        goto out;
    rc = 0;
out:
    OPENSSL_cleanse(ikm, sizeof ikm);
    return rc;
}

/* AES-128-GCM of in (n bytes) into out (n bytes) with its tag; enc 1 seals, 0 opens (tag in). */
static int wpc_gcm(int enc, const uint8_t key[WPC_CEK_LEN], const uint8_t nonce[WPC_NONCE_LEN],
                   const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[WPC_TAG_LEN])
{
    int rc = -1, len = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx || n > WPC_RECORD_SIZE ||
        EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, nonce, enc) != 1)
        goto out;
    if (EVP_CipherUpdate(ctx, out, &len, in, (int)n) != 1)
        goto out;
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, WPC_TAG_LEN, tag) != 1)
        goto out;
    if (EVP_CipherFinal_ex(ctx, out + len, &fin) != 1)
        goto out;
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, WPC_TAG_LEN, tag) != 1)
        goto out;
    rc = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

int wpc_encrypt(const uint8_t *plain, size_t n, const uint8_t ua_pub[WPC_PUB_LEN],
                const uint8_t auth[WPC_AUTH_LEN], const uint8_t *as_priv, const uint8_t *salt,
                uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t priv[WPC_PRIV_LEN], pub[WPC_PUB_LEN], secret[32], cek[WPC_CEK_LEN];
    uint8_t nonce[WPC_NONCE_LEN], salt_buf[WPC_SALT_LEN];
    int rc = -1;
    *out_len = 0;
    if (n > WPC_MAX_PLAIN || cap < WPC_HEADER_LEN + n + 1 + WPC_TAG_LEN)
        goto out;
    if (as_priv) {
        memcpy(priv, as_priv, WPC_PRIV_LEN);
        if (wpc_public_of(priv, pub))
            goto out;
    } else if (wpc_keypair_new(priv, pub)) {
        goto out;
    }
    if (salt)
        memcpy(salt_buf, salt, WPC_SALT_LEN);
    else if (secure_random(salt_buf, WPC_SALT_LEN))
        goto out;
    if (wpc_ecdh(priv, pub, ua_pub, secret) ||
        wpc_keys(secret, auth, ua_pub, pub, salt_buf, cek, nonce))
        goto out;
    /* header: salt, rs (big-endian), idlen, keyid = the sender's public key */
    memcpy(out, salt_buf, WPC_SALT_LEN);
    out[16] = 0;
    out[17] = 0;
    out[18] = (uint8_t)(WPC_RECORD_SIZE >> 8);
    out[19] = (uint8_t)(WPC_RECORD_SIZE & 0xff);
    out[20] = WPC_PUB_LEN;
    memcpy(out + 21, pub, WPC_PUB_LEN);
    uint8_t *rec = out + WPC_HEADER_LEN;
    memcpy(rec, plain, n);
    rec[n] = 0x02; /* the last record's delimiter */
    if (wpc_gcm(1, cek, nonce, rec, n + 1, rec, rec + n + 1))
        goto out;
    *out_len = WPC_HEADER_LEN + n + 1 + WPC_TAG_LEN;
    rc = 0;
out:
    OPENSSL_cleanse(priv, sizeof priv);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(cek, sizeof cek);
    return rc;
}

int wpc_decrypt(const uint8_t *body, size_t n, const uint8_t ua_priv[WPC_PRIV_LEN],
                const uint8_t auth[WPC_AUTH_LEN], uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t ua_pub[WPC_PUB_LEN], secret[32], cek[WPC_CEK_LEN], nonce[WPC_NONCE_LEN];
    uint8_t tag[WPC_TAG_LEN];
    int rc = -1;
    *out_len = 0;
    if (n < WPC_HEADER_LEN + 1 + WPC_TAG_LEN || body[20] != WPC_PUB_LEN)
        goto out;
    size_t rs =
        ((size_t)body[16] << 24) | ((size_t)body[17] << 16) | ((size_t)body[18] << 8) | body[19];
    size_t clen = n - WPC_HEADER_LEN - WPC_TAG_LEN;
    if (clen + WPC_TAG_LEN > rs || clen > cap)
        goto out; /* more than one record */
    if (wpc_public_of(ua_priv, ua_pub) || wpc_ecdh(ua_priv, ua_pub, body + 21, secret) ||
        wpc_keys(secret, auth, ua_pub, body + 21, body, cek, nonce))
        goto out;
    memcpy(tag, body + n - WPC_TAG_LEN, WPC_TAG_LEN);
    if (wpc_gcm(0, cek, nonce, body + WPC_HEADER_LEN, clen, out, tag))
        goto out;
    /* strip zero padding back to the delimiter, which must be 0x02 (the last record) */
    size_t end = clen;
    while (end > 0 && out[end - 1] == 0)
        end--;
    if (end == 0 || out[end - 1] != 0x02)
        goto out;
    *out_len = end - 1;
    rc = 0;
out:
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(cek, sizeof cek);
    return rc;
}

/* ECDSA P-256 over SHA-256 of msg; the signature as JOSE wants it, r || s (32 bytes each). */
static int wpc_es256_sign(const uint8_t priv[WPC_PRIV_LEN], const char *msg,
                          uint8_t sig[WPC_SIG_LEN])
{
    int rc = -1;
    uint8_t pub[WPC_PUB_LEN], der[80];
    size_t der_len = sizeof der;
    EVP_PKEY *k = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ECDSA_SIG *es = NULL;
    if (!md || wpc_public_of(priv, pub) || !(k = wpc_pkey(pub, priv)))
        goto out;
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
        EVP_DigestSign(md, der, &der_len, (const uint8_t *)msg, strlen(msg)) != 1)
        goto out;
    const uint8_t *p = der;
    if (!(es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)))
        goto out;
    if (BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
        goto out;
    rc = 0;
out:
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return rc;
}

int wpc_vapid_jwt(const uint8_t priv[WPC_PRIV_LEN], const char *aud, const char *sub, int64_t exp_s,
                  char *out, size_t cap)
{
    static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
    char claims[512], b64[700];
    uint8_t sig[WPC_SIG_LEN];
    int n = snprintf(claims, sizeof claims, "{\"aud\":\"%s\",\"exp\":%lld,\"sub\":\"%s\"}", aud,
                     (long long)exp_s, sub);
    if (n < 0 || (size_t)n >= sizeof claims || strpbrk(aud, "\"\\") || strpbrk(sub, "\"\\"))
        return -1;
    if (wpc_b64url_encode((const uint8_t *)header, sizeof header - 1, out, cap))
        return -1;
    size_t used = strlen(out);
    if (wpc_b64url_encode((const uint8_t *)claims, (size_t)n, b64, sizeof b64) ||
        used + 1 + strlen(b64) + 1 > cap)
        return -1;
    out[used++] = '.';
    memcpy(out + used, b64, strlen(b64) + 1);
    if (wpc_es256_sign(priv, out, sig) || wpc_b64url_encode(sig, sizeof sig, b64, sizeof b64))
        return -1;
    used = strlen(out);
    if (used + 1 + strlen(b64) + 1 > cap)
        return -1;
    out[used++] = '.';
    memcpy(out + used, b64, strlen(b64) + 1);
    return 0;
}

static int wpc_es256_verify(const uint8_t pub[WPC_PUB_LEN], const char *msg, size_t msg_len,
                            const uint8_t sig[WPC_SIG_LEN])
{
    int rc = -1;
    uint8_t *der = NULL;
    EVP_PKEY *k = wpc_pkey(pub, NULL);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!k || !md || !es || !r || !s || !ECDSA_SIG_set0(es, r, s))
        goto out;
    r = s = NULL; /* owned by es now */
    int der_len = i2d_ECDSA_SIG(es, &der);
    if (der_len <= 0 || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) != 1)
        goto out;
    if (EVP_DigestVerify(md, der, (size_t)der_len, (const uint8_t *)msg, msg_len) == 1)
        rc = 0;
out:
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return rc;
}

int wpc_vapid_verify(const char *jwt, const uint8_t pub[WPC_PUB_LEN], char *claims, size_t cap)
{
    uint8_t sig[WPC_SIG_LEN + 1];
    const char *dot1 = strchr(jwt, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2 || strlen(jwt) >= WPC_JWT_MAX ||
        wpc_b64url_decode(dot2 + 1, sig, sizeof sig) != WPC_SIG_LEN)
        return -1;
    if (wpc_es256_verify(pub, jwt, (size_t)(dot2 - jwt), sig))
        return -1;
    char part[WPC_JWT_MAX];
    size_t plen = (size_t)(dot2 - dot1 - 1);
    memcpy(part, dot1 + 1, plen);
    part[plen] = '\0';
    long n = wpc_b64url_decode(part, (uint8_t *)claims, cap - 1);
    if (n < 0)
        return -1;
    claims[n] = '\0';
    return 0;
}
