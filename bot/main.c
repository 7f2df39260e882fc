/*
 * main.c — the `tipgate` command: a table of subcommands, option parsing, and the exit
 * statuses (0 ok, 1 runtime failure, 2 usage or configuration error). Everything else lives in
 * app.c and the modules it starts.
 */
#include "bot/app.h"
#include "bot/http.h"
#include "bot/log.h"
#include "bot/platforms/console.h"
#include "storage/db.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct main_opts {
    const char *config;
};

struct main_command {
    const char *name;
    int (*run)(const struct main_opts *opts);
    const char *summary;
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
    if (rc != 0) {
        fprintf(stderr, "tipgate: %s\n", err);
        app_free(&main_app);
    }
    return rc;
}

static int main_serve(const struct main_opts *opts)
{
    int rc = main_init(opts);
    if (rc != 0)
        return rc;
    main_signals();
    rc = APP_EXIT_RUNTIME;
    if (app_start_platforms(&main_app) != 0 || http_start(&main_app, &main_app.http) != 0 ||
        app_start_worker(&main_app) != 0)
        goto out;
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
    int rc = main_init(opts);
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
    if (cfg_load(opts->config, &cfg, err) != 0) {
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

static int main_version(const struct main_opts *opts)
{
    printf("tipgate %s (SQLite %s, libwebsockets %s, jansson %s)\n", TIPGATE_VERSION,
           sqlite3_libversion(), lws_get_library_version(), JANSSON_VERSION);
    return 0;
}

static int main_help(const struct main_opts *opts);

static const struct main_command main_commands[] = {
    {"serve", main_serve, "run the service: web chat, platforms, reminders"},
    {"chat", main_chat, "talk to the bot in this terminal, as a resident"},
    {"migrate", main_migrate, "create or upgrade the database, then exit"},
    {"version", main_version, "print the version"},
    {"help", main_help, "print this help"},
};

static void main_usage(FILE *out)
{
    fprintf(out, "usage: tipgate <command> [--config FILE]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof main_commands / sizeof main_commands[0]; i++)
        fprintf(out, "  %-9s %s\n", main_commands[i].name, main_commands[i].summary);
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

/* Parses argv after the command. Returns 0, or 2 after printing what is wrong. */
static int main_parse(int argc, char **argv, struct main_opts *opts)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && i + 1 < argc) {
            opts->config = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0 && a[9]) {
            opts->config = a + 9;
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
        rc = main_parse(argc - 2, argv + 2, &opts);
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
