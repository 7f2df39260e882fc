/*
 * console.h — the console platform: `tipgate chat` lets one person talk to the bot in a
 * terminal or through a pipe, over the same inbox → handlers → outbox pipeline as every other
 * platform (handy for demos and end-to-end tests).
 */
#ifndef TIPGATE_CONSOLE_H
#define TIPGATE_CONSOLE_H

#include <stdio.h>

struct app;

/* Reads lines from in until end of input (or a stop request), prints the bot's replies to out,
 * then waits up to CONSOLE_DRAIN_MS for replies still due. Returns 0, or -1 on a storage error.
 * The worker must be running. */
int console_run(struct app *app, FILE *in, FILE *out);

#endif
