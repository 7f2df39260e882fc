/*
 * test_classify.c — the classifier with the shipped lexicon (config/categories.vi.json) through
 * the text engine's interface: every category recognised in normal writing, without diacritics,
 * in teen code and in decomposed Unicode; the hard negatives residents send (news, procedure
 * questions, "trộm vía", adverts, lost pets, jokes); group chatter needing more evidence; urgency;
 * and the lexicon file's own rules (errors naming the key, teen code, "*", patterns, labels).
 */
#include "testlib.h"

#include "base/utf8.h"
#include "text/classify.h"
#include "text/textengine.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct textengine *te;

static void load(void)
{
    if (!te)
        te = testlib_engine();
}

/* NFD for the Vietnamese vowels and đ stays đ: each vowel becomes its base letter, then the
 * modifier mark, then the tone mark. Enough to feed the engine what some keyboards send. */
static void nfd(const char *in, char *out, size_t cap)
{
    static const char *const vowels[2] = {
        "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ",
        "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴ"};
    static const char bases[] = "aaaeeiooouuy";
    static const uint32_t mods[12] = {0, 0x306, 0x302, 0, 0x302, 0, 0, 0x302, 0x31B, 0, 0x31B, 0};
    static const uint32_t tones[6] = {0, 0x300, 0x301, 0x309, 0x303, 0x323};
    size_t at = 0, i = 0, len = strlen(in);
    while (i < len && at + 12 < cap) {
        uint32_t cp;
        size_t n = utf8_decode(in + i, len - i, &cp);
        int found = -1, upper = 0;
        for (int u = 0; u < 2 && found < 0; u++) {
            size_t k = 0, vl = strlen(vowels[u]);
            for (int idx = 0; k < vl; idx++) {
                uint32_t v;
                k += utf8_decode(vowels[u] + k, vl - k, &v);
                if (v == cp && cp >= 0x80)
                    found = idx, upper = u;
            }
        }
        if (found < 0) {
            memcpy(out + at, in + i, n);
            at += n;
        } else {
            out[at++] = (char)(upper ? bases[found / 6] - 32 : bases[found / 6]);
            if (mods[found / 6])
                at += utf8_encode(mods[found / 6], out + at);
            if (tones[found % 6])
                at += utf8_encode(tones[found % 6], out + at);
        }
        i += n;
    }
    out[at] = '\0';
}

struct tip_case {
    const char *category;
    const char *normal, *plain, *teen; /* the decomposed form is made from normal */
};

static const struct tip_case tip_cases[] = {
    {"theft", "Đêm qua nhà tôi bị kẻ trộm cạy cửa lấy mất chiếc laptop và 3 triệu tiền mặt",
     "dem qua nha toi bi ke trom cay cua lay mat chiec laptop va 3 trieu tien mat",
     "hqua nha e bi trom vao lay mat cai laptop r, ko bit ai lam"},
    {"robbery", "Chị tôi bị hai thanh niên đi xe máy áp sát giật túi xách ở đầu phố",
     "chi toi bi hai thanh nien di xe may ap sat giat tui xach o dau pho",
     "c e bi 2 thg di xe may ap sat giat tui xach o dau pho"},
    {"fraud", "Có người giả danh công an gọi điện bắt mẹ tôi chuyển tiền vào tài khoản lạ",
     "co nguoi gia danh cong an goi dien bat me toi chuyen tien vao tai khoan la",
     "co ng gia danh cong an goi dt bat me e chuyen tien vao tk la"},
    {"drugs", "Phòng trọ cuối dãy tối nào cũng có người đến hút chích ma túy",
     "phong tro cuoi day toi nao cung co nguoi den hut chich ma tuy",
     "phong tro cuoi day toi nao cx co ng den hut chich ma tuy"},
    {"gambling", "Sau quán nước đầu thôn có sới bạc xóc đĩa ăn tiền mỗi tối",
     "sau quan nuoc dau thon co soi bac xoc dia an tien moi toi",
     "sau quan nuoc dau thon co soi bac xoc dia, toi nao cx tu tap"},
    {"loan_shark", "Nhà em bị bọn cho vay nặng lãi đến đòi nợ, tạt sơn vào cửa",
     "nha em bi bon cho vay nang lai den doi no, tat son vao cua",
     "nha e bi bon cho vay nang lai den doi no tat son vao cua"},
    {"trafficking", "Cháu gái tôi bị người quen dụ sang Trung Quốc làm việc rồi mất liên lạc",
     "chau gai toi bi nguoi quen du sang trung quoc lam viec roi mat lien lac",
     "chau gai e bi ng quen du sang trung quoc lam viec r mat lien lac"},
    {"violence", "Hai nhóm thanh niên cầm dao đâm chém nhau ở ngã tư, một người bị thương",
     "hai nhom thanh nien cam dao dam chem nhau o nga tu, mot nguoi bi thuong",
     "2 nhom thanh nien cam dao dam chem nhau o nga tu, 1 ng bi thuong"},
    {"domestic_violence", "Chồng chị hàng xóm say rượu về đánh vợ con, bé khóc suốt đêm",
     "chong chi hang xom say ruou ve danh vo con, be khoc suot dem",
     "ck chi hang xom say ruou ve danh vk con, be khoc suot dem"},
    {"school_violence", "Con tôi học lớp 8 bị các bạn cùng lớp bắt nạt và đánh hội đồng",
     "con toi hoc lop 8 bi cac ban cung lop bat nat va danh hoi dong",
     "con e hoc lop 8 bi may ban cung lop bat nat, danh hoi dong"},
    {"public_disorder", "Đám thanh niên đua xe, nẹt pô, lạng lách ngoài đường lúc nửa đêm",
     "dam thanh nien dua xe, net po, lang lach ngoai duong luc nua dem",
     "dam thanh nien dua xe net po lang lach ngoai duong luc nua dem ko ai ngu dc"},
    {"weapons_explosives", "Nhà ông ấy tự chế pháo và cất giữ thuốc nổ trong kho",
     "nha ong ay tu che phao va cat giu thuoc no trong kho",
     "nha ong ay tu che phao, cat giu thuoc no trong kho"},
    {"fire", "Có đám cháy lớn ở xưởng gỗ, lửa bốc cao, khói đen mù mịt",
     "co dam chay lon o xuong go, khoi den mu mit", "co dam chay lon o xuong go, khoi den mu mit"},
    {"traffic", "Xe tải chạy quá tốc độ tông vào xe máy rồi bỏ chạy",
     "xe tai chay qua toc do tong vao xe may roi bo chay",
     "xe tai chay qua toc do tong vao xm r bo chay"},
    {"prostitution", "Nhà nghỉ đầu ngõ chứa gái bán dâm, khách ra vào suốt đêm",
     "nha nghi dau ngo chua gai ban dam, khach ra vao suot dem",
     "nha nghi dau ngo chua gai ban dam, khach ra vao suot dem"},
    {"environment", "Xưởng nhuộm xả nước thải ra sông, cá chết nổi trắng",
     "xuong nhuom xa nuoc thai ra song, ca chet noi trang",
     "xuong nhuom xa nuoc thai ra song, ca chet noi trang"},
    {"cybercrime", "Tài khoản Facebook của tôi bị hack, nó nhắn tin vay tiền bạn bè",
     "tai khoan facebook cua toi bi hack, no nhan tin vay tien ban be",
     "tk fb cua e bi hack r, no nt muon tien ban be"},
    {"suspicious", "Có người lạ lảng vảng trước cổng trường, nhìn ngó vào các nhà",
     "co nguoi la lang vang truoc cong truong, nhin ngo vao cac nha",
     "co ng la lang vang truoc cong truong, nhin ngo vao cac nha"},
    {"other", "Nhà bên cạnh xây dựng trái phép, lấn chiếm lối đi chung của cả ngõ",
     "nha ben canh xay dung trai phep, lan chiem loi di chung cua ca ngo",
     "nha ben canh xay dung trai phep, lan chiem loi di chung cua ca ngo"},
};

