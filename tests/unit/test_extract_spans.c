/*
 * test_extract_spans.c — the place and the time of a message as one span of the writer's own
 * words (text/extract_place.c, text/extract_when.c), and the amount at stake among several
 * (text/extract_money.c): with diacritics and without, with the filler around them left out.
 * The sentences are written for this test; none comes from the labelled sets.
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

struct span_case {
    const char *text, *want;
};

static void check_places(const struct span_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        run(cases[i].text);
        if (strcmp(r.place, cases[i].want) != 0)
            fprintf(stderr, "place of \"%s\": \"%s\"\n", cases[i].text, r.place);
        CHECK_STR(r.place, cases[i].want);
    }
}

static void check_whens(const struct span_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        run(cases[i].text);
        if (strcmp(r.when, cases[i].want) != 0)
            fprintf(stderr, "when of \"%s\": \"%s\"\n", cases[i].text, r.when);
        CHECK_STR(r.when, cases[i].want);
    }
}

static void test_place_is_the_whole_place_in_the_writers_words(void)
{
    static const struct span_case cases[] = {
        /* a business, its trade and its name, then where it is */
        {"hôm qua ở quán phở Bà Tư cạnh chợ Lương Văn Can có đánh nhau",
         "quán phở Bà Tư cạnh chợ Lương Văn Can"},
        /* relation words lead from one part to the next */
        {"có người lạ ngủ ở bãi cỏ sau nhà văn hóa thôn Đoài mấy đêm rồi",
         "bãi cỏ sau nhà văn hóa thôn Đoài"},
        {"thằng đó hay đứng ở đầu hẻm 33 Bùi Đình Túy rình", "đầu hẻm 33 Bùi Đình Túy"},
        /* a comma goes on to a further part */
        {"cháy ở ấp Bình Lợi, gần cầu Rạch Chiếc, mọi người tránh",
         "ấp Bình Lợi, gần cầu Rạch Chiếc"},
        /* a capitalised name after "ở" is a place; a house number before a street */
        {"em đang ở Phan Thiết, nhà bị trộm", "Phan Thiết"},
        {"shop mình ở 41 Trần Hưng Đạo nhé", "41 Trần Hưng Đạo"},
        /* short forms of a ward, a district, a city */
        {"tối qua có vụ trộm ở P.5 Q.3 gần nhà văn hóa", "P.5 Q.3 gần nhà văn hóa"},
        {"đường dây lừa đảo ở TP.HCM vừa bị bắt", "TP.HCM"},
        /* the writer's own home is filler: the place is after "ở" */
        {"nhà tôi ở số 4 ngõ 19 Kim Mã bị cạy cửa", "số 4 ngõ 19 Kim Mã"},
        /* someone else's house stays */
        {"nhà ông Hòa ở xóm 2 có sới bạc", "nhà ông Hòa ở xóm 2"},
    };
    check_places(cases, sizeof cases / sizeof cases[0]);
}

static void test_place_without_diacritics_and_what_is_no_place(void)
{
    static const struct span_case cases[] = {
        {"co thang giat tui o cho Ben Thanh luc nay", "cho Ben Thanh"},
        {"tui no hay tu tap o nha nghi Hoa Mai gan ben xe Nuoc Ngam",
         "nha nghi Hoa Mai gan ben xe Nuoc Ngam"},
        /* "thi", "xa" typed without diacritics at the end are thì, xa, not thị, xã */
        {"o ap Tan Hoa xa lam", "ap Tan Hoa"},
        /* the unit in an office's name is no place */
        {"có người gọi xưng là công an quận Tây Hồ đòi chuyển tiền", ""},
        {"fanpage giả danh UBND xã Tam Phước", ""},
        /* but the office itself can be where */
        {"mình làm căn cước tại công an phường Bến Nghé", "công an phường Bến Nghé"},
        /* common words that begin like places */
        {"đường dây này lừa nhiều người lắm", ""},
        {"nhà em bị trộm mất xe", ""},
        {"có người lạ hay đi xem nhà ban đêm", ""},                    /* ban đêm: at night */
        {"duong dong da co ke trom cho nha ong Tuan", "nha ong Tuan"}, /* chó, not chợ */
        {"tối nay họp tổ dân phố", ""}, /* the residents, not a place */
        {"số anh Long là bao nhiêu", ""},
        {"nghe nói ông hàng xóm tổ chức đánh bạc", ""},
        /* a phone number after "số" is not a house number */
        {"gọi số 0912 345 678 nhé", ""},
    };
    check_places(cases, sizeof cases / sizeof cases[0]);
}

