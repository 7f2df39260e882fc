/*
 * messenger.h — the Facebook Page Messenger adapter's pure parts, exposed for the unit tests
 * (the adapter itself is reached through messenger_platform in the registry, bot/platform.c):
 * the webhook's signature and subscription checks and the Graph API answer classifier.
 */
#ifndef TIPGATE_MESSENGER_H
#define TIPGATE_MESSENGER_H

#include "bot/platform.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest hub.challenge echoed back (Meta sends a number of about ten digits). */
enum { MS_CHALLENGE_MAX = 128 };

/* Whether header, the value of X-Hub-Signature-256 ("sha256=" and 64 hex digits, either case),
 * is the HMAC-SHA256 of body (len bytes, as received) keyed with secret. Constant time in
 * where the digests differ; false for a missing or malformed header or an empty secret. */
bool ms_signature_ok(const char *secret, const char *header, const char *body, size_t len);

/* The subscription check of a webhook GET: query holds the url-decoded arguments joined by
 * '&'. 200 with the challenge in challenge (MS_CHALLENGE_MAX + 1 bytes) when hub.mode is
 * "subscribe", hub.verify_token equals verify_token (constant time) and hub.challenge is 1 to
 * MS_CHALLENGE_MAX letters and digits; else 403 and challenge "". */
int ms_verify_subscription(const char *verify_token, const char *query,
                           char challenge[MS_CHALLENGE_MAX + 1]);

/* The classify_answer op: a Graph API answer → a verdict (see messenger.c for the map). */
void ms_classify_answer(long http_status, const char *body, size_t len,
                        struct platform_answer *out);

#endif
