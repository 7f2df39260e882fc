/*
 * test_extract.c — the extractors as residents write: phone numbers in every grouping and
 * prefix (and what is not a phone), licence plates, URLs and bare domains, amounts of money in
 * slang and in figures, and the "when"/"where" hints — with diacritics, without, in teen code
 * and in decomposed Unicode.
 */
#include "testlib.h"

#include "handlers/extract.h"

#include <stdlib.h>
#include <string.h>

static struct extract *ex;
static struct extract_result r;

static void run(const char *text)
{
    if (!ex) {
        char err[256];
        if (extract_new(&ex, err, sizeof err) != EXTRACT_OK) {
            fprintf(stderr, "extract_new: %s\n", err);
            exit(1);
        }
    }
    CHECK_INT(extract_text(ex, text, &r), EXTRACT_OK);
}

static void test_phones_in_every_grouping_and_prefix(void)
{
    run("sdt 0978 456 123, so no goi +84 367 889 120, LH 0703.456.219 hoac 0389-776-054");
    CHECK_INT(r.nphones, 4);
    CHECK_STR(r.phones[0], "0978456123");
    CHECK_STR(r.phones[1], "0367889120");
    CHECK_STR(r.phones[2], "0703456219");
    CHECK_STR(r.phones[3], "0389776054");
    run("gọi tôi +84915048327 hoặc 84 912 345 678 hoặc (+84) 0912.345.679");
    CHECK_INT(r.nphones, 3);
    CHECK_STR(r.phones[0], "0915048327");
    CHECK_STR(r.phones[1], "0912345678");
    CHECK_STR(r.phones[2], "0912345679");
}

static void test_landlines_keep_eleven_digits_and_service_numbers_as_dialled(void)
{
    run("số bàn 024 3825 1234, tổng đài 1900 1234");
    CHECK_INT(r.nphones, 2);
    CHECK_STR(r.phones[0], "02438251234");
    CHECK_STR(r.phones[1], "19001234");
}

static void test_emergency_numbers_money_plates_dates_ids_are_not_phones(void)
{
    run("e goi 113 roi, 114 va 115 cung goi, chuyen 200.000.000d ngay 20/11/2025, "
        "bien 29A-123.45, cccd 001099012345, stk 0491000123456");
    CHECK_INT(r.nphones, 0);
}

static void test_two_phones_side_by_side_and_a_number_after_a_phone(void)
{
    run("sdt 0912345678 0987654321 va 0978 456 123 2 nguoi");
    CHECK_INT(r.nphones, 3);
    CHECK_STR(r.phones[2], "0978456123");
}

static void test_plates_normalised(void)
{
    run("xe biển 29H1-456.78, ô tô 30K-456.12, xe bien 37B2 123 45 va 59 x1 234 56, "
        "xe 59-X3 678.90, xe cũ 29A-1234, bks 51LD 123.45");
    CHECK_INT(r.nplates, 7);
    CHECK_STR(r.plates[0], "29H1-45678");
    CHECK_STR(r.plates[1], "30K-45612");
    CHECK_STR(r.plates[2], "37B2-12345");
    CHECK_STR(r.plates[3], "59X1-23456");
    CHECK_STR(r.plates[4], "59X3-67890");
    CHECK_STR(r.plates[5], "29A-1234");
    CHECK_STR(r.plates[6], "51LD-12345");
}

static void test_times_amounts_and_phones_are_not_plates(void)
{
    run("luc 22h30, mat 500k, 2tr5, tam 20t, goi 0912345678, ngay 14/2/2026");
    CHECK_INT(r.nplates, 0);
}

static void test_urls_and_bare_domains_lowercased(void)
{
    run("vào Vcb-XacThuc-Online.com rồi tai app tu http://evn-hotro.vip, page: "
        "facebook.com/thanhlygiare.hn99, link tiktok.com/@hocsinh_clip. Nhắn t.me/tuan_hn88!");
    CHECK_INT(r.nurls, 5);
    CHECK_STR(r.urls[0], "vcb-xacthuc-online.com");
    CHECK_STR(r.urls[1], "http://evn-hotro.vip");
    CHECK_STR(r.urls[2], "facebook.com/thanhlygiare.hn99");
    CHECK_STR(r.urls[3], "tiktok.com/@hocsinh_clip");
    CHECK_STR(r.urls[4], "t.me/tuan_hn88");
}

