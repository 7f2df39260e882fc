/*
 * classify_load.c — reading config/categories.vi.json into the tables of
 * text/classify_impl.h, and the errors a ward can make in it (each names the file and the
 * key). One reader per block of the file (categories, signals, teen code, the learned models,
 * patterns, homographs, decision); cl_build calls them in order, then sorts the terms into the
 * index text/classify.c scores with (cl_index) and builds the inverted index of pattern gate
 * words (cl_index_gates). classify_free, which undoes all of it, is here too.
 */
#include "text/classify_impl.h"

#include "base/textnorm.h"

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cl_err(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int cl_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static int cl_target_of(const char *name)
{
    if (strcmp(name, "tip") == 0)
        return CL_TIP;
    if (strcmp(name, "urgent") == 0)
        return CL_URGENT;
    if (strcmp(name, "advert") == 0)
        return CL_ADVERT;
    if (strcmp(name, "ongoing") == 0)
        return CL_ONGOING;
    if (strcmp(name, "injury") == 0)
        return CL_INJURY;
    if (strcmp(name, "distress") == 0)
        return CL_DISTRESS;
    for (int t = CL_PAST; t <= CL_URG_LAST; t++)
        if (strcmp(name, classify__signal_name(t)) == 0)
            return t;
    return classify_category_index(name);
}

/* Parses a term as written ("đánh vợ", "mat * xe") into t; false if it has no word, more
 * than CL_MAX_PHRASE words or starts with "*". */
static bool cl_phrase(const char *text, struct cl_term *t)
{
    char norm[CL_PHRASE_MAX * 3 + 1];
    t->dual = text[0] == '~';
    text += t->dual;
    size_t len = strlen(text);
    if (len >= CL_PHRASE_MAX)
        return false;
    bool ascii = true;
    for (size_t i = 0; i < len; i++)
        ascii &= (unsigned char)text[i] < 0x80;
    t->stream = ascii && !t->dual ? CL_FOLDED : CL_LOWER;
    len = textnorm_lower(text, len, norm, sizeof norm);
    t->ntok = 0;
    for (char *w = strtok(norm, " "); w; w = strtok(NULL, " ")) {
        if (strcmp(w, "*") == 0) {
            if (t->ntok == 0 || t->ntok >= CL_MAX_PHRASE)
                return false;
            t->tok[t->ntok++] = CL_WILD;
            continue;
        }
        size_t pos = 0, a, b, wl = strlen(w);
        while (classify__token(w, wl, &pos, &a, &b)) {
            if (t->ntok >= CL_MAX_PHRASE)
                return false;
            char folded[CL_PHRASE_MAX];
            size_t fn = textnorm_fold(w + a, b - a, folded, sizeof folded);
            t->alt[t->ntok] = classify__hash(folded, fn);
            t->tok[t->ntok++] = classify__hash(w + a, b - a);
        }
    }
    return t->ntok > 0;
}

/* Appends one entry to the term table. */
static struct cl_term *cl_term_new(struct classify *cl)
{
    if (cl->nterms == cl->terms_cap) {
        size_t cap = cl->terms_cap ? cl->terms_cap * 2 : 512;
        struct cl_term *n = realloc(cl->terms, cap * sizeof *n);
        if (!n)
            return NULL;
        cl->terms = n, cl->terms_cap = cap;
    }
    struct cl_term *t = &cl->terms[cl->nterms];
    memset(t, 0, sizeof *t);
    return t;
}

/* Adds a term. A "~" term whose first word has diacritics takes two entries, one indexed by
 * the word as written and one by its folded form (a message typed without diacritics), with
 * one id: it still counts once. */
static int cl_add_term(struct classify *cl, const char *text, double w, int target,
                       const char *where, char *err, size_t errlen)
{
    if (cl->nterms + 2 > CL_MAX_TERMS)
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "%s: more than %d terms", where, CL_MAX_TERMS);
    struct cl_term parsed;
    memset(&parsed, 0, sizeof parsed);
    if (!cl_phrase(text, &parsed))
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "%s: \"%s\": a term is 1 to %d words (\"*\" = any word, not first)", where,
                      text, CL_MAX_PHRASE);
    parsed.target = (int16_t)target;
    parsed.weight = (float)w;
    parsed.id = (uint32_t)cl->nids++;
    /* a "~" term is indexed under each spelling of its key words (as written, or plain) */
    bool alt0 = parsed.dual && parsed.alt[0] != parsed.tok[0];
    bool alt1 = parsed.dual && parsed.ntok >= 2 && parsed.tok[1] != CL_WILD &&
                parsed.alt[1] != parsed.tok[1];
    for (int i = 0; i < 4; i++) {
        if (((i & 1) && !alt0) || ((i & 2) && !alt1))
            continue;
        if (cl->nterms >= CL_MAX_TERMS)
            return cl_err(err, errlen, CLASSIFY_ECONFIG, "%s: more than %d terms", where,
                          CL_MAX_TERMS);
        struct cl_term *t = cl_term_new(cl);
        if (!t)
            return CLASSIFY_ENOMEM;
        *t = parsed;
        if (i & 1)
            t->tok[0] = parsed.alt[0];
        if (i & 2)
            t->tok[1] = parsed.alt[1];
        t->text = strdup(text);
        if (!t->text)
            return CLASSIFY_ENOMEM;
        cl->nterms++;
    }
    return CLASSIFY_OK;
}

