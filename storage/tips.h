/*
 * tips.h — tips, their attachments, the desk ↔ tipster relay, reminders sent, and the audit
 * log. A tip is found by its tracking code (8 characters from TIPS_ALPHABET, shown XXXX-XXXX);
 * the tipster's identity (person_id, platform, chat_id) is kept for the relay and never leaves
 * this layer toward a desk except through the fields a handler chooses to show.
 */
#ifndef TIPGATE_TIPS_H
#define TIPGATE_TIPS_H

#include "storage/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIPS_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
enum { TIPS_CODE_LEN = 8, TIPS_LIST_MAX = 20 };

struct tip {
    int64_t id;
    char code[TIPS_CODE_LEN + 1];
    char *kind; /* "tip", "feedback", "group_lead" */
    int64_t person_id;
    char *platform, *chat_id; /* the tipster's chat, for relays */
    bool anonymous;
    char *contact_phone;
    char *category;
    /* The engine's confidence in category (0..1) while no person has chosen or confirmed it;
     * 0 when one has (tips.category_confidence NULL). category_alt: its runner-up, or NULL. */
    double category_confidence;
    char *category_alt;
    bool urgent;
    char *area, *place, *happened, *description, *folded;
    char *entities; /* JSON {"phones":[],"plates":[],"urls":[],"money_vnd":n} */
    bool has_location;
    double latitude, longitude;
    char *status;
    char *desk_platform, *desk_chat_id;
    char *assigned_to, *outcome;
    int64_t duplicate_of;
    int64_t created_at, updated_at, acknowledged_at, classified_at, closed_at, deadline_at;
    int extensions, extended_days;
};

void tip_clear(struct tip *t);

/* Normalises a typed code ("abcd-2345", "ABCD2345 ") into out (TIPS_CODE_LEN + 1). 0 if it is
 * a well-formed code, -1 otherwise. */
int tips_code_parse(const char *in, char out[TIPS_CODE_LEN + 1]);
/* "ABCD2345" → "ABCD-2345" (out holds 10 bytes). */
void tips_code_show(const char *code, char out[TIPS_CODE_LEN + 2]);

/* Inserts t (id, code, status, timestamps are set here). A fresh random code is drawn until
 * unique. */
int tips_create(struct db *db, struct tip *t, int64_t now_ms);
int tips_get(struct db *db, const char *code, struct tip *out);
int tips_get_id(struct db *db, int64_t id, struct tip *out);
/* Adds an attachment; a photo that is a platform's ref (not "upload:") is queued for the copier
 * (storage/photo_copies.h) from now_ms. */
int tips_add_attachment(struct db *db, int64_t tip_id, const char *kind, const char *ref,
                        int64_t now_ms);
/* Up to max attachment refs of kind (NULL: any) into refs (caller frees each). */
int tips_attachments(struct db *db, int64_t tip_id, const char *kind, char **refs, int max, int *n);
/* How many attachments of kind (NULL: of every kind) tip_id has. */
int tips_count_attachments(struct db *db, int64_t tip_id, const char *kind, int64_t *n);
/* *in_use when the uploaded file hex (storage/uploads.h) is still referred to: an attachment of
 * a tip ("upload:<hex>") or the copy of a platform's photo (storage/photo_copies.h), an update
 * not yet processed, or a report draft changed at or after
 * since_ms (when the file was stored: a draft holds only photos stored before its last change).
 * Reads only (retention asks before it deletes the file). On an error *in_use is true. */
int tips_upload_in_use(struct db *db, const char *hex, int64_t since_ms, bool *in_use);

/* Field updates; each bumps updated_at. NULL strings are stored as NULL. */
int tips_set_status(struct db *db, int64_t id, const char *status, int64_t now_ms);
int tips_acknowledge(struct db *db, int64_t id, int64_t now_ms);
/* To a name as typed (/giao): no enrolled colleague is named (assigned_person NULL). */
int tips_assign(struct db *db, int64_t id, const char *who, int64_t now_ms);
/* To an enrolled colleague (the web desk): assigned_person, and name as assigned_to shows it. */
int tips_assign_person(struct db *db, int64_t id, int64_t person_id, const char *name,
                       int64_t now_ms);
int tips_close(struct db *db, int64_t id, const char *outcome, int64_t now_ms);
int tips_reopen(struct db *db, int64_t id, int64_t now_ms);
/* A person's category (an officer's /phanloai): the engine's confidence and runner-up are
 * dropped, and the tip counts as classified. */
