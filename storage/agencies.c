/*
 * agencies.c — see agencies.h. Which agencies a dated deadline binds is decided in SQL from
 * the date's rows in deadline_targets (all, an agency's code, a kind), so adding an agency or
 * editing a calendar needs one INSERT … SELECT, not a loop. The reminder job reads tasks through
 * the partial index on next_at and escalations through the one on escalate_at.
 */
#include "storage/agencies.h"
#include "storage/outbox.h"

#include <stdio.h>
#include <string.h>

/* Whether agency a is among the targets of date d (SQL fragment used in several queries). */
#define AGENCIES_TARGETED                                                                          \
    "EXISTS (SELECT 1 FROM deadline_targets g WHERE g.date_id = d.id AND (g.kind = 'all' OR "      \
    "(g.kind = 'agency' AND g.value = a.code) OR (g.kind = 'kind' AND g.value = a.kind)))"

/* ---- agencies --------------------------------------------------------------------------- */

int agencies_upsert(struct db *db, const char *code, const char *name, const char *kind,
                    const char *source, int64_t today, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO agencies (code, name, kind, source, active, created_day, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?6) ON CONFLICT (code) DO UPDATE SET "
        "name = excluded.name, kind = excluded.kind, updated_at = excluded.updated_at, "
        "source = CASE WHEN source = 'config' AND active = 1 THEN 'config' "
        "ELSE excluded.source END, active = 1";
    return db_run(db, sql, "ttttII", code, name, kind && *kind ? kind : "other", source, today,
                  now_ms);
}

int agencies_chat_add(struct db *db, const char *code, const char *platform, const char *chat_id,
                      const char *source, int64_t now_ms)
{
    static const char sql[] = "INSERT OR IGNORE INTO agency_chats (agency, platform, chat_id, "
                              "source, created_at) VALUES (?, ?, ?, ?, ?)";
    return db_run(db, sql, "ttttI", code, platform, chat_id, source, now_ms);
}

static int agencies_exec(struct db *db, const char *sql)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    return st ? db_step_done(db, st) : DB_ERROR;
}

int agencies_config_reset(struct db *db)
{
    static const char off[] = "UPDATE agencies SET active = 0 WHERE source = 'config'";
    static const char chats[] = "DELETE FROM agency_chats WHERE source = 'config'";
    int rc = agencies_exec(db, off);
    return rc == DB_OK ? agencies_exec(db, chats) : rc;
}

int agencies_drop_inactive_tasks(struct db *db)
{
    static const char sql[] = "DELETE FROM deadline_tasks WHERE submitted_at IS NULL AND agency "
                              "IN (SELECT code FROM agencies WHERE active = 0)";
    return agencies_exec(db, sql);
}

static void agencies_row(sqlite3_stmt *st, struct agency *a)
{
    memset(a, 0, sizeof *a);
    db_col_text(st, 0, a->code, sizeof a->code);
    db_col_text(st, 1, a->name, sizeof a->name);
    db_col_text(st, 2, a->kind, sizeof a->kind);
    db_col_text(st, 3, a->source, sizeof a->source);
    a->active = sqlite3_column_int(st, 4) != 0;
    a->created_day = sqlite3_column_int64(st, 5);
    a->n_chats = sqlite3_column_int(st, 6);
    a->n_members = sqlite3_column_int(st, 7);
}

#define AGENCIES_COLUMNS                                                                           \
    "SELECT a.code, a.name, a.kind, a.source, a.active, a.created_day, "                           \
    "(SELECT count(*) FROM agency_chats c WHERE c.agency = a.code), "                              \
    "(SELECT count(*) FROM people p WHERE p.role = 'agency' AND p.agency = a.code) "               \
    "FROM agencies a "

int agencies_get(struct db *db, const char *code, struct agency *out)
{
    static const char sql[] = AGENCIES_COLUMNS "WHERE a.code = ?";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "t", code);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        agencies_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int agencies_list(struct db *db, struct agency *out, int max, int *n)
{
    static const char sql[] = AGENCIES_COLUMNS "ORDER BY a.active DESC, a.code LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "i", max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        agencies_row(st, &out[(*n)++]);
    return db_rows_end(st, rc);
}

