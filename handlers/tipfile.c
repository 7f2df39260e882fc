/*
 * tipfile.c — see tipfile.h. The desk message is assembled line by line from named texts
 * ("desk_line_place": "Địa điểm: {value}"), each line only when it has a value, so a ward can
 * reword every line and nothing empty is shown.
 */
#include "handlers/tipfile.h"

#include "base/log.h"
#include "handlers/desk.h"
#include "config/desks.h"
#include "handlers/scam.h"
#include "text/textengine.h"
#include "base/textnorm.h"
#include "storage/people.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TIPFILE_TEXT_MAX = 8192 };

bool tipfile_is_evidence(const char *kind)
{
    return kind && (strcmp(kind, "photo") == 0 || strcmp(kind, "voice") == 0 ||
                    strcmp(kind, "document") == 0);
}

/* Words of a folded text as a set, for the near-duplicate test. */
static double tipfile_similarity(const char *a, const char *b)
{
    char wa[64][32], wb[64][32];
    int na = 0, nb = 0;
    const char *texts[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        char(*w)[32] = k ? wb : wa;
        int *n = k ? &nb : &na;
        /* Words are runs of letters and digits: "xe máy!" and "xe máy" are the same text. */
        static const char seps[] = " \t\r\n.,;:!?()\"'-/";
        for (const char *p = texts[k]; *p && *n < 64;) {
            while (*p && strchr(seps, *p))
                p++;
            size_t len = strcspn(p, seps);
            if (len) {
                snprintf(w[*n], 32, "%.*s", (int)(len < 31 ? len : 31), p);
                int dup = 0;
                for (int i = 0; i < *n; i++)
                    dup |= strcmp(w[i], w[*n]) == 0;
                *n += !dup;
            }
            p += len;
        }
    }
    int common = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            if (strcmp(wa[i], wb[j]) == 0) {
                common++;
                break;
            }
    int all = na + nb - common;
    return all ? (double)common / all : 1.0;
}

/* A tip from the same person within the window whose text is nearly the same, if any. */
static int tipfile_find_duplicate(struct hctx *ctx, const char *folded, struct tip *out)
{
    if (!ctx->person || ctx->desks->rules.duplicate_minutes <= 0)
        return DB_NOT_FOUND;
    struct tip recent[TIPS_LIST_MAX];
    int n = 0;
    int64_t since = ctx->now_ms - ctx->desks->rules.duplicate_minutes * 60000LL;
    if (tips_recent_of_person(ctx->db, ctx->person->id, since, recent, TIPS_LIST_MAX, &n) != DB_OK)
        return DB_ERROR;
    int found = -1;
    for (int i = 0; i < n; i++)
        if (found < 0 && tipfile_similarity(folded, recent[i].folded) >= 0.8)
            found = i;
    for (int i = 0; i < n; i++)
        if (i == found)
            *out = recent[i];
        else
            tip_clear(&recent[i]);
    return found >= 0 ? DB_OK : DB_NOT_FOUND;
}

