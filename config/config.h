/*
 * config.h — the configuration: one JSON file read with jansson, validated against one table
 * of known keys (config.c), with embedded defaults so `tipgate serve` runs with no file at all.
 *
 * Any string "env:NAME" is replaced by the environment variable NAME, so tokens need not live
 * in the file. Keys beginning with "//" are comments. Unknown keys are warned about, not fatal;
 * a wrong type or an out-of-range value is an error naming the key path. Relative paths resolve
 * against the directory of the config file. Secrets found in the file are registered with the
 * logger's scrubber as soon as they are read.
 */
#ifndef TIPGATE_CONFIG_H
#define TIPGATE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

enum { CFG_ERR_MAX = 512 };

struct cfg_rate_limit {
    double global_per_sec; /* 0 = no limit */
    double per_chat_per_sec;
    double per_group_per_min;
};

struct cfg_platform {
    bool enabled;
    char *token;
    char *api_base_url;
    char *mode; /* "polling" or "webhook" */
    char *webhook_url;
    char *webhook_secret;
    struct cfg_rate_limit rate_limit;
    int max_attempts;
};

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
    char *data_dir;        /* absolute; holds web/ and the config/ data files */
    char *messages_file;   /* absolute path of the Vietnamese texts */
    char *categories_file; /* absolute path of the text engine's lexicon (categories.vi.json) */
    bool webchat_enabled;
    struct cfg_platform telegram;
    struct cfg_platform zalo;
    struct cfg_retention retention;
    json_t *root; /* the whole parsed file (env: resolved), for modules with their own sections */
};

/* Loads path (NULL: defaults only). On success returns 0 and *out owns a cfg to cfg_free().
 * On failure returns -1, *out is NULL and err holds one line naming the file and key path. */
int cfg_load(const char *path, struct cfg **out, char err[CFG_ERR_MAX]);
void cfg_free(struct cfg *cfg);

/* Looks up a dotted key path in the parsed file; NULL if absent. Borrowed reference. */
json_t *cfg_section(const struct cfg *cfg, const char *dotted);

/* For the modules that read a section themselves: 0 when every key of the object obj (at key
 * path path) is in known (NULL-terminated) or a "//" comment; else -1 and err says
 * "path.key: unknown key (known: …)". Inside a section a misspelt key would silently change
 * what the service does, so it stops the start rather than being warned about. */
int cfg_known_keys(json_t *obj, const char *const *known, const char *path, char *err,
                   size_t errlen);

#endif
