/*
 * ratelimit.c — see ratelimit.h. Per-chat windows live in an open-addressing table keyed by the
 * chat id; when it fills up, windows whose last send left the window are dropped (they carry no
 * information), and if none can be dropped the table doubles.
 */
#include "bot/ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RL_ID_MAX = 64, RL_INITIAL = 1024, RATELIMIT_SLACK_MS = 25 };

struct rl_window {
    int max;
    int64_t window_ms;
    int count; /* sends recorded, at most max; unordered (ratelimit_done moves times) */
    int64_t *times;
};

struct rl_entry {
    char id[RL_ID_MAX]; /* "" = free slot */
    bool is_group;
    struct rl_window w;     /* the chat rule */
    struct rl_window group; /* groups only: the per-group rule */
};

struct ratelimit {
    struct ratelimit_rule global_rule, chat_rule, group_rule;
    struct rl_window global;
    struct rl_entry *table;
    size_t size, used;
};

struct ratelimit_rule ratelimit_rule(double rate, int64_t period_ms, int burst)
{
    struct ratelimit_rule r = {0, 0};
    if (rate <= 0)
        return r;
    if (burst < 1)
        burst = 1;
    r.max = burst;
    r.window_ms = (int64_t)ceil((double)period_ms * burst / rate);
    return r;
}

static int rl_window_init(struct rl_window *w, struct ratelimit_rule rule)
{
    memset(w, 0, sizeof *w);
    w->max = rule.max;
    w->window_ms = rule.window_ms;
    if (rule.max > 0 && !(w->times = calloc((size_t)rule.max, sizeof *w->times)))
        return -1;
    return 0;
}

static int rl_window_oldest(const struct rl_window *w)
{
    int oldest = 0;
    for (int i = 1; i < w->count; i++)
        if (w->times[i] < w->times[oldest])
            oldest = i;
    return oldest;
}

/* When the next send may go: now, or when the oldest of the last max sends leaves the window. */
static int64_t rl_window_next(const struct rl_window *w, int64_t now)
{
    if (w->max == 0 || w->count < w->max)
        return 0;
    int64_t free_at = w->times[rl_window_oldest(w)] + w->window_ms;
    return free_at <= now ? 0 : free_at;
}

static void rl_window_take(struct rl_window *w, int64_t now)
{
    if (w->max == 0)
        return;
    if (w->count < w->max)
        w->times[w->count++] = now;
    else
        w->times[rl_window_oldest(w)] = now;
}

static void rl_window_move(struct rl_window *w, int64_t from, int64_t to)
{
    for (int i = 0; i < w->count; i++)
        if (w->times[i] == from) {
            w->times[i] = to;
            return;
        }
}

static int64_t rl_window_newest(const struct rl_window *w)
{
    int64_t newest = 0;
    for (int i = 0; i < w->count; i++)
        newest = w->times[i] > newest ? w->times[i] : newest;
    return newest;
}

/* An entry is idle when neither of its windows remembers a send that still counts. */
static int rl_idle(const struct rl_entry *e, int64_t now)
{
    return now - rl_window_newest(&e->w) >= e->w.window_ms &&
           now - rl_window_newest(&e->group) >= e->group.window_ms;
}

struct ratelimit *ratelimit_new(struct ratelimit_rule global, struct ratelimit_rule chat,
                                struct ratelimit_rule group)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->global_rule = global;
    rl->chat_rule = chat;
    rl->group_rule = group;
    rl->size = RL_INITIAL;
    rl->table = calloc(rl->size, sizeof *rl->table);
    if (!rl->table || rl_window_init(&rl->global, global) != 0) {
        ratelimit_free(rl);
        return NULL;
    }
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    for (size_t i = 0; rl->table && i < rl->size; i++) {
        free(rl->table[i].w.times);
        free(rl->table[i].group.times);
    }
    free(rl->table);
    free(rl->global.times);
    free(rl);
}

static size_t rl_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static struct rl_entry *rl_find(struct ratelimit *rl, const char *id, bool create);

