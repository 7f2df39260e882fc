/*
 * inbox.h — incoming updates, stored before anything acts on them.
 *
 * An adapter calls inbox_add() and acknowledges the platform only after it returned DB_OK or
 * DB_DUPLICATE (a duplicate update key is the platform redelivering: it is ignored). The worker
 * reads pending rows with inbox_pending() and marks each processed in the same transaction that
 * wrote its replies, so nothing is processed twice and nothing is lost.
 */
#ifndef TIPGATE_INBOX_H
#define TIPGATE_INBOX_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

struct inbox_row {
    int64_t id;
    char *platform;
    char *update_key;
    char *chat_id;
    char *message; /* normalised message JSON (base/msg.h) */
    int64_t received_at;
};

/* Stores one update. DB_OK (new; *id set if id non-NULL), DB_DUPLICATE, or DB_ERROR. */
int inbox_add(struct db *db, const char *platform, const char *update_key, const char *chat_id,
              const char *message_json, int64_t now_ms, int64_t *id);
/* Up to max unprocessed rows, oldest first, into rows[]; *n is how many. Free each row with
 * inbox_row_clear(). */
int inbox_pending(struct db *db, int max, struct inbox_row *rows, int *n);
void inbox_row_clear(struct inbox_row *row);
/* Marks a row processed; error (NULL when the handler succeeded) is kept for the operator. */
int inbox_mark_processed(struct db *db, int64_t id, int64_t now_ms, const char *error);
/* Unprocessed rows of platform (NULL: of every platform). */
int inbox_count_pending(struct db *db, const char *platform, int64_t *count);
/* Reduces a stored update to its key: the message keeps only its kind, whether it came from
 * a group and its date (no text, attachments, location, sender, ids or names); the row stays
 * so that a redelivery is still recognised until it is pruned. Used for group messages once
 * handled, unless they drew a warning. */
int inbox_scrub(struct db *db, int64_t id);

/* Retention (handlers/retention.c). Rows arrive in rowid order, so the oldest are the first of
 * the table, and what was pruned is gone from where the next batch starts.
 * inbox_prune_due: *due when the first row was processed before before_ms (a read, no lock).
 * inbox_prune: deletes, among the first max rows, those processed before before_ms — an
 * unprocessed row is never deleted, however old — and *deleted says how many. Each deleted
 * row takes its update key: a platform's resend of it would be new again, so before_ms must
 * lie beyond any platform's resend window (config: retention.inbox_days >= 3). */
int inbox_prune_due(struct db *db, int64_t before_ms, bool *due);
int inbox_prune(struct db *db, int64_t before_ms, int max, int64_t *deleted);

#endif
