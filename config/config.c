/*
 * config.c — see config.h. The heart is the settings table: cfg_options[], one row per key of
 * config.c's own with its type, bounds, default and where it lands in struct cfg (the shape of
 * Redis's config.c), and the blocks other modules and platforms register (cfg_register), each
 * a spec of the same rows filling a struct of their own. Loading is five passes: parse,
 * resolve "env:" strings, look for unknown keys (warned; errors inside a strict block), apply
 * every table (type and range checks), then cross-key checks (cfg_validate, path resolution,
 * each block's check). Later issues add rows, not code.
 */
#include "config/config.h"

#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const cfg_levels[] = {"debug", "info", "warn", "error", "off", NULL};
static const char *const cfg_syncs[] = {"normal", "full", NULL};

#define OFF(field) offsetof(struct cfg, field)

/* config.c's own keys: a spec whose struct is struct cfg itself. */
static const struct cfg_spec cfg_options[] = {
    {"timezone", CFG_STR, OFF(timezone), "Asia/Ho_Chi_Minh", 0, 0, 0, NULL, NULL},
    {"log.level", CFG_STR, OFF(log_level), "info", 0, 0, 0, cfg_levels, NULL},
    {"storage.path", CFG_STR, OFF(storage_path), "data/tipgate.db", 0, 0, 0, NULL, NULL},
    {"storage.busy_timeout_ms", CFG_INT, OFF(storage_busy_timeout_ms), NULL, 5000, 0, 600000, NULL,
     NULL},
    {"storage.synchronous", CFG_STR, OFF(storage_synchronous), "full", 0, 0, 0, cfg_syncs, NULL},
    {"http.listen", CFG_STR, OFF(http_listen), "127.0.0.1", 0, 0, 0, NULL, NULL},
    {"http.port", CFG_INT, OFF(http_port), NULL, 8080, 0, 65535, NULL, NULL},
    {"http.max_body_bytes", CFG_INT, OFF(http_max_body_bytes), NULL, 1048576, 1024, 67108864, NULL,
     NULL},
    /* slow and oversized requests (bot/http_limits.h): a body still arriving this long after
     * its headers is answered 408; headers still arriving this long after the first byte are
     * dropped; headers larger than this are answered 431 */
    {"http.body_timeout_s", CFG_INT, OFF(http_body_timeout_s), NULL, 20, 1, 600, NULL, NULL},
    {"http.header_timeout_s", CFG_INT, OFF(http_header_timeout_s), NULL, 10, 1, 600, NULL, NULL},
    {"http.max_header_bytes", CFG_INT, OFF(http_max_header_bytes), NULL, 8192, 1024, 65535, NULL,
     NULL},
    {"http.public_url", CFG_STR, OFF(http_public_url), "", 0, 0, 0, NULL, NULL},
    {"data_dir", CFG_STR, OFF(data_dir), "", 0, 0, 0, NULL, NULL},
    {"messages", CFG_STR, OFF(messages_file), "config/messages.vi.json", 0, 0, 0, NULL, NULL},
    {"categories", CFG_STR, OFF(categories_file), "config/categories.vi.json", 0, 0, 0, NULL, NULL},
    /* how residents' texts name the police ({ward} in config/messages.vi.json) */
    {"ward.police_name", CFG_STR, OFF(ward_police_name), "Công an phường/xã", 0, 0, 0, NULL, NULL},
    /* the ward's residents and households, for the period report's reach (0: the areas' sum) */
    {"ward.population", CFG_INT, OFF(ward_population), NULL, 0, 0, 100000000, NULL, NULL},
    {"ward.households", CFG_INT, OFF(ward_households), NULL, 0, 0, 100000000, NULL, NULL},
    /* Telegram keeps an update 24 hours and a new receive epoch begins after 72 hours without
     * any: an inbox key must live at least that long to stop a resend. */
    {"retention.inbox_days", CFG_INT, OFF(retention.inbox_days), NULL, 30, 3, 3650, NULL, NULL},
    {"retention.outbox_days", CFG_INT, OFF(retention.outbox_days), NULL, 30, 1, 3650, NULL, NULL},
    {"retention.callback_days", CFG_INT, OFF(retention.callback_days), NULL, 30, 1, 3650, NULL,
     NULL},
    {"retention.webchat_days", CFG_INT, OFF(retention.webchat_days), NULL, 180, 1, 3650, NULL,
     NULL},
    {"retention.campaign_days", CFG_INT, OFF(retention.campaign_days), NULL, 90, 1, 3650, NULL,
     NULL},
};

