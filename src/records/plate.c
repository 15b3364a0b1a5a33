/* Japanese licence plates: normalise what was typed to code points, then read the parts left
 * to right. The region is found by longest match against the table, so no separator is needed
 * between it and the class number; the class, kana and serial are told apart by character
 * class, with a space needed only where digits would otherwise run together. */
#include "records/plate.h"

#include "base/err.h"
#include "base/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_INPUT 256 /* bytes; a plate typed with generous spacing is under 60 */
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Every region name issued, by prefecture from north to south: the 運輸支局 and 自動車検査
 * 登録事務所 names plus the ご当地 names of 2006, 2008, 2014, 2020 and 2025. 富士山 (issued by
 * both 山梨 and 静岡) appears once. */
// clang-format off
static const char *const regions[] = {
    /* 北海道 */ "札幌", "函館", "旭川", "室蘭", "苫小牧", "釧路", "知床", "帯広", "十勝", "北見",
    /* 青森 */ "青森", "弘前", "八戸",
    /* 岩手 */ "岩手", "盛岡", "平泉",
    /* 宮城 */ "宮城", "仙台",
    /* 秋田 */ "秋田",
    /* 山形 */ "山形", "庄内",
    /* 福島 */ "福島", "会津", "郡山", "白河", "いわき",
    /* 茨城 */ "水戸", "土浦", "つくば",
    /* 栃木 */ "宇都宮", "那須", "とちぎ", "日光",
    /* 群馬 */ "群馬", "前橋", "高崎",
    /* 埼玉 */ "大宮", "川口", "所沢", "川越", "熊谷", "春日部", "越谷",
    /* 千葉 */ "千葉", "成田", "習志野", "市川", "船橋", "袖ケ浦", "市原", "野田", "柏", "松戸",
    /* 東京 */ "品川", "世田谷", "練馬", "杉並", "板橋", "足立", "江東", "葛飾", "江戸川", "八王子", "多摩",
    /* 神奈川 */ "横浜", "川崎", "湘南", "相模",
    /* 山梨 */ "山梨", "富士山",
    /* 新潟 */ "新潟", "長岡", "上越",
    /* 富山 */ "富山",
    /* 石川 */ "石川", "金沢",
    /* 福井 */ "福井",
    /* 長野 */ "長野", "松本", "諏訪", "安曇野", "南信州",
    /* 岐阜 */ "岐阜", "飛騨",
    /* 静岡 */ "静岡", "浜松", "沼津", "伊豆",
    /* 愛知 */ "名古屋", "豊橋", "三河", "岡崎", "豊田", "尾張小牧", "一宮", "春日井",
    /* 三重 */ "三重", "鈴鹿", "四日市", "伊勢志摩",
    /* 滋賀 */ "滋賀", "彦根",
    /* 京都 */ "京都",
    /* 大阪 */ "大阪", "なにわ", "和泉", "堺",
    /* 兵庫 */ "神戸", "姫路",
    /* 奈良 */ "奈良", "飛鳥",
    /* 和歌山 */ "和歌山",
    /* 鳥取 */ "鳥取",
    /* 島根 */ "島根", "出雲",
    /* 岡山 */ "岡山", "倉敷",
    /* 広島 */ "広島", "福山",
    /* 山口 */ "山口", "下関",
    /* 徳島 */ "徳島",
    /* 香川 */ "香川", "高松",
    /* 愛媛 */ "愛媛",
    /* 高知 */ "高知",
    /* 福岡 */ "福岡", "北九州", "久留米", "筑豊",
    /* 佐賀 */ "佐賀",
    /* 長崎 */ "長崎", "佐世保",
    /* 熊本 */ "熊本",
    /* 大分 */ "大分",
    /* 宮崎 */ "宮崎",
    /* 鹿児島 */ "鹿児島", "奄美",
    /* 沖縄 */ "沖縄",
};
// clang-format on

/* Hiragana that appear on plates: the 50-sound table without お し へ ん, which are not issued
 * (お is easily misread as あ or す, し sounds like 死, へ like 屁, ん is awkward to say). */
static const char plate_kana[] =
    "あいうえかきくけこさすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるれろわを";
