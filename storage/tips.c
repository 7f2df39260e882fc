/*
 * tips.c — see tips.h. Every SELECT of whole tips uses TIPS_COLUMNS (tips_impl.h) in this order,
 * read back by tips_read(); the lists share tips_collect(). What only the desk reads (pages,
 * search, summaries, the history of a tip) is in tips_desk.c.
 */
#include "storage/tips.h"

#include "base/secure.h"
#include "storage/tips_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tip_clear(struct tip *t)
{
    char **strs[] = {&t->kind,          &t->platform,     &t->chat_id,     &t->contact_phone,
                     &t->category,      &t->area,         &t->place,       &t->happened,
                     &t->description,   &t->folded,       &t->entities,    &t->status,
                     &t->desk_platform, &t->desk_chat_id, &t->assigned_to, &t->outcome,
                     &t->category_alt};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    memset(t, 0, sizeof *t);
}

void tips_read(sqlite3_stmt *st, struct tip *t)
{
    memset(t, 0, sizeof *t);
    int c = 0;
    t->id = sqlite3_column_int64(st, c++);
    const char *code = (const char *)sqlite3_column_text(st, c++);
    snprintf(t->code, sizeof t->code, "%s", code ? code : "");
    t->kind = db_col_strdup(st, c++);
    t->person_id = sqlite3_column_int64(st, c++);
    t->platform = db_col_strdup(st, c++);
    t->chat_id = db_col_strdup(st, c++);
    t->anonymous = sqlite3_column_int(st, c++) != 0;
    t->contact_phone = db_col_strdup(st, c++);
    t->category = db_col_strdup(st, c++);
    t->urgent = sqlite3_column_int(st, c++) != 0;
    t->area = db_col_strdup(st, c++);
    t->place = db_col_strdup(st, c++);
    t->happened = db_col_strdup(st, c++);
    t->description = db_col_strdup(st, c++);
    t->folded = db_col_strdup(st, c++);
    t->entities = db_col_strdup(st, c++);
    t->has_location = sqlite3_column_type(st, c) != SQLITE_NULL;
    t->latitude = sqlite3_column_double(st, c++);
    t->longitude = sqlite3_column_double(st, c++);
    t->status = db_col_strdup(st, c++);
    t->desk_platform = db_col_strdup(st, c++);
    t->desk_chat_id = db_col_strdup(st, c++);
    t->assigned_to = db_col_strdup(st, c++);
    t->outcome = db_col_strdup(st, c++);
    t->duplicate_of = sqlite3_column_int64(st, c++);
    t->created_at = sqlite3_column_int64(st, c++);
    t->updated_at = sqlite3_column_int64(st, c++);
    t->acknowledged_at = sqlite3_column_int64(st, c++);
    t->classified_at = sqlite3_column_int64(st, c++);
    t->closed_at = sqlite3_column_int64(st, c++);
    t->deadline_at = sqlite3_column_int64(st, c++);
    t->extensions = sqlite3_column_int(st, c++);
    t->extended_days = sqlite3_column_int(st, c++);
    t->category_confidence = sqlite3_column_double(st, c++); /* NULL reads as 0 */
    t->category_alt = db_col_strdup(st, c++);
}

int tips_collect_total(sqlite3_stmt *st, struct tip *out, int max, int *n, int64_t *total)
{
    int rc = DB_NOT_FOUND;
    *n = 0;
    if (total)
        *total = 0;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        if (total)
            *total = sqlite3_column_int64(st, TIPS_NCOLUMNS);
        tips_read(st, &out[(*n)++]);
    }
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++)
            tip_clear(&out[i]);
        *n = 0;
        if (total)
            *total = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int tips_collect(sqlite3_stmt *st, struct tip *out, int max, int *n)
{
    return tips_collect_total(st, out, max, n, NULL);
}

static int tips_one(sqlite3_stmt *st, struct tip *out)
{
    int n = 0;
    memset(out, 0, sizeof *out);
    int rc = tips_collect(st, out, 1, &n);
    if (rc != DB_OK)
        return rc;
    return n ? DB_OK : DB_NOT_FOUND;
}

int tips_code_parse(const char *in, char out[TIPS_CODE_LEN + 1])
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = in; p && *p; p++) {
        if (*p == '-' || *p == ' ' || *p == '#')
            continue;
        char c = (char)toupper((unsigned char)*p);
        if (!strchr(TIPS_ALPHABET, c) || n >= TIPS_CODE_LEN)
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == TIPS_CODE_LEN ? 0 : -1;
}

