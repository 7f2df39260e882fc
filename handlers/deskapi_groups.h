/*
 * deskapi_groups.h — what the web desk's group leads (handlers/deskapi_groups.c) and shift
 * handover (handlers/deskapi_handover.c) share: the size of a page.
 */
#ifndef TIPGATE_DESKAPI_GROUPS_H
#define TIPGATE_DESKAPI_GROUPS_H

#include "handlers/deskapi.h"

#include <jansson.h>

/* A page size from the query's "limit" (default def, at most DESKAPI_PAGE_MAX): 0 when it is
 * not a number from 1 up. */
int deskapi_groups_limit(const struct deskapi_req *req, int def);

#endif
