/*
 * campaign.c — see campaign.h. Four parts: the configuration and the awareness calendar file,
 * the daily sync of that calendar into scheduled campaigns, delivery (start, then batches),
 * and the commands residents and officers use.
 *
 * A recipient's fate is decided when its batch is enqueued, not when the campaign starts: an
 * opt-out, a blocked bot or a group unbound in between is honoured for the next send. The
 * text is rendered once per batch and audience, not once per recipient.
 */
#include "handlers/campaign.h"

#include "base/log.h"
#include "base/textsplit.h"
#include "calendar/calendar.h"
#include "handlers/choice.h"
#include "config/desks.h"
#include "base/textnorm.h"
#include "storage/db_writes.h"
#include "storage/agencies.h"
#include "storage/convo.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAMPAIGN_DAY_MS 86400000LL
enum {
    CAMPAIGN_ENTRIES_MAX = 64, /* campaigns in the awareness calendar */
    CAMPAIGN_DAYS_MAX = 16,    /* dates of one of them within the sync window */
    CAMPAIGN_AHEAD_DAYS = 400, /* how far ahead the calendar is written */
    CAMPAIGN_STARTS_MAX = 4,   /* campaigns started per tick */
    CAMPAIGN_RUNNING_MAX = 8,  /* campaigns fed per tick */
    CAMPAIGN_TX_MAX = 100,     /* recipients enqueued in one transaction (a batch is several) */
    CAMPAIGN_ALERT_MAX = 2000, /* bytes of an officer's warning */
    CAMPAIGN_ERR_MAX = 512,
    CAMPAIGN_DISABLED_MAX = 512, /* campaigns.disabled, as ",TET,PCCN," */
};

/* ---- configuration ---------------------------------------------------------------------- */

/* The "campaigns" section, read once at start (config/config.h). */
struct campaign_rules {
    bool enabled;       /* the awareness calendar */
    char *file;         /* the awareness calendar's file, found as calendar_find_file finds it */
    int send_minute;    /* local minute of the day the calendar's campaigns go */
    int batch;          /* recipients enqueued per tick */
    int max_delay_days; /* an awareness day later than this after its time is skipped */
    int alert_minutes;  /* how long a /canhbao confirmation waits */
    char disabled[CAMPAIGN_DISABLED_MAX]; /* ",TET,PCCN," */
};

/* disabled: a list of codes, kept as ",TET,PCCN,". */
static int campaign_disabled(json_t *v, void *slot, char *why, size_t whylen)
{
    char *out = slot;
    size_t i, at = 1;
    json_t *c;
    snprintf(out, CAMPAIGN_DISABLED_MAX, ",");
    snprintf(why, whylen, "must be a list of codes");
    if (v && !json_is_array(v))
        return -1;
    json_array_foreach(v, i, c)
    {
        const char *s = json_string_value(c);
        if (!s || !*s || strchr(s, ',') || at + strlen(s) + 2 >= CAMPAIGN_DISABLED_MAX)
            return -1;
        at += (size_t)snprintf(out + at, CAMPAIGN_DISABLED_MAX - at, "%s,", s);
    }
    return 0;
}

#define CP_OFF(field) offsetof(struct campaign_rules, field)
/* The keys of the "campaigns" section (README: Configuration). */
static const struct cfg_spec campaign_spec[] = {
    {"enabled", CFG_BOOL, CP_OFF(enabled), NULL, 1, 0, 0, NULL, NULL},
    {"file", CFG_STR, CP_OFF(file), "campaigns.vi.json", 0, 0, 0, NULL, NULL},
    {"send_time", CFG_TIME, CP_OFF(send_minute), "08:00", 0, 0, 0, NULL, NULL},
    {"batch", CFG_INT, CP_OFF(batch), NULL, 500, 1, 10000, NULL, NULL},
    {"max_delay_days", CFG_INT, CP_OFF(max_delay_days), NULL, 3, 0, 60, NULL, NULL},
    {"alert_minutes", CFG_INT, CP_OFF(alert_minutes), NULL, 15, 1, 1440, NULL, NULL},
    {"disabled", CFG_CUSTOM, CP_OFF(disabled), NULL, 0, 0, 0, NULL, campaign_disabled},
};

const struct cfg_block campaign_settings = {
    .prefix = "campaigns",
    .spec = campaign_spec,
    .n_spec = sizeof campaign_spec / sizeof campaign_spec[0],
    .size = sizeof(struct campaign_rules),
    .strict = true,
};