static void test_when_is_one_span(void)
{
    static const struct span_case cases[] = {
        {"tối qua khoảng 22h có 2 thằng lạ đi quanh xóm", "tối qua khoảng 22h"},
        {"toi qua tam 11h co tieng no lon", "toi qua tam 11h"},
        {"từ 23h tới 2h sáng tụi nó hát karaoke", "từ 23h tới 2h sáng"},
        {"đêm nào cũng có xe tải chở cát qua đây", "đêm nào cũng"},
        {"vụ đánh nhau đang diễn ra trước cổng chợ", "đang diễn ra"},
        {"em bị giật điện thoại mới 5 phút trước", "mới 5 phút trước"},
        {"hom thu 6 tuan roi co nguoi bi cuop", "hom thu 6 tuan roi"},
        {"tuần trước nhà bác Tư mất trộm", "tuần trước"},
        {"khoảng 10 giờ tối qua có tiếng kêu cứu", "khoảng 10 giờ tối qua"},
        {"hồi sáng có người lạ hỏi đường vào xóm", "hồi sáng"},
        {"toi wa co trom vao nha", "toi wa"}, /* teen code: wa = qua */
        {"sáng mùng 2 Tết có đánh nhau", "sáng mùng 2 Tết"},
        {"cách đây 2 ngày tôi bị giật túi", "cách đây 2 ngày"},
        /* the first time named is the one reported, never two glued with ", " */
        {"Tối qua nhà em bị trộm, tầm 2h sáng", "Tối qua"},
    };
    check_whens(cases, sizeof cases / sizeof cases[0]);
}

static void test_words_that_are_no_time(void)
{
    static const struct span_case cases[] = {
        {"xe tải chạy ngược chiều trên cầu", ""}, /* chiều: direction */
        {"trời tối rồi mà chưa thấy con về", ""}, /* tối: dark */
        {"toi bi mat vi o cho", ""},              /* tôi, not tối */
        {"có 2 thằng lạ đứng trước cổng", ""},    /* a count of people */
        {"nó ở tù 2 năm", ""},                    /* a length of time */
        {"mất 2 giờ mới sửa xong", ""},           /* a length of time */
        {"dạo này hay mất trộm", ""},             /* vague */
    };
    check_whens(cases, sizeof cases / sizeof cases[0]);
}

