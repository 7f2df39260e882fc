/*
 * tips_impl.h — private to storage/tips.c and storage/tips_desk.c: the column list every SELECT
 * of whole tips uses, the test of an open tip, and the readers both files share. Nothing outside
 * storage/ includes this.
 */
#ifndef TIPGATE_TIPS_IMPL_H
#define TIPGATE_TIPS_IMPL_H

#include "storage/tips.h"

#define TIPS_COLUMNS                                                                               \
    "id, code, kind, person_id, platform, chat_id, anonymous, contact_phone, category, urgent, "   \
    "area, place, happened, description, folded, entities, latitude, longitude, status, "          \
    "desk_platform, desk_chat_id, assigned_to, outcome, duplicate_of, created_at, updated_at, "    \
    "acknowledged_at, classified_at, closed_at, deadline_at, extensions, extended_days, "          \
    "category_confidence, category_alt"
enum { TIPS_NCOLUMNS = 34 }; /* a column after TIPS_COLUMNS has this index */

#define TIPS_OPEN "status NOT IN ('resolved', 'rejected', 'duplicate', 'closed')"

/* One row of TIPS_COLUMNS into *t (tip_clear it). */
void tips_read(sqlite3_stmt *st, struct tip *t);
/* Up to max rows of st into out, then resets st. DB_ERROR (and *n 0, nothing to free) when a
 * step failed. */
int tips_collect(sqlite3_stmt *st, struct tip *out, int max, int *n);
/* The same for a SELECT whose last column (after TIPS_COLUMNS) is the count of the whole list,
 * read into *total (0 when there is no row). */
int tips_collect_total(sqlite3_stmt *st, struct tip *out, int max, int *n, int64_t *total);
/* Folded words as an FTS5 query of quoted strings ("tu" "khoa"), so no typed character can
 * change its meaning (caller frees; "" when there is no word; NULL on no memory). */
char *tips_fts_query(const char *folded);

#endif
