/*
 * desk_parts.c — the floor of the desk's files (desk_impl.h): what desk_view.c, desk_lists.c,
 * desk.c and desk_buttons.c all use, and which calls none of them — the officer check, reading
 * "<mã> [rest]", the line-by-line message assembly, the original description's length, the
 * list buttons and the status question. The files above stand in this order, each calling only
 * the ones before it: desk_view.c (/xem), desk_lists.c (the lists, /tim, the summary), desk.c
 * (the commands that change a tip, through deskact.c's actions shared with the web desk, and
 * the command table), desk_buttons.c (the presses, which run those commands).
 */
#include "handlers/desk_impl.h"

#include "handlers/choice.h"
#include "handlers/tipcard.h"
#include "storage/people.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DESK_HISTORY_MSGS = 64 }; /* relay messages read to find the original description */

/* ---- who and which tip ---------------------------------------------------------------------- */

int desk_officer(struct hctx *ctx)
{
    if (ctx->person && people_is_officer(ctx->person->role))
        return 1;
    hctx_reply(ctx, "desk_only_police", NULL, 0);
    return 0;
}

/* Splits args into the first word and the rest. */
static const char *desk_word(const char *args, char *word, size_t size)
{
    size_t n = strcspn(args, " \t\r\n");
    snprintf(word, size, "%.*s", (int)(n < size - 1 ? n : size - 1), args);
    const char *rest = args + n;
    while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r')
        rest++;
    return rest;
}

int desk_tip(struct hctx *ctx, const char *usage, const char **rest, struct tip *t)
{
    char word[32], code[TIPS_CODE_LEN + 1];
    *rest = desk_word(ctx->args, word, sizeof word);
    memset(t, 0, sizeof *t);
    if (!word[0]) {
        hctx_reply(ctx, usage, NULL, 0);
        return DB_NOT_FOUND;
    }
    int rc = tips_code_parse(word, code) == 0 ? tips_get(ctx->db, code, t) : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND) {
        struct texts_var vars[] = {{"code", word}};
        hctx_reply(ctx, "desk_unknown_code", vars, 1);
    }
    return rc;
}

/* ---- assembling a message ------------------------------------------------------------------ */

void desk_text_add(struct desk_text *b, const char *line)
{
    size_t n = line ? strlen(line) : 0;
    if (!line || b->at + n + 2 >= DESK_TEXT_MAX)
        return;
    memcpy(b->s + b->at, line, n);
    b->at += n;
    b->s[b->at++] = '\n';
    b->s[b->at] = '\0';
}

void desk_text_addv(struct hctx *ctx, struct desk_text *b, const char *name,
                    const struct texts_var *vars, size_t n)
{
    char *line = texts_render(ctx->texts, name, vars, n);
    desk_text_add(b, line);
    free(line);
}

void desk_text_add1(struct hctx *ctx, struct desk_text *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    struct texts_var vars[] = {{"value", value}};
    desk_text_addv(ctx, b, name, vars, 1);
}

void desk_text_end(struct desk_text *b)
{
    while (b->at > 0 && b->s[b->at - 1] == '\n')
        b->s[--b->at] = '\0';
}

size_t desk_original_length(struct hctx *ctx, const struct tip *t)
{
    size_t len = t->description ? strlen(t->description) : 0;
    char *dirs[DESK_HISTORY_MSGS], *texts[DESK_HISTORY_MSGS];
    int64_t times[DESK_HISTORY_MSGS];
    int n = 0, matching = 1;
    if (!len || tips_messages(ctx->db, t->id, dirs, texts, times, DESK_HISTORY_MSGS, &n) != DB_OK)
        return len;
    /* each addition was appended as "\n" + its text (tips_append_description), in order */
    for (int i = n - 1; i >= 0; i--) {
        if (matching && dirs[i] && texts[i] && strcmp(dirs[i], "from_tipster") == 0) {
            size_t k = strlen(texts[i]);
            matching = k + 1 <= len && t->description[len - k - 1] == '\n' &&
                       memcmp(t->description + len - k, texts[i], k) == 0;
            if (matching)
                len -= k + 1;
        }
        free(dirs[i]);
        free(texts[i]);
    }
    return len;
}

/* ---- buttons ------------------------------------------------------------------------------ */

char *desk_list_buttons(struct hctx *ctx, const struct tip *list, int n, const char *next_data)
{
    if (!ctx->caps || !ctx->caps->buttons || (n == 0 && !next_data))
        return NULL;
    json_t *rows = json_array(), *row = NULL;
    for (int i = 0; i < n; i++) {
        if (!row || json_array_size(row) >= 2) {
            row = json_array();
            json_array_append_new(rows, row);
        }
        char shown[TIPS_CODE_LEN + 2];
        tips_code_show(list[i].code, shown);
        struct texts_var vars[] = {{"code", shown}};
        char *label = texts_render(ctx->texts, "desk_button_view_code", vars, 1);
        tipcard_button(row, label ? label : shown, "view", list[i].code, NULL);
        free(label);
    }
    if (next_data && strlen(next_data) < DESK_CALLBACK_MAX) {
        row = json_array();
        json_array_append_new(row, json_pack("{s:s, s:s}", "text",
                                             texts_get(ctx->texts, "desk_button_next"), "data",
                                             next_data));
        json_array_append_new(rows, row);
    }
    return tipcard_rows_take(rows);
}

int desk_ask_status(struct hctx *ctx, const struct tip *t)
{
    static const char *const statuses[] = {"received", "verifying", "transferred", "resolved",
                                           "rejected"};
    enum { N = sizeof statuses / sizeof statuses[0] };
    char data[N][DESK_CALLBACK_MAX], shown[TIPS_CODE_LEN + 2];
    struct choice choices[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(data[i], sizeof data[i], TIPCARD_CB "set:%s:%s", t->code, statuses[i]);
        choices[i] = (struct choice){data[i], tipcard_status_label(ctx, statuses[i]), NULL};
    }
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown}};
    char *question = texts_render(ctx->texts, "desk_status_ask", vars, 1);
    int rc = question ? choice_ask(ctx, question, choices, N, 1) : -1;
    free(question);
    return rc;
}
