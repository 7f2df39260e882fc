/*
 * scheduler.c — see scheduler.h. Jobs are a table: adding one (campaign batches, agency
 * deadlines, meeting reminders) is one row.
 */
#include "bot/scheduler.h"

#include "bot/app.h"
#include "bot/log.h"
#include "handlers/handler.h"
#include "handlers/campaign.h"
#include "handlers/deadlines.h"
#include "handlers/groups.h"
#include "handlers/meeting.h"
#include "handlers/report.h"
#include "handlers/retention.h"
#include "handlers/scam.h"
#include "handlers/sla.h"

struct scheduler_job {
    const char *name;
    int (*run)(struct hctx *ctx);
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

int scheduler_tick(struct app *app, struct db *db, int64_t now_ms, unsigned *touched)
{
    struct hctx ctx = {
        .db = db,
        .cfg = app->cfg,
        .texts = app->texts,
        .te = app->te,
        .desks = app->desks,
        .now_ms = now_ms,
        .args = "",
    };
    *touched = 0;
    if (db_begin(db) != DB_OK)
        return -1;
    for (size_t i = 0; i < sizeof scheduler_jobs / sizeof scheduler_jobs[0]; i++) {
        if (scheduler_jobs[i].run(&ctx) != 0) {
            log_error("scheduler", "job \"%s\" failed; it runs again at the next tick",
                      scheduler_jobs[i].name);
            db_rollback(db);
            return -1;
        }
    }
    if (db_commit(db) != DB_OK) {
        db_rollback(db);
        return -1;
    }
    *touched = ctx.touched;
    return 0;
}
