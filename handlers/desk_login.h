/*
 * desk_login.h — signing in to the web desk from the chat. `/dangnhap` (alias `/login`) in a
 * private chat with the bot gives an enrolled officer, commander or leader a one-time link
 * (`<http.public_url>/desk/login#t=<secret>`, valid 10 minutes; the secret is in the fragment,
 * which browsers never send and link previews never fetch, so a preview cannot spend it). In a
 * group it is refused: anyone in the group could use the link. `/dangxuat` (alias `/logout`)
 * ends every web desk session of the sender and says how many.
 */
#ifndef TIPGATE_DESK_LOGIN_H
#define TIPGATE_DESK_LOGIN_H

#include "handlers/handler.h"

extern const struct router_table desk_login_commands;

int desk_login(struct hctx *ctx);
int desk_logout(struct hctx *ctx);

#endif
