/*
 * fuzz_analyze.c — the text engine on arbitrary bytes, two ways per input:
 *   - as one line of `tipgate analyze` (cli/analyze.c's an_line: the line checks, JSON, the
 *     "text" and "context" checks, then textengine_analyze or, for every other input,
 *     textengine_explain, and the answer written out);
 *   - the input itself as a message's text straight into textengine_analyze (text/: the
 *     normaliser, tokeniser, phone, plate, URL, money, place and time extractors, the
 *     classifier and urgency), in group context for inputs of odd length.
 * The lexicon is the shipped config/categories.vi.json, loaded once.
 *
 * an_line is static, so this file includes cli/analyze.c whole (unchanged); the library's own
 * copy is never linked into the harness.
 */
#include "fuzz/fuzzlib.h"

#include "cli/analyze.c"

static struct textengine *fuzz_te;
static FILE *fuzz_null;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    char err[512];
    fuzz_null = fopen("/dev/null", "w");
    if (!fuzz_null || textengine_load(TIPGATE_SOURCE_DIR "/config/categories.vi.json", &fuzz_te,
                                      err, sizeof err) != TEXTENGINE_OK) {
        fprintf(stderr, "fuzz_analyze: %s\n", fuzz_null ? err : "cannot open /dev/null");
        exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ANALYZE_MAX_LINE)
        return 0;
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    if (size)
        memcpy(line, data, size);
    an_line(fuzz_te, line, size, false, size % 2 == 0, fuzz_null);
    free(line);
    char *text = fuzzlib_cstr(data, size);
    struct text_analysis a;
    textengine_analyze(fuzz_te, text, size % 2 == 1, &a);
    text_analysis_clear(&a);
    free(text);
    return 0;
}