/* The rules cfg_load read; NULL (with err set) if campaign_settings was not registered. */
static const struct campaign_rules *campaign_rules(const struct cfg *cfg, char *err, size_t errlen)
{
    const struct campaign_rules *r = cfg_settings(cfg, &campaign_settings);
    if (!r)
        snprintf(err, errlen, "campaigns: settings not registered (app_register_settings)");
    return r;
}

/* ---- audiences -------------------------------------------------------------------------- */

/* "TDP5,THONDONG" → ",TDP5,THONDONG," (upper case, checked). */
static int campaign_list(const char *s, char *out, size_t size)
{
    size_t at = 1;
    snprintf(out, size, ",");
    for (const char *p = s; *p; p++) {
        char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == ',') ||
            at + 2 >= size || (c == ',' && out[at - 1] == ','))
            return -1;
        out[at++] = c;
    }
    if (out[at - 1] != ',')
        out[at++] = ',';
    out[at] = '\0';
    return at > 2 ? 0 : -1;
}

int campaign_audience_parse(const char *text, struct campaigns_audience *a, char *norm,
                            size_t normsize, char *err, size_t errlen)
{
    char buf[CAMPAIGNS_AUDIENCE_MAX], *save = NULL;
    size_t at = 0;
    memset(a, 0, sizeof *a);
    norm[0] = '\0';
    snprintf(buf, sizeof buf, "%s", text ? text : "");
    for (char *w = strtok_r(buf, " ;\t", &save); w; w = strtok_r(NULL, " ;\t", &save)) {
        char *colon = strchr(w, ':');
        if (colon)
            *colon++ = '\0';
        bool *flag = strcmp(w, "residents") == 0  ? &a->residents
                     : strcmp(w, "groups") == 0   ? &a->groups
                     : strcmp(w, "agencies") == 0 ? &a->agencies
                     : strcmp(w, "schools") == 0  ? &a->schools
                                                  : NULL;
        char *list = flag == &a->residents  ? a->resident_areas
                     : flag == &a->groups   ? a->group_areas
                     : flag == &a->agencies ? a->agency_codes
                                            : NULL;
        if (!flag || *flag ||
            (colon && (!list || campaign_list(colon, list, CAMPAIGNS_LIST_MAX)))) {
            snprintf(err, errlen,
                     "audience \"%s\": use residents[:AREA,…], groups[:AREA,…], "
                     "agencies[:CODE,…], schools, separated by spaces",
                     text ? text : "");
            return -1;
        }
        *flag = true;
        at += (size_t)snprintf(norm + at, at < normsize ? normsize - at : 0, "%s%s%s%s",
                               at ? " " : "", w, colon ? ":" : "", colon ? colon : "");
    }
    if (!a->residents && !a->groups && !a->agencies && !a->schools) {
        snprintf(err, errlen, "audience: empty (e.g. \"residents groups\")");
        return -1;
    }
    return at < normsize ? 0 : -1;
}

/* ---- the awareness calendar ------------------------------------------------------------- */

struct campaign_entry {
    char code[CALENDAR_CODE_MAX];
    char title[CAMPAIGNS_TITLE_MAX];
    struct calendar_rule rule;
    char audience[CAMPAIGNS_AUDIENCE_MAX];
    char *text; /* owned */
};

static void campaign_entries_free(struct campaign_entry *e, int n)
{
    for (int i = 0; e && i < n; i++)
        free(e[i].text);
    free(e);
}

/* A string, or an array of lines joined with "\n". */
static char *campaign_lines(json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    size_t i, len = 0;
    json_t *line;
    json_array_foreach(v, i, line)
    {
        if (!json_is_string(line))
            return NULL;
        len += json_string_length(line) + 1;
    }
    char *out = json_is_array(v) && len ? malloc(len) : NULL;
    size_t at = 0;
    json_array_foreach(v, i, line)
    {
        if (!out)
            break;
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? "\n" : "", json_string_value(line));
    }
    return out;
}

