/*
 * deskapi_groups.c — the web desk's group leads, bound groups and scam shield (round 14):
 * GET /leads, GET /groups, GET /scam, POST /scam, POST /scam/remove, POST /scam/import,
 * GET /scam/sightings. The rules are the chat's: an item is normalised by scam_normalise (the
 * one /canhbao_sdt, /canhbao_link, /canhbao_stk and `tipgate scamlist import` use), an import
 * reads lines with scam_import_lines (the CLI's reader). A group's chat id, a platform user id
 * and a lead's sender never leave this file: the leads keep no sender (the desk's chat message
 * names one only where the area's show_sender_names allows, and that message is not stored).
 */
#include "handlers/deskapi_groups.h"
#include "handlers/deskapi_tips.h"

#include "config/desks.h"
#include "handlers/scam.h"
#include "storage/groups.h"
#include "storage/people.h"
#include "storage/scam_list.h"
#include "storage/tips.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESKAPI_GROUPS_DAY_MS 86400000LL
enum {
    DESKAPI_GROUPS_DEFAULT = 20,       /* rows of a page when the query names no limit */
    DESKAPI_GROUPS_MAX = 200,          /* bound groups listed (a ward has tens) */
    DESKAPI_GROUPS_DAYS = 30,          /* the groups' figures: the last 30 days */
    DESKAPI_IMPORT_LINES = 5000,       /* lines of one import */
    DESKAPI_IMPORT_ERRORS = 100,       /* bad lines named in the answer (all are counted) */
    DESKAPI_CURSOR_MAX = 2 * 256 + 32, /* a sightings cursor: kind, '.', the value in hex */
    DESKAPI_SEARCH_MAX = 256,          /* bytes of a search of the list */
};

/* ---- shared with deskapi_handover.c ------------------------------------------------------ */

int deskapi_groups_limit(const struct deskapi_req *req, int def)
{
    char text[16];
    if (!deskapi_query(req->query, "limit", text, sizeof text))
        return def;
    char *end = NULL;
    long n = strtol(text, &end, 10);
    if (!text[0] || *end || n < 1)
        return 0;
    return n > DESKAPI_PAGE_MAX ? DESKAPI_PAGE_MAX : (int)n;
}

/* ---- GET /leads, GET /groups ------------------------------------------------------------- */

/* "<created_at>.<id>" → its parts; 0 when malformed. */
static int deskapi_leads_cursor(const char *text, int64_t *at, int64_t *id)
{
    char tail;
    long long a = 0, i = 0;
    if (sscanf(text, "%lld.%lld%c", &a, &i, &tail) != 2 || a <= 0 || i <= 0)
        return 0;
    *at = a, *id = i;
    return 1;
}

static int deskapi_leads(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    char area[64] = "", cursor[64] = "";
    int64_t before_at = 0, before_id = 0;
    int limit = deskapi_groups_limit(req, DESKAPI_GROUPS_DEFAULT);
    deskapi_query(req->query, "area", area, sizeof area);
    if (!limit || (deskapi_query(req->query, "cursor", cursor, sizeof cursor) && cursor[0] &&
                   !deskapi_leads_cursor(cursor, &before_at, &before_id)))
        return deskapi_error(ctx, resp, 400, "bad_request");
    if (area[0] && !deskapi_sees_tip_area(ctx->person, area))
        return deskapi_error(ctx, resp, 403, "forbidden");
    struct tip leads[DESKAPI_PAGE_MAX + 1];
    char *titles[DESKAPI_PAGE_MAX + 1];
    int n = 0;
    if (groups_leads_page(ctx->db, deskapi_scope_area(ctx), area[0] ? area : NULL, before_at,
                          before_id, leads, titles, limit + 1, &n) != DB_OK)
        return -1;
    json_t *list = json_array(), *next = json_null();
    if (n > limit) {
        const struct tip *last = &leads[limit - 1];
        json_decref(next);
        next = json_sprintf("%" PRId64 ".%" PRId64, last->created_at, last->id);
    }
    for (int i = 0; i < n; i++) {
        if (i < limit) {
            json_t *row = deskapi_tip_row(ctx, &leads[i]);
            json_object_set_new(row, "group", json_string(titles[i] ? titles[i] : ""));
            json_array_append_new(list, row);
        }
        tip_clear(&leads[i]);
        free(titles[i]);
    }
    return deskapi_ok(resp, json_pack("{s:o, s:o}", "leads", list, "next", next));
}

