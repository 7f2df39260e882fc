/*
 * export.c — see export.h. The tips of the period are read a page at a time through the desk's
 * queue (storage/tips_queue.h: the tips filed in a window of days, walked by id, newest first,
 * continued by a keyset cursor), so an export of a year holds one page in memory, never the
 * year. Each tip becomes the JSON row of export_tip_row; the CSV line is that row's fields in
 * the header's order, so the two formats cannot drift apart.
 */
#include "handlers/export.h"

#include "calendar/calendar.h"
#include "config/desks.h"
#include "handlers/desk_impl.h"
#include "handlers/tipcard.h"
#include "storage/tips_queue.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    EXPORT_PAGE = TIPS_QUEUE_MAX, /* tips read at once */
    EXPORT_FIELD_MAX = 4096,      /* bytes of a CSV field built from a list */
};

static const char *const export_open_statuses[] = {"new", "received", "verifying", "transferred"};

/* The CSV columns, in order: the keys of export_tip_row. */
static const char *const export_columns[] = {
    "code",      "created_at",  "acknowledged_at", "classified_at", "closed_at",     "area",
    "area_name", "category",    "category_label",  "urgent",        "status",        "status_label",
    "outcome",   "deadline_at", "overdue",         "extensions",    "extended_days", "desk_actions",
};

void export_time_iso(int64_t ms, char out[EXPORT_TIME_MAX])
{
    out[0] = '\0';
    if (!ms)
        return;
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    char zone[8];
    if (!localtime_r(&s, &tm) || strftime(zone, sizeof zone, "%z", &tm) != 5 ||
        strftime(out, EXPORT_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        out[0] = '\0';
        return;
    }
    size_t n = strlen(out); /* "+0700" → "+07:00" */
    snprintf(out + n, EXPORT_TIME_MAX - n, "%.3s:%.2s", zone, zone + 3);
}

static json_t *export_time_json(int64_t ms)
{
    char iso[EXPORT_TIME_MAX];
    export_time_iso(ms, iso);
    return iso[0] ? json_string(iso) : json_null();
}

static bool export_open(const struct tip *t)
{
    for (size_t i = 0; i < sizeof export_open_statuses / sizeof export_open_statuses[0]; i++)
        if (t->status && strcmp(t->status, export_open_statuses[i]) == 0)
            return true;
    return false;
}

/* The desk's actions on t, oldest first: what tips_events tells the desk, without the
 * tipster's own events (filing, additions, words, a contact given) and without any detail. */
static json_t *export_actions(struct hctx *ctx, const struct tip *t)
{
    struct tip_event ev[TIPS_EVENTS_MAX];
    int n = 0;
    int64_t total = 0;
    if (tips_events(ctx->db, t, ev, TIPS_EVENTS_MAX, &n, &total) != DB_OK)
        return NULL;
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        const char *a = ev[i].action;
        bool tipster = strcmp(a, "from_tipster") == 0 || strcmp(a, "file") == 0 ||
                       strcmp(a, "add") == 0 || strcmp(a, "contact") == 0;
        if (list && !tipster &&
            json_array_append_new(list, json_pack("{s:o, s:s}", "at", export_time_json(ev[i].at),
                                                  "action", a)) != 0) {
            json_decref(list);
            list = NULL;
        }
        tip_event_clear(&ev[i]);
    }
    return list;
}

json_t *export_tip_row(struct hctx *ctx, const struct tip *t, bool contact)
{
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    const struct area *a = t->area && *t->area ? desks_area(ctx->desks, t->area) : NULL;
    int64_t deadline = t->deadline_at
                           ? t->deadline_at
                           : t->created_at + ctx->desks->rules.resolve_days * DESK_DAY_MS;
    json_t *actions = export_actions(ctx, t);
    if (!actions)
        return NULL;
    json_t *row = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:s?, s:s?, s:s?, s:s?, s:b, s:s, s:s?, s:s?, s:o, s:b, s:i,"
        " s:i, s:o}",
        "code", shown, "created_at", export_time_json(t->created_at), "acknowledged_at",
        export_time_json(t->acknowledged_at), "classified_at", export_time_json(t->classified_at),
        "closed_at", export_time_json(t->closed_at), "area",
        a ? a->code : (t->area && *t->area ? t->area : NULL), "area_name",
        a ? (a->name[0] ? a->name : a->code) : NULL, "category", t->category, "category_label",
        t->category ? tipcard_category_label(ctx, t->category) : NULL, "urgent", t->urgent,
        "status", t->status ? t->status : "new", "status_label",
        tipcard_status_label(ctx, t->status ? t->status : "new"), "outcome", t->outcome,
        "deadline_at", export_time_json(deadline), "overdue",
        export_open(t) && deadline < ctx->now_ms, "extensions", t->extensions, "extended_days",
        t->extended_days, "desk_actions", actions);
    if (row && contact &&
        json_object_set_new(row, "contact_phone",
                            t->contact_phone && *t->contact_phone ? json_string(t->contact_phone)
                                                                  : json_null()) != 0) {
        json_decref(row);
        row = NULL;
    }
    return row;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

/* A field, always quoted ("" inside); a text a spreadsheet would read as a formula (=, +, -,
 * @ first) gets a leading ' so that opening the file never runs one. */
