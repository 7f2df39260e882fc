/*
 * meeting.c — see meeting.h. The date reader walks the words at the start of the text: a date
 * (20/12, 20/12/2026, thứ 7, t7, chủ nhật, mai, hôm nay, ngày kia), a time (19h, 19h30, 19:30)
 * and a part of the day (sáng, trưa, chiều, tối, đêm) in any order, each at most once; it stops
 * at the first word that is none of these. Both a day and a time are required, and the moment
 * must be in the future: otherwise the leader is asked again with examples.
 */
#include "handlers/meeting.h"

#include "config/desks.h"
#include "base/textnorm.h"
#include "storage/groups.h"
#include "storage/meetings.h"
#include "storage/people.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEETING_HOUR_MS 3600000LL
#define MEETING_DAY_MS  86400000LL

enum { MEETING_WORDS = 8 };

struct when_parse {
    int day_set, time_set, part_set;
    int day_offset;      /* days from today (mai = 1) */
    int weekday;         /* 0 Sunday … 6 Saturday, or -1 */
    int mday, mon, year; /* an explicit date (year 0: not given) */
    int hour, minute;
    char part; /* 's' sáng, 't' trưa, 'c' chiều, 'o' tối, 'd' đêm */
};

/* The word at p folded (ASCII lower case, no diacritics), trailing punctuation dropped. */
static size_t meeting_word(const char *p, char *out, size_t size)
{
    size_t n = strcspn(p, " \t\r\n");
    textnorm_fold(p, n, out, size);
    size_t m = strlen(out);
    while (m > 0 && strchr(",.;:!?", out[m - 1]))
        out[--m] = '\0';
    return n;
}

static int meeting_time(const char *w, struct when_parse *p)
{
    int h = -1, m = 0;
    char tail[8] = "";
    if (sscanf(w, "%d:%d%7s", &h, &m, tail) >= 2 || sscanf(w, "%dh%d%7s", &h, &m, tail) >= 2 ||
        sscanf(w, "%dg%d%7s", &h, &m, tail) >= 2) {
        if (tail[0] && strcmp(tail, "p") && strcmp(tail, "phut"))
            return 0;
    } else {
        char unit[8] = "";
        m = 0;
        if (sscanf(w, "%d%7s", &h, unit) != 2 ||
            (strcmp(unit, "h") && strcmp(unit, "g") && strcmp(unit, "gio")))
            return 0;
    }
    if (h < 0 || h > 23 || m < 0 || m > 59 || p->time_set)
        return 0;
    p->hour = h, p->minute = m, p->time_set = 1;
    return 1;
}

static int meeting_date(const char *w, struct when_parse *p)
{
    int d, mo, y = 0;
    char sep;
    int got = sscanf(w, "%d%c%d%*c%d", &d, &sep, &mo, &y);
    if (got < 3 || (sep != '/' && sep != '-') || p->day_set)
        return 0;
    if (got == 4 && y < 100)
        y += 2000;
    /* A year past 9999 made the moment's milliseconds overflow (fuzz/regress/dates/). */
    if (d < 1 || d > 31 || mo < 1 || mo > 12 || (got == 4 && (y < 1970 || y > 9999)))
        return 0;
    p->mday = d, p->mon = mo, p->year = got == 4 ? y : 0, p->day_set = 1;
    return 1;
}

struct meeting_word_rule {
    const char *words; /* folded, space-separated: one or two words */
    int kind;          /* 0 relative day, 1 weekday, 2 part of day, 3 filler */
    int value;
};

static const struct meeting_word_rule meeting_words[] = {
    {"hom nay", 0, 0},  {"nay", 0, 0},     {"ngay mai", 0, 1}, {"mai", 0, 1},    {"ngay kia", 0, 2},
    {"chu nhat", 1, 0}, {"cn", 1, 0},      {"thu hai", 1, 1},  {"thu ba", 1, 2}, {"thu tu", 1, 3},
    {"thu nam", 1, 4},  {"thu sau", 1, 5}, {"thu bay", 1, 6},  {"sang", 2, 's'}, {"trua", 2, 't'},
    {"chieu", 2, 'c'},  {"toi", 2, 'o'},   {"dem", 2, 'd'},    {"ngay", 3, 0},   {"luc", 3, 0},
    {"vao", 3, 0},
};

