/*
 * testlib.h — a tiny test harness: TEST(name) functions registered in a table by each test
 * file's main, CHECK macros that report file:line and keep going, and a temp directory per run.
 */
#ifndef TIPGATE_TESTLIB_H
#define TIPGATE_TESTLIB_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int testlib_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            testlib_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__,     \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
            testlib_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %lld\n", __FILE__,      \
                    __LINE__, #a, a_, b_);                                                         \
            testlib_failures++;                                                                    \
        }                                                                                          \
    } while (0)

struct testlib_case {
    const char *name;
    void (*fn)(void);
};

/* Runs every case, prints a summary, returns the process exit status. */
int testlib_run(const struct testlib_case *cases, size_t n);
/* A fresh directory for this test process (under $TIPGATE_TEST_TMP or /tmp). */
const char *testlib_tmpdir(void);
/* Writes text to dir/name and returns the path (static buffer, overwritten by the next call). */
const char *testlib_write(const char *name, const char *text);

struct app;
/* app_init on config (JSON text), written to dir/<name>.json. 0 when the app is usable (the
 * caller then app_free()s it); otherwise a failed check, app_init's reason printed. */
int testlib_app(struct app *app, const char *name, const char *config);

/* Redirects stderr into a file of the test's directory until testlib_capture_end, which
 * returns what was written (a static buffer, cut at 8 KiB). Not nested. */
void testlib_capture_begin(void);
const char *testlib_capture_end(void);

struct textengine;
/* The text engine with the shipped lexicon (config/categories.vi.json); exits the test on a load
 * failure. The caller frees it with textengine_free. */
struct textengine *testlib_engine(void);

struct db;
/* A new database file dir/<name>, migrated to version (-1: the latest); NULL after a failed
 * check. The caller db_close()s it. */
struct db *testlib_db(const char *name, int version);
/* SQL the test writes itself (sqlite3_exec: not through the statement cache, which is keyed by
 * the string's address); a failure is a failed check. */
void testlib_exec(struct db *db, const char *sql);
/* The first column of the first row of sql as an integer; -1 (and a message) when none. */
int64_t testlib_q1(struct db *db, const char *sql);

#define TESTLIB_MAIN(...)                                                                          \
    int main(void)                                                                                 \
    {                                                                                              \
        static const struct testlib_case cases[] = {__VA_ARGS__};                                  \
        return testlib_run(cases, sizeof cases / sizeof cases[0]);                                 \
    }
#define T(fn)                                                                                      \
    {                                                                                              \
#fn, fn                                                                                    \
    }

#endif
