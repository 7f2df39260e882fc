/*
 * app_core.h — the running service as its threads see it: struct app (what app_init built and
 * every thread reads) and the three things a thread may ask of it — another database
 * connection, the write lock for storing updates, a wake-up for the platforms. The worker,
 * scheduler, HTTP server, metrics and platform adapters include this, never app.h, so nothing
 * they do can call back into app.c, which starts and stops them.
 *
 * Ownership of state: cfg and texts are read-only after app_init and shared by all threads.
 * Each thread owns its own struct db (app->db belongs to the thread that called app_init and
 * runs the HTTP server or the console). Platforms own their state; they meet the worker only
 * through SQLite and wake-ups.
 */
#ifndef TIPGATE_APP_CORE_H
#define TIPGATE_APP_CORE_H

#include "bot/platform.h"
#include "config/config.h"
#include "handlers/texts.h"
#include "storage/db.h"
#include "storage/outbox.h"

#include <stdatomic.h>
#include <stdbool.h>

struct worker;
struct health;
struct http;
struct textengine;
struct desks;
struct copier;

struct app {
    struct cfg *cfg;
    struct texts *texts;
    struct textengine *te; /* the Vietnamese text engine (categories file) */
    struct desks *desks;   /* areas, desks and tip rules */
    struct db *db;
    struct worker *worker;
    struct http *http;
    struct copier *copier; /* platforms' photos for the web desk (bot/copier.h); serve only */
    atomic_int stopping;
    atomic_int writers_waiting; /* receivers waiting for the write lock (app_write_begin) */
    struct health *health;      /* figures for /healthz and /metrics (bot/health.h) */
    struct outbox_owner owner;  /* this process as a sender (app_own_sends); id 0: it is not */
    void *pstate[PLATFORM_MAX];
    bool pstarted[PLATFORM_MAX];
};

/* A new connection to the same database, for another thread. */
int app_open_db(const struct app *app, struct db **out);
/* BEGIN IMMEDIATE for a receiver storing updates: while it waits, the worker ends its batch
 * early, so taking in updates never waits behind a long batch of handling. */
int app_write_begin(struct app *app, struct db *db);

/* Tells the platforms whose bit is set in mask that they have new outbox rows. */
void app_wake_platforms(struct app *app, unsigned mask);

#endif
