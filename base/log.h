/*
 * log.h — levelled, timestamped logging to stderr that never prints a secret.
 *
 * Every secret the process learns (bot tokens, webhook secrets, web chat identities) is
 * registered with log_add_secret(); each formatted line is scrubbed of every registered secret
 * before it is written, so a token that slips into a URL or an error text still never reaches
 * the log. Thread-safe: one mutex guards the secret list and the write.
 */
#ifndef TIPGATE_LOG_H
#define TIPGATE_LOG_H

#include <stdarg.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Parses "debug", "info", "warn", "error", "off"; returns -1 for anything else. */
int log_level_parse(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Registers a secret to scrub from every later line. The string is copied; empty strings and
 * strings shorter than 4 bytes are ignored (scrubbing them would mangle ordinary text). */
void log_add_secret(const char *secret);
/* Frees the secret list (at exit, so leak checkers stay quiet). */
void log_shutdown(void);

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)

#endif
