/*
 * fuzzlib.h — what the harnesses in fuzz/ share: the two libFuzzer entry points every
 * fuzz_<target>.c defines (declared here so the C warnings are satisfied), a scratch directory
 * that is removed at exit, a NUL-terminated copy of an input, and the one service instance
 * (app_init on a small configuration, its database in the scratch directory) for the parsers
 * that store what they read. Everything is set up once per process (LLVMFuzzerInitialize), so
 * an input costs only the parse it exercises.
 *
 * The same harness files link with fuzz/replay.c instead of libFuzzer for ctest's replay of the
 * corpora and the regression inputs in the ordinary gcc ASan build (fuzz/CMakeLists.txt).
 */
#ifndef TIPGATE_FUZZLIB_H
#define TIPGATE_FUZZLIB_H

#include <stddef.h>
#include <stdint.h>

struct app;

/* libFuzzer's entry points (each harness defines both). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fixed "now" of every harness (2026-06-15T03:00:00Z): an input replays the same way. */
#define FUZZ_NOW_MS 1781492400000LL

/* Quiets the log, fakes the clock at FUZZ_NOW_MS, registers platforms and settings (as every
 * command does first). Idempotent. */
void fuzzlib_init(void);

/* The scratch directory of this process (created on first use, removed at exit): under
 * $TIPGATE_TEST_TMP when set, else /dev/shm when writable, else /tmp. */
const char *fuzzlib_dir(void);

/* A malloc'd NUL-terminated copy of data (never NULL: aborts when out of memory). */
char *fuzzlib_cstr(const uint8_t *data, size_t size);

/* Writes size bytes to <dir>/name, replacing it; returns the path (a static buffer, overwritten
 * by the next call), or NULL when the write failed. */
const char *fuzzlib_write(const char *name, const void *data, size_t size);

/* The service as `serve` builds it (app_init), on a configuration whose "platforms" object is
 * platforms_json (e.g. "{}"), with log level off and the database in the scratch directory.
 * Built once; exits the process when the configuration is refused (a harness bug). */
struct app *fuzzlib_app(const char *platforms_json);

/* Starts the named platform of fuzzlib_app's service with its own ops (real senders and
 * receivers whose API base URL points to a closed local port) and returns its state; exits
 * the process when it cannot. Stopped at exit. */
void *fuzzlib_start_platform(const char *name);

/* Keeps the database small during long runs: every few thousand calls, deletes what the
 * parsers stored (inbox rows, web chat identities, windows). */
void fuzzlib_trim(void);

#endif
