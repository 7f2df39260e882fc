/*
 * test_classify_urgency.c — urgency as a judgement of now and danger (text/classify_urgency.c),
 * not of crime words: with the shipped lexicon, serious crimes told after the fact, threats of
 * harm to come, incidents seen in a clip and slow or habitual situations are tips but not
 * urgent, with or without diacritics, while an act in progress, someone trapped or a cry for
 * help stay urgent even beside such markers, and so do minutes ago, a scam in progress, a
 * person held or taken away and a body in danger named without a crime word; and, with a
 * minimal lexicon, the decision's numbers (urgent_distance, urgent_not_now, urgent_acute) do
 * what the file says.
 */
#include "testlib.h"

#include "text/classify.h"
#include "text/textengine.h"

#include <stdlib.h>
#include <string.h>

static struct textengine *te;

static void load(void)
{
    if (!te)
        te = testlib_engine();
}

/* Each text must be a tip, urgent or not as given. */
static void check_urgency(const char *const *texts, size_t n, bool urgent)
{
    load();
    for (size_t i = 0; i < n; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, texts[i], false, &a), TEXTENGINE_OK);
        if (!a.is_tip || a.urgent != urgent)
            fprintf(stderr, "  tip %d urgent %d, expected urgent %d: %s\n", a.is_tip, a.urgent,
                    urgent, texts[i]);
        CHECK(a.is_tip && a.urgent == urgent);
        text_analysis_clear(&a);
    }
}

/* Each text, posted in a group, is not urgent, whether or not it is a tip. */
static void check_not_urgent(const char *const *texts, size_t n)
{
    load();
    for (size_t i = 0; i < n; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, texts[i], true, &a), TEXTENGINE_OK);
        if (a.urgent)
            fprintf(stderr, "  urgent: %s\n", texts[i]);
        CHECK(!a.urgent);
        text_analysis_clear(&a);
    }
}

static void test_serious_crime_told_after_the_fact_is_not_urgent(void)
{
    static const char *const texts[] = {
        "Hồi chiều có 2 đứa đi xe SH giật dây chuyền của bà cụ bán nước ở chợ Phùng Khoang, bà bị "
        "ngã chảy máu đầu",
        "hoi chieu co 2 dua di xe SH giat day chuyen cua ba cu ban nuoc o cho Phung Khoang, ba bi "
        "nga chay mau dau",
        "Tối qua khoảng 11h có 2 thằng cầm dao xông vào tiệm tạp hóa đầu hẻm 15 cướp 5 triệu, "
        "giờ chủ tiệm đang nằm viện",
    };
    check_urgency(texts, sizeof texts / sizeof texts[0], false);
}

static void test_threat_of_harm_to_come_is_not_urgent(void)
{
    static const char *const texts[] = {
        "Chồng cũ của em cứ nhắn tin dọa giết em với con nếu em không quay về, nó bảo tuần sau sẽ "
        "lên tận nhà, số nó 0987 654 321",
        "chong cu cua em cu nhan tin doa giet em voi con neu em khong quay ve, no bao tuan sau se "
        "len tan nha, so no 0987 654 321",
        "Thằng Hùng tổ 5 nhắn tin dọa mai sẽ đốt nhà em nếu không trả tiền, sđt 0912 345 678",
    };
    check_urgency(texts, sizeof texts / sizeof texts[0], false);
}

static void test_clip_online_and_habitual_situations_are_not_urgent(void)
{
    static const char *const texts[] = {
        "Mọi người xem clip trên mạng, có thằng đang cầm gậy đánh người ở bến xe Nước Ngầm, phải "
        "báo công an bắt nó",
        "Tối nào cũng có nhóm thanh niên đang tụ tập hút bóng cười, đua xe ở cuối ngõ 8 Kim Ngưu",
    };
    check_urgency(texts, sizeof texts / sizeof texts[0], false);
}

static void test_act_in_progress_and_danger_to_a_person_stay_urgent(void)
{
    static const char *const texts[] = {
        "Ngay bây giờ có thằng cầm dao đang đuổi chém người ở chợ Rạch Ông, ai ở gần gọi 113 giúp",
        "ngay bay gio co thang cam dao dang duoi chem nguoi o cho Rach Ong, ai o gan goi 113 giup",
        /* markers of the past and a threat, but a weapon out now and a cry for help */
        "Tối qua nó dọa giết em, giờ nó đang cầm dao đứng trước cửa phòng trọ số 4, cứu em với",
        "Cháy nhà ở hẻm 30 Bùi Viện, có bà cụ mắc kẹt trên gác, lửa đang lan sang nhà bên",
    };
    check_urgency(texts, sizeof texts / sizeof texts[0], true);
}

