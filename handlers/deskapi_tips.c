/*
 * deskapi_tips.c — see deskapi_tips.h. The web desk reads tips with the chat desk's own parts:
 * the gist (desk_tip_gist), the original description (desk_original_length), the search keys of
 * /tim (desk_query_keys), the art. 147 limit of an extension (deskact_extend_max_day), the labels
 * of tipcard.c; the queue and the summary come from storage/tips_queue.c.
 *
 * A tip page and a contact shown are written to the audit log ("view", "view_contact") in the
 * transaction deskweb opens for a route that writes, like /xem's.
 */
#include "handlers/deskapi_tips.h"
#include "handlers/deskact.h"

#include "base/textnorm.h"
#include "calendar/calendar.h"
#include "config/desks.h"
#include "handlers/desk_impl.h"
#include "handlers/tipcard.h"
#include "storage/people.h"
#include "storage/tips_queue.h"
#include "storage/photo_copies.h"
#include "storage/uploads.h"
#include "text/textengine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    DESKAPI_LIMIT_DEFAULT = 20, /* rows of a queue page when none is asked for */
    DESKAPI_ARG_MAX = 256,      /* bytes of one query value (but q) */
    DESKAPI_STORY_MSGS = 100,   /* relay messages of a tip page */
    DESKAPI_SNIFF_BYTES = 16,   /* bytes read to tell a photo's type */
};

static const char *const deskapi_statuses[] = {"new",      "received", "verifying", "transferred",
                                               "resolved", "rejected", "duplicate", "closed"};

static bool deskapi_open(const struct tip *t)
{
    for (size_t i = 0; i < 4; i++) /* the first four of deskapi_statuses are open */
        if (t->status && strcmp(t->status, deskapi_statuses[i]) == 0)
            return true;
    return false;
}

/* The art. 147 deadline: tips.deadline_at, else the receipt plus tips.resolve_days. */
static int64_t deskapi_deadline(const struct hctx *ctx, const struct tip *t)
{
    return t->deadline_at ? t->deadline_at
                          : t->created_at + ctx->desks->rules.resolve_days * DESK_DAY_MS;
}

static json_t *deskapi_ms(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

json_t *deskapi_tip_row(struct hctx *ctx, const struct tip *t)
{
    char shown[TIPS_CODE_LEN + 2], gist[DESK_GIST_BYTES];
    int64_t assigned = 0, waiting = 0;
    if (tips_queue_assigned(ctx->db, t->id, &assigned) != DB_OK ||
        tips_queue_replies_waiting(ctx->db, t->id, &waiting) != DB_OK)
        return NULL;
    tips_code_show(t->code, shown);
    desk_tip_gist(ctx, t, gist, sizeof gist);
    const struct area *a = t->area && *t->area ? desks_area(ctx->desks, t->area) : NULL;
    int64_t deadline = deskapi_deadline(ctx, t);
    bool unsure = t->category_confidence > 0 && t->category_confidence < TEXTENGINE_SURE_CATEGORY;
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s?, s:s, s:b, s:s?, s:s?, s:b, s:s, s:s, s:I, s:o, s:I, s:b,"
        " s:o, s:s?, s:b, s:I}",
        "code", t->code, "code_shown", shown, "kind", t->kind ? t->kind : "tip", "gist", gist,
        "category", t->category, "category_label", tipcard_category_label(ctx, t->category),
        "category_unsure", unsure, "area", t->area && *t->area ? t->area : NULL, "area_name",
        a ? (a->name[0] ? a->name : a->code) : NULL, "urgent", t->urgent, "status",
        t->status ? t->status : "new", "status_label", tipcard_status_label(ctx, t->status),
        "created_at", (json_int_t)t->created_at, "acknowledged_at", deskapi_ms(t->acknowledged_at),
        "deadline_at", (json_int_t)deadline, "overdue", deskapi_open(t) && deadline < ctx->now_ms,
        "closed_at", deskapi_ms(t->closed_at), "assignee", t->assigned_to, "assigned_to_me",
        assigned != 0 && ctx->person && assigned == ctx->person->id, "replies_waiting",
        (json_int_t)waiting);
}

/* ---- GET /summary, /categories ------------------------------------------------------------ */

