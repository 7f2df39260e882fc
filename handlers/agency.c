/*
 * agency.c — see agency.h. The configuration is checked whole before anything is written, so
 * a typo in one agency never leaves half a list in the database.
 */
#include "handlers/agency.h"

#include "base/platform_caps.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agency_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n >= AGENCIES_CODE_MAX)
        return 0;
    for (const char *p = code; *p; p++)
        if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '_')
            return 0;
    return 1;
}

int agency_kind_ok(const char *kind)
{
    size_t n = kind ? strlen(kind) : 0;
    if (n == 0 || n >= AGENCIES_KIND_MAX)
        return 0;
    for (const char *p = kind; *p; p++)
        if (!islower((unsigned char)*p) && *p != '_')
            return 0;
    return 1;
}

static int agency_chat_ok(const char *platform, const char *chat_id, struct agency_chat *out)
{
    if (!platform || !chat_id || !platform_known(platform) || !*chat_id ||
        strlen(chat_id) >= sizeof out->chat_id || strpbrk(chat_id, " \t\r\n"))
        return 0;
    snprintf(out->platform, sizeof out->platform, "%s", platform);
    snprintf(out->chat_id, sizeof out->chat_id, "%s", chat_id);
    return 1;
}

int agency_parse_chat(const char *text, struct agency_chat *out)
{
    char platform[16];
    const char *colon = text ? strchr(text, ':') : NULL;
    if (!colon || (size_t)(colon - text) >= sizeof platform)
        return -1;
    snprintf(platform, sizeof platform, "%.*s", (int)(colon - text), text);
    return agency_chat_ok(platform, colon + 1, out) ? 0 : -1;
}

/* Reads agencies[i] into *out; *what names the bad key. */
static int agency_read_one(json_t *a, struct agency_conf *out, const char **what)
{
    const char *code = json_string_value(json_object_get(a, "code"));
    const char *name = json_string_value(json_object_get(a, "name"));
    json_t *kind = json_object_get(a, "kind"), *chats = json_object_get(a, "chats"), *c;
    size_t i;
    *what = "code";
    if (!agency_code_ok(code))
        return -1;
    *what = "name";
    if (!name || !*name || strlen(name) >= AGENCIES_NAME_MAX)
        return -1;
    *what = "kind";
    if (kind && !agency_kind_ok(json_string_value(kind)))
        return -1;
    *what = "chats";
    if (chats && (!json_is_array(chats) || json_array_size(chats) > AGENCIES_CHATS_MAX))
        return -1;
    snprintf(out->code, sizeof out->code, "%s", code);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->kind, sizeof out->kind, "%s", kind ? json_string_value(kind) : "");
    json_array_foreach(chats, i, c)
    {
        if (!agency_chat_ok(json_string_value(json_object_get(c, "platform")),
                            json_string_value(json_object_get(c, "chat_id")),
                            &out->chats[out->n_chats++]))
            return -1;
    }
    return 0;
}

/* A misspelt key ("chat" for "chats") would leave the agency silently unreminded. The paths
 * start at the element ("[0].chat"): the settings table puts "agencies" before them. */
static int agency_check_keys(json_t *a, size_t i, char *why, size_t whylen)
{
    static const char *const keys[] = {"code", "name", "kind", "chats", NULL};
    static const char *const chat_keys[] = {"platform", "chat_id", NULL};
    char path[64];
    size_t j;
    json_t *c;
    snprintf(path, sizeof path, "[%zu]", i);
    if (json_is_object(a) && cfg_known_keys(a, keys, path, why, whylen) != 0)
        return -1;
    json_array_foreach(json_object_get(a, "chats"), j, c)
    {
        snprintf(path, sizeof path, "[%zu].chats[%zu]", i, j);
        if (json_is_object(c) && cfg_known_keys(c, chat_keys, path, why, whylen) != 0)
            return -1;
    }
    return 0;
}