static void test_emails_and_sentences_without_a_space_are_not_urls(void)
{
    run("gửi về abc@gmail.com nhé, xe bị trộm rồi.Có ai thấy không, nhà mình ở đây.Me bảo vậy");
    CHECK_INT(r.nurls, 0);
}

static void test_money_in_slang_and_figures(void)
{
    static const struct {
        const char *text;
        long long vnd;
    } cases[] = {
        {"chuyen coc 500k", 500000},
        {"mat 2tr", 2000000},
        {"gia 2tr5", 2500000},
        {"vay 50 triệu", 50000000},
        {"giá 1,5 tỷ", 1500000000},
        {"nạp 200.000đ", 200000},
        {"mat 3 cu", 3000000},
        {"mất 3 củ", 3000000},
        {"2 triệu rưỡi", 2500000},
        {"thua 120tr", 120000000},
        {"chuyển 4.500.000 đồng", 4500000},
        {"chuyen 1.200.000", 1200000},
        {"giá 1 tỷ 2, sổ đỏ", 1200000000},
        {"lương 20 triệu/tháng", 20000000},
        {"200,000 vnd", 200000},
        {"1tr5 một lần", 1500000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(cases[i].text);
        if (r.money_vnd != cases[i].vnd)
            fprintf(stderr, "money of \"%s\"\n", cases[i].text);
        CHECK_INT(r.money_vnd, cases[i].vnd);
    }
}

static void test_not_money(void)
{
    static const char *const cases[] = {
        "bọn 2k8 hay tụ tập", /* a birth year in teen code */
        "có 3 cụ già ngồi",   /* cụ, not củ */
        "đợi 1 tí nhé",       /* tí, not tỉ */
        "thôn 5 Đông",        /* a place, not 5 đồng */
        "50m dây điện, 2 chỉ vàng, 38 độ, 35m2, 4 tầng, 16 tuổi, 30p",
        "mấy nghìn tỷ",     /* no figure */
        "sdt 0983.221.457", /* a phone */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(cases[i]);
        if (r.money_vnd != -1)
            fprintf(stderr, "money in \"%s\"\n", cases[i]);
        CHECK_INT(r.money_vnd, -1);
    }
}

static void test_money_is_the_first_amount_stated(void)
{
    run("vay có 5tr, sau 1 tuần lãi lên 10 triệu");
    CHECK_INT(r.nmoney, 2);
    CHECK_INT(r.money_vnd, 5000000);
}

static void test_money_a_total_or_a_loss_beats_the_first_amount(void)
{
    static const struct {
        const char *text;
        int64_t vnd;
    } cases[] = {
        {"lần đầu 5 triệu, lần sau 45 triệu, tổng cộng 50 triệu", 50000000},
        {"nap 10tr roi 25tr, tong 35tr thi khong rut duoc", 35000000},
        {"kêu chuyển 35k phí ship rồi gửi link, bấm vô là mất 4 triệu", 4000000},
        {"chuyen 200k phi ho so xong bi lua mat het 12 trieu", 12000000},
        {"vay 5tr, sau 1 tuần lãi lên 10tr", 5000000}, /* no cue: still the first */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(cases[i].text);
        if (r.money_vnd != cases[i].vnd)
            fprintf(stderr, "money of \"%s\"\n", cases[i].text);
        CHECK_INT(r.money_vnd, cases[i].vnd);
    }
}

static void test_money_ranges_are_not_a_stated_amount(void)
{
    run("mỗi tối thua 2-3 triệu, hôm qua thua sạch 30 triệu");
    CHECK_INT(r.money_vnd, 30000000);
    run("mỗi tháng mất 5 đến 7 triệu tiền lãi");
    CHECK_INT(r.money_vnd, -1);
}

static void test_cu_without_diacritics_is_money_only_where_an_amount_fits(void)
{
    run("ban iphone 12 cu 95%, gia 7tr5, ai can ib");
    CHECK_INT(r.money_vnd, 7500000);
    run("nha trong ngo 4 cu dem khuya la co xe tai cho hang vao");
    CHECK_INT(r.money_vnd, -1);
    run("e bi lua mat 3 cu roi");
    CHECK_INT(r.money_vnd, 3000000);
    run("mất 3 củ");
    CHECK_INT(r.money_vnd, 3000000);
}

static void test_when_and_where_as_written(void)
{
    run("Tối qua nhà em ở số 9 ngõ 34 Nguyễn Khang bị trộm, tầm 2h sáng");
    CHECK_STR(r.when, "Tối qua, tầm 2h sáng");
    CHECK_STR(r.where, "số 9 ngõ 34 Nguyễn Khang");
    run("co nguoi trom xe o cho dau ngo 12 thon Dong luc 22:30");
    CHECK_STR(r.where, "ngo 12 thon Dong");
    CHECK_STR(r.when, "luc 22:30");
    run("hẻm 102 Phạm Văn Chiêu, khu phố 4, ngày 5/3");
    CHECK_STR(r.where, "hẻm 102 Phạm Văn Chiêu, khu phố 4");
    CHECK_STR(r.when, "ngày 5/3");
    run("không có gì ở đây");
    CHECK_STR(r.when, "");
    CHECK_STR(r.where, "");
}

static void test_decomposed_input_gives_the_same_entities(void)
{
    /* "Mẹ em bị giật ở ngõ 5, thằng giật đi xe biển 59-X3 678.90, sđt 0394 512 870, mất 2 triệu"
     * with every accent as a combining mark */
    run("Me\xCC\xA3 em bi\xCC\xA3 gia\xCC\x82\xCC\xA3t o\xCC\x9B\xCC\x89 ngo\xCC\x83 5, xe "
        "bie\xCC\x82\xCC\x89n "
        "59-X3 678.90, s\xC4\x91t 0394 512 870, ma\xCC\x82\xCC\x81t 2 trie\xCC\x82\xCC\xA3u");
    CHECK_INT(r.nplates, 1);
    CHECK_STR(r.plates[0], "59X3-67890");
    CHECK_INT(r.nphones, 1);
    CHECK_STR(r.phones[0], "0394512870");
    CHECK_INT(r.money_vnd, 2000000);
    CHECK_STR(r.where, "ngõ 5");
}

static void test_counts_are_bounded(void)
{
    char text[4096] = "";
    for (int i = 0; i < 20; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "09123456%02d ", i);
    run(text);
    CHECK_INT(r.nphones, EXTRACT_MAX_ITEMS);
}

static void test_done(void)
{
    extract_free(ex);
    ex = NULL;
}

TESTLIB_MAIN(T(test_phones_in_every_grouping_and_prefix),
             T(test_landlines_keep_eleven_digits_and_service_numbers_as_dialled),
             T(test_emergency_numbers_money_plates_dates_ids_are_not_phones),
             T(test_two_phones_side_by_side_and_a_number_after_a_phone), T(test_plates_normalised),
             T(test_times_amounts_and_phones_are_not_plates),
             T(test_urls_and_bare_domains_lowercased),
             T(test_emails_and_sentences_without_a_space_are_not_urls),
             T(test_money_in_slang_and_figures), T(test_not_money),
             T(test_money_is_the_first_amount_stated),
             T(test_money_a_total_or_a_loss_beats_the_first_amount),
             T(test_money_ranges_are_not_a_stated_amount),
             T(test_cu_without_diacritics_is_money_only_where_an_amount_fits),
             T(test_when_and_where_as_written), T(test_decomposed_input_gives_the_same_entities),
             T(test_counts_are_bounded), T(test_done))
