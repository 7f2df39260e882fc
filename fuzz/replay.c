/*
 * replay.c — the main of a harness without libFuzzer: runs LLVMFuzzerTestOneInput once on
 * every file named on the command line, or on every file of a directory named (sorted, not
 * recursive), in the ordinary ASan + UBSan build. ctest runs it over each harness's seed corpus
 * and regression inputs (fuzz/CMakeLists.txt), so an input that once crashed is checked on
 * every run, with or without clang. Exits 0 after the last input; a sanitizer report ends the
 * process with its own status first. A missing path is an error (exit 2), an empty directory
 * is not.
 */
#include "fuzz/fuzzlib.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { REPLAY_MAX_INPUT = 16 * 1024 * 1024 }; /* a seed or regression file is a few KiB */

/* Runs one file through the harness. 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint8_t *buf = malloc(REPLAY_MAX_INPUT);
    size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT, f) : 0;
    int rc = buf && !ferror(f) ? 0 : -1;
    fclose(f);
    if (rc == 0) {
        /* An exact-size copy, as libFuzzer hands it: ASan sees a read past the input. */
        uint8_t *input = malloc(n ? n : 1);
        if (!input) {
            rc = -1;
        } else {
            memcpy(input, buf, n);
            LLVMFuzzerTestOneInput(input, n);
            free(input);
        }
    }
    free(buf);
    return rc;
}

static int replay_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order; *count adds the files run. 0, or -1. */
static int replay_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                rc = -1;
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            rc = -1;
        else
            n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, replay_names);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = replay_file(path);
            *count += rc == 0;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    int count = 0, rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            rc = replay_dir(argv[i], &count);
        } else {
            rc = replay_file(argv[i]);
            count += rc == 0;
        }
    }
    printf("%s: %d input(s) replayed%s\n", argv[0], count, rc == 0 ? "" : ", then an error");
    return rc == 0 ? 0 : 2;
}
