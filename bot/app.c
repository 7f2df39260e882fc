/*
 * app.c — see app.h. app_free() undoes app_init() and the start functions in reverse order,
 * and every step tolerates the ones before it having failed.
 */
#include "bot/app.h"

#include "base/clock.h"
#include "bot/apiweb.h"
#include "bot/copier.h"
#include "bot/health.h"
#include "bot/http.h"
#include "base/log.h"
#include "bot/owner.h"
#include "bot/webpush.h"
#include "bot/worker.h"
#include "handlers/agency.h"
#include "handlers/campaign.h"
#include "handlers/deadlines.h"
#include "handlers/period_report.h"
#include "config/desks.h"
#include "handlers/scam.h"
#include "text/textengine.h"
#include "base/textnorm.h"
#include "storage/enrol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void app_set_timezone(const char *tz)
{
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        setenv("TZ", tz, 1);
    } else if (strcmp(tz, "Asia/Ho_Chi_Minh") == 0) {
        setenv("TZ", "<+07>-7", 1); /* no tzdata: Vietnam has been UTC+7 without DST since 1975 */
    } else {
        setenv("TZ", "UTC", 1);
    }
    tzset();
}

static int app_open_storage(struct app *app, char *err, size_t errlen)
{
    if (app_open_db(app, &app->db) != 0) {
        snprintf(err, errlen, "cannot open the database %s", app->cfg->storage_path);
        return APP_EXIT_RUNTIME;
    }
    if (db_migrate(app->db, -1) != DB_OK) {
        snprintf(err, errlen, "cannot bring the database %s to schema version %d",
                 app->cfg->storage_path, db_latest_version());
        return APP_EXIT_RUNTIME;
    }
    return 0;
}

int app_own_sends(struct app *app, const char *command, char *err, size_t errlen)
{
    int64_t requeued = 0;
    int rc = owner_register(app->db, command, clock_now_ms(), &app->owner, &requeued);
    health_db_write(app->health, rc == DB_OK, "cannot register this process");
    if (rc != DB_OK) {
        snprintf(err, errlen, "cannot register this process as a sender in %s",
                 app->cfg->storage_path);
        return APP_EXIT_RUNTIME;
    }
    if (requeued)
        log_info("app", "%lld interrupted send(s) of a stopped process queued again",
                 (long long)requeued);
    return 0;
}

/* At a clean stop, after every sender has drained. */
static void app_disown_sends(struct app *app)
{
    int64_t requeued = 0;
    if (!app->owner.id)
        return;
    if (owner_unregister(app->db, &app->owner, &requeued) != DB_OK)
        log_error("app", "cannot unregister this process as a sender; the next start will");
    else if (requeued)
        log_info("app", "%lld unfinished send(s) queued again", (long long)requeued);
    app->owner.id = 0;
}

int app_init(struct app *app, const char *config_path, char *err, size_t errlen)
{
    memset(app, 0, sizeof *app);
    platform_registry_init(); /* before the configuration names platforms */
    if (health_new(&app->health) != 0) {
        snprintf(err, errlen, "out of memory");
        return APP_EXIT_RUNTIME;
    }
    char cerr[CFG_ERR_MAX];
    if (app_load_cfg(config_path, &app->cfg, cerr) != 0) {
        snprintf(err, errlen, "%s", cerr);
        return APP_EXIT_CONFIG;
    }
    log_set_level((enum log_level)log_level_parse(app->cfg->log_level));
    app_set_timezone(app->cfg->timezone);
    log_info("app", "configuration %s; data from %s; database %s",
             app->cfg->file ? app->cfg->file : "(built-in defaults)", app->cfg->data_dir,
             app->cfg->storage_path);
    if (texts_load(app->cfg->messages_file, &app->texts, err, errlen) != 0)
        return APP_EXIT_CONFIG;
    if (texts_fill_all(app->texts, "ward", app->cfg->ward_police_name) != 0) {
        snprintf(err, errlen, "out of memory");
        return APP_EXIT_CONFIG;
    }
    if (textengine_load(app->cfg->categories_file, &app->te, err, errlen) != 0 ||
        desks_load(app->cfg, textnorm_fold, &app->desks, err, errlen) != 0)
        return APP_EXIT_CONFIG;
    return app_open_storage(app, err, errlen);
}

