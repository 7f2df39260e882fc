/*
 * scam_list.h — the scam shield's records: flagged items (phone numbers, links, bank accounts)
 * with the reason officers gave, the warnings given in each group (one a day per item), the
 * sightings of items not flagged yet (several distinct sources make a suspect) and the suspects
 * already told to the desk. handlers/scam.c decides; this file only keeps. Flagged accounts are
 * matched in memory (a per-connection hash set reloaded when the list changes).
 */
#ifndef TIPGATE_SCAM_LIST_H
#define TIPGATE_SCAM_LIST_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

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

/* ---- the web desk's lists (handlers/deskapi_groups.c) ------------------------------------ */

/* A flagged item as the desk lists it: the item, when it was flagged, and how many sightings
 * of it are kept (the two days before it was flagged, or since it was removed). */
struct scam_entry {
    struct scam_item item;
    int64_t created_at, sightings;
};
/* Flagged items not removed, newest first, with an id below before_id (0: from the newest), of
 * kind (NULL: any); when part is not NULL, only those whose value contains part or whose
 * reason contains reason_part (NULL: not searched; matched regardless of ASCII case). Up to max
 * into out, *n of them. */
int scam_list_page(struct db *db, const char *kind, const char *part, const char *reason_part,
                   int64_t before_id, struct scam_entry *out, int max, int *n);
/* Takes item id off the list (marked removed by person by, kept for its id and its warnings):
 * DB_OK and *out filled (as it was); DB_NOT_FOUND when there is no such item on the list. */
int scam_remove(struct db *db, int64_t id, int64_t by, int64_t now_ms, struct scam_item *out);

/* An item seen in groups or tips (sightings are kept two days): how many distinct groups it
 * was seen in (never which), how many times in all, first and last seen, and whether it is
 * on the list now. */
struct scam_seen {
    char kind[16]; /* "phone", "link" */
    char value[256];
    int64_t groups, count, first_at, last_at;
    bool flagged;
};
/* Sightings by item in (kind, value) order after (after_kind, after_value) ("" and "": from the
 * first), up to max into out. */
int scam_sightings_page(struct db *db, const char *after_kind, const char *after_value,
                        struct scam_seen *out, int max, int *n);

#endif
