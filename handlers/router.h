/*
 * router.h — decides which handler an update goes to: a command table (names and aliases, with
 * "/cmd@BotName" accepted), then the free-text handler. Group chats get answers only to
 * commands here; later issues add the group watch. The command tables it reads are declared
 * in handler.h, so a feature module exports its table without knowing the router.
 */
#ifndef TIPGATE_ROUTER_H
#define TIPGATE_ROUTER_H

#include "handlers/handler.h"

/* Parses ctx->msg's text into ctx->command / ctx->args and runs the matching handler.
 * Returns the handler's status (0 ok, -1 error: the worker rolls the update back). */
int router_dispatch(struct hctx *ctx);

/* Splits text into a lowercased command (without @BotName) and its arguments (leading blanks
 * skipped; the rest as written).
 * Returns 1 when text is a command, 0 otherwise (command set to ""). args points into text. */
int router_parse_command(const char *text, char command[HCTX_COMMAND_MAX], const char **args);

#endif
