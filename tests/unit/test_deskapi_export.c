/*
 * test_deskapi_export.c — the web desk's downloads (issue 15): the capped FILE a desk export is
 * built in keeps every byte up to its cap and refuses the write that would pass it (so a year's
 * export of a big ward cannot take the server's memory: the route answers 413 instead), and
 * deskapi_download hands the data to the answer with a file name that is safe in a header
 * (a range period's slashes and anything else become '-') and frees it on an error.
 */
#include "handlers/deskapi.h"
#include "handlers/deskapi_export.h"

#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static void test_capbuf_keeps_what_fits(void)
{
    struct deskapi_capbuf b;
    FILE *f = deskapi_capbuf_open(&b, 1000);
    CHECK(f != NULL);
    for (int i = 0; i < 100; i++)
        CHECK(fprintf(f, "%09d\n", i) == 10);
    CHECK_INT(fclose(f), 0);
    CHECK_INT(b.over, 0);
    CHECK_INT(b.len, 1000);
    CHECK(memcmp(b.data, "000000000\n000000001\n", 20) == 0);
    CHECK(memcmp(b.data + 990, "000000099\n", 10) == 0);
    free(b.data);
}

static void test_capbuf_refuses_past_its_cap(void)
{
    struct deskapi_capbuf b;
    FILE *f = deskapi_capbuf_open(&b, 1000);
    CHECK(f != NULL);
    char line[301];
    memset(line, 'x', 300);
    line[300] = '\0';
    int failed = 0;
    for (int i = 0; i < 10; i++)
        if (fputs(line, f) == EOF)
            failed = 1;
    /* stdio may hold the last piece until the flush: the failure shows by then at the latest */
    if (fflush(f) != 0 || ferror(f))
        failed = 1;
    fclose(f);
    CHECK_INT(failed, 1);
    CHECK_INT(b.over, 1);
    CHECK(b.len <= 1000);
    CHECK(b.size <= 1000);
    free(b.data);
}

static void test_download_names_and_owns_its_data(void)
{
    struct deskapi_resp resp = {0};
    char *data = strdup("\xEF\xBB\xBF\"a\"\r\n");
    CHECK_INT(deskapi_download(&resp, data, strlen(data), "text/csv; charset=utf-8",
                               "bao-cao-01/01/2026-30/06/2026 \"x\".csv"),
              0);
    CHECK_INT(resp.status, 200);
    CHECK(resp.body == NULL);
    CHECK(resp.data == data);
    CHECK_INT(resp.data_len, 8);
    CHECK_STR(resp.content_type, "text/csv; charset=utf-8");
    CHECK_STR(resp.download, "bao-cao-01-01-2026-30-06-2026--x-.csv");
    deskapi_resp_clear(&resp);
    CHECK(resp.data == NULL);
    CHECK_INT(resp.data_len, 0);
    CHECK_STR(resp.download, "");

    CHECK_INT(deskapi_download(&resp, NULL, 0, "text/csv", "x.csv"), -1);
    CHECK_INT(resp.status, 500);
    CHECK(resp.data == NULL);
}

TESTLIB_MAIN(T(test_capbuf_keeps_what_fits), T(test_capbuf_refuses_past_its_cap),
             T(test_download_names_and_owns_its_data))
