/*
 * extract_words.c — the words under the place and time spans (text/extract_place.c,
 * text/extract_when.c): the stripped text cut into tokens (words, figures, codes such as "HH4"
 * or "Q7", clock times, dates, punctuation), and the small lexicon that says what each word can
 * be in a place ("hẻm" heads one, "ở" joins two) or a time ("tối" is a part of the day, "qua"
 * makes it yesterday's).
 *
 * Words are looked up without diacritics, but a message typed with diacritics is read with
 * them: there "tôi" is not "tối" and "cho" is not "chợ". In a message typed without any, a word
 * whose plain form is also another word ("toi", "cho", "ban") gets its roles marked EX_W_AMBIG,
 * and the span rules ask for a neighbour that confirms it.
 */
#include "text/extract_impl.h"

#include "base/textnorm.h"

#include <stdlib.h>
#include <string.h>

/* ---- the lexicon ------------------------------------------------------------------------- */

/* Each word as written with its diacritics, in lower case; one line per role group. The
 * plain form (the key) is computed once by extract__lexicon_new. */
static const struct {
    const char *word;
    uint32_t roles;
} ex_words[] = {
    /* the nouns a place is named by */
    {"hẻm", EX_W_HEAD},
    {"ngõ", EX_W_HEAD},
    {"ngách", EX_W_HEAD},
    {"kiệt", EX_W_HEAD},
    {"đường", EX_W_HEAD},
    {"phố", EX_W_HEAD},
    {"thôn", EX_W_HEAD},
    {"xóm", EX_W_HEAD},
    {"ấp", EX_W_HEAD},
    {"bản", EX_W_HEAD},
    {"làng", EX_W_HEAD | EX_W_MOD},
    {"chợ", EX_W_HEAD},
    {"cầu", EX_W_HEAD},
    {"phường", EX_W_HEAD | EX_W_ADMIN},
    {"xã", EX_W_HEAD | EX_W_ADMIN},
    {"quận", EX_W_HEAD | EX_W_ADMIN},
    {"huyện", EX_W_HEAD | EX_W_ADMIN},
    {"tỉnh", EX_W_HEAD | EX_W_ADMIN},
    {"tp", EX_W_HEAD | EX_W_ADMIN},
    {"thị", EX_W_HEAD | EX_W_PAIR},
    {"trấn", EX_W_MOD}, /* only after "thị": alone, plain "tran" is trận */
    {"thị", EX_W_MOD},
    {"vực", EX_W_MOD},
    {"trường", EX_W_HEAD},
    {"chung", EX_W_HEAD | EX_W_PAIR},
    {"cư", EX_W_MOD},
    {"quốc", EX_W_HEAD | EX_W_PAIR},
    {"tỉnh", EX_W_HEAD},
    {"lộ", EX_W_MOD},
    {"ql", EX_W_HEAD},
    {"kcn", EX_W_HEAD},
    {"kdt", EX_W_HEAD},
    {"kđt", EX_W_HEAD},
    {"ktx", EX_W_HEAD},
    {"khu", EX_W_HEAD | EX_W_SHOP},
    {"tổ", EX_W_HEAD | EX_W_NUMBERED},
    {"tdp", EX_W_HEAD | EX_W_NUMBERED},
    {"kp", EX_W_HEAD | EX_W_NUMBERED},
    {"số", EX_W_HEAD | EX_W_NUMBERED},
    {"tòa", EX_W_HEAD | EX_W_NUMBERED},
    {"toà", EX_W_HEAD | EX_W_NUMBERED},
    {"tầng", EX_W_HEAD | EX_W_NUMBERED},
    {"phòng", EX_W_HEAD | EX_W_NUMBERED},
    {"lô", EX_W_HEAD | EX_W_NUMBERED},
    {"dãy", EX_W_HEAD | EX_W_NUMBERED},
    {"quán", EX_W_HEAD | EX_W_SHOP},
    {"tiệm", EX_W_HEAD | EX_W_SHOP},
    {"nhà", EX_W_HEAD},
    {"bãi", EX_W_HEAD | EX_W_SHOP},
    {"bến", EX_W_HEAD | EX_W_SHOP},
    {"đèo", EX_W_HEAD},
    {"dốc", EX_W_HEAD},
    {"cổng", EX_W_HEAD},
    {"sân", EX_W_HEAD | EX_W_SHOP},
    {"hồ", EX_W_HEAD},
    {"sông", EX_W_HEAD},
    {"rừng", EX_W_HEAD},
    {"đồi", EX_W_HEAD},
    {"mương", EX_W_HEAD},
    {"vườn", EX_W_HEAD},
    {"ruộng", EX_W_HEAD},
    {"kho", EX_W_HEAD | EX_W_SHOP},
    {"xưởng", EX_W_HEAD | EX_W_SHOP},
    {"lán", EX_W_HEAD},
    {"căn", EX_W_HEAD | EX_W_PAIR},
    {"bỏ", EX_W_MOD}, /* "căn nhà bỏ hoang", "nhà bỏ trống" */
    {"hoang", EX_W_MOD},
    {"chè", EX_W_MOD},
    {"ngô", EX_W_MOD},
    {"nước", EX_W_MOD},
    {"trạm", EX_W_HEAD | EX_W_SHOP},
    {"bệnh", EX_W_HEAD | EX_W_PAIR},
    {"viện", EX_W_MOD},
    {"ủy", EX_W_HEAD | EX_W_ORG | EX_W_PAIR},
    {"uỷ", EX_W_HEAD | EX_W_ORG | EX_W_PAIR},
    {"ubnd", EX_W_HEAD | EX_W_ORG},
    {"thành", EX_W_HEAD | EX_W_PAIR},
    {"cao", EX_W_HEAD | EX_W_MOD | EX_W_PAIR},
    {"tốc", EX_W_MOD},
    {"km", EX_W_HEAD | EX_W_NUMBERED},
    {"ngã", EX_W_HEAD | EX_W_PAIR},
    {"siêu", EX_W_HEAD | EX_W_PAIR},
    {"karaoke", EX_W_HEAD | EX_W_MOD},
    {"công", EX_W_HEAD | EX_W_PAIR},
    {"cửa", EX_W_HEAD | EX_W_PAIR},
    {"trang", EX_W_HEAD | EX_W_PAIR},
    {"đình", EX_W_HEAD},
    {"chùa", EX_W_HEAD},
    {"nghĩa", EX_W_HEAD | EX_W_PAIR},
    {"trung", EX_W_HEAD | EX_W_PAIR},
    {"hầm", EX_W_HEAD},
    {"lan", EX_W_HEAD | EX_W_PAIR},
    {"bờ", EX_W_HEAD},
    {"cánh", EX_W_HEAD | EX_W_PAIR},
    {"cây", EX_W_HEAD | EX_W_PAIR},
    {"trụ", EX_W_HEAD | EX_W_PAIR},
    {"homestay", EX_W_HEAD},
    /* water, works and counters: "đập Dầu Tiếng", "kênh Ba Bò", "lò gạch", "quầy thu ngân" */
    {"đập", EX_W_HEAD},
    {"kênh", EX_W_HEAD},
    {"rạch", EX_W_HEAD},
    {"suối", EX_W_HEAD},
    {"nương", EX_W_HEAD},
    {"giếng", EX_W_HEAD},
    {"lò", EX_W_HEAD | EX_W_SHOP},
    {"quầy", EX_W_HEAD | EX_W_SHOP},
    {"vòng", EX_W_HEAD | EX_W_PAIR},
    {"xoay", EX_W_MOD},
    {"quảng", EX_W_HEAD | EX_W_PAIR},
    {"hội", EX_W_HEAD | EX_W_PAIR},
    {"thượng", EX_W_MOD},
    {"kè", EX_W_MOD},
    {"đê", EX_W_MOD},
    {"đa", EX_W_MOD},
    {"khoa", EX_W_MOD},
    {"khối", EX_W_HEAD | EX_W_NUMBERED},
    {"cụm", EX_W_HEAD},
    {"chuồng", EX_W_HEAD},
    {"buôn", EX_W_HEAD},
    {"khách", EX_W_HEAD | EX_W_PAIR},
    {"ký", EX_W_HEAD | EX_W_PAIR},
    {"túc", EX_W_MOD},
    {"xá", EX_W_MOD},
    {"chuyên", EX_W_MOD},
    {"hostel", EX_W_HEAD},
    {"bar", EX_W_HEAD},
    {"cafe", EX_W_HEAD | EX_W_MOD},
    {"shop", EX_W_HEAD},
    {"xe", EX_W_MOD},
    {"khách", EX_W_MOD},
    {"sạn", EX_W_MOD},
    {"hàng", EX_W_MOD},
    /* what may follow a head noun: "bãi đất trống", "nhà văn hóa", "quán cà phê võng" */
    {"văn", EX_W_MOD},
    {"hóa", EX_W_MOD},
    {"hoá", EX_W_MOD},
    {"giữ", EX_W_MOD},
    {"máy", EX_W_MOD},
    {"đất", EX_W_MOD},
    {"trống", EX_W_MOD},
    {"cỏ", EX_W_MOD},
    {"nhậu", EX_W_MOD},
    {"cà", EX_W_MOD},
    {"phê", EX_W_MOD},
    {"võng", EX_W_MOD},
    {"massage", EX_W_MOD},
    {"gội", EX_W_MOD},
    {"đầu", EX_W_MOD | EX_W_PREFIX | EX_W_CONN},
    {"thư", EX_W_MOD},
    {"giãn", EX_W_MOD},
    {"điện", EX_W_MOD},
    {"vàng", EX_W_MOD},
    {"gas", EX_W_MOD},
    {"tạp", EX_W_MOD},
    {"trọ", EX_W_MOD},
    {"nghỉ", EX_W_MOD},
    {"ăn", EX_W_MOD},
    {"ốc", EX_W_MOD},
    {"mini", EX_W_MOD},
    {"y", EX_W_MOD},
    {"tế", EX_W_MOD},
    {"dân", EX_W_MOD},
    {"liên", EX_W_MOD},
    {"ven", EX_W_MOD},
    {"biển", EX_W_MOD},
    {"đi", EX_W_MOD},
    {"bộ", EX_W_MOD},
    {"rơm", EX_W_MOD},
    {"rẫy", EX_W_MOD},
    {"đồng", EX_W_MOD},
    {"mầm", EX_W_MOD},
    {"non", EX_W_MOD},
    {"tiểu", EX_W_MOD},
    {"học", EX_W_MOD},
    {"thcs", EX_W_MOD},
    {"thpt", EX_W_MOD},
    {"đh", EX_W_MOD},
    {"đại", EX_W_MOD},
    {"đẳng", EX_W_MOD},
    {"nghề", EX_W_MOD},
    {"tư", EX_W_MOD},
    {"khám", EX_W_MOD},
    {"bơi", EX_W_MOD},
    {"vận", EX_W_MOD},
    {"động", EX_W_MOD},
    {"dừng", EX_W_MOD},
    {"chân", EX_W_MOD | EX_W_PREFIX},
    {"phà", EX_W_MOD},
    {"vượt", EX_W_MOD},
    {"chui", EX_W_MOD},
    {"đêm", EX_W_MOD},
    {"cảng", EX_W_HEAD},
    {"ga", EX_W_HEAD},
    {"đối", EX_W_CONN},
    {"diện", EX_W_CONN},
    {"vệ", EX_W_MOD},
    {"sinh", EX_W_MOD},
    {"thang", EX_W_HEAD | EX_W_PAIR},
    {"sửa", EX_W_MOD},
    {"xăng", EX_W_MOD},
    {"dầu", EX_W_MOD},
    {"thiếu", EX_W_MOD},
    {"nhi", EX_W_MOD},
    {"bóng", EX_W_MOD},
    {"buýt", EX_W_MOD},
    {"vé", EX_W_MOD},
    {"nghiệp", EX_W_MOD},
    {"đô", EX_W_MOD},
    {"tâm", EX_W_MOD},
    {"trại", EX_W_MOD},
    {"heo", EX_W_MOD},
    {"gà", EX_W_MOD},
    {"trình", EX_W_MOD},
    {"ty", EX_W_MOD},
    {"sở", EX_W_MOD},
    {"tư", EX_W_MOD},
    {"ba", EX_W_MOD},
    {"năm", EX_W_MOD},
    {"tập", EX_W_MOD},
    {"thể", EX_W_MOD},
    {"atm", EX_W_MOD},
    {"can", EX_W_MOD},
    {"sau", EX_W_CONN | EX_W_PREFIX},
    {"trước", EX_W_CONN | EX_W_PREFIX},
    {"trên", EX_W_CONN},
    {"ngay", EX_W_CONN},
    {"gầm", EX_W_CONN | EX_W_PREFIX},
    {"cạnh", EX_W_CONN},
    {"gần", EX_W_CONN | EX_W_PREFIX},
    {"cuối", EX_W_CONN | EX_W_PREFIX},
    {"góc", EX_W_CONN | EX_W_PREFIX},
    {"trong", EX_W_CONN},
    {"ngoài", EX_W_CONN},
    {"dưới", EX_W_CONN | EX_W_PREFIX},
    {"giữa", EX_W_CONN},
    {"bên", EX_W_CONN | EX_W_PREFIX},
    {"tê", EX_W_CONN},
    {"kia", EX_W_CONN},
    {"phía", EX_W_CONN}, /* "chạy về phía hồ": a direction, no place */
    {"hông", EX_W_CONN},
    {"vào", EX_W_CONN},
    {"hướng", EX_W_CONN},
    {"về", EX_W_CONN | EX_W_PREP},
    {"đoạn", EX_W_CONN},
    {"qua", EX_W_CONN},
    {"của", EX_W_CONN},
    {"ở", EX_W_CONN | EX_W_PREP},
    {"tại", EX_W_CONN | EX_W_PREP},
    {"quê", EX_W_PREP},
    /* whose place: "nhà ông Ba", "nhà mẹ đẻ ở xóm 4" */
    {"ông", EX_W_KIN},
    {"bà", EX_W_KIN},
    {"anh", EX_W_KIN},
    {"chị", EX_W_KIN},
    {"cô", EX_W_KIN},
    {"chú", EX_W_KIN},
    {"bác", EX_W_KIN},
    {"dì", EX_W_KIN},
    {"thằng", EX_W_KIN},
    {"con", EX_W_KIN},
    {"cháu", EX_W_KIN},
    {"em", EX_W_KIN},
    {"tôi", EX_W_KIN},
    {"tui", EX_W_KIN},
    {"mình", EX_W_KIN},
    {"mẹ", EX_W_KIN},
    {"đẻ", EX_W_KIN},
    {"gái", EX_W_KIN},
    {"giáo", EX_W_KIN},
    {"thầy", EX_W_KIN},
    {"an", EX_W_ORG},
    /* after a figure: the figure counts something, it names no place ("3 ngày nay", "800 đồng") */
    {"ngày", EX_W_UNIT | EX_T_UNIT},
    {"tháng", EX_W_UNIT | EX_T_UNIT},
    {"năm", EX_W_UNIT | EX_T_UNIT},
    {"giờ", EX_W_UNIT | EX_T_UNIT},
    {"tiếng", EX_W_UNIT | EX_T_UNIT},
    {"phút", EX_W_UNIT | EX_T_UNIT},
    {"tuần", EX_W_UNIT | EX_T_UNIT},
    {"tuổi", EX_W_UNIT},
    {"người", EX_W_UNIT},
    {"lần", EX_W_UNIT},
    {"cái", EX_W_UNIT},
    {"chiếc", EX_W_UNIT},
    {"tấn", EX_W_UNIT},
    {"mũi", EX_W_UNIT},
    {"nhát", EX_W_UNIT},
    {"triệu", EX_W_UNIT},
    {"tr", EX_W_UNIT},
    {"nghìn", EX_W_UNIT},
    {"ngàn", EX_W_UNIT},
    {"tỷ", EX_W_UNIT},
    {"tỉ", EX_W_UNIT},
    {"củ", EX_W_UNIT},
    {"đồng", EX_W_UNIT},
    {"k", EX_W_UNIT},
    {"đ", EX_W_UNIT},
    {"kg", EX_W_UNIT},
    {"ký", EX_W_UNIT},
    {"m", EX_W_UNIT},
    {"hộ", EX_W_UNIT},
    {"xe", EX_W_UNIT},
    {"tàu", EX_W_UNIT},
    {"đứa", EX_W_UNIT},
    {"thằng", EX_W_UNIT},
    {"nhóm", EX_W_UNIT},
    /* the parts of a time */
    {"sáng", EX_T_DAYPART},
    {"trưa", EX_T_DAYPART},
    {"chiều", EX_T_DAYPART},
    {"tối", EX_T_DAYPART},
    {"đêm", EX_T_DAYPART},
    {"khuya", EX_T_DAYPART},
    {"rạng", EX_T_LEAD},
    {"nửa", EX_T_LEAD},
    {"nay", EX_T_REL},
    {"này", EX_T_REL},
    {"qua", EX_T_REL},
    {"mai", EX_T_REL | EX_T_CORE},
    {"mốt", EX_T_REL},
    {"kia", EX_T_REL},
    {"trước", EX_T_REL},
    {"rồi", EX_T_REL},
    {"ngoái", EX_T_REL},
    {"tới", EX_T_REL | EX_T_JOIN},
    {"sau", EX_T_REL},
    {"nữa", EX_T_REL},
    {"ni", EX_T_REL},
    {"mô", EX_T_REL},
    {"nãy", EX_T_REL},
    {"xong", EX_T_REL},
    {"nào", EX_T_REL},
    {"cũng", EX_T_REL},
    {"đầu", EX_T_REL | EX_T_LEAD},
    {"hôm", EX_T_UNIT},
    {"bữa", EX_T_UNIT},
    {"hqua", EX_T_CORE},
    {"hnay", EX_T_CORE},
    {"lúc", EX_T_UNIT | EX_T_LEAD},
    {"ban", EX_T_UNIT},
    {"bây", EX_T_UNIT},
    {"vừa", EX_T_UNIT},
    {"dạo", EX_T_UNIT},
    {"ca", EX_T_UNIT},
    {"buổi", EX_T_UNIT},
    {"tết", EX_T_CORE},
    {"thứ", EX_T_DOW},
    {"chủ", EX_T_DOW},
    {"nhật", EX_T_DOWNUM},
    {"hai", EX_T_DOWNUM},
    {"ba", EX_T_DOWNUM},
    {"tư", EX_T_DOWNUM},
    {"năm", EX_T_DOWNUM},
    {"sáu", EX_T_DOWNUM},
    {"bảy", EX_T_DOWNUM},
    {"từ", EX_T_LEAD | EX_T_JOIN},
    {"khoảng", EX_T_LEAD},
    {"tầm", EX_T_LEAD},
    {"mấy", EX_T_LEAD},
    {"mỗi", EX_T_LEAD},
    {"hằng", EX_T_LEAD},
    {"suốt", EX_T_LEAD},
    {"cả", EX_T_LEAD},
    {"mới", EX_T_LEAD},
    {"ngay", EX_T_LEAD},
    {"đến", EX_T_JOIN},
    {"sớm", EX_T_DAYPART},
    {"hồi", EX_T_LEAD},
    {"gần", EX_T_LEAD},
    {"cách", EX_T_LEAD},
    {"đây", EX_T_LEAD},
    {"mùng", EX_T_DOW},
    {"mồng", EX_T_DOW},
    {"cn", EX_T_CORE},
    {"wa", EX_T_REL},
    {"qa", EX_T_REL},
    {"trc", EX_T_REL},
    {"kém", EX_T_JOIN},
    {"hum", EX_T_UNIT},
    {"đang", EX_T_SPECIAL},
    {"diễn", EX_T_SPECIAL},
    {"ra", EX_T_SPECIAL},
    {"giờ", EX_T_SPECIAL},
    {"cuối", EX_T_SPECIAL},
    {"đầu", EX_T_SPECIAL},
    {"và", EX_T_JOIN},
    {"chừng", EX_T_LEAD},
    {"cứ", EX_T_LEAD},
    {"dịp", EX_T_LEAD | EX_T_UNIT},
    {"hè", EX_T_UNIT},
    {"trở", EX_T_SPECIAL},
    {"đi", EX_T_SPECIAL},
};

