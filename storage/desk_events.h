/*
 * desk_events.h — what the web desk's live socket (bot/desk_live.c) tells the open desks: the
 * tips and group leads filed, the tipsters' follow-ups and the desk's actions since a cursor
 * (the last ids seen of tips, tip_messages and audit_log), and the urgent tips nobody has
 * acknowledged yet for a desk that just connected. Feedback is never an event; views of a tip
 * are not actions. Reading after a cursor is a range of row ids (the primary keys), so a wake
 * with nothing new costs three index lookups.
 */
#ifndef TIPGATE_DESK_EVENTS_H
#define TIPGATE_DESK_EVENTS_H

#include "storage/db.h"
#include "storage/tips.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    DESK_EVENTS_MAX = 32, /* rows of each kind read by one desk_events_read */
    DESK_URGENT_MAX = 20, /* urgent unacknowledged tips in a desk's hello */
};

/* The last row ids seen. */
struct desk_cursor {
    int64_t tip, message, audit;
};

/* A follow-up or a desk action on a tip. */
struct desk_note {
    int64_t id; /* of the tip_messages or audit_log row */
    char code[TIPS_CODE_LEN + 1];
    char *area;   /* the tip's area, NULL when none was found */
    int64_t at;   /* ms */
    char *action; /* an action: "ack", "assign", "status", "reply", "close", …; NULL for replies */
    char *who;    /* an action: the officer's display name; NULL when not an officer's */
};

/* One read's events, each kind oldest first. */
struct desk_events {
    struct tip tips[DESK_EVENTS_MAX]; /* new tips and group leads */
    int n_tips;
    struct desk_note replies[DESK_EVENTS_MAX]; /* the tipsters' follow-ups */
    int n_replies;
    struct desk_note changes[DESK_EVENTS_MAX]; /* desk actions, views left out */
    int n_changes;
    bool more; /* a kind filled its DESK_EVENTS_MAX: read again */
};

/* The cursor of "now": the current last ids of the three tables. */
int desk_events_start(struct db *db, struct desk_cursor *c);

/* The events after *c (up to DESK_EVENTS_MAX of each kind) into *ev (desk_events_clear it),
 * and *c moved past them. When a table's last id went back below the cursor (its newest rows
 * were deleted), the cursor follows it down. DB_OK or DB_ERROR (*ev empty, *c unchanged). */
int desk_events_read(struct db *db, struct desk_cursor *c, struct desk_events *ev);
void desk_events_clear(struct desk_events *ev);

/* The open urgent tips and leads not yet acknowledged (newest first, up to max ≤
 * DESK_URGENT_MAX) of area and of no area; area NULL: of every area. Into out (tip_clear each). */
int desk_events_urgent(struct db *db, const char *area, struct tip *out, int max, int *n);

#endif
