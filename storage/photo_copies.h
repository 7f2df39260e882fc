/*
 * photo_copies.h — the queue of photos to copy from the platforms, and what the web desk reads
 * of a tip's photos (migration 021).
 *
 * A photo a tipster sent through Telegram or Zalo is stored as that platform's ref (a file id,
 * a URL); the web desk can only serve bytes it holds. tips_add_attachment puts every such photo
 * in this queue; the copier (bot/copier.c) claims due rows, fetches each through its platform,
 * stores the bytes as an upload (storage/uploads.h) and records the copy here, or a failure
 * with the time of the next try. A photo uploaded from the web chat is never queued: it is a
 * copy already.
 */
#ifndef TIPGATE_PHOTO_COPIES_H
#define TIPGATE_PHOTO_COPIES_H

#include "storage/db.h"

#include <stdint.h>

enum { PHOTO_COPIES_PLATFORM_MAX = 32, PHOTO_COPIES_WHY_MAX = 200 };

/* One photo to fetch: the attachment's id, the platform's ref, the tip's platform, failed tries
 * so far. ref is the caller's to free (photo_copies_jobs_clear). */
struct photo_copies_job {
    int64_t id;
    char *ref;
    char platform[PHOTO_COPIES_PLATFORM_MAX];
    int tries;
};

/* What the desk may show of a photo. */
enum photo_copies_state {
    PHOTO_COPIES_READY,       /* a file of ours: local holds its "upload:<hex>" ref */
    PHOTO_COPIES_PENDING,     /* not copied yet; the copier will try */
    PHOTO_COPIES_UNAVAILABLE, /* the platform would not give it (expired, unknown, not a photo) */
};

struct photo_copies_photo {
    enum photo_copies_state state;
    char *local; /* READY: the "upload:<hex>" ref to read (caller frees); else NULL */
};

/* Claims up to max photos due at now_ms (oldest due first) into jobs, in one transaction of its
 * own: each claimed row's next try moves lease_ms ahead, so another copier leaves it alone and
 * a copier that dies mid-download has it tried again after the lease. DB_OK (*n may be 0) or
 * DB_ERROR (nothing claimed). */
int photo_copies_claim(struct db *db, int64_t now_ms, int64_t lease_ms,
                       struct photo_copies_job *jobs, int max, int *n);
/* Frees the refs of n jobs. */
void photo_copies_jobs_clear(struct photo_copies_job *jobs, int n);
/* Records the copy of attachment id: local is "upload:<hex>"; nothing more to do. */
int photo_copies_done(struct db *db, int64_t id, const char *local);
/* Records a failed try of attachment id with why (cut to PHOTO_COPIES_WHY_MAX bytes): tried
 * again at next_due_ms, or never when next_due_ms < 0 (the photo is then unavailable). */
int photo_copies_failed(struct db *db, int64_t id, const char *why, int64_t next_due_ms);
/* When the next photo is due (ms), DB_NOT_FOUND when none waits. */
int photo_copies_next_due(struct db *db, int64_t *due_ms);
/* The photos of tip_id, in the order they came, up to max, into out (photo_copies_clear each). */
int photo_copies_of_tip(struct db *db, int64_t tip_id, struct photo_copies_photo *out, int max,
                        int *n);
void photo_copies_clear(struct photo_copies_photo *p);

#endif