/* The core keys as a block (prefix "": its struct is struct cfg). A misspelt retention key
 * would keep residents' texts longer (or shorter) than the operator decided without a word:
 * retention is strict, like a registered block. */
static const struct cfg_block cfg_core = {
    .prefix = "",
    .spec = cfg_options,
    .n_spec = sizeof cfg_options / sizeof cfg_options[0],
    .size = sizeof(struct cfg),
};
static const char *const cfg_strict_core[] = {"retention", NULL};

/* Sections later modules read whole at start (cfg_section); their insides are checked there
 * (config/desks.c, calendar/calendar.c). */
static const char *const cfg_sections[] = {"areas", "routing", "calendar", "tips", NULL};
enum { CFG_SECTIONS_N = 4 };
_Static_assert(sizeof cfg_sections / sizeof cfg_sections[0] == CFG_SECTIONS_N + 1,
               "CFG_SECTIONS_N counts cfg_sections");

/* The registered blocks (cfg_register), in registration order. */
static const struct cfg_block *cfg_blocks[CFG_BLOCKS_MAX];
static size_t cfg_n_blocks;

/* What one cfg_load made of the registered blocks, and what has been read since. */
struct cfg_loaded {
    size_t n;
    const struct cfg_block *block[CFG_BLOCKS_MAX];
    void *settings[CFG_BLOCKS_MAX];
    atomic_bool block_read[CFG_BLOCKS_MAX];
    atomic_bool section_read[CFG_SECTIONS_N];
};

int cfg_register(const struct cfg_block *block)
{
    for (size_t i = 0; i < cfg_n_blocks; i++)
        if (cfg_blocks[i] == block)
            return 0;
    if (cfg_n_blocks >= CFG_BLOCKS_MAX)
        return -1;
    cfg_blocks[cfg_n_blocks++] = block;
    return 0;
}

const void *cfg_settings(const struct cfg *cfg, const struct cfg_block *block)
{
    for (size_t i = 0; cfg->loaded && i < cfg->loaded->n; i++)
        if (cfg->loaded->block[i] == block) {
            atomic_store(&cfg->loaded->block_read[i], true);
            return cfg->loaded->settings[i];
        }
    return NULL;
}

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

/* Marks the module-read section dotted begins with as read. */
static void cfg_mark_section(const struct cfg *cfg, const char *dotted)
{
    size_t n = strcspn(dotted, ".");
    for (int i = 0; cfg->loaded && cfg_sections[i]; i++)
        if (strlen(cfg_sections[i]) == n && strncmp(cfg_sections[i], dotted, n) == 0)
            atomic_store(&cfg->loaded->section_read[i], true);
}

