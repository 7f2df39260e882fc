/*
 * scam.c — see scam.h. Items are compared in a normal form: phones as 0XXXXXXXXX (the text
 * engine's), links without scheme, "www." and trailing slash, lower case (a flagged bare domain
 * matches any link on that host), accounts as digits only.
 */
#include "handlers/scam.h"

#include "base/log.h"
#include "config/desks.h"
#include "text/textengine.h"
#include "handlers/tipcard.h"
#include "storage/groups.h"
#include "storage/scam_list.h"
#include "storage/people.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SCAM_DAY_MS 86400000LL
enum {
    SCAM_VALUE_MAX = 256,
    SCAM_DIGITS_MAX = 4096, /* digits of one message, run together */
    SCAM_ACCOUNT_MIN = 6,   /* digits of the shortest account number */
    SCAM_ACCOUNT_MAX = 20,
};

/* "https://www.Shop.vn/a/" → "shop.vn/a". */
static void scam_norm_link(const char *in, char *out, size_t size)
{
    const char *p = in;
    if (strncasecmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncasecmp(p, "http://", 7) == 0)
        p += 7;
    if (strncasecmp(p, "www.", 4) == 0)
        p += 4;
    size_t n = 0;
    for (; *p && n + 1 < size; p++)
        out[n++] = (char)tolower((unsigned char)*p);
    while (n > 0 && out[n - 1] == '/')
        n--;
    out[n] = '\0';
}

static void scam_digits(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; *in && n + 1 < size; in++)
        if (isdigit((unsigned char)*in))
            out[n++] = *in;
    out[n] = '\0';
}

static void scam_today(int64_t now_ms, char day[16])
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(day, 16, "%Y-%m-%d", &tm);
}

static int scam_officer(struct hctx *ctx)
{
    if (ctx->person && people_is_officer(ctx->person->role))
        return 1;
    hctx_reply(ctx, "desk_only_police", NULL, 0);
    return 0;
}

/* Splits "<item> <rest>" and, for accounts, "<number> <bank> <reason>". */
static const char *scam_split(const char *args, char *first, size_t size)
{
    size_t n = strcspn(args, " \t\r\n");
    snprintf(first, size, "%.*s", (int)(n < size - 1 ? n : size - 1), args);
    const char *rest = args + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return rest;
}

static int scam_done(struct hctx *ctx, const char *kind, const char *value, const char *reason)
{
    struct texts_var vars[] = {{"value", value}, {"reason", reason}};
    char name[48];
    snprintf(name, sizeof name, "scam_flagged_%s", kind);
    tips_audit(ctx->db, ctx->person->id, "flag", 0, value, ctx->now_ms);
    return hctx_reply(ctx, name, vars, 2);
}

int scam_normalise(struct hctx *ctx, const char *kind, const char *value, char *out, size_t size)
{
    out[0] = '\0';
    if (!kind || !value)
        return SCAM_BAD_FIELDS;
    if (strcmp(kind, "phone") == 0) {
        struct text_analysis a;
        if (textengine_analyze(ctx->te, value, false, &a) == 0) {
            if (a.nphones == 1)
                snprintf(out, size, "%s", a.phones[0]);
            text_analysis_clear(&a);
        }
        return out[0] ? SCAM_OK : SCAM_BAD_PHONE;
    }
    if (strcmp(kind, "link") == 0) {
        scam_norm_link(value, out, size);
        if (strchr(out, '.'))
            return SCAM_OK;
        out[0] = '\0';
        return SCAM_BAD_LINK;
    }
    if (strcmp(kind, "account") == 0) {
        scam_digits(value, out, size);
        size_t n = strlen(out);
        if (n >= SCAM_ACCOUNT_MIN && n <= SCAM_ACCOUNT_MAX)
            return SCAM_OK;
        out[0] = '\0';
        return SCAM_BAD_ACCOUNT;
    }
    return SCAM_BAD_FIELDS;
}

const char *scam_bad_why(int bad)
{
    switch (bad) {
    case SCAM_BAD_PHONE:
        return "not a phone number";
    case SCAM_BAD_LINK:
        return "not a link";
    case SCAM_BAD_ACCOUNT:
        return "an account number has 6 to 20 digits";
    default:
        return "needs type (phone, link, account), value and reason";
    }
}

int scam_flag_phone(struct hctx *ctx)
{
    if (!scam_officer(ctx))
        return 0;
    char item[64], phone[32];
    const char *reason = scam_split(ctx->args, item, sizeof item);
    if (!*reason || scam_normalise(ctx, "phone", item, phone, sizeof phone) != SCAM_OK)
        return hctx_reply(ctx, "scam_usage_phone", NULL, 0);
    if (scam_flag(ctx->db, "phone", phone, NULL, reason, ctx->person->id, ctx->now_ms) != DB_OK)
        return -1;
    return scam_done(ctx, "phone", phone, reason);
}

