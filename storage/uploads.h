/*
 * uploads.h — photos residents upload from the web chat, kept as files next to the database.
 *
 * A file is named by the SHA-256 of its bytes (content-addressed: the same photo twice is one
 * file) under <directory of storage.path>/uploads/<first two hex>/<64 hex>, directories 0700 and
 * files 0600, written to a temporary name, fsync'd and renamed so a crash never leaves half a
 * photo under the final name. Messages refer to a file as "upload:<64 hex>" (UPLOADS_REF_PREFIX);
 * nothing here is served by URL. bot/platforms/webchat_upload.c saves, the Telegram adapter reads
 * a file back to send it to a desk. Plain files, no database: any thread.
 */
#ifndef TIPGATE_UPLOADS_H
#define TIPGATE_UPLOADS_H

#include <stdbool.h>
#include <stddef.h>

#define UPLOADS_REF_PREFIX "upload:"
enum {
    UPLOADS_MAX_BYTES = 10 * 1024 * 1024, /* the largest photo accepted (10 MiB) */
    UPLOADS_PATH_MAX = 4096,
    UPLOADS_HEX_LEN = 64,
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

#endif
