/*
 * zalo.h — the Zalo adapter's reading of updates, exposed for the unit tests (the adapter
 * itself is reached through zalo_platform in the registry, bot/platform.c).
 *
 * Payloads are read as the real Zalo Bot API sends them: photos in photo_url (the documented
 * photo as a fallback), voice in voice_url, stickers as an id (sticker) and an image (url) that
 * is kept as a "sticker", never as a photo; the bot's own messages are recognised by
 * from.is_bot. Every number is range-checked and every id bounded before it is stored.
 */
#ifndef TIPGATE_ZALO_H
#define TIPGATE_ZALO_H

#include <jansson.h>

struct msg;

/* Longest id (chat, sender, message) accepted; longer ones make the update malformed. */
enum { ZL_ID_MAX = 128, ZL_REF_MAX = 2048 };
/* Dates are milliseconds; anything after 9999-12-31 is garbage and replaced by the arrival. */
#define ZL_DATE_MAX_MS 253402300799999LL

/* Turns one update into *m. bot_id is getMe's id ("" if unknown): a message from it, or any
 * message whose from.is_bot is true, is an echo of a bot. Returns 0, 1 for an update to drop
 * (a bot's message, an event we do not know), -1 if malformed; on non-zero *m is cleared. */
int zl_update_to_msg(json_t *u, const char *bot_id, struct msg *m);

#endif
