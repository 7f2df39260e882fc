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

#endif
