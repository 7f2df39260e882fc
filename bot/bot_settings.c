/*
 * bot_settings.c — see bot_settings.h. The checks are the ones config.c made for Telegram and
 * Zalo before each platform declared its own keys; the messages are unchanged.
 */
#include "bot/bot_settings.h"

#include <stdio.h>
#include <string.h>

const char *const bot_settings_modes[] = {"polling", "webhook", NULL};

static int bot_settings_is_http(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

int bot_settings_check(const struct bot_settings *s, const char *name, size_t secret_min, char *why,
                       size_t whylen)
{
    if (!bot_settings_is_http(s->api_base_url)) {
        snprintf(why, whylen, "platforms.%s.api_base_url: must start with http:// or https://",
                 name);
        return -1;
    }
    if (!s->enabled)
        return 0;
    if (!*s->token || strpbrk(s->token, " \t\r\n/?#")) {
        snprintf(why, whylen,
                 "platforms.%s.token: required when the platform is enabled (a bot token "
                 "without spaces or slashes; \"env:NAME\" reads it from the environment)",
                 name);
        return -1;
    }
    if (strcmp(s->mode, "webhook") != 0)
        return 0;
    if (!bot_settings_is_http(s->webhook_url)) {
        snprintf(why, whylen, "platforms.%s.webhook_url: required in webhook mode (https://…)",
                 name);
        return -1;
    }
    size_t len = strlen(s->webhook_secret);
    if (len < secret_min || len > 256 ||
        strspn(s->webhook_secret,
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
        snprintf(why, whylen,
                 "platforms.%s.webhook_secret: required in webhook mode: %zu to 256 characters "
                 "of A-Z a-z 0-9 _ -",
                 name, secret_min);
        return -1;
    }
    return 0;
}
