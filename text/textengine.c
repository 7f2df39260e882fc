/*
 * textengine.c — see textengine.h. Owns the compiled extractors (extract.c) and the lexicon
 * (classify.c) and runs one message through textnorm → extract → classify. The intermediate
 * forms (lower case, stripped, the strip map) live in one scratch allocation per call; NFC,
 * folding and lower-casing never grow valid UTF-8, so every buffer is the NFC length + 1.
 */
#include "text/textengine.h"

#include "base/utf8.h"
#include "text/classify.h"
#include "text/extract.h"
#include "base/textnorm.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct textengine {
    struct extract *ex;
    struct classify *cl;
    struct textengine_category cats[CLASSIFY_NCAT];
    /* Analyses run (textengine_runs). Reached through a pointer so that analysing, which takes
     * the engine const (it only reads the lexicon), can still count. */
    _Atomic uint64_t runs_store, *runs;
};

int textengine_load(const char *categories_path, struct textengine **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!categories_path) {
        snprintf(err, errlen, "text engine: no categories file");
        return TEXTENGINE_ECONFIG;
    }
    struct textengine *te = calloc(1, sizeof *te);
    if (!te) {
        snprintf(err, errlen, "text engine: out of memory");
        return TEXTENGINE_ENOMEM;
    }
    te->runs = &te->runs_store;
    int rc = extract_new(&te->ex, err, errlen);
    if (rc == EXTRACT_OK)
        rc = classify_load(categories_path, &te->cl, err, errlen);
    if (rc != 0) {
        textengine_free(te);
        return rc == EXTRACT_ENOMEM ? TEXTENGINE_ENOMEM : TEXTENGINE_ECONFIG;
    }
    for (int c = 0; c < CLASSIFY_NCAT; c++)
        te->cats[c] = (struct textengine_category){classify_category_name(c),
                                                   classify_category_label(te->cl, c)};
    *out = te;
    return TEXTENGINE_OK;
}

void textengine_free(struct textengine *te)
{
    if (!te)
        return;
    extract_free(te->ex);
    classify_free(te->cl);
    free(te);
}

void text_analysis_clear(struct text_analysis *a)
{
    free(a->nfc);
    free(a->folded);
    for (size_t i = 0; i < TEXTENGINE_MAX_ITEMS; i++) {
        free(a->phones[i]);
        free(a->plates[i]);
        free(a->urls[i]);
    }
    free(a->when);
    free(a->place);
    memset(a, 0, sizeof *a);
    a->money_vnd = -1;
}

/* Copies n strings of the extractor into owned ones; false when out of memory. */
static bool te_copy_list(char **dst, size_t *ndst, const char *src, size_t stride, size_t n)
{
    for (size_t i = 0; i < n && i < TEXTENGINE_MAX_ITEMS; i++) {
        dst[i] = strdup(src + i * stride);
        if (!dst[i])
            return false;
        *ndst = i + 1;
    }
    return true;
}

/* Adds category index c to a's likely list unless it is "other", already there, or the list is
 * full. */
static void te_likely_add(struct text_analysis *a, int c)
{
    const char *name = classify_category_name(c);
    if (!name || strcmp(name, "other") == 0 || a->nlikely >= TEXTENGINE_LIKELY)
        return;
    for (size_t i = 0; i < a->nlikely; i++)
        if (a->likely[i] == name)
            return;
    a->likely[a->nlikely++] = name;
}

/* The category, the runner-up, then every category the text scored for, best first. */
static void te_likely(struct text_analysis *a, const struct classify_result *c)
{
    if (!c->is_tip)
        return;
    te_likely_add(a, c->category);
    te_likely_add(a, c->category2);
    bool used[CLASSIFY_NCAT] = {false};
    for (;;) {
        int best = -1;
        for (int k = 0; k < CLASSIFY_NCAT; k++)
            if (!used[k] && c->cat_score[k] > 0 &&
                (best < 0 || c->cat_score[k] > c->cat_score[best]))
                best = k;
        if (best < 0 || a->nlikely >= TEXTENGINE_LIKELY)
            break;
        used[best] = true;
        te_likely_add(a, best);
    }
}

