#include "dispatch/codes.h"

#include <string.h>

#define K_PATROL (1u << 0)
#define K_MOTO (1u << 1)
#define K_FOOT (1u << 2)
#define K_KOBAN (1u << 3)
#define K_HELI (1u << 4)
#define K_BOAT (1u << 5)
/* Street work: whoever is nearest on the ground. */
#define K_STREET (K_PATROL | K_MOTO | K_FOOT | K_KOBAN)
#define K_TRAFFIC (K_PATROL | K_MOTO)

#define CRIME "事件"
#define ACCIDENT "事故"
#define OTHER "相談・その他"

const struct dispatch_named dispatch_unit_kinds[] = {
    {"patrol_car", "パトカー", "Patrol car"},
    {"motorcycle", "白バイ", "Motorcycle"},
    {"foot", "徒歩", "Foot patrol"},
    {"koban", "交番", "Koban"},
    {"helicopter", "ヘリコプター", "Helicopter"},
    {"boat", "警備艇", "Patrol boat"},
    {NULL, NULL, NULL},
};

const struct dispatch_named dispatch_unit_statuses[] = {
    {"available", "待機", "Available"},
    {"dispatched", "指令済", "Dispatched"},
    {"en_route", "出向中", "En route"},
    {"on_scene", "現着", "On scene"},
    {"transporting", "搬送中", "Transporting"},
    {"out_of_service", "非稼働", "Out of service"},
    {NULL, NULL, NULL},
};

const struct dispatch_named dispatch_incident_statuses[] = {
    {"open", "受理", "Open"},         {"dispatched", "指令済", "Dispatched"},
    {"on_scene", "現着", "On scene"}, {"closed", "終結", "Closed"},
    {"merged", "統合", "Merged"},     {NULL, NULL, NULL},
};

const struct dispatch_named dispatch_dispositions[] = {
    {"arrest", "検挙", "Arrest"},
    {"warning", "指導警告", "Warning"},
    {"resolved", "解決", "Resolved"},
    {"no_offence", "事件性なし", "No offence"},
    {"false_call", "いたずら・誤報", "False call"},
    {"transferred", "引継ぎ", "Transferred"},
    {"duplicate", "重複", "Duplicate"},
    {"other", "その他", "Other"},
    {NULL, NULL, NULL},
};

