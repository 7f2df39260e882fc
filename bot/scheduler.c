/*
 * scheduler.c — see scheduler.h. Jobs are a table: adding one (campaign batches, agency
 * deadlines, meeting reminders) is one row.
 *
 * No transaction is open around the jobs. Until issue 10 one write transaction held them all,
 * so receivers and the sender waited for the slowest job, and a tick that read whole tables
 * (a second at 100,000 tips) left the worker one batch of updates per tick. Each job now finds
 * its due work by reading, on indexes made for it, and writes in short transactions of its own
 * (handlers/handler.h hctx_in_write), one unit of work (a reminder and its "sent" mark, a batch
 * of recipients) in each. One failing job no longer undoes the others either: the rest still
 * run, and it tries again at the next tick.
 */
#include "bot/scheduler.h"

#include "bot/app_core.h"
#include "base/clock.h"
#include "bot/health.h"
#include "base/log.h"
#include "handlers/handler.h"
#include "handlers/campaign.h"
#include "handlers/deadlines.h"
#include "handlers/groups.h"
#include "handlers/meeting.h"
#include "handlers/report.h"
#include "handlers/retention.h"
#include "handlers/scam.h"
#include "handlers/sla.h"
#include "storage/db_writes.h"

struct scheduler_job {
    const char *name;
    int (*run)(struct hctx *ctx); /* called outside any transaction; 0 or -1 */
};

static const struct scheduler_job scheduler_jobs[] = {
    {"drafts", report_tick},
    {"tip deadlines", sla_tick},
    {"meeting reminders", meeting_tick},
    {"group leads retention", group_tick},
    {"scam sightings retention", scam_tick},
    {"agency deadlines", deadlines_tick},
    {"campaigns", campaign_tick},
    {"retention", retention_tick},
};

/* A job must leave no transaction open: the next job, and the worker's next batch, would
 * otherwise run inside it. Visible, not asserted: a bug here must not take the service down. */
static int scheduler_closed(struct db *db, const char *job)
{
    if (sqlite3_get_autocommit(db_handle(db)))
        return 0;
    log_error("scheduler", "job \"%s\" left a transaction open; rolled back", job);
    db_rollback(db);
    return -1;
}

int scheduler_tick(struct app *app, struct db *db, int64_t now_ms, unsigned *touched)
{
    int64_t started = clock_mono_us();
    struct hctx ctx = {
        .db = db,
        .cfg = app->cfg,
        .texts = app->texts,
        .te = app->te,
        .desks = app->desks,
        .now_ms = now_ms,
        .args = "",
    };
    int rc = scheduler_closed(db, "(before the tick)");
    for (size_t i = 0; i < sizeof scheduler_jobs / sizeof scheduler_jobs[0]; i++) {
        if (scheduler_jobs[i].run(&ctx) != 0) {
            if (!db_writes_refusing()) /* a full disk is logged once, by storage/db_writes.c */
                log_error("scheduler", "job \"%s\" failed; it runs again at the next tick",
                          scheduler_jobs[i].name);
            rc = -1;
        }
        if (scheduler_closed(db, scheduler_jobs[i].name) != 0)
            rc = -1;
    }
    *touched = ctx.touched;
    health_scheduler_tick(app->health, clock_mono_us() - started);
    return rc;
}

int scheduler_job(size_t i, const char **name, int (**run)(struct hctx *ctx))
{
    if (i >= sizeof scheduler_jobs / sizeof scheduler_jobs[0])
        return -1;
    *name = scheduler_jobs[i].name;
    *run = scheduler_jobs[i].run;
    return 0;
}
