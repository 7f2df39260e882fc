/*
 * clock.c — see clock.h. The fake value and the offset are atomics because the worker, the
 * HTTP thread and the sender threads all read the clock while a test may set it.
 */
#include "base/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t clock_fake_ms;
static _Atomic int64_t clock_offset_ms;
static char clock_file[1024];
static _Atomic int64_t clock_file_read_at; /* monotonic ms of the last read */

void clock_init_from_env(void)
{
    const char *f = getenv("TIPGATE_CLOCK_FILE");
    if (f && *f && strlen(f) < sizeof clock_file)
        strcpy(clock_file, f);
}

/* Re-reads the offset file now and then; a missing or unreadable file means no offset. */
static void clock_refresh(void)
{
    int64_t mono = clock_mono_ms();
    int64_t last = atomic_load(&clock_file_read_at);
    if (last && mono - last < 200)
        return;
    atomic_store(&clock_file_read_at, mono);
    FILE *fp = fopen(clock_file, "r");
    long long offset = 0;
    if (fp) {
        if (fscanf(fp, "%lld", &offset) != 1)
            offset = 0;
        fclose(fp);
    }
    atomic_store(&clock_offset_ms, (int64_t)offset);
}

int64_t clock_now_ms(void)
{
    int64_t fake = atomic_load(&clock_fake_ms);
    if (fake)
        return fake;
    if (clock_file[0])
        clock_refresh();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&clock_offset_ms);
}

struct timespec clock_mono_deadline(int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return until;
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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
