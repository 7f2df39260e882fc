/*
 * extract_when.c — the time a message names, as the writer wrote it, in one span (extract.h):
 * "tối qua khoảng 22h", "từ 23h tới 2h sáng", "đêm nào cũng", "mấy bữa nay", "3 ngày nay",
 * "đang diễn ra", "thứ 6 vừa rồi", "mới 1-2 phút".
 *
 * Over the tokens of text/extract_words.c a time is a run of time words: clock times ("22h15",
 * "6h45", "22:30", "10h kém 15"); dates after a time word or "từ"/"ngày" ("tối 20/4", "từ 1/7",
 * "ngày 20-11", "ngày 5 tháng 4", "25 Tết") or before "vừa rồi"; parts of the
 * day (sáng, tối, đêm) where a time word is next to them or they open a clause — "ngược chiều"
 * and "trời tối" are no times, and without diacritics "toi" is "tối" only beside another time
 * word ("toi qua", "7h toi"); units (hôm, tuần, ngày, lúc, bữa) with a word saying which one
 * ("tuần rồi", "lúc nãy") or a count ("3 ngày", "mỗi tuần"); the day of the week; and the words
 * that say which one only after a time word ("qua", "nay", "nào cũng", "trước"). Leading words
 * ("từ", "khoảng", "mấy", "mỗi", "suốt") and joining words ("đến", "và", "-") are kept only when
 * a time follows them. A comma ends a run; the first run is the time reported (the writer
 * usually says when first; later times are details: "tối qua, tầm 2h sáng").
 */
#include "text/extract_impl.h"

#include <stdlib.h>

enum { EX_WHEN_MAX_PEND = 3 }; /* "cách đây chừng 5 phút" */

/* Every role a word of a time can have. */
#define EX_T_ANY                                                                                   \
    (EX_T_DAYPART | EX_T_REL | EX_T_UNIT | EX_T_LEAD | EX_T_JOIN | EX_T_DOW | EX_T_DOWNUM |        \
     EX_T_CORE | EX_T_SPECIAL)

static bool ex_w(const struct ex_tok *k, uint32_t roles)
{
    return k->kind == EX_TOK_WORD && (k->roles & roles);
}

static bool ex_clock_ok(const struct ex_ctx *c, const struct ex_tok *k)
{
    int h = atoi(c->in->strip + k->s);
    return h >= 0 && h <= 23;
}

static bool ex_date_ok(const struct ex_ctx *c, const struct ex_tok *k)
{
    const char *t = c->in->strip + k->s;
    int d = atoi(t), m = 0;
    for (const char *p = t; p < c->in->strip + k->e; p++)
        if (*p == '/' || *p == '-') {
            m = atoi(p + 1);
            break;
        }
    return d >= 1 && d <= 31 && m >= 1 && m <= 12;
}

/* A token that tells which time it is when it follows another time word ("qua", "nay"). */
static bool ex_which(const struct ex_tok *k)
{
    return ex_w(k, EX_T_REL);
}

/* The same, surely: typed without diacritics "toi" (tới, tối, tôi) and "nao" say little, while
 * "nay", "qua", "truoc", "roi" are read the same either way. */
static bool ex_which_sure(const struct ex_ctx *c, const struct ex_tok *k)
{
    static const char *const sure[] = {"nay", "qua",  "truoc", "roi", "nua", "xong",
                                       "nao", "cung", "wa",    "qa",  "trc", NULL};
    if (!ex_which(k))
        return false;
    if (!(k->roles & EX_W_AMBIG))
        return true;
    for (int i = 0; sure[i]; i++)
        if (extract__tok_is(c, k, sure[i]))
            return true;
    return false;
}

static bool ex_day_month(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j,
                         bool prev_core);
static bool ex_deadline(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j);

/* "cách đây 5 phút", "cách đây chừng 2 ngày": the figure at j counts back from now. */
static bool ex_ago(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j)
{
    if (j >= 3 &&
        (extract__tok_is(c, &tk->t[j - 1], "chung") ||
         extract__tok_is(c, &tk->t[j - 1], "khoang") || extract__tok_is(c, &tk->t[j - 1], "tam")))
        j--;
    return j >= 2 && extract__tok_is(c, &tk->t[j - 1], "day") &&
           extract__tok_is(c, &tk->t[j - 2], "cach");
}

