/*
 * botapi.c — see botapi.h.
 */
#include "bot/botapi.h"

#include "base/secure.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct curl_slist *botapi_headers;
static pthread_once_t botapi_once = PTHREAD_ONCE_INIT;

static void botapi_init_headers(void)
{
    botapi_headers = curl_slist_append(NULL, "Content-Type: application/json");
    botapi_headers = curl_slist_append(botapi_headers, "Expect:");
}

struct curl_slist *botapi_json_headers(void)
{
    pthread_once(&botapi_once, botapi_init_headers);
    return botapi_headers;
}

void botapi_global_cleanup(void)
{
    curl_slist_free_all(botapi_headers);
    botapi_headers = NULL;
}

void botapi_reply_clear(struct botapi_reply *r)
{
    json_decref(r->result);
    memset(r, 0, sizeof *r);
}

void botapi_buf_reset(struct botapi_buf *b, size_t max)
{
    b->len = 0;
    b->max = max;
    if (b->data)
        b->data[0] = '\0';
}

void botapi_buf_free(struct botapi_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t botapi_buf_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct botapi_buf *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->max)
        return 0; /* over the cap: curl aborts the transfer (CURLE_WRITE_ERROR) */
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *data = realloc(b->data, cap);
        if (!data)
            return 0;
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

int botapi_url(char url[BOTAPI_URL_MAX], const char *base, const char *token, const char *method)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    int len = snprintf(url, BOTAPI_URL_MAX, "%.*s/bot%s/%s", (int)n, base, token, method);
    return len > 0 && len < BOTAPI_URL_MAX ? 0 : -1;
}

void botapi_prepare(CURL *easy, const char *url, const char *body, struct curl_slist *headers,
                    struct botapi_buf *out, long timeout_s)
{
    botapi_prepare_len(easy, url, body, strlen(body), headers, out, timeout_s);
}

void botapi_prepare_len(CURL *easy, const char *url, const char *body, size_t len,
                        struct curl_slist *headers, struct botapi_buf *out, long timeout_s)
{
    /* No curl_easy_reset: options a caller set once (a progress hook) stay in force. */
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, botapi_buf_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "tipgate/" TIPGATE_VERSION);
}

/* Every number in an error answer is range-checked before it is narrowed or used: an
 * error_code that is no such code counts as the HTTP status, a retry_after is capped at a day,
 * and a migrate_to_chat_id that no chat id can be (beyond 52 bits, or a string that would not
 * fit) is ignored rather than cut into another chat's id. */
static void botapi_read_error(json_t *root, long http_code, struct botapi_reply *r)
{
    r->status = BOTAPI_REFUSED;
    json_t *code = json_object_get(root, "error_code");
    r->error_code = json_is_integer(code) && json_integer_value(code) >= -BOTAPI_ERROR_CODE_MAX &&
                            json_integer_value(code) <= BOTAPI_ERROR_CODE_MAX
                        ? (int)json_integer_value(code)
                        : (int)http_code;
    const char *desc = json_string_value(json_object_get(root, "description"));
    snprintf(r->description, sizeof r->description, "%s", desc ? desc : "");
    json_t *params = json_object_get(root, "parameters");
    json_t *retry = json_object_get(params, "retry_after");
    if (json_is_integer(retry) && json_integer_value(retry) > 0)
        r->retry_after =
            (int)(json_integer_value(retry) < BOTAPI_RETRY_AFTER_MAX_S ? json_integer_value(retry)
                                                                       : BOTAPI_RETRY_AFTER_MAX_S);
    json_t *mig = json_object_get(params, "migrate_to_chat_id");
    if (json_is_integer(mig) && json_integer_value(mig) >= -BOTAPI_CHAT_ID_MAX &&
        json_integer_value(mig) <= BOTAPI_CHAT_ID_MAX)
        snprintf(r->migrate_to, sizeof r->migrate_to, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(mig));
    else if (json_is_string(mig) && json_string_length(mig) < sizeof r->migrate_to)
        snprintf(r->migrate_to, sizeof r->migrate_to, "%s", json_string_value(mig));
}