static int deskapi_summary(struct hctx *ctx, const struct deskapi_req *req,
                           struct deskapi_resp *resp)
{
    (void)req;
    struct tips_queue_summary s;
    if (tips_queue_summary(ctx->db, deskapi_scope_area(ctx), ctx->person->id, ctx->now_ms, &s) !=
        DB_OK)
        return -1;
    return deskapi_ok(resp, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "open", (json_int_t)s.open,
                                      "urgent_unacked", (json_int_t)s.urgent_unacked, "overdue",
                                      (json_int_t)s.overdue, "unacked", (json_int_t)s.unacked,
                                      "replies_waiting", (json_int_t)s.replies_waiting, "mine",
                                      (json_int_t)s.mine));
}

static int deskapi_categories(struct hctx *ctx, const struct deskapi_req *req,
                              struct deskapi_resp *resp)
{
    (void)req;
    size_t n = 0;
    const struct textengine_category *cats = textengine_categories(ctx->te, &n);
    json_t *categories = json_array(), *statuses = json_array(), *areas = json_array();
    for (size_t i = 0; categories && i < n; i++)
        json_array_append_new(
            categories, json_pack("{s:s, s:s}", "name", cats[i].name, "label", cats[i].label));
    for (size_t i = 0; statuses && i < sizeof deskapi_statuses / sizeof deskapi_statuses[0]; i++)
        json_array_append_new(statuses,
                              json_pack("{s:s, s:s}", "status", deskapi_statuses[i], "label",
                                        tipcard_status_label(ctx, deskapi_statuses[i])));
    for (int i = 0; areas && i < ctx->desks->n_areas; i++) {
        const struct area *a = &ctx->desks->areas[i];
        if (deskapi_sees_group_area(ctx->person, a->code))
            json_array_append_new(areas, json_pack("{s:s, s:s}", "code", a->code, "name",
                                                   a->name[0] ? a->name : a->code));
    }
    return deskapi_ok(resp, json_pack("{s:o, s:o, s:o}", "categories", categories, "statuses",
                                      statuses, "areas", areas));
}

/* ---- GET /tips ---------------------------------------------------------------------------- */

/* A query's filters, with the buffers they point into. */
struct deskapi_queue {
    struct tips_queue_filter f;
    struct tips_queue_cursor after;
    int limit;
    char status[DESKAPI_ARG_MAX], category[DESKAPI_ARG_MAX], area[DESKAPI_ARG_MAX];
    char folded[TIPS_QUEUE_TEXT_MAX];
    char keys[TIPS_KEYS_MAX][TIPS_KEY_MAX];
    const char *key_ptrs[TIPS_KEYS_MAX];
};

/* "1" is on; absent or "0" off; anything else is refused (-1). */
static int deskapi_flag(const char *query, const char *key, bool *on)
{
    char v[8];
    *on = false;
    if (!deskapi_query(query, key, v, sizeof v) || !*v || strcmp(v, "0") == 0)
        return 0;
    *on = strcmp(v, "1") == 0;
    return *on ? 0 : -1;
}

/* A local day "YYYY-MM-DD" as the instant it starts (plus days). 0 when absent; -1 refused. */
static int deskapi_day(const char *query, const char *key, int days, int64_t *ms)
{
    char v[16], rest;
    int y, m, d;
    *ms = 0;
    if (!deskapi_query(query, key, v, sizeof v) || !*v)
        return 0;
    if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &rest) != 3 || y < 2000 || y > 9999 || m < 1 ||
        m > 12 || d < 1 || d > calendar_month_days(y, m))
        return -1;
    *ms = calendar_at(calendar_days(y, m, d) + days, 0);
    return 0;
}

/* "u<0|1>.<id>", as deskapi_cursor_text writes it. */
static int deskapi_cursor_parse(const char *s, struct tips_queue_cursor *c)
{
    memset(c, 0, sizeof *c);
    if (!*s)
        return 0;
    if (s[0] != 'u' || (s[1] != '0' && s[1] != '1') || s[2] != '.' || !isdigit((unsigned char)s[3]))
        return -1;
    char *end = NULL;
    errno = 0;
    long long id = strtoll(s + 3, &end, 10);
    if (errno || *end || id <= 0)
        return -1;
    c->set = true;
    c->urgent = s[1] - '0';
    c->id = id;
    return 0;
}

static bool deskapi_known_status(const char *s)
{
    for (size_t i = 0; i < sizeof deskapi_statuses / sizeof deskapi_statuses[0]; i++)
        if (strcmp(s, deskapi_statuses[i]) == 0)
            return true;
    return false;
}

