/*
 * platform.c — the platform registry. Order matters only in that an index is stable for the
 * life of the process (worker masks use it).
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

int platform_index(const char *name)
{
    for (int i = 0; name && platform_registry[i]; i++)
        if (strcmp(platform_registry[i]->name, name) == 0)
            return i;
    return -1;
}

const struct platform_ops *platform_find(const char *name)
{
    int i = platform_index(name);
    return i < 0 ? NULL : platform_registry[i];
}