json_t *cfg_section(const struct cfg *cfg, const char *dotted)
{
    json_t *node = cfg->root;
    cfg_mark_section(cfg, dotted);
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

/* path joined below prefix ("" at the top) into out. */
static void cfg_path(char *out, size_t size, const char *prefix, const char *key)
{
    snprintf(out, size, "%s%s%s", prefix, *prefix && *key ? "." : "", key);
}

/* 2: path is a key of block (a value: do not look inside); 1: an object on the way to one;
 * 0: neither. */
static int cfg_block_knows(const struct cfg_block *b, const char *path)
{
    char full[256];
    size_t n = strlen(path);
    for (size_t i = 0; i < b->n_spec; i++) {
        cfg_path(full, sizeof full, b->prefix, b->spec[i].key);
        if (strcmp(full, path) == 0)
            return 2;
        if (strncmp(full, path, n) == 0 && full[n] == '.')
            return 1;
    }
    return 0;
}

/* 1: an object on the way to keys of a table (look inside); 2: a key, or a section a module
 * reads whole (do not look inside); 0: unknown. */
static int cfg_is_known(const char *path)
{
    int known = cfg_block_knows(&cfg_core, path);
    for (size_t i = 0; !known && i < cfg_n_blocks; i++)
        known = cfg_block_knows(cfg_blocks[i], path);
    if (known)
        return known;
    for (int i = 0; cfg_sections[i]; i++)
        if (strcmp(cfg_sections[i], path) == 0)
            return 2;
    return 0;
}

/* Whether path lies in a strict block (an unknown key there stops the start). */
static bool cfg_is_strict(const char *path)
{
    for (int i = 0; cfg_strict_core[i]; i++)
        if (strncmp(path, cfg_strict_core[i], strlen(cfg_strict_core[i])) == 0 &&
            path[strlen(cfg_strict_core[i])] == '.')
            return true;
    for (size_t i = 0; i < cfg_n_blocks; i++) {
        size_t n = strlen(cfg_blocks[i]->prefix);
        if (cfg_blocks[i]->strict && strncmp(path, cfg_blocks[i]->prefix, n) == 0 && path[n] == '.')
            return true;
    }
    return false;
}

/* The keys known directly below parent, "a, b, c", for the error about a misspelt one. */
static void cfg_known_below(const char *parent, char *out, size_t size)
{
    char full[256], one[256], seen[1024];
    size_t n = strlen(parent);
    out[0] = '\0';
    for (size_t b = 0; b <= cfg_n_blocks; b++) {
        const struct cfg_block *blk = b < cfg_n_blocks ? cfg_blocks[b] : &cfg_core;
        for (size_t i = 0; i < blk->n_spec; i++) {
            cfg_path(full, sizeof full, blk->prefix, blk->spec[i].key);
            if (strncmp(full, parent, n) != 0 || full[n] != '.')
                continue;
            const char *rest = full + n + 1;
            int len = (int)strcspn(rest, ".");
            snprintf(one, sizeof one, ", %.*s,", len, rest);
            snprintf(seen, sizeof seen, ", %s,", out);
            if (!strstr(seen, one))
                snprintf(out + strlen(out), size - strlen(out), "%s%.*s", *out ? ", " : "", len,
                         rest);
        }
    }
}

/* Warns about each unknown key of obj at prefix (comments "//…" are silent); in a strict
 * block an unknown key is an error instead. Returns -1 with err set then. */
static int cfg_walk_unknown(const char *file, json_t *obj, const char *prefix,
                            char err[CFG_ERR_MAX])
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (strncmp(key, "//", 2) == 0)
            continue;
        char path[256];
        cfg_path(path, sizeof path, prefix, key);
        int known = cfg_is_known(path);
        if (!known && cfg_is_strict(path)) {
            char list[256];
            cfg_known_below(prefix, list, sizeof list);
            cfg_err(err, file, "%s: unknown key (known: %s)", path, list);
            return -1;
        }
        if (!known)
            log_warn("config", "%s: unknown key %s (ignored)", file, path);
        else if (known == 1 && json_is_object(val) && cfg_walk_unknown(file, val, path, err) != 0)
            return -1;
    }
    return 0;
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
    case CFG_TIME:
        return "a local time \"HH:MM\"";
    default:
        return "a string";
    }
}

/* "08:00" → 480; -1 if not a time of day. */
static int cfg_parse_time(const char *s)
{
    int h = -1, m = -1, used = 0;
    if (!s || sscanf(s, "%d:%d%n", &h, &m, &used) != 2 || s[used] != '\0')
        return -1;
    return h >= 0 && h < 24 && m >= 0 && m < 60 ? h * 60 + m : -1;
}

static int cfg_set_string(void *base, const struct cfg_spec *opt, const char *path,
                          const char *value, const char *file, char err[CFG_ERR_MAX])
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
            cfg_err(err, file, "%s: must be one of %s (got \"%s\")", path, list, value);
            return -1;
        }
    }
    char **slot = (char **)((char *)base + opt->offset);
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
    char prefix[256];
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

