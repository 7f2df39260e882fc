/*
 * app.h — the process: configuration, texts, the main thread's database connection, the
 * worker, the HTTP server and the started platforms, with one init and one teardown so they
 * cannot drift apart.
 *
 * Ownership of state: cfg and texts are read-only after app_init and shared by all threads.
 * Each thread owns its own struct db (app->db belongs to the thread that called app_init and
 * runs the HTTP server or the console). Platforms own their state; they meet the worker only
 * through SQLite and wake-ups.
 */
#ifndef TIPGATE_APP_H
#define TIPGATE_APP_H

#include "bot/platform.h"
#include "config/config.h"
#include "handlers/texts.h"
#include "storage/db.h"
#include "storage/outbox.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct worker;
struct health;
struct http;
struct textengine;
struct desks;

struct app {
    struct cfg *cfg;
    struct texts *texts;
    struct textengine *te; /* the Vietnamese text engine (categories file) */
    struct desks *desks;   /* areas, desks and tip rules */
    struct db *db;
    struct worker *worker;
    struct http *http;
    atomic_int stopping;
    atomic_int writers_waiting; /* receivers waiting for the write lock (app_write_begin) */
    struct health *health;      /* figures for /healthz and /metrics (bot/health.h) */
    struct outbox_owner owner;  /* this process as a sender (app_own_sends); id 0: it is not */
    void *pstate[PLATFORM_MAX];
    bool pstarted[PLATFORM_MAX];
};

/* Exit statuses of app_init failures: configuration problems are the operator's to fix (2),
 * anything else is a runtime failure (1). */
enum { APP_EXIT_RUNTIME = 1, APP_EXIT_CONFIG = 2 };

/* Registers every settings block with the configuration table (config/config.h): each
 * platform's (bot/platform.c) and the modules' (campaigns, deadlines). Before any cfg_load;
 * idempotent. 0, or -1 when the table is full. */
int app_register_settings(void);
/* cfg_load after app_register_settings: how every command reads the configuration. */
int app_load_cfg(const char *path, struct cfg **out, char err[CFG_ERR_MAX]);

/* Loads the configuration and texts, applies log level and time zone, opens and migrates the
 * database. Returns 0, or an APP_EXIT_* status with err holding one line. app_free() is safe
 * after a failure. It leaves messages in flight alone: an operator's command must never put a
 * running service's sends back in the queue (see app_own_sends). */
int app_init(struct app *app, const char *config_path, char *err, size_t errlen);
/* Makes this process an owner of sends (bot/owner.h), for `serve` and `chat` only, before any
 * sender or the worker starts: registers it and queues again what owners that are gone left
 * on the wire. app_free() puts back what it still has in flight and unregisters it. */
int app_own_sends(struct app *app, const char *command, char *err, size_t errlen);
enum { APP_ENROL_DAYS = 7 };

/* Makes a one-time enrolment code for role in area (police, leader) or agency. Returns 0, or
 * APP_EXIT_CONFIG for an unknown area, or APP_EXIT_RUNTIME; err says which. */
int app_enrol(struct app *app, const char *role, const char *area, const char *agency, char *code,
              char *err, size_t errlen);

/* BEGIN IMMEDIATE for a receiver storing updates: while it waits, the worker ends its batch
 * early, so taking in updates never waits behind a long batch of handling. */
int app_write_begin(struct app *app, struct db *db);

/* Imports a scam list (see handlers/scam.h) into the database. */
int app_scamlist_import(struct app *app, FILE *in, FILE *err, int *added, int *bad);

/* A new connection to the same database, for another thread. */
int app_open_db(const struct app *app, struct db **out);
/* Starts the worker. */
int app_start_worker(struct app *app);
/* Starts every platform the configuration enables (serve mode). */
int app_start_platforms(struct app *app);
/* Tells the platforms whose bit is set in mask that they have new outbox rows. */
void app_wake_platforms(struct app *app, unsigned mask);
/* Asks everything to stop; safe from a signal handler. */
void app_request_stop(struct app *app);
/* Stops platforms and the worker (finishing the batch in hand) and frees everything. */
void app_free(struct app *app);

#endif
