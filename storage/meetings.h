/*
 * meetings.h — meetings announced in a group (handlers/meeting.c), with the two reminders each
 * gets: the day before and the hour before.
 */
#ifndef TIPGATE_MEETINGS_H
#define TIPGATE_MEETINGS_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

struct meeting {
    int64_t id;
    char *platform, *chat_id, *text;
    int64_t at;
    bool reminded_day, reminded_hour;
};

void meeting_clear(struct meeting *m);
int meetings_add(struct db *db, const char *platform, const char *chat_id, int64_t at,
                 const char *text, int64_t by, int64_t now_ms);
/* Meetings with a reminder due by now_ms (day-before or hour-before not yet sent). */
int meetings_due(struct db *db, int64_t now_ms, struct meeting *out, int max, int *n);
int meetings_mark(struct db *db, int64_t id, bool day, bool hour);

#endif
