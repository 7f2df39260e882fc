/*
 * main.c — the `tipgate` command: a table of subcommands, option parsing, and the exit
 * statuses (0 ok, 1 runtime failure, 2 usage or configuration error). Everything else lives in
 * app.c and the modules it starts.
 */
#include "cli/analyze.h"
#include "bot/app.h"
#include "cli/cli_commands.h"
#include "base/clock.h"
#include "bot/http.h"
#include "bot/platform.h"
#include "base/log.h"
#include "bot/platforms/console.h"
#include "storage/enrol.h"
#include "storage/db.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <signal.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAIN_ARGS_MAX = 8 };

struct main_opts {
    const char *config;
    const char *role, *area, *agency; /* tipgate enrol */
    const char *args[MAIN_ARGS_MAX];  /* words that are not options ("import", a file) */
    int nargs;
    struct cli_args cli; /* tipgate agency | deadlines | campaign (cli/cli_commands.h) */
};

enum { OPT_CONFIG = 1, OPT_ENROL = 2, OPT_ARGS = 4 /* takes words that are not options */ };
enum { OPT_AGENCY = 8, OPT_DEADLINES = 16, OPT_CAMPAIGN = 32, OPT_PERSON = 64 };
enum { OPT_EXPORT = 1 << 12, OPT_TOKEN = 1 << 13 }; /* tipgate export | token */
enum { OPT_REPORT = 128 };
enum { OPT_ZALO_OA = 1 << 14 };                       /* tipgate zalo-oa */
enum { OPT_BACKUP = 1 << 15, OPT_RESTORE = 1 << 16 }; /* tipgate backup | restore */

struct main_command {
    const char *name;
    int (*run)(const struct main_opts *opts);
    const char *summary;
    unsigned options; /* OPT_* it accepts */
};

static struct app main_app;

static void main_on_signal(int sig)
{
    (void)sig;
    app_request_stop(&main_app);
    http_interrupt(main_app.http);
}

static void main_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = main_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int main_init(const struct main_opts *opts)
{
    char err[1024];
    int rc = app_init(&main_app, opts->config, err, sizeof err);
    if (rc == 0 && cli_check_config(main_app.cfg, err, sizeof err) != 0)
        rc = APP_EXIT_CONFIG;
    if (rc != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        app_free(&main_app);
    }
    return rc;
}

/* serve and chat send: they own what they put on the wire (bot/owner.h). */
static int main_init_sender(const struct main_opts *opts, const char *command)
{
    int rc = main_init(opts);
    char err[512];
    if (rc == 0 && (rc = app_own_sends(&main_app, command, err, sizeof err)) != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        app_free(&main_app);
    }
    return rc;
}

static int main_serve(const struct main_opts *opts)
{
    int rc = main_init_sender(opts, "serve");
    if (rc != 0)
        return rc;
    main_signals();
    rc = APP_EXIT_RUNTIME;
    if (app_start_platforms(&main_app) != 0 || http_start(&main_app, &main_app.http) != 0 ||
        app_start_worker(&main_app) != 0)
        goto out;
    cfg_warn_unread(main_app.cfg); /* every module and platform has read its settings by now */
    log_info("main", "tipgate %s ready: open http://%s:%d in a browser for the web chat",
             TIPGATE_VERSION, main_app.cfg->http_listen, http_port(main_app.http));
    if (http_run(main_app.http) != 0)
        goto out;
    log_info("main", "stopping: finishing the work in hand");
    rc = 0;
out:
    app_free(&main_app);
    log_info("main", "stopped");
    return rc;
}

static int main_chat(const struct main_opts *opts)
{
    int rc = main_init_sender(opts, "chat");
    if (rc != 0)
        return rc;
    main_signals();
    if (isatty(0))
        fprintf(stderr, "tipgate chat: gõ tin nhắn rồi Enter (thử /start). Ctrl-D để thoát.\n");
    rc = APP_EXIT_RUNTIME;
    if (app_start_worker(&main_app) == 0 && console_run(&main_app, stdin, stdout) == 0)
        rc = 0;
    app_free(&main_app);
    return rc;
}

