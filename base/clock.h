/*
 * clock.h — the one clock every time-based decision reads.
 *
 * Handlers, the scheduler, rate limiters and storage timestamps never call time(): they call
 * clock_now_ms(), which tests can replace (clock_set_fake) or shift (clock_set_offset_ms) so
 * reminders and deadlines can be exercised without waiting. Monotonic waits (poll timeouts,
 * backoff sleeps) use clock_mono_ms(), which is never faked: a shifted wall clock must not make
 * the process spin or hang.
 */
#ifndef TIPGATE_CLOCK_H
#define TIPGATE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds since the Unix epoch, as the application sees it. */
int64_t clock_now_ms(void);
/* Milliseconds from an arbitrary start; never faked, never goes back. */
int64_t clock_mono_ms(void);
/* The CLOCK_MONOTONIC instant ms from now, as pthread_cond_timedwait on a condition variable
 * made with that clock wants it (the waits of the receivers and the push sender). */
struct timespec clock_mono_deadline(int64_t ms);
/* The same clock in microseconds, to measure how long work takes (the scheduler's ticks). */
int64_t clock_mono_us(void);

/* Reads TIPGATE_CLOCK_FILE from the environment: when set, the application clock is shifted by
 * the number of milliseconds written in that file (re-read at most every 200 ms), so an
 * operator or an integration test can move a running service through hours or weeks of
 * reminders. Unset (the normal case): real time. Call once at start. */
void clock_init_from_env(void);

/* Test hooks. A fake clock returns exactly the value set until changed; 0 restores real time. */
void clock_set_fake(int64_t now_ms);
void clock_advance(int64_t delta_ms);
void clock_set_offset_ms(int64_t offset_ms);

#endif