char *tipfile_entities(const struct text_analysis *a)
{
    json_t *o = json_object(), *arr;
    const struct {
        const char *key;
        char *const *items;
        int n;
    } lists[] = {{"phones", a->phones, (int)a->nphones},
                 {"plates", a->plates, (int)a->nplates},
                 {"urls", a->urls, (int)a->nurls}};
    for (size_t k = 0; k < 3; k++) {
        arr = json_array();
        for (int i = 0; i < lists[k].n; i++)
            json_array_append_new(arr, json_string(lists[k].items[i]));
        json_object_set_new(o, lists[k].key, arr);
    }
    json_object_set_new(o, "money_vnd",
                        a->money_vnd >= 0 ? json_integer(a->money_vnd) : json_null());
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* The tip's area: the resident's registration, else the place they answered, else a place the
 * description names. */
static const char *tipfile_area(struct hctx *ctx, const char *folded, const char *place)
{
    if (ctx->person && ctx->person->area && desks_area(ctx->desks, ctx->person->area))
        return ctx->person->area;
    const struct area *a = NULL;
    if (place && *place) {
        char folded_place[512];
        textnorm_fold(place, strlen(place), folded_place, sizeof folded_place);
        a = desks_area_in_text(ctx->desks, folded_place);
    }
    if (!a)
        a = desks_area_in_text(ctx->desks, folded);
    return a ? a->code : NULL;
}

enum { TIPFILE_HOUR_MS = 3600000, TIPFILE_PIECE_MAX = 512 };

int tipfile_limit_wait(struct hctx *ctx, int64_t *wait_ms)
{
    *wait_ms = 0;
    if (!ctx->person)
        return 0;
    int64_t since = ctx->now_ms - TIPFILE_HOUR_MS, count = 0, at = 0;
    int max = ctx->desks->rules.max_per_hour;
    if (tips_count_since(ctx->db, ctx->person->id, since, &count) != DB_OK)
        return -1;
    if (count < max)
        return 0;
    /* the window has room once the tip that makes it full is an hour old */
    if (tips_created_nth_since(ctx->db, ctx->person->id, since, count - max, &at) != DB_OK)
        return -1;
    *wait_ms = at > 0 ? at + TIPFILE_HOUR_MS - ctx->now_ms : TIPFILE_HOUR_MS;
    if (*wait_ms < 1)
        *wait_ms = 1;
    return 0;
}

void tipfile_minutes(int64_t wait_ms, char *buf, size_t len)
{
    int64_t minutes = (wait_ms + 59999) / 60000;
    snprintf(buf, len, "%lld", (long long)(minutes < 1 ? 1 : minutes));
}

/* Words a clean place or time does not end on: the sentence goes on after them. */
static bool tipfile_dangling(const char *word)
{
    static const char *const words[] = {"cung", "nha", "co",   "bi",    "cua", "o",    "thi", "la",
                                        "ma",   "va",  "duoc", "nao",   "moi", "hay",  "voi", "tai",
                                        "tu",   "den", "thi",  "nhung", "cac", "nguoi"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(word, words[i]) == 0)
            return true;
    return false;
}

/* Words that begin the rest of a sentence after a place ending on a number ("tổ 5 có …"). */
static bool tipfile_clause_word(const char *word)
{
    static const char *const words[] = {
        "co",    "bi",  "thi",  "luc", "vao",   "khi", "va",    "la",  "da",  "dang", "roi",
        "nha",   "o",   "tai",  "cua", "toi",   "em",  "anh",   "chi", "hom", "sang", "trua",
        "chieu", "dem", "ngay", "mot", "nguoi", "ke",  "thang", "bon", "tui"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(word, words[i]) == 0)
            return true;
    return false;
}

enum { TIPFILE_WORD_MAX = 64 };

/* The word of s starting at p (folded, at most TIPFILE_WORD_MAX - 1 bytes) into out. */
static void tipfile_word_at(const char *p, char out[TIPFILE_WORD_MAX])
{
    size_t n = 0;
    while (p[n] && p[n] != ' ' && !strchr(",.;:!?()\n", p[n]))
        n++;
    textnorm_fold(p, n, out, TIPFILE_WORD_MAX);
}

static bool tipfile_is_boundary(char c)
{
    return c == '\0' || strchr(" ,.;:!?()\n\t\"'", c) != NULL;
}

bool tipfile_clean_span(const char *text, const char *span)
{
    size_t n = span ? strlen(span) : 0;
    const char *at = n && text ? strstr(text, span) : NULL;
    if (!at || (at > text && !tipfile_is_boundary(at[-1])) || !tipfile_is_boundary(at[n]))
        return false;
    const char *last = span + n;
    while (last > span && last[-1] != ' ')
        last--;
    char word[TIPFILE_WORD_MAX], next[TIPFILE_WORD_MAX];
    tipfile_word_at(last, word);
    if (tipfile_dangling(word))
        return false;
    bool number = *word != '\0' && strspn(word, "0123456789") == strlen(word);
    if (!number || at[n] != ' ')
        return true;
    tipfile_word_at(at + n + 1, next);
    return *next == '\0' || tipfile_clause_word(next);
}

bool tipfile_clean_piece(const char *text, const char *span, bool place, char *out, size_t len)
{
    size_t n = span ? strlen(span) : 0;
    *out = '\0';
    if (n == 0 || n >= len)
        return false;
    memcpy(out, span, n + 1);
    for (;;) {
        if (tipfile_clean_span(text, out))
            return true;
        char *last = strrchr(out, ' '), word[TIPFILE_WORD_MAX];
        if (!place || !last)
            break;
        tipfile_word_at(last + 1, word);
        if (!tipfile_dangling(word) && !tipfile_clause_word(word))
            break;
        *last = '\0'; /* "tổ 5 nhà" → "tổ 5" */
    }
    *out = '\0';
    return false;
}

static int tipfile_refuse(struct hctx *ctx, const char *name, const struct tip *earlier)
{
    char shown[TIPS_CODE_LEN + 2] = "";
    if (earlier)
        tips_code_show(earlier->code, shown);
    char max[16], minutes[24] = "";
    snprintf(max, sizeof max, "%d", ctx->desks->rules.max_per_hour);
    int64_t wait = 0;
    if (strcmp(name, "tip_limit") == 0 && tipfile_limit_wait(ctx, &wait) != 0)
        return -1;
    tipfile_minutes(wait, minutes, sizeof minutes);
    struct texts_var vars[] = {{"code", shown}, {"max", max}, {"minutes", minutes}};
    return hctx_reply(ctx, name, vars, 3);
}

/* Abuse checks: returns TIPFILE_FILED to go on. An emergency or feedback (unlimited) is checked
 * for a repeat only. */
static enum tipfile_result tipfile_check(struct hctx *ctx, const char *folded, bool unlimited,
                                         struct tip *out)
{
    if (!ctx->person)
        return TIPFILE_FILED;
    int rc = tipfile_find_duplicate(ctx, folded, out);
    if (rc == DB_OK) {
        tipfile_refuse(ctx, "tip_duplicate", out);
        return TIPFILE_DUPLICATE;
    }
    int64_t count = 0;
    if (rc != DB_ERROR && unlimited)
        return TIPFILE_FILED;
    if (rc == DB_ERROR ||
        tips_count_since(ctx->db, ctx->person->id, ctx->now_ms - TIPFILE_HOUR_MS, &count) != DB_OK)
        return TIPFILE_ERROR;
    if (count >= ctx->desks->rules.max_per_hour) {
        tipfile_refuse(ctx, "tip_limit", NULL);
        return TIPFILE_LIMIT;
    }
    return TIPFILE_FILED;
}

/* The place and the time the engine read, as they may be shown back (tipfile_clean_piece). */
struct tipfile_pieces {
    char place[TIPFILE_PIECE_MAX], when[TIPFILE_PIECE_MAX];
};

/* t's place and time may point into pieces, which must outlive t's use. */
static void tipfile_fill(struct hctx *ctx, const struct tip_draft *d, const struct text_analysis *a,
                         struct tipfile_pieces *pieces, struct tip *t)
{
    const struct msg *m = ctx->msg;
    memset(t, 0, sizeof *t);
    t->kind = (char *)(d->kind ? d->kind : "tip");
    t->person_id = ctx->person ? ctx->person->id : 0;
    t->platform = m->platform;
    t->chat_id = m->chat_id;
    t->anonymous = d->anonymous || !d->phone;
    t->contact_phone = t->anonymous ? NULL : (char *)d->phone;
    t->category = (char *)(d->category ? d->category : a->category ? a->category : "other");
    t->category_confidence = d->category ? d->category_confidence : a->category_confidence;
    t->category_alt = (char *)(d->category ? d->category_alt : a->category2);
    if (strcmp(t->kind, "feedback") == 0) {
        t->category = t->category_alt = NULL;
        t->category_confidence = 0;
    }
    t->urgent = d->urgent || a->urgent;
    /* what the engine read is shown back only when it is a clean piece of the writer's words */
    t->place =
        (char *)(d->place ? d->place
                 : tipfile_clean_piece(a->nfc, a->place, true, pieces->place, sizeof pieces->place)
                     ? pieces->place
                     : NULL);
    t->happened =
        (char *)(d->happened ? d->happened
                 : tipfile_clean_piece(a->nfc, a->when, false, pieces->when, sizeof pieces->when)
                     ? pieces->when
                     : NULL);
    t->description = a->nfc;
    t->folded = a->folded;
    t->has_location = d->has_location;
    t->latitude = d->latitude;
    t->longitude = d->longitude;
}

static void tipfile_receipt(struct hctx *ctx, const struct tip *t)
{
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    struct texts_var vars[] = {{"code", shown}};
    int feedback = strcmp(t->kind, "feedback") == 0;
    hctx_reply(ctx, feedback ? "feedback_filed" : "tip_filed", vars, 1);
    if (t->urgent && !feedback)
        hctx_reply(ctx, "tip_urgent_call", vars, 1);
}

/* The desk's card shows a contactable tipster's phone: that disclosure is audited like every
 * view of contact details (who: the desk chat it went to). */
static int tipfile_audit_contact(struct hctx *ctx, const struct tip *t)
{
    if (t->anonymous || !t->contact_phone)
        return 0;
    char where[160];
    snprintf(where, sizeof where, "%s:%s", t->desk_platform ? t->desk_platform : "officers",
             t->desk_chat_id ? t->desk_chat_id : (t->area ? t->area : "-"));
    return tips_audit(ctx->db, t->person_id, "contact_to_desk", t->id, where, ctx->now_ms) == DB_OK
               ? 0
               : -1;
}

/* What the filer has in hand when it tells the desk about the tip it has just written: the
 * reading of the description (phones, plates, links, amount) and the attachments stored with
 * it. The desk's message is built from them rather than read back and parsed again. */
struct tipfile_known {
    const struct text_analysis *a;
    const struct tip_draft *d;
};

static char *tipfile_card(struct hctx *ctx, const struct tip *t, const char *heading_name,
                          const struct tipfile_known *known);

/* Writes t (filled from d and its reading a) with d's attachments, its audit entry, and what the
 * scam watch learns from it. */
static int tipfile_store(struct hctx *ctx, const struct tip_draft *d, const struct text_analysis *a,
                         struct tip *t)
{
    int rc = tips_create(ctx->db, t, ctx->now_ms);
    for (int i = 0; rc == DB_OK && i < d->n_media; i++)
        rc = tips_add_attachment(ctx->db, t->id, d->media[i].kind, d->media[i].ref, ctx->now_ms);
    if (rc == DB_OK)
        rc = tips_audit(ctx->db, t->person_id, "file", t->id, t->kind, ctx->now_ms);
    char source[48];
    snprintf(source, sizeof source, "tip:%lld", (long long)t->id);
    if (rc == DB_OK && scam_note_items(ctx, a, source, t->area) != 0)
        rc = DB_ERROR; /* the same phone or link in several tips may be a new scam */
    return rc;
}

/* The tip as just written (t's strings are borrowed) into out, owning its strings, with what
 * the database gave it (id, code, times, a new tip's status): what the caller gets and the desk's
 * message shows, without reading the row back. DB_ERROR when out of memory; out's strings are
 * then copies or NULL, freed by the caller's tip_clear as always. */
static int tipfile_written(const struct tip *t, struct tip *out)
{
    *out = *t;
    char **fields[] = {&out->kind,         &out->platform,    &out->chat_id,  &out->contact_phone,
                       &out->category,     &out->area,        &out->place,    &out->happened,
                       &out->description,  &out->folded,      &out->entities, &out->desk_platform,
                       &out->desk_chat_id, &out->category_alt};
    int rc = DB_OK;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (*fields[i] && !(*fields[i] = strdup(*fields[i])))
            rc = DB_ERROR;
    out->status = strdup("new");
    out->assigned_to = out->outcome = NULL;
    if (rc != DB_OK || !out->status)
        rc = DB_ERROR; /* tip_clear frees the copies made (each field is a copy or NULL) */
    return rc;
}

/* The desk's card of t, the photos to the desk, the audit of a shown phone, the receipt. */
static enum tipfile_result tipfile_announce(struct hctx *ctx, const struct tip_draft *d,
                                            const struct text_analysis *a, const struct tip *t)
{
    const char *photos[TIPFILE_PHOTOS_MAX];
    int n_photos = 0;
    for (int i = 0; i < d->n_media; i++)
        if (strcmp(d->media[i].kind, "photo") == 0)
            photos[n_photos++] = d->media[i].ref;
    struct tipfile_known known = {a, d};
    const char *heading = strcmp(t->kind, "feedback") == 0 ? "desk_heading_feedback"
                          : t->urgent                      ? "desk_heading_urgent"
                                                           : "desk_heading_new";
    char *msg = tipfile_card(ctx, t, heading, &known);
    int rc = msg && tipcard_tell_desk(ctx, t, msg) == 0 &&
                     tipcard_send_photo_refs(ctx, t, photos, n_photos) == 0 &&
                     tipfile_audit_contact(ctx, t) == 0
                 ? 0
                 : -1;
    free(msg);
    if (rc != 0)
        return TIPFILE_ERROR;
    if (!d->emergency)
        tipfile_receipt(ctx, t);
    return TIPFILE_FILED;
}

enum tipfile_result tipfile_file(struct hctx *ctx, const struct tip_draft *d, struct tip *out)
{
    struct text_analysis own;
    memset(out, 0, sizeof *out);
    memset(&own, 0, sizeof own);
    const struct text_analysis *a =
        d->analysis ? d->analysis : hctx_analyse(ctx, d->description, &own);
    if (!a)
        return TIPFILE_ERROR;
    /* feedback is an opinion, not a tip: like an emergency, never refused by the hourly limit */
    bool unlimited = d->emergency || (d->kind && strcmp(d->kind, "feedback") == 0);
    enum tipfile_result res = tipfile_check(ctx, a->folded, unlimited, out);
    if (res != TIPFILE_FILED) {
        text_analysis_clear(&own);
        return res;
    }
    struct tip t;
    struct tipfile_pieces pieces;
    tipfile_fill(ctx, d, a, &pieces, &t);
    char *entities = tipfile_entities(a);
    t.entities = entities;
    t.area = (char *)tipfile_area(ctx, a->folded, t.place);
    struct desk desk;
    if (desks_route(ctx->desks, t.category, t.area, &desk)) {
        t.desk_platform = desk.platform;
        t.desk_chat_id = desk.chat_id;
    }
    if (strcmp(t.kind, "tip") == 0)
        t.deadline_at = ctx->now_ms + ctx->desks->rules.resolve_days * 86400000LL;
    int rc = tipfile_store(ctx, d, a, &t);
    if (rc == DB_OK)
        rc = tipfile_written(&t, out);
    free(entities);
    res = rc == DB_OK ? tipfile_announce(ctx, d, a, out) : TIPFILE_ERROR;
    text_analysis_clear(&own);
    return res;
}

/* ---- the desk's message ------------------------------------------------------------------ */

struct tipfile_buf {
    char *s;
    size_t len;
};

static void tipfile_line_vars(struct hctx *ctx, struct tipfile_buf *b, const char *name,
                              const struct texts_var *vars, size_t n_vars)
{
    char *line = texts_render(ctx->texts, name, vars, n_vars);
    if (!line)
        return;
    size_t n = strlen(line);
    if (b->len + n + 2 < TIPFILE_TEXT_MAX) {
        memcpy(b->s + b->len, line, n);
        b->len += n;
        b->s[b->len++] = '\n';
        b->s[b->len] = '\0';
    }
    free(line);
}

static void tipfile_line(struct hctx *ctx, struct tipfile_buf *b, const char *name,
                         const char *value)
{
    if (!value || !*value)
        return;
    struct texts_var vars[] = {{"value", value}};
    tipfile_line_vars(ctx, b, name, vars, 1);
}

/* The category, marked as the engine's unsure guess (with its runner-up) until a person has
 * chosen or confirmed it: the desk is not told "Trộm cắp" as a fact when it may be "Cướp". */
static void tipfile_category_line(struct hctx *ctx, struct tipfile_buf *b, const struct tip *t)
{
    if (!t->category)
        return;
    const char *label = tipcard_category_label(ctx, t->category);
    if (t->category_confidence <= 0 || t->category_confidence >= TEXTENGINE_SURE_CATEGORY) {
        tipfile_line(ctx, b, "desk_line_category", label);
        return;
    }
    struct texts_var vars[] = {
        {"value", label},
        {"alt", t->category_alt ? tipcard_category_label(ctx, t->category_alt) : NULL}};
    tipfile_line_vars(
        ctx, b, t->category_alt ? "desk_line_category_unsure_alt" : "desk_line_category_unsure",
        vars, t->category_alt ? 2 : 1);
}

/* "0901234567, 0987654321" from a JSON array in the entities. */
static void tipfile_join(json_t *arr, char *out, size_t size)
{
    size_t i, at = 0;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && at < size)
            at +=
                (size_t)snprintf(out + at, size - at, "%s%s", i ? ", " : "", json_string_value(v));
    }
}

