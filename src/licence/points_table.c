/* The violation and accident point tables (道路交通法施行令 別表第二), as in force since the
 * 2019-12-01 revision (携帯電話使用等) and the 2020-06-30 revision (妨害運転).
 *
 * Sources, cited per row:
 *  T1  別表第二 一の表 (一般違反行為の基礎点数 and the 酒気帯び columns), as tabulated by
 *      警視庁「交通違反の点数一覧表」(keishicho.metro.tokyo.lg.jp/menkyo/torishimari/gyosei/
 *      seido/tensu.html; rows and the 14/15/16/19/25 drink columns checked against its copies)
 *  T2  別表第二 二の表 (特定違反行為の基礎点数): 群馬県警察「道路交通法に基づく点数制度」and
 *      北海道警察 釧路方面本部「道路交通法に基づく点数制度のお知らせ」(2009-06-01 revision)
 *  T3  別表第二 三の表 (交通事故の付加点数): 埼玉県警察「交通事故に付される点数」, 鳥取県
 *      「点数制度について」
 *  T4  別表第二 四の表 (措置義務違反 当て逃げの付加点数): 鳥取県「点数制度について」
 * The values a row gives with 酒気帯び (drink_*) are the T1 columns; rows without them (parking
 * left unattended, the drink rows themselves) take no drink variant. */
#include "licence/points.h"

#include <string.h>

#define T1 "道路交通法施行令 別表第二 一の表; 警視庁「交通違反の点数一覧表」"
#define T1_2019 T1 " (令和元年12月1日改正)"
#define T2                                                                                         \
    "道路交通法施行令 別表第二 二の表 (特定違反行為); 群馬県警察「道路交通法に基づく点数制度」"
#define T2_2020                                                                                    \
    "道路交通法施行令 別表第二 二の表 (令和2年6月30日改正, 妨害運転); "  \
    "警視庁「交通違反の点数一覧表」"
#define T3 "道路交通法施行令 別表第二 三の表 (付加点数); 埼玉県警察「交通事故に付される点数」"
#define T4 "道路交通法施行令 別表第二 四の表 (措置義務違反の付加点数); 鳥取県「点数制度について」"

/* {code, label, label_en, points, accident, source, specified, drink<0.25, drink>=0.25,
 *  no_accident} */
