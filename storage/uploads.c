/*
 * uploads.c — see uploads.h. The hash comes from base/secure.c (the same SHA-256 that stores
 * web chat secrets); the image types are recognised by their first bytes only, which is all a
 * desk needs to be sure it is sent a picture and not a script renamed .jpg.
 *
 * uploads_lock orders a store against retention's delete of the same name: a store that finds
 * the file refreshes its time and a store that writes it renames it into place under the lock,
 * and a delete checks the time and unlinks under it, so a delete never removes a file stored
 * after retention decided it was unused. Writing and flushing the bytes happen outside it.
 */
#include "storage/uploads.h"

#include "base/clock.h"
#include "base/secure.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int uploads_dir(const char *db_path, char *out, size_t n)
{
    const char *slash = strrchr(db_path, '/');
    int len = slash ? snprintf(out, n, "%.*s/uploads", (int)(slash - db_path), db_path)
                    : snprintf(out, n, "uploads");
    if (slash == db_path) /* a database at the root: "/uploads" */
        len = snprintf(out, n, "/uploads");
    return len > 0 && (size_t)len < n ? 0 : -1;
}

const char *uploads_sniff(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    /* ISO base media: a box "ftyp" at offset 4 whose major brand is an HEIF one */
    static const char *const brands[] = {"heic", "heix", "hevc", "hevx", "heim",
                                         "heis", "mif1", "msf1", "avif"};
    if (len >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
        for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
            if (memcmp(p + 8, brands[i], 4) == 0)
                return "image/heic";
    return NULL;
}

static const char *const uploads_types[] = {"image/jpeg", "image/png", "image/webp", "image/heic",
                                            "image/heif"};

/* The accepted type mime names (parameters ignored), or NULL. */
static const char *uploads_type_of(const char *mime)
{
    size_t n = strcspn(mime, "; \t");
    for (size_t i = 0; i < sizeof uploads_types / sizeof uploads_types[0]; i++)
        if (strlen(uploads_types[i]) == n && strncasecmp(mime, uploads_types[i], n) == 0)
            return uploads_types[i];
    return NULL;
}

bool uploads_type_accepted(const char *mime)
{
    return uploads_type_of(mime) != NULL;
}

bool uploads_type_matches(const char *mime, const void *data, size_t len)
{
    const char *type = uploads_type_of(mime), *sniffed = uploads_sniff(data, len);
    if (!type || !sniffed)
        return false;
    if (strncmp(type, "image/hei", 9) == 0)
        return strcmp(sniffed, "image/heic") == 0;
    return strcmp(sniffed, type) == 0;
}

static int uploads_mkdir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

static pthread_mutex_t uploads_lock = PTHREAD_MUTEX_INITIALIZER;

/* now_ms as the times of a file (access and modification). */
static void uploads_times(int64_t now_ms, struct timespec ts[2])
{
    ts[0].tv_sec = (time_t)(now_ms / 1000);
    ts[0].tv_nsec = (long)(now_ms % 1000) * 1000000L;
    ts[1] = ts[0];
}

/* Whether the file at path holds len bytes; if so its time is refreshed to now (stored again).
 * Under uploads_lock. */
static bool uploads_refresh(const char *path, size_t len)
{
    struct stat st;
    struct timespec ts[2];
    if (stat(path, &st) != 0 || st.st_size != (off_t)len)
        return false;
    uploads_times(clock_now_ms(), ts);
    utimensat(AT_FDCWD, path, ts, 0); /* best effort: a stale time only makes it older */
    return true;
}

/* Writes all of data to fd and flushes it to the disk. */
static int uploads_write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        data += w;
        len -= (size_t)w;
    }
    return fsync(fd);
}