static void test_danger_to_a_person_now_is_an_urgent_tip_without_a_crime(void)
{
    /* no crime named, but someone drowning, collapsed, poisoned by gas or about to harm
     * themselves right now: the desk must get it, first */
    static const char *const texts[] = {
        "Có bé gái tầm 8 tuổi rơi xuống ao sau nhà văn hóa thôn Hạ, nước chảy xiết, ai biết bơi ra "
        "giúp với",
        "co nguoi nga guc o ben xe Giap Bat, lay khong day, tho yeu lam",
        "Mùi gas rò rỉ khắp tầng 3 khu tập thể B4, bà cụ ở trong khóa trái cửa, gõ không ai trả "
        "lời",
        "e ko muon song nua, e vua uong het vi thuoc ngu",
    };
    check_urgency(texts, sizeof texts / sizeof texts[0], true);
}

static void test_danger_words_in_jokes_clips_and_the_past_are_not_urgent(void)
{
    static const char *const texts[] = {
        "Chết đuối trong đống bài tập rồi ae ơi, cứu với",
        "Xem clip cháy chung cư bên Hàn mà sợ, người kẹt trên tầng cao vẫy tay cầu cứu",
        "Tuần trước có cháu bé rơi xuống ao làng đuối nước, đã được cứu, mọi người trông con nhé",
    };
    check_not_urgent(texts, sizeof texts / sizeof texts[0]);
}

static void test_person_beside_a_danger_is_urgent_in_new_wordings(void)
{
    /* wordings the lexicon lists nowhere: a person (ông cụ, một đứa) beside a danger to the body
     * (trượt chân xuống kênh, lặn xuống mà chưa ngoi lên), read by structure */
    static const char *const texts[] = {
        "Có ông cụ bị trượt chân xuống kênh Tẻ, đang chới với giữa dòng, ai biết bơi ra giúp",
        "co ong cu bi truot chan xuong kenh Te, dang choi voi giua dong, ai biet boi ra giup",
        "mấy đứa học sinh tắm ở bãi sông Hồng, một đứa lặn xuống mà mãi chưa ngoi lên",
        "may dua hoc sinh tam o bai song Hong, mot dua lan xuong ma mai chua ngoi len",
    };
    check_urgency(texts, sizeof texts / sizeof texts[0], true);
}

static void test_person_beside_a_danger_told_after_the_fact_is_not_urgent(void)
{
    /* the same structure with a marker of distance from now: a story, not an emergency */
    static const char *const texts[] = {
        "Chiều qua ông cụ bán vé số trượt chân xuống kênh Tẻ, may có người vớt lên, giờ đã khỏe",
        "Ngày xưa lũ quét cuốn mất mấy nhà ở xóm này, giờ người ta lại phá rừng đầu nguồn",
    };
    check_not_urgent(texts, sizeof texts / sizeof texts[0]);
}

static void test_minutes_ago_a_scam_in_progress_and_a_person_held_are_urgent(void)
{
    /* now in other words than "đang": minutes ago, a victim still on the call or at the bank
     * counter, someone held or taken into a vehicle, a ransom, a bomb with people crowding round */
    static const char *const texts[] = {
        "Mới cách đây chừng 7 phút có thằng đi xe Sirius giật túi của chị bán bánh mì ở đầu ngõ 12 "
        "Tôn Đức Thắng",
        "moi cach day chung 7 phut co thang di xe Sirius giat tui cua chi ban banh mi o dau ngo 12 "
        "Ton Duc Thang",
        "ba toi dang nghe dien thoai mot nguoi xung la canh sat, bao ba ra ngan hang chuyen tien, "
        "ba "
        "dang o quay giao dich",
        "Cháu nó bị bọn lạ mặt lôi lên xe ô tô trắng ở đầu ngõ chợ, chạy về phía quốc lộ",
        "Ông Năm cày ruộng trúng quả đạn pháo còn nguyên, giờ bà con bu lại xem đông lắm",
        "Bọn đòi nợ giữ anh tôi ở một căn nhà ngoài bãi, gọi về đòi 80 triệu mới thả",
    };
    check_urgency(texts, sizeof texts / sizeof texts[0], true);
}