static int deskapi_groups(struct hctx *ctx, const struct deskapi_req *req,
                          struct deskapi_resp *resp)
{
    (void)req;
    const struct person *p = ctx->person;
    const char *scope = NULL;
    if (deskapi_role_of(p) != DESKAPI_COMMANDER && p->area && *p->area) {
        const struct area *a = desks_area(ctx->desks, p->area);
        scope = a ? a->code : p->area;
    }
    struct group_row *rows = calloc(DESKAPI_GROUPS_MAX, sizeof *rows);
    int n = 0;
    int64_t since = ctx->now_ms - DESKAPI_GROUPS_DAYS * DESKAPI_GROUPS_DAY_MS;
    if (!rows || groups_list(ctx->db, scope, since, rows, DESKAPI_GROUPS_MAX, &n) != DB_OK) {
        free(rows);
        return -1;
    }
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        if (!deskapi_sees_group_area(p, rows[i].area))
            continue;
        const struct area *a = desks_area(ctx->desks, rows[i].area);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "title", rows[i].title, "area",
                            rows[i].area, "area_name", a ? a->name : rows[i].area, "platform",
                            rows[i].platform, "leads_30d", (json_int_t)rows[i].leads,
                            "warnings_30d", (json_int_t)rows[i].warnings));
    }
    free(rows);
    return deskapi_ok(resp, json_pack("{s:o}", "groups", list));
}

/* ---- the scam shield --------------------------------------------------------------------- */

/* The web's kind ("url") as the list keeps it ("link"), and back. */
static const char *deskapi_scam_kind_in(const char *kind)
{
    if (!kind)
        return NULL;
    if (strcmp(kind, "url") == 0 || strcmp(kind, "link") == 0)
        return "link";
    return strcmp(kind, "phone") == 0 || strcmp(kind, "account") == 0 ? kind : NULL;
}

static const char *deskapi_scam_kind_out(const char *kind)
{
    return strcmp(kind, "link") == 0 ? "url" : kind;
}

/* How an item reads on the page: a ten-digit phone as "0912 345 678", an account with its
 * bank. */
static void deskapi_scam_shown(const char *kind, const char *value, const char *bank, char *out,
                               size_t size)
{
    if (strcmp(kind, "phone") == 0 && strlen(value) == 10)
        snprintf(out, size, "%.4s %.3s %.3s", value, value + 4, value + 7);
    else if (strcmp(kind, "account") == 0 && bank && *bank)
        snprintf(out, size, "%s (%s)", value, bank);
    else
        snprintf(out, size, "%s", value);
}

/* The error code of a SCAM_BAD_* (texts desk_web_err_<code>). */
static const char *deskapi_scam_bad_code(int bad)
{
    switch (bad) {
    case SCAM_BAD_PHONE:
        return "scam_bad_phone";
    case SCAM_BAD_LINK:
        return "scam_bad_link";
    case SCAM_BAD_ACCOUNT:
        return "scam_bad_account";
    default:
        return "scam_bad_fields";
    }
}

/* A search of the list: the value as it would be flagged (a phone in any writing, the digits
 * of an account, a link without its scheme), and the words of the reason. */
