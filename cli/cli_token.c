/*
 * cli_token.c — the bearer tokens of the HTTP API (storage/api_tokens.h):
 *
 *   tipgate token create --name NAME --scope read:reports,read:tips   prints the token once
 *   tipgate token list                                                 names, scopes, dates
 *   tipgate token revoke --name NAME
 *
 * The token is printed on standard output alone on its line and nowhere else: the database
 * keeps its SHA-256, and nothing logs it. A lost token is revoked and a new one made.
 */
#include "cli/cli_commands.h"

#include "base/clock.h"
#include "bot/app_core.h"
#include "cli/cli_util.h"
#include "storage/api_tokens.h"

#include <stdio.h>
#include <string.h>

enum { CLI_TOKEN_LIST_MAX = 1000 };

#define CLI_TOKEN_USAGE                                                                            \
    "tipgate: usage: tipgate token create --name NAME --scope read:tips,read:reports,"             \
    "read:campaigns,read:deadlines | tipgate token list | tipgate token revoke --name NAME "       \
    "[--config FILE]\n"

static int cli_token_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= API_TOKEN_NAME_MAX)
        return 0;
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c < 0x20)
            return 0;
    return 1;
}

static int cli_token_create(struct app *app, const struct cli_args *a)
{
    char list[API_TOKEN_SCOPES_MAX], scopes[API_TOKEN_SCOPES_MAX], token[API_TOKEN_MAX];
    const char *bad = NULL;
    if (!cli_token_name_ok(a->name)) {
        fprintf(stderr, "tipgate: token create needs --name (1 to %d bytes)\n",
                API_TOKEN_NAME_MAX - 1);
        return 2;
    }
    snprintf(list, sizeof list, "%s", a->scopes ? a->scopes : "");
    if (!a->scopes || strlen(a->scopes) >= sizeof list ||
        api_tokens_scopes_parse(list, scopes, &bad) != 0) {
        fprintf(stderr,
                "tipgate: --scope%s%s: a comma-separated list of read:tips, read:reports, "
                "read:campaigns, read:deadlines\n",
                bad ? ": unknown " : "", bad ? bad : "");
        return 2;
    }
    int rc = cli_util_begin(app);
    if (rc != 0)
        return rc;
    int got = api_tokens_create(app->db, a->name, scopes, clock_now_ms(), token);
    if (got != DB_OK) {
        db_rollback(app->db);
        if (got == DB_DUPLICATE) {
            fprintf(stderr, "tipgate: a token named %s exists (revoke it first)\n", a->name);
            return 2;
        }
        return APP_EXIT_RUNTIME;
    }
    if ((rc = cli_util_commit(app)) != 0)
        return rc;
    printf("%s\n", token);
    fprintf(stderr,
            "tipgate: token %s made; it is shown this once (the database keeps only its "
            "hash): send it as \"Authorization: Bearer <token>\"\n",
            a->name);
    return 0;
}

static int cli_token_list(struct app *app)
{
    static struct api_token rows[CLI_TOKEN_LIST_MAX];
    int n = 0;
    if (api_tokens_list(app->db, rows, CLI_TOKEN_LIST_MAX, &n) != DB_OK)
        return APP_EXIT_RUNTIME;
    cli_util_cell(stdout, "Tên", 24);
    cli_util_cell(stdout, "Quyền", 52);
    cli_util_cell(stdout, "Tạo lúc", 18);
    printf("Thu hồi lúc\n");
    for (int i = 0; i < n; i++) {
        char created[32], revoked[32], scopes[API_TOKEN_SCOPES_MAX];
        snprintf(scopes, sizeof scopes, "%s", rows[i].scopes + (rows[i].scopes[0] == ','));
        size_t len = strlen(scopes);
        if (len && scopes[len - 1] == ',')
            scopes[len - 1] = '\0';
        cli_util_time(rows[i].created_at, created, sizeof created);
        cli_util_time(rows[i].revoked_at, revoked, sizeof revoked);
        cli_util_cell(stdout, rows[i].name, 24);
        cli_util_cell(stdout, scopes, 52);
        cli_util_cell(stdout, created, 18);
        printf("%s\n", revoked);
    }
    return 0;
}

static int cli_token_revoke(struct app *app, const struct cli_args *a)
{
    if (!cli_token_name_ok(a->name)) {
        fprintf(stderr, "tipgate: token revoke needs --name\n");
        return 2;
    }
    int rc = cli_util_begin(app);
    if (rc != 0)
        return rc;
    int got = api_tokens_revoke(app->db, a->name, clock_now_ms());
    if (got != DB_OK) {
        db_rollback(app->db);
        if (got == DB_NOT_FOUND) {
            fprintf(stderr, "tipgate: no token in use is named %s\n", a->name);
            return 2;
        }
        return APP_EXIT_RUNTIME;
    }
    if ((rc = cli_util_commit(app)) == 0)
        fprintf(stderr, "tipgate: token %s revoked\n", a->name);
    return rc;
}

int cli_token(const char *config, const struct cli_args *a)
{
    const char *act = a->action ? a->action : "";
    if (strcmp(act, "create") != 0 && strcmp(act, "list") != 0 && strcmp(act, "revoke") != 0) {
        fputs(CLI_TOKEN_USAGE, stderr);
        return 2;
    }
    struct app app;
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    if (strcmp(act, "create") == 0)
        rc = cli_token_create(&app, a);
    else if (strcmp(act, "list") == 0)
        rc = cli_token_list(&app);
    else
        rc = cli_token_revoke(&app, a);
    app_free(&app);
    return rc;
}
