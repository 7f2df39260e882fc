/*
 * outbox.h — outgoing messages: a row exists before any platform is asked to deliver it.
 *
 * States: queued → sending → sent, or back to queued with a later next_attempt_at (retry), or
 * failed (given up, with the reason kept). A row in "sending" names the process that claimed
 * it (an owner, registered in outbox_owners); only the rows of an owner that is gone are put
 * back to queued (outbox_owner_release, decided by bot/owner.c), never a live sender's. The
 * one window in which a platform may get a message twice is between the platform accepting it
 * and outbox_mark_sent() committing, when the sending process dies in between.
 *
 * Priorities: lower goes first. Urgent police alerts, then replies to someone in a
 * conversation, then notices, then bulk broadcast.
 */
#ifndef TIPGATE_OUTBOX_H
#define TIPGATE_OUTBOX_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

/* What a row belongs to (outbox.ref_kind, ref_id): what goes, or is withdrawn, with it. */
enum outbox_ref_kind {
    OUTBOX_REF_NONE = 0, /* leaves with the outbox retention */
    OUTBOX_REF_TIP,      /* a desk message about tips.id: deleted with a group lead */
    OUTBOX_REF_CAMPAIGN, /* a campaign's message: withdrawn, pruned and archived with it */
};

enum outbox_priority {
    OUTBOX_URGENT = 0,
    OUTBOX_REPLY = 1,
    OUTBOX_NOTICE = 2,
    OUTBOX_BULK = 3,
};

struct outbox_new {
    const char *platform;
    const char *chat_id;
    const char *text;
    const char *buttons;    /* JSON array of rows of {text,data}, or NULL */
    const char *photo;      /* platform file id or URL sent with text as caption, or NULL */
    const char *dedupe_key; /* NULL: none; else a second enqueue with it is DB_DUPLICATE */
    enum outbox_priority priority;
    int64_t not_before_ms; /* 0: now */
    int64_t tip_id;        /* the tip (tips.id) a desk message is about, or 0: a group lead's
                            * messages are deleted with it (groups_prune_leads). Shorthand for
                            * ref_kind OUTBOX_REF_TIP, ref_id tip_id when ref_kind is NONE. */
    enum outbox_ref_kind ref_kind;
    int64_t ref_id; /* the id of what ref_kind names */
};

struct outbox_row {
    int64_t id;
    char *platform;
    char *chat_id;
    char *text;
    char *buttons;
    char *photo;
    int priority;
    int attempts;
    int64_t created_at;
    bool is_group;  /* outbox_due only: the chat is a group */
    bool reachable; /* outbox_due only: false once the platform said blocked or kicked */
    int ref_kind;   /* outbox_due only: what it belongs to (enum outbox_ref_kind) — a desk's
                       message about a tip may go where a campaign's may not (Messenger's
                       HUMAN_AGENT tag) */
    int64_t ref_id; /* outbox_due only: the id of what ref_kind names, or 0 */
};

int outbox_enqueue(struct db *db, const struct outbox_new *m, int64_t now_ms, int64_t *id);

/* Moves up to max due rows of platform to "sending" (attempts+1) claimed by owner (an
 * outbox_owners id) and returns them in creation order (a single-chat platform like the
 * console shows them in the order they were written). Runs in its own transaction. Multi-chat
 * senders use outbox_due, which orders by priority. */
int outbox_claim(struct db *db, const char *platform, int64_t owner, int64_t now_ms, int max,
                 struct outbox_row *rows, int *n);
/* Rows for one chat, oldest first (for the web chat, which delivers to whoever is connected):
 * the queued ones with id > after_id and the sent ones with id > sent_after_id (sent meanwhile
 * to another tab of the same chat, which this connection still has to show). */
int outbox_queued_for_chat(struct db *db, const char *platform, const char *chat_id,
                           int64_t after_id, int64_t sent_after_id, int max,
                           struct outbox_row *rows, int *n);
/* The highest id of a sent row of the chat (0 when none): what a new web chat connection
 * already shows in its history. */
int outbox_last_sent_for_chat(struct db *db, const char *platform, const char *chat_id,
                              int64_t *id);
/* The highest id in the outbox, whatever its platform or state (0 when empty): one step down
 * the table's own b-tree, a cheap "anything new?" probe. Ids grow with every enqueue; they go
 * down only when the newest rows were deleted (SQLite then reuses them). */
int outbox_last_id(struct db *db, int64_t *id);
/* Queued rows of platform with after_id < id <= upto_id, oldest first: the rows enqueued since
 * a caller last looked, found through the id range whatever else the table holds (for the web
 * chat, which hands each to the connections of its chat). with_sent: the sent ones too (a tab
 * that connected in between may have had, and marked sent, a row the other tabs still need). */
int outbox_queued_between(struct db *db, const char *platform, int64_t after_id, int64_t upto_id,
                          bool with_sent, int max, struct outbox_row *rows, int *n);
void outbox_row_clear(struct outbox_row *row);

