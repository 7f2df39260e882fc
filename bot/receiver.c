/*
 * receiver.c — see receiver.h.
 */
#include "base/clock.h"
#include "bot/receiver.h"

#include "bot/app_core.h"
#include "bot/bot_settings.h"
#include "bot/health.h"
#include "base/log.h"
#include "storage/db_writes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int receiver_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                             curl_off_t ultotal, curl_off_t ulnow)
{
    struct receiver *rx = clientp;
    return atomic_load(&rx->stop) ? 1 : 0;
}

int receiver_init(struct receiver *rx, struct app *app, const char *name,
                  const struct bot_settings *pc)
{
    memset(rx, 0, sizeof *rx);
    rx->name = name;
    rx->pc = pc;
    rx->app = app;
    pthread_mutex_init(&rx->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rx->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (app_open_db(app, &rx->db) != 0 || !(rx->easy = curl_easy_init()))
        return -1;
    /* The hook outlives every request: botapi_prepare() never resets the handle. */
    curl_easy_setopt(rx->easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(rx->easy, CURLOPT_XFERINFOFUNCTION, receiver_progress);
    curl_easy_setopt(rx->easy, CURLOPT_XFERINFODATA, rx);
    return 0;
}

int receiver_start(struct receiver *rx, void *(*fn)(void *), void *arg)
{
    if (pthread_create(&rx->thread, NULL, fn, arg) != 0)
        return -1;
    char name[16];
    snprintf(name, sizeof name, "%.12s-rx", rx->name);
    pthread_setname_np(rx->thread, name); /* shows in top -H, perf and gdb */
    rx->started = 1;
    return 0;
}

void receiver_stop(struct receiver *rx)
{
    if (rx->started) {
        pthread_mutex_lock(&rx->lock);
        atomic_store(&rx->stop, 1);
        pthread_cond_broadcast(&rx->cond);
        pthread_mutex_unlock(&rx->lock);
        pthread_join(rx->thread, NULL);
        rx->started = 0;
    }
    if (rx->easy)
        curl_easy_cleanup(rx->easy);
    rx->easy = NULL;
    db_close(rx->db);
    rx->db = NULL;
    pthread_cond_destroy(&rx->cond);
    pthread_mutex_destroy(&rx->lock);
}

int receiver_stopping(struct receiver *rx)
{
    return atomic_load(&rx->stop);
}

int receiver_sleep(struct receiver *rx, int64_t ms)
{
    struct timespec until = clock_mono_deadline(ms);
    pthread_mutex_lock(&rx->lock);
    while (!atomic_load(&rx->stop))
        if (pthread_cond_timedwait(&rx->cond, &rx->lock, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&rx->lock);
    return atomic_load(&rx->stop);
}

/* Tells /healthz whether the platform takes the token: 401 and 404 are about the token (or
 * the bot behind it), any other answer from the API says it was accepted. */
static void receiver_note_token(struct receiver *rx, const struct botapi_reply *r)
{
    if (r->status == BOTAPI_REFUSED && (r->error_code == 401 || r->error_code == 404)) {
        char why[BOTAPI_DESC_MAX + 64];
        botapi_describe(r, why, sizeof why);
        health_token(rx->app->health, rx->name, 1, why);
    } else if (r->status == BOTAPI_OK || r->status == BOTAPI_REFUSED) {
        health_token(rx->app->health, rx->name, 0, NULL);
    }
}

void receiver_call(struct receiver *rx, const char *method, json_t *params, long timeout_s,
                   struct botapi_reply *r)
{
    botapi_call(rx->easy, rx->pc->api_base_url, rx->pc->token, method, params, timeout_s, r);
    json_decref(params);
    if (!receiver_stopping(rx))
        receiver_note_token(rx, r);
}

void receiver_log_failure(struct receiver *rx, const char *method, const struct botapi_reply *r,
                          int fails, int64_t wait_ms)
{
    char why[BOTAPI_DESC_MAX + 64];
    botapi_describe(r, why, sizeof why);
    long long s = (long long)(wait_ms + 999) / 1000;
    if (r->status == BOTAPI_REFUSED && r->error_code == 409)
        log_error(rx->name,
                  "%s: %s — another program is polling with this token, or a webhook is set; "
                  "retrying in %lld s",
                  method, why, s);
    else if (r->status == BOTAPI_REFUSED && (r->error_code == 401 || r->error_code == 404))
        log_error(rx->name, "%s: %s — check platforms.%s.token; retrying in %lld s", method, why,
                  rx->name, s);
    else if (fails == 1 || fails % 10 == 0)
        log_warn(rx->name, "%s failed (%s), %d in a row; retrying in %lld s", method, why, fails,
                 s);
}

int64_t receiver_store_failed(struct receiver *rx, const char *what)
{
    int fails = ++rx->store_fails;
    int64_t wait = 1000;
    for (int i = 1; i < fails && wait < RECEIVER_FULL_WAIT_MS; i++)
        wait *= 2;
    if (wait > RECEIVER_FULL_WAIT_MS)
        wait = RECEIVER_FULL_WAIT_MS;
    if (!db_writes_refusing() && (fails == 1 || fails % 10 == 0))
        log_error(rx->name,
                  "cannot store %s (%d in a row); nothing was confirmed, trying again "
                  "in %lld s",
                  what, fails, (long long)(wait + 999) / 1000);
    return wait;
}

void receiver_stored(struct receiver *rx)
{
    rx->store_fails = 0;
}

int receiver_call_until_ok(struct receiver *rx, const char *method, json_t *params,
                           struct botapi_reply *r)
{
    for (int fails = 1;; fails++) {
        receiver_call(rx, method, json_incref(params), 30, r);
        if (r->status == BOTAPI_OK) {
            json_decref(params);
            return 0;
        }
        int64_t wait = botapi_backoff_ms(fails, 1000, RECEIVER_BACKOFF_CAP_MS);
        receiver_log_failure(rx, method, r, fails, wait);
        botapi_reply_clear(r);
        if (receiver_sleep(rx, wait)) {
            json_decref(params);
            return -1;
        }
    }
}

int receiver_prepare_polling(struct receiver *rx)
{
    struct botapi_reply r;
    if (receiver_call_until_ok(rx, "getWebhookInfo", json_object(), &r) != 0)
        return -1;
    const char *url = json_string_value(json_object_get(r.result, "url"));
    int has_hook = url && *url;
    botapi_reply_clear(&r);
    if (!has_hook)
        return 0;
    log_info(rx->name, "switching from webhook to polling: deleting the webhook");
    int rc = receiver_call_until_ok(rx, "deleteWebhook", json_object(), &r);
    botapi_reply_clear(&r);
    return rc;
}

int receiver_set_webhook(struct receiver *rx, json_t *extra)
{
    json_t *params =
        json_pack("{s:s, s:s}", "url", rx->pc->webhook_url, "secret_token", rx->pc->webhook_secret);
    if (extra)
        json_object_update(params, extra);
    json_decref(extra);
    struct botapi_reply r;
    int rc = receiver_call_until_ok(rx, "setWebhook", params, &r);
    botapi_reply_clear(&r);
    if (rc == 0)
        log_info(rx->name, "webhook set; updates arrive at /webhook/%s", rx->name);
    return rc;
}
