/*
 * classify_impl.h — private to the classifier (text/classify.c and text/classify_load.c;
 * the public API is text/classify.h). The limits, the score targets and the flat tables that
 * classify_load.c builds from config/categories.vi.json and classify.c reads when scoring, and
 * the word primitives both files use (cutting text into words, hashing them, the index key, the
 * slot probe). Those are defined in classify.c, where scoring calls them once a word. The
 * urgency decision (text/classify_urgency.c) reads the sums cl_decide hands it. Functions
 * shared between the files are named classify__*; everything else is static in its file.
 */
#ifndef TIPGATE_CLASSIFY_IMPL_H
#define TIPGATE_CLASSIFY_IMPL_H

#include "text/classify.h"

#include "text/rx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    CL_MAX_PHRASE = 6,
    CL_MAX_TERMS = 32768,
    CL_MAX_TEEN = 4096,
    CL_MAX_PATTERNS = 512,
    CL_MAX_TOKENS = 1024,
    CL_CANON_MAX = 8192,
    CL_TEEN_TOKENS = 4,
    CL_TEEN_TEXT = 48,
    CL_PHRASE_MAX = 160,      /* bytes of a term as written */
    CL_MAX_GATE = 64,         /* words in one gate of a pattern's "if_any" */
    CL_MAX_GATES = 3,         /* gates of one pattern (all must open) */
    CL_MAX_HOMOGRAPHS = 1024, /* accented words read apart from their folded form */
    CL_MAX_PREFER = 64,       /* rows of decision.prefer */
    CL_WORD_MAX = 64          /* bytes of one word compared when checking a homograph */
};

/* The entities a pattern may require ("if_entity"), as bits. */
enum {
    CL_ENT_PHONE = 1,
    CL_ENT_PLATE = 2,
    CL_ENT_URL = 4,
    CL_ENT_MONEY = 8,
    CL_ENT_WHERE = 16,
    CL_ENT_WHEN = 32
};

/* Score targets: the categories, then the signals. CL_ADVERT is the evidence that a message is
 * an advert: it counts against a tip like the negative "tip" evidence, but only
 * not_report_factor times when the winning category is one whose adverts are the offence.
 * CL_ONGOING (it is happening now), CL_INJURY (someone is hurt or trapped) and CL_DISTRESS (a
 * cry for help) are facts read whatever the verdict: the guided report does not ask "when?" of
 * what is happening, an emergency with someone hurt names 115 beside 113 or 114, and "cứu
 * với" that says nothing else still gets the emergency numbers first. */
enum {
    CL_TIP = CLASSIFY_NCAT,
    CL_URGENT,
    CL_ADVERT,
    CL_ONGOING,
    CL_INJURY,
    CL_DISTRESS,
    /* How far from now and danger a tip is (text/classify_urgency.c): told after the fact
     * ("tối qua", "hôm trước"), second-hand or seen online ("clip", "nghe nói"), a threat of
     * harm to come ("dọa", "sẽ"), a slow or habitual situation ("tối nào cũng", "mấy hôm
     * nay"); and what overrides that distance: an act or a danger to a person right now
     * ("ngay bây giờ", "vẫn đang", "mắc kẹt", "cứu với"). */
    CL_PAST,
    CL_REMOTE,
    CL_FUTURE,
    CL_HABITUAL,
    CL_ACUTE,
    /* A person beside a danger to the body ("ông cụ … trượt chân xuống sông", "bé … nằm im
     * không cử động"), read by structure rather than by phrase: it counts as acute only when
     * nothing in the message puts it elsewhere or earlier (text/classify_urgency.c). */
    CL_DANGER,
    CL_NTARGETS
};
/* The last urgency signal read by name from the file ("past" … "danger"). */
#define CL_URG_LAST CL_DANGER
/* The category model ("category_model" in the file) adds to separate scores, CL_MODEL + c: they
 * help choose which category a tip is, never whether a message is a tip. */
enum { CL_MODEL = CL_NTARGETS, CL_TIPMODEL = CL_MODEL + CLASSIFY_NCAT, CL_URGMODEL, CL_NACC };
enum { CL_FOLDED = 0, CL_LOWER = 1 };