static int campaign_entry_read(json_t *o, struct campaign_entry *e, const char **what, char *why,
                               size_t whylen)
{
    struct campaigns_audience a;
    const char *s;
    *what = "code";
    s = json_string_value(json_object_get(o, "code"));
    if (!s || !*s || strlen(s) >= sizeof e->code ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(s))
        return -1;
    snprintf(e->code, sizeof e->code, "%s", s);
    *what = "title";
    s = json_string_value(json_object_get(o, "title"));
    if (!s || !*s || strlen(s) >= sizeof e->title)
        return -1;
    snprintf(e->title, sizeof e->title, "%s", s);
    *what = "rule";
    s = json_string_value(json_object_get(o, "rule"));
    if (calendar_rule_parse(s, &e->rule, why, whylen) != 0 || e->rule.kind == CALENDAR_RELATIVE)
        return -1;
    *what = "audience";
    s = json_string_value(json_object_get(o, "audience"));
    if (campaign_audience_parse(s ? s : "residents groups", &a, e->audience, sizeof e->audience,
                                why, whylen) != 0)
        return -1;
    *what = "text";
    e->text = campaign_lines(json_object_get(o, "text"));
    return e->text && *e->text && strlen(e->text) < CAMPAIGNS_TEXT_MAX ? 0 : -1;
}

/* The awareness calendar file, found as the configuration finds its files. */
static void campaign_file_path(const struct cfg *cfg, const struct campaign_rules *r, char *out,
                               size_t size)
{
    calendar_find_file(cfg, r->file, out, size);
}

static int campaign_file_load(const char *path, struct campaign_entry **out, int *n, char *err,
                              size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *o;
    json_t *list = json_object_get(root, "campaigns");
    struct campaign_entry *e = calloc(CAMPAIGN_ENTRIES_MAX, sizeof *e);
    size_t i;
    *out = NULL;
    *n = 0;
    if (!root || !e || !json_is_array(list) || json_array_size(list) > CAMPAIGN_ENTRIES_MAX) {
        snprintf(err, errlen, "%s: %s", path,
                 !root ? jerr.text : "needs \"campaigns\": a list of at most 64");
        goto fail;
    }
    json_array_foreach(list, i, o)
    {
        const char *what = "";
        char why[CAMPAIGN_ERR_MAX] = "";
        if (campaign_entry_read(o, &e[*n], &what, why, sizeof why) != 0) {
            (*n)++;
            snprintf(err, errlen, "%s: campaigns[%zu].%s: %s", path, i, what,
                     why[0] ? why : "missing or invalid");
            goto fail;
        }
        (*n)++;
    }
    json_decref(root);
    *out = e;
    return 0;
fail:
    json_decref(root);
    campaign_entries_free(e, *n);
    *n = 0;
    return -1;
}

/* Every code of campaigns.disabled names a day of the calendar: a misspelt one ("TETT")
 * would leave the day it meant switched on. */
static int campaign_check_disabled(const struct campaign_rules *r, const struct campaign_entry *e,
                                   int n, const char *path, char *err, size_t errlen)
{
    const char *p = r->disabled + 1; /* ",TET,PCCN," */
    for (size_t len; (len = strcspn(p, ",")) > 0; p += len + 1) {
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            found = strlen(e[i].code) == len && strncmp(e[i].code, p, len) == 0;
        if (!found) {
            snprintf(err, errlen, "campaigns.disabled: %.*s is not a code of %s", (int)len, p,
                     path);
            return -1;
        }
    }
    return 0;
}

int campaign_check_config(const struct cfg *cfg, char *err, size_t errlen)
{
    const struct campaign_rules *r = campaign_rules(cfg, err, errlen);
    struct campaign_entry *e = NULL;
    char path[1024];
    int n = 0;
    if (!r)
        return -1;
    campaign_file_path(cfg, r, path, sizeof path);
    if (campaign_file_load(path, &e, &n, err, errlen) != 0)
        return -1;
    int rc = campaign_check_disabled(r, e, n, path, err, errlen);
    campaign_entries_free(e, n);
    return rc;
}

/* ---- sync ------------------------------------------------------------------------------- */

static int campaign_sync_entry(struct db *db, const struct campaign_rules *r,
                               const struct campaign_entry *e, int64_t today, int64_t now_ms)
{
    int64_t days[CAMPAIGN_DAYS_MAX];
    int years[CAMPAIGN_DAYS_MAX];
    size_t n = 0;
    char marker[CALENDAR_CODE_MAX + 2];
    snprintf(marker, sizeof marker, ",%s,", e->code);
    int off = !r->enabled || strstr(r->disabled, marker) != NULL;
    calendar_rule_days(&e->rule, today, today + CAMPAIGN_AHEAD_DAYS, days, years, NULL, NULL,
                       CAMPAIGN_DAYS_MAX, &n);
    for (size_t i = 0; i < n; i++) {
        struct campaign c = {.kind = "awareness", .priority = OUTBOX_BULK, .text = e->text};
        snprintf(c.code, sizeof c.code, "%s-%04d", e->code, years[i]);
        snprintf(c.title, sizeof c.title, "%s", e->title);
        snprintf(c.audience, sizeof c.audience, "%s", e->audience);
        c.send_at = calendar_at(days[i], r->send_minute);
        struct campaign old;
        int rc = off ? campaigns_get(db, c.code, &old) : campaigns_upsert_scheduled(db, &c, now_ms);
        if (off && rc == DB_OK && strcmp(old.status, "scheduled") == 0)
            rc = campaigns_cancel(db, old.id, now_ms);
        if (off)
            campaign_clear(&old);
        if (rc == DB_ERROR)
            return -1;
    }
    return 0;
}