/* Latin letters in the kana position: plates of US forces personnel (A B on kei cars). */
static const char latin_kana[] = "ABEHKMTY";
/* Letters allowed in the last two places of a class number since 2017; the rest of the
 * alphabet was left out because it is easy to misread as a digit or as another letter. */
static const char class_letters[] = "ACFHKLMPXY";

/* Half-width katakana U+FF66..U+FF9D as full-width katakana (U+FF70 is a hyphen to us). */
static const char halfwidth_kata[] =
    "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテト"
    "ナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

size_t plate_region_count(void)
{
    return LEN(regions);
}

const char *plate_region_name(size_t i)
{
    return i < LEN(regions) ? regions[i] : NULL;
}

static int is_hiragana(uint32_t c)
{
    return c >= 0x3041 && c <= 0x3096;
}

static int is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static int is_upper(uint32_t c)
{
    return c >= 'A' && c <= 'Z';
}

/* Anything non-ASCII left after folding: kanji, hiragana, stray symbols. */
static int is_word(uint32_t c)
{
    return c >= 0x80;
}

/* Maps a typed code point onto the small alphabet the parser reads: ' ' for any space, '-'
 * for any hyphen or dash, '.' for any blank-digit dot, ASCII for full-width ASCII, upper case
 * for letters, hiragana for katakana. */
static uint32_t fold(uint32_t c)
{
    c = utf8_fold_ascii(c);
    if (c >= 0xFF66 && c <= 0xFF9D) {
        uint32_t k;
        if (utf8_decode(halfwidth_kata + 3 * (c - 0xFF66), 3, &k) == 3) c = k;
    }
    if (c >= 0x30A1 && c <= 0x30F6) c -= 0x60;
    if (c == 0x3095) return 0x304B; /* small か (ヵ) as in 一ヵ月: か */
    if (c == 0x3096) return 0x3051; /* small け (ヶ) as in 袖ヶ浦: け */
    return c;
}

/* The input as folded code points. */
struct text {
    uint32_t c[MAX_INPUT];
    size_t n;
};

static int text_load(const char *s, size_t len, struct text *t)
{
    if (len == 0) return kt_fail(KT_EINVAL, "plate: empty");
    if (len > MAX_INPUT) return kt_fail(KT_EINVAL, "plate: longer than %d bytes", MAX_INPUT);
    if (!utf8_valid(s, len)) return kt_fail(KT_EINVAL, "plate: not valid UTF-8 text");
    t->n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int k = utf8_decode(s + i, len - i, &c);
        if (k <= 0) return kt_fail(KT_EINVAL, "plate: not valid UTF-8 text");
        t->c[t->n++] = fold(c);
        i += (size_t)k;
    }
    while (t->n && t->c[t->n - 1] == ' ')
        t->n--;
    size_t lead = 0;
    while (lead < t->n && t->c[lead] == ' ')
        lead++;
    memmove(t->c, t->c + lead, (t->n - lead) * sizeof t->c[0]);
    t->n -= lead;
    if (t->n == 0) return kt_fail(KT_EINVAL, "plate: empty");
    return 0;
}

/* UTF-8 of t->c[from..to) into out (truncated to fit), for messages and fields. */
static void text_utf8(const struct text *t, size_t from, size_t to, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = from; i < to && i < t->n; i++) {
        char b[4];
        int k = utf8_encode(t->c[i], b);
        if (k <= 0 || o + (size_t)k >= cap) break;
        memcpy(out + o, b, (size_t)k);
        o += (size_t)k;
    }
    out[o] = '\0';
}

/* Length in code points of region r when t->c[at..) starts with it (folded), else 0. */
static size_t region_prefix(const struct text *t, size_t at, const char *r)
{
    size_t n = 0, rl = strlen(r);
    for (size_t i = 0; i < rl;) {
        uint32_t c;
        int k = utf8_decode(r + i, rl - i, &c);
        if (k <= 0 || at + n >= t->n || t->c[at + n] != fold(c)) return 0;
        i += (size_t)k;
        n++;
    }
    return n;
}

