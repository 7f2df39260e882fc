/*
 * bot_settings.h — the settings every bot-token HTTP platform (telegram.c, zalo.c) declares:
 * the same keys under platforms.<name>, with defaults of its own. A platform writes its spec
 * with BOT_SETTINGS_SPEC and its check with bot_settings_check, and hands the block to the
 * registry (bot/platform.h .settings); config/config.c fills a struct bot_settings from the
 * file once at start, and the platform reads it with cfg_settings().
 */
#ifndef TIPGATE_BOT_SETTINGS_H
#define TIPGATE_BOT_SETTINGS_H

#include "config/config.h"

#include <stdbool.h>
#include <stddef.h>

struct bot_rate_limit {
    double global_per_sec; /* 0 = no limit */
    double per_chat_per_sec;
    double per_group_per_min;
};

struct bot_settings {
    bool enabled;
    char *token;
    char *api_base_url;
    char *mode; /* "polling" or "webhook" */
    char *webhook_url;
    char *webhook_secret;
    struct bot_rate_limit rate_limit;
    int max_attempts;
};

extern const char *const bot_settings_modes[]; /* "polling", "webhook" */

#define BOT_OFF(field) offsetof(struct bot_settings, field)
/* The rows of a bot platform's spec: its API's URL and default rate limits (per second in
 * total, per second per chat, per minute per group). */
#define BOT_SETTINGS_SPEC(url, global, chat, group)                                                \
    {"enabled", CFG_BOOL, BOT_OFF(enabled), NULL, 0, 0, 0, NULL, NULL},                            \
        {"token", CFG_SECRET, BOT_OFF(token), "", 0, 0, 0, NULL, NULL},                            \
        {"api_base_url", CFG_STR, BOT_OFF(api_base_url), url, 0, 0, 0, NULL, NULL},                \
        {"mode", CFG_STR, BOT_OFF(mode), "polling", 0, 0, 0, bot_settings_modes, NULL},            \
        {"webhook_url", CFG_STR, BOT_OFF(webhook_url), "", 0, 0, 0, NULL, NULL},                   \
        {"webhook_secret", CFG_SECRET, BOT_OFF(webhook_secret), "", 0, 0, 0, NULL, NULL},          \
        {"rate_limit.global_per_sec",                                                              \
         CFG_NUM,                                                                                  \
         BOT_OFF(rate_limit.global_per_sec),                                                       \
         NULL,                                                                                     \
         global,                                                                                   \
         0,                                                                                        \
         10000,                                                                                    \
         NULL,                                                                                     \
         NULL},                                                                                    \
        {"rate_limit.per_chat_per_sec",                                                            \
         CFG_NUM,                                                                                  \
         BOT_OFF(rate_limit.per_chat_per_sec),                                                     \
         NULL,                                                                                     \
         chat,                                                                                     \
         0,                                                                                        \
         10000,                                                                                    \
         NULL,                                                                                     \
         NULL},                                                                                    \
        {"rate_limit.per_group_per_min",                                                           \
         CFG_NUM,                                                                                  \
         BOT_OFF(rate_limit.per_group_per_min),                                                    \
         NULL,                                                                                     \
         group,                                                                                    \
         0,                                                                                        \
         100000,                                                                                   \
         NULL,                                                                                     \
         NULL},                                                                                    \
    {                                                                                              \
        "max_attempts", CFG_INT, BOT_OFF(max_attempts), NULL, 8, 1, 100, NULL, NULL                \
    }

/* The checks across keys: the URL's scheme; when enabled a token; in webhook mode a URL and a
 * secret of secret_min to 256 characters of A-Z a-z 0-9 _ -. 0, or -1 with why naming the key
 * path (platforms.<name>.…). */
int bot_settings_check(const struct bot_settings *s, const char *name, size_t secret_min, char *why,
                       size_t whylen);

#endif
