/*
 * app_core.c — the three things the service's threads ask of the app once it runs: another
 * connection to its database (worker, metrics), the write lock for storing updates (receivers)
 * and a wake-up for the platforms that have new outbox rows (worker). They live apart from
 * app.c, which starts and stops those threads, so that the threads never call back into the
 * file that starts them (see the floors in ARCHITECTURE.md).
 */
#include "bot/app_core.h"

#include <stdatomic.h>
#include <string.h>

int app_open_db(const struct app *app, struct db **out)
{
    struct db_options opt = {
        .busy_timeout_ms = app->cfg->storage_busy_timeout_ms,
        .synchronous_full = strcmp(app->cfg->storage_synchronous, "full") == 0,
    };
    return db_open(app->cfg->storage_path, &opt, out) == DB_OK ? 0 : -1;
}

int app_write_begin(struct app *app, struct db *db)
{
    atomic_fetch_add(&app->writers_waiting, 1);
    int rc = db_begin(db);
    atomic_fetch_sub(&app->writers_waiting, 1);
    return rc;
}

void app_wake_platforms(struct app *app, unsigned mask)
{
    for (int i = 0; platform_registry[i]; i++)
        if ((mask & (1u << i)) && app->pstarted[i] && platform_registry[i]->wake)
            platform_registry[i]->wake(app->pstate[i]);
}
