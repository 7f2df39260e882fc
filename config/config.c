/*
 * config.c — see config.h. The heart is cfg_options[]: one row per key with its type, bounds,
 * default and where it lands in struct cfg (the shape of Redis's config.c). Loading is four
 * passes: parse, resolve "env:" strings, apply the table (type and range checks), then
 * cross-key checks (cfg_validate) and path resolution. Later issues add rows, not code.
 */
#include "config/config.h"

#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum cfg_type { CFG_BOOL, CFG_INT, CFG_NUM, CFG_STR, CFG_SECRET, CFG_SECTION };

struct cfg_option {
    const char *key; /* dotted path */
    enum cfg_type type;
    size_t offset; /* into struct cfg; unused for CFG_SECTION */
    const char *def_str;
    double def_num; /* also bool and int defaults */
    double min, max;
    const char *const *choices; /* NULL-terminated, for CFG_STR */
};

static const char *const cfg_levels[] = {"debug", "info", "warn", "error", "off", NULL};
static const char *const cfg_modes[] = {"polling", "webhook", NULL};
static const char *const cfg_syncs[] = {"normal", "full", NULL};

#define OFF(field) offsetof(struct cfg, field)
#define PLATFORM_OPTIONS(name, base, url, g, c, grp)                                               \
    {"platforms." name ".enabled", CFG_BOOL, OFF(base.enabled), NULL, 0, 0, 0, NULL},              \
        {"platforms." name ".token", CFG_SECRET, OFF(base.token), "", 0, 0, 0, NULL},              \
        {"platforms." name ".api_base_url", CFG_STR, OFF(base.api_base_url), url, 0, 0, 0, NULL},  \
        {"platforms." name ".mode", CFG_STR, OFF(base.mode), "polling", 0, 0, 0, cfg_modes},       \
        {"platforms." name ".webhook_url", CFG_STR, OFF(base.webhook_url), "", 0, 0, 0, NULL},     \
        {"platforms." name ".webhook_secret",                                                      \
         CFG_SECRET,                                                                               \
         OFF(base.webhook_secret),                                                                 \
         "",                                                                                       \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         NULL},                                                                                    \
        {"platforms." name ".rate_limit.global_per_sec",                                           \
         CFG_NUM,                                                                                  \
         OFF(base.rate_limit.global_per_sec),                                                      \
         NULL,                                                                                     \
         g,                                                                                        \
         0,                                                                                        \
         10000,                                                                                    \
         NULL},                                                                                    \
        {"platforms." name ".rate_limit.per_chat_per_sec",                                         \
         CFG_NUM,                                                                                  \
         OFF(base.rate_limit.per_chat_per_sec),                                                    \
         NULL,                                                                                     \
         c,                                                                                        \
         0,                                                                                        \
         10000,                                                                                    \
         NULL},                                                                                    \
        {"platforms." name ".rate_limit.per_group_per_min",                                        \
         CFG_NUM,                                                                                  \
         OFF(base.rate_limit.per_group_per_min),                                                   \
         NULL,                                                                                     \
         grp,                                                                                      \
         0,                                                                                        \
         100000,                                                                                   \
         NULL},                                                                                    \
    {                                                                                              \
        "platforms." name ".max_attempts", CFG_INT, OFF(base.max_attempts), NULL, 8, 1, 100, NULL  \
    }