/* The same from a reading's list of n items. */
static void tipfile_join_items(char *const *items, size_t n, char *out, size_t size)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (at < size)
            at += (size_t)snprintf(out + at, size - at, "%s%s", i ? ", " : "", items[i]);
}

/* "1.500.000" */
static void tipfile_money_line(struct hctx *ctx, struct tipfile_buf *b, long long vnd)
{
    char digits[32], grouped[48];
    snprintf(digits, sizeof digits, "%lld", vnd);
    size_t n = strlen(digits), at = 0;
    for (size_t i = 0; i < n; i++) {
        grouped[at++] = digits[i];
        if ((n - 1 - i) % 3 == 0 && i + 1 < n)
            grouped[at++] = '.';
    }
    grouped[at] = '\0';
    tipfile_line(ctx, b, "desk_line_money", grouped);
}

/* The phones, plates, links and amount: from the reading in hand (a), else from the entities
 * JSON stored with the tip. */
static void tipfile_entity_lines(struct hctx *ctx, struct tipfile_buf *b, const char *entities,
                                 const struct text_analysis *a)
{
    static const char *const names[] = {"desk_line_phones", "desk_line_plates", "desk_line_urls"};
    static const char *const keys[] = {"phones", "plates", "urls"};
    json_t *e = !a && entities ? json_loads(entities, 0, NULL) : NULL;
    char value[1024];
    for (size_t k = 0; k < 3; k++) {
        if (a) {
            char *const *items[] = {a->phones, a->plates, a->urls};
            size_t counts[] = {a->nphones, a->nplates, a->nurls};
            tipfile_join_items(items[k], counts[k], value, sizeof value);
        } else {
            tipfile_join(json_object_get(e, keys[k]), value, sizeof value);
        }
        tipfile_line(ctx, b, names[k], value);
    }
    json_t *money = json_object_get(e, "money_vnd");
    if (a ? a->money_vnd >= 0 : json_is_integer(money))
        tipfile_money_line(ctx, b,
                           a ? (long long)a->money_vnd : (long long)json_integer_value(money));
    json_decref(e);
}

