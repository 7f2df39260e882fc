/*
 * convo.h — conversations in progress, one per chat: which flow (the guided report, a yes/no
 * offer, a confirmation), which step, and the flow's data as JSON. A conversation is a row, not
 * a blocked thread, so it survives restarts; the scheduler nudges and expires idle ones.
 */
#ifndef TIPGATE_CONVO_H
#define TIPGATE_CONVO_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

struct convo {
    char *platform, *chat_id;
    char *flow, *step;
    char *data; /* JSON object */
    int64_t started_at, updated_at;
    bool nudged;
};

void convo_clear(struct convo *c);
int convo_get(struct db *db, const char *platform, const char *chat_id, struct convo *out);
/* Creates or replaces the chat's conversation (nudged reset). */
int convo_put(struct db *db, const char *platform, const char *chat_id, const char *flow,
              const char *step, const char *data, int64_t now_ms);
int convo_delete(struct db *db, const char *platform, const char *chat_id);
/* Conversations idle since before idle_before_ms and not nudged yet (up to max). */
int convo_idle(struct db *db, int64_t idle_before_ms, bool nudged, struct convo *out, int max,
               int *n);
int convo_mark_nudged(struct db *db, const char *platform, const char *chat_id);

#endif
