/*
 * analyze.c — see analyze.h. Input is read with read(2) in blocks of up to 64 KiB and cut into
 * lines by hand, not with getline(): getline would grow its buffer to hold a 10 MB line, and
 * the bound here is the point. Every line produces exactly one output line, so a caller can
 * zip answers with questions; the output is built by hand (the fields are fixed and few) to
 * keep the filter well above the 20,000 messages/s a bulk re-scoring needs.
 */
#include "cli/analyze.h"

#include "base/utf8.h"
#include "bot/app.h"
#include "config/config.h"
#include "text/textengine.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { AN_BLOCK = 65536, AN_EXPLAIN_MAX = 4096 };

struct an_reader {
    int fd;
    size_t at, len;
    bool eof;
    char buf[AN_BLOCK];
};

/* Reads what is available (read(2), not fread(3), which would wait for a whole block and hold
 * back the answers of an interactive session); 0 at the end of input or on an error. */
static size_t an_fill(struct an_reader *r)
{
    for (;;) {
        ssize_t n = read(r->fd, r->buf, sizeof r->buf);
        if (n >= 0)
            return (size_t)n;
        if (errno != EINTR)
            return 0;
    }
}

/* Reads the next line (without its '\n') into line (cap bytes). Returns false at the end of
 * input. A line longer than cap sets *too_long and the rest of it is skipped. */
static bool an_read_line(struct an_reader *r, char *line, size_t cap, size_t *n, bool *too_long)
{
    bool any = false;
    *n = 0;
    *too_long = false;
    for (;;) {
        if (r->at == r->len) {
            r->len = r->eof ? 0 : an_fill(r);
            r->at = 0;
            if (r->len == 0) {
                r->eof = true;
                return any;
            }
        }
        any = true;
        char *p = r->buf + r->at, *nl = memchr(p, '\n', r->len - r->at);
        size_t take = nl ? (size_t)(nl - p) : r->len - r->at;
        if (!*too_long && *n + take <= cap) {
            memcpy(line + *n, p, take);
            *n += take;
        } else {
            *too_long = true;
        }
        r->at += take + (nl != NULL);
        if (nl)
            return true;
    }
}

static void an_string(FILE *out, const char *s)
{
    putc_unlocked('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            putc_unlocked('\\', out);
            putc_unlocked(*p, out);
        } else if (*p < 0x20) {
            fprintf(out, "\\u%04x", *p);
        } else {
            putc_unlocked(*p, out);
        }
    }
    putc_unlocked('"', out);
}

/* A string, or null when there is none. */
static void an_nullable(FILE *out, const char *s)
{
    if (s)
        an_string(out, s);
    else
        fputs("null", out);
}

static void an_list(FILE *out, const char *name, char *const *items, size_t n)
{
    fprintf(out, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc_unlocked(',', out);
        an_string(out, items[i]);
    }
    putc_unlocked(']', out);
}

static void an_error(FILE *out, const char *why)
{
    fputs("{\"error\":", out);
    an_string(out, why);
    fputs("}\n", out);
}

static void an_answer(FILE *out, const struct text_analysis *a, const char *explain)
{
    fprintf(out, "{\"is_tip\":%s,\"category\":", a->is_tip ? "true" : "false");
    if (a->category)
        an_string(out, a->category);
    else
        fputs("null", out);
    fprintf(out, ",\"urgent\":%s", a->urgent ? "true" : "false");
    an_list(out, "phones", a->phones, a->nphones);
    an_list(out, "plates", a->plates, a->nplates);
    an_list(out, "urls", a->urls, a->nurls);
    if (a->money_vnd >= 0)
        fprintf(out, ",\"money_vnd\":%" PRId64, a->money_vnd);
    else
        fputs(",\"money_vnd\":null", out);
    fputs(",\"money\":[", out);
    for (size_t i = 0; i < a->nmoney; i++)
        fprintf(out, "%s%" PRId64, i ? "," : "", a->money[i]);
    fputs("],\"place\":", out);
    an_nullable(out, a->place);
    fputs(",\"when\":", out);
    an_nullable(out, a->when);
    fprintf(out, ",\"category_confidence\":%.2f,\"category2\":", a->category_confidence);
    an_nullable(out, a->category2);
    if (explain) {
        fprintf(out, ",\"score\":%.2f", a->score);
        fputs(",\"explain\":", out);
        an_string(out, explain);
    }
    fputs("}\n", out);
}

