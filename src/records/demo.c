/* Deterministic demo dataset generator; see demo.h.
 *
 * Every choice comes from a splitmix64 stream seeded by (seed, record kind, i), so records are
 * independent of each other and of generation order. Identifiers that must be unique (plates,
 * frame numbers, serials, passport numbers) are not drawn at random: they are keyed bijections
 * of i, mapped onto the identifier's format. */
#include "records/demo.h"

#include "base/err.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

enum {
    SALT_PERSON = 0x5045,
    SALT_VEHICLE = 0x5645,
    SALT_FIREARM = 0x4649,
    SALT_DOCUMENT = 0x444f,
    SALT_PLATE = 0x504c,
    SALT_VIN = 0x5649,
    SALT_SERIAL = 0x5345,
    SALT_PASSPORT = 0x5041,
    SALT_NAME = 0x4e41,
};

enum { ERA_OLD = 1, ERA_MID = 2, ERA_YOUNG = 4 }; /* born <=1955, 1956..1985, >=1986 */

struct surname {
    const char *kanji, *kana, *romaji;
    uint16_t weight; /* roughly thousands of bearers */
};

struct given_name {
    const char *kanji, *kana, *romaji;
    char sex;
    uint8_t eras;
};

/* A string with a relative weight, for the many small choice lists. */
struct wstr {
    const char *s;
    uint16_t w;
};

/* Common surnames, most frequent first; the weight falls off roughly as in the national
 * rankings. The itaiji spellings at the end (髙橋, 齋藤, 渡邊, 山﨑 …) are rare on purpose. */
