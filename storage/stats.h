/*
 * stats.h — the counts of a period for the ward's reports (handlers/period_report.c): tips by
 * kind, area, category and channel with what became of them, groups bound, scam warnings and
 * items, campaigns and whom they reached, subscribers. Read-only; every statement reaches its
 * rows through an index (tests/unit/test_query_plans.c), so a year's report reads the year's
 * rows, not the database.
 *
 * A period is [from_ms, to_ms) of local midnights. The tips counted are those filed in the
 * period (created_at), each as it stands when the report is made: "received in Q1, of which
 * resolved" — the cohort the plans report on. What the figures mean, in terms of the columns,
 * is written beside each count below and in the README ("tipgate report").
 */
#ifndef TIPGATE_STATS_H
#define TIPGATE_STATS_H

#include "storage/db.h"

#include <stdint.h>

enum { STATS_KEY_MAX = 32 };

struct stats_range {
    int64_t from_ms, to_ms; /* [from_ms, to_ms) */
    const char *area;       /* an area code as stored, or NULL / "" for the whole ward */
    int64_t now_ms;         /* when the report is made: open tips are judged against it */
    int64_t limit_ms;       /* art. 147's limit, for a tip without deadline_at */
};

/* The counts of one cell of tips (kind, area, category, channel). */
enum stats_tip_count {
    STATS_TIPS,                /* filed in the period */
    STATS_URGENT,              /* urgent = 1 */
    STATS_ACKED,               /* acknowledged_at set */
    STATS_ACKED_24H,           /* acknowledged_at - created_at <= 24 h */
    STATS_FINISHED,            /* status resolved, rejected, transferred, duplicate or closed */
    STATS_REJECTED,            /* status rejected: closed without grounds */
    STATS_TRANSFERRED,         /* status transferred: to the competent agency */
    STATS_PAST_LIMIT,          /* finished after its deadline, or open with it passed (now) */
    STATS_EXTENDED,            /* extensions > 0 */
    STATS_EXTENSIONS,          /* sum of extensions */
    STATS_FOLLOW_UPS,          /* tip_messages from_tipster */
    STATS_FOLLOW_UPS_ANSWERED, /* of those, followed by a to_tipster message on the tip */
    STATS_TOLD,                /* finished, with a status message to the tipster since */
    STATS_TIP_COUNTS
};

struct stats_cell {
    char kind[16];                /* tip, feedback, group_lead */
    char area[STATS_KEY_MAX];     /* "" when no area was found */
    char category[STATS_KEY_MAX]; /* "" when not classified */
    char platform[16];            /* webchat, telegram, zalo, … ("" for none) */
    int64_t n[STATS_TIP_COUNTS];
};

/* Calls fn for each (kind, area, category, platform) with tips filed in r; fn returns 0 to go
 * on. DB_OK or DB_ERROR. */
int stats_tips(struct db *db, const struct stats_range *r,
               int (*fn)(const struct stats_cell *c, void *arg), void *arg);

/* The median, over the tips of kind 'tip' filed in r, of the time to acknowledge
 * (acknowledged_at - created_at) and of the time to finish (closed_at, else the last desk
 * status change in audit_log, else updated_at; minus created_at), in ms. *has 0 when no tip
 * has one. */
int stats_median_ack(struct db *db, const struct stats_range *r, int64_t *ms, int *has);
int stats_median_finish(struct db *db, const struct stats_range *r, int64_t *ms, int *has);

/* Groups (chats kind 'group') bound to an area: those bound before r's end (bound_at) and,
 * of them, those bound within r; per area. fn returns 0 to go on. */
int stats_groups(struct db *db, const struct stats_range *r,
                 int (*fn)(const char *area, int64_t bound, int64_t bound_new, void *arg),
                 void *arg);

struct stats_scams {
    int64_t warnings; /* scam_warnings sent in groups within r (of r's area) */
    /* the whole ward whatever r's area (they have none): */
    int64_t suspects; /* distinct items told to the desk as a possible new scam (scam_suspects) */
    int64_t flagged;  /* scam_items flagged by officers within r */
};
int stats_scams(struct db *db, const struct stats_range *r, struct stats_scams *out);

struct stats_awareness {
    int64_t campaigns; /* started within r (started_at) */
    /* messages delivered: live recipients, and for the whole ward the frozen total_sent of the
     * archived campaigns (a frozen total has no area) */
    int64_t deliveries;
    int64_t residents_reached; /* distinct resident chats delivered to (live recipients) */
    int64_t groups_reached;    /* distinct group chats delivered to (live recipients) */
    int64_t largest_frozen;    /* the largest frozen total_sent (whole ward only) */
    int64_t subscribers;       /* subscriptions 'subscribed' made before r's end */
};
int stats_awareness(struct db *db, const struct stats_range *r, struct stats_awareness *out);

#endif
