/*
 * desks.c — see desks.h. Rules have defaults from the law and the plans; the table below maps
 * each "tips.*" key to its field so the loader stays a loop.
 */
#include "handlers/desks.h"

#include "bot/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static int desks_read_desk(json_t *o, const char *path, struct desk *out, char *err, size_t n)
{
    const char *platform = json_string_value(json_object_get(o, "platform"));
    json_t *chat = json_object_get(o, "chat_id");
    char chat_buf[64] = "";
    if (json_is_string(chat))
        snprintf(chat_buf, sizeof chat_buf, "%s", json_string_value(chat));
    else if (json_is_integer(chat))
        snprintf(chat_buf, sizeof chat_buf, "%" JSON_INTEGER_FORMAT, json_integer_value(chat));
    if (!json_is_object(o) || !platform || !*platform || !chat_buf[0]) {
        snprintf(err, n, "%s: must be {\"platform\": \"…\", \"chat_id\": \"…\"}", path);
        return -1;
    }
    snprintf(out->platform, sizeof out->platform, "%s", platform);
    snprintf(out->chat_id, sizeof out->chat_id, "%s", chat_buf);
    return 0;
}

static void desks_add_name(struct area *a, const char *name,
                           size_t (*fold)(const char *, size_t, char *, size_t))
{
    if (a->n_names > DESKS_ALIASES_MAX || !name || !*name)
        return;
    fold(name, strlen(name), a->folded_names[a->n_names], sizeof a->folded_names[0]);
    a->n_names++;
}

static int desks_read_area(json_t *o, int i, struct area *a,
                           size_t (*fold)(const char *, size_t, char *, size_t), char *err,
                           size_t n)
{
    char path[64];
    const char *code = json_string_value(json_object_get(o, "code"));
    const char *name = json_string_value(json_object_get(o, "name"));
    if (!code || !*code) {
        snprintf(err, n, "areas[%d].code: required (a short code like TDP5)", i);
        return -1;
    }
    snprintf(a->code, sizeof a->code, "%s", code);
    snprintf(a->name, sizeof a->name, "%s", name ? name : code);
    desks_add_name(a, a->name, fold);
    size_t j;
    json_t *alias;
    json_array_foreach(json_object_get(o, "aliases"), j, alias)
        desks_add_name(a, json_string_value(alias), fold);
    json_t *desk = json_object_get(o, "desk"), *esc = json_object_get(o, "escalation");
    snprintf(path, sizeof path, "areas[%d].desk", i);
    if (desk && desks_read_desk(desk, path, &a->desk, err, n) != 0)
        return -1;
    snprintf(path, sizeof path, "areas[%d].escalation", i);
    if (esc && desks_read_desk(esc, path, &a->escalation, err, n) != 0)
        return -1;
    a->has_desk = desk != NULL;
    a->has_escalation = esc != NULL;
    a->show_sender_names = json_is_true(json_object_get(o, "show_sender_names"));
    return 0;
}

static int desks_read_rules(json_t *tips, struct tips_rules *r, char *err, size_t n)
{
    for (size_t i = 0; i < sizeof desks_rule_keys / sizeof desks_rule_keys[0]; i++) {
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
    json_t *days = json_object_get(tips, "remind_days");
    if (!days) {
        r->remind_days[0] = 15, r->remind_days[1] = 19, r->n_remind_days = 2;
        return 0;
    }
    size_t i;
    json_t *d;
    json_array_foreach(days, i, d)
    {
        if (!json_is_integer(d) || i >= 4) {
            snprintf(err, n, "tips.remind_days: up to 4 whole numbers of days");
            return -1;
        }
        r->remind_days[r->n_remind_days++] = (int)json_integer_value(d);
    }
    return 0;
}

static int desks_read_routing(json_t *routing, struct desks *d, char *err, size_t n)
{
    json_t *def = json_object_get(routing, "default_desk");
    if (def && desks_read_desk(def, "routing.default_desk", &d->default_desk, err, n) != 0)
        return -1;
    d->has_default = def != NULL;
    const char *cat;
    json_t *v;
    json_object_foreach(json_object_get(routing, "category_desks"), cat, v)
    {
        if (strncmp(cat, "//", 2) == 0 || d->n_category_desks >= DESKS_CATEGORY_MAX)
            continue;
        char path[96];
        snprintf(path, sizeof path, "routing.category_desks.%s", cat);
        int k = d->n_category_desks;
        if (desks_read_desk(v, path, &d->category_desks[k].desk, err, n) != 0)
            return -1;
        snprintf(d->category_desks[k].category, sizeof d->category_desks[k].category, "%s", cat);
        d->n_category_desks++;
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
    json_t *areas = cfg_section(cfg, "areas");
    size_t i;
    json_t *a;
    int rc = 0;
    if (areas && !json_is_array(areas)) {
        snprintf(err, errlen, "areas: must be a list");
        rc = -1;
    }
    json_array_foreach(areas, i, a)
    {
        if (rc != 0 || d->n_areas >= DESKS_AREAS_MAX)
            break;
        rc = desks_read_area(a, (int)i, &d->areas[d->n_areas], fold, err, errlen);
        d->n_areas += rc == 0;
    }
    if (rc == 0)
        rc = desks_read_routing(cfg_section(cfg, "routing"), d, err, errlen);
    if (rc == 0)
        rc = desks_read_rules(cfg_section(cfg, "tips"), &d->rules, err, errlen);
    if (rc != 0) {
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