/* The tipster: "anonymous", or only the phone they agreed to share. Never a name or id. */
static void tipfile_tipster_line(struct hctx *ctx, struct tipfile_buf *b, const struct tip *t)
{
    if (strcmp(t->kind, "group_lead") != 0)
        tipfile_line(ctx, b, t->anonymous ? "desk_line_anonymous" : "desk_line_contact",
                     t->anonymous ? "-" : t->contact_phone);
}

/* One line per voice message or file (kind) of t, named line: a link the desk opens where the
 * platform gave one (Zalo), else what to look for in the tipster's platform. */
static void tipfile_media_line(struct hctx *ctx, struct tipfile_buf *b, const char *line,
                               const char *ref)
{
    int url = strncmp(ref, "https://", 8) == 0 || strncmp(ref, "http://", 7) == 0;
    tipfile_line(ctx, b, line, url ? ref : texts_get(ctx->texts, "desk_media_in_app"));
}

/* The same, from the draft just filed (d) or else as stored. */
static void tipfile_media_lines(struct hctx *ctx, struct tipfile_buf *b, const struct tip *t,
                                const struct tip_draft *d, const char *kind, const char *line)
{
    for (int i = 0; d && i < d->n_media; i++)
        if (strcmp(d->media[i].kind, kind) == 0)
            tipfile_media_line(ctx, b, line, d->media[i].ref);
    char *refs[TIPFILE_PHOTOS_MAX];
    int n = 0;
    if (d || tips_attachments(ctx->db, t->id, kind, refs, TIPFILE_PHOTOS_MAX, &n) != DB_OK)
        return;
    for (int i = 0; i < n; i++) {
        tipfile_media_line(ctx, b, line, refs[i]);
        free(refs[i]);
    }
}