int scam_flag_link(struct hctx *ctx)
{
    if (!scam_officer(ctx))
        return 0;
    char item[SCAM_VALUE_MAX], link[SCAM_VALUE_MAX];
    const char *reason = scam_split(ctx->args, item, sizeof item);
    if (!*reason || scam_normalise(ctx, "link", item, link, sizeof link) != SCAM_OK)
        return hctx_reply(ctx, "scam_usage_link", NULL, 0);
    if (scam_flag(ctx->db, "link", link, NULL, reason, ctx->person->id, ctx->now_ms) != DB_OK)
        return -1;
    return scam_done(ctx, "link", link, reason);
}

int scam_flag_account(struct hctx *ctx)
{
    if (!scam_officer(ctx))
        return 0;
    char item[64], bank[64], account[32];
    const char *rest = scam_split(ctx->args, item, sizeof item);
    const char *reason = scam_split(rest, bank, sizeof bank);
    if (scam_normalise(ctx, "account", item, account, sizeof account) != SCAM_OK || !bank[0] ||
        !*reason)
        return hctx_reply(ctx, "scam_usage_account", NULL, 0);
    if (scam_flag(ctx->db, "account", account, bank, reason, ctx->person->id, ctx->now_ms) != DB_OK)
        return -1;
    return scam_done(ctx, "account", account, reason);
}

/* Looks value up as one more found item: 1 found, 0 not, -1 on a failed read. */
static int scam_lookup_one(struct hctx *ctx, const char *kind, const char *value,
                           struct scam_item *item)
{
    int rc = scam_find(ctx->db, kind, value, item);
    return rc == DB_OK ? 1 : rc == DB_NOT_FOUND ? 0 : -1;
}

/* The flagged items a group message names, into found[] (at most max); -1 on a failed read
 * (a warning is never skipped because the database could not answer). */
static int scam_lookup(struct hctx *ctx, const struct text_analysis *a, struct scam_item *found,
                       int max)
{
    int n = 0, rc = 0;
    for (size_t i = 0; i < a->nphones && n < max && rc >= 0; i++)
        if ((rc = scam_lookup_one(ctx, "phone", a->phones[i], &found[n])) > 0)
            n++;
    for (size_t i = 0; i < a->nurls && n < max && rc >= 0; i++) {
        char link[SCAM_VALUE_MAX], host[SCAM_VALUE_MAX];
        scam_norm_link(a->urls[i], link, sizeof link);
        snprintf(host, sizeof host, "%.*s", (int)strcspn(link, "/"), link);
        rc = scam_lookup_one(ctx, "link", link, &found[n]);
        if (rc == 0)
            rc = scam_lookup_one(ctx, "link", host, &found[n]);
        n += rc > 0;
    }
    if (rc < 0)
        return -1;
    /* Accounts: a flagged number written anywhere, with or without spaces or dots. The
     * database finds the ones inside the message's digits: loading every flagged account for
     * each message (once a 435 KB copy, and only the first 512) cost more than the rest of
     * the message's handling. */
    int na = 0;
    char digits[SCAM_DIGITS_MAX];
    scam_digits(a->nfc, digits, sizeof digits);
    if (strlen(digits) >= SCAM_ACCOUNT_MIN && n < max) {
        if (scam_match_accounts(ctx->db, digits, &found[n], max - n, &na) != DB_OK)
            return -1;
        n += na;
    }
    return n;
}

int scam_check_group(struct hctx *ctx, const struct text_analysis *a, int may_speak)
{
    struct scam_item found[4];
    int n = scam_lookup(ctx, a, found, 4);
    if (n <= 0 || !may_speak)
        return n < 0 ? -1 : 0;
    const struct msg *m = ctx->msg;
    char day[16];
    scam_today(ctx->now_ms, day);
    for (int i = 0; i < n; i++) {
        int rc = scam_warn_once(ctx->db, found[i].id, m->platform, m->chat_id, day, ctx->now_ms);
        if (rc == DB_DUPLICATE)
            continue; /* this group was warned about it today */
        if (rc != DB_OK)
            return -1;
        char name[48];
        snprintf(name, sizeof name, "scam_warning_%s", found[i].kind);
        struct texts_var vars[] = {{"reason", found[i].reason}, {"bank", found[i].bank}};
        char *text = texts_render(ctx->texts, name, vars, 2);
        rc = text ? hctx_send(ctx, m->platform, m->chat_id, text, NULL, OUTBOX_NOTICE) : -1;
        free(text);
        return rc == 0 ? 1 : -1; /* one unsolicited message: one warning */
    }
    return 0;
}

/* Tells the desk that value is spreading (once a day). */
static int scam_suspect(struct hctx *ctx, const char *kind, const char *value, int sources,
                        const char *area)
{
    char day[16];
    scam_today(ctx->now_ms, day);
    int rc = scam_suspect_once(ctx->db, kind, value, day, ctx->now_ms);
    if (rc != DB_OK)
        return rc == DB_DUPLICATE ? 0 : -1;
    char count[16], name[48];
    snprintf(count, sizeof count, "%d", sources);
    snprintf(name, sizeof name, "scam_suspect_%s", kind);
    struct texts_var vars[] = {{"value", value}, {"count", count}};
    char *text = texts_render(ctx->texts, name, vars, 2);
    struct tip t = {.category = "fraud", .area = (char *)area, .kind = "tip"};
    rc = text ? tipcard_tell_desk(ctx, &t, text) : -1;
    free(text);
    return rc;
}

