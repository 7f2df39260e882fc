/*
 * textsplit.c — see textsplit.h. One forward pass: remember the last paragraph break, line
 * break and space inside the current part; when the part would exceed the limit, cut at the best
 * of them (the separator itself is dropped) or, failing all three, at the last whole character.
 */
#include "base/textsplit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t textsplit_char(const unsigned char *s, size_t left, size_t *units)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    if (n > left)
        n = left;
    *units = n == 4 ? 2 : 1; /* a code point above U+FFFF is a UTF-16 surrogate pair */
    return n;
}

size_t textsplit_units(const char *s, size_t len)
{
    size_t total = 0, units;
    for (size_t i = 0; i < len;) {
        i += textsplit_char((const unsigned char *)s + i, len - i, &units);
        total += units;
    }
    return total;
}

/* Skips separators at the start of a part so no part begins with a blank line or space. */
static size_t textsplit_skip(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == '\n' || s[i] == ' ' || s[i] == '\r'))
        i++;
    return i;
}

int textsplit(const char *text, int max_units, int (*emit)(const char *part, size_t len, void *ud),
              void *ud)
{
    size_t len = strlen(text);
    if (max_units <= 0 || textsplit_units(text, len) <= (size_t)max_units)
        return len ? emit(text, len, ud) : 0;
    size_t start = textsplit_skip(text, 0, len);
    while (start < len) {
        size_t i = start, units = 0, para = 0, line = 0, space = 0, u;
        while (i < len) {
            size_t n = textsplit_char((const unsigned char *)text + i, len - i, &u);
            if (units + u > (size_t)max_units)
                break;
            if (text[i] == '\n' && i + 1 < len && text[i + 1] == '\n' && i > start)
                para = i;
            else if (text[i] == '\n' && i > start)
                line = i;
            else if (text[i] == ' ' && i > start)
                space = i;
            units += u;
            i += n;
        }
        if (i == start) /* a limit below one character: take it anyway, never loop */
            i += textsplit_char((const unsigned char *)text + i, len - i, &u);
        size_t end = i;
        if (i < len) /* a cut is needed: the best boundary, else the last whole character */
            end = para ? para : line ? line : space ? space : i;
        size_t stop = end; /* trailing separators of the part are dropped */
        while (stop > start && (text[stop - 1] == ' ' || text[stop - 1] == '\r'))
            stop--;
        int rc = emit(text + start, stop - start, ud);
        if (rc != 0)
            return rc;
        start = textsplit_skip(text, end, len);
    }
    return 0;
}

char *textsplit_numbered(const char *text, const char *buttons)
{
    json_t *rows = buttons ? json_loads(buttons, 0, NULL) : NULL, *row, *b;
    size_t cap = strlen(text) + 2, i, j;
    json_array_foreach(rows, i, row) json_array_foreach(row, j, b)
    {
        const char *label = json_string_value(json_object_get(b, "text"));
        if (label)
            cap += strlen(label) + 24; /* "\n" + a number + ". " */
    }
    char *out = malloc(cap + 1);
    if (!out) {
        json_decref(rows);
        return NULL;
    }
    size_t at = (size_t)snprintf(out, cap + 1, "%s", text);
    int n = 0;
    json_array_foreach(rows, i, row) json_array_foreach(row, j, b)
    {
        const char *label = json_string_value(json_object_get(b, "text"));
        if (!label)
            continue;
        if (n == 0)
            at += (size_t)snprintf(out + at, cap + 1 - at, "\n");
        at += (size_t)snprintf(out + at, cap + 1 - at, "\n%d. %s", ++n, label);
    }
    json_decref(rows);
    return out;
}
