/*
 * classify.c — see classify.h. Scoring one message: its words are cut and hashed into two streams
 * (folded, with teen code expanded and split homographs kept as typed; lowercased as typed), each
 * word looks up the terms indexed under it and under the pair it starts, the patterns whose word
 * gates opened run on the canonical or the lowercased text, and cl_decide turns the sums into
 * is_tip and a category (urgency is judged in text/classify_urgency.c). The tables come from
 * text/classify_load.c (their layout, and why, is in text/classify_impl.h); the word primitives
 * both files use are defined here.
 *
 * Teen code is expanded on both streams (its entries are words typed without diacritics): the
 * folded terms and the "~" terms read "ko" as "khong".
 */
#include "text/classify_impl.h"

#include "base/utf8.h"
#include "base/textnorm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cl_names[CLASSIFY_NCAT] = {"theft",
                                                    "robbery",
                                                    "fraud",
                                                    "drugs",
                                                    "gambling",
                                                    "loan_shark",
                                                    "trafficking",
                                                    "violence",
                                                    "domestic_violence",
                                                    "school_violence",
                                                    "public_disorder",
                                                    "weapons_explosives",
                                                    "fire",
                                                    "traffic",
                                                    "prostitution",
                                                    "environment",
                                                    "cybercrime",
                                                    "suspicious",
                                                    "other"};

/* The words of one message in one form, and the same words as a set (for pattern gates). */
struct cl_stream {
    uint64_t h[CL_MAX_TOKENS];
    size_t n;
};

/* What fired, when explaining. */
struct cl_trace {
    char *buf;
    size_t cap, at;
};

/* ---- words ------------------------------------------------------------------------------- */

/* classify__token, classify__hash, classify__key and classify__slot_find are documented in
 * classify_impl.h: classify_load.c indexes the terms with them. */

enum cl_class { CL_SEP, CL_WORD, CL_SYMBOL };

static enum cl_class cl_class_of(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
            return CL_WORD;
        return cp == '.' || cp == ',' || cp == '!' || cp == '?' || cp == ';' || cp == ':'
                   ? CL_SYMBOL
                   : CL_SEP;
    }
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
        return CL_SEP;
    if (cp < 0x2000)
        return CL_WORD; /* Latin, Vietnamese, combining marks, Greek, Cyrillic */
    if (cp <= 0x206F || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
        (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0000))
        return CL_SEP; /* punctuation, joiners, variation selectors, skin tones */
    if ((cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
        (cp >= 0xFF00 && cp <= 0xFFEF))
        return CL_WORD;
    return CL_SYMBOL; /* emoji and other symbols: a word of their own */
}

bool classify__token(const char *s, size_t len, size_t *pos, size_t *start, size_t *end)
{
    size_t i = *pos;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        enum cl_class k = n ? cl_class_of(cp) : CL_SEP;
        if (k == CL_SEP) {
            i += n ? n : 1;
            continue;
        }
        *start = i;
        i += n;
        while (k == CL_WORD && i < len && (n = utf8_decode(s + i, len - i, &cp)) != 0 &&
               cl_class_of(cp) == CL_WORD)
            i += n;
        *end = *pos = i;
        return true;
    }
    *pos = len;
    return false;
}

uint64_t classify__hash(const char *s, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001B3ULL;
    return h > CL_WILD ? h : h + 2; /* 0 and 1 are reserved */
}

uint64_t classify__key(uint64_t first, uint64_t second, int stream)
{
    uint64_t k =
        second ? (first * 0x9E3779B97F4A7C15ULL) ^ (second + 0x632BE59BD9B4E019ULL) : first;
    k ^= stream ? CL_SALT : 0;
    return k ? k : 2;
}

size_t classify__slot_find(const struct cl_slot *slots, size_t mask, uint64_t key)
{
    size_t i = (size_t)(key ^ (key >> 29)) & mask;
    while (slots[i].key && slots[i].key != key)
        i = (i + 1) & mask;
    return i;
}

static const struct cl_teen *cl_teen_find(const struct classify *cl, uint64_t key)
{
    if (!cl->teen)
        return NULL;
    size_t i = (size_t)(key ^ (key >> 29)) & cl->teen_mask;
    while (cl->teen[i].key && cl->teen[i].key != key)
        i = (i + 1) & cl->teen_mask;
    return cl->teen[i].key ? &cl->teen[i] : NULL;
}

/* ---- the two streams of a message -------------------------------------------------------- */