static void check_tip(const char *text, const char *category, bool group)
{
    struct text_analysis a;
    CHECK_INT(textengine_analyze(te, text, group, &a), TEXTENGINE_OK);
    if (!a.is_tip || !a.category || strcmp(a.category, category) != 0)
        fprintf(stderr, "  \"%s\": got %s/%s, expected tip/%s\n", text, a.is_tip ? "tip" : "no",
                a.category ? a.category : "-", category);
    CHECK(a.is_tip);
    CHECK_STR(a.category, category);
    text_analysis_clear(&a);
}

static void check_not_tip(const char *text, bool group)
{
    struct text_analysis a;
    CHECK_INT(textengine_analyze(te, text, group, &a), TEXTENGINE_OK);
    if (a.is_tip)
        fprintf(stderr, "  \"%s\": a tip (%s), expected none\n", text, a.category);
    CHECK(!a.is_tip);
    CHECK(a.category == NULL && !a.urgent);
    text_analysis_clear(&a);
}

static void test_every_category_in_normal_writing(void)
{
    load();
    for (size_t i = 0; i < sizeof tip_cases / sizeof tip_cases[0]; i++)
        check_tip(tip_cases[i].normal, tip_cases[i].category, false);
}

static void test_every_category_without_diacritics(void)
{
    load();
    for (size_t i = 0; i < sizeof tip_cases / sizeof tip_cases[0]; i++)
        check_tip(tip_cases[i].plain, tip_cases[i].category, false);
}

static void test_every_category_in_teen_code(void)
{
    load();
    for (size_t i = 0; i < sizeof tip_cases / sizeof tip_cases[0]; i++)
        check_tip(tip_cases[i].teen, tip_cases[i].category, false);
}

static void test_every_category_decomposed_gives_the_same_analysis(void)
{
    load();
    for (size_t i = 0; i < sizeof tip_cases / sizeof tip_cases[0]; i++) {
        char dec[1024];
        nfd(tip_cases[i].normal, dec, sizeof dec);
        CHECK(strcmp(dec, tip_cases[i].normal) != 0);
        check_tip(dec, tip_cases[i].category, false);
        struct text_analysis a, b;
        textengine_analyze(te, tip_cases[i].normal, false, &a);
        textengine_analyze(te, dec, false, &b);
        CHECK_STR(a.nfc, b.nfc);
        CHECK_STR(a.folded, b.folded);
        CHECK(a.score == b.score && a.urgent == b.urgent);
        text_analysis_clear(&a);
        text_analysis_clear(&b);
    }
}

static void test_hard_negatives_are_not_tips(void)
{
    static const char *const negatives[] = {
        "Trộm vía con bé nhà em dạo này ăn ngoan ngủ kỹ",
        "Đọc báo thấy vụ cướp ngân hàng ở miền Tây mà sợ quá",
        "Cho em hỏi thủ tục đăng ký tạm trú cho người thuê trọ như thế nào ạ",
        "cho e hoi lam lai can cuoc thi ra phuong hay len quan a",
        "Bán nhà chính chủ 3 tầng, giá 2,5 tỷ, miễn trung gian, LH 0912 345 678",
        "Con mèo nhà em bị lạc từ hôm qua, ai thấy liên hệ giúp em, hậu tạ",
        "hôm qua thằng bạn chém gió cả buổi, nói nhiều đau hết cả đầu 😂",
        "Cảm ơn các anh công an đã giúp đỡ, chúc các anh sức khỏe",
        "Công an phường cảnh báo thủ đoạn giả danh nhân viên điện lực, bà con chia sẻ nhé",
        "Xem phim hành động đánh nhau hay quá ae ơi",
        "bot oi so dien thoai cua cong an phuong la bao nhieu",
        "Mình vừa xem lại camera, hóa ra xe không phải bị trộm, con mình dắt đi, xin lỗi cả nhà",
        "Đội bóng thôn mình đánh bại đội thôn bên 3-0, ăn mừng thôi",
    };
    load();
    for (size_t i = 0; i < sizeof negatives / sizeof negatives[0]; i++) {
        check_not_tip(negatives[i], false);
        check_not_tip(negatives[i], true);
    }
}

