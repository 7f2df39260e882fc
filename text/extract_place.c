/*
 * extract_place.c — the place a message names, as the writer wrote it (extract.h): "quán karaoke
 * Sao Mai đầu ngõ 40 Tạ Quang Bửu", "bãi đất trống sau trường THPT Lê Quý Đôn", "ấp Long Thuận,
 * gần tiệm sửa xe Hai Tèo", "ở Sa Pa" (without the "ở").
 *
 * A place is read over the tokens of text/extract_words.c as a chain: it starts at a noun that
 * names a place (a head: hẻm, chợ, quán, trường …; or a locating word right before one — đầu,
 * cuối, gần, trước, sau, bên, gầm, or two of them: "bên hông chợ Đầm"; or a
 * capitalised name right after ở/tại/về; or a house number before a street), and goes on over
 * names, house numbers and codes, the words that may follow a head ("bãi đất trống"), further
 * heads, and — tentatively — the words that join two parts (ở, cạnh, sau, đoạn qua, a comma,
 * "nhà ông …"): what was tentatively taken is kept only when a name or a head follows it, so
 * the span ends on the place, not on the filler after it. A figure followed by what it counts
 * ("3 ngày", "800 đồng") ends the chain. Of the chains found, the longest wins (the first of
 * equals): residents name the place of the incident most fully.
 *
 * Not a place: the unit in an office's name ("công an quận X", "UBND xã Y") unless the office
 * itself is where ("tại công an phường"); a lone head that is also a common word ("đường dây",
 * "nhà em"); without diacritics, a chain with neither a name nor a number ("ho tro").
 */
#include "text/extract_impl.h"

#include <string.h>

enum {
    EX_PLACE_MAX_TOK = 24,  /* tokens in one place */
    EX_PLACE_MAX_PEND = 4,  /* joining words in a row before a name or a head */
    EX_PLACE_MAX_TRADE = 2, /* words of a trade after a place of business: "quán bún chả" */
    EX_PLACE_MAX_SECOND = 5 /* second words of a two-word head */
};

static bool ex_word(const struct ex_tok *k)
{
    return k->kind == EX_TOK_WORD;
}

/* Heads that name a place only with the word after them ("công ty", "siêu thị", "ngã tư"):
 * alone they are other words ("công", "ngã", "trung"). */
static const struct {
    const char *plain, *word, *second[EX_PLACE_MAX_SECOND];
} ex_compounds[] = {
    {"cong", "công", {"ty", "vien", "trinh", "truong", "nghiep"}},
    {"khach", "khách", {"san", NULL}},
    {"can", "căn", {"nha", "ho", "phong", NULL}},
    {"ky", "ký", {"tuc", NULL}},
    {"trung", "trung", {"tam", NULL}},
    {"thi", "thị", {"tran", "xa", NULL}},
    {"sieu", "siêu", {"thi", NULL}},
    {"benh", "bệnh", {"vien", NULL}},
    {"nghia", "nghĩa", {"trang", NULL}},
    {"trang", "trang", {"trai", NULL}},
    {"cao", "cao", {"toc", NULL}},
    {"quoc", "quốc", {"lo", NULL}},
    {"chung", "chung", {"cu", NULL}},
    {"uy", "ủy", {"ban", NULL}},
    {"uy", "uỷ", {"ban", NULL}},
    {"cua", "cửa", {"hang", "bien", NULL}},
    {"vong", "vòng", {"xoay", NULL}},
    {"quang", "quảng", {"truong", NULL}},
    {"hoi", "hội", {"truong", NULL}},
    {"lan", "lan", {"can", NULL}},
    {"canh", "cánh", {"dong", NULL}},
    {"cay", "cây", {"atm", "xang", NULL}},
    {"tru", "trụ", {"so", NULL}},
    {"nga", "ngã", {"ba", "tu", "nam", "sau"}},
    {"thanh", "thành", {"pho", NULL}},
    {"thang", "thang", {"may", NULL}},
};

static bool ex_name(const struct ex_tok *k);

/* True when token k is the word w (lower case, with its diacritics); a token typed without
 * diacritics matches on its plain form p. */
