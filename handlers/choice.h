/*
 * choice.h — asking a question with a few answers, the same way on every platform: as buttons
 * where the platform has them (Telegram, web chat), as numbered lines where it has not (Zalo,
 * the console). An answer is recognised from a button press, a number ("2"), or the answer's
 * label typed with or without diacritics ("co", "Có", "khong").
 */
#ifndef TIPGATE_CHOICE_H
#define TIPGATE_CHOICE_H

#include "handlers/handler.h"

#include <stddef.h>

struct choice {
    const char *data;  /* what a button press carries, e.g. "yes" */
    const char *label; /* what the person reads (already rendered text) */
    const char *alt;   /* another accepted typed answer, folded (e.g. "co"), or NULL */
};

/* Sends question (rendered text) with the choices, per_row buttons per row. */
int choice_ask(struct hctx *ctx, const char *question, const struct choice *choices, size_t n,
               int per_row);
/* The index of the choice the current message picks, or -1. */
int choice_pick(const struct hctx *ctx, const struct choice *choices, size_t n);

#endif
