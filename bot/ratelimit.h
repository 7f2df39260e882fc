/*
 * ratelimit.h — sending limits as sliding windows: "at most N messages in any window of W
 * milliseconds", per platform, per chat and per group.
 *
 * A token bucket of capacity N refilling at N/W lets up to 2N through in some window of W
 * (a full bucket drained, then refilled), which is exactly what a platform counting a sliding
 * window punishes with 429s. Keeping the times of the last N sends and admitting a send only when
 * the oldest of them left the window never exceeds the platform's own count. Memory: N
 * timestamps per key; idle keys are pruned.
 *
 * The platform counts a message when it arrives, which is some time after we start sending it.
 * So a send is recorded when it starts (to reserve its place) and its time is moved to when the
 * answer came back (ratelimit_done): the platform saw it before that, so counting from there is
 * never early. A group obeys both its per-minute rule and the per-chat rule.
 *
 * Not thread-safe: each sender owns its limiter. Times come from the caller (the monotonic
 * clock), so tests can drive it.
 */
#ifndef TIPGATE_RATELIMIT_H
#define TIPGATE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

struct ratelimit_rule {
    int max; /* messages per window; 0 = no limit */
    int64_t window_ms;
};

/* Makes a rule from "rate per period" with the given burst: e.g. 1/s with burst 3 is at most 3
 * messages in any 3 s. rate 0 makes the "no limit" rule. */
struct ratelimit_rule ratelimit_rule(double rate, int64_t period_ms, int burst);

/* global applies to every send, chat to each private chat, group to each group. */
struct ratelimit *ratelimit_new(struct ratelimit_rule global, struct ratelimit_rule chat,
                                struct ratelimit_rule group);
void ratelimit_free(struct ratelimit *rl);

/* 0 if a message to chat_id (a group when is_group) may go at now_ms; otherwise the earliest
 * time it may. *global_blocked says whether the platform-wide limit is the reason. */
int64_t ratelimit_check(struct ratelimit *rl, const char *chat_id, bool is_group, int64_t now_ms,
                        bool *global_blocked);
/* Records a send starting at now_ms (call only after ratelimit_check said yes). */
void ratelimit_take(struct ratelimit *rl, const char *chat_id, bool is_group, int64_t now_ms);
/* The send started at started_ms was answered at done_ms: count it from then. */
void ratelimit_done(struct ratelimit *rl, const char *chat_id, int64_t started_ms, int64_t done_ms);

#endif