/* The statuses of "received,verifying" into q->f.statuses (pointing into q->status). */
static int deskapi_statuses_parse(struct deskapi_queue *q)
{
    int n = 0;
    for (char *save = NULL, *s = strtok_r(q->status, ",", &save); s;
         s = strtok_r(NULL, ",", &save)) {
        if (!deskapi_known_status(s) || n >= TIPS_QUEUE_STATUSES)
            return -1;
        q->f.statuses[n++] = s;
    }
    q->f.statuses[n] = NULL;
    return 0;
}

/* The search: its folded words, and the keys of the phones, plates and amount it names. */
static int deskapi_search_parse(struct hctx *ctx, const char *query, struct deskapi_queue *q)
{
    char text[DESKAPI_QUERY_MAX];
    if (!deskapi_query(query, "q", text, sizeof text)) {
        if (strstr(query, "q=") == query || strstr(query, "&q="))
            return -1; /* present but not readable */
        return 0;
    }
    size_t len = strlen(text);
    if (len >= TIPS_QUEUE_TEXT_MAX)
        return -1;
    textnorm_fold(text, len, q->folded, sizeof q->folded);
    q->f.folded = q->folded;
    q->f.nkeys = desk_query_keys(ctx->te, text, len, q->keys);
    for (int i = 0; i < q->f.nkeys; i++)
        q->key_ptrs[i] = q->keys[i];
    q->f.keys = q->key_ptrs;
    return 0;
}

/* The query string as a page asked for: 0, or -1 for a value that cannot be read. */
static int deskapi_queue_parse(struct hctx *ctx, const char *query, struct deskapi_queue *q)
{
    char v[DESKAPI_ARG_MAX];
    memset(q, 0, sizeof *q);
    q->f.scope = deskapi_scope_area(ctx);
    q->f.now_ms = ctx->now_ms;
    q->limit = DESKAPI_LIMIT_DEFAULT;
    bool mine = false;
    if (deskapi_query(query, "status", q->status, sizeof q->status) && deskapi_statuses_parse(q))
        return -1;
    if (deskapi_query(query, "category", q->category, sizeof q->category) && *q->category) {
        if (textengine_category_index(q->category) < 0)
            return -1;
        q->f.category = q->category;
    }
    if (deskapi_query(query, "area", q->area, sizeof q->area) && *q->area)
        q->f.area = q->area;
    if (deskapi_flag(query, "urgent", &q->f.urgent) ||
        deskapi_flag(query, "overdue", &q->f.overdue) ||
        deskapi_flag(query, "unacked", &q->f.unacked) || deskapi_flag(query, "mine", &mine) ||
        deskapi_day(query, "from", 0, &q->f.from_ms) || deskapi_day(query, "to", 1, &q->f.to_ms))
        return -1;
    q->f.assigned = mine ? ctx->person->id : 0;
    if (deskapi_query(query, "sort", v, sizeof v) && *v) {
        if (strcmp(v, "urgent") == 0)
            q->f.sort = TIPS_QUEUE_URGENT;
        else if (strcmp(v, "newest") != 0)
            return -1;
    }
    if (deskapi_query(query, "limit", v, sizeof v) && *v) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > DESKAPI_PAGE_MAX)
            return -1;
        q->limit = (int)n;
    }
    if (deskapi_query(query, "cursor", v, sizeof v) && deskapi_cursor_parse(v, &q->after))
        return -1;
    return deskapi_search_parse(ctx, query, q);
}

static int deskapi_tips_list(struct hctx *ctx, const struct deskapi_req *req,
                             struct deskapi_resp *resp)
{
    struct deskapi_queue *q = malloc(sizeof *q);
    struct tip list[DESKAPI_PAGE_MAX];
    struct tips_queue_cursor next;
    int n = 0, rc = -1;
    json_t *rows = NULL;
    if (!q)
        return -1;
    if (deskapi_queue_parse(ctx, req->query ? req->query : "", q) != 0) {
        free(q);
        return deskapi_error(ctx, resp, 400, "bad_request");
    }
    if (tips_queue_page(ctx->db, &q->f, &q->after, list, q->limit, &n, &next) != DB_OK)
        goto out;
    rows = json_array();
    for (int i = 0; rows && i < n; i++) {
        json_t *row = deskapi_tip_row(ctx, &list[i]);
        if (!row || json_array_append_new(rows, row) != 0)
            goto out;
    }
    char cursor[48];
    snprintf(cursor, sizeof cursor, "u%d.%lld", next.urgent ? 1 : 0, (long long)next.id);
    rc = deskapi_ok(resp, json_pack("{s:O, s:s?}", "tips", rows, "next", next.set ? cursor : NULL));
out:
    json_decref(rows);
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
    free(q);
    return rc;
}