/* "làm ca đêm", "trực ca đêm", "công nhân ca đêm": the shift someone works, not a time. */
static bool ex_shift(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j)
{
    static const char *const work[] = {"lam", "truc", "nhan", "di", NULL};
    if (!extract__tok_is(c, &tk->t[j], "ca") || j == 0)
        return false;
    for (int i = 0; work[i]; i++)
        if (extract__tok_is(c, &tk->t[j - 1], work[i]))
            return true;
    return false;
}

/* "bây giờ" ends at "giờ": "ngay bây giờ trước quán" */
static bool ex_now(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j)
{
    return j >= 1 && extract__tok_is(c, &tk->t[j], "gio") &&
           extract__tok_is(c, &tk->t[j - 1], "bay");
}

/* "10 giờ", "14 giờ": a figure of hours and the word for it is a clock time. */
static bool ex_num_clock(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j)
{
    const struct ex_tok *k = &tk->t[j];
    if (k->kind != EX_TOK_NUM || k->e - k->s > 2 || j + 1 >= tk->n ||
        atoi(c->in->strip + k->s) > 24)
        return false;
    /* "mất 2 giờ", "trong 3 giờ", "3 giờ đồng hồ" are lengths */
    if (j > 0 &&
        (extract__tok_is(c, &tk->t[j - 1], "mat") || extract__tok_is(c, &tk->t[j - 1], "trong")))
        return false;
    if (j + 2 < tk->n && extract__tok_is(c, &tk->t[j + 2], "dong"))
        return false;
    return extract__tok_is(c, &tk->t[j + 1], "gio");
}