static int main_migrate(const struct main_opts *opts)
{
    struct cfg *cfg = NULL;
    char err[CFG_ERR_MAX];
    if (app_load_cfg(opts->config, &cfg, err) != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        return APP_EXIT_CONFIG;
    }
    log_set_level((enum log_level)log_level_parse(cfg->log_level));
    struct db_options dopt = {.busy_timeout_ms = cfg->storage_busy_timeout_ms,
                              .synchronous_full = 1};
    struct db *db = NULL;
    int version = 0, rc = APP_EXIT_RUNTIME;
    if (db_open(cfg->storage_path, &dopt, &db) == DB_OK && db_migrate(db, -1) == DB_OK &&
        db_version(db, &version) == DB_OK) {
        printf("%s: schema version %d\n", cfg->storage_path, version);
        rc = 0;
    } else {
        fprintf(stderr, "tipgate: cannot migrate %s\n", cfg->storage_path);
    }
    db_close(db);
    cfg_free(cfg);
    return rc;
}

/* `tipgate enrol`: prints a one-time code, alone on the last line of stdout. */
static int main_enrol(const struct main_opts *opts)
{
    static const char *const roles[] = {"police", "leader", "agency", "commander"};
    int known = 0;
    for (size_t i = 0; opts->role && i < sizeof roles / sizeof roles[0]; i++)
        known |= strcmp(opts->role, roles[i]) == 0;
    int agency = known && strcmp(opts->role, "agency") == 0;
    int commander = known && strcmp(opts->role, "commander") == 0; /* the whole ward */
    if (!known || (agency ? !opts->agency : !commander && !opts->area)) {
        fprintf(stderr, "tipgate: enrol needs --role police|leader with --area CODE, "
                        "--role commander, or --role agency with --agency CODE\n");
        return 2;
    }
    int rc = main_init(opts);
    if (rc != 0)
        return rc;
    char err[256] = "", code[ENROL_CODE_LEN + 1];
    rc = agency ? cli_agency_known(&main_app, opts->agency, err, sizeof err) : 0;
    if (rc == 0)
        rc = app_enrol(&main_app, opts->role, opts->area, opts->agency, code, err, sizeof err);
    if (rc == 0) {
        printf("Mã đăng ký dùng một lần, hết hạn sau %d ngày. Người nhận gõ trong cuộc trò "
               "chuyện với bot:\n  /dangky %.5s-%.5s\n%.5s-%.5s\n",
               APP_ENROL_DAYS, code, code + 5, code, code + 5);
    } else {
        fprintf(stderr, "tipgate: %s\n", err);
    }
    app_free(&main_app);
    return rc;
}

/* `tipgate scamlist import FILE`: flagged phones, links and accounts from a JSON Lines file. */
static int main_scamlist(const struct main_opts *opts)
{
    if (opts->nargs != 2 || strcmp(opts->args[0], "import") != 0) {
        fprintf(stderr, "tipgate: usage: tipgate scamlist import FILE [--config FILE]\n");
        return 2;
    }
    FILE *in = strcmp(opts->args[1], "-") == 0 ? stdin : fopen(opts->args[1], "r");
    if (!in) {
        fprintf(stderr, "tipgate: cannot read %s\n", opts->args[1]);
        return 2;
    }
    int rc = main_init(opts);
    if (rc == 0) {
        int added = 0, bad = 0;
        rc = app_scamlist_import(&main_app, in, stderr, &added, &bad);
        if (rc == 0)
            printf("%d item(s) flagged, %d line(s) refused\n", added, bad);
        app_free(&main_app);
        rc = rc != 0 ? APP_EXIT_RUNTIME : bad ? 1 : 0;
    }
    if (in != stdin)
        fclose(in);
    return rc;
}