static void cl_canon_put(char *canon, size_t *at, const char *w, size_t n)
{
    if (*at + n + 2 > CL_CANON_MAX)
        return;
    if (*at > 0)
        canon[(*at)++] = ' ';
    memcpy(canon + *at, w, n);
    *at += n;
    canon[*at] = '\0';
}

static bool cl_set_has(const struct cl_set *set, uint64_t h)
{
    if (!set->slot)
        return false;
    size_t i = (size_t)(h ^ (h >> 29)) & set->mask;
    while (set->slot[i] && set->slot[i] != h)
        i = (i + 1) & set->mask;
    return set->slot[i] == h;
}

/* Walks the lowercased text word by word alongside the folded one, lazily: only a folded word
 * that is some homograph's folded form makes it catch up (most messages never move it). */
struct cl_lower_walk {
    const char *s;
    size_t len, pos, index; /* index: words read so far */
    size_t a, b;            /* the last word read */
};

/* True when folded word number `index` ([w, w + n)) was typed as one of the split accented
 * words; *la, *lb then delimit it in the lowercased text. The two texts have the same words
 * (folding maps one letter to one letter), and the check that the accented word folds back to
 * the folded one guards against a mismatch. */
static bool cl_homograph(const struct classify *cl, struct cl_lower_walk *lw, size_t index,
                         uint64_t h, const char *w, size_t n)
{
    if (!cl_set_has(&cl->homo_fold, h) || !lw->s)
        return false;
    while (lw->index <= index) {
        if (!classify__token(lw->s, lw->len, &lw->pos, &lw->a, &lw->b))
            return false;
        lw->index++;
    }
    size_t ln = lw->b - lw->a;
    char back[CL_WORD_MAX * 3 + 1];
    if (ln > CL_WORD_MAX || !cl_set_has(&cl->homo, classify__hash(lw->s + lw->a, ln)))
        return false;
    size_t bn = textnorm_fold(lw->s + lw->a, ln, back, sizeof back);
    return bn == n && memcmp(back, w, n) == 0;
}

/* The folded words with teen code expanded, and the same words as one canonical string. A word
 * typed as a split homograph ("mắt" for "mat", "giặt" for "giat") keeps its accents in both:
 * no folded term or pattern written for the other word can read it. */
static void cl_stream_folded(const struct classify *cl, const struct classify_input *in,
                             struct cl_stream *st, char *canon, size_t *clen)
{
    const char *s = in->folded;
    size_t len = in->folded_len, pos = 0, a, b, raw = 0;
    struct cl_lower_walk lw = {in->lower, in->lower_len, 0, 0, 0, 0};
    st->n = 0;
    *clen = 0;
    canon[0] = '\0';
    while (st->n < CL_MAX_TOKENS && classify__token(s, len, &pos, &a, &b)) {
        uint64_t h = classify__hash(s + a, b - a);
        if (cl_homograph(cl, &lw, raw++, h, s + a, b - a)) {
            st->h[st->n++] = classify__hash(lw.s + lw.a, lw.b - lw.a);
            cl_canon_put(canon, clen, lw.s + lw.a, lw.b - lw.a);
            continue;
        }
        const struct cl_teen *t = cl_teen_find(cl, h);
        if (!t) {
            st->h[st->n++] = h;
            cl_canon_put(canon, clen, s + a, b - a);
            continue;
        }
        for (size_t k = 0; k < t->ntok && st->n < CL_MAX_TOKENS; k++)
            st->h[st->n++] = t->tok[k];
        cl_canon_put(canon, clen, t->text, strlen(t->text));
    }
}

/* The lowercased words as typed. Teen code (always typed without diacritics) is expanded here
 * too, so that a "~" term ("~không") reads "ko" as the folded stream does. */
static void cl_stream_plain(const struct classify *cl, const char *s, size_t len,
                            struct cl_stream *st)
{
    size_t pos = 0, a, b;
    st->n = 0;
    while (st->n < CL_MAX_TOKENS && classify__token(s, len, &pos, &a, &b)) {
        uint64_t h = classify__hash(s + a, b - a);
        const struct cl_teen *t = (unsigned char)s[a] < 0x80 ? cl_teen_find(cl, h) : NULL;
        if (!t) {
            st->h[st->n++] = h;
            continue;
        }
        for (size_t k = 0; k < t->ntok && st->n < CL_MAX_TOKENS; k++)
            st->h[st->n++] = t->tok[k];
    }
}