void tips_code_show(const char *code, char out[TIPS_CODE_LEN + 2])
{
    snprintf(out, TIPS_CODE_LEN + 2, "%.4s-%.4s", code, code + 4);
}

/* Eight characters, each uniform over the 31-letter alphabet (rejection sampling). */
static int tips_new_code(char out[TIPS_CODE_LEN + 1])
{
    const size_t k = sizeof TIPS_ALPHABET - 1;
    for (int i = 0; i < TIPS_CODE_LEN;) {
        unsigned char b;
        if (secure_random(&b, 1) != 0)
            return -1;
        if (b >= 256 - 256 % k)
            continue;
        out[i++] = TIPS_ALPHABET[b % k];
    }
    out[TIPS_CODE_LEN] = '\0';
    return 0;
}

int tips_create(struct db *db, struct tip *t, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO tips (code, kind, person_id, platform, chat_id, anonymous, contact_phone, "
        "category, urgent, area, place, happened, description, folded, entities, latitude, "
        "longitude, desk_platform, desk_chat_id, created_at, updated_at, deadline_at, "
        "category_confidence, category_alt) "
        "VALUES (?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "NULLIF(?, 0), ?, ?)";
    for (int tries = 0; tries < 8; tries++) {
        sqlite3_stmt *st = db_stmt(db, sql);
        if (!st || tips_new_code(t->code) != 0)
            return DB_ERROR;
        int c = 1;
        db_bind_text(st, c++, t->code);
        db_bind_text(st, c++, t->kind ? t->kind : "tip");
        sqlite3_bind_int64(st, c++, t->person_id);
        db_bind_text(st, c++, t->platform);
        db_bind_text(st, c++, t->chat_id);
        sqlite3_bind_int(st, c++, t->anonymous);
        db_bind_text(st, c++, t->contact_phone);
        db_bind_text(st, c++, t->category);
        sqlite3_bind_int(st, c++, t->urgent);
        db_bind_text(st, c++, t->area);
        db_bind_text(st, c++, t->place);
        db_bind_text(st, c++, t->happened);
        db_bind_text(st, c++, t->description);
        db_bind_text(st, c++, t->folded ? t->folded : "");
        db_bind_text(st, c++, t->entities);
        if (t->has_location) {
            sqlite3_bind_double(st, c++, t->latitude);
            sqlite3_bind_double(st, c++, t->longitude);
        } else {
            sqlite3_bind_null(st, c++);
            sqlite3_bind_null(st, c++);
        }
        db_bind_text(st, c++, t->desk_platform);
        db_bind_text(st, c++, t->desk_chat_id);
        sqlite3_bind_int64(st, c++, now_ms);
        sqlite3_bind_int64(st, c++, now_ms);
        sqlite3_bind_int64(st, c++, t->deadline_at);
        if (t->category_confidence > 0)
            sqlite3_bind_double(st, c++, t->category_confidence);
        else
            sqlite3_bind_null(st, c++);
        db_bind_text(st, c++, t->category_alt);
        int rc = db_step_done(db, st);
        if (rc == DB_DUPLICATE)
            continue; /* the code was taken: draw another */
        if (rc != DB_OK)
            return rc;
        t->id = db_last_id(db);
        t->created_at = t->updated_at = now_ms;
        return DB_OK;
    }
    return DB_ERROR;
}

int tips_get(struct db *db, const char *code, struct tip *out)
{
    static const char sql[] = "SELECT " TIPS_COLUMNS " FROM tips WHERE code = ?";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "t", code);
    return tips_one(st, out);
}

int tips_get_id(struct db *db, int64_t id, struct tip *out)
{
    static const char sql[] = "SELECT " TIPS_COLUMNS " FROM tips WHERE id = ?";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "I", id);
    return tips_one(st, out);
}

int tips_add_attachment(struct db *db, int64_t tip_id, const char *kind, const char *ref,
                        int64_t now_ms)
{
    /* A platform's photo goes in the copier's queue at once (storage/photo_copies.h). */
    static const char sql[] =
        "INSERT INTO tip_attachments (tip_id, kind, ref, created_at, copy_due) VALUES (?1, ?2, "
        "?3, ?4, CASE WHEN ?2 = 'photo' AND ?3 NOT LIKE 'upload:%' THEN ?4 END)";
    return db_run(db, sql, "IttI", tip_id, kind, ref, now_ms);
}

