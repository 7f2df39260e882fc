/*
 * msg.c — see msg.h. The JSON field names are the stored format: renaming one needs a
 * migration of old inbox rows, so they are spelled out once, here.
 */
#include "base/msg.h"

#include "base/textnorm.h"
#include "base/utf8.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const msg_kinds[] = {"text", "edited", "callback", "member"};

struct msg_strfield {
    const char *name;
    size_t offset;
};

#define MSG_STR(field)                                                                             \
    {                                                                                              \
#field, offsetof(struct msg, field)                                                        \
    }
static const struct msg_strfield msg_strings[] = {
    MSG_STR(platform),      MSG_STR(update_key),    MSG_STR(chat_id),
    MSG_STR(chat_title),    MSG_STR(sender_id),     MSG_STR(sender_name),
    MSG_STR(text),          MSG_STR(contact_phone), MSG_STR(callback_id),
    MSG_STR(callback_data), MSG_STR(member_status), MSG_STR(migrate_to_chat_id),
};
#define MSG_NSTRINGS (sizeof msg_strings / sizeof msg_strings[0])

static char **msg_slot(struct msg *m, size_t i)
{
    return (char **)((char *)m + msg_strings[i].offset);
}

char *msg_to_json(const struct msg *m)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "kind", json_string(msg_kinds[m->kind]));
    for (size_t i = 0; i < MSG_NSTRINGS; i++) {
        const char *v = *msg_slot((struct msg *)m, i);
        if (v)
            json_object_set_new(o, msg_strings[i].name, json_string(v));
    }
    json_object_set_new(o, "is_group", json_boolean(m->is_group));
    json_object_set_new(o, "date_ms", json_integer(m->date_ms));
    if (m->n_attachments > 0) {
        json_t *arr = json_array();
        for (int i = 0; i < m->n_attachments; i++)
            json_array_append_new(arr, json_pack("{s:s, s:s}", "kind", m->attachments[i].kind,
                                                 "ref", m->attachments[i].ref));
        json_object_set_new(o, "attachments", arr);
    }
    if (m->has_location) {
        json_t *loc = json_pack("{s:f, s:f}", "latitude", m->latitude, "longitude", m->longitude);
        if (loc && m->location_accuracy_m > 0)
            json_object_set_new(loc, "accuracy_m", json_real(m->location_accuracy_m));
        json_object_set_new(o, "location", loc);
    }
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

static int msg_read_kind(json_t *o, struct msg *m)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    for (size_t i = 0; kind && i < sizeof msg_kinds / sizeof msg_kinds[0]; i++)
        if (strcmp(kind, msg_kinds[i]) == 0) {
            m->kind = (enum msg_kind)i;
            return 0;
        }
    return -1;
}

static void msg_read_extras(json_t *o, struct msg *m)
{
    json_t *arr = json_object_get(o, "attachments");
    size_t i;
    json_t *a;
    json_array_foreach(arr, i, a)
    {
        const char *kind = json_string_value(json_object_get(a, "kind"));
        const char *ref = json_string_value(json_object_get(a, "ref"));
        if (kind && ref)
            msg_add_attachment(m, kind, ref);
    }
    json_t *loc = json_object_get(o, "location");
    if (json_is_object(loc)) {
        m->has_location = true;
        m->latitude = json_number_value(json_object_get(loc, "latitude"));
        m->longitude = json_number_value(json_object_get(loc, "longitude"));
        m->location_accuracy_m = json_number_value(json_object_get(loc, "accuracy_m"));
    }
}

int msg_from_json(const char *json, struct msg *m)
{
    memset(m, 0, sizeof *m);
    json_t *o = json_loads(json, 0, NULL);
    int rc = -1;
    if (!json_is_object(o) || msg_read_kind(o, m) != 0)
        goto out;
    for (size_t i = 0; i < MSG_NSTRINGS; i++) {
        const char *v = json_string_value(json_object_get(o, msg_strings[i].name));
        if (v && !(*msg_slot(m, i) = strdup(v)))
            goto out;
    }
    m->is_group = json_is_true(json_object_get(o, "is_group"));
    m->date_ms = json_integer_value(json_object_get(o, "date_ms"));
    msg_read_extras(o, m);
    rc = m->platform && m->chat_id ? 0 : -1;
out:
    json_decref(o);
    if (rc != 0)
        msg_clear(m);
    return rc;
}

void msg_clear(struct msg *m)
{
    for (size_t i = 0; i < MSG_NSTRINGS; i++)
        free(*msg_slot(m, i));
    for (int i = 0; i < m->n_attachments; i++) {
        free(m->attachments[i].kind);
        free(m->attachments[i].ref);
    }
    memset(m, 0, sizeof *m);
}

int msg_add_attachment(struct msg *m, const char *kind, const char *ref)
{
    if (m->n_attachments >= MSG_MAX_ATTACHMENTS)
        return -1;
    struct msg_attachment *a = &m->attachments[m->n_attachments];
    a->kind = strdup(kind);
    a->ref = strdup(ref);
    if (!a->kind || !a->ref) {
        free(a->kind);
        free(a->ref);
        a->kind = a->ref = NULL;
        return -1;
    }
    m->n_attachments++;
    return 0;
}

char *msg_text_nfc(const char *text, size_t len, bool *oom)
{
    *oom = false;
    if (len > MSG_MAX_TEXT_INPUT_BYTES)
        return NULL;
    char *nfc = malloc(len + 1); /* NFC never grows valid UTF-8 */
    if (!nfc) {
        *oom = true;
        return NULL;
    }
    size_t n = textnorm_nfc(text, len, nfc, len + 1);
    if (utf8_count(nfc, n) > MSG_MAX_TEXT_CHARS) {
        free(nfc);
        return NULL;
    }
    return nfc;
}

void msg_max_text_chars_vi(char *out, size_t cap)
{
    int n = MSG_MAX_TEXT_CHARS;
    if (n >= 1000)
        snprintf(out, cap, "%d.%03d", n / 1000, n % 1000);
    else
        snprintf(out, cap, "%d", n);
}

bool msg_set_location(struct msg *m, double lat, double lon)
{
    /* NAN fails every comparison: refused with the out-of-range points. */
    if (!(lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0))
        return false;
    m->has_location = true;
    m->latitude = lat;
    m->longitude = lon;
    return true;
}
