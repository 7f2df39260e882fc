/*
 * calendar.c — see calendar.h. Three parts: civil-date arithmetic (Howard Hinnant's
 * days-from-civil, exact for every Gregorian date), the rule parser and its expansion, and
 * the loaders of the calendar and holiday files. Expansion works year by year over a window
 * a little wider than asked, so a relative rule or a shifted date near the edge is still found;
 * the final filter is on the due day.
 */
#include "handlers/calendar.h"

#include "bot/secure.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum { CALENDAR_SLACK_DAYS = 40, CALENDAR_DEPTH_MAX = 4, CALENDAR_OCC_MAX = 400 };

/* ---- civil dates ------------------------------------------------------------------------ */

int64_t calendar_days(int y, int m, int d)
{
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void calendar_ymd(int64_t day, int *y, int *m, int *d)
{
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int calendar_weekday(int64_t day)
{
    int64_t w = (day + 4) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

int calendar_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : days[m - 1];
}

static int calendar_valid(int y, int m, int d)
{
    return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= calendar_month_days(y, m);
}

int calendar_parse_date(const char *s, int64_t *day)
{
    int y = 0, m = 0, d = 0, used = 0;
    if (!s)
        return -1;
    if (sscanf(s, "%d/%d/%d%n", &d, &m, &y, &used) != 3 &&
        sscanf(s, "%d-%d-%d%n", &y, &m, &d, &used) != 3)
        return -1;
    if (s[used] != '\0' || !calendar_valid(y, m, d))
        return -1;
    *day = calendar_days(y, m, d);
    return 0;
}

void calendar_format(int64_t day, char *out, size_t size)
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    snprintf(out, size, "%02d/%02d/%04d", d, m, y);
}

int64_t calendar_today(int64_t now_ms)
{
    int64_t secs = now_ms >= 0 ? now_ms / 1000 : -((-now_ms + 999) / 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    localtime_r(&t, &tm);
    return calendar_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t calendar_at(int64_t day, int minute_of_day)
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = minute_of_day / 60;
    tm.tm_min = minute_of_day % 60;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

int calendar_parse_time(const char *s)
{
    int h = -1, m = -1, used = 0;
    if (!s || sscanf(s, "%d:%d%n", &h, &m, &used) != 2 || s[used] != '\0')
        return -1;
    return h >= 0 && h < 24 && m >= 0 && m < 60 ? h * 60 + m : -1;
}

/* ---- rules ------------------------------------------------------------------------------ */

static void calendar_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void calendar_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

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
        calendar_err(err, errlen, "a rule is a line of text, e.g. \"yearly 10/12\"");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", text);
    for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (n == (int)(sizeof tok / sizeof tok[0])) {
            calendar_err(err, errlen, "too many words in \"%s\"", text);
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
        calendar_err(err, errlen, "\"%s\": expected %s", text, calendar_kinds[i].usage);
        return -1;
    }
    calendar_err(err, errlen,
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

/* ---- holidays --------------------------------------------------------------------------- */

const char *calendar_holiday(const struct calendar *cal, int64_t day)
{
    int lo = 0, hi = cal ? cal->n_holidays - 1 : -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cal->holidays[mid].day == day)
            return cal->holidays[mid].name;
        if (cal->holidays[mid].day < day)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

int calendar_is_off(const struct calendar *cal, int64_t day)
{
    int w = calendar_weekday(day);
    return w == 0 || w == 6 || calendar_holiday(cal, day) != NULL;
}

/* ---- expansion -------------------------------------------------------------------------- */

struct calendar_occ {
    int64_t day, rule_day;
    int year, quarter, month;
    enum calendar_kind naming; /* which rule kind names the code (a relative rule: its base's) */
};

static const struct calendar_deadline *calendar_find(const struct calendar *cal, const char *code)
{
    for (int i = 0; i < cal->n_deadlines; i++)
        if (strcmp(cal->deadlines[i].code, code) == 0)
            return &cal->deadlines[i];
    return NULL;
}

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
    const struct calendar_deadline *base = calendar_find(cal, dl->rule.base);
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
        calendar_err(err, errlen, "out of memory");
        return -1;
    }
    if (calendar_occurrences(cal, dl, from, to, 0, occ, CALENDAR_OCC_MAX, &got) != 0) {
        calendar_err(err, errlen, "%s: \"relative\" names an unknown deadline or a cycle (%s)",
                     dl->code, dl->rule.base);
        goto out;
    }
    for (size_t i = 0; i < got; i++)
        if (calendar_push(l, dl, &occ[i]) != 0) {
            calendar_err(err, errlen, "out of memory");
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
            calendar_err(err, errlen,
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

void calendar_daily_token(const struct cfg *cfg, int64_t today, char *out, size_t size)
{
    /* Once per process (a restart must sync again). Only the worker thread (or a command's
     * one thread) calls this, so the lazy initialisation needs no lock. */
    static char nonce[17];
    if (!nonce[0]) {
        unsigned char b[8] = {0};
        secure_random(b, sizeof b);
        for (size_t i = 0; i < sizeof b; i++)
            snprintf(nonce + 2 * i, 3, "%02x", b[i]);
    }
    snprintf(out, size, "%lld|%s|%p|%s", (long long)today, nonce, (const void *)cfg,
             cfg->file ? cfg->file : "");
}

/* ---- files ------------------------------------------------------------------------------ */

int calendar_find_file(const struct cfg *cfg, const char *path, char *out, size_t size)
{
    const char *base[] = {cfg->dir, cfg->data_dir, cfg->data_dir};
    const char *sub[] = {"", "", "config/"};
    if (path[0] == '/') {
        snprintf(out, size, "%s", path);
        return access(out, R_OK) == 0 ? 0 : -1;
    }
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        if (!base[i])
            continue;
        snprintf(out, size, "%s/%s%s", base[i], sub[i], path);
        if (access(out, R_OK) == 0)
            return 0;
    }
    snprintf(out, size, "%s/%s", cfg->dir ? cfg->dir : ".", path);
    return -1;
}

static int calendar_copy(json_t *obj, const char *key, char *out, size_t size, int required)
{
    json_t *v = json_object_get(obj, key);
    if (!v && !required) {
        out[0] = '\0';
        return 0;
    }
    if (!json_is_string(v) || !*json_string_value(v) || json_string_length(v) >= size)
        return -1;
    snprintf(out, size, "%s", json_string_value(v));
    return 0;
}

static int calendar_code_ok(const char *code, int templates)
{
    size_t n = strlen(code);
    if (n == 0 || n >= CALENDAR_CODE_MAX)
        return 0;
    for (const char *p = code; *p; p++)
        if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' &&
            !(templates && strchr("{}yqm", *p)))
            return 0;
    return 1;
}

/* "all" → "*"; ["CA", "kind:school"] → ",CA,kind:school,". */
static int calendar_targets(json_t *who, char *out, size_t size)
{
    if (json_is_string(who) && strcmp(json_string_value(who), "all") == 0) {
        snprintf(out, size, "*");
        return 0;
    }
    size_t i, at = 1;
    json_t *v;
    if (!json_is_array(who) || json_array_size(who) == 0)
        return -1;
    snprintf(out, size, ",");
    json_array_foreach(who, i, v)
    {
        const char *s = json_string_value(v);
        int kind = s && strncmp(s, "kind:", 5) == 0;
        if (!s || (!kind && !calendar_code_ok(s, 0)) || at + strlen(s) + 2 >= size)
            return -1;
        at += (size_t)snprintf(out + at, size - at, "%s,", s);
    }
    return 0;
}

static int calendar_bound(json_t *v, int end, int64_t *day)
{
    if (!v) {
        *day = end ? INT64_MAX : INT64_MIN;
        return 0;
    }
    if (json_is_integer(v)) {
        int y = (int)json_integer_value(v);
        if (y < 1900 || y > 9999)
            return -1;
        *day = end ? calendar_days(y, 12, 31) : calendar_days(y, 1, 1);
        return 0;
    }
    return json_is_string(v) ? calendar_parse_date(json_string_value(v), day) : -1;
}

static int calendar_shift_word(json_t *v, enum calendar_shift *shift)
{
    static const char *const words[] = {"none", "before", "after"};
    *shift = CALENDAR_SHIFT_NONE;
    for (int i = 0; v && i < 3; i++)
        if (json_is_string(v) && strcmp(json_string_value(v), words[i]) == 0) {
            *shift = (enum calendar_shift)i;
            return 0;
        }
    return v ? -1 : 0;
}

static int calendar_known_key(const char *key)
{
    static const char *const keys[] = {"code", "what",  "to",    "who", "rule",
                                       "from", "until", "shift", "note"};
    if (strncmp(key, "//", 2) == 0)
        return 1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

/* One deadline object; *what names the failing key for the error message. */
static int calendar_read_deadline(json_t *obj, struct calendar_deadline *dl, const char **what,
                                  char *rule_err, size_t errlen)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (!calendar_known_key(key)) {
            *what = key;
            snprintf(rule_err, errlen, "unknown key");
            return -1;
        }
    }
    *what = "code";
    if (calendar_copy(obj, "code", dl->code, sizeof dl->code, 1) || !calendar_code_ok(dl->code, 1))
        return -1;
    *what = "what";
    if (calendar_copy(obj, "what", dl->what, sizeof dl->what, 1))
        return -1;
    *what = "to";
    if (calendar_copy(obj, "to", dl->to, sizeof dl->to, 1))
        return -1;
    *what = "who";
    if (calendar_targets(json_object_get(obj, "who"), dl->targets, sizeof dl->targets))
        return -1;
    *what = "from";
    if (calendar_bound(json_object_get(obj, "from"), 0, &dl->from_day))
        return -1;
    *what = "until";
    if (calendar_bound(json_object_get(obj, "until"), 1, &dl->until_day))
        return -1;
    *what = "shift";
    if (calendar_shift_word(json_object_get(obj, "shift"), &dl->shift))
        return -1;
    *what = "rule";
    json_t *rule = json_object_get(obj, "rule");
    return calendar_rule_parse(json_string_value(rule), &dl->rule, rule_err, errlen);
}

static int calendar_read_file(struct calendar *cal, const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    json_t *list = json_object_get(root, "deadlines"), *obj;
    const char *plan = json_string_value(json_object_get(root, "plan"));
    size_t i;
    int rc = -1;
    if (!root) {
        calendar_err(err, errlen, "%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_array(list) || !plan) {
        calendar_err(err, errlen, "%s: needs \"plan\" (a name) and \"deadlines\" (a list)", path);
        goto out;
    }
    json_array_foreach(list, i, obj)
    {
        char why[CALENDAR_ERR_MAX] = "";
        const char *what = "";
        if (cal->n_deadlines >= CALENDAR_DEADLINES_MAX) {
            calendar_err(err, errlen, "%s: more than %d deadlines", path, CALENDAR_DEADLINES_MAX);
            goto out;
        }
        struct calendar_deadline *dl = &cal->deadlines[cal->n_deadlines];
        memset(dl, 0, sizeof *dl);
        snprintf(dl->plan, sizeof dl->plan, "%s", plan);
        if (!json_is_object(obj) || calendar_read_deadline(obj, dl, &what, why, sizeof why)) {
            calendar_err(err, errlen, "%s: deadlines[%zu].%s: %s", path, i, what,
                         why[0] ? why : "missing or invalid (see the calendar syntax in README)");
            goto out;
        }
        if (calendar_find(cal, dl->code)) {
            calendar_err(err, errlen, "%s: deadlines[%zu].code: %s is used twice", path, i,
                         dl->code);
            goto out;
        }
        cal->n_deadlines++;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

static int calendar_holiday_cmp(const void *a, const void *b)
{
    const struct calendar_holiday *x = a, *y = b;
    return x->day < y->day ? -1 : x->day > y->day;
}

static int calendar_read_holiday(struct calendar *cal, json_t *h)
{
    const char *name = json_string_value(json_object_get(h, "name"));
    const char *date = json_string_value(json_object_get(h, "date"));
    int64_t a, b;
    if (!name || strlen(name) >= sizeof cal->holidays[0].name)
        return -1;
    if (date ? calendar_parse_date(date, &a)
             : calendar_parse_date(json_string_value(json_object_get(h, "from")), &a))
        return -1;
    b = a;
    if (!date && calendar_parse_date(json_string_value(json_object_get(h, "to")), &b))
        return -1;
    if (b < a || b - a > 31)
        return -1;
    for (int64_t d = a; d <= b; d++) {
        if (cal->n_holidays >= CALENDAR_HOLIDAYS_MAX)
            return -1;
        cal->holidays[cal->n_holidays].day = d;
        snprintf(cal->holidays[cal->n_holidays].name, sizeof cal->holidays[0].name, "%s", name);
        cal->n_holidays++;
    }
    return 0;
}

static int calendar_read_holidays(struct calendar *cal, const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *h;
    json_t *list = json_object_get(root, "holidays");
    size_t i;
    int rc = -1;
    if (!root) {
        calendar_err(err, errlen, "%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_array(list)) {
        calendar_err(err, errlen, "%s: needs \"holidays\": a list", path);
        goto out;
    }
    json_array_foreach(list, i, h)
    {
        if (!json_is_object(h) || calendar_read_holiday(cal, h) != 0) {
            calendar_err(err, errlen,
                         "%s: holidays[%zu]: needs \"name\" and \"date\" (DD/MM/YYYY) or "
                         "\"from\" and \"to\" at most a month apart",
                         path, i);
            goto out;
        }
    }
    qsort(cal->holidays, (size_t)cal->n_holidays, sizeof *cal->holidays, calendar_holiday_cmp);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* Every relative rule must name a loaded deadline, without cycles. */
static int calendar_check_relative(const struct calendar *cal, char *err, size_t errlen)
{
    for (int i = 0; i < cal->n_deadlines; i++) {
        const struct calendar_deadline *dl = &cal->deadlines[i];
        for (int depth = 0; dl && dl->rule.kind == CALENDAR_RELATIVE; depth++) {
            const struct calendar_deadline *base = calendar_find(cal, dl->rule.base);
            if (!base || depth >= CALENDAR_DEPTH_MAX) {
                calendar_err(err, errlen, "deadline %s: \"relative %s\": %s",
                             cal->deadlines[i].code, dl->rule.base,
                             base ? "too deep or a cycle" : "no deadline has that code");
                return -1;
            }
            dl = base;
        }
    }
    return 0;
}

int calendar_load_files(const char *const *files, size_t n, const char *holidays,
                        struct calendar **out, char *err, size_t errlen)
{
    struct calendar *cal = calloc(1, sizeof *cal);
    *out = NULL;
    if (cal) {
        cal->deadlines = calloc(CALENDAR_DEADLINES_MAX, sizeof *cal->deadlines);
        cal->holidays = calloc(CALENDAR_HOLIDAYS_MAX, sizeof *cal->holidays);
    }
    if (!cal || !cal->deadlines || !cal->holidays) {
        calendar_free(cal);
        calendar_err(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (calendar_read_file(cal, files[i], err, errlen) != 0)
            goto fail;
    if ((holidays && calendar_read_holidays(cal, holidays, err, errlen) != 0) ||
        calendar_check_relative(cal, err, errlen) != 0)
        goto fail;
    *out = cal;
    return 0;
fail:
    calendar_free(cal);
    return -1;
}

int calendar_load(const struct cfg *cfg, struct calendar **out, char *err, size_t errlen)
{
    json_t *files = cfg_section(cfg, "calendar.files"), *f;
    json_t *hol = cfg_section(cfg, "calendar.holidays");
    char paths[CALENDAR_FILES_MAX][1024], hpath[1024];
    const char *list[CALENDAR_FILES_MAX];
    size_t i, n = 0;
    *out = NULL;
    if ((files && !json_is_array(files)) || json_array_size(files) > CALENDAR_FILES_MAX ||
        (hol && !json_is_string(hol))) {
        calendar_err(err, errlen,
                     "calendar.files: a list of at most %d file names; calendar.holidays: a "
                     "file name",
                     CALENDAR_FILES_MAX);
        return -1;
    }
    json_array_foreach(files, i, f)
    {
        if (!json_is_string(f) ||
            calendar_find_file(cfg, json_string_value(f), paths[n], sizeof paths[n]) != 0) {
            calendar_err(err, errlen, "calendar.files[%zu]: cannot read %s", i,
                         json_is_string(f) ? paths[n] : "(not a file name)");
            return -1;
        }
        list[n] = paths[n];
        n++;
    }
    const char *hname = hol ? json_string_value(hol) : "holidays.vi.json";
    if (calendar_find_file(cfg, hname, hpath, sizeof hpath) != 0) {
        calendar_err(err, errlen, "calendar.holidays: cannot read %s", hpath);
        return -1;
    }
    return calendar_load_files(list, n, hpath, out, err, errlen);
}

void calendar_free(struct calendar *cal)
{
    if (!cal)
        return;
    free(cal->deadlines);
    free(cal->holidays);
    free(cal);
}