static int cl_read_terms(struct classify *cl, json_t *obj, int target, const char *where, char *err,
                         size_t errlen)
{
    if (!obj)
        return CLASSIFY_OK;
    if (!json_is_object(obj))
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "%s: must be an object of \"term\": weight",
                      where);
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (strncmp(key, "//", 2) == 0)
            continue;
        if (!json_is_number(val))
            return cl_err(err, errlen, CLASSIFY_ECONFIG, "%s: \"%s\": the weight must be a number",
                          where, key);
        int rc = cl_add_term(cl, key, json_number_value(val), target, where, err, errlen);
        if (rc != CLASSIFY_OK)
            return rc;
    }
    return CLASSIFY_OK;
}

static int cl_read_categories(struct classify *cl, json_t *cats, char *err, size_t errlen)
{
    if (!json_is_object(cats))
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "categories: must be an object");
    const char *key;
    json_t *val;
    json_object_foreach(cats, key, val)
    {
        if (strncmp(key, "//", 2) == 0)
            continue;
        int c = classify_category_index(key);
        char where[96];
        snprintf(where, sizeof where, "categories.%s", key);
        if (c < 0 || !json_is_object(val))
            return cl_err(err, errlen, CLASSIFY_ECONFIG,
                          "%s: unknown category or not an object (the names are fixed)", where);
        json_t *label = json_object_get(val, "label"), *bias = json_object_get(val, "urgent_bias");
        json_t *notip = json_object_get(val, "not_report_factor");
        if (!json_is_string(label) || (bias && !json_is_number(bias)) ||
            (notip && !json_is_number(notip)))
            return cl_err(err, errlen, CLASSIFY_ECONFIG,
                          "%s: needs a \"label\" string (urgent_bias and not_report_factor, if "
                          "any, are numbers)",
                          where);
        cl->advert_factor[c] = notip ? json_number_value(notip) : 1.0;
        free(cl->labels[c]);
        cl->labels[c] = strdup(json_string_value(label));
        cl->urgent_bias[c] = bias ? json_number_value(bias) : 0;
        strncat(where, ".terms", sizeof where - strlen(where) - 1);
        int rc = cl->labels[c]
                     ? cl_read_terms(cl, json_object_get(val, "terms"), c, where, err, errlen)
                     : CLASSIFY_ENOMEM;
        if (rc != CLASSIFY_OK)
            return rc;
    }
    for (int c = 0; c < CLASSIFY_NCAT; c++)
        if (!cl->labels[c])
            return cl_err(err, errlen, CLASSIFY_ECONFIG, "categories.%s: missing",
                          classify_category_name(c));
    return CLASSIFY_OK;
}

/* "category_model": {"terms": {"term": {"theft": 0.8, "robbery": 0.3}, …}}: evidence learned
 * from labelled messages (bench/), added to the category scores only to choose a tip's
 * category. A term counts once per message and category. */
static int cl_read_model(struct classify *cl, json_t *model, char *err, size_t errlen)
{
    json_t *terms = json_object_get(model, "terms");
    if (!model)
        return CLASSIFY_OK;
    if (!json_is_object(model) || !json_is_object(terms))
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "category_model: must be {\"terms\": {\"term\": {\"category\": weight}}}");
    const char *key;
    json_t *val;
    json_object_foreach(terms, key, val)
    {
        if (strncmp(key, "//", 2) == 0)
            continue;
        const char *cat;
        json_t *w;
        if (!json_is_object(val))
            return cl_err(err, errlen, CLASSIFY_ECONFIG,
                          "category_model.terms.%s: must be {\"category\": weight}", key);
        json_object_foreach(val, cat, w)
        {
            int c = classify_category_index(cat);
            if (c < 0 || !json_is_number(w))
                return cl_err(err, errlen, CLASSIFY_ECONFIG,
                              "category_model.terms.%s.%s: a category with a number", key, cat);
            int rc = cl_add_term(cl, key, json_number_value(w), CL_MODEL + c,
                                 "category_model.terms", err, errlen);
            if (rc != CLASSIFY_OK)
                return rc;
        }
    }
    return CLASSIFY_OK;
}