/* Whether the word k is part of a time (see ex_time_core). */
static bool ex_time_word(const struct ex_ctx *c, const struct ex_tok *k, const struct ex_tok *prev,
                         const struct ex_tok *next, const struct ex_tokens *tk, size_t j,
                         bool prev_core)
{
    bool ambig = k->roles & EX_W_AMBIG;
    if (!(k->roles & EX_T_ANY))
        return false; /* most words: no lookups */
    if (ex_w(k, EX_T_CORE))
        return !(k->cap && extract__tok_is(c, k, "mai")); /* Mai is a name */
    /* "chợ Hôm": a capitalised word after a place's head is its name */
    if (k->cap && prev && prev->kind == EX_TOK_WORD && !prev->cap && (prev->roles & EX_W_HEAD) &&
        !(prev->roles & EX_T_ANY))
        return false;
    /* "ban" is a time only in "ban đêm", "ban ngày" ("ban cung phong" is bạn cùng phòng) */
    if (extract__tok_is(c, k, "ban") &&
        !(next && (ex_w(next, EX_T_DAYPART) || extract__tok_is(c, next, "ngay"))))
        return false;
    if (extract__tok_is(c, k, "dang") && j + 2 < tk->n && extract__tok_is(c, next, "dien") &&
        extract__tok_is(c, &tk->t[j + 2], "ra"))
        return true; /* "đang diễn ra" */
    if (prev_core && prev &&
        (extract__tok_is(c, prev, "dang") || extract__tok_is(c, prev, "dien")) &&
        (extract__tok_is(c, k, "dien") || extract__tok_is(c, k, "ra")))
        return true;
    if (!ambig && prev && extract__tok_is(c, prev, "tu") && extract__tok_is(c, k, "nay") &&
        k->e - k->s < c->in->map[k->e] - c->in->map[k->s])
        return true; /* "từ nãy": since a moment ago */
    if (prev_core && prev && extract__tok_is(c, prev, "hom") && extract__tok_is(c, k, "bua"))
        return true; /* "hôm bữa": the other day */
    if (extract__tok_is(c, k, "hom") && next && extract__tok_is(c, next, "bua"))
        return true;
    /* "năm nay 68 tuổi" is an age */
    if (extract__tok_is(c, k, "nay") && next && next->kind == EX_TOK_NUM && j + 2 < tk->n &&
        extract__tok_is(c, &tk->t[j + 2], "tuoi"))
        return false;
    /* "từ 22h trở đi" */
    if (prev_core && prev && extract__tok_is(c, k, "di") && extract__tok_is(c, prev, "tro"))
        return true;
    if (extract__tok_is(c, k, "tro"))
        return prev_core && next && extract__tok_is(c, next, "di");
    if (extract__tok_is(c, k, "di"))
        return false;
    /* "lúc nào cũng khóa" is always */
    if (extract__tok_is(c, k, "luc") && next && extract__tok_is(c, next, "nao"))
        return false;
    /* "which" follows a time word: "tối qua", "tuần trước", "nào cũng", "5p nữa" */
    bool after_time =
        prev &&
        (ex_w(prev, EX_T_UNIT | EX_T_DAYPART | EX_T_DOWNUM | EX_T_REL | EX_T_CORE) ||
         prev->kind == EX_TOK_NUM || prev->kind == EX_TOK_MINUTES || prev->kind == EX_TOK_DATE);
    /* "tới" is which only after a unit ("tuần tới"); after "qua"/"nay" only "nào cũng", "trước
     * nữa" go on: "tối qua rồi" ends at "qua" */
    if (extract__tok_is(c, k, "toi") && !(prev && ex_w(prev, EX_T_UNIT)))
        after_time = false;
    if (prev && ex_w(prev, EX_T_REL) && !ex_w(prev, EX_T_UNIT | EX_T_DAYPART | EX_T_CORE) &&
        !extract__tok_is(c, k, "cung") && !extract__tok_is(c, k, "nua"))
        after_time = false;
    if (prev && extract__tok_is(c, prev, "som") && ex_w(prev, EX_T_DAYPART))
        after_time = true; /* "sáng sớm nay" */
    if (j > 0 && ex_now(c, tk, j - 1))
        after_time = false;
    if (ex_which(k) && prev_core && after_time &&
        (!ambig || ex_which_sure(c, k) ||
         (prev && ex_w(prev, EX_T_UNIT | EX_T_DAYPART | EX_T_DOWNUM)) ||
         (prev && prev->kind == EX_TOK_NUM)))
        return true;
    /* "cuối tuần", "đầu tháng" */
    if ((extract__tok_is(c, k, "cuoi") || extract__tok_is(c, k, "dau")) && next &&
        (extract__tok_is(c, next, "tuan") || extract__tok_is(c, next, "thang") ||
         extract__tok_is(c, next, "nam")))
        return true;
    bool next_which = next && (ex_which(next) || extract__tok_is(c, next, "vua"));
    bool next_time =
        next_which || (next && (ex_w(next, EX_T_DOW | EX_T_DAYPART) || next->kind == EX_TOK_DATE ||
                                next->kind == EX_TOK_CLOCK));
    /* "tối rồi" is "it is dark already": after a part of the day, a word naming the day
     * ("tối qua", "chiều hôm qua") */
    bool next_day =
        next &&
        ((next->kind == EX_TOK_NUM && j + 2 < tk->n && extract__tok_is(c, &tk->t[j + 2], "tet")) ||
         (ex_which(next) && !extract__tok_is(c, next, "roi") && !extract__tok_is(c, next, "toi") &&
          !extract__tok_is(c, next, "xong") && !extract__tok_is(c, next, "cung") &&
          !extract__tok_is(c, next, "sau")) ||
         ex_w(next, EX_T_DOW | EX_T_DAYPART) || next->kind == EX_TOK_DATE ||
         next->kind == EX_TOK_CLOCK || (ex_w(next, EX_T_UNIT) && !(next->roles & EX_W_AMBIG)) ||
         /* "chieu hom qua", "dem hom kia" */
         ((extract__tok_is(c, next, "hom") || extract__tok_is(c, next, "bua")) && j + 2 < tk->n &&
          ex_which_sure(c, &tk->t[j + 2])));
    bool prev_lead = prev && ex_w(prev, EX_T_LEAD | EX_T_JOIN);
    if (ex_w(k, EX_T_DAYPART)) {
        if (k->cap && prev && prev->cap && prev->kind == EX_TOK_WORD)
            return false; /* "quán Ốc Đêm": part of a name */
        if (j > 0 && ex_shift(c, tk, j - 1))
            return false;
        if (prev_core && prev && extract__tok_is(c, prev, "ca"))
            return true; /* "ra vô ca đêm" */
        if (next && extract__tok_is(c, next, "nao") && j + 2 < tk->n &&
            (extract__tok_is(c, &tk->t[j + 2], "khong") || extract__tok_is(c, &tk->t[j + 2], "ko")))
            return false; /* "buổi sáng nào không": a question */
        if (next_day || (prev && (prev->kind == EX_TOK_CLOCK || ex_w(prev, EX_T_DOWNUM) ||
                                  (ex_w(prev, EX_T_UNIT) && !(prev->roles & EX_W_AMBIG)))))
            return true;
        /* with diacritics, a part of the day may follow "từ" or open a clause: "Tối 20/4 …" */
        if (!ambig && (prev_core || prev_lead || !prev || prev->kind == EX_TOK_PUNCT))
            return true;
    }
    if (ex_w(k, EX_T_DOW) && next && next->kind == EX_TOK_NUM &&
        (extract__tok_is(c, k, "mung") || extract__tok_is(c, k, "mong")))
        return true;                 /* "mùng 2" */
    if (ex_w(k, EX_T_DOW) && next && /* "thứ 7", "thứ bảy", "chủ nhật"; not "mong ba con" */
        ((next->kind == EX_TOK_NUM && next->e - next->s == 1 && c->in->strip[next->s] >= '2' &&
          c->in->strip[next->s] <= '7') ||
         (ex_w(next, EX_T_DOWNUM) && !((k->roles & EX_W_AMBIG) && extract__tok_is(c, k, "mong")))))
        return true;
    if (ex_w(k, EX_T_DOWNUM) && prev && ex_w(prev, EX_T_DOW) && prev_core)
        return true;
    if (ex_w(k, EX_T_UNIT)) {
        if (extract__tok_is(c, k, "gio") && prev && ex_w(prev, EX_T_JOIN))
            return false; /* "từ sáng tới giờ": until now is no time of its own */
        if (extract__tok_is(c, k, "bay")) /* "bây giờ" */
            return next && extract__tok_is(c, next, "gio");
        if (extract__tok_is(c, k, "gio")) /* "hôm qua giờ hết sưng": giờ is now, after it */
            return (prev_core && prev &&
                    (extract__tok_is(c, prev, "bay") || prev->kind == EX_TOK_NUM ||
                     prev->kind == EX_TOK_DATE)) || /* "2-3 giờ sáng" */
                   (next && ex_w(next, EX_T_DAYPART) && prev && prev->kind == EX_TOK_NUM);
        if (ex_shift(c, tk, j))
            return false;
        /* "tiếng" counts hours: "2 tiếng rồi"; typed without diacritics "tieng roi" is a sound */
        if (ambig && extract__tok_is(c, k, "tieng") && !(prev && prev->kind == EX_TOK_NUM))
            return false;
        if (k->cap && prev && prev->kind == EX_TOK_NUM && j > 1 && tk->t[j - 2].kind == EX_TOK_WORD)
            return false; /* "đường 3 Tháng 2": a street's name */
        if (ambig)        /* "tuan truoc", but "thang" is also thằng, "ban" bạn */
            return (next && (ex_which_sure(c, next) || ex_w(next, EX_T_DOW) ||
                             (extract__tok_is(c, k, "hom") && extract__tok_is(c, next, "bua")) ||
                             ((extract__tok_is(c, k, "buoi") || extract__tok_is(c, k, "ca")) &&
                              ex_w(next, EX_T_DAYPART)))) ||
                   (next && next->kind == EX_TOK_NUM && j + 2 < tk->n &&
                    ex_day_month(c, tk, j + 1, false)) ||
                   (prev_core && prev &&
                    (prev->kind != EX_TOK_WORD || extract__tok_is(c, prev, "cuoi") ||
                     extract__tok_is(c, prev, "dau"))) ||
                   (prev && ex_w(prev, EX_T_LEAD) &&
                    (extract__tok_is(c, k, "tuan") || extract__tok_is(c, k, "ngay") ||
                     (extract__tok_is(c, k, "thang") && next && next->kind == EX_TOK_NUM)));
        bool counted = prev && ex_w(prev, EX_T_LEAD) && !extract__tok_is(c, prev, "luc") &&
                       !extract__tok_is(c, prev, "tu");
        return next_time || counted || prev_core ||
               (next && (next->kind == EX_TOK_NUM || next->kind == EX_TOK_DATE) &&
                !extract__tok_is(c, k, "luc"));
    }
    if (extract__tok_is(c, k, "gio"))
        return prev_core && prev && extract__tok_is(c, prev, "bay");
    return false;
}

