/*
 * campaign.h — awareness campaigns and warnings to residents, on the one scheduler:
 *
 *   - the shipped awareness calendar (config/campaigns.vi.json: Tết, March, 05/06, June,
 *     26/06, 30/07, 19/08, September, 04/10), on by default for subscribed residents and bound
 *     groups at 08:00 local on the day; campaigns made with `tipgate campaign`; an officer's
 *     /canhbao <nội dung> (/alert) to the officer's area after a confirmation showing how many
 *     it reaches;
 *   - residents: /dangkytin [mã khu vực] (/subscribe); /tatthongbao (/stop, and plain "dừng",
 *     "huỷ đăng ký") opts out at once and for good until /batthongbao (/start_alerts). An
 *     opt-out concerns broadcasts only: replies about one's own tips always go;
 *   - delivery through the outbox at bulk priority (alerts: notice), a bounded batch of
 *     recipients per tick with a state row each (storage/campaigns.h), so a crash at any point
 *     neither loses nor repeats a recipient; the senders' rate limits do the pacing.
 *
 * Configuration ("campaigns" section): enabled, file, send_time, batch, max_delay_days,
 * disabled (codes of the calendar to skip), alert_minutes.
 *
 * Audiences are written as words: "residents", "residents:TDP5,THONDONG", "groups",
 * "groups:TDP5", "agencies", "agencies:CA,QS", "schools", separated by spaces.
 */
#ifndef TIPGATE_CAMPAIGN_H
#define TIPGATE_CAMPAIGN_H

#include "handlers/handler.h"
#include "storage/campaigns.h"

extern const struct router_table campaign_commands;

/* Parses an audience; err says what is wrong. The normalised form goes to norm. */
int campaign_audience_parse(const char *text, struct campaigns_audience *a, char *norm,
                            size_t normsize, char *err, size_t errlen);
/* The keys of the "campaigns" section, for the settings table (bot/app.c registers it). */
extern const struct cfg_block campaign_settings;
/* Checks the awareness calendar file against the "campaigns" section (read at start). */
int campaign_check_config(const struct cfg *cfg, char *err, size_t errlen);
/* Writes the awareness calendar's coming campaigns (caller's transaction). */
int campaign_sync(struct db *db, const struct cfg *cfg, int64_t now_ms, char *err, size_t errlen);
/* The text a recipient of audience ("resident", "group", "agency") reads (caller frees). */
char *campaign_message(const struct texts *t, const struct campaign *c, const char *audience);

/* The scheduler job: starts due campaigns and enqueues a batch of recipients. */
int campaign_tick(struct hctx *ctx);

/* For the router, before any other handling of text that is not a command: an officer's
 * answer to the /canhbao confirmation, or a resident's plain "dừng". 1 when the message was
 * handled here, 0 when not, -1 on error. */
int campaign_text(struct hctx *ctx);

int campaign_subscribe(struct hctx *ctx);
int campaign_stop(struct hctx *ctx);
int campaign_resume(struct hctx *ctx);
int campaign_alert(struct hctx *ctx);

#endif
