/*
 * groups.h — tipgate as a quiet, useful member of neighbourhood group chats.
 *
 * A leader or officer binds a group to its area (/dangkynhom <mã khu vực>, /huynhom to undo);
 * an unbound group gets one short explanation, then silence. In a bound group every text goes
 * through the text engine as group context: a likely tip is forwarded to the area's desk as a
 * "group lead" (group, area, time, message, extracted fields; the sender's display name only if
 * the area's policy allows, the platform id never); the group hears from the bot only when it
 * helps — an invitation to report privately, the emergency numbers when urgent, a scam warning —
 * and never more than once per group per 5 minutes, never repeating personal data. Ordinary
 * chatter produces nothing, and its text is not kept.
 *
 * Leaders also post announcements to every bound group of their area (/thongbao), meetings
 * (/hop, meeting.c) and see the area's figures (/thongke).
 */
#ifndef TIPGATE_GROUPS_HANDLER_H
#define TIPGATE_GROUPS_HANDLER_H

#include "handlers/handler.h"

extern const struct router_table group_commands;

int group_bind(struct hctx *ctx);
int group_unbind(struct hctx *ctx);
int group_announce(struct hctx *ctx);
int group_stats(struct hctx *ctx);
/* A non-command message in a group. Sets ctx->keep_text when the message must be kept (it drew
 * a warning; a lead's text is kept in the lead). Returns 0 or -1. */
int group_watch(struct hctx *ctx);

/* Scheduled: deletes group leads past tips.lead_retention_days, a batch per tick, in a write
 * transaction of its own only when one is due (db_write). */
int group_tick(struct hctx *ctx);

#endif