static void test_group_chatter_needs_stronger_evidence(void)
{
    load();
    const char *weak = "hình như có ai lấy trộm mấy quả bưởi nhà em";
    struct text_analysis a, b;
    textengine_analyze(te, weak, false, &a);
    textengine_analyze(te, weak, true, &b);
    CHECK(a.score == b.score);    /* the same evidence … */
    CHECK(a.is_tip && !b.is_tip); /* … is enough in private, not in a group */
    text_analysis_clear(&a);
    text_analysis_clear(&b);
    check_tip("ĐANG có trộm trèo vào nhà số 5 tổ 3, ai ở gần ra ngay", "theft", true);
}

static void test_urgent_when_happening_now_or_life_in_danger(void)
{
    static const char *const urgent[] = {
        "Đang có đánh nhau ở đầu ngõ, có đứa cầm dao, mọi người ra ngay",
        "CHÁY! nhà ở cuối hẻm 20 đang cháy, có người mắc kẹt trên tầng 2",
        "cuu voi, thang chong nha ben dang danh vo no, chi ay dang keu cuu",
        "Ngay bây giờ có thằng đang cạy khóa xe ở bãi xe chung cư",
        "tai nan o nga tu, nguoi bi nan dang nam giua duong chay mau nhieu",
    };
    static const char *const calm[] = {
        "Tối qua nhà tôi bị trộm mất xe máy, sáng nay mới biết",
        "Mấy hôm nay hay có người lạ lảng vảng trước cổng trường",
        "Có số lạ gọi giả danh công an bắt chuyển tiền, em chưa chuyển",
    };
    load();
    for (size_t i = 0; i < sizeof urgent / sizeof urgent[0]; i++) {
        struct text_analysis a;
        textengine_analyze(te, urgent[i], false, &a);
        if (!a.urgent)
            fprintf(stderr, "  not urgent: %s\n", urgent[i]);
        CHECK(a.is_tip && a.urgent);
        text_analysis_clear(&a);
    }
    for (size_t i = 0; i < sizeof calm / sizeof calm[0]; i++) {
        struct text_analysis a;
        textengine_analyze(te, calm[i], false, &a);
        CHECK(a.is_tip && !a.urgent);
        text_analysis_clear(&a);
    }
}

static void test_analysis_fills_every_field(void)
{
    load();
    struct text_analysis a;
    CHECK_INT(textengine_analyze(te,
                                 "Tối qua ở ngõ 58 Trần Bình bị trộm xe biển 29H1-456.78, "
                                 "ai thấy gọi 0978 456 123, treo thưởng 2tr, xem fb.com/abc",
                                 false, &a),
              TEXTENGINE_OK);
    CHECK_STR(a.nfc, "Tối qua ở ngõ 58 Trần Bình bị trộm xe biển 29H1-456.78, ai thấy gọi "
                     "0978 456 123, treo thưởng 2tr, xem fb.com/abc");
    CHECK_STR(a.folded, "toi qua o ngo 58 tran binh bi trom xe bien 29h1-456.78, ai thay goi "
                        "0978 456 123, treo thuong 2tr, xem fb.com/abc");
    CHECK(a.is_tip && !a.urgent);
    CHECK_STR(a.category, "theft");
    CHECK_INT(a.nphones, 1);
    CHECK_STR(a.phones[0], "0978456123");
    CHECK_INT(a.nplates, 1);
    CHECK_STR(a.plates[0], "29H1-45678");
    CHECK_INT(a.nurls, 1);
    CHECK_STR(a.urls[0], "fb.com/abc");
    CHECK_INT(a.money_vnd, 2000000);
    CHECK_STR(a.when, "Tối qua");
    CHECK_STR(a.place, "ngõ 58 Trần Bình");
    text_analysis_clear(&a);
    CHECK(a.nfc == NULL && a.when == NULL && a.money_vnd == -1);
}

static void test_bad_text_is_refused_and_the_result_cleared(void)
{
    load();
    struct text_analysis a;
    CHECK_INT(textengine_analyze(te, "caf\xC3", false, &a), TEXTENGINE_EINVAL);
    CHECK(a.nfc == NULL && !a.is_tip && a.money_vnd == -1);
    CHECK_INT(textengine_analyze(te, NULL, false, &a), TEXTENGINE_EINVAL);
    char *big = malloc(TEXTENGINE_MAX_TEXT + 2);
    memset(big, 'a', TEXTENGINE_MAX_TEXT + 1);
    big[TEXTENGINE_MAX_TEXT + 1] = '\0';
    CHECK_INT(textengine_analyze(te, big, false, &a), TEXTENGINE_EINVAL);
    big[TEXTENGINE_MAX_TEXT] = '\0'; /* exactly the limit is fine */
    CHECK_INT(textengine_analyze(te, big, false, &a), TEXTENGINE_OK);
    text_analysis_clear(&a);
    free(big);
    CHECK_INT(textengine_analyze(te, "", false, &a), TEXTENGINE_OK);
    CHECK(!a.is_tip && a.nfc && a.nfc[0] == '\0');
    text_analysis_clear(&a);
}

static void test_categories_have_indexes_and_vietnamese_labels(void)
{
    load();
    size_t n;
    const struct textengine_category *cats = textengine_categories(te, &n);
    CHECK_INT(n, 19);
    CHECK_STR(cats[0].name, "theft");
    CHECK_STR(cats[0].label, "Trộm cắp tài sản");
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(textengine_category_index(cats[i].name), i);
        CHECK(cats[i].label && cats[i].label[0]);
    }
    CHECK_INT(textengine_category_index("other"), 18);
    CHECK_INT(textengine_category_index("arson"), -1);
    CHECK_INT(textengine_category_index(NULL), -1);
}

/* A minimal lexicon: every category with a label, then what the test adds. */
static char *lexicon(const char *extra)
{
    static char buf[8192];
    size_t at = (size_t)snprintf(buf, sizeof buf, "{\"categories\": {");
    for (int c = 0; c < CLASSIFY_NCAT; c++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s\"%s\": {\"label\": \"L%d\"}",
                               c ? ", " : "", classify_category_name(c), c);
    snprintf(buf + at, sizeof buf - at, "}%s}", extra);
    return buf;
}