int campaign_sync(struct db *db, const struct cfg *cfg, int64_t now_ms, char *err, size_t errlen)
{
    const struct campaign_rules *r = campaign_rules(cfg, err, errlen);
    struct campaign_entry *e = NULL;
    char path[1024];
    int n = 0, rc = 0;
    if (!r)
        return -1;
    campaign_file_path(cfg, r, path, sizeof path);
    if (campaign_file_load(path, &e, &n, err, errlen) != 0)
        return -1;
    int64_t today = calendar_today(now_ms);
    for (int i = 0; i < n && rc == 0; i++)
        rc = campaign_sync_entry(db, r, &e[i], today, now_ms);
    if (rc != 0)
        snprintf(err, errlen, "cannot store the awareness campaigns");
    campaign_entries_free(e, n);
    return rc;
}

static int campaign_sync_run(struct db *db, void *arg, char *err, size_t errlen)
{
    const struct hctx *ctx = arg;
    return campaign_sync(db, ctx->cfg, ctx->now_ms, err, errlen);
}

/* Once per local day and per start, like the deadline calendars (deadlines.c). */
static void campaign_ensure_synced(struct hctx *ctx)
{
    char token[CALENDAR_TOKEN_MAX];
    char err[CAMPAIGN_ERR_MAX];
    calendar_daily_token(ctx->cfg, calendar_today(ctx->now_ms), token, sizeof token);
    if (agencies_sync_daily(ctx->db, "campaign", token, campaign_sync_run, ctx, err, sizeof err) ==
            DB_ERROR &&
        !db_writes_refusing()) /* a full disk is logged once, by storage/db_writes.c */
        log_error("campaign", "awareness calendar not refreshed: %s", err);
}

/* ---- delivery --------------------------------------------------------------------------- */

char *campaign_message(const struct texts *t, const struct campaign *c, const char *audience)
{
    const char *footer = strcmp(audience, "resident") == 0 ? texts_get(t, "campaign_footer") : "";
    size_t len = strlen(c->text) + strlen(footer) + 3;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%s%s%s", c->text, *footer ? "\n\n" : "", footer);
    return out;
}

struct campaign_emit {
    struct hctx *ctx;
    struct outbox_new m;
    char prefix[160], key[176];
    int part;
    int64_t first_id;
};

/* One part of the text, with its own dedupe key. */
static int campaign_emit_part(const char *part, size_t len, void *ud)
{
    struct campaign_emit *e = ud;
    char *copy = strndup(part, len);
    int64_t id = 0;
    if (!copy)
        return -1;
    snprintf(e->key, sizeof e->key, "%s%d", e->prefix, ++e->part);
    struct outbox_new m = e->m;
    m.text = copy;
    m.dedupe_key = e->key;
    int rc = outbox_enqueue(e->ctx->db, &m, e->ctx->now_ms, &id);
    free(copy);
    if (rc == DB_OK && !e->first_id)
        e->first_id = id;
    return rc == DB_ERROR ? -1 : 0;
}

static int campaign_enqueue(struct hctx *ctx, const struct campaign *c,
                            const struct campaigns_recipient *r, const char *text,
                            int64_t *outbox_id)
{
    struct platform_caps caps = platform_caps_now(r->platform);
    struct campaign_emit e = {
        .ctx = ctx,
        .m = {.platform = r->platform,
              .chat_id = r->chat_id,
              .priority = (enum outbox_priority)c->priority,
              .ref_kind = OUTBOX_REF_CAMPAIGN,
              .ref_id = c->id},
    };
    snprintf(e.prefix, sizeof e.prefix, "campaign:%lld:%s:%s:", (long long)c->id, r->platform,
             r->chat_id);
    if (textsplit(text, caps.max_text_chars, campaign_emit_part, &e) != 0)
        return -1;
    if (platform_index(r->platform) >= 0)
        ctx->touched |= 1u << platform_index(r->platform);
    *outbox_id = e.first_id;
    return 0;
}