/* Index of the longest region starting at t->c[at], or -1; its length goes to *n. */
static int region_match(const struct text *t, size_t at, size_t *n)
{
    int best = -1;
    *n = 0;
    for (size_t r = 0; r < LEN(regions); r++) {
        size_t k = region_prefix(t, at, regions[r]);
        if (k > *n) *n = k, best = (int)r;
    }
    return best;
}

static int in_utf8_set(const char *set, uint32_t c)
{
    size_t len = strlen(set);
    for (size_t i = 0; i < len;) {
        uint32_t k;
        int m = utf8_decode(set + i, len - i, &k);
        if (m <= 0) return 0;
        if (k == c) return 1;
        i += (size_t)m;
    }
    return 0;
}

static size_t skip_spaces(const struct text *t, size_t i)
{
    while (i < t->n && t->c[i] == ' ')
        i++;
    return i;
}

static size_t word_run(const struct text *t, size_t i)
{
    size_t j = i;
    while (j < t->n && is_word(t->c[j]))
        j++;
    return j;
}

static int read_region(const struct text *t, size_t *i, struct plate *out)
{
    size_t n, at = *i;
    int r = region_match(t, at, &n);
    size_t run = word_run(t, at);
    if (r >= 0) {
        size_t next = at + n;
        /* Only a single kana may follow a region without a space ("品川さ1234"). */
        if (next == run || (is_hiragana(t->c[next]) && next + 1 == run)) {
            snprintf(out->region, sizeof out->region, "%s", regions[r]);
            out->fields |= PLATE_HAS_REGION;
            *i = next;
            return 0;
        }
    } else {
        /* Latin letters count too, so that "XX 300 さ 1234" names XX; one letter alone is
         * the kana of a US forces plate. */
        run = at;
        while (run < t->n && (is_word(t->c[run]) || is_upper(t->c[run])))
            run++;
        if (run == at || (run == at + 1 && (is_hiragana(t->c[at]) || is_upper(t->c[at]))))
            return 0; /* starts with the class, the kana or the serial */
    }
    /* Leave a trailing kana out of the message: "品河さ1234" names 品河. */
    if (run - at >= 2 && is_hiragana(t->c[run - 1]) && !is_hiragana(t->c[run - 2]) &&
        (run == t->n || !is_upper(t->c[run])))
        run--;
    char name[96];
    text_utf8(t, at, run, name, sizeof name);
    return kt_fail(KT_EVALID, "plate: unknown region '%s'", name);
}

static int class_check(const char *c)
{
    size_t n = strlen(c);
    if (n > 3) return kt_fail(KT_EINVAL, "plate: class number '%s' is longer than 3 characters", c);
    int zero = 1;
    for (size_t i = 0; i < n; i++) {
        if (c[i] != '0') zero = 0;
        if (is_digit((unsigned char)c[i])) continue;
        if (n < 3)
            return kt_fail(KT_EVALID,
                           "plate: class number '%s': letters appear only in 3-character "
                           "class numbers",
                           c);
        if (!strchr(class_letters, c[i]))
            return kt_fail(KT_EVALID,
                           "plate: class number '%s': letter %c is not used (only A C F H K L "
                           "M P X Y)",
                           c, c[i]);
    }
    if (zero) return kt_fail(KT_EVALID, "plate: class number '%s' is not issued", c);
    return 0;
}

/* Reads the class number at t->c[*i] (which is a digit) and, when it is typed run together
 * with a Latin kana ("300Y1234"), that kana too. A run of digits is the class only when a
 * kana follows or a space parts it from more digits; otherwise it starts the serial. */