int tips_attachments(struct db *db, int64_t tip_id, const char *kind, char **refs, int max, int *n)
{
    static const char sql[] = "SELECT ref FROM tip_attachments WHERE tip_id = ? "
                              "AND (?2 IS NULL OR kind = ?2) ORDER BY id LIMIT ?3";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Iti", tip_id, kind, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        refs[(*n)++] = db_col_strdup(st, 0);
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++)
            free(refs[i]);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int tips_count_attachments(struct db *db, int64_t tip_id, const char *kind, int64_t *n)
{
    static const char sql[] =
        "SELECT count(*) FROM tip_attachments WHERE tip_id = ?1 AND (?2 IS NULL OR kind = ?2)";
    *n = 0;
    return db_get_int(db, n, sql, "It", tip_id, kind);
}

int tips_upload_in_use(struct db *db, const char *hex, int64_t since_ms, bool *in_use)
{
    /* The literal LIKE lets the planner use the partial index tip_attachments_upload, a copy of
     * a platform's photo is found through tip_attachments_copy_ref; a pending inbox row is read
     * through inbox_pending, a draft through conversations_idle from since. */
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM tip_attachments WHERE ref = 'upload:' || ?1 "
        "AND ref LIKE 'upload:%') "
        "OR EXISTS (SELECT 1 FROM tip_attachments WHERE copy_ref = 'upload:' || ?1 "
        "AND copy_ref IS NOT NULL) "
        "OR EXISTS (SELECT 1 FROM inbox WHERE processed_at IS NULL AND instr(message, ?1) > 0) "
        "OR EXISTS (SELECT 1 FROM conversations WHERE nudged IN (0, 1) AND updated_at >= ?2 "
        "AND instr(data, ?1) > 0)";
    int64_t found = 0;
    int rc = db_get_int(db, &found, sql, "tI", hex, since_ms);
    *in_use = rc != DB_OK || found != 0; /* when unsure, in use */
    return rc;
}

/* Runs an UPDATE whose parameters are (text-or-NULL, now, id); DB_NOT_FOUND if no row. */
static int tips_update(struct db *db, const char *sql, const char *text, int64_t now_ms, int64_t id)
{
    return db_changed(db, db_run(db, sql, "tII", text, now_ms, id), DB_NOT_FOUND);
}

int tips_set_status(struct db *db, int64_t id, const char *status, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET status = ?1, updated_at = ?2, "
                              "classified_at = coalesce(classified_at, ?2), "
                              "acknowledged_at = coalesce(acknowledged_at, ?2) WHERE id = ?3";
    return tips_update(db, sql, status, now_ms, id);
}

int tips_acknowledge(struct db *db, int64_t id, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE tips SET status = CASE WHEN status = 'new' THEN 'received' ELSE status END, "
        "acknowledged_at = coalesce(acknowledged_at, ?2), updated_at = ?2 "
        "WHERE id = ?3 AND ?1 IS NULL";
    return tips_update(db, sql, NULL, now_ms, id);
}

int tips_assign(struct db *db, int64_t id, const char *who, int64_t now_ms)
{
    /* a name typed in chat names nobody enrolled: a colleague assigned before is no longer */
    static const char sql[] = "UPDATE tips SET assigned_to = ?1, assigned_person = NULL, "
                              "updated_at = ?2, acknowledged_at = coalesce(acknowledged_at, ?2), "
                              "status = CASE WHEN status = 'new' THEN 'received' ELSE status END "
                              "WHERE id = ?3";
    return tips_update(db, sql, who, now_ms, id);
}

int tips_assign_person(struct db *db, int64_t id, int64_t person_id, const char *name,
                       int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET assigned_to = ?1, assigned_person = ?2, "
                              "updated_at = ?3, acknowledged_at = coalesce(acknowledged_at, ?3), "
                              "status = CASE WHEN status = 'new' THEN 'received' ELSE status END "
                              "WHERE id = ?4";
    return db_changed(db, db_run(db, sql, "tIII", name, person_id, now_ms, id), DB_NOT_FOUND);
}

int tips_close(struct db *db, int64_t id, const char *outcome, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET status = 'closed', outcome = ?1, updated_at = ?2, "
                              "closed_at = ?2, acknowledged_at = coalesce(acknowledged_at, ?2), "
                              "classified_at = coalesce(classified_at, ?2) WHERE id = ?3";
    return tips_update(db, sql, outcome, now_ms, id);
}

