/*
 * desk.h — the police desk. Officers enrol with a one-time code (/dangky <mã>); then, in any
 * chat, they acknowledge (/nhan), assign (/giao), reply to the tipster through the bot (/traloi),
 * set a status (/xuly), close with an outcome (/dong), reopen (/mo), mark duplicates
 * (/trungvoi), extend the legal limit (/giahan), and list or search tips (/tinmoi, /quahan,
 * /tim). Every change reaches the tipster in Vietnamese and is written to the audit log. Anyone
 * else gets a polite refusal.
 */
#ifndef TIPGATE_DESK_H
#define TIPGATE_DESK_H

#include "handlers/router.h"

extern const struct router_table desk_commands;

int desk_enrol(struct hctx *ctx);
int desk_ack(struct hctx *ctx);
int desk_assign(struct hctx *ctx);
int desk_reply(struct hctx *ctx);
int desk_set_status(struct hctx *ctx);
int desk_close(struct hctx *ctx);
int desk_reopen(struct hctx *ctx);
int desk_duplicate(struct hctx *ctx);
int desk_extend(struct hctx *ctx);
int desk_list_new(struct hctx *ctx);
int desk_list_overdue(struct hctx *ctx);
int desk_search(struct hctx *ctx);

#endif