/* The directory's own entry made durable, so the rename survives a crash. */
static void uploads_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int uploads_save(const char *dir, const void *data, size_t len, char hex[UPLOADS_HEX_LEN + 1],
                 bool *existed)
{
    uint8_t digest[SECURE_SHA256_LEN];
    char sub[UPLOADS_PATH_MAX], final[UPLOADS_PATH_MAX], tmp[UPLOADS_PATH_MAX], token[17];
    int fd = -1, rc = -1;
    *existed = false;
    if (len > UPLOADS_MAX_BYTES) {
        errno = EFBIG;
        return -1;
    }
    secure_sha256(data, len, digest);
    secure_hex(digest, SECURE_SHA256_LEN, hex);
    if (secure_token_hex(8, token) != 0)
        return -1;
    int a = snprintf(sub, sizeof sub, "%s/%.2s", dir, hex);
    int b = snprintf(final, sizeof final, "%s/%s", sub, hex);
    int c = snprintf(tmp, sizeof tmp, "%s/.%s.tmp", sub, token);
    if (a <= 0 || (size_t)a >= sizeof sub || b <= 0 || (size_t)b >= sizeof final || c <= 0 ||
        (size_t)c >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (uploads_mkdir(dir) != 0 || uploads_mkdir(sub) != 0)
        return -1;
    pthread_mutex_lock(&uploads_lock);
    *existed = uploads_refresh(final, len);
    pthread_mutex_unlock(&uploads_lock);
    if (*existed)
        return 0;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    struct timespec ts[2];
    uploads_times(clock_now_ms(), ts);
    if (uploads_write_all(fd, data, len) != 0 || futimens(fd, ts) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    pthread_mutex_lock(&uploads_lock);
    int renamed = rename(tmp, final);
    pthread_mutex_unlock(&uploads_lock);
    if (renamed != 0)
        goto out;
    uploads_sync_dir(sub);
    rc = 0;
out:
    if (rc != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        errno = err;
    }
    return rc;
}

bool uploads_is_ref(const char *ref)
{
    size_t plen = sizeof UPLOADS_REF_PREFIX - 1;
    if (!ref || strncmp(ref, UPLOADS_REF_PREFIX, plen) != 0)
        return false;
    const char *h = ref + plen;
    return strlen(h) == UPLOADS_HEX_LEN && strspn(h, "0123456789abcdef") == UPLOADS_HEX_LEN;
}

int uploads_read(const char *dir, const char *ref, char **data, size_t *len)
{
    char path[UPLOADS_PATH_MAX];
    const char *hex = ref + sizeof UPLOADS_REF_PREFIX - 1;
    struct stat st;
    char *buf = NULL;
    int fd = -1, rc = -1;
    *data = NULL;
    *len = 0;
    if (!uploads_is_ref(ref))
        return -1;
    int n = snprintf(path, sizeof path, "%s/%.2s/%s", dir, hex, hex);
    if (n <= 0 || (size_t)n >= sizeof path)
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > UPLOADS_MAX_BYTES)
        goto out;
    size_t size = (size_t)st.st_size, got = 0;
    if (!(buf = malloc(size + 1)))
        goto out;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    buf[size] = '\0';
    *data = buf;
    *len = size;
    buf = NULL;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* Whether name is 64 lowercase hex digits (a stored file, not a temporary one). */
static bool uploads_is_hex(const char *name)
{
    return strlen(name) == UPLOADS_HEX_LEN && strspn(name, "0123456789abcdef") == UPLOADS_HEX_LEN;
}

int uploads_list(const char *dir, int sub, struct uploads_file **files, size_t *n)
{
    char path[UPLOADS_PATH_MAX];
    struct uploads_file *list = NULL;
    size_t count = 0, cap = 0;
    int rc = -1;
    *files = NULL;
    *n = 0;
    int len = snprintf(path, sizeof path, "%s/%02x", dir, (unsigned)sub);
    if (sub < 0 || sub >= UPLOADS_SUBDIRS || len <= 0 || (size_t)len >= sizeof path) {
        errno = EINVAL;
        return -1;
    }
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int dfd = dirfd(d);
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d))) {
        struct stat st;
        if (!uploads_is_hex(e->d_name) || fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode)) {
            errno = 0; /* gone since it was listed, or not a stored file: not ours to judge */
            continue;
        }
        if (count == cap) {
            size_t grown = cap ? cap * 2 : 64;
            struct uploads_file *more = realloc(list, grown * sizeof *list);
            if (!more)
                goto out;
            list = more;
            cap = grown;
        }
        memcpy(list[count].hex, e->d_name, UPLOADS_HEX_LEN + 1);
        list[count++].stored_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
    if (errno != 0)
        goto out;
    *files = list;
    *n = count;
    list = NULL;
    rc = 0;
out:;
    int err = errno;
    closedir(d);
    free(list);
    errno = err;
    return rc;
}

int uploads_remove_stale(const char *dir, const char *hex, int64_t before_ms, bool *deleted)
{
    char path[UPLOADS_PATH_MAX];
    struct stat st;
    int rc = 0;
    *deleted = false;
    int len = snprintf(path, sizeof path, "%s/%.2s/%s", dir, hex, hex);
    if (!uploads_is_hex(hex) || len <= 0 || (size_t)len >= sizeof path) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&uploads_lock);
    if (stat(path, &st) != 0) {
        rc = errno == ENOENT ? 0 : -1;
    } else if ((int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 < before_ms) {
        if (unlink(path) == 0)
            *deleted = true;
        else if (errno != ENOENT)
            rc = -1;
    }
    pthread_mutex_unlock(&uploads_lock);
    return rc;
}