/* What happens to one pending recipient now. */
static const char *campaign_fate(const struct campaigns_recipient *r)
{
    if (strcmp(r->sub_status, "stopped") == 0 ||
        (strcmp(r->audience, "resident") == 0 && strcmp(r->sub_status, "subscribed") != 0))
        return "opted_out";
    return r->reachable ? "queued" : "unreachable";
}

static int campaign_send_batch(struct hctx *ctx, const struct campaign *c,
                               struct campaigns_recipient *list, int n)
{
    char *resident = campaign_message(ctx->texts, c, "resident");
    char *other = campaign_message(ctx->texts, c, "group");
    int rc = resident && other ? 0 : -1;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *fate = campaign_fate(&list[i]);
        int64_t outbox_id = 0;
        if (strcmp(fate, "queued") == 0)
            rc = campaign_enqueue(ctx, c, &list[i],
                                  strcmp(list[i].audience, "resident") == 0 ? resident : other,
                                  &outbox_id);
        if (rc == 0 && campaigns_recipient_set(ctx->db, c->id, list[i].platform, list[i].chat_id,
                                               fate, outbox_id, ctx->now_ms) != DB_OK)
            rc = -1;
    }
    free(resident);
    free(other);
    return rc;
}

/* Feeds one running campaign up to *budget recipients; finishes it when none is left. */
static int campaign_feed(struct hctx *ctx, int64_t id, int *budget)
{
    struct campaign c;
    int n = 0, rc = -1;
    struct campaigns_recipient *list = malloc((size_t)*budget * sizeof *list);
    if (!list || campaigns_get_id(ctx->db, id, &c) != DB_OK) {
        free(list);
        return -1;
    }
    if (campaigns_pending(ctx->db, id, list, *budget, &n) == DB_OK &&
        campaign_send_batch(ctx, &c, list, n) == 0)
        rc = 0;
    *budget -= n;
    if (rc == 0 && *budget > 0) { /* fewer than asked: that was the last of them */
        rc = campaigns_finish(ctx->db, id, ctx->now_ms) == DB_ERROR ? -1 : 0;
        log_info("campaign", "%s: every recipient enqueued", c.code);
    }
    campaign_clear(&c);
    free(list);
    return rc;
}

static int campaign_start_one(struct hctx *ctx, const struct campaign_rules *r, int64_t id)
{
    struct campaign c;
    struct campaigns_audience a;
    char norm[CAMPAIGNS_AUDIENCE_MAX], err[CAMPAIGN_ERR_MAX];
    int64_t targeted = 0;
    int rc = campaigns_get_id(ctx->db, id, &c) == DB_OK ? 0 : -1;
    if (rc == 0 && strcmp(c.kind, "awareness") == 0 &&
        ctx->now_ms > c.send_at + r->max_delay_days * CAMPAIGN_DAY_MS) {
        log_warn("campaign", "%s: its day is past (service down?); skipped", c.code);
        rc = campaigns_miss(ctx->db, id, ctx->now_ms) == DB_ERROR ? -1 : 0;
    } else if (rc == 0 &&
               campaign_audience_parse(c.audience, &a, norm, sizeof norm, err, sizeof err) != 0) {
        log_error("campaign", "%s: %s; cancelled", c.code, err);
        rc = campaigns_cancel(ctx->db, id, ctx->now_ms) == DB_ERROR ? -1 : 0;
    } else if (rc == 0) {
        rc = campaigns_start(ctx->db, id, &a, ctx->now_ms, &targeted) == DB_ERROR ? -1 : 0;
        log_info("campaign", "%s started: %lld recipients", c.code, (long long)targeted);
    }
    campaign_clear(&c);
    return rc;
}

static int campaign_sync_write(struct hctx *ctx, void *arg)
{
    (void)arg;
    campaign_ensure_synced(ctx); /* a failed sync is logged, and its token kept all the same */
    return 0;
}