static const struct surname surnames[] = {
    {"佐藤", "サトウ", "SATO", 1900},
    {"鈴木", "スズキ", "SUZUKI", 1699},
    {"高橋", "タカハシ", "TAKAHASHI", 1537},
    {"田中", "タナカ", "TANAKA", 1404},
    {"伊藤", "イトウ", "ITO", 1293},
    {"渡辺", "ワタナベ", "WATANABE", 1198},
    {"山本", "ヤマモト", "YAMAMOTO", 1117},
    {"中村", "ナカムラ", "NAKAMURA", 1046},
    {"小林", "コバヤシ", "KOBAYASHI", 984},
    {"加藤", "カトウ", "KATO", 928},
    {"吉田", "ヨシダ", "YOSHIDA", 879},
    {"山田", "ヤマダ", "YAMADA", 835},
    {"佐々木", "ササキ", "SASAKI", 796},
    {"山口", "ヤマグチ", "YAMAGUCHI", 760},
    {"松本", "マツモト", "MATSUMOTO", 727},
    {"井上", "イノウエ", "INOUE", 697},
    {"木村", "キムラ", "KIMURA", 669},
    {"林", "ハヤシ", "HAYASHI", 644},
    {"斎藤", "サイトウ", "SAITO", 620},
    {"清水", "シミズ", "SHIMIZU", 598},
    {"山崎", "ヤマザキ", "YAMAZAKI", 578},
    {"森", "モリ", "MORI", 559},
    {"池田", "イケダ", "IKEDA", 541},
    {"橋本", "ハシモト", "HASHIMOTO", 525},
    {"阿部", "アベ", "ABE", 509},
    {"石川", "イシカワ", "ISHIKAWA", 494},
    {"山下", "ヤマシタ", "YAMASHITA", 481},
    {"中島", "ナカジマ", "NAKAJIMA", 468},
    {"石井", "イシイ", "ISHII", 455},
    {"小川", "オガワ", "OGAWA", 444},
    {"前田", "マエダ", "MAEDA", 432},
    {"岡田", "オカダ", "OKADA", 422},
    {"長谷川", "ハセガワ", "HASEGAWA", 412},
    {"藤田", "フジタ", "FUJITA", 402},
    {"後藤", "ゴトウ", "GOTO", 393},
    {"近藤", "コンドウ", "KONDO", 384},
    {"村上", "ムラカミ", "MURAKAMI", 376},
    {"遠藤", "エンドウ", "ENDO", 368},
    {"青木", "アオキ", "AOKI", 361},
    {"坂本", "サカモト", "SAKAMOTO", 353},
    {"斉藤", "サイトウ", "SAITO", 346},
    {"福田", "フクダ", "FUKUDA", 340},
    {"太田", "オオタ", "OTA", 333},
    {"西村", "ニシムラ", "NISHIMURA", 327},
    {"藤井", "フジイ", "FUJII", 321},
    {"金子", "カネコ", "KANEKO", 315},
    {"岡本", "オカモト", "OKAMOTO", 310},
    {"藤原", "フジワラ", "FUJIWARA", 304},
    {"中野", "ナカノ", "NAKANO", 299},
    {"三浦", "ミウラ", "MIURA", 294},
    {"原田", "ハラダ", "HARADA", 289},
    {"中川", "ナカガワ", "NAKAGAWA", 285},
    {"松田", "マツダ", "MATSUDA", 280},
    {"竹内", "タケウチ", "TAKEUCHI", 276},
    {"小野", "オノ", "ONO", 272},
    {"田村", "タムラ", "TAMURA", 267},
    {"中山", "ナカヤマ", "NAKAYAMA", 264},
    {"和田", "ワダ", "WADA", 260},
    {"石田", "イシダ", "ISHIDA", 256},
    {"森田", "モリタ", "MORITA", 252},
    {"上田", "ウエダ", "UEDA", 249},
    {"原", "ハラ", "HARA", 245},
    {"内田", "ウチダ", "UCHIDA", 242},
    {"柴田", "シバタ", "SHIBATA", 239},
    {"酒井", "サカイ", "SAKAI", 236},
    {"宮崎", "ミヤザキ", "MIYAZAKI", 233},
    {"横山", "ヨコヤマ", "YOKOYAMA", 230},
    {"高木", "タカギ", "TAKAGI", 227},
    {"安藤", "アンドウ", "ANDO", 224},
    {"宮本", "ミヤモト", "MIYAMOTO", 221},
    {"大野", "オオノ", "ONO", 218},
    {"小島", "コジマ", "KOJIMA", 216},
    {"谷口", "タニグチ", "TANIGUCHI", 213},
    {"今井", "イマイ", "IMAI", 211},
    {"工藤", "クドウ", "KUDO", 208},
    {"高田", "タカダ", "TAKADA", 206},
    {"増田", "マスダ", "MASUDA", 204},
    {"丸山", "マルヤマ", "MARUYAMA", 201},
    {"杉山", "スギヤマ", "SUGIYAMA", 199},
    {"村田", "ムラタ", "MURATA", 197},
    {"大塚", "オオツカ", "OTSUKA", 195},
    {"新井", "アライ", "ARAI", 193},
    {"小山", "コヤマ", "KOYAMA", 191},
    {"平野", "ヒラノ", "HIRANO", 189},
    {"藤本", "フジモト", "FUJIMOTO", 187},
    {"河野", "コウノ", "KONO", 185},
    {"上野", "ウエノ", "UENO", 183},
    {"野口", "ノグチ", "NOGUCHI", 181},
    {"武田", "タケダ", "TAKEDA", 179},
    {"松井", "マツイ", "MATSUI", 178},
    {"千葉", "チバ", "CHIBA", 176},
    {"岩崎", "イワサキ", "IWASAKI", 174},
    {"菅原", "スガワラ", "SUGAWARA", 172},
    {"木下", "キノシタ", "KINOSHITA", 171},
    {"久保", "クボ", "KUBO", 169},
    {"佐野", "サノ", "SANO", 168},
    {"野村", "ノムラ", "NOMURA", 166},
    {"松尾", "マツオ", "MATSUO", 165},
    {"市川", "イチカワ", "ICHIKAWA", 163},
    {"菊地", "キクチ", "KIKUCHI", 162},
    {"杉本", "スギモト", "SUGIMOTO", 160},
    {"古川", "フルカワ", "FURUKAWA", 159},
    {"大西", "オオニシ", "ONISHI", 158},
    {"島田", "シマダ", "SHIMADA", 156},
    {"水野", "ミズノ", "MIZUNO", 155},
    {"桜井", "サクライ", "SAKURAI", 154},
    {"高野", "タカノ", "TAKANO", 152},
    {"渡部", "ワタナベ", "WATANABE", 151},
    {"吉川", "ヨシカワ", "YOSHIKAWA", 150},
    {"山内", "ヤマウチ", "YAMAUCHI", 149},
    {"西田", "ニシダ", "NISHIDA", 147},
    {"飯田", "イイダ", "IIDA", 146},
    {"菊池", "キクチ", "KIKUCHI", 145},
    {"西川", "ニシカワ", "NISHIKAWA", 144},
    {"小松", "コマツ", "KOMATSU", 143},
    {"北村", "キタムラ", "KITAMURA", 142},
    {"安田", "ヤスダ", "YASUDA", 141},
    {"五十嵐", "イガラシ", "IGARASHI", 140},
    {"川口", "カワグチ", "KAWAGUCHI", 138},
    {"平田", "ヒラタ", "HIRATA", 137},
    {"関", "セキ", "SEKI", 136},
    {"中田", "ナカタ", "NAKATA", 135},
    {"久保田", "クボタ", "KUBOTA", 134},
    {"服部", "ハットリ", "HATTORI", 133},
    {"東", "ヒガシ", "HIGASHI", 132},
    {"岩田", "イワタ", "IWATA", 132},
    {"土屋", "ツチヤ", "TSUCHIYA", 131},
    {"川崎", "カワサキ", "KAWASAKI", 130},
    {"福島", "フクシマ", "FUKUSHIMA", 129},
    {"本田", "ホンダ", "HONDA", 128},
    {"辻", "ツジ", "TSUJI", 127},
    {"樋口", "ヒグチ", "HIGUCHI", 126},
    {"秋山", "アキヤマ", "AKIYAMA", 125},
    {"田口", "タグチ", "TAGUCHI", 124},
    {"永井", "ナガイ", "NAGAI", 124},
    {"山中", "ヤマナカ", "YAMANAKA", 123},
    {"中西", "ナカニシ", "NAKANISHI", 122},
    {"吉村", "ヨシムラ", "YOSHIMURA", 121},
    {"川上", "カワカミ", "KAWAKAMI", 120},
    {"石原", "イシハラ", "ISHIHARA", 120},
    {"大橋", "オオハシ", "OHASHI", 119},
    {"松岡", "マツオカ", "MATSUOKA", 118},
    {"馬場", "ババ", "BABA", 117},
    {"浅野", "アサノ", "ASANO", 117},
    {"荒木", "アラキ", "ARAKI", 116},
    {"大久保", "オオクボ", "OKUBO", 115},
    {"野田", "ノダ", "NODA", 114},
    {"小沢", "オザワ", "OZAWA", 114},
    {"田辺", "タナベ", "TANABE", 113},
    {"川村", "カワムラ", "KAWAMURA", 112},
    {"星野", "ホシノ", "HOSHINO", 112},
    {"黒田", "クロダ", "KURODA", 111},
    {"堀", "ホリ", "HORI", 110},
    {"尾崎", "オザキ", "OZAKI", 110},
    {"望月", "モチヅキ", "MOCHIZUKI", 109},
    {"永田", "ナガタ", "NAGATA", 108},
    {"熊谷", "クマガイ", "KUMAGAI", 108},
    {"内藤", "ナイトウ", "NAITO", 107},
    {"大島", "オオシマ", "OSHIMA", 107},
    {"平井", "ヒライ", "HIRAI", 106},
    {"早川", "ハヤカワ", "HAYAKAWA", 105},
    {"荒井", "アライ", "ARAI", 105},
    {"北川", "キタガワ", "KITAGAWA", 104},
    {"菅野", "カンノ", "KANNO", 104},
    {"堀内", "ホリウチ", "HORIUCHI", 103},
    {"西山", "ニシヤマ", "NISHIYAMA", 102},
    {"岡崎", "オカザキ", "OKAZAKI", 102},
    {"小池", "コイケ", "KOIKE", 101},
    {"吉岡", "ヨシオカ", "YOSHIOKA", 101},
    {"浅井", "アサイ", "ASAI", 100},
    {"宮田", "ミヤタ", "MIYATA", 100},
    {"片山", "カタヤマ", "KATAYAMA", 99},
    {"横田", "ヨコタ", "YOKOTA", 99},
    {"小西", "コニシ", "KONISHI", 98},
    {"南", "ミナミ", "MINAMI", 98},
    {"岡", "オカ", "OKA", 97},
    {"富田", "トミタ", "TOMITA", 97},
    {"坂口", "サカグチ", "SAKAGUCHI", 96},
    {"根本", "ネモト", "NEMOTO", 96},
    {"須藤", "スドウ", "SUDO", 95},
    {"本間", "ホンマ", "HONMA", 95},
    {"大谷", "オオタニ", "OTANI", 94},
    {"西", "ニシ", "NISHI", 94},
    {"奥村", "オクムラ", "OKUMURA", 93},
    {"関口", "セキグチ", "SEKIGUCHI", 93},
    {"松下", "マツシタ", "MATSUSHITA", 92},
    {"小田", "オダ", "ODA", 92},
    {"岩本", "イワモト", "IWAMOTO", 91},
    {"吉野", "ヨシノ", "YOSHINO", 91},
    {"河合", "カワイ", "KAWAI", 91},
    {"高山", "タカヤマ", "TAKAYAMA", 90},
    {"桑原", "クワハラ", "KUWAHARA", 90},
    {"沢田", "サワダ", "SAWADA", 89},
    {"野崎", "ノザキ", "NOZAKI", 89},
    {"上原", "ウエハラ", "UEHARA", 88},
    {"飯塚", "イイヅカ", "IIZUKA", 88},
    {"矢野", "ヤノ", "YANO", 88},
    {"新田", "ニッタ", "NITTA", 87},
    {"杉浦", "スギウラ", "SUGIURA", 87},
    {"村井", "ムライ", "MURAI", 86},
    {"小野寺", "オノデラ", "ONODERA", 86},
    {"大森", "オオモリ", "OMORI", 86},
    {"広瀬", "ヒロセ", "HIROSE", 85},
    {"平山", "ヒラヤマ", "HIRAYAMA", 85},
    {"千田", "チダ", "CHIDA", 84},
    {"栗原", "クリハラ", "KURIHARA", 84},
    {"大石", "オオイシ", "OISHI", 84},
    {"松村", "マツムラ", "MATSUMURA", 83},
    {"水谷", "ミズタニ", "MIZUTANI", 83},
    {"中尾", "ナカオ", "NAKAO", 83},
    {"菅", "スガ", "SUGA", 82},
    {"竹田", "タケダ", "TAKEDA", 82},
    {"岩井", "イワイ", "IWAI", 82},
    {"松原", "マツバラ", "MATSUBARA", 81},
    {"今村", "イマムラ", "IMAMURA", 81},
    {"古田", "フルタ", "FURUTA", 81},
    {"大川", "オオカワ", "OKAWA", 80},
    {"宇野", "ウノ", "UNO", 80},
    {"稲垣", "イナガキ", "INAGAKI", 79},
    {"竹下", "タケシタ", "TAKESHITA", 79},
    {"成田", "ナリタ", "NARITA", 79},
    {"片岡", "カタオカ", "KATAOKA", 78},
    {"三宅", "ミヤケ", "MIYAKE", 78},
    {"中井", "ナカイ", "NAKAI", 78},
    {"武藤", "ムトウ", "MUTO", 78},
    {"大竹", "オオタケ", "OTAKE", 77},
    {"八木", "ヤギ", "YAGI", 77},
    {"川島", "カワシマ", "KAWASHIMA", 77},
    {"堀田", "ホッタ", "HOTTA", 76},
    {"森本", "モリモト", "MORIMOTO", 76},
    {"松永", "マツナガ", "MATSUNAGA", 76},
    {"野中", "ノナカ", "NONAKA", 75},
    {"西岡", "ニシオカ", "NISHIOKA", 75},
    {"内山", "ウチヤマ", "UCHIYAMA", 75},
    {"江口", "エグチ", "EGUCHI", 74},
    {"中原", "ナカハラ", "NAKAHARA", 74},
    {"小澤", "オザワ", "OZAWA", 74},
    {"安部", "アベ", "ABE", 74},
    {"植田", "ウエダ", "UEDA", 73},
    {"村松", "ムラマツ", "MURAMATSU", 73},
    {"笠原", "カサハラ", "KASAHARA", 73},
    {"相馬", "ソウマ", "SOMA", 72},
    {"梅田", "ウメダ", "UMEDA", 72},
    {"小笠原", "オガサワラ", "OGASAWARA", 72},
    {"秋元", "アキモト", "AKIMOTO", 72},
    {"若林", "ワカバヤシ", "WAKABAYASHI", 71},
    {"金井", "カナイ", "KANAI", 71},
    {"戸田", "トダ", "TODA", 71},
    {"福井", "フクイ", "FUKUI", 71},
    {"大和田", "オオワダ", "OWADA", 70},
    {"松山", "マツヤマ", "MATSUYAMA", 70},
    {"西野", "ニシノ", "NISHINO", 70},
    {"長田", "ナガタ", "NAGATA", 70},
    {"石橋", "イシバシ", "ISHIBASHI", 69},
    {"浜田", "ハマダ", "HAMADA", 69},
    {"福本", "フクモト", "FUKUMOTO", 69},
    {"中沢", "ナカザワ", "NAKAZAWA", 69},
    {"三上", "ミカミ", "MIKAMI", 68},
    {"宮下", "ミヤシタ", "MIYASHITA", 68},
    {"坂井", "サカイ", "SAKAI", 68},
    {"川端", "カワバタ", "KAWABATA", 68},
    {"吉原", "ヨシハラ", "YOSHIHARA", 67},
    {"伊東", "イトウ", "ITO", 67},
    {"河村", "カワムラ", "KAWAMURA", 67},
    {"森下", "モリシタ", "MORISHITA", 67},
    {"田島", "タジマ", "TAJIMA", 66},
    {"奥田", "オクダ", "OKUDA", 66},
    {"大山", "オオヤマ", "OYAMA", 66},
    {"岸", "キシ", "KISHI", 66},
    {"白石", "シライシ", "SHIRAISHI", 66},
    {"岡村", "オカムラ", "OKAMURA", 65},
    {"細川", "ホソカワ", "HOSOKAWA", 65},
    {"須田", "スダ", "SUDA", 65},
    {"矢島", "ヤジマ", "YAJIMA", 65},
    {"三好", "ミヨシ", "MIYOSHI", 64},
    {"梶原", "カジワラ", "KAJIWARA", 64},
    {"堤", "ツツミ", "TSUTSUMI", 64},
    {"西尾", "ニシオ", "NISHIO", 64},
    {"佐久間", "サクマ", "SAKUMA", 64},
    {"小倉", "オグラ", "OGURA", 63},
    {"村山", "ムラヤマ", "MURAYAMA", 63},
    {"篠原", "シノハラ", "SHINOHARA", 63},
    {"前川", "マエカワ", "MAEKAWA", 63},
    {"石塚", "イシヅカ", "ISHIZUKA", 63},
    {"吉井", "ヨシイ", "YOSHII", 62},
    {"高島", "タカシマ", "TAKASHIMA", 62},
    {"寺田", "テラダ", "TERADA", 62},
    {"高井", "タカイ", "TAKAI", 62},
    {"椎名", "シイナ", "SHIINA", 62},
    {"田代", "タシロ", "TASHIRO", 61},
    {"萩原", "ハギワラ", "HAGIWARA", 61},
    {"金田", "カネダ", "KANEDA", 61},
    {"落合", "オチアイ", "OCHIAI", 61},
    {"石黒", "イシグロ", "ISHIGURO", 61},
    {"中谷", "ナカタニ", "NAKATANI", 60},
    {"岩瀬", "イワセ", "IWASE", 60},
    {"野上", "ノガミ", "NOGAMI", 60},
    {"北野", "キタノ", "KITANO", 60},
    {"本多", "ホンダ", "HONDA", 60},
    {"宮内", "ミヤウチ", "MIYAUCHI", 59},
    {"関根", "セキネ", "SEKINE", 59},
    {"矢口", "ヤグチ", "YAGUCHI", 59},
    {"吉沢", "ヨシザワ", "YOSHIZAWA", 59},
    {"今野", "コンノ", "KONNO", 59},
    {"佐伯", "サエキ", "SAEKI", 59},
    {"横井", "ヨコイ", "YOKOI", 58},
    {"奥山", "オクヤマ", "OKUYAMA", 58},
    {"高瀬", "タカセ", "TAKASE", 58},
    {"浅田", "アサダ", "ASADA", 58},
    {"長尾", "ナガオ", "NAGAO", 58},
    {"宮川", "ミヤカワ", "MIYAKAWA", 57},
    {"野沢", "ノザワ", "NOZAWA", 57},
    {"大木", "オオキ", "OKI", 57},
    {"山岸", "ヤマギシ", "YAMAGISHI", 57},
    {"小谷", "コタニ", "KOTANI", 57},
    {"谷", "タニ", "TANI", 57},
    {"森川", "モリカワ", "MORIKAWA", 56},
    {"坂田", "サカタ", "SAKATA", 56},
    {"岡野", "オカノ", "OKANO", 56},
    {"米田", "ヨネダ", "YONEDA", 56},
    {"安井", "ヤスイ", "YASUI", 56},
    {"松崎", "マツザキ", "MATSUZAKI", 56},
    {"藤川", "フジカワ", "FUJIKAWA", 55},
    {"飯島", "イイジマ", "IIJIMA", 55},
    {"山村", "ヤマムラ", "YAMAMURA", 55},
    {"黒川", "クロカワ", "KUROKAWA", 55},
    {"宮原", "ミヤハラ", "MIYAHARA", 55},
    {"川原", "カワハラ", "KAWAHARA", 55},
    {"田原", "タハラ", "TAHARA", 55},
    {"平川", "ヒラカワ", "HIRAKAWA", 54},
    {"土井", "ドイ", "DOI", 54},
    {"小原", "オハラ", "OHARA", 54},
    {"杉田", "スギタ", "SUGITA", 54},
    {"荒川", "アラカワ", "ARAKAWA", 54},
    {"神田", "カンダ", "KANDA", 54},
    {"遠山", "トオヤマ", "TOYAMA", 53},
    {"大平", "オオヒラ", "OHIRA", 53},
    {"藤岡", "フジオカ", "FUJIOKA", 53},
    {"秋田", "アキタ", "AKITA", 53},
    {"塚本", "ツカモト", "TSUKAMOTO", 53},
    {"池上", "イケガミ", "IKEGAMI", 53},
    {"三木", "ミキ", "MIKI", 53},
    {"今田", "イマダ", "IMADA", 52},
    {"竹中", "タケナカ", "TAKENAKA", 52},
    {"矢田", "ヤダ", "YADA", 52},
    {"田上", "タガミ", "TAGAMI", 52},
    {"森山", "モリヤマ", "MORIYAMA", 52},
    {"大井", "オオイ", "OI", 52},
    {"牧野", "マキノ", "MAKINO", 52},
    {"大槻", "オオツキ", "OTSUKI", 51},
    {"津田", "ツダ", "TSUDA", 51},
    {"岸本", "キシモト", "KISHIMOTO", 51},
    {"高尾", "タカオ", "TAKAO", 51},
    {"及川", "オイカワ", "OIKAWA", 51},
    {"奥野", "オクノ", "OKUNO", 51},
    {"細谷", "ホソヤ", "HOSOYA", 51},
    {"市原", "イチハラ", "ICHIHARA", 51},
    {"福岡", "フクオカ", "FUKUOKA", 50},
    {"長島", "ナガシマ", "NAGASHIMA", 50},
    {"小森", "コモリ", "KOMORI", 50},
    {"宮沢", "ミヤザワ", "MIYAZAWA", 50},
    {"井口", "イグチ", "IGUCHI", 50},
    {"古賀", "コガ", "KOGA", 50},
    {"半田", "ハンダ", "HANDA", 50},
    {"吉本", "ヨシモト", "YOSHIMOTO", 50},
    {"森岡", "モリオカ", "MORIOKA", 49},
    {"川田", "カワダ", "KAWADA", 49},
    {"金沢", "カナザワ", "KANAZAWA", 49},
    {"大崎", "オオサキ", "OSAKI", 49},
    {"山根", "ヤマネ", "YAMANE", 49},
    {"向井", "ムカイ", "MUKAI", 49},
    {"堀江", "ホリエ", "HORIE", 49},
    {"榎本", "エノモト", "ENOMOTO", 49},
    {"寺島", "テラシマ", "TERASHIMA", 48},
    {"杉原", "スギハラ", "SUGIHARA", 48},
    {"宮坂", "ミヤサカ", "MIYASAKA", 48},
    {"菅井", "スガイ", "SUGAI", 48},
    {"長野", "ナガノ", "NAGANO", 48},
    {"国分", "コクブ", "KOKUBU", 48},
    {"坂上", "サカガミ", "SAKAGAMI", 48},
    {"入江", "イリエ", "IRIE", 48},
    {"高松", "タカマツ", "TAKAMATSU", 47},
    {"亀井", "カメイ", "KAMEI", 47},
    {"浅見", "アサミ", "ASAMI", 47},
    {"竹本", "タケモト", "TAKEMOTO", 47},
    {"戸塚", "トツカ", "TOTSUKA", 47},
    {"畑中", "ハタナカ", "HATANAKA", 47},
    {"宇佐美", "ウサミ", "USAMI", 47},
    {"真田", "サナダ", "SANADA", 47},
    {"徳永", "トクナガ", "TOKUNAGA", 47},
    {"日高", "ヒダカ", "HIDAKA", 46},
    {"江藤", "エトウ", "ETO", 46},
    {"上村", "ウエムラ", "UEMURA", 46},
    {"溝口", "ミゾグチ", "MIZOGUCHI", 46},
    {"鎌田", "カマタ", "KAMATA", 46},
    {"竹村", "タケムラ", "TAKEMURA", 46},
    {"大友", "オオトモ", "OTOMO", 46},
    {"荻野", "オギノ", "OGINO", 46},
    {"青山", "アオヤマ", "AOYAMA", 46},
    {"小泉", "コイズミ", "KOIZUMI", 45},
    {"中嶋", "ナカジマ", "NAKAJIMA", 45},
    {"岡部", "オカベ", "OKABE", 45},
    {"鶴田", "ツルタ", "TSURUTA", 45},
    {"緒方", "オガタ", "OGATA", 45},
    {"甲斐", "カイ", "KAI", 45},
    {"金城", "キンジョウ", "KINJO", 45},
    {"比嘉", "ヒガ", "HIGA", 45},
    {"新垣", "アラカキ", "ARAKAKI", 45},
    {"宮城", "ミヤギ", "MIYAGI", 45},
    {"玉城", "タマキ", "TAMAKI", 44},
    {"大城", "オオシロ", "OSHIRO", 44},
    {"知念", "チネン", "CHINEN", 44},
    {"東海林", "ショウジ", "SHOJI", 44},
    {"菅野", "スガノ", "SUGANO", 44},
    {"河野", "カワノ", "KAWANO", 44},
    {"東", "アズマ", "AZUMA", 44},
    {"髙橋", "タカハシ", "TAKAHASHI", 4},
    {"齋藤", "サイトウ", "SAITO", 4},
    {"齊藤", "サイトウ", "SAITO", 4},
    {"渡邊", "ワタナベ", "WATANABE", 4},
    {"渡邉", "ワタナベ", "WATANABE", 4},
    {"山﨑", "ヤマザキ", "YAMAZAKI", 4},
    {"濱田", "ハマダ", "HAMADA", 4},
    {"廣瀬", "ヒロセ", "HIROSE", 4},
    {"澤田", "サワダ", "SAWADA", 4},
    {"髙木", "タカギ", "TAKAGI", 4},
    {"嶋田", "シマダ", "SHIMADA", 4},
    {"邊見", "ヘンミ", "HENMI", 4},
};

