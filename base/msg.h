/*
 * msg.h — the normalised message: what every adapter turns a platform update into and all a
 * handler ever sees (handlers never read platform JSON). Stored in the inbox as JSON
 * (msg_to_json) and read back by the worker (msg_from_json), so the inbox row is the complete,
 * replayable record of what arrived.
 */
#ifndef TIPGATE_MSG_H
#define TIPGATE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A resident's message: at most MSG_MAX_TEXT_CHARS characters (code points after NFC, what
 * people count), so at most MSG_MAX_TEXT_BYTES bytes of UTF-8 once composed (the bound buffers
 * use). As typed it may be longer: a Vietnamese letter typed decomposed (base and two combining
 * marks) takes 5 bytes, so input up to MSG_MAX_TEXT_INPUT_BYTES must be read to be judged. */
enum {
    MSG_MAX_ATTACHMENTS = 10,
    MSG_MAX_TEXT_CHARS = 5000,
    MSG_MAX_TEXT_BYTES = 4 * MSG_MAX_TEXT_CHARS,
    MSG_MAX_TEXT_INPUT_BYTES = 5 * MSG_MAX_TEXT_CHARS,
};

enum msg_kind {
    MSG_TEXT = 0, /* a message (text and/or attachments) */
    MSG_EDITED,   /* an edit of an earlier message */
    MSG_CALLBACK, /* a button press: callback_data holds the payload */
    MSG_MEMBER,   /* the bot was added to or removed from a chat: member_status */
};

struct msg_attachment {
    char *kind; /* "photo", "document", "voice", "sticker" */
    char *ref;  /* platform file id or URL */
};

struct msg {
    enum msg_kind kind;
    char *platform;
    char *update_key; /* platform-unique; duplicates die on it */
    char *chat_id;
    bool is_group;
    char *chat_title;
    char *sender_id;
    char *sender_name;
    char *text; /* valid UTF-8; may be NULL for attachment-only messages */
    int64_t date_ms;
    struct msg_attachment attachments[MSG_MAX_ATTACHMENTS];
    int n_attachments;
    bool has_location;
    double latitude, longitude;
    double location_accuracy_m; /* radius in metres the sender gave (web chat); 0 = unknown */
    char *contact_phone;
    char *callback_id;        /* platform id to answer a button press */
    char *callback_data;      /* payload of a pressed button */
    char *member_status;      /* MSG_MEMBER: "member", "administrator", "left", "kicked" */
    char *migrate_to_chat_id; /* a group upgraded: its new id */
};

/* Serialises m to a compact JSON string (caller frees with free()); NULL on no memory. */
char *msg_to_json(const struct msg *m);
/* Parses JSON made by msg_to_json into *m (msg_clear it). 0 or -1 if malformed. */
int msg_from_json(const char *json, struct msg *m);
/* Frees every string of m and zeroes it. */
void msg_clear(struct msg *m);
/* Adds an attachment (copies both strings); -1 when full. */
int msg_add_attachment(struct msg *m, const char *kind, const char *ref);
/* Sets m's location when lat and lon are a point on the globe (finite, |lat| <= 90,
 * |lon| <= 180); anything else (NAN, out of range) is dropped, not stored. Returns whether it
 * was set. */
bool msg_set_location(struct msg *m, double lat, double lon);

/* A resident's text in NFC (caller frees) when it has at most MSG_MAX_TEXT_CHARS characters
 * once composed ("ệ" typed as e and two marks is one); NULL when it is longer (*oom = false)
 * or memory ran out (*oom = true). text is valid UTF-8 of len bytes. */
char *msg_text_nfc(const char *text, size_t len, bool *oom);

/* MSG_MAX_TEXT_CHARS as people read it in Vietnamese ("5.000"), for the texts that name it. */
void msg_max_text_chars_vi(char *out, size_t cap);

#endif
