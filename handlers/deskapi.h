/*
 * deskapi.h — the web desk's JSON API (`/api/desk/…`) as plain functions over a handler
 * context, so the web desk runs the same domain functions and rules as the chat desk and is
 * tested without a browser. bot/deskweb.c does the HTTP: it checks the session cookie and the
 * CSRF header, builds the context with the signed-in person as ctx->person (ctx->msg is NULL),
 * finds the route here, opens a write transaction for a route that writes (and commits it when
 * the route answers below 400), and turns the answer into the HTTP response.
 *
 * Roles (people.role): "police" — an officer, who sees the tips, leads and warnings of their
 * area (and tips no area was found for: nobody else would see those but commanders);
 * "commander" — the whole ward, assignment, figures; "leader" — their area's groups and
 * figures, never a tip. A tip outside the person's scope is answered 404, exactly like a tip
 * that does not exist, so codes cannot be probed.
 *
 * Every answer is a JSON object; an error is {"error": {"code": "<stable code>", "message":
 * "<Vietnamese, from the messages file>"}}. Lists are pages with a cursor ("next": an opaque
 * string, or null), never unbounded.
 */
#ifndef TIPGATE_DESKAPI_H
#define TIPGATE_DESKAPI_H

#include "handlers/handler.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    DESKAPI_PARAMS_MAX = 4,                 /* ":name" segments of one route */
    DESKAPI_PARAM_MAX = 64,                 /* bytes of one segment, with the NUL */
    DESKAPI_QUERY_MAX = 2048,               /* bytes of a query string deskweb hands over */
    DESKAPI_FILE_MAX = 4096,                /* a file path to serve */
    DESKAPI_PAGE_MAX = 50,                  /* rows of one page at most */
    DESKAPI_DOWNLOAD_NAME_MAX = 96,         /* a download's file name, with the NUL */
    DESKAPI_DOWNLOAD_MAX = 8 * 1024 * 1024, /* bytes of a download built in memory */
};

/* Who may call a route: bits of the signed-in person's role. */
enum deskapi_role {
    DESKAPI_OFFICER = 1,   /* people.role "police" */
    DESKAPI_COMMANDER = 2, /* "commander" */
    DESKAPI_LEADER = 4,    /* "leader" */
};
#define DESKAPI_TIPS_ROLES (DESKAPI_OFFICER | DESKAPI_COMMANDER)
#define DESKAPI_ALL_ROLES  (DESKAPI_OFFICER | DESKAPI_COMMANDER | DESKAPI_LEADER)

struct deskapi_req {
    const char *method; /* "GET" or "POST" */
    const char *path;   /* below /api/desk, without the query: "/tips/ABCD2345/ack" */
    const char *query;  /* the raw query string without '?', "" when none */
    const json_t *body; /* POST: the parsed JSON object (never NULL for a POST); GET: NULL */
    const char *csrf;   /* the session's CSRF token: /me hands it to the page */
    char params[DESKAPI_PARAMS_MAX][DESKAPI_PARAM_MAX]; /* the route's ":name" segments */
    int nparams;
};

struct deskapi_resp {
    int status;   /* HTTP status */
    json_t *body; /* owned: the JSON answer (deskweb frees it); NULL with file set */
    /* A file to send instead (a photo): its path and content type. Sent with
     * "Cache-Control: private, no-store". */
    char file[DESKAPI_FILE_MAX];
    char content_type[64];
    /* A download instead (a report, an export): data (owned: malloc'd, deskweb frees it) of
     * data_len bytes, its content_type above and the file name the browser saves it under
     * (ASCII). Sent with "Content-Disposition: attachment" and "Cache-Control: private,
     * no-store". Set through deskapi_download; deskapi_resp_clear frees it. */
    char *data;
    size_t data_len;
    char download[DESKAPI_DOWNLOAD_NAME_MAX];
};

typedef int (*deskapi_fn)(struct hctx *ctx, const struct deskapi_req *req,
                          struct deskapi_resp *resp);

struct deskapi_route {
    const char *method;  /* "GET" or "POST" */
    const char *pattern; /* "/tips/:code/ack": a ":name" segment matches one path segment */
    unsigned roles;      /* enum deskapi_role bits that may call it */
    int writes;          /* 1: runs in a write transaction (actions, audited views) */
    deskapi_fn fn;       /* returns 0 with resp filled (any status), -1 on an internal error */
    int heavy;           /* 1: may read for seconds; runs off the HTTP thread (bot/slowreq.h) */
};