/* How many photos t has: the draft's just filed (d), or as stored. */
static int64_t tipfile_photo_count(struct hctx *ctx, const struct tip *t, const struct tip_draft *d)
{
    int64_t photos = 0;
    for (int i = 0; d && i < d->n_media; i++)
        photos += strcmp(d->media[i].kind, "photo") == 0;
    if (!d)
        tips_count_attachments(ctx->db, t->id, "photo", &photos);
    return photos;
}

/* The facts of t as desk lines. An urgent tip is read in seconds by someone about to move:
 * what is happening and where come first, then how to call the tipster back (when they
 * agreed), then the rest; a routine one reads in the order of the register. description_len
 * bytes of the description are shown (the original text, without later additions). */
static void tipfile_facts(struct hctx *ctx, struct tipfile_buf *b, const struct tip *t,
                          size_t description_len, const struct tipfile_known *known)
{
    const struct tip_draft *d = known ? known->d : NULL;
    char received[32], where[160] = "", count[16];
    tipcard_time(t->created_at, received, sizeof received);
    if (t->has_location)
        snprintf(where, sizeof where, "%.6f, %.6f", t->latitude, t->longitude);
    const struct area *area = desks_area(ctx->desks, t->area);
    char *description = t->description ? strndup(t->description, description_len) : NULL;
    int64_t photos = tipfile_photo_count(ctx, t, d);
    snprintf(count, sizeof count, "%lld", (long long)photos);
    if (t->urgent) {
        tipfile_line(ctx, b, "desk_line_description", description);
        tipfile_line(ctx, b, "desk_line_place", t->place);
        tipfile_line(ctx, b, "desk_line_location", where[0] ? where : NULL);
        tipfile_line(ctx, b, "desk_line_when", t->happened);
        tipfile_tipster_line(ctx, b, t);
    }
    tipfile_category_line(ctx, b, t);
    tipfile_line(ctx, b, "desk_line_area", area ? area->name : NULL);
    tipfile_line(ctx, b, "desk_line_received", received);
    if (!t->urgent) {
        tipfile_line(ctx, b, "desk_line_when", t->happened);
        tipfile_line(ctx, b, "desk_line_place", t->place);
        tipfile_line(ctx, b, "desk_line_location", where[0] ? where : NULL);
        tipfile_line(ctx, b, "desk_line_description", description);
    }
    tipfile_entity_lines(ctx, b, t->entities, known ? known->a : NULL);
    tipfile_line(ctx, b, "desk_line_photos", photos ? count : NULL);
    tipfile_media_lines(ctx, b, t, d, "voice", "desk_line_voice");
    tipfile_media_lines(ctx, b, t, d, "document", "desk_line_document");
    if (!t->urgent)
        tipfile_tipster_line(ctx, b, t);
    free(description);
}

