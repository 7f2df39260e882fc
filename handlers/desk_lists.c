/*
 * desk_lists.c — the desk's lists (desk.h): /tinmoi, /quahan and /tim show TIPS_PAGE_MAX tips to
 * a message, each with a one-line gist of its text, then which page this is and what to type
 * for the next one and, where the platform has buttons, a Xem per tip and a next-page button.
 * /tim reads the phones, plates and amount of its query with the text engine, so a tip naming
 * them is found however either side wrote them (storage/tips_desk.c). An officer enrolling gets
 * the open tips of their area in a few lines, the pressing ones listed like this.
 *
 * A gist is read in a list that may be seen over a shoulder: it leaves out the tipster's
 * contact phone and display name even when the tipster typed them into their own text.
 */
#include "handlers/desk.h"
#include "handlers/desk_impl.h"

#include "base/utf8.h"
#include "config/desks.h"
#include "text/textengine.h"
#include "base/textnorm.h"
#include "handlers/tipcard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    DESK_GIST_SOURCE = 1024, /* bytes of a description a gist is taken from */
    DESK_PAGES_MAX = 999,    /* a page number an officer may type */
    DESK_NAME_MIN_BYTES = 3, /* shorter display names are common words: not looked for */
    DESK_QUERY_MAX = 512     /* bytes of a /tim query */
};

/* ---- the gist ----------------------------------------------------------------------------- */

/* Bytes of the tipster's phone (national digits "0912345678") as written at s: its digits with
 * at most one blank, dot or dash between two of them, nationally or as +84 / 84; 0 if absent. */
static size_t desk_phone_at(const char *s, const char *phone)
{
    char intl[24] = "";
    if (phone[0] == '0')
        snprintf(intl, sizeof intl, "84%s", phone + 1);
    const char *forms[2] = {phone, intl};
    for (int f = 0; f < 2; f++) {
        const char *p = s + (f == 1 && *s == '+'), *d = forms[f];
        while (*d) {
            if (*p == *d)
                p++, d++;
            else if (d != forms[f] && strchr(" .-", *p) && *p && p[1] == *d)
                p++;
            else
                break;
        }
        if (!*d && *forms[f] && !isdigit((unsigned char)*p))
            return (size_t)(p - s);
    }
    return 0;
}

/* Marks in hide[] the bytes of text that are the phone or the name (whole words, any case,
 * with or without diacritics: compared on the stripped forms and mapped back). */
static void desk_hide(const char *text, size_t len, const char *phone, const char *name, char *hide)
{
    for (size_t i = 0; phone && *phone && i < len; i++) {
        if (i > 0 && (isdigit((unsigned char)text[i - 1]) || text[i - 1] == '+'))
            continue;
        size_t n = desk_phone_at(text + i, phone);
        if (n)
            memset(hide + i, 1, n);
    }
    char sname[128];
    size_t nl = name ? textnorm_strip(name, strlen(name), sname, sizeof sname, NULL) : 0;
    while (nl > 0 && sname[nl - 1] == ' ')
        sname[--nl] = '\0';
    size_t cap = 3 * len + 1;
    char *strip = nl >= DESK_NAME_MIN_BYTES ? malloc(cap) : NULL;
    uint32_t *map = strip ? malloc(cap * sizeof *map) : NULL;
    if (map) {
        size_t sl = textnorm_strip(text, len, strip, cap, map);
        for (size_t i = 0; i + nl <= sl; i++) {
            int before = i == 0 || !isalnum((unsigned char)strip[i - 1]);
            int after = !isalnum((unsigned char)strip[i + nl]);
            if (before && after && strncasecmp(strip + i, sname, nl) == 0)
                memset(hide + map[i], 1, map[i + nl] - map[i]);
        }
    }
    free(strip);
    free(map);
}

