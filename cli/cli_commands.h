/*
 * cli_commands.h — the operator's commands for agencies, their deadlines and campaigns:
 *
 *   tipgate agency add --code CODE --name "…" --chat PLATFORM:CHAT_ID [--chat …] [--kind K]
 *   tipgate agency list
 *   tipgate deadlines list [--period P]           the dated deadlines of the loaded calendars
 *   tipgate deadlines report [--period P] [--format table|csv]
 *   tipgate campaign create --code C --text "…" | --text-file F [--title T] [--audience A]
 *                           [--at "DD/MM/YYYY HH:MM"]
 *   tipgate campaign list | preview --code C | schedule --code C --at WHEN|now
 *   tipgate campaign cancel --code C | report [--code C] [--format table|csv] [--wait]
 *   tipgate login-link --person ID | staff | unenrol --person ID   (the web desk's people)
 *   tipgate export tips [--period P] [--format csv|jsonl] [--area CODE] [--out FILE]
 *                       [--with-contacts --person ID]
 *   tipgate token create --name N --scope S,S | list | revoke --name N   (the HTTP API's)
 *   tipgate report [--period P] [--area CODE] [--format html|csv|json] [--out FILE]
 *   tipgate zalo-oa authorize [--redirect-uri URL]   (the Zalo OA's first tokens)
 *   tipgate backup --to FILE|DIR/ [--keep N] [--force] | restore --from FILE
 *
 * cli/main.c parses the options into struct cli_args (its option table points into it) and
 * calls these; each opens the application (bot/app.h) like `tipgate enrol` does, works in one
 * transaction and returns an exit status (0, 1 runtime failure, 2 usage or configuration).
 * Files: cli_util.c (shared helpers), cli_agency.c, cli_deadlines.c, cli_campaign.c,
 * cli_staff.c, cli_report.c, cli_backup.c.
 */
#ifndef TIPGATE_CLI_COMMANDS_H
#define TIPGATE_CLI_COMMANDS_H

#include "config/config.h"

#include <stddef.h>

struct app;

enum { CLI_LIST_MAX = 16 };

/* A repeatable option's values (--chat …). */
struct cli_list {
    const char *items[CLI_LIST_MAX];
    int n;
};

struct cli_args {
    const char *action; /* the word after the command: add, list, report, create, … */
    const char *code, *name, *kind, *period, *format;
    const char *text, *text_file, *title, *audience, *at;
    const char *wait;       /* a flag: "1" when given */
    const char *person;     /* login-link, unenrol: a people id */
    const char *area, *out; /* report: an area code, the file written (NULL: stdout) */
    struct cli_list chats;
    /* tipgate export | token (cli_export.c, cli_token.c) */
    const char *area_code, *out_file, *with_contacts, *scopes;
    const char *redirect_uri; /* tipgate zalo-oa authorize (cli_zalo_oa.c) */
    /* tipgate backup | restore (cli_backup.c); force is a flag ("1") */
    const char *to, *keep, *force, *from;
};

int cli_agency(const char *config, const struct cli_args *a);
int cli_deadlines(const char *config, const struct cli_args *a);
int cli_campaign(const char *config, const struct cli_args *a);
int cli_login_link(const char *config, const struct cli_args *a);
int cli_staff(const char *config, const struct cli_args *a);
int cli_unenrol(const char *config, const struct cli_args *a);
/* tipgate export tips … (cli_export.c); tipgate token create|list|revoke (cli_token.c) */
int cli_export(const char *config, const struct cli_args *a);
int cli_token(const char *config, const struct cli_args *a);
int cli_report(const char *config, const struct cli_args *a);
/* tipgate zalo-oa authorize (cli_zalo_oa.c): OAuth v4 with PKCE, the code from stdin */
int cli_zalo_oa(const char *config, const struct cli_args *a);
/* tipgate backup --to … (a checked copy while serve runs); tipgate restore --from FILE
 * (refused while anything uses the database) — cli_backup.c */
int cli_backup(const char *config, const struct cli_args *a);
int cli_restore(const char *config, const struct cli_args *a);

/* What `serve`, `chat` and `enrol` check at start besides the configuration itself: the
 * agencies, calendars, holidays and the awareness calendar. */
int cli_check_config(const struct cfg *cfg, char *err, size_t errlen);
/* `enrol --role agency --agency CODE`: the agency must exist (configured or added). */
int cli_agency_known(struct app *app, const char *code, char *err, size_t errlen);

#endif
