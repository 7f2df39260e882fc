/*
 * enrol.h — one-time enrolment codes. `tipgate enrol` makes a code for a role (police, leader,
 * agency) and an area or agency; the person who sends `/dangky <code>` in any chat gets that
 * role. Codes are stored as SHA-256 hashes, expire, and work once.
 */
#ifndef TIPGATE_ENROL_H
#define TIPGATE_ENROL_H

#include "storage/db.h"

#include <stdint.h>

enum { ENROL_CODE_LEN = 10 }; /* shown as XXXXX-XXXXX */

struct enrol_grant {
    char role[16];
    char area[64];
    char agency[64];
};

/* Makes a code valid for ttl_ms; code receives the 10 characters plus NUL. */
int enrol_create(struct db *db, const struct enrol_grant *g, int64_t now_ms, int64_t ttl_ms,
                 char code[ENROL_CODE_LEN + 1]);
/* Uses a typed code (any case, dashes and spaces ignored) for person_id: DB_OK and *g filled,
 * or DB_NOT_FOUND for an unknown, used or expired code. The person's role, area and agency are
 * set in the same statement group (caller's transaction). */
int enrol_redeem(struct db *db, const char *typed, int64_t person_id, int64_t now_ms,
                 struct enrol_grant *g);

#endif