void desk_gist(const char *description, const char *phone, const char *name, char *out, size_t size)
{
    static const char ellipsis[] = "…";
    char text[DESK_GIST_SOURCE], hide[DESK_GIST_SOURCE] = {0}, flat[DESK_GIST_SOURCE];
    size_t len = utf8_floor(description, strlen(description), sizeof text - 1);
    memcpy(text, description, len);
    text[len] = '\0';
    desk_hide(text, len, phone, name, hide);
    /* one line: hidden runs become "…", blanks and line breaks one space */
    size_t at = 0;
    for (size_t i = 0; i < len && at + sizeof ellipsis + 1 < sizeof flat;) {
        if (hide[i]) {
            memcpy(flat + at, ellipsis, sizeof ellipsis - 1);
            at += sizeof ellipsis - 1;
            while (i < len && hide[i])
                i++;
        } else if (isspace((unsigned char)text[i])) {
            if (at > 0 && flat[at - 1] != ' ')
                flat[at++] = ' ';
            i++;
        } else {
            flat[at++] = text[i++];
        }
    }
    while (at > 0 && flat[at - 1] == ' ')
        at--;
    flat[at] = '\0';
    /* at most DESK_GIST_CHARS code points, cut after a word when one ends in the second half */
    size_t cut = 0, chars = 0;
    while (cut < at && chars < DESK_GIST_CHARS) {
        uint32_t cp;
        size_t n = utf8_decode(flat + cut, at - cut, &cp);
        cut += n ? n : 1;
        chars++;
    }
    int cutting = cut < at;
    if (cutting && flat[cut] != ' ') {
        size_t space = cut;
        while (space > 0 && flat[space] != ' ')
            space--;
        if (space > cut / 2)
            cut = space;
    }
    while (cutting && cut > 0 && strchr(" ,;:-", flat[cut - 1]))
        cut--;
    snprintf(out, size, "%.*s%s", (int)cut, flat, cutting ? ellipsis : "");
}

void desk_tip_gist(struct hctx *ctx, const struct tip *t, char *out, size_t size)
{
    char name[128] = "";
    tips_tipster_name(ctx->db, t, name, sizeof name);
    size_t len = desk_original_length(ctx, t);
    char *original = t->description ? strndup(t->description, len) : NULL;
    desk_gist(original ? original : "", t->contact_phone, name, out, size);
    free(original);
}

/* ---- lists -------------------------------------------------------------------------------- */

/* The list line of t and its gist. */
static void desk_list_tip(struct hctx *ctx, struct desk_text *b, const struct tip *t)
{
    char shown[TIPS_CODE_LEN + 2], created[32], deadline[32] = "", gist[DESK_GIST_BYTES];
    tips_code_show(t->code, shown);
    tipcard_time(t->created_at, created, sizeof created);
    if (t->deadline_at)
        tipcard_time(t->deadline_at, deadline, sizeof deadline);
    struct texts_var vars[] = {
        {"code", shown},
        {"category", tipcard_category_label(ctx, t->category)},
        {"status", tipcard_status_label(ctx, t->status)},
        {"created", created},
        {"deadline", deadline},
        {"urgent", t->urgent ? texts_get(ctx->texts, "desk_urgent_mark") : ""},
    };
    desk_text_addv(ctx, b, "desk_list_line", vars, sizeof vars / sizeof vars[0]);
    desk_tip_gist(ctx, t, gist, sizeof gist);
    desk_text_add1(ctx, b, "desk_list_gist", gist);
}

struct desk_page {
    const char *head, *none; /* text names */
    int page;                /* 1-based */
    int64_t total;
    char next[DESK_QUERY_MAX + 32];    /* what to type for the next page */
    char next_data[DESK_CALLBACK_MAX]; /* the button's payload for it, "" for none */
};

static int desk_send_page(struct hctx *ctx, const struct desk_page *p, const struct tip *list,
                          int n)
{
    /* A list is counted up to TIPS_COUNT_MAX (storage/tips.h): past that, "more than" it, and
     * the number of pages is not known. */
    int many = p->total > TIPS_COUNT_MAX;
    int64_t pages = (p->total + TIPS_PAGE_MAX - 1) / TIPS_PAGE_MAX;
    char spage[16], spages[24], stotal[24];
    snprintf(spage, sizeof spage, "%d", p->page);
    snprintf(spages, sizeof spages, "%lld", (long long)pages);
    snprintf(stotal, sizeof stotal, "%lld", (long long)(many ? TIPS_COUNT_MAX : p->total));
    struct texts_var vars[] = {
        {"page", spage}, {"pages", spages}, {"total", stotal}, {"next", p->next}};
    if (p->total == 0)
        return hctx_reply(ctx, p->none, NULL, 0);
    if (n == 0)
        return hctx_reply(ctx, many ? "desk_list_no_page_many" : "desk_list_no_page", vars, 4);
    struct desk_text b = {malloc(DESK_TEXT_MAX), 0};
    if (!b.s)
        return -1;
    b.s[0] = '\0';
    desk_text_add(&b, texts_get(ctx->texts, p->head));
    for (int i = 0; i < n; i++)
        desk_list_tip(ctx, &b, &list[i]);
    int more = many ? n == TIPS_PAGE_MAX : p->page < pages;
    const char *footer = many   ? (more ? "desk_list_more_many" : "desk_list_last_many")
                         : more ? "desk_list_more"
                                : "desk_list_last";
    if (more || pages > 1)
        desk_text_addv(ctx, &b, footer, vars, 4);
    char *buttons = desk_list_buttons(ctx, list, n, more && p->next_data[0] ? p->next_data : NULL);
    if (!buttons)
        desk_text_add(&b, texts_get(ctx->texts, "desk_list_view_hint"));
    desk_text_end(&b);
    int rc = hctx_send(ctx, ctx->msg->platform, ctx->msg->chat_id, b.s, buttons, OUTBOX_REPLY);
    free(buttons);
    free(b.s);
    return rc;
}

