/*
 * test_classify_categories.c — which category a tip is and how sure the engine is of it, with the
 * shipped lexicon (config/categories.vi.json): the confusions that reach the desk (theft or
 * robbery, fraud or cybercrime, violence or public disorder or domestic or school violence,
 * suspicious only as the fallback), figures of speech that borrow crime words, and the category
 * confidence (decision.confidence) that the guided report trusts from TEXTENGINE_SURE_CATEGORY
 * on. test_classify.c covers the rest of the classifier.
 */
#include "testlib.h"

#include "base/utf8.h"
#include "text/classify.h"
#include "text/textengine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct textengine *te;

static void load(void)
{
    if (!te)
        te = testlib_engine();
}

struct cat_case {
    const char *text;
    const char *category;
};

/* Each text is a tip of that category, and the engine is sure of it. */
static void check_sure(const struct cat_case *cases, size_t n)
{
    load();
    for (size_t i = 0; i < n; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, cases[i].text, false, &a), TEXTENGINE_OK);
        if (!a.is_tip || !a.category || strcmp(a.category, cases[i].category) != 0 ||
            a.category_confidence < TEXTENGINE_SURE_CATEGORY)
            fprintf(stderr, "  \"%s\": got %s/%s (%.2f), expected tip/%s, sure\n", cases[i].text,
                    a.is_tip ? "tip" : "no", a.category ? a.category : "-", a.category_confidence,
                    cases[i].category);
        CHECK(a.is_tip);
        CHECK_STR(a.category, cases[i].category);
        CHECK(a.category_confidence >= TEXTENGINE_SURE_CATEGORY);
        text_analysis_clear(&a);
    }
}

static void test_snatching_is_robbery_stealing_is_theft(void)
{
    static const struct cat_case cases[] = {
        {"bị thằng chạy xe máy giật điện thoại ở ngã tư", "robbery"},
        {"thang do vua cuop giat tui xach roi bo chay", "robbery"},
        {"tối qua trộm vào nhà lấy mất cái xe máy", "theft"},
        {"sang ra mat xe dap de truoc cong", "theft"},
    };
    check_sure(cases, sizeof cases / sizeof cases[0]);
}

static void test_deceit_for_money_is_fraud_intrusion_is_cybercrime(void)
{
    static const struct cat_case cases[] = {
        {"em bị lừa chuyển khoản 5 triệu cho người giả danh công an", "fraud"},
        /* a loan app that takes a fee and never lends deceives for money: not loan sharking */
        {"App vay nhanh đòi đóng phí giải ngân 3tr rồi khóa luôn", "fraud"},
        {"tài khoản facebook của em bị hack, nó nhắn tin mượn tiền bạn bè", "cybercrime"},
        {"Có đứa DDoS web bán hàng nhà em, đòi 15tr mới ngừng", "cybercrime"},
    };
    check_sure(cases, sizeof cases / sizeof cases[0]);
}

static void test_violence_public_disorder_domestic_and_school(void)
{
    static const struct cat_case cases[] = {
        {"chồng say rượu đánh vợ con ở nhà số 5", "domestic_violence"},
        {"học sinh lớp 8 đánh hội đồng bạn ở trường THCS", "school_violence"},
        {"nhóm thanh niên nhậu say hát karaoke ồn ào chửi bới ngoài đường tới 2h sáng",
         "public_disorder"},
        /* groping on a bus is an offence against public order, not a theft */
        {"Em bị 1 ông sàm sỡ trên xe buýt, sờ mó em", "public_disorder"},
        /* a fight with the neighbours has no family tie: violence */
        {"Hàng xóm xông qua đánh ba tui, đang đánh ngoài sân", "violence"},
    };
    check_sure(cases, sizeof cases / sizeof cases[0]);
}

static void test_suspicious_only_when_nothing_else_fits(void)
{
    static const struct cat_case cases[] = {
        {"có người lạ cứ đi qua đi lại nhìn vào nhà tôi mấy hôm nay", "suspicious"},
        {"co nguoi la dung o hem 4 moi toi ban can sa cho may dua nho", "drugs"},
    };
    check_sure(cases, sizeof cases / sizeof cases[0]);
}