static bool ex_tok_word(const struct ex_ctx *c, const struct ex_tok *k, const char *p,
                        const char *w)
{
    if (!extract__tok_is(c, k, p))
        return false;
    if (c->in->map[k->e] - c->in->map[k->s] == k->e - k->s)
        return true;
    char low[32];
    extract__copy_nfc(c, k->s, k->e, low, sizeof low, true, false);
    return strcmp(low, w) == 0;
}

/* 0 when token j is no head; 1 for a head; 2 for the first word of a two-word head. */
static int ex_head_at(const struct ex_ctx *c, const struct ex_tokens *tk, size_t j)
{
    const struct ex_tok *k = &tk->t[j], *next = j + 1 < tk->n ? &tk->t[j + 1] : NULL;
    if (!ex_word(k) || !(k->roles & EX_W_HEAD))
        return 0;
    if (j > 0 && extract__tok_is(c, k, "xom") && extract__tok_is(c, &tk->t[j - 1], "hang"))
        return 0; /* hàng xóm: the neighbours */
    for (size_t i = 0; (k->roles & EX_W_PAIR) && i < sizeof ex_compounds / sizeof ex_compounds[0];
         i++) {
        if (!ex_tok_word(c, k, ex_compounds[i].plain, ex_compounds[i].word))
            continue;
        for (int w = 0; w < EX_PLACE_MAX_SECOND && ex_compounds[i].second[w] && next; w++)
            if (extract__tok_is(c, next, ex_compounds[i].second[w]))
                return 2;
        /* "chợ Bến Thành cửa Nam": a gate by its name */
        if (next && ex_name(next) && !(k->roles & EX_W_AMBIG) && ex_tok_word(c, k, "cua", "cửa"))
            return 1;
        /* "Ngã 6 Gò Vấp": a crossing by its number of roads */
        if (next && next->kind == EX_TOK_NUM && extract__tok_is(c, k, "nga"))
            return 2;
        /* typed without diacritics "cong" is also cổng, the gate: "cong so 2", "cong lang" */
        if (next && (k->roles & EX_W_AMBIG) && extract__tok_is(c, k, "cong") &&
            (ex_name(next) || ((next->roles & EX_W_HEAD) && ex_word(next))))
            return 1;
        return 0;
    }
    if (k->roles & EX_W_NUMBERED) { /* "số 9", "phòng số 5", "phòng khám"; not "số anh Long" */
        if (next && extract__tok_is(c, next, "so") && j + 2 < tk->n)
            next = &tk->t[j + 2];
        if (next && (next->kind == EX_TOK_NUM || next->kind == EX_TOK_CODE) &&
            !extract__masked(c, next->s, next->e))
            return 1;
        if (next && ex_word(next) && (next->roles & EX_W_HEAD) && !(next->roles & EX_W_NUMBERED))
            return 1; /* "tòa nhà Bitexco", "số nhà 12" */
        return next && !extract__tok_is(c, k, "so") && ex_word(next) && (next->roles & EX_W_MOD)
                   ? 1
                   : 0;
    }
    return 1;
}

/* A capitalised word or code: a name ("Tạ Quang Bửu", "HH4", "Q7"). */
static bool ex_name(const struct ex_tok *k)
{
    return k->cap && (k->kind == EX_TOK_WORD || k->kind == EX_TOK_CODE);
}

/* A house number, a code or a date-named street ("30/4"). */
static bool ex_ref(const struct ex_tok *k)
{
    return k->kind == EX_TOK_NUM || k->kind == EX_TOK_CODE || k->kind == EX_TOK_DATE;
}

/* A figure followed by what it counts ("3 ngày", "800 đồng", "2 người") names no place. */
static bool ex_counts(const struct ex_tokens *tk, size_t j)
{
    /* "đường 3 Tháng 2": a capitalised month is a street's name */
    return j + 1 < tk->n && ex_word(&tk->t[j + 1]) && (tk->t[j + 1].roles & EX_W_UNIT) &&
           !(tk->t[j + 1].roles & EX_W_HEAD) && !tk->t[j + 1].cap;
}

/* A unit that takes a number: "tổ 12", "ấp 5", "xóm 3". */
static bool ex_numbered_unit(const struct ex_ctx *c, const struct ex_tok *k)
{
    return ex_word(k) && !k->cap &&
           ((k->roles & EX_W_NUMBERED) || extract__tok_is(c, k, "ap") ||
            extract__tok_is(c, k, "thon") || extract__tok_is(c, k, "xom"));
}