static int score_with(const char *extra, const char *folded, struct classify_result *res)
{
    struct classify *cl;
    char err[512];
    int rc = classify_load_string(lexicon(extra), &cl, err, sizeof err);
    if (rc != CLASSIFY_OK) {
        fprintf(stderr, "  %s\n", err);
        return rc;
    }
    struct classify_input in = {.folded = folded,
                                .folded_len = strlen(folded),
                                .lower = folded,
                                .lower_len = strlen(folded),
                                .nfc = folded,
                                .nfc_len = strlen(folded)};
    rc = classify_run(cl, &in, res);
    classify_free(cl);
    return rc;
}

static void test_lexicon_teen_code_wildcards_and_patterns(void)
{
    struct classify_result r;
    const char *extra =
        ", \"teen_code\": {\"ck\": \"chong\"}, \"signals\": {\"tip\": {\"nho xem\": 1}}, "
        "\"patterns\": [{\"re\": \"\\\\bchong\\\\b.*\\\\bdanh\\\\b\", \"add\": "
        "{\"domestic_violence\": 3}, \"if_any\": [\"chong\"]}], \"decision\": "
        "{\"min_category_score\": 2, \"tip_threshold\": {\"private\": 3, \"group\": 9}}";
    /* the pattern reads the canonical text, where "ck" has become "chong" */
    CHECK_INT(score_with(extra, "ck em hay danh em, nho xem", &r), CLASSIFY_OK);
    CHECK(r.is_tip);
    CHECK_INT(r.category, classify_category_index("domestic_violence"));
    CHECK(r.score == 4.0);
    /* "*" stands for exactly one word */
    const char *wild =
        ", \"signals\": {\"tip\": {\"mat * xe\": 5}}, \"decision\": {\"min_category_score\": 0}";
    CHECK_INT(score_with(wild, "bi mat cai xe roi", &r), CLASSIFY_OK);
    CHECK(r.score == 5.0);
    CHECK_INT(score_with(wild, "bi mat xe roi", &r), CLASSIFY_OK);
    CHECK(r.score == 0.0);
}

static void test_new_vocabulary_slang_and_regional_words(void)
{
    static const struct {
        const char *text, *category;
    } cases[] = {
        {"Vườn sầu riêng nhà em bị hái trộm gần 200 ký trong đêm", "theft"},
        {"tui để xe đạp điện trước tiệm có 5 phút quay ra là bay màu luôn", "theft"},
        {"Mi ơi tau bị đứa mô lấy mất con xe đạp dựng trước cổng chợ rồi", "theft"},
        {"Ông thầy bói bảo nhà tôi có vong, đòi làm lễ giải hạn 18 triệu", "fraud"},
        {"Chồng em vay góp 30 triệu, mỗi ngày trả 1 triệu, trễ 1 ngày là tụi nó tới chửi",
         "loan_shark"},
        {"tối nào nhà ông Khánh cũng có mấy bàn binh xập xám, mỗi ván vài triệu", "gambling"},
        {"Ba tui nhậu xỉn về là đánh má tui, hôm qua đánh má tui u đầu", "domestic_violence"},
        {"Mấy chiếc ghe hút cát trên sông hoạt động suốt đêm, bờ sông sạt lở mất mấy mét",
         "environment"},
        {"Cán bộ địa chính đòi 20 triệu mới làm sổ đỏ, nói là chi phí bôi trơn", "other"},
    };
    load();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_tip(cases[i].text, cases[i].category, false);
}

static void test_specific_category_wins_over_the_generic_one(void)
{
    load();
    /* a fight at home, at school, a snatching with an injury, a drug user with a knife */
    check_tip("Ông chồng nhà số 14 đang cầm dao đuổi vợ chạy quanh xóm", "domestic_violence",
              false);
    check_tip("Con em học lớp 6 bị 3 bạn nữ lớp 8 kéo vào nhà vệ sinh tát, còn quay clip",
              "school_violence", false);
    check_tip("mẹ em đạp xe đi chợ thì bị thằng đi xe máy giật phăng cái giỏ, mẹ ngã bị thương",
              "robbery", false);
    check_tip("Có thanh niên ngáo đá đang cầm dao chặn đường ở đầu thôn, dọa chém người", "drugs",
              false);
}

static void test_accented_homographs_are_read_apart(void)
{
    static const char *const negatives[] = {
        "Mẹ em bị đau mắt đỏ mấy hôm nay, ai biết chỗ khám mắt tốt không ạ",
        "Chị em ơi em vừa giặt xong thì máy giặt kêu to quá, ai biết thợ sửa không",
        "Hôm nay đám cưới con ông Tư, nhạc to cả ngày, mọi người thông cảm nhé 🎉",
    };
    load();
    for (size_t i = 0; i < sizeof negatives / sizeof negatives[0]; i++)
        check_not_tip(negatives[i], true);
    /* the same words without diacritics stay what they most often are in a report */
    check_tip("me em bi giat tui xach o cho", "robbery", false);
}

static void test_questions_news_and_closed_cases_are_not_tips(void)
{
    static const char *const negatives[] = {
        "Cho em hỏi bị lừa đảo qua mạng thì nộp đơn ở công an phường hay công an tỉnh ạ",
        "Bot ơi cháy nhà thì gọi số nào, 113 hay 114 vậy",
        "Tối qua xem thời sự thấy vụ cháy quán karaoke làm chết 32 người mà rùng mình",
        "Vụ cướp tiệm vàng ở thị trấn tháng trước đã bắt được hung thủ rồi, giỏi ghê",
        "Sáng mai 7h diễn tập phương án chữa cháy tại chợ xã, bà con không hoảng nhé",
        "tối nay nhà ai có bài tiến lên không, ngồi chơi cho vui thôi không ăn tiền 😂",
    };
    load();
    for (size_t i = 0; i < sizeof negatives / sizeof negatives[0]; i++)
        check_not_tip(negatives[i], false);
    /* a question about one's own case is still a report */
    check_tip("Có số gọi tự xưng công an bắt em chuyển 80 triệu vào tài khoản tạm giữ, vậy có phải "
              "lừa đảo ko ạ?",
              "fraud", false);
}

