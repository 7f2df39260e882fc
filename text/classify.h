/*
 * classify.h — is a message a tip, of which category, is it urgent. A weighted lexicon, a few
 * patterns and three small learned models, all read from config/categories.vi.json (documented
 * inside, "//" keys are comments) so a ward can add the words its residents use without a
 * recompile; bench/data/text_model.py regenerates the learned blocks from labelled messages.
 *
 * How a message is scored (the numbers are the file's):
 *  - the folded text (textnorm_fold: lower case, no diacritics) is cut into words; teen code
 *    is expanded first ("ko" → "khong", "ck" → "chong"); a word typed with the diacritics of a
 *    "homographs.split" entry keeps them ("mắt" is not read as "mat", which means "mất"); every
 *    term of the lexicon written without diacritics is looked up in that stream, every term
 *    written with diacritics in the lowercased NFC stream ("đánh vợ" is not "đánh vỡ", "cháy"
 *    is not "chạy"); a term written "~" + diacritics ("~cá độ") reads each word as written or
 *    typed without any diacritic, never with other ones ("ca do" is a bet, "cá đổ" is not).
 *    A term is one to six words, "*" standing for any one word; it counts once per message;
 *  - each pattern (PCRE2) runs on the canonical folded text — the expanded words joined by
 *    single spaces, sentence punctuation kept — or, with "on": "lower", on the lowercased NFC
 *    text (when diacritics decide: "mất" is not "mắt"), and adds its weights once when it
 *    matches (and its "and" expression, if any, matches too); "if_any" lists words one of
 *    which must be in the message for the pattern to be tried at all, or up to three such
 *    lists that must all be satisfied, and "if_entity" entities one of which must have been
 *    found (speed: the gates are an index lookup per word, a pattern a scan);
 *  - a category's score is the sum of its terms and patterns; the "tip" signal adds evidence
 *    that a message reports something (or, negative, that it is a question about a procedure,
 *    news, thanks, a joke); the "advert" signal that it is an advert, which counts only
 *    not_report_factor times when the winning category's adverts are the offence (drugs,
 *    weapons, sex, loans); the "urgent" signal adds "happening now / danger";
 *  - is_tip: the best category reaches min_category_score and best (capped at category_cap:
 *    the category says what, not whether) + tip + advert + entity evidence reaches the
 *    context's threshold (a group needs more: chatter is not a report) — or, the fallback rule,
 *    a weaker category (fallback.min_category_score) with more evidence — or, learned, the
 *    "tip_model" logit reaches its threshold with some category evidence — or a danger to a
 *    person now: "acute" + "injury" − urgent_distance × the distance from now reaches
 *    urgent_danger while that distance stays below urgent_not_now (category: the best one, or
 *    "other" when none); the "danger" signal (a person beside a danger to the body, matched by
 *    structure) counts as acute only with no distance from now at all, and makes a tip only
 *    beside a word that says now (ongoing, distress or an acute term);
 *  - the category is the best of the lexicon's score plus the "category_model" score, unless a
 *    "decision.prefer" row names a more specific one close enough behind it (domestic_violence
 *    over violence);
 *  - urgent (text/classify_urgency.c): a tip whose urgent signal + the category's urgent_bias
 *    (a negative one only from decision.urgent_bias_confidence of category confidence) +
 *    shouting − urgent_distance × its distance from now (the "past", "remote", "future" and
 *    "habitual" signals) reaches urgent_threshold, or whose "urgent_model" logit reaches its
 *    threshold — and, when that distance reaches urgent_not_now, only if the "acute" signal
 *    less the remote one reaches urgent_acute or it is a cry for help (distress, unless seen
 *    in a clip or a film: remote); and every tip with a danger to a person now (above);
 *  - ongoing, injury and distress, read of every message: their signals reach 1.
 *
 * A compiled classifier is read-only: classify_run is thread-safe.
 */
#ifndef TIPGATE_CLASSIFY_H
#define TIPGATE_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

enum { CLASSIFY_NCAT = 19 };

enum classify_status {
    CLASSIFY_OK = 0,
    CLASSIFY_ENOMEM = -1,
    CLASSIFY_EFILE = -2,  /* unreadable file or invalid JSON */
    CLASSIFY_ECONFIG = -3 /* valid JSON, wrong content (err names the key) */
};

struct classify;

/* What the classifier reads: the text in two forms and the entities already extracted. */
struct classify_input {
    const char *folded; /* textnorm_fold of the text */
    size_t folded_len;
    const char *lower; /* textnorm_lower of the text (NFC, lower case) */
    size_t lower_len;
    const char *nfc; /* the NFC text, for capital letters (shouting) */
    size_t nfc_len;
    bool group;                                 /* posted in a group chat, not sent to the bot */
    bool phone, plate, url, money, where, when; /* entities found */
};

struct classify_result {
    bool is_tip;
    int category; /* index (classify_category_name), -1 when not a tip */
    bool urgent;
    bool ongoing; /* "đang", "ngay bây giờ", "cứu với": it is happening now (any message) */
    bool injury;  /* someone bleeding, unconscious, trapped (any message) */
    bool distress;     /* a cry for help: "cứu với", "SOS", "khẩn cấp" (any message) */
    double score;      /* tip evidence compared with the threshold */
    double urgency;    /* urgency compared with urgent_threshold */
    double confidence; /* of category, 0..1 (a tip only) */
    int category2;     /* the runner-up category when it comes close, else -1 */
    double cat_score[CLASSIFY_NCAT];
};

/* Loads path. On failure returns a negative status, *out is NULL and err (errlen bytes) names
 * the file and the key. The classifier is freed with classify_free. */
int classify_load(const char *path, struct classify **out, char *err, size_t errlen);
/* The same from a JSON text in memory (tests). */
int classify_load_string(const char *json, struct classify **out, char *err, size_t errlen);
void classify_free(struct classify *cl);

/* Scores one message. Only the first 1024 words of each form are read. Returns CLASSIFY_OK
 * or CLASSIFY_ENOMEM. */
int classify_run(const struct classify *cl, const struct classify_input *in,
                 struct classify_result *out);

/* As classify_run, and writes why into buf (cap bytes, NUL-terminated, cut when full): every
 * term and pattern that fired with its target and weight, e.g. "theft+2.5[trom] tip-3[cho em
 * hoi]". For tuning the lexicon (`TIPGATE_ANALYZE_EXPLAIN=1 tipgate analyze`). */
int classify_explain(const struct classify *cl, const struct classify_input *in,
                     struct classify_result *out, char *buf, size_t cap);

/* The fixed category names (static strings) and their index; -1 for an unknown name. */
const char *classify_category_name(int index);
int classify_category_index(const char *name);
/* The category's label for people, from the file (e.g. "Trộm cắp tài sản"). */
const char *classify_category_label(const struct classify *cl, int index);

#endif