/* "urgent_model": {"bias": b, "threshold": t, "terms": {"term": weight}}: a tip the urgency
 * cues did not mark is urgent when bias + its terms' weights reach threshold. */
static int cl_read_urgent_model(struct classify *cl, json_t *model, char *err, size_t errlen)
{
    if (!model)
        return CLASSIFY_OK;
    json_t *bias = json_object_get(model, "bias"), *thr = json_object_get(model, "threshold");
    if (!json_is_object(model) || !json_is_number(bias) || !json_is_number(thr))
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "urgent_model: needs \"bias\" and \"threshold\" (numbers) and \"terms\"");
    cl->d.um_on = true;
    cl->d.um_bias = json_number_value(bias);
    cl->d.um_threshold = json_number_value(thr);
    return cl_read_terms(cl, json_object_get(model, "terms"), CL_URGMODEL, "urgent_model.terms",
                         err, errlen);
}

/* "tip_model": {"bias": b, "group": g, "threshold": t, "min_category_score": m,
 * "terms": {"term": weight}}: see struct cl_decision. */
static int cl_read_tip_model(struct classify *cl, json_t *model, char *err, size_t errlen)
{
    if (!model)
        return CLASSIFY_OK;
    static const char *const keys[] = {"bias", "group", "threshold", "min_category_score"};
    double *dst[] = {&cl->d.tm_bias, &cl->d.tm_group, &cl->d.tm_threshold, &cl->d.tm_min_category};
    if (!json_is_object(model))
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "tip_model: must be an object");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(model, keys[i]);
        if (!json_is_number(v))
            return cl_err(err, errlen, CLASSIFY_ECONFIG, "tip_model.%s: must be a number", keys[i]);
        *dst[i] = json_number_value(v);
    }
    cl->d.tm_on = true;
    return cl_read_terms(cl, json_object_get(model, "terms"), CL_TIPMODEL, "tip_model.terms", err,
                         errlen);
}

static int cl_read_signals(struct classify *cl, json_t *sig, char *err, size_t errlen)
{
    static const struct {
        const char *key, *path;
        int target;
    } blocks[] = {
        {"tip", "signals.tip", CL_TIP},          {"urgent", "signals.urgent", CL_URGENT},
        {"advert", "signals.advert", CL_ADVERT}, {"ongoing", "signals.ongoing", CL_ONGOING},
        {"injury", "signals.injury", CL_INJURY}, {"distress", "signals.distress", CL_DISTRESS},
        {"past", "signals.past", CL_PAST},       {"remote", "signals.remote", CL_REMOTE},
        {"future", "signals.future", CL_FUTURE}, {"habitual", "signals.habitual", CL_HABITUAL},
        {"acute", "signals.acute", CL_ACUTE},    {"danger", "signals.danger", CL_DANGER},
    };
    if (sig && !json_is_object(sig))
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "signals: must be an object");
    int rc = CLASSIFY_OK;
    for (size_t i = 0; rc == CLASSIFY_OK && i < sizeof blocks / sizeof blocks[0]; i++)
        rc = cl_read_terms(cl, json_object_get(sig, blocks[i].key), blocks[i].target,
                           blocks[i].path, err, errlen);
    return rc;
}

static size_t cl_pow2(size_t n)
{
    size_t p = 16;
    while (p < n)
        p *= 2;
    return p;
}

static int cl_teen_add(struct classify *cl, const char *key, const char *val, char *err,
                       size_t errlen)
{
    struct cl_term k, v;
    if (!cl_phrase(key, &k) || k.ntok != 1 || k.stream != CL_FOLDED || !cl_phrase(val, &v) ||
        v.ntok > CL_TEEN_TOKENS || v.stream != CL_FOLDED || strlen(val) >= CL_TEEN_TEXT)
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "teen_code: \"%s\": \"%s\": one word without diacritics to at most %d "
                      "words without diacritics",
                      key, val, CL_TEEN_TOKENS);
    size_t i = (size_t)(k.tok[0] ^ (k.tok[0] >> 29)) & cl->teen_mask;
    while (cl->teen[i].key && cl->teen[i].key != k.tok[0])
        i = (i + 1) & cl->teen_mask;
    struct cl_teen *e = &cl->teen[i];
    e->key = k.tok[0];
    e->ntok = v.ntok;
    memcpy(e->tok, v.tok, sizeof e->tok);
    textnorm_lower(val, strlen(val), e->text, sizeof e->text);
    cl->nteen++;
    return CLASSIFY_OK;
}

