/*
 * test_rx.c — the text engine's two-form expressions (text/rx.h): an all-ASCII text gets the
 * same answers from the form without Unicode properties as from the one with them, a text with
 * Vietnamese letters needs the latter, and a bad expression is reported with its offset.
 */
#include "testlib.h"

#include "text/rx.h"

#include <string.h>

static bool matches(const struct rx *r, const char *s, bool ascii)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(rx_code(r, ascii), (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static void test_ascii_text_gets_the_same_answers_from_both_forms(void)
{
    struct rx r;
    size_t off = 99;
    CHECK_INT(rx_compile("\\b(?:no|ai do) (?:da )?dang nhap\\b|\\bt\\w{2}\\d\\b", &r, &off), 0);
    CHECK_INT(off, 0);
    const char *texts[] = {"hom qua ai do dang nhap vao nick",
                           "no da dang nhap!",
                           "tao5 nguoi",
                           "khong ai do ca",
                           "sno dang nhap",
                           "top10",
                           ""};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        CHECK(rx_is_ascii(texts[i], strlen(texts[i])));
        CHECK_INT(matches(&r, texts[i], true), matches(&r, texts[i], false));
    }
    CHECK(matches(&r, texts[0], true) && !matches(&r, texts[3], true));
    rx_free(&r);
    rx_free(&r); /* emptied: freeing twice is harmless */
}

static void test_vietnamese_letters_need_the_unicode_form(void)
{
    struct rx r;
    size_t off;
    CHECK_INT(rx_compile("\\bt\\b", &r, &off), 0);
    const char *s = "tố giác";
    CHECK(!rx_is_ascii(s, strlen(s)));
    CHECK(!matches(&r, s, false)); /* ố is a letter: "t" is not a word of its own */
    CHECK(matches(&r, s, true));   /* which the ASCII form, wrongly here, would think */
    rx_free(&r);
}

static void test_is_ascii_checks_every_byte(void)
{
    char s[40];
    memset(s, 'a', sizeof s);
    for (size_t at = 0; at < sizeof s; at++) {
        s[at] = (char)0xC3;
        CHECK(!rx_is_ascii(s, sizeof s));
        CHECK(rx_is_ascii(s, at));
        s[at] = 'a';
    }
    CHECK(rx_is_ascii(s, sizeof s));
}

static void test_a_bad_expression_is_reported_with_its_offset(void)
{
    struct rx r = {NULL, NULL};
    size_t off = 0;
    int code = rx_compile("ab(?:cd", &r, &off);
    CHECK(code != 0);
    CHECK_INT(off, 7);
    CHECK(r.ucp == NULL && r.ascii == NULL);
}

TESTLIB_MAIN(T(test_ascii_text_gets_the_same_answers_from_both_forms),
             T(test_vietnamese_letters_need_the_unicode_form), T(test_is_ascii_checks_every_byte),
             T(test_a_bad_expression_is_reported_with_its_offset))
