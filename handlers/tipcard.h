/*
 * tipcard.h — what every message about a stored tip is made of, and where it goes: the labels
 * and times it shows, the buttons under it (Nhận / Trả lời / Xử lý / Xem), and the two
 * directions of the relay (to the tip's desk, or its officers; to the tipster's own chat),
 * photos included.
 *
 * It sits below the features that talk about tips: filing (tipfile.c), the desk's commands and
 * buttons (desk*.c), the scam list (scam.c), the reminders (sla.c), the resident's commands
 * (resident.c), the emergency follow-up (emergency.c). It calls none of them, so none of them
 * calls back into another through it. The buttons' payloads ("desk:<action>:<code>") are
 * answered by desk_callback (desk_buttons.c).
 */
#ifndef TIPGATE_TIPCARD_H
#define TIPGATE_TIPCARD_H

#include "handlers/handler.h"
#include "storage/tips.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TIPCARD_PHOTOS_MAX = 10,   /* attachments of one tip re-sent or listed */
    TIPCARD_CALLBACK_MAX = 64, /* bytes of a button's payload (the web chat's limit) */
};
#define TIPCARD_CB "desk:" /* the payload prefix of every tip and desk button */

/* Vietnamese label of a category (from the categories file) or of a status (texts
 * "status_<name>"). Never NULL. */
const char *tipcard_category_label(const struct hctx *ctx, const char *category);
const char *tipcard_status_label(const struct hctx *ctx, const char *status);
/* "21:05 23/11/2026" in the configured time zone. */
void tipcard_time(int64_t ms, char *out, size_t size);

/* Appends a {text, data} button whose payload is "desk:<action>:<code>[:<more>]" to row. */
void tipcard_button(json_t *row, const char *label, const char *action, const char *code,
                    const char *more);
/* The rows as button JSON (caller frees; NULL when there are none); rows is released. */
char *tipcard_rows_take(json_t *rows);
/* The buttons for a desk message about t sent to platform (JSON for hctx_send, caller frees),
 * or NULL when that platform has none or t is not a stored tip. view: whether to offer Xem. */
char *tipcard_buttons(struct hctx *ctx, const struct tip *t, const char *platform, int view);

/* Sends the named text (vars, n) to the tipster's own chat. Replies about one's own tip always
 * go, whatever the campaign opt-outs. No-op for tips without a tipster chat (group leads). */
int tipcard_tell_tipster(struct hctx *ctx, const struct tip *t, const char *name,
                         const struct texts_var *vars, size_t n);
/* Sends text to the tip's desk (routing again if it had none); urgent tips at top priority.
 * Where the desk's platform has buttons, a stored tip's buttons (tipcard_buttons) ride along. */
int tipcard_tell_desk(struct hctx *ctx, const struct tip *t, const char *text);
/* Re-sends a tip's photos (all, or only refs) to its desk where the platform can take them. */
int tipcard_send_photos(struct hctx *ctx, const struct tip *t);
int tipcard_send_photo_refs(struct hctx *ctx, const struct tip *t, const char *const *refs, int n);
/* Sends a tip's photos to the chat of the current message where its platform can show them
 * (send 0: only counts); *skipped counts those it cannot (another platform's file ids, or a
 * platform without photos). */
int tipcard_send_photos_here(struct hctx *ctx, const struct tip *t, int send, int *skipped);

#endif
