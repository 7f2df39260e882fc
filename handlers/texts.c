/*
 * texts.c — see texts.h. Lookups go through jansson's hash table; rendering is one pass over
 * the template with a bounded output (a rendered text never exceeds TEXTS_MAX_RENDER bytes).
 */
#include "handlers/texts.h"

#include "base/log.h"
#include "base/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXTS_MAX_RENDER 16384
#define TEXTS_NAME_MAX   64 /* of a placeholder texts_fill_all fills */

struct texts {
    json_t *table; /* name -> string, arrays already joined */
};

/* The names the code refers to; a messages file missing one is refused at start rather than
 * showing "[name]" to a resident at night. */
static const char *const texts_required[] = {
    "welcome", "help", "unknown_command", "fallback", "non_text", "ws_bad_json", "ws_bad_type",
    "ws_not_ready", "ws_too_long", "ws_bad_utf8", "ws_bad_id", "ws_bad_secret", "ws_empty",
    "ws_frame_too_big", "ws_busy", "ws_rate", "report_ask_describe", "report_ask_category",
    "report_ask_place", "report_ask_when", "report_ask_media", "report_ask_identity",
    "report_ask_phone", "report_bad_phone", "report_summary", "report_ask_edit",
    "report_ask_confirm", "report_ask_offer", "report_not_understood", "report_cancelled",
    "report_nothing_to_cancel", "report_nudge", "report_expired", "report_private_only",
    "report_too_many_photos", "offer_declined", "choice_yes", "choice_no", "choice_send",
    "choice_edit", "choice_cancel", "choice_continue", "choice_anonymous", "choice_phone",
    "field_description", "field_category", "field_place", "field_when", "field_media",
    "field_identity", "identity_anonymous", "identity_contact", "value_unknown",
    "value_location_sent", "category_unknown", "tip_filed", "tip_urgent_call", "feedback_filed",
    "tip_duplicate", "tip_limit", "tip_not_found", "status_usage", "status_view",
    "status_view_closed", "status_line_reply", "mytips_none", "mytips_head", "mytips_line",
    "add_usage", "add_done", "add_done_photos_refused", "answer_forwarded", "status_new",
    "status_received", "status_verifying", "status_transferred", "status_resolved",
    "status_rejected", "status_duplicate", "status_closed", "desk_heading_new",
    "desk_heading_urgent", "desk_line_category", "desk_line_area", "desk_line_received",
    "desk_line_when", "desk_line_place", "desk_line_location", "desk_line_description",
    "desk_line_phones", "desk_line_plates", "desk_line_urls", "desk_line_money", "desk_line_photos",
    "desk_line_anonymous", "desk_line_contact", "desk_line_commands", "desk_photo_caption",
    "relay_to_tipster", "relay_add_to_desk", "relay_answer_to_desk", "tip_notice_ack",
    "tip_notice_status", "tip_notice_closed", "tip_notice_reopened", "tip_notice_duplicate",
    "desk_only_police", "desk_unknown_code", "desk_no_tipster", "desk_usage_ack",
    "desk_usage_assign", "desk_usage_reply", "desk_usage_status", "desk_usage_close",
    "desk_usage_reopen", "desk_usage_duplicate", "desk_usage_extend", "desk_usage_search",
    "desk_extend_refused", "desk_done_ack", "desk_done_assign", "desk_done_reply",
    "desk_done_status", "desk_done_close", "desk_done_reopen", "desk_done_duplicate",
    "desk_done_extend", "desk_list_new", "desk_list_overdue", "desk_list_found", "desk_none_new",
    "desk_none_overdue", "desk_none_found", "desk_list_line", "desk_urgent_mark",
    "sla_ack_reminder", "sla_ack_escalation", "sla_classify_reminder", "sla_due_reminder",
    "sla_overdue", "enrol_usage", "enrol_bad_code", "enrol_done", "role_police", "role_leader",
    "role_agency", "button_expired", "group_unbound_hint", "group_bind_in_group",
    "group_leader_only", "group_bind_own_area", "group_bind_usage", "group_bound",
    "group_privacy_hint", "group_unbound", "group_invite_private", "group_urgent", "lead_heading",
    "lead_heading_urgent", "lead_sender_hidden", "lead_text", "announce_usage", "announce_no_area",
    "announce_text", "announce_sent", "announce_no_groups", "stats_no_area", "stats_text",
    "meeting_group_only", "meeting_unclear", "meeting_saved", "meeting_reminder_day",
    "meeting_reminder_hour", "scam_usage_phone", "scam_usage_link", "scam_usage_account",
    "scam_flagged_phone", "scam_flagged_link", "scam_flagged_account", "scam_warning_phone",
    "scam_warning_link", "scam_warning_account", "scam_suspect_phone", "scam_suspect_link",
    "answer_which_tip",
    /* agency deadlines (handlers/deadlines.c) */
    "deadline_remind_ahead", "deadline_remind_today", "deadline_remind_overdue",
    "deadline_note_weekend", "deadline_note_holiday", "deadline_note_shifted",
    "deadline_reason_weekend", "deadline_escalation", "deadline_escalation_line",
    "deadline_only_agency", "deadline_usage_done", "deadline_unknown_code", "deadline_already_done",
    "deadline_done_on_time", "deadline_done_late", "deadline_list_head", "deadline_list_line",
    "deadline_list_foot", "deadline_list_none", "deadline_state_left", "deadline_state_today",
    "deadline_state_overdue", "weekday_0", "weekday_1", "weekday_2", "weekday_3", "weekday_4",
    "weekday_5", "weekday_6",
    /* campaigns (handlers/campaign.c) */
    "campaign_footer", "sub_done", "sub_done_area", "sub_unknown_area", "stop_done",
    "stop_done_group", "resume_done", "resume_done_group", "alert_only_police", "alert_usage",
    "alert_no_area", "alert_too_long", "alert_confirm", "alert_message", "alert_sent",
    "alert_cancelled", "alert_expired",
    /* emergencies (handlers/emergency.c) */
    "emergency_call", "emergency_number_police", "emergency_number_fire",
    "emergency_number_medical", "emergency_button_police", "emergency_button_fire",
    "emergency_button_medical", "emergency_filed", "emergency_choice_done", "emergency_added",
    "emergency_ask_phone", "emergency_phone_saved", "emergency_kept_anonymous", "emergency_done",
    "relay_contact_to_desk", "relay_location_to_desk", "value_ongoing", "report_ask_distress",
    "emergency_call_first", "desk_event_contact", "desk_line_voice", "desk_line_document",
    "desk_media_in_app", "relay_media_to_desk",
    /* web chat photos and locations (bot/platforms/webchat_upload.c, webchat.c), and the
       questions of platforms where no location can be shared (handlers/report_ask.c) */
    "ws_bad_location", "upload_bad_request", "upload_unauthorized", "upload_too_big",
    "upload_bad_type", "upload_rate", "upload_busy", "report_ask_place_typed",
    "report_ask_media_typed", "report_ask_distress_typed", "emergency_filed_typed",
    /* the desk reading tips, its buttons, /help by role (handlers/desk_*.c, basic.c) */
    "desk_line_commands_urgent", "desk_extend_limit", "desk_extend_not_later", "desk_usage_view",
    "desk_view_heading", "desk_view_heading_urgent", "desk_view_kind_feedback",
    "desk_view_kind_lead", "desk_view_urgency", "desk_view_urgent", "desk_view_routine",
    "desk_view_status", "desk_view_acknowledged", "desk_view_assigned", "desk_view_closed",
    "desk_view_outcome", "desk_view_duplicate_of", "desk_view_classify_due", "desk_view_deadline",
    "desk_view_deadline_today", "desk_view_deadline_over", "desk_view_extensions",
    "desk_end_of_day", "desk_view_photos_elsewhere", "desk_view_history", "desk_view_history_more",
    "desk_event_file", "desk_event_from_tipster", "desk_event_add", "desk_event_ack",
    "desk_event_assign", "desk_event_status", "desk_event_reply", "desk_event_close",
    "desk_event_reopen", "desk_event_duplicate", "desk_event_extend", "desk_event_other",
    "desk_event_officer", "desk_list_gist", "desk_list_more", "desk_list_last", "desk_list_no_page",
    "desk_list_more_many", "desk_list_last_many", "desk_list_no_page_many", "desk_list_view_hint",
    "desk_button_ack", "desk_button_reply", "desk_button_status", "desk_button_view",
    "desk_button_view_code", "desk_button_next", "desk_status_ask", "desk_reply_prompt",
    "desk_reply_cancelled", "desk_summary_head", "desk_summary_none", "desk_summary_everywhere",
    "desk_summary_urgent", "desk_summary_overdue", "desk_summary_status", "desk_summary_no_area",
    "desk_summary_first", "desk_summary_how", "help_police", "help_leader", "help_agency",
    /* the conversation (issue 13: handlers/report.c, tipfile.c) */
    "feedback_ask_describe", "feedback_summary", "report_ask_category_check", "choice_skip",
    "choice_right", "choice_other_category", "tip_limit_start", "tip_limit_kept",
    "relay_add_to_desk_text", "relay_answer_to_desk_text", "status_view_feedback",
    "status_view_feedback_closed", "tip_notice_rejected", "desk_heading_feedback",
    "desk_list_feedback", "desk_none_feedback", "feedback_label", "report_not_understood_numbered",
    "report_not_understood_text",
    /* the notification when the police answer (bot/webpush.c): no tip content in it */
    "push_title", "push_body",
    /* signing in to the web desk (handlers/desk_login.c, bot/deskweb.c, handlers/deskapi.c) */
    "role_commander", "desk_login_link", "desk_login_group", "desk_login_not_enrolled",
    "desk_logout_done", "desk_logout_none", "desk_web_err_signed_out", "desk_web_err_forbidden",
    "desk_web_err_csrf", "desk_web_err_not_found", "desk_web_err_bad_request",
    "desk_web_err_bad_json", "desk_web_err_too_big", "desk_web_err_too_many",
    "desk_web_err_conflict", "desk_web_err_generic", "desk_web_err_bad_link",
    "desk_web_err_photo_pending", "desk_web_err_photo_unavailable",
    /* the desk's actions shared with the web desk (handlers/deskact.c, desk.c, deskapi_act.c) */
    "desk_usage_note", "desk_done_note", "desk_event_note", "desk_assigned_to_you",
    "desk_web_told_ack", "desk_web_told_assign", "desk_web_told_reply", "desk_web_told_status",
    "desk_web_told_close", "desk_web_told_reopen", "desk_web_told_duplicate",
    "desk_web_told_extend", "desk_web_told_classify",
    /* the period report (handlers/period_report.c, period_report_render.c, deskapi_report.c);
     * the labels of figures, tables and channels fall back to their id */
    "preport_title", "preport_period_year", "preport_period_quarter", "preport_period_h1",
    "preport_period_h2", "preport_period_month", "preport_period_range", "preport_col_now",
    "preport_col_previous", "preport_col_figure", "preport_col_unit", "preport_col_target",
    "preport_col_section", "preport_col_area", "preport_col_category", "preport_col_channel",
    "preport_col_agency", "preport_area_none", "preport_category_none", "preport_small_cell",
    "preport_no_data", "preport_unit_count", "preport_unit_pct", "preport_unit_hours",
    "preport_unit_days", "preport_html_state", "preport_html_motto", "preport_html_number",
    "preport_html_date", "preport_html_period", "preport_html_previous", "preport_html_no_previous",
    "preport_html_area", "preport_html_note", "preport_html_recipients",
    "preport_html_recipients_lines", "preport_html_signer", "preport_html_sign_hint",
    "preport_tab_by_channel", "preport_tab_by_category", "preport_tab_by_area",
    "preport_tab_groups_by_area", "preport_tab_by_agency", "desk_web_err_bad_period",
    "desk_web_err_bad_area",
    /* the web desk's downloads (handlers/deskapi_export.c) */
    "desk_web_err_export_too_big",
    /* a full disk: the web chat's message and the desk's action not saved (bot/platforms/
       webchat.c, bot/deskweb.c) */
    "ws_not_saved", "desk_web_err_not_saved", NULL};