static void test_figures_of_speech_and_notices_are_not_tips(void)
{
    static const char *const texts[] = {
        "Ông sếp cướp mất ngày nghỉ của tui rồi, thứ 7 này phải đi làm bù",
        "quán đầu hẻm bán 1 dĩa ốc 150k, đúng là ăn cướp giữa ban ngày",
        /* a death notice is no tip of the "other" kind */
        "Gia đình xin báo tin buồn và vĩnh biệt cụ Nguyễn Văn Tư, an táng sáng mai",
    };
    load();
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, texts[i], false, &a), TEXTENGINE_OK);
        if (a.is_tip)
            fprintf(stderr, "  \"%s\": a tip (%s)\n", texts[i], a.category);
        CHECK(!a.is_tip);
        text_analysis_clear(&a);
    }
}

/* Each text is a tip of that category (the engine may still ask to confirm it). */
static void check_category(const struct cat_case *cases, size_t n)
{
    load();
    for (size_t i = 0; i < n; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, cases[i].text, false, &a), TEXTENGINE_OK);
        if (!a.is_tip || !a.category || strcmp(a.category, cases[i].category) != 0)
            fprintf(stderr, "  \"%s\": got %s/%s, expected tip/%s\n", cases[i].text,
                    a.is_tip ? "tip" : "no", a.category ? a.category : "-", cases[i].category);
        CHECK(a.is_tip);
        CHECK_STR(a.category, cases[i].category);
        text_analysis_clear(&a);
    }
}

/* Getting into an account, or money leaving one the owner never sent, is intrusion; a caller or
 * visitor who only pretends to be staff deceives for money. */
static void test_intrusion_without_the_owner_is_cybercrime(void)
{
    static const struct cat_case cases[] = {
        {"tai khoan ngan hang cua me tu dung bi rut 20 trieu, me khong bam link nao ca",
         "cybercrime"},
        {"Ai đó đăng nhập facebook của em từ máy lạ rồi đổi mật khẩu luôn", "cybercrime"},
        {"có mấy người tự nhận nhân viên điện lực tới từng nhà thu tiền thay công tơ", "fraud"},
    };
    check_category(cases, sizeof cases / sizeof cases[0]);
}

/* A gang beating of grown-ups is violence; it is school violence only around pupils. A person
 * about to jump, and a bag nobody claims, are tips of their own (other, suspicious). */
static void test_gang_beating_self_harm_and_abandoned_bag(void)
{
    static const struct cat_case cases[] = {
        {"có ông bị 3 thằng đánh hội đồng ở bãi xe siêu thị, nằm im rồi", "violence"},
        {"co nguoi dang dung tren lan can cau nhu muon nhay xuong", "other"},
        {"có cái vali bỏ lại ở sảnh chờ bệnh viện từ sáng không ai nhận", "suspicious"},
    };
    check_category(cases, sizeof cases / sizeof cases[0]);
}

/* Fire prevention, prices and a snack taken from the fridge borrow crime words. */
static void test_prevention_prices_and_snacks_are_not_tips(void)
{
    static const char *const texts[] = {
        "shop bán bình chữa cháy mini cho ô tô, giá 300k, giao tận nhà",
        "giá vé 3 triệu một vé, đúng là cướp tiền người hâm mộ",
        "đứa nào ăn trộm hộp sữa chua của tao trong tủ lạnh vậy",
        "nắng nóng muốn chết luôn bà con ơi",
    };
    load();
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, texts[i], false, &a), TEXTENGINE_OK);
        if (a.is_tip)
            fprintf(stderr, "  \"%s\": a tip (%s)\n", texts[i], a.category);
        CHECK(!a.is_tip);
        text_analysis_clear(&a);
    }
}

/* Two offences told in one breath: the engine says it is unsure and names the other one, so
 * the guided report asks the resident instead of filing a guess. */