static const struct cfg_option cfg_options[] = {
    {"timezone", CFG_STR, OFF(timezone), "Asia/Ho_Chi_Minh", 0, 0, 0, NULL},
    {"log.level", CFG_STR, OFF(log_level), "info", 0, 0, 0, cfg_levels},
    {"storage.path", CFG_STR, OFF(storage_path), "data/tipgate.db", 0, 0, 0, NULL},
    {"storage.busy_timeout_ms", CFG_INT, OFF(storage_busy_timeout_ms), NULL, 5000, 0, 600000, NULL},
    {"storage.synchronous", CFG_STR, OFF(storage_synchronous), "full", 0, 0, 0, cfg_syncs},
    {"http.listen", CFG_STR, OFF(http_listen), "127.0.0.1", 0, 0, 0, NULL},
    {"http.port", CFG_INT, OFF(http_port), NULL, 8080, 0, 65535, NULL},
    {"http.max_body_bytes", CFG_INT, OFF(http_max_body_bytes), NULL, 1048576, 1024, 67108864, NULL},
    {"data_dir", CFG_STR, OFF(data_dir), "", 0, 0, 0, NULL},
    {"messages", CFG_STR, OFF(messages_file), "config/messages.vi.json", 0, 0, 0, NULL},
    {"categories", CFG_STR, OFF(categories_file), "config/categories.vi.json", 0, 0, 0, NULL},
    {"platforms.webchat.enabled", CFG_BOOL, OFF(webchat_enabled), NULL, 1, 0, 0, NULL},
    PLATFORM_OPTIONS("telegram", telegram, "https://api.telegram.org", 30, 1, 20),
    PLATFORM_OPTIONS("zalo", zalo, "https://bot-api.zaloplatforms.com", 10, 1, 10),
    /* Telegram keeps an update 24 hours and a new receive epoch begins after 72 hours without
     * any: an inbox key must live at least that long to stop a resend. */
    {"retention.inbox_days", CFG_INT, OFF(retention.inbox_days), NULL, 30, 3, 3650, NULL},
    {"retention.outbox_days", CFG_INT, OFF(retention.outbox_days), NULL, 30, 1, 3650, NULL},
    {"retention.callback_days", CFG_INT, OFF(retention.callback_days), NULL, 30, 1, 3650, NULL},
    {"retention.webchat_days", CFG_INT, OFF(retention.webchat_days), NULL, 180, 1, 3650, NULL},
    {"retention.campaign_days", CFG_INT, OFF(retention.campaign_days), NULL, 90, 1, 3650, NULL},
};

/* Sections later modules read themselves (cfg_section); their insides are checked there
 * (handlers/desks.c, agency.c, calendar.c, deadlines.c, campaign.c). */
static const char *const cfg_sections[] = {"areas", "routing",   "calendar", "campaigns",
                                           "tips",  "deadlines", "agencies", NULL};

static void cfg_err(char err[CFG_ERR_MAX], const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_err(char err[CFG_ERR_MAX], const char *file, const char *fmt, ...)
{
    int n = snprintf(err, CFG_ERR_MAX, "%s: ", file ? file : "(defaults)");
    if (n < 0 || n >= CFG_ERR_MAX)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, (size_t)(CFG_ERR_MAX - n), fmt, ap);
    va_end(ap);
}

json_t *cfg_section(const struct cfg *cfg, const char *dotted)
{
    json_t *node = cfg->root;
    char part[128];
    const char *p = dotted;
    while (node && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof part || !json_is_object(node))
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        node = json_object_get(node, part);
        p = dot ? dot + 1 : p + n;
    }
    return node;
}

int cfg_known_keys(json_t *obj, const char *const *known, const char *path, char *err,
                   size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = strncmp(key, "//", 2) == 0;
        for (int i = 0; known[i] && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (ok)
            continue;
        char list[256] = "";
        for (int i = 0; known[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     known[i]);
        snprintf(err, errlen, "%s.%s: unknown key (known: %s)", path, key, list);
        return -1;
    }
    return 0;
}

/* Replaces every "env:NAME" string in the tree by the variable's value. An unset variable
 * becomes null (as if the key were absent), so a disabled platform may name a variable that
 * this deployment does not set; a required key then fails in cfg_validate. */
static void cfg_resolve_env(json_t *node)
{
    if (json_is_object(node)) {
        const char *key;
        json_t *val;
        json_object_foreach(node, key, val)
        {
            if (json_is_string(val) && strncmp(json_string_value(val), "env:", 4) == 0) {
                const char *env = getenv(json_string_value(val) + 4);
                json_object_set_new(node, key, env ? json_string(env) : json_null());
            } else {
                cfg_resolve_env(val);
            }
        }
    } else if (json_is_array(node)) {
        size_t i;
        json_t *val;
        json_array_foreach(node, i, val)
        {
            if (json_is_string(val) && strncmp(json_string_value(val), "env:", 4) == 0) {
                const char *env = getenv(json_string_value(val) + 4);
                json_array_set_new(node, i, env ? json_string(env) : json_null());
            } else {
                cfg_resolve_env(val);
            }
        }
    }
}

static int cfg_is_known(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof cfg_options / sizeof cfg_options[0]; i++) {
        const char *key = cfg_options[i].key;
        if (strcmp(key, path) == 0 || (strncmp(key, path, n) == 0 && key[n] == '.'))
            return 1;
    }
    for (int i = 0; cfg_sections[i]; i++)
        if (strcmp(cfg_sections[i], path) == 0)
            return 2; /* a section: do not look inside */
    return 0;
}

static void cfg_warn_unknown(const char *file, json_t *obj, const char *prefix)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (strncmp(key, "//", 2) == 0)
            continue;
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
        int known = cfg_is_known(path);
        if (!known)
            log_warn("config", "%s: unknown key %s (ignored)", file, path);
        else if (known == 1 && json_is_object(val))
            cfg_warn_unknown(file, val, path);
    }
}

