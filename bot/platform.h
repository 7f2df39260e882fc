/*
 * platform.h — the one interface every messaging platform implements, and the registry.
 *
 * A platform is a const ops struct (designated initialisers) registered by name in
 * platform.c's table. Its capabilities are data, so handlers pick buttons or numbered choices,
 * or split long texts, without ever naming a platform. Optional methods may be NULL; callers
 * check. Adding a platform (Messenger, Matrix, SMS) is one new file in bot/platforms/ — its ops
 * and the settings block declaring its keys — and one line in platform_registry[] (see
 * ARCHITECTURE.md).
 *
 * Receiving: an adapter turns updates into struct msg and stores them with inbox_add() before
 * acknowledging the platform. Sending: the adapter drains its outbox rows; wake() tells it new
 * rows exist. Adapters never call handlers and handlers never call adapters: they meet in SQLite.
 */
#ifndef TIPGATE_PLATFORM_H
#define TIPGATE_PLATFORM_H

#include "base/platform_caps.h"

#include <stdbool.h>
#include <stddef.h>

struct app;
struct cfg;
struct cfg_block;
struct db;
struct lws_protocols;

struct platform_ops {
    const char *name;
    struct platform_caps caps;
    /* Whether the configuration turns this platform on for `serve`. Required. */
    bool (*enabled)(const struct cfg *cfg);
    /* Starts receiving and sending; *state is the platform's own. Optional. */
    int (*start)(struct app *app, void **state);
    /* Stops: persists or finishes in-flight work, joins threads, frees state. Optional. */
    void (*stop)(void *state);
    /* New outbox rows exist for this platform. Called from any thread. Optional. */
    void (*wake)(void *state);
    /* A WebSocket protocol the HTTP server should offer for this platform. Optional. */
    const struct lws_protocols *ws_protocol;
    /* Webhook: the HTTP server accepts POSTs at webhook_path while the platform is started,
     * reads the secret from the header webhook_header (lowercase, with its colon, e.g.
     * "x-telegram-bot-api-secret-token:") and calls webhook() on the HTTP thread with that
     * thread's database connection. It returns the HTTP status to answer (200 only after the
     * update is committed) and may write a JSON body into resp. Optional. */
    const char *webhook_path;
    const char *webhook_header;
    int (*webhook)(void *state, struct db *db, const char *secret, const char *body, size_t len,
                   char *resp, size_t resp_size);
    /* The platform's keys (under "platforms.<name>"): a spec of the settings table
     * (config/config.h), registered before the file is read; the platform reads its typed
     * settings with cfg_settings(cfg, settings). Optional (a platform with no keys). */
    const struct cfg_block *settings;
};

/* The registry, NULL-terminated, in a fixed order (an index is a platform's bit in masks). */
extern const struct platform_ops *const platform_registry[];

/* Registers every platform's name and caps with base/platform_caps.h, in registry order (an
 * index is a platform's bit in masks). Called once at start (app_init, and tests that run
 * handlers without an app) before any thread starts; calling it again is harmless. */
void platform_registry_init(void);
/* Registers every platform's settings block with the configuration (cfg_register), before
 * cfg_load. 0, or -1 when the table is full. */
int platform_register_settings(void);

/* The ops of a registered platform, or NULL. */
const struct platform_ops *platform_find(const char *name);

#endif