int tips_reopen(struct db *db, int64_t id, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET status = 'verifying', closed_at = NULL, "
                              "outcome = NULL, duplicate_of = NULL, updated_at = ?2 "
                              "WHERE id = ?3 AND ?1 IS NULL";
    return tips_update(db, sql, NULL, now_ms, id);
}

int tips_set_category(struct db *db, int64_t id, const char *category, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET category = ?1, category_confidence = NULL, "
                              "category_alt = NULL, updated_at = ?2, "
                              "classified_at = coalesce(classified_at, ?2) WHERE id = ?3";
    return tips_update(db, sql, category, now_ms, id);
}

int tips_mark_duplicate(struct db *db, int64_t id, int64_t of_id, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET status = 'duplicate', duplicate_of = ?1, "
                              "updated_at = ?2, closed_at = ?2, "
                              "acknowledged_at = coalesce(acknowledged_at, ?2) WHERE id = ?3";
    char of[32];
    snprintf(of, sizeof of, "%lld", (long long)of_id);
    return tips_update(db, sql, of, now_ms, id);
}

int tips_extend(struct db *db, int64_t id, int days, int64_t new_deadline, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET deadline_at = ?, extensions = extensions + 1, "
                              "extended_days = extended_days + ?, updated_at = ? WHERE id = ?";
    return db_run(db, sql, "IiII", new_deadline, days, now_ms, id);
}

int tips_append_description(struct db *db, int64_t id, const char *text, const char *folded,
                            int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET description = description || char(10) || ?1, "
                              "folded = folded || ' ' || ?4, updated_at = ?2 WHERE id = ?3";
    return db_run(db, sql, "tIIt", text, now_ms, id, folded);
}

int tips_set_contact(struct db *db, int64_t id, const char *phone, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE tips SET anonymous = 0, contact_phone = ?1, updated_at = ?2 WHERE id = ?3";
    return db_run(db, sql, "tII", phone, now_ms, id);
}

int tips_set_location(struct db *db, int64_t id, double latitude, double longitude, int64_t now_ms)
{
    static const char sql[] = "UPDATE tips SET latitude = ?1, longitude = ?2, updated_at = ?3 "
                              "WHERE id = ?4 AND latitude IS NULL";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    sqlite3_bind_double(st, 1, latitude);
    sqlite3_bind_double(st, 2, longitude);
    sqlite3_bind_int64(st, 3, now_ms);
    sqlite3_bind_int64(st, 4, id);
    return db_step_done(db, st);
}

int tips_list_by_person(struct db *db, int64_t person_id, struct tip *out, int max, int *n)
{
    static const char sql[] = "SELECT " TIPS_COLUMNS " FROM tips WHERE person_id = ? "
                              "AND kind != 'group_lead' ORDER BY created_at DESC, id DESC LIMIT ?";
    sqlite3_stmt *st = db_query(db, sql, "Ii", person_id, max);
    return tips_collect(st, out, max, n);
}

/* Each word becomes a quoted FTS5 string ("tu" "khoa"), so no character typed by an officer
 * can change the query's meaning. The result is a parameter, never SQL. */
char *tips_fts_query(const char *folded)
{
    size_t cap = strlen(folded) * 3 + 3, at = 0;
    char *q = malloc(cap);
    if (!q)
        return NULL;
    const char *p = folded;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p) && (unsigned char)*p < 0x80)
            p++;
        if (!*p)
            break;
        if (at)
            q[at++] = ' ';
        q[at++] = '"';
        while (*p && (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80))
            q[at++] = *p++;
        q[at++] = '"';
    }
    q[at] = '\0';
    return q;
}

int tips_count_since(struct db *db, int64_t person_id, int64_t since_ms, int64_t *n)
{
    /* "+kind": kind must not be used for an index. With it, the planner may take
     * tips_kind_created (every tip filed since since_ms, everyone's) over tips_person (this
     * person's): 17 ms a tip at 80,000 tips, for a check that runs on every tip. */
    static const char sql[] = "SELECT count(*) FROM tips WHERE person_id = ? AND created_at >= ? "
                              "AND +kind = 'tip'";
    *n = 0;
    return db_get_int(db, n, sql, "II", person_id, since_ms);
}