/* Given names by sex and by the birth cohorts in which they were common. */
static const struct given_name given_names[] = {
    {"清", "キヨシ", "KIYOSHI", 'M', ERA_OLD},
    {"茂", "シゲル", "SHIGERU", 'M', ERA_OLD},
    {"博", "ヒロシ", "HIROSHI", 'M', ERA_OLD | ERA_MID},
    {"勇", "イサム", "ISAMU", 'M', ERA_OLD},
    {"実", "ミノル", "MINORU", 'M', ERA_OLD},
    {"進", "ススム", "SUSUMU", 'M', ERA_OLD},
    {"稔", "ミノル", "MINORU", 'M', ERA_OLD},
    {"正", "タダシ", "TADASHI", 'M', ERA_OLD},
    {"武", "タケシ", "TAKESHI", 'M', ERA_OLD},
    {"勝", "マサル", "MASARU", 'M', ERA_OLD},
    {"明", "アキラ", "AKIRA", 'M', ERA_OLD | ERA_MID},
    {"弘", "ヒロシ", "HIROSHI", 'M', ERA_OLD},
    {"正男", "マサオ", "MASAO", 'M', ERA_OLD},
    {"和夫", "カズオ", "KAZUO", 'M', ERA_OLD},
    {"昭", "アキラ", "AKIRA", 'M', ERA_OLD},
    {"隆", "タカシ", "TAKASHI", 'M', ERA_OLD | ERA_MID},
    {"修", "オサム", "OSAMU", 'M', ERA_OLD | ERA_MID},
    {"豊", "ユタカ", "YUTAKA", 'M', ERA_OLD | ERA_MID},
    {"浩", "ヒロシ", "HIROSHI", 'M', ERA_MID},
    {"誠", "マコト", "MAKOTO", 'M', ERA_MID},
    {"一郎", "イチロウ", "ICHIRO", 'M', ERA_OLD | ERA_MID},
    {"三郎", "サブロウ", "SABURO", 'M', ERA_OLD},
    {"次郎", "ジロウ", "JIRO", 'M', ERA_OLD},
    {"健二", "ケンジ", "KENJI", 'M', ERA_MID},
    {"正義", "マサヨシ", "MASAYOSHI", 'M', ERA_OLD},
    {"秀夫", "ヒデオ", "HIDEO", 'M', ERA_OLD},
    {"幸雄", "ユキオ", "YUKIO", 'M', ERA_OLD},
    {"義雄", "ヨシオ", "YOSHIO", 'M', ERA_OLD},
    {"昇", "ノボル", "NOBORU", 'M', ERA_OLD},
    {"孝", "タカシ", "TAKASHI", 'M', ERA_OLD | ERA_MID},
    {"学", "マナブ", "MANABU", 'M', ERA_MID},
    {"剛", "ツヨシ", "TSUYOSHI", 'M', ERA_MID},
    {"聡", "サトシ", "SATOSHI", 'M', ERA_MID},
    {"哲也", "テツヤ", "TETSUYA", 'M', ERA_MID},
    {"直樹", "ナオキ", "NAOKI", 'M', ERA_MID},
    {"大輔", "ダイスケ", "DAISUKE", 'M', ERA_MID},
    {"健一", "ケンイチ", "KENICHI", 'M', ERA_MID},
    {"和也", "カズヤ", "KAZUYA", 'M', ERA_MID},
    {"拓也", "タクヤ", "TAKUYA", 'M', ERA_MID | ERA_YOUNG},
    {"達也", "タツヤ", "TATSUYA", 'M', ERA_MID},
    {"健太", "ケンタ", "KENTA", 'M', ERA_MID | ERA_YOUNG},
    {"翔太", "ショウタ", "SHOTA", 'M', ERA_YOUNG},
    {"大樹", "ダイキ", "DAIKI", 'M', ERA_YOUNG},
    {"陽翔", "ハルト", "HARUTO", 'M', ERA_YOUNG},
    {"蓮", "レン", "REN", 'M', ERA_YOUNG},
    {"悠真", "ユウマ", "YUMA", 'M', ERA_YOUNG},
    {"湊", "ミナト", "MINATO", 'M', ERA_YOUNG},
    {"大翔", "ヒロト", "HIROTO", 'M', ERA_YOUNG},
    {"悠斗", "ユウト", "YUTO", 'M', ERA_YOUNG},
    {"優斗", "ユウト", "YUTO", 'M', ERA_YOUNG},
    {"颯太", "ソウタ", "SOTA", 'M', ERA_YOUNG},
    {"陸", "リク", "RIKU", 'M', ERA_YOUNG},
    {"蒼", "アオイ", "AOI", 'M', ERA_YOUNG},
    {"樹", "イツキ", "ITSUKI", 'M', ERA_YOUNG},
    {"翔", "ショウ", "SHO", 'M', ERA_YOUNG},
    {"海斗", "カイト", "KAITO", 'M', ERA_YOUNG},
    {"拓海", "タクミ", "TAKUMI", 'M', ERA_YOUNG},
    {"大和", "ヤマト", "YAMATO", 'M', ERA_YOUNG},
    {"陽向", "ヒナタ", "HINATA", 'M', ERA_YOUNG},
    {"悠人", "ユウト", "YUTO", 'M', ERA_YOUNG},
    {"涼", "リョウ", "RYO", 'M', ERA_MID | ERA_YOUNG},
    {"亮", "リョウ", "RYO", 'M', ERA_MID},
    {"亮太", "リョウタ", "RYOTA", 'M', ERA_YOUNG},
    {"雄太", "ユウタ", "YUTA", 'M', ERA_MID | ERA_YOUNG},
    {"裕太", "ユウタ", "YUTA", 'M', ERA_YOUNG},
    {"優太", "ユウタ", "YUTA", 'M', ERA_YOUNG},
    {"翼", "ツバサ", "TSUBASA", 'M', ERA_YOUNG},
    {"駿", "シュン", "SHUN", 'M', ERA_YOUNG},
    {"隼人", "ハヤト", "HAYATO", 'M', ERA_YOUNG},
    {"智也", "トモヤ", "TOMOYA", 'M', ERA_MID | ERA_YOUNG},
    {"和樹", "カズキ", "KAZUKI", 'M', ERA_MID | ERA_YOUNG},
    {"康平", "コウヘイ", "KOHEI", 'M', ERA_MID | ERA_YOUNG},
    {"航", "ワタル", "WATARU", 'M', ERA_YOUNG},
    {"颯", "ハヤテ", "HAYATE", 'M', ERA_YOUNG},
    {"隆之", "タカユキ", "TAKAYUKI", 'M', ERA_MID},
    {"浩二", "コウジ", "KOJI", 'M', ERA_MID},
    {"浩一", "コウイチ", "KOICHI", 'M', ERA_MID},
    {"誠一", "セイイチ", "SEIICHI", 'M', ERA_OLD | ERA_MID},
    {"純一", "ジュンイチ", "JUNICHI", 'M', ERA_MID},
    {"真一", "シンイチ", "SHINICHI", 'M', ERA_MID},
    {"慎也", "シンヤ", "SHINYA", 'M', ERA_MID},
    {"信也", "シンヤ", "SHINYA", 'M', ERA_MID},
    {"雅人", "マサト", "MASATO", 'M', ERA_MID},
    {"正樹", "マサキ", "MASAKI", 'M', ERA_MID},
    {"英樹", "ヒデキ", "HIDEKI", 'M', ERA_MID},
    {"秀樹", "ヒデキ", "HIDEKI", 'M', ERA_MID},
    {"博之", "ヒロユキ", "HIROYUKI", 'M', ERA_MID},
    {"浩之", "ヒロユキ", "HIROYUKI", 'M', ERA_MID},
    {"敏夫", "トシオ", "TOSHIO", 'M', ERA_OLD},
    {"利夫", "トシオ", "TOSHIO", 'M', ERA_OLD},
    {"光男", "ミツオ", "MITSUO", 'M', ERA_OLD},
    {"功", "イサオ", "ISAO", 'M', ERA_OLD},
    {"薫", "カオル", "KAORU", 'M', ERA_MID},
    {"徹", "トオル", "TORU", 'M', ERA_MID},
    {"透", "トオル", "TORU", 'M', ERA_MID},
    {"淳", "ジュン", "JUN", 'M', ERA_MID},
    {"潤", "ジュン", "JUN", 'M', ERA_MID | ERA_YOUNG},
    {"健", "ケン", "KEN", 'M', ERA_MID},
    {"賢治", "ケンジ", "KENJI", 'M', ERA_MID},
    {"洋平", "ヨウヘイ", "YOHEI", 'M', ERA_MID},
    {"俊介", "シュンスケ", "SHUNSUKE", 'M', ERA_MID | ERA_YOUNG},
    {"圭介", "ケイスケ", "KEISUKE", 'M', ERA_MID},
    {"祐介", "ユウスケ", "YUSUKE", 'M', ERA_MID | ERA_YOUNG},
    {"雄一", "ユウイチ", "YUICHI", 'M', ERA_MID},
    {"勇気", "ユウキ", "YUKI", 'M', ERA_YOUNG},
    {"悠", "ユウ", "YU", 'M', ERA_YOUNG},
    {"晃", "アキラ", "AKIRA", 'M', ERA_MID},
    {"大介", "ダイスケ", "DAISUKE", 'M', ERA_MID},
    {"隆史", "タカシ", "TAKASHI", 'M', ERA_MID},
    {"太郎", "タロウ", "TARO", 'M', ERA_OLD | ERA_MID | ERA_YOUNG},
    {"健太郎", "ケンタロウ", "KENTARO", 'M', ERA_MID | ERA_YOUNG},
    {"慎太郎", "シンタロウ", "SHINTARO", 'M', ERA_MID},
    {"龍之介", "リュウノスケ", "RYUNOSUKE", 'M', ERA_YOUNG},
    {"竜也", "タツヤ", "TATSUYA", 'M', ERA_MID},
    {"翔平", "ショウヘイ", "SHOHEI", 'M', ERA_YOUNG},
    {"将太", "ショウタ", "SHOTA", 'M', ERA_YOUNG},
    {"大地", "ダイチ", "DAICHI", 'M', ERA_YOUNG},
    {"悠太", "ユウタ", "YUTA", 'M', ERA_YOUNG},
    {"蒼空", "ソラ", "SORA", 'M', ERA_YOUNG},
    {"奏太", "ソウタ", "SOTA", 'M', ERA_YOUNG},
    {"朝陽", "アサヒ", "ASAHI", 'M', ERA_YOUNG},
    {"律", "リツ", "RITSU", 'M', ERA_YOUNG},
    {"碧", "アオイ", "AOI", 'M', ERA_YOUNG},
    {"陽太", "ヨウタ", "YOTA", 'M', ERA_YOUNG},
    {"結翔", "ユイト", "YUITO", 'M', ERA_YOUNG},
    {"晴", "ハル", "HARU", 'M', ERA_YOUNG},
    {"勝利", "カツトシ", "KATSUTOSHI", 'M', ERA_OLD},
    {"五郎", "ゴロウ", "GORO", 'M', ERA_OLD},
    {"四郎", "シロウ", "SHIRO", 'M', ERA_OLD},
    {"正一", "ショウイチ", "SHOICHI", 'M', ERA_OLD},
    {"幸一", "コウイチ", "KOICHI", 'M', ERA_OLD | ERA_MID},
    {"俊夫", "トシオ", "TOSHIO", 'M', ERA_OLD},
    {"和彦", "カズヒコ", "KAZUHIKO", 'M', ERA_MID},
    {"克也", "カツヤ", "KATSUYA", 'M', ERA_MID},
    {"智", "サトシ", "SATOSHI", 'M', ERA_MID},
    {"崇", "タカシ", "TAKASHI", 'M', ERA_MID},
    {"裕", "ユタカ", "YUTAKA", 'M', ERA_MID},
    {"修一", "シュウイチ", "SHUICHI", 'M', ERA_MID},
    {"良一", "リョウイチ", "RYOICHI", 'M', ERA_OLD},
    {"義男", "ヨシオ", "YOSHIO", 'M', ERA_OLD},
    {"貞夫", "サダオ", "SADAO", 'M', ERA_OLD},
    {"正雄", "マサオ", "MASAO", 'M', ERA_OLD},
    {"辰夫", "タツオ", "TATSUO", 'M', ERA_OLD},
    {"竜二", "リュウジ", "RYUJI", 'M', ERA_MID},
    {"雄二", "ユウジ", "YUJI", 'M', ERA_MID},
    {"祐二", "ユウジ", "YUJI", 'M', ERA_MID},
    {"正和", "マサカズ", "MASAKAZU", 'M', ERA_MID},
    {"信之", "ノブユキ", "NOBUYUKI", 'M', ERA_MID},
    {"伸一", "シンイチ", "SHINICHI", 'M', ERA_MID},
    {"光", "ヒカル", "HIKARU", 'M', ERA_YOUNG},
    {"颯真", "ソウマ", "SOMA", 'M', ERA_YOUNG},
    {"陽斗", "ハルト", "HARUTO", 'M', ERA_YOUNG},
    {"瑛太", "エイタ", "EITA", 'M', ERA_YOUNG},
    {"悠希", "ユウキ", "YUKI", 'M', ERA_YOUNG},
    {"蒼真", "ソウマ", "SOMA", 'M', ERA_YOUNG},
    {"新", "アラタ", "ARATA", 'M', ERA_YOUNG},
    {"一輝", "カズキ", "KAZUKI", 'M', ERA_MID | ERA_YOUNG},
    {"大雅", "タイガ", "TAIGA", 'M', ERA_YOUNG},
    {"琉生", "ルイ", "RUI", 'M', ERA_YOUNG},
    {"直人", "ナオト", "NAOTO", 'M', ERA_MID},
    {"哲郎", "テツロウ", "TETSURO", 'M', ERA_MID},
    {"栄一", "エイイチ", "EIICHI", 'M', ERA_OLD},
    {"忠", "タダシ", "TADASHI", 'M', ERA_OLD},
    {"勉", "ツトム", "TSUTOMU", 'M', ERA_OLD},
    {"文雄", "フミオ", "FUMIO", 'M', ERA_OLD},
    {"邦夫", "クニオ", "KUNIO", 'M', ERA_OLD},
    {"仁", "ヒトシ", "HITOSHI", 'M', ERA_MID},
    {"剛史", "タケシ", "TAKESHI", 'M', ERA_MID},
    {"敦", "アツシ", "ATSUSHI", 'M', ERA_MID},
    {"篤", "アツシ", "ATSUSHI", 'M', ERA_MID},
    {"寛", "ヒロシ", "HIROSHI", 'M', ERA_MID},
    {"昌弘", "マサヒロ", "MASAHIRO", 'M', ERA_MID},
    {"正人", "マサト", "MASATO", 'M', ERA_MID},
    {"優", "ユウ", "YU", 'M', ERA_YOUNG},
    {"幸子", "サチコ", "SACHIKO", 'F', ERA_OLD},
    {"和子", "カズコ", "KAZUKO", 'F', ERA_OLD},
    {"節子", "セツコ", "SETSUKO", 'F', ERA_OLD},
    {"洋子", "ヨウコ", "YOKO", 'F', ERA_OLD | ERA_MID},
    {"恵子", "ケイコ", "KEIKO", 'F', ERA_OLD | ERA_MID},
    {"京子", "キョウコ", "KYOKO", 'F', ERA_OLD | ERA_MID},
    {"美智子", "ミチコ", "MICHIKO", 'F', ERA_OLD},
    {"久美子", "クミコ", "KUMIKO", 'F', ERA_MID},
    {"弘子", "ヒロコ", "HIROKO", 'F', ERA_OLD},
    {"澄子", "スミコ", "SUMIKO", 'F', ERA_OLD},
    {"文子", "フミコ", "FUMIKO", 'F', ERA_OLD},
    {"照子", "テルコ", "TERUKO", 'F', ERA_OLD},
    {"静子", "シズコ", "SHIZUKO", 'F', ERA_OLD},
    {"光子", "ミツコ", "MITSUKO", 'F', ERA_OLD},
    {"千代子", "チヨコ", "CHIYOKO", 'F', ERA_OLD},
    {"君子", "キミコ", "KIMIKO", 'F', ERA_OLD},
    {"清子", "キヨコ", "KIYOKO", 'F', ERA_OLD},
    {"ハル", "ハル", "HARU", 'F', ERA_OLD},
    {"トメ", "トメ", "TOME", 'F', ERA_OLD},
    {"キヨ", "キヨ", "KIYO", 'F', ERA_OLD},
    {"正子", "マサコ", "MASAKO", 'F', ERA_OLD},
    {"悦子", "エツコ", "ETSUKO", 'F', ERA_OLD},
    {"順子", "ジュンコ", "JUNKO", 'F', ERA_OLD | ERA_MID},
    {"信子", "ノブコ", "NOBUKO", 'F', ERA_OLD},
    {"淑子", "ヨシコ", "YOSHIKO", 'F', ERA_OLD},
    {"良子", "ヨシコ", "YOSHIKO", 'F', ERA_OLD},
    {"勝子", "カツコ", "KATSUKO", 'F', ERA_OLD},
    {"富子", "トミコ", "TOMIKO", 'F', ERA_OLD},
    {"花子", "ハナコ", "HANAKO", 'F', ERA_OLD},
    {"春子", "ハルコ", "HARUKO", 'F', ERA_OLD},
    {"秋子", "アキコ", "AKIKO", 'F', ERA_OLD},
    {"敏子", "トシコ", "TOSHIKO", 'F', ERA_OLD},
    {"美代子", "ミヨコ", "MIYOKO", 'F', ERA_OLD},
    {"房子", "フサコ", "FUSAKO", 'F', ERA_OLD},
    {"八重子", "ヤエコ", "YAEKO", 'F', ERA_OLD},
    {"芳子", "ヨシコ", "YOSHIKO", 'F', ERA_OLD},
    {"貞子", "サダコ", "SADAKO", 'F', ERA_OLD},
    {"綾子", "アヤコ", "AYAKO", 'F', ERA_OLD | ERA_MID},
    {"裕子", "ユウコ", "YUKO", 'F', ERA_MID},
    {"由美子", "ユミコ", "YUMIKO", 'F', ERA_MID},
    {"真由美", "マユミ", "MAYUMI", 'F', ERA_MID},
    {"明美", "アケミ", "AKEMI", 'F', ERA_MID},
    {"直美", "ナオミ", "NAOMI", 'F', ERA_MID},
    {"智子", "トモコ", "TOMOKO", 'F', ERA_MID},
    {"典子", "ノリコ", "NORIKO", 'F', ERA_MID},
    {"陽子", "ヨウコ", "YOKO", 'F', ERA_MID},
    {"純子", "ジュンコ", "JUNKO", 'F', ERA_MID},
    {"美穂", "ミホ", "MIHO", 'F', ERA_MID},
    {"恵美", "エミ", "EMI", 'F', ERA_MID},
    {"由美", "ユミ", "YUMI", 'F', ERA_MID},
    {"香織", "カオリ", "KAORI", 'F', ERA_MID},
    {"恵", "メグミ", "MEGUMI", 'F', ERA_MID},
    {"愛", "アイ", "AI", 'F', ERA_MID | ERA_YOUNG},
    {"美香", "ミカ", "MIKA", 'F', ERA_MID},
    {"沙織", "サオリ", "SAORI", 'F', ERA_MID},
    {"麻衣", "マイ", "MAI", 'F', ERA_MID | ERA_YOUNG},
    {"麻美", "アサミ", "ASAMI", 'F', ERA_MID},
    {"理恵", "リエ", "RIE", 'F', ERA_MID},
    {"亜希子", "アキコ", "AKIKO", 'F', ERA_MID},
    {"真理子", "マリコ", "MARIKO", 'F', ERA_MID},
    {"明子", "アキコ", "AKIKO", 'F', ERA_OLD | ERA_MID},
    {"由紀", "ユキ", "YUKI", 'F', ERA_MID},
    {"奈美", "ナミ", "NAMI", 'F', ERA_MID},
    {"千秋", "チアキ", "CHIAKI", 'F', ERA_MID},
    {"優子", "ユウコ", "YUKO", 'F', ERA_MID},
    {"直子", "ナオコ", "NAOKO", 'F', ERA_MID},
    {"美紀", "ミキ", "MIKI", 'F', ERA_MID},
    {"絵美", "エミ", "EMI", 'F', ERA_MID},
    {"知美", "トモミ", "TOMOMI", 'F', ERA_MID},
    {"朋子", "トモコ", "TOMOKO", 'F', ERA_MID},
    {"早苗", "サナエ", "SANAE", 'F', ERA_MID},
    {"聡子", "サトコ", "SATOKO", 'F', ERA_MID},
    {"佳子", "ヨシコ", "YOSHIKO", 'F', ERA_MID},
    {"奈緒子", "ナオコ", "NAOKO", 'F', ERA_MID},
    {"康子", "ヤスコ", "YASUKO", 'F', ERA_OLD | ERA_MID},
    {"祐子", "ユウコ", "YUKO", 'F', ERA_MID},
    {"尚美", "ナオミ", "NAOMI", 'F', ERA_MID},
    {"晴美", "ハルミ", "HARUMI", 'F', ERA_MID},
    {"仁美", "ヒトミ", "HITOMI", 'F', ERA_MID},
    {"瞳", "ヒトミ", "HITOMI", 'F', ERA_MID},
    {"舞", "マイ", "MAI", 'F', ERA_MID | ERA_YOUNG},
    {"彩", "アヤ", "AYA", 'F', ERA_MID | ERA_YOUNG},
    {"愛子", "アイコ", "AIKO", 'F', ERA_MID},
    {"志保", "シホ", "SHIHO", 'F', ERA_MID},
    {"美樹", "ミキ", "MIKI", 'F', ERA_MID},
    {"薫", "カオル", "KAORU", 'F', ERA_MID},
    {"静香", "シズカ", "SHIZUKA", 'F', ERA_MID},
    {"友美", "トモミ", "TOMOMI", 'F', ERA_MID},
    {"結衣", "ユイ", "YUI", 'F', ERA_YOUNG},
    {"陽菜", "ヒナ", "HINA", 'F', ERA_YOUNG},
    {"美咲", "ミサキ", "MISAKI", 'F', ERA_YOUNG},
    {"葵", "アオイ", "AOI", 'F', ERA_YOUNG},
    {"結菜", "ユイナ", "YUINA", 'F', ERA_YOUNG},
    {"凛", "リン", "RIN", 'F', ERA_YOUNG},
    {"芽依", "メイ", "MEI", 'F', ERA_YOUNG},
    {"さくら", "サクラ", "SAKURA", 'F', ERA_YOUNG},
    {"莉子", "リコ", "RIKO", 'F', ERA_YOUNG},
    {"紬", "ツムギ", "TSUMUGI", 'F', ERA_YOUNG},
    {"陽葵", "ヒマリ", "HIMARI", 'F', ERA_YOUNG},
    {"結愛", "ユア", "YUA", 'F', ERA_YOUNG},
    {"芽衣", "メイ", "MEI", 'F', ERA_YOUNG},
    {"咲良", "サクラ", "SAKURA", 'F', ERA_YOUNG},
    {"杏", "アン", "AN", 'F', ERA_YOUNG},
    {"美月", "ミヅキ", "MIZUKI", 'F', ERA_YOUNG},
    {"七海", "ナナミ", "NANAMI", 'F', ERA_YOUNG},
    {"彩花", "アヤカ", "AYAKA", 'F', ERA_YOUNG},
    {"愛美", "マナミ", "MANAMI", 'F', ERA_YOUNG},
    {"遥", "ハルカ", "HARUKA", 'F', ERA_YOUNG},
    {"優奈", "ユウナ", "YUNA", 'F', ERA_YOUNG},
    {"美羽", "ミウ", "MIU", 'F', ERA_YOUNG},
    {"心愛", "ココア", "KOKOA", 'F', ERA_YOUNG},
    {"楓", "カエデ", "KAEDE", 'F', ERA_YOUNG},
    {"花音", "カノン", "KANON", 'F', ERA_YOUNG},
    {"琴音", "コトネ", "KOTONE", 'F', ERA_YOUNG},
    {"菜々子", "ナナコ", "NANAKO", 'F', ERA_YOUNG},
    {"彩乃", "アヤノ", "AYANO", 'F', ERA_YOUNG},
    {"真央", "マオ", "MAO", 'F', ERA_YOUNG},
    {"萌", "モエ", "MOE", 'F', ERA_YOUNG},
    {"千尋", "チヒロ", "CHIHIRO", 'F', ERA_MID | ERA_YOUNG},
    {"桜", "サクラ", "SAKURA", 'F', ERA_YOUNG},
    {"美優", "ミユ", "MIYU", 'F', ERA_YOUNG},
    {"詩織", "シオリ", "SHIORI", 'F', ERA_YOUNG},
    {"未来", "ミライ", "MIRAI", 'F', ERA_YOUNG},
    {"里奈", "リナ", "RINA", 'F', ERA_YOUNG},
    {"佳奈", "カナ", "KANA", 'F', ERA_YOUNG},
    {"沙也加", "サヤカ", "SAYAKA", 'F', ERA_YOUNG},
    {"明日香", "アスカ", "ASUKA", 'F', ERA_YOUNG},
    {"彩香", "アヤカ", "AYAKA", 'F', ERA_YOUNG},
    {"早紀", "サキ", "SAKI", 'F', ERA_YOUNG},
    {"夏美", "ナツミ", "NATSUMI", 'F', ERA_YOUNG},
    {"菜摘", "ナツミ", "NATSUMI", 'F', ERA_YOUNG},
    {"理沙", "リサ", "RISA", 'F', ERA_YOUNG},
    {"瑞希", "ミズキ", "MIZUKI", 'F', ERA_YOUNG},
    {"杏奈", "アンナ", "ANNA", 'F', ERA_YOUNG},
    {"澪", "ミオ", "MIO", 'F', ERA_YOUNG},
    {"心春", "コハル", "KOHARU", 'F', ERA_YOUNG},
    {"結月", "ユヅキ", "YUZUKI", 'F', ERA_YOUNG},
    {"日葵", "ヒマリ", "HIMARI", 'F', ERA_YOUNG},
    {"花", "ハナ", "HANA", 'F', ERA_YOUNG},
    {"莉央", "リオ", "RIO", 'F', ERA_YOUNG},
    {"美桜", "ミオ", "MIO", 'F', ERA_YOUNG},
    {"柚希", "ユズキ", "YUZUKI", 'F', ERA_YOUNG},
    {"彩芽", "アヤメ", "AYAME", 'F', ERA_YOUNG},
    {"乃愛", "ノア", "NOA", 'F', ERA_YOUNG},
    {"詩", "ウタ", "UTA", 'F', ERA_YOUNG},
    {"心", "ココロ", "KOKORO", 'F', ERA_YOUNG},
    {"一花", "イチカ", "ICHIKA", 'F', ERA_YOUNG},
    {"紗希", "サキ", "SAKI", 'F', ERA_YOUNG},
    {"美結", "ミユ", "MIYU", 'F', ERA_YOUNG},
    {"千夏", "チナツ", "CHINATSU", 'F', ERA_YOUNG},
    {"奈々", "ナナ", "NANA", 'F', ERA_YOUNG},
    {"愛莉", "アイリ", "AIRI", 'F', ERA_YOUNG},
    {"真菜", "マナ", "MANA", 'F', ERA_YOUNG},
    {"萌花", "モカ", "MOKA", 'F', ERA_YOUNG},
    {"綾乃", "アヤノ", "AYANO", 'F', ERA_YOUNG},
    {"碧", "アオイ", "AOI", 'F', ERA_YOUNG},
};