const char *const *texts_required_names(void)
{
    return texts_required;
}

static json_t *texts_join(json_t *arr)
{
    size_t len = 0, i;
    json_t *line;
    json_array_foreach(arr, i, line)
    {
        if (!json_is_string(line))
            return NULL;
        len += json_string_length(line) + 1;
    }
    char *buf = malloc(len + 1);
    if (!buf)
        return NULL;
    size_t at = 0;
    json_array_foreach(arr, i, line)
    {
        if (i > 0)
            buf[at++] = '\n';
        memcpy(buf + at, json_string_value(line), json_string_length(line));
        at += json_string_length(line);
    }
    buf[at] = '\0';
    json_t *s = json_string(buf);
    free(buf);
    return s;
}

static int texts_normalise(json_t *table, char *err, size_t errlen, const char *path)
{
    const char *key;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(table, tmp, key, val)
    {
        if (strncmp(key, "//", 2) == 0) {
            json_object_del(table, key);
            continue;
        }
        if (json_is_array(val)) {
            json_t *joined = texts_join(val);
            if (!joined) {
                snprintf(err, errlen, "%s: %s: an array must hold only strings", path, key);
                return -1;
            }
            json_object_set_new(table, key, joined);
        } else if (!json_is_string(val)) {
            snprintf(err, errlen, "%s: %s: must be a string or an array of strings", path, key);
            return -1;
        }
    }
    for (int i = 0; texts_required[i]; i++)
        if (!json_object_get(table, texts_required[i])) {
            snprintf(err, errlen, "%s: the text \"%s\" is missing", path, texts_required[i]);
            return -1;
        }
    return 0;
}

