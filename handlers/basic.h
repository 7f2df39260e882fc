/*
 * basic.h — the handlers every deployment has: /start, /help, an unknown command, and what to
 * say to anything else.
 */
#ifndef TIPGATE_BASIC_H
#define TIPGATE_BASIC_H

#include "handlers/handler.h"

extern const struct router_table basic_commands;

int basic_start(struct hctx *ctx);
int basic_help(struct hctx *ctx);
int basic_unknown_command(struct hctx *ctx);
int basic_free_text(struct hctx *ctx);
/* The bot was added to or removed from a chat: recorded on the chat. */
int basic_member(struct hctx *ctx);

#endif
