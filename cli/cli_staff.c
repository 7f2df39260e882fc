/*
 * cli_staff.c — the operator's commands about the people enrolled to work the desk
 * (cli/cli_commands.h):
 *
 *   tipgate login-link --person ID   a one-time web desk sign-in link (first sign-in)
 *   tipgate staff                    who is enrolled: id, role, area, platform, name, sessions
 *   tipgate unenrol --person ID      back to resident: role and area cleared, sessions ended
 *
 * The staff list shows display names and platforms, never platform user ids: the operator
 * recognises people by name, and the ids are nobody's business on a terminal.
 */
#include "cli/cli_commands.h"

#include "base/clock.h"
#include "cli/cli_util.h"
#include "storage/desk_auth.h"
#include "storage/people.h"
#include "storage/tips.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --person ID as a positive id, or 0 after saying what is wrong. */
static int64_t cli_staff_person(const char *command, const struct cli_args *a)
{
    char *end = NULL;
    errno = 0;
    long long id = a->person ? strtoll(a->person, &end, 10) : 0;
    if (!a->person || errno || *end || id <= 0) {
        fprintf(stderr, "tipgate: %s needs --person ID (the id `tipgate staff` shows)\n", command);
        return 0;
    }
    return (int64_t)id;
}

int cli_login_link(const char *config, const struct cli_args *a)
{
    int64_t id = cli_staff_person("login-link", a);
    if (!id)
        return 2;
    struct app app;
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    char secret[DESK_SECRET_HEX + 1];
    rc = cli_util_begin(&app);
    int got = rc == 0 ? desk_link_create(app.db, id, clock_now_ms(), secret) : DB_ERROR;
    if (rc == 0 && got == DB_NOT_FOUND) {
        fprintf(stderr,
                "tipgate: person %" PRId64 " is not enrolled as police, commander or leader "
                "(see tipgate staff)\n",
                id);
        rc = 1;
    } else if (rc == 0 && got != DB_OK) {
        fprintf(stderr, "tipgate: cannot store the sign-in link\n");
        rc = APP_EXIT_RUNTIME;
    }
    if (rc == 0)
        rc = cli_util_commit(&app);
    if (rc == 0)
        printf("Liên kết đăng nhập bàn làm việc trên web, dùng một lần, hết hạn sau %lld "
               "phút:\n%s/desk/login#t=%s\n",
               (long long)(DESK_LINK_TTL_MS / 60000), app.cfg->http_base_url, secret);
    app_free(&app);
    return rc;
}

static int cli_staff_row(const struct people_staff_row *r, void *arg)
{
    int *n = arg;
    char id[24], sessions[24];
    snprintf(id, sizeof id, "%" PRId64, r->id);
    snprintf(sessions, sizeof sessions, "%" PRId64, r->sessions);
    cli_util_cell(stdout, id, 6);
    cli_util_cell(stdout, r->role, 10);
    cli_util_cell(stdout, r->area[0] ? r->area : "-", 10);
    cli_util_cell(stdout, r->platform, 9);
    cli_util_cell(stdout, r->name[0] ? r->name : "-", 30);
    printf("%s\n", sessions);
    (*n)++;
    return 0;
}

int cli_staff(const char *config, const struct cli_args *a)
{
    (void)a;
    struct app app;
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    int n = 0;
    cli_util_cell(stdout, "id", 6);
    cli_util_cell(stdout, "role", 10);
    cli_util_cell(stdout, "area", 10);
    cli_util_cell(stdout, "platform", 9);
    cli_util_cell(stdout, "name", 30);
    printf("web sessions\n");
    if (people_staff(app.db, clock_now_ms(), cli_staff_row, &n) != DB_OK) {
        fprintf(stderr, "tipgate: cannot read the enrolled people\n");
        rc = APP_EXIT_RUNTIME;
    } else if (n == 0) {
        printf("(nobody is enrolled: tipgate enrol makes a code)\n");
    }
    app_free(&app);
    return rc;
}

int cli_unenrol(const char *config, const struct cli_args *a)
{
    int64_t id = cli_staff_person("unenrol", a);
    if (!id)
        return 2;
    struct app app;
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    struct person p = {0};
    int64_t now = clock_now_ms(), ended = 0;
    if ((rc = cli_util_begin(&app)) != 0)
        goto out;
    int got = people_get_id(app.db, id, &p);
    if (got == DB_OK && (!p.role || strcmp(p.role, "resident") == 0))
        got = DB_NOT_FOUND;
    if (got == DB_NOT_FOUND) {
        fprintf(stderr, "tipgate: person %" PRId64 " is not enrolled (see tipgate staff)\n", id);
        rc = 1;
        goto out;
    }
    if (got != DB_OK || people_unenrol(app.db, id, now) != DB_OK ||
        desk_sessions_end_person(app.db, id, now, &ended) != DB_OK ||
        tips_audit(app.db, id, "unenrol", 0, p.role, now) != DB_OK) {
        fprintf(stderr, "tipgate: cannot unenrol person %" PRId64 "\n", id);
        rc = APP_EXIT_RUNTIME;
        goto out;
    }
    if ((rc = cli_util_commit(&app)) == 0)
        printf("person %" PRId64 " (%s) is a resident again; %" PRId64
               " web desk session(s) ended\n",
               id, p.display_name ? p.display_name : "-", ended);
out:
    person_clear(&p);
    app_free(&app);
    return rc;
}
