/*
 * utf8.h — UTF-8 checks every inbound text passes before it is stored: validity (no overlong
 * forms, no surrogates, nothing above U+10FFFF), code point counts for platform limits, and
 * finding a safe cut point that never splits a sequence.
 */
#ifndef TIPGATE_UTF8_H
#define TIPGATE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* true if s[0..len) is well-formed UTF-8 and has no NUL byte. */
bool utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8. */
size_t utf8_count(const char *s, size_t len);
/* Decodes one code point at s (len bytes available); returns its byte length (>=1) and stores
 * the code point in *cp, or returns 0 for an invalid sequence. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Encodes cp into out (4 bytes room); returns the length. */
size_t utf8_encode(uint32_t cp, char *out);
/* The largest byte offset <= max that does not fall inside a multi-byte sequence of s. */
size_t utf8_floor(const char *s, size_t len, size_t max);

#endif