/* "công an", "UBND", "ủy ban": the start of an office's name. */
static bool ex_office(const struct ex_ctx *c, const struct ex_tokens *tk, size_t i)
{
    const struct ex_tok *k = &tk->t[i];
    if (k->roles & EX_W_ORG)
        return !extract__tok_is(c, k, "an");
    return extract__tok_is(c, k, "cong") && i + 1 < tk->n &&
           extract__tok_is(c, &tk->t[i + 1], "an");
}

static bool ex_after_prep(const struct ex_tokens *tk, size_t i)
{
    return i > 0 && ex_word(&tk->t[i - 1]) && (tk->t[i - 1].roles & EX_W_PREP);
}

/* Whether a place may start at token i (see the file comment). */
static bool ex_place_start(const struct ex_ctx *c, const struct ex_tokens *tk, size_t i)
{
    const struct ex_tok *k = &tk->t[i], *next = i + 1 < tk->n ? &tk->t[i + 1] : NULL;
    const struct ex_tok *prev = i > 0 ? &tk->t[i - 1] : NULL;
    if (k->kind == EX_TOK_WORD && !k->cap && !(k->roles & (EX_W_HEAD | EX_W_PREFIX | EX_W_ORG)))
        return false; /* most words: no lookups */
    if (ex_office(c, tk, i))
        return ex_after_prep(tk, i);
    if (ex_head_at(c, tk, i)) /* "công an xã X" is an office, not a place */
        return !((k->roles & EX_W_ADMIN) && prev && (prev->roles & EX_W_ORG));
    /* "tuần trước trên quốc lộ": after a unit of time, trước/sau are time */
    if (ex_word(k) && (k->roles & EX_W_PREFIX) && prev && ex_word(prev) &&
        (prev->roles & (EX_T_UNIT | EX_T_DAYPART | EX_T_REL)))
        return false;
    if (ex_word(k) && (k->roles & EX_W_PREFIX) && next && ex_head_at(c, tk, i + 1))
        return true;
    /* "bên hông chợ Đầm", "phía sau trường": two locating words before the head */
    if (ex_word(k) && (k->roles & EX_W_PREFIX) && next && ex_word(next) &&
        (next->roles & EX_W_CONN) && !(next->roles & EX_W_PREP) && i + 2 < tk->n &&
        ex_head_at(c, tk, i + 2) && (!prev || prev->kind == EX_TOK_PUNCT || ex_word(prev)))
        return true;
    if (ex_name(k) && !(k->roles & (EX_W_KIN | EX_W_CONN)))
        return ex_after_prep(tk, i);
    if (k->kind == EX_TOK_NUM && !extract__masked(c, k->s, k->e) && next &&
        (ex_head_at(c, tk, i + 1) || (ex_name(next) && ex_after_prep(tk, i))))
        return !prev || prev->kind == EX_TOK_PUNCT || ex_after_prep(tk, i);
    return false;
}

struct ex_chain {
    size_t start, end; /* tokens [start, end) */
    size_t ntok;
    bool named; /* holds a name or a number */
};

/* "nhà tôi ở số 9 ngõ 120", "nhà ở thôn 1": the writer's own home is where, the words before
 * "ở" are filler. ("nhà ông Ba ở ấp Bình Thạnh" names someone else's house, and stays.) */
static void ex_place_trim_home(const struct ex_ctx *c, const struct ex_tokens *tk,
                               struct ex_chain *ch)
{
    static const char *const self[] = {"toi", "em", "minh", "tui", "con", "chau", "tao", "t", NULL};
    for (size_t j = ch->end; j-- > ch->start;) {
        /* "nhà em ở", "cửa hàng em ở" */
        if (!extract__tok_is(c, &tk->t[j], "nha") &&
            !(j > ch->start && extract__tok_is(c, &tk->t[j], "hang") &&
              extract__tok_is(c, &tk->t[j - 1], "cua")))
            continue;
        size_t k = j + 1;
        for (int i = 0; self[i] && k < ch->end; i++)
            if (extract__tok_is(c, &tk->t[k], self[i])) {
                k++;
                break;
            }
        if (k + 1 < ch->end &&
            (extract__tok_is(c, &tk->t[k], "o") || extract__tok_is(c, &tk->t[k], "tai"))) {
            ch->ntok -= k + 1 - ch->start;
            ch->start = k + 1;
            return;
        }
    }
    /* "homestay ở Sa Pa", "ruộng ở thôn Đồng Tâm": a bare noun or two before "ở" says less
     * than the named place after it */
    for (size_t j = ch->start + 1; j < ch->start + 3 && j + 1 < ch->end; j++) {
        const struct ex_tok *k = &tk->t[j];
        if (k->cap || k->kind != EX_TOK_WORD)
            return;
        if (extract__tok_is(c, k, "o") || extract__tok_is(c, k, "tai")) {
            if (tk->t[ch->start].cap && j > ch->start + 1)
                return;
            ch->ntok -= j + 1 - ch->start;
            ch->start = j + 1;
            return;
        }
    }
}

