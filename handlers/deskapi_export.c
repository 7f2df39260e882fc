/*
 * deskapi_export.c — the web desk's downloads, commanders only (issue 15 §1, §3):
 * GET /export?period=&format=csv|jsonl&area=&contacts=1 (the period's tips, one row each, by
 * handlers/export.h: never the tipster's identity; the contact phone a tipster chose to give
 * only with contacts=1, which export_tips writes to the audit log in a short transaction of its
 * own before the first row — the route itself only reads, so the worker and the receivers never
 * wait for an export), GET /report.html and GET /report.csv
 * (?period=&area=: the period report of handlers/period_report.h as its printable page and as
 * CSV). Each answer is a download (deskapi_download): bot/deskweb.c sends it as an attachment
 * that no cache keeps. The period and the area are read by preport_query_parse, so the desk,
 * the CLI and /api/v1 accept the same periods and answer the same stable error codes.
 *
 * A download is built in memory, at most DESKAPI_DOWNLOAD_MAX bytes (deskapi_capbuf): beyond
 * it the answer is 413 "export_too_big", telling the commander to take a shorter period or the
 * CLI / the API, which stream without a bound.
 */
#include "handlers/deskapi_export.h"

#include "handlers/deskapi.h"
#include "handlers/export.h"
#include "handlers/period_report.h"
#include "storage/people.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

enum { DESKAPI_CAPBUF_FIRST = 64 * 1024 }; /* the buffer's first size */

/* ---- the capped FILE ---------------------------------------------------------------------- */

static ssize_t deskapi_capbuf_write(void *cookie, const char *buf, size_t n)
{
    struct deskapi_capbuf *b = cookie;
    if (n > b->cap - b->len) {
        b->over = 1;
        errno = EFBIG;
        return 0; /* fopencookie: 0 is the error */
    }
    if (b->len + n > b->size) {
        size_t size = b->size ? b->size : DESKAPI_CAPBUF_FIRST;
        while (size < b->len + n)
            size *= 2;
        if (size > b->cap)
            size = b->cap;
        char *grown = realloc(b->data, size);
        if (!grown) {
            errno = ENOMEM;
            return 0;
        }
        b->data = grown;
        b->size = size;
    }
    memcpy(b->data + b->len, buf, n);
    b->len += n;
    return (ssize_t)n;
}

FILE *deskapi_capbuf_open(struct deskapi_capbuf *b, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    cookie_io_functions_t io = {.write = deskapi_capbuf_write};
    return fopencookie(b, "w", io);
}

/* ---- the routes --------------------------------------------------------------------------- */

/* The query's period and area into q; 0, or 1 with resp the 400 error (its stable code). */
static int deskapi_export_query(struct hctx *ctx, const struct deskapi_req *req,
                                struct deskapi_resp *resp, struct preport_query *q)
{
    char period[64], area[64];
    const char *why = "bad_period";
    deskapi_query(req->query, "period", period, sizeof period);
    deskapi_query(req->query, "area", area, sizeof area);
    if (preport_query_parse(ctx, period, area, q, &why) == 0)
        return 0;
    deskapi_error(ctx, resp, 400, why ? why : "bad_period");
    return 1;
}

/* "<stem>-<period>[-<area>].<ext>" (deskapi_download makes it a safe file name). */
static void deskapi_export_name(const struct preport_query *q, const char *stem, const char *ext,
                                char *out, size_t size)
{
    snprintf(out, size, "%s-%s%s%s.%s", stem, q->period[0] ? q->period : "ky",
             q->area[0] ? "-" : "", q->area, ext);
}

/* GET /export: the period's tips as CSV or JSON Lines. */
static int deskapi_export_tips(struct hctx *ctx, const struct deskapi_req *req,
                               struct deskapi_resp *resp)
{
    struct preport_query pq;
    char format[16], contacts[8], name[DESKAPI_DOWNLOAD_NAME_MAX];
    if (deskapi_export_query(ctx, req, resp, &pq) != 0)
        return 0;
    deskapi_query(req->query, "format", format, sizeof format);
    deskapi_query(req->query, "contacts", contacts, sizeof contacts);
    int jsonl = strcmp(format, "jsonl") == 0;
    if (format[0] && !jsonl && strcmp(format, "csv") != 0)
        return deskapi_error(ctx, resp, 400, "bad_request");
    struct export_query q = {.from_day = pq.from_day, .to_day = pq.to_day};
    snprintf(q.area, sizeof q.area, "%s", pq.area);
    if (strcmp(contacts, "1") == 0) {
        q.with_contacts = 1;
        q.actor = ctx->person->id;
    }
    struct deskapi_capbuf b;
    FILE *f = deskapi_capbuf_open(&b, DESKAPI_DOWNLOAD_MAX);
    if (!f)
        return -1;
    int64_t rows = 0;
    int rc = export_tips(ctx, &q, jsonl ? EXPORT_JSONL : EXPORT_CSV, f, &rows);
    if (fclose(f) != 0)
        rc = -1;
    if (b.over) {
        free(b.data);
        return deskapi_error(ctx, resp, 413, "export_too_big");
    }
    if (rc != 0) {
        free(b.data);
        return -1;
    }
    deskapi_export_name(&pq, "tin-bao", jsonl ? "jsonl" : "csv", name, sizeof name);
    return deskapi_download(
        resp, b.data ? b.data : calloc(1, 1), b.len,
        jsonl ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8", name);
}

/* GET /report.html and /report.csv: the period report as a page or as CSV. */
static int deskapi_export_report(struct hctx *ctx, const struct deskapi_req *req,
                                 struct deskapi_resp *resp, int csv)
{
    struct preport_query q;
    json_t *doc = NULL;
    char *text = NULL, name[DESKAPI_DOWNLOAD_NAME_MAX];
    if (deskapi_export_query(ctx, req, resp, &q) != 0)
        return 0;
    int rc = preport_build(ctx, &q, &doc);
    if (rc == 0)
        rc = csv ? preport_csv(ctx, doc, &text) : preport_html(ctx, doc, &text);
    json_decref(doc);
    if (rc != 0 || !text) {
        free(text);
        return -1;
    }
    deskapi_export_name(&q, "bao-cao", csv ? "csv" : "html", name, sizeof name);
    return deskapi_download(resp, text, strlen(text),
                            csv ? "text/csv; charset=utf-8" : "text/html; charset=utf-8", name);
}

static int deskapi_export_html(struct hctx *ctx, const struct deskapi_req *req,
                               struct deskapi_resp *resp)
{
    return deskapi_export_report(ctx, req, resp, 0);
}

static int deskapi_export_csv(struct hctx *ctx, const struct deskapi_req *req,
                              struct deskapi_resp *resp)
{
    return deskapi_export_report(ctx, req, resp, 1);
}

static const struct deskapi_route deskapi_export_rows[] = {
    {"GET", "/export", DESKAPI_COMMANDER, 0, deskapi_export_tips, 1},
    {"GET", "/report.html", DESKAPI_COMMANDER, 0, deskapi_export_html, 1},
    {"GET", "/report.csv", DESKAPI_COMMANDER, 0, deskapi_export_csv, 1},
};
const struct deskapi_table deskapi_export_routes = DESKAPI_TABLE(deskapi_export_rows);
