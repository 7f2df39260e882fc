/*
 * tipfile.h — filing a tip and talking about it.
 *
 * tipfile_file() is the one way a tip (or a resident's feedback) enters the register: the abuse
 * checks (per-person hourly limit, a near-identical tip filed minutes ago), the area (the
 * resident's registration or a place named in the text), the desk (category override, area,
 * default — never dropped), the deadline (Criminal Procedure Code art. 147), the desk's message
 * with every extracted detail and nothing that identifies an anonymous tipster, the photos
 * re-sent, the audit entry, and the tipster's receipt.
 *
 * The desk's message about a tip (also shown again by /xem and for a group lead) is assembled
 * here; labels, dates, buttons and the relay are one floor down in tipcard.h.
 */
#ifndef TIPGATE_TIPFILE_H
#define TIPGATE_TIPFILE_H

#include "handlers/handler.h"
#include "handlers/tipcard.h"
#include "storage/tips.h"

#include <stdbool.h>
#include <stddef.h>

enum { TIPFILE_PHOTOS_MAX = TIPCARD_PHOTOS_MAX };

/* What a resident sends that is kept as evidence with a tip: photos, voice messages and files
 * (a sticker is a reaction, never evidence). */
bool tipfile_is_evidence(const char *kind);

struct text_analysis;

struct tip_media {
    const char *kind; /* "photo", "voice", "document" */
    const char *ref;  /* platform file id or URL */
};

struct tip_draft {
    const char *kind; /* "tip" or "feedback" */
    const char *description;
    const char *category; /* NULL: the classifier's, or "other" */
    /* With category: the engine's confidence when it is the engine's guess nobody confirmed (the
     * guided report took it as sure), and its runner-up; 0 / NULL when a person chose it. */
    double category_confidence;
    const char *category_alt;
    const char *place, *happened;
    bool urgent;
    bool anonymous;
    const char *phone;                          /* only with anonymous false */
    struct tip_media media[TIPFILE_PHOTOS_MAX]; /* up to tips.max_attachments of them */
    int n_media;
    bool has_location;
    double latitude, longitude;
    /* The text engine's reading of description when the caller has it (the message's own, or
     * one it made), so the text is not read again; NULL: tipfile_file reads it. */
    const struct text_analysis *analysis;
    /* Filed by the emergency path (handlers/emergency.c): never refused by the hourly limit
     * (a sixth emergency within the hour is still an emergency), and the caller answers the
     * resident itself, so no receipt is sent. */
    bool emergency;
};

enum tipfile_result { TIPFILE_FILED, TIPFILE_LIMIT, TIPFILE_DUPLICATE, TIPFILE_ERROR };

/* Files d from the current message's sender. On TIPFILE_FILED, out holds the tip (tip_clear
 * it); on TIPFILE_DUPLICATE, out holds the earlier tip. The tipster has been answered in every
 * case but TIPFILE_ERROR. */
enum tipfile_result tipfile_file(struct hctx *ctx, const struct tip_draft *d, struct tip *out);

/* How long the current sender must wait before a tip of theirs is accepted again (the hourly
 * limit, tips.max_per_hour), in *wait_ms: 0 when they may file now. 0, or -1 on error. */
int tipfile_limit_wait(struct hctx *ctx, int64_t *wait_ms);

/* Minutes of wait_ms as a resident reads them ("35"), rounded up, at least 1, into buf. */
void tipfile_minutes(int64_t wait_ms, char *buf, size_t len);

/* Whether span (a place or a time the text engine read) is a clean piece of text, the writer's
 * own words as a person can show them back: found in text, whole words, not ending on a
 * dangling word ("tối nào cũng", "tổ 5 nhà") nor cut before the rest of a name ("hẻm 12"
 * followed by "le loi"). */
bool tipfile_clean_span(const char *text, const char *span);

/* span as it may be shown back, into out (len bytes): span itself when clean, a place cut of
 * its dangling last words when that is ("tổ 5" of "tổ 5 nhà em"), with place set. false (out
 * empty) when no clean piece remains: the resident's own answer is asked for instead. */
bool tipfile_clean_piece(const char *text, const char *span, bool place, char *out, size_t len);

/* The extracted phones, plates, links and amount of a, as the JSON tips.entities holds (caller
 * frees). */
char *tipfile_entities(const struct text_analysis *a);

/* entities (as tips.entities holds them, or NULL) with what a adds: phones, plates and links
 * not there yet; the amount only when there was none (caller frees; NULL on no memory). */
char *tipfile_entities_merge(const char *entities, const struct text_analysis *a);

/* The desk's full message about t (caller frees): the heading_name line, the facts, the
 * commands. An urgent tip's message has another shape: what and where first, then the
 * tipster's phone if given, and a call to act. */
char *tipfile_desk_message(struct hctx *ctx, const struct tip *t, const char *heading_name);
/* The same for a tip just written from the text a read and without attachments (a group's
 * lead), built from them rather than read back: t as tips_create left it. */
char *tipfile_desk_message_new(struct hctx *ctx, const struct tip *t, const char *heading_name,
                               const struct text_analysis *a);
/* The facts alone, with description_len bytes of the description (caller frees). */
char *tipfile_desk_facts(struct hctx *ctx, const struct tip *t, size_t description_len);

#endif