static int cl_read_teen(struct classify *cl, json_t *teen, char *err, size_t errlen)
{
    if (!teen)
        return CLASSIFY_OK;
    if (!json_is_object(teen) || json_object_size(teen) > CL_MAX_TEEN)
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "teen_code: must be an object of at most %d \"word\": \"expansion\"",
                      CL_MAX_TEEN);
    cl->teen_mask = cl_pow2(json_object_size(teen) * 2) - 1;
    cl->teen = calloc(cl->teen_mask + 1, sizeof *cl->teen);
    if (!cl->teen)
        return CLASSIFY_ENOMEM;
    const char *key;
    json_t *val;
    json_object_foreach(teen, key, val)
    {
        if (strncmp(key, "//", 2) == 0)
            continue;
        if (!json_is_string(val))
            return cl_err(err, errlen, CLASSIFY_ECONFIG, "teen_code: \"%s\": must be a string",
                          key);
        int rc = cl_teen_add(cl, key, json_string_value(val), err, errlen);
        if (rc != CLASSIFY_OK)
            return rc;
    }
    return CLASSIFY_OK;
}

/* One gate: ["word", …], single words written as the pattern's text is (folded: without
 * diacritics, teen code expanded; "on": "lower": as typed, lowercased). */
static int cl_read_one_gate(struct cl_gate *g, json_t *words, size_t idx, size_t gi, char *err,
                            size_t errlen)
{
    if (!json_is_array(words) || json_array_size(words) == 0 ||
        json_array_size(words) > CL_MAX_GATE)
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "patterns[%zu].if_any: 1 to %d words, or up to %d lists of them", idx,
                      CL_MAX_GATE, CL_MAX_GATES);
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w)
    {
        struct cl_term t;
        if (!json_is_string(w) || !cl_phrase(json_string_value(w), &t) || t.ntok != 1)
            return cl_err(err, errlen, CLASSIFY_ECONFIG,
                          "patterns[%zu].if_any[%zu]: must be one word", idx, gi ? gi - 1 : i);
        g->w[g->n++] = t.tok[0];
    }
    return CLASSIFY_OK;
}

/* "if_any": ["a", "b"] (one of them must be in the message) or [["a", "b"], ["c"]] (one word of
 * each list must be). */
static int cl_read_gate(struct cl_pattern *pat, json_t *gate, size_t idx, char *err, size_t errlen)
{
    if (!gate)
        return CLASSIFY_OK;
    if (!json_is_array(gate) || !json_is_array(json_array_get(gate, 0))) {
        pat->ngates = 1;
        return cl_read_one_gate(&pat->gates[0], gate, idx, 0, err, errlen);
    }
    if (json_array_size(gate) > CL_MAX_GATES)
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "patterns[%zu].if_any: at most %d lists", idx,
                      CL_MAX_GATES);
    size_t i;
    json_t *g;
    json_array_foreach(gate, i, g)
    {
        int rc = cl_read_one_gate(&pat->gates[pat->ngates++], g, idx, i + 1, err, errlen);
        if (rc != CLASSIFY_OK)
            return rc;
    }
    return CLASSIFY_OK;
}

/* "if_entity": ["money", "phone"]: the pattern is tried only when the extractors found one of
 * them (a price pattern on a message without an amount cannot match: skip it for speed). */
static int cl_read_entities(struct cl_pattern *pat, json_t *list, size_t idx, char *err,
                            size_t errlen)
{
    static const struct {
        const char *name;
        uint8_t bit;
    } names[] = {{"phone", CL_ENT_PHONE}, {"plate", CL_ENT_PLATE}, {"url", CL_ENT_URL},
                 {"money", CL_ENT_MONEY}, {"where", CL_ENT_WHERE}, {"when", CL_ENT_WHEN}};
    if (!list)
        return CLASSIFY_OK;
    size_t i;
    json_t *v;
    if (!json_is_array(list))
        goto bad;
    json_array_foreach(list, i, v)
    {
        const char *name = json_string_value(v);
        size_t k = 0;
        while (name && k < sizeof names / sizeof names[0] && strcmp(name, names[k].name) != 0)
            k++;
        if (!name || k == sizeof names / sizeof names[0])
            goto bad;
        pat->entities |= names[k].bit;
    }
    return CLASSIFY_OK;
bad:
    return cl_err(err, errlen, CLASSIFY_ECONFIG,
                  "patterns[%zu].if_entity: a list of phone, plate, url, money, where, when", idx);
}

