/*
 * test_config_sections.c — the sections other modules read from the configuration (areas,
 * routing and tips: config/desks.c; agencies: agency.c; calendar: calendar.c; campaigns:
 * campaign.c): a wrong type, a misspelt key, a duplicate area code or a value that would
 * silently switch something off is refused with the key path, as cfg_load refuses its own
 * keys. The shipped example passes every check.
 */
#include "config/config.h"
#include "handlers/agency.h"
#include "calendar/calendar.h"
#include "handlers/campaign.h"
#include "handlers/deadlines.h"
#include "config/desks.h"
#include "base/textnorm.h"

#include "testlib.h"

#include <stdlib.h>

enum { ERR_MAX = 1024 };

/* What the start checks (bot/app.c and cli/cli_util.c run the same) say of text: "" when it
 * passes, else the first error (static buffer). */
static const char *verdict(const char *name, const char *text, struct desks **keep)
{
    static char err[ERR_MAX];
    char cerr[CFG_ERR_MAX];
    struct cfg *cfg = NULL;
    struct desks *d = NULL;
    err[0] = '\0';
    if (cfg_load(testlib_write(name, text), &cfg, cerr) != 0) {
        snprintf(err, sizeof err, "%s", cerr);
        return err;
    }
    if (desks_load(cfg, textnorm_fold, &d, err, sizeof err) == 0 &&
        deadlines_check_config(cfg, err, sizeof err) == 0 &&
        campaign_check_config(cfg, err, sizeof err) == 0)
        err[0] = '\0';
    if (keep && !err[0])
        *keep = d;
    else
        desks_free(d);
    cfg_free(cfg);
    return err;
}

/* text must be refused with an error containing every one of want[] (NULL-terminated). */
static void refused(const char *name, const char *text, const char *const *want)
{
    const char *err = verdict(name, text, NULL);
    if (!*err)
        fprintf(stderr, "  %s: accepted\n", name);
    CHECK(*err != '\0');
    for (int i = 0; *err && want[i]; i++) {
        if (!strstr(err, want[i]))
            fprintf(stderr, "  %s: error \"%s\" lacks \"%s\"\n", name, err, want[i]);
        CHECK(strstr(err, want[i]) != NULL);
    }
}

#define REFUSED(name, text, ...)                                                                   \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};                                           \
        refused(name, text, want_);                                                                \
    } while (0)

static void test_sections_tips_remind_days_of_the_wrong_type_are_refused(void)
{
    /* A string used to read as "no reminders at all". */
    REFUSED("rd-string.json", "{\"tips\": {\"remind_days\": \"15\"}}",
            "rd-string.json: ", "tips.remind_days");
    REFUSED("rd-elem.json", "{\"tips\": {\"remind_days\": [15, \"19\"]}}", "tips.remind_days");
    REFUSED("rd-late.json", "{\"tips\": {\"remind_days\": [20]}}", "tips.remind_days", "19");
    REFUSED("rd-zero.json", "{\"tips\": {\"remind_days\": [0]}}", "tips.remind_days");
    REFUSED("rd-twice.json", "{\"tips\": {\"remind_days\": [15, 15]}}", "tips.remind_days");
    REFUSED("rd-many.json", "{\"tips\": {\"remind_days\": [1, 2, 3, 4, 5]}}", "tips.remind_days");
    REFUSED("rd-shorter.json", "{\"tips\": {\"resolve_days\": 10, \"remind_days\": [15]}}",
            "tips.remind_days", "9");
    REFUSED("tips-type.json", "{\"tips\": [5]}", "tips: must be an object");
    REFUSED("tips-typo.json", "{\"tips\": {\"remind_day\": [15]}}", "tips.remind_day: unknown key");
    REFUSED("tips-int.json", "{\"tips\": {\"max_per_hour\": \"5\"}}", "tips.max_per_hour");
}

static void test_sections_tips_remind_days_any_order_are_kept_in_order(void)
{
    struct desks *d = NULL;
    CHECK_STR(verdict("rd-order.json", "{\"tips\": {\"remind_days\": [19, 10, 15]}}", &d), "");
    if (!d)
        return;
    CHECK_INT(d->rules.n_remind_days, 3);
    CHECK_INT(d->rules.remind_days[0], 10);
    CHECK_INT(d->rules.remind_days[1], 15);
    CHECK_INT(d->rules.remind_days[2], 19);
    desks_free(d);
    d = NULL;
    CHECK_STR(verdict("rd-none.json", "{\"tips\": {\"remind_days\": []}}", &d), "");
    if (d)
        CHECK_INT(d->rules.n_remind_days, 0); /* said explicitly: no reminders */
    desks_free(d);
}

