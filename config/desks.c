/*
 * desks.c — see desks.h. Rules have defaults from the law and the plans; the table below maps
 * each "tips.*" key to its field so the loader stays a loop.
 */
#include "config/desks.h"

#include "base/log.h"
#include "base/platform_caps.h"
#include "text/textengine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { DESKS_ERR_MAX = 512 };

struct desks_rule_key {
    const char *key;
    size_t offset;
    int def, min, max;
};

#define RULE(f, d, lo, hi)                                                                         \
    {                                                                                              \
#f, offsetof(struct tips_rules, f), d, lo, hi                                              \
    }
static const struct desks_rule_key desks_rule_keys[] = {
    RULE(max_per_hour, 5, 1, 1000),          RULE(duplicate_minutes, 10, 0, 1440),
    RULE(max_attachments, 5, 0, 50),         RULE(ack_minutes, 120, 1, 100000),
    RULE(ack_urgent_minutes, 15, 1, 100000), RULE(classify_hours, 24, 1, 10000),
    RULE(resolve_days, 20, 1, 1000),         RULE(draft_nudge_minutes, 60, 1, 100000),
    RULE(draft_expire_hours, 24, 1, 10000),  RULE(lead_retention_days, 180, 1, 10000),
};

/* A string of 1 to size - 1 bytes, or NULL. */
static const char *desks_string(json_t *v, size_t size)
{
    const char *s = json_string_value(v);
    return s && *s && strlen(s) < size ? s : NULL;
}

static int desks_read_desk(json_t *o, const char *path, struct desk *out, char *err, size_t n)
{
    static const char *const keys[] = {"platform", "chat_id", NULL};
    const char *platform = desks_string(json_object_get(o, "platform"), sizeof out->platform);
    json_t *chat = json_object_get(o, "chat_id");
    char chat_buf[sizeof out->chat_id + 1] = "";
    if (json_is_string(chat))
        snprintf(chat_buf, sizeof chat_buf, "%s", json_string_value(chat));
    else if (json_is_integer(chat))
        snprintf(chat_buf, sizeof chat_buf, "%" JSON_INTEGER_FORMAT, json_integer_value(chat));
    if (!json_is_object(o) || !platform || !platform_known(platform) || !chat_buf[0] ||
        strlen(chat_buf) >= sizeof out->chat_id) {
        snprintf(err, n,
                 "%s: must be {\"platform\": \"telegram\"|\"zalo\"|\"webchat\", \"chat_id\": "
                 "\"…\"} (a chat id of at most %zu characters)",
                 path, sizeof out->chat_id - 1);
        return -1;
    }
    if (cfg_known_keys(o, keys, path, err, n) != 0)
        return -1;
    snprintf(out->platform, sizeof out->platform, "%s", platform);
    snprintf(out->chat_id, sizeof out->chat_id, "%.*s", (int)sizeof out->chat_id - 1, chat_buf);
    return 0;
}

static void desks_add_name(struct area *a, const char *name,
                           size_t (*fold)(const char *, size_t, char *, size_t))
{
    if (a->n_names > DESKS_ALIASES_MAX) /* never: desks_read_names bounds the aliases */
        return;
    fold(name, strlen(name), a->folded_names[a->n_names], sizeof a->folded_names[0]);
    a->n_names++;
}

/* A code people type (`tipgate enrol --area`, /dangkynhom, campaign audiences): 1 to size - 1
 * of A-Z a-z 0-9 - _. */
static int desks_code_ok(const char *code, size_t size)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = code ? strlen(code) : 0;
    return n > 0 && n < size && strspn(code, chars) == n;
}

