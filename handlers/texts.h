/*
 * texts.h — every sentence a resident, leader or officer reads, by name, from
 * config/messages.vi.json. A ward can reword them and a second language can be added without
 * touching C. A value is a string or an array of lines (joined with "\n", which keeps long
 * texts readable in the JSON file). Placeholders are {name}, filled by texts_render().
 *
 * The table is loaded once at start, checked against the names the code uses (texts_required),
 * and is read-only afterwards, so every thread may share it.
 */
#ifndef TIPGATE_TEXTS_H
#define TIPGATE_TEXTS_H

#include <stddef.h>

struct texts;

struct texts_var {
    const char *name;
    const char *value;
};

/* Loads and checks path. On failure returns -1 and err names the file and the problem. */
int texts_load(const char *path, struct texts **out, char *err, size_t errlen);
void texts_free(struct texts *t);

/* The names every messages file must have (NULL-terminated). */
const char *const *texts_required_names(void);

/* Fills the placeholder {name} with value in every text, once for the program's life (the
 * ward's own name, {ward}: "Công an phường Bến Nghé"). 0, or -1 on no memory. */
int texts_fill_all(struct texts *t, const char *name, const char *value);

/* The raw text called name; never NULL. A missing name yields "[?]" (internal names are not
 * shown to residents) and is logged with the name for the operator. */
const char *texts_get(const struct texts *t, const char *name);
/* name rendered with vars (n of them; unknown placeholders are left as written). The result is
 * a new string the caller frees; NULL only when out of memory. */
char *texts_render(const struct texts *t, const char *name, const struct texts_var *vars, size_t n);

#endif
