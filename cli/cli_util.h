/*
 * cli_util.h — what the operator commands of cli/cli_commands.h share: opening the
 * application with the same checks as `serve`, one transaction, dates and periods as
 * operators type them, tables padded by characters (Vietnamese names are multi-byte UTF-8),
 * CSV fields, and a progress line for terminals.
 */
#ifndef TIPGATE_CLI_UTIL_H
#define TIPGATE_CLI_UTIL_H

#include "bot/app.h"

#include <stdint.h>
#include <stdio.h>

/* app_init plus the checks of cli_check_config; prints the error. Returns an exit status. */
int cli_util_open(const char *config, struct app *app);
/* BEGIN IMMEDIATE / COMMIT on app->db; print what failed. 0 or APP_EXIT_RUNTIME. */
int cli_util_begin(struct app *app);
int cli_util_commit(struct app *app);

/* "DD/MM/YYYY HH:MM", "DD/MM/YYYY" (08:00) or "now" → local instant. 0 or -1. */
int cli_util_parse_when(const char *s, int64_t now_ms, int64_t *out);
/* "HH:MM DD/MM/YYYY" local; "-" for 0. */
void cli_util_time(int64_t ms, char *out, size_t size);
/* A period of days (calendar_period: "2026", "2026-Q3", "2026-H1", "2026-03",
 * "01/01/2026-30/06/2026", "all"); NULL or "" is the year of today. 0 or -1. */
int cli_util_period(const char *s, int64_t today, int64_t *from, int64_t *to);

/* Writes s padded with spaces to width characters (code points), cut at a character. */
void cli_util_cell(FILE *out, const char *s, int width);
/* A CSV field (quoted when needed), then sep (',' or '\n'). */
void cli_util_csv(FILE *out, const char *s, char sep);
/* "table" (default) or "csv": 0 table, 1 csv, -1 other (message printed). */
int cli_util_format(const char *s);

/* One progress line on a terminal (overwritten in place; nothing when out is not a tty). */
void cli_util_progress(FILE *out, const char *label, int64_t done, int64_t total);

#endif