static void test_a_body_in_danger_is_urgent_and_the_same_words_later_are_not(void)
{
    static const char *const urgent[] = {
        "đứa nhỏ nhà kế bên ngồi vắt vẻo trên lan can tầng 3, không có ai trông",
        "chị ấy uống cả vỉ thuốc rồi, giờ lay không tỉnh",
    };
    check_urgency(urgent, sizeof urgent / sizeof urgent[0], true);
    /* the same words after the fact, in a game, as a duration or by the police */
    static const char *const not_now[] = {
        "Tuần trước ông hàng xóm cày ruộng trúng quả bom còn nguyên, đã bàn giao cho công binh",
        "Cháu bé chơi trốn tìm trốn trong tủ ngủ quên, cả nhà tìm mãi",
        "Chưa tới 5 phút mà xe để trước cửa hàng đã mất, hôm qua ở chợ Hôm",
        "Em trai tôi bị công an tạm giữ ở phường từ tối qua vì gây gổ",
        "Tháng trước mẹ tôi đang nghe điện thoại kẻ xưng công an rồi bị lừa chuyển 100 triệu",
    };
    load();
    for (size_t i = 0; i < sizeof not_now / sizeof not_now[0]; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, not_now[i], false, &a), TEXTENGINE_OK);
        if (a.urgent)
            fprintf(stderr, "  urgent: %s\n", not_now[i]);
        CHECK(!a.urgent);
        text_analysis_clear(&a);
    }
}

/* A minimal lexicon: one category (robbery, with robbery_extra inside its object), the urgency
 * cues and the distance, acute and danger signals. */