enum { EX_KEY_MAX = 16 };

struct ex_lex_entry {
    char key[EX_KEY_MAX]; /* the plain form */
    uint8_t key_len;
    uint8_t word_len; /* strlen(word) */
    bool plain;       /* the word has no diacritics */
    const char *word; /* as written with diacritics */
    uint32_t roles;
};

/* The entries sorted by key, so that the words of one plain form ("toi": tôi, tối, tới) are
 * adjacent, and an open-addressing table from the hash of a key to its first entry and count.
 * A binary search by strcmp cost ten comparisons a word, the most of the tokenizer's time. */
struct ex_lex_slot {
    uint16_t first, count; /* count 0: an empty slot */
};

struct ex_lexicon {
    size_t n;
    size_t mask; /* the table has mask + 1 slots, a power of two at least twice n */
    struct ex_lex_slot *slots;
    struct ex_lex_entry e[];
};

static int ex_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ex_lex_entry *)a)->key, ((const struct ex_lex_entry *)b)->key);
}

/* FNV-1a of a plain key. */
static uint32_t ex_key_hash(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 16777619u;
    return h;
}

static void ex_lexicon_index(struct ex_lexicon *lx)
{
    for (size_t i = 0; i < lx->n;) {
        size_t j = i;
        while (j < lx->n && strcmp(lx->e[j].key, lx->e[i].key) == 0)
            j++;
        size_t at = ex_key_hash(lx->e[i].key, lx->e[i].key_len) & lx->mask;
        while (lx->slots[at].count)
            at = (at + 1) & lx->mask;
        lx->slots[at] = (struct ex_lex_slot){(uint16_t)i, (uint16_t)(j - i)};
        i = j;
    }
}

