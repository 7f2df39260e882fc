/*
 * campaigns.h — who wants broadcasts (subscriptions and opt-outs), the broadcasts themselves,
 * their recipients, and officers' alerts awaiting confirmation. handlers/campaign.c runs them
 * from the scheduler; cli/cli_campaign.c manages them from the shell.
 *
 * Delivery is crash-safe by construction: when a campaign starts, its recipients are written
 * as 'pending' rows in one statement per audience; each tick turns a bounded batch of them
 * into outbox rows (dedupe key campaign:<id>:<platform>:<chat>:<part>) and marks them
 * 'queued' with the outbox id, in the same transaction. Whatever instant the process dies at,
 * a recipient is either still pending (and will be enqueued once) or queued (and its outbox
 * row will be sent once, save the outbox's own documented window).
 *
 * Every function returns a db_status and runs in the caller's transaction.
 */
#ifndef TIPGATE_CAMPAIGNS_H
#define TIPGATE_CAMPAIGNS_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    CAMPAIGNS_CODE_MAX = 40,
    CAMPAIGNS_TITLE_MAX = 200,
    CAMPAIGNS_AUDIENCE_MAX = 600,
    CAMPAIGNS_TEXT_MAX = 4000, /* bytes of a campaign's text */
    CAMPAIGNS_LIST_MAX = 512,  /* ",TDP5,THONDONG," */
};

/* ---- subscriptions ---------------------------------------------------------------------- */

struct campaigns_sub {
    char status[12]; /* "subscribed", "stopped", or "" (never asked) */
    char area[64];
};

int campaigns_sub_get(struct db *db, const char *platform, const char *chat_id,
                      struct campaigns_sub *out);
/* Subscribes (again) the chat; area NULL keeps the one recorded. */
int campaigns_subscribe(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                        const char *area, int64_t now_ms);
/* Opts the chat out at once: status 'stopped', its campaign messages still queued in the
 * outbox fail as "opted out", its pending recipients are marked opted out. *dropped gets how
 * many queued messages were withdrawn. */
int campaigns_stop(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                   int64_t now_ms, int64_t *dropped);

/* ---- campaigns -------------------------------------------------------------------------- */

/* Who a campaign reaches. Lists are ",A,B," or "" for every one. */
struct campaigns_audience {
    bool residents, groups, agencies, schools;
    char resident_areas[CAMPAIGNS_LIST_MAX];
    char group_areas[CAMPAIGNS_LIST_MAX];
    char agency_codes[CAMPAIGNS_LIST_MAX];
};

struct campaign {
    int64_t id;
    char code[CAMPAIGNS_CODE_MAX];
    char kind[12]; /* awareness, custom, alert */
    char title[CAMPAIGNS_TITLE_MAX];
    char *text; /* owned; campaign_clear */
    char audience[CAMPAIGNS_AUDIENCE_MAX];
    int priority;    /* an outbox_priority */
    char status[12]; /* draft, scheduled, running, done, cancelled, missed */
    int64_t send_at, created_at, started_at, finished_at;
};

void campaign_clear(struct campaign *c);

/* Creates a campaign (status draft, or scheduled when send_at is set). DB_DUPLICATE when the
 * code exists; *id may be NULL. */
int campaigns_create(struct db *db, const struct campaign *c, int64_t person_id, int64_t now_ms,
                     int64_t *id);
/* For the awareness calendar: creates the campaign, or refreshes a scheduled one's title,
 * text, audience and time (a started, cancelled or missed one is left alone). */
int campaigns_upsert_scheduled(struct db *db, const struct campaign *c, int64_t now_ms);
int campaigns_get(struct db *db, const char *code, struct campaign *out);
int campaigns_get_id(struct db *db, int64_t id, struct campaign *out);
/* Newest first, up to max (clear each). */
int campaigns_list(struct db *db, struct campaign *out, int max, int *n);
/* draft or scheduled → scheduled at send_at. DB_NOT_FOUND when in another state. */
int campaigns_schedule(struct db *db, int64_t id, int64_t send_at, int64_t now_ms);
/* → cancelled; pending recipients cancelled and its queued outbox rows withdrawn. */
int campaigns_cancel(struct db *db, int64_t id, int64_t now_ms);
/* Scheduled campaigns whose time has come, and running ones (priority order), up to max. */
int campaigns_due(struct db *db, int64_t now_ms, int64_t *ids, int max, int *n);
int campaigns_running(struct db *db, int64_t *ids, int max, int *n);
/* scheduled → missed (an awareness day long past when the service came back). */
int campaigns_miss(struct db *db, int64_t id, int64_t now_ms);
/* scheduled → running, with every recipient of a written as pending (or opted out /
 * unreachable as they are now). *targeted gets how many. */
