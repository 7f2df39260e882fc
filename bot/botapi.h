/*
 * botapi.h — what the Telegram and Zalo adapters share: both speak "{base}/bot{TOKEN}/{method}"
 * with JSON bodies and answer {"ok":true,"result":…} or {"ok":false,"error_code",
 * "description","parameters"}. This module makes requests with libcurl (bounded bodies,
 * timeouts), classifies every answer — including HTML, truncated JSON and silence — into one
 * struct, and computes backoff delays. The URL holds the token, so it is never logged: requests
 * are named by method only, and the token is registered with the log scrubber anyway.
 *
 * For bot/sender.c it supplies the two send ops both adapters plug into their platform_ops
 * (bot/platform.h): botapi_request (method + params → URL and body) and botapi_classify_answer
 * (the Bot API's answer → a platform verdict). Everything the sender knows of {"ok":…} is here.
 */
#ifndef TIPGATE_BOTAPI_H
#define TIPGATE_BOTAPI_H

#include "bot/platform.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum { BOTAPI_URL_MAX = 1024, BOTAPI_DESC_MAX = 256, BOTAPI_BODY_MAX = 16 * 1024 * 1024 };
/* Bounds on numbers in error answers (botapi_read_error): error codes are HTTP-like, a wait
 * longer than a day is not a wait, chat ids have at most 52 significant bits. */
enum { BOTAPI_ERROR_CODE_MAX = 99999, BOTAPI_RETRY_AFTER_MAX_S = 86400 };
#define BOTAPI_CHAT_ID_MAX 9007199254740991LL

enum botapi_status {
    BOTAPI_OK = 0,  /* ok:true; result holds the value */
    BOTAPI_REFUSED, /* ok:false: error_code, description, retry_after, migrate_to */
    BOTAPI_GARBAGE, /* an answer that is not the API's JSON (HTML, truncated, empty) */
    BOTAPI_NETWORK, /* no answer: refused, reset, timed out, DNS */
};

struct botapi_reply {
    enum botapi_status status;
    long http_code;
    json_t *result; /* owned; BOTAPI_OK only */
    int error_code; /* the API's error_code, or the HTTP status when the body had none */
    char description[BOTAPI_DESC_MAX];
    int retry_after;     /* seconds (Telegram parameters.retry_after), 0 if none */
    char migrate_to[32]; /* parameters.migrate_to_chat_id, "" if none */
    int want_result;     /* set before botapi_classify when result is needed (not for sends) */
};

/* A growing response buffer with a cap. */
struct botapi_buf {
    char *data;
    size_t len, cap, max;
};

void botapi_reply_clear(struct botapi_reply *r);

/* Classifies a finished transfer. curl_rc is the transfer's result; body may be anything.
 * r->want_result (kept) says whether the result is needed; a send does not parse it. */
void botapi_classify(CURLcode curl_rc, long http_code, const struct botapi_buf *body,
                     struct botapi_reply *r);

/* The send request of a Bot API call: "{base}/bot{token}/{method}" with params as its JSON body.
 * Takes params (a new reference, NULL fails) whatever happens. Returns 0, or -1 with *why. */
int botapi_request(struct platform_request *out, const char *base, const char *token,
                   const char *method, json_t *params, const char **why);
/* The classify_answer op of Bot API platforms (Telegram, Zalo Bot): ok:true → SENT (with
 * result.message_id when the answer leads with it), 429 → RETRY_AFTER (parameters.retry_after
 * or 0), 400 with migrate_to_chat_id → MOVED, 403 → BLOCKED, 401/404 → TOKEN_EXPIRED, other
 * 4xx but 408/409 → BAD_REQUEST; 5xx, 408, 409, HTML, truncated or empty → TRANSIENT. */
void botapi_classify_answer(long http_status, const char *body, size_t len,
                            struct platform_answer *out);

/* Builds "{base}/bot{token}/{method}" into url. */
int botapi_url(char url[BOTAPI_URL_MAX], const char *base, const char *token, const char *method);

/* Prepares easy for a JSON POST of body (kept by the caller until the transfer ends) with the
 * response going to out. timeout_s bounds the whole transfer. Other options already set on
 * easy are kept. */
void botapi_prepare(CURL *easy, const char *url, const char *body, struct curl_slist *headers,
                    struct botapi_buf *out, long timeout_s);
/* The same with a body of len bytes that may hold NULs (a multipart photo). */
void botapi_prepare_len(CURL *easy, const char *url, const char *body, size_t len,
                        struct curl_slist *headers, struct botapi_buf *out, long timeout_s);
/* The send request of a Bot API call with a file: "{base}/bot{token}/{method}" as
 * multipart/form-data, each of params a text field (strings as they are, other values as JSON)
 * and then file_field holding len bytes of data named file_name of type file_type. Takes params
 * (NULL fails) whatever happens; data stays the caller's. Returns 0, or -1 with *why. */
int botapi_request_multipart(struct platform_request *out, const char *base, const char *token,
                             const char *method, json_t *params, const char *file_field,
                             const char *file_name, const char *file_type, const char *data,
                             size_t len, const char **why);
/* The shared "Content-Type: application/json" header list (built once, freed at exit). */
struct curl_slist *botapi_json_headers(void);
void botapi_global_cleanup(void);

/* A blocking call on easy (the receive threads use this). params is borrowed. */
void botapi_call(CURL *easy, const char *base, const char *token, const char *method,
                 json_t *params, long timeout_s, struct botapi_reply *r);

void botapi_buf_reset(struct botapi_buf *b, size_t max);
void botapi_buf_free(struct botapi_buf *b);
/* A CURLOPT_WRITEFUNCTION appending to the struct botapi_buf in userdata, NUL-terminated;
 * past its max it refuses the data and curl ends the transfer with CURLE_WRITE_ERROR. */
size_t botapi_buf_write(char *ptr, size_t size, size_t nmemb, void *userdata);

/* Exponential backoff with jitter: base_ms * 2^(attempt-1), capped at cap_ms, then a random
 * 50–100 % of that so many clients do not retry in step. attempt starts at 1. */
int64_t botapi_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms);

/* A short text for logs: "HTTP 502 (not JSON)", "error 403: Forbidden: bot was blocked". */
void botapi_describe(const struct botapi_reply *r, char *out, size_t size);

#endif