/* ---- GET /tips/:code ---------------------------------------------------------------------- */

/* One line of the story. */
static int deskapi_story_add(json_t *story, int64_t at, const char *kind, const char *text,
                             const char *who, const char *action)
{
    return json_array_append_new(story, json_pack("{s:I, s:s, s:s?, s:s?, s:s?}", "at",
                                                  (json_int_t)at, "kind", kind, "text", text, "who",
                                                  who, "action", action));
}

/* The desk's actions from the audit log: the tipster's words, the filing and the replies are
 * told by the relay's own rows; a note is the desk's, never sent. */
static int deskapi_story_actions(struct hctx *ctx, const struct tip *t, json_t *story)
{
    struct tip_event ev[TIPS_EVENTS_MAX];
    int n = 0, rc = 0;
    int64_t total = 0;
    if (tips_events(ctx->db, t, ev, TIPS_EVENTS_MAX, &n, &total) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        const char *a = ev[i].action;
        if (strcmp(a, "from_tipster") != 0 && strcmp(a, "file") != 0 && strcmp(a, "reply") != 0) {
            bool note = strcmp(a, "note") == 0;
            const char *text =
                strcmp(a, "status") == 0 ? tipcard_status_label(ctx, ev[i].detail) : ev[i].detail;
            rc |= deskapi_story_add(story, ev[i].at, note ? "note" : "action", text, ev[i].who, a);
        }
        tip_event_clear(&ev[i]);
    }
    return rc;
}

static int deskapi_story_at(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "at"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "at"));
    return (x > y) - (x < y);
}

/* The story in order: what was filed, the relay both ways, the status lines, the desk's
 * actions and notes. Equal times keep the order they were gathered in (filed first). */
static json_t *deskapi_story(struct hctx *ctx, const struct tip *t, const char *original)
{
    struct tips_queue_message m[DESKAPI_STORY_MSGS];
    int n = 0;
    json_t *story = json_array();
    if (!story || deskapi_story_add(story, t->created_at, "filed", original, NULL, NULL) != 0 ||
        tips_queue_messages(ctx->db, t->id, m, DESKAPI_STORY_MSGS, &n) != DB_OK)
        goto bad;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *kind = strcmp(m[i].direction, "to_tipster") == 0
                               ? (m[i].question ? "question" : "to_tipster")
                               : m[i].direction;
        rc |= deskapi_story_add(story, m[i].at, kind, m[i].text, m[i].who, NULL);
    }
    tips_queue_messages_clear(m, n);
    if (rc != 0 || deskapi_story_actions(ctx, t, story) != 0)
        goto bad;
    /* a stable sort: json arrays are sorted through a copy of their items in a merge order */
    size_t len = json_array_size(story);
    json_t **items = malloc((len ? len : 1) * sizeof *items);
    if (!items)
        goto bad;
    for (size_t i = 0; i < len; i++)
        items[i] = json_incref(json_array_get(story, i));
    for (size_t i = 1; i < len; i++) /* insertion sort: stable, and a story is short */
        for (size_t j = i; j > 0 && deskapi_story_at(&items[j - 1], &items[j]) > 0; j--) {
            json_t *tmp = items[j];
            items[j] = items[j - 1];
            items[j - 1] = tmp;
        }
    json_array_clear(story);
    for (size_t i = 0; i < len; i++)
        json_array_append_new(story, items[i]);
    free(items);
    return story;
bad:
    json_decref(story);
    return NULL;
}

/* The tip's entities without the tipster's own phone (it is shown only through /contact). */
static json_t *deskapi_entities(const struct tip *t)
{
    json_t *e = t->entities ? json_loads(t->entities, 0, NULL) : NULL;
    if (!json_is_object(e)) {
        json_decref(e);
        return json_object();
    }
    json_t *phones = json_object_get(e, "phones");
    for (size_t i = json_array_size(phones); t->contact_phone && i > 0; i--)
        if (json_string_value(json_array_get(phones, i - 1)) &&
            strcmp(json_string_value(json_array_get(phones, i - 1)), t->contact_phone) == 0)
            json_array_remove(phones, i - 1);
    return e;
}

