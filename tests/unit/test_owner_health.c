/*
 * test_owner_health.c — who may requeue in-flight sends (bot/owner.h) and what /healthz
 * concludes from the figures the threads report (bot/health.h).
 *
 * Owners: this process is alive; a child that exited is gone; a pid reused by another process
 * (another start time), a zombie and an owner from before a reboot are gone; an owner that
 * cannot be looked at (another pid namespace) is judged by its heartbeat. Registering
 * requeues the rows of gone owners only; a clean stop requeues one's own.
 *
 * Health: a failed write makes it unhealthy until a write succeeds; a refused token until an
 * accepted call; a sender with work and no delivery for HEALTH_STALL_MS is stalled, one that
 * delivers is not, a paused one keeps its work, an idle one never is.
 */
#include "bot/health.h"
#include "bot/owner.h"
#include "storage/db.h"
#include "storage/outbox.h"

#include "testlib.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* A pid that no process has any more: a child that exited and was reaped. */
static int64_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

static void test_owner_judges_processes_by_what_the_kernel_says(void)
{
    struct outbox_owner me, other;
    owner_identify(&me, "serve", 1000);
    CHECK(me.pid == getpid());
    CHECK(me.boot_id[0] && me.pid_ns[0] && me.start_ticks > 0);
    int64_t wall = owner_wall_ms();

    other = me;
    CHECK_INT(owner_gone(&me, &other, wall), 0);
    other.heartbeat_at = wall - 10 * OWNER_LEASE_MS; /* a stale heartbeat is no proof */
    CHECK_INT(owner_gone(&me, &other, wall), 0);

    other = me;
    other.pid = dead_pid();
    CHECK_INT(owner_gone(&me, &other, wall), 1);

    other = me;
    other.start_ticks = me.start_ticks + 1; /* the pid now belongs to another process */
    CHECK_INT(owner_gone(&me, &other, wall), 1);

    other = me;
    snprintf(other.boot_id, sizeof other.boot_id, "00000000-0000-0000-0000-000000000000");
    CHECK_INT(owner_gone(&me, &other, wall), 1);

    /* A zombie (exited, not yet reaped) sends nothing. */
    pid_t z = fork();
    if (z == 0)
        _exit(0);
    other = me;
    other.pid = z;
    for (int i = 0; i < 200; i++) { /* wait until it has exited */
        char path[64], buf[256] = "";
        snprintf(path, sizeof path, "/proc/%d/stat", (int)z);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(buf, sizeof buf, f))
                buf[0] = '\0';
            fclose(f);
        }
        char *p = strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'Z')
            break;
        usleep(10000);
    }
    {
        char path[64], buf[1024] = "";
        snprintf(path, sizeof path, "/proc/%d/stat", (int)z);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(buf, sizeof buf, f))
                buf[0] = '\0';
            fclose(f);
        }
        /* its real start time, so only the state can tell */
        char *p = strrchr(buf, ')');
        for (int field = 2; p && field < 22; field++)
            p = strchr(p + 1, ' ');
        other.start_ticks = p ? strtoll(p + 1, NULL, 10) : 0;
    }
    CHECK_INT(owner_gone(&me, &other, wall), 1);
    waitpid(z, NULL, 0);

    /* Another pid namespace: the pid cannot be looked at, the heartbeat decides. */
    other = me;
    snprintf(other.pid_ns, sizeof other.pid_ns, "pid:[1]");
    other.heartbeat_at = wall - 1000;
    CHECK_INT(owner_gone(&me, &other, wall), 0);
    other.heartbeat_at = wall - OWNER_LEASE_MS - 1;
    CHECK_INT(owner_gone(&me, &other, wall), 1);
}

static int64_t count_status(struct db *db, const char *status)
{
    int64_t n = -1;
    CHECK_INT(outbox_count(db, status, &n), DB_OK);
    return n;
}

static void test_owner_register_requeues_gone_owners_sends_only(void)
{
    struct db *db = testlib_db("owners.db", -1);
    if (!db)
        return;
    struct outbox_owner live, gone;
    owner_identify(&live, "serve", 1000); /* this very process: alive */
    CHECK_INT(outbox_owner_add(db, &live), DB_OK);
    owner_identify(&gone, "serve", 1000);
    gone.pid = dead_pid();
    CHECK_INT(outbox_owner_add(db, &gone), DB_OK);
    struct outbox_new m = {.platform = "telegram", .chat_id = "1", .text = "a"};
    int64_t a = 0, b = 0;
    CHECK_INT(outbox_enqueue(db, &m, 1000, &a), DB_OK);
    m.chat_id = "2";
    CHECK_INT(outbox_enqueue(db, &m, 1000, &b), DB_OK);
    CHECK_INT(outbox_set_sending(db, a, live.id), DB_OK);
    CHECK_INT(outbox_set_sending(db, b, gone.id), DB_OK);

    struct outbox_owner me;
    int64_t requeued = -1;
    CHECK_INT(owner_register(db, "chat", 2000, &me, &requeued), DB_OK);
    CHECK_INT(requeued, 1);
    CHECK(me.id > gone.id);
    CHECK_INT(count_status(db, "sending"), 1); /* the live owner's */
    CHECK_INT(count_status(db, "queued"), 1);

    char why[HEALTH_WHY_MAX];
    CHECK_INT(owner_tick(db, &me, &requeued, why, sizeof why), DB_OK);
    CHECK_INT(requeued, 0);

    /* A clean stop of the live owner puts its own row back. */
    CHECK_INT(owner_unregister(db, &live, &requeued), DB_OK);
    CHECK_INT(requeued, 1);
    CHECK_INT(count_status(db, "sending"), 0);
    db_close(db);
}