static int read_class(const struct text *t, size_t *i, struct plate *out)
{
    size_t at = *i, j = at, last_letter = 0;
    while (j < t->n && (is_digit(t->c[j]) || is_upper(t->c[j]))) {
        if (is_upper(t->c[j])) last_letter = j;
        j++;
    }
    size_t after = skip_spaces(t, j);
    uint32_t next = after < t->n ? t->c[after] : 0;
    size_t end = j; /* class is t->c[at..end) */
    int kana_inside = 0;
    if (!last_letter) {
        if (!(is_hiragana(next) || is_word(next) || is_upper(next) ||
              ((is_digit(next) || next == '.') && after > j)))
            return 0;
    } else if (!(is_hiragana(next) || is_word(next) || is_upper(next)) &&
               !(last_letter + 1 == j && after > j &&
                 !strchr(latin_kana, (int)t->c[last_letter]))) {
        /* "30A1234", "300Y 1234": the last letter is the kana; but in "30C 1234" it can only
         * belong to the class. */
        end = last_letter;
        kana_inside = 1;
    }
    char cls[16];
    if (end - at >= sizeof cls) end = at + sizeof cls - 1;
    text_utf8(t, at, end, cls, sizeof cls);
    int rc = class_check(cls);
    if (rc) return rc;
    memcpy(out->class_no, cls, strlen(cls) + 1); /* class_check() allowed at most 3 */
    out->fields |= PLATE_HAS_CLASS;
    *i = kana_inside ? last_letter : j;
    return 0;
}

static int read_kana(const struct text *t, size_t *i, struct plate *out)
{
    size_t at = *i;
    uint32_t c = t->c[at];
    char k[8];
    if (is_upper(c)) {
        if (at + 1 < t->n && is_upper(t->c[at + 1])) {
            size_t j = at;
            while (j < t->n && is_upper(t->c[j]))
                j++;
            char w[40];
            text_utf8(t, at, j, w, sizeof w);
            return kt_fail(KT_EINVAL, "plate: unexpected '%s' where the kana should be", w);
        }
        if (!strchr(latin_kana, (int)c))
            return kt_fail(KT_EVALID,
                           "plate: letter %c is not used in place of the kana (only A B E H K "
                           "M T Y)",
                           (char)c);
    } else if (is_word(c)) {
        text_utf8(t, at, at + 1, k, sizeof k);
        if (at + 1 < t->n && is_word(t->c[at + 1])) {
            char w[96];
            text_utf8(t, at, word_run(t, at), w, sizeof w);
            return kt_fail(KT_EINVAL, "plate: unexpected '%s' where the kana should be", w);
        }
        if (!in_utf8_set(plate_kana, c))
            return kt_fail(KT_EVALID, "plate: kana '%s' is not used on plates", k);
    } else {
        return 0;
    }
    text_utf8(t, at, at + 1, out->kana, sizeof out->kana);
    out->fields |= PLATE_HAS_KANA;
    *i = at + 1;
    return 0;
}

/* The serial is the rest: optional blank dots, then digits, with an optional hyphen before
 * the last two digits ("12-34", "・・12", "・1-23"); inner spaces are ignored. */
static int read_serial(const struct text *t, size_t at, struct plate *out)
{
    char typed[96];
    text_utf8(t, at, t->n, typed, sizeof typed);
    unsigned value = 0;
    size_t dots = 0, digits = 0, hyphen_at = 0, after_hyphen = 0;
    int hyphen = 0;
    for (size_t i = at; i < t->n; i++) {
        uint32_t c = t->c[i];
        if (c == ' ') continue;
        if (c == '.') {
            if (digits || hyphen)
                return kt_fail(KT_EINVAL, "plate: serial '%s': blank dots come before the digits",
                               typed);
            dots++;
        } else if (c == '-') {
            if (hyphen) return kt_fail(KT_EINVAL, "plate: serial '%s' has two hyphens", typed);
            hyphen = 1;
            hyphen_at = dots + digits;
        } else if (is_digit(c)) {
            if (digits < 5) value = value * 10 + (c - '0');
            digits++;
            if (hyphen) after_hyphen++;
        } else {
            char w[16];
            if (c < 0x20 || c == 0x7F)
                snprintf(w, sizeof w, "U+%04X", (unsigned)c);
            else
                text_utf8(t, i, i + 1, w, sizeof w);
            return kt_fail(KT_EINVAL, "plate: unexpected '%s' where the serial number should be",
                           w);
        }
    }
    if (!digits && !dots && !hyphen) return kt_fail(KT_EINVAL, "plate: serial number missing");
    if (!digits) return kt_fail(KT_EINVAL, "plate: serial '%s' has no digits", typed);
    if (digits > 4 && !dots && !hyphen)
        return kt_fail(KT_EVALID, "plate: serial %s is out of range (1-9999)", typed);
    if (dots + digits > 4)
        return kt_fail(KT_EINVAL, "plate: serial '%s' has more than 4 places", typed);
    if (hyphen && (after_hyphen != 2 || hyphen_at == 0))
        return kt_fail(KT_EINVAL, "plate: serial '%s': the hyphen goes before the last two digits",
                       typed);
    if (value == 0) return kt_fail(KT_EVALID, "plate: serial 0 is not issued (1-9999)");
    out->serial = value;
    out->fields |= PLATE_HAS_SERIAL;
    return 0;
}