const struct dispatch_type dispatch_types[] = {
    {"robbery", "強盗", "Robbery", CRIME, 1, K_STREET},
    {"assault", "傷害・暴行", "Assault", CRIME, 1, K_STREET},
    {"weapon", "凶器所持", "Weapon", CRIME, 1, K_STREET},
    {"burglary", "侵入盗", "Burglary", CRIME, 2, K_STREET},
    {"theft", "窃盗", "Theft", CRIME, 2, K_STREET},
    {"fraud", "詐欺", "Fraud", CRIME, 2, K_STREET},
    {"threat", "脅迫", "Threat", CRIME, 2, K_STREET},
    {"dv", "家庭内暴力", "Domestic violence", CRIME, 1, K_STREET},
    {"stalking", "ストーカー", "Stalking", CRIME, 2, K_STREET},
    {"suspicious", "不審者・不審物", "Suspicious person or object", CRIME, 2, K_STREET},
    {"fire", "火災", "Fire", ACCIDENT, 1, K_STREET},
    {"traffic_injury", "人身事故", "Traffic accident with injury", ACCIDENT, 1, K_TRAFFIC},
    {"traffic_property", "物損事故", "Traffic accident, property damage", ACCIDENT, 3, K_TRAFFIC},
    {"hit_and_run", "ひき逃げ", "Hit and run", ACCIDENT, 1, K_TRAFFIC},
    {"drunk", "泥酔者", "Drunk person", OTHER, 3, K_STREET},
    {"noise", "騒音", "Noise", OTHER, 3, K_STREET},
    {"missing_person", "行方不明", "Missing person", OTHER, 2,
     K_FOOT | K_KOBAN | K_PATROL | K_HELI},
    {"water_accident", "水難", "Water accident", ACCIDENT, 1, K_BOAT | K_HELI | K_PATROL},
    {"consultation", "相談", "Consultation", OTHER, 3, K_STREET},
    {"other", "その他", "Other", OTHER, 3, K_STREET},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const char *const priority_labels[] = {"緊急", "至急", "通常"};

const struct dispatch_type *dispatch_type_find(const char *code)
{
    if (!code) return NULL;
    for (const struct dispatch_type *t = dispatch_types; t->code; t++)
        if (strcmp(t->code, code) == 0) return t;
    return NULL;
}

const struct dispatch_named *dispatch_named_find(const struct dispatch_named *table,
                                                 const char *code)
{
    if (!code) return NULL;
    for (const struct dispatch_named *n = table; n->code; n++)
        if (strcmp(n->code, code) == 0) return n;
    return NULL;
}

int dispatch_unit_kind_bit(const char *code)
{
    const struct dispatch_named *n = dispatch_named_find(dispatch_unit_kinds, code);
    return n ? (int)(n - dispatch_unit_kinds) : -1;
}

const char *dispatch_priority_label(int priority)
{
    if (priority < DISPATCH_PRIORITY_MIN || priority > DISPATCH_PRIORITY_MAX) return NULL;
    return priority_labels[priority - DISPATCH_PRIORITY_MIN];
}

/* Appends {"code","label","label_en"} for each entry; -1 when out of memory. */
static int named_array(const struct dispatch_named *table, json_t **out)
{
    json_t *a = json_array();
    if (!a) return -1;
    for (const struct dispatch_named *n = table; n->code; n++)
        if (json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "code", n->code, "label", n->label,
                                               "label_en", n->label_en))) {
            json_decref(a);
            return -1;
        }
    *out = a;
    return 0;
}

static json_t *kinds_array(uint32_t mask)
{
    json_t *a = json_array();
    for (int i = 0; a && dispatch_unit_kinds[i].code; i++)
        if ((mask & (1u << i)) &&
            json_array_append_new(a, json_string(dispatch_unit_kinds[i].code))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static const char *category_en(const char *ja)
{
    if (strcmp(ja, "事件") == 0) return "Crime";
    if (strcmp(ja, "事故") == 0) return "Accident";
    return "Consultation / other";
}

json_t *dispatch_codes_json(void)
{
    json_t *types = json_array(), *prio = json_array();
    json_t *disp = NULL, *kinds = NULL, *statuses = NULL;
    int bad = !types || !prio || named_array(dispatch_dispositions, &disp) ||
              named_array(dispatch_unit_kinds, &kinds) ||
              named_array(dispatch_unit_statuses, &statuses);
    for (const struct dispatch_type *t = dispatch_types; !bad && t->code; t++)
        bad = json_array_append_new(
            types, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:o}", "code", t->code, "label", t->label,
                             "label_en", t->label_en, "category", t->category, "category_en",
                             category_en(t->category), "priority", t->priority, "unit_kinds",
                             kinds_array(t->unit_kinds)));
    for (int p = DISPATCH_PRIORITY_MIN; !bad && p <= DISPATCH_PRIORITY_MAX; p++)
        bad = json_array_append_new(prio, json_pack("{s:i,s:s,s:s}", "code", p, "label",
                                                    dispatch_priority_label(p), "label_en",
                                                    p == 1   ? "Emergency"
                                                    : p == 2 ? "Urgent"
                                                             : "Routine"));
    if (bad) {
        json_decref(types);
        json_decref(prio);
        json_decref(disp);
        json_decref(kinds);
        json_decref(statuses);
        return NULL;
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "incident_types", types, "dispositions", disp,
                     "unit_kinds", kinds, "unit_statuses", statuses, "priorities", prio);
}