static void test_mixed_message_is_unsure_with_a_runner_up(void)
{
    load();
    struct text_analysis a;
    CHECK_INT(textengine_analyze(te, "bị lừa chuyển tiền rồi bị hack luôn zalo", false, &a),
              TEXTENGINE_OK);
    CHECK(a.is_tip);
    CHECK(a.category_confidence < TEXTENGINE_SURE_CATEGORY);
    CHECK(a.category && a.category2 && strcmp(a.category, a.category2) != 0);
    bool pair = a.category && a.category2 &&
                ((strcmp(a.category, "fraud") == 0 && strcmp(a.category2, "cybercrime") == 0) ||
                 (strcmp(a.category, "cybercrime") == 0 && strcmp(a.category2, "fraud") == 0));
    CHECK(pair);
    text_analysis_clear(&a);
}

/* A minimal lexicon: every category with a label (theft and robbery with one term each), then
 * what the test adds. */
static const char *lexicon(const char *extra)
{
    static char buf[4096];
    size_t at = (size_t)snprintf(buf, sizeof buf, "{\"categories\": {");
    for (int c = 0; c < CLASSIFY_NCAT; c++) {
        const char *name = classify_category_name(c);
        const char *terms = strcmp(name, "theft") == 0     ? ", \"terms\": {\"trom\": 10}"
                            : strcmp(name, "robbery") == 0 ? ", \"terms\": {\"giat\": 9}"
                                                           : "";
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s\"%s\": {\"label\": \"L%d\"%s}",
                               c ? ", " : "", name, c, terms);
    }
    snprintf(buf + at, sizeof buf - at, "}%s}", extra);
    return buf;
}

static double confidence_at(const char *temperature, int *category2)
{
    char extra[512];
    snprintf(extra, sizeof extra,
             ", \"decision\": {\"min_category_score\": 1, \"tip_threshold\": {\"private\": 1, "
             "\"group\": 1}, \"confidence\": {\"temperature\": %s, \"runner_up_share\": 0.2}}",
             temperature);
    struct classify *cl;
    char err[512];
    if (classify_load_string(lexicon(extra), &cl, err, sizeof err) != CLASSIFY_OK) {
        fprintf(stderr, "  %s\n", err);
        return -1;
    }
    const char *text = "trom giat";
    struct classify_input in = {.folded = text,
                                .folded_len = strlen(text),
                                .lower = text,
                                .lower_len = strlen(text),
                                .nfc = text,
                                .nfc_len = strlen(text)};
    struct classify_result r;
    double conf = -1;
    if (classify_run(cl, &in, &r) == CLASSIFY_OK && r.is_tip &&
        r.category == classify_category_index("theft"))
        conf = r.confidence, *category2 = r.category2;
    classify_free(cl);
    return conf;
}

/* decision.confidence.temperature spreads the scores: theft 10, robbery 9 and 17 categories at 0
 * give theft a share of 1 / (1 + e^(-1/T) + 17 e^(-10/T)): 0.73 at T = 1, 0.58 at T = 2, where
 * the robbery runner-up (0.27, then 0.35) is offered. */
static void test_confidence_follows_the_temperature(void)
{
    for (int t = 1; t <= 2; t++) {
        char temperature[8];
        snprintf(temperature, sizeof temperature, "%d", t);
        int c2 = -2;
        double got = confidence_at(temperature, &c2);
        double want = 1.0 / (1.0 + exp(-1.0 / t) + (CLASSIFY_NCAT - 2) * exp(-10.0 / t));
        if (fabs(got - want) > 1e-6)
            fprintf(stderr, "  T=%d: confidence %.4f, expected %.4f\n", t, got, want);
        CHECK(fabs(got - want) <= 1e-6);
        CHECK_INT(c2, classify_category_index("robbery"));
    }
}

static void test_confidence_keys_are_checked(void)
{
    static const char *const bad[] = {
        ", \"decision\": {\"confidence\": {\"temperature\": 0}}",
        ", \"decision\": {\"confidence\": {\"runner_up_share\": 1.5}}",
        ", \"decision\": {\"confidence\": {\"temperature\": \"warm\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct classify *cl = NULL;
        char err[512] = "";
        CHECK_INT(classify_load_string(lexicon(bad[i]), &cl, err, sizeof err), CLASSIFY_ECONFIG);
        CHECK(cl == NULL);
        CHECK(strstr(err, "decision.confidence") != NULL);
    }
}

/* An explanation cut by its buffer ends between two entries, never inside a character: the
 * analyze command prints it as JSON text. */
