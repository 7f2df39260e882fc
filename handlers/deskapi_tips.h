/*
 * deskapi_tips.h — what the web desk reads about tips (handlers/deskapi.h): GET /summary,
 * /categories, /tips (the queue: filters, search, cursor pages), /tips/:code (the tip page,
 * audited "view"), /tips/:code/contact (audited "view_contact") and /tips/:code/photos/:n (a
 * web chat upload served as a file).
 *
 * deskapi_tip_row is the one builder of the tip row of every list the desk shows (the queue,
 * leads, the handover, the live frames): the code, a gist that leaves out the tipster's phone
 * and name, category, area, status, the art. 147 deadline and whether it has passed, the
 * assignee. Never the tipster's identity (person, platform, chat, contact phone, name).
 */
#ifndef TIPGATE_DESKAPI_TIPS_H
#define TIPGATE_DESKAPI_TIPS_H

#include "handlers/deskapi.h"
#include "storage/tips.h"

#include <jansson.h>

/* The row of t as every desk list shows it (round 14's "tip row"), for ctx->person (who
 * "assigned_to_me" is about). A new reference (caller decrefs), or NULL on no memory or a
 * failed read. */
json_t *deskapi_tip_row(struct hctx *ctx, const struct tip *t);

extern const struct deskapi_table deskapi_tips_routes;

#endif
