/*
 * desk_events.c — see desk_events.h. Each kind is read as a range of row ids (cursor, last]:
 * the last ids are read first, so a range whose rows are all filtered out (views, feedback)
 * still moves the cursor to its end, and a wake with nothing new reads three maxima only.
 */
#include "storage/desk_events.h"

#include "storage/tips_impl.h"

#include <stdlib.h>
#include <string.h>

void desk_events_clear(struct desk_events *ev)
{
    for (int i = 0; i < ev->n_tips; i++)
        tip_clear(&ev->tips[i]);
    struct desk_note *lists[] = {ev->replies, ev->changes};
    int counts[] = {ev->n_replies, ev->n_changes};
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < counts[l]; i++) {
            free(lists[l][i].area);
            free(lists[l][i].action);
            free(lists[l][i].who);
        }
    memset(ev, 0, sizeof *ev);
}

static int desk_events_last(struct db *db, struct desk_cursor *c)
{
    static const char sql[] = "SELECT (SELECT max(id) FROM tips), (SELECT max(id) FROM "
                              "tip_messages), (SELECT max(id) FROM audit_log)";
    static const struct db_col map[] = {
        DB_COL(0, DB_INT64, struct desk_cursor, tip),
        DB_COL(1, DB_INT64, struct desk_cursor, message),
        DB_COL(2, DB_INT64, struct desk_cursor, audit),
    };
    memset(c, 0, sizeof *c);
    return db_row(db_stmt(db, sql), map, DB_COLS(map), c) == DB_OK ? DB_OK : DB_ERROR;
}

int desk_events_start(struct db *db, struct desk_cursor *c)
{
    return desk_events_last(db, c);
}

/* The new tips and leads in (after, last]. */
static int desk_events_tips(struct db *db, int64_t after, int64_t last, struct desk_events *ev)
{
    static const char sql[] = "SELECT " TIPS_COLUMNS " FROM tips WHERE id > ?1 AND id <= ?2"
                              " AND kind != 'feedback' ORDER BY id LIMIT ?3";
    return tips_collect(db_query(db, sql, "IIi", after, last, (int)DESK_EVENTS_MAX), ev->tips,
                        DESK_EVENTS_MAX, &ev->n_tips);
}

static const struct db_col desk_note_map[] = {
    DB_COL(0, DB_INT64, struct desk_note, id),   DB_COL(1, DB_TEXT, struct desk_note, code),
    DB_COL(2, DB_DUP, struct desk_note, area),   DB_COL(3, DB_INT64, struct desk_note, at),
    DB_COL(4, DB_DUP, struct desk_note, action), DB_COL(5, DB_DUP, struct desk_note, who),
};

/* The tipsters' follow-ups in (after, last]. */
static int desk_events_replies(struct db *db, int64_t after, int64_t last, struct desk_events *ev)
{
    static const char sql[] =
        "SELECT m.id, t.code, t.area, m.created_at, NULL, NULL FROM tip_messages m"
        " JOIN tips t ON t.id = m.tip_id WHERE m.id > ?1 AND m.id <= ?2"
        " AND m.direction = 'from_tipster' AND t.kind != 'feedback' ORDER BY m.id LIMIT ?3";
    return db_rows(db_query(db, sql, "IIi", after, last, (int)DESK_EVENTS_MAX), desk_note_map,
                   DB_COLS(desk_note_map), ev->replies, sizeof ev->replies[0], DESK_EVENTS_MAX,
                   &ev->n_replies);
}

/* The desk's actions in (after, last]: audit rows of a tip that are not views, nor the
 * tipster's own doings (filing, adding: those are the other two kinds). who follows the rule
 * of the tip's story (storage/tips_desk.c tips_events): a staff member's name, never a
 * resident's. */
static int desk_events_changes(struct db *db, int64_t after, int64_t last, struct desk_events *ev)
{
    static const char sql[] =
        "SELECT a.id, t.code, t.area, a.at, a.action,"
        "  CASE WHEN a.actor IS NOT NULL AND a.actor IS NOT t.person_id AND p.role != 'resident'"
        "   THEN p.display_name END"
        " FROM audit_log a JOIN tips t ON t.id = a.tip_id LEFT JOIN people p ON p.id = a.actor"
        " WHERE a.id > ?1 AND a.id <= ?2"
        "  AND a.action NOT IN ('view', 'view_contact', 'contact_to_desk', 'file', 'add')"
        "  AND t.kind != 'feedback' ORDER BY a.id LIMIT ?3";
    return db_rows(db_query(db, sql, "IIi", after, last, (int)DESK_EVENTS_MAX), desk_note_map,
                   DB_COLS(desk_note_map), ev->changes, sizeof ev->changes[0], DESK_EVENTS_MAX,
                   &ev->n_changes);
}

/* Where a kind's cursor goes after reading n rows of (*at, last] whose last id is seen: to
 * seen when the read was full (more follow), else to last. A last below the cursor (rows
 * deleted from the end of the table) takes the cursor down with it. */
static void desk_events_move(int64_t *at, int64_t last, int n, int64_t seen, bool *more)
{
    if (n == DESK_EVENTS_MAX) {
        *at = seen;
        *more = true;
    } else {
        *at = last;
    }
}

int desk_events_read(struct db *db, struct desk_cursor *c, struct desk_events *ev)
{
    struct desk_cursor last, next = *c;
    memset(ev, 0, sizeof *ev);
    int rc = desk_events_last(db, &last);
    if (rc != DB_OK)
        goto out;
    if (last.tip > c->tip && (rc = desk_events_tips(db, c->tip, last.tip, ev)) != DB_OK)
        goto out;
    if (last.message > c->message &&
        (rc = desk_events_replies(db, c->message, last.message, ev)) != DB_OK)
        goto out;
    if (last.audit > c->audit && (rc = desk_events_changes(db, c->audit, last.audit, ev)) != DB_OK)
        goto out;
    desk_events_move(&next.tip, last.tip, ev->n_tips, ev->n_tips ? ev->tips[ev->n_tips - 1].id : 0,
                     &ev->more);
    desk_events_move(&next.message, last.message, ev->n_replies,
                     ev->n_replies ? ev->replies[ev->n_replies - 1].id : 0, &ev->more);
    desk_events_move(&next.audit, last.audit, ev->n_changes,
                     ev->n_changes ? ev->changes[ev->n_changes - 1].id : 0, &ev->more);
    *c = next;
out:
    if (rc != DB_OK) {
        desk_events_clear(ev);
        rc = DB_ERROR;
    }
    return rc;
}

int desk_events_urgent(struct db *db, const char *area, struct tip *out, int max, int *n)
{
    /* The partial index tips_fresh (migration 009) holds exactly the unacknowledged new tips,
     * urgent first: the urgent ones are its head. */
    static const char sql[] =
        "SELECT " TIPS_COLUMNS " FROM tips"
        " WHERE acknowledged_at IS NULL AND status = 'new' AND kind != 'group_lead'"
        "  AND urgent = 1 AND kind != 'feedback'"
        "  AND (?1 IS NULL OR ifnull(area, '') = '' OR area = ?1 COLLATE NOCASE)"
        " ORDER BY urgent DESC, created_at DESC LIMIT ?2";
    if (max > DESK_URGENT_MAX)
        max = DESK_URGENT_MAX;
    return tips_collect(db_query(db, sql, "ti", area, max), out, max, n);
}