static int cfg_apply_custom(void *slot, const struct cfg_spec *opt, const char *path, json_t *val,
                            const char *file, char err[CFG_ERR_MAX])
{
    char why[CFG_ERR_MAX / 2] = "";
    if (opt->parse(val, slot, why, sizeof why) == 0)
        return 0;
    /* A parser naming an element of a list ("[2].code: …") continues the path. */
    if (why[0] == '[')
        cfg_err(err, file, "%s%s", path, why);
    else
        cfg_err(err, file, "%s: %s", path, why[0] ? why : "invalid");
    return -1;
}

/* Applies one row of block to the struct at base: the file's value when present and not
 * null, else the default. */
static int cfg_apply(const struct cfg *cfg, void *base, const struct cfg_block *block,
                     const struct cfg_spec *opt, const char *file, char err[CFG_ERR_MAX])
{
    char path[256];
    cfg_path(path, sizeof path, block->prefix, opt->key);
    if (cfg_check_sections(cfg, path, file, err) != 0)
        return -1;
    json_t *val = cfg_section(cfg, path);
    if (json_is_null(val))
        val = NULL;
    void *slot = (char *)base + opt->offset;
    if (opt->type == CFG_CUSTOM)
        return cfg_apply_custom(slot, opt, path, val, file, err);
    if (opt->type == CFG_STR || opt->type == CFG_SECRET) {
        if (val && !json_is_string(val))
            goto wrong_type;
        return cfg_set_string(base, opt, path, val ? json_string_value(val) : opt->def_str, file,
                              err);
    }
    if (opt->type == CFG_TIME) {
        if (val && !json_is_string(val))
            goto wrong_type;
        *(int *)slot = cfg_parse_time(val ? json_string_value(val) : opt->def_str);
        if (*(int *)slot < 0)
            goto wrong_type;
        return 0;
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
        cfg_err(err, file, "%s: must be from %g to %g (got %g)", path, opt->min, opt->max, num);
        return -1;
    }
    if (opt->type == CFG_INT)
        *(int *)slot = (int)num;
    else
        *(double *)slot = num;
    return 0;
wrong_type:
    cfg_err(err, file, "%s: must be %s", path, cfg_type_name(opt->type));
    return -1;
}

/* Fills the struct at base from every row of block. */
static int cfg_apply_block(const struct cfg *cfg, void *base, const struct cfg_block *block,
                           const char *file, char err[CFG_ERR_MAX])
{
    for (size_t i = 0; i < block->n_spec; i++)
        if (cfg_apply(cfg, base, block, &block->spec[i], file, err) != 0)
            return -1;
    return 0;
}

static void cfg_free_block(void *base, const struct cfg_block *block)
{
    for (size_t i = 0; base && i < block->n_spec; i++)
        if (block->spec[i].type == CFG_STR || block->spec[i].type == CFG_SECRET)
            free(*(char **)((char *)base + block->spec[i].offset));
    if (base && block->release)
        block->release(base);
}

/* Allocates and fills the struct of every registered block. */
static int cfg_apply_registered(struct cfg *cfg, const char *file, char err[CFG_ERR_MAX])
{
    cfg->loaded = calloc(1, sizeof *cfg->loaded);
    if (!cfg->loaded)
        return -1;
    for (size_t i = 0; i < cfg_n_blocks; i++) {
        struct cfg_loaded *l = cfg->loaded;
        l->block[i] = cfg_blocks[i];
        l->settings[i] = calloc(1, cfg_blocks[i]->size);
        if (!l->settings[i])
            return -1;
        l->n = i + 1;
        if (cfg_apply_block(cfg, l->settings[i], cfg_blocks[i], file, err) != 0)
            return -1;
    }
    return 0;
}

/* Each block's own cross-key checks, once paths are resolved. */
static int cfg_check_registered(const struct cfg *cfg, char err[CFG_ERR_MAX])
{
    for (size_t i = 0; i < cfg->loaded->n; i++) {
        const struct cfg_block *b = cfg->loaded->block[i];
        char why[CFG_ERR_MAX - 64] = "";
        if (b->check && b->check(cfg, cfg->loaded->settings[i], why, sizeof why) != 0) {
            cfg_err(err, cfg->file, "%s", why[0] ? why : b->prefix);
            return -1;
        }
    }
    return 0;
}