int tips_created_nth_since(struct db *db, int64_t person_id, int64_t since_ms, int64_t skip,
                           int64_t *at)
{
    static const char sql[] = "SELECT created_at FROM tips WHERE person_id = ? AND created_at >= ? "
                              "AND +kind = 'tip' ORDER BY created_at LIMIT 1 OFFSET ?";
    *at = 0;
    return db_get_int(db, at, sql, "III", person_id, since_ms, skip);
}

int tips_recent_of_person(struct db *db, int64_t person_id, int64_t since_ms, struct tip *out,
                          int max, int *n)
{
    static const char sql[] = "SELECT " TIPS_COLUMNS " FROM tips WHERE person_id = ? "
                              "AND created_at >= ? AND kind != 'group_lead' "
                              "ORDER BY created_at DESC LIMIT ?";
    sqlite3_stmt *st = db_query(db, sql, "IIi", person_id, since_ms, max);
    return tips_collect(st, out, max, n);
}

int tips_message_add(struct db *db, int64_t tip_id, const char *direction, const char *text,
                     int64_t author, bool open_question, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO tip_messages (tip_id, direction, text, author, "
                              "open_question, created_at) VALUES (?, ?, ?, NULLIF(?, 0), ?, ?)";
    return db_run(db, sql, "IttIiI", tip_id, direction, text, author, open_question, now_ms);
}

int tips_open_question(struct db *db, int64_t person_id, struct tip *out, int *count)
{
    static const char sql[] = "SELECT " TIPS_COLUMNS " FROM tips WHERE person_id = ? AND id IN "
                              "(SELECT tip_id FROM tip_messages WHERE open_question = 1) LIMIT 2";
    memset(out, 0, sizeof *out);
    *count = 0;
    sqlite3_stmt *st = db_query(db, sql, "I", person_id);
    struct tip two[2];
    int n = 0;
    int rc = tips_collect(st, two, 2, &n);
    *count = n;
    if (rc != DB_OK)
        return rc;
    if (n != 1) {
        for (int i = 0; i < n; i++)
            tip_clear(&two[i]);
        return DB_NOT_FOUND;
    }
    *out = two[0];
    return DB_OK;
}

int tips_close_questions(struct db *db, int64_t tip_id)
{
    static const char sql[] = "UPDATE tip_messages SET open_question = 0 WHERE tip_id = ?";
    return db_run(db, sql, "I", tip_id);
}

int tips_messages(struct db *db, int64_t tip_id, char **directions, char **texts, int64_t *times,
                  int max, int *n)
{
    static const char sql[] = "SELECT direction, text, created_at FROM tip_messages "
                              "WHERE tip_id = ? ORDER BY id LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Ii", tip_id, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        directions[*n] = db_col_strdup(st, 0);
        texts[*n] = db_col_strdup(st, 1);
        times[*n] = sqlite3_column_int64(st, 2);
        (*n)++;
    }
    if (db_rows_end(st, rc) != DB_OK) {
        for (int i = 0; i < *n; i++) {
            free(directions[i]);
            free(texts[i]);
        }
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int tips_reminder_once(struct db *db, int64_t tip_id, const char *kind, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO tip_reminders (tip_id, kind, sent_at) VALUES (?, ?, ?) "
                              "ON CONFLICT DO NOTHING";
    return db_changed(db, db_run(db, sql, "ItI", tip_id, kind, now_ms), DB_DUPLICATE);
}

/* The WHERE of each partial index of migration 009, repeated word for word: SQLite uses a
 * partial index only for a query that states each of its terms. INDEXED BY says which index is
 * meant: without statistics the planner takes tips_kind_created (kind = 'tip', every tip ever
 * filed) for these queries, and with INDEXED BY a query whose terms stop matching its index
 * fails to prepare instead of silently reading the whole table. */
#define TIPS_DUE_ACK                                                                               \
    "tips INDEXED BY tips_due_ack WHERE acknowledged_at IS NULL AND status = 'new' "               \
    "AND kind = 'tip' AND sla_ack_done IS NULL"
#define TIPS_DUE_CLASSIFY                                                                          \
    "tips INDEXED BY tips_due_classify WHERE classified_at IS NULL AND kind = 'tip' "              \
    "AND " TIPS_OPEN " AND sla_classify_done IS NULL"
#define TIPS_DUE_DEADLINE                                                                          \
    "tips INDEXED BY tips_due_deadline WHERE deadline_at IS NOT NULL AND kind = 'tip' "            \
    "AND " TIPS_OPEN " AND sla_overdue_for IS NOT deadline_at"
#define TIPS_NOT_REMINDED(kind)                                                                    \
    "NOT EXISTS (SELECT 1 FROM tip_reminders r WHERE r.tip_id = tips.id AND r.kind = " kind ")"

int tips_sla_candidates(struct db *db, enum tips_sla which, const char *kind, int64_t t1,
                        int64_t t2, struct tip *out, int max, int *n)
{
    /* created_at < max(?2, ?3) bounds the walk of the index; the CASE picks each tip's limit.
     * Parameters a statement does not need appear as "?1 IS ?1" so that all bind alike. */
    static const char ack[] =
        "SELECT " TIPS_COLUMNS " FROM " TIPS_DUE_ACK " AND created_at < max(?2, ?3) "
        "AND created_at < CASE WHEN urgent THEN ?3 ELSE ?2 END AND " TIPS_NOT_REMINDED(
            "?1") " ORDER BY created_at LIMIT ?4";
    static const char ack_last[] =
        "SELECT " TIPS_COLUMNS " FROM " TIPS_DUE_ACK " AND created_at < max(?2, ?3) "
        "AND created_at < CASE WHEN urgent THEN ?3 ELSE ?2 END AND ?1 IS ?1 "
        "ORDER BY created_at LIMIT ?4";
    static const char classify[] =
        "SELECT " TIPS_COLUMNS " FROM " TIPS_DUE_CLASSIFY " AND created_at < ?2 "
        "AND ?1 IS ?1 AND ?3 = ?3 ORDER BY created_at LIMIT ?4";
    static const char deadline[] =
        "SELECT " TIPS_COLUMNS " FROM " TIPS_DUE_DEADLINE " AND deadline_at < ?2 AND ?3 = ?3 "
        "AND " TIPS_NOT_REMINDED("?1 || ':' || tips.deadline_at") " ORDER BY deadline_at LIMIT ?4";
    static const char overdue[] =
        "SELECT " TIPS_COLUMNS " FROM " TIPS_DUE_DEADLINE " AND deadline_at < ?2 AND ?3 = ?3 "
        "AND ?1 IS ?1 ORDER BY deadline_at LIMIT ?4";
    static const char *const sqls[] = {
        [TIPS_SLA_ACK] = ack,           [TIPS_SLA_ACK_LAST] = ack_last,
        [TIPS_SLA_CLASSIFY] = classify, [TIPS_SLA_DEADLINE] = deadline,
        [TIPS_SLA_OVERDUE] = overdue,
    };
    *n = 0;
    if ((unsigned)which >= sizeof sqls / sizeof sqls[0])
        return DB_ERROR;
    sqlite3_stmt *st = db_stmt(db, sqls[which]);
    if (!st)
        return DB_ERROR;
    db_bind_text(st, 1, kind);
    sqlite3_bind_int64(st, 2, t1);
    sqlite3_bind_int64(st, 3, t2);
    sqlite3_bind_int(st, 4, max);
    return tips_collect(st, out, max, n);
}

int tips_sla_finish(struct db *db, int64_t id, enum tips_sla which, int64_t now_ms)
{
    static const char ack[] = "UPDATE tips SET sla_ack_done = ?2 WHERE id = ?1";
    static const char classify[] = "UPDATE tips SET sla_classify_done = ?2 WHERE id = ?1";
    static const char overdue[] =
        "UPDATE tips SET sla_overdue_for = deadline_at WHERE id = ?1 AND ?2 = ?2";
    const char *sql = which == TIPS_SLA_ACK_LAST   ? ack
                      : which == TIPS_SLA_CLASSIFY ? classify
                      : which == TIPS_SLA_OVERDUE  ? overdue
                                                   : NULL;
    if (!sql)
        return DB_ERROR; /* the other kinds are not the last message of a stage */
    return db_run(db, sql, "II", id, now_ms);
}

int tips_audit(struct db *db, int64_t actor, const char *action, int64_t tip_id, const char *detail,
               int64_t now_ms)
{
    static const char sql[] = "INSERT INTO audit_log (at, actor, action, tip_id, detail) "
                              "VALUES (?, NULLIF(?, 0), ?, NULLIF(?, 0), ?)";
    return db_run(db, sql, "IItIt", now_ms, actor, action, tip_id, detail);
}
