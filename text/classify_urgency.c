/*
 * classify_urgency.c — is a tip urgent, and the facts read of every message (ongoing, injury,
 * distress). Called by cl_decide (text/classify.c) once the sums of the terms and patterns are
 * in; the weights come from config/categories.vi.json through text/classify_load.c (the
 * "urgent", "ongoing", "injury" and "distress" signals, each category's urgent_bias, the
 * decision's urgent_* numbers and the learned "urgent_model"). Kept apart from the category
 * decision so the judgement of "now and danger" can change without touching what a tip is.
 */
#include "text/classify_impl.h"

#include "base/textnorm.h"
#include "base/utf8.h"

/* How much a message shouts: most of its letters capitals, or a first word in capitals
 * ("ĐANG có thằng trèo tường", "CHAY!"). */
static double cu_shouting(const struct classify *cl, const char *s, size_t len)
{
    size_t upper = 0, letters = 0, i = 0, first_upper = 0, first_letters = 0;
    bool first_done = false;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        i += n ? n : 1;
        bool letter = n && (textnorm_base_cp(cp) || (cp | 0x20) - 'a' < 26u || cp == 0x111);
        bool up = letter && textnorm_lower_cp(cp) != cp;
        if (!letter && first_letters > 0)
            first_done = true;
        letters += letter, upper += up;
        if (letter && !first_done)
            first_letters++, first_upper += up;
    }
    double v = 0;
    if (letters >= 12 && upper * 10 >= letters * 6)
        v += cl->d.shouting;
    else if (first_letters >= 3 && first_upper == first_letters)
        v += cl->d.caps_first;
    return v;
}

const char *classify__signal_name(int target)
{
    static const char *const names[] = {"past", "remote", "future", "habitual", "acute", "danger"};
    return target >= CL_PAST && target <= CL_URG_LAST ? names[target - CL_PAST] : NULL;
}

void classify__facts(const double *acc, struct classify_result *out)
{
    out->ongoing = acc[CL_ONGOING] >= CL_FACT_MIN;
    out->injury = acc[CL_INJURY] >= CL_FACT_MIN;
    out->distress = acc[CL_DISTRESS] >= CL_FACT_MIN;
}

/* The distance from now: told after the fact, second-hand or online, to come, habitual. */
static double cu_not_now(const double *acc)
{
    return acc[CL_PAST] + acc[CL_REMOTE] + acc[CL_FUTURE] + acc[CL_HABITUAL];
}

/* The acute evidence: the terms that say "right now" whatever else the message says, and a
 * person beside a danger to the body (signals.danger, matched by structure) only when no marker
 * puts the message elsewhere or earlier: "ông cụ trượt chân xuống sông, đang chới với" is acute,
 * "chiều qua mẹ em bị giật túi, ngã xuống đường" is a story. The structural match is broad on
 * purpose (wordings the lexicon never saw), so it must not outweigh even one marker of distance. */
static double cu_acute(const double *acc)
{
    return acc[CL_ACUTE] + (cu_not_now(acc) > 0 ? 0 : acc[CL_DANGER]);
}

/* What says, in so many words, that the message is about now: "đang", "vừa", "bây giờ" (the
 * ongoing fact), a cry for help, an acute term. The structural danger makes a message a tip only
 * beside one of them: alone it is too broad (a story with no time named). */
static bool cu_said_now(const double *acc)
{
    return acc[CL_ONGOING] >= CL_FACT_MIN || acc[CL_DISTRESS] >= CL_FACT_MIN || acc[CL_ACUTE] > 0;
}

/* A danger to a person right now: someone hurt, trapped, drowning, collapsed, about to harm
 * themselves, an attack in progress (acute and injury), less what puts it elsewhere or earlier.
 * Many such messages name no crime at all ("có đứa nhỏ rớt xuống mương, nước chảy xiết"), so
 * the category evidence cannot be what makes them reach the desk. */
static bool cu_danger_now(const struct cl_decision *d, const double *acc, bool structural)
{
    double not_now = cu_not_now(acc);
    double acute = structural ? cu_acute(acc) : acc[CL_ACUTE];
    return not_now < d->urgent_not_now &&
           acute + acc[CL_INJURY] - d->urgent_distance * not_now >= d->urgent_danger;
}

bool classify__danger_tip(const struct classify *cl, const double *acc, int *best)
{
    if (!cu_danger_now(&cl->d, acc, cu_said_now(acc)))
        return false;
    if (*best < 0)
        *best = classify_category_index("other");
    return *best >= 0;
}

void classify__urgency(const struct classify *cl, const struct classify_input *in,
                       const double *acc, int best, struct classify_result *out)
{
    const struct cl_decision *d = &cl->d;
    /* Crime words are not urgency: what was told after the fact, seen online, threatened for
     * later or goes on night after night waits for the desk's day. Each marker of that distance
     * weighs against the urgency cues, and enough of them (two markers, or a strong one) rule
     * urgency out unless something in the message is acute right now (an act in progress,
     * someone trapped, a cry for help). A veto alone, without the weighing, let a single "đang"
     * beside a story of last night through; a weighing alone let a long story full of "now"
     * words outweigh two markers of the past. */
    double not_now = cu_not_now(acc);
    /* A category that is rarely urgent (environment, gambling …) weighs against the cues only
     * when the engine is sure of it: an unsure guess ("environment" for a child swept away by a
     * river) must not cancel a danger it half understood. Positive biases always count. */
    double bias = cl->urgent_bias[best];
    if (bias < 0 && out->confidence < d->urgent_bias_sure)
        bias = 0;
    out->urgency = acc[CL_URGENT] + bias + cu_shouting(cl, in->nfc, in->nfc_len) -
                   d->urgent_distance * not_now;
    bool urgent = out->urgency >= d->urgent_thr ||
                  (d->um_on && d->um_bias + acc[CL_URGMODEL] >= d->um_threshold);
    /* an act seen in a clip or heard from others is acute elsewhere and earlier, not here:
     * the remote evidence counts against the acute, and a cry for help in a clip or a film is
     * not one to us */
    bool acute = cu_acute(acc) - acc[CL_REMOTE] >= d->urgent_acute ||
                 (out->distress && acc[CL_REMOTE] < CL_FACT_MIN);
    out->urgent = (urgent && (not_now < d->urgent_not_now || acute)) || cu_danger_now(d, acc, true);
}