static void deskapi_scam_search(struct hctx *ctx, const char *q, char *part, size_t size,
                                char *words, size_t wsize)
{
    int letters = 0, digits = 0;
    for (const char *c = q; *c; c++) {
        letters += isalpha((unsigned char)*c) || (unsigned char)*c >= 0x80;
        digits += isdigit((unsigned char)*c) != 0;
    }
    part[0] = words[0] = '\0';
    if (!letters && digits) {
        if (scam_normalise(ctx, "phone", q, part, size) != SCAM_OK) {
            size_t n = 0;
            for (const char *c = q; *c && n + 1 < size; c++)
                if (isdigit((unsigned char)*c))
                    part[n++] = *c;
            part[n] = '\0';
        }
        return;
    }
    char link[DESKAPI_SEARCH_MAX];
    if (scam_normalise(ctx, "link", q, link, sizeof link) == SCAM_OK)
        snprintf(part, size, "%s", link);
    else
        for (size_t n = 0; n + 1 < size && (part[n] = (char)tolower((unsigned char)q[n])); n++)
            part[n + 1] = '\0';
    size_t at = 0; /* LIKE's wildcards taken literally */
    for (const char *c = q; *c && at + 2 < wsize; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            words[at++] = '\\';
        words[at++] = *c;
    }
    words[at] = '\0';
}

static int deskapi_scam_list(struct hctx *ctx, const struct deskapi_req *req,
                             struct deskapi_resp *resp)
{
    char q[DESKAPI_SEARCH_MAX] = "", kind[16] = "", cursor[32] = "";
    char part[DESKAPI_SEARCH_MAX], words[2 * DESKAPI_SEARCH_MAX];
    int limit = deskapi_groups_limit(req, DESKAPI_GROUPS_DEFAULT);
    long long before = 0;
    char tail;
    deskapi_query(req->query, "q", q, sizeof q);
    int has_kind = deskapi_query(req->query, "kind", kind, sizeof kind) && kind[0];
    if (!limit || (has_kind && !deskapi_scam_kind_in(kind)) ||
        (deskapi_query(req->query, "cursor", cursor, sizeof cursor) && cursor[0] &&
         (sscanf(cursor, "%lld%c", &before, &tail) != 1 || before <= 0)))
        return deskapi_error(ctx, resp, 400, "bad_request");
    deskapi_scam_search(ctx, q, part, sizeof part, words, sizeof words);
    struct scam_entry *items = calloc((size_t)limit + 1, sizeof *items);
    int n = 0;
    if (!items ||
        scam_list_page(ctx->db, has_kind ? deskapi_scam_kind_in(kind) : NULL, part[0] ? part : NULL,
                       words[0] ? words : NULL, before, items, limit + 1, &n) != DB_OK) {
        free(items);
        return -1;
    }
    json_t *list = json_array();
    for (int i = 0; i < n && i < limit; i++) {
        const struct scam_item *it = &items[i].item;
        char shown[512];
        deskapi_scam_shown(it->kind, it->value, it->bank, shown, sizeof shown);
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:I, s:I}", "id", (json_int_t)it->id,
                            "kind", deskapi_scam_kind_out(it->kind), "value", it->value, "shown",
                            shown, "note", it->reason, "bank", it->bank[0] ? it->bank : NULL,
                            "added_at", (json_int_t)items[i].created_at, "sightings",
                            (json_int_t)items[i].sightings));
    }
    json_t *next = n > limit ? json_sprintf("%" PRId64, items[limit - 1].item.id) : json_null();
    free(items);
    return deskapi_ok(resp, json_pack("{s:o, s:o}", "items", list, "next", next));
}

static int deskapi_scam_add(struct hctx *ctx, const struct deskapi_req *req,
                            struct deskapi_resp *resp)
{
    const char *kind = deskapi_scam_kind_in(deskapi_body_str(req, "kind"));
    const char *value = deskapi_body_str(req, "value");
    const char *note = deskapi_body_str(req, "note");
    const char *bank = deskapi_body_str(req, "bank");
    char norm[256], detail[300];
    int bad = SCAM_BAD_FIELDS;
    if (kind && value && note && note[strspn(note, " \t\r\n")])
        bad = scam_normalise(ctx, kind, value, norm, sizeof norm);
    if (bad != SCAM_OK)
        return deskapi_error(ctx, resp, 400, deskapi_scam_bad_code(bad));
    if (scam_flag(ctx->db, kind, norm, bank && *bank ? bank : NULL, note, ctx->person->id,
                  ctx->now_ms) != DB_OK)
        return -1;
    snprintf(detail, sizeof detail, "%s:%s", kind, norm);
    if (tips_audit(ctx->db, ctx->person->id, "scam_add", 0, detail, ctx->now_ms) != DB_OK)
        return -1;
    struct scam_item it;
    if (scam_find(ctx->db, kind, norm, &it) != DB_OK)
        return -1;
    char shown[512];
    deskapi_scam_shown(it.kind, it.value, it.bank, shown, sizeof shown);
    return deskapi_ok(resp,
                      json_pack("{s:b, s:{s:I, s:s, s:s, s:s, s:s}}", "ok", true, "item", "id",
                                (json_int_t)it.id, "kind", deskapi_scam_kind_out(it.kind), "value",
                                it.value, "shown", shown, "note", it.reason));
}