/* A fact signal (ongoing, injury) holds when its terms add up to this: one plain term does. */
#define CL_FACT_MIN 1.0
#define CL_WILD     ((uint64_t)1)                  /* the hash of "*" in a term */
#define CL_SALT     ((uint64_t)0x9E3779B97F4A7C15) /* keeps the two streams apart in one table */

struct cl_term {
    uint64_t tok[CL_MAX_PHRASE];
    uint64_t alt[CL_MAX_PHRASE]; /* "~" terms: the words folded, read where typed plain */
    uint8_t ntok, stream;
    bool dual; /* a "~" term: each word as written, or typed without any diacritic */
    int16_t target;
    uint32_t id; /* counts once per message: a "~" term is indexed under both first words */
    float weight;
    char *text; /* as written in the file, for explanations */
};

/* What cl_match_terms reads of each term under a slot, packed apart from the rest (12 bytes
 * instead of some 120): a common word carries a learned weight for most categories, so a
 * message's words visit thousands of terms, and with the whole terms read the learned models
 * (doubled in issue 12) pushed the walk out of the first-level cache. hot[i] is terms[i]. */
struct cl_hot {
    float weight;
    uint32_t id;
    int16_t target;
    uint8_t ntok;
};

struct cl_slot {
    uint64_t key; /* 0 = empty */
    uint32_t first, count;
};

/* One word of a pattern's gate, in the inverted index of gate words. */
struct cl_gate_ref {
    uint64_t key; /* the word's hash, salted for patterns on the lowercased text */
    uint16_t pat;
    uint8_t gate;
};

struct cl_teen {
    uint64_t key; /* 0 = empty */
    uint8_t ntok;
    uint64_t tok[CL_TEEN_TOKENS];
    char text[CL_TEEN_TEXT];
};

struct cl_pattern {
    struct rx re;
    struct rx also; /* "and": a second expression that must match too (also.ucp NULL if none) */
    float add[CL_NTARGETS];
    bool on_lower;    /* "on": "lower": the lowercased NFC text instead of the canonical form */
    uint8_t entities; /* "if_entity": tried only when one of these entities was found (CL_ENT_*) */
    uint8_t ngates;   /* "if_any": run only when each gate has one of its words in the message */
    struct cl_gate {
        uint8_t n;
        uint64_t w[CL_MAX_GATE];
    } gates[CL_MAX_GATES];
    char *text;
};

/* decision.prefer: when `over` wins but `winner` has at least `min` and `ratio` times its score,
 * the message is `winner`'s (a fight at home is domestic violence, not plain violence). */
struct cl_prefer {
    int winner, over;
    double ratio, min;
};

/* A set of word hashes (open addressing, 0 = empty). */
struct cl_set {
    uint64_t *slot;
    size_t mask;
};

struct cl_decision {
    double min_category, thr_private, thr_group, urgent_thr;
    double fb_min_category, fb_private,
        fb_group; /* the second rule: weaker category, more evidence */
    /* "confidence": the softmax temperature of the category scores (a score point is a factor
     * e^(1/temperature)), and the share of the runner-up from which it is offered as category2 */
    double conf_temperature, conf_runner_up;
    double ev_phone, ev_plate, ev_url, ev_money, ev_where, ev_when;
    double shouting, caps_first;
    double cat_cap; /* the most the category adds to the tip evidence */
    /* "tip_model": a learned tip / no tip logit, a fallback for tips the lexicon half knows */
    bool tm_on;
    double tm_bias, tm_group, tm_threshold, tm_min_category;
    /* "urgent_model": a learned urgent / not logit, a fallback for tips the cues missed */
    bool um_on;
    double um_bias, um_threshold;
    /* the past + remote + future + habitual evidence (the distance from now) counts
     * urgent_distance times against the urgency; from urgent_not_now a tip is not urgent at all
     * unless its acute evidence reaches urgent_acute (or it is a cry for help) */
    double urgent_distance, urgent_not_now, urgent_acute;
    /* a danger to a person now (acute + injury, less the distance from now) from urgent_danger
     * makes a message an urgent tip even when its category evidence is weak */
    double urgent_danger;
    /* a category's negative urgent_bias counts only from this category confidence: a drowning
     * half read as environment must not lose its urgency to the guess */
    double urgent_bias_sure;
};

