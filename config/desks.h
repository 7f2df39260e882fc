/*
 * desks.h — where tips go and the service rules around them, read once from the configuration:
 *
 *   "areas": [{"code": "TDP5", "name": "Tổ dân phố 5", "aliases": ["to 5"],
 *              "desk": {"platform": "telegram", "chat_id": "-100123"},
 *              "escalation": {"platform": "telegram", "chat_id": "-100999"},
 *              "population": 4200, "households": 1100}],
 *   "routing": {"default_desk": {…}, "category_desks": {"fraud": {…}}},
 *   "tips": {"max_per_hour": 5, "ack_minutes": 120, …}
 *
 * A tip goes to its area's desk; a category override (fraud → a cyber unit) wins; with no match
 * the default desk gets it; with no desk chat at all, the officers enrolled for the area (or
 * any officer) get it in their private chats (handlers/tipcard.c) — and with none of those it is
 * still stored and listed by /tinmoi, never dropped. Read-only after start, shared by every thread.
 */
#ifndef TIPGATE_DESKS_H
#define TIPGATE_DESKS_H

#include "config/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { DESKS_AREAS_MAX = 256, DESKS_ALIASES_MAX = 8, DESKS_CATEGORY_MAX = 32 };
enum { DESKS_COUNT_MAX = 100000000 }; /* an area's population or households at most */

struct desk {
    char platform[16];
    char chat_id[64];
};

struct area {
    char code[32];
    char name[128];
    char folded_names[DESKS_ALIASES_MAX + 1][128]; /* the name and aliases, folded for matching */
    int n_names;
    struct desk desk, escalation;
    bool has_desk, has_escalation;
    bool show_sender_names; /* group leads: show the sender's display name (default no) */
    /* The area's residents and households, for the report's reach of residents (0: not
     * given; handlers/period_report.c). */
    int64_t population, households;
};

struct tips_rules {
    int max_per_hour;      /* tips one person may file per hour */
    int duplicate_minutes; /* a near-identical tip within this is recognised */
    int max_attachments;   /* photos per tip */
    int ack_minutes;       /* unacknowledged → reminder to the desk */
    int ack_urgent_minutes;
    int classify_hours; /* joint circular 01/2017 */
    int resolve_days;   /* Criminal Procedure Code art. 147 */
    int remind_days[4]; /* reminders before the resolution limit (days after receipt) */
    int n_remind_days;
    int draft_nudge_minutes; /* a guided report left idle gets one nudge */
    int draft_expire_hours;  /* and expires */
    int lead_retention_days; /* group leads are deleted after this */
};

struct desks {
    struct area areas[DESKS_AREAS_MAX];
    int n_areas;
    struct desk default_desk;
    bool has_default;
    struct {
        char category[32];
        struct desk desk;
    } category_desks[DESKS_CATEGORY_MAX];
    int n_category_desks;
    struct tips_rules rules;
};

/* Reads the sections; fold is the text engine's folding function (for area names). Errors name
 * the key path. */
int desks_load(const struct cfg *cfg, size_t (*fold)(const char *, size_t, char *, size_t),
               struct desks **out, char *err, size_t errlen);
void desks_free(struct desks *d);

const struct area *desks_area(const struct desks *d, const char *code);
/* The area whose name or an alias appears in folded text (longest match wins), or NULL. */
const struct area *desks_area_in_text(const struct desks *d, const char *folded);
/* The desk for a tip of category in area (either may be NULL); false when there is none. */
bool desks_route(const struct desks *d, const char *category, const char *area_code,
                 struct desk *out);
/* Whether chat is one of the configured desks (a desk command may come from it). */
bool desks_is_desk(const struct desks *d, const char *platform, const char *chat_id);

#endif