static int parse(const char *s, size_t len, struct plate *out, int partial)
{
    memset(out, 0, sizeof *out);
    struct text t;
    int rc = text_load(s, len, &t);
    if (rc) return rc;
    size_t i = 0;
    if ((rc = read_region(&t, &i, out))) return rc;
    i = skip_spaces(&t, i);
    if (i < t.n && is_digit(t.c[i]) && (rc = read_class(&t, &i, out))) return rc;
    i = skip_spaces(&t, i);
    if (i < t.n && (rc = read_kana(&t, &i, out))) return rc;
    i = skip_spaces(&t, i);
    if ((rc = read_serial(&t, i, out))) return rc;
    if (partial) return 0;
    if (!(out->fields & PLATE_HAS_REGION))
        return kt_fail(KT_EINVAL, "plate: region name missing (as in 品川 300 さ 12-34)");
    if (!(out->fields & PLATE_HAS_CLASS))
        return kt_fail(KT_EINVAL, "plate: class number missing (as in 品川 300 さ 12-34)");
    if (!(out->fields & PLATE_HAS_KANA))
        return kt_fail(KT_EINVAL, "plate: kana missing (as in 品川 300 さ 12-34)");
    return 0;
}

int plate_parse(const char *s, size_t len, struct plate *out)
{
    return parse(s, len, out, 0);
}

int plate_parse_partial(const char *s, size_t len, struct plate *out)
{
    return parse(s, len, out, 1);
}

static int has_serial(const struct plate *p)
{
    return (p->fields & PLATE_HAS_SERIAL) && p->serial >= 1 && p->serial <= 9999;
}

int plate_key(const struct plate *p, char *out, size_t cap)
{
    if (cap) out[0] = '\0';
    if (!has_serial(p)) return kt_fail(KT_EINVAL, "plate: no serial number to key on");
    int n = snprintf(out, cap, "%s|%s|%s|%04u", p->fields & PLATE_HAS_REGION ? p->region : "",
                     p->fields & PLATE_HAS_CLASS ? p->class_no : "",
                     p->fields & PLATE_HAS_KANA ? p->kana : "", p->serial);
    if (n < 0 || (size_t)n >= cap) {
        if (cap) out[0] = '\0';
        return kt_fail(KT_EINVAL, "plate: key buffer of %zu bytes is too small", cap);
    }
    return 0;
}

int plate_format(const struct plate *p, char *out, size_t cap)
{
    if (cap) out[0] = '\0';
    if (!has_serial(p)) return kt_fail(KT_EINVAL, "plate: no serial number to format");
    char serial[24];
    unsigned v = p->serial;
    if (v >= 1000)
        snprintf(serial, sizeof serial, "%02u-%02u", v / 100, v % 100);
    else
        snprintf(serial, sizeof serial, "%s%u", v >= 100 ? "・" : v >= 10 ? "・・" : "・・・", v);
    const char *part[4] = {p->fields & PLATE_HAS_REGION ? p->region : "",
                           p->fields & PLATE_HAS_CLASS ? p->class_no : "",
                           p->fields & PLATE_HAS_KANA ? p->kana : "", serial};
    size_t o = 0;
    for (int k = 0; k < 4; k++) {
        if (!part[k][0]) continue;
        int n = snprintf(out + o, cap - o, "%s%s", o ? " " : "", part[k]);
        if (n < 0 || (size_t)n >= cap - o) {
            if (cap) out[0] = '\0';
            return kt_fail(KT_EINVAL, "plate: format buffer of %zu bytes is too small", cap);
        }
        o += (size_t)n;
    }
    return 0;
}
