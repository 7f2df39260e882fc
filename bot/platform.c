/*
 * platform.c — the platform registry. Order matters only in that an index is stable for the
 * life of the process (worker masks use it). The ops and their caps are const; what only the
 * platform can tell at run time (whether this bot may join groups) is kept beside them, in
 * atomics, since adapters learn it on their receive threads while the worker reads it.
 */
#include "bot/platform.h"

#include "config/config.h"

#include <stdatomic.h>
#include <string.h>

/* The platforms, one line each: X(name) names the const struct platform_ops name##_platform
 * its file in bot/platforms/ defines. */
#define PLATFORM_LIST(X)                                                                           \
    X(webchat)                                                                                     \
    X(console)                                                                                     \
    X(telegram)                                                                                    \
    X(zalo)

#define PLATFORM_DECLARE(name) extern const struct platform_ops name##_platform;
#define PLATFORM_ENTRY(name)   &name##_platform,

PLATFORM_LIST(PLATFORM_DECLARE)

const struct platform_ops *const platform_registry[] = {PLATFORM_LIST(PLATFORM_ENTRY) NULL};

int platform_index(const char *name)
{
    for (int i = 0; name && platform_registry[i]; i++)
        if (strcmp(platform_registry[i]->name, name) == 0)
            return i;
    return -1;
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
    int i = platform_index(name);
    return i < 0 ? NULL : platform_registry[i];
}

static atomic_bool platform_no_groups[PLATFORM_MAX];

struct platform_caps platform_caps_now(const char *name)
{
    int i = platform_index(name);
    struct platform_caps caps = {0};
    if (i < 0 || i >= PLATFORM_MAX)
        return caps;
    caps = platform_registry[i]->caps;
    if (atomic_load(&platform_no_groups[i]))
        caps.groups = false;
    return caps;
}

void platform_set_groups(const char *name, bool can_join)
{
    int i = platform_index(name);
    if (i >= 0 && i < PLATFORM_MAX)
        atomic_store(&platform_no_groups[i], !can_join);
}