/* A pattern runs only if each of its gates has one of its words in the message: most patterns
 * look for a co-occurrence of a few words, and skipping the rest keeps a hundred patterns
 * cheaper than one pass over the lexicon. The gate words are indexed (cl_index_gates in
 * classify_load.c), so one
 * lookup per word of the message opens every gate that word belongs to; checking each gate's
 * words against a per-message word set instead cost a probe per gate word and pattern (the
 * gates hold some two thousand words) and was rejected. */
static void cl_open_gates(const struct classify *cl, const struct cl_stream *st, int stream,
                          uint8_t *opened)
{
    if (!cl->gate_slots)
        return;
    for (size_t i = 0; i < st->n; i++) {
        uint64_t key = st->h[i] ^ (stream ? CL_SALT : 0);
        const struct cl_slot *slot =
            &cl->gate_slots[classify__slot_find(cl->gate_slots, cl->gate_mask, key)];
        for (uint32_t j = slot->first; slot->key && j < slot->first + slot->count; j++)
            opened[cl->gate_refs[j].pat] |= (uint8_t)(1u << cl->gate_refs[j].gate);
    }
}

/* ---- scoring ----------------------------------------------------------------------------- */

static void cl_trace_add(struct cl_trace *tr, int target, float w, const char *what)
{
    if (!tr || tr->at + 1 >= tr->cap)
        return;
    bool model = target >= CL_MODEL && target < CL_TIPMODEL;
    if (model)
        target -= CL_MODEL;
    const char *name = target == CL_TIPMODEL    ? "model:tip"
                       : target == CL_URGMODEL  ? "model:urgent"
                       : target < CLASSIFY_NCAT ? cl_names[target]
                       : target == CL_TIP       ? "tip"
                       : target == CL_URGENT    ? "urgent"
                       : target == CL_ONGOING   ? "ongoing"
                       : target == CL_INJURY    ? "injury"
                       : target == CL_DISTRESS  ? "distress"
                       : target >= CL_PAST      ? classify__signal_name(target)
                                                : "advert";
    int n = snprintf(tr->buf + tr->at, tr->cap - tr->at, "%s%s%s%+g[%s]", tr->at ? " " : "",
                     model ? "model:" : "", name, (double)w, what);
    /* An entry that does not fit is dropped whole and ends the trace: cut, it could end inside
     * a UTF-8 sequence, and the explanation would not be valid JSON text. */
    if (n < 0 || (size_t)n >= tr->cap - tr->at) {
        tr->buf[tr->at] = '\0';
        tr->at = tr->cap - 1;
        return;
    }
    tr->at += (size_t)n;
}

static bool cl_term_at(const struct cl_term *t, const struct cl_stream *st, size_t i)
{
    if (i + t->ntok > st->n)
        return false;
    for (size_t k = 1; k < t->ntok; k++)
        if (t->tok[k] != CL_WILD && t->tok[k] != st->h[i + k] &&
            !(t->dual && t->alt[k] == st->h[i + k]))
            return false;
    return true;
}

static void cl_match_terms(const struct classify *cl, const struct cl_stream *st, int stream,
                           uint64_t *seen, double *acc, struct cl_trace *tr)
{
    for (size_t i = 0; i < st->n; i++) {
        for (int pair = 0; pair < 2 && (!pair || i + 1 < st->n); pair++) {
            uint64_t key = classify__key(st->h[i], pair ? st->h[i + 1] : 0, stream);
            const struct cl_slot *slot =
                &cl->slots[classify__slot_find(cl->slots, cl->slot_mask, key)];
            for (uint32_t j = slot->first; slot->key && j < slot->first + slot->count; j++) {
                const struct cl_hot *t = &cl->hot[j];
                /* a one-word term matched with the slot: its other words are read only for
                 * phrases, from the full term */
                if ((seen[t->id / 64] >> (t->id % 64)) & 1 ||
                    (t->ntok > 1 && !cl_term_at(&cl->terms[j], st, i)))
                    continue;
                seen[t->id / 64] |= (uint64_t)1 << (t->id % 64);
                acc[t->target] += t->weight;
                if (tr)
                    cl_trace_add(tr, t->target, t->weight, cl->terms[j].text);
            }
        }
    }
}