/* "trước nhà chị Mai số 7 ngõ 19", "nhà bên cạnh số 18 hẻm 60": when words stand between the
 * house and its number, the address is the number on ("nhà số 17 ngõ 3" stays whole). */
static void ex_place_trim_owner(const struct ex_ctx *c, const struct ex_tokens *tk,
                                struct ex_chain *ch)
{
    for (size_t j = ch->start; j + 3 < ch->end && j < ch->start + 3; j++) {
        if (!extract__tok_is(c, &tk->t[j], "nha"))
            continue;
        for (size_t k = j + 1; k + 1 < ch->end && k <= j + 4; k++) {
            const struct ex_tok *w = &tk->t[k];
            if (k > j + 1 && extract__tok_is(c, w, "so") && tk->t[k + 1].kind == EX_TOK_NUM) {
                ch->ntok -= k - ch->start;
                ch->start = k;
                return;
            }
            /* only whose house or which: "nhà chị Mai", "nhà con", "nhà bên cạnh" */
            if (!ex_word(w) || ((w->roles & EX_W_HEAD) && !w->cap) ||
                !(w->cap || (w->roles & (EX_W_KIN | EX_W_CONN))))
                return;
        }
        return;
    }
}

/* Reads the chain starting at token i. A head ends the chain only when something follows it
 * ("… Binh Duong thi" is "thì", "… ấp Phu Loi xa" is "xa"). */
