/*
 * handover.h — what the shift handover reads (handlers/deskapi_handover.c): the tips of a scope
 * that were filed, acknowledged or closed since a time, the open ones past their art. 147
 * deadline now, and the open ones whose last relay message is the tipster's (a follow-up or an
 * answer the desk has not replied to). Each list is read through an index made for it
 * (migrations 005, 009 and 020), newest (or most overdue) first, one page with the count of
 * the whole list.
 */
#ifndef TIPGATE_HANDOVER_H
#define TIPGATE_HANDOVER_H

#include "storage/db.h"

#include <stdint.h>

struct tip;

enum handover_list {
    HANDOVER_NEW,          /* filed since */
    HANDOVER_ACKNOWLEDGED, /* acknowledged since */
    HANDOVER_OVERDUE,      /* open, deadline before now */
    HANDOVER_REPLIES,      /* open, the tipster wrote last */
    HANDOVER_CLOSED,       /* closed since */
    HANDOVER_LISTS
};

/* Up to max tips (kind 'tip') of list which into out (tip_clear each), and *total in the whole
 * list. scope NULL: every area; else tips of area scope and tips no area was found for. */
int handover_page(struct db *db, enum handover_list which, const char *scope, int64_t since_ms,
                  int64_t now_ms, struct tip *out, int max, int *n, int64_t *total);

#endif