int texts_load(const char *path, struct texts **out, char *err, size_t errlen)
{
    *out = NULL;
    json_error_t jerr;
    json_t *table = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!table) {
        if (jerr.line < 1)
            snprintf(err, errlen, "%s: cannot read: %s", path, jerr.text);
        else
            snprintf(err, errlen, "%s: invalid JSON at line %d, column %d: %s", path, jerr.line,
                     jerr.column, jerr.text);
        return -1;
    }
    if (!json_is_object(table)) {
        snprintf(err, errlen, "%s: the top level must be a JSON object", path);
        json_decref(table);
        return -1;
    }
    if (texts_normalise(table, err, errlen, path) != 0) {
        json_decref(table);
        return -1;
    }
    struct texts *t = malloc(sizeof *t);
    if (!t) {
        json_decref(table);
        return -1;
    }
    t->table = table;
    *out = t;
    return 0;
}

void texts_free(struct texts *t)
{
    if (!t)
        return;
    json_decref(t->table);
    free(t);
}

int texts_fill_all(struct texts *t, const char *name, const char *value)
{
    char mark[TEXTS_NAME_MAX + 3];
    int n = snprintf(mark, sizeof mark, "{%s}", name);
    if (n < 0 || (size_t)n >= sizeof mark)
        return -1;
    struct texts_var vars[] = {{name, value}};
    const char *key;
    json_t *val;
    json_object_foreach(t->table, key, val)
    {
        if (!strstr(json_string_value(val), mark))
            continue;
        char *filled = texts_render(t, key, vars, 1);
        if (!filled || json_object_set_new(t->table, key, json_string(filled)) != 0) {
            free(filled);
            return -1;
        }
        free(filled);
    }
    return 0;
}