/*
 * The loaded classifier. Loading turns categories.vi.json into flat tables: every term becomes up
 * to six 64-bit word hashes, indexed by its first word — or its first two, for terms of two words
 * or more — in one open-addressing table (the two streams salted apart), so scoring a message is
 * one pass over its words with two hash lookups each: a lexicon of tens of thousands of terms
 * costs about the same as one of ten. Tried and rejected: strstr per term (cost grows with the
 * lexicon, and "trom" would match inside "tromg"); one big regex alternation (no per-term weights,
 * and a ward's typo would break the whole file's pattern); indexing by the first word only (the
 * learned models put hundreds of word pairs behind words like "bi"). Patterns do what words
 * cannot (two words anywhere in a clause); each has word gates, opened through an inverted index
 * of the gate words, before its expression runs.
 *
 * The learned blocks ("category_model", "tip_model", "urgent_model") are ordinary terms with
 * targets of their own (CL_MODEL …): they never change a category's lexicon score, only the
 * decisions their documentation names (classify.h).
 */
struct classify {
    struct cl_term *terms;
    struct cl_hot *hot; /* built by cl_index once the terms are sorted */
    size_t nterms, terms_cap;
    size_t nids; /* distinct terms (a "~" term may take two entries) */
    struct cl_slot *slots;
    size_t slot_mask;
    struct cl_teen *teen;
    size_t teen_mask, nteen;
    struct cl_pattern *pats;
    size_t npats;
    struct cl_slot *gate_slots; /* gate word (salted by stream) -> its run of gate_refs */
    size_t gate_mask;
    struct cl_gate_ref *gate_refs; /* (pattern, gate) pairs sorted by word */
    size_t ngate_refs;
    struct cl_set homo;      /* "homographs.split": the accented words, as typed (lower case) */
    struct cl_set homo_fold; /* … and their folded forms, checked first (one lookup a word) */
    struct cl_prefer prefer[CL_MAX_PREFER];
    size_t nprefer;
    char *labels[CLASSIFY_NCAT];
    double urgent_bias[CLASSIFY_NCAT];
    double advert_factor[CLASSIFY_NCAT]; /* "not_report_factor": an advert for drugs is a tip */
    struct cl_decision d;
};

/* ---- words (defined in classify.c) ------------------------------------------------------ */

/* Finds the next word at or after *pos: [*start, *end). False at the end of s. */
bool classify__token(const char *s, size_t len, size_t *pos, size_t *start, size_t *end);
/* The hash of the n bytes at s (FNV-1a); never 0 (an empty slot) nor CL_WILD. */
uint64_t classify__hash(const char *s, size_t n);
/* The index key of a term: its first word, or its first two words when it has two (a model of
 * word pairs puts hundreds of terms behind a word like "bi": keyed by the pair, a lookup finds
 * the few that can match). Salted by stream; never 0 (an empty slot). */
uint64_t classify__key(uint64_t first, uint64_t second, int stream);
/* The slot of key in slots (mask + 1 of them, open addressing): key's own, or the empty one
 * where it would go. */
size_t classify__slot_find(const struct cl_slot *slots, size_t mask, uint64_t key);

/* ---- urgency (defined in classify_urgency.c) -------------------------------------------- */

/* The name in the file of an urgency signal from CL_PAST to CL_URG_LAST ("past" …), else NULL. */
const char *classify__signal_name(int target);
/* The facts read of every message, tip or not: ongoing, injury, distress (their signals in acc
 * reach CL_FACT_MIN). */
void classify__facts(const double *acc, struct classify_result *out);
/* Judges whether a tip of category best is urgent: sets out->urgency and out->urgent from the
 * sums in acc (CL_NACC of them) and the message's capitals. */
void classify__urgency(const struct classify *cl, const struct classify_input *in,
                       const double *acc, int best, struct classify_result *out);
/* Whether a message the category decision did not take as a tip reports a danger to a person
 * right now (a suicide note, a child in a canal, someone collapsed, a gas leak, a person missing
 * in the cold): then it is a tip, of category *best, or "other" when *best < 0 (updated). */
bool classify__danger_tip(const struct classify *cl, const double *acc, int *best);

#endif
