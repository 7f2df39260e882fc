/*
 * handover.c — see handover.h. Every list repeats the WHERE of the partial index it names
 * (INDEXED BY makes a mismatch an error at prepare, never a silent scan); the count of the whole
 * list is a window over the same rows.
 */
#include "storage/handover.h"

#include "storage/tips.h"
#include "storage/tips_impl.h"

#define HANDOVER_SCOPE                                                                             \
    " AND kind = 'tip' AND (?1 IS NULL OR area = ?1 COLLATE NOCASE OR area IS NULL OR area = '')"
#define HANDOVER_TAIL " LIMIT ?4"

int handover_page(struct db *db, enum handover_list which, const char *scope, int64_t since_ms,
                  int64_t now_ms, struct tip *out, int max, int *n, int64_t *total)
{
    static const char *const sqls[HANDOVER_LISTS] = {
        [HANDOVER_NEW] = "SELECT " TIPS_COLUMNS ", count(*) OVER () FROM tips INDEXED BY "
                         "tips_kind_created WHERE created_at >= ?2 AND ?3 = ?3" HANDOVER_SCOPE
                         " ORDER BY created_at DESC, id DESC" HANDOVER_TAIL,
        [HANDOVER_ACKNOWLEDGED] =
            "SELECT " TIPS_COLUMNS ", count(*) OVER () FROM tips INDEXED BY tips_acknowledged "
            "WHERE acknowledged_at IS NOT NULL AND acknowledged_at >= ?2 AND ?3 = ?3" HANDOVER_SCOPE
            " ORDER BY acknowledged_at DESC, id DESC" HANDOVER_TAIL,
        [HANDOVER_OVERDUE] = "SELECT " TIPS_COLUMNS ", count(*) OVER () FROM tips INDEXED BY "
                             "tips_overdue WHERE deadline_at IS NOT NULL AND " TIPS_OPEN
                             " AND deadline_at < ?3 AND ?2 = ?2" HANDOVER_SCOPE
                             " ORDER BY deadline_at, id" HANDOVER_TAIL,
        /* the open tips, each asked for its last relay message (tip_messages_tip) */
        [HANDOVER_REPLIES] =
            "SELECT " TIPS_COLUMNS ", count(*) OVER () FROM (SELECT t.*, (SELECT m.id FROM "
            "tip_messages m WHERE m.tip_id = t.id ORDER BY m.id DESC LIMIT 1) AS last_id, "
            "(SELECT m.direction FROM tip_messages m WHERE m.tip_id = t.id ORDER BY m.id DESC "
            "LIMIT 1) AS last_dir FROM tips t INDEXED BY tips_open_area WHERE " TIPS_OPEN
                HANDOVER_SCOPE " AND ?2 = ?2 AND ?3 = ?3) WHERE last_dir = 'from_tipster' "
            "ORDER BY last_id DESC" HANDOVER_TAIL,
        [HANDOVER_CLOSED] =
            "SELECT " TIPS_COLUMNS ", count(*) OVER () FROM tips INDEXED BY "
            "tips_closed WHERE closed_at IS NOT NULL AND closed_at >= ?2 "
            "AND ?3 = ?3" HANDOVER_SCOPE " ORDER BY closed_at DESC, id DESC" HANDOVER_TAIL,
    };
    *n = 0;
    *total = 0;
    if ((unsigned)which >= HANDOVER_LISTS)
        return DB_ERROR;
    sqlite3_stmt *st = db_stmt(db, sqls[which]);
    if (!st)
        return DB_ERROR;
    if (scope)
        sqlite3_bind_text(st, 1, scope, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, now_ms);
    sqlite3_bind_int(st, 4, max);
    return tips_collect_total(st, out, max, n, total);
}
