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
int tips_add_attachment(struct db *db, int64_t tip_id, const char *kind, const char *ref,
                        int64_t now_ms);
/* Up to max attachment refs of kind (NULL: any) into refs (caller frees each). */
int tips_attachments(struct db *db, int64_t tip_id, const char *kind, char **refs, int max, int *n);
int tips_count_attachments(struct db *db, int64_t tip_id, int64_t *n);

/* Field updates; each bumps updated_at. NULL strings are stored as NULL. */
int tips_set_status(struct db *db, int64_t id, const char *status, int64_t now_ms);
int tips_acknowledge(struct db *db, int64_t id, int64_t now_ms);
int tips_assign(struct db *db, int64_t id, const char *who, int64_t now_ms);
int tips_close(struct db *db, int64_t id, const char *outcome, int64_t now_ms);
int tips_reopen(struct db *db, int64_t id, int64_t now_ms);
int tips_mark_duplicate(struct db *db, int64_t id, int64_t of_id, int64_t now_ms);
int tips_extend(struct db *db, int64_t id, int days, int64_t new_deadline, int64_t now_ms);
int tips_append_description(struct db *db, int64_t id, const char *text, const char *folded,
                            int64_t now_ms);
/* The tipster chose to be contactable at phone (normalised 0XXXXXXXXX): the tip is no longer
 * anonymous. */
int tips_set_contact(struct db *db, int64_t id, const char *phone, int64_t now_ms);
/* The place the tipster shared, kept only when the tip has none yet (the first is the scene). */
int tips_set_location(struct db *db, int64_t id, double latitude, double longitude, int64_t now_ms);

/* Lists (ids, newest last unless said): codes of tips not yet acknowledged; open tips past
 * their deadline; a person's own tips (newest first). */
int tips_list_unacknowledged(struct db *db, struct tip *out, int max, int *n);
int tips_list_overdue(struct db *db, int64_t now_ms, struct tip *out, int max, int *n);
int tips_list_by_person(struct db *db, int64_t person_id, struct tip *out, int max, int *n);
/* Full-text search over the folded text; query is folded words (any characters are safe). */
int tips_search(struct db *db, const char *folded_query, struct tip *out, int max, int *n);
/* Tips of a person since a time (abuse limits), and the most recent one with exactly this
 * folded description-ish text (near duplicates are judged by the caller). */
int tips_count_since(struct db *db, int64_t person_id, int64_t since_ms, int64_t *n);
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

/* Service-level candidates: tips that need the reminder kind and have not had it.
 *   TIPS_SLA_ACK: unacknowledged tips created before t1 (t2 for urgent ones), kind "ack" or
 *                 "ack_escalation" as given;
 *   TIPS_SLA_CLASSIFY: tips not classified, created before t1;
 *   TIPS_SLA_DEADLINE: open tips whose deadline is before t1; the reminder kind recorded is
 *                 kind + ":" + the deadline, so a moved deadline gets its own reminders. */
enum tips_sla { TIPS_SLA_ACK, TIPS_SLA_CLASSIFY, TIPS_SLA_DEADLINE };
int tips_sla_candidates(struct db *db, enum tips_sla which, const char *kind, int64_t t1,
                        int64_t t2, struct tip *out, int max, int *n);

int tips_audit(struct db *db, int64_t actor, const char *action, int64_t tip_id, const char *detail,
               int64_t now_ms);

#endif
