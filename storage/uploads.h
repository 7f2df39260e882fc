/*
 * uploads.h — photos residents upload from the web chat, kept as files next to the database.
 *
 * A file is named by the SHA-256 of its bytes (content-addressed: the same photo twice is one
 * file) under <directory of storage.path>/uploads/<first two hex>/<64 hex>, directories 0700 and
 * files 0600, written to a temporary name, fsync'd and renamed so a crash never leaves half a
 * photo under the final name. Messages refer to a file as "upload:<64 hex>" (UPLOADS_REF_PREFIX);
 * nothing here is served by URL. bot/platforms/webchat_upload.c saves, the Telegram adapter reads
 * a file back to send it to a desk, retention (handlers/retention.c) lists the files and deletes
 * those nothing refers to any more. A file's modification time is when it was last stored, on
 * the application clock (base/clock.h): storing the same bytes again refreshes it, so retention
 * never deletes a photo just sent again. Plain files, no database: any thread.
 */
#ifndef TIPGATE_UPLOADS_H
#define TIPGATE_UPLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UPLOADS_REF_PREFIX "upload:"
enum {
    UPLOADS_MAX_BYTES = 10 * 1024 * 1024, /* the largest photo accepted (10 MiB) */
    UPLOADS_PATH_MAX = 4096,
    UPLOADS_HEX_LEN = 64,
    UPLOADS_SUBDIRS = 256, /* "00" .. "ff": the first two hex digits of the files in them */
};

/* A stored file: its name (the SHA-256 in hex) and when it was last stored (application
 * clock, ms). */
struct uploads_file {
    char hex[UPLOADS_HEX_LEN + 1];
    int64_t stored_ms;
};

/* The uploads directory for the database at db_path ("<its directory>/uploads") into out.
 * 0, or -1 when it does not fit. */
int uploads_dir(const char *db_path, char *out, size_t n);
/* The image type whose magic bytes data starts with ("image/jpeg", "image/png", "image/webp",
 * "image/heic"), or NULL. A static string. */
const char *uploads_sniff(const void *data, size_t len);
/* Whether mime (a Content-Type, parameters ignored) is one of the accepted image types. */
bool uploads_type_accepted(const char *mime);
/* Whether mime (a Content-Type, parameters ignored) is one of the accepted image types and
 * data's magic bytes agree with it (HEIF and HEIC are one family: either name fits either). */
bool uploads_type_matches(const char *mime, const void *data, size_t len);
/* Stores len bytes (at most UPLOADS_MAX_BYTES) under dir; hex receives the SHA-256 (65 bytes
 * with the NUL), *existed whether the same bytes were already stored. 0, or -1 (errno set,
 * nothing left behind under the final name). */
int uploads_save(const char *dir, const void *data, size_t len, char hex[UPLOADS_HEX_LEN + 1],
                 bool *existed);
/* Whether ref is "upload:" and 64 lowercase hex digits. */
bool uploads_is_ref(const char *ref);
/* Reads the file of ref back: *data (malloc'd, caller frees, NUL-terminated past *len) and its
 * *len. 0, or -1 when ref is not an upload ref, the file is missing or larger than the limit. */
int uploads_read(const char *dir, const char *ref, char **data, size_t *len);
/* The files of subdirectory sub (0 .. UPLOADS_SUBDIRS - 1) of dir into *files (malloc'd, caller
 * frees; NULL when none) and their count *n; names that are not 64 lowercase hex digits (a
 * temporary file being written) are left out. A missing directory has no files. 0, or -1
 * (errno set). */
int uploads_list(const char *dir, int sub, struct uploads_file **files, size_t *n);
/* Deletes the file named hex under dir unless it was stored at or after before_ms (stored again
 * since it was listed: it stays). Checked and deleted under the lock uploads_save takes, so a
 * photo stored again at that moment is never lost. *deleted says whether it went; a file
 * already gone counts as not deleted and is no error. 0, or -1 (errno set). */
int uploads_remove_stale(const char *dir, const char *hex, int64_t before_ms, bool *deleted);

#endif
