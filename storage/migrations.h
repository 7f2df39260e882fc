/*
 * migrations.h — the schema migrations compiled into the binary. The array itself is generated
 * by cmake/embed_sql.cmake from storage/migrations/NNN_name.sql, in version order.
 */
#ifndef TIPGATE_MIGRATIONS_H
#define TIPGATE_MIGRATIONS_H

struct db_migration {
    int version; /* PRAGMA user_version after this file ran */
    const char *name;
    const char *sql;
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

#endif