static int cl_compile(const char *src, struct rx *out, size_t idx, const char *key, char *err,
                      size_t errlen)
{
    size_t off;
    int code = rx_compile(src, out, &off);
    if (code != 0) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "patterns[%zu].%s: offset %zu: %s", idx, key,
                      off, (const char *)msg);
    }
    return CLASSIFY_OK;
}

static int cl_read_pattern(struct classify *cl, json_t *p, size_t idx, char *err, size_t errlen)
{
    json_t *re = json_object_get(p, "re"), *add = json_object_get(p, "add");
    json_t *why = json_object_get(p, "why"), *on = json_object_get(p, "on");
    const char *ons = on ? json_string_value(on) : "folded";
    if (!json_is_string(re) || !json_is_object(add) || (why && !json_is_string(why)) || !ons ||
        (strcmp(ons, "folded") != 0 && strcmp(ons, "lower") != 0))
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "patterns[%zu]: needs \"re\" (a string) and \"add\" (an object); \"why\" "
                      "is a string, \"on\" \"folded\" (default) or \"lower\"",
                      idx);
    struct cl_pattern *pat = &cl->pats[cl->npats];
    memset(pat, 0, sizeof *pat);
    pat->on_lower = strcmp(ons, "lower") == 0;
    const char *key;
    json_t *val;
    json_object_foreach(add, key, val)
    {
        int t = cl_target_of(key);
        if (t < 0 || !json_is_number(val))
            return cl_err(err, errlen, CLASSIFY_ECONFIG,
                          "patterns[%zu].add.%s: a category, \"tip\" or \"urgent\" with a number",
                          idx, key);
        pat->add[t] = (float)json_number_value(val);
    }
    json_t *also = json_object_get(p, "and");
    if (also && !json_is_string(also))
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "patterns[%zu].and: must be a string", idx);
    int rc = cl_compile(json_string_value(re), &pat->re, idx, "re", err, errlen);
    if (rc == CLASSIFY_OK && also)
        rc = cl_compile(json_string_value(also), &pat->also, idx, "and", err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_gate(pat, json_object_get(p, "if_any"), idx, err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_entities(pat, json_object_get(p, "if_entity"), idx, err, errlen);
    if (rc != CLASSIFY_OK) {
        rx_free(&pat->re);
        rx_free(&pat->also);
        return rc;
    }
    pat->text = strdup(json_string_value(why ? why : re));
    cl->npats++;
    return pat->text ? CLASSIFY_OK : CLASSIFY_ENOMEM;
}

static int cl_read_patterns(struct classify *cl, json_t *pats, char *err, size_t errlen)
{
    if (!pats)
        return CLASSIFY_OK;
    if (!json_is_array(pats) || json_array_size(pats) > CL_MAX_PATTERNS)
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "patterns: must be an array of at most %d",
                      CL_MAX_PATTERNS);
    cl->pats = calloc(json_array_size(pats) + 1, sizeof *cl->pats);
    if (!cl->pats)
        return CLASSIFY_ENOMEM;
    size_t i;
    json_t *p;
    json_array_foreach(pats, i, p)
    {
        int rc = json_is_object(p)
                     ? cl_read_pattern(cl, p, i, err, errlen)
                     : cl_err(err, errlen, CLASSIFY_ECONFIG, "patterns[%zu]: must be an object", i);
        if (rc != CLASSIFY_OK)
            return rc;
    }
    return CLASSIFY_OK;
}