/* For a platform's sender: due queued rows (highest priority first) that are the oldest of
 * their chat still waiting, so one chat's messages keep their order whatever their priority.
 * Reads only the chats' heads (migration 025's partial index outbox_heads): its cost does not
 * grow with a backlog owed to a few chats. Does not claim; call outbox_set_sending() for the
 * ones sent now. */
int outbox_due(struct db *db, const char *platform, int64_t now_ms, int max,
               struct outbox_row *rows, int *n);
/* queued → sending, attempts + 1, claimed by owner (inside the caller's transaction).
 * DB_NOT_FOUND if the row was not queued any more. */
int outbox_set_sending(struct db *db, int64_t id, int64_t owner);
/* A queued row waits until not_before_ms (a rate limit or a paused chat; no attempt used). */
int outbox_defer(struct db *db, int64_t id, int64_t not_before_ms);

int outbox_mark_sent(struct db *db, int64_t id, int64_t now_ms);
int outbox_mark_retry(struct db *db, int64_t id, int64_t next_attempt_ms, const char *error);
/* Like outbox_mark_retry, but the attempt does not count towards the maximum (the platform
 * asked us to wait, or the chat moved: not the message's fault). */
int outbox_mark_retry_free(struct db *db, int64_t id, int64_t next_attempt_ms, const char *error);
int outbox_mark_failed(struct db *db, int64_t id, const char *error);
/* The last_error of a row the platform's messaging window kept from going (Zalo OA 48 h, a
 * Facebook Page 24 h after the user last wrote): failed, but reports count it apart — "ngoài
 * khung" — because nothing went wrong and nobody can fix it but the resident, by writing. */
#define OUTBOX_OUTSIDE_WINDOW "outside the platform's messaging window"
/* Number of rows in a status ("queued", "sending", "sent", "failed"). A full scan: for tests
 * and tools, never for a request path. */
int outbox_count(struct db *db, const char *status, int64_t *count);

/* Rows per platform and status, for /metrics (priority 0: not told; a full scan of a covering
 * index: run off the request path). outbox_depth: the rows still owed (queued, sending) per
 * platform, status and priority, through the partial indexes of those rows only. */
enum { OUTBOX_TALLY_MAX = 64 };
struct outbox_tally {
    char platform[24];
    char status[12];
    int64_t priority;
    int64_t count;
};
int outbox_tally(struct db *db, struct outbox_tally *rows, int max, int *n);
int outbox_depth(struct db *db, struct outbox_tally *rows, int max, int *n);

/* Retention (handlers/retention.c): rows that are done — sent, or failed for good — and older
 * than before_ms (by when they were sent, else created), found through the partial index
 * outbox_done. A row still owed (queued, sending) is never among them however old, nor a
 * campaign's row (ref_kind 'campaign': it goes with the campaign's recipients,
 * campaigns_prune_rows). outbox_prune_due: *due when there is one (a read, no lock);
 * outbox_prune: deletes up to max of them, oldest first, *deleted says how many. */
int outbox_prune_due(struct db *db, int64_t before_ms, bool *due);
int outbox_prune(struct db *db, int64_t before_ms, int max, int64_t *deleted);

/* ---- owners: the processes that claim rows ------------------------------------------------ */

enum { OUTBOX_OWNER_TEXT = 64, OUTBOX_OWNERS_MAX = 64 };

struct outbox_owner {
    int64_t id;
    int64_t pid;
    char boot_id[OUTBOX_OWNER_TEXT]; /* "" when unknown */
    char pid_ns[OUTBOX_OWNER_TEXT];  /* "" when unknown */
    int64_t start_ticks;             /* 0 when unknown */
    char command[16];
    int64_t started_at;   /* application clock */
    int64_t heartbeat_at; /* wall clock, ms */
};

/* Registers o (its id is assigned; an o->id > 0 registers again under that id, for an owner
 * whose row another process removed). Inside the caller's transaction or alone. */
int outbox_owner_add(struct db *db, struct outbox_owner *o);
/* Renews an owner's heartbeat; DB_NOT_FOUND when its row is gone. */
int outbox_owner_beat(struct db *db, int64_t id, int64_t wall_ms);
/* Every registered owner, oldest first (at most max). */
int outbox_owner_list(struct db *db, struct outbox_owner *rows, int max, int *n);
/* Forgets an owner and puts the rows it left in "sending" back in the queue; *requeued says
 * how many. Call inside a transaction, and only for an owner that cannot be sending: itself
 * at a clean stop, or one bot/owner.c proved gone. */
int outbox_owner_release(struct db *db, int64_t id, int64_t *requeued);
/* Rows in "sending" that name no owner (claimed by a tipgate older than owners) back to
 * queued; *requeued says how many. */
int outbox_requeue_unowned(struct db *db, int64_t *requeued);

/* Marks exactly the oldest owed ('queued' or 'sending') row of each chat as its head (the rows
 * outbox_due may return; migration 025 keeps the marks by triggers) and counts the rows whose
 * mark it changed into *fixed — 0 unless something wrote the table behind the triggers. One
 * pass over the owed rows; run when a sending process registers. */
int outbox_repair_heads(struct db *db, int64_t *fixed);

#endif
