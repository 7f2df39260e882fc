/*
 * people.h — everyone who writes to the bot, keyed by (platform, platform user id), and the
 * chats the bot is in, keyed by (platform, chat id). The worker records both for every update
 * before a handler runs, so handlers can rely on the rows existing.
 */
#ifndef TIPGATE_PEOPLE_H
#define TIPGATE_PEOPLE_H

#include "storage/db.h"

#include <stdbool.h>
#include <stdint.h>

struct person {
    int64_t id;
    char *platform;
    char *platform_user_id;
    char *display_name;
    char *role; /* "resident", or "police", "commander", "leader", "agency" once enrolled */
    char *area;
    bool reachable;
};

/* Inserts or refreshes (display name) a person; wrote (they sent a message or pressed a button,
 * not a membership change) makes them reachable again: a resident who unblocked the bot. *id
 * receives the row id when non-NULL. */
int people_touch(struct db *db, const char *platform, const char *user_id, const char *display_name,
                 bool wrote, int64_t now_ms, int64_t *id);
/* DB_OK and *out filled (free with person_clear), or DB_NOT_FOUND. */
int people_get(struct db *db, const char *platform, const char *user_id, struct person *out);
/* The same by row id (the web desk's session names its person by id). */
int people_get_id(struct db *db, int64_t id, struct person *out);
void person_clear(struct person *p);
int people_set_reachable(struct db *db, const char *platform, const char *user_id, bool reachable,
                         int64_t now_ms);

/* The enrolled officers (role police) to tell about a tip when no desk chat is configured:
 * those of area first; when area has none, every officer. Up to max (platform, user id)
 * pairs, reachable ones only; the caller frees the strings. */
int people_officers(struct db *db, const char *area, char **platforms, char **user_ids, int max,
                    int *n);

/* Whether role may work the tips desk (chat and web): an officer ("police") or a commander. */
bool people_is_officer(const char *role);

/* One enrolled person as `tipgate staff` lists them. */
struct people_staff_row {
    int64_t id;
    char role[16];
    char area[64];
    char platform[32];
    char name[128];
    int64_t sessions; /* live web desk sessions (storage/desk_auth.h rules) */
};
/* Calls fn for everyone enrolled in a role other than resident, by role, area and id; live
 * sessions counted at now_ms. Stops and returns fn's nonzero result; DB_OK, DB_ERROR. */
int people_staff(struct db *db, int64_t now_ms,
                 int (*fn)(const struct people_staff_row *row, void *arg), void *arg);
/* Puts person_id back to resident with no area or agency (unenrolment): DB_OK, DB_NOT_FOUND
 * when nobody has that id. The caller ends their desk sessions and audits it. */
int people_unenrol(struct db *db, int64_t person_id, int64_t now_ms);

/* Inserts or refreshes (title, kind) a chat. kind is "private" or "group". wrote (a message or
 * a button press came from it) makes a private chat reachable again — a resident who unblocked
 * the bot, a web chat identity made again after retention pruned it — unless the bot's own
 * status there says it was removed. A group's reachability follows the bot's membership. */
int chats_touch(struct db *db, const char *platform, const char *chat_id, const char *kind,
                const char *title, bool wrote, int64_t now_ms);
int chats_set_reachable(struct db *db, const char *platform, const char *chat_id, bool reachable,
                        int64_t now_ms);
/* Records the bot's membership (member, administrator, left, kicked, …); a chat the bot left
 * or was removed from is unreachable, one it joined again is reachable. */
int chats_set_bot_status(struct db *db, const char *platform, const char *chat_id,
                         const char *status, int64_t now_ms);

/* The enrolled colleagues (role police or commander) a tip may be assigned to on the web desk,
 * by name: for area NULL (a commander, or an officer without an area) all of them; otherwise the
 * officers of area (compared regardless of case) and every commander. only_id > 0 reads that
 * one person only, if they are among them (the same rule checks an assignment). Up to max into
 * out (person_clear each). */
int people_colleagues(struct db *db, const char *area, int64_t only_id, struct person *out, int max,
                      int *n);

#endif