static const char *cfg_type_name(enum cfg_type type)
{
    switch (type) {
    case CFG_BOOL:
        return "true or false";
    case CFG_INT:
        return "an integer";
    case CFG_NUM:
        return "a number";
    default:
        return "a string";
    }
}

static int cfg_set_string(struct cfg *cfg, const struct cfg_option *opt, const char *value,
                          const char *file, char err[CFG_ERR_MAX])
{
    if (opt->choices) {
        int ok = 0;
        for (int i = 0; opt->choices[i]; i++)
            ok |= strcmp(opt->choices[i], value) == 0;
        if (!ok) {
            char list[128] = "";
            for (int i = 0; opt->choices[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         opt->choices[i]);
            cfg_err(err, file, "%s: must be one of %s (got \"%s\")", opt->key, list, value);
            return -1;
        }
    }
    char **slot = (char **)((char *)cfg + opt->offset);
    free(*slot);
    *slot = strdup(value);
    if (opt->type == CFG_SECRET)
        log_add_secret(value);
    return *slot ? 0 : -1;
}

/* A section written as something else ("log": "debug") would otherwise be read as absent and
 * silently give defaults: refuse it, naming the section. */
static int cfg_check_sections(const struct cfg *cfg, const char *key, const char *file,
                              char err[CFG_ERR_MAX])
{
    char prefix[128];
    for (const char *dot = strchr(key, '.'); dot; dot = strchr(dot + 1, '.')) {
        snprintf(prefix, sizeof prefix, "%.*s", (int)(dot - key), key);
        json_t *node = cfg_section(cfg, prefix);
        if (node && !json_is_object(node) && !json_is_null(node)) {
            cfg_err(err, file, "%s: must be an object", prefix);
            return -1;
        }
    }
    return 0;
}

/* Applies one option: the file's value when present and not null, else the default. */
static int cfg_apply(struct cfg *cfg, const struct cfg_option *opt, const char *file,
                     char err[CFG_ERR_MAX])
{
    if (cfg_check_sections(cfg, opt->key, file, err) != 0)
        return -1;
    json_t *val = cfg_section(cfg, opt->key);
    if (json_is_null(val))
        val = NULL;
    void *slot = (char *)cfg + opt->offset;
    if (opt->type == CFG_STR || opt->type == CFG_SECRET) {
        if (val && !json_is_string(val))
            goto wrong_type;
        return cfg_set_string(cfg, opt, val ? json_string_value(val) : opt->def_str, file, err);
    }
    if (opt->type == CFG_BOOL) {
        if (val && !json_is_boolean(val))
            goto wrong_type;
        *(bool *)slot = val ? json_is_true(val) : opt->def_num != 0;
        return 0;
    }
    if ((opt->type == CFG_INT && val && !json_is_integer(val)) || (val && !json_is_number(val)))
        goto wrong_type;
    double num = val ? json_number_value(val) : opt->def_num;
    if (num < opt->min || num > opt->max) {
        cfg_err(err, file, "%s: must be from %g to %g (got %g)", opt->key, opt->min, opt->max, num);
        return -1;
    }
    if (opt->type == CFG_INT)
        *(int *)slot = (int)num;
    else
        *(double *)slot = num;
    return 0;
wrong_type:
    cfg_err(err, file, "%s: must be %s", opt->key, cfg_type_name(opt->type));
    return -1;
}

/* Makes path absolute against base unless it already is. Returns a new string or NULL. */
static char *cfg_join(const char *base, const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *out = NULL;
    if (asprintf(&out, "%s/%s", base, path) < 0)
        return NULL;
    return out;
}

static int cfg_has_web(const char *dir)
{
    char probe[PATH_MAX + 64];
    int n = snprintf(probe, sizeof probe, "%s/web/index.html", dir);
    return n > 0 && (size_t)n < sizeof probe && access(probe, R_OK) == 0;
}

/* Finds the shipped data (web/ and the JSON files in config/): an explicit data_dir,
 * $TIPGATE_DATA_DIR, the install prefix next to the binary (../share/tipgate), the configured
 * install prefix, and last the source tree the binary was built from. *from names where it
 * came from, for the error when it is not usable. */
static char *cfg_find_data_dir(const struct cfg *cfg, const char **from)
{
    *from = "data_dir";
    if (cfg->data_dir && *cfg->data_dir)
        return cfg_join(cfg->dir, cfg->data_dir);
    const char *env = getenv("TIPGATE_DATA_DIR");
    *from = "data_dir (from $TIPGATE_DATA_DIR)";
    if (env && *env)
        return strdup(env);
    *from = "data_dir (found automatically)";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof cand, "%s/../share/tipgate", exe);
            if (cfg_has_web(cand))
                return realpath(cand, NULL);
        }
    }
    if (cfg_has_web(TIPGATE_INSTALL_DATADIR))
        return strdup(TIPGATE_INSTALL_DATADIR);
    return strdup(TIPGATE_SOURCE_DIR);
}