static void test_urgent_without_the_word_dang(void)
{
    static const char *const urgent[] = {
        "Nhà kho sau chợ bốc khói nghi ngút từ 5 phút trước, lửa bắt đầu lan qua mái tôn nhà bên",
        "Con gái em vừa nhắn cầu cứu, bị mấy người lạ giữ trong nhà nghỉ không cho về",
        "vua co vu cuop tiem vang o cho Dong, ten cuop chay ve huong quoc lo, chua bat duoc",
    };
    load();
    for (size_t i = 0; i < sizeof urgent / sizeof urgent[0]; i++) {
        struct text_analysis a;
        textengine_analyze(te, urgent[i], false, &a);
        if (!a.urgent)
            fprintf(stderr, "  not urgent: %s\n", urgent[i]);
        CHECK(a.is_tip && a.urgent);
        text_analysis_clear(&a);
    }
}

/* Scores a text given in its three forms with a minimal lexicon plus extra. */
static int score_forms(const char *extra, const char *folded, const char *lower,
                       struct classify_result *res)
{
    struct classify *cl;
    char err[512];
    int rc = classify_load_string(lexicon(extra), &cl, err, sizeof err);
    if (rc != CLASSIFY_OK) {
        fprintf(stderr, "  %s\n", err);
        return rc;
    }
    struct classify_input in = {.folded = folded,
                                .folded_len = strlen(folded),
                                .lower = lower,
                                .lower_len = strlen(lower),
                                .nfc = lower,
                                .nfc_len = strlen(lower)};
    rc = classify_run(cl, &in, res);
    classify_free(cl);
    return rc;
}

static void test_lexicon_homographs_split_prefer_and_category_cap(void)
{
    struct classify_result r;
    const char *homo = ", \"homographs\": {\"split\": [\"mắt\"]}, "
                       "\"signals\": {\"tip\": {\"mat kinh\": 3, \"nhin\": 1}}";
    /* "mắt kính" (glasses) is not "mất kính" (lost glasses); typed without accents it may be */
    CHECK_INT(score_forms(homo, "mat kinh", "mắt kính", &r), CLASSIFY_OK);
    CHECK(r.score == 0.0);
    CHECK_INT(score_forms(homo, "mat kinh", "mất kính", &r), CLASSIFY_OK);
    CHECK(r.score == 3.0);
    CHECK_INT(score_forms(homo, "mat kinh", "mat kinh", &r), CLASSIFY_OK);
    CHECK(r.score == 3.0);
    /* the split word is still a word: the next one matches */
    CHECK_INT(score_forms(homo, "nhin mat", "nhìn mắt", &r), CLASSIFY_OK);
    CHECK(r.score == 1.0);

    const char *pats = ", \"patterns\": [{\"re\": \"\\\\bdanh\\\\b\", \"add\": {\"violence\": 4}}, "
                       "{\"re\": \"\\\\bchong\\\\b\", \"add\": {\"domestic_violence\": 3}}]";
    char buf[1024];
    CHECK_INT(score_forms(pats, "chong danh", "chong danh", &r), CLASSIFY_OK);
    CHECK_INT(r.category, classify_category_index("violence"));
    snprintf(buf, sizeof buf,
             "%s, \"decision\": {\"prefer\": [{\"winner\": \"domestic_violence\", \"over\": "
             "\"violence\", \"ratio\": 0.5, \"min\": 2}]}",
             pats);
    CHECK_INT(score_forms(buf, "chong danh", "chong danh", &r), CLASSIFY_OK);
    CHECK_INT(r.category, classify_category_index("domestic_violence"));
    CHECK(r.score == 4.0); /* the evidence is the winner's score, whoever is preferred */

#define CL_TEST_STORY(dec)                                                                         \
    ", \"signals\": {\"tip\": {\"doc bao\": -4}}, \"patterns\": [{\"re\": \"cuop\", \"add\": "     \
    "{\"robbery\": 10}}], \"decision\": {" dec "\"tip_threshold\": {\"private\": 2.5}}"
    CHECK_INT(score_forms(CL_TEST_STORY(""), "doc bao thay vu cuop", "doc bao thay vu cuop", &r),
              CLASSIFY_OK);
    CHECK(r.score == 6.0 && r.is_tip); /* a story full of crime words outweighs "read it in" */
    CHECK_INT(score_forms(CL_TEST_STORY("\"category_cap\": 5, "), "doc bao thay vu cuop",
                          "doc bao thay vu cuop", &r),
              CLASSIFY_OK);
    CHECK(r.score == 1.0 && !r.is_tip); /* … unless the category is capped */
#undef CL_TEST_STORY
}

static void test_lexicon_tilde_terms_read_accents_or_none(void)
{
    struct classify_result r;
    const char *extra = ", \"signals\": {\"tip\": {\"~cá độ\": 3}}";
    /* as written, or typed without any diacritic: both are the term */
    CHECK_INT(score_forms(extra, "ca do bong da", "cá độ bóng đá", &r), CLASSIFY_OK);
    CHECK(r.score == 3.0);
    CHECK_INT(score_forms(extra, "ca do bong da", "ca do bong da", &r), CLASSIFY_OK);
    CHECK(r.score == 3.0);
    /* other diacritics are another word: "tàu cá đổ dầu" (a boat dumping oil) */
    CHECK_INT(score_forms(extra, "tau ca do dau", "tàu cá đổ dầu", &r), CLASSIFY_OK);
    CHECK(r.score == 0.0);
    /* typed partly with accents, the plain word still reads as the term's */
    CHECK_INT(score_forms(extra, "ca do", "cá do", &r), CLASSIFY_OK);
    CHECK(r.score == 3.0);
    /* it counts once, whichever entry (accented or plain first word) found it */
    CHECK_INT(score_forms(extra, "ca do, ca do", "cá độ, ca do", &r), CLASSIFY_OK);
    CHECK(r.score == 3.0);
    /* teen code is expanded before a "~" term reads the words: "ko" is "không" */
    const char *teen =
        ", \"teen_code\": {\"ko\": \"khong\"}, \"signals\": {\"tip\": {\"~không trả\": 2}}";
    CHECK_INT(score_forms(teen, "khong tra", "ko trả", &r), CLASSIFY_OK);
    CHECK(r.score == 2.0);
}