static char *tipfile_buf_take(struct tipfile_buf *b)
{
    while (b->len > 0 && b->s[b->len - 1] == '\n')
        b->s[--b->len] = '\0';
    return b->s;
}

static char *tipfile_card(struct hctx *ctx, const struct tip *t, const char *heading_name,
                          const struct tipfile_known *known)
{
    struct tipfile_buf b = {malloc(TIPFILE_TEXT_MAX), 0};
    if (!b.s)
        return NULL;
    b.s[0] = '\0';
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    tipfile_line(ctx, &b, heading_name, shown);
    tipfile_facts(ctx, &b, t, t->description ? strlen(t->description) : 0, known);
    tipfile_line(ctx, &b, t->urgent ? "desk_line_commands_urgent" : "desk_line_commands", shown);
    return tipfile_buf_take(&b);
}

char *tipfile_desk_message(struct hctx *ctx, const struct tip *t, const char *heading_name)
{
    return tipfile_card(ctx, t, heading_name, NULL);
}

char *tipfile_desk_message_new(struct hctx *ctx, const struct tip *t, const char *heading_name,
                               const struct text_analysis *a)
{
    static const struct tip_draft none; /* no attachments */
    struct tipfile_known known = {a, &none};
    return tipfile_card(ctx, t, heading_name, &known);
}