/* Reads and checks element i of the list into list[i]; why names the key. */
static int agency_read_at(json_t *a, size_t i, struct agency_conf *list, char *why, size_t whylen)
{
    const char *what = "";
    if (agency_check_keys(a, i, why, whylen) != 0)
        return -1;
    if (!json_is_object(a) || agency_read_one(a, &list[i], &what) != 0) {
        snprintf(why, whylen,
                 "[%zu].%s: needs code (A-Z 0-9 - _), name, optional kind (a-z _) "
                 "and chats [{\"platform\": \"telegram\"|\"zalo\"|\"webchat\", \"chat_id\"}]",
                 i, what);
        return -1;
    }
    for (size_t j = 0; j < i; j++)
        if (strcmp(list[i].code, list[j].code) == 0) {
            snprintf(why, whylen, "[%zu].code: %s is used twice", i, list[i].code);
            return -1;
        }
    return 0;
}

/* CFG_CUSTOM parser of the "agencies" list (absent: none). */
static int agency_parse_list(json_t *v, void *slot, char *why, size_t whylen)
{
    struct agency_settings *s = slot;
    json_t *a;
    size_t i;
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > AGENCY_CONFIG_MAX) {
        snprintf(why, whylen, "must be a list of at most %d agencies", AGENCY_CONFIG_MAX);
        return -1;
    }
    if (json_array_size(v) == 0)
        return 0;
    s->list = calloc(json_array_size(v), sizeof *s->list);
    if (!s->list) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    json_array_foreach(v, i, a)
    {
        if (agency_read_at(a, i, s->list, why, whylen) != 0)
            return -1;
        s->n = (int)i + 1;
    }
    return 0;
}

static void agency_release_list(void *settings)
{
    struct agency_settings *s = settings;
    free(s->list);
    s->list = NULL;
    s->n = 0;
}

static const struct cfg_spec agency_spec[] = {
    {"", CFG_CUSTOM, 0, NULL, 0, 0, 0, NULL, agency_parse_list},
};

const struct cfg_block agency_settings = {
    .prefix = "agencies",
    .spec = agency_spec,
    .n_spec = sizeof agency_spec / sizeof agency_spec[0],
    .size = sizeof(struct agency_settings),
    .release = agency_release_list,
};

int agency_config_check(const struct cfg *cfg, char *err, size_t errlen)
{
    if (cfg_settings(cfg, &agency_settings))
        return 0;
    snprintf(err, errlen, "agencies: the settings block was not registered before loading");
    return -1;
}

static int agency_sync_one(struct db *db, const struct agency_conf *a, int64_t today,
                           int64_t now_ms)
{
    if (agencies_upsert(db, a->code, a->name, a->kind[0] ? a->kind : NULL, "config", today,
                        now_ms) != DB_OK)
        return -1;
    for (int i = 0; i < a->n_chats; i++)
        if (agencies_chat_add(db, a->code, a->chats[i].platform, a->chats[i].chat_id, "config",
                              now_ms) != DB_OK)
            return -1;
    return 0;
}

int agency_config_sync(struct db *db, const struct cfg *cfg, int64_t today, int64_t now_ms,
                       char *err, size_t errlen)
{
    const struct agency_settings *s = cfg_settings(cfg, &agency_settings);
    if (agency_config_check(cfg, err, errlen) != 0)
        return -1;
    if (agencies_config_reset(db) != DB_OK)
        goto fail;
    for (int i = 0; i < s->n; i++)
        if (agency_sync_one(db, &s->list[i], today, now_ms) != 0)
            goto fail;
    return agencies_drop_inactive_tasks(db) == DB_OK ? 0 : -1;
fail:
    snprintf(err, errlen, "cannot store the configured agencies");
    return -1;
}

int agency_send(struct hctx *ctx, const char *code, const char *text, enum outbox_priority priority,
                int *reached)
{
    struct agency_chat chats[AGENCIES_CHATS_MAX];
    int n = 0;
    *reached = 0;
    if (agencies_chats(ctx->db, code, chats, AGENCIES_CHATS_MAX, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++)
        if (hctx_send(ctx, chats[i].platform, chats[i].chat_id, text, NULL, priority) != 0)
            return -1;
    *reached = n;
    return 0;
}
