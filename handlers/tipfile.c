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

const char *tipfile_category_label(const struct hctx *ctx, const char *category)
{
    size_t n = 0;
    const struct textengine_category *cats = textengine_categories(ctx->te, &n);
    for (size_t i = 0; category && i < n; i++)
        if (strcmp(cats[i].name, category) == 0)
            return cats[i].label;
    return texts_get(ctx->texts, "category_unknown");
}

const char *tipfile_status_label(const struct hctx *ctx, const char *status)
{
    char name[48];
    snprintf(name, sizeof name, "status_%s", status ? status : "new");
    return texts_get(ctx->texts, name);
}

void tipfile_time(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, size, "%H:%M %d/%m/%Y", &tm);
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

static int tipfile_refuse(struct hctx *ctx, const char *name, const struct tip *earlier)
{
    char shown[TIPS_CODE_LEN + 2] = "";
    if (earlier)
        tips_code_show(earlier->code, shown);
    char max[16];
    snprintf(max, sizeof max, "%d", ctx->desks->rules.max_per_hour);
    struct texts_var vars[] = {{"code", shown}, {"max", max}};
    return hctx_reply(ctx, name, vars, 2);
}

/* Abuse checks: returns TIPFILE_FILED to go on. An emergency is checked for a repeat only. */
static enum tipfile_result tipfile_check(struct hctx *ctx, const char *folded, bool emergency,
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
    if (rc != DB_ERROR && emergency)
        return TIPFILE_FILED;
    if (rc == DB_ERROR ||
        tips_count_since(ctx->db, ctx->person->id, ctx->now_ms - 3600000LL, &count) != DB_OK)
        return TIPFILE_ERROR;
    if (count >= ctx->desks->rules.max_per_hour) {
        tipfile_refuse(ctx, "tip_limit", NULL);
        return TIPFILE_LIMIT;
    }
    return TIPFILE_FILED;
}

static void tipfile_fill(struct hctx *ctx, const struct tip_draft *d, const struct text_analysis *a,
                         struct tip *t)
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
    if (strcmp(t->kind, "feedback") == 0)
        t->category = NULL;
    t->urgent = d->urgent || a->urgent;
    t->place = (char *)(d->place ? d->place : a->where);
    t->happened = (char *)(d->happened ? d->happened : a->when);
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

enum tipfile_result tipfile_file(struct hctx *ctx, const struct tip_draft *d, struct tip *out)
{
    struct text_analysis a;
    memset(out, 0, sizeof *out);
    if (textengine_analyze(ctx->te, d->description, false, &a) != 0)
        return TIPFILE_ERROR;
    enum tipfile_result res = tipfile_check(ctx, a.folded, d->emergency, out);
    if (res != TIPFILE_FILED) {
        text_analysis_clear(&a);
        return res;
    }
    struct tip t;
    tipfile_fill(ctx, d, &a, &t);
    char *entities = tipfile_entities(&a);
    t.entities = entities;
    t.area = (char *)tipfile_area(ctx, a.folded, t.place);
    struct desk desk;
    if (desks_route(ctx->desks, t.category, t.area, &desk)) {
        t.desk_platform = desk.platform;
        t.desk_chat_id = desk.chat_id;
    }
    if (strcmp(t.kind, "tip") == 0)
        t.deadline_at = ctx->now_ms + ctx->desks->rules.resolve_days * 86400000LL;
    int rc = tips_create(ctx->db, &t, ctx->now_ms);
    for (int i = 0; rc == DB_OK && i < d->n_media; i++)
        rc = tips_add_attachment(ctx->db, t.id, d->media[i].kind, d->media[i].ref, ctx->now_ms);
    if (rc == DB_OK)
        rc = tips_audit(ctx->db, t.person_id, "file", t.id, t.kind, ctx->now_ms);
    int64_t id = t.id;
    char source[48];
    snprintf(source, sizeof source, "tip:%lld", (long long)id);
    if (rc == DB_OK && scam_note_items(ctx, &a, source, t.area) != 0)
        rc = DB_ERROR; /* the same phone or link in several tips may be a new scam */
    free(entities);
    text_analysis_clear(&a);
    if (rc != DB_OK || tips_get_id(ctx->db, id, out) != DB_OK)
        return TIPFILE_ERROR;
    char *msg =
        tipfile_desk_message(ctx, out, out->urgent ? "desk_heading_urgent" : "desk_heading_new");
    if (!msg || tipfile_tell_desk(ctx, out, msg) != 0 || tipfile_send_photos(ctx, out) != 0 ||
        tipfile_audit_contact(ctx, out) != 0) {
        free(msg);
        return TIPFILE_ERROR;
    }
    free(msg);
    if (!d->emergency)
        tipfile_receipt(ctx, out);
    return TIPFILE_FILED;
}

