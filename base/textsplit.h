/*
 * textsplit.h — splits a long text into parts a platform accepts (Telegram 4096, Zalo 2000
 * characters), preferring a paragraph break, then a line break, then a space, and never cutting
 * inside a UTF-8 sequence. Length is counted in UTF-16 code units (what Telegram counts; never
 * less than the code point count Zalo uses), so a part is accepted by both readings.
 */
#ifndef TIPGATE_TEXTSPLIT_H
#define TIPGATE_TEXTSPLIT_H

#include <stddef.h>

/* UTF-16 code units of valid UTF-8 text. */
size_t textsplit_units(const char *s, size_t len);

/* text followed by the labels of buttons (JSON rows of {"text", "data"}, as outbox rows keep
 * them) as numbered lines — "question\n\n1. Gửi\n2. Hủy", the layout handlers/choice.c uses —
 * which is how choices read on a platform without buttons; answered with the number or the
 * word. text alone when buttons is NULL or holds no label. A new string (caller frees); NULL
 * on no memory. Split the result, never the text before the choices are appended: a part
 * must count them in. */
char *textsplit_numbered(const char *text, const char *buttons);

/* Calls emit for each part, in order (part points into text; not NUL-terminated). max_units
 * <= 0 means no limit (one part). Returns 0, or the first non-zero value emit returned. */
int textsplit(const char *text, int max_units, int (*emit)(const char *part, size_t len, void *ud),
              void *ud);

#endif