const struct licence_code licence_codes[] = {
    /* 特定違反行為 (別表第二 二の表) */
    {"murder_by_vehicle", "運転殺人等", "killing by driving (intent)", 62, 0, T2, 1, 0, 0, 1},
    {"injury_by_vehicle_3m", "運転傷害等(治療期間3月以上又は後遺障害)",
     "injuring by driving (intent), 3 months or lasting harm", 55, 0, T2, 1, 0, 0, 1},
    {"injury_by_vehicle_30d", "運転傷害等(治療期間30日以上)",
     "injuring by driving (intent), 30 days or more", 51, 0, T2, 1, 0, 0, 1},
    {"injury_by_vehicle_15d", "運転傷害等(治療期間15日以上)",
     "injuring by driving (intent), 15 days or more", 48, 0, T2, 1, 0, 0, 1},
    {"injury_by_vehicle_lt15d", "運転傷害等(治療期間15日未満又は建造物損壊)",
     "injuring by driving (intent), under 15 days or building damage", 45, 0, T2, 1, 0, 0, 1},
    {"dangerous_driving_death", "危険運転致死等", "dangerous driving causing death", 62, 0, T2, 1,
     0, 0, 1},
    {"dangerous_driving_injury_3m", "危険運転致傷等(治療期間3月以上又は後遺障害)",
     "dangerous driving causing injury, 3 months or lasting harm", 55, 0, T2, 1, 0, 0, 1},
    {"dangerous_driving_injury_30d", "危険運転致傷等(治療期間30日以上)",
     "dangerous driving causing injury, 30 days or more", 51, 0, T2, 1, 0, 0, 1},
    {"dangerous_driving_injury_15d", "危険運転致傷等(治療期間15日以上)",
     "dangerous driving causing injury, 15 days or more", 48, 0, T2, 1, 0, 0, 1},
    {"dangerous_driving_injury_lt15d", "危険運転致傷等(治療期間15日未満)",
     "dangerous driving causing injury, under 15 days", 45, 0, T2, 1, 0, 0, 1},
    {"drunk", "酒酔い運転", "drunk driving (酒酔い)", 35, 0, T2, 1, 0, 0, 0},
    {"drugged", "麻薬等運転", "driving under drugs", 35, 0, T2, 1, 0, 0, 0},
    {"hit_and_run", "救護義務違反(ひき逃げ)", "failing to aid the injured (hit and run)", 35, 0, T2,
     1, 0, 0, 0},
    {"obstruction_danger", "妨害運転(著しい交通の危険)", "obstructive driving causing grave danger",
     35, 0, T2_2020, 1, 0, 0, 0},
    /* 一般違反行為 (別表第二 一の表) */
    {"obstruction_risk", "妨害運転(交通の危険のおそれ)", "obstructive driving (risk of danger)", 25,
     0, T1, 0, 0, 0, 0},
    {"joint_dangerous", "共同危険行為等禁止違反", "joint dangerous driving", 25, 0, T1, 0, 0, 0, 0},
    {"unlicensed", "無免許運転", "driving without a licence", 25, 0, T1, 0, 25, 25, 0},
    {"unqualified_large", "大型自動車等無資格運転", "driving a class not licensed", 12, 0, T1, 0,
     19, 25, 0},
    {"provisional_licence", "仮免許運転違反", "provisional licence violation", 12, 0, T1, 0, 19, 25,
     0},
    {"drink_025", "酒気帯び運転(0.25以上)", "drink driving, 0.25 mg/L or more", 25, 0, T1, 0, 0, 0,
     0},
    {"drink_015", "酒気帯び運転(0.25未満)", "drink driving, 0.15 to under 0.25 mg/L", 13, 0, T1, 0,
     0, 0, 0},
    {"fatigue", "過労運転等", "driving while fatigued, ill or drugged (過労運転等)", 25, 0, T1, 0,
     0, 0, 0},
    {"no_inspection", "無車検運行", "driving an uninspected vehicle", 6, 0, T1, 0, 16, 25, 0},
    {"no_insurance", "無保険運行", "driving an uninsured vehicle", 6, 0, T1, 0, 16, 25, 0},
    {"speed_50", "速度超過(50以上)", "speeding by 50 km/h or more", 12, 0, T1, 0, 19, 25, 0},
    {"speed_30_50_general", "速度超過(30以上50未満)", "speeding by 30-49 km/h (ordinary road)", 6,
     0, T1, 0, 16, 25, 0},
    {"speed_40_50_highway", "速度超過(高速40以上50未満)", "speeding by 40-49 km/h (expressway)", 6,
     0, T1, 0, 16, 25, 0},
    {"speed_25_30_general", "速度超過(25以上30未満)", "speeding by 25-29 km/h (ordinary road)", 3,
     0, T1, 0, 15, 25, 0},
    {"speed_25_40_highway", "速度超過(高速25以上40未満)", "speeding by 25-39 km/h (expressway)", 3,
     0, T1, 0, 15, 25, 0},
    {"speed_20_25", "速度超過(20以上25未満)", "speeding by 20-24 km/h", 2, 0, T1, 0, 14, 25, 0},
    {"speed_lt20", "速度超過(20未満)", "speeding by under 20 km/h", 1, 0, T1, 0, 14, 25, 0},
    {"overload_large_100", "積載物重量制限超過(大型等10割以上)",
     "overloading, large vehicle, 100% or more", 6, 0, T1, 0, 16, 25, 0},
    {"overload_large_50", "積載物重量制限超過(大型等5割以上10割未満)",
     "overloading, large vehicle, 50-99%", 3, 0, T1, 0, 15, 25, 0},
    {"overload_large_lt50", "積載物重量制限超過(大型等5割未満)",
     "overloading, large vehicle, under 50%", 2, 0, T1, 0, 14, 25, 0},
    {"overload_normal_100", "積載物重量制限超過(普通等10割以上)",
     "overloading, other vehicle, 100% or more", 3, 0, T1, 0, 15, 25, 0},
    {"overload_normal_50", "積載物重量制限超過(普通等5割以上10割未満)",
     "overloading, other vehicle, 50-99%", 2, 0, T1, 0, 14, 25, 0},
    {"overload_normal_lt50", "積載物重量制限超過(普通等5割未満)",
     "overloading, other vehicle, under 50%", 1, 0, T1, 0, 14, 25, 0},
    {"parking_left_no_stopping", "放置駐車違反(駐停車禁止場所等)",
     "unattended parking where stopping is banned", 3, 0, T1, 0, 0, 0, 0},
    {"parking_left_no_parking", "放置駐車違反(駐車禁止場所等)",
     "unattended parking where parking is banned", 2, 0, T1, 0, 0, 0, 0},
    {"police_order", "警察官現場指示違反", "disobeying a police officer's order", 2, 0, T1, 0, 14,
     25, 0},
    {"police_closure", "警察官通行禁止制限違反", "ignoring a police road closure", 2, 0, T1, 0, 14,
     25, 0},
    {"signal_red", "信号無視(赤色等)", "running a red (or arrow) signal", 2, 0, T1, 0, 14, 25, 0},
    {"signal_flash", "信号無視(点滅)", "ignoring a flashing signal", 2, 0, T1, 0, 14, 25, 0},
    {"no_entry", "通行禁止違反", "entering a closed road", 2, 0, T1, 0, 14, 25, 0},
    {"pedestrian_road_slow", "歩行者用道路徐行違反", "not slowing on a pedestrian road", 2, 0, T1,
     0, 14, 25, 0},
    {"lane_division", "通行区分違反", "driving on the wrong part of the road", 2, 0, T1, 0, 14, 25,
     0},
    {"pedestrian_clearance", "歩行者側方安全間隔不保持等", "too close to pedestrians", 2, 0, T1, 0,
     14, 25, 0},
    {"sudden_braking", "急ブレーキ禁止違反", "needless sudden braking", 2, 0, T1, 0, 14, 25, 0},
    {"crossing_ban", "法定横断等禁止違反", "prohibited crossing or U-turn", 2, 0, T1, 0, 14, 25, 0},
    {"overtaking", "追越し違反", "illegal overtaking", 2, 0, T1, 0, 14, 25, 0},
    {"tram_behind", "路面電車後方不停止", "not stopping behind a tram", 2, 0, T1, 0, 14, 25, 0},
    {"level_crossing_stop", "踏切不停止等", "not stopping at a level crossing", 2, 0, T1, 0, 14, 25,
     0},
    {"level_crossing_closed", "遮断踏切立入り", "entering a closed level crossing", 2, 0, T1, 0, 14,
     25, 0},
    {"priority_road", "優先道路通行車妨害等", "obstructing traffic on a priority road", 2, 0, T1, 0,
     14, 25, 0},
    {"intersection_safety", "交差点安全進行義務違反", "unsafe progress through an intersection", 2,
     0, T1, 0, 14, 25, 0},
    {"pedestrian_obstruction", "横断歩行者等妨害等", "obstructing crossing pedestrians", 2, 0, T1,
     0, 14, 25, 0},
    {"slow_place", "徐行場所違反", "not slowing where required", 2, 0, T1, 0, 14, 25, 0},
    {"stop_sign", "指定場所一時不停止等", "not stopping at a stop sign", 2, 0, T1, 0, 14, 25, 0},
    {"stopping_banned", "駐停車違反(駐停車禁止場所等)", "stopping where stopping is banned", 2, 0,
     T1, 0, 14, 25, 0},
    {"parking_banned", "駐停車違反(駐車禁止場所等)", "parking where parking is banned", 1, 0, T1, 0,
     14, 25, 0},
    {"defect_brakes", "整備不良(制動装置等)", "defective brakes or steering", 2, 0, T1, 0, 14, 25,
     0},
    {"defect_lights", "整備不良(尾灯等)", "defective lights", 1, 0, T1, 0, 14, 25, 0},
    {"safe_driving", "安全運転義務違反", "careless driving (安全運転義務違反)", 2, 0, T1, 0, 14, 25,
     0},
    {"phone_danger", "携帯電話使用等(交通の危険)", "phone use causing danger", 6, 0, T1_2019, 0, 16,
     25, 0},
    {"phone_holding", "携帯電話使用等(保持)", "holding a phone while driving", 3, 0, T1_2019, 0, 15,
     25, 0},
    {"licence_condition", "免許条件違反", "breaking a licence condition (glasses, …)", 2, 0, T1, 0,
     14, 25, 0},
    {"bus_lane", "路線バス等優先通行帯違反", "obstructing a bus-priority lane", 1, 0, T1, 0, 14, 25,
     0},
    {"tramway", "軌道敷内違反", "driving on tram tracks", 1, 0, T1, 0, 14, 25, 0},
    {"lane_change_banned", "進路変更禁止違反", "changing lanes where banned", 1, 0, T1, 0, 14, 25,
     0},
    {"following_distance", "車間距離不保持(一般道路)", "tailgating (ordinary road)", 1, 0, T1, 0,
     14, 25, 0},
    {"following_distance_highway", "車間距離不保持(高速自動車国道等)", "tailgating (expressway)", 2,
     0, T1, 0, 14, 25, 0},
    {"signal_failure", "合図不履行", "not signalling", 1, 0, T1, 0, 14, 25, 0},
    {"no_lights", "無灯火", "driving without lights", 1, 0, T1, 0, 14, 25, 0},
    {"seat_belt", "座席ベルト装着義務違反", "seat belt not worn", 1, 0, T1, 0, 14, 25, 0},
    {"child_seat", "幼児用補助装置使用義務違反", "no child seat", 1, 0, T1, 0, 14, 25, 0},
    {"helmet", "乗車用ヘルメット着用義務違反", "motorcycle helmet not worn", 1, 0, T1, 0, 14, 25,
     0},
    /* 付加点数 (別表第二 三の表: 専ら = solely the driver's fault, else shared) */
    {"accident_death_sole", "死亡事故(専ら)", "fatal accident, solely at fault", 20, 1, T3, 0, 0, 0,
     0},
    {"accident_death_shared", "死亡事故(専ら以外)", "fatal accident, shared fault", 13, 1, T3, 0, 0,
     0, 0},
    {"accident_injury_3m_sole", "傷害事故 治療期間3月以上又は後遺障害(専ら)",
     "injury, 3 months or lasting harm, solely at fault", 13, 1, T3, 0, 0, 0, 0},
    {"accident_injury_3m_shared", "傷害事故 治療期間3月以上又は後遺障害(専ら以外)",
     "injury, 3 months or lasting harm, shared fault", 9, 1, T3, 0, 0, 0, 0},
    {"accident_injury_30d_sole", "傷害事故 治療期間30日以上3月未満(専ら)",
     "injury, 30 days to 3 months, solely at fault", 9, 1, T3, 0, 0, 0, 0},
    {"accident_injury_30d_shared", "傷害事故 治療期間30日以上3月未満(専ら以外)",
     "injury, 30 days to 3 months, shared fault", 6, 1, T3, 0, 0, 0, 0},
    {"accident_injury_15d_sole", "傷害事故 治療期間15日以上30日未満(専ら)",
     "injury, 15 to 29 days, solely at fault", 6, 1, T3, 0, 0, 0, 0},
    {"accident_injury_15d_shared", "傷害事故 治療期間15日以上30日未満(専ら以外)",
     "injury, 15 to 29 days, shared fault", 4, 1, T3, 0, 0, 0, 0},
    {"accident_injury_lt15d_sole", "傷害事故 治療期間15日未満(専ら)",
     "injury, under 15 days, solely at fault", 3, 1, T3, 0, 0, 0, 0},
    {"accident_injury_lt15d_shared", "傷害事故 治療期間15日未満(専ら以外)",
     "injury, under 15 days, shared fault", 2, 1, T3, 0, 0, 0, 0},
    {"accident_building_sole", "建造物損壊事故(専ら)", "building damaged, solely at fault", 3, 1,
     T3, 0, 0, 0, 0},
    {"accident_building_shared", "建造物損壊事故(専ら以外)", "building damaged, shared fault", 2, 1,
     T3, 0, 0, 0, 0},
    {"leaving_scene_property", "措置義務違反(当て逃げ)",
     "leaving the scene of a property-damage accident", 5, 1, T4, 0, 0, 0, 0},
    {NULL, NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

const struct licence_code *licence_code_find(const char *code)
{
    if (!code) return NULL;
    for (const struct licence_code *c = licence_codes; c->code; c++)
        if (c->code[0] == code[0] && strcmp(c->code, code) == 0) return c;
    return NULL;
}