int scam_note_items(struct hctx *ctx, const struct text_analysis *a, const char *source,
                    const char *area)
{
    struct scam_item flagged;
    int64_t since = ctx->now_ms - SCAM_DAY_MS;
    for (size_t i = 0; i < a->nphones + a->nurls; i++) {
        int is_phone = i < a->nphones;
        char value[SCAM_VALUE_MAX];
        if (is_phone)
            snprintf(value, sizeof value, "%s", a->phones[i]);
        else
            scam_norm_link(a->urls[i - a->nphones], value, sizeof value);
        const char *kind = is_phone ? "phone" : "link";
        int rc = scam_find(ctx->db, kind, value, &flagged);
        if (rc == DB_ERROR)
            return -1;
        if (rc == DB_OK)
            continue; /* already flagged: the warning covers it */
        int sources = 0;
        if (scam_sighting(ctx->db, kind, value, source, ctx->now_ms, since, &sources) != DB_OK)
            return -1;
        if (sources >= 2 && scam_suspect(ctx, kind, value, sources, area) != 0)
            return -1;
    }
    return 0;
}

/* One line: 0 flagged, a SCAM_BAD_* when the line is not an item, -1 when the write failed. */
static int scam_import_line(struct hctx *ctx, const char *line, int64_t by)
{
    json_t *o = json_loads(line, 0, NULL);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *value = json_string_value(json_object_get(o, "value"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    const char *bank = json_string_value(json_object_get(o, "bank"));
    char norm[SCAM_VALUE_MAX] = "";
    int rc = SCAM_BAD_FIELDS;
    if (type && value && reason && *reason)
        rc = scam_normalise(ctx, type, value, norm, sizeof norm);
    if (rc == SCAM_OK && scam_flag(ctx->db, type, norm, bank, reason, by, ctx->now_ms) != DB_OK)
        rc = -1;
    json_decref(o);
    return rc;
}

int scam_import_lines(struct hctx *ctx, FILE *in, int64_t by, scam_bad_fn bad, void *arg,
                      int *added, int *nbad)
{
    char line[SCAM_LINE_MAX];
    int no = 0;
    *added = *nbad = 0;
    while (fgets(line, sizeof line, in)) {
        no++;
        if (strspn(line, " \t\r\n") == strlen(line) || line[0] == '#')
            continue;
        int rc = scam_import_line(ctx, line, by);
        if (rc < 0)
            return -1;
        if (rc != SCAM_OK) {
            bad(arg, no, rc);
            (*nbad)++;
        } else {
            (*added)++;
        }
    }
    return ferror(in) ? -1 : 0;
}

static void scam_import_print(void *arg, int line, int bad)
{
    fprintf(arg, "line %d: %s\n", line, scam_bad_why(bad));
}

int scam_import(struct hctx *ctx, FILE *in, FILE *err, int *added, int *bad)
{
    if (db_begin(ctx->db) != DB_OK)
        return -1;
    if (scam_import_lines(ctx, in, 0, scam_import_print, err, added, bad) != 0) {
        db_rollback(ctx->db);
        return -1;
    }
    if (db_commit(ctx->db) != DB_OK) {
        db_rollback(ctx->db);
        return -1;
    }
    return 0;
}

enum { SCAM_PRUNE_BATCH = 500 }; /* sightings deleted by one tick, in one transaction */

static int scam_prune_write(struct hctx *ctx, void *arg)
{
    const int64_t *before = arg;
    return scam_prune(ctx->db, *before, SCAM_PRUNE_BATCH) == DB_OK ? 0 : -1;
}

/* Sightings are kept two days: the oldest one looked at outside any transaction, the write lock
 * only when it is past that, for a batch (a backlog goes over the next ticks). */
int scam_tick(struct hctx *ctx)
{
    int64_t before = ctx->now_ms - 2 * SCAM_DAY_MS, oldest = 0;
    int rc = scam_oldest_sighting(ctx->db, &oldest);
    if (rc == DB_ERROR)
        return -1;
    if (rc == DB_NOT_FOUND || oldest >= before)
        return 0;
    return hctx_in_write(ctx, scam_prune_write, &before);
}

static const struct router_command scam_rows[] = {
    {{"/canhbao_sdt", "/flag_phone", NULL}, scam_flag_phone, 1},
    {{"/canhbao_link", "/flag_link", NULL}, scam_flag_link, 1},
    {{"/canhbao_stk", "/flag_account", NULL}, scam_flag_account, 1},
};

const struct router_table scam_commands = ROUTER_TABLE(scam_rows);