/* One row per decision number: its key path in "decision", default and place. */
static const struct cl_param {
    const char *key;
    double def;
    size_t offset;
} cl_params[] = {
    {"min_category_score", 2.5, offsetof(struct cl_decision, min_category)},
    {"tip_threshold.private", 3.0, offsetof(struct cl_decision, thr_private)},
    {"tip_threshold.group", 4.5, offsetof(struct cl_decision, thr_group)},
    {"urgent_threshold", 3.0, offsetof(struct cl_decision, urgent_thr)},
    {"fallback.min_category_score", 1.0, offsetof(struct cl_decision, fb_min_category)},
    {"fallback.tip_threshold_private", 1e9, offsetof(struct cl_decision, fb_private)},
    {"fallback.tip_threshold_group", 1e9, offsetof(struct cl_decision, fb_group)},
    {"confidence.temperature", 1.0, offsetof(struct cl_decision, conf_temperature)},
    {"confidence.runner_up_share", 0.15, offsetof(struct cl_decision, conf_runner_up)},
    {"evidence.phone", 0.5, offsetof(struct cl_decision, ev_phone)},
    {"evidence.plate", 1.0, offsetof(struct cl_decision, ev_plate)},
    {"evidence.url", 0.5, offsetof(struct cl_decision, ev_url)},
    {"evidence.money", 0.5, offsetof(struct cl_decision, ev_money)},
    {"evidence.where", 0.5, offsetof(struct cl_decision, ev_where)},
    {"evidence.when", 0.5, offsetof(struct cl_decision, ev_when)},
    {"shouting", 1.0, offsetof(struct cl_decision, shouting)},
    {"caps_first_word", 0.5, offsetof(struct cl_decision, caps_first)},
    {"category_cap", 1e9, offsetof(struct cl_decision, cat_cap)},
    {"urgent_distance", 0.0, offsetof(struct cl_decision, urgent_distance)},
    {"urgent_not_now", 1e9, offsetof(struct cl_decision, urgent_not_now)},
    {"urgent_acute", 1.0, offsetof(struct cl_decision, urgent_acute)},
    {"urgent_danger", 1e9, offsetof(struct cl_decision, urgent_danger)},
    {"urgent_bias_confidence", 0.0, offsetof(struct cl_decision, urgent_bias_sure)},
};

static int cl_read_decision(struct classify *cl, json_t *dec, char *err, size_t errlen)
{
    if (dec && !json_is_object(dec))
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "decision: must be an object");
    for (size_t i = 0; i < sizeof cl_params / sizeof cl_params[0]; i++) {
        const char *key = cl_params[i].key, *dot = strchr(key, '.');
        json_t *v = dec;
        if (dot) {
            char head[32];
            snprintf(head, sizeof head, "%.*s", (int)(dot - key), key);
            v = json_object_get(v, head);
            key = dot + 1;
        }
        v = json_object_get(v, key);
        if (v && !json_is_number(v))
            return cl_err(err, errlen, CLASSIFY_ECONFIG, "decision.%s: must be a number",
                          cl_params[i].key);
        *(double *)((char *)&cl->d + cl_params[i].offset) =
            v ? json_number_value(v) : cl_params[i].def;
    }
    /* a temperature of 0 would divide by zero, a share outside (0, 1] would never or always
     * offer a runner-up */
    if (!(cl->d.conf_temperature > 0) || !(cl->d.conf_runner_up > 0 && cl->d.conf_runner_up <= 1))
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "decision.confidence: temperature must be > 0 and runner_up_share in (0, 1]");
    return CLASSIFY_OK;
}

/* Adds h to a set of cap slots (a power of two, never more than half full). */
static void cl_set_put(struct cl_set *set, uint64_t h)
{
    size_t i = (size_t)(h ^ (h >> 29)) & set->mask;
    while (set->slot[i] && set->slot[i] != h)
        i = (i + 1) & set->mask;
    set->slot[i] = h;
}

/* "homographs": {"split": ["mắt", "giặt", …]}: accented words that must not be read as their
 * folded form (see cl_stream_folded, classify.c). Each is one word with diacritics. */
static int cl_read_homographs(struct classify *cl, json_t *homo, char *err, size_t errlen)
{
    json_t *split = json_object_get(homo, "split");
    if (!homo)
        return CLASSIFY_OK;
    if (!json_is_object(homo) || !json_is_array(split) ||
        json_array_size(split) > CL_MAX_HOMOGRAPHS)
        return cl_err(err, errlen, CLASSIFY_ECONFIG,
                      "homographs: must be {\"split\": [at most %d accented words]}",
                      CL_MAX_HOMOGRAPHS);
    size_t slots = cl_pow2(json_array_size(split) * 2 + 2);
    cl->homo = (struct cl_set){calloc(slots, sizeof(uint64_t)), slots - 1};
    cl->homo_fold = (struct cl_set){calloc(slots, sizeof(uint64_t)), slots - 1};
    if (!cl->homo.slot || !cl->homo_fold.slot)
        return CLASSIFY_ENOMEM;
    size_t i;
    json_t *w;
    json_array_foreach(split, i, w)
    {
        struct cl_term t;
        const char *text = json_string_value(w);
        char folded[CL_PHRASE_MAX];
        if (!text || !cl_phrase(text, &t) || t.ntok != 1 || t.stream != CL_LOWER ||
            strlen(text) >= CL_WORD_MAX)
            return cl_err(err, errlen, CLASSIFY_ECONFIG,
                          "homographs.split[%zu]: must be one word written with diacritics", i);
        size_t fn = textnorm_fold(text, strlen(text), folded, sizeof folded);
        cl_set_put(&cl->homo, t.tok[0]);
        cl_set_put(&cl->homo_fold, classify__hash(folded, fn));
    }
    return CLASSIFY_OK;
}