/* The last day an extension may reach under art. 147, or NULL when none may be granted. */
static json_t *deskapi_extend_max(struct hctx *ctx, const struct tip *t)
{
    if (!deskapi_open(t) || strcmp(t->kind, "tip") != 0)
        return json_null();
    int64_t base_day = calendar_today(deskapi_deadline(ctx, t));
    int64_t max_day =
        deskact_extend_max_day(calendar_today(t->created_at), base_day, t->extensions);
    if (max_day < base_day + 1)
        return json_null();
    int y, m, d;
    char date[16];
    calendar_ymd(max_day, &y, &m, &d);
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    return json_string(date);
}

static json_t *deskapi_photos(struct hctx *ctx, const struct tip *t)
{
    /* ready: a file the desk serves; pending: the copier (bot/copier.h) has yet to fetch it from
     * the tipster's platform; unavailable: the platform would not give it */
    static const char *const states[] = {"ready", "pending", "unavailable"};
    struct photo_copies_photo ph[TIPCARD_PHOTOS_MAX];
    int n = 0;
    if (photo_copies_of_tip(ctx->db, t->id, ph, TIPCARD_PHOTOS_MAX, &n) != DB_OK)
        return NULL;
    json_t *photos = json_array();
    for (int i = 0; i < n; i++) {
        char url[96];
        snprintf(url, sizeof url, "/api/desk/tips/%s/photos/%d", t->code, i);
        if (photos)
            json_array_append_new(photos, json_pack("{s:i, s:s, s:b, s:s}", "n", i, "url", url,
                                                    "available", ph[i].state == PHOTO_COPIES_READY,
                                                    "state", states[ph[i].state]));
        photo_copies_clear(&ph[i]);
    }
    return photos;
}

/* The tip page's fields beside the row's. */
static int deskapi_tip_details(struct hctx *ctx, const struct tip *t, json_t *row,
                               const char *original)
{
    char dup[TIPS_CODE_LEN + 1] = "";
    struct tip orig;
    if (t->duplicate_of && tips_get_id(ctx->db, t->duplicate_of, &orig) == DB_OK) {
        snprintf(dup, sizeof dup, "%s", orig.code);
        tip_clear(&orig);
    }
    json_t *photos = deskapi_photos(ctx, t);
    json_t *location = t->has_location
                           ? json_pack("{s:f, s:f}", "lat", t->latitude, "lon", t->longitude)
                           : json_null();
    bool contact = !t->anonymous && t->contact_phone && *t->contact_phone &&
                   strcmp(t->kind, "group_lead") != 0;
    json_t *more = json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:b, s:b, s:s?, s:s?, s:i, s:o, s:o}",
                             "description", original, "place", t->place, "happened", t->happened,
                             "location", location, "entities", deskapi_entities(t), "has_contact",
                             contact, "anonymous", !contact, "outcome", t->outcome, "duplicate_of",
                             dup[0] ? dup : NULL, "extensions", t->extensions, "extend_max",
                             deskapi_extend_max(ctx, t), "photos", photos ? photos : json_array());
    int rc = more ? json_object_update(row, more) : -1;
    json_decref(more);
    return rc;
}

static int deskapi_tip_page(struct hctx *ctx, const struct deskapi_req *req,
                            struct deskapi_resp *resp)
{
    struct tip t;
    int rc = deskapi_tip(ctx, req, &t);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? deskapi_error(ctx, resp, 404, "not_found") : -1;
    char *original = t.description ? strndup(t.description, desk_original_length(ctx, &t)) : NULL;
    json_t *row = deskapi_tip_row(ctx, &t), *story = NULL;
    rc = -1;
    if (!row || (t.description && !original) ||
        deskapi_tip_details(ctx, &t, row, original ? original : "") != 0 ||
        !(story = deskapi_story(ctx, &t, original ? original : "")) ||
        tips_audit(ctx->db, ctx->person->id, "view", t.id, NULL, ctx->now_ms) != DB_OK)
        goto out;
    rc = deskapi_ok(resp, json_pack("{s:O, s:O}", "tip", row, "story", story));
out:
    json_decref(row);
    json_decref(story);
    free(original);
    tip_clear(&t);
    return rc;
}