struct deskapi_table {
    const struct deskapi_route *rows;
    size_t n;
};
#define DESKAPI_TABLE(rows)                                                                        \
    {                                                                                              \
        rows, sizeof rows / sizeof rows[0]                                                         \
    }

/* Each file of the API exports its table; deskapi.c lists them. */
extern const struct deskapi_table deskapi_me_routes;       /* deskapi.c: /me */
extern const struct deskapi_table deskapi_tips_routes;     /* deskapi_tips.c */
extern const struct deskapi_table deskapi_act_routes;      /* deskapi_act.c: actions, /colleagues */
extern const struct deskapi_table deskapi_groups_routes;   /* deskapi_groups.c */
extern const struct deskapi_table deskapi_handover_routes; /* deskapi_handover.c */
extern const struct deskapi_table deskapi_report_routes;   /* deskapi_report.c: /report, /kpi */
extern const struct deskapi_table deskapi_export_routes;   /* deskapi_export.c: downloads */

/* The role bit of a person (0: may not use the desk). */
unsigned deskapi_role_of(const struct person *p);
/* Whether p may see a tip or a lead of area (NULL or "": no area was found): a commander
 * always, an officer for their area (compared regardless of case) and for no area, a
 * leader never. */
bool deskapi_sees_tip_area(const struct person *p, const char *area);
/* Whether p may see the groups and figures of area: commanders all; officers and leaders their
 * own area. */
bool deskapi_sees_group_area(const struct person *p, const char *area);

/* The area whose tips (and tips of no area) ctx->person reads, as the configuration spells its
 * code: storage's terms for deskapi_sees_tip_area. NULL for every area (a commander, or an
 * officer enrolled without an area). */
const char *deskapi_scope_area(const struct hctx *ctx);

/* Finds the route for method and path; fills req->params/nparams from its ":name" segments
 * (req->method, req->path must be set). NULL and *status 404 (no such path) or 405 (the path
 * exists for another method). The caller checks the role (deskapi_allowed) and whether it
 * writes. */
const struct deskapi_route *deskapi_find(struct deskapi_req *req, int *status);
/* Whether the person's role may call the route. */
bool deskapi_allowed(const struct deskapi_route *r, const struct person *p);

/* Fills resp with status and the error object for code, its message the text
 * "desk_web_err_<code>" (a generic one when the messages file has none). Returns 0, so a route
 * ends with `return deskapi_error(ctx, resp, 404, "not_found");`. */
int deskapi_error(struct hctx *ctx, struct deskapi_resp *resp, int status, const char *code);
/* resp = 200 with body (owned; NULL → 500). Returns 0, or -1 when body is NULL. */
int deskapi_ok(struct deskapi_resp *resp, json_t *body);

/* resp = 200 with a download: data (owned by resp from here, also on failure; NULL → 500) of
 * len bytes, content_type, and name as the file name (bytes other than letters, digits, '.',
 * '_' and '-' become '-'). Returns 0, or -1 when data is NULL. */
int deskapi_download(struct deskapi_resp *resp, char *data, size_t len, const char *content_type,
                     const char *name);
/* Frees what resp owns (the JSON body, the download's data) and empties it. */
void deskapi_resp_clear(struct deskapi_resp *resp);

/* The value of key in a query string ("a=1&q=c%C3%A1"), percent-decoded and '+' as a blank,
 * into out (size bytes). 1 when present (possibly empty), 0 when absent or when the value
 * does not fit or is not valid UTF-8 after decoding (out is then ""). */
int deskapi_query(const char *query, const char *key, char *out, size_t size);
/* A string member of the POST body, or NULL when absent or not a string. */
const char *deskapi_body_str(const struct deskapi_req *req, const char *key);

/* The tip named by req->params[0] (a code in any typed form) that ctx->person may see: DB_OK
 * and *t filled (tip_clear it); DB_NOT_FOUND (also for a tip outside the person's scope, and
 * for a malformed code); DB_ERROR. */
struct tip;
int deskapi_tip(struct hctx *ctx, const struct deskapi_req *req, struct tip *t);

#endif