struct agency {
    const char *name, *abbr; /* abbr is the warrant-number prefix: "警視", "大阪" */
    uint16_t weight;         /* population in units of 10,000 */
};

static const struct agency agencies[] = {
    {"北海道警察", "北海道", 514}, {"青森県警察", "青森", 120},
    {"岩手県警察", "岩手", 118},   {"宮城県警察", "宮城", 228},
    {"秋田県警察", "秋田", 93},    {"山形県警察", "山形", 104},
    {"福島県警察", "福島", 179},   {"茨城県警察", "茨城", 284},
    {"栃木県警察", "栃木", 191},   {"群馬県警察", "群馬", 191},
    {"埼玉県警察", "埼玉", 734},   {"千葉県警察", "千葉", 628},
    {"警視庁", "警視", 1404},      {"神奈川県警察", "神奈川", 923},
    {"新潟県警察", "新潟", 214},   {"富山県警察", "富山", 102},
    {"石川県警察", "石川", 111},   {"福井県警察", "福井", 75},
    {"山梨県警察", "山梨", 80},    {"長野県警察", "長野", 200},
    {"岐阜県警察", "岐阜", 194},   {"静岡県警察", "静岡", 355},
    {"愛知県警察", "愛知", 748},   {"三重県警察", "三重", 174},
    {"滋賀県警察", "滋賀", 141},   {"京都府警察", "京都", 254},
    {"大阪府警察", "大阪", 877},   {"兵庫県警察", "兵庫", 538},
    {"奈良県警察", "奈良", 130},   {"和歌山県警察", "和歌山", 90},
    {"鳥取県警察", "鳥取", 54},    {"島根県警察", "島根", 65},
    {"岡山県警察", "岡山", 184},   {"広島県警察", "広島", 274},
    {"山口県警察", "山口", 131},   {"徳島県警察", "徳島", 70},
    {"香川県警察", "香川", 93},    {"愛媛県警察", "愛媛", 130},
    {"高知県警察", "高知", 67},    {"福岡県警察", "福岡", 510},
    {"佐賀県警察", "佐賀", 80},    {"長崎県警察", "長崎", 128},
    {"熊本県警察", "熊本", 172},   {"大分県警察", "大分", 111},
    {"宮崎県警察", "宮崎", 105},   {"鹿児島県警察", "鹿児島", 156},
    {"沖縄県警察", "沖縄", 147},
};