static int campaign_start_write(struct hctx *ctx, void *arg)
{
    const struct campaign_rules *r = arg;
    int64_t ids[CAMPAIGN_STARTS_MAX];
    int n = 0, rc = 0;
    if (campaigns_due(ctx->db, ctx->now_ms, ids, CAMPAIGN_STARTS_MAX, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n && rc == 0; i++)
        rc = campaign_start_one(ctx, r, ids[i]);
    return rc;
}

/* Feeds the running campaigns up to *budget recipients (what is left of it on return). */
static int campaign_feed_write(struct hctx *ctx, void *arg)
{
    int *budget = arg;
    int64_t ids[CAMPAIGN_RUNNING_MAX];
    int n = 0, rc = 0;
    if (campaigns_running(ctx->db, ids, CAMPAIGN_RUNNING_MAX, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n && rc == 0 && *budget > 0; i++)
        rc = campaign_feed(ctx, ids[i], budget);
    return rc;
}

/* Called outside any transaction (bot/scheduler.h): each kind of work is looked for first by
 * reading (sync_marks, the index campaigns_status), and done in transactions of its own; a
 * tick's batch of recipients goes in transactions of CAMPAIGN_TX_MAX, so intake never waits
 * behind a whole batch. */
int campaign_tick(struct hctx *ctx)
{
    char err[CAMPAIGN_ERR_MAX], token[CALENDAR_TOKEN_MAX];
    int64_t ids[1];
    int n = 0, rc = 0;
    /* Read once at start (config/config.h): a tick parses nothing. */
    const struct campaign_rules *r = campaign_rules(ctx->cfg, err, sizeof err);
    if (!r)
        return 0; /* no settings registered (a test's bare cfg): nothing sensible to do */
    calendar_daily_token(ctx->cfg, calendar_today(ctx->now_ms), token, sizeof token);
    int sync = agencies_sync_pending(ctx->db, "campaign", token);
    if (sync < 0 || (sync > 0 && hctx_in_write(ctx, campaign_sync_write, NULL) != 0))
        return -1;
    if (campaigns_due(ctx->db, ctx->now_ms, ids, 1, &n) != DB_OK ||
        (n > 0 && hctx_in_write(ctx, campaign_start_write, (void *)r) != 0))
        return -1;
    for (int budget = r->batch; budget > 0 && rc == 0;) {
        if (campaigns_running(ctx->db, ids, 1, &n) != DB_OK)
            return -1;
        if (n == 0)
            break;
        int chunk = budget < CAMPAIGN_TX_MAX ? budget : CAMPAIGN_TX_MAX, left = chunk;
        rc = hctx_in_write(ctx, campaign_feed_write, &left);
        budget -= chunk - left;
        if (left == chunk)
            break; /* nothing was fed (every running campaign was finished) */
    }
    return rc;
}

/* ---- residents' commands ---------------------------------------------------------------- */

/* The area a resident names: a code ("TDP5") or a name or alias ("tổ 5"). */
static const struct area *campaign_area(const struct hctx *ctx, const char *typed)
{
    char folded[256];
    const struct area *a = desks_area(ctx->desks, typed);
    if (a)
        return a;
    textnorm_fold(typed, strlen(typed), folded, sizeof folded);
    return desks_area_in_text(ctx->desks, folded);
}

static int campaign_areas_hint(struct hctx *ctx, const char *typed)
{
    char list[2048] = "";
    size_t at = 0;
    for (int i = 0; i < ctx->desks->n_areas && at + 160 < sizeof list; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "\n• %s — %s",
                               ctx->desks->areas[i].code, ctx->desks->areas[i].name);
    struct texts_var vars[] = {{"area", typed}, {"areas", list}};
    return hctx_reply(ctx, "sub_unknown_area", vars, 2);
}

int campaign_subscribe(struct hctx *ctx)
{
    const struct area *a = NULL;
    if (!ctx->person)
        return 0;
    if (*ctx->args && !(a = campaign_area(ctx, ctx->args)))
        return campaign_areas_hint(ctx, ctx->args);
    if (campaigns_subscribe(ctx->db, ctx->msg->platform, ctx->msg->chat_id, ctx->person->id,
                            a ? a->code : NULL, ctx->now_ms) != DB_OK)
        return -1;
    struct texts_var vars[] = {{"area", a ? a->name : ""}};
    return hctx_reply(ctx, a ? "sub_done_area" : "sub_done", vars, 1);
}

/* In a group, only its leader or an officer may turn broadcasts off or on for everyone. */
static int campaign_may_switch(struct hctx *ctx)
{
    if (!ctx->msg->is_group)
        return ctx->person != NULL;
    const char *role = ctx->person ? ctx->person->role : NULL;
    return role && (strcmp(role, "leader") == 0 || people_is_officer(role));
}

int campaign_stop(struct hctx *ctx)
{
    int64_t dropped = 0;
    if (!campaign_may_switch(ctx))
        return 0;
    if (campaigns_stop(ctx->db, ctx->msg->platform, ctx->msg->chat_id,
                       ctx->msg->is_group ? 0 : ctx->person->id, ctx->now_ms, &dropped) != DB_OK)
        return -1;
    return hctx_reply(ctx, ctx->msg->is_group ? "stop_done_group" : "stop_done", NULL, 0);
}

int campaign_resume(struct hctx *ctx)
{
    if (!campaign_may_switch(ctx))
        return 0;
    if (campaigns_subscribe(ctx->db, ctx->msg->platform, ctx->msg->chat_id,
                            ctx->msg->is_group ? 0 : ctx->person->id, NULL, ctx->now_ms) != DB_OK)
        return -1;
    return hctx_reply(ctx, ctx->msg->is_group ? "resume_done_group" : "resume_done", NULL, 0);
}

/* Plain "dừng", "huỷ đăng ký" … (with diacritics as written, or typed without any). */
static int campaign_is_stop_word(const char *text)
{
    static const char *const marked[] = {"dừng",          "dừng lại",      "huỷ đăng ký",
                                         "hủy đăng ký",   "huỷ đăng kí",   "hủy đăng kí",
                                         "tắt thông báo", "ngừng nhận tin"};
    static const char *const plain[] = {"dung",        "dung lai",      "huy dang ky",
                                        "huy dang ki", "tat thong bao", "ngung nhan tin",
                                        "stop"};
    char lower[64];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof lower / 2)
        return 0;
    n = textnorm_lower(text, n, lower, sizeof lower);
    while (n > 0 && strchr(" .!\t\r\n", lower[n - 1]))
        lower[--n] = '\0';
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        ascii &= (unsigned char)lower[i] < 0x80;
    const char *const *words = ascii ? plain : marked;
    size_t count = ascii ? sizeof plain / sizeof *plain : sizeof marked / sizeof *marked;
    for (size_t i = 0; i < count; i++)
        if (strcmp(lower, words[i]) == 0)
            return 1;
    return 0;
}

/* ---- officers' alerts ------------------------------------------------------------------- */

static int campaign_officer(struct hctx *ctx)
{
    if (ctx->person && people_is_officer(ctx->person->role))
        return 1;
    hctx_reply(ctx, "alert_only_police", NULL, 0);
    return 0;
}

static void campaign_alert_audience(const char *area, struct campaigns_audience *a, char *norm,
                                    size_t size)
{
    char text[256], err[CAMPAIGN_ERR_MAX];
    snprintf(text, sizeof text, "residents:%s groups:%s", area, area);
    if (campaign_audience_parse(text, a, norm, size, err, sizeof err) != 0)
        memset(a, 0, sizeof *a); /* an area code that is not a list word: nobody */
}

static int campaign_alert_ask(struct hctx *ctx, const struct area *area)
{
    struct campaigns_audience a;
    struct campaigns_counts res, grp, agn;
    char norm[CAMPAIGNS_AUDIENCE_MAX], residents[24], groups[24];
    campaign_alert_audience(area->code, &a, norm, sizeof norm);
    if (campaigns_count(ctx->db, &a, &res, &grp, &agn) != DB_OK)
        return -1;
    snprintf(residents, sizeof residents, "%lld",
             (long long)(res.targeted - res.opted_out - res.unreachable));
    snprintf(groups, sizeof groups, "%lld", (long long)(grp.targeted - grp.opted_out));
    struct texts_var vars[] = {
        {"area", area->name}, {"residents", residents}, {"groups", groups}, {"text", ctx->args}};
    char *question = texts_render(ctx->texts, "alert_confirm", vars, 4);
    struct choice choices[] = {{"alert:send", texts_get(ctx->texts, "choice_send"), "gui"},
                               {"alert:cancel", texts_get(ctx->texts, "choice_cancel"), "huy"}};
    int rc = question ? choice_ask(ctx, question, choices, 2, 2) : -1;
    free(question);
    return rc;
}

int campaign_alert(struct hctx *ctx)
{
    if (!campaign_officer(ctx))
        return 0;
    const struct area *area = desks_area(ctx->desks, ctx->person->area);
    if (!*ctx->args)
        return hctx_reply(ctx, "alert_usage", NULL, 0);
    if (!area)
        return hctx_reply(ctx, "alert_no_area", NULL, 0);
    if (strlen(ctx->args) > CAMPAIGN_ALERT_MAX)
        return hctx_reply(ctx, "alert_too_long", NULL, 0);
    if (campaigns_draft_put(ctx->db, ctx->msg->platform, ctx->msg->chat_id, ctx->person->id,
                            area->code, ctx->args, ctx->now_ms) != DB_OK)
        return -1;
    return campaign_alert_ask(ctx, area);
}

/* The confirmed alert becomes a campaign that starts at the next tick. */
static int campaign_alert_create(struct hctx *ctx, const struct campaigns_draft *d)
{
    const struct area *area = desks_area(ctx->desks, d->area);
    struct campaigns_audience a;
    struct campaign c = {.kind = "alert", .priority = OUTBOX_NOTICE, .send_at = ctx->now_ms};
    struct texts_var vars[] = {{"area", area ? area->name : d->area}, {"text", d->text}};
    int64_t id = 0;
    campaign_alert_audience(d->area, &a, c.audience, sizeof c.audience);
    c.text = texts_render(ctx->texts, "alert_message", vars, 2);
    snprintf(c.title, sizeof c.title, "%.120s", d->text);
    int rc = c.text ? DB_DUPLICATE : DB_ERROR;
    for (int k = 1; rc == DB_DUPLICATE && k < 100; k++) {
        snprintf(c.code, sizeof c.code, "CB%lld-%d", (long long)(ctx->now_ms / 1000), k);
        rc = campaigns_create(ctx->db, &c, ctx->person->id, ctx->now_ms, &id);
    }
    if (rc == DB_OK)
        rc = tips_audit(ctx->db, ctx->person->id, "alert", 0, c.code, ctx->now_ms);
    free(c.text);
    if (rc != DB_OK)
        return -1;
    struct texts_var done[] = {{"code", c.code}, {"area", area ? area->name : d->area}};
    return hctx_reply(ctx, "alert_sent", done, 2);
}

/* An answer to the confirmation: 1 handled, 0 not an answer (the draft lapses), -1 error. */
static int campaign_alert_answer(struct hctx *ctx)
{
    struct campaigns_draft d;
    char err[CAMPAIGN_ERR_MAX];
    int rc = campaigns_draft_get(ctx->db, ctx->msg->platform, ctx->msg->chat_id, &d);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? 0 : -1;
    struct choice choices[] = {{"alert:send", texts_get(ctx->texts, "choice_send"), "gui"},
                               {"alert:cancel", texts_get(ctx->texts, "choice_cancel"), "huy"}};
    int pick = choice_pick(ctx, choices, 2);
    const struct campaign_rules *r = campaign_rules(ctx->cfg, err, sizeof err);
    int fresh = r && ctx->now_ms - d.created_at <= r->alert_minutes * 60000LL;
    int mine = ctx->person && ctx->person->id == d.person_id;
    if (!mine) { /* another member of the chat: the officer's question stays open */
        free(d.text);
        return pick >= 0 ? 1 : 0;
    }
    rc = campaigns_draft_delete(ctx->db, ctx->msg->platform, ctx->msg->chat_id) == DB_OK ? 0 : -1;
    if (rc == 0 && pick == 0 && fresh)
        rc = campaign_alert_create(ctx, &d);
    else if (rc == 0 && pick >= 0)
        rc = hctx_reply(ctx, pick == 0 ? "alert_expired" : "alert_cancelled", NULL, 0);
    free(d.text);
    return rc < 0 ? -1 : pick >= 0; /* anything else: the question lapses, the text goes on */
}

int campaign_text(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    int rc = campaign_alert_answer(ctx);
    if (rc != 0 || m->is_group || m->kind != MSG_TEXT || !m->text ||
        !campaign_is_stop_word(m->text))
        return rc;
    /* "dừng" during a guided report belongs to the report, not to the subscription. */
    struct convo c;
    int busy = convo_get(ctx->db, m->platform, m->chat_id, &c);
    convo_clear(&c);
    if (busy != DB_NOT_FOUND)
        return busy == DB_OK ? 0 : -1;
    return campaign_stop(ctx) == 0 ? 1 : -1;
}

static const struct router_command campaign_rows[] = {
    {{"/dangkytin", "/subscribe", NULL}, campaign_subscribe, 0},
    {{"/tatthongbao", "/stop", NULL}, campaign_stop, 1},
    {{"/batthongbao", "/start_alerts", NULL}, campaign_resume, 1},
    {{"/canhbao", "/alert", NULL}, campaign_alert, 1},
};

const struct router_table campaign_commands = ROUTER_TABLE(campaign_rows);
