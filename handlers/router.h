/*
 * router.h — decides which handler an update goes to: a command table (names and aliases, with
 * "/cmd@BotName" accepted), then the free-text handler. Group chats get answers only to
 * commands here; later issues add the group watch.
 */
#ifndef TIPGATE_ROUTER_H
#define TIPGATE_ROUTER_H

#include "handlers/handler.h"

/* A command and its aliases, and who may use it where. Each feature module exports a table
 * of these (basic.c, report.c, desk.c, …); router.c lists the tables — adding a module's
 * commands is one line there. */
struct router_command {
    const char *names[4]; /* the command and its aliases, NULL-terminated */
    handler_fn fn;
    int in_groups; /* 1: also answered in group chats */
};

struct router_table {
    const struct router_command *rows;
    size_t n;
};

#define ROUTER_TABLE(rows)                                                                         \
    {                                                                                              \
        rows, sizeof rows / sizeof rows[0]                                                         \
    }

/* Parses ctx->msg's text into ctx->command / ctx->args and runs the matching handler.
 * Returns the handler's status (0 ok, -1 error: the worker rolls the update back). */
int router_dispatch(struct hctx *ctx);

/* Splits text into a lowercased command (without @BotName) and its arguments (leading blanks
 * skipped; the rest as written).
 * Returns 1 when text is a command, 0 otherwise (command set to ""). args points into text. */
int router_parse_command(const char *text, char command[HCTX_COMMAND_MAX], const char **args);

#endif