/* Rebuilds the table without idle windows, doubling it if it would stay over half full. */
static int rl_rehash(struct ratelimit *rl, int64_t now)
{
    struct rl_entry *old = rl->table;
    size_t old_size = rl->size, live = 0;
    for (size_t i = 0; i < old_size; i++)
        if (old[i].id[0] && !rl_idle(&old[i], now))
            live++;
    size_t size = live * 2 > old_size / 2 ? old_size * 2 : old_size;
    struct rl_entry *table = calloc(size, sizeof *table);
    if (!table)
        return -1;
    rl->table = table;
    rl->size = size;
    rl->used = 0;
    for (size_t i = 0; i < old_size; i++) {
        if (!old[i].id[0])
            continue;
        if (rl_idle(&old[i], now)) {
            free(old[i].w.times);
            free(old[i].group.times);
            continue;
        }
        struct rl_entry *e = rl_find(rl, old[i].id, true);
        *e = old[i];
    }
    free(old);
    return 0;
}

static struct rl_entry *rl_find(struct ratelimit *rl, const char *id, bool create)
{
    size_t mask = rl->size - 1;
    for (size_t i = rl_hash(id) & mask;; i = (i + 1) & mask) {
        struct rl_entry *e = &rl->table[i];
        if (!e->id[0]) {
            if (!create)
                return NULL;
            snprintf(e->id, sizeof e->id, "%s", id);
            rl->used++;
            return e;
        }
        if (strcmp(e->id, id) == 0)
            return e;
    }
}

static struct rl_entry *rl_entry(struct ratelimit *rl, const char *id, bool is_group, int64_t now)
{
    struct rl_entry *e = rl_find(rl, id, false);
    if (e)
        return e;
    if (rl->used * 4 >= rl->size * 3 && rl_rehash(rl, now) != 0)
        return NULL;
    e = rl_find(rl, id, true);
    e->is_group = is_group;
    /* A group: one message at a time per the chat rule (no burst), and its per-minute cap. */
    struct ratelimit_rule chat = rl->chat_rule;
    if (is_group && chat.max > 1) {
        chat.window_ms = chat.window_ms / chat.max;
        chat.max = 1;
    }
    /* Out of memory: this chat goes unlimited rather than blocked forever. */
    if (rl_window_init(&e->w, chat) != 0)
        e->w.max = 0;
    if (is_group && rl_window_init(&e->group, rl->group_rule) != 0)
        e->group.max = 0;
    return e;
}

int64_t ratelimit_check(struct ratelimit *rl, const char *chat_id, bool is_group, int64_t now_ms,
                        bool *global_blocked)
{
    *global_blocked = false;
    int64_t g = rl_window_next(&rl->global, now_ms);
    struct rl_entry *e = rl_find(rl, chat_id, false);
    int64_t c = e ? rl_window_next(&e->w, now_ms) : 0;
    int64_t grp = e ? rl_window_next(&e->group, now_ms) : 0;
    c = grp > c ? grp : c;
    if (g > c)
        *global_blocked = true;
    return g > c ? g : c;
}

void ratelimit_take(struct ratelimit *rl, const char *chat_id, bool is_group, int64_t now_ms)
{
    rl_window_take(&rl->global, now_ms);
    if (rl->chat_rule.max == 0 && !(is_group && rl->group_rule.max))
        return;
    struct rl_entry *e = rl_entry(rl, chat_id, is_group, now_ms);
    if (e) {
        rl_window_take(&e->w, now_ms);
        rl_window_take(&e->group, now_ms);
    }
}

void ratelimit_done(struct ratelimit *rl, const char *chat_id, int64_t started_ms, int64_t done_ms)
{
    /* A little slack on top: the platform's clock and ours are not the same clock, and
     * S5 of bench/run saw a handful of 429s in 10,000 sends without it. */
    done_ms += RATELIMIT_SLACK_MS;
    rl_window_move(&rl->global, started_ms, done_ms);
    struct rl_entry *e = rl_find(rl, chat_id, false);
    if (e) {
        rl_window_move(&e->w, started_ms, done_ms);
        rl_window_move(&e->group, started_ms, done_ms);
    }
}
