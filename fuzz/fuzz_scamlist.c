/*
 * fuzz_scamlist.c — a scam list import (`tipgate scamlist import FILE`): the input is the
 * file, JSON Lines {"type": "phone"|"link"|"account", "value", "reason", "bank"}, read by
 * scam_import_lines (handlers/scam.c: line bounds, JSON, fields, scam_normalise with the text
 * engine's phone reader, the link and account rules) and flagged in storage/scam_list.c, in
 * one transaction on the service's database that is rolled back after each input, so the list
 * never grows.
 */
#include "fuzz/fuzzlib.h"

#include "bot/app_core.h"
#include "handlers/handler.h"
#include "handlers/scam.h"
#include "storage/db.h"

#include <stdio.h>
#include <stdlib.h>

static struct app *fuzz_app;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    fuzz_app = fuzzlib_app("{\"webchat\": {\"enabled\": false}}");
    return 0;
}

/* The import's report of a bad line, as the CLI prints it (the reason only). */
static void fuzz_bad(void *arg, int line, int bad)
{
    (void)line;
    if (!scam_bad_why(bad))
        ++*(int *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *copy = fuzzlib_cstr(data, size);
    FILE *in = fmemopen(copy, size, "r");
    if (!in) {
        free(copy);
        return 0;
    }
    struct hctx ctx = {.db = fuzz_app->db,
                       .cfg = fuzz_app->cfg,
                       .texts = fuzz_app->texts,
                       .te = fuzz_app->te,
                       .desks = fuzz_app->desks,
                       .now_ms = FUZZ_NOW_MS,
                       .args = ""};
    int added = 0, nbad = 0, unnamed = 0;
    if (db_begin(fuzz_app->db) == DB_OK) {
        scam_import_lines(&ctx, in, 0, fuzz_bad, &unnamed, &added, &nbad);
        db_rollback(fuzz_app->db);
    }
    if (unnamed) {
        fprintf(stderr, "fuzz_scamlist: a bad line without a reason\n");
        abort();
    }
    fclose(in);
    free(copy);
    return 0;
}
