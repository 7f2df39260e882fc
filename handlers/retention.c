/*
 * retention.c — see retention.h. A pass walks retention_kinds[] in order; each kind first asks
 * a read-only question on the index made for it (is anything due?), and only then opens a
 * write transaction for one batch of at most RETENTION_BATCH rows. A tick does at most
 * RETENTION_BATCHES_PER_TICK batches, so a backlog (the first pass on a database never pruned
 * before) is worked off across ticks and intake waits for one small batch at a time; a pass
 * over nothing due takes no write lock at all. Passes start RETENTION_PASS_MS apart: due rows
 * wait at most that long after their period, and an idle tick costs one comparison.
 *
 * Every kind deletes from the head of an index (or of the table, in rowid order), so what was
 * pruned is gone from where the next batch starts. The one kind that keeps rows it looks at
 * (web chat identities with a message waiting or an open tip) and campaigns still delivering
 * are walked with a cursor, reset at each pass.
 *
 * Photos uploaded from the web chat are files, not rows (storage/uploads.h): the last kind walks
 * the uploads directory a few of its 256 subdirectories per step, outside any transaction (it
 * only reads the database), and deletes a file older than RETENTION_UPLOAD_GRACE_DAYS that no
 * tip, pending update or live draft refers to. Its cursor is the next subdirectory.
 *
 * Where the pass stands (the kind, the cursor, the counts for the log line) is kept with the
 * worker's connection (db_state), not in the database: it is a throttle, not due work. A
 * restart starts a pass at once, which finds what is due from the database as always.
 */
#include "handlers/retention.h"

#include "base/log.h"
#include "handlers/handler.h"
#include "storage/campaigns.h"
#include "storage/inbox.h"
#include "storage/outbox.h"
#include "storage/platform_store.h"
#include "storage/tips.h"
#include "storage/uploads.h"
#include "storage/webchat_store.h"
#include "storage/desk_auth.h"

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RETENTION_DAY_MS (24 * 3600 * 1000LL)

/* Where a kind that skips rows goes on (its own key, e.g. last use and rowid); 0, 0 at the
 * start of a pass. */
struct retention_cursor {
    int64_t a, b;
};

/* One batch: rows older than before are due. */
struct retention_run {
    int64_t before;
    int64_t now;
    int max;
};

struct retention_kind {
    const char *name; /* in the log line */
    size_t days;      /* offset of its period in struct cfg_retention (not for a sweep) */
    /* *due when a batch would find something (a read; runs outside any transaction). */
    int (*due)(struct db *db, const struct retention_run *r, const struct retention_cursor *c,
               bool *due);
    /* One batch inside the write transaction: *pruned rows, *more when more may be due. */
    int (*prune)(struct db *db, const struct retention_run *r, struct retention_cursor *c,
                 int64_t *pruned, bool *more);
    /* Instead of due and prune, for what is not rows: one step outside any transaction, *worked
     * when it did enough to count as a batch. */
    int (*sweep)(struct hctx *ctx, const struct retention_run *r, struct retention_cursor *c,
                 int64_t *pruned, bool *more, bool *worked);
};

/* ---- the kinds ------------------------------------------------------------------------- */

static int retention_inbox_due(struct db *db, const struct retention_run *r,
                               const struct retention_cursor *c, bool *due)
{
    (void)c;
    return inbox_prune_due(db, r->before, due);
}

static int retention_inbox(struct db *db, const struct retention_run *r, struct retention_cursor *c,
                           int64_t *pruned, bool *more)
{
    (void)c;
    int rc = inbox_prune(db, r->before, r->max, pruned);
    *more = *pruned == r->max;
    return rc;
}

static int retention_outbox_due(struct db *db, const struct retention_run *r,
                                const struct retention_cursor *c, bool *due)
{
    (void)c;
    return outbox_prune_due(db, r->before, due);
}

static int retention_outbox(struct db *db, const struct retention_run *r,
                            struct retention_cursor *c, int64_t *pruned, bool *more)
{
    (void)c;
    int rc = outbox_prune(db, r->before, r->max, pruned);
    *more = *pruned == r->max;
    return rc;
}

static int retention_buttons_due(struct db *db, const struct retention_run *r,
                                 const struct retention_cursor *c, bool *due)
{
    (void)c;
    return pstore_callback_prune_due(db, r->before, due);
}

static int retention_buttons(struct db *db, const struct retention_run *r,
                             struct retention_cursor *c, int64_t *pruned, bool *more)
{
    (void)c;
    int rc = pstore_callback_prune(db, r->before, r->max, pruned);
    *more = *pruned == r->max;
    return rc;
}

static int retention_webchat_due(struct db *db, const struct retention_run *r,
                                 const struct retention_cursor *c, bool *due)
{
    return webchat_store_prune_due(db, r->before, c->a, c->b, due);
}