/* Plate regions (運輸支局・自動車検査登録事務所の表示), the JIS code of the prefecture whose
 * police usually take the report, and a weight that favours the big registration areas. */
struct region {
    const char *name;
    uint8_t pref;
    uint8_t weight;
};

static const struct region regions[] = {
    {"札幌", 1, 40},    {"函館", 1, 8},     {"旭川", 1, 10},      {"室蘭", 1, 7},
    {"釧路", 1, 7},     {"帯広", 1, 7},     {"北見", 1, 6},       {"青森", 2, 8},
    {"八戸", 2, 6},     {"岩手", 3, 14},    {"宮城", 4, 22},      {"仙台", 4, 12},
    {"秋田", 5, 11},    {"山形", 6, 9},     {"庄内", 6, 5},       {"福島", 7, 10},
    {"いわき", 7, 7},   {"郡山", 7, 8},     {"水戸", 8, 18},      {"土浦", 8, 12},
    {"つくば", 8, 8},   {"宇都宮", 9, 14},  {"とちぎ", 9, 6},     {"那須", 9, 5},
    {"群馬", 10, 15},   {"高崎", 10, 7},    {"大宮", 11, 25},     {"川口", 11, 14},
    {"所沢", 11, 18},   {"川越", 11, 12},   {"熊谷", 11, 12},     {"春日部", 11, 10},
    {"越谷", 11, 10},   {"千葉", 12, 22},   {"成田", 12, 10},     {"習志野", 12, 20},
    {"市川", 12, 8},    {"船橋", 12, 8},    {"袖ヶ浦", 12, 12},   {"野田", 12, 8},
    {"柏", 12, 8},      {"松戸", 12, 8},    {"品川", 13, 40},     {"世田谷", 13, 15},
    {"練馬", 13, 30},   {"杉並", 13, 8},    {"板橋", 13, 10},     {"足立", 13, 30},
    {"江東", 13, 8},    {"葛飾", 13, 10},   {"八王子", 13, 25},   {"多摩", 13, 28},
    {"横浜", 14, 50},   {"川崎", 14, 15},   {"湘南", 14, 22},     {"相模", 14, 28},
    {"山梨", 19, 10},   {"富士山", 19, 6},  {"新潟", 15, 14},     {"長岡", 15, 9},
    {"富山", 16, 12},   {"石川", 17, 8},    {"金沢", 17, 5},      {"福井", 18, 9},
    {"長野", 20, 11},   {"松本", 20, 8},    {"諏訪", 20, 5},      {"岐阜", 21, 15},
    {"飛騨", 21, 4},    {"静岡", 22, 12},   {"浜松", 22, 14},     {"沼津", 22, 12},
    {"伊豆", 22, 4},    {"名古屋", 23, 35}, {"豊橋", 23, 9},      {"三河", 23, 14},
    {"岡崎", 23, 9},    {"豊田", 23, 9},    {"尾張小牧", 23, 18}, {"一宮", 23, 8},
    {"春日井", 23, 7},  {"三重", 24, 14},   {"鈴鹿", 24, 6},      {"滋賀", 25, 16},
    {"京都", 26, 25},   {"大阪", 27, 40},   {"なにわ", 27, 20},   {"和泉", 27, 22},
    {"堺", 27, 9},      {"神戸", 28, 22},   {"姫路", 28, 14},     {"奈良", 29, 15},
    {"和歌山", 30, 10}, {"鳥取", 31, 6},    {"島根", 32, 7},      {"岡山", 33, 14},
    {"倉敷", 33, 7},    {"広島", 34, 20},   {"福山", 34, 9},      {"山口", 35, 10},
    {"下関", 35, 4},    {"徳島", 36, 8},    {"香川", 37, 10},     {"愛媛", 38, 13},
    {"高知", 39, 7},    {"福岡", 40, 30},   {"北九州", 40, 14},   {"久留米", 40, 9},
    {"筑豊", 40, 6},    {"佐賀", 41, 9},    {"長崎", 42, 9},      {"佐世保", 42, 5},
    {"熊本", 43, 18},   {"大分", 44, 11},   {"宮崎", 45, 11},     {"鹿児島", 46, 17},
    {"沖縄", 47, 20},
};

/* Classification numbers in the order a region's plate groups use them: the first five cycle
 * in every region, later ones (and the old two-digit numbers) only in the busiest regions. */
static const char *const plate_classes[] = {
    "300", "330", "500", "530", "580", "502", "301", "33", "331", "501", "503", "310",
    "52",  "340", "533", "332", "581", "302", "400", "31", "505", "480", "55",  "57",
};

/* Private-use kana, then わ (rental cars) last. */
static const char *const plate_kana[] = {
    "さ", "す", "せ", "そ", "た", "ち", "つ", "て", "と", "な", "に", "ぬ", "ね", "の", "は", "ひ",
    "ふ", "ほ", "ま", "み", "む", "め", "も", "や", "ゆ", "ら", "り", "る", "れ", "ろ", "わ",
};

/* Plate number space: PLATE_GROUPS (region, class, kana) groups of PLATE_SLOTS serials. */
#define PLATE_GROUP_BITS 13
#define PLATE_SLOT_BITS 9
#define PLATE_GROUPS (1u << PLATE_GROUP_BITS)
#define PLATE_SLOTS (1u << PLATE_SLOT_BITS)
#define PLATE_SERIAL_STEP 19u /* PLATE_SLOTS * 19 + 18 < 9999 keeps serials in 1..9999 */

/* Body class a model is registered in: 'L' 普通乗用 (3xx), 'S' 小型乗用 (5xx), 'K' 軽 (58x),
 * 'V' 小型貨物 (4xx). wmi is non-NULL for imports, which carry a 17-character VIN whose
 * characters 4..8 are code; domestic cars carry a 車台番号 "code-NNNNNNN". */
struct model {
    const char *make, *model, *code, *wmi;
    char body;
    uint16_t y0, y1;
    uint8_t weight;
};

static const struct model models[] = {
    {"トヨタ", "プリウス", "NHW20", NULL, 'L', 2005, 2009, 6},
    {"トヨタ", "プリウス", "ZVW30", NULL, 'L', 2009, 2015, 12},
    {"トヨタ", "プリウス", "ZVW50", NULL, 'L', 2015, 2022, 10},
    {"トヨタ", "プリウス", "MXWH60", NULL, 'L', 2023, 2026, 5},
    {"トヨタ", "ランドクルーザー", "URJ202W", NULL, 'L', 2007, 2021, 18},
    {"トヨタ", "ランドクルーザー", "VJA300W", NULL, 'L', 2021, 2026, 15},
    {"トヨタ", "ランドクルーザープラド", "TRJ150W", NULL, 'L', 2009, 2023, 10},
    {"トヨタ", "アルファード", "AGH30W", NULL, 'L', 2015, 2023, 14},
    {"トヨタ", "アルファード", "AAHH40W", NULL, 'L', 2023, 2026, 6},
    {"トヨタ", "ヴェルファイア", "GGH30W", NULL, 'L', 2015, 2023, 5},
    {"トヨタ", "クラウン", "GRS210", NULL, 'L', 2012, 2018, 6},
    {"トヨタ", "クラウン", "AZSH20", NULL, 'L', 2018, 2022, 4},
    {"トヨタ", "ハリアー", "ZSU60W", NULL, 'L', 2013, 2020, 6},
    {"トヨタ", "ハリアー", "MXUA80", NULL, 'L', 2020, 2026, 6},
    {"トヨタ", "カローラ", "ZRE212", NULL, 'L', 2019, 2026, 3},
    {"レクサス", "LX", "URJ201W", NULL, 'L', 2015, 2021, 6},
    {"レクサス", "RX", "AGL20W", NULL, 'L', 2015, 2022, 5},
    {"レクサス", "LS", "VXFA50", NULL, 'L', 2017, 2026, 2},
    {"日産", "エクストレイル", "NT32", NULL, 'L', 2013, 2022, 3},
    {"日産", "スカイライン", "V37", NULL, 'L', 2014, 2026, 2},
    {"日産", "GT-R", "R35", NULL, 'L', 2007, 2026, 2},
    {"マツダ", "CX-5", "KF2P", NULL, 'L', 2017, 2026, 3},
    {"スバル", "フォレスター", "SK5", NULL, 'L', 2018, 2026, 2},
    {"スバル", "WRX", "VAB", NULL, 'L', 2014, 2020, 2},
    {"ホンダ", "オデッセイ", "RC1", NULL, 'L', 2013, 2022, 2},
    {"三菱", "デリカD:5", "CV1W", NULL, 'L', 2019, 2026, 2},
    {"BMW", "3シリーズ", "5V12A", "WBA", 'L', 2012, 2026, 2},
    {"メルセデス・ベンツ", "Gクラス", "4632H", "WDB", 'L', 2005, 2026, 2},
    {"メルセデス・ベンツ", "Cクラス", "2050F", "WDD", 'L', 2014, 2026, 2},
    {"フォルクスワーゲン", "ゴルフ", "ZZZAU", "WVW", 'L', 2013, 2021, 1},
    {"ポルシェ", "カイエン", "ZZZ9Y", "WP1", 'L', 2018, 2026, 1},
    {"ジープ", "ラングラー", "JJEG1", "1C4", 'L', 2018, 2026, 1},
    {"トヨタ", "アクア", "NHP10", NULL, 'S', 2011, 2021, 8},
    {"トヨタ", "アクア", "MXPK11", NULL, 'S', 2021, 2026, 3},
    {"トヨタ", "ヤリス", "MXPA10", NULL, 'S', 2020, 2026, 3},
    {"トヨタ", "ヴィッツ", "NSP130", NULL, 'S', 2010, 2019, 3},
    {"トヨタ", "ノア", "ZRR80G", NULL, 'S', 2014, 2021, 5},
    {"トヨタ", "ヴォクシー", "ZRR80W", NULL, 'S', 2014, 2021, 5},
    {"トヨタ", "シエンタ", "NSP170G", NULL, 'S', 2015, 2022, 2},
    {"ホンダ", "フィット", "GK3", NULL, 'S', 2013, 2020, 4},
    {"ホンダ", "フィット", "GR3", NULL, 'S', 2020, 2026, 2},
    {"ホンダ", "ステップワゴン", "RP3", NULL, 'S', 2015, 2022, 3},
    {"ホンダ", "フリード", "GB5", NULL, 'S', 2016, 2024, 2},
    {"日産", "ノート", "E12", NULL, 'S', 2012, 2020, 4},
    {"日産", "ノート", "E13", NULL, 'S', 2020, 2026, 2},
    {"日産", "セレナ", "GC27", NULL, 'S', 2016, 2022, 3},
    {"マツダ", "MAZDA2", "DJLFS", NULL, 'S', 2019, 2026, 1},
    {"スズキ", "スイフト", "ZC83S", NULL, 'S', 2017, 2023, 2},
    {"ホンダ", "N-BOX", "JF3", NULL, 'K', 2017, 2023, 5},
    {"ホンダ", "N-BOX", "JF5", NULL, 'K', 2023, 2026, 2},
    {"ダイハツ", "タント", "LA650S", NULL, 'K', 2019, 2026, 3},
    {"ダイハツ", "ムーヴ", "LA150S", NULL, 'K', 2014, 2023, 3},
    {"スズキ", "ワゴンR", "MH55S", NULL, 'K', 2017, 2026, 3},
    {"スズキ", "スペーシア", "MK53S", NULL, 'K', 2017, 2023, 3},
    {"スズキ", "ハスラー", "MR52S", NULL, 'K', 2020, 2026, 2},
    {"スズキ", "ジムニー", "JB64W", NULL, 'K', 2018, 2026, 3},
    {"日産", "デイズ", "B43W", NULL, 'K', 2019, 2026, 2},
    {"トヨタ", "ハイエース", "TRH200V", NULL, 'V', 2005, 2017, 8},
    {"トヨタ", "ハイエース", "GDH201V", NULL, 'V', 2017, 2026, 8},
    {"トヨタ", "プロボックス", "NCP160V", NULL, 'V', 2014, 2026, 3},
    {"日産", "キャラバン", "VR2E26", NULL, 'V', 2012, 2026, 3},
    {"トヨタ", "タウンエース", "S402M", NULL, 'V', 2008, 2020, 1},
};

