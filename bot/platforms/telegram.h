/*
 * telegram.h — the Telegram adapter's reading of updates, exposed for the unit tests (the
 * adapter itself is reached through telegram_platform in the registry, bot/platform.c).
 *
 * Every number taken from an update is range-checked before any arithmetic (an update is
 * data from the network: update_id + 1 or date * 1000 on a value near 2^63 is undefined), and
 * the inbox key of an update is its update_id scoped by a receive epoch, because Telegram
 * reuses ids: after a week without updates the next update_id is chosen at random and may be
 * lower than ids already stored.
 */
#ifndef TIPGATE_TELEGRAM_H
#define TIPGATE_TELEGRAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;
struct msg;

enum { TG_KEY_MAX = 48 };

/* The highest update_id accepted: Telegram's are positive 32-bit integers. */
#define TG_UPDATE_ID_MAX INT32_MAX
/* The first update after this long without any starts a new receive epoch (see tg_ids_step). */
#define TG_QUIET_EPOCH_MS (72LL * 3600 * 1000)

/* Where the receive side stands; kept in platform_state with the updates it covers. */
struct tg_ids {
    int64_t epoch;   /* scopes inbox keys; bumped when ids may repeat */
    int64_t last_at; /* when the last update was stored (application clock), 0 if unknown */
    int64_t expect;  /* polling: the offset asked for, then the last id + 1; 0 = none (webhook) */
};

/* The update's update_id in *id: 0 if it is an integer in [0, TG_UPDATE_ID_MAX], else -1. */
int tg_update_id(json_t *u, int64_t *id);

/* Decides the epoch of the update id arriving at now_ms and advances *s; true when it starts
 * a new epoch. A new epoch starts when polling returns an id below the offset it asked for
 * (confirmed ids never come back, so the ids restarted), or when the last update is
 * TG_QUIET_EPOCH_MS old (Telegram restarts ids only after a week without updates, and retries
 * a webhook delivery for at most a day, so nothing after such a silence can be a retry). */
bool tg_ids_step(struct tg_ids *s, int64_t id, int64_t now_ms);

/* Writes the inbox key of update id in epoch into key ("<id>" in epoch 0, "e<N>:<id>" after,
 * so rows stored before epochs existed keep their keys). */
void tg_key(int64_t epoch, int64_t id, char key[TG_KEY_MAX]);

/* Turns one update into *m (keyed in epoch; db is read for button payloads). Returns 0, 1 for
 * a kind we do not keep, -1 if malformed; on non-zero *m is cleared (nothing to free). */
int tg_update_to_msg(struct db *db, json_t *u, int64_t epoch, struct msg *m);

#endif