/* "thứ 7", "t7", "thu 7": a weekday by number (2 = Monday … 7 = Saturday). */
static int meeting_weekday_number(const char *w1, const char *w2, int *used)
{
    int n = 0;
    if ((w1[0] == 't') && w1[1] >= '2' && w1[1] <= '7' && !w1[2])
        n = w1[1] - '0', *used = 1;
    else if (strcmp(w1, "thu") == 0 && w2 && w2[0] >= '2' && w2[0] <= '7' && !w2[1])
        n = w2[0] - '0', *used = 2;
    return n ? n - 1 : -1; /* thứ 2 is Monday (1) … thứ 7 Saturday (6) */
}

/* Tries the word (and the next) as a relative day, weekday, part of day or filler. */
static int meeting_keyword(const char *w1, const char *w2, struct when_parse *p, int *used)
{
    int wd = meeting_weekday_number(w1, w2, used);
    if (wd >= 0) {
        if (p->day_set)
            return 0;
        p->weekday = wd, p->day_set = 1;
        return 1;
    }
    char two[64];
    snprintf(two, sizeof two, "%s %s", w1, w2 ? w2 : "");
    for (size_t i = 0; i < sizeof meeting_words / sizeof meeting_words[0]; i++) {
        const struct meeting_word_rule *r = &meeting_words[i];
        int pair = strchr(r->words, ' ') != NULL;
        if (strcmp(r->words, pair ? two : w1) != 0)
            continue;
        *used = pair ? 2 : 1;
        if (r->kind == 3)
            return 1;
        if (r->kind == 2) {
            if (p->part_set)
                return 0;
            p->part = (char)r->value, p->part_set = 1;
            return 1;
        }
        if (p->day_set)
            return 0;
        p->day_set = 1;
        if (r->kind == 0)
            p->day_offset = r->value;
        else
            p->weekday = r->value;
        return 1;
    }
    return 0;
}

/* 7h tối is 19:00; 1h trưa is 13:00; 3h chiều is 15:00. */
static int meeting_hour(const struct when_parse *p)
{
    int h = p->hour;
    if ((p->part == 'c' || p->part == 'o') && h < 12)
        return h + 12;
    if (p->part == 't' && h < 6)
        return h + 12;
    if (p->part == 'd' && h >= 7 && h < 12)
        return h + 12;
    return h;
}

static int64_t meeting_resolve(const struct when_parse *p, int64_t now_ms)
{
    time_t now = (time_t)(now_ms / 1000);
    struct tm t;
    localtime_r(&now, &t);
    t.tm_hour = meeting_hour(p);
    t.tm_min = p->minute;
    t.tm_sec = 0;
    t.tm_isdst = -1;
    if (p->mday) {
        int year = p->year ? p->year : t.tm_year + 1900;
        t.tm_mday = p->mday, t.tm_mon = p->mon - 1, t.tm_year = year - 1900;
        struct tm check = t;
        time_t at = mktime(&check);
        if (check.tm_mday != p->mday || check.tm_mon != p->mon - 1)
            return -1;                                 /* 31/2 and the like */
        if (!p->year && (int64_t)at * 1000 < now_ms) { /* "5/1" said in November: next year */
            t.tm_year++;
            at = mktime(&t);
        }
        return (int64_t)at * 1000;
    }
    int add = p->day_offset;
    if (p->weekday >= 0) {
        add = (p->weekday - t.tm_wday + 7) % 7;
        struct tm today = t;
        if (add == 0 && (int64_t)mktime(&today) * 1000 <= now_ms)
            add = 7; /* this weekday, but the hour has passed: next week */
    }
    t.tm_mday += add;
    return (int64_t)mktime(&t) * 1000;
}