static int score_with(const char *robbery_extra, const char *decision, const char *folded,
                      struct classify_result *res)
{
    static char json[2048];
    size_t at = (size_t)snprintf(json, sizeof json, "{\"categories\": {");
    for (int c = 0; c < CLASSIFY_NCAT; c++)
        at += (size_t)snprintf(json + at, sizeof json - at, "%s\"%s\": {\"label\": \"L\"%s}",
                               c ? ", " : "", classify_category_name(c),
                               strcmp(classify_category_name(c), "robbery") ? "" : robbery_extra);
    snprintf(
        json + at, sizeof json - at,
        "}, \"signals\": {\"urgent\": {\"dang\": 3}, \"past\": {\"toi qua\": 1}, \"remote\": "
        "{\"clip\": 1}, \"future\": {\"se\": 1}, \"habitual\": {\"hay\": 1}, \"acute\": "
        "{\"ngay bay gio\": 1}, \"danger\": {\"nguoi nga\": 1.5}, \"ongoing\": {\"hien\": 1}}, "
        "\"decision\": {\"min_category_score\": 1, \"tip_threshold\": "
        "{\"private\": 1}, \"urgent_threshold\": 2%s}}",
        decision);
    struct classify *cl;
    char err[512];
    int rc = classify_load_string(json, &cl, err, sizeof err);
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

static int score(const char *decision, const char *folded, struct classify_result *res)
{
    return score_with(", \"terms\": {\"cuop\": 3}", decision, folded, res);
}

static void test_decision_weighs_distance_and_lets_acute_override(void)
{
    struct classify_result r;
    /* without the new numbers, a file behaves as before: the markers change nothing */
    CHECK_INT(score("", "toi qua dang cuop", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.urgent && r.urgency == 3.0);
    /* urgent_distance: each marker weighs against the cues */
    const char *weigh = ", \"urgent_distance\": 1";
    CHECK_INT(score(weigh, "toi qua dang cuop", &r), CLASSIFY_OK);
    CHECK(r.urgent && r.urgency == 2.0);
    CHECK_INT(score(weigh, "toi qua se hay dang cuop", &r), CLASSIFY_OK);
    CHECK(!r.urgent && r.urgency == 0.0);
    /* urgent_not_now: from there, no urgency at all … */
    const char *veto = ", \"urgent_not_now\": 1";
    CHECK_INT(score(veto, "toi qua dang cuop", &r), CLASSIFY_OK);
    CHECK(r.is_tip && !r.urgent);
    CHECK_INT(score(veto, "clip dang cuop", &r), CLASSIFY_OK);
    CHECK(!r.urgent);
    /* … unless something is acute right now, or it is a cry for help */
    CHECK_INT(score(veto, "toi qua dang cuop ngay bay gio", &r), CLASSIFY_OK);
    CHECK(r.urgent);
    /* what is acute in a clip is not acute here */
    CHECK_INT(score(veto, "clip dang cuop ngay bay gio", &r), CLASSIFY_OK);
    CHECK(!r.urgent);
    CHECK_INT(
        score(", \"urgent_not_now\": 1, \"urgent_acute\": 2", "toi qua dang cuop ngay bay gio", &r),
        CLASSIFY_OK);
    CHECK(!r.urgent);
}

static void test_decision_danger_now_makes_an_urgent_tip(void)
{
    struct classify_result r;
    /* without urgent_danger, acute words alone are no tip */
    CHECK_INT(score("", "nuoc ngay bay gio", &r), CLASSIFY_OK);
    CHECK(!r.is_tip && !r.urgent);
    /* with it, a danger now is an urgent tip of category "other" when nothing else fits */
    const char *danger = ", \"urgent_danger\": 1, \"urgent_distance\": 1";
    CHECK_INT(score(danger, "nuoc ngay bay gio", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.urgent && r.category == classify_category_index("other"));
    /* the distance from now counts against the danger */
    CHECK_INT(score(danger, "toi qua ngay bay gio", &r), CLASSIFY_OK);
    CHECK(!r.is_tip && !r.urgent);
}

static void test_decision_danger_counts_only_with_no_distance(void)
{
    struct classify_result r;
    const char *d = ", \"urgent_danger\": 1.5, \"urgent_distance\": 1, \"urgent_not_now\": 1.5";
    /* a person beside a danger in a tip, nothing else urgent: urgent */
    CHECK_INT(score(d, "cuop nguoi nga", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.urgent);
    /* one marker of distance and the structural match counts for nothing */
    CHECK_INT(score(d, "toi qua cuop nguoi nga", &r), CLASSIFY_OK);
    CHECK(r.is_tip && !r.urgent);
    /* alone it makes no tip: the structure is broad, a story with no time named is not one … */
    CHECK_INT(score(d, "nguoi nga", &r), CLASSIFY_OK);
    CHECK(!r.is_tip && !r.urgent);
    /* … but beside a word that says now, it is an urgent tip of category "other" */
    CHECK_INT(score(d, "hien nguoi nga", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.urgent && r.category == classify_category_index("other"));
}

static void test_decision_negative_bias_counts_only_when_sure(void)
{
    struct classify_result r;
    const char *unsure = ", \"terms\": {\"cuop\": 3}, \"urgent_bias\": -2";
    const char *sure = ", \"terms\": {\"cuop\": 8}, \"urgent_bias\": -2";
    const char *gate = ", \"urgent_bias_confidence\": 0.9";
    /* without the gate, the bias always counts: 3 - 2 is below the threshold of 2 */
    CHECK_INT(score_with(unsure, "", "dang cuop", &r), CLASSIFY_OK);
    CHECK(r.is_tip && !r.urgent && r.urgency == 1.0);
    /* with it, an unsure category (a softmax share near 0.5) does not cancel the cues */
    CHECK_INT(score_with(unsure, gate, "dang cuop", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.confidence < 0.9 && r.urgent && r.urgency == 3.0);
    /* a sure one does */
    CHECK_INT(score_with(sure, gate, "dang cuop", &r), CLASSIFY_OK);
    CHECK(r.is_tip && r.confidence >= 0.9 && !r.urgent);
}

static void test_done(void)
{
    textengine_free(te);
    te = NULL;
}

TESTLIB_MAIN(T(test_serious_crime_told_after_the_fact_is_not_urgent),
             T(test_threat_of_harm_to_come_is_not_urgent),
             T(test_clip_online_and_habitual_situations_are_not_urgent),
             T(test_act_in_progress_and_danger_to_a_person_stay_urgent),
             T(test_decision_weighs_distance_and_lets_acute_override),
             T(test_danger_to_a_person_now_is_an_urgent_tip_without_a_crime),
             T(test_danger_words_in_jokes_clips_and_the_past_are_not_urgent),
             T(test_decision_danger_now_makes_an_urgent_tip),
             T(test_person_beside_a_danger_is_urgent_in_new_wordings),
             T(test_person_beside_a_danger_told_after_the_fact_is_not_urgent),
             T(test_decision_danger_counts_only_with_no_distance),
             T(test_decision_negative_bias_counts_only_when_sure),
             T(test_minutes_ago_a_scam_in_progress_and_a_person_held_are_urgent),
             T(test_a_body_in_danger_is_urgent_and_the_same_words_later_are_not), T(test_done))