static int agencies_chat_rows(sqlite3_stmt *st, struct agency_chat *out, int max, int *n)
{
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        db_col_text(st, 0, out[*n].platform, sizeof out[*n].platform);
        db_col_text(st, 1, out[*n].chat_id, sizeof out[*n].chat_id);
        (*n)++;
    }
    return db_rows_end(st, rc);
}

int agencies_chats(struct db *db, const char *code, struct agency_chat *out, int max, int *n)
{
    static const char chats[] =
        "SELECT ac.platform, ac.chat_id FROM agency_chats ac LEFT JOIN chats c ON "
        "c.platform = ac.platform AND c.chat_id = ac.chat_id WHERE ac.agency = ? AND "
        "coalesce(c.reachable, 1) = 1 ORDER BY ac.platform, ac.chat_id LIMIT ?";
    static const char members[] =
        "SELECT platform, platform_user_id FROM people WHERE role = 'agency' AND agency = ? "
        "AND reachable = 1 ORDER BY id LIMIT ?";
    int rc = DB_OK;
    *n = 0;
    for (int pass = 0; pass < 2 && *n == 0 && rc == DB_OK; pass++) {
        sqlite3_stmt *st = db_stmt(db, pass ? members : chats);
        if (!st)
            return DB_ERROR;
        db_bind_text(st, 1, code);
        sqlite3_bind_int(st, 2, max);
        rc = agencies_chat_rows(st, out, max, n);
    }
    if (rc != DB_OK)
        *n = 0;
    return rc;
}

int agencies_chats_all(struct db *db, const char *code, struct agency_chat *out, int max, int *n)
{
    static const char sql[] = "SELECT platform, chat_id FROM agency_chats WHERE agency = ? "
                              "ORDER BY platform, chat_id LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "ti", code, max);
    return agencies_chat_rows(st, out, max, n);
}

/* ---- dated deadlines -------------------------------------------------------------------- */

int agencies_dates_retire(struct db *db, int64_t from_day)
{
    static const char sql[] = "UPDATE deadline_dates SET active = 0 WHERE due_day >= ?";
    return db_run(db, sql, "I", from_day);
}

/* Open tasks of a date whose day moved start over: the reminder job finds the right one. */
static int agencies_date_moved(struct db *db, const char *code, int64_t due_day)
{
    static const char sql[] =
        "UPDATE deadline_tasks SET next_at = 0, last_slot = NULL WHERE submitted_at IS NULL AND "
        "date_id = (SELECT id FROM deadline_dates WHERE code = ?1 AND due_day != ?2)";
    return db_run(db, sql, "tI", code, due_day);
}

/* The date's targets: those it had go, these n are written. */
static int agencies_targets_put(struct db *db, int64_t date_id,
                                const struct agencies_target *targets, int n)
{
    static const char clear[] = "DELETE FROM deadline_targets WHERE date_id = ?";
    static const char add[] =
        "INSERT INTO deadline_targets (date_id, kind, value) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING";
    static const char *const kinds[] = {"all", "agency", "kind"};
    if (n < 0 || n > AGENCIES_TARGETS_MAX || db_run(db, clear, "I", date_id) != DB_OK)
        return DB_ERROR;
    for (int i = 0; i < n; i++) {
        const struct agencies_target *t = &targets[i];
        if ((unsigned)t->kind > AGENCIES_TARGET_KIND ||
            db_run(db, add, "Itt", date_id, kinds[t->kind],
                   t->kind == AGENCIES_TARGET_ALL ? "" : t->value) != DB_OK)
            return DB_ERROR;
    }
    return DB_OK;
}

