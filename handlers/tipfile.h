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
 * The other helpers are shared by the resident and desk handlers: labels, dates, and the two
 * directions of the relay.
 */
#ifndef TIPGATE_TIPFILE_H
#define TIPGATE_TIPFILE_H

#include "handlers/handler.h"
#include "storage/tips.h"

#include <stdbool.h>
#include <stddef.h>

enum { TIPFILE_PHOTOS_MAX = 10 };

/* What a resident sends that is kept as evidence with a tip: photos, voice messages and files
 * (a sticker is a reaction, never evidence). */
bool tipfile_is_evidence(const char *kind);

struct tip_media {
    const char *kind; /* "photo", "voice", "document" */
    const char *ref;  /* platform file id or URL */
};

struct tip_draft {
    const char *kind; /* "tip" or "feedback" */
    const char *description;
    const char *category; /* NULL: the classifier's, or "other" */
    const char *place, *happened;
    bool urgent;
    bool anonymous;
    const char *phone;                          /* only with anonymous false */
    struct tip_media media[TIPFILE_PHOTOS_MAX]; /* up to tips.max_attachments of them */
    int n_media;
    bool has_location;
    double latitude, longitude;
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

struct text_analysis;
/* The extracted phones, plates, links and amount of a, as the JSON tips.entities holds (caller
 * frees). */
char *tipfile_entities(const struct text_analysis *a);

/* entities (as tips.entities holds them, or NULL) with what a adds: phones, plates and links
 * not there yet; the amount only when there was none (caller frees; NULL on no memory). */
char *tipfile_entities_merge(const char *entities, const struct text_analysis *a);

/* Vietnamese label of a category (from the categories file) or of a status (texts
 * "status_<name>"). Never NULL. */
const char *tipfile_category_label(const struct hctx *ctx, const char *category);
const char *tipfile_status_label(const struct hctx *ctx, const char *status);
/* "21:05 23/11/2026" in the configured time zone. */
void tipfile_time(int64_t ms, char *out, size_t size);

/* Sends the named text (vars, n) to the tipster's own chat. Replies about one's own tip always
 * go, whatever the campaign opt-outs. No-op for tips without a tipster chat (group leads). */
int tipfile_tell_tipster(struct hctx *ctx, const struct tip *t, const char *name,
                         const struct texts_var *vars, size_t n);
/* Sends text to the tip's desk (routing again if it had none); urgent tips at top priority.
 * Where the desk's platform has buttons, a stored tip's buttons (desk_tip_buttons) ride along. */
int tipfile_tell_desk(struct hctx *ctx, const struct tip *t, const char *text);
/* The desk's full message about t (caller frees): the heading_name line, the facts, the
 * commands. An urgent tip's message has another shape: what and where first, then the
 * tipster's phone if given, and a call to act. */
char *tipfile_desk_message(struct hctx *ctx, const struct tip *t, const char *heading_name);
/* The facts alone, with description_len bytes of the description (caller frees). */
char *tipfile_desk_facts(struct hctx *ctx, const struct tip *t, size_t description_len);
/* Re-sends a tip's photos (all, or only refs) to its desk where the platform can take them. */
int tipfile_send_photos(struct hctx *ctx, const struct tip *t);
int tipfile_send_photo_refs(struct hctx *ctx, const struct tip *t, const char *const *refs, int n);
/* Sends a tip's photos to the chat of the current message where its platform can show them
 * (send 0: only counts); *skipped counts those it cannot (another platform's file ids, or a
 * platform without photos). */
int tipfile_send_photos_here(struct hctx *ctx, const struct tip *t, int send, int *skipped);

#endif
