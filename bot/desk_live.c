/*
 * desk_live.c — see desk_live.h. Runs on the HTTP thread with app->db. The protocol's state
 * (struct dlive) is the vhost's protocol data; the open desk sockets are a list in it, few
 * (the officers on duty), so a frame is offered to each of them and each decides by its
 * person's scope (deskapi_sees_tip_area). Events are read once per wake for all sockets, from
 * one cursor that starts at the tables' ends when the first socket opens and is forgotten when
 * the last one closes: a server nobody watches reads nothing.
 */
#include "bot/desk_live.h"

#include "base/clock.h"
#include "base/log.h"
#include "bot/app_core.h"
#include "bot/health.h"
#include "bot/desk_session.h"
#include "handlers/deskapi.h"
#include "handlers/deskapi_tips.h"
#include "storage/desk_events.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DL_TXQ_MAX      64  /* frames waiting for a slow browser; beyond: drop, resync */
#define DL_MAX_CONNS    256 /* desk sockets at once */
#define DL_READS_MAX    8   /* desk_events_read rounds per wake (a burst waits for the next) */
#define DL_RX_CHUNK     512 /* the browser sends only pings */
#define DL_HOST_MAX     256 /* an Origin or Host header */
#define DL_URI_MAX      64
#define DL_CLOSE_REASON "signed_out"

struct dl_frame {
    struct dl_frame *next;
    size_t len;
    unsigned char data[]; /* LWS_PRE bytes of room, then len bytes of JSON */
};

struct dlive;

struct dl_conn { /* lws per-session data; zeroed by lws before the filter */
    struct dl_conn *next;
    struct dlive *dl; /* set once established and listed */
    struct lws *wsi;
    struct person person;             /* owned: who is signed in (role, area) */
    char secret[DESK_SECRET_HEX + 1]; /* the session's cookie, to check it again */
    int64_t checked_at;               /* clock_now_ms of the last session check */
    struct dl_frame *tx_head, *tx_tail;
    int tx_count;
    int closing; /* the session ended: close with DL_CLOSE_REASON once writable */
};

struct dlive { /* the vhost's protocol data, zeroed by lws */
    struct app *app;
    struct dl_conn *conns;
    int nconns;
    struct desk_cursor cursor; /* valid while nconns > 0 */
    struct desk_events ev;     /* one read's events (cleared after use) */
};

static struct dlive *dl_of(struct lws *wsi)
{
    return lws_protocol_vh_priv_get(lws_get_vhost(wsi), lws_get_protocol(wsi));
}

/* ---- frames ------------------------------------------------------------------------------ */

static void dl_tx_free(struct dl_conn *c)
{
    while (c->tx_head) {
        struct dl_frame *f = c->tx_head;
        c->tx_head = f->next;
        free(f);
    }
    c->tx_tail = NULL;
    c->tx_count = 0;
}

static void dl_push(struct dl_conn *c, const char *s, size_t len)
{
    struct dl_frame *f = malloc(sizeof *f + LWS_PRE + len);
    if (!f)
        return; /* the page refetches on its next frame */
    f->next = NULL;
    f->len = len;
    memcpy(f->data + LWS_PRE, s, len);
    if (c->tx_tail)
        c->tx_tail->next = f;
    else
        c->tx_head = f;
    c->tx_tail = f;
    c->tx_count++;
}

/* Queues one frame of JSON text. A browser that lets DL_TXQ_MAX frames pile up loses them all
 * and gets a resync: the page refetches what it shows, so nothing it needs is lost. */
static void dl_queue_text(struct dl_conn *c, const char *s)
{
    static const char resync[] = "{\"type\":\"resync\"}";
    if (c->closing)
        return;
    if (c->tx_count >= DL_TXQ_MAX) {
        dl_tx_free(c);
        dl_push(c, resync, sizeof resync - 1);
    }
    dl_push(c, s, strlen(s));
    lws_callback_on_writable(c->wsi);
}

/* Queues o to c (steals o). */
static void dl_queue(struct dl_conn *c, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s)
        dl_queue_text(c, s);
    free(s);
}

/* ---- the tip row -------------------------------------------------------------------------- */

/* The queue's row (handlers/deskapi_tips.c), made once for every desk it goes to: no viewer's
 * person, so "assigned_to_me" is false (a new tip is nobody's yet; a page refetches its own). */
static json_t *dl_tip_row(struct dlive *dl, const struct tip *t)
{
    struct app *app = dl->app;
    struct hctx ctx = {.db = app->db,
                       .cfg = app->cfg,
                       .texts = app->texts,
                       .te = app->te,
                       .desks = app->desks,
                       .now_ms = clock_now_ms(),
                       .args = ""};
    return deskapi_tip_row(&ctx, t);
}

/* ---- the session -------------------------------------------------------------------------- */

