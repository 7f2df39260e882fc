/*
 * app.h — the process: configuration, texts, the main thread's database connection, the
 * worker, the HTTP server and the started platforms, with one init and one teardown so they
 * cannot drift apart.
 *
 * struct app and what the threads ask of it are in bot/app_core.h; this header adds what only
 * the process's main thread does: init, start, stop.
 */
#ifndef TIPGATE_APP_H
#define TIPGATE_APP_H

#include "bot/app_core.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/* Imports a scam list (see handlers/scam.h) into the database. */
int app_scamlist_import(struct app *app, FILE *in, FILE *err, int *added, int *bad);

/* Starts the worker. */
int app_start_worker(struct app *app);
/* Starts every platform the configuration enables (serve mode). */
int app_start_platforms(struct app *app);
/* Asks everything to stop; safe from a signal handler. */
void app_request_stop(struct app *app);
/* Stops platforms and the worker (finishing the batch in hand) and frees everything. */
void app_free(struct app *app);

#endif