void botapi_classify(CURLcode curl_rc, long http_code, const struct botapi_buf *body,
                     struct botapi_reply *r)
{
    int want = r->want_result;
    memset(r, 0, sizeof *r);
    r->want_result = want;
    r->http_code = http_code;
    if (curl_rc != CURLE_OK && !(curl_rc == CURLE_WRITE_ERROR && http_code)) {
        r->status = BOTAPI_NETWORK;
        snprintf(r->description, sizeof r->description, "%s", curl_easy_strerror(curl_rc));
        return;
    }
    /* A send's answer is only looked at for ok: skip parsing the Message it carries. The
     * receive calls, which need the result, pass want_result. */
    if (!r->want_result && http_code == 200 && body->len > 10 &&
        strncmp(body->data, "{\"ok\":true", 10) == 0) {
        r->status = BOTAPI_OK;
        return;
    }
    json_t *root = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    json_t *ok = json_object_get(root, "ok");
    if (!json_is_boolean(ok)) {
        r->status = BOTAPI_GARBAGE;
        r->error_code = (int)http_code;
        snprintf(r->description, sizeof r->description, "HTTP %ld, %s", http_code,
                 body->len ? "not the API's JSON" : "empty answer");
    } else if (json_is_true(ok)) {
        r->status = BOTAPI_OK;
        r->result = json_incref(json_object_get(root, "result"));
    } else {
        botapi_read_error(root, http_code, r);
    }
    json_decref(root);
}

int botapi_request(struct platform_request *out, const char *base, const char *token,
                   const char *method, json_t *params, const char **why)
{
    out->body = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (!out->body) {
        *why = "out of memory";
        return -1;
    }
    if (botapi_url(out->url, base, token, method) != 0) {
        free(out->body);
        out->body = NULL;
        *why = "the API base URL is too long";
        return -1;
    }
    return 0;
}

/* A growing multipart body (bounded by what the caller hands in: a photo and a few fields). */
struct botapi_mp {
    char *buf;
    size_t len, cap;
    int failed;
};

static void botapi_mp_add(struct botapi_mp *mp, const void *data, size_t len)
{
    if (mp->failed)
        return;
    if (mp->len + len + 1 > mp->cap) {
        size_t cap = (mp->len + len + 1) * 2;
        char *grown = realloc(mp->buf, cap);
        if (!grown) {
            mp->failed = 1;
            return;
        }
        mp->buf = grown;
        mp->cap = cap;
    }
    memcpy(mp->buf + mp->len, data, len);
    mp->len += len;
    mp->buf[mp->len] = '\0';
}

static void botapi_mp_str(struct botapi_mp *mp, const char *s)
{
    botapi_mp_add(mp, s, strlen(s));
}

/* "--boundary" and the part's headers (file_name and type only for the file). */
static void botapi_mp_head(struct botapi_mp *mp, const char *boundary, const char *name,
                           const char *file_name, const char *type)
{
    botapi_mp_str(mp, "--");
    botapi_mp_str(mp, boundary);
    botapi_mp_str(mp, "\r\nContent-Disposition: form-data; name=\"");
    botapi_mp_str(mp, name);
    botapi_mp_str(mp, "\"");
    if (file_name) {
        botapi_mp_str(mp, "; filename=\"");
        botapi_mp_str(mp, file_name);
        botapi_mp_str(mp, "\"\r\nContent-Type: ");
        botapi_mp_str(mp, type);
    }
    botapi_mp_str(mp, "\r\n\r\n");
}

int botapi_request_multipart(struct platform_request *out, const char *base, const char *token,
                             const char *method, json_t *params, const char *file_field,
                             const char *file_name, const char *file_type, const char *data,
                             size_t len, const char **why)
{
    struct botapi_mp mp = {0};
    char boundary[48] = "tipgate-", hex[33];
    const char *key;
    json_t *v;
    int rc = -1;
    *why = "out of memory";
    if (!params || secure_token_hex(16, hex) != 0)
        goto out;
    strcat(boundary, hex); /* random: no field or photo can hold it by chance */
    json_object_foreach(params, key, v)
    {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        botapi_mp_head(&mp, boundary, key, NULL, NULL);
        botapi_mp_str(&mp, json_is_string(v) ? json_string_value(v) : text ? text : "");
        botapi_mp_str(&mp, "\r\n");
        free(text);
    }
    botapi_mp_head(&mp, boundary, file_field, file_name, file_type);
    botapi_mp_add(&mp, data, len);
    botapi_mp_str(&mp, "\r\n--");
    botapi_mp_str(&mp, boundary);
    botapi_mp_str(&mp, "--\r\n");
    if (mp.failed)
        goto out;
    if (botapi_url(out->url, base, token, method) != 0) {
        *why = "the API base URL is too long";
        goto out;
    }
    snprintf(out->content_type, sizeof out->content_type,
             "Content-Type: multipart/form-data; boundary=%s", boundary);
    out->body = mp.buf;
    out->body_len = mp.len;
    mp.buf = NULL;
    rc = 0;
out:
    free(mp.buf);
    json_decref(params);
    return rc;
}

/* A sent message's id as the answer leads with it ({"ok":true,"result":{"message_id":N or
 * "s"), read without parsing the Message: a send is the hot path and the id is only a
 * courtesy. Anything else (another order, an id too long to be one) gives "". */
