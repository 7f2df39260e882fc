/*
 * platform_caps.c — see platform_caps.h. The table is written once at start, before any
 * thread that reads it exists, so plain reads are safe; what adapters learn later on their
 * receive threads (whether their bot may join groups) is kept in atomics, since the worker
 * reads it at the same time.
 */
#include "base/platform_caps.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

static struct {
    const char *name;
    struct platform_caps caps;
} platform_table[PLATFORM_MAX];

static atomic_bool platform_no_groups[PLATFORM_MAX];

void platform_register(int i, const char *name, const struct platform_caps *caps)
{
    if (i < 0 || i >= PLATFORM_MAX || !name || !caps)
        return;
    platform_table[i].name = name;
    platform_table[i].caps = *caps;
}

int platform_index(const char *name)
{
    for (int i = 0; name && i < PLATFORM_MAX && platform_table[i].name; i++)
        if (strcmp(platform_table[i].name, name) == 0)
            return i;
    return -1;
}

bool platform_known(const char *name)
{
    return platform_index(name) >= 0;
}

struct platform_caps platform_caps_now(const char *name)
{
    int i = platform_index(name);
    struct platform_caps caps = {0};
    if (i < 0)
        return caps;
    caps = platform_table[i].caps;
    if (atomic_load(&platform_no_groups[i]))
        caps.groups = false;
    return caps;
}

void platform_set_groups(const char *name, bool can_join)
{
    int i = platform_index(name);
    if (i >= 0)
        atomic_store(&platform_no_groups[i], !can_join);
}
