/*
 * textengine.h — the Vietnamese text engine, the one interface the rest of the bot uses:
 * load it once at start, then analyse each message (from the worker thread, `tipgate analyze`,
 * or any other thread: analysis only reads the loaded engine).
 *
 * One analysis: NFC (textnorm.c) → the folded and stripped forms → entities (extract.c:
 * phones, plates, URLs, money, when, where) → tip / category / urgency (classify.c, whose
 * lexicon is config/categories.vi.json).
 *
 *     struct textengine *te;
 *     char err[512];
 *     if (textengine_load(cfg->categories_file, &te, err, sizeof err) != TEXTENGINE_OK) …
 *     struct text_analysis a;
 *     if (textengine_analyze(te, text, chat_is_group, &a) == TEXTENGINE_OK && a.is_tip) …
 *     text_analysis_clear(&a);
 *     textengine_free(te);
 */
#ifndef TIPGATE_TEXTENGINE_H
#define TIPGATE_TEXTENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TEXTENGINE_MAX_TEXT = 16384, /* bytes of one message; longer ones are refused */
    TEXTENGINE_MAX_ITEMS = 8,    /* phones, plates, URLs, amounts kept per message */
    TEXTENGINE_LIKELY = 6        /* categories a person is offered first (a phone's screen) */
};

/* The category confidence from which the guided report takes the engine's category as given. */
#define TEXTENGINE_SURE_CATEGORY 0.6
/* From TEXTENGINE_SURE_CATEGORY up to this, the guided report asks the resident to confirm the
 * engine's category ("…có phải là: …?") rather than filing it silently. On the labelled sets
 * valid2, valid3, valid4-cat, valid4-urg and valid5-cat (bench/data, 249 tips with a category),
 * 55 fall between 0.6 and 0.9 and one in eight of those is wrong (48 right); from 0.9, 130 of
 * 132 are right. A confirmation costs one tap. */
#define TEXTENGINE_CONFIRM_CATEGORY 0.9

enum textengine_status {
    TEXTENGINE_OK = 0,
    TEXTENGINE_ENOMEM = -1,
    TEXTENGINE_EINVAL = -2, /* NULL text, over TEXTENGINE_MAX_TEXT, invalid UTF-8 or a NUL */
    TEXTENGINE_ECONFIG = -3 /* the categories file is unreadable or wrong (see err) */
};

struct textengine;

/* The result of one analysis. Everything not marked static is owned by the struct and freed by
 * text_analysis_clear(). */
struct text_analysis {
    char *nfc;    /* the text in NFC (owned) */
    char *folded; /* lower case, no diacritics, đ → d: for matching and search (owned) */
    bool is_tip;
    const char *category; /* static category name ("theft" …), NULL when not a tip */
    /* How sure the engine is of category, 0..1 (0 when not a tip): below
     * TEXTENGINE_SURE_CATEGORY the guided report asks the resident instead of filling it in. */
    double category_confidence;
    const char *category2; /* the runner-up (static), NULL when none comes close */
    /* A tip's most likely categories (static names, "other" left out): category, category2,
     * then the others the text scores for, best first; nlikely of them (0 when not a tip). */
    const char *likely[TEXTENGINE_LIKELY];
    size_t nlikely;
    bool urgent;   /* happening now or danger to life (only ever true for a tip) */
    bool ongoing;  /* it is happening now ("đang", "ngay bây giờ", "cứu với") */
    bool injury;   /* someone is hurt or trapped ("chảy máu", "mắc kẹt") */
    bool distress; /* a cry for help ("cứu với", "SOS"), whatever else it says */
    double score;  /* the tip evidence the decision compared with its threshold */
    size_t nphones, nplates, nurls;
    char *phones[TEXTENGINE_MAX_ITEMS]; /* 0912345678 (owned) */
    char *plates[TEXTENGINE_MAX_ITEMS]; /* 29A-12345 (owned) */
    char *urls[TEXTENGINE_MAX_ITEMS];   /* lowercased (owned) */
    size_t nmoney;
    int64_t money[TEXTENGINE_MAX_ITEMS]; /* every amount found, in text order (đồng) */
    int64_t money_vnd; /* the amount at stake (lost, demanded, lent, bet), -1 when none */
    char *when;        /* "tối qua khoảng 22h" in the writer's words, or NULL (owned) */
    char *place;       /* "hẻm 12 đường Lê Lợi" in the writer's words, or NULL (owned) */
};

struct textengine_category {
    const char *name;  /* "theft" */
    const char *label; /* "Trộm cắp tài sản", from the categories file */
};

/* Loads the lexicon at categories_path and compiles the patterns. On failure returns
 * TEXTENGINE_ECONFIG or TEXTENGINE_ENOMEM, *out is NULL and err holds one line naming the file
 * and the key. Free with textengine_free (NULL is fine). */
int textengine_load(const char *categories_path, struct textengine **out, char *err, size_t errlen);
void textengine_free(struct textengine *te);

/* Analyses text (NUL-terminated UTF-8). group_context: posted in a group chat (needs stronger
 * evidence to be a tip). On success returns TEXTENGINE_OK and fills *out, which the caller
 * clears with text_analysis_clear; on failure *out is cleared (all NULL, money_vnd -1) and the
 * status says why. Thread-safe. */
int textengine_analyze(const struct textengine *te, const char *text, bool group_context,
                       struct text_analysis *out);
/* As textengine_analyze, and writes what fired into buf (see classify_explain). */
int textengine_explain(const struct textengine *te, const char *text, bool group_context,
                       struct text_analysis *out, char *buf, size_t cap);
/* Frees what *a owns and resets it to the empty analysis. */
void text_analysis_clear(struct text_analysis *a);

/* How many analyses te has run since it was loaded (textengine_analyze and _explain, from any
 * thread): /metrics shows it as tipgate_text_analyses_total, so an operator sees how many times
 * each message is read (once, by the worker: issue 11). */
uint64_t textengine_runs(const struct textengine *te);

/* The index of a category name (0..n-1 in the order textengine_categories lists), or -1. */
int textengine_category_index(const char *name);
/* The categories with their Vietnamese labels, in a fixed order; *n receives the count. The
 * array belongs to te. */
const struct textengine_category *textengine_categories(const struct textengine *te, size_t *n);

#endif
