/*
 * log.c — see log.h. Lines look like
 *   2026-11-23T14:47:43.123Z INFO  http: listening on http://127.0.0.1:8080
 * Timestamps are wall-clock UTC, not the injectable clock: logs must tell real time even when
 * a test has moved the application clock.
 */
#include "base/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define LOG_LINE_MAX   4096
#define LOG_SECRET_MAX 32

static enum log_level log_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_secrets[LOG_SECRET_MAX];
static int log_nsecrets;

static const char *const log_names[] = {"debug", "info", "warn", "error", "off"};

int log_level_parse(const char *name)
{
    for (int i = 0; i <= LOG_OFF; i++)
        if (name && strcmp(name, log_names[i]) == 0)
            return i;
    return -1;
}

void log_set_level(enum log_level level)
{
    log_level = level;
}

enum log_level log_get_level(void)
{
    return log_level;
}

void log_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < 4)
        return;
    pthread_mutex_lock(&log_lock);
    int known = 0;
    for (int i = 0; i < log_nsecrets; i++)
        if (strcmp(log_secrets[i], secret) == 0)
            known = 1;
    if (!known && log_nsecrets < LOG_SECRET_MAX) {
        char *copy = strdup(secret);
        if (copy)
            log_secrets[log_nsecrets++] = copy;
    }
    pthread_mutex_unlock(&log_lock);
}

void log_shutdown(void)
{
    pthread_mutex_lock(&log_lock);
    for (int i = 0; i < log_nsecrets; i++)
        free(log_secrets[i]);
    log_nsecrets = 0;
    pthread_mutex_unlock(&log_lock);
}

/* Replaces every occurrence of every secret in line with "***", in place. Caller holds log_lock. */
static void log_scrub(char *line)
{
    for (int i = 0; i < log_nsecrets; i++) {
        const char *s = log_secrets[i];
        size_t n = strlen(s);
        char *p;
        while ((p = strstr(line, s)) != NULL) {
            memcpy(p, "***", 3);
            memmove(p + 3, p + n, strlen(p + n) + 1);
        }
    }
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    if (level < log_level || level >= LOG_OFF)
        return;
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    static const char *const tags[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
    pthread_mutex_lock(&log_lock);
    log_scrub(line);
    fprintf(stderr, "%s.%03dZ %s %s: %s\n", stamp, (int)(tv.tv_usec / 1000), tags[level], module,
            line);
    pthread_mutex_unlock(&log_lock);
}
