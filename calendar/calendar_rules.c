/*
 * calendar_rules.c — the rule syntax of calendar.h: parsing a rule line (a table of rule words,
 * each with its usage for the error message), the days a rule names within a window, and
 * calendar_expand, which turns the loaded deadlines into dated occurrences with unique codes.
 * Expansion works year by year over a window a little wider than asked, so a relative rule or a
 * shifted date near the edge is still found; the final filter is on the due day. The dates,
 * holidays and file loaders it works with are in calendar/calendar.c; the helpers both files
 * share are declared in calendar/calendar_impl.h.
 */
#include "calendar/calendar_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CALENDAR_SLACK_DAYS = 40, CALENDAR_OCC_MAX = 400 };

/* ---- rules ------------------------------------------------------------------------------ */

/* "3,9", "1-12", "Q1,Q3", "q2-q4" → bits; values from 1 to hi. */
static int calendar_list(const char *s, int hi, unsigned *bits)
{
    *bits = 0;
    const char *p = s;
    while (*p) {
        int a, b, used = 0;
        if (*p == 'Q' || *p == 'q')
            p++;
        if (sscanf(p, "%d%n", &a, &used) != 1)
            return -1;
        p += used;
        b = a;
        if (*p == '-') {
            p++;
            if (*p == 'Q' || *p == 'q')
                p++;
            if (sscanf(p, "%d%n", &b, &used) != 1)
                return -1;
            p += used;
        }
        if (a < 1 || b > hi || a > b)
            return -1;
        for (int v = a; v <= b; v++)
            *bits |= 1u << (v - 1);
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return *bits ? 0 : -1;
}

static int calendar_day_word(const char *w, int *day)
{
    char *end = NULL;
    if (strcasecmp(w, "last") == 0) {
        *day = 0;
        return 0;
    }
    long v = strtol(w, &end, 10);
    if (end == w || *end || v < 1 || v > 31)
        return -1;
    *day = (int)v;
    return 0;
}

static int calendar_parse_dates(char **tok, int n, struct calendar_rule *r)
{
    for (int i = 1; i < n; i++) {
        if (r->n_dates >= CALENDAR_DATES_MAX || calendar_parse_date(tok[i], &r->dates[r->n_dates]))
            return -1;
        r->n_dates++;
    }
    for (int i = 1; i < r->n_dates; i++) /* insertion sort: a handful of dates */
        for (int j = i; j > 0 && r->dates[j - 1] > r->dates[j]; j--) {
            int64_t t = r->dates[j];
            r->dates[j] = r->dates[j - 1];
            r->dates[j - 1] = t;
        }
    return r->n_dates > 0 && (r->kind != CALENDAR_ONCE || r->n_dates == 1) ? 0 : -1;
}

static int calendar_parse_relative(char **tok, int n, struct calendar_rule *r)
{
    int days = 0, used = 0;
    if (n != 3 || strlen(tok[1]) >= sizeof r->base || (tok[2][0] != '+' && tok[2][0] != '-'))
        return -1;
    if (sscanf(tok[2] + 1, "%d%n", &days, &used) != 1 || strcmp(tok[2] + 1 + used, "d") != 0 ||
        days > 366)
        return -1;
    for (char *p = tok[1]; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    snprintf(r->base, sizeof r->base, "%s", tok[1]);
    r->offset_days = tok[2][0] == '-' ? -days : days;
    return 0;
}

/* The parsers of each rule word: how many words it takes and what fills the rule. */
static int calendar_parse_kind(char **tok, int n, struct calendar_rule *r)
{
    int d = 0, m = 0, used = 0;
    switch (r->kind) {
    case CALENDAR_ONCE:
    case CALENDAR_DATES:
        return calendar_parse_dates(tok, n, r);
    case CALENDAR_YEARLY:
        if (n != 2 || sscanf(tok[1], "%d/%d%n", &d, &m, &used) != 2 || tok[1][used] || m < 1 ||
            m > 12 || d < 1 || d > calendar_month_days(2024, m))
            return -1;
        r->day = d;
        r->month = m;
        return 0;
    case CALENDAR_MONTHLY:
        if (n != 4 || strcasecmp(tok[2], "months") != 0 || calendar_day_word(tok[1], &r->day))
            return -1;
        return calendar_list(tok[3], 12, &r->months);
    case CALENDAR_QUARTERLY:
        if (n != 4 || strcasecmp(tok[2], "quarters") != 0 || calendar_day_word(tok[1], &r->day))
            return -1;
        return calendar_list(tok[3], 4, &r->months);
    case CALENDAR_RELATIVE:
        return calendar_parse_relative(tok, n, r);
    }
    return -1;
}

static const struct {
    const char *word;
    enum calendar_kind kind;
    const char *usage;
} calendar_kinds[] = {
    {"once", CALENDAR_ONCE, "once DD/MM/YYYY"},
    {"dates", CALENDAR_DATES, "dates DD/MM/YYYY [DD/MM/YYYY …]"},
    {"yearly", CALENDAR_YEARLY, "yearly DD/MM"},
    {"monthly", CALENDAR_MONTHLY, "monthly DAY|last months 3,9|1-12"},
    {"quarterly", CALENDAR_QUARTERLY, "quarterly DAY|last quarters Q1,Q3"},
    {"relative", CALENDAR_RELATIVE, "relative CODE +Nd|-Nd"},
};

int calendar_rule_parse(const char *text, struct calendar_rule *r, char *err, size_t errlen)
{
    char buf[512], *tok[CALENDAR_DATES_MAX + 2], *save = NULL;
    int n = 0;
    memset(r, 0, sizeof *r);
    if (!text || strlen(text) >= sizeof buf) {
        calendar__err(err, errlen, "a rule is a line of text, e.g. \"yearly 10/12\"");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", text);
    for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (n == (int)(sizeof tok / sizeof tok[0])) {
            calendar__err(err, errlen, "too many words in \"%s\"", text);
            return -1;
        }
        tok[n++] = w;
    }
    for (size_t i = 0; n > 0 && i < sizeof calendar_kinds / sizeof calendar_kinds[0]; i++) {
        if (strcasecmp(tok[0], calendar_kinds[i].word) != 0)
            continue;
        r->kind = calendar_kinds[i].kind;
        if (calendar_parse_kind(tok, n, r) == 0)
            return 0;
        calendar__err(err, errlen, "\"%s\": expected %s", text, calendar_kinds[i].usage);
        return -1;
    }
    calendar__err(err, errlen,
                  "\"%s\": a rule starts with once, dates, yearly, monthly, quarterly or relative",
                  text);
    return -1;
}

struct calendar_collect {
    int64_t from, to;
    int64_t *days;
    int *years, *quarters, *months;
    size_t max, n;
};

static void calendar_add(struct calendar_collect *c, int y, int m, int d, int quarter)
{
    int64_t day = calendar_days(y, m, d);
    if (day < c->from || day > c->to || c->n >= c->max)
        return;
    c->days[c->n] = day;
    if (c->years)
        c->years[c->n] = y;
    if (c->quarters)
        c->quarters[c->n] = quarter;
    if (c->months)
        c->months[c->n] = m;
    c->n++;
}

static void calendar_add_month(struct calendar_collect *c, int y, int m, int day, int quarter)
{
    int last = calendar_month_days(y, m);
    calendar_add(c, y, m, day == 0 || day > last ? last : day, quarter);
}

int calendar_rule_days(const struct calendar_rule *r, int64_t from, int64_t to, int64_t *days,
                       int *years, int *quarters, int *months, size_t max, size_t *n)
{
    struct calendar_collect c = {from, to, days, years, quarters, months, max, 0};
    int y0, y1, m, d;
    *n = 0;
    if (r->kind == CALENDAR_RELATIVE || from > to)
        return -1;
    calendar_ymd(from, &y0, &m, &d);
    calendar_ymd(to, &y1, &m, &d);
    if (r->kind == CALENDAR_ONCE || r->kind == CALENDAR_DATES) {
        for (int i = 0; i < r->n_dates; i++) {
            calendar_ymd(r->dates[i], &y0, &m, &d);
            calendar_add(&c, y0, m, d, (m + 2) / 3);
        }
        *n = c.n;
        return 0;
    }
    for (int y = y0; y <= y1; y++) {
        if (r->kind == CALENDAR_YEARLY)
            calendar_add_month(&c, y, r->month, r->day, (r->month + 2) / 3);
        for (int k = 1; r->kind == CALENDAR_MONTHLY && k <= 12; k++)
            if (r->months & (1u << (k - 1)))
                calendar_add_month(&c, y, k, r->day, (k + 2) / 3);
        for (int q = 1; r->kind == CALENDAR_QUARTERLY && q <= 4; q++)
            if (r->months & (1u << (q - 1)))
                calendar_add_month(&c, y, 3 * q, r->day, q);
    }
    *n = c.n;
    return 0;
}

/* ---- expansion -------------------------------------------------------------------------- */

struct calendar_occ {
    int64_t day, rule_day;
    int year, quarter, month;
    enum calendar_kind naming; /* which rule kind names the code (a relative rule: its base's) */
};

static int64_t calendar_shifted(const struct calendar *cal, const struct calendar_deadline *dl,
                                int64_t day)
{
    int step = dl->shift == CALENDAR_SHIFT_BEFORE ? -1 : dl->shift == CALENDAR_SHIFT_AFTER ? 1 : 0;
    for (int i = 0; step && i < 31 && calendar_is_off(cal, day); i++)
        day += step;
    return day;
}

static int calendar_occurrences(const struct calendar *cal, const struct calendar_deadline *dl,
                                int64_t from, int64_t to, int depth, struct calendar_occ *out,
                                size_t max, size_t *n);

static int calendar_relative_occ(const struct calendar *cal, const struct calendar_deadline *dl,
                                 int64_t from, int64_t to, int depth, struct calendar_occ *out,
                                 size_t max, size_t *n)
{
    const struct calendar_deadline *base = calendar__find(cal, dl->rule.base);
    if (!base || depth >= CALENDAR_DEPTH_MAX)
        return -1;
    int off = dl->rule.offset_days;
    if (calendar_occurrences(cal, base, from - off, to - off, depth + 1, out, max, n) != 0)
        return -1;
    for (size_t i = 0; i < *n; i++)
        out[i].rule_day = out[i].day + off;
    return 0;
}

static int calendar_occurrences(const struct calendar *cal, const struct calendar_deadline *dl,
                                int64_t from, int64_t to, int depth, struct calendar_occ *out,
                                size_t max, size_t *n)
{
    int64_t days[CALENDAR_OCC_MAX];
    int years[CALENDAR_OCC_MAX], quarters[CALENDAR_OCC_MAX], months[CALENDAR_OCC_MAX];
    size_t k = 0, got = 0;
    *n = 0;
    if (max > CALENDAR_OCC_MAX)
        max = CALENDAR_OCC_MAX;
    if (dl->rule.kind == CALENDAR_RELATIVE) {
        if (calendar_relative_occ(cal, dl, from - CALENDAR_SLACK_DAYS, to + CALENDAR_SLACK_DAYS,
                                  depth, out, max, &got) != 0)
            return -1;
    } else {
        calendar_rule_days(&dl->rule, from - CALENDAR_SLACK_DAYS, to + CALENDAR_SLACK_DAYS, days,
                           years, quarters, months, max, &got);
        for (size_t i = 0; i < got; i++)
            out[i] = (struct calendar_occ){days[i],     days[i],   years[i],
                                           quarters[i], months[i], dl->rule.kind};
    }
    for (size_t i = 0; i < got; i++) {
        struct calendar_occ o = out[i];
        if (o.rule_day < dl->from_day || o.rule_day > dl->until_day)
            continue;
        o.day = calendar_shifted(cal, dl, o.rule_day);
        if (o.day >= from && o.day <= to)
            out[k++] = o;
    }
    *n = k;
    return 0;
}

/* The value of the placeholder at p ("{yyyy}", "{yy}", "{q}", "{mm}") or the character itself;
 * returns how many characters of the template it covers. */
static size_t calendar_placeholder(const char *p, const struct calendar_occ *o, char *val,
                                   size_t size)
{
    if (strncmp(p, "{yyyy}", 6) == 0) {
        snprintf(val, size, "%04d", o->year);
        return 6;
    }
    if (strncmp(p, "{yy}", 4) == 0) {
        snprintf(val, size, "%02d", o->year % 100);
        return 4;
    }
    if (strncmp(p, "{q}", 3) == 0) {
        snprintf(val, size, "%d", o->quarter);
        return 3;
    }
    if (strncmp(p, "{mm}", 4) == 0) {
        snprintf(val, size, "%02d", o->month);
        return 4;
    }
    snprintf(val, size, "%c", *p);
    return 1;
}

/* "BCQ" + quarterly → "BCQ1-2026"; "KH{yyyy}" → "KH2026". */
static void calendar_code(const struct calendar_deadline *dl, const struct calendar_occ *o,
                          char *out, size_t size)
{
    static const char *const suffix[] = {
        [CALENDAR_ONCE] = "",
        [CALENDAR_DATES] = "-{yyyy}",
        [CALENDAR_YEARLY] = "-{yyyy}",
        [CALENDAR_MONTHLY] = "{mm}-{yyyy}",
        [CALENDAR_QUARTERLY] = "{q}-{yyyy}",
        [CALENDAR_RELATIVE] = "",
    };
    char tpl[CALENDAR_DATE_CODE_MAX + 16], val[8];
    size_t at = 0;
    snprintf(tpl, sizeof tpl, "%s%s", dl->code, strchr(dl->code, '{') ? "" : suffix[o->naming]);
    out[0] = '\0';
    for (const char *p = tpl; *p;) {
        p += calendar_placeholder(p, o, val, sizeof val);
        if (at + strlen(val) >= size)
            break;
        at += (size_t)snprintf(out + at, size - at, "%s", val);
    }
}

static int calendar_date_cmp(const void *a, const void *b)
{
    const struct calendar_date *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return strcmp(x->code, y->code);
}

static int calendar_code_cmp(const void *a, const void *b)
{
    return strcmp(((const struct calendar_date *)a)->code, ((const struct calendar_date *)b)->code);
}

struct calendar_list {
    struct calendar_date *dates;
    size_t n, cap;
};

static int calendar_push(struct calendar_list *l, const struct calendar_deadline *dl,
                         const struct calendar_occ *o)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct calendar_date *grown = realloc(l->dates, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->dates = grown;
        l->cap = cap;
    }
    struct calendar_date *d = &l->dates[l->n++];
    memset(d, 0, sizeof *d);
    calendar_code(dl, o, d->code, sizeof d->code);
    d->deadline = dl;
    d->day = o->day;
    d->rule_day = o->rule_day;
    d->year = o->year;
    d->quarter = o->quarter;
    d->month = o->month;
    return 0;
}

static int calendar_expand_one(const struct calendar *cal, const struct calendar_deadline *dl,
                               int64_t from, int64_t to, struct calendar_list *l, char *err,
                               size_t errlen)
{
    struct calendar_occ *occ = malloc(CALENDAR_OCC_MAX * sizeof *occ);
    size_t got = 0;
    int rc = -1;
    if (!occ) {
        calendar__err(err, errlen, "out of memory");
        return -1;
    }
    if (calendar_occurrences(cal, dl, from, to, 0, occ, CALENDAR_OCC_MAX, &got) != 0) {
        calendar__err(err, errlen, "%s: \"relative\" names an unknown deadline or a cycle (%s)",
                      dl->code, dl->rule.base);
        goto out;
    }
    for (size_t i = 0; i < got; i++)
        if (calendar_push(l, dl, &occ[i]) != 0) {
            calendar__err(err, errlen, "out of memory");
            goto out;
        }
    rc = 0;
out:
    free(occ);
    return rc;
}

/* Codes are how people name a dated deadline (/danop BCQ1-2026): they must be unique. */
static int calendar_unique(struct calendar_list *l, char *err, size_t errlen)
{
    if (l->n < 2)
        return 0;
    qsort(l->dates, l->n, sizeof *l->dates, calendar_code_cmp);
    for (size_t i = 1; i < l->n; i++)
        if (strcmp(l->dates[i - 1].code, l->dates[i].code) == 0) {
            calendar__err(err, errlen,
                          "two dates get the code %s: add {yyyy}, {q} or {mm} to the code",
                          l->dates[i].code);
            return -1;
        }
    qsort(l->dates, l->n, sizeof *l->dates, calendar_date_cmp);
    return 0;
}

int calendar_expand(const struct calendar *cal, int64_t from, int64_t to,
                    struct calendar_date **out, size_t *n, char *err, size_t errlen)
{
    struct calendar_list l = {NULL, 0, 0};
    *out = NULL;
    *n = 0;
    for (int i = 0; i < cal->n_deadlines; i++)
        if (calendar_expand_one(cal, &cal->deadlines[i], from, to, &l, err, errlen) != 0) {
            free(l.dates);
            return -1;
        }
    if (calendar_unique(&l, err, errlen) != 0) {
        free(l.dates);
        return -1;
    }
    *out = l.dates;
    *n = l.n;
    return 0;
}