static void test_money_at_stake_is_the_largest_stake(void)
{
    static const struct {
        const char *text;
        int64_t vnd;
    } cases[] = {
        /* lent, then demanded: the larger amount at stake */
        {"vay của tụi nó 10 triệu, giờ tụi nó đòi 35 triệu", 35000000},
        /* a salary in a fake job offer is not what was lost */
        {"tuyển cộng tác viên lương 12 triệu/tháng, em nộp phí 1tr5 rồi bị chặn", 1500000},
        /* a range stands for its upper end */
        {"mỗi ván cá 3-5 triệu", 5000000},
        /* a price in đồng below a thousand */
        {"xăng tăng 600 đồng/lít", 600},
        /* a figure of thousandths after a big unit */
        {"bán miếng đất giá 2 tỷ 350 thương lượng", 2350000000},
        /* a figure before "lượt" counts turns, it is no tenth of the amount */
        {"gửi xe ở đây 30k 1 lượt", 30000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(cases[i].text);
        if (r.money_vnd != cases[i].vnd)
            fprintf(stderr, "money of \"%s\": %lld\n", cases[i].text, (long long)r.money_vnd);
        CHECK_INT(r.money_vnd, cases[i].vnd);
    }
}

static void test_plate_without_separators(void)
{
    run("xe con biển 30G12345 tông người rồi chạy");
    CHECK_INT(r.nplates, 1);
    CHECK_STR(r.plates[0], "30G-12345");
    run("xe máy 59X123456 đậu trước nhà");
    CHECK_INT(r.nplates, 1);
    CHECK_STR(r.plates[0], "59X1-23456");
}

static void test_decomposed_input_gives_the_same_spans(void)
{
    /* "tối qua ở chợ Đông" with every accent as a combining mark */
    run("to\xCC\x82\xCC\x81i qua o\xCC\x9B\xCC\x89 cho\xCC\x9B\xCC\xA3 \xC4\x90o\xCC\x82ng "
        "co\xCC\x81 "
        "đánh nhau");
    CHECK_STR(r.when, "tối qua");
    CHECK_STR(r.place, "chợ Đông");
}

static void test_locating_words_and_more_heads(void)
{
    static const struct span_case cases[] = {
        /* a locating word before the head stays: it says where exactly */
        {"có ông lạ đứng trước cổng trường mầm non Hoa Mai từ sáng",
         "trước cổng trường mầm non Hoa Mai"},
        {"tụi nhỏ hút chích dưới gầm cầu Bình Lợi", "dưới gầm cầu Bình Lợi"},
        {"quán game Long Vũ trên đường Trường Chinh có đánh nhau",
         "quán game Long Vũ trên đường Trường Chinh"},
        {"mất xe ở khách sạn Sông Hàn phòng 305", "khách sạn Sông Hàn phòng 305"},
        {"cháy kho ở cụm công nghiệp Hà Lầm", "cụm công nghiệp Hà Lầm"},
        {"đánh nhau ở tổ 4 khối phố Đông Lãnh", "tổ 4 khối phố Đông Lãnh"},
        {"sạp quần áo ở số 9 đường 3 Tháng 2 bị trộm", "số 9 đường 3 Tháng 2"},
        {"tai nạn ở Ngã 5 Hòa Khánh", "Ngã 5 Hòa Khánh"},
        /* typed without diacritics: "cong" before a head is the gate; "co" before one is "có" */
        {"co nguoi la dung o cong so 3 KCN Hoa Cam", "cong so 3 KCN Hoa Cam"},
        {"o gan cho Tan Dinh co tiem cam do moi mo", "gan cho Tan Dinh"},
        {"ket xe o cau Sai Gon tu sang", "cau Sai Gon"},
        {"Bên hông chợ Hàn có người bán hàng giả", "Bên hông chợ Hàn"},
        {"Cho dem Ben Tre co sap ban hang gia", "Cho dem Ben Tre"},
        {"móc túi ở chợ Đông Ba cửa Bắc", "chợ Đông Ba cửa Bắc"},
        {"Tuan truoc tren Quoc lo 14 co tai nan", "Quoc lo 14"},
        {"có người lạ đứng ở đường vào bản Nà Tăm", "đường vào bản Nà Tăm"},
    };
    check_places(cases, sizeof cases / sizeof cases[0]);
    run("shop mình trên Lazada bán đồ giả");
    CHECK_STR(r.place, ""); /* online, no place */
    run("Tran Viet Nam - Lao toi nay may gio");
    CHECK_STR(r.place, ""); /* plain "Tran" is trận, not a place */
}

static void test_when_dates_and_numbered_days(void)
{
    static const struct span_case cases[] = {
        {"Khoảng 15h ngày 21-10 có xe tông người ở dốc Cun", "Khoảng 15h ngày 21-10"},
        {"ngay 7 thang 9 em bi lua mat tien", "ngay 7 thang 9"},
        {"Hôm 14 tháng 2 nhà tôi bị mất trộm", "Hôm 14 tháng 2"},
        {"tối 27 Tết có đứa đốt pháo", "tối 27 Tết"},
        {"sáng nay lúc 9h kém 10 có người giật túi", "sáng nay lúc 9h kém 10"},
        {"mấy đêm nay tầm 1-2h khuya có tiếng la hét", "mấy đêm nay tầm 1-2h khuya"},
        {"e bj lừa 20 củ mấy tháng trc", "mấy tháng trc"},
        {"15-8 vừa rồi tôi bị mất xe", "15-8 vừa rồi"},
        {"chieu 26 Tet o cho co trom", "chieu 26 Tet"},
        {"clip danh nhau o cong vien hom bua la o dau", "hom bua"},
        {"có khói đen bốc lên ở bãi rác từ nãy", "từ nãy"},
    };
    check_whens(cases, sizeof cases / sizeof cases[0]);
    run("Quán lẩu Cá Đêm đầu ngõ có đánh nhau"); /* a name, not the night */
    CHECK_STR(r.when, "");
    run("co nhom chay bo buoi sang nao khong a");
    CHECK_STR(r.when, "");
    run("ghé shop ở số 5 đường 30 Tháng 4 nha");
    CHECK_STR(r.when, "");                    /* a street named after a date */
    run("kẹt xe ở phố Hôm rồi mọi người ơi"); /* "Hôm" names the street */
    CHECK_STR(r.when, "");
    run("ban cung phong em bi danh"); /* bạn cùng phòng */
    CHECK_STR(r.when, "");
    run("tuyển 5-10 người làm ca");
    CHECK_STR(r.when, "");
}

static void test_round4_places(void)
{
    static const struct span_case cases[] = {
        /* someone's house before the number: the address is the number on */
        {"tụi nó đang đập cửa trước nhà anh Hải số 12 ngõ 8 Hào Nam", "số 12 ngõ 8 Hào Nam"},
        {"nhà bên cạnh số 5 hẻm 20 Lý Thường Kiệt cãi nhau", "số 5 hẻm 20 Lý Thường Kiệt"},
        {"nhà số 3 ngõ 6 có trộm", "nhà số 3 ngõ 6"}, /* the house and its number */
        /* a figure right after tổ, ấp: its number, whatever follows */
        {"nha co Hoa to 7 ngay nao cung danh bai", "nha co Hoa to 7"},
        {"nhà ông Tám ấp 3 mấy đứa nhỏ đánh nhau", "nhà ông Tám ấp 3"},
        /* the head noun before a locating word stays */
        {"có người lạ ngủ trong căn nhà bỏ hoang cuối hẻm 9 Trần Phú",
         "căn nhà bỏ hoang cuối hẻm 9 Trần Phú"},
        {"tụi nó tụ tập ở bãi sông Đà chân cầu Trung Hà", "bãi sông Đà chân cầu Trung Hà"},
        {"co nguoi ngat o duoi gam cau Chuong Duong", "duoi gam cau Chuong Duong"},
    };
    check_places(cases, sizeof cases / sizeof cases[0]);
}

/* Round 5: heads of water, works and counters; a bare head right after a word that locates. */
static void test_round5_places(void)
{
    static const struct span_case cases[] = {
        {"có người đuối nước ở đập Trị An chiều nay", "đập Trị An"},
        {"xe bồn xả nước thải xuống kênh Nhiêu Lộc", "kênh Nhiêu Lộc"},
        {"kẹt cứng ở vòng xoay Mỹ Thủy vì 2 xe tông nhau", "vòng xoay Mỹ Thủy"},
        {"tụi nó tụ tập ở quảng trường Lâm Viên đua xe", "quảng trường Lâm Viên"},
        {"mai họp ở hội trường thôn 3 nha", "hội trường thôn 3"},
        {"lò mổ heo cuối xóm 2 xả nước hôi lắm", "lò mổ heo cuối xóm 2"},
        {"mẹ em đang cấp cứu ở bệnh viện Đa khoa Tâm Anh", "bệnh viện Đa khoa Tâm Anh"},
        {"có bạn nữ ngồi khóc trên sân thượng chung cư", "sân thượng chung cư"},
        /* no name: the head right after ở, trong, trên … is the place */
        {"em bị nhốt trong phòng trọ không ra được", "phòng trọ"},
        {"có người ngất ở trạm xăng", "trạm xăng"},
        {"co thang say ruou nam o bai bien", "bai bien"},
        {"xe dau o cong truong thi bi mat", "cong truong"},
        /* but home, and a function word, are not */
        {"em đang ở nhà một mình", ""},
        {"de xe ngoai duong thi mat", ""},
    };
    check_places(cases, sizeof cases / sizeof cases[0]);
}

static void test_round4_whens(void)
{
    static const struct span_case cases[] = {
        {"chieu hom kia co thang la vao xom", "chieu hom kia"},
        {"tụi nó giật túi cách đây chừng 10 phút", "cách đây chừng 10 phút"},
        {"Cứ thứ 7 là tụ tập đá gà", "Cứ thứ 7"},
        {"cảm ơn chú hôm bữa chỉ đường", "hôm bữa"},
        {"mấy đêm nay tối nào cũng có đua xe", "tối nào cũng"},
        {"đóng tiền cho tổ trưởng trước 15/8 nha", "trước 15/8"},
        {"quán đó mở nhạc từ 21h trở đi", "từ 21h trở đi"},
        {"Ông tôi năm nay 75 tuổi, thứ 3 tuần trước bị lừa", "thứ 3 tuần trước"},
        {"lớp học tuần này đổi sang 18h nhé", "18h"}, /* the surer time wins */
        {"dịp Tết nhớ khóa cửa", "dịp Tết"},
        {"Ngay bây giờ trước cổng chợ có đánh nhau", "Ngay bây giờ"},
    };
    check_whens(cases, sizeof cases / sizeof cases[0]);
    run("con đi làm ca đêm về bị giật túi"); /* a shift, not a time */
    CHECK_STR(r.when, "");
    run("cửa nhà đó lúc nào cũng khóa"); /* always, not a time */
    CHECK_STR(r.when, "");
    run("nhà ông Ba tổ 4 ngày nào cũng nhậu");
    CHECK_STR(r.when, "ngày nào cũng"); /* "4" numbers the tổ */
    run("gói cước 4G giá rẻ");
    CHECK_STR(r.when, "");
}

static void test_done(void)
{
    extract_free(ex);
    ex = NULL;
}

TESTLIB_MAIN(T(test_place_is_the_whole_place_in_the_writers_words),
             T(test_place_without_diacritics_and_what_is_no_place), T(test_when_is_one_span),
             T(test_words_that_are_no_time), T(test_money_at_stake_is_the_largest_stake),
             T(test_plate_without_separators), T(test_decomposed_input_gives_the_same_spans),
             T(test_locating_words_and_more_heads), T(test_when_dates_and_numbered_days),
             T(test_round4_places), T(test_round5_places), T(test_round4_whens), T(test_done))