int tips_set_category(struct db *db, int64_t id, const char *category, int64_t now_ms);
int tips_mark_duplicate(struct db *db, int64_t id, int64_t of_id, int64_t now_ms);
int tips_extend(struct db *db, int64_t id, int days, int64_t new_deadline, int64_t now_ms);
int tips_append_description(struct db *db, int64_t id, const char *text, const char *folded,
                            int64_t now_ms);
/* The tipster chose to be contactable at phone (normalised 0XXXXXXXXX): the tip is no longer
 * anonymous. */
int tips_set_contact(struct db *db, int64_t id, const char *phone, int64_t now_ms);
/* The place the tipster shared, kept only when the tip has none yet (the first is the scene). */
int tips_set_location(struct db *db, int64_t id, double latitude, double longitude, int64_t now_ms);

/* A person's own tips (newest first). */
int tips_list_by_person(struct db *db, int64_t person_id, struct tip *out, int max, int *n);
/* Tips of a person since a time (abuse limits), and the most recent one with exactly this
 * folded description-ish text (near duplicates are judged by the caller). */
int tips_count_since(struct db *db, int64_t person_id, int64_t since_ms, int64_t *n);
/* The created_at of person_id's tip (kind 'tip') number skip (0: the oldest) filed since
 * since_ms, in *at: when that tip leaves an hourly window, the window has room again.
 * *at is 0 when there are not that many. DB_OK or DB_ERROR. */
int tips_created_nth_since(struct db *db, int64_t person_id, int64_t since_ms, int64_t skip,
                           int64_t *at);
int tips_recent_of_person(struct db *db, int64_t person_id, int64_t since_ms, struct tip *out,
                          int max, int *n);

/* The relay. */
int tips_message_add(struct db *db, int64_t tip_id, const char *direction, const char *text,
                     int64_t author, bool open_question, int64_t now_ms);
/* The one tip of this person with an open question, if exactly one (DB_NOT_FOUND otherwise;
 * *count says how many have one: 0, 1 or 2 for "more than one"). */
int tips_open_question(struct db *db, int64_t person_id, struct tip *out, int *count);
int tips_close_questions(struct db *db, int64_t tip_id);
/* Messages of a tip in order: direction and text pairs (caller frees). */
int tips_messages(struct db *db, int64_t tip_id, char **directions, char **texts, int64_t *times,
                  int max, int *n);

/* Reminders: DB_OK when (tip, kind) was not recorded before and now is; DB_DUPLICATE if it was. */
int tips_reminder_once(struct db *db, int64_t tip_id, const char *kind, int64_t now_ms);

/* Service-level candidates, found through the partial indexes of migration 009 (only tips that
 * may still need a message are in them, so a tick reads what is due, not every tip):
 *   TIPS_SLA_ACK: unacknowledged tips created before t1 (t2 for urgent ones) that have not had
 *                 the reminder kind ("ack");
 *   TIPS_SLA_ACK_LAST: the same whose acknowledgement stage is not finished (kind unused): the
 *                 escalation, the stage's last message, is due;
 *   TIPS_SLA_CLASSIFY: tips not classified, created before t1, whose classification reminder
 *                 is not finished (kind unused);
 *   TIPS_SLA_DEADLINE: open tips whose deadline is before t1 that have not had the reminder
 *                 kind + ":" + the deadline (a moved deadline gets its own reminders);
 *   TIPS_SLA_OVERDUE: open tips whose deadline is before t1 and not yet flagged overdue (kind
 *                 unused).
 * A "finished" stage is one tips_sla_finish recorded: the job calls it in the transaction that
 * records the stage's last message (tips_reminder_once), which keeps each message sent once. */
enum tips_sla {
    TIPS_SLA_ACK,
    TIPS_SLA_ACK_LAST,
    TIPS_SLA_CLASSIFY,
    TIPS_SLA_DEADLINE,
    TIPS_SLA_OVERDUE
};
int tips_sla_candidates(struct db *db, enum tips_sla which, const char *kind, int64_t t1,
                        int64_t t2, struct tip *out, int max, int *n);
/* The tip leaves the index of stage which (TIPS_SLA_ACK_LAST, TIPS_SLA_CLASSIFY, or
 * TIPS_SLA_OVERDUE for its deadline as it is now: a deadline moved later brings it back). */
int tips_sla_finish(struct db *db, int64_t id, enum tips_sla which, int64_t now_ms);

int tips_audit(struct db *db, int64_t actor, const char *action, int64_t tip_id, const char *detail,
               int64_t now_ms);

/* ---- what the desk reads (storage/tips_desk.c) ------------------------------------------- */