size_t meeting_parse_when(const char *text, int64_t now_ms, int64_t *at_ms)
{
    struct when_parse p = {.weekday = -1};
    const char *at = text;
    size_t consumed = 0;
    while (*at == ' ')
        at++;
    for (int words = 0; *at && words < MEETING_WORDS; words++) {
        char w1[32], w2[32] = "";
        size_t n1 = meeting_word(at, w1, sizeof w1);
        const char *next = at + n1;
        while (*next == ' ')
            next++;
        size_t n2 = *next ? meeting_word(next, w2, sizeof w2) : 0;
        int used = 1;
        if (!meeting_time(w1, &p) && !meeting_date(w1, &p) &&
            !meeting_keyword(w1, w2[0] ? w2 : NULL, &p, &used))
            break;
        at = used == 2 ? next + n2 : next;
        consumed = (size_t)(at - text);
        while (*at == ' ')
            at++;
    }
    if (!p.day_set || !p.time_set)
        return 0;
    int64_t when = meeting_resolve(&p, now_ms);
    if (when <= now_ms)
        return 0;
    *at_ms = when;
    return consumed;
}

static void meeting_format(int64_t ms, char *out, size_t size)
{
    static const char *const days[] = {"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư",
                                       "Thứ Năm",  "Thứ Sáu", "Thứ Bảy"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(out, size, "%02d:%02d %s %02d/%02d/%04d", tm.tm_hour, tm.tm_min, days[tm.tm_wday],
             tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

static int meeting_allowed(const struct hctx *ctx)
{
    const char *role = ctx->person ? ctx->person->role : NULL;
    return role && (strcmp(role, "leader") == 0 || people_is_officer(role));
}

int meeting_command(struct hctx *ctx)
{
    const struct msg *m = ctx->msg;
    if (!m->is_group)
        return hctx_reply(ctx, "meeting_group_only", NULL, 0);
    if (!meeting_allowed(ctx))
        return hctx_reply(ctx, "group_leader_only", NULL, 0);
    int64_t at = 0;
    size_t used = meeting_parse_when(ctx->args, ctx->now_ms, &at);
    const char *what = ctx->args + used;
    while (*what == ' ' || *what == ',' || *what == ':' || *what == '-')
        what++;
    if (!used || !*what)
        return hctx_reply(ctx, "meeting_unclear", NULL, 0);
    if (meetings_add(ctx->db, m->platform, m->chat_id, at, what, ctx->person->id, ctx->now_ms) !=
        DB_OK)
        return -1;
    char when[64];
    meeting_format(at, when, sizeof when);
    struct texts_var vars[] = {{"when", when}, {"text", what}};
    return hctx_reply(ctx, "meeting_saved", vars, 2);
}

enum { MEETING_TICK_BATCH = 16 }; /* reminders of one tick, in one transaction */

/* Inside the job's transaction: the due meetings read again under the write lock; each
 * reminder and its "reminded" mark stand or fall together. */
static int meeting_tick_write(struct hctx *ctx, void *arg)
{
    (void)arg;
    struct meeting list[MEETING_TICK_BATCH];
    int n = 0, rc = 0;
    if (meetings_due(ctx->db, ctx->now_ms, list, MEETING_TICK_BATCH, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        struct meeting *mt = &list[i];
        /* Within the hour: the hour-before reminder (which makes the day-before one moot). */
        int hour = ctx->now_ms >= mt->at - MEETING_HOUR_MS;
        char when[64];
        meeting_format(mt->at, when, sizeof when);
        struct texts_var vars[] = {{"when", when}, {"text", mt->text}};
        char *text = texts_render(ctx->texts,
                                  hour ? "meeting_reminder_hour" : "meeting_reminder_day", vars, 2);
        if (rc == 0 && text)
            rc = hctx_send(ctx, mt->platform, mt->chat_id, text, NULL, OUTBOX_NOTICE);
        if (rc == 0)
            rc = meetings_mark(ctx->db, mt->id, true, hour) == DB_OK ? 0 : -1;
        free(text);
        meeting_clear(mt);
    }
    return rc;
}

/* A look outside any transaction (index meetings_due); the write lock only for work. */
int meeting_tick(struct hctx *ctx)
{
    struct meeting first;
    int n = 0;
    if (meetings_due(ctx->db, ctx->now_ms, &first, 1, &n) != DB_OK)
        return -1;
    if (n == 0)
        return 0;
    meeting_clear(&first);
    return hctx_in_write(ctx, meeting_tick_write, NULL);
}