/* ---- the desk's message ------------------------------------------------------------------ */

struct tipfile_buf {
    char *s;
    size_t len;
};

static void tipfile_line(struct hctx *ctx, struct tipfile_buf *b, const char *name,
                         const char *value)
{
    if (!value || !*value)
        return;
    struct texts_var vars[] = {{"value", value}};
    char *line = texts_render(ctx->texts, name, vars, 1);
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

static void tipfile_entity_lines(struct hctx *ctx, struct tipfile_buf *b, const char *entities)
{
    json_t *e = entities ? json_loads(entities, 0, NULL) : NULL;
    char value[1024];
    tipfile_join(json_object_get(e, "phones"), value, sizeof value);
    tipfile_line(ctx, b, "desk_line_phones", value);
    tipfile_join(json_object_get(e, "plates"), value, sizeof value);
    tipfile_line(ctx, b, "desk_line_plates", value);
    tipfile_join(json_object_get(e, "urls"), value, sizeof value);
    tipfile_line(ctx, b, "desk_line_urls", value);
    json_t *money = json_object_get(e, "money_vnd");
    if (json_is_integer(money)) {
        char digits[32], grouped[48];
        snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(money));
        size_t n = strlen(digits), at = 0;
        for (size_t i = 0; i < n; i++) {
            grouped[at++] = digits[i];
            if ((n - 1 - i) % 3 == 0 && i + 1 < n)
                grouped[at++] = '.';
        }
        grouped[at] = '\0';
        tipfile_line(ctx, b, "desk_line_money", grouped);
    }
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
static void tipfile_media_lines(struct hctx *ctx, struct tipfile_buf *b, const struct tip *t,
                                const char *kind, const char *line)
{
    char *refs[TIPFILE_PHOTOS_MAX];
    int n = 0;
    if (tips_attachments(ctx->db, t->id, kind, refs, TIPFILE_PHOTOS_MAX, &n) != DB_OK)
        return;
    for (int i = 0; i < n; i++) {
        int url = strncmp(refs[i], "https://", 8) == 0 || strncmp(refs[i], "http://", 7) == 0;
        tipfile_line(ctx, b, line, url ? refs[i] : texts_get(ctx->texts, "desk_media_in_app"));
        free(refs[i]);
    }
}

/* The facts of t as desk lines. An urgent tip is read in seconds by someone about to move:
 * what is happening and where come first, then how to call the tipster back (when they
 * agreed), then the rest; a routine one reads in the order of the register. description_len
 * bytes of the description are shown (the original text, without later additions). */
static void tipfile_facts(struct hctx *ctx, struct tipfile_buf *b, const struct tip *t,
                          size_t description_len)
{
    char received[32], where[160] = "", count[16];
    tipfile_time(t->created_at, received, sizeof received);
    if (t->has_location)
        snprintf(where, sizeof where, "%.6f, %.6f", t->latitude, t->longitude);
    const struct area *area = desks_area(ctx->desks, t->area);
    char *description = t->description ? strndup(t->description, description_len) : NULL;
    int64_t photos = 0;
    tips_count_attachments(ctx->db, t->id, "photo", &photos);
    snprintf(count, sizeof count, "%lld", (long long)photos);
    if (t->urgent) {
        tipfile_line(ctx, b, "desk_line_description", description);
        tipfile_line(ctx, b, "desk_line_place", t->place);
        tipfile_line(ctx, b, "desk_line_location", where[0] ? where : NULL);
        tipfile_line(ctx, b, "desk_line_when", t->happened);
        tipfile_tipster_line(ctx, b, t);
    }
    if (t->category)
        tipfile_line(ctx, b, "desk_line_category", tipfile_category_label(ctx, t->category));
    tipfile_line(ctx, b, "desk_line_area", area ? area->name : NULL);
    tipfile_line(ctx, b, "desk_line_received", received);
    if (!t->urgent) {
        tipfile_line(ctx, b, "desk_line_when", t->happened);
        tipfile_line(ctx, b, "desk_line_place", t->place);
        tipfile_line(ctx, b, "desk_line_location", where[0] ? where : NULL);
        tipfile_line(ctx, b, "desk_line_description", description);
    }
    tipfile_entity_lines(ctx, b, t->entities);
    tipfile_line(ctx, b, "desk_line_photos", photos ? count : NULL);
    tipfile_media_lines(ctx, b, t, "voice", "desk_line_voice");
    tipfile_media_lines(ctx, b, t, "document", "desk_line_document");
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

char *tipfile_desk_message(struct hctx *ctx, const struct tip *t, const char *heading_name)
{
    struct tipfile_buf b = {malloc(TIPFILE_TEXT_MAX), 0};
    if (!b.s)
        return NULL;
    b.s[0] = '\0';
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    tipfile_line(ctx, &b, heading_name, shown);
    tipfile_facts(ctx, &b, t, t->description ? strlen(t->description) : 0);
    tipfile_line(ctx, &b, t->urgent ? "desk_line_commands_urgent" : "desk_line_commands", shown);
    return tipfile_buf_take(&b);
}

char *tipfile_desk_facts(struct hctx *ctx, const struct tip *t, size_t description_len)
{
    struct tipfile_buf b = {malloc(TIPFILE_TEXT_MAX), 0};
    if (!b.s)
        return NULL;
    b.s[0] = '\0';
    tipfile_facts(ctx, &b, t, description_len);
    return tipfile_buf_take(&b);
}

/* No desk chat configured: the officers enrolled for the area (or any officer) hear about it
 * in their private chats. With no officer either, the tip waits for /tinmoi. */
static int tipfile_tell_officers(struct hctx *ctx, const struct tip *t, const char *text)
{
    char *platforms[16], *ids[16];
    int n = 0, rc = 0;
    if (people_officers(ctx->db, t->area, platforms, ids, 16, &n) != DB_OK)
        return -1;
    if (n == 0)
        log_warn("tips",
                 "no desk and no enrolled officer for tip %s: it is stored and listed "
                 "by /tinmoi",
                 t->code);
    for (int i = 0; i < n; i++) {
        char *buttons = rc == 0 ? desk_tip_buttons(ctx, t, platforms[i], 1) : NULL;
        if (rc == 0)
            rc = hctx_send(ctx, platforms[i], ids[i], text, buttons,
                           t->urgent ? OUTBOX_URGENT : OUTBOX_REPLY);
        free(buttons);
        free(platforms[i]);
        free(ids[i]);
    }
    return rc;
}

/* The desk's message about t, to its desk (or, with none, to the officers). */
static int tipfile_tell_desk_chat(struct hctx *ctx, const struct tip *t, const char *text)
{
    struct desk desk;
    if (t->desk_platform && t->desk_chat_id) {
        snprintf(desk.platform, sizeof desk.platform, "%s", t->desk_platform);
        snprintf(desk.chat_id, sizeof desk.chat_id, "%s", t->desk_chat_id);
    } else if (!desks_route(ctx->desks, t->category, t->area, &desk)) {
        return tipfile_tell_officers(ctx, t, text);
    }
    /* Every desk message about a stored tip carries its buttons where the desk has them: the
     * card, the reminders, the tipster's additions — what to do next is one tap away. */
    char *buttons = desk_tip_buttons(ctx, t, desk.platform, 1);
    int rc = hctx_send(ctx, desk.platform, desk.chat_id, text, buttons,
                       t->urgent ? OUTBOX_URGENT : OUTBOX_REPLY);
    free(buttons);
    return rc;
}

int tipfile_tell_desk(struct hctx *ctx, const struct tip *t, const char *text)
{
    /* The messages name the tip they are about, so that a group lead's leave with it. */
    int64_t was = ctx->about_tip;
    ctx->about_tip = t->id;
    int rc = tipfile_tell_desk_chat(ctx, t, text);
    ctx->about_tip = was;
    return rc;
}

/* Sends each of refs that platform can show to chat (or, with send 0, only counts); *skipped
 * counts the others. */
static int tipfile_photos_to(struct hctx *ctx, const struct tip *t, const char *platform,
                             const char *chat_id, const char *const *refs, int n,
                             enum outbox_priority priority, int send, int *skipped)
{
    struct platform_caps caps = platform_caps_now(platform);
    char shown[TIPS_CODE_LEN + 2];
    tips_code_show(t->code, shown);
    int rc = 0;
    *skipped = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        /* A platform file id is only valid on the platform that issued it; URLs go anywhere. */
        int url = strncmp(refs[i], "http://", 7) == 0 || strncmp(refs[i], "https://", 8) == 0;
        int same = t->platform && strcmp(t->platform, platform) == 0;
        if (!caps.photos || !(url || same)) {
            (*skipped)++;
            continue;
        }
        if (!send)
            continue;
        struct texts_var vars[] = {{"code", shown}};
        char *caption = texts_render(ctx->texts, "desk_photo_caption", vars, 1);
        rc = hctx_send_photo(ctx, platform, chat_id, caption, refs[i], NULL, priority);
        free(caption);
    }
    return rc;
}

int tipfile_send_photo_refs(struct hctx *ctx, const struct tip *t, const char *const *refs, int n)
{
    int skipped = 0;
    if (!t->desk_platform)
        return 0;
    return tipfile_photos_to(ctx, t, t->desk_platform, t->desk_chat_id, refs, n,
                             t->urgent ? OUTBOX_URGENT : OUTBOX_REPLY, 1, &skipped);
}

int tipfile_send_photos_here(struct hctx *ctx, const struct tip *t, int send, int *skipped)
{
    char *refs[TIPFILE_PHOTOS_MAX];
    int n = 0;
    *skipped = 0;
    if (tips_attachments(ctx->db, t->id, "photo", refs, TIPFILE_PHOTOS_MAX, &n) != DB_OK)
        return -1;
    int rc = tipfile_photos_to(ctx, t, ctx->msg->platform, ctx->msg->chat_id,
                               (const char *const *)refs, n, OUTBOX_REPLY, send, skipped);
    for (int i = 0; i < n; i++)
        free(refs[i]);
    return rc;
}

int tipfile_send_photos(struct hctx *ctx, const struct tip *t)
{
    char *refs[TIPFILE_PHOTOS_MAX];
    int n = 0;
    if (!t->desk_platform ||
        tips_attachments(ctx->db, t->id, "photo", refs, TIPFILE_PHOTOS_MAX, &n) != DB_OK)
        return 0;
    int rc = tipfile_send_photo_refs(ctx, t, (const char *const *)refs, n);
    for (int i = 0; i < n; i++)
        free(refs[i]);
    return rc;
}

int tipfile_tell_tipster(struct hctx *ctx, const struct tip *t, const char *name,
                         const struct texts_var *vars, size_t n)
{
    if (!t->platform || !t->chat_id || strcmp(t->kind, "group_lead") == 0)
        return 0;
    char *text = texts_render(ctx->texts, name, vars, n);
    if (!text)
        return -1;
    int rc = hctx_send(ctx, t->platform, t->chat_id, text, NULL, OUTBOX_REPLY);
    free(text);
    return rc;
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
