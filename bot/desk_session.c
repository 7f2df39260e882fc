/*
 * desk_session.c — see desk_session.h. The Cookie header is read whole (bounded) and split on
 * ';'; a cookie value is never logged.
 */
#include "bot/desk_session.h"

#include <libwebsockets.h>
#include <string.h>

enum { DESK_COOKIE_HEADER_MAX = 4096 };

int desk_cookie_get(struct lws *wsi, const char *name, char *out, size_t size)
{
    char header[DESK_COOKIE_HEADER_MAX];
    size_t nlen = strlen(name);
    out[0] = '\0';
    int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE);
    if (len <= 0 || len >= (int)sizeof header ||
        lws_hdr_copy(wsi, header, sizeof header, WSI_TOKEN_HTTP_COOKIE) < 0)
        return 0;
    for (char *p = header; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t vlen = n - nlen - 1;
            if (vlen >= size)
                return 0;
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
        p += n;
    }
    return 0;
}

int desk_session_of_secret(struct db *db, const char *secret, int64_t now_ms,
                           struct desk_session *s, struct person *p)
{
    memset(p, 0, sizeof *p);
    memset(s, 0, sizeof *s);
    if (!secret[0])
        return DB_NOT_FOUND;
    int rc = desk_session_check(db, secret, now_ms, s);
    if (rc != DB_OK)
        return rc;
    return people_get_id(db, s->person_id, p);
}

int desk_session_of(struct db *db, struct lws *wsi, int64_t now_ms, struct desk_session *s,
                    struct person *p)
{
    char secret[DESK_SECRET_HEX + 2];
    if (!desk_cookie_get(wsi, DESK_COOKIE, secret, sizeof secret))
        secret[0] = '\0';
    return desk_session_of_secret(db, secret, now_ms, s, p);
}