int agencies_date_upsert(struct db *db, const struct agencies_date *d,
                         const struct agencies_target *targets, int n, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO deadline_dates (code, base, plan, what, submit_to, due_day, "
        "rule_day, note, active, escalate_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "NULLIF(?8, ''), 1, ?9, ?10) ON CONFLICT (code) DO UPDATE SET base = excluded.base, "
        "plan = excluded.plan, what = excluded.what, submit_to = excluded.submit_to, "
        "rule_day = excluded.rule_day, note = excluded.note, "
        "active = 1, updated_at = excluded.updated_at, "
        "escalate_at = CASE WHEN escalated_at IS NULL OR due_day != excluded.due_day "
        "THEN excluded.escalate_at END, "
        "escalated_at = CASE WHEN due_day = excluded.due_day THEN escalated_at END, "
        "due_day = excluded.due_day RETURNING id";
    if (agencies_date_moved(db, d->code, d->due_day) != DB_OK)
        return DB_ERROR;
    sqlite3_stmt *st =
        db_query(db, sql, "tttttIItzI", d->code, d->base, d->plan, d->what, d->submit_to,
                 d->due_day, d->rule_day, d->note, d->escalate_at, now_ms);
    int rc = db_step_row(st);
    int64_t id = rc == DB_OK ? sqlite3_column_int64(st, 0) : 0;
    if (st)
        sqlite3_reset(st);
    if (rc != DB_OK)
        return DB_ERROR;
    return agencies_targets_put(db, id, targets, n);
}

int agencies_tasks_sync(struct db *db, int64_t from_day, int64_t now_ms)
{
    static const char add[] =
        "INSERT OR IGNORE INTO deadline_tasks (date_id, agency, next_at, created_at) "
        "SELECT d.id, a.code, 0, ?2 FROM deadline_dates d JOIN agencies a ON a.active = 1 "
        "AND " AGENCIES_TARGETED " WHERE d.active = 1 AND d.due_day >= ?1 "
        "AND d.due_day >= a.created_day";
    static const char drop[] =
        "DELETE FROM deadline_tasks WHERE submitted_at IS NULL AND (date_id, agency) IN ("
        "SELECT t.date_id, t.agency FROM deadline_tasks t JOIN deadline_dates d ON "
        "d.id = t.date_id JOIN agencies a ON a.code = t.agency WHERE t.submitted_at IS NULL "
        "AND (d.active = 0 OR NOT " AGENCIES_TARGETED "))";
    sqlite3_stmt *st = db_query(db, add, "II", from_day, now_ms);
    if (db_step_done(db, st) != DB_OK)
        return DB_ERROR;
    return agencies_exec(db, drop);
}

#define AGENCIES_TASK_COLUMNS                                                                      \
    "SELECT t.date_id, t.agency, t.last_slot, coalesce(t.next_at, 0), "                            \
    "coalesce(t.submitted_at, 0), coalesce(t.late_days, 0), d.code, d.base, d.plan, d.what, "      \
    "d.submit_to, coalesce(d.note, ''), d.due_day, d.rule_day, "                                   \
    "coalesce(d.escalate_at, 0) FROM deadline_tasks t JOIN deadline_dates d ON d.id = t.date_id "

static void agencies_date_row(sqlite3_stmt *st, int col, struct agencies_date *d)
{
    char *fields[] = {d->code, d->base, d->plan, d->what, d->submit_to, d->note};
    size_t sizes[] = {sizeof d->code, sizeof d->base,      sizeof d->plan,
                      sizeof d->what, sizeof d->submit_to, sizeof d->note};
    for (int i = 0; i < 6; i++)
        db_col_text(st, col + i, fields[i], sizes[i]);
    d->due_day = sqlite3_column_int64(st, col + 6);
    d->rule_day = sqlite3_column_int64(st, col + 7);
    d->escalate_at = sqlite3_column_int64(st, col + 8);
}

static void agencies_task_row(sqlite3_stmt *st, struct agencies_task *t)
{
    memset(t, 0, sizeof *t);
    t->date_id = sqlite3_column_int64(st, 0);
    db_col_text(st, 1, t->agency, sizeof t->agency);
    t->has_last_slot = sqlite3_column_type(st, 2) != SQLITE_NULL;
    t->last_slot = sqlite3_column_int(st, 2);
    t->next_at = sqlite3_column_int64(st, 3);
    t->submitted_at = sqlite3_column_int64(st, 4);
    t->late_days = sqlite3_column_int(st, 5);
    agencies_date_row(st, 6, &t->date);
}

