/*
 * config.h — the configuration: one JSON file read with jansson, validated against one table
 * of known keys (config.c), with embedded defaults so `tipgate serve` runs with no file at all.
 *
 * Any string "env:NAME" is replaced by the environment variable NAME, so tokens need not live
 * in the file. Keys beginning with "//" are comments. Unknown keys are warned about, not fatal
 * (except inside a strict block or section, where they stop the start), and so are keys that
 * are accepted but read by nothing (cfg_warn_unread);
 * a wrong type or an out-of-range value is an error naming the key path. Relative paths resolve
 * against the directory of the config file. Secrets found in the file are registered with the
 * logger's scrubber as soon as they are read.
 */
#ifndef TIPGATE_CONFIG_H
#define TIPGATE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

enum { CFG_ERR_MAX = 512, CFG_URL_MAX = 512 };

/* How long rows are kept before the retention job (handlers/retention.c) prunes them, in days.
 * Rows still owed to someone are never pruned, whatever their age. */
struct cfg_retention {
    int inbox_days;    /* processed updates, their update keys with them (>= 3: a platform's
                        * resend must still meet its key) */
    int outbox_days;   /* sent and failed messages (a campaign's go with its recipients) */
    int callback_days; /* button payloads: an older button answers "no longer valid" */
    int webchat_days;  /* web chat identities whose browser has not come back */
    int campaign_days; /* a finished campaign's recipients and messages (totals are kept) */
};

struct cfg {
    char *file; /* the file read, or NULL when running on defaults */
    char *dir;  /* where relative paths resolve: the file's directory, or the cwd */
    char *timezone;
    char *log_level;
    char *storage_path; /* absolute */
    int storage_busy_timeout_ms;
    char *storage_synchronous; /* "normal" or "full" */
    char *http_listen;
    int http_port; /* 0 = any free port (the chosen one is logged) */
    int http_max_body_bytes;
    int http_body_timeout_s;   /* a request body's total deadline from its headers' end */
    int http_header_timeout_s; /* a request's headers' deadline from its first byte */
    int http_max_header_bytes; /* larger headers are answered 431 */
    char *http_public_url; /* how browsers reach this server ("https://desk.example.vn"), or "" */
    /* The base of the links tipgate hands out (the web desk's sign-in links), without a
     * trailing '/': http.public_url, else http://<listen>:<port>. cfg_load fills it from the
     * file; the HTTP server fills in the port it really listens on (http.port 0) before the
     * worker starts, and it is read-only after that. */
    char http_base_url[CFG_URL_MAX];
    char *data_dir;        /* absolute; holds web/ and the config/ data files */
    char *messages_file;   /* absolute path of the Vietnamese texts */
    char *categories_file; /* absolute path of the text engine's lexicon (categories.vi.json) */
    char *ward_police_name; /* "Công an phường Bến Nghé": {ward} in the texts residents read */
    int ward_population, ward_households; /* for the period report's reach (0: not given) */
    const char *data_dir_from;            /* how data_dir was found, for errors (static text) */
    struct cfg_retention retention;
    json_t *root; /* the whole parsed file (env: resolved), for modules with their own sections */
    struct cfg_loaded *loaded; /* the registered blocks' typed settings (cfg_settings) */
};

/* ---- the settings table ------------------------------------------------------------------
 * Every key is declared once, as a row of a spec: its type, bounds, default and where its
 * value lands in a typed struct. config.c declares its own keys (above) in one spec; a module
 * or a platform with keys of its own declares a block — a key prefix, a spec and the size of
 * its struct — and registers it before the file is read (cfg_register). cfg_load then checks
 * and fills every block's struct once, and the module reads it with cfg_settings(): nothing
 * parses JSON after the start. */

enum cfg_type {
    CFG_BOOL,   /* bool */
    CFG_INT,    /* int, from min to max */
    CFG_NUM,    /* double, from min to max */
    CFG_STR,    /* char * (owned by the cfg), one of choices when given */
    CFG_SECRET, /* a CFG_STR registered with the logger's scrubber */
    CFG_TIME,   /* int: the minute of the day of a local time written "HH:MM" */
    CFG_CUSTOM, /* anything else: parse() reads it into its slot */
};

struct cfg_spec {
    const char *key; /* dotted, below the block's prefix */
    enum cfg_type type;
    size_t offset; /* of the value in the block's struct */
    const char *def_str;
    double def_num; /* also bool and int defaults */
    double min, max;
    const char *const *choices; /* NULL-terminated, for CFG_STR */
    /* CFG_CUSTOM: reads v (NULL when absent or null: write the default) into slot; -1 with
     * why set (without the key path, which the caller adds) when v is not acceptable. */
    int (*parse)(json_t *v, void *slot, char *why, size_t whylen);
};

struct cfg_block {
    const char *prefix; /* "platforms.telegram", "campaigns" */
    const struct cfg_spec *spec;
    size_t n_spec;
    size_t size; /* of the typed struct cfg_load allocates and fills */
    /* An unknown key below prefix stops the start (else it is warned about, as at the top
     * level): inside a section a misspelt key would silently change what the service does. */
    bool strict;
    /* Cross-key checks once every key and path is read; -1 with why naming the key path.
     * Optional. */
    int (*check)(const struct cfg *cfg, const void *settings, char *why, size_t whylen);
    /* Frees what the block's custom parsers allocated in its struct (cfg_free calls it, the
     * strings it frees itself). Optional. */
    void (*release)(void *settings);
};

enum { CFG_BLOCKS_MAX = 16 };

/* Adds block (static storage) to the table cfg_load applies; registering it again does
 * nothing. Call before cfg_load, from one thread (the registries do it at start: bot/app.c
 * app_register_settings). Returns 0, or -1 when the table is full. */
int cfg_register(const struct cfg_block *block);

/* The typed settings of block, filled by cfg_load; NULL if block was not registered when cfg
 * was loaded. Borrowed, lives as long as cfg. Any thread. */
const void *cfg_settings(const struct cfg *cfg, const struct cfg_block *block);

/* Warns, naming the key path, about each registered block and module-read section present in
 * the file that nothing has read (cfg_settings, cfg_section) since cfg_load: a key accepted
 * but never read. Call once the start has read everything it will. Returns how many. */
int cfg_warn_unread(const struct cfg *cfg);

/* Loads path (NULL: defaults only). On success returns 0 and *out owns a cfg to cfg_free().
 * On failure returns -1, *out is NULL and err holds one line naming the file and key path. */
int cfg_load(const char *path, struct cfg **out, char err[CFG_ERR_MAX]);
void cfg_free(struct cfg *cfg);

/* Fills cfg->http_base_url: http.public_url without its trailing '/', or, when that is empty,
 * http://<http.listen>:<port> ([…] around an IPv6 address). cfg_load calls it with http.port;
 * the HTTP server again with the port it listens on. */
void cfg_set_base_url(struct cfg *cfg, int port);

/* Looks up a dotted key path in the parsed file; NULL if absent. Borrowed reference. For the
 * sections modules read whole at start (areas, routing, tips, calendar); marks the
 * section read (cfg_warn_unread). */
json_t *cfg_section(const struct cfg *cfg, const char *dotted);

/* For the modules that read a section themselves: 0 when every key of the object obj (at key
 * path path) is in known (NULL-terminated) or a "//" comment; else -1 and err says
 * "path.key: unknown key (known: …)". Inside a section a misspelt key would silently change
 * what the service does, so it stops the start rather than being warned about. */
int cfg_known_keys(json_t *obj, const char *const *known, const char *path, char *err,
                   size_t errlen);

#endif
