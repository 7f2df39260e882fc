/*
 * analyze.h — `tipgate analyze [--config FILE]`: the text engine as a filter, for scoring it
 * (bench/text_accuracy.py), for wards checking an edit of config/categories.vi.json, and for
 * scripts. JSON Lines in on stdin, {"text": "…", "context": "private"|"group"} (context may be
 * left out: private); one JSON line out per line in, in the same order:
 *
 *   {"is_tip": true, "category": "theft", "urgent": false, "phones": ["0912345678"],
 *    "plates": ["29A-12345"], "urls": [], "money_vnd": 2000000}
 *
 * A bad line (not JSON, not an object, no "text", "text" not a string, invalid UTF-8, text over
 * ANALYZE_MAX_TEXT bytes, line over ANALYZE_MAX_LINE bytes, an empty line) gets
 * {"error": "…"} and the run goes on. With TIPGATE_ANALYZE_EXPLAIN=1 in the environment each
 * answer also carries "score", "when", "where" and "explain" (what fired). Output is flushed per
 * line only when stdout is a terminal.
 */
#ifndef TIPGATE_ANALYZE_H
#define TIPGATE_ANALYZE_H

#include <stdio.h>

enum {
    ANALYZE_MAX_TEXT = 4096, /* bytes of "text" */
    ANALYZE_MAX_LINE = 65536 /* bytes of one input line (a text of 4096 bytes in \u escapes) */
};

/* Runs the filter: config_path as for serve (NULL: defaults; the lexicon is the config key
 * "categories"). Returns the exit status: 0 at the end of input, 1 if writing failed, 2 for a
 * configuration error (printed to err). */
int analyze_run(const char *config_path, FILE *in, FILE *out, FILE *err);

#endif
