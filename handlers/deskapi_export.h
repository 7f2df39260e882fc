/*
 * deskapi_export.h — the web desk's downloads (routes in deskapi_export.c, table
 * deskapi_export_routes in deskapi.h) and the bounded memory they are built in: a desk download
 * is sent with its length, so it is built whole before the first byte goes out; a stdio FILE
 * over a buffer that refuses to grow past a cap keeps a whole year's export of a big ward from
 * taking the server's memory (the commander is told to use a shorter period or the CLI/API).
 */
#ifndef TIPGATE_DESKAPI_EXPORT_H
#define TIPGATE_DESKAPI_EXPORT_H

#include <stddef.h>
#include <stdio.h>

/* What a capped FILE holds: data (malloc'd, owned by the caller after fclose: free()) of len
 * bytes; over is set once a write would have gone past cap (that write fails: ferror). */
struct deskapi_capbuf {
    char *data;
    size_t len, size, cap;
    int over;
};

/* A write-only FILE over b (zeroed here) that holds at most cap bytes. NULL when out of memory.
 * fclose() it, then read and free b->data. */
FILE *deskapi_capbuf_open(struct deskapi_capbuf *b, size_t cap);

#endif