static int cfg_check_platform(const struct cfg_platform *p, const char *name, size_t secret_min,
                              const char *file, char err[CFG_ERR_MAX])
{
    if (strncmp(p->api_base_url, "http://", 7) != 0 &&
        strncmp(p->api_base_url, "https://", 8) != 0) {
        cfg_err(err, file, "platforms.%s.api_base_url: must start with http:// or https://", name);
        return -1;
    }
    if (!p->enabled)
        return 0;
    if (!*p->token || strpbrk(p->token, " \t\r\n/?#")) {
        cfg_err(err, file,
                "platforms.%s.token: required when the platform is enabled (a bot token "
                "without spaces or slashes; \"env:NAME\" reads it from the environment)",
                name);
        return -1;
    }
    if (strcmp(p->mode, "webhook") != 0)
        return 0;
    if (strncmp(p->webhook_url, "https://", 8) != 0 && strncmp(p->webhook_url, "http://", 7)) {
        cfg_err(err, file, "platforms.%s.webhook_url: required in webhook mode (https://…)", name);
        return -1;
    }
    size_t len = strlen(p->webhook_secret);
    if (len < secret_min || len > 256 ||
        strspn(p->webhook_secret,
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
        cfg_err(err, file,
                "platforms.%s.webhook_secret: required in webhook mode: %zu to 256 characters "
                "of A-Z a-z 0-9 _ -",
                name, secret_min);
        return -1;
    }
    return 0;
}

static int cfg_check_timezone(const char *tz)
{
    char path[PATH_MAX];
    if (!*tz || strstr(tz, ".."))
        return -1;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    /* Without tzdata, Asia/Ho_Chi_Minh still works: clock code falls back to UTC+7. */
    return access(path, R_OK) == 0 || strcmp(tz, "Asia/Ho_Chi_Minh") == 0 || strcmp(tz, "UTC") == 0
               ? 0
               : -1;
}

/* A misspelt retention key would keep residents' texts longer (or shorter) than the operator
 * decided without a word: refused, like a misspelt key of the sections modules read. */
static int cfg_check_retention(const struct cfg *cfg, char err[CFG_ERR_MAX])
{
    static const char *const known[] = {"inbox_days",   "outbox_days",   "callback_days",
                                        "webchat_days", "campaign_days", NULL};
    json_t *section = cfg_section(cfg, "retention");
    char why[CFG_ERR_MAX - 64];
    if (!json_is_object(section) ||
        cfg_known_keys(section, known, "retention", why, sizeof why) == 0)
        return 0;
    cfg_err(err, cfg->file, "%s", why);
    return -1;
}

static int cfg_validate(struct cfg *cfg, char err[CFG_ERR_MAX])
{
    const char *file = cfg->file;
    if (cfg_check_timezone(cfg->timezone) != 0) {
        cfg_err(err, file, "timezone: unknown time zone \"%s\" (e.g. Asia/Ho_Chi_Minh)",
                cfg->timezone);
        return -1;
    }
    struct in6_addr a6;
    struct in_addr a4;
    if (inet_pton(AF_INET, cfg->http_listen, &a4) != 1 &&
        inet_pton(AF_INET6, cfg->http_listen, &a6) != 1) {
        cfg_err(err, file, "http.listen: must be an IPv4 or IPv6 address (got \"%s\")",
                cfg->http_listen);
        return -1;
    }
    if (!*cfg->storage_path) {
        cfg_err(err, file, "storage.path: must not be empty");
        return -1;
    }
    if (cfg_check_platform(&cfg->telegram, "telegram", 1, file, err) ||
        cfg_check_platform(&cfg->zalo, "zalo", 8, file, err))
        return -1;
    return cfg_check_retention(cfg, err);
}

/* A relative path is looked up next to the config file first, then in the shipped data (its
 * top, then its config/ directory, where the shipped JSON files live). */
static char *cfg_find_file(const struct cfg *cfg, const char *data, const char *path)
{
    char *local = cfg_join(cfg->dir, path);
    if (!local || path[0] == '/' || access(local, R_OK) == 0)
        return local;
    free(local);
    char *shipped = cfg_join(data, path);
    if (!shipped || access(shipped, R_OK) == 0)
        return shipped;
    char *in_config = NULL;
    if (asprintf(&in_config, "%s/config/%s", data, path) < 0)
        return shipped;
    if (access(in_config, R_OK) == 0) {
        free(shipped);
        return in_config;
    }
    free(in_config);
    return shipped; /* the error message names the likeliest place */
}

/* A data_dir pointing nowhere used to start a web chat that answered 404 to everyone. */
static int cfg_check_data_dir(const struct cfg *cfg, const char *data, const char *from,
                              char err[CFG_ERR_MAX])
{
    struct stat st;
    if (stat(data, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cfg_err(err, cfg->file, "%s: %s is not a directory", from, data);
        return -1;
    }
    if (cfg->webchat_enabled && !cfg_has_web(data)) {
        cfg_err(err, cfg->file,
                "%s: %s has no web/index.html, so the web chat would answer 404 (point it at "
                "the directory holding web/ and config/, or set platforms.webchat.enabled to "
                "false)",
                from, data);
        return -1;
    }
    return 0;
}

static int cfg_resolve_paths(struct cfg *cfg, char err[CFG_ERR_MAX])
{
    const char *from = "data_dir";
    char *storage = cfg_join(cfg->dir, cfg->storage_path);
    char *data = cfg_find_data_dir(cfg, &from);
    if (data && cfg_check_data_dir(cfg, data, from, err) != 0) {
        free(storage), free(data);
        return -1;
    }
    char *messages = data ? cfg_find_file(cfg, data, cfg->messages_file) : NULL;
    char *categories = data ? cfg_find_file(cfg, data, cfg->categories_file) : NULL;
    if (!storage || !data || !messages || !categories) {
        free(storage), free(data), free(messages), free(categories);
        cfg_err(err, cfg->file, "out of memory");
        return -1;
    }
    free(cfg->storage_path), free(cfg->data_dir), free(cfg->messages_file);
    free(cfg->categories_file);
    cfg->storage_path = storage;
    cfg->data_dir = data;
    cfg->messages_file = messages;
    cfg->categories_file = categories;
    return 0;
}

static int cfg_read_file(struct cfg *cfg, const char *path, char err[CFG_ERR_MAX])
{
    char *abs = realpath(path, NULL);
    if (!abs) {
        cfg_err(err, path, "cannot read the configuration file: %s", strerror(errno));
        return -1;
    }
    cfg->file = abs;
    cfg->dir = strdup(abs);
    if (!cfg->dir)
        return -1;
    *strrchr(cfg->dir, '/') = '\0';
    if (!*cfg->dir)
        strcpy(cfg->dir, "/");
    json_error_t jerr;
    cfg->root = json_load_file(abs, JSON_REJECT_DUPLICATES, &jerr);
    if (!cfg->root) {
        cfg_err(err, path, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column,
                jerr.text);
        return -1;
    }
    if (!json_is_object(cfg->root)) {
        cfg_err(err, path, "the top level must be a JSON object");
        return -1;
    }
    return 0;
}

int cfg_load(const char *path, struct cfg **out, char err[CFG_ERR_MAX])
{
    *out = NULL;
    err[0] = '\0';
    struct cfg *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return -1;
    int rc = -1;
    if (path) {
        if (cfg_read_file(cfg, path, err) != 0)
            goto out;
    } else {
        cfg->root = json_object();
        cfg->dir = getcwd(NULL, 0);
        if (!cfg->root || !cfg->dir)
            goto out;
    }
    cfg_resolve_env(cfg->root);
    cfg_warn_unknown(path ? path : "(defaults)", cfg->root, "");
    for (size_t i = 0; i < sizeof cfg_options / sizeof cfg_options[0]; i++)
        if (cfg_apply(cfg, &cfg_options[i], path, err) != 0)
            goto out;
    if (cfg_validate(cfg, err) != 0 || cfg_resolve_paths(cfg, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0) {
        if (!err[0])
            cfg_err(err, path, "out of memory");
        cfg_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

void cfg_free(struct cfg *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < sizeof cfg_options / sizeof cfg_options[0]; i++) {
        const struct cfg_option *opt = &cfg_options[i];
        if (opt->type == CFG_STR || opt->type == CFG_SECRET)
            free(*(char **)((char *)cfg + opt->offset));
    }
    free(cfg->file);
    free(cfg->dir);
    json_decref(cfg->root);
    free(cfg);
}