static int desks_read_names(json_t *o, int i, struct area *a,
                            size_t (*fold)(const char *, size_t, char *, size_t), char *err,
                            size_t n)
{
    json_t *name = json_object_get(o, "name"), *aliases = json_object_get(o, "aliases"), *alias;
    size_t j;
    if (name && !desks_string(name, sizeof a->name)) {
        snprintf(err, n, "areas[%d].name: must be a name of at most %zu bytes", i,
                 sizeof a->name - 1);
        return -1;
    }
    snprintf(a->name, sizeof a->name, "%s", name ? json_string_value(name) : a->code);
    desks_add_name(a, a->name, fold);
    if (aliases && (!json_is_array(aliases) || json_array_size(aliases) > DESKS_ALIASES_MAX)) {
        snprintf(err, n, "areas[%d].aliases: must be a list of at most %d names", i,
                 DESKS_ALIASES_MAX);
        return -1;
    }
    json_array_foreach(aliases, j, alias)
    {
        if (!desks_string(alias, sizeof a->folded_names[0])) {
            snprintf(err, n, "areas[%d].aliases[%zu]: must be a name of at most %zu bytes", i, j,
                     sizeof a->folded_names[0] - 1);
            return -1;
        }
        desks_add_name(a, json_string_value(alias), fold);
    }
    return 0;
}

/* An optional count of people or households of areas[i] (0 when absent). */
static int desks_read_count(json_t *o, const char *key, int i, int64_t *out, char *err, size_t n)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > DESKS_COUNT_MAX) {
        snprintf(err, n, "areas[%d].%s: must be a whole number from 0 to %d", i, key,
                 DESKS_COUNT_MAX);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int desks_read_area(json_t *o, int i, struct area *a,
                           size_t (*fold)(const char *, size_t, char *, size_t), char *err,
                           size_t n)
{
    static const char *const keys[] = {"code",       "name",       "aliases",
                                       "desk",       "escalation", "show_sender_names",
                                       "population", "households", NULL};
    char path[64];
    snprintf(path, sizeof path, "areas[%d]", i);
    if (!json_is_object(o)) {
        snprintf(err, n, "%s: must be an object {\"code\", \"name\", …}", path);
        return -1;
    }
    const char *code = json_string_value(json_object_get(o, "code"));
    if (!desks_code_ok(code, sizeof a->code)) {
        snprintf(err, n,
                 "areas[%d].code: required: a short code like TDP5 (A-Z a-z 0-9 - _, at most "
                 "%zu characters)",
                 i, sizeof a->code - 1);
        return -1;
    }
    snprintf(a->code, sizeof a->code, "%s", code);
    json_t *desk = json_object_get(o, "desk"), *esc = json_object_get(o, "escalation");
    json_t *show = json_object_get(o, "show_sender_names");
    if (cfg_known_keys(o, keys, path, err, n) != 0 || desks_read_names(o, i, a, fold, err, n) != 0)
        return -1;
    snprintf(path, sizeof path, "areas[%d].desk", i);
    if (desk && desks_read_desk(desk, path, &a->desk, err, n) != 0)
        return -1;
    snprintf(path, sizeof path, "areas[%d].escalation", i);
    if (esc && desks_read_desk(esc, path, &a->escalation, err, n) != 0)
        return -1;
    if (show && !json_is_boolean(show)) {
        snprintf(err, n, "areas[%d].show_sender_names: must be true or false", i);
        return -1;
    }
    if (desks_read_count(o, "population", i, &a->population, err, n) != 0 ||
        desks_read_count(o, "households", i, &a->households, err, n) != 0)
        return -1;
    a->has_desk = desk != NULL;
    a->has_escalation = esc != NULL;
    a->show_sender_names = json_is_true(show);
    return 0;
}

/* The reminders before the resolution limit: distinct days after receipt, each before the
 * limit, kept in ascending order (sla.c counts on it). */
static int desks_read_remind_days(json_t *days, struct tips_rules *r, char *err, size_t n)
{
    size_t i;
    json_t *d;
    if (!days) {
        r->remind_days[0] = 15, r->remind_days[1] = 19, r->n_remind_days = 2;
        return 0;
    }
    if (!json_is_array(days) || json_array_size(days) > 4)
        goto bad;
    json_array_foreach(days, i, d)
    {
        json_int_t v = json_integer_value(d);
        if (!json_is_integer(d) || v < 1 || v >= r->resolve_days)
            goto bad;
        int k = r->n_remind_days++;
        for (; k > 0 && r->remind_days[k - 1] >= v; k--) {
            if (r->remind_days[k - 1] == v)
                goto bad;
            r->remind_days[k] = r->remind_days[k - 1];
        }
        r->remind_days[k] = (int)v;
    }
    return 0;
bad:
    snprintf(err, n,
             "tips.remind_days: must be a list of up to 4 different whole numbers of days after "
             "receipt, each from 1 to %d (tips.resolve_days - 1), e.g. [15, 19]",
             r->resolve_days - 1);
    return -1;
}

static int desks_read_rules(json_t *tips, struct tips_rules *r, char *err, size_t n)
{
    enum { NKEYS = sizeof desks_rule_keys / sizeof desks_rule_keys[0] };
    const char *keys[NKEYS + 2];
    if (tips && !json_is_object(tips)) {
        snprintf(err, n, "tips: must be an object");
        return -1;
    }
    for (size_t i = 0; i < NKEYS; i++)
        keys[i] = desks_rule_keys[i].key;
    keys[NKEYS] = "remind_days", keys[NKEYS + 1] = NULL;
    if (tips && cfg_known_keys(tips, keys, "tips", err, n) != 0)
        return -1;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct desks_rule_key *k = &desks_rule_keys[i];
        json_t *v = json_object_get(tips, k->key);
        int value = k->def;
        if (v && (!json_is_integer(v) || json_integer_value(v) < k->min ||
                  json_integer_value(v) > k->max)) {
            snprintf(err, n, "tips.%s: must be an integer from %d to %d", k->key, k->min, k->max);
            return -1;
        }
        if (v)
            value = (int)json_integer_value(v);
        *(int *)((char *)r + k->offset) = value;
    }
    return desks_read_remind_days(json_object_get(tips, "remind_days"), r, err, n);
}

