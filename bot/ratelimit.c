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

enum { RL_ID_MAX = 64, RL_INITIAL = 1024 };

struct rl_window {
    int max;
    int64_t window_ms;
    int count; /* sends recorded, at most max */
    int head;  /* index of the oldest */
    int64_t *times;
};

struct rl_entry {
    char id[RL_ID_MAX]; /* "" = free slot */
    bool is_group;
    struct rl_window w;
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

/* When the next send may go: now, or when the oldest of the last max sends leaves the window. */
static int64_t rl_window_next(const struct rl_window *w, int64_t now)
{
    if (w->max == 0 || w->count < w->max)
        return 0;
    int64_t free_at = w->times[w->head] + w->window_ms;
    return free_at <= now ? 0 : free_at;
}

static void rl_window_take(struct rl_window *w, int64_t now)
{
    if (w->max == 0)
        return;
    if (w->count < w->max) {
        w->times[(w->head + w->count) % w->max] = now;
        w->count++;
    } else {
        w->times[w->head] = now;
        w->head = (w->head + 1) % w->max;
    }
}

static int64_t rl_window_newest(const struct rl_window *w)
{
    return w->count ? w->times[(w->head + w->count - 1) % w->max] : 0;
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
    for (size_t i = 0; rl->table && i < rl->size; i++)
        free(rl->table[i].w.times);
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
        if (old[i].id[0] && now - rl_window_newest(&old[i].w) < old[i].w.window_ms)
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
        if (now - rl_window_newest(&old[i].w) >= old[i].w.window_ms) {
            free(old[i].w.times);
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
    if (rl_window_init(&e->w, is_group ? rl->group_rule : rl->chat_rule) != 0) {
        e->w.max = 0; /* out of memory: this chat goes unlimited rather than blocked forever */
    }
    return e;
}

int64_t ratelimit_check(struct ratelimit *rl, const char *chat_id, bool is_group, int64_t now_ms,
                        bool *global_blocked)
{
    *global_blocked = false;
    int64_t g = rl_window_next(&rl->global, now_ms);
    struct rl_entry *e = rl_find(rl, chat_id, false);
    int64_t c = e ? rl_window_next(&e->w, now_ms) : 0;
    if (g > c)
        *global_blocked = true;
    return g > c ? g : c;
}

void ratelimit_take(struct ratelimit *rl, const char *chat_id, bool is_group, int64_t now_ms)
{
    rl_window_take(&rl->global, now_ms);
    struct ratelimit_rule rule = is_group ? rl->group_rule : rl->chat_rule;
    if (rule.max == 0)
        return;
    struct rl_entry *e = rl_entry(rl, chat_id, is_group, now_ms);
    if (e)
        rl_window_take(&e->w, now_ms);
}
