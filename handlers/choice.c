/*
 * choice.c — see choice.h.
 */
#include "handlers/choice.h"

#include "base/textnorm.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *choice_buttons(const struct choice *choices, size_t n, int per_row)
{
    json_t *rows = json_array(), *row = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!row || (per_row > 0 && json_array_size(row) >= (size_t)per_row)) {
            row = json_array();
            json_array_append_new(rows, row);
        }
        json_array_append_new(
            row, json_pack("{s:s, s:s}", "text", choices[i].label, "data", choices[i].data));
    }
    char *out = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    return out;
}

static char *choice_numbered(const char *question, const struct choice *choices, size_t n)
{
    size_t cap = strlen(question) + 16, at;
    for (size_t i = 0; i < n; i++)
        cap += strlen(choices[i].label) + 16;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    at = (size_t)snprintf(out, cap, "%s\n", question);
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(out + at, cap - at, "\n%zu. %s", i + 1, choices[i].label);
    return out;
}

int choice_ask(struct hctx *ctx, const char *question, const struct choice *choices, size_t n,
               int per_row)
{
    const struct msg *m = ctx->msg;
    int rc = -1;
    if (ctx->caps->buttons) {
        char *buttons = choice_buttons(choices, n, per_row);
        if (buttons)
            rc = hctx_send(ctx, m->platform, m->chat_id, question, buttons, OUTBOX_REPLY);
        free(buttons);
    } else {
        char *text = choice_numbered(question, choices, n);
        if (text)
            rc = hctx_send(ctx, m->platform, m->chat_id, text, NULL, OUTBOX_REPLY);
        free(text);
    }
    return rc;
}

/* "2", " 2 ", "2." pick the second; anything else is not a number. */
static int choice_number(const char *text, size_t n)
{
    while (*text == ' ')
        text++;
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text)
        return -1;
    while (*end == ' ' || *end == '.' || *end == ')')
        end++;
    return *end == '\0' && v >= 1 && (size_t)v <= n ? (int)v - 1 : -1;
}

/* Drops blanks and punctuation around a typed answer ("Có!" is "co"). */
static void choice_trim(char *s)
{
    size_t n = strlen(s), start = 0;
    while (n > 0 && strchr(" .,!?;:\t\r\n", s[n - 1]))
        s[--n] = '\0';
    while (start < n && strchr(" .,!?;:\t\r\n", s[start]))
        start++;
    memmove(s, s + start, n - start + 1);
}

int choice_pick(const struct hctx *ctx, const struct choice *choices, size_t n)
{
    const struct msg *m = ctx->msg;
    if (m->kind == MSG_CALLBACK && m->callback_data) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(m->callback_data, choices[i].data) == 0)
                return (int)i;
        return -1;
    }
    if (!m->text)
        return -1;
    int num = choice_number(m->text, n);
    if (num >= 0)
        return num;
    char typed[256], label[256];
    textnorm_fold(m->text, strlen(m->text), typed, sizeof typed);
    choice_trim(typed);
    for (size_t i = 0; i < n; i++) {
        textnorm_fold(choices[i].label, strlen(choices[i].label), label, sizeof label);
        if (strcmp(typed, label) == 0 || (choices[i].alt && strcmp(typed, choices[i].alt) == 0))
            return (int)i;
    }
    return -1;
}
