/*
 * meetings.c — see meetings.h.
 */
#include "storage/meetings.h"

#include <stdlib.h>
#include <string.h>

void meeting_clear(struct meeting *m)
{
    free(m->platform);
    free(m->chat_id);
    free(m->text);
    memset(m, 0, sizeof *m);
}

int meetings_add(struct db *db, const char *platform, const char *chat_id, int64_t at,
                 const char *text, int64_t by, int64_t now_ms)
{
    /* Set less than a day ahead, a "tomorrow" reminder would be wrong: only the hour one. */
    static const char sql[] = "INSERT INTO meetings (platform, chat_id, at, text, created_by, "
                              "created_at, reminded_day) VALUES (?1, ?2, ?3, ?4, ?5, "
                              "?6, ?3 - ?6 < 86400000)";
    return db_run(db, sql, "ttItzI", platform, chat_id, at, text, by, now_ms);
}

int meetings_due(struct db *db, int64_t now_ms, struct meeting *out, int max, int *n)
{
    /* Due: the day-before reminder once now >= at - 24 h, the hour-before once now >= at - 1 h.
     * Meetings more than an hour past are left alone (a reminder after the fact helps no one). */
    static const char sql[] =
        "SELECT id, platform, chat_id, text, at, reminded_day, reminded_hour FROM meetings "
        "WHERE reminded_hour = 0 AND at > ?1 - 3600000 AND at <= ?1 + 86400000 AND "
        "((reminded_day = 0 AND ?1 >= at - 86400000) OR ?1 >= at - 3600000) "
        "ORDER BY at LIMIT ?2";
    static const struct db_col cols[] = {
        DB_COL(0, DB_INT64, struct meeting, id),
        DB_COL(1, DB_DUP, struct meeting, platform),
        DB_COL(2, DB_DUP, struct meeting, chat_id),
        DB_COL(3, DB_DUP, struct meeting, text),
        DB_COL(4, DB_INT64, struct meeting, at),
        DB_COL(5, DB_BOOL, struct meeting, reminded_day),
        DB_COL(6, DB_BOOL, struct meeting, reminded_hour),
    };
    if (db_rows(db_query(db, sql, "Ii", now_ms, max), cols, DB_COLS(cols), out, sizeof *out, max,
                n) != DB_OK) {
        for (int i = 0; i < *n; i++)
            meeting_clear(&out[i]);
        *n = 0;
        return DB_ERROR;
    }
    return DB_OK;
}

int meetings_mark(struct db *db, int64_t id, bool day, bool hour)
{
    static const char sql[] = "UPDATE meetings SET reminded_day = reminded_day OR ?, "
                              "reminded_hour = reminded_hour OR ? WHERE id = ?";
    return db_run(db, sql, "iiI", day, hour, id);
}
