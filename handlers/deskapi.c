/*
 * deskapi.c — see deskapi.h. The route tables of the API's files, the role and scope rules
 * every route applies, the error and query helpers, and GET /me (who is signed in, with the
 * page's CSRF token). A route answers its own errors; this file adds no rule of its own.
 */
#include "handlers/deskapi.h"

#include "base/utf8.h"
#include "config/desks.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct deskapi_table *const deskapi_tables[] = {
    &deskapi_me_routes,     &deskapi_tips_routes,     &deskapi_act_routes,
    &deskapi_groups_routes, &deskapi_handover_routes, &deskapi_report_routes,
    &deskapi_export_routes,
};

unsigned deskapi_role_of(const struct person *p)
{
    if (!p || !p->role)
        return 0;
    if (strcmp(p->role, "police") == 0)
        return DESKAPI_OFFICER;
    if (strcmp(p->role, "commander") == 0)
        return DESKAPI_COMMANDER;
    if (strcmp(p->role, "leader") == 0)
        return DESKAPI_LEADER;
    return 0;
}

static bool deskapi_same_area(const struct person *p, const char *area)
{
    return p->area && area && strcasecmp(p->area, area) == 0;
}

bool deskapi_sees_tip_area(const struct person *p, const char *area)
{
    unsigned role = deskapi_role_of(p);
    if (role == DESKAPI_COMMANDER)
        return true;
    if (role != DESKAPI_OFFICER)
        return false;
    return !area || !*area || !p->area || !*p->area || deskapi_same_area(p, area);
}

bool deskapi_sees_group_area(const struct person *p, const char *area)
{
    unsigned role = deskapi_role_of(p);
    if (role == DESKAPI_COMMANDER)
        return true;
    if (!role)
        return false;
    return !p->area || !*p->area || deskapi_same_area(p, area);
}

const char *deskapi_scope_area(const struct hctx *ctx)
{
    const struct person *p = ctx->person;
    if (deskapi_role_of(p) != DESKAPI_OFFICER || !p->area || !*p->area)
        return NULL;
    const struct area *a = desks_area(ctx->desks, p->area);
    return a ? a->code : p->area;
}

/* Matches path against pattern segment by segment, copying ":name" segments into params. */
static bool deskapi_match(const char *pattern, const char *path, struct deskapi_req *req)
{
    int n = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++, path++;
        size_t plen = strcspn(pattern, "/"), len = strcspn(path, "/");
        if (*pattern == ':') {
            if (len == 0 || len >= DESKAPI_PARAM_MAX || n >= DESKAPI_PARAMS_MAX)
                return false;
            memcpy(req->params[n], path, len);
            req->params[n++][len] = '\0';
        } else if (plen != len || strncmp(pattern, path, len) != 0) {
            return false;
        }
        pattern += plen, path += len;
    }
    if (*pattern || (*path && strcmp(path, "/") != 0))
        return false;
    req->nparams = n;
    return true;
}

const struct deskapi_route *deskapi_find(struct deskapi_req *req, int *status)
{
    *status = 404;
    for (size_t t = 0; t < sizeof deskapi_tables / sizeof deskapi_tables[0]; t++)
        for (size_t i = 0; i < deskapi_tables[t]->n; i++) {
            const struct deskapi_route *r = &deskapi_tables[t]->rows[i];
            if (!deskapi_match(r->pattern, req->path, req))
                continue;
            if (strcmp(r->method, req->method) == 0)
                return r;
            *status = 405;
        }
    req->nparams = 0;
    return NULL;
}

bool deskapi_allowed(const struct deskapi_route *r, const struct person *p)
{
    return (r->roles & deskapi_role_of(p)) != 0;
}

int deskapi_error(struct hctx *ctx, struct deskapi_resp *resp, int status, const char *code)
{
    char name[64];
    snprintf(name, sizeof name, "desk_web_err_%s", code);
    const char *message = texts_get(ctx->texts, name);
    if (!message || !*message)
        message = texts_get(ctx->texts, "desk_web_err_generic");
    deskapi_resp_clear(resp);
    resp->status = status;
    resp->body =
        json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message ? message : code);
    return 0;
}