/* The page asked for at the end of args: "2", "trang 2" (or "tr 2"; a bare number only when
 * bare is set). *len is how much of args is left before it. 1 when none is asked for. */
static int desk_page_of(const char *args, int bare, size_t *len)
{
    size_t n = strlen(args);
    while (n > 0 && isspace((unsigned char)args[n - 1]))
        n--;
    size_t digits = n;
    while (digits > 0 && isdigit((unsigned char)args[digits - 1]))
        digits--;
    *len = n;
    if (digits == n || n - digits > 3 || (digits > 0 && !isspace((unsigned char)args[digits - 1])))
        return 1;
    int page = atoi(args + digits);
    size_t word = digits;
    while (word > 0 && isspace((unsigned char)args[word - 1]))
        word--;
    size_t start = word;
    while (start > 0 && !isspace((unsigned char)args[start - 1]))
        start--;
    char folded[32] = "";
    if (word - start < 16)
        textnorm_fold(args + start, word - start, folded, sizeof folded);
    int named = strcmp(folded, "trang") == 0 || strcmp(folded, "tr") == 0;
    if (!named && !(bare && word == 0))
        return 1;
    *len = named ? start : 0;
    while (*len > 0 && isspace((unsigned char)args[*len - 1]))
        (*len)--;
    return page >= 1 && page <= DESK_PAGES_MAX ? page : 1;
}

static int desk_list(struct hctx *ctx, enum tips_listing which)
{
    if (!desk_officer(ctx))
        return 0;
    size_t rest = 0;
    int page = desk_page_of(ctx->args, 1, &rest);
    static const struct {
        const char *command, *head, *none, *button;
    } lists[] = {
        [TIPS_LISTING_NEW] = {"/tinmoi", "desk_list_new", "desk_none_new", "new"},
        [TIPS_LISTING_OVERDUE] = {"/quahan", "desk_list_overdue", "desk_none_overdue", "overdue"},
        [TIPS_LISTING_FEEDBACK] = {"/dsgopy", "desk_list_feedback", "desk_none_feedback",
                                   "feedback"},
    };
    struct desk_page p = {.head = lists[which].head, .none = lists[which].none, .page = page};
    snprintf(p.next, sizeof p.next, "%s %d", lists[which].command, page + 1);
    snprintf(p.next_data, sizeof p.next_data, "desk:%s:%d", lists[which].button, page + 1);
    struct tip list[TIPS_PAGE_MAX];
    int n = 0;
    if (tips_page(ctx->db, which, ctx->now_ms, (page - 1) * TIPS_PAGE_MAX, list, TIPS_PAGE_MAX, &n,
                  &p.total) != DB_OK)
        return -1;
    int rc = desk_send_page(ctx, &p, list, n);
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
    return rc;
}

int desk_list_new(struct hctx *ctx)
{
    return desk_list(ctx, TIPS_LISTING_NEW);
}

int desk_list_overdue(struct hctx *ctx)
{
    return desk_list(ctx, TIPS_LISTING_OVERDUE);
}

int desk_list_feedback(struct hctx *ctx)
{
    return desk_list(ctx, TIPS_LISTING_FEEDBACK);
}

/* The search keys of the phones, plates and amount an analysed query names. */
static int desk_analysis_keys(const struct text_analysis *a, char keys[][TIPS_KEY_MAX])
{
    int n = 0;
    for (size_t i = 0; i < a->nphones && n < TIPS_KEYS_MAX; i++)
        n += tips_key("phone", a->phones[i], keys[n]) == 0;
    for (size_t i = 0; i < a->nplates && n < TIPS_KEYS_MAX; i++)
        n += tips_key("plate", a->plates[i], keys[n]) == 0;
    if (a->money_vnd >= 0 && n < TIPS_KEYS_MAX) {
        char amount[32];
        snprintf(amount, sizeof amount, "%lld", (long long)a->money_vnd);
        n += tips_key("money", amount, keys[n]) == 0;
    }
    return n;
}

