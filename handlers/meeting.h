/*
 * meeting.h — "/hop <ngày giờ> <nội dung>" (/meeting): a leader posts a meeting to the group,
 * and the bot reminds the group the day before and an hour before. Dates are read the way
 * people write them — "20/12 19:30", "20/12/2026 19h30", "thứ 7 19h", "t7 19h", "chủ nhật 8h",
 * "mai 8h", "hôm nay 20h", "tối nay 19h30" — in the configured time zone; anything unclear is
 * asked back, never guessed.
 */
#ifndef TIPGATE_MEETING_H
#define TIPGATE_MEETING_H

#include "handlers/handler.h"

#include <stdint.h>

/* Reads a date and time at the start of text (relative to now_ms, local time). Returns the
 * number of bytes it used, or 0 when the start is not a complete, unambiguous date and time;
 * *at_ms receives the moment. */
size_t meeting_parse_when(const char *text, int64_t now_ms, int64_t *at_ms);

int meeting_command(struct hctx *ctx);
/* Scheduled: the day-before and hour-before reminders. */
int meeting_tick(struct hctx *ctx);

#endif
