/*
 * test_extract.c — the extractors as residents write: phone numbers in every grouping and
 * prefix (and what is not a phone), licence plates, URLs and bare domains, amounts of money in
 * slang and in figures, and the "when"/"where" hints — with diacritics, without, in teen code
 * and in decomposed Unicode.
 */
#include "testlib.h"

#include "text/extract.h"

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

static void test_landlines_and_service_numbers_are_not_phones(void)
{
    /* shared/data/README.md: phones are 10 digits starting with 0 (mobiles). A landline (0 + 10
     * digits) or a 1800/1900 number is read whole, so no digit of it becomes an amount or a
     * phone, and not reported. */
    run("số bàn 024 3825 1234, quán 0236.3822.145, +84 24 3999 1234, tổng đài 1900 1234, "
        "hotline 1800 6969 hoặc 0968.111.222");
    CHECK_INT(r.nphones, 1);
    CHECK_STR(r.phones[0], "0968111222");
    CHECK_INT(r.money_vnd, -1);
}

static void test_phones_spaced_slashed_or_joined(void)
{
    run("0 9 7 4 - 5 5 1 - 3 3 8, zalo 0.3.7.9.5.5.2.1.8.8, SĐT 0868/123/456");
    CHECK_INT(r.nphones, 3);
    CHECK_STR(r.phones[0], "0974551338");
    CHECK_STR(r.phones[1], "0379552188");
    CHECK_STR(r.phones[2], "0868123456");
    /* two numbers joined by a dash or a slash are both found */
    run("gọi 0912345678-0987654321 hoặc 0912345679/0987654322, sdt:0345678912");
    CHECK_INT(r.nphones, 5);
    CHECK_STR(r.phones[1], "0987654321");
    CHECK_STR(r.phones[3], "0987654322");
    CHECK_STR(r.phones[4], "0345678912");
    /* a date written with slashes is no phone */
    run("ngày 20/11/2025 lúc 10h, 09/08/2024");
    CHECK_INT(r.nphones, 0);
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

static void test_plates_in_other_real_formats_and_partial_plates(void)
{
    run("xe 30e 123 45, 51 G 123.45, biển 43A.123.45, 29K-6218, 37LD-02281, 76C-04 567, "
        "xe điện 29MĐ1-123.45");
    CHECK_INT(r.nplates, 7);
    CHECK_STR(r.plates[0], "30E-12345");
    CHECK_STR(r.plates[1], "51G-12345");
    CHECK_STR(r.plates[2], "43A-12345");
    CHECK_STR(r.plates[3], "29K-6218");
    CHECK_STR(r.plates[4], "37LD-02281");
    CHECK_STR(r.plates[5], "76C-04567");
    CHECK_STR(r.plates[6], "29MD1-12345");
    /* a part of a plate is not a plate */
    run("xe tải biển 29C-xxx.xx, thằng đi SH biển 29B1-999 gì đó, biển số có số cuối là 789");
    CHECK_INT(r.nplates, 0);
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

static void test_url_ends_before_the_punctuation_after_it(void)
{
    run("link: t.me/abc… hoặc (xem tại shopee.vn/abc). Trang abc.vn/wiki/Foo_(bar) nhé, "
        "„abc.com” và forms.gle/AbcXYZ, https://vietinbank-xacminh.net/login?id=7 de mo");
    CHECK_INT(r.nurls, 6);
    CHECK_STR(r.urls[0], "t.me/abc");
    CHECK_STR(r.urls[1], "shopee.vn/abc");
    CHECK_STR(r.urls[2], "abc.vn/wiki/foo_(bar)");
    CHECK_STR(r.urls[3], "abc.com");
    CHECK_STR(r.urls[4], "forms.gle/abcxyz");
    CHECK_STR(r.urls[5], "https://vietinbank-xacminh.net/login?id=7");
}

static void test_emails_and_sentences_without_a_space_are_not_urls(void)
{
    run("gửi về abc@gmail.com nhé, xe bị trộm rồi.Có ai thấy không, nhà mình ở đây.Me bảo vậy");
    CHECK_INT(r.nurls, 0);
}

/* An ending that is also a word without diacritics (.co, .cc, .me) counts without a path when
 * the host has several labels, figures or hyphens: no sentence looks like that. */
static void test_a_domain_of_several_labels_with_a_short_ending(void)
{
    run("trang dichvucong-gov.vn.cc giả mạo cổng dịch vụ công");
    CHECK_INT(r.nurls, 1);
    CHECK_STR(r.urls[0], "dichvucong-gov.vn.cc");
    run("xong roi.co ai biet khong"); /* "rồi.có": a sentence, not a domain */
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
        {"hai trăm ngàn", 200000},
        {"mất ba triệu rưỡi", 3500000},
        {"lừa 15 chục triệu", 150000000},
        {"2 trăm nghìn", 200000},
        {"65 ngàn 1 ký", 65000},
        {"mười triệu", 10000000},
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
        "mấy nghìn tỷ",                   /* no figure */
        "sdt 0983.221.457",               /* a phone */
        "page 30k follow, clip 10k view", /* followers, not đồng */
        "hai mươi triệu",                 /* twenty: not read from "mươi triệu" */
        "tầm triệu, tam trieu",           /* about a million */
        "chợ Nam Ngan",                   /* a place, not năm ngàn */
        "Bán 2 xị rượu nếp",              /* liquor */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(cases[i]);
        if (r.money_vnd != -1)
            fprintf(stderr, "money in \"%s\"\n", cases[i]);
        CHECK_INT(r.money_vnd, -1);
    }
}

static void test_money_lent_is_the_amount_at_stake(void)
{
    run("vay có 5tr, sau 1 tuần lãi lên 10 triệu");
    CHECK_INT(r.nmoney, 2);
    CHECK_INT(r.money_vnd, 5000000);
}

/* A person between the verb and the amount ("vay ổng 10 triệu", "đòi nó 12 triệu") does not hide
 * the verb; collecting ("thu 15 triệu") is at stake like demanding. */
static void test_money_verb_reaches_past_a_person(void)
{
    run("thua 8 triệu rồi còn vay ổng 10 triệu để chơi tiếp");
    CHECK_INT(r.money_vnd, 10000000);
    run("cho vay 10 trieu, 1 thang sau thu 15 trieu");
    CHECK_INT(r.money_vnd, 15000000);
    run("lương tháng 7 triệu, bị nó lừa mất 3 triệu");
    CHECK_INT(r.money_vnd, 3000000);
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
        {"mat 200 nghin ngay lap tuc roi mat luon 12 trieu", 12000000}, /* the larger loss */
        {"góp mỗi đứa 300 ngàn, tổng cộng được 9 triệu", 9000000},
        {"nhan lai 500k vi don loi, nhap the xong bi tru 9tr9", 9900000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(cases[i].text);
        if (r.money_vnd != cases[i].vnd)
            fprintf(stderr, "money of \"%s\"\n", cases[i].text);
        CHECK_INT(r.money_vnd, cases[i].vnd);
    }
}

/* tips-dev2 (shared/data/README.md): the amount at stake, the largest when several, so a range
 * stands for its upper end; its opening end is no amount of its own. */
static void test_money_a_range_stands_for_its_upper_end(void)
{
    run("mỗi tối thua 2-3 triệu, hôm qua thua sạch 30 triệu");
    CHECK_INT(r.money_vnd, 30000000);
    run("mỗi tháng mất 5 đến 7 triệu tiền lãi");
    CHECK_INT(r.money_vnd, 7000000);
    CHECK_INT(r.nmoney, 1);
    run("tìm phòng từ 2 triệu đến 3 triệu, hoặc 2 hoặc 3 củ");
    CHECK_INT(r.money_vnd, 3000000);
    run("nhà thuê tầm 8-10 triệu một tháng");
    CHECK_INT(r.money_vnd, 10000000);
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
    CHECK_STR(r.when, "Tối qua"); /* one span: the first time named */
    CHECK_STR(r.place, "số 9 ngõ 34 Nguyễn Khang");
    run("co nguoi trom xe o cho dau ngo 12 thon Dong luc 22:30");
    CHECK_STR(r.place, "dau ngo 12 thon Dong"); /* "cho" without diacritics: cho or chợ */
    CHECK_STR(r.when, "luc 22:30");
    run("hẻm 102 Phạm Văn Chiêu, khu phố 4, ngày 5/3");
    CHECK_STR(r.place, "hẻm 102 Phạm Văn Chiêu, khu phố 4");
    CHECK_STR(r.when, "ngày 5/3");
    run("không có gì ở đây");
    CHECK_STR(r.when, "");
    CHECK_STR(r.place, "");
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
    CHECK_STR(r.place, "ngõ 5");
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
             T(test_landlines_and_service_numbers_are_not_phones),
             T(test_phones_spaced_slashed_or_joined),
             T(test_emergency_numbers_money_plates_dates_ids_are_not_phones),
             T(test_two_phones_side_by_side_and_a_number_after_a_phone), T(test_plates_normalised),
             T(test_plates_in_other_real_formats_and_partial_plates),
             T(test_times_amounts_and_phones_are_not_plates),
             T(test_urls_and_bare_domains_lowercased),
             T(test_url_ends_before_the_punctuation_after_it),
             T(test_emails_and_sentences_without_a_space_are_not_urls),
             T(test_a_domain_of_several_labels_with_a_short_ending),
             T(test_money_in_slang_and_figures), T(test_not_money),
             T(test_money_lent_is_the_amount_at_stake), T(test_money_verb_reaches_past_a_person),
             T(test_money_a_total_or_a_loss_beats_the_first_amount),
             T(test_money_a_range_stands_for_its_upper_end),
             T(test_cu_without_diacritics_is_money_only_where_an_amount_fits),
             T(test_when_and_where_as_written), T(test_decomposed_input_gives_the_same_entities),
             T(test_counts_are_bounded), T(test_done))