static int agencies_task_rows(sqlite3_stmt *st, struct agencies_task *out, int max, int *n)
{
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        agencies_task_row(st, &out[(*n)++]);
    return db_rows_end(st, rc);
}

int agencies_tasks_due(struct db *db, int64_t now_ms, struct agencies_task *out, int max, int *n)
{
    static const char sql[] = AGENCIES_TASK_COLUMNS
        "WHERE t.next_at IS NOT NULL AND t.next_at <= ? ORDER BY t.next_at LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Ii", now_ms, max);
    return agencies_task_rows(st, out, max, n);
}

int agencies_task_schedule(struct db *db, int64_t date_id, const char *agency, bool has_slot,
                           int slot, int64_t next_at)
{
    static const char sql[] = "UPDATE deadline_tasks SET last_slot = ?, next_at = NULLIF(?, 0) "
                              "WHERE date_id = ? AND agency = ?";
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return DB_ERROR;
    if (has_slot)
        sqlite3_bind_int(st, 1, slot);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, next_at);
    sqlite3_bind_int64(st, 3, date_id);
    db_bind_text(st, 4, agency);
    return db_step_done(db, st);
}

int agencies_task_find(struct db *db, const char *agency, const char *typed, int64_t soon_day,
                       struct agencies_task *out)
{
    /* A dated code first; else the deadline's earliest open date due by soon_day; else its
     * latest submitted one (the answer says "already submitted"); else its next open one. */
    static const char sql[] = AGENCIES_TASK_COLUMNS
        "WHERE t.agency = ?1 AND d.active = 1 AND (d.code = upper(?2) OR d.base = upper(?2)) "
        "ORDER BY d.code = upper(?2) DESC, (t.submitted_at IS NULL AND d.due_day <= ?3) DESC, "
        "t.submitted_at IS NOT NULL DESC, "
        "CASE WHEN t.submitted_at IS NULL THEN d.due_day ELSE -d.due_day END LIMIT 1";
    int n = 0;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "ttI", agency, typed, soon_day);
    if (agencies_task_rows(st, out, 1, &n) != DB_OK)
        return DB_ERROR;
    return n ? DB_OK : DB_NOT_FOUND;
}

int agencies_task_submit(struct db *db, int64_t date_id, const char *agency, int64_t person_id,
                         int late_days, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE deadline_tasks SET submitted_at = ?, submitted_by = NULLIF(?, 0), late_days = ?, "
        "next_at = NULL WHERE date_id = ? AND agency = ? AND submitted_at IS NULL";
    return db_changed(db, db_run(db, sql, "IIiIt", now_ms, person_id, late_days, date_id, agency),
                      DB_NOT_FOUND);
}

int agencies_tasks_open(struct db *db, const char *agency, struct agencies_task *out, int max,
                        int *n)
{
    static const char sql[] = AGENCIES_TASK_COLUMNS "WHERE t.agency = ? AND t.submitted_at IS NULL "
                                                    "AND d.active = 1 ORDER BY d.due_day, d.code "
                                                    "LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "ti", agency, max);
    return agencies_task_rows(st, out, max, n);
}

int agencies_escalations_due(struct db *db, int64_t now_ms, int64_t *ids, int max, int *n)
{
    static const char sql[] = "SELECT id FROM deadline_dates WHERE escalate_at IS NOT NULL AND "
                              "escalate_at <= ? ORDER BY escalate_at LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Ii", now_ms, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    if (db_rows_end(st, rc) != DB_OK) {
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int agencies_date_get(struct db *db, int64_t id, struct agencies_date *out)
{
    static const char sql[] = "SELECT code, base, plan, what, submit_to, "
                              "coalesce(note, ''), due_day, rule_day, coalesce(escalate_at, 0) "
                              "FROM deadline_dates WHERE id = ?";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_query(db, sql, "I", id);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        agencies_date_row(st, 0, out);
    sqlite3_reset(st);
    return rc;
}

int agencies_late(struct db *db, int64_t date_id, struct agency *out, int max, int *n)
{
    static const char sql[] = AGENCIES_COLUMNS "JOIN deadline_tasks t ON t.agency = a.code "
                                               "WHERE t.date_id = ? AND t.submitted_at IS NULL "
                                               "AND a.active = 1 ORDER BY a.code LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Ii", date_id, max);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK)
        agencies_row(st, &out[(*n)++]);
    return db_rows_end(st, rc);
}

