/*
 * http_body.c — see http_body.h.
 */
#include "bot/http_body.h"

#include <stdlib.h>
#include <string.h>

int http_body_add(char **body, size_t *len, size_t max, const void *in, size_t n)
{
    if (*len + n > max)
        return -1;
    char *grown = realloc(*body, *len + n + 1);
    if (!grown)
        return -1;
    *body = grown;
    memcpy(grown + *len, in, n);
    *len += n;
    grown[*len] = '\0';
    return 0;
}
