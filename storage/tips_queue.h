/*
 * tips_queue.h — the web desk's queue of tips (handlers/deskapi_tips.c): one filtered,
 * searchable page of tips at a time, newest or most urgent first, continued by a keyset cursor
 * (the last row's urgent flag and id, never an OFFSET), and the counts of the desk's summary.
 *
 * Only tips (kind 'tip'): group leads have their own page, feedback is never a tip. The scope is
 * every area, or one area together with the tips no area was found for (an officer's: nobody
 * else but commanders would see those). Nothing here decides who may see what: the handler
 * passes the scope of the signed-in person.
 *
 * Each page is read through the index that fits its most selective filter (a search's matches,
 * the person's assigned tips, the overdue ones, the urgent ones, or the table in id order), so a
 * first page reads about a page of rows, not every tip (storage/migrations/018_desk_queue.sql).
 */
#ifndef TIPGATE_TIPS_QUEUE_H
#define TIPGATE_TIPS_QUEUE_H

#include "storage/tips.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    TIPS_QUEUE_MAX = 50,       /* rows of one page at most */
    TIPS_QUEUE_STATUSES = 8,   /* statuses of a filter */
    TIPS_QUEUE_TEXT_MAX = 512, /* bytes of a search's folded words */
};

enum tips_queue_sort { TIPS_QUEUE_NEWEST, TIPS_QUEUE_URGENT };

/* A page asked for. Every filter is optional: NULL, 0 or false leaves it out. */
struct tips_queue_filter {
    const char *scope;                             /* NULL: every area; else this area + none */
    const char *statuses[TIPS_QUEUE_STATUSES + 1]; /* NULL-terminated; none: every status */
    const char *category;
    const char *area;        /* exactly this area (compared regardless of case) */
    bool urgent;             /* urgent tips only */
    bool overdue;            /* open and past the art. 147 deadline at now_ms */
    bool unacked;            /* not yet acknowledged */
    int64_t assigned;        /* assigned to this person (tips.assigned_person); 0: anyone */
    int64_t from_ms;         /* created at or after (0: no bound) */
    int64_t to_ms;           /* created before (0: no bound) */
    const char *folded;      /* search: folded words (textnorm_fold), all of which a tip has */
    const char *const *keys; /* search: tip_keys keys (tips_key), all of which a tip names */
    int nkeys;
    enum tips_queue_sort sort;
    int64_t now_ms;
};

/* Where a page starts: after the row (urgent, id) of the previous page's last tip. */
struct tips_queue_cursor {
    bool set; /* false: the first page */
    int urgent;
    int64_t id;
};

/* One page of up to max (≤ TIPS_QUEUE_MAX) tips into out (tip_clear each), *n of them, and
 * *next: the cursor of the page after it (next->set false when this was the last). A search
 * finds the tips having every folded word, or naming every key (either way). DB_OK or
 * DB_ERROR. */
int tips_queue_page(struct db *db, const struct tips_queue_filter *f,
                    const struct tips_queue_cursor *after, struct tip *out, int max, int *n,
                    struct tips_queue_cursor *next);

/* A window of filing times walked in filing order, for exports and the HTTP API: the tips
 * (kind 'tip') filed in [from_ms, to_ms) (0 and INT64_MAX: every tip) of area (NULL: any;
 * compared regardless of case) having one of statuses (NULL-terminated; none: any), oldest
 * first or newest first (newest), after the position (after_at, after_id) of the previous
 * page's last tip (after->set false: the first page); up to max (≤ TIPS_QUEUE_MAX) into out
 * (tip_clear each), and *next the position after this page (next->set false when it was the
 * last). Read through tips_kind_created in its own order, so a page costs its rows whatever
 * the window's size (a year at a million tips too). DB_OK or DB_ERROR. */
struct tips_queue_at {
    bool set;
    int64_t at, id;
};
int tips_queue_window(struct db *db, int64_t from_ms, int64_t to_ms, const char *area,
                      const char *const *statuses, bool newest, const struct tips_queue_at *after,
                      struct tip *out, int max, int *n, struct tips_queue_at *next);
/* The open tips of the scope (NULL: every area; else that area and the tips with none). */
struct tips_queue_summary {
    int64_t open, urgent_unacked, overdue, unacked, replies_waiting, mine;
};
/* mine: the open tips assigned to person (0: none counted). */
int tips_queue_summary(struct db *db, const char *scope, int64_t person, int64_t now_ms,
                       struct tips_queue_summary *out);

/* The open tips of every area by status, each with how many are past their deadline at now_ms
 * (the desk summary's "overdue"), for /metrics: through tips_queue_open (migration 020), which
 * holds the open tips only. Up to max rows, *n of them. DB_OK or DB_ERROR. */
struct tips_queue_status_count {
    char status[16];
    int64_t open, overdue;
};
int tips_queue_open_by_status(struct db *db, int64_t now_ms, struct tips_queue_status_count *out,
                              int max, int *n);

/* How many messages of the tipster wait for the desk on tip_id: those written after the desk's
 * last message to the tipster (a reply or a question), 0 when the desk never wrote to them. */
int tips_queue_replies_waiting(struct db *db, int64_t tip_id, int64_t *n);

/* The colleague tip_id is assigned to on the web desk (tips.assigned_person; 0: none). */
int tips_queue_assigned(struct db *db, int64_t tip_id, int64_t *person);

/* A tip's relay messages, oldest first, up to max: direction ("to_tipster", "from_tipster",
 * "status"), text, whether it asked a question, when, and who wrote it when that was an officer
 * (their display name; NULL for the tipster) (caller frees with tips_queue_messages_clear). */
struct tips_queue_message {
    char *direction, *text, *who;
    bool question;
    int64_t at;
};
int tips_queue_messages(struct db *db, int64_t tip_id, struct tips_queue_message *out, int max,
                        int *n);
void tips_queue_messages_clear(struct tips_queue_message *m, int n);

#endif