char *tipfile_desk_facts(struct hctx *ctx, const struct tip *t, size_t description_len)
{
    struct tipfile_buf b = {malloc(TIPFILE_TEXT_MAX), 0};
    if (!b.s)
        return NULL;
    b.s[0] = '\0';
    tipfile_facts(ctx, &b, t, description_len, NULL);
    return tipfile_buf_take(&b);
}

char *tipfile_entities_merge(const char *entities, const struct text_analysis *a)
{
    char *added = tipfile_entities(a);
    json_t *into = entities ? json_loads(entities, 0, NULL) : NULL;
    json_t *more = added ? json_loads(added, 0, NULL) : NULL;
    free(added);
    if (!json_is_object(into)) {
        json_decref(into);
        into = json_object();
    }
    static const char *const keys[] = {"phones", "plates", "urls"};
    for (size_t k = 0; more && k < sizeof keys / sizeof keys[0]; k++) {
        json_t *have = json_object_get(into, keys[k]), *v;
        if (!json_is_array(have)) {
            have = json_array();
            json_object_set_new(into, keys[k], have);
        }
        size_t i, j;
        json_array_foreach(json_object_get(more, keys[k]), i, v)
        {
            int dup = 0;
            json_t *w;
            json_array_foreach(have, j, w) dup |= json_equal(v, w);
            if (!dup)
                json_array_append(have, v);
        }
    }
    /* the amount the tip reports stays the one first stated */
    if (more && !json_is_integer(json_object_get(into, "money_vnd")))
        json_object_set(into, "money_vnd", json_object_get(more, "money_vnd"));
    char *out = more ? json_dumps(into, JSON_COMPACT) : NULL;
    json_decref(into);
    json_decref(more);
    return out;
}