/* ---- GET /tips/:code/contact, /tips/:code/photos/:n --------------------------------------- */

static int deskapi_contact(struct hctx *ctx, const struct deskapi_req *req,
                           struct deskapi_resp *resp)
{
    struct tip t;
    int rc = deskapi_tip(ctx, req, &t);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? deskapi_error(ctx, resp, 404, "not_found") : -1;
    bool contact =
        !t.anonymous && t.contact_phone && *t.contact_phone && strcmp(t.kind, "group_lead") != 0;
    /* who read a contactable tipster's phone, and when, is always on record */
    if (contact && tips_audit(ctx->db, ctx->person->id, "view_contact", t.id, t.contact_phone,
                              ctx->now_ms) != DB_OK)
        rc = -1;
    else
        rc = deskapi_ok(resp, json_pack("{s:s?}", "phone", contact ? t.contact_phone : NULL));
    tip_clear(&t);
    return rc;
}

/* Points resp at the stored file of local ("upload:<hex>") when it is there and a photo. */
static int deskapi_photo_file(struct hctx *ctx, const char *local, struct deskapi_resp *resp)
{
    char dir[UPLOADS_PATH_MAX];
    if (uploads_dir(ctx->cfg->storage_path, dir, sizeof dir) != 0)
        return -1;
    const char *hex = local + strlen(UPLOADS_REF_PREFIX);
    unsigned char head[DESKAPI_SNIFF_BYTES];
    int len = snprintf(resp->file, sizeof resp->file, "%s/%.2s/%s", dir, hex, hex);
    FILE *f = len > 0 && (size_t)len < sizeof resp->file ? fopen(resp->file, "rb") : NULL;
    size_t got = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    const char *type = f ? uploads_sniff(head, got) : NULL;
    if (!type) {
        resp->file[0] = '\0';
        return deskapi_error(ctx, resp, 404, "not_found"); /* gone after its retention */
    }
    snprintf(resp->content_type, sizeof resp->content_type, "%s", type);
    json_decref(resp->body);
    resp->body = NULL;
    resp->status = 200;
    return 0;
}

static int deskapi_photo(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    struct tip t;
    struct photo_copies_photo ph[TIPCARD_PHOTOS_MAX];
    int n = 0, rc = deskapi_tip(ctx, req, &t);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? deskapi_error(ctx, resp, 404, "not_found") : -1;
    char *end = NULL;
    long k = req->nparams > 1 ? strtol(req->params[1], &end, 10) : -1;
    rc = -1;
    if (photo_copies_of_tip(ctx->db, t.id, ph, TIPCARD_PHOTOS_MAX, &n) != DB_OK)
        goto out;
    if (!end || *end || k < 0 || k >= n)
        rc = deskapi_error(ctx, resp, 404, "not_found");
    else if (ph[k].state == PHOTO_COPIES_PENDING)
        rc = deskapi_error(ctx, resp, 404, "photo_pending"); /* the copier has yet to fetch it */
    else if (ph[k].state == PHOTO_COPIES_UNAVAILABLE)
        rc = deskapi_error(ctx, resp, 404, "photo_unavailable");
    else
        rc = deskapi_photo_file(ctx, ph[k].local, resp);
out:
    for (int i = 0; i < n; i++)
        photo_copies_clear(&ph[i]);
    tip_clear(&t);
    return rc;
}

static const struct deskapi_route deskapi_tips_rows[] = {
    {"GET", "/summary", DESKAPI_TIPS_ROLES, 0, deskapi_summary, 0},
    {"GET", "/categories", DESKAPI_ALL_ROLES, 0, deskapi_categories, 0},
    {"GET", "/tips", DESKAPI_TIPS_ROLES, 0, deskapi_tips_list, 0},
    {"GET", "/tips/:code", DESKAPI_TIPS_ROLES, 1, deskapi_tip_page, 0},
    {"GET", "/tips/:code/contact", DESKAPI_TIPS_ROLES, 1, deskapi_contact, 0},
    {"GET", "/tips/:code/photos/:n", DESKAPI_TIPS_ROLES, 0, deskapi_photo, 0},
};
const struct deskapi_table deskapi_tips_routes = DESKAPI_TABLE(deskapi_tips_rows);