int desk_query_keys(const struct textengine *te, const char *query, size_t len,
                    char keys[][TIPS_KEY_MAX])
{
    struct text_analysis a;
    char text[DESK_QUERY_MAX];
    len = utf8_floor(query, len, sizeof text - 1);
    memcpy(text, query, len);
    text[len] = '\0';
    int n = 0;
    if (textengine_analyze(te, text, false, &a) == TEXTENGINE_OK) {
        n = desk_analysis_keys(&a, keys);
        text_analysis_clear(&a);
    }
    return n;
}

int desk_search(struct hctx *ctx)
{
    if (!desk_officer(ctx))
        return 0;
    size_t len = 0;
    int page = desk_page_of(ctx->args, 0, &len);
    char query[DESK_QUERY_MAX];
    len = utf8_floor(ctx->args, len, sizeof query - 1);
    memcpy(query, ctx->args, len);
    query[len] = '\0';
    if (!len)
        return hctx_reply(ctx, "desk_usage_search", NULL, 0);
    char keys[TIPS_KEYS_MAX][TIPS_KEY_MAX], folded[DESK_QUERY_MAX];
    const char *key_ptrs[TIPS_KEYS_MAX];
    textnorm_fold(query, len, folded, sizeof folded);
    int nkeys = desk_query_keys(ctx->te, query, len, keys);
    for (int i = 0; i < nkeys; i++)
        key_ptrs[i] = keys[i];
    struct desk_page p = {.head = "desk_list_found", .none = "desk_none_found", .page = page};
    snprintf(p.next, sizeof p.next, "/tim %s trang %d", query, page + 1);
    int fits = snprintf(p.next_data, sizeof p.next_data, "desk:find:%d:%s", page + 1, folded);
    if (fits < 0 || (size_t)fits >= sizeof p.next_data)
        p.next_data[0] = '\0'; /* too long for a button: the text says what to type */
    struct tip list[TIPS_PAGE_MAX];
    int n = 0;
    if (tips_search_page(ctx->db, folded, key_ptrs, nkeys, (page - 1) * TIPS_PAGE_MAX, list,
                         TIPS_PAGE_MAX, &n, &p.total) != DB_OK)
        return -1;
    int rc = desk_send_page(ctx, &p, list, n);
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
    return rc;
}

/* ---- the summary on enrolment ------------------------------------------------------------- */

static void desk_count(struct hctx *ctx, struct desk_text *b, const char *name, int64_t n,
                       const char *status)
{
    char value[24];
    snprintf(value, sizeof value, "%lld", (long long)n);
    struct texts_var vars[] = {{"value", value}, {"status", status ? status : ""}};
    if (n > 0)
        desk_text_addv(ctx, b, name, vars, 2);
}

int desk_summary(struct hctx *ctx, const char *area, char *text, size_t *at, char **buttons)
{
    struct tips_summary s;
    struct tip list[DESK_PRESSING_MAX];
    int n = 0;
    *buttons = NULL;
    if (tips_summarise(ctx->db, area, ctx->now_ms, &s) != DB_OK ||
        tips_list_pressing(ctx->db, area, ctx->now_ms, list, DESK_PRESSING_MAX, &n) != DB_OK)
        return -1;
    const struct area *a = desks_area(ctx->desks, area);
    const char *where = a      ? a->name
                        : area ? area
                               : texts_get(ctx->texts, "desk_summary_everywhere");
    char open[24];
    snprintf(open, sizeof open, "%lld", (long long)s.open);
    struct texts_var vars[] = {{"area", where}, {"value", open}};
    struct desk_text b = {text, *at};
    desk_text_addv(ctx, &b, s.open ? "desk_summary_head" : "desk_summary_none", vars, 2);
    desk_count(ctx, &b, "desk_summary_urgent", s.urgent, NULL);
    desk_count(ctx, &b, "desk_summary_overdue", s.overdue, NULL);
    for (int i = 0; i < s.n_status; i++)
        desk_count(ctx, &b, "desk_summary_status", s.by_status[i].n,
                   tipcard_status_label(ctx, s.by_status[i].status));
    desk_count(ctx, &b, "desk_summary_no_area", s.no_area, NULL);
    if (n > 0) {
        desk_text_add(&b, "");
        desk_text_add(&b, texts_get(ctx->texts, "desk_summary_first"));
        for (int i = 0; i < n; i++)
            desk_list_tip(ctx, &b, &list[i]);
        *buttons = desk_list_buttons(ctx, list, n, NULL);
    }
    desk_text_add(&b, "");
    desk_text_add(&b, texts_get(ctx->texts, "desk_summary_how"));
    desk_text_end(&b);
    *at = b.at;
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
    return 0;
}