int deskapi_ok(struct deskapi_resp *resp, json_t *body)
{
    deskapi_resp_clear(resp);
    resp->body = body;
    resp->status = body ? 200 : 500;
    return body ? 0 : -1;
}

int deskapi_download(struct deskapi_resp *resp, char *data, size_t len, const char *content_type,
                     const char *name)
{
    deskapi_resp_clear(resp);
    if (!data) {
        resp->status = 500;
        return -1;
    }
    resp->status = 200;
    resp->data = data;
    resp->data_len = len;
    snprintf(resp->content_type, sizeof resp->content_type, "%s", content_type);
    /* a header value: nothing a browser or a proxy could read as a quote or a path */
    snprintf(resp->download, sizeof resp->download, "%s", name);
    for (char *c = resp->download; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
            *c = '-';
    return 0;
}

void deskapi_resp_clear(struct deskapi_resp *resp)
{
    json_decref(resp->body);
    resp->body = NULL;
    free(resp->data);
    resp->data = NULL;
    resp->data_len = 0;
    resp->download[0] = '\0';
}

static int deskapi_hex(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

int deskapi_query(const char *query, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    out[0] = '\0';
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "&");
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t at = 0;
            for (const char *v = p + klen + 1; v < p + n; v++) {
                int c = (unsigned char)*v;
                if (c == '+')
                    c = ' ';
                else if (c == '%' && v + 2 < p + n && deskapi_hex(v[1]) >= 0 &&
                         deskapi_hex(v[2]) >= 0)
                    c = deskapi_hex(v[1]) * 16 + deskapi_hex(v[2]), v += 2;
                if (at + 1 >= size || c == 0) {
                    out[0] = '\0';
                    return 0;
                }
                out[at++] = (char)c;
            }
            out[at] = '\0';
            if (!utf8_valid(out, at)) {
                out[0] = '\0';
                return 0;
            }
            return 1;
        }
        p += n;
        if (*p == '&')
            p++;
    }
    return 0;
}

const char *deskapi_body_str(const struct deskapi_req *req, const char *key)
{
    return req->body ? json_string_value(json_object_get(req->body, key)) : NULL;
}

int deskapi_tip(struct hctx *ctx, const struct deskapi_req *req, struct tip *t)
{
    char code[TIPS_CODE_LEN + 1];
    memset(t, 0, sizeof *t);
    if (req->nparams < 1 || tips_code_parse(req->params[0], code) != 0)
        return DB_NOT_FOUND;
    int rc = tips_get(ctx->db, code, t);
    if (rc == DB_OK && !deskapi_sees_tip_area(ctx->person, t->area)) {
        tip_clear(t);
        return DB_NOT_FOUND;
    }
    return rc;
}

/* GET /me: the signed-in person as the page shows them, and the CSRF token its POSTs carry. */
static int deskapi_me(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    const struct person *p = ctx->person;
    const struct area *a = p->area ? desks_area(ctx->desks, p->area) : NULL;
    const char *ward = ctx->cfg ? ctx->cfg->ward_police_name : NULL;
    json_t *areas = json_array();
    for (int i = 0; areas && i < ctx->desks->n_areas; i++) {
        const struct area *ai = &ctx->desks->areas[i];
        if (deskapi_sees_group_area(p, ai->code))
            json_array_append_new(areas, json_pack("{s:s, s:s}", "code", ai->code, "name",
                                                   ai->name[0] ? ai->name : ai->code));
    }
    return deskapi_ok(
        resp, json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:o, s:s, s:s?, s:I}", "id", (json_int_t)p->id,
                        "name", p->display_name ? p->display_name : "", "role", p->role, "area",
                        p->area, "area_name", a ? a->name : NULL, "areas", areas, "csrf",
                        req->csrf ? req->csrf : "", "ward", ward, "now", (json_int_t)ctx->now_ms));
}

static const struct deskapi_route deskapi_me_rows[] = {
    {"GET", "/me", DESKAPI_ALL_ROLES, 0, deskapi_me, 0},
};
const struct deskapi_table deskapi_me_routes = DESKAPI_TABLE(deskapi_me_rows);