struct ex_lexicon *extract__lexicon_new(void)
{
    size_t n = sizeof ex_words / sizeof ex_words[0];
    _Static_assert(sizeof ex_words / sizeof ex_words[0] < 0x8000, "ex_lex_slot holds 16 bits");
    struct ex_lexicon *lx = malloc(sizeof *lx + n * sizeof lx->e[0]);
    if (!lx)
        return NULL;
    lx->n = n;
    lx->mask = 1;
    while (lx->mask + 1 < 2 * n)
        lx->mask = 2 * lx->mask + 1;
    lx->slots = calloc(lx->mask + 1, sizeof *lx->slots);
    if (!lx->slots) {
        free(lx);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct ex_lex_entry *e = &lx->e[i];
        size_t kl =
            textnorm_fold(ex_words[i].word, strlen(ex_words[i].word), e->key, sizeof e->key);
        e->key_len = (uint8_t)kl;
        e->word = ex_words[i].word;
        e->word_len = (uint8_t)strlen(e->word);
        e->plain = strcmp(e->key, e->word) == 0;
        e->roles = ex_words[i].roles;
    }
    qsort(lx->e, n, sizeof lx->e[0], ex_entry_cmp);
    ex_lexicon_index(lx);
    return lx;
}

void extract__lexicon_free(struct ex_lexicon *lx)
{
    if (lx)
        free(lx->slots);
    free(lx);
}

