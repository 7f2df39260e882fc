/*
 * resident.h — what a resident does with a tip already filed: /trangthai <mã> (/status) shows
 * its status, the police's replies and the dates; /tincuatoi (/mytips) lists their own tips;
 * /bosung <mã> <nội dung> (/add) adds information or photos; and a plain reply answers the
 * one open question police asked. A code that is not theirs shows nothing about its owner.
 */
#ifndef TIPGATE_RESIDENT_H
#define TIPGATE_RESIDENT_H

#include "handlers/handler.h"

int resident_status(struct hctx *ctx);
int resident_mine(struct hctx *ctx);
int resident_add(struct hctx *ctx);
/* A private message with no conversation, from someone with exactly one open police question:
 * forwarded to the desk as the answer. 1 when consumed. */
int resident_answer(struct hctx *ctx);

struct tip;
/* Adds the current message's text (the given text, NULL for none) and photos to the sender's
 * own tip t, tells the desk with the text named to_desk ({code}, {text}, {photos}) at the
 * tip's priority, re-sends the photos, audits, and answers the resident with the text named
 * reply (the same variables). */
int resident_forward(struct hctx *ctx, struct tip *t, const char *text, const char *to_desk,
                     const char *reply);

#endif