static int healthy(struct health *h, int64_t now_ms, char problems[][HEALTH_LINE_MAX], int *n)
{
    struct health_snap s;
    health_snapshot(h, &s);
    return health_check(&s, now_ms, problems, n);
}

static void test_health_database_and_token_until_they_recover(void)
{
    struct health *h = NULL;
    CHECK_INT(health_new(&h), 0);
    char problems[HEALTH_PROBLEMS_MAX][HEALTH_LINE_MAX];
    int n = -1;
    CHECK_INT(healthy(h, 1000, problems, &n), 1);
    health_db_write(h, 0, "database or disk is full");
    CHECK_INT(healthy(h, 1000, problems, &n), 0);
    CHECK_INT(n, 1);
    CHECK_STR(problems[0], "database refuses writes: database or disk is full");
    health_db_write(h, 1, NULL);
    CHECK_INT(healthy(h, 1000, problems, &n), 1);

    health_token(h, "telegram", 1, "error 401: Unauthorized");
    health_token(h, "zalo", 1, "error 401: Unauthorized");
    CHECK_INT(healthy(h, 1000, problems, &n), 0);
    CHECK_INT(n, 2);
    CHECK_STR(problems[0], "telegram: the platform refuses the token (error 401: Unauthorized)");
    health_token(h, "telegram", 0, NULL);
    CHECK_INT(healthy(h, 1000, problems, &n), 0);
    CHECK_INT(n, 1);
    health_token(h, "zalo", 0, NULL);
    CHECK_INT(healthy(h, 1000, problems, &n), 1);
    health_free(h);
}

static void test_health_sender_stalls_only_with_work_and_no_progress(void)
{
    struct health *h = NULL;
    CHECK_INT(health_new(&h), 0);
    char problems[HEALTH_PROBLEMS_MAX][HEALTH_LINE_MAX];
    int n = -1;
    const int64_t t0 = 1000000, stall = HEALTH_STALL_MS;
    /* Idle for ever: never stalled. */
    struct health_send_turn idle = {.queried = 1};
    health_sender(h, "telegram", t0, &idle);
    CHECK_INT(healthy(h, t0 + 10 * stall, problems, &n), 1);

    /* A request on the wire that never comes back. */
    struct health_send_turn wire = {.queried = 1, .due = 1};
    health_sender(h, "telegram", t0, &wire);
    struct health_send_turn waiting = {.in_flight = 1};
    health_sender(h, "telegram", t0 + 1000, &waiting);
    CHECK_INT(healthy(h, t0 + stall - 1, problems, &n), 1);
    CHECK_INT(healthy(h, t0 + stall, problems, &n), 0);
    CHECK_STR(problems[0], "telegram: no message delivered for 120 s while messages wait");

    /* It comes back: delivered, nothing else waiting. */
    struct health_send_turn done = {.queried = 1, .delivered = 1};
    health_sender(h, "telegram", t0 + stall + 5, &done);
    CHECK_INT(healthy(h, t0 + 3 * stall, problems, &n), 1);

    /* Failures with retries pending, then a platform-wide pause that hides the due rows:
     * the work is still there. */
    struct health_send_turn failing = {.queried = 1, .retried = 3};
    health_sender(h, "telegram", t0 + 3 * stall, &failing);
    struct health_send_turn paused = {.paused = 1};
    health_sender(h, "telegram", t0 + 3 * stall + 10, &paused);
    struct health_send_turn nothing_due = {.queried = 1};
    health_sender(h, "telegram", t0 + 3 * stall + 20, &nothing_due);
    CHECK_INT(healthy(h, t0 + 4 * stall, problems, &n), 0);

    /* A chat asked to wait (429) is not a failure: its row is simply not due. */
    struct health_send_turn throttled = {.queried = 1, .retried = 1, .throttled = 1};
    health_sender(h, "zalo", t0, &throttled);
    health_sender(h, "zalo", t0 + 1000, &nothing_due);
    CHECK_INT(healthy(h, t0 + 10 * stall, problems, &n), 0); /* telegram still stalled */
    CHECK_INT(n, 1);
    CHECK_STR(problems[0], "telegram: no message delivered for 840 s while messages wait");

    /* A busy sender that keeps delivering is never stalled. */
    struct health_send_turn busy = {.queried = 1, .due = 30, .in_flight = 30, .delivered = 5};
    for (int64_t t = t0 + 4 * stall; t < t0 + 6 * stall; t += 1000)
        health_sender(h, "telegram", t, &busy);
    CHECK_INT(healthy(h, t0 + 6 * stall, problems, &n), 1);
    health_free(h);
}

TESTLIB_MAIN(T(test_owner_judges_processes_by_what_the_kernel_says),
             T(test_owner_register_requeues_gone_owners_sends_only),
             T(test_health_database_and_token_until_they_recover),
             T(test_health_sender_stalls_only_with_work_and_no_progress))