static const struct wstr colours[] = {
    {"白", 25}, {"パール", 20},  {"黒", 22},      {"シルバー", 12}, {"グレー", 7},
    {"青", 4},  {"紺", 3},       {"赤", 3},       {"茶", 2},        {"緑", 1},
    {"黄", 1},  {"ベージュ", 1}, {"ゴールド", 1}, {"オレンジ", 1},
};

struct firearm {
    const char *make, *model, *calibre, *prefix;
    uint8_t weight;
};

static const struct firearm firearms[] = {
    {"ミロク", "MSS-20", "12番", "MK", 8},
    {"ミロク", "MK38", "12番", "MK", 5},
    {"SKB", "MJ-7", "12番", "SK", 6},
    {"SKB", "M1900", "12番", "SK", 4},
    {"Beretta", "686 Silver Pigeon", "12番", "U", 5},
    {"Beretta", "A400 Xplor", "12番", "XA", 3},
    {"Browning", "Citori", "12番", "BC", 4},
    {"Browning", "BAR MK3", ".308Win", "BR", 3},
    {"Remington", "M870", "12番", "RS", 4},
    {"Remington", "M700", ".30-06", "RR", 3},
    {"豊和", "M1500", ".308Win", "HW", 4},
    {"Benelli", "M2", "12番", "BN", 3},
    {"Winchester", "SX4", "20番", "WS", 2},
    {"Ruger", "10/22", ".22LR", "RG", 2},
    {"Sako", "85", ".308Win", "SA", 2},
    {"Weihrauch", "HW100", "5.5mm", "WH", 3},
    {"シャープ", "エースハンター", "5.5mm", "SH", 2},
    {"ニューナンブ", "M60", ".38SP", "NN", 1},
    {"S&W", "M37", ".38SP", "SW", 1},
    {"SIG", "P230JP", ".32ACP", "SG", 1},
};

static const struct wstr offences[] = {
    {"窃盗", 30},
    {"詐欺", 18},
    {"覚醒剤取締法違反", 10},
    {"傷害", 9},
    {"住居侵入", 5},
    {"強盗", 4},
    {"恐喝", 4},
    {"横領", 4},
    {"殺人未遂", 1},
    {"放火", 1},
    {"強制性交等", 1},
    {"暴行", 4},
    {"大麻取締法違反", 3},
    {"道路交通法違反", 3},
    {"公務執行妨害", 2},
    {"器物損壊", 2},
    {"銃砲刀剣類所持等取締法違反", 1},
};

static const struct wstr builds[] = {
    {"痩せ型", 20}, {"中肉", 45}, {"小太り", 15}, {"がっしり", 12}, {"肥満", 8},
};

static const struct wstr hair_male[] = {
    {"黒髪短髪", 40}, {"茶髪", 10}, {"坊主頭", 10}, {"白髪交じり", 12},
    {"金髪", 4},      {"長髪", 4},  {"薄毛", 8},    {"白髪短髪", 12},
};

static const struct wstr hair_female[] = {
    {"黒髪長髪", 25}, {"黒髪セミロング", 20},  {"茶髪", 20},
    {"黒髪短髪", 12}, {"白髪交じり", 10},      {"白髪", 8},
    {"金髪", 3},      {"黒髪ポニーテール", 5},
};

static const struct wstr features[] = {
    {"眼鏡着用", 25},    {"右頬にほくろ", 8},
    {"左腕に入れ墨", 6}, {"背中に入れ墨", 4},
    {"顎ひげ", 6},       {"左眉に傷跡", 4},
    {"右耳にピアス", 6}, {"関西弁", 6},
    {"東北訛り", 3},     {"左足を引きずる", 3},
    {"前歯欠損", 3},     {"左手小指欠損", 1},
    {"マスク着用", 10},  {"黒色リュックサック所持", 8},
};

/* Circumstances of a disappearance; flags mark what they imply. */
enum { CIRC_VULNERABLE = 1, CIRC_SUICIDAL = 2, CIRC_MENTAL = 4 };

struct circumstance {
    const char *text;
    uint8_t weight, flags;
};

static const struct circumstance circ_old[] = {
    {"認知症の疑い、徒歩で外出", 30, CIRC_VULNERABLE | CIRC_MENTAL},
    {"認知症の疑い、自転車で外出", 10, CIRC_VULNERABLE | CIRC_MENTAL},
    {"デイサービスから帰宅せず", 8, CIRC_VULNERABLE},
    {"散歩に出たまま帰宅せず", 20, CIRC_VULNERABLE},
    {"通院後に所在不明", 8, CIRC_VULNERABLE},
    {"山菜採りに入山し帰宅せず", 8, CIRC_VULNERABLE},
    {"釣りに出かけたまま帰宅せず", 5, 0},
    {"車両で外出し帰宅せず、運転に不安あり", 8, CIRC_VULNERABLE},
};

static const struct circumstance circ_young[] = {
    {"家出の可能性、所持金少額", 25, 0},
    {"SNSで知り合った人物と接触の可能性", 20, CIRC_VULNERABLE},
    {"下校後に帰宅せず", 15, CIRC_VULNERABLE},
    {"部活動後に所在不明", 8, CIRC_VULNERABLE},
    {"友人宅に泊まると言い外出", 12, 0},
    {"書き置きあり、家出の可能性", 12, 0},
    {"いじめの悩みあり、自殺をほのめかす", 5, CIRC_VULNERABLE | CIRC_SUICIDAL},
};

static const struct circumstance circ_adult[] = {
    {"書き置きあり、自殺をほのめかす", 15, CIRC_VULNERABLE | CIRC_SUICIDAL},
    {"勤務先を無断欠勤し連絡取れず", 20, 0},
    {"車両で外出し帰宅せず", 15, 0},
    {"登山に出かけ下山せず", 8, CIRC_VULNERABLE},
    {"借金の悩みあり、連絡取れず", 12, 0},
    {"精神疾患で通院中、連絡取れず", 10, CIRC_VULNERABLE | CIRC_MENTAL},
    {"釣りに出かけたまま帰宅せず", 8, 0},
    {"夫婦喧嘩の後に外出し帰宅せず", 12, 0},
};

/* Passport number prefixes seen on Japanese passports. */
static const char *const jpn_prefixes[] = {"TK", "TR", "TZ", "TS", "TH", "TT", "TG",
                                           "TP", "MU", "MZ", "ME", "MA", "RE", "RZ"};

struct foreign {
    const char *country;
    uint8_t weight;
    const char *const *names; /* "SURNAME GIVEN", 6 entries */
};

static const char *const names_chn[] = {"WANG WEI", "LI NA",     "ZHANG WEI",
                                        "LIU YANG", "CHEN JING", "ZHAO LEI"};
static const char *const names_kor[] = {"KIM MINJUN", "LEE SEOYEON",  "PARK JIHOON",
                                        "CHOI YUNA",  "JUNG HYUNWOO", "KANG MINJI"};
static const char *const names_vnm[] = {"NGUYEN VAN AN", "TRAN THI MAI",  "LE VAN HUNG",
                                        "PHAM THI LAN",  "HOANG VAN NAM", "VU THI HOA"};
static const char *const names_phl[] = {"SANTOS MARIA",  "REYES JOSE", "CRUZ ANNA",
                                        "BAUTISTA MARK", "GARCIA JOY", "MENDOZA RYAN"};
static const char *const names_usa[] = {"SMITH JOHN",  "JOHNSON EMILY", "WILLIAMS DAVID",
                                        "BROWN SARAH", "JONES MICHAEL", "MILLER JESSICA"};
static const char *const names_twn[] = {"CHEN CHIA-HAO", "LIN YU-TING",   "HUANG CHIH-MING",
                                        "CHANG SHU-FEN", "LEE CHUN-HUNG", "WANG HSIN-YI"};

static const struct foreign foreigners[] = {
    {"CHN", 30, names_chn}, {"KOR", 20, names_kor}, {"VNM", 20, names_vnm},
    {"PHL", 10, names_phl}, {"USA", 10, names_usa}, {"TWN", 10, names_twn},
};

/* ---- Reference date and calendar arithmetic (days since 1970-01-01) ---- */

#define REF_Y 2026
#define REF_M 11
#define REF_D 20

static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int32_t doe = z - era * 146097;
    const int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int32_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int year_of(int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return y;
}

/* ---- Randomness: splitmix64 streams and keyed bijections ---- */

struct rng {
    uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t salt, uint32_t i)
{
    r->s = mix64(seed ^ mix64((salt << 32) ^ i));
}

