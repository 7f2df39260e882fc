/*
 * photo_copies.c — see photo_copies.h. The queue is the partial index tip_attachments_copy_due
 * (rows with something to do only), so the copier's look for work costs nothing however many
 * photos were ever copied.
 */
#include "storage/photo_copies.h"

#include "storage/uploads.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct photo_copies_claim_arg {
    int64_t now_ms, lease_ms;
    struct photo_copies_job *jobs;
    int max, *n;
};

static int photo_copies_claim_txn(struct db *db, void *varg)
{
    struct photo_copies_claim_arg *a = varg;
    static const char pick[] =
        "SELECT a.id, a.ref, coalesce(t.platform, ''), a.copy_tries FROM tip_attachments a "
        "INDEXED BY tip_attachments_copy_due JOIN tips t ON t.id = a.tip_id "
        "WHERE a.copy_due IS NOT NULL AND a.copy_due <= ?1 ORDER BY a.copy_due LIMIT ?2";
    static const struct db_col map[] = {
        DB_COL(0, DB_INT64, struct photo_copies_job, id),
        DB_COL(1, DB_DUP, struct photo_copies_job, ref),
        DB_COL(2, DB_TEXT, struct photo_copies_job, platform),
        DB_COL(3, DB_INT, struct photo_copies_job, tries),
    };
    static const char lease[] = "UPDATE tip_attachments SET copy_due = ?1 WHERE id = ?2";
    sqlite3_stmt *st = db_query(db, pick, "Ii", a->now_ms, a->max);
    int rc = db_rows(st, map, DB_COLS(map), a->jobs, sizeof *a->jobs, a->max, a->n);
    for (int i = 0; rc == DB_OK && i < *a->n; i++)
        rc = db_run(db, lease, "II", a->now_ms + a->lease_ms, a->jobs[i].id);
    return rc;
}

int photo_copies_claim(struct db *db, int64_t now_ms, int64_t lease_ms,
                       struct photo_copies_job *jobs, int max, int *n)
{
    *n = 0;
    struct photo_copies_claim_arg a = {now_ms, lease_ms, jobs, max, n};
    int rc = db_write(db, photo_copies_claim_txn, &a);
    if (rc != DB_OK) {
        photo_copies_jobs_clear(jobs, *n);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

void photo_copies_jobs_clear(struct photo_copies_job *jobs, int n)
{
    for (int i = 0; i < n; i++) {
        free(jobs[i].ref);
        jobs[i].ref = NULL;
    }
}

int photo_copies_done(struct db *db, int64_t id, const char *local)
{
    static const char sql[] = "UPDATE tip_attachments SET copy_ref = ?1, copy_due = NULL, "
                              "copy_error = NULL WHERE id = ?2";
    return db_run(db, sql, "tI", local, id);
}

int photo_copies_failed(struct db *db, int64_t id, const char *why, int64_t next_due_ms)
{
    static const char sql[] =
        "UPDATE tip_attachments SET copy_tries = copy_tries + 1, copy_error = substr(?1, 1, ?2), "
        "copy_due = CASE WHEN ?3 < 0 THEN NULL ELSE ?3 END WHERE id = ?4";
    return db_run(db, sql, "tiII", why, (int)PHOTO_COPIES_WHY_MAX, next_due_ms, id);
}

int photo_copies_next_due(struct db *db, int64_t *due_ms)
{
    static const char sql[] = "SELECT coalesce((SELECT copy_due FROM tip_attachments INDEXED BY "
                              "tip_attachments_copy_due WHERE copy_due IS NOT NULL "
                              "ORDER BY copy_due LIMIT 1), -1)";
    int rc = db_query_int(db, sql, due_ms);
    if (rc != DB_OK)
        return DB_ERROR;
    return *due_ms < 0 ? DB_NOT_FOUND : DB_OK;
}

int photo_copies_of_tip(struct db *db, int64_t tip_id, struct photo_copies_photo *out, int max,
                        int *n)
{
    static const char sql[] = "SELECT ref, copy_ref, copy_due IS NOT NULL FROM tip_attachments "
                              "WHERE tip_id = ? AND kind = 'photo' ORDER BY id LIMIT ?";
    *n = 0;
    sqlite3_stmt *st = db_query(db, sql, "Ii", tip_id, max);
    int rc = DB_NOT_FOUND;
    bool nomem = false;
    while (!nomem && *n < max && (rc = db_step_row(st)) == DB_OK) {
        struct photo_copies_photo *p = &out[(*n)++];
        const char *ref = (const char *)sqlite3_column_text(st, 0);
        const char *copy = (const char *)sqlite3_column_text(st, 1);
        const char *local = ref && uploads_is_ref(ref) ? ref : copy;
        memset(p, 0, sizeof *p);
        p->state = local                            ? PHOTO_COPIES_READY
                   : sqlite3_column_int(st, 2) != 0 ? PHOTO_COPIES_PENDING
                                                    : PHOTO_COPIES_UNAVAILABLE;
        nomem = local && !(p->local = strdup(local));
    }
    if (db_rows_end(st, rc) != DB_OK || nomem) {
        for (int i = 0; i < *n; i++)
            photo_copies_clear(&out[i]);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

void photo_copies_clear(struct photo_copies_photo *p)
{
    free(p->local);
    p->local = NULL;
}