enum {
    TIPS_PAGE_MAX = 10,   /* tips in one message of a desk list */
    TIPS_KEYS_MAX = 24,   /* search keys of one query */
    TIPS_KEY_MAX = 48,    /* bytes of one key, with the NUL */
    TIPS_EVENTS_MAX = 40, /* events of a tip's history shown at once */
    TIPS_COUNT_MAX = 1000 /* a list's total is counted up to this (tips_page) */
};

/* Replaces a tip's extracted entities (the JSON tips.entities holds); its search keys follow. */
int tips_set_entities(struct db *db, int64_t id, const char *entities, int64_t now_ms);

/* The desk's lists: tips not yet acknowledged (urgent first, then oldest), open tips past
 * their deadline (the most overdue first), and residents' feedback (newest first). Group leads
 * are not listed; feedback is listed only as feedback, never among tips. */
enum tips_listing { TIPS_LISTING_NEW, TIPS_LISTING_OVERDUE, TIPS_LISTING_FEEDBACK };
/* One page: up to max tips from offset into out (tip_clear each), and *total in the list — counted
 * up to TIPS_COUNT_MAX only: TIPS_COUNT_MAX + 1 means "more than TIPS_COUNT_MAX" (a desk pages
 * through a few pages, and counting every match of a common word costs what the page does not:
 * 190 ms at a million tips). */
int tips_page(struct db *db, enum tips_listing which, int64_t now_ms, int offset, struct tip *out,
              int max, int *n, int64_t *total);

/* The search keys of normalised entities, as the table tip_keys holds them (migration 007):
 * "phone:0912345678", "plate:29A12345" (letters and digits of the plate), "money:5000000".
 * out holds TIPS_KEY_MAX bytes; 0, or -1 when the value does not fit. */
int tips_key(const char *kind, const char *value, char out[TIPS_KEY_MAX]);
/* Tips (never feedback) whose folded text has every word of folded_query (FTS), or that name every
 * one of keys (nkeys of them; 0: none), newest first (by id: tips are numbered as they are filed);
 * one page as tips_page, read inside the full-text query (never every match). */
int tips_search_page(struct db *db, const char *folded_query, const char *const *keys, int nkeys,
                     int offset, struct tip *out, int max, int *n, int64_t *total);

/* The open tips (not group leads) of an area (NULL: every area) by status, and how many of them
 * are urgent or overdue; no_area counts open tips no area was found for. */
enum { TIPS_STATUSES_MAX = 8 };
struct tips_summary {
    int64_t open, urgent, overdue, no_area;
    struct {
        char status[16];
        int64_t n;
    } by_status[TIPS_STATUSES_MAX]; /* in the order a tip goes through them */
    int n_status;
};
int tips_summarise(struct db *db, const char *area, int64_t now_ms, struct tips_summary *out);
/* The open tips of an area (NULL: every area) that need attention first: urgent ones, then
 * overdue ones, oldest first, up to max. */
int tips_list_pressing(struct db *db, const char *area, int64_t now_ms, struct tip *out, int max,
                       int *n);

/* A tip's history as the desk reads it, oldest first: the desk's actions from the audit log
 * (views left out), the tipster's follow-ups ("from_tipster" with their text, or "add" for
 * photos alone) — the last max of them, and *total in all. who is the officer's display name,
 * never set for the tipster. */
struct tip_event {
    int64_t at;
    char *action; /* "file", "ack", "assign", "status", "reply", "close", …, "from_tipster" */
    char *detail; /* may be NULL */
    char *who;    /* may be NULL */
};
int tips_events(struct db *db, const struct tip *t, struct tip_event *out, int max, int *n,
                int64_t *total);
void tip_event_clear(struct tip_event *e);
/* The tipster's display name, only so that a gist can leave it out (never shown): "" when
 * none. */
int tips_tipster_name(struct db *db, const struct tip *t, char *out, size_t size);

/* An officer pressed "Trả lời": their next plain message in this chat is the reply to tip_id
 * (one waiting reply per officer per chat; a newer press replaces it). take returns the tip
 * and forgets the wait when it was made at or after since_ms (DB_NOT_FOUND otherwise, and an
 * older one is forgotten too); drop forgets it. */
int tips_reply_wait_put(struct db *db, const char *platform, const char *chat_id, int64_t person_id,
                        int64_t tip_id, int64_t now_ms);
int tips_reply_wait_take(struct db *db, const char *platform, const char *chat_id,
                         int64_t person_id, int64_t since_ms, int64_t *tip_id);
int tips_reply_wait_drop(struct db *db, const char *platform, const char *chat_id,
                         int64_t person_id);

#endif
