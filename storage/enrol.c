/*
 * enrol.c — see enrol.h. The alphabet leaves out look-alikes (0/O, 1/I/L) because officers
 * read codes aloud and type them on phones.
 */
#include "storage/enrol.h"

#include "base/secure.h"
#include "storage/tips.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void enrol_hash(const char *code, char out[2 * SECURE_SHA256_LEN + 1])
{
    secure_sha256_hex(code, out);
}

static int enrol_normalise(const char *typed, char out[ENROL_CODE_LEN + 1])
{
    size_t n = 0;
    for (const char *p = typed; p && *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        char c = (char)toupper((unsigned char)*p);
        if (!strchr(TIPS_ALPHABET, c) || n >= ENROL_CODE_LEN)
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == ENROL_CODE_LEN ? 0 : -1;
}

int enrol_create(struct db *db, const struct enrol_grant *g, int64_t now_ms, int64_t ttl_ms,
                 char code[ENROL_CODE_LEN + 1])
{
    static const char sql[] = "INSERT INTO enrol_codes (code_hash, role, area, agency, "
                              "created_at, expires_at) VALUES (?, ?, NULLIF(?, ''), "
                              "NULLIF(?, ''), ?, ?)";
    const size_t k = sizeof TIPS_ALPHABET - 1;
    for (int i = 0; i < ENROL_CODE_LEN;) {
        unsigned char b;
        if (secure_random(&b, 1) != 0)
            return DB_ERROR;
        if (b < 256 - 256 % k)
            code[i++] = TIPS_ALPHABET[b % k];
    }
    code[ENROL_CODE_LEN] = '\0';
    char hash[2 * SECURE_SHA256_LEN + 1];
    enrol_hash(code, hash);
    return db_run(db, sql, "ttttII", hash, g->role, g->area, g->agency, now_ms, now_ms + ttl_ms);
}

int enrol_redeem(struct db *db, const char *typed, int64_t person_id, int64_t now_ms,
                 struct enrol_grant *g)
{
    static const char use[] = "UPDATE enrol_codes SET used_at = ?, used_by = ? "
                              "WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? "
                              "RETURNING role, coalesce(area, ''), coalesce(agency, '')";
    static const char grant[] = "UPDATE people SET role = ?, area = coalesce(NULLIF(?, ''), area), "
                                "agency = coalesce(NULLIF(?, ''), agency), updated_at = ? "
                                "WHERE id = ?";
    char code[ENROL_CODE_LEN + 1], hash[2 * SECURE_SHA256_LEN + 1];
    memset(g, 0, sizeof *g);
    if (enrol_normalise(typed, code) != 0)
        return DB_NOT_FOUND;
    enrol_hash(code, hash);
    sqlite3_stmt *st = db_query(db, use, "IItI", now_ms, person_id, hash, now_ms);
    int rc = db_step_row(st);
    if (rc == DB_OK) {
        db_col_text(st, 0, g->role, sizeof g->role);
        db_col_text(st, 1, g->area, sizeof g->area);
        db_col_text(st, 2, g->agency, sizeof g->agency);
    }
    sqlite3_reset(st);
    if (rc != DB_OK)
        return rc;
    return db_run(db, grant, "tttII", g->role, g->area, g->agency, now_ms, person_id);
}
