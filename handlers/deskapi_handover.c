/*
 * deskapi_handover.c — GET /handover?since=<ms>: the shift handover, one page of what changed in
 * the person's scope since a time (by default 12 hours ago, never more than 7 days back): tips
 * filed, acknowledged and closed since, those past their art. 147 deadline now, and those whose
 * tipster wrote last (a follow-up or an answer the desk has not replied to). Each list is at
 * most DESKAPI_HANDOVER_ROWS rows; "more" says how many each one left out. Read through the
 * indexes storage/handover.c names, so a handover costs what changed, not every tip.
 */
#include "handlers/deskapi_groups.h"
#include "handlers/deskapi_tips.h"

#include "storage/handover.h"
#include "storage/tips.h"

#include <stdio.h>
#include <stdlib.h>

#define DESKAPI_HANDOVER_HOUR_MS 3600000LL
#define DESKAPI_HANDOVER_DEFAULT (12 * DESKAPI_HANDOVER_HOUR_MS) /* a shift */
#define DESKAPI_HANDOVER_BACK    (7 * 24 * DESKAPI_HANDOVER_HOUR_MS)
enum { DESKAPI_HANDOVER_ROWS = 50 };

static const char *const deskapi_handover_names[HANDOVER_LISTS] = {
    [HANDOVER_NEW] = "new",         [HANDOVER_ACKNOWLEDGED] = "acknowledged",
    [HANDOVER_OVERDUE] = "overdue", [HANDOVER_REPLIES] = "replies_waiting",
    [HANDOVER_CLOSED] = "closed",
};

/* The since of the query, bounded to [now − 7 days, now]; 0 when it is not a number. */
static int deskapi_handover_since(struct hctx *ctx, const struct deskapi_req *req, int64_t *since)
{
    char text[32];
    *since = ctx->now_ms - DESKAPI_HANDOVER_DEFAULT;
    if (deskapi_query(req->query, "since", text, sizeof text) && text[0]) {
        char *end = NULL;
        long long v = strtoll(text, &end, 10);
        if (*end || v < 0)
            return 0;
        *since = v;
    }
    if (*since < ctx->now_ms - DESKAPI_HANDOVER_BACK)
        *since = ctx->now_ms - DESKAPI_HANDOVER_BACK;
    if (*since > ctx->now_ms)
        *since = ctx->now_ms;
    return 1;
}

/* One list into body[name] and its left-out count into more[name]. */
static int deskapi_handover_list(struct hctx *ctx, enum handover_list which, int64_t since,
                                 json_t *body, json_t *more)
{
    struct tip rows[DESKAPI_HANDOVER_ROWS];
    int n = 0;
    int64_t total = 0;
    if (handover_page(ctx->db, which, deskapi_scope_area(ctx), since, ctx->now_ms, rows,
                      DESKAPI_HANDOVER_ROWS, &n, &total) != DB_OK)
        return -1;
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(list, deskapi_tip_row(ctx, &rows[i]));
        tip_clear(&rows[i]);
    }
    json_object_set_new(body, deskapi_handover_names[which], list);
    json_object_set_new(more, deskapi_handover_names[which],
                        json_integer((json_int_t)(total > n ? total - n : 0)));
    return 0;
}

static int deskapi_handover(struct hctx *ctx, const struct deskapi_req *req,
                            struct deskapi_resp *resp)
{
    int64_t since = 0;
    if (!deskapi_handover_since(ctx, req, &since))
        return deskapi_error(ctx, resp, 400, "bad_request");
    json_t *body =
        json_pack("{s:I, s:I}", "since", (json_int_t)since, "now", (json_int_t)ctx->now_ms);
    json_t *more = json_object();
    for (int i = 0; body && more && i < HANDOVER_LISTS; i++)
        if (deskapi_handover_list(ctx, (enum handover_list)i, since, body, more) != 0) {
            json_decref(body);
            json_decref(more);
            return -1;
        }
    if (body)
        json_object_set_new(body, "more", more);
    else
        json_decref(more);
    return deskapi_ok(resp, body);
}

static const struct deskapi_route deskapi_handover_rows[] = {
    {"GET", "/handover", DESKAPI_TIPS_ROLES, 0, deskapi_handover, 0},
};
const struct deskapi_table deskapi_handover_routes = DESKAPI_TABLE(deskapi_handover_rows);
