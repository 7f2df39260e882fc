/*
 * platform_caps.h — what each messaging platform can do, by name, for every layer.
 *
 * Handlers choose buttons or numbered choices, split long texts and address the platforms they
 * touched without ever seeing a platform's code: they ask here. The table is filled at start by
 * the platform registry (bot/platform.c, platform_registry_init), which lives floors above;
 * this half holds only names, capabilities and what an adapter learns at run time, so the
 * lower floors can read it without including the service. The ops (how to start, send,
 * receive) stay in bot/platform.h.
 */
#ifndef TIPGATE_PLATFORM_CAPS_H
#define TIPGATE_PLATFORM_CAPS_H

#include <stdbool.h>

struct platform_caps {
    int max_text_chars;    /* longest text one message may carry (UTF-16 units); 0 = unlimited */
    int max_caption_chars; /* longest caption of a photo; 0 = unlimited */
    bool buttons;          /* inline buttons with callbacks */
    bool groups;           /* the bot can be in group chats (see platform_caps_now) */
    bool edit;             /* sent messages can be edited */
    bool photos;           /* photos can be sent */
    bool tel_links;        /* buttons may open "tel:" links (a tap dials 113); Telegram allows
                              only http(s) and tg: button links, Zalo has no buttons */
    bool local_photos;     /* photos can be sent from a stored upload ("upload:<sha256>",
                              storage/uploads.h), not only the platform's own file ids */
    bool no_location;      /* residents cannot share a location (Zalo Bot): questions ask for
                              a typed address instead */
};

enum { PLATFORM_MAX = 8 };

/* Records a platform (name borrowed: a string literal of its ops) and its caps at index i, the
 * platform's bit in masks. Called by platform_registry_init() before anything runs; i must be
 * below PLATFORM_MAX. Registering the same name again at the same index is harmless. */
void platform_register(int i, const char *name, const struct platform_caps *caps);
/* Index of name among the registered platforms, or -1. Any thread. */
int platform_index(const char *name);
/* Whether name is a registered platform. */
bool platform_known(const char *name);
/* What a platform can do as of now: its caps, with groups false when its bot reported at
 * start that it cannot join groups (Zalo's getMe can_join_groups). Unknown names: all off.
 * Any thread. */
struct platform_caps platform_caps_now(const char *name);
/* Records whether the platform's bot can be in group chats (its adapter, at start). */
void platform_set_groups(const char *name, bool can_join);

#endif