/* "decision.prefer": [{"winner": "domestic_violence", "over": "violence", "ratio": 0.5,
 * "min": 2}, …] (see struct cl_prefer). */
static int cl_read_prefer(struct classify *cl, json_t *rows, char *err, size_t errlen)
{
    if (!rows)
        return CLASSIFY_OK;
    if (!json_is_array(rows) || json_array_size(rows) > CL_MAX_PREFER)
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "decision.prefer: an array of at most %d",
                      CL_MAX_PREFER);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *ratio = json_object_get(r, "ratio"), *min = json_object_get(r, "min");
        struct cl_prefer p = {
            classify_category_index(json_string_value(json_object_get(r, "winner"))),
            classify_category_index(json_string_value(json_object_get(r, "over"))),
            json_is_number(ratio) ? json_number_value(ratio) : 1.0,
            json_is_number(min) ? json_number_value(min) : 0.0};
        if (p.winner < 0 || p.over < 0 || (ratio && !json_is_number(ratio)) ||
            (min && !json_is_number(min)))
            return cl_err(err, errlen, CLASSIFY_ECONFIG,
                          "decision.prefer[%zu]: needs \"winner\" and \"over\" (categories); "
                          "\"ratio\" and \"min\" are numbers",
                          i);
        cl->prefer[cl->nprefer++] = p;
    }
    return CLASSIFY_OK;
}

static uint64_t cl_term_key(const struct cl_term *t)
{
    bool pair = t->ntok >= 2 && t->tok[1] != CL_WILD;
    return classify__key(t->tok[0], pair ? t->tok[1] : 0, t->stream);
}

static int cl_term_cmp(const void *a, const void *b)
{
    uint64_t x = cl_term_key(a), y = cl_term_key(b);
    return x < y ? -1 : x > y;
}

/* Sorts the terms by first word and builds the slot table over the runs. */
static int cl_index(struct classify *cl)
{
    if (cl->nterms)
        qsort(cl->terms, cl->nterms, sizeof *cl->terms, cl_term_cmp);
    /* sized by the distinct keys, not the terms: a learned word carries a term per category,
     * and the table sized by terms (1 MB with the issue-12 models, 2.5 times the keys) made
     * more of a message's probes miss the second-level cache: about 8 % of the run time */
    size_t keys = 0;
    for (size_t i = 0; i < cl->nterms; i++)
        keys += i == 0 || cl_term_key(&cl->terms[i]) != cl_term_key(&cl->terms[i - 1]);
    cl->slot_mask = cl_pow2(keys * 2 + 1) - 1;
    cl->slots = calloc(cl->slot_mask + 1, sizeof *cl->slots);
    cl->hot = malloc((cl->nterms ? cl->nterms : 1) * sizeof *cl->hot);
    if (!cl->slots || !cl->hot)
        return CLASSIFY_ENOMEM;
    for (size_t i = 0; i < cl->nterms; i++) {
        const struct cl_term *t = &cl->terms[i];
        cl->hot[i] = (struct cl_hot){t->weight, t->id, t->target, t->ntok};
    }
    for (size_t i = 0; i < cl->nterms;) {
        uint64_t key = cl_term_key(&cl->terms[i]);
        size_t j = i;
        while (j < cl->nterms && cl_term_key(&cl->terms[j]) == key)
            j++;
        struct cl_slot *s = &cl->slots[classify__slot_find(cl->slots, cl->slot_mask, key)];
        *s = (struct cl_slot){key, (uint32_t)i, (uint32_t)(j - i)};
        i = j;
    }
    return CLASSIFY_OK;
}