static int desks_read_routing(json_t *routing, struct desks *d, char *err, size_t n)
{
    static const char *const keys[] = {"default_desk", "category_desks", NULL};
    if (routing && !json_is_object(routing)) {
        snprintf(err, n, "routing: must be an object");
        return -1;
    }
    if (routing && cfg_known_keys(routing, keys, "routing", err, n) != 0)
        return -1;
    json_t *def = json_object_get(routing, "default_desk");
    json_t *cats = json_object_get(routing, "category_desks");
    if (def && desks_read_desk(def, "routing.default_desk", &d->default_desk, err, n) != 0)
        return -1;
    d->has_default = def != NULL;
    if (cats && !json_is_object(cats)) {
        snprintf(err, n, "routing.category_desks: must be an object {\"fraud\": {…}, …}");
        return -1;
    }
    const char *cat;
    json_t *v;
    json_object_foreach(cats, cat, v)
    {
        if (strncmp(cat, "//", 2) == 0)
            continue;
        char path[96];
        snprintf(path, sizeof path, "routing.category_desks.%s", cat);
        if (textengine_category_index(cat) < 0 || d->n_category_desks >= DESKS_CATEGORY_MAX) {
            snprintf(err, n, "%s: %s", path,
                     d->n_category_desks >= DESKS_CATEGORY_MAX
                         ? "too many category desks"
                         : "not a category of the text engine (theft, fraud, drugs, … as "
                           "`tipgate analyze` prints them)");
            return -1;
        }
        int k = d->n_category_desks;
        if (desks_read_desk(v, path, &d->category_desks[k].desk, err, n) != 0)
            return -1;
        snprintf(d->category_desks[k].category, sizeof d->category_desks[k].category, "%s", cat);
        d->n_category_desks++;
    }
    return 0;
}

static int desks_read_areas(json_t *areas, struct desks *d,
                            size_t (*fold)(const char *, size_t, char *, size_t), char *err,
                            size_t n)
{
    size_t i;
    json_t *a;
    if (areas && (!json_is_array(areas) || json_array_size(areas) > DESKS_AREAS_MAX)) {
        snprintf(err, n, "areas: must be a list of at most %d areas", DESKS_AREAS_MAX);
        return -1;
    }
    json_array_foreach(areas, i, a)
    {
        struct area *area = &d->areas[d->n_areas];
        if (desks_read_area(a, (int)i, area, fold, err, n) != 0)
            return -1;
        /* Codes are matched without regard to case (desks_area): two that differ only in
         * case are the same area, and the second would never be reached. */
        for (int k = 0; k < d->n_areas; k++)
            if (strcasecmp(d->areas[k].code, area->code) == 0) {
                snprintf(err, n, "areas[%zu].code: %s is used twice (areas[%d])", i, area->code, k);
                return -1;
            }
        d->n_areas++;
    }
    return 0;
}

