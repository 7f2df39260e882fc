/*
 * sla.h — the service and legal deadlines of tips, run by the scheduler from the one clock:
 * a tip not acknowledged within tips.ack_minutes (urgent: ack_urgent_minutes) → a reminder to
 * its desk, twice that → an escalation to the area's escalation chat; not classified within
 * classify_hours (joint circular 01/2017) → a reminder; the resolution limit (Criminal
 * Procedure Code art. 147, 20 days, moved by extensions) → reminders on the configured days
 * and an overdue flag. Each is sent once (storage/tips.c tip_reminders), and after a long
 * downtime only the latest relevant message goes: an overdue flag makes the earlier
 * reminders of that deadline moot, an escalation the plain reminder.
 */
#ifndef TIPGATE_SLA_H
#define TIPGATE_SLA_H

#include "handlers/handler.h"

int sla_tick(struct hctx *ctx);

#endif
