/*
 * groups.h — what tipgate keeps about neighbourhood group chats: the area a group is bound to,
 * the one hint an unbound group gets, the unsolicited-message limit, the scam shield (flagged
 * items, warnings given, sightings of unflagged items, suspects told to the desk), meetings,
 * and the figures /thongke shows. Group message texts themselves are not kept here.
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

/* ---- scam shield ------------------------------------------------------------------------ */

struct scam_item {
    int64_t id;
    char kind[16]; /* "phone", "link", "account" */
    char value[256];
    char bank[64];
    char reason[512];
};

/* Adds or updates (reason, bank) a flagged item. */
int scam_flag(struct db *db, const char *kind, const char *value, const char *bank,
              const char *reason, int64_t by, int64_t now_ms);
int scam_find(struct db *db, const char *kind, const char *value, struct scam_item *out);
/* The flagged account numbers found in digits (a message's digits run together), oldest flag
 * first, up to max. */
int scam_match_accounts(struct db *db, const char *digits, struct scam_item *out, int max, int *n);
/* DB_OK when no warning about item was given in this group on day (and records it now),
 * DB_DUPLICATE when one was. */
int scam_warn_once(struct db *db, int64_t item_id, const char *platform, const char *chat_id,
                   const char *day, int64_t now_ms);
int scam_forget_warning(struct db *db, int64_t item_id, const char *platform, const char *chat_id,
                        const char *day);
/* Records a sighting and counts the distinct sources of this item since since_ms. */
int scam_sighting(struct db *db, const char *kind, const char *value, const char *source,
                  int64_t now_ms, int64_t since_ms, int *sources);
/* DB_OK when this suspect was not reported on day (and records it), else DB_DUPLICATE. */
int scam_suspect_once(struct db *db, const char *kind, const char *value, const char *day,
                      int64_t now_ms);
/* The time of the oldest sighting kept (DB_NOT_FOUND: none), and the deletion of at most max
 * sightings older than before_ms, oldest first (the scam job's batches). */
int scam_oldest_sighting(struct db *db, int64_t *seen_at);
int scam_prune(struct db *db, int64_t before_ms, int max);

/* ---- meetings --------------------------------------------------------------------------- */

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

/* ---- figures ---------------------------------------------------------------------------- */

/* Tips (and group leads) of an area since since_ms; warnings given in its groups; bulk messages
 * sent to its groups. */
int groups_stats(struct db *db, const char *area, int64_t since_ms, int64_t *tips,
                 int64_t *warnings, int64_t *campaign);

/* Group leads' retention (handlers/groups.c group_tick), found through the partial index
 * tips_leads_age: groups_leads_due says whether a lead was created before before_ms (a read,
 * no lock); groups_prune_leads deletes up to max of them, oldest first, with everything
 * attached to them — attachments, messages, reminders, search keys, the desk's messages about
 * them (outbox.tip_id, once sent or failed) — while the audit log keeps its entries without
 * the link. *deleted says how many leads went. The group message a lead came from kept no text
 * (the worker reduces group messages to their update key once handled). */
int groups_leads_due(struct db *db, int64_t before_ms, bool *due);
int groups_prune_leads(struct db *db, int64_t before_ms, int max, int64_t *deleted);

#endif
