/*
 * http.h — the HTTP and WebSocket server (libwebsockets), run by the main thread in `serve`.
 *
 * It serves the web chat page from <data_dir>/web, GET /healthz (bot/health.h: figures kept in
 * memory, no database access), GET /metrics (bot/metrics.h), the WebSocket protocols the
 * started platforms offer (the web chat's "tipgate-chat" at /ws) and the webhook POSTs.
 * Everything on this thread is event-driven; the only blocking work is short SQLite statements
 * on app->db, which belongs to this thread.
 */
#ifndef TIPGATE_HTTP_H
#define TIPGATE_HTTP_H

struct app;
struct http;
struct lws_context;

/* WebSocket connections held at once (the web chat refuses more): the open-file limit is
 * raised at start to cover them plus HTTP_FD_SPARE. */
enum { HTTP_WS_MAX_CONNECTIONS = 10000, HTTP_FD_SPARE = 1024 };

/* Raises the open-file limit to what HTTP_WS_MAX_CONNECTIONS need, and listens; logs the
 * URL. *out owns the server (http_free). */
int http_start(struct app *app, struct http **out);
/* Serves until app->stopping is set. */
int http_run(struct http *h);
/* Wakes the service loop from any thread (or a signal handler) so it rechecks its state. */
void http_interrupt(struct http *h);
void http_free(struct http *h);
/* The port actually bound (useful when the configuration asked for port 0). */
int http_port(const struct http *h);

#endif