static int deskapi_scam_remove(struct hctx *ctx, const struct deskapi_req *req,
                               struct deskapi_resp *resp)
{
    json_t *idv = req->body ? json_object_get(req->body, "id") : NULL;
    json_int_t id = json_is_integer(idv) ? json_integer_value(idv) : 0;
    if (json_is_string(idv))
        id = strtoll(json_string_value(idv), NULL, 10);
    if (id <= 0)
        return deskapi_error(ctx, resp, 400, "bad_request");
    struct scam_item it;
    int rc = scam_remove(ctx->db, (int64_t)id, ctx->person->id, ctx->now_ms, &it);
    if (rc == DB_NOT_FOUND)
        return deskapi_error(ctx, resp, 404, "not_found");
    if (rc != DB_OK)
        return -1;
    char detail[300];
    snprintf(detail, sizeof detail, "%s:%s", it.kind, it.value);
    if (tips_audit(ctx->db, ctx->person->id, "scam_remove", 0, detail, ctx->now_ms) != DB_OK)
        return -1;
    return deskapi_ok(resp, json_pack("{s:b}", "ok", true));
}

struct deskapi_import {
    struct hctx *ctx;
    json_t *errors;
};

static void deskapi_import_bad(void *arg, int line, int bad)
{
    struct deskapi_import *im = arg;
    if (json_array_size(im->errors) >= DESKAPI_IMPORT_ERRORS)
        return;
    char name[64];
    snprintf(name, sizeof name, "desk_web_err_%s", deskapi_scam_bad_code(bad));
    const char *message = texts_get(im->ctx->texts, name);
    json_array_append_new(im->errors, json_pack("{s:i, s:s}", "line", line, "message",
                                                message ? message : scam_bad_why(bad)));
}

static int deskapi_scam_import(struct hctx *ctx, const struct deskapi_req *req,
                               struct deskapi_resp *resp)
{
    const char *lines = deskapi_body_str(req, "lines");
    if (!lines)
        return deskapi_error(ctx, resp, 400, "bad_request");
    size_t len = strlen(lines), count = len > 0;
    for (const char *c = lines; *c; c++)
        count += *c == '\n' && c[1];
    if (count > DESKAPI_IMPORT_LINES)
        return deskapi_error(ctx, resp, 413, "scam_import_long");
    int added = 0, bad = 0, rc = 0;
    struct deskapi_import im = {ctx, json_array()};
    /* the CLI's reader, on the text as a stream (fmemopen needs a non-empty buffer) */
    FILE *in = len ? fmemopen((void *)lines, len, "r") : NULL;
    if (len && (!in || !im.errors))
        rc = -1;
    else if (in)
        rc = scam_import_lines(ctx, in, ctx->person->id, deskapi_import_bad, &im, &added, &bad);
    if (in)
        fclose(in);
    char detail[64];
    snprintf(detail, sizeof detail, "added %d, skipped %d", added, bad);
    if (rc != 0 || tips_audit(ctx->db, ctx->person->id, "scam_import", 0, detail, ctx->now_ms))
        rc = -1;
    if (rc != 0) {
        json_decref(im.errors);
        return -1;
    }
    return deskapi_ok(
        resp, json_pack("{s:i, s:i, s:o}", "added", added, "skipped", bad, "errors", im.errors));
}

