/*
 * owner.c — see owner.h. The kernel facts come from /proc (Linux): the boot id, this process's
 * pid namespace, and field 22 of /proc/PID/stat (the start time in clock ticks since boot).
 * kill(pid, 0) tells "no such process" (ESRCH) from "someone else's process" (EPERM) even
 * where /proc hides other users' processes (hidepid), so a hidden live owner is never taken
 * for gone.
 */
#include "bot/owner.h"

#include "base/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { OWNER_STAT_MAX = 1024 };

int64_t owner_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first line of path into out without its newline; "" when unreadable. */
static void owner_read_line(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (!fgets(out, (int)size, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* State letter and start time of process pid from /proc/PID/stat. 0, or -1 when unreadable. */
static int owner_proc_stat(int64_t pid, char *state, int64_t *start_ticks)
{
    char path[64], buf[OWNER_STAT_MAX];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    owner_read_line(path, buf, sizeof buf);
    /* "pid (comm) S ppid ...": comm may hold spaces and parentheses, so fields count from the
     * last ')'. The state is field 3, the start time field 22. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2])
        return -1;
    *state = p[2];
    p += 2;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    char *end = NULL;
    long long v = strtoll(p, &end, 10);
    if (end == p)
        return -1;
    *start_ticks = v;
    return 0;
}

void owner_identify(struct outbox_owner *me, const char *command, int64_t now_ms)
{
    memset(me, 0, sizeof *me);
    me->pid = (int64_t)getpid();
    owner_read_line("/proc/sys/kernel/random/boot_id", me->boot_id, sizeof me->boot_id);
    ssize_t n = readlink("/proc/self/ns/pid", me->pid_ns, sizeof me->pid_ns - 1);
    me->pid_ns[n > 0 ? n : 0] = '\0';
    char state;
    if (owner_proc_stat(me->pid, &state, &me->start_ticks) != 0)
        me->start_ticks = 0;
    snprintf(me->command, sizeof me->command, "%s", command);
    me->started_at = now_ms;
    me->heartbeat_at = owner_wall_ms();
}

/* What the kernel says about other's process: 1 gone, 0 alive, -1 cannot tell from here. */
static int owner_kernel_says(const struct outbox_owner *me, const struct outbox_owner *other)
{
    if (me->boot_id[0] && other->boot_id[0] && strcmp(me->boot_id, other->boot_id) != 0)
        return 1; /* the machine has booted since: no process survives that */
    if (!me->boot_id[0] || !other->boot_id[0] || !me->pid_ns[0] ||
        strcmp(me->pid_ns, other->pid_ns) != 0 || other->pid <= 0 || other->pid > INT_MAX ||
        other->start_ticks <= 0)
        return -1;
    if (kill((pid_t)other->pid, 0) != 0 && errno == ESRCH)
        return 1;
    char state;
    int64_t start = 0;
    if (owner_proc_stat(other->pid, &state, &start) != 0)
        return -1; /* it exists but /proc hides it: its start time cannot be checked */
    if (start != other->start_ticks)
        return 1; /* another process has the pid now */
    return state == 'Z' || state == 'X' ? 1 : 0;
}

int owner_gone(const struct outbox_owner *me, const struct outbox_owner *other, int64_t wall_ms)
{
    int says = owner_kernel_says(me, other);
    if (says >= 0)
        return says;
    return wall_ms - other->heartbeat_at > OWNER_LEASE_MS;
}

/* Releases the rows of every other owner that is gone (inside the caller's transaction). */
static int owner_sweep(struct db *db, const struct outbox_owner *me, int64_t *requeued)
{
    struct outbox_owner others[OUTBOX_OWNERS_MAX];
    int n = 0;
    if (outbox_owner_list(db, others, OUTBOX_OWNERS_MAX, &n) != DB_OK)
        return DB_ERROR;
    int64_t wall = owner_wall_ms();
    for (int i = 0; i < n; i++) {
        const struct outbox_owner *o = &others[i];
        if (o->id == me->id || !owner_gone(me, o, wall))
            continue;
        int64_t k = 0;
        if (outbox_owner_release(db, o->id, &k) != DB_OK)
            return DB_ERROR;
        *requeued += k;
        if (k)
            log_warn("owner",
                     "%s process %lld (owner %lld) is gone: %lld message(s) it was sending are "
                     "queued again",
                     o->command, (long long)o->pid, (long long)o->id, (long long)k);
    }
    return DB_OK;
}

int owner_register(struct db *db, const char *command, int64_t now_ms, struct outbox_owner *me,
                   int64_t *requeued)
{
    *requeued = 0;
    owner_identify(me, command, now_ms);
    if (!me->boot_id[0] || !me->start_ticks)
        log_warn("owner", "cannot read this process's identity from /proc: other processes "
                          "will judge it by its heartbeat alone");
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    int64_t legacy = 0;
    int rc = outbox_owner_add(db, me);
    if (rc == DB_OK)
        rc = owner_sweep(db, me, requeued);
    if (rc == DB_OK)
        rc = outbox_requeue_unowned(db, &legacy);
    int64_t fixed = 0;
    if (rc == DB_OK)
        rc = outbox_repair_heads(db, &fixed);
    if (rc == DB_OK && fixed)
        log_warn("owner",
                 "%lld message(s) had the wrong mark of their chat's next message: "
                 "repaired",
                 (long long)fixed);
    if (rc != DB_OK || db_commit(db) != DB_OK) {
        db_rollback(db);
        me->id = 0;
        *requeued = 0;
        return DB_ERROR;
    }
    *requeued += legacy;
    return DB_OK;
}

int owner_tick(struct db *db, const struct outbox_owner *me, int64_t *requeued, char *why,
               size_t whylen)
{
    *requeued = 0;
    why[0] = '\0';
    if (db_begin(db) != DB_OK) {
        snprintf(why, whylen, "%s", sqlite3_errmsg(db_handle(db)));
        return DB_ERROR;
    }
    int rc = outbox_owner_beat(db, me->id, owner_wall_ms());
    if (rc == DB_NOT_FOUND) {
        /* Another process judged this one gone (only possible by the heartbeat, when it could
         * not look at us) and requeued our rows: some may be sent twice. Register again. */
        log_error("owner", "another process took this one for gone and requeued its sends; "
                           "is a second tipgate using this database from another namespace?");
        struct outbox_owner again = *me;
        again.heartbeat_at = owner_wall_ms();
        rc = outbox_owner_add(db, &again);
    }
    if (rc == DB_OK)
        rc = owner_sweep(db, me, requeued);
    if (rc != DB_OK || db_commit(db) != DB_OK) {
        snprintf(why, whylen, "%s", sqlite3_errmsg(db_handle(db))); /* before the rollback */
        db_rollback(db);
        *requeued = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int owner_unregister(struct db *db, const struct outbox_owner *me, int64_t *requeued)
{
    *requeued = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (outbox_owner_release(db, me->id, requeued) != DB_OK || db_commit(db) != DB_OK) {
        db_rollback(db);
        *requeued = 0;
        return DB_ERROR;
    }
    return DB_OK;
}