static int main_version(const struct main_opts *opts)
{
    printf("tipgate %s (SQLite %s, libwebsockets %s, jansson %s)\n", TIPGATE_VERSION,
           sqlite3_libversion(), lws_get_library_version(), JANSSON_VERSION);
    return 0;
}

/* `tipgate analyze`: the text engine as a JSON Lines filter (cli/analyze.h). */
static int main_analyze(const struct main_opts *opts)
{
    return analyze_run(opts->config, stdin, stdout, stderr);
}

/* `tipgate agency|deadlines|campaign ACTION …`: the word after the command is the action. */
static int main_cli(const struct main_opts *opts, int (*run)(const char *, const struct cli_args *))
{
    struct cli_args a = opts->cli;
    a.action = opts->nargs == 1 ? opts->args[0] : NULL;
    if (opts->nargs > 1) {
        fprintf(stderr, "tipgate: unexpected '%s'\n", opts->args[1]);
        return 2;
    }
    return run(opts->config, &a);
}

static int main_agency(const struct main_opts *opts)
{
    return main_cli(opts, cli_agency);
}

static int main_deadlines(const struct main_opts *opts)
{
    return main_cli(opts, cli_deadlines);
}

static int main_campaign(const struct main_opts *opts)
{
    return main_cli(opts, cli_campaign);
}

static int main_login_link(const struct main_opts *opts)
{
    return main_cli(opts, cli_login_link);
}

static int main_staff(const struct main_opts *opts)
{
    return main_cli(opts, cli_staff);
}

static int main_unenrol(const struct main_opts *opts)
{
    return main_cli(opts, cli_unenrol);
}

static int main_export(const struct main_opts *opts)
{
    return main_cli(opts, cli_export);
}

static int main_token(const struct main_opts *opts)
{
    return main_cli(opts, cli_token);
}

static int main_report(const struct main_opts *opts)
{
    return main_cli(opts, cli_report);
}

static int main_zalo_oa(const struct main_opts *opts)
{
    return main_cli(opts, cli_zalo_oa);
}

static int main_backup(const struct main_opts *opts)
{
    return main_cli(opts, cli_backup);
}

static int main_restore(const struct main_opts *opts)
{
    return main_cli(opts, cli_restore);
}

static int main_help(const struct main_opts *opts);

static const struct main_command main_commands[] = {
    {"serve", main_serve, "run the service: web chat, platforms, reminders", OPT_CONFIG},
    {"chat", main_chat, "talk to the bot in this terminal, as a resident", OPT_CONFIG},
    {"migrate", main_migrate, "create or upgrade the database, then exit", OPT_CONFIG},
    {"enrol", main_enrol,
     "make a one-time enrolment code: --role police|leader|agency|commander --area CODE | "
     "--agency CODE",
     OPT_CONFIG | OPT_ENROL},
    {"login-link", main_login_link, "print a one-time web desk sign-in link: --person ID",
     OPT_CONFIG | OPT_PERSON},
    {"staff", main_staff, "list the enrolled people and their web desk sessions", OPT_CONFIG},
    {"unenrol", main_unenrol, "make an enrolled person a resident again: --person ID",
     OPT_CONFIG | OPT_PERSON},
    {"analyze", main_analyze, "classify JSON Lines messages from stdin (the text engine)",
     OPT_CONFIG},
    {"scamlist", main_scamlist, "import FILE: flag scam phones, links and accounts (JSON Lines)",
     OPT_CONFIG | OPT_ARGS},
    {"agency", main_agency, "add | list: agencies reminded of deadlines (--code --name --chat)",
     OPT_CONFIG | OPT_ARGS | OPT_AGENCY},
    {"deadlines", main_deadlines, "list | report: dated deadlines, each agency's record",
     OPT_CONFIG | OPT_ARGS | OPT_DEADLINES},
    {"campaign", main_campaign, "create | list | preview | schedule | cancel | report",
     OPT_CONFIG | OPT_ARGS | OPT_CAMPAIGN},
    {"export", main_export, "tips --period P --format csv|jsonl: tips without the tipster",
     OPT_CONFIG | OPT_ARGS | OPT_EXPORT},
    {"token", main_token, "create | list | revoke: bearer tokens of the HTTP API /api/v1",
     OPT_CONFIG | OPT_ARGS | OPT_TOKEN},
    {"report", main_report,
     "the ward's period report: --period 2026-Q1 [--area CODE] [--format html|csv|json] "
     "[--out FILE]",
     OPT_CONFIG | OPT_REPORT},
    {"zalo-oa", main_zalo_oa,
     "authorize [--redirect-uri URL]: get the Zalo Official Account's first tokens",
     OPT_CONFIG | OPT_ARGS | OPT_ZALO_OA},
    {"backup", main_backup,
     "--to FILE|DIR/ [--keep N] [--force]: a checked copy of the database, while serve runs",
     OPT_CONFIG | OPT_BACKUP},
    {"restore", main_restore, "--from FILE: put a backup in place (the service stopped)",
     OPT_CONFIG | OPT_RESTORE},
    {"version", main_version, "print the version", 0},
    {"help", main_help, "print this help", 0},
};