static bool te_fill(struct text_analysis *a, const struct extract_result *x,
                    const struct classify_result *c)
{
    a->is_tip = c->is_tip;
    a->category = classify_category_name(c->category);
    a->category_confidence = c->is_tip ? c->confidence : 0;
    a->category2 = c->is_tip ? classify_category_name(c->category2) : NULL;
    te_likely(a, c);
    a->urgent = c->urgent;
    a->ongoing = c->ongoing;
    a->injury = c->injury;
    a->distress = c->distress;
    a->score = c->score;
    a->money_vnd = x->money_vnd;
    for (size_t i = 0; i < x->nmoney && i < TEXTENGINE_MAX_ITEMS; i++)
        a->money[a->nmoney++] = x->money[i];
    if (x->when[0] && !(a->when = strdup(x->when)))
        return false;
    if (x->place[0] && !(a->place = strdup(x->place)))
        return false;
    return te_copy_list(a->phones, &a->nphones, x->phones[0], sizeof x->phones[0], x->nphones) &&
           te_copy_list(a->plates, &a->nplates, x->plates[0], sizeof x->plates[0], x->nplates) &&
           te_copy_list(a->urls, &a->nurls, x->urls[0], sizeof x->urls[0], x->nurls);
}

/* The scratch forms of one message. */
struct te_scratch {
    char *lower, *strip;
    uint32_t *map;
    size_t lower_len, strip_len;
};

static int te_run(const struct textengine *te, const char *text, bool group,
                  struct text_analysis *out, char *explain, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->money_vnd = -1;
    atomic_fetch_add_explicit(te->runs, 1, memory_order_relaxed);
    size_t len = text ? strnlen(text, TEXTENGINE_MAX_TEXT + 1) : 0;
    if (!text || len > TEXTENGINE_MAX_TEXT || !utf8_valid(text, len))
        return TEXTENGINE_EINVAL;
    int rc = TEXTENGINE_ENOMEM;
    struct te_scratch s = {0};
    struct extract_result xr; /* 3.7 KiB: on the stack, not one more malloc per message */
    struct extract_result *x = &xr;
    out->nfc = malloc(len + 1);
    if (!out->nfc)
        goto out;
    size_t nlen = textnorm_nfc(text, len, out->nfc, len + 1);
    out->folded = malloc(nlen + 1);
    s.lower = malloc(2 * (nlen + 1));
    s.map = malloc((nlen + 1) * sizeof *s.map);
    if (!out->folded || !s.lower || !s.map)
        goto out;
    s.strip = s.lower + nlen + 1;
    struct textnorm_forms forms = {s.lower, out->folded, s.strip, s.map, nlen + 1, 0, 0, 0};
    textnorm_all(out->nfc, nlen, &forms);
    size_t flen = forms.fold_len;
    s.lower_len = forms.lower_len;
    s.strip_len = forms.strip_len;
    struct extract_input xin = {out->nfc,    nlen,  s.strip,
                                s.strip_len, s.map, s.lower_len == nlen ? s.lower : NULL};
    if (extract_run(te->ex, &xin, x) != EXTRACT_OK)
        goto out;
    struct classify_input cin = {.folded = out->folded,
                                 .folded_len = flen,
                                 .lower = s.lower,
                                 .lower_len = s.lower_len,
                                 .nfc = out->nfc,
                                 .nfc_len = nlen,
                                 .group = group,
                                 .phone = x->nphones > 0,
                                 .plate = x->nplates > 0,
                                 .url = x->nurls > 0,
                                 .money = x->money_vnd >= 0,
                                 .where = x->place[0] != '\0',
                                 .when = x->when[0] != '\0'};
    struct classify_result cres;
    int crc = explain ? classify_explain(te->cl, &cin, &cres, explain, cap)
                      : classify_run(te->cl, &cin, &cres);
    if (crc == CLASSIFY_OK && te_fill(out, x, &cres))
        rc = TEXTENGINE_OK;
out:
    free(s.lower);
    free(s.map);
    if (rc != TEXTENGINE_OK)
        text_analysis_clear(out);
    return rc;
}

int textengine_analyze(const struct textengine *te, const char *text, bool group_context,
                       struct text_analysis *out)
{
    return te_run(te, text, group_context, out, NULL, 0);
}

int textengine_explain(const struct textengine *te, const char *text, bool group_context,
                       struct text_analysis *out, char *buf, size_t cap)
{
    if (cap)
        buf[0] = '\0';
    return te_run(te, text, group_context, out, cap ? buf : NULL, cap);
}

int textengine_category_index(const char *name)
{
    return classify_category_index(name);
}

const struct textengine_category *textengine_categories(const struct textengine *te, size_t *n)
{
    *n = CLASSIFY_NCAT;
    return te->cats;
}

uint64_t textengine_runs(const struct textengine *te)
{
    return te ? atomic_load_explicit(te->runs, memory_order_relaxed) : 0;
}