static struct ex_chain ex_place_chain(const struct ex_ctx *c, const struct ex_tokens *tk, size_t i)
{
    struct ex_chain ch = {i, i, 0, false};
    size_t pend = 0, before_head_end = i, before_head_ntok = 0, trade = 0, shop_end = 0;
    bool after_head = false, last_head = false, pend_kin = false, shop = false;
    bool pend_online = false; /* "trên" is pending: only a head may follow ("trên đường …") */
    for (size_t j = i; j < tk->n && j - i < EX_PLACE_MAX_TOK; j++) {
        const struct ex_tok *k = &tk->t[j], *next = j + 1 < tk->n ? &tk->t[j + 1] : NULL;
        bool named = false;
        int head = ex_head_at(c, tk, j);
        if (k->kind == EX_TOK_PUNCT) {
            /* ", bản Pá Khoang", "Vũng Tàu - Quốc lộ 51" */
            if ((k->punct == ',' || k->punct == '-') && pend == 0 && ch.ntok > 0 && next &&
                (ex_head_at(c, tk, j + 1) || ex_name(next) ||
                 (k->punct == ',' && ex_word(next) && (next->roles & EX_W_CONN)))) {
                pend = 1;
                after_head = false;
                continue;
            }
            break;
        }
        size_t width = 1;
        if (head || (j == i && ex_office(c, tk, j))) {
            after_head = true;
            width = head == 2 ? 2 : 1;
            /* typed without diacritics "quan", "ben" are also quan, bên */
            shop = (k->roles & EX_W_SHOP) && !(k->roles & EX_W_AMBIG) && pend == 0;
            trade = 0;
            shop_end = j + width;
        } else if (ex_name(k)) {
            if (pend && pend_online)
                break; /* "shop em trên Shopee": online, no place */
            named = true;
            shop = false;
            /* "trường Tiểu học"; typed without diacritics "Trai" (Trãi) is no "trại" */
            after_head = (k->roles & EX_W_MOD) && !(k->roles & EX_W_AMBIG);
        } else if (ex_ref(k)) {
            /* "ấp 5 thằng con", "tổ 12 ngày nào cũng": right after a head, the figure is its
             * number, whatever follows */
            bool numbered = j > i && pend == 0 && ex_numbered_unit(c, &tk->t[j - 1]);
            if ((ex_counts(tk, j) && !numbered) || extract__masked(c, k->s, k->e) ||
                (pend && pend_kin))
                break; /* "chợ Hôm cô 1 …": after "cô", a figure is no house number */
            named = true;
            after_head = false;
        } else if (ex_office(c, tk, j) && after_head && pend == 0) {
            /* "trụ sở công an xã" */
            width = extract__tok_is(c, k, "cong") ? 2 : 1;
        } else if (ex_word(k) && (k->roles & (EX_W_MOD | EX_W_ORG)) && after_head && pend == 0 &&
                   !((k->roles & EX_W_AMBIG) && extract__tok_is(c, &tk->t[j - 1], "xa"))) {
            /* typed without diacritics, "xa" then a word is mostly xả/xa: "... Lac Long Quan
             * xa nuoc thai" is "xả nước" */
            /* "bãi đất trống", "công an phường" */
        } else if (ex_word(k) && j == i && (k->roles & EX_W_PREFIX)) {
            after_head = false;
        } else if (ex_word(k) &&
                   ((k->roles & (EX_W_CONN | EX_W_KIN | EX_W_PREP)) ||
                    /* "bãi sông Hồng chân cầu Thanh Trì" */
                    ((k->roles & EX_W_PREFIX) && !(k->roles & EX_W_AMBIG) && next &&
                     ex_head_at(c, tk, j + 1))) &&
                   pend < EX_PLACE_MAX_PEND && ch.ntok > 0 &&
                   !((k->roles & EX_W_AMBIG) && (k->roles & EX_W_KIN) && next &&
                     ex_head_at(c, tk, j + 1))) {
            pend++;
            pend_kin |= (k->roles & EX_W_KIN) != 0; /* "shop mình ở 41 …" */
            pend_online |= extract__tok_is(c, k, "tren");
            after_head = false;
            continue;
        } else if (ex_word(k) && !k->cap && shop && j == shop_end + trade &&
                   trade < EX_PLACE_MAX_TRADE) {
            /* "quán bún chả Hương Liên", "tiệm cầm đồ Phát Đạt": kept when a name follows */
            pend++, trade++;
            continue;
        } else {
            break;
        }
        /* a capitalised head inside a chain is part of a name: "Lạch Huyện", "Mỹ Đình" */
        if (head && j > i && k->cap) {
            named = true;
            /* typed without diacritics "cau Chuong Duong tu …": "Duong" is a name, "tu" no word
             * of it; "hồ bơi Nhà thiếu nhi" keeps its head's words */
            after_head = !(k->roles & EX_W_AMBIG);
        }
        /* without diacritics a head at the end may be another word: "… Binh Duong thi" */
        /* nor is a bare head after a comma or a joining word: "ở Phan Thiết, nhà bị trộm" */
        bool is_head = head && j > i && !k->cap && ((k->roles & EX_W_AMBIG) || pend > 0);
        if (is_head)
            before_head_end = ch.end, before_head_ntok = ch.ntok;
        last_head = is_head;
        ch.ntok += pend + width;
        ch.named |= named;
        ch.end = j + width;
        j += width - 1;
        pend = 0;
        pend_kin = false;
        pend_online = false;
    }
    if (last_head)
        ch.end = before_head_end, ch.ntok = before_head_ntok;
    ex_place_trim_home(c, tk, &ch);
    ex_place_trim_owner(c, tk, &ch);
    return ch;
}

/* Words that, typed without diacritics, are far more often another word than a place. */
static bool ex_plain_homograph(const struct ex_ctx *c, const struct ex_tok *k)
{
    static const char *const words[] = {"cho",  "ban", "so",   "ho",    "doi", "to",   "xa", "thi",
                                        "buon", "dap", "rach", "nuong", "lo",  "quay", NULL};
    for (int i = 0; words[i]; i++)
        if (extract__tok_is(c, k, words[i]))
            return true;
    return false;
}