int app_register_settings(void)
{
    if (cfg_register(&campaign_settings) != 0 || cfg_register(&deadlines_settings) != 0 ||
        cfg_register(&agency_settings) != 0 || cfg_register(&webpush_settings) != 0)
        return -1;
    if (cfg_register(&apiweb_settings) != 0) /* /api/v1 (bot/apiweb.h) */
        return -1;
    if (cfg_register(&preport_target_settings) != 0)
        return -1;
    return platform_register_settings();
}

int app_load_cfg(const char *path, struct cfg **out, char err[CFG_ERR_MAX])
{
    if (app_register_settings() != 0) {
        *out = NULL;
        snprintf(err, CFG_ERR_MAX, "too many settings blocks (CFG_BLOCKS_MAX)");
        return -1;
    }
    return cfg_load(path, out, err);
}

int app_start_worker(struct app *app)
{
    return worker_start(app, &app->worker);
}

int app_start_platforms(struct app *app)
{
    for (int i = 0; platform_registry[i]; i++) {
        const struct platform_ops *ops = platform_registry[i];
        if (!ops->enabled(app->cfg))
            continue;
        if (ops->start && ops->start(app, &app->pstate[i]) != 0) {
            log_error("app", "platform %s failed to start", ops->name);
            return -1;
        }
        app->pstarted[i] = true;
        log_info("app", "platform %s started", ops->name);
    }
    return copier_start(app, &app->copier);
}

void app_request_stop(struct app *app)
{
    atomic_store(&app->stopping, 1);
}

void app_free(struct app *app)
{
    /* The worker stops first: it may still be waking platforms. */
    worker_stop(app->worker);
    app->worker = NULL;
    /* Then the copier, which calls into the platforms' states. */
    copier_stop(app->copier);
    app->copier = NULL;
    /* Then the server, closing every connection, before the platforms whose protocols it ran. */
    http_free(app->http);
    app->http = NULL;
    for (int i = PLATFORM_MAX - 1; i >= 0; i--) {
        if (!app->pstarted[i])
            continue;
        if (platform_registry[i]->stop)
            platform_registry[i]->stop(app->pstate[i]);
        app->pstarted[i] = false;
        app->pstate[i] = NULL;
    }
    app_disown_sends(app);
    db_close(app->db);
    desks_free(app->desks);
    textengine_free(app->te);
    texts_free(app->texts);
    cfg_free(app->cfg);
    health_free(app->health);
    memset(app, 0, sizeof *app);
}

int app_enrol(struct app *app, const char *role, const char *area, const char *agency, char *code,
              char *err, size_t errlen)
{
    struct enrol_grant g;
    memset(&g, 0, sizeof g);
    if (area && !desks_area(app->desks, area)) {
        snprintf(err, errlen, "unknown area \"%s\": it must be one of the codes in \"areas\" of %s",
                 area, app->cfg->file ? app->cfg->file : "the configuration");
        return APP_EXIT_CONFIG;
    }
    snprintf(g.role, sizeof g.role, "%s", role);
    snprintf(g.area, sizeof g.area, "%s", area ? area : "");
    snprintf(g.agency, sizeof g.agency, "%s", agency ? agency : "");
    if (enrol_create(app->db, &g, clock_now_ms(), APP_ENROL_DAYS * 86400000LL, code) != DB_OK) {
        snprintf(err, errlen, "cannot store the enrolment code");
        return APP_EXIT_RUNTIME;
    }
    return 0;
}

int app_scamlist_import(struct app *app, FILE *in, FILE *err, int *added, int *bad)
{
    struct hctx ctx = {
        .db = app->db,
        .cfg = app->cfg,
        .texts = app->texts,
        .te = app->te,
        .desks = app->desks,
        .now_ms = clock_now_ms(),
        .args = "",
    };
    return scam_import(&ctx, in, err, added, bad);
}