static uint64_t rng_next(struct rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

/* Uniform in [0, n) for n >= 1 (multiply-shift; the bias is far below what a demo can show). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int rng_percent(struct rng *r, uint32_t pct)
{
    return rng_below(r, 1000) < pct * 10;
}

static int rng_permille(struct rng *r, uint32_t pm)
{
    return rng_below(r, 1000) < pm;
}

/* A keyed bijection of [0, 2^bits), 8 <= bits <= 31: every step (xor, add, odd multiply,
 * xor-shift-right, all mod 2^bits) is invertible. */
static uint32_t perm_bits(uint32_t x, unsigned bits, uint64_t key)
{
    const uint32_t mask = (uint32_t)((1ULL << bits) - 1);
    const unsigned sh = bits / 2;
    for (unsigned round = 0; round < 3; round++) {
        const uint64_t k = mix64(key + round);
        x = (x ^ (uint32_t)k) & mask;
        x = (x * 0x9e3779b1u) & mask;
        x ^= x >> sh;
        x = (x + (uint32_t)(k >> 32)) & mask;
        x = (x * 0x85ebca77u) & mask;
        x ^= x >> (sh + 1);
    }
    return x;
}

/* A keyed bijection of [0, n) by cycle walking, n <= 2^bits; x is reduced mod n first. */
static uint32_t perm_range(uint32_t x, uint32_t n, unsigned bits, uint64_t key)
{
    x %= n;
    do
        x = perm_bits(x, bits, key);
    while (x >= n);
    return x;
}

/* ---- Derived tables, built once ---- */

static uint32_t surname_cum[LEN(surnames)];
static uint32_t agency_cum[LEN(agencies)];
static uint32_t firearm_cum[LEN(firearms)];
static uint16_t region_start[LEN(regions) + 1]; /* plate groups of region k: [k], [k+1]) */
static uint16_t given_idx[6][LEN(given_names)]; /* [sex * 3 + era] -> given_names index */
static uint16_t given_cnt[6];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_build(void)
{
    uint32_t sum = 0;
    for (size_t k = 0; k < LEN(surnames); k++)
        surname_cum[k] = sum += surnames[k].weight;
    sum = 0;
    for (size_t k = 0; k < LEN(agencies); k++)
        agency_cum[k] = sum += agencies[k].weight;
    sum = 0;
    for (size_t k = 0; k < LEN(firearms); k++)
        firearm_cum[k] = sum += firearms[k].weight;

    uint32_t total = 0;
    for (size_t k = 0; k < LEN(regions); k++)
        total += regions[k].weight;
    sum = 0;
    for (size_t k = 0; k < LEN(regions); k++) {
        region_start[k] = (uint16_t)((uint64_t)sum * PLATE_GROUPS / total);
        sum += regions[k].weight;
    }
    region_start[LEN(regions)] = PLATE_GROUPS;
    for (size_t k = 0; k < LEN(regions); k++) {
        const unsigned groups = region_start[k + 1] - region_start[k];
        assert(groups >= 1 && groups <= LEN(plate_classes) * LEN(plate_kana));
        (void)groups;
    }

    for (size_t k = 0; k < LEN(given_names); k++) {
        const unsigned sex = given_names[k].sex == 'F';
        for (unsigned era = 0; era < 3; era++)
            if (given_names[k].eras & (1u << era))
                given_idx[sex * 3 + era][given_cnt[sex * 3 + era]++] = (uint16_t)k;
    }
    for (size_t k = 0; k < 6; k++)
        assert(given_cnt[k] > 0);
}

static size_t pick_cum(struct rng *r, const uint32_t *cum, size_t n)
{
    const uint32_t x = rng_below(r, cum[n - 1]);
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static const char *pick_wstr(struct rng *r, const struct wstr *t, size_t n)
{
    uint32_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += t[k].w;
    uint32_t x = rng_below(r, total);
    for (size_t k = 0; k < n; k++) {
        if (x < t[k].w) return t[k].s;
        x -= t[k].w;
    }
    return t[n - 1].s;
}

static const struct circumstance *pick_circumstance(struct rng *r, const struct circumstance *t,
                                                    size_t n)
{
    uint32_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += t[k].weight;
    uint32_t x = rng_below(r, total);
    for (size_t k = 0; k < n; k++) {
        if (x < t[k].weight) return &t[k];
        x -= t[k].weight;
    }
    return &t[n - 1];
}

static const struct model *pick_model(struct rng *r, char body)
{
    uint32_t total = 0;
    for (size_t k = 0; k < LEN(models); k++)
        if (models[k].body == body) total += models[k].weight;
    uint32_t x = rng_below(r, total);
    for (size_t k = 0; k < LEN(models); k++) {
        if (models[k].body != body) continue;
        if (x < models[k].weight) return &models[k];
        x -= models[k].weight;
    }
    return &models[0];
}

static const char *pick_agency(struct rng *r)
{
    return agencies[pick_cum(r, agency_cum, LEN(agencies))].name;
}

/* ---- Bounded string building (snprintf dominated the profile) ---- */

/* Appends into s[0..cap), always NUL-terminated; output that does not fit is dropped. */
struct sbuf {
    char *s;
    size_t cap, len;
};

static void sb_init(struct sbuf *b, char *s, size_t cap)
{
    b->s = s;
    b->cap = cap;
    b->len = 0;
    s[0] = '\0';
}

static void sb_put(struct sbuf *b, const char *t)
{
    size_t n = strlen(t);
    if (n > b->cap - 1 - b->len) n = b->cap - 1 - b->len;
    memcpy(b->s + b->len, t, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Decimal v, zero-padded to at least width digits. */
static void sb_uint(struct sbuf *b, uint32_t v, unsigned width)
{
    char tmp[16];
    unsigned n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < width);
    char out[17];
    memcpy(out, tmp + sizeof tmp - n, n);
    out[n] = '\0';
    sb_put(b, out);
}

/* ---- JSON helpers: table strings are valid UTF-8, so skip jansson's re-validation ---- */

static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new_nocheck(o, key, v);
}

static int put_str(json_t *o, const char *key, const char *s)
{
    return put(o, key, json_string_nocheck(s));
}

static int put_date(json_t *o, const char *key, int32_t day)
{
    int y, m, d;
    char buf[16];
    struct sbuf b;
    civil_from_days(day, &y, &m, &d);
    sb_init(&b, buf, sizeof buf);
    sb_uint(&b, (uint32_t)y, 4);
    sb_put(&b, "-");
    sb_uint(&b, (uint32_t)m, 2);
    sb_put(&b, "-");
    sb_uint(&b, (uint32_t)d, 2);
    return put_str(o, key, buf);
}

/* ---- Persons ---- */

struct person_name {
    char kanji[96], kana[128], romaji[96];
};

struct age_band {
    uint8_t lo, hi, w;
};

static const struct age_band ages_wanted[] = {
    {12, 19, 6}, {20, 29, 28}, {30, 39, 25}, {40, 49, 20}, {50, 59, 12}, {60, 69, 6}, {70, 85, 3},
};

static const struct age_band ages_missing[] = {
    {12, 19, 32}, {20, 29, 10}, {30, 39, 7},  {40, 49, 7},
    {50, 59, 6},  {60, 69, 8},  {70, 79, 16}, {80, 85, 14},
};

static int pick_age(struct rng *r, const struct age_band *t, size_t n)
{
    uint32_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += t[k].w;
    uint32_t x = rng_below(r, total);
    size_t k = 0;
    while (k + 1 < n && x >= t[k].w)
        x -= t[k++].w;
    return t[k].lo + (int)rng_below(r, (uint32_t)(t[k].hi - t[k].lo + 1));
}

/* A birth date at which the person is exactly `age` on the reference date. */
static int32_t pick_birth(struct rng *r, int age)
{
    const int32_t lo = days_from_civil(REF_Y - age - 1, REF_M, REF_D) + 1;
    const int32_t hi = days_from_civil(REF_Y - age, REF_M, REF_D);
    return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo + 1));
}

static void name_compose(const struct surname *sn, const struct given_name *gn,
                         struct person_name *out)
{
    struct sbuf b;
    sb_init(&b, out->kanji, sizeof out->kanji);
    sb_put(&b, sn->kanji);
    sb_put(&b, " ");
    sb_put(&b, gn->kanji);
    sb_init(&b, out->kana, sizeof out->kana);
    sb_put(&b, sn->kana);
    sb_put(&b, " ");
    sb_put(&b, gn->kana);
    sb_init(&b, out->romaji, sizeof out->romaji);
    sb_put(&b, sn->romaji);
    sb_put(&b, " ");
    sb_put(&b, gn->romaji);
}

static const struct surname *pick_surname(struct rng *r)
{
    return &surnames[pick_cum(r, surname_cum, LEN(surnames))];
}

/* Given names follow the naming fashion of the birth year. */
static const struct given_name *pick_given(struct rng *r, char sex, int birth_year)
{
    const unsigned era = birth_year <= 1955 ? 0 : birth_year <= 1985 ? 1 : 2;
    const unsigned list = (sex == 'F') * 3u + era;
    return &given_names[given_idx[list][rng_below(r, given_cnt[list])]];
}

int demo_name_make(uint64_t seed, uint32_t i, char sex, int birth_year, struct demo_name *out)
{
    if (!out) return KT_EINVAL;
    pthread_once(&tables_once, tables_build);
    struct rng r;
    rng_seed(&r, seed, SALT_NAME, i);
    struct person_name n;
    const struct surname *sn = pick_surname(&r);
    name_compose(sn, pick_given(&r, sex == 'F' ? 'F' : 'M', birth_year), &n);
    snprintf(out->kanji, sizeof out->kanji, "%s", n.kanji);
    snprintf(out->kana, sizeof out->kana, "%s", n.kana);
    snprintf(out->romaji, sizeof out->romaji, "%s", n.romaji);
    return 0;
}