/* As lexicon(), with fields added to one category ("\"urgent_bias\": 1"). */
static char *lexicon_with(const char *category, const char *fields, const char *extra)
{
    static char buf[8192];
    size_t at = (size_t)snprintf(buf, sizeof buf, "{\"categories\": {");
    for (int c = 0; c < CLASSIFY_NCAT; c++) {
        const char *name = classify_category_name(c);
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s\"%s\": {\"label\": \"L%d\"%s%s}",
                               c ? ", " : "", name, c, strcmp(name, category) ? "" : ", ",
                               strcmp(name, category) ? "" : fields);
    }
    snprintf(buf + at, sizeof buf - at, "}%s}", extra);
    return buf;
}

static void test_lexicon_adverts_count_less_for_contraband(void)
{
    /* an advert (a price, "ship") is no report, except where the advert is the offence */
    const char *extra =
        ", \"signals\": {\"advert\": {\"ship\": -3}}, \"patterns\": [{\"re\": \"\\\\bke\\\\b\", "
        "\"add\": {\"drugs\": 4}}, {\"re\": \"\\\\bao\\\\b\", \"add\": {\"theft\": 4}}], "
        "\"decision\": {\"min_category_score\": 2, \"tip_threshold\": {\"private\": 2.5}}";
    struct classify *cl;
    char err[512];
    struct classify_result r;
    CHECK_INT(classify_load_string(lexicon_with("drugs", "\"not_report_factor\": 0.25", extra), &cl,
                                   err, sizeof err),
              CLASSIFY_OK);
    const char *ao = "ban ao ship tan nha", *ke = "ban ke ship tan nha";
    struct classify_input in = {.folded = ao,
                                .folded_len = strlen(ao),
                                .lower = ao,
                                .lower_len = strlen(ao),
                                .nfc = ao,
                                .nfc_len = strlen(ao)};
    CHECK_INT(classify_run(cl, &in, &r), CLASSIFY_OK);
    CHECK(!r.is_tip && r.score == 1.0); /* 4 - 3 */
    in = (struct classify_input){.folded = ke,
                                 .folded_len = strlen(ke),
                                 .lower = ke,
                                 .lower_len = strlen(ke),
                                 .nfc = ke,
                                 .nfc_len = strlen(ke)};
    CHECK_INT(classify_run(cl, &in, &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.score == 3.25); /* 4 - 3 * 0.25 */
    classify_free(cl);
    CHECK(classify_load_string(lexicon_with("drugs", "\"not_report_factor\": \"low\"", ""), &cl,
                               err, sizeof err) == CLASSIFY_ECONFIG);
    CHECK(strstr(err, "categories.drugs") != NULL);
    /* with the shipped lexicon */
    load();
    check_tip("Có web bán 'nấm thần' và 'tem' giao hỏa tốc, ship trong 2h nội thành, giá 500k/gói",
              "drugs", false);
    check_not_tip("Bán gà ta thả vườn 180k/kg, ship trong xã, ai lấy inbox nhé", false);
}

static void test_lexicon_if_entity_and_gates(void)
{
    struct classify_result r;
    /* a pattern that needs an amount is not tried without one */
    const char *extra =
        ", \"patterns\": [{\"re\": \"\\\\bmat\\\\b\", \"add\": {\"theft\": 3}, \"if_entity\": "
        "[\"money\"]}, {\"re\": \"\\\\bgiat\\\\b\", \"add\": {\"robbery\": 3}, \"if_any\": "
        "[[\"giat\"], [\"tui\", \"vi\"]]}]";
    CHECK_INT(score_with(extra, "bi mat roi", &r), CLASSIFY_OK);
    CHECK(r.cat_score[classify_category_index("theft")] == 0.0);
    struct classify *cl;
    char err[512];
    CHECK_INT(classify_load_string(lexicon(extra), &cl, err, sizeof err), CLASSIFY_OK);
    const char *t = "bi mat 2 trieu";
    struct classify_input in = {.folded = t,
                                .folded_len = strlen(t),
                                .lower = t,
                                .lower_len = strlen(t),
                                .nfc = t,
                                .nfc_len = strlen(t),
                                .money = true};
    CHECK_INT(classify_run(cl, &in, &r), CLASSIFY_OK);
    CHECK(r.cat_score[classify_category_index("theft")] == 3.0);
    /* both gates must open: one word of each list */
    const char *g1 = "bi giat tui", *g2 = "bi giat minh";
    in = (struct classify_input){.folded = g1,
                                 .folded_len = strlen(g1),
                                 .lower = g1,
                                 .lower_len = strlen(g1),
                                 .nfc = g1,
                                 .nfc_len = strlen(g1)};
    CHECK_INT(classify_run(cl, &in, &r), CLASSIFY_OK);
    CHECK(r.cat_score[classify_category_index("robbery")] == 3.0);
    in = (struct classify_input){.folded = g2,
                                 .folded_len = strlen(g2),
                                 .lower = g2,
                                 .lower_len = strlen(g2),
                                 .nfc = g2,
                                 .nfc_len = strlen(g2)};
    CHECK_INT(classify_run(cl, &in, &r), CLASSIFY_OK);
    CHECK(r.cat_score[classify_category_index("robbery")] == 0.0);
    classify_free(cl);
    CHECK(classify_load_string(
              lexicon(", \"patterns\": [{\"re\": \"a\", \"add\": {}, \"if_entity\": [\"cash\"]}]"),
              &cl, err, sizeof err) == CLASSIFY_ECONFIG);
    CHECK(strstr(err, "patterns[0].if_entity") != NULL);
}

static void test_lexicon_learned_models_choose_and_fall_back(void)
{
    struct classify_result r;
    /* the category model chooses among categories; it never makes a tip by itself */
    const char *cat =
        ", \"signals\": {\"tip\": {\"bao\": 3}}, \"patterns\": [{\"re\": \"danh\", \"add\": "
        "{\"violence\": 3, \"school_violence\": 2.5}}], \"category_model\": {\"terms\": {\"lop\": "
        "{\"school_violence\": 1}}}, \"decision\": {\"min_category_score\": 2, \"tip_threshold\": "
        "{\"private\": 2.5}}";
    CHECK_INT(score_with(cat, "bao danh nhau", &r), CLASSIFY_OK);
    CHECK_INT(r.category, classify_category_index("violence"));
    CHECK_INT(score_with(cat, "bao lop danh nhau", &r), CLASSIFY_OK);
    CHECK_INT(r.category, classify_category_index("school_violence"));
    CHECK(r.cat_score[classify_category_index("school_violence")] == 2.5); /* lexicon only */
    CHECK_INT(score_with(cat, "lop hoc vui", &r), CLASSIFY_OK);
    CHECK(!r.is_tip);
    /* the tip model takes what the lexicon half knows: some category evidence, a high logit */
    const char *tip =
        ", \"patterns\": [{\"re\": \"mat\", \"add\": {\"theft\": 1.5}}], \"tip_model\": {\"bias\": "
        "-2, \"group\": -1, \"threshold\": 1, \"min_category_score\": 1, \"terms\": {\"sang ra\": "
        "3.5}}, \"decision\": {\"min_category_score\": 2}";
    CHECK_INT(score_with(tip, "sang ra mat xe", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.category == classify_category_index("theft"));
    CHECK_INT(score_with(tip, "sang ra di cho", &r), CLASSIFY_OK);
    CHECK(!r.is_tip); /* no category evidence at all */
    CHECK_INT(score_with(tip, "mat ngu qua", &r), CLASSIFY_OK);
    CHECK(!r.is_tip); /* evidence, but the model says no */
    /* the urgent model marks a tip the cues missed */
    const char *urg =
        ", \"signals\": {\"tip\": {\"bao\": 3}}, \"patterns\": [{\"re\": \"chay\", \"add\": "
        "{\"fire\": 3}}], \"urgent_model\": {\"bias\": -2, \"threshold\": 0, \"terms\": {\"mac "
        "ket\": 3}}, \"decision\": {\"min_category_score\": 2, \"urgent_threshold\": 9}";
    CHECK_INT(score_with(urg, "bao chay nha, co nguoi mac ket", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.urgent);
    CHECK_INT(score_with(urg, "bao chay nha hom qua", &r), CLASSIFY_OK);
    CHECK(r.is_tip && !r.urgent);
    /* errors name the key */
    struct classify *cl;
    char err[512];
    CHECK(
        classify_load_string(lexicon(", \"category_model\": {\"terms\": {\"x\": {\"arson\": 1}}}"),
                             &cl, err, sizeof err) == CLASSIFY_ECONFIG);
    CHECK(strstr(err, "category_model.terms.x.arson") != NULL);
    CHECK(classify_load_string(lexicon(", \"tip_model\": {\"bias\": 1, \"terms\": {}}"), &cl, err,
                               sizeof err) == CLASSIFY_ECONFIG);
    CHECK(strstr(err, "tip_model.group") != NULL);
    CHECK(classify_load_string(lexicon(", \"urgent_model\": {\"bias\": \"x\"}"), &cl, err,
                               sizeof err) == CLASSIFY_ECONFIG);
    CHECK(strstr(err, "urgent_model") != NULL);
}

static void test_boundaries_between_overlapping_categories(void)
{
    load();
    /* who hurts whom decides: a relative at home, a neighbour, a classmate */
    check_tip("Vợ tôi thường xuyên đánh đập, chửi mắng mẹ tôi đã 80 tuổi", "domestic_violence",
              false);
    check_tip("Hai nhà tranh chấp đất, con trai nhà ông Kha cầm gậy sang đánh ông Thìn gãy tay",
              "violence", false);
    /* force and taking is robbery; the knife alone is not a weapons report */
    check_tip("Có thằng cầm dao đứng trong cửa hàng tiện lợi bắt nhân viên mở két", "robbery",
              false);
    /* a child taken by a stranger, confinement, papers held: trafficking */
    check_tip("Con tôi 10 tuổi đi học về chưa thấy, bạn nó bảo có người lạ chở đi bằng xe máy",
              "trafficking", false);
    /* false information published online: cybercrime, even when it is about a kidnapping */
    check_tip("Group chợ đồ cũ có đứa tung tin thất thiệt là trẻ con ở xã bị bắt cóc lấy nội "
              "tạng, mọi người hoang mang",
              "cybercrime", false);
    /* a fake product is "other"; a price ("hàng giá 350k") is not a fake */
    check_tip("Cơ sở ở thôn Hạ đóng gói bột ngọt giả, dán nhãn Ajinomoto, chở đi các chợ", "other",
              false);
    /* a threat to burn a house is not a fire */
    check_tip("Bọn đòi nợ đến ngồi lì trước cửa nhà, dọa đốt nhà nếu không trả", "loan_shark",
              false);
    /* addicted to a phone, a football kick, a bee sting: no report */
    check_not_tip("Con em nghiện điện thoại quá, các mẹ có cách gì cai không ạ", false);
    check_not_tip("hôm qua t đi đá bóng bị thằng bạn đạp trúng chân, sưng như cái bánh bao", false);
    check_not_tip("Bị con ong đốt sưng cả mặt, giờ đỡ rồi", false);
}

static void test_lexicon_errors_name_the_key(void)
{
    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"{\"categories\": {\"arson\": {\"label\": \"x\"}}}", "categories.arson"},
        {"{\"categories\": {\"theft\": {\"label\": \"x\"}}}", "categories.robbery: missing"},
        {"{\"categories\": {\"theft\": {\"label\": 3}}}", "categories.theft"},
        {"{\"categories\": {,}}", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct classify *cl = (struct classify *)1;
        char err[512] = "";
        CHECK(classify_load_string(bad[i].json, &cl, err, sizeof err) != CLASSIFY_OK);
        CHECK(cl == NULL);
        if (!strstr(err, bad[i].needle))
            fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", err, bad[i].needle);
        CHECK(strstr(err, bad[i].needle) != NULL);
    }
    static const struct {
        const char *extra, *needle;
    } bad2[] = {
        {", \"patterns\": [{\"re\": \"(\", \"add\": {\"theft\": 1}}]", "patterns[0].re"},
        {", \"patterns\": [{\"re\": \"a\", \"add\": {\"arson\": 1}}]", "patterns[0].add.arson"},
        {", \"patterns\": [{\"re\": \"a\", \"add\": {}, \"if_any\": [\"two words\"]}]",
         "patterns[0].if_any[0]"},
        {", \"signals\": {\"tip\": {\"a b c d e f g\": 1}}", "signals.tip"},
        {", \"signals\": {\"tip\": {\"* a\": 1}}", "signals.tip"},
        {", \"signals\": {\"urgent\": {\"x\": \"high\"}}", "signals.urgent"},
        {", \"teen_code\": {\"ko\": \"không\"}", "teen_code"},
        {", \"decision\": {\"tip_threshold\": {\"group\": \"high\"}}",
         "decision.tip_threshold.group"},
        {", \"homographs\": {\"split\": [\"mat\"]}", "homographs.split[0]"},
        {", \"homographs\": [\"mắt\"]", "homographs"},
        {", \"decision\": {\"prefer\": [{\"winner\": \"arson\", \"over\": \"theft\"}]}",
         "decision.prefer[0]"},
    };
    for (size_t i = 0; i < sizeof bad2 / sizeof bad2[0]; i++) {
        struct classify *cl;
        char err[512] = "";
        CHECK(classify_load_string(lexicon(bad2[i].extra), &cl, err, sizeof err) ==
              CLASSIFY_ECONFIG);
        if (!strstr(err, bad2[i].needle))
            fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", err, bad2[i].needle);
        CHECK(strstr(err, bad2[i].needle) != NULL);
    }
}

static void test_explain_names_what_fired(void)
{
    load();
    struct text_analysis a;
    char why[2048];
    CHECK_INT(textengine_explain(te, "bị móc túi ở chợ", false, &a, why, sizeof why),
              TEXTENGINE_OK);
    CHECK(strstr(why, "theft+") != NULL && strstr(why, "[moc tui]") != NULL);
    text_analysis_clear(&a);
    CHECK_INT(textengine_explain(te, "bị móc túi ở chợ", false, &a, why, 8), TEXTENGINE_OK);
    CHECK(strlen(why) < 8);
    text_analysis_clear(&a);
}

struct worker_arg {
    int failures;
};

static void *worker(void *p)
{
    struct worker_arg *w = p;
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < sizeof tip_cases / sizeof tip_cases[0]; i++) {
            struct text_analysis a;
            if (textengine_analyze(te, tip_cases[i].plain, false, &a) != TEXTENGINE_OK ||
                !a.category || strcmp(a.category, tip_cases[i].category) != 0)
                w->failures++;
            text_analysis_clear(&a);
        }
    return NULL;
}

static void test_concurrent_analyses_share_one_engine(void)
{
    load();
    pthread_t t[4];
    struct worker_arg args[4] = {{0}};
    for (int i = 0; i < 4; i++)
        CHECK_INT(pthread_create(&t[i], NULL, worker, &args[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(args[i].failures, 0);
    }
}

/* The facts the emergency path reads: happening now (never ask "when?"), someone hurt or
 * trapped (115 beside 113 or 114) and a cry for help (the numbers even when it is not a tip),
 * with or without diacritics, and what says otherwise. */
static void test_ongoing_injury_and_distress_facts(void)
{
    static const struct {
        const char *text;
        bool ongoing, injury, distress;
    } cases[] = {
        {"có mấy thanh niên đang hút cái gì đó trong hẻm", true, false, false},
        {"co may thanh nien dang hut cai gi do trong hem", true, false, false},
        {"cứu với, có người bị chém chảy máu nhiều", true, true, true},
        {"chay nha o ngo 5 co nguoi mac ket ben trong", false, true, false},
        {"Ngay bây giờ có thằng cạy khóa xe ở bãi xe", true, false, false},
        {"tối qua đang đi thì bị giật túi", false, false, false},
        {"vụ cháy đã dập tắt, không ai bị thương", false, false, false},
        {"nhóm đó đăng ký kinh doanh karaoke", false, false, false},
        {"hàng xóm gọi cứu hỏa đến dập lửa hôm qua", false, false, false},
        {"cuu toi voi", true, false, true},
        {"SOS", true, false, true},
        {"em đang làm nghiên cứu về an ninh trật tự", true, false, false},
        {"tụ tập gây ồn ào, anh chị kiểm tra giúp em với", false, false, false},
    };
    load();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct text_analysis a;
        CHECK(textengine_analyze(te, cases[i].text, false, &a) == TEXTENGINE_OK);
        if (a.ongoing != cases[i].ongoing || a.injury != cases[i].injury ||
            a.distress != cases[i].distress)
            fprintf(stderr, "  %s: ongoing %d injury %d distress %d\n", cases[i].text, a.ongoing,
                    a.injury, a.distress);
        CHECK(a.ongoing == cases[i].ongoing);
        CHECK(a.injury == cases[i].injury);
        CHECK(a.distress == cases[i].distress);
        text_analysis_clear(&a);
    }
}

static void test_done(void)
{
    textengine_free(te);
    te = NULL;
    textengine_free(NULL);
}

TESTLIB_MAIN(T(test_every_category_in_normal_writing), T(test_every_category_without_diacritics),
             T(test_every_category_in_teen_code),
             T(test_every_category_decomposed_gives_the_same_analysis),
             T(test_hard_negatives_are_not_tips), T(test_group_chatter_needs_stronger_evidence),
             T(test_urgent_when_happening_now_or_life_in_danger),
             T(test_analysis_fills_every_field), T(test_bad_text_is_refused_and_the_result_cleared),
             T(test_categories_have_indexes_and_vietnamese_labels),
             T(test_lexicon_teen_code_wildcards_and_patterns),
             T(test_new_vocabulary_slang_and_regional_words),
             T(test_specific_category_wins_over_the_generic_one),
             T(test_accented_homographs_are_read_apart),
             T(test_questions_news_and_closed_cases_are_not_tips),
             T(test_urgent_without_the_word_dang),
             T(test_lexicon_homographs_split_prefer_and_category_cap),
             T(test_lexicon_tilde_terms_read_accents_or_none),
             T(test_lexicon_adverts_count_less_for_contraband), T(test_lexicon_if_entity_and_gates),
             T(test_lexicon_learned_models_choose_and_fall_back),
             T(test_boundaries_between_overlapping_categories), T(test_lexicon_errors_name_the_key),
             T(test_explain_names_what_fired), T(test_concurrent_analyses_share_one_engine),
             T(test_ongoing_injury_and_distress_facts), T(test_done))
