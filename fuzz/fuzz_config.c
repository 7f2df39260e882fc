/*
 * fuzz_config.c — the configuration file as an operator writes it: the input is the file,
 * read as every command reads it (app_load_cfg: the settings blocks of every platform and
 * module registered, then cfg_load: JSON, "env:NAME" values, unknown-key checks with their
 * suggestions, typed settings, ranges and choices, paths, the platforms' own checks), then
 * the areas, desks and routing rules read from it as `serve` reads them (desks_load), and the
 * check for keys nothing read (cfg_warn_unread). Nothing of the file's own files is opened
 * beyond what cfg_load checks: the calendars, texts and lexicon have harnesses of their own.
 */
#include "fuzz/fuzzlib.h"

#include "base/textnorm.h"
#include "bot/app.h"
#include "config/config.h"
#include "config/desks.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzzlib_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzzlib_write("tipgate.json", data, size);
    struct cfg *cfg = NULL;
    char err[CFG_ERR_MAX], derr[512];
    if (!path || app_load_cfg(path, &cfg, err) != 0)
        return 0;
    struct desks *desks = NULL;
    if (desks_load(cfg, textnorm_fold, &desks, derr, sizeof derr) == 0)
        desks_free(desks);
    cfg_warn_unread(cfg);
    cfg_free(cfg);
    return 0;
}