int agencies_escalated(struct db *db, int64_t date_id, int64_t now_ms)
{
    static const char sql[] =
        "UPDATE deadline_dates SET escalate_at = NULL, escalated_at = ? WHERE id = ?";
    return db_run(db, sql, "II", now_ms, date_id);
}

/* The agency's reminder messages of the period's deadlines whose outbox row matches cond. */
#define AGENCIES_REMINDERS(cond)                                                                   \
    "(SELECT count(*) FROM deadline_reminders r JOIN outbox o ON o.id = r.outbox_id WHERE "        \
    "r.agency = a.code AND r.date_id IN (SELECT id FROM deadline_dates WHERE due_day BETWEEN ?1 "  \
    "AND ?2) AND " cond ")"

int agencies_reminders_record(struct db *db, int64_t date_id, const char *agency, int64_t after_id,
                              int64_t last_id)
{
    static const char sql[] = "INSERT OR IGNORE INTO deadline_reminders (outbox_id, date_id, "
                              "agency) SELECT id, ?1, ?2 FROM outbox WHERE id > ?3 AND id <= ?4";
    return last_id > after_id ? db_run(db, sql, "ItII", date_id, agency, after_id, last_id) : DB_OK;
}

int agencies_report(struct db *db, int64_t from_day, int64_t to_day, int64_t today,
                    struct agencies_record *out, int max, int *n)
{
    static const char sql[] =
        "SELECT a.code, a.name, "
        "count(CASE WHEN t.submitted_at IS NOT NULL AND t.late_days = 0 THEN 1 END), "
        "count(CASE WHEN t.submitted_at IS NOT NULL AND t.late_days > 0 THEN 1 END), "
        "count(CASE WHEN t.submitted_at IS NULL AND d.due_day < ?3 THEN 1 END), "
        "count(CASE WHEN t.submitted_at IS NULL AND d.due_day >= ?3 THEN 1 "
        "END), " AGENCIES_REMINDERS("o.status = 'sent'") ", " AGENCIES_REMINDERS(
            "o.status = 'failed' AND o.last_error IS ?5") ", " AGENCIES_REMINDERS("o.status = "
                                                                                  "'failed' AND "
                                                                                  "o.last_error IS "
                                                                                  "NOT ?5") " "
                                                                                            "FROM "
                                                                                            "agenci"
                                                                                            "es a "
                                                                                            "LEFT "
                                                                                            "JOIN "
                                                                                            "deadli"
                                                                                            "ne_"
                                                                                            "tasks "
                                                                                            "t ON "
                                                                                            "t."
                                                                                            "agency"
                                                                                            " = "
                                                                                            "a."
                                                                                            "code "
                                                                                            "AND "
                                                                                            "t."
                                                                                            "date_"
                                                                                            "id IN "
                                                                                            "(SELEC"
                                                                                            "T id "
                                                                                            "FROM "
                                                                                            "deadli"
                                                                                            "ne_"
                                                                                            "dates "
                                                                                            "WHERE "
                                                                                            "active"
                                                                                            " = 1 "
                                                                                            "AND "
                                                                                            "due_"
                                                                                            "day "
                                                                                            "BETWEE"
                                                                                            "N ?1 "
                                                                                            "AND "
                                                                                            "?2) "
                                                                                            "LEFT "
                                                                                            "JOIN "
                                                                                            "deadli"
                                                                                            "ne_"
                                                                                            "dates "
                                                                                            "d ON "
                                                                                            "d.id "
                                                                                            "= "
                                                                                            "t."
                                                                                            "date_"
                                                                                            "id "
                                                                                            "WHERE "
                                                                                            "a."
                                                                                            "active"
                                                                                            " = 1 "
                                                                                            "OR "
                                                                                            "t."
                                                                                            "agency"
                                                                                            " IS "
                                                                                            "NOT "
                                                                                            "NULL "
                                                                                            "GROUP "
                                                                                            "BY "
                                                                                            "a."
                                                                                            "code "
                                                                                            "ORDER "
                                                                                            "BY "
                                                                                            "a."
                                                                                            "code "
                                                                                            "LIMIT "
                                                                                            "?4";
    *n = 0;
    sqlite3_stmt *st =
        db_query(db, sql, "IIIit", from_day, to_day, today, max, OUTBOX_OUTSIDE_WINDOW);
    int rc = DB_NOT_FOUND;
    while (*n < max && (rc = db_step_row(st)) == DB_OK) {
        struct agencies_record *r = &out[(*n)++];
        db_col_text(st, 0, r->code, sizeof r->code);
        db_col_text(st, 1, r->name, sizeof r->name);
        r->on_time = sqlite3_column_int(st, 2);
        r->late = sqlite3_column_int(st, 3);
        r->missing = sqlite3_column_int(st, 4);
        r->pending = sqlite3_column_int(st, 5);
        r->reminders_sent = sqlite3_column_int(st, 6);
        r->reminders_outside_window = sqlite3_column_int(st, 7);
        r->reminders_failed = sqlite3_column_int(st, 8);
    }
    if (db_rows_end(st, rc) != DB_OK) {
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int agencies_of_person(struct db *db, int64_t person_id, char code[AGENCIES_CODE_MAX])
{
    static const char sql[] = "SELECT agency FROM people WHERE id = ? AND role = 'agency' "
                              "AND agency IS NOT NULL";
    code[0] = '\0';
    sqlite3_stmt *st = db_query(db, sql, "I", person_id);
    int rc = db_step_row(st);
    if (rc == DB_OK)
        db_col_text(st, 0, code, AGENCIES_CODE_MAX);
    sqlite3_reset(st);
    return rc;
}

int agencies_sync_due(struct db *db, const char *name, const char *token)
{
    static const char sql[] = "INSERT INTO sync_marks (name, token) VALUES (?1, ?2) ON CONFLICT "
                              "(name) DO UPDATE SET token = excluded.token WHERE token != "
                              "excluded.token";
    sqlite3_stmt *st = db_query(db, sql, "tt", name, token);
    if (db_step_done(db, st) != DB_OK)
        return DB_ERROR;
    return db_changes(db) > 0;
}

int agencies_sync_pending(struct db *db, const char *name, const char *token)
{
    static const char sql[] = "SELECT token = ?2 FROM sync_marks WHERE name = ?1";
    sqlite3_stmt *st = db_query(db, sql, "tt", name, token);
    int rc = db_step_row(st),
        pending = rc == DB_NOT_FOUND || (rc == DB_OK && !sqlite3_column_int(st, 0));
    return db_rows_end(st, rc) == DB_OK ? pending : DB_ERROR;
}

struct agencies_sync_call {
    const char *name, *token;
    agencies_sync_fn run;
    void *arg;
    char *err;
    size_t errlen;
    bool ran, failed;
};

/* Inside the savepoint: the token, then the run; a failure undoes both. */
static int agencies_sync_step(struct db *db, void *arg)
{
    struct agencies_sync_call *c = arg;
    int due = agencies_sync_due(db, c->name, c->token);
    if (due <= 0)
        return due;
    c->ran = true;
    if (c->run(db, c->arg, c->err, c->errlen) != 0) {
        c->failed = true;
        if (!c->err[0])
            snprintf(c->err, c->errlen, "%s: the sync failed", c->name);
        return -1;
    }
    return 0;
}

int agencies_sync_daily(struct db *db, const char *name, const char *token, agencies_sync_fn run,
                        void *arg, char *err, size_t errlen)
{
    struct agencies_sync_call c = {name, token, run, arg, err, errlen, false, false};
    err[0] = '\0';
    if (db_in_savepoint(db, agencies_sync_step, &c) == 0)
        return c.ran;
    if (!c.failed) {
        snprintf(err, errlen, "cannot record the daily sync of %s", name);
        return DB_ERROR;
    }
    /* The run's writes are gone; its token is written again outside the savepoint. */
    agencies_sync_due(db, name, token);
    return DB_ERROR;
}
