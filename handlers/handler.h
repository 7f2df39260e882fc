/*
 * handler.h — what a handler gets and how it answers.
 *
 * A handler is a plain function over (context) that reads and writes storage through
 * ctx->db and answers by enqueueing outbox rows (hctx_reply, hctx_send); it never calls a
 * platform, never sleeps and never reads the wall clock (ctx->now_ms is the one time of this
 * update). Everything it writes commits or rolls back with the update's "processed" mark;
 * scheduled jobs, which have no update, open their own short transactions (hctx_in_write).
 */
#ifndef TIPGATE_HANDLER_H
#define TIPGATE_HANDLER_H

#include "base/msg.h"
#include "base/platform_caps.h"
#include "config/config.h"
#include "handlers/texts.h"
#include "storage/db.h"
#include "storage/outbox.h"

#include <stddef.h>
#include <stdint.h>

enum { HCTX_COMMAND_MAX = 64 };

struct textengine;
struct text_analysis;
struct desks;
struct person;

struct hctx {
    struct db *db;
    const struct cfg *cfg;
    const struct texts *texts;
    const struct textengine *te; /* the Vietnamese text engine */
    const struct desks *desks;   /* areas, desks, tip rules */
    const struct msg *msg;       /* NULL for scheduled work */
    /* The text engine's reading of msg->text, done before the transaction, or NULL. Handlers
     * read it through hctx_analyse, which makes it once when the worker did not. */
    const struct text_analysis *analysis;
    struct text_analysis *analysis_own; /* made by hctx_analyse, freed by hctx_clear */
    const struct person *person;        /* the sender's row, NULL when the update has no sender */
    const struct platform_caps *caps;   /* of msg->platform */
    int64_t now_ms;
    char command[HCTX_COMMAND_MAX]; /* "/start" (lowercased, @BotName stripped) or "" */
    const char *args;               /* text after the command, leading blanks skipped */
    unsigned touched;               /* platforms that got outbox rows (registry bits) */
    int keep_text;     /* a group message's text is kept (it drew a warning); otherwise dropped */
    int64_t about_tip; /* outbox rows enqueued while set are about this tip (outbox.tip_id) */
};

typedef int (*handler_fn)(struct hctx *ctx);

/* Enqueues text (owned by the caller) to platform/chat, split into as many messages as the
 * platform's text limit needs (in order; buttons under the last). On a platform without
 * buttons, the buttons become numbered lines at the end of the text before it is split. */
int hctx_send(struct hctx *ctx, const char *platform, const char *chat_id, const char *text,
              const char *buttons, enum outbox_priority priority);
/* The same with a photo (platform file id or URL); text is its caption when the platform's
 * caption limit allows, else follows in its own messages. */
int hctx_send_photo(struct hctx *ctx, const char *platform, const char *chat_id, const char *text,
                    const char *photo, const char *buttons, enum outbox_priority priority);
/* Renders the named text with vars and sends it back to the chat the message came from. */
int hctx_reply(struct hctx *ctx, const char *name, const struct texts_var *vars, size_t n);

/* The text engine's reading of text for this update, so that no text is read twice. When text
 * is the message's own (the pointer msg->text), the message's one reading: ctx->analysis,
 * which the worker made before the transaction, or else one made here on first use (a caption,
 * a text after an expired command) and kept in ctx until hctx_clear; it is read in the context
 * of the message's chat (group or private). Any other text (a command's arguments, a draft's
 * description) is read afresh into *own as private text. Returns NULL when the text cannot be
 * read (NULL, over the engine's limit, invalid UTF-8, no memory). *own is always initialised:
 * text_analysis_clear(own) when done; the result belongs to ctx or to *own. */
const struct text_analysis *hctx_analyse(struct hctx *ctx, const char *text,
                                         struct text_analysis *own);
/* Frees what hctx_analyse kept in ctx; whoever made ctx calls it when the update is done. */
void hctx_clear(struct hctx *ctx);

/* For scheduled jobs, which are called outside any transaction (bot/scheduler.h) and find their
 * due work by reading first: runs work(ctx, arg) in a write transaction of its own, committed
 * when it returns 0 and rolled back otherwise (ctx->touched then as it was before). Returns
 * work's result, or -1 when the transaction could not begin or commit (db_write). */
int hctx_in_write(struct hctx *ctx, int (*work)(struct hctx *ctx, void *arg), void *arg);

/* A command and its aliases, and who may use it where. Each feature module exports a table
 * of these (basic.c, report.c, desk.c, …); handlers/router.c lists the tables — adding a module's
 * commands is one line there. */
struct router_command {
    const char *names[4]; /* the command and its aliases, NULL-terminated */
    handler_fn fn;
    int in_groups; /* 1: also answered in group chats */
};

struct router_table {
    const struct router_command *rows;
    size_t n;
};

#define ROUTER_TABLE(rows)                                                                         \
    {                                                                                              \
        rows, sizeof rows / sizeof rows[0]                                                         \
    }

#endif
