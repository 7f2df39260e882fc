/*
 * desk.h — the police desk. Officers enrol with a one-time code (/dangky <mã>) and get a summary
 * of their area's open tips; then, in any chat, they read a tip whole (/xem), acknowledge
 * (/nhan), assign (/giao), reply to the tipster through the bot (/traloi), set a status (/xuly),
 * close with an outcome (/dong), reopen (/mo), mark duplicates (/trungvoi), extend the legal
 * limit (/giahan), note something for the desk only (/ghichu), and list or search tips (/tinmoi,
 * /quahan, /tim), ten to a message with a gist of each. Where the platform has buttons, desk
 * messages about a tip carry Nhận / Trả lời / Xử lý / Xem, and the lists a Xem per tip. Every
 * change reaches the tipster in Vietnamese and is written to the audit log, and so is every reading
 * of a tip. Anyone else gets a polite refusal.
 */
#ifndef TIPGATE_DESK_H
#define TIPGATE_DESK_H

#include "handlers/handler.h"

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
/* "/phanloai <mã> <loại việc>": an officer confirms or corrects the category (typed as its
 * Vietnamese label or a part of it, with or without diacritics, or its English name). */
int desk_classify(struct hctx *ctx);
/* "/ghichu <mã> <nội dung>": an internal note, in the tip's history for the desk only; the
 * tipster never sees it. */
int desk_note(struct hctx *ctx);
int desk_view(struct hctx *ctx);
int desk_list_new(struct hctx *ctx);
int desk_list_overdue(struct hctx *ctx);
/* /dsgopy [trang]: residents' feedback, newest first (never among the tips of the lists). */
int desk_list_feedback(struct hctx *ctx);
int desk_search(struct hctx *ctx);

/* A button press. 1 when it was a desk button (handled: the presser checked like a command),
 * 0 when it is someone else's, -1 on error. */
int desk_callback(struct hctx *ctx);
/* A plain message from an officer who pressed "Trả lời": sent to the tipster. 1 handled, 0 not
 * such a message, -1 on error. */
int desk_reply_text(struct hctx *ctx);

#endif