/* The writer's word [s, e) of the stripped text in lower case, as it is compared with a
 * lexicon word: in place in the lowered text when the caller gave one, else copied into low. */
static const char *ex_lower_word(const struct ex_ctx *c, size_t s, size_t e, char *low, size_t cap,
                                 size_t *n)
{
    if (c->in->lower) {
        *n = c->in->map[e] - c->in->map[s];
        return c->in->lower + c->in->map[s];
    }
    *n = extract__copy_nfc(c, s, e, low, cap, true, false);
    return low;
}

/* The roles of the token [s, e) of the stripped text (see the file comment). */
static uint32_t ex_roles(const struct ex_ctx *c, const struct ex_lexicon *lx, size_t s, size_t e,
                         bool plain)
{
    char key[EX_KEY_MAX];
    size_t kl = e - s;
    if (kl >= sizeof key)
        return 0;
    for (size_t i = s; i < e; i++)
        key[i - s] = (char)(c->in->strip[i] | 0x20);
    size_t at = ex_key_hash(key, kl) & lx->mask;
    const struct ex_lex_slot *slot;
    for (;; at = (at + 1) & lx->mask) {
        slot = &lx->slots[at];
        if (!slot->count)
            return 0;
        const struct ex_lex_entry *en = &lx->e[slot->first];
        if (en->key_len == kl && memcmp(en->key, key, kl) == 0)
            break;
    }
    uint32_t roles = 0;
    char buf[4 * EX_KEY_MAX];
    const char *low = NULL;
    size_t nlow = 0;
    for (size_t i = slot->first; i < (size_t)slot->first + slot->count; i++) {
        const struct ex_lex_entry *en = &lx->e[i];
        if (plain) {
            if (en->plain)
                roles |= en->roles;
            else if (!c->diacritics)
                roles |= en->roles | EX_W_AMBIG;
            continue;
        }
        if (!low)
            low = ex_lower_word(c, s, e, buf, sizeof buf, &nlow);
        if (nlow == en->word_len && memcmp(low, en->word, nlow) == 0)
            roles |= en->roles;
    }
    return roles;
}