static int cl_match_patterns(const struct classify *cl, const char *canon, size_t clen,
                             const struct classify_input *in, const struct cl_stream *st,
                             double *acc, struct cl_trace *tr)
{
    uint8_t opened[CL_MAX_PATTERNS]; /* bit g: gate g of the pattern has a word here */
    memset(opened, 0, cl->npats);
    cl_open_gates(cl, &st[CL_FOLDED], CL_FOLDED, opened);
    cl_open_gates(cl, &st[CL_LOWER], CL_LOWER, opened);
    if (cl->npats == 0)
        return CLASSIFY_OK;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md)
        return CLASSIFY_ENOMEM;
    unsigned ents = (in->phone ? CL_ENT_PHONE : 0) | (in->plate ? CL_ENT_PLATE : 0) |
                    (in->url ? CL_ENT_URL : 0) | (in->money ? CL_ENT_MONEY : 0) |
                    (in->where ? CL_ENT_WHERE : 0) | (in->when ? CL_ENT_WHEN : 0);
    /* -1: not yet known whether the text is all ASCII (rx.h), else 0 or 1 */
    int ascii_canon = -1, ascii_lower = -1;
    for (size_t p = 0; p < cl->npats; p++) {
        const struct cl_pattern *pat = &cl->pats[p];
        if ((pat->entities && !(pat->entities & ents)) || opened[p] != (1u << pat->ngates) - 1)
            continue;
        PCRE2_SPTR text = (PCRE2_SPTR)(pat->on_lower ? in->lower : canon);
        size_t tlen = pat->on_lower ? in->lower_len : clen;
        int *ascii = pat->on_lower ? &ascii_lower : &ascii_canon;
        if (*ascii < 0)
            *ascii = rx_is_ascii((const char *)text, tlen);
        if (pcre2_match(rx_code(&pat->re, *ascii), text, tlen, 0, PCRE2_NO_UTF_CHECK, md, NULL) <
                0 ||
            (pat->also.ucp && pcre2_match(rx_code(&pat->also, *ascii), text, tlen, 0,
                                          PCRE2_NO_UTF_CHECK, md, NULL) < 0))
            continue;
        for (int k = 0; k < CL_NTARGETS; k++) {
            acc[k] += cl->pats[p].add[k];
            if (cl->pats[p].add[k] != 0)
                cl_trace_add(tr, k, cl->pats[p].add[k], cl->pats[p].text);
        }
    }
    pcre2_match_data_free(md);
    return CLASSIFY_OK;
}

/* The first row of decision.prefer that applies to the winner, in file order. */
static int cl_preferred(const struct classify *cl, const double *acc, int best)
{
    for (size_t i = 0; i < cl->nprefer; i++) {
        const struct cl_prefer *p = &cl->prefer[i];
        if (p->over == best && acc[p->winner] >= p->min && acc[p->winner] >= p->ratio * acc[best])
            return p->winner;
    }
    return best;
}

/* How sure the category is: the winner's share of the scores as a softmax at the file's
 * temperature, and the runner-up when it holds enough of the rest. At a temperature of 1 (a score
 * point a factor e) the share was overconfident: the lexicon's terms weigh 2 to 5 points, so one
 * term decided between 0.9 and 1.0, and on unseen messages a tenth of the tips above 0.6 were
 * wrong; decision.confidence.temperature is fitted on held-out messages (bench/data/README.md). */
static void cl_confidence(const struct cl_decision *d, const double *both, int best,
                          struct classify_result *out)
{
    double sum = 0, second = 0;
    int c2 = -1;
    for (int c = 0; c < CLASSIFY_NCAT; c++) {
        double e = exp((both[c] - both[best]) / d->conf_temperature);
        sum += e;
        if (c != best && e > second)
            second = e, c2 = c;
    }
    out->confidence = 1.0 / sum;
    out->category2 = second / sum >= d->conf_runner_up ? c2 : -1;
}