/* Checks one parsed line; returns NULL and sets *text and *group, or the error to report. */
static const char *an_check(json_t *root, const char **text, bool *group)
{
    if (!json_is_object(root))
        return "not a JSON object";
    json_t *t = json_object_get(root, "text"), *ctx = json_object_get(root, "context");
    if (!t)
        return "no \"text\"";
    if (!json_is_string(t))
        return "\"text\" must be a string";
    if (json_string_length(t) > ANALYZE_MAX_TEXT)
        return "\"text\" is over 4096 bytes";
    const char *c = ctx && !json_is_null(ctx) ? json_string_value(ctx) : "private";
    if (!c || (strcmp(c, "private") != 0 && strcmp(c, "group") != 0))
        return "\"context\" must be \"private\" or \"group\"";
    *text = json_string_value(t);
    *group = strcmp(c, "group") == 0;
    return NULL;
}

static void an_line(const struct textengine *te, char *line, size_t n, bool too_long, bool explain,
                    FILE *out)
{
    if (n > 0 && line[n - 1] == '\r')
        n--;
    const char *why = too_long               ? "line too long (over 65536 bytes)"
                      : n == 0               ? "empty line"
                      : !utf8_valid(line, n) ? "invalid UTF-8 (or a NUL byte)"
                                             : NULL;
    json_t *root = NULL;
    json_error_t jerr;
    if (!why && !(root = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr)))
        why = "not valid JSON";
    const char *text = NULL;
    bool group = false;
    if (!why)
        why = an_check(root, &text, &group);
    if (why) {
        an_error(out, why);
        json_decref(root);
        return;
    }
    struct text_analysis a;
    char *ex = explain ? malloc(AN_EXPLAIN_MAX) : NULL;
    int rc = ex ? textengine_explain(te, text, group, &a, ex, AN_EXPLAIN_MAX)
                : textengine_analyze(te, text, group, &a);
    if (rc == TEXTENGINE_OK)
        an_answer(out, &a, ex);
    else
        an_error(out,
                 rc == TEXTENGINE_EINVAL ? "\"text\" is not valid text (a NUL?)" : "out of memory");
    text_analysis_clear(&a);
    free(ex);
    json_decref(root);
}

/* Loads the configuration and the engine; returns 0 or prints why and returns 2. */
static int an_load(const char *config_path, struct textengine **te, FILE *err)
{
    struct cfg *cfg = NULL;
    char cerr[CFG_ERR_MAX], terr[512];
    if (app_load_cfg(config_path, &cfg, cerr) != 0) {
        fprintf(err, "tipgate: %s\n", cerr);
        return 2;
    }
    int rc = textengine_load(cfg->categories_file, te, terr, sizeof terr);
    cfg_free(cfg);
    if (rc != TEXTENGINE_OK) {
        fprintf(err, "tipgate: %s\n", terr);
        return 2;
    }
    return 0;
}

int analyze_run(const char *config_path, FILE *in, FILE *out, FILE *err)
{
    struct textengine *te = NULL;
    if (an_load(config_path, &te, err) != 0)
        return 2;
    bool tty = isatty(fileno(out));
    if (!tty)
        setvbuf(out, NULL, _IOFBF, AN_BLOCK);
    const char *env = getenv("TIPGATE_ANALYZE_EXPLAIN");
    bool explain = env && *env && strcmp(env, "0") != 0;
    struct an_reader *r = calloc(1, sizeof *r);
    char *line = malloc(ANALYZE_MAX_LINE);
    int rc = 1;
    if (!r || !line) {
        fprintf(err, "tipgate: out of memory\n");
        goto out;
    }
    r->fd = fileno(in);
    size_t n;
    bool too_long;
    while (!ferror(out) && an_read_line(r, line, ANALYZE_MAX_LINE, &n, &too_long)) {
        an_line(te, line, n, too_long, explain, out);
        if (tty)
            fflush(out);
    }
    rc = fflush(out) != 0 || ferror(out) ? 1 : 0;
    if (rc)
        fprintf(err, "tipgate: cannot write the answers\n");
out:
    free(r);
    free(line);
    textengine_free(te);
    return rc;
}
