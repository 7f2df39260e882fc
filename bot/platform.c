/*
 * platform.c — the platform registry. Order matters only in that an index is stable for the
 * life of the process (worker masks use it). The ops and their caps are const; the names and
 * caps are handed down to base/platform_caps.c at start so that the floors below the service
 * (handlers, storage) can ask what a platform can do without including it.
 */
#include "bot/platform.h"

#include "config/config.h"

#include <stdio.h>
#include <string.h>

/* The platforms, one line each: X(name) names the const struct platform_ops name##_platform
 * its file in bot/platforms/ defines. */
#define PLATFORM_LIST(X)                                                                           \
    X(webchat)                                                                                     \
    X(console)                                                                                     \
    X(telegram)                                                                                    \
    X(zalo)                                                                                        \
    X(zalo_oa)                                                                                     \
    X(messenger)

#define PLATFORM_DECLARE(name) extern const struct platform_ops name##_platform;
#define PLATFORM_ENTRY(name)   &name##_platform,

PLATFORM_LIST(PLATFORM_DECLARE)

const struct platform_ops *const platform_registry[] = {PLATFORM_LIST(PLATFORM_ENTRY) NULL};

void platform_registry_init(void)
{
    for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++)
        platform_register(i, platform_registry[i]->name, &platform_registry[i]->caps);
}

int platform_register_settings(void)
{
    for (int i = 0; platform_registry[i]; i++)
        if (platform_registry[i]->settings && cfg_register(platform_registry[i]->settings) != 0)
            return -1;
    return 0;
}

const struct platform_ops *platform_find(const char *name)
{
    for (int i = 0; name && platform_registry[i]; i++)
        if (strcmp(platform_registry[i]->name, name) == 0)
            return platform_registry[i];
    return NULL;
}

int platform_file_url_as_is(void *state, void *easy, const char *ref, char url[PLATFORM_URL_MAX],
                            char why[PLATFORM_WHY_MAX])
{
    (void)state;
    (void)easy;
    bool web = strncmp(ref, "https://", 8) == 0 || strncmp(ref, "http://", 7) == 0;
    if (!web || strlen(ref) >= PLATFORM_URL_MAX) {
        snprintf(why, PLATFORM_WHY_MAX, "not a photo URL");
        return PLATFORM_FILE_GONE;
    }
    snprintf(url, PLATFORM_URL_MAX, "%s", ref);
    return 0;
}
