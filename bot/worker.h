/*
 * worker.h — the pipeline thread: pending inbox rows → router → handlers → outbox rows, with
 * each update's effects and its "processed" mark committed in one transaction.
 *
 * Batches of up to WORKER_BATCH updates share a transaction (one fsync for the batch), and each
 * update runs inside a savepoint so one failing handler rolls back only its own effects; that
 * update is then marked processed with the error kept, never retried in a loop.
 */
#ifndef TIPGATE_WORKER_H
#define TIPGATE_WORKER_H

#include <stdint.h>

struct app;
struct db;
struct worker;

enum { WORKER_BATCH = 64 };

int worker_start(struct app *app, struct worker **out);
/* New inbox rows exist. Any thread. */
void worker_wake(struct worker *w);
/* Finishes the batch in hand, joins the thread and frees w. NULL is fine. */
void worker_stop(struct worker *w);

/* Processes one batch on db (the caller's connection). *done is how many updates were handled;
 * *touched is the mask of platforms that got outbox rows. Used by the thread and by tests. */
int worker_run_batch(struct app *app, struct db *db, int *done, unsigned *touched);

#endif