/* "ngày 5 tháng 4", "hôm 20 tháng 10", "tháng 12 này": a day or a month by its number. */
static bool ex_day_month(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j,
                         bool prev_core)
{
    const struct ex_tok *prev = j > 0 ? &tk->t[j - 1] : NULL;
    const struct ex_tok *next = j + 1 < tk->n ? &tk->t[j + 1] : NULL;
    int n = atoi(c->in->strip + tk->t[j].s);
    if (!prev || tk->t[j].e - tk->t[j].s > 2)
        return false;
    if ((extract__tok_is(c, prev, "ngay") || extract__tok_is(c, prev, "hom")) && n >= 1 &&
        n <= 31 && next && extract__tok_is(c, next, "thang") && j + 2 < tk->n &&
        tk->t[j + 2].kind == EX_TOK_NUM)
        return true;
    return prev_core && extract__tok_is(c, prev, "thang") && n >= 1 && n <= 12 &&
           (j < 2 || tk->t[j - 2].kind != EX_TOK_NUM || j + 1 >= tk->n ||
            tk->t[j + 1].kind != EX_TOK_WORD || !(tk->t[j + 1].roles & EX_W_UNIT));
}

/* Whether token j is part of a time, given whether the token before it was (prev_core). */
static bool ex_time_core(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j,
                         bool prev_core)
{
    const struct ex_tok *k = &tk->t[j];
    const struct ex_tok *prev = j > 0 ? &tk->t[j - 1] : NULL;
    const struct ex_tok *next = j + 1 < tk->n ? &tk->t[j + 1] : NULL;
    bool prev_lead = prev && ex_w(prev, EX_T_LEAD | EX_T_JOIN);
    switch (k->kind) {
    case EX_TOK_CLOCK:
        return ex_clock_ok(c, k);
    case EX_TOK_MINUTES: /* "5p nữa", "mới 5p" */
        return prev_lead || prev_core || (next && ex_which(next));
    case EX_TOK_DATE: /* "tối 20/4", "từ 1/7", "12-3 vừa rồi" */
        return ex_date_ok(c, k) &&
               (prev_core || prev_lead || (prev && ex_w(prev, EX_T_UNIT)) ||
                (j > 0 && ex_deadline(c, tk, j - 1)) ||
                (next && (ex_which_sure(c, next) || extract__tok_is(c, next, "vua"))));
    case EX_TOK_NUM: /* "3 ngày nay", "1-2 phút trước", "thứ 7"; "2 tuần" is a length */
        if (prev && ex_w(prev, EX_T_DOW))
            return true;
        /* "đường số 6 tuần này", "tổ 12 ngày nào cũng": the number of a place */
        if (prev && prev->kind == EX_TOK_WORD && (prev->roles & EX_W_NUMBERED))
            return false;
        if (ex_day_month(c, tk, j, prev_core))
            return true;
        if (next && extract__tok_is(c, next, "tet") && k->e - k->s <= 2)
            return true; /* "tối 25 Tết", "30 Tết" */
        /* "10h kém 15"; "1-2h khuya" */
        if (j >= 2 && extract__tok_is(c, prev, "kem") && tk->t[j - 2].kind == EX_TOK_CLOCK)
            return true;
        if (next && next->kind == EX_TOK_PUNCT && next->punct == '-' && j + 2 < tk->n &&
            (tk->t[j + 2].kind == EX_TOK_CLOCK || ex_num_clock(c, tk, j + 2)) && k->e - k->s <= 2)
            return true;            /* "1-2h khuya", "2-3 giờ sáng" */
        if (ex_num_clock(c, tk, j)) /* "10 giờ", "10 giờ 30" */
            return true;
        if (prev_core && prev && extract__tok_is(c, prev, "gio"))
            return true;
        /* "cách đây 2 ngày", "cách đây chừng 5 phút" */
        if (ex_ago(c, tk, j) && next && ex_w(next, EX_T_UNIT))
            return true;
        /* "3 ngày nay"; "2 đêm nay", but not "ngõ 14 đêm nào cũng", "5-0 chiều qua" */
        if (j + 2 < tk->n && ex_w(next, EX_T_UNIT) && ex_which_sure(c, &tk->t[j + 2]))
            return true;
        if (j + 2 < tk->n && ex_w(next, EX_T_DAYPART) && extract__tok_is(c, &tk->t[j + 2], "nay") &&
            c->in->strip[k->s] != '0' && k->e - k->s <= 2 &&
            !(prev && prev->kind == EX_TOK_PUNCT && prev->punct != ','))
            return true;
        /* "thứ 4 ngày 12" */
        if (prev_core && prev && extract__tok_is(c, prev, "ngay") && k->e - k->s <= 2 &&
            atoi(c->in->strip + k->s) >= 1 && atoi(c->in->strip + k->s) <= 31)
            return true;
        return next && next->kind == EX_TOK_PUNCT && next->punct == '-' && j + 4 < tk->n &&
               tk->t[j + 2].kind == EX_TOK_NUM && ex_w(&tk->t[j + 3], EX_T_UNIT) &&
               ex_which(&tk->t[j + 4]);
    case EX_TOK_WORD:
        break;
    default:
        return false;
    }
    return ex_time_word(c, k, prev, next, tk, j, prev_core);
}