/* "ở chợ phường", "trong phòng trọ", "o bai bien": right after a word that puts something in a
 * place (ở, tại, trong, ngoài, trên, giữa, dưới), a head with the words of its kind names the
 * place without a name. Typed without diacritics, "duoi" is also đuổi, the head must not be
 * another word ("o cho" is "ở cho"), and the function words a chain may have swallowed at its
 * end are dropped ("ngoai duong thi" is "ngoài đường thì"). */
static bool ex_located(const struct ex_ctx *c, const struct ex_tokens *tk, struct ex_chain *ch)
{
    static const char *const words[] = {"o", "tai", "trong", "ngoai", "tren", "giua", "duoi", NULL};
    static const char *const function[] = {"thi", "co", "de", "dang", NULL};
    if (ch->start == 0)
        return false;
    const struct ex_tok *prev = &tk->t[ch->start - 1];
    bool after = false;
    for (int i = 0; words[i] && (c->diacritics || i < 6) && !after; i++)
        after = extract__tok_is(c, prev, words[i]);
    if (!after)
        return false;
    if (!c->diacritics) {
        if (ex_plain_homograph(c, &tk->t[ch->start]))
            return false;
        for (bool cut = true; cut && ch->end > ch->start + 1;) {
            cut = false;
            for (int i = 0; function[i] && !cut; i++)
                cut = extract__tok_is(c, &tk->t[ch->end - 1], function[i]);
            if (cut)
                ch->end--, ch->ntok--;
        }
    }
    /* "ở nhà" is home */
    return ch->ntok >= 2 &&
           !(ch->end == ch->start + 1 && extract__tok_is(c, &tk->t[ch->start], "nha"));
}

static bool ex_chain_ok(const struct ex_ctx *c, const struct ex_tokens *tk, struct ex_chain *ch)
{
    if (ch->ntok == 0)
        return false;
    if (!ex_head_at(c, tk, ch->start) &&
        (ex_name(&tk->t[ch->start]) || tk->t[ch->start].kind == EX_TOK_NUM))
        return true; /* "ở Sa Pa", "112 Nguyễn Trãi" */
    if (ch->ntok < 2)
        return false;
    const struct ex_tok *first = &tk->t[ch->start];
    /* "họp tổ dân phố": a numbered unit without its number is the people, not a place */
    if (!ch->named && (first->roles & EX_W_NUMBERED))
        /* but a room, a floor, a block is a place of its own: "trong phòng trọ" */
        return (extract__tok_is(c, first, "phong") || extract__tok_is(c, first, "tang") ||
                extract__tok_is(c, first, "day")) &&
               ex_located(c, tk, ch);
    /* typed without diacritics, "cho", "ban", "so", "ho" are mostly cho, bạn, số/sợ, họ: as
     * chợ, bản … they need a name or a number right after ("cho Ben Thanh") */
    if ((first->roles & EX_W_AMBIG) && ch->start + 1 < tk->n && ex_plain_homograph(c, first) &&
        !ex_name(&tk->t[ch->start + 1]) && !ex_ref(&tk->t[ch->start + 1]) &&
        !(ch->start + 2 < tk->n && ex_word(&tk->t[ch->start + 1]) &&
          (tk->t[ch->start + 1].roles & EX_W_MOD) && ex_name(&tk->t[ch->start + 2])))
        return false; /* but "cho dem Phu Quoc": a word of the head, then a name */
    if (ch->named || (c->diacritics && ch->ntok >= 3))
        return true;
    return ex_located(c, tk, ch);
}

void extract__place(struct ex_ctx *c, const struct ex_tokens *tk)
{
    struct ex_chain best = {0, 0, 0, false};
    for (size_t i = 0; i < tk->n; i++) {
        if (!ex_place_start(c, tk, i))
            continue;
        struct ex_chain ch = ex_place_chain(c, tk, i);
        if (!ex_chain_ok(c, tk, &ch))
            continue;
        if (ch.ntok > best.ntok)
            best = ch;
        i = ch.end - 1;
    }
    /* the longest span that fits the field, cut back a token at a time */
    for (size_t e = best.end; e > best.start; e--)
        if (extract__copy_nfc(c, tk->t[best.start].s, tk->t[e - 1].e, c->out->place,
                              EXTRACT_HINT_MAX, false, true) > 0)
            break;
}