/* Whether the file sets anything (a comment aside) at path. */
static bool cfg_present(const struct cfg *cfg, const char *path)
{
    json_t *node = cfg->root;
    char part[128];
    for (const char *p = path; node && *p;) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof part || !json_is_object(node))
            return false;
        memcpy(part, p, n);
        part[n] = '\0';
        node = json_object_get(node, part);
        p += n + (p[n] == '.');
    }
    if (!node || json_is_null(node))
        return false;
    if (!json_is_object(node))
        return true;
    const char *key;
    json_t *v;
    json_object_foreach(node, key, v)
    {
        if (strncmp(key, "//", 2) != 0)
            return true;
    }
    return false;
}

int cfg_warn_unread(const struct cfg *cfg)
{
    const char *file = cfg->file ? cfg->file : "(defaults)";
    int n = 0;
    for (size_t i = 0; cfg->loaded && i < cfg->loaded->n; i++)
        if (!atomic_load(&cfg->loaded->block_read[i]) &&
            cfg_present(cfg, cfg->loaded->block[i]->prefix)) {
            log_warn("config", "%s: %s is accepted but nothing reads it (ignored)", file,
                     cfg->loaded->block[i]->prefix);
            n++;
        }
    for (int i = 0; cfg->loaded && cfg_sections[i]; i++)
        if (!atomic_load(&cfg->loaded->section_read[i]) && cfg_present(cfg, cfg_sections[i])) {
            log_warn("config", "%s: %s is accepted but nothing reads it (ignored)", file,
                     cfg_sections[i]);
            n++;
        }
    return n;
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

void cfg_set_base_url(struct cfg *cfg, int port)
{
    size_t cap = sizeof cfg->http_base_url;
    if (cfg->http_public_url && *cfg->http_public_url) {
        snprintf(cfg->http_base_url, cap, "%s", cfg->http_public_url);
        size_t n = strlen(cfg->http_base_url);
        while (n > 0 && cfg->http_base_url[n - 1] == '/')
            cfg->http_base_url[--n] = '\0';
        return;
    }
    int v6 = strchr(cfg->http_listen, ':') != NULL;
    snprintf(cfg->http_base_url, cap, "http://%s%s%s:%d", v6 ? "[" : "", cfg->http_listen,
             v6 ? "]" : "", port);
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
    const char *u = cfg->http_public_url;
    if (*u && ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) ||
               strlen(u) >= CFG_URL_MAX - 1 || strpbrk(u, " \t\r\n\"<>#?"))) {
        cfg_err(err, file,
                "http.public_url: must be empty or an http:// or https:// address with no "
                "blanks, query or fragment, e.g. https://desk.example.vn (got \"%s\")",
                u);
        return -1;
    }
    cfg_set_base_url(cfg, cfg->http_port);
    if (!*cfg->storage_path) {
        cfg_err(err, file, "storage.path: must not be empty");
        return -1;
    }
    return 0;
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

/* A data_dir pointing nowhere used to start a web chat that answered 404 to everyone (whether
 * it holds the web chat's page is the web chat's own check: bot/platforms/webchat.c). */
static int cfg_check_data_dir(const struct cfg *cfg, const char *data, const char *from,
                              char err[CFG_ERR_MAX])
{
    struct stat st;
    if (stat(data, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cfg_err(err, cfg->file, "%s: %s is not a directory", from, data);
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
    cfg->data_dir_from = from;
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
    if (cfg_walk_unknown(path ? path : "(defaults)", cfg->root, "", err) != 0 ||
        cfg_apply_block(cfg, cfg, &cfg_core, path, err) != 0 ||
        cfg_apply_registered(cfg, path, err) != 0)
        goto out;
    if (cfg_validate(cfg, err) != 0 || cfg_resolve_paths(cfg, err) != 0 ||
        cfg_check_registered(cfg, err) != 0)
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
    cfg_free_block(cfg, &cfg_core);
    for (size_t i = 0; cfg->loaded && i < cfg->loaded->n; i++) {
        cfg_free_block(cfg->loaded->settings[i], cfg->loaded->block[i]);
        free(cfg->loaded->settings[i]);
    }
    free(cfg->loaded);
    free(cfg->file);
    free(cfg->dir);
    json_decref(cfg->root);
    free(cfg);
}
