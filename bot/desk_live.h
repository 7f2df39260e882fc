/*
 * desk_live.h — the web desk's live WebSocket: subprotocol "tipgate-desk" at /desk/live, on
 * the HTTP thread. A signed-in desk (the session cookie of bot/desk_session.h, from a page of
 * the same origin) gets a hello with the urgent tips of its scope nobody has acknowledged yet,
 * then one frame per event in its scope as it happens (storage/desk_events.h):
 *   {"type":"hello","urgent":[row…]}
 *   {"type":"tip","event":"new","tip":row}               a tip or group lead filed
 *   {"type":"tip","event":"changed","code","action","who","at"}  a desk action, chat or web
 *   {"type":"reply","code","at"}                         the tipster wrote a follow-up
 *   {"type":"resync"}                                    frames were dropped: refetch
 *   → {"type":"ping"}  ← {"type":"pong"} after the session was checked again (closed if ended)
 * Events are read once per wake of the HTTP thread (lws_cancel_service: the 500 ms tick, the
 * worker after each batch, the platforms), and only while a desk socket is open. Each socket's
 * session is checked again every DESK_LIVE_RECHECK_MS; an ended one is closed with the reason
 * "signed_out".
 */
#ifndef TIPGATE_DESK_LIVE_H
#define TIPGATE_DESK_LIVE_H

#include <libwebsockets.h>

#define DESK_LIVE_PROTOCOL   "tipgate-desk"
#define DESK_LIVE_PATH       "/desk/live"
#define DESK_LIVE_RECHECK_MS (60 * 1000) /* a socket's session is checked again this often */

/* The protocol to register on the server's vhost (its state is the vhost's protocol data). */
extern const struct lws_protocols desk_live_protocol;

#endif