static json_t *name_object(const struct person_name *n)
{
    json_t *o = json_object();
    if (!o) return NULL;
    if (put_str(o, "name_kanji", n->kanji) | put_str(o, "name_kana", n->kana) |
        put_str(o, "name_romaji", n->romaji)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void describe(struct rng *r, char sex, int age, char *out, size_t cap)
{
    int height = sex == 'M' ? 171 : 158;
    if (age >= 60) height -= 5;
    if (age < 15) height -= sex == 'M' ? 12 : 5;
    height += (int)rng_below(r, 17) - 8;
    const char *build = pick_wstr(r, builds, LEN(builds));
    const char *hair = sex == 'M' ? pick_wstr(r, hair_male, LEN(hair_male))
                                  : pick_wstr(r, hair_female, LEN(hair_female));
    if (age < 40 && strstr(hair, "白髪")) hair = sex == 'M' ? "黒髪短髪" : "黒髪長髪";
    if (age >= 65 && rng_percent(r, 75)) hair = rng_percent(r, 50) ? "白髪" : "白髪交じり";
    const char *feature = NULL;
    if (rng_percent(r, 35)) {
        feature = pick_wstr(r, features, LEN(features));
        if ((sex == 'F' && strstr(feature, "ひげ")) || (age < 18 && strstr(feature, "入れ墨")))
            feature = NULL;
    }
    struct sbuf b;
    sb_init(&b, out, cap);
    sb_put(&b, "身長");
    sb_uint(&b, (uint32_t)height, 1);
    sb_put(&b, "cm位、");
    sb_put(&b, build);
    sb_put(&b, "、");
    sb_put(&b, hair);
    if (feature) {
        sb_put(&b, "、");
        sb_put(&b, feature);
    }
}

enum {
    CAUTION_ARMED = 1,
    CAUTION_VIOLENT = 2,
    CAUTION_SUICIDAL = 4,
    CAUTION_INFECTIOUS = 8,
    CAUTION_ESCAPE = 16,
    CAUTION_DRUGS = 32,
    CAUTION_MENTAL = 64,
};

static const char *const caution_names[] = {"armed",       "violent", "suicidal",     "infectious",
                                            "escape_risk", "drugs",   "mental_health"};

static json_t *caution_array(unsigned flags)
{
    json_t *a = json_array();
    if (!a) return NULL;
    for (unsigned k = 0; k < LEN(caution_names); k++)
        if ((flags & (1u << k)) &&
            json_array_append_new(a, json_string_nocheck(caution_names[k]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static int is_one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(s, set[k]) == 0) return 1;
    return 0;
}

static const char *const violent_offences[] = {"強盗",       "傷害",         "殺人未遂", "暴行",
                                               "強制性交等", "公務執行妨害", "恐喝"};
static const char *const drug_offences[] = {"覚醒剤取締法違反", "大麻取締法違反"};

static json_t *wanted_object(struct rng *r, const char *offence, const char *abbr)
{
    const int32_t ref = days_from_civil(REF_Y, REF_M, REF_D);
    const int32_t issued = ref - (int32_t)rng_below(r, 400);
    char warrant[64];
    struct sbuf b;
    sb_init(&b, warrant, sizeof warrant);
    sb_put(&b, "R");
    sb_uint(&b, (uint32_t)(year_of(issued) - 2018), 1); /* 令和 year */
    sb_put(&b, "-");
    sb_put(&b, abbr);
    sb_put(&b, "-");
    sb_uint(&b, rng_below(r, 100000), 5);
    json_t *o = json_object();
    if (!o) return NULL;
    if (put_str(o, "warrant_no", warrant) | put_str(o, "offence", offence) |
        put_date(o, "warrant_expires", ref + 7 + (int32_t)rng_below(r, 724))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *missing_object(int32_t since, const char *circumstances, int vulnerable)
{
    json_t *o = json_object();
    if (!o) return NULL;
    if (put_date(o, "missing_since", since) | put_str(o, "circumstances", circumstances) |
        put(o, "vulnerable", json_boolean(vulnerable))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int demo_person_json(uint64_t seed, uint32_t i, json_t **out)
{
    if (!out) return KT_EINVAL;
    *out = NULL;
    pthread_once(&tables_once, tables_build);

    struct rng r;
    rng_seed(&r, seed, SALT_PERSON, i);
    const int32_t ref = days_from_civil(REF_Y, REF_M, REF_D);
    const int missing = rng_percent(&r, 45);
    const int age = missing ? pick_age(&r, ages_missing, LEN(ages_missing))
                            : pick_age(&r, ages_wanted, LEN(ages_wanted));
    const int32_t birth = pick_birth(&r, age);
    const int birth_year = year_of(birth);
    const char sex = rng_percent(&r, missing ? 52 : 82) ? 'M' : 'F';

    struct person_name name, alias;
    const struct surname *sn = pick_surname(&r);
    const struct given_name *gn = pick_given(&r, sex, birth_year);
    name_compose(sn, gn, &name);
    const int has_alias = rng_percent(&r, 5);
    if (has_alias) {
        const struct surname *asn = pick_surname(&r);
        if (asn == sn) asn = pick_surname(&r);
        name_compose(asn, rng_percent(&r, 60) ? gn : pick_given(&r, sex, birth_year), &alias);
    }
    char description[256];
    describe(&r, sex, age, description, sizeof description);
    const size_t agency = pick_cum(&r, agency_cum, LEN(agencies));

    unsigned cautions = 0;
    const char *offence = NULL;
    const struct circumstance *circ = NULL;
    int32_t since = 0;
    if (!missing) {
        offence = pick_wstr(&r, offences, LEN(offences));
        const int violent = is_one_of(offence, violent_offences, LEN(violent_offences));
        const int weapon = strcmp(offence, "銃砲刀剣類所持等取締法違反") == 0;
        if (rng_permille(&r, weapon ? 600 : violent ? 100 : 10)) cautions |= CAUTION_ARMED;
        if (rng_percent(&r, violent ? 50 : 3)) cautions |= CAUTION_VIOLENT;
        if (rng_percent(&r, is_one_of(offence, drug_offences, LEN(drug_offences)) ? 70 : 2))
            cautions |= CAUTION_DRUGS;
        if (rng_percent(&r, 6)) cautions |= CAUTION_ESCAPE;
        if (rng_percent(&r, 2)) cautions |= CAUTION_MENTAL;
        if (rng_percent(&r, 1)) cautions |= CAUTION_SUICIDAL;
        if (rng_permille(&r, 3)) cautions |= CAUTION_INFECTIOUS;
    } else {
        circ = age < 20    ? pick_circumstance(&r, circ_young, LEN(circ_young))
               : age >= 65 ? pick_circumstance(&r, circ_old, LEN(circ_old))
                           : pick_circumstance(&r, circ_adult, LEN(circ_adult));
        if ((circ->flags & CIRC_SUICIDAL) || rng_percent(&r, 3)) cautions |= CAUTION_SUICIDAL;
        if (rng_percent(&r, (circ->flags & CIRC_MENTAL) ? 60 : 3)) cautions |= CAUTION_MENTAL;
        if (rng_permille(&r, 10)) cautions |= CAUTION_DRUGS;
        if (rng_permille(&r, 3)) cautions |= CAUTION_INFECTIOUS;
        const uint32_t band = rng_below(&r, 100);
        const uint32_t days = band < 50   ? rng_below(&r, 61)
                              : band < 80 ? 61 + rng_below(&r, 670)
                                          : 731 + rng_below(&r, 2920);
        since = ref - (int32_t)days;
        if (since < days_from_civil(year_of(birth) + 10, 1, 1)) since = ref - (int32_t)(days % 61);
    }
    const int vulnerable =
        circ && ((circ->flags & CIRC_VULNERABLE) || age < 18 || age >= 75 ||
                 (cautions & (CAUTION_SUICIDAL | CAUTION_MENTAL)) || rng_percent(&r, 5));

    json_t *o = json_object();
    if (!o) return KT_ENOMEM;
    int bad = put_str(o, "kind", missing ? "missing" : "wanted");
    bad |= put_str(o, "name_kanji", name.kanji);
    bad |= put_str(o, "name_kana", name.kana);
    bad |= put_str(o, "name_romaji", name.romaji);
    if (has_alias) {
        json_t *aliases = json_array();
        bad |= put(o, "aliases", aliases);
        bad |= !aliases || json_array_append_new(aliases, name_object(&alias));
    }
    bad |= put_date(o, "birth_date", birth);
    bad |= put_str(o, "sex", sex == 'M' ? "M" : "F");
    bad |= put_str(o, "description", description);
    bad |= put(o, "cautions", caution_array(cautions));
    bad |= put_str(o, "agency", agencies[agency].name);
    if (missing)
        bad |= put(o, "missing", missing_object(since, circ->text, vulnerable));
    else
        bad |= put(o, "wanted", wanted_object(&r, offence, agencies[agency].abbr));
    if (bad) {
        json_decref(o);
        return KT_ENOMEM;
    }
    *out = o;
    return 0;
}

/* ---- Vehicles ---- */

struct plate {
    char text[96];
    size_t region;
    char body; /* model body class implied by the classification number */
};

static char class_body(const char *cls)
{
    switch (cls[0]) {
    case '3':
        return 'L';
    case '4':
        return 'V';
    default:
        return strncmp(cls, "58", 2) == 0 ? 'K' : 'S';
    }
}

/* Plate i is a bijection of i mod DEMO_PLATE_UNIQUE: the permuted index splits into a group
 * (region, class, kana) and a slot (serial). Regions own contiguous group ranges sized by
 * weight; inside a region the local group index maps one-to-one onto (class, kana). */
static void plate_make(uint64_t seed, uint32_t i, struct plate *out)
{
    const uint32_t p = perm_bits(i & (DEMO_PLATE_UNIQUE - 1), PLATE_GROUP_BITS + PLATE_SLOT_BITS,
                                 mix64(seed ^ SALT_PLATE));
    const uint32_t slot = p & (PLATE_SLOTS - 1), g = p >> PLATE_SLOT_BITS;

    size_t lo = 0, hi = LEN(regions) - 1; /* last region k with region_start[k] <= g */
    while (lo < hi) {
        const size_t mid = (lo + hi + 1) / 2;
        if (region_start[mid] <= g)
            lo = mid;
        else
            hi = mid - 1;
    }
    const size_t reg = lo;
    const uint32_t count = region_start[reg + 1] - region_start[reg];
    const uint32_t local = g - region_start[reg];
    const uint32_t nkana = LEN(plate_kana);
    uint32_t ncls = (count + nkana - 1) / nkana;
    const uint32_t least = count < 5 ? count : 5;
    if (ncls < least) ncls = least;
    const char *cls = plate_classes[local % ncls];
    const char *kana = plate_kana[(local / ncls + (uint32_t)reg * 7) % nkana];

    const uint32_t serial = 1 + slot * PLATE_SERIAL_STEP + (g * 7) % PLATE_SERIAL_STEP;
    struct sbuf b;
    sb_init(&b, out->text, sizeof out->text);
    sb_put(&b, regions[reg].name);
    sb_put(&b, " ");
    sb_put(&b, cls);
    sb_put(&b, " ");
    sb_put(&b, kana);
    sb_put(&b, " ");
    if (serial >= 1000) { /* 12-34 */
        sb_uint(&b, serial / 100, 2);
        sb_put(&b, "-");
        sb_uint(&b, serial % 100, 2);
    } else { /* ・123, ・・12, ・・・8 */
        for (uint32_t pad = serial >= 100 ? 1 : serial >= 10 ? 2 : 3; pad; pad--)
            sb_put(&b, "・");
        sb_uint(&b, serial, 1);
    }
    out->region = reg;
    out->body = class_body(cls);
}

static int vin_value(char c)
{
    static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    static const int values[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
    if (c >= '0' && c <= '9') return c - '0';
    const char *at = strchr(letters, c);
    return at && c ? values[at - letters] : 0;
}

/* 車台番号 "ZVW30-1234567" for domestic cars, an ISO 3779 VIN with a check digit for
 * imports; both carry the unique value v, so no two records share one. */
static void vin_make(const struct model *m, int year, uint32_t v, char *out, size_t cap)
{
    if (!m->wmi) {
        snprintf(out, cap, "%s-%07u", m->code, v);
        return;
    }
    static const char years[] = "ABCDEFGHJKLMNPRST"; /* 2010.. */
    const char ychar = year < 2010 ? (char)('0' + year - 2000) : years[year - 2010];
    char vin[18];
    snprintf(vin, sizeof vin, "%.3s%.5s0%c%c%06u", m->wmi, m->code, ychar,
             "ABCDEFGHJK"[v / 1000000], v % 1000000);
    static const int weights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    for (int k = 0; k < 17; k++)
        sum += vin_value(vin[k]) * weights[k];
    vin[8] = sum % 11 == 10 ? 'X' : (char)('0' + sum % 11);
    snprintf(out, cap, "%s", vin);
}

int demo_vehicle_json(uint64_t seed, uint32_t i, json_t **out)
{
    if (!out) return KT_EINVAL;
    *out = NULL;
    pthread_once(&tables_once, tables_build);

    struct rng r;
    rng_seed(&r, seed, SALT_VEHICLE, i);
    const int32_t ref = days_from_civil(REF_Y, REF_M, REF_D);
    struct plate plate;
    plate_make(seed, i, &plate);
    const struct model *m = pick_model(&r, plate.body);
    int year = m->y0 + (int)rng_below(&r, (uint32_t)(m->y1 - m->y0 + 1));
    const int32_t stolen = ref - (int32_t)rng_below(&r, 1096);
    if (year > year_of(stolen)) year = year_of(stolen);
    char vin[32];
    vin_make(m, year, perm_range(i, DEMO_SERIAL_UNIQUE, 24, mix64(seed ^ SALT_VIN)), vin,
             sizeof vin);
    const char *colour = rng_percent(&r, 95) ? pick_wstr(&r, colours, LEN(colours)) : NULL;
    const char *agency =
        rng_percent(&r, 85) ? agencies[regions[plate.region].pref - 1].name : pick_agency(&r);

    json_t *o = json_object();
    if (!o) return KT_ENOMEM;
    int bad = put_str(o, "kind", "stolen");
    bad |= put_str(o, "plate", plate.text);
    bad |= put_str(o, "vin", vin);
    bad |= put_str(o, "make", m->make);
    bad |= put_str(o, "model", m->model);
    if (colour) bad |= put_str(o, "colour", colour);
    bad |= put(o, "year", json_integer(year));
    bad |= put_date(o, "stolen_on", stolen);
    bad |= put_str(o, "agency", agency);
    if (bad) {
        json_decref(o);
        return KT_ENOMEM;
    }
    *out = o;
    return 0;
}

/* ---- Firearms ---- */

int demo_firearm_json(uint64_t seed, uint32_t i, json_t **out)
{
    if (!out) return KT_EINVAL;
    *out = NULL;
    pthread_once(&tables_once, tables_build);

    struct rng r;
    rng_seed(&r, seed, SALT_FIREARM, i);
    const int32_t ref = days_from_civil(REF_Y, REF_M, REF_D);
    const int lost = rng_percent(&r, 55);
    const struct firearm *f = &firearms[pick_cum(&r, firearm_cum, LEN(firearms))];
    char serial[32];
    snprintf(serial, sizeof serial, "%s%07u", f->prefix,
             perm_range(i, DEMO_SERIAL_UNIQUE, 24, mix64(seed ^ SALT_SERIAL)));

    json_t *o = json_object();
    if (!o) return KT_ENOMEM;
    int bad = put_str(o, "kind", lost ? "lost" : "stolen");
    bad |= put_str(o, "make", f->make);
    bad |= put_str(o, "model", f->model);
    bad |= put_str(o, "serial", serial);
    bad |= put_str(o, "calibre", f->calibre);
    bad |= put_str(o, "agency", pick_agency(&r));
    bad |= put_date(o, "reported_on", ref - (int32_t)rng_below(&r, 1096));
    if (bad) {
        json_decref(o);
        return KT_ENOMEM;
    }
    *out = o;
    return 0;
}

/* ---- Travel documents ---- */

/* Number formats never overlap between countries and each embeds the unique value v. */
static void passport_number(const char *country, struct rng *r, uint32_t v, char *out, size_t cap)
{
    const unsigned d = rng_below(r, 10);
    if (strcmp(country, "JPN") == 0)
        snprintf(out, cap, "%s%07u", jpn_prefixes[rng_below(r, LEN(jpn_prefixes))], v);
    else if (strcmp(country, "CHN") == 0)
        snprintf(out, cap, "E%u%07u", d, v);
    else if (strcmp(country, "KOR") == 0)
        snprintf(out, cap, "M%u%07u", d, v);
    else if (strcmp(country, "VNM") == 0)
        snprintf(out, cap, "C%07u", v);
    else if (strcmp(country, "PHL") == 0)
        snprintf(out, cap, "P%07u%c", v, "ABC"[d % 3]);
    else if (strcmp(country, "USA") == 0)
        snprintf(out, cap, "5%u%07u", d, v);
    else
        snprintf(out, cap, "3%u%07u", d, v);
}

int demo_document_json(uint64_t seed, uint32_t i, json_t **out)
{
    if (!out) return KT_EINVAL;
    *out = NULL;
    pthread_once(&tables_once, tables_build);

    struct rng r;
    rng_seed(&r, seed, SALT_DOCUMENT, i);
    const int32_t ref = days_from_civil(REF_Y, REF_M, REF_D);
    const int lost = rng_percent(&r, 70);
    const int32_t birth = ref - 365 - (int32_t)rng_below(&r, 85 * 365);
    const char *country = "JPN";
    char holder[96];
    if (rng_percent(&r, 90)) {
        const char sex = rng_percent(&r, 50) ? 'M' : 'F';
        struct person_name name;
        name_compose(pick_surname(&r), pick_given(&r, sex, year_of(birth)), &name);
        snprintf(holder, sizeof holder, "%s", name.romaji);
    } else {
        uint32_t x = rng_below(&r, 100);
        size_t k = 0;
        while (k + 1 < LEN(foreigners) && x >= foreigners[k].weight)
            x -= foreigners[k++].weight;
        country = foreigners[k].country;
        snprintf(holder, sizeof holder, "%s", foreigners[k].names[rng_below(&r, 6)]);
    }
    char number[32];
    passport_number(country, &r, perm_range(i, DEMO_SERIAL_UNIQUE, 24, mix64(seed ^ SALT_PASSPORT)),
                    number, sizeof number);

    /* Ten-year books for most adults, five-year ones otherwise; the book is still valid or
     * only just expired, and the report falls between issue and expiry. */
    const int years = ref - birth >= 28 * 365 && rng_percent(&r, 70) ? 10 : 5;
    int32_t issued = ref - (int32_t)rng_below(&r, (uint32_t)years * 365);
    if (issued < birth) issued = birth + (int32_t)rng_below(&r, (uint32_t)(ref - birth + 1));
    int iy, im, id;
    civil_from_days(issued, &iy, &im, &id);
    const int32_t expiry = days_from_civil(iy + years, im, id) - 1;
    const int32_t first = issued > ref - 1095 ? issued : ref - 1095;
    const int32_t last = expiry < ref ? expiry : ref;
    const int32_t reported = first + (int32_t)rng_below(&r, (uint32_t)(last - first + 1));

    json_t *o = json_object();
    if (!o) return KT_ENOMEM;
    int bad = put_str(o, "kind", lost ? "lost" : "stolen");
    bad |= put_str(o, "country", country);
    bad |= put_str(o, "doc_type", "P");
    bad |= put_str(o, "number", number);
    bad |= put_str(o, "holder_name", holder);
    bad |= put_date(o, "birth_date", birth);
    bad |= put_date(o, "expiry", expiry);
    bad |= put_str(o, "agency", pick_agency(&r));
    bad |= put_date(o, "reported_on", reported);
    if (bad) {
        json_decref(o);
        return KT_ENOMEM;
    }
    *out = o;
    return 0;
}

/* ---- Table access ---- */

size_t demo_agency_count(void)
{
    return LEN(agencies);
}

const char *demo_agency_name(size_t i)
{
    return i < LEN(agencies) ? agencies[i].name : NULL;
}

size_t demo_surname_entry(size_t i, const char **kanji, const char **kana, const char **romaji)
{
    if (i < LEN(surnames)) {
        if (kanji) *kanji = surnames[i].kanji;
        if (kana) *kana = surnames[i].kana;
        if (romaji) *romaji = surnames[i].romaji;
    }
    return LEN(surnames);
}

size_t demo_given_name_entry(size_t i, const char **kanji, const char **kana, const char **romaji)
{
    if (i < LEN(given_names)) {
        if (kanji) *kanji = given_names[i].kanji;
        if (kana) *kana = given_names[i].kana;
        if (romaji) *romaji = given_names[i].romaji;
    }
    return LEN(given_names);
}
