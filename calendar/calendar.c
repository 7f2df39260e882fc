/*
 * calendar.c — see calendar.h. The daily sync token and the loaders of the calendar and
 * holiday files, which check each deadline (its rule through calendar_rule_parse) and that
 * every relative rule names a loaded deadline without a cycle. It stands on the two other
 * files of the module and neither calls back: calendar/calendar_days.c (dates, holidays, the
 * helpers declared in calendar/calendar_impl.h) and calendar/calendar_rules.c (the rule
 * syntax and the expansion of rules into dated deadlines).
 */
#include "calendar/calendar_impl.h"

#include "base/secure.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the daily sync token --------------------------------------------------------------- */

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

/* Room for need items of size bytes in arr (capacity *cap), doubling from 16: a ward's
 * calendar has tens of deadlines, and both arrays at their maximum (half a megabyte, taken and
 * freed at each day's sync) were the service's one allocation above glibc's mmap threshold
 * under the soak (bench/results.md, "Soak"). Returns the array (arr itself when it has room,
 * else moved), or NULL without memory (arr still valid). */
static void *calendar_grow(void *arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return arr;
    int ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *grown = realloc(arr, (size_t)ncap * size);
    if (grown)
        *cap = ncap;
    return grown;
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
        calendar__err(err, errlen, "%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_array(list) || !plan) {
        calendar__err(err, errlen, "%s: needs \"plan\" (a name) and \"deadlines\" (a list)", path);
        goto out;
    }
    json_array_foreach(list, i, obj)
    {
        char why[CALENDAR_ERR_MAX] = "";
        const char *what = "";
        if (cal->n_deadlines >= CALENDAR_DEADLINES_MAX) {
            calendar__err(err, errlen, "%s: more than %d deadlines", path, CALENDAR_DEADLINES_MAX);
            goto out;
        }
        struct calendar_deadline *room =
            calendar_grow(cal->deadlines, &cal->cap_deadlines, cal->n_deadlines + 1, sizeof *room);
        if (!room) {
            calendar__err(err, errlen, "out of memory");
            goto out;
        }
        cal->deadlines = room;
        struct calendar_deadline *dl = &cal->deadlines[cal->n_deadlines];
        memset(dl, 0, sizeof *dl);
        snprintf(dl->plan, sizeof dl->plan, "%s", plan);
        if (!json_is_object(obj) || calendar_read_deadline(obj, dl, &what, why, sizeof why)) {
            calendar__err(err, errlen, "%s: deadlines[%zu].%s: %s", path, i, what,
                          why[0] ? why : "missing or invalid (see the calendar syntax in README)");
            goto out;
        }
        if (calendar__find(cal, dl->code)) {
            calendar__err(err, errlen, "%s: deadlines[%zu].code: %s is used twice", path, i,
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
        struct calendar_holiday *room =
            calendar_grow(cal->holidays, &cal->cap_holidays, cal->n_holidays + 1, sizeof *room);
        if (!room)
            return -1;
        cal->holidays = room;
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
        calendar__err(err, errlen, "%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_array(list)) {
        calendar__err(err, errlen, "%s: needs \"holidays\": a list", path);
        goto out;
    }
    json_array_foreach(list, i, h)
    {
        if (!json_is_object(h) || calendar_read_holiday(cal, h) != 0) {
            calendar__err(err, errlen,
                          "%s: holidays[%zu]: needs \"name\" and \"date\" (DD/MM/YYYY) or "
                          "\"from\" and \"to\" at most a month apart",
                          path, i);
            goto out;
        }
    }
    if (cal->n_holidays > 1) /* none: no array at all, and qsort's base must not be NULL */
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
            const struct calendar_deadline *base = calendar__find(cal, dl->rule.base);
            if (!base || depth >= CALENDAR_DEPTH_MAX) {
                calendar__err(err, errlen, "deadline %s: \"relative %s\": %s",
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
    if (!cal) {
        calendar__err(err, errlen, "out of memory");
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
    static const char *const keys[] = {"files", "holidays", NULL};
    json_t *sec = cfg_section(cfg, "calendar");
    json_t *files = cfg_section(cfg, "calendar.files"), *f;
    json_t *hol = cfg_section(cfg, "calendar.holidays");
    char paths[CALENDAR_FILES_MAX][1024], hpath[1024];
    const char *list[CALENDAR_FILES_MAX];
    size_t i, n = 0;
    *out = NULL;
    /* Anything but an object would read as "no calendars": no deadline, no reminder. */
    if (sec && !json_is_object(sec)) {
        calendar__err(err, errlen, "calendar: must be an object {\"files\": […], \"holidays\": …}");
        return -1;
    }
    if (sec && cfg_known_keys(sec, keys, "calendar", err, errlen) != 0)
        return -1;
    if ((files && !json_is_array(files)) || json_array_size(files) > CALENDAR_FILES_MAX ||
        (hol && !json_is_string(hol))) {
        calendar__err(err, errlen,
                      "calendar.files: a list of at most %d file names; calendar.holidays: a "
                      "file name",
                      CALENDAR_FILES_MAX);
        return -1;
    }
    json_array_foreach(files, i, f)
    {
        if (!json_is_string(f) ||
            calendar_find_file(cfg, json_string_value(f), paths[n], sizeof paths[n]) != 0) {
            calendar__err(err, errlen, "calendar.files[%zu]: cannot read %s", i,
                          json_is_string(f) ? paths[n] : "(not a file name)");
            return -1;
        }
        list[n] = paths[n];
        n++;
    }
    const char *hname = hol ? json_string_value(hol) : "holidays.vi.json";
    if (calendar_find_file(cfg, hname, hpath, sizeof hpath) != 0) {
        calendar__err(err, errlen, "calendar.holidays: cannot read %s", hpath);
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