/* ---- the tokens -------------------------------------------------------------------------- */

static bool ex_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool ex_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* "22h", "6h45", "22h15p", "7g", "5p": a clock time or a count of minutes (EX_TOK_MINUTES). */
static int ex_clock_kind(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && ex_digit(t[i]))
        i++;
    if (i == 0 || i > 2 || i == n)
        return -1;
    char u = (char)(t[i] | 0x20);
    if ((u == 'p') && i + 1 == n)
        return EX_TOK_MINUTES;
    if (u != 'h' && t[i] != 'g') /* "7g" is 7 o'clock; "4G" is a network */
        return -1;
    size_t j = i + 1;
    if (j + 2 <= n && (t[j] | 0x20) == 'i' && (t[j + 1] | 0x20) == 'o') /* "22gio" */
        j += 2;
    size_t k = j;
    while (k < n && ex_digit(t[k]))
        k++;
    if (k - j > 2)
        return -1;
    if (k < n && (t[k] | 0x20) == 'p' && k + 1 == n)
        k++;
    return k == n ? EX_TOK_CLOCK : -1;
}

static enum ex_tok_kind ex_classify(const char *t, size_t n)
{
    bool letters = false, digits = false, slash = false, colon = false;
    for (size_t i = 0; i < n; i++) {
        letters |= ex_alpha(t[i]);
        digits |= ex_digit(t[i]);
        slash |= t[i] == '/' || t[i] == '-'; /* "20/11", "20-11" */
        colon |= t[i] == ':';
    }
    if (!digits)
        return EX_TOK_WORD;
    int ck = ex_clock_kind(t, n);
    if (ck >= 0)
        return (enum ex_tok_kind)ck;
    if (letters)
        return EX_TOK_CODE;
    if (colon)
        return EX_TOK_CLOCK;
    if (slash)
        return EX_TOK_DATE;
    return EX_TOK_NUM;
}