static void export_csv_field(FILE *out, const char *s, bool last)
{
    fputc('"', out);
    if (s && strchr("=+-@", s[0]) && s[0])
        fputc('\'', out);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputs(last ? "\"\r\n" : "\",", out);
}

/* "2026-03-05T10:00:00+07:00" → "2026-03-05 10:00" (a spreadsheet reads it as a time). */
static void export_csv_time(const char *iso, char *out, size_t size)
{
    snprintf(out, size, "%.16s", iso ? iso : "");
    if (strlen(out) > 10)
        out[10] = ' ';
}

/* The desk's actions as "2026-03-05 10:00 ack; 2026-03-06 09:00 close". */
static void export_csv_actions(const json_t *actions, char *out, size_t size)
{
    size_t at = 0, i;
    json_t *a;
    out[0] = '\0';
    json_array_foreach(actions, i, a)
    {
        char when[24];
        export_csv_time(json_string_value(json_object_get(a, "at")), when, sizeof when);
        int w = snprintf(out + at, size - at, "%s%s %s", at ? "; " : "", when,
                         json_string_value(json_object_get(a, "action")));
        if (w < 0 || at + (size_t)w >= size)
            break; /* a tip with more actions than fit: the oldest are kept */
        at += (size_t)w;
    }
}

static void export_csv_row(FILE *out, const json_t *row, bool contact)
{
    size_t n = sizeof export_columns / sizeof export_columns[0];
    for (size_t i = 0; i < n; i++) {
        const char *key = export_columns[i];
        json_t *v = json_object_get(row, key);
        char buf[EXPORT_FIELD_MAX];
        const char *s = buf;
        if (strcmp(key, "desk_actions") == 0)
            export_csv_actions(v, buf, sizeof buf);
        else if (json_is_integer(v))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            snprintf(buf, sizeof buf, "%d", json_is_true(v));
        else if (strcmp(key + strlen(key) - 3, "_at") == 0)
            export_csv_time(json_string_value(v), buf, sizeof buf);
        else
            s = json_string_value(v); /* NULL (JSON null) is an empty field */
        export_csv_field(out, s, i + 1 == n && !contact);
    }
    if (contact)
        export_csv_field(out, json_string_value(json_object_get(row, "contact_phone")), true);
}

static void export_csv_header(FILE *out, bool contact)
{
    size_t n = sizeof export_columns / sizeof export_columns[0];
    fputs("\xEF\xBB\xBF", out); /* UTF-8 BOM: Excel reads the file as UTF-8 */
    for (size_t i = 0; i < n; i++)
        export_csv_field(out, export_columns[i], i + 1 == n && !contact);
    if (contact)
        export_csv_field(out, "contact_phone", true);
}

/* ---- the export --------------------------------------------------------------------------- */

static int export_audit(struct hctx *ctx, const struct export_query *q, enum export_format f)
{
    char from[16], to[16], detail[160];
    calendar_format(q->from_day, from, sizeof from);
    calendar_format(q->to_day, to, sizeof to);
    snprintf(detail, sizeof detail, "%s-%s %s %s", from, to, q->area[0] ? q->area : "*",
             f == EXPORT_CSV ? "csv" : "jsonl");
    return tips_audit(ctx->db, q->actor, "export_contacts", 0, detail, ctx->now_ms) == DB_OK ? 0
                                                                                             : -1;
}

/* Writes the rows of one page; 0 or -1. */
static int export_page(struct hctx *ctx, const struct export_query *q, enum export_format f,
                       FILE *out, const struct tip *list, int n)
{
    for (int i = 0; i < n; i++) {
        json_t *row = export_tip_row(ctx, &list[i], q->with_contacts != 0);
        if (!row)
            return -1;
        if (f == EXPORT_CSV) {
            export_csv_row(out, row, q->with_contacts != 0);
        } else {
            char *line = json_dumps(row, JSON_COMPACT);
            if (line)
                fprintf(out, "%s\n", line);
            free(line);
            if (!line) {
                json_decref(row);
                return -1;
            }
        }
        json_decref(row);
    }
    return ferror(out) ? -1 : 0;
}

int export_tips(struct hctx *ctx, const struct export_query *q, enum export_format f, FILE *out,
                int64_t *rows)
{
    struct tip list[EXPORT_PAGE];
    struct tips_queue_filter filter = {
        .area = q->area[0] ? q->area : NULL,
        .from_ms = calendar_at(q->from_day, 0),
        .to_ms = calendar_at(q->to_day + 1, 0),
        .now_ms = ctx->now_ms,
    };
    struct tips_queue_cursor after = {0}, next = {0};
    int n = 0, rc = -1;
    *rows = 0;
    if (q->with_contacts && (q->actor <= 0 || export_audit(ctx, q, f) != 0))
        return -1;
    if (f == EXPORT_CSV)
        export_csv_header(out, q->with_contacts != 0);
    do {
        if (tips_queue_page(ctx->db, &filter, &after, list, EXPORT_PAGE, &n, &next) != DB_OK)
            goto out;
        int written = export_page(ctx, q, f, out, list, n);
        for (int i = 0; i < n; i++)
            tip_clear(&list[i]);
        if (written != 0)
            goto out;
        *rows += n;
        after = next;
    } while (next.set);
    rc = fflush(out) == 0 && !ferror(out) ? 0 : -1;
out:
    return rc;
}