static int cl_gate_ref_cmp(const void *a, const void *b)
{
    const struct cl_gate_ref *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The inverted index of gate words (see cl_open_gates, classify.c): every (pattern, gate) a word
 * opens, sorted by word, and a slot table over the runs. */
static int cl_index_gates(struct classify *cl)
{
    size_t n = 0;
    for (size_t p = 0; p < cl->npats; p++)
        for (size_t g = 0; g < cl->pats[p].ngates; g++)
            n += cl->pats[p].gates[g].n;
    if (n == 0)
        return CLASSIFY_OK;
    cl->gate_refs = malloc(n * sizeof *cl->gate_refs);
    cl->gate_mask = cl_pow2(n * 2 + 1) - 1;
    cl->gate_slots = calloc(cl->gate_mask + 1, sizeof *cl->gate_slots);
    if (!cl->gate_refs || !cl->gate_slots)
        return CLASSIFY_ENOMEM;
    for (size_t p = 0; p < cl->npats; p++) {
        const struct cl_pattern *pat = &cl->pats[p];
        for (uint8_t g = 0; g < pat->ngates; g++)
            for (size_t k = 0; k < pat->gates[g].n; k++)
                cl->gate_refs[cl->ngate_refs++] = (struct cl_gate_ref){
                    pat->gates[g].w[k] ^ (pat->on_lower ? CL_SALT : 0), (uint16_t)p, g};
    }
    qsort(cl->gate_refs, n, sizeof *cl->gate_refs, cl_gate_ref_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && cl->gate_refs[j].key == cl->gate_refs[i].key)
            j++;
        struct cl_slot *s = &cl->gate_slots[classify__slot_find(cl->gate_slots, cl->gate_mask,
                                                                cl->gate_refs[i].key)];
        *s = (struct cl_slot){cl->gate_refs[i].key, (uint32_t)i, (uint32_t)(j - i)};
        i = j;
    }
    return CLASSIFY_OK;
}

static int cl_build(struct classify *cl, json_t *root, char *err, size_t errlen)
{
    if (!json_is_object(root))
        return cl_err(err, errlen, CLASSIFY_ECONFIG, "the top level must be an object");
    int rc = cl_read_categories(cl, json_object_get(root, "categories"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_signals(cl, json_object_get(root, "signals"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_teen(cl, json_object_get(root, "teen_code"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_model(cl, json_object_get(root, "category_model"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_patterns(cl, json_object_get(root, "patterns"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_homographs(cl, json_object_get(root, "homographs"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_decision(cl, json_object_get(root, "decision"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_prefer(cl, json_object_get(json_object_get(root, "decision"), "prefer"), err,
                            errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_tip_model(cl, json_object_get(root, "tip_model"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_read_urgent_model(cl, json_object_get(root, "urgent_model"), err, errlen);
    if (rc == CLASSIFY_OK)
        rc = cl_index(cl);
    if (rc == CLASSIFY_OK)
        rc = cl_index_gates(cl);
    return rc;
}

/* Loads from a parsed root; names the source in errors. Takes the reference to root. */
static int cl_load_root(json_t *root, const char *src, struct classify **out, char *err,
                        size_t errlen)
{
    struct classify *cl = calloc(1, sizeof *cl);
    char inner[400] = "out of memory";
    int rc = cl ? cl_build(cl, root, inner, sizeof inner) : CLASSIFY_ENOMEM;
    json_decref(root);
    if (rc != CLASSIFY_OK) {
        snprintf(err, errlen, "%s: %s", src, rc == CLASSIFY_ENOMEM ? "out of memory" : inner);
        classify_free(cl);
        return rc;
    }
    *out = cl;
    return CLASSIFY_OK;
}

int classify_load(const char *path, struct classify **out, char *err, size_t errlen)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line < 1)
            return cl_err(err, errlen, CLASSIFY_EFILE, "%s: cannot read: %s", path, jerr.text);
        return cl_err(err, errlen, CLASSIFY_EFILE, "%s: invalid JSON at line %d, column %d: %s",
                      path, jerr.line, jerr.column, jerr.text);
    }
    return cl_load_root(root, path, out, err, errlen);
}

int classify_load_string(const char *json, struct classify **out, char *err, size_t errlen)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return cl_err(err, errlen, CLASSIFY_EFILE, "(string): invalid JSON at line %d: %s",
                      jerr.line, jerr.text);
    return cl_load_root(root, "(string)", out, err, errlen);
}

void classify_free(struct classify *cl)
{
    if (!cl)
        return;
    for (size_t i = 0; i < cl->nterms; i++)
        free(cl->terms[i].text);
    for (size_t i = 0; i < cl->npats; i++) {
        rx_free(&cl->pats[i].re);
        rx_free(&cl->pats[i].also);
        free(cl->pats[i].text);
    }
    for (int c = 0; c < CLASSIFY_NCAT; c++)
        free(cl->labels[c]);
    free(cl->terms);
    free(cl->hot);
    free(cl->slots);
    free(cl->teen);
    free(cl->pats);
    free(cl->gate_refs);
    free(cl->gate_slots);
    free(cl->homo.slot);
    free(cl->homo_fold.slot);
    free(cl);
}