/* "P", "Q", "TP", "TX": one or two capitals, the short form of a ward, a district or a city
 * before a dot ("P.5", "TP.HCM"). */
static bool ex_abbrev(const char *t, size_t n)
{
    if (n < 1 || n > 2)
        return false;
    for (size_t i = 0; i < n; i++)
        if (t[i] < 'A' || t[i] > 'Z')
            return false;
    return true;
}

/* "20-11", "12-3": a day and a month joined by a dash (1-2 digits each, day <= 31, month <= 12,
 * nothing glued after); "1-2h", "5-10" of larger counts and phone groups stay apart. */
static bool ex_day_dash(const char *a, size_t na, const char *b, size_t nb)
{
    if (na < 1 || na > 2 || !ex_digit(a[0]) || !ex_digit(a[na - 1]))
        return false;
    size_t k = 0;
    while (k < nb && k < 3 && ex_digit(b[k]))
        k++;
    if (k < 1 || k > 2 ||
        (k < nb && (ex_alpha(b[k]) || ex_digit(b[k]) || b[k] == '-' || b[k] == '.' || b[k] == '/')))
        return false;
    int d = atoi(a), m = atoi(b);
    return d >= 1 && d <= 31 && m >= 1 && m <= 12 && (na == 2 || d > 0) && m > 0;
}

