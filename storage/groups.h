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

/* ---- the web desk (handlers/deskapi_groups.c) --------------------------------------------- */

struct tip;
/* Group leads newest first (by created_at, then id), older than the cursor (before_at,
 * before_id; before_at 0: from the newest), through the leads' own index: of area (NULL: every
 * area) and, when scope is not NULL, only of area scope or of no area. Up to max into out
 * (tip_clear each) and the title of each one's group into titles[i] (caller frees; NULL when
 * the group is gone). */
int groups_leads_page(struct db *db, const char *scope, const char *area, int64_t before_at,
                      int64_t before_id, struct tip *out, char **titles, int max, int *n);

/* A bound group as the desk lists it (never its chat id): its leads and the scam warnings
 * given in it since a time. */
struct group_row {
    char title[256];
    char area[32];
    char platform[32];
    int64_t leads, warnings;
};
/* The bound groups of area (NULL: every area), by area and title, up to max. */
int groups_list(struct db *db, const char *area, int64_t since_ms, struct group_row *out, int max,
                int *n);

#endif