static void test_sections_areas_duplicate_codes_and_wrong_types_are_refused(void)
{
    REFUSED("ar-dup.json",
            "{\"areas\": [{\"code\": \"TDP5\", \"name\": \"Tổ 5\"}, {\"code\": \"THON\"},"
            " {\"code\": \"tdp5\", \"name\": \"Tổ năm\"}]}",
            "areas[2].code", "tdp5", "used twice", "areas[0]");
    REFUSED("ar-string.json", "{\"areas\": [\"TDP5\"]}", "areas[0]: must be an object");
    REFUSED("ar-list.json", "{\"areas\": {\"code\": \"TDP5\"}}", "areas: must be a list");
    REFUSED("ar-code.json", "{\"areas\": [{\"code\": \"TDP 5\"}]}", "areas[0].code");
    REFUSED("ar-code-type.json", "{\"areas\": [{\"code\": 5}]}", "areas[0].code");
    REFUSED("ar-name.json", "{\"areas\": [{\"code\": \"A\", \"name\": 5}]}", "areas[0].name");
    REFUSED("ar-alias.json", "{\"areas\": [{\"code\": \"A\", \"aliases\": \"to 5\"}]}",
            "areas[0].aliases");
    REFUSED("ar-alias-elem.json", "{\"areas\": [{\"code\": \"A\", \"aliases\": [\"to 5\", 5]}]}",
            "areas[0].aliases[1]");
    REFUSED("ar-show.json", "{\"areas\": [{\"code\": \"A\", \"show_sender_names\": \"yes\"}]}",
            "areas[0].show_sender_names");
    REFUSED("ar-typo.json",
            "{\"areas\": [{\"code\": \"A\", \"desc\": {\"platform\": \"telegram\", "
            "\"chat_id\": \"-1\"}}]}",
            "areas[0].desc: unknown key");
    REFUSED("ar-platform.json",
            "{\"areas\": [{\"code\": \"A\", \"desk\": {\"platform\": \"telgram\", "
            "\"chat_id\": \"-1\"}}]}",
            "areas[0].desk");
    REFUSED("ar-desk-key.json",
            "{\"areas\": [{\"code\": \"A\", \"desk\": {\"platform\": \"telegram\", "
            "\"chat\": \"-1\"}}]}",
            "areas[0].desk");
}

static void test_sections_routing_of_the_wrong_shape_is_refused(void)
{
    REFUSED("rt-list.json", "{\"routing\": []}", "routing: must be an object");
    REFUSED("rt-typo.json",
            "{\"routing\": {\"default\": {\"platform\": \"telegram\", \"chat_id\": \"-1\"}}}",
            "routing.default: unknown key");
    REFUSED("rt-cats.json", "{\"routing\": {\"category_desks\": []}}", "routing.category_desks");
    REFUSED("rt-cat.json",
            "{\"routing\": {\"category_desks\": {\"frauds\": {\"platform\": \"telegram\", "
            "\"chat_id\": \"-1\"}}}}",
            "routing.category_desks.frauds", "not a category");
}

static void test_sections_agencies_calendar_campaigns_misspelt_keys_are_refused(void)
{
    REFUSED("ag-typo.json",
            "{\"agencies\": [{\"code\": \"CA\", \"name\": \"Công an\", \"chat\": "
            "[{\"platform\": \"telegram\", \"chat_id\": \"-1\"}]}]}",
            "agencies[0].chat: unknown key");
    REFUSED("ag-chat-typo.json",
            "{\"agencies\": [{\"code\": \"CA\", \"name\": \"Công an\", \"chats\": "
            "[{\"platform\": \"telegram\", \"chat_id\": \"-1\", \"topic\": 2}]}]}",
            "agencies[0].chats[0].topic: unknown key");
    REFUSED("cal-type.json", "{\"calendar\": \"calendars/chonthanh.json\"}",
            "calendar: must be an object");
    REFUSED("cal-typo.json", "{\"calendar\": {\"file\": [\"calendars/chonthanh.json\"]}}",
            "calendar.file: unknown key");
    REFUSED("dl-steering.json",
            "{\"deadlines\": {\"steering\": {\"platform\": \"telegram\", \"chat_id\": \"-1\", "
            "\"topic\": 2}}}",
            "deadlines.steering");
    REFUSED("cp-disabled.json", "{\"campaigns\": {\"disabled\": [\"TETT\"]}}",
            "campaigns.disabled: TETT");
    REFUSED("cp-disabled-empty.json", "{\"campaigns\": {\"disabled\": [\"\"]}}",
            "campaigns.disabled");
}

static void test_sections_webpush_bad_subject_and_misspelt_keys_are_refused(void)
{
    REFUSED("wp-subject.json", "{\"webpush\": {\"subject\": \"ops@example.vn\"}}",
            "webpush.subject");
    REFUSED("wp-misspelt.json", "{\"webpush\": {\"ttl\": 60}}", "webpush.ttl");
    REFUSED("wp-ttl.json", "{\"webpush\": {\"ttl_s\": 5}}", "webpush.ttl_s");
}

static void test_sections_the_shipped_example_passes(void)
{
    char path[1024], *text = NULL;
    snprintf(path, sizeof path, "%s/config/tipgate.example.json", TIPGATE_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) == (size_t)n) {
        /* Its own directory holds the data it names; the copy here finds it as shipped data. */
        const char *err = verdict("example.json", text, NULL);
        if (*err)
            fprintf(stderr, "  %s\n", err);
        CHECK_STR(err, "");
    }
    fclose(f);
    free(text);
    CHECK_STR(verdict("disabled-ok.json", "{\"campaigns\": {\"disabled\": [\"TET\"]}}", NULL), "");
}

TESTLIB_MAIN(T(test_sections_tips_remind_days_of_the_wrong_type_are_refused),
             T(test_sections_tips_remind_days_any_order_are_kept_in_order),
             T(test_sections_areas_duplicate_codes_and_wrong_types_are_refused),
             T(test_sections_routing_of_the_wrong_shape_is_refused),
             T(test_sections_agencies_calendar_campaigns_misspelt_keys_are_refused),
             T(test_sections_webpush_bad_subject_and_misspelt_keys_are_refused),
             T(test_sections_the_shipped_example_passes))