static int retention_webchat(struct db *db, const struct retention_run *r,
                             struct retention_cursor *c, int64_t *pruned, bool *more)
{
    int64_t looked = 0;
    int rc = webchat_store_prune(db, r->before, r->max, &c->a, &c->b, pruned, &looked);
    *more = looked == r->max;
    return rc;
}

static int retention_campaigns_due(struct db *db, const struct retention_run *r,
                                   const struct retention_cursor *c, bool *due)
{
    int64_t id;
    bool frozen;
    int rc = campaigns_archive_next(db, r->before, c->a, &id, &frozen);
    *due = rc == DB_OK;
    return rc == DB_NOT_FOUND ? DB_OK : rc;
}

/* One campaign past its report period at a time: its totals frozen once nothing is in
 * progress (else it waits for the next pass), then its rows a batch at a time, then marked
 * archived. The cursor (its id) moves past it once done, or once it has to wait. */
static int retention_campaigns(struct db *db, const struct retention_run *r,
                               struct retention_cursor *c, int64_t *pruned, bool *more)
{
    int64_t id;
    bool frozen, archived;
    *more = false;
    int rc = campaigns_archive_next(db, r->before, c->a, &id, &frozen);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? DB_OK : rc;
    *more = true;
    if (!frozen && (rc = campaigns_freeze(db, id, r->now, &frozen)) != DB_OK)
        return rc;
    if (!frozen) {
        c->a = id; /* still delivering: nothing of it goes */
        return DB_OK;
    }
    if ((rc = campaigns_prune_rows(db, id, r->max, pruned)) != DB_OK || *pruned == r->max)
        return rc;
    c->a = id;
    return campaigns_archive(db, id, r->now, &archived);
}

/* Whether a failed delete was logged already: once per process, not once per tick. */
static bool retention_upload_warned;

/* The files of one subdirectory: each older than r->before that nothing refers to goes. */
static int retention_upload_dir(struct db *db, const char *dir, int sub,
                                const struct retention_run *r, int64_t *pruned)
{
    struct uploads_file *files;
    size_t n;
    if (uploads_list(dir, sub, &files, &n) != 0) {
        if (!retention_upload_warned)
            log_warn("retention", "cannot list %s/%02x: %s", dir, (unsigned)sub, strerror(errno));
        retention_upload_warned = true;
        return 0; /* the next pass tries again */
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool in_use, deleted;
        if (files[i].stored_ms >= r->before)
            continue;
        if (tips_upload_in_use(db, files[i].hex, files[i].stored_ms, &in_use) != DB_OK) {
            rc = -1;
        } else if (!in_use) {
            if (uploads_remove_stale(dir, files[i].hex, r->before, &deleted) != 0) {
                if (!retention_upload_warned)
                    log_warn("retention",
                             "cannot delete upload %s (%s); later failures are not "
                             "logged",
                             files[i].hex, strerror(errno));
                retention_upload_warned = true;
            }
            *pruned += deleted;
        }
    }
    free(files);
    return rc;
}

static int retention_uploads(struct hctx *ctx, const struct retention_run *r,
                             struct retention_cursor *c, int64_t *pruned, bool *more, bool *worked)
{
    char dir[UPLOADS_PATH_MAX];
    *more = *worked = false;
    if (!ctx->cfg->storage_path || uploads_dir(ctx->cfg->storage_path, dir, sizeof dir) != 0 ||
        access(dir, F_OK) != 0)
        return 0; /* no photo was ever uploaded */
    *worked = true;
    for (int i = 0; i < RETENTION_UPLOAD_DIRS && c->a < UPLOADS_SUBDIRS; i++, c->a++)
        if (retention_upload_dir(ctx->db, dir, (int)c->a, r, pruned) != 0)
            return -1;
    *more = c->a < UPLOADS_SUBDIRS;
    return 0;
}

/* Web desk sign-in links and sessions: gone as soon as they can no longer be used (the
 * audit log keeps who signed in and out). */
static int retention_desk_due(struct db *db, const struct retention_run *r,
                              const struct retention_cursor *c, bool *due)
{
    (void)c;
    return desk_auth_prune_due(db, r->now, due);
}

static int retention_desk(struct db *db, const struct retention_run *r, struct retention_cursor *c,
                          int64_t *pruned, bool *more)
{
    (void)c;
    *more = false; /* a few rows per person: one statement takes them all */
    return desk_auth_prune(db, r->now, pruned);
}

#define RETENTION_DAYS(field) offsetof(struct cfg_retention, field)

static const struct retention_kind retention_kinds[] = {
    {"inbox rows", RETENTION_DAYS(inbox_days), retention_inbox_due, retention_inbox, NULL},
    {"outbox rows", RETENTION_DAYS(outbox_days), retention_outbox_due, retention_outbox, NULL},
    {"button payloads", RETENTION_DAYS(callback_days), retention_buttons_due, retention_buttons,
     NULL},
    {"web chat identities", RETENTION_DAYS(webchat_days), retention_webchat_due, retention_webchat,
     NULL},
    {"campaign recipients and messages", RETENTION_DAYS(campaign_days), retention_campaigns_due,
     retention_campaigns, NULL},
    /* the period is not used: what is past its time goes at once (r->now) */
    {"web desk sign-in links and sessions", RETENTION_DAYS(inbox_days), retention_desk_due,
     retention_desk, NULL},
    {"uploaded photos", 0, NULL, NULL, retention_uploads},
};

