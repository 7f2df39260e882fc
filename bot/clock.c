/*
 * clock.c — see clock.h. The fake value and the offset are atomics because the worker, the
 * HTTP thread and the sender threads all read the clock while a test may set it.
 */
#include "bot/clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t clock_fake_ms;
static _Atomic int64_t clock_offset_ms;

int64_t clock_now_ms(void)
{
    int64_t fake = atomic_load(&clock_fake_ms);
    if (fake)
        return fake;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&clock_offset_ms);
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_set_fake(int64_t now_ms)
{
    atomic_store(&clock_fake_ms, now_ms);
}

void clock_advance(int64_t delta_ms)
{
    if (atomic_load(&clock_fake_ms))
        atomic_fetch_add(&clock_fake_ms, delta_ms);
    else
        atomic_fetch_add(&clock_offset_ms, delta_ms);
}

void clock_set_offset_ms(int64_t offset_ms)
{
    atomic_store(&clock_offset_ms, offset_ms);
}