static void test_explain_is_cut_between_entries(void)
{
    load();
    /* its explanation names accented terms ("~sàm sỡ") after some 1,200 bytes */
    const char *text = "Em bị 1 ông sàm sỡ trên xe buýt, sờ mó em";
    for (size_t cap = 1; cap < 1600; cap++) {
        char *buf = malloc(cap);
        struct text_analysis a;
        CHECK(buf != NULL);
        if (!buf)
            return;
        CHECK_INT(textengine_explain(te, text, false, &a, buf, cap), TEXTENGINE_OK);
        size_t n = strnlen(buf, cap);
        CHECK(n < cap);
        if (!utf8_valid(buf, n)) {
            fprintf(stderr, "  cap %zu: explanation cut inside a character\n", cap);
            CHECK(false);
        }
        text_analysis_clear(&a);
        free(buf);
    }
}

/* Issue 12, round 4: quoted crime words, films, essays, the news and idioms are not tips; a
 * lost person, an ATM hold-up, a fire spreading and a son beating his parents have their own
 * categories. The texts were written for this test, not taken from a labelled set. */
static void test_quotes_films_news_and_idioms_lost_people_and_fires(void)
{
    static const char *const not_tips[] = {
        "Con mèo nhà tui nó 'trộm' chiếc dép của ba đem giấu dưới gầm giường",
        "Tối qua xem tập cuối phim hình sự về băng cướp ngân hàng, hay ghê mọi người",
        "Em đang làm tiểu luận về tội phạm ma túy, ai có tài liệu cho em xin",
        "Trời nắng kiểu này đúng là giết người luôn, mọi người đi đường nhớ mang nước",
        "tran toi qua trong tai an cuop cua doi nha mot qua pen, tuc ghe",
    };
    load();
    for (size_t i = 0; i < sizeof not_tips / sizeof not_tips[0]; i++) {
        struct text_analysis a;
        CHECK_INT(textengine_analyze(te, not_tips[i], true, &a), TEXTENGINE_OK);
        if (a.is_tip)
            fprintf(stderr, "  \"%s\": a tip (%s)\n", not_tips[i], a.category);
        CHECK(!a.is_tip);
        text_analysis_clear(&a);
    }
    static const struct cat_case cases[] = {
        {"Ông ngoại tôi bị lẫn, đi lạc từ sáng tới giờ chưa thấy đâu, ai gặp báo giúp", "other"},
        {"co 2 thang cam dao ep em rut tien o cay ATM dau duong", "robbery"},
        {"Lửa bắt sang dãy nhà bên cạnh rồi, ai gọi cứu hỏa giúp với", "fire"},
        {"Thằng con trai nhà bên say rượu lại đánh bố mẹ nó, ông bà chạy ra đường",
         "domestic_violence"},
        /* a life in danger with no crime in it */
        {"ông hàng xóm đang làm vườn thì gục xuống bất tỉnh, gọi mãi không tỉnh", "other"},
        {"Hai mẹ con bị kẹt trong thang máy chung cư gần 1 tiếng rồi, bấm chuông không ai nghe",
         "other"},
        {"thang be hang xom bi cho becgie can rach tay, mau chay nhieu lam", "other"},
    };
    check_category(cases, sizeof cases / sizeof cases[0]);
}

static void test_done(void)
{
    textengine_free(te);
    te = NULL;
}

TESTLIB_MAIN(T(test_snatching_is_robbery_stealing_is_theft),
             T(test_deceit_for_money_is_fraud_intrusion_is_cybercrime),
             T(test_violence_public_disorder_domestic_and_school),
             T(test_suspicious_only_when_nothing_else_fits),
             T(test_figures_of_speech_and_notices_are_not_tips),
             T(test_intrusion_without_the_owner_is_cybercrime),
             T(test_gang_beating_self_harm_and_abandoned_bag),
             T(test_prevention_prices_and_snacks_are_not_tips),
             T(test_mixed_message_is_unsure_with_a_runner_up),
             T(test_confidence_follows_the_temperature), T(test_confidence_keys_are_checked),
             T(test_explain_is_cut_between_entries),
             T(test_quotes_films_news_and_idioms_lost_people_and_fires), T(test_done))