static void cl_decide(const struct classify *cl, const struct classify_input *in, const double *acc,
                      struct classify_result *out)
{
    const struct cl_decision *d = &cl->d;
    int best = -1;
    double bs = 0;
    classify__facts(acc, out);
    for (int c = 0; c < CLASSIFY_NCAT; c++) {
        out->cat_score[c] = acc[c];
        if (acc[c] > bs)
            best = c, bs = acc[c];
    }
    double ev = (in->phone ? d->ev_phone : 0) + (in->plate ? d->ev_plate : 0) +
                (in->url ? d->ev_url : 0) + (in->money ? d->ev_money : 0) +
                (in->where ? d->ev_where : 0) + (in->when ? d->ev_when : 0);
    /* The category says what a message is about, not whether it reports it: capped, a story
     * full of crime words (news, a question about a past case) cannot outweigh what says it is
     * not a report. */
    /* What says a message is an advert (a price, "ship", "inbox") counts less when the category
     * is one whose adverts are themselves the offence (drugs, weapons, sex, loans). */
    double advert = acc[CL_ADVERT] * (best >= 0 ? cl->advert_factor[best] : 1.0);
    out->score = (bs < d->cat_cap ? bs : d->cat_cap) + acc[CL_TIP] + advert + ev;
    /* a clear category with enough evidence, or a weak one with much more (a resident telling
     * what happened in words the lexicon half knows) */
    out->is_tip =
        best >= 0 &&
        ((bs >= d->min_category && out->score >= (in->group ? d->thr_group : d->thr_private)) ||
         (bs >= d->fb_min_category && out->score >= (in->group ? d->fb_group : d->fb_private)));
    /* the learned fallback: a message in words the lexicon half knows, that labelled tips
     * written that way were (on messages it was not tuned on it found a quarter of the tips
     * the lexicon missed, for one false alarm in four found) */
    if (!out->is_tip && d->tm_on && best >= 0 && bs >= d->tm_min_category &&
        d->tm_bias + acc[CL_TIPMODEL] + (in->group ? d->tm_group : 0) >= d->tm_threshold)
        out->is_tip = true;
    if (!out->is_tip && !(out->is_tip = classify__danger_tip(cl, acc, &best)))
        return;
    /* which category: the lexicon's scores plus the category model's, then the tie-breaks */
    double both[CLASSIFY_NCAT];
    for (int c = 0; c < CLASSIFY_NCAT; c++)
        both[c] = acc[c] + acc[CL_MODEL + c];
    /* all of both[] first: comparing as it filled read both[best] before it was set when the
     * lexicon's winner came later in the list (stack garbage decided; found in issue 12) */
    for (int c = 0; c < CLASSIFY_NCAT; c++)
        if (both[c] > both[best])
            best = c;
    best = cl_preferred(cl, both, best);
    out->category = best;
    cl_confidence(d, both, best, out);
    classify__urgency(cl, in, acc, best, out);
}

static int cl_score(const struct classify *cl, const struct classify_input *in,
                    struct classify_result *out, struct cl_trace *tr)
{
    memset(out, 0, sizeof *out);
    out->category = out->category2 = -1;
    double acc[CL_NACC] = {0};
    uint64_t seen[CL_MAX_TERMS / 64];
    memset(seen, 0, (cl->nids + 63) / 64 * sizeof seen[0]);
    /* Scratch on the stack (24 KiB; every thread has glibc's 8 MiB): from malloc, these two
     * blocks a message, 16 KiB each, were the largest share by bytes of the allocator's work
     * under load (bench/results.md, "The RSS, looked at"). */
    struct cl_stream st[2]; /* [CL_FOLDED], [CL_LOWER] */
    char canon[CL_CANON_MAX];
    size_t clen;
    cl_stream_folded(cl, in, &st[CL_FOLDED], canon, &clen);
    cl_match_terms(cl, &st[CL_FOLDED], CL_FOLDED, seen, acc, tr);
    cl_stream_plain(cl, in->lower, in->lower_len, &st[CL_LOWER]);
    cl_match_terms(cl, &st[CL_LOWER], CL_LOWER, seen, acc, tr);
    int rc = cl_match_patterns(cl, canon, clen, in, st, acc, tr);
    if (rc == CLASSIFY_OK)
        cl_decide(cl, in, acc, out);
    return rc;
}

int classify_run(const struct classify *cl, const struct classify_input *in,
                 struct classify_result *out)
{
    return cl_score(cl, in, out, NULL);
}

int classify_explain(const struct classify *cl, const struct classify_input *in,
                     struct classify_result *out, char *buf, size_t cap)
{
    struct cl_trace tr = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    return cl_score(cl, in, out, cap ? &tr : NULL);
}

const char *classify_category_name(int index)
{
    return index >= 0 && index < CLASSIFY_NCAT ? cl_names[index] : NULL;
}

int classify_category_index(const char *name)
{
    for (int c = 0; name && c < CLASSIFY_NCAT; c++)
        if (strcmp(cl_names[c], name) == 0)
            return c;
    return -1;
}

const char *classify_category_label(const struct classify *cl, int index)
{
    return index >= 0 && index < CLASSIFY_NCAT ? cl->labels[index] : NULL;
}