static void main_usage(FILE *out)
{
    fprintf(out, "usage: tipgate <command> [--config FILE]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof main_commands / sizeof main_commands[0]; i++)
        fprintf(out, "  %-10s %s\n", main_commands[i].name, main_commands[i].summary);
    fprintf(out, "\noptions:\n"
                 "  -c, --config FILE  configuration file (JSON); without it, built-in defaults\n"
                 "  -h, --help         this help\n"
                 "  -V, --version      the version\n\n"
                 "Example: tipgate serve --config config/tipgate.example.json\n");
}

static int main_help(const struct main_opts *opts)
{
    main_usage(stdout);
    return 0;
}

/* Marks in an option's bit (never in a command's mask): MAIN_FLAG takes no value (set to "1"),
 * MAIN_LIST may be repeated (its offset is a struct cli_list). */
#define MAIN_FLAG (1u << 30)
#define MAIN_LIST (1u << 31)

struct main_option {
    const char *name;
    size_t offset; /* into struct main_opts */
    unsigned bit;  /* commands list the options they take as a mask of these */
};

static const struct main_option main_options[] = {
    {"--config", offsetof(struct main_opts, config), OPT_CONFIG},
    {"-c", offsetof(struct main_opts, config), OPT_CONFIG},
    {"--role", offsetof(struct main_opts, role), OPT_ENROL},
    {"--area", offsetof(struct main_opts, area), OPT_ENROL},
    {"--agency", offsetof(struct main_opts, agency), OPT_ENROL},
#define MAIN_CLI(field) offsetof(struct main_opts, cli.field)
    {"--code", MAIN_CLI(code), OPT_AGENCY | OPT_CAMPAIGN},
    {"--name", MAIN_CLI(name), OPT_AGENCY},
    {"--kind", MAIN_CLI(kind), OPT_AGENCY},
    {"--chat", MAIN_CLI(chats), OPT_AGENCY | MAIN_LIST},
    {"--period", MAIN_CLI(period), OPT_DEADLINES},
    {"--format", MAIN_CLI(format), OPT_DEADLINES | OPT_CAMPAIGN},
    {"--text", MAIN_CLI(text), OPT_CAMPAIGN},
    {"--text-file", MAIN_CLI(text_file), OPT_CAMPAIGN},
    {"--title", MAIN_CLI(title), OPT_CAMPAIGN},
    {"--audience", MAIN_CLI(audience), OPT_CAMPAIGN},
    {"--at", MAIN_CLI(at), OPT_CAMPAIGN},
    {"--wait", MAIN_CLI(wait), OPT_CAMPAIGN | MAIN_FLAG},
    {"--person", MAIN_CLI(person), OPT_PERSON},
    {"--period", MAIN_CLI(period), OPT_EXPORT},
    {"--format", MAIN_CLI(format), OPT_EXPORT},
    {"--area", MAIN_CLI(area_code), OPT_EXPORT},
    {"--out", MAIN_CLI(out_file), OPT_EXPORT},
    {"--with-contacts", MAIN_CLI(with_contacts), OPT_EXPORT | MAIN_FLAG},
    {"--person", MAIN_CLI(person), OPT_EXPORT},
    {"--name", MAIN_CLI(name), OPT_TOKEN},
    {"--scope", MAIN_CLI(scopes), OPT_TOKEN},
    {"--period", MAIN_CLI(period), OPT_REPORT},
    {"--area", MAIN_CLI(area), OPT_REPORT},
    {"--format", MAIN_CLI(format), OPT_REPORT},
    {"--out", MAIN_CLI(out), OPT_REPORT},
    {"--redirect-uri", MAIN_CLI(redirect_uri), OPT_ZALO_OA},
    {"--to", MAIN_CLI(to), OPT_BACKUP},
    {"--keep", MAIN_CLI(keep), OPT_BACKUP},
    {"--force", MAIN_CLI(force), OPT_BACKUP | MAIN_FLAG},
    {"--from", MAIN_CLI(from), OPT_RESTORE},
#undef MAIN_CLI
};

/* Sets the option named a ("--x" with the next argument, or "--x=value") when the command
 * takes it (mask); 0 if it did. */
static int main_option(struct main_opts *opts, unsigned mask, const char *a, const char *next,
                       int *used)
{
    for (size_t k = 0; k < sizeof main_options / sizeof main_options[0]; k++) {
        if (!(main_options[k].bit & mask))
            continue;
        const char *name = main_options[k].name;
        size_t n = strlen(name);
        const char **slot = (const char **)((char *)opts + main_options[k].offset);
        struct cli_list *list = NULL;
        if (main_options[k].bit & MAIN_FLAG) {
            if (strcmp(a, name) != 0)
                continue;
            *slot = "1";
            *used = 1;
            return 0;
        }
        if (main_options[k].bit & MAIN_LIST) {
            list = (struct cli_list *)((char *)opts + main_options[k].offset);
            if (list->n == CLI_LIST_MAX)
                continue; /* one more is an error: "unknown or incomplete option" */
            slot = &list->items[list->n];
        }
        if (strcmp(a, name) == 0 && next) {
            *slot = next;
            *used = 2;
        } else if (strncmp(a, name, n) == 0 && a[n] == '=' && a[n + 1]) {
            *slot = a + n + 1;
            *used = 1;
        } else {
            continue;
        }
        if (list)
            list->n++;
        return 0;
    }
    return -1;
}

/* Parses argv after the command. Returns 0, or 2 after printing what is wrong. */
static int main_parse(int argc, char **argv, unsigned mask, struct main_opts *opts)
{
    for (int i = 0; i < argc;) {
        const char *a = argv[i];
        int used = 0;
        if (main_option(opts, mask, a, i + 1 < argc ? argv[i + 1] : NULL, &used) == 0) {
            i += used;
        } else if ((mask & OPT_ARGS) && a[0] != '-' && opts->nargs < MAIN_ARGS_MAX) {
            opts->args[opts->nargs++] = a;
            i++;
        } else {
            fprintf(stderr, "tipgate: unknown or incomplete option '%s'\n\n", a);
            main_usage(stderr);
            return 2;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    clock_init_from_env();
    platform_registry_init(); /* options name platforms (--chat telegram:…) before app_init */
    const char *name = argc > 1 ? argv[1] : "";
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    else if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        name = "version";
    struct main_opts opts = {0};
    int rc = 2;
    for (size_t i = 0; i < sizeof main_commands / sizeof main_commands[0]; i++) {
        if (strcmp(main_commands[i].name, name) != 0)
            continue;
        rc = main_parse(argc - 2, argv + 2, main_commands[i].options, &opts);
        if (rc == 0)
            rc = main_commands[i].run(&opts);
        log_shutdown();
        return rc;
    }
    if (*name)
        fprintf(stderr, "tipgate: unknown command '%s'\n\n", name);
    main_usage(stderr);
    return 2;
}
