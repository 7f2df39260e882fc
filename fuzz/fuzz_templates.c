/*
 * fuzz_templates.c — the messages file and its templates (handlers/texts.c), which a ward
 * rewords, read one of two ways.
 *   - The input is a template and the values of its placeholders: "TEMPLATE\0name\0value\0
 *     name\0value...". It is put in a messages file beside every name the code requires (as a
 *     string, and as an array of lines split at '\n'), loaded by texts_load, rendered with
 *     those values by texts_render (bounded output, cuts inside a UTF-8 sequence), filled once
 *     with texts_fill_all as the ward's name is, and rendered again. The rendering must stay
 *     valid UTF-8 when the template and values are (else abort: a crash to libFuzzer).
 *   - An input that starts with '{' is a whole messages file instead, loaded by texts_load
 *     (comments, arrays of lines, required names, duplicates).
 * The array form is tried only for a template with a '\n' (the string form is the same text).
 */
#include "fuzz/fuzzlib.h"

#include "base/utf8.h"
#include "handlers/texts.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FUZZ_TPL_VARS = 8 };

static json_t *fuzz_required; /* every required name as "" */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    fuzz_required = json_object();
    for (const char *const *n = texts_required_names(); *n; n++)
        json_object_set_new(fuzz_required, *n, json_string(""));
    return 0;
}

/* Loads the messages file text (len bytes); the table or NULL. */
static struct texts *fuzz_load(const char *text, size_t len)
{
    const char *path = fuzzlib_write("messages.json", text, len);
    struct texts *t = NULL;
    char err[512];
    if (path && texts_load(path, &t, err, sizeof err) != 0)
        t = NULL;
    return t;
}

static void fuzz_check_utf8(const char *s, const char *tpl)
{
    if (s && !utf8_valid(s, strlen(s))) {
        fprintf(stderr, "fuzz_templates: invalid UTF-8 rendered from \"%s\"\n", tpl);
        abort();
    }
}

/* Renders the template tpl with vars from a file where it is a string, and from one where it
 * is an array of lines. */
static void fuzz_render(const char *tpl, size_t tpl_len, const struct texts_var *vars, size_t n)
{
    json_t *s = json_stringn(tpl, tpl_len);
    if (!s)
        return; /* not UTF-8: jansson would not have read it from a file either */
    int forms = memchr(tpl, '\n', tpl_len) ? 2 : 1;
    for (int as_lines = 0; as_lines < forms; as_lines++) {
        json_t *file = json_deep_copy(fuzz_required);
        json_t *value = as_lines ? json_array() : json_incref(s);
        for (const char *p = tpl; as_lines && p < tpl + tpl_len;) {
            const char *nl = memchr(p, '\n', (size_t)(tpl + tpl_len - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(tpl + tpl_len - p);
            json_array_append_new(value, json_stringn(p, len));
            p += len + (nl != NULL);
        }
        json_object_set_new(file, "fuzz", value);
        char *text = json_dumps(file, 0);
        json_decref(file);
        struct texts *t = text ? fuzz_load(text, strlen(text)) : NULL;
        free(text);
        if (!t)
            continue;
        char *out = texts_render(t, "fuzz", vars, n);
        fuzz_check_utf8(out, tpl);
        free(out);
        if (n > 0 && texts_fill_all(t, vars[0].name, vars[0].value) == 0) {
            out = texts_render(t, "fuzz", vars + 1, n - 1);
            fuzz_check_utf8(out, tpl);
            free(out);
        }
        texts_free(t);
    }
    json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == '{') {
        texts_free(fuzz_load((const char *)data, size));
        return 0;
    }
    /* TEMPLATE\0name\0value...: the pieces are NUL-terminated in a copy. */
    char *copy = fuzzlib_cstr(data, size);
    const char *end = copy + size, *p = copy + strlen(copy) + 1;
    size_t tpl_len = strlen(copy);
    struct texts_var vars[FUZZ_TPL_VARS];
    size_t n = 0;
    while (p < end && n < FUZZ_TPL_VARS) {
        vars[n].name = p;
        p += strlen(p) + 1;
        vars[n].value = p < end ? p : "";
        p += p < end ? strlen(p) + 1 : 0;
        if (!utf8_valid(vars[n].name, strlen(vars[n].name)) ||
            !utf8_valid(vars[n].value, strlen(vars[n].value)))
            break;
        n++;
    }
    fuzz_render(copy, tpl_len, vars, n);
    free(copy);
    return 0;
}