enum { RETENTION_KINDS = sizeof retention_kinds / sizeof retention_kinds[0] };

/* ---- the pass -------------------------------------------------------------------------- */

struct retention_state {
    int64_t next_pass_at; /* application clock; 0: at the first tick */
    int kind;             /* the kind being pruned; RETENTION_KINDS between passes */
    struct retention_cursor cursor;
    int64_t pruned[RETENTION_KINDS]; /* in this pass */
};

static const int retention_state_key; /* its address names the state in db_state */

/* The pass's state on this connection, made at its first use; NULL when out of memory. */
static struct retention_state *retention_state(struct db *db)
{
    struct retention_state *s = db_state(db, &retention_state_key);
    if (s)
        return s;
    if (!(s = calloc(1, sizeof *s)))
        return NULL;
    s->kind = RETENTION_KINDS;
    if (db_state_set(db, &retention_state_key, s, free) != DB_OK) {
        free(s);
        return NULL;
    }
    return s;
}

/* One batch of one kind, as db_write runs it. */
struct retention_batch {
    const struct retention_kind *kind;
    struct retention_run run;
    struct retention_cursor cursor; /* a copy: adopted only once the batch committed */
    int64_t pruned;
    bool more;
};

static int retention_batch_write(struct db *db, void *arg)
{
    struct retention_batch *b = arg;
    return b->kind->prune(db, &b->run, &b->cursor, &b->pruned, &b->more) == DB_OK ? 0 : -1;
}

/* Probes the pass's current kind and prunes one batch of it if anything is due. *wrote says
 * whether a write transaction was used; *more whether the kind may have more due. */
static int retention_step(struct hctx *ctx, struct retention_state *s, bool *wrote, bool *more)
{
    const struct retention_kind *k = &retention_kinds[s->kind];
    int days = k->sweep ? RETENTION_UPLOAD_GRACE_DAYS
                        : *(const int *)((const char *)&ctx->cfg->retention + k->days);
    struct retention_batch b = {
        .kind = k,
        .run = {ctx->now_ms - days * RETENTION_DAY_MS, ctx->now_ms, RETENTION_BATCH},
        .cursor = s->cursor,
    };
    bool due = false;
    *wrote = *more = false;
    if (k->sweep) {
        if (k->sweep(ctx, &b.run, &s->cursor, &s->pruned[s->kind], more, wrote) != 0)
            return -1;
        return 0;
    }
    if (k->due(ctx->db, &b.run, &s->cursor, &due) != DB_OK)
        return -1;
    if (!due)
        return 0;
    *wrote = true;
    if (db_write(ctx->db, retention_batch_write, &b) != 0)
        return -1;
    s->cursor = b.cursor;
    s->pruned[s->kind] += b.pruned;
    *more = b.more;
    return 0;
}

/* The pass's one log line, when it pruned anything: "pruned 1200 inbox rows, 3 ...". */
static void retention_log(const struct retention_state *s)
{
    char line[512];
    size_t n = 0;
    for (int i = 0; i < RETENTION_KINDS; i++) {
        if (!s->pruned[i] || n >= sizeof line)
            continue;
        int w = snprintf(line + n, sizeof line - n, "%s%lld %s", n ? ", " : "",
                         (long long)s->pruned[i], retention_kinds[i].name);
        n += w > 0 ? (size_t)w : 0;
    }
    if (n)
        log_info("retention", "pruned %s", line);
}

int retention_tick(struct hctx *ctx)
{
    struct retention_state *s = retention_state(ctx->db);
    if (!s)
        return -1;
    if (s->kind == RETENTION_KINDS) {
        if (ctx->now_ms < s->next_pass_at)
            return 0;
        *s = (struct retention_state){.kind = 0};
    }
    /* Inside a caller's transaction (the scheduler before jobs owned their transactions),
     * one batch: the caller holds the write lock until every job is done. */
    int budget = sqlite3_get_autocommit(db_handle(ctx->db)) ? RETENTION_BATCHES_PER_TICK : 1;
    while (budget > 0 && s->kind < RETENTION_KINDS) {
        bool wrote, more;
        if (retention_step(ctx, s, &wrote, &more) != 0)
            return -1; /* the pass goes on from here at the next tick */
        budget -= wrote;
        if (!more) {
            s->kind++;
            s->cursor = (struct retention_cursor){0, 0};
        }
    }
    if (s->kind == RETENTION_KINDS) {
        retention_log(s);
        s->next_pass_at = ctx->now_ms + RETENTION_PASS_MS;
    }
    return 0;
}