int desks_load(const struct cfg *cfg, size_t (*fold)(const char *, size_t, char *, size_t),
               struct desks **out, char *err, size_t errlen)
{
    *out = NULL;
    struct desks *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    char why[DESKS_ERR_MAX] = "";
    if (desks_read_areas(cfg_section(cfg, "areas"), d, fold, why, sizeof why) != 0 ||
        desks_read_routing(cfg_section(cfg, "routing"), d, why, sizeof why) != 0 ||
        desks_read_rules(cfg_section(cfg, "tips"), &d->rules, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", cfg->file ? cfg->file : "(defaults)",
                 why[0] ? why : "out of memory");
        free(d);
        return -1;
    }
    int desks = d->has_default;
    for (int k = 0; k < d->n_areas; k++)
        desks += d->areas[k].has_desk;
    if (!desks)
        log_info("desks", "no desk chat is configured (areas[].desk or routing.default_desk): "
                          "tips go to the private chats of enrolled officers (tipgate enrol)");
    *out = d;
    return 0;
}

void desks_free(struct desks *d)
{
    free(d);
}

const struct area *desks_area(const struct desks *d, const char *code)
{
    for (int i = 0; code && i < d->n_areas; i++)
        if (strcasecmp(d->areas[i].code, code) == 0)
            return &d->areas[i];
    return NULL;
}

/* A name matches at word boundaries only: "to 5" must not match inside "to 50". */
static int desks_word_match(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = strstr(hay, needle); p && n; p = strstr(p + 1, needle)) {
        int left = p == hay || p[-1] == ' ' || p[-1] == ',' || p[-1] == '.';
        char r = p[n];
        int right = r == '\0' || r == ' ' || r == ',' || r == '.' || r == '!' || r == '?';
        if (left && right)
            return 1;
    }
    return 0;
}

const struct area *desks_area_in_text(const struct desks *d, const char *folded)
{
    const struct area *best = NULL;
    size_t best_len = 0;
    for (int i = 0; folded && i < d->n_areas; i++)
        for (int j = 0; j < d->areas[i].n_names; j++) {
            const char *name = d->areas[i].folded_names[j];
            size_t len = strlen(name);
            if (len > best_len && desks_word_match(folded, name)) {
                best = &d->areas[i];
                best_len = len;
            }
        }
    return best;
}

bool desks_route(const struct desks *d, const char *category, const char *area_code,
                 struct desk *out)
{
    for (int i = 0; category && i < d->n_category_desks; i++)
        if (strcmp(d->category_desks[i].category, category) == 0) {
            *out = d->category_desks[i].desk;
            return true;
        }
    const struct area *a = desks_area(d, area_code);
    if (a && a->has_desk) {
        *out = a->desk;
        return true;
    }
    if (d->has_default) {
        *out = d->default_desk;
        return true;
    }
    return false;
}

bool desks_is_desk(const struct desks *d, const char *platform, const char *chat_id)
{
    struct {
        const struct desk *desk;
        bool set;
    } all[DESKS_AREAS_MAX * 2 + DESKS_CATEGORY_MAX + 1];
    int n = 0;
    all[n].desk = &d->default_desk, all[n++].set = d->has_default;
    for (int i = 0; i < d->n_areas; i++) {
        all[n].desk = &d->areas[i].desk, all[n++].set = d->areas[i].has_desk;
        all[n].desk = &d->areas[i].escalation, all[n++].set = d->areas[i].has_escalation;
    }
    for (int i = 0; i < d->n_category_desks; i++)
        all[n].desk = &d->category_desks[i].desk, all[n++].set = true;
    for (int i = 0; i < n; i++)
        if (all[i].set && strcmp(all[i].desk->platform, platform) == 0 &&
            strcmp(all[i].desk->chat_id, chat_id) == 0)
            return true;
    return false;
}