/* How surely the run [s, e) names a time: clock times, dates, days of the week, a part of
 * the day or a unit with a word saying which ("tối qua", "tuần trước", "lúc nãy"). Habits and
 * vague spans ("dạo này", "ban đêm", "hằng ngày") score 0 and are not reported. */
static int ex_run_score(const struct ex_ctx *c, const struct ex_tokens *tk, size_t s, size_t e)
{
    static const char *const vague[] = {"dao", "ban", "buoi", "hang", "may", "moi", NULL};
    int score = 0;
    for (size_t j = s; j < e; j++) {
        const struct ex_tok *k = &tk->t[j], *prev = j > s ? &tk->t[j - 1] : NULL;
        bool weak = false;
        for (int v = 0; prev && vague[v] && !weak; v++)
            weak = extract__tok_is(c, prev, vague[v]);
        if (k->kind == EX_TOK_CLOCK || k->kind == EX_TOK_DATE || k->kind == EX_TOK_MINUTES ||
            ex_num_clock(c, tk, j) || ex_w(k, EX_T_DOW) || extract__tok_is(c, k, "dien") ||
            extract__tok_is(c, k, "tet") || extract__tok_is(c, k, "hqua") ||
            extract__tok_is(c, k, "hnay") ||
            (k->kind == EX_TOK_NUM && ex_day_month(c, tk, j, j > s)) ||
            (prev && extract__tok_is(c, prev, "hom") && extract__tok_is(c, k, "bua")) ||
            (prev && extract__tok_is(c, prev, "tu") && extract__tok_is(c, k, "nay") &&
             ex_w(k, EX_T_REL) && !(k->roles & EX_W_AMBIG) && j == s + 1 &&
             k->e - k->s < c->in->map[k->e] - c->in->map[k->s]) ||
            (extract__tok_is(c, k, "gio") && prev && extract__tok_is(c, prev, "bay")))
            score += 2;
        else if (ex_w(k, EX_T_CORE | EX_T_DAYPART) && !weak) /* "mai", "từ chiều" */
            score += 1;
        else if (ex_w(k, EX_T_UNIT) && prev && ex_w(prev, EX_T_LEAD)) /* "mỗi tuần" */
            score += 1;
        else if (ex_w(k, EX_T_UNIT) && j >= s + 1 && ex_ago(c, tk, j - 1))
            score += 2; /* "cách đây 2 ngày" */
        if (!prev || !ex_which(k) || !ex_w(prev, EX_T_DAYPART | EX_T_UNIT | EX_T_REL))
            continue;
        /* a habit ("đêm nào cũng") is surer with both words; "mấy tháng nay" is how long */
        if (extract__tok_is(c, k, "nao") || extract__tok_is(c, k, "cung")) {
            score += 1;
            continue;
        }
        if (j >= s + 2 && extract__tok_is(c, &tk->t[j - 2], "may") &&
            !extract__tok_is(c, k, "truoc") && !extract__tok_is(c, k, "trc"))
            weak = true; /* "mấy tháng nay" is how long, "mấy tháng trước" when */
        /* "3 năm nay" is how long, not when; "tuần này", "năm nay" frame the time: a surer one
         * said elsewhere ("tuần này đổi sang 17h") is the time */
        bool length =
            (j >= s + 2 && tk->t[j - 2].kind == EX_TOK_NUM && extract__tok_is(c, k, "nay")) ||
            ((extract__tok_is(c, prev, "tuan") || extract__tok_is(c, prev, "thang") ||
              extract__tok_is(c, prev, "nam")) &&
             extract__tok_is(c, k, "nay"));
        score += weak ? 0 : length ? 1 : 2;
    }
    return score > 2 ? 2 : score;
}