/* "<kind>.<value in hex>": the last item of a page of sightings. */
static json_t *deskapi_seen_cursor(const struct scam_seen *s)
{
    char text[DESKAPI_CURSOR_MAX];
    size_t at = (size_t)snprintf(text, sizeof text, "%s.", s->kind);
    for (const unsigned char *c = (const unsigned char *)s->value; *c && at + 3 < sizeof text; c++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%02x", *c);
    return json_string(text);
}

static int deskapi_seen_cursor_read(const char *text, char *kind, size_t ksize, char *value,
                                    size_t vsize)
{
    const char *dot = strchr(text, '.');
    size_t klen = dot ? (size_t)(dot - text) : 0, hlen = dot ? strlen(dot + 1) : 0;
    if (!dot || !klen || klen >= ksize || hlen % 2 || hlen / 2 >= vsize)
        return 0;
    memcpy(kind, text, klen);
    kind[klen] = '\0';
    for (size_t i = 0; i < hlen / 2; i++) {
        unsigned byte = 0;
        if (!isxdigit((unsigned char)dot[1 + 2 * i]) || !isxdigit((unsigned char)dot[2 + 2 * i]) ||
            sscanf(dot + 1 + 2 * i, "%2x", &byte) != 1 || !byte)
            return 0;
        value[i] = (char)byte;
    }
    value[hlen / 2] = '\0';
    return 1;
}

static int deskapi_scam_sightings(struct hctx *ctx, const struct deskapi_req *req,
                                  struct deskapi_resp *resp)
{
    char cursor[DESKAPI_CURSOR_MAX] = "", kind[16] = "", value[256] = "";
    int limit = deskapi_groups_limit(req, DESKAPI_GROUPS_DEFAULT);
    if (!limit || (deskapi_query(req->query, "cursor", cursor, sizeof cursor) && cursor[0] &&
                   !deskapi_seen_cursor_read(cursor, kind, sizeof kind, value, sizeof value)))
        return deskapi_error(ctx, resp, 400, "bad_request");
    struct scam_seen *seen = calloc((size_t)limit + 1, sizeof *seen);
    int n = 0;
    if (!seen || scam_sightings_page(ctx->db, kind, value, seen, limit + 1, &n) != DB_OK) {
        free(seen);
        return -1;
    }
    json_t *list = json_array();
    for (int i = 0; i < n && i < limit; i++) {
        char shown[512];
        deskapi_scam_shown(seen[i].kind, seen[i].value, NULL, shown, sizeof shown);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b}", "kind",
                            deskapi_scam_kind_out(seen[i].kind), "value", seen[i].value, "shown",
                            shown, "groups", (json_int_t)seen[i].groups, "count",
                            (json_int_t)seen[i].count, "first_at", (json_int_t)seen[i].first_at,
                            "last_at", (json_int_t)seen[i].last_at, "flagged", seen[i].flagged));
    }
    json_t *next = n > limit ? deskapi_seen_cursor(&seen[limit - 1]) : json_null();
    free(seen);
    return deskapi_ok(resp, json_pack("{s:o, s:o}", "sightings", list, "next", next));
}

static const struct deskapi_route deskapi_groups_rows[] = {
    {"GET", "/leads", DESKAPI_TIPS_ROLES, 0, deskapi_leads, 0},
    {"GET", "/groups", DESKAPI_ALL_ROLES, 0, deskapi_groups, 0},
    {"GET", "/scam", DESKAPI_TIPS_ROLES, 0, deskapi_scam_list, 0},
    {"POST", "/scam", DESKAPI_TIPS_ROLES, 1, deskapi_scam_add, 0},
    {"POST", "/scam/remove", DESKAPI_TIPS_ROLES, 1, deskapi_scam_remove, 0},
    {"POST", "/scam/import", DESKAPI_TIPS_ROLES, 1, deskapi_scam_import, 0},
    {"GET", "/scam/sightings", DESKAPI_TIPS_ROLES, 0, deskapi_scam_sightings, 0},
};
const struct deskapi_table deskapi_groups_routes = DESKAPI_TABLE(deskapi_groups_rows);