const char *texts_get(const struct texts *t, const char *name)
{
    const char *s = json_string_value(json_object_get(t->table, name));
    if (!s) {
        log_error("texts", "no text named \"%s\" in the messages file", name);
        return "[?]";
    }
    return s;
}

static const char *texts_lookup(const struct texts_var *vars, size_t n, const char *name,
                                size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
            return vars[i].value ? vars[i].value : "";
    return NULL;
}

char *texts_render(const struct texts *t, const char *name, const struct texts_var *vars, size_t n)
{
    const char *tpl = texts_get(t, name);
    /* Rendered on the stack, then copied at its length: not a 16 KiB block from malloc for
     * each reply of a few hundred bytes. */
    char out[TEXTS_MAX_RENDER];
    size_t at = 0;
    const char *p = tpl;
    while (*p && at < TEXTS_MAX_RENDER - 1) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const char *val = close ? texts_lookup(vars, n, p + 1, (size_t)(close - p - 1)) : NULL;
        if (val) {
            size_t len = strlen(val);
            if (len > TEXTS_MAX_RENDER - 1 - at)
                len = utf8_floor(val, strlen(val), TEXTS_MAX_RENDER - 1 - at);
            memcpy(out + at, val, len);
            at += len;
            p = close + 1;
        } else {
            out[at++] = *p++;
        }
    }
    if (((unsigned char)*p & 0xC0) == 0x80) { /* cut inside a sequence: drop its start */
        while (at > 0 && ((unsigned char)out[at - 1] & 0xC0) == 0x80)
            at--;
        if (at > 0)
            at--;
    }
    out[at] = '\0';
    char *copy = malloc(at + 1);
    if (copy)
        memcpy(copy, out, at + 1);
    return copy;
}