/* "trước 30/9", "trước 25 tháng Chạp": a deadline; "trước" opens the time. */
static bool ex_deadline(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j)
{
    if (!extract__tok_is(c, &tk->t[j], "truoc") || j + 1 >= tk->n)
        return false;
    const struct ex_tok *next = &tk->t[j + 1];
    return next->kind == EX_TOK_DATE || (next->kind == EX_TOK_NUM && j + 2 < tk->n &&
                                         extract__tok_is(c, &tk->t[j + 2], "thang"));
}

/* "mấy đêm nay tối nào cũng", "mấy tháng nay đêm nào cũng": a habit said after how long it
 * has gone on is the time; the length before it is not. */
static void ex_trim_habit(const struct ex_ctx *c, const struct ex_tokens *tk, size_t *s, size_t e)
{
    for (size_t j = *s + 3; j + 1 < e; j++)
        if (extract__tok_is(c, &tk->t[j], "nao") && extract__tok_is(c, &tk->t[j + 1], "cung") &&
            extract__tok_is(c, &tk->t[j - 2], "nay")) {
            *s = j - 1;
            return;
        }
}

void extract__when(struct ex_ctx *c, const struct ex_tokens *tk)
{
    size_t start = 0, end = 0, pend_start = 0, npend = 0, best_s = 0, best_e = 0;
    bool in_run = false, prev_core = false;
    int best = 0;
    for (size_t j = 0; j <= tk->n; j++) {
        const struct ex_tok *k = j < tk->n ? &tk->t[j] : NULL;
        if (k && ex_time_core(c, tk, j, prev_core)) {
            if (!in_run) {
                start = npend ? pend_start : j;
                /* "vào lúc 19h30": the writer's "vào lúc" is filler */
                if (extract__tok_is(c, &tk->t[start], "luc") && start > 0 && start + 1 < tk->n &&
                    extract__tok_is(c, &tk->t[start - 1], "vao"))
                    start++;
                in_run = true;
            }
            end = j + 1;
            prev_core = true;
            npend = 0;
            continue;
        }
        /* "chợ Xóm Mới lúc 9h": a capitalised word inside a sentence is a name */
        bool name = k && k->cap && j > 0 && tk->t[j - 1].kind != EX_TOK_PUNCT;
        bool joins = k && !name &&
                     (ex_w(k, EX_T_LEAD | EX_T_JOIN) ||
                      (k->kind == EX_TOK_PUNCT && k->punct == '-' && in_run) ||
                      (!in_run && ex_deadline(c, tk, j))) &&
                     npend < EX_WHEN_MAX_PEND;
        if (joins) {
            if (!npend)
                pend_start = j;
            npend++;
            prev_core = false;
            continue;
        }
        if (in_run) {
            int score = ex_run_score(c, tk, start, end);
            if (score > best)
                best = score, best_s = start, best_e = end;
            in_run = false;
        }
        npend = 0;
        prev_core = false;
    }
    if (best == 0)
        return;
    ex_trim_habit(c, tk, &best_s, best_e);
    for (size_t e = best_e; e > best_s; e--)
        if (extract__copy_nfc(c, tk->t[best_s].s, tk->t[e - 1].e, c->out->when, EXTRACT_HINT_MAX,
                              false, true) > 0)
            break;
}