int campaigns_start(struct db *db, int64_t id, const struct campaigns_audience *a, int64_t now_ms,
                    int64_t *targeted);
/* running → done. */
int campaigns_finish(struct db *db, int64_t id, int64_t now_ms);

struct campaigns_recipient {
    char platform[16];
    char chat_id[64];
    char audience[12];   /* resident, group, agency */
    char sub_status[12]; /* the chat's subscription now: subscribed, stopped or "" */
    bool reachable;
};

/* Up to max pending recipients of campaign id. */
int campaigns_pending(struct db *db, int64_t id, struct campaigns_recipient *out, int max, int *n);
/* A pending recipient → state (queued with outbox_id, opted_out, unreachable). */
int campaigns_recipient_set(struct db *db, int64_t id, const char *platform, const char *chat_id,
                            const char *state, int64_t outbox_id, int64_t now_ms);

struct campaigns_counts {
    int64_t targeted, sent, failed, unreachable, opted_out, in_progress, cancelled;
    int64_t outside_window; /* not sent: the platform's messaging window was closed (Zalo OA
                               48 h, a Facebook Page 24 h); not counted in failed */
};

/* Delivery so far of campaign id (outbox states joined); once the campaign is archived (past
 * its report period), the totals frozen then. */
int campaigns_report(struct db *db, int64_t id, struct campaigns_counts *out);
/* Who a would reach now, without writing anything (preview, /canhbao's confirmation):
 * targeted = every recipient; opted_out and unreachable as they are now. */
int campaigns_count(struct db *db, const struct campaigns_audience *a,
                    struct campaigns_counts *residents, struct campaigns_counts *groups,
                    struct campaigns_counts *agencies);

/* ---- retention (handlers/retention.c) ------------------------------------------------- */

/* A campaign past its report period keeps its totals and loses its recipients and its outbox
 * rows (the only outbox rows with a dedupe key: the outbox's own retention leaves them to
 * this). Nothing still owed goes: the totals are frozen only once nothing is in progress.
 *
 * campaigns_archive_next: the first campaign with an id above after_id that finished (done,
 * cancelled, missed) before before_ms and is not archived; *frozen when its totals are.
 * DB_NOT_FOUND when none (a read, no lock).
 * campaigns_freeze: freezes id's totals if nothing is in progress (*frozen says whether).
 * campaigns_prune_rows: deletes up to max of id's outbox rows (sent or failed) and
 * recipients, *deleted says how many; call only once its totals are frozen.
 * campaigns_archive: marks id archived once none of them is left (*archived says whether; a
 * message part still owed keeps it for a later pass). */
int campaigns_archive_next(struct db *db, int64_t before_ms, int64_t after_id, int64_t *id,
                           bool *frozen);
int campaigns_freeze(struct db *db, int64_t id, int64_t now_ms, bool *frozen);
int campaigns_prune_rows(struct db *db, int64_t id, int max, int64_t *deleted);
int campaigns_archive(struct db *db, int64_t id, int64_t now_ms, bool *archived);

/* ---- officers' alerts awaiting confirmation --------------------------------------------- */

struct campaigns_draft {
    int64_t person_id;
    char area[64];
    char *text; /* owned */
    int64_t created_at;
};

int campaigns_draft_put(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                        const char *area, const char *text, int64_t now_ms);
/* DB_OK and *out (free out->text), or DB_NOT_FOUND. */
int campaigns_draft_get(struct db *db, const char *platform, const char *chat_id,
                        struct campaigns_draft *out);
int campaigns_draft_delete(struct db *db, const char *platform, const char *chat_id);

#endif
