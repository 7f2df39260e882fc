/*
 * copier.h — the thread that copies photos tipsters sent through a platform (a Telegram file
 * id, a Zalo URL) into the uploads directory, so the web desk can show them to officers
 * (handlers/deskapi_tips.c serves files it holds, never a platform's link: the link holds the
 * bot's token, or expires).
 *
 * The queue is in SQLite (storage/photo_copies.h): tips_add_attachment queues a platform's
 * photo, the copier claims due rows with a lease, asks the tip's platform for a URL (the
 * file_url op of bot/platform.h), downloads it with a bounded size and time, checks its magic
 * bytes, stores it content-addressed (storage/uploads.h) and records the copy. A failed try is
 * tried again later (1 minute, 5, 30, 2 hours, 6 hours) and then given up: the desk shows the
 * photo as unavailable. Started with the platforms in `serve`; the worker wakes it after each
 * batch it stored.
 */
#ifndef TIPGATE_COPIER_H
#define TIPGATE_COPIER_H

struct app;
struct copier;

enum {
    COPIER_BATCH = 8,         /* photos claimed at once */
    COPIER_LEASE_MS = 300000, /* a claimed photo is left to its copier this long */
    COPIER_TIMEOUT_S = 60,    /* one download, whole */
    COPIER_CONNECT_TIMEOUT_S = 10,
    COPIER_IDLE_MS = 30000, /* the longest sleep with nothing due */
    COPIER_RETRY_MS = 5000, /* the sleep after the database failed */
};

/* Starts the copier thread on app (its platforms' states must outlive it). 0, or -1. */
int copier_start(struct app *app, struct copier **out);
/* Something may be due now. Any thread; NULL is fine. */
void copier_wake(struct copier *c);
/* Aborts a download in progress, joins the thread and frees c. NULL is fine. */
void copier_stop(struct copier *c);

#endif
