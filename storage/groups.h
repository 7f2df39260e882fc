/*
 * groups.h — what tipgate keeps about neighbourhood group chats: the area a group is bound to,
 * the one hint an unbound group gets, the unsolicited-message limit, the figures /thongke shows
 * and the retention of group leads. Group message texts themselves are not kept here; the scam
 * shield is storage/scam_list.h, the meetings storage/meetings.h.
 */
#ifndef TIPGATE_GROUPS_H
#define TIPGATE_GROUPS_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

struct group_chat {
    char *title;
    char *area; /* NULL when unbound */
    bool reachable;
    int64_t hinted_at, last_unsolicited_at;
};

void group_chat_clear(struct group_chat *g);
int groups_get(struct db *db, const char *platform, const char *chat_id, struct group_chat *out);
/* Binds (area) or unbinds (area NULL) a group. */
int groups_bind(struct db *db, const char *platform, const char *chat_id, const char *area,
                int64_t now_ms);
int groups_mark_hinted(struct db *db, const char *platform, const char *chat_id, int64_t now_ms);
/* Takes the group's unsolicited-message slot if the last one was at least gap_ms ago:
 * DB_OK when the caller may speak now, DB_DUPLICATE when it must stay quiet. */
int groups_take_unsolicited(struct db *db, const char *platform, const char *chat_id,
                            int64_t now_ms, int64_t gap_ms);
/* The bound, reachable groups of an area: (platform, chat_id) pairs the caller frees. */
int groups_of_area(struct db *db, const char *area, char **platforms, char **chat_ids, int max,
                   int *n);

/* ---- figures ---------------------------------------------------------------------------- */

/* Tips (and group leads) of an area since since_ms; warnings given in its groups; bulk messages
 * sent to its groups. */
int groups_stats(struct db *db, const char *area, int64_t since_ms, int64_t *tips,
                 int64_t *warnings, int64_t *campaign);

/* Group leads' retention (handlers/groups.c group_tick), found through the partial index
 * tips_leads_age: groups_leads_due says whether a lead was created before before_ms (a read,
 * no lock); groups_prune_leads deletes up to max of them, oldest first, with everything
 * attached to them — attachments, messages, reminders, search keys, the desk's messages about
 * them (outbox rows with ref_kind 'tip', once sent or failed) — while the audit log keeps its
 * entries without the link. *deleted says how many leads went. The group message a lead came from
 * kept no text (the worker reduces group messages to their update key once handled). */
int groups_leads_due(struct db *db, int64_t before_ms, bool *due);
int groups_prune_leads(struct db *db, int64_t before_ms, int max, int64_t *deleted);

#endif