static void botapi_lead_id(const char *body, size_t len, char id[PLATFORM_ID_MAX])
{
    static const char lead[] = "{\"ok\":true,\"result\":{\"message_id\":";
    const size_t n = sizeof lead - 1;
    const char *p = body + n, *end = body + len;
    size_t i = 0;
    id[0] = '\0';
    if (len <= n || memcmp(body, lead, n) != 0)
        return;
    bool quoted = *p == '"';
    p += quoted;
    while (p < end && i + 1 < PLATFORM_ID_MAX && (isalnum((unsigned char)*p) || *p == '-'))
        id[i++] = *p++;
    bool closed = p < end && (quoted ? *p == '"' : (*p == ',' || *p == '}'));
    id[closed ? i : 0] = '\0';
}

/* result.message_id of a parsed answer (a number, or a string that fits). */
static void botapi_result_id(json_t *result, char id[PLATFORM_ID_MAX])
{
    json_t *v = json_object_get(result, "message_id");
    id[0] = '\0';
    if (json_is_integer(v))
        snprintf(id, PLATFORM_ID_MAX, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_string(v) && json_string_length(v) < PLATFORM_ID_MAX)
        snprintf(id, PLATFORM_ID_MAX, "%s", json_string_value(v));
}

/* The verdict of a refusal; fills retry_after_s and moved_to. */
static enum platform_verdict botapi_refusal(const struct botapi_reply *r, struct platform_answer *a)
{
    int code = r->error_code;
    if (code == 429) {
        a->retry_after_s = r->retry_after;
        return PLATFORM_RETRY_AFTER;
    }
    if (code == 400 && r->migrate_to[0]) {
        snprintf(a->moved_to, sizeof a->moved_to, "%s", r->migrate_to);
        return PLATFORM_MOVED;
    }
    if (code == 403)
        return PLATFORM_BLOCKED;
    if (code == 401 || code == 404) /* the token (404: no such bot), not the message */
        return PLATFORM_TOKEN_EXPIRED;
    if (code >= 400 && code < 500 && code != 408 && code != 409)
        return PLATFORM_BAD_REQUEST;
    return PLATFORM_TRANSIENT;
}

void botapi_classify_answer(long http_status, const char *body, size_t len,
                            struct platform_answer *out)
{
    struct botapi_buf b = {.data = (char *)body, .len = body ? len : 0};
    struct botapi_reply r;
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    botapi_classify(CURLE_OK, http_status, &b, &r); /* want_result 0: ok:true is not parsed */
    botapi_describe(&r, out->why, sizeof out->why);
    out->understood = r.status == BOTAPI_OK || r.status == BOTAPI_REFUSED;
    if (r.status == BOTAPI_OK) {
        out->verdict = PLATFORM_SENT;
        if (r.result)
            botapi_result_id(r.result, out->message_id);
        else
            botapi_lead_id(body, b.len, out->message_id);
    } else {
        out->verdict = r.status == BOTAPI_REFUSED ? botapi_refusal(&r, out) : PLATFORM_TRANSIENT;
    }
    botapi_reply_clear(&r);
}

void botapi_call(CURL *easy, const char *base, const char *token, const char *method,
                 json_t *params, long timeout_s, struct botapi_reply *r)
{
    char url[BOTAPI_URL_MAX];
    struct botapi_buf buf = {0};
    char *body = params ? json_dumps(params, JSON_COMPACT) : strdup("{}");
    if (!body || botapi_url(url, base, token, method) != 0) {
        memset(r, 0, sizeof *r);
        r->status = BOTAPI_NETWORK;
        snprintf(r->description, sizeof r->description, "cannot build the request");
        free(body);
        return;
    }
    botapi_buf_reset(&buf, BOTAPI_BODY_MAX);
    botapi_prepare(easy, url, body, botapi_json_headers(), &buf, timeout_s);
    CURLcode rc = curl_easy_perform(easy);
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    r->want_result = 1;
    botapi_classify(rc, code, &buf, r);
    botapi_buf_free(&buf);
    free(body);
}

int64_t botapi_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms)
{
    int64_t d = base_ms;
    for (int i = 1; i < attempt && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    uint32_t r = 0;
    secure_random(&r, sizeof r);
    return d / 2 + (int64_t)(r % (uint32_t)(d / 2 + 1));
}

void botapi_describe(const struct botapi_reply *r, char *out, size_t size)
{
    switch (r->status) {
    case BOTAPI_OK:
        snprintf(out, size, "ok");
        break;
    case BOTAPI_REFUSED:
        snprintf(out, size, "error %d: %s", r->error_code, r->description);
        break;
    case BOTAPI_GARBAGE:
        snprintf(out, size, "%s", r->description);
        break;
    case BOTAPI_NETWORK:
        snprintf(out, size, "no answer: %s", r->description);
        break;
    }
}