/* Whether the request's Origin names the host it was sent to: a page of another site may not
 * open a desk socket with the officer's cookie. */
static int dl_same_origin(struct lws *wsi)
{
    char origin[DL_HOST_MAX], host[DL_HOST_MAX];
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0 ||
        lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        return 0;
    const char *rest = strncmp(origin, "https://", 8) == 0  ? origin + 8
                       : strncmp(origin, "http://", 7) == 0 ? origin + 7
                                                            : NULL;
    return rest && *rest && strcasecmp(rest, host) == 0;
}

/* Reads the cookie's session and person into c, for the filter. 0 when the desk may open. */
static int dl_admit(struct dlive *dl, struct lws *wsi, struct dl_conn *c)
{
    char uri[DL_URI_MAX];
    struct desk_session s;
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 ||
        strcmp(uri, DESK_LIVE_PATH) != 0 || dl->nconns >= DL_MAX_CONNS)
        return -1;
    if (!dl_same_origin(wsi)) {
        log_warn("desklive", "refused a desk socket from another origin");
        return -1;
    }
    if (!desk_cookie_get(wsi, DESK_COOKIE, c->secret, sizeof c->secret))
        return -1;
    int rc = desk_session_of(dl->app->db, wsi, clock_now_ms(), &s, &c->person);
    if (rc == DB_OK && deskapi_role_of(&c->person))
        return 0;
    person_clear(&c->person);
    memset(c->secret, 0, sizeof c->secret);
    return -1;
}

/* Checks c's session again (sign-out, unenrolment, expiry) and refreshes its person (a new
 * area or role). 0 while it lives; -1 when it ended, and c is being closed. */
static int dl_recheck(struct dlive *dl, struct dl_conn *c)
{
    struct desk_session s;
    struct person p;
    c->checked_at = clock_now_ms();
    int rc = desk_session_check(dl->app->db, c->secret, clock_now_ms(), &s);
    if (rc == DB_OK)
        rc = people_get_id(dl->app->db, s.person_id, &p);
    if (rc == DB_ERROR)
        return 0; /* tried again at the next check */
    if (rc == DB_OK && deskapi_role_of(&p)) {
        person_clear(&c->person);
        c->person = p;
        return 0;
    }
    if (rc == DB_OK)
        person_clear(&p);
    log_info("desklive", "closing a desk socket: its session ended");
    dl_tx_free(c);
    c->closing = 1;
    lws_callback_on_writable(c->wsi);
    return -1;
}

/* ---- events ------------------------------------------------------------------------------- */

/* Sends frame (JSON text) to every open desk that sees area. */
static void dl_fan_out(struct dlive *dl, const char *area, const char *frame)
{
    for (struct dl_conn *c = dl->conns; c && frame; c = c->next)
        if (!c->closing && deskapi_sees_tip_area(&c->person, area))
            dl_queue_text(c, frame);
}

static void dl_fan_out_json(struct dlive *dl, const char *area, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    dl_fan_out(dl, area, s);
    free(s);
}

static void dl_send_events(struct dlive *dl, const struct desk_events *ev)
{
    for (int i = 0; i < ev->n_tips; i++) {
        const struct tip *t = &ev->tips[i];
        json_t *row = dl_tip_row(dl, t);
        dl_fan_out_json(
            dl, t->area,
            row ? json_pack("{s:s, s:s, s:o}", "type", "tip", "event", "new", "tip", row) : NULL);
    }
    for (int i = 0; i < ev->n_replies; i++) {
        const struct desk_note *r = &ev->replies[i];
        dl_fan_out_json(dl, r->area,
                        json_pack("{s:s, s:s, s:I}", "type", "reply", "code", r->code, "at",
                                  (json_int_t)r->at));
    }
    for (int i = 0; i < ev->n_changes; i++) {
        const struct desk_note *a = &ev->changes[i];
        dl_fan_out_json(dl, a->area,
                        json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I}", "type", "tip", "event",
                                  "changed", "code", a->code, "action", a->action, "who", a->who,
                                  "at", (json_int_t)a->at));
    }
}

/* A wake of the HTTP thread: sessions checked when due, then what happened since the last
 * read, for the open desks. Nothing at all while no desk is open. */
static void dl_wake(struct dlive *dl)
{
    if (!dl || !dl->nconns)
        return;
    /* The application's clock, so that the check follows the time sessions expire by (and a
     * clock set back does not postpone it). */
    int64_t now = clock_now_ms();
    for (struct dl_conn *c = dl->conns; c; c = c->next)
        if (!c->closing && (now - c->checked_at >= DESK_LIVE_RECHECK_MS || now < c->checked_at))
            dl_recheck(dl, c);
    for (int round = 0; round < DL_READS_MAX; round++) {
        if (desk_events_read(dl->app->db, &dl->cursor, &dl->ev) != DB_OK)
            return; /* the cursor stays: the next wake reads the same events */
        dl_send_events(dl, &dl->ev);
        bool more = dl->ev.more;
        desk_events_clear(&dl->ev);
        if (!more)
            break;
    }
}

