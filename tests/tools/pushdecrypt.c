/*
 * pushdecrypt.c — the browser's half of Web Push, for the tests' fake push service
 * (tests/integration/fakepush.py), which Python's standard library cannot do:
 *
 *   pushdecrypt keygen
 *       a subscriber's keys as JSON: {"private","p256dh","auth"} (base64url)
 *   pushdecrypt decrypt <private> <auth> <Authorization header value> <body file>
 *       checks the VAPID header ("vapid t=<JWT>, k=<key>": the JWT's ES256 signature against
 *       k), decrypts the body per RFC 8291 and prints {"k","claims","plaintext"}; exit 1 with
 *       the reason on stderr when anything does not hold.
 *
 * It uses bot/webpush_crypto.c, whose encryption the unit test pins to the RFC's own example,
 * so a message this tool opens is one a browser opens.
 */
#include "bot/webpush_crypto.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PD_BODY_MAX = 8192, PD_B64_MAX = 200 };

static int pd_keygen(void)
{
    uint8_t priv[WPC_PRIV_LEN], pub[WPC_PUB_LEN], auth[WPC_AUTH_LEN];
    char a[PD_B64_MAX], b[PD_B64_MAX], c[PD_B64_MAX];
    FILE *r = fopen("/dev/urandom", "rb");
    int ok = r && fread(auth, 1, sizeof auth, r) == sizeof auth;
    if (r)
        fclose(r);
    if (!ok || wpc_keypair_new(priv, pub) || wpc_b64url_encode(priv, sizeof priv, a, sizeof a) ||
        wpc_b64url_encode(pub, sizeof pub, b, sizeof b) ||
        wpc_b64url_encode(auth, sizeof auth, c, sizeof c))
        return 1;
    printf("{\"private\":\"%s\",\"p256dh\":\"%s\",\"auth\":\"%s\"}\n", a, b, c);
    return 0;
}

/* t= and k= of a VAPID Authorization header into jwt and key (bounded). */
static int pd_parse_vapid(const char *h, char *jwt, size_t jcap, char *key, size_t kcap)
{
    if (strncmp(h, "vapid ", 6) != 0)
        return -1;
    const char *t = strstr(h, "t="), *k = strstr(h, "k=");
    if (!t || !k)
        return -1;
    size_t tl = strcspn(t + 2, ", "), kl = strcspn(k + 2, ", ");
    if (tl >= jcap || kl >= kcap)
        return -1;
    memcpy(jwt, t + 2, tl);
    jwt[tl] = '\0';
    memcpy(key, k + 2, kl);
    key[kl] = '\0';
    return 0;
}

static int pd_fail(const char *why)
{
    fprintf(stderr, "pushdecrypt: %s\n", why);
    return 1;
}

static int pd_decrypt(const char *priv_b64, const char *auth_b64, const char *header,
                      const char *body_path)
{
    static uint8_t body[PD_BODY_MAX], plain[PD_BODY_MAX];
    uint8_t priv[WPC_PRIV_LEN + 1], auth[WPC_AUTH_LEN + 1], k[WPC_PUB_LEN + 1];
    char jwt[WPC_JWT_MAX], key[PD_B64_MAX], claims[WPC_JWT_MAX];
    if (wpc_b64url_decode(priv_b64, priv, sizeof priv) != WPC_PRIV_LEN ||
        wpc_b64url_decode(auth_b64, auth, sizeof auth) != WPC_AUTH_LEN)
        return pd_fail("bad subscriber keys");
    if (pd_parse_vapid(header, jwt, sizeof jwt, key, sizeof key) != 0 ||
        wpc_b64url_decode(key, k, sizeof k) != WPC_PUB_LEN)
        return pd_fail("Authorization is not \"vapid t=<jwt>, k=<key>\"");
    if (wpc_vapid_verify(jwt, k, claims, sizeof claims) != 0)
        return pd_fail("the VAPID JWT's signature does not hold for k");
    FILE *f = fopen(body_path, "rb");
    if (!f)
        return pd_fail("cannot read the body");
    size_t n = fread(body, 1, sizeof body, f);
    fclose(f);
    size_t plen = 0;
    if (wpc_decrypt(body, n, priv, auth, plain, sizeof plain, &plen) != 0)
        return pd_fail("the body does not decrypt (RFC 8291)");
    json_t *o = json_pack("{s:s, s:o?, s:s%}", "k", key, "claims", json_loads(claims, 0, NULL),
                          "plaintext", (const char *)plain, plen);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s)
        return pd_fail("the plaintext or the claims are not valid UTF-8/JSON");
    puts(s);
    free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "keygen") == 0)
        return pd_keygen();
    if (argc == 6 && strcmp(argv[1], "decrypt") == 0)
        return pd_decrypt(argv[2], argv[3], argv[4], argv[5]);
    fprintf(stderr, "usage: pushdecrypt keygen | decrypt <private> <auth> <authorization> "
                    "<body file>\n");
    return 2;
}
