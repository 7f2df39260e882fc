/*
 * deskapi_groups.h — what the web desk's group leads (handlers/deskapi_groups.c) and shift
 * handover (handlers/deskapi_handover.c) share: the scope of tips a signed-in person reads in
 * storage's terms, and the tip row both lists show.
 */
#ifndef TIPGATE_DESKAPI_GROUPS_H
#define TIPGATE_DESKAPI_GROUPS_H

#include "handlers/deskapi.h"

#include <jansson.h>

/* The area whose tips (and tips of no area) ctx->person reads, as the configuration spells its
 * code; NULL for every area (a commander, or an officer enrolled without an area). Only for a
 * person deskapi_sees_tip_area answers for. */
const char *deskapi_groups_scope(struct hctx *ctx);

/* The tip row of round 14's contract for t (owned by the caller; NULL on no memory). Never the
 * tipster's identity or contact.
 * replaced by deskapi_tip_row at merge */
json_t *deskapi_groups_tip_row(struct hctx *ctx, const struct tip *t);

/* A page size from the query's "limit" (default def, at most DESKAPI_PAGE_MAX): 0 when it is
 * not a number from 1 up. */
int deskapi_groups_limit(const struct deskapi_req *req, int def);

#endif