void extract__tokens(struct ex_ctx *c, const struct ex_lexicon *lx, struct ex_tokens *tk)
{
    const char *t = c->in->strip;
    size_t len = c->in->strip_len;
    tk->n = 0;
    for (size_t i = 0; i < len && tk->n < EX_MAX_TOKENS;) {
        unsigned char ch = (unsigned char)t[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            i++;
            continue;
        }
        struct ex_tok *k = &tk->t[tk->n];
        memset(k, 0, sizeof *k);
        k->s = (uint32_t)i;
        if (!ex_alpha((char)ch) && !ex_digit((char)ch)) {
            size_t e = i + 1;
            while (e < len && ((unsigned char)t[e] & 0xC0) == 0x80)
                e++;
            k->e = (uint32_t)e;
            k->kind = EX_TOK_PUNCT;
            k->punct = ch < 0x80 ? (char)ch : '?';
            tk->n++;
            i = e;
            continue;
        }
        size_t e = i;
        while (e < len && (ex_alpha(t[e]) || ex_digit(t[e]) ||
                           ((t[e] == '/' || t[e] == ':') && e > i && ex_digit(t[e - 1]) &&
                            e + 1 < len && ex_digit(t[e + 1])) ||
                           (t[e] == '-' && ex_day_dash(t + i, e - i, t + e + 1, len - e - 1)) ||
                           ((t[e] == '.' || t[e] == '-') && e > i && ex_alpha(t[e - 1]) &&
                            e + 1 < len && t[e + 1] >= 'a' && t[e + 1] <= 'z') ||
                           (t[e] == '.' && ex_abbrev(t + i, e - i) && e + 1 < len &&
                            (ex_digit(t[e + 1]) || (t[e + 1] >= 'A' && t[e + 1] <= 'Z')))))
            e++; /* Co.op, bi-a; P.5, Q.1, TP.HCM */
        k->e = (uint32_t)e;
        k->kind = (uint8_t)ex_classify(t + i, e - i);
        k->cap = ch >= 'A' && ch <= 'Z';
        if (k->kind == EX_TOK_WORD) {
            bool plain = c->in->map[e] - c->in->map[i] == e - i;
            k->roles = ex_roles(c, lx, i, e, plain);
        }
        tk->n++;
        i = e;
    }
}