/* ---- the connection ------------------------------------------------------------------------ */

static void dl_hello(struct dlive *dl, struct dl_conn *c)
{
    struct tip urgent[DESK_URGENT_MAX];
    int n = 0;
    const char *area = deskapi_role_of(&c->person) == DESKAPI_OFFICER ? c->person.area : NULL;
    json_t *list = json_array();
    if ((deskapi_role_of(&c->person) & DESKAPI_TIPS_ROLES) &&
        desk_events_urgent(dl->app->db, area && *area ? area : NULL, urgent, DESK_URGENT_MAX, &n) !=
            DB_OK)
        n = 0;
    for (int i = 0; i < n; i++) {
        if (list && deskapi_sees_tip_area(&c->person, urgent[i].area))
            json_array_append_new(list, dl_tip_row(dl, &urgent[i]));
        tip_clear(&urgent[i]);
    }
    dl_queue(c, list ? json_pack("{s:s, s:o}", "type", "hello", "urgent", list) : NULL);
}

static int dl_established(struct dlive *dl, struct lws *wsi, struct dl_conn *c)
{
    if (!dl->nconns && desk_events_start(dl->app->db, &dl->cursor) != DB_OK)
        return -1; /* the browser retries */
    c->dl = dl;
    c->wsi = wsi;
    c->checked_at = clock_now_ms();
    c->next = dl->conns;
    dl->conns = c;
    dl->nconns++;
    health_connections(dl->app->health, HEALTH_CONN_DESK, dl->nconns);
    log_info("desklive", "desk socket opened (person %lld, %s)", (long long)c->person.id,
             c->person.role);
    dl_hello(dl, c);
    return 0;
}

static void dl_closed(struct dl_conn *c)
{
    struct dlive *dl = c->dl;
    if (dl) {
        for (struct dl_conn **pp = &dl->conns; *pp; pp = &(*pp)->next)
            if (*pp == c) {
                *pp = c->next;
                break;
            }
        dl->nconns--;
        health_connections(dl->app->health, HEALTH_CONN_DESK, dl->nconns);
    }
    dl_tx_free(c);
    person_clear(&c->person);
    memset(c->secret, 0, sizeof c->secret);
    c->dl = NULL;
}

static int dl_writable(struct dl_conn *c)
{
    if (c->closing) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                         (unsigned char *)DL_CLOSE_REASON, sizeof DL_CLOSE_REASON - 1);
        return -1;
    }
    struct dl_frame *f = c->tx_head;
    if (!f)
        return 0;
    if (lws_write(c->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
        return -1;
    c->tx_head = f->next;
    if (!c->tx_head)
        c->tx_tail = NULL;
    c->tx_count--;
    free(f);
    if (c->tx_head)
        lws_callback_on_writable(c->wsi);
    return 0;
}

/* The browser's frames: only {"type":"ping"}, answered after the session is checked again. */
static void dl_receive(struct dlive *dl, struct dl_conn *c, const void *in, size_t len)
{
    json_t *frame = json_loadb(in, len, 0, NULL);
    const char *type = json_string_value(json_object_get(frame, "type"));
    if (type && strcmp(type, "ping") == 0 && dl_recheck(dl, c) == 0)
        dl_queue(c, json_pack("{s:s}", "type", "pong"));
    json_decref(frame);
}

static int dl_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    struct dl_conn *c = user;
    struct dlive *dl = dl_of(wsi);
    switch (reason) {
    case LWS_CALLBACK_PROTOCOL_INIT:
        dl = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi), lws_get_protocol(wsi), sizeof *dl);
        if (!dl)
            return -1;
        dl->app = lws_context_user(lws_get_context(wsi));
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return !dl || !c || dl_admit(dl, wsi, c) != 0;
    case LWS_CALLBACK_ESTABLISHED:
        return dl && c ? dl_established(dl, wsi, c) : -1;
    case LWS_CALLBACK_RECEIVE:
        if (c && c->dl && !c->closing)
            dl_receive(dl, c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c && c->dl ? dl_writable(c) : -1;
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL: /* also a socket refused after the filter */
        if (c)
            dl_closed(c);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        dl_wake(dl);
        return 0;
    default:
        return 0;
    }
}

const struct lws_protocols desk_live_protocol = {
    .name = DESK_LIVE_PROTOCOL,
    .callback = dl_callback,
    .per_session_data_size = sizeof(struct dl_conn),
    .rx_buffer_size = DL_RX_CHUNK,
};
