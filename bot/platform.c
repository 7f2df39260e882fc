/*
 * platform.c — the platform registry. Order matters only in that an index is stable for the
 * life of the process (worker masks use it). The ops and their caps are const; the names and
 * caps are handed down to base/platform_caps.c at start so that the floors below the service
 * (handlers, storage) can ask what a platform can do without including it.
 */
#include "bot/platform.h"

#include <string.h>

extern const struct platform_ops webchat_platform;
extern const struct platform_ops console_platform;
extern const struct platform_ops telegram_platform;
extern const struct platform_ops zalo_platform;

const struct platform_ops *const platform_registry[] = {
    &webchat_platform, &console_platform, &telegram_platform, &zalo_platform, NULL,
};

void platform_registry_init(void)
{
    for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++)
        platform_register(i, platform_registry[i]->name, &platform_registry[i]->caps);
}

const struct platform_ops *platform_find(const char *name)
{
    for (int i = 0; name && platform_registry[i]; i++)
        if (strcmp(platform_registry[i]->name, name) == 0)
            return platform_registry[i];
    return NULL;
}
