/* Interop: the code tables hold their invariants; EIDO export uses the NENA-STA-021.1 property
 * names and survives a round trip through import; hostile EIDO is refused with a message; the
 * CAP alert is byte-for-byte the golden file, parses back, and bad CAP is refused. */
#include "base/err.h"
#include "dispatch/codes.h"
#include "dispatch/interop.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf) buf[*len] = '\0';
    return buf;
}

static void test_codes(void)
{
    const struct dispatch_named *tables[] = {dispatch_unit_kinds, dispatch_unit_statuses,
                                             dispatch_incident_statuses, dispatch_dispositions};
    for (size_t t = 0; t < LEN(tables); t++)
        for (const struct dispatch_named *a = tables[t]; a->code; a++) {
            CHECK(a->label[0] && a->label_en[0], "%s has labels", a->code);
            CHECK(dispatch_named_find(tables[t], a->code) == a, "%s is unique", a->code);
        }
    size_t n = 0;
    for (const struct dispatch_type *t = dispatch_types; t->code; t++, n++) {
        CHECK(dispatch_type_find(t->code) == t, "type %s is unique", t->code);
        CHECK(t->label[0] && t->label_en[0] && t->category[0], "type %s has labels", t->code);
        CHECK(t->priority >= DISPATCH_PRIORITY_MIN && t->priority <= DISPATCH_PRIORITY_MAX,
              "type %s priority in range", t->code);
        CHECK(t->unit_kinds && t->unit_kinds < (1u << 6), "type %s has unit kinds", t->code);
    }
    CHECK(n == 20, "20 incident types (%zu)", n);
    CHECK(dispatch_type_find("other") && !dispatch_type_find("nope") && !dispatch_type_find(NULL),
          "type lookup");
    CHECK(dispatch_unit_kind_bit("patrol_car") == 0 && dispatch_unit_kind_bit("boat") == 5 &&
              dispatch_unit_kind_bit("tank") == -1,
          "unit kind bits");
    const struct dispatch_type *w = dispatch_type_find("water_accident");
    CHECK(w && (w->unit_kinds & (1u << dispatch_unit_kind_bit("boat"))), "water needs boats");
    CHECK(dispatch_priority_label(1) && !dispatch_priority_label(4), "priority labels");
    json_t *j = dispatch_codes_json();
    CHECK(json_array_size(json_object_get(j, "incident_types")) == 20 &&
              json_array_size(json_object_get(j, "dispositions")) == 8 &&
              json_array_size(json_object_get(j, "unit_kinds")) == 6 &&
              json_array_size(json_object_get(j, "unit_statuses")) == 6 &&
              json_array_size(json_object_get(j, "priorities")) == 3,
          "codes JSON shape");
    json_t *robbery = json_array_get(json_object_get(j, "incident_types"), 0);
    CHECK(strcmp(json_string_value(json_object_get(robbery, "label")), "強盗") == 0 &&
              json_array_size(json_object_get(robbery, "unit_kinds")) == 4,
          "codes JSON robbery");
    json_decref(j);
}

static json_t *load_incident(void)
{
    json_error_t e;
    json_t *inc = json_load_file("tests/data/eido/incident.json", 0, &e);
    CHECK(inc != NULL, "incident fixture loads: %s", e.text);
    return inc;
}

/* Property paths that must be present in the exported EIDO ("a.b[0].c"). */
static const char *const eido_paths[] = {
    "$id",
    "lastUpdateTimeStamp",
    "updatedByAgencyReference.$ref",
    "eidoVersion",
    "issuingElementIdentification",
    "eidoExtensionId[0]",
    "incidentComponent.incidentTypeCommonRegistryText",
    "incidentComponent.incidentStatusCommonRegistryText[0]",
    "incidentComponent.incidentCommonPriorityNumber",
    "incidentComponent.locationReference[0].$ref",
    "incidentComponent.notesReference[0].$ref",
    "locationComponent[0].locationByValue",
    "locationComponent[0].locationTypeDescriptionRegistryText",
    "locationComponent[0].locationDescriptionText",
    "callComponent[0].callStartTimestamp",
    "callComponent[0].callBackReference.$ref",
    "callbackComponent[0].callBackInformationUri[0]",
    "personComponent[0].personIncidentRoleRegistryText[0]",
    "agencyComponent[0].agencyType[0]",
    "agencyComponent[0].agencyRoleDescriptionRegistryText[0]",
    "emergencyResourceComponent[1].emergencyResourceTypeCommonRegistryText",
    "emergencyResourceComponent[0].primaryUnitStatusRegistryText",
    "emergencyResourceComponent[0].secondaryUnitStatusRegistryText[0]",
    "emergencyResourceComponent[0].agentReference[0].$ref",
    "agentComponent[0].agencyReference",
    "dispatchComponent[0].emergencyResourceReference[1].$ref",
    "notesComponent[2].notesActionComments",
    "keitsuIncident.units[0].acknowledgedAt"};

static json_t *at(json_t *j, const char *path)
{
    char key[128];
    while (j && *path) {
        size_t n = strcspn(path, ".[");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        if (n) j = json_object_get(j, key);
        path += n;
        if (*path == '[') {
            j = json_array_get(j, strtoul(path + 1, NULL, 10));
            path = strchr(path, ']') + 1;
        }
        if (*path == '.') path++;
    }
    return j;
}

static void test_eido_export(json_t *eido)
{
    for (size_t i = 0; i < LEN(eido_paths); i++)
        CHECK(at(eido, eido_paths[i]) && !json_is_null(at(eido, eido_paths[i])), "EIDO has %s",
              eido_paths[i]);
    CHECK(strcmp(json_string_value(at(eido, "$id")),
                 "urn:emergency:uid:incidentid:I-20261123-0007:tokyo.police.example.jp") == 0,
          "tracking id is an STA-010 incident id");
    CHECK(strcmp(json_string_value(at(eido, "incidentComponent.incidentTypeCommonRegistryText")),
                 "ROBBERY") == 0,
          "APCO incident type");
    CHECK(strcmp(json_string_value(at(eido, "callbackComponent[0].callBackInformationUri[0]")),
                 "tel:090-1234-5678;phone-context=+81") == 0,
          "caller as an RFC 3966 tel URI");
    CHECK(strstr(json_string_value(at(eido, "notesComponent[0].notesActionComments")),
                 "&lt;逃走中&gt; &amp;") != NULL,
          "notes are escaped HTML");
    CHECK(strstr(json_string_value(at(eido, "locationComponent[0].locationByValue")),
                 "<gml:pos>35.6895 139.6917</gml:pos>") != NULL,
          "location is a PIDF-LO circle");
}

static void test_eido_round_trip(void)
{
    json_t *inc = load_incident(), *eido = NULL, *body = NULL;
    char ext[256];
    CHECK(dispatch_eido_from_incident(inc, "tokyo-cad", &eido) == 0, "export: %s", kt_errmsg());
    test_eido_export(eido);
    /* Through text, as it travels. */
    char *text = json_dumps(eido, 0);
    json_t *back = json_loads(text, 0, NULL);
    free(text);
    CHECK(dispatch_eido_to_incident(back, &body, ext, sizeof ext) == 0, "import: %s", kt_errmsg());
    CHECK(strcmp(ext, json_string_value(at(eido, "$id"))) == 0, "ext id is the tracking id");
    static const char *const same[] = {"type",    "priority",  "caller_number",
                                       "address", "narrative", "wide_area"};
    for (size_t i = 0; i < LEN(same); i++)
        CHECK(json_equal(json_object_get(body, same[i]), json_object_get(inc, same[i])),
              "round trip keeps %s", same[i]);
    json_t *loc = json_object_get(inc, "location");
    static const char *const coords[] = {"lat", "lon", "uncertainty_m"};
    for (size_t i = 0; i < LEN(coords); i++)
        CHECK(fabs(json_number_value(json_object_get(body, coords[i])) -
                   json_number_value(json_object_get(loc, coords[i]))) < 1e-7,
              "round trip keeps %s", coords[i]);
    static const char *const allowed[] = {
        "caller_number", "lat",  "lon",      "uncertainty_m", "pidf_lo",  "location_withheld",
        "address",       "type", "priority", "narrative",     "wide_area"};
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t k = 0;
        while (k < LEN(allowed) && strcmp(allowed[k], key) != 0)
            k++;
        CHECK(k < LEN(allowed), "body member %s is a creation field", key);
    }
    json_decref(back);
    json_decref(body);

    /* Every type survives; an unknown registry type becomes "other". */
    for (const struct dispatch_type *t = dispatch_types; t->code; t++) {
        json_object_set_new(inc, "type", json_string(t->code));
        json_object_set_new(inc, "priority", json_integer(t->priority));
        json_decref(eido);
        eido = NULL;
        body = NULL;
        dispatch_eido_from_incident(inc, "tokyo-cad", &eido);
        int rc = dispatch_eido_to_incident(eido, &body, ext, sizeof ext);
        CHECK(rc == 0 && strcmp(json_string_value(json_object_get(body, "type")), t->code) == 0 &&
                  json_integer_value(json_object_get(body, "priority")) == t->priority,
              "type %s round trip", t->code);
        json_decref(body);
    }
    json_object_set_new(json_object_get(eido, "incidentComponent"),
                        "incidentTypeCommonRegistryText", json_string("ALRVEH"));
    dispatch_eido_to_incident(eido, &body, ext, sizeof ext);
    CHECK(strcmp(json_string_value(json_object_get(body, "type")), "other") == 0,
          "unknown type → other");
    json_decref(body);
    json_decref(eido);
    json_decref(inc);
}

/* Each case changes one member of a valid EIDO (set to the JSON value, or removes it when
 * value is NULL) and expects the code. */
static const struct {
    const char *path, *member, *value;
    int code;
} bad_eido[] = {
    {"", "eidoVersion", NULL, KT_EINVAL},
    {"", "eidoVersion", "true", KT_EINVAL},
    {"", "eidoVersion", "\"2.0\"", KT_EVALID},
    {"", "eidoVersion", "10", KT_EINVAL},
    {"", "$id", NULL, KT_EINVAL},
    {"", "$id", "\"\"", KT_EINVAL},
    {"", "lastUpdateTimeStamp", "\"yesterday\"", KT_EINVAL},
    {"", "issuingElementIdentification", "[]", KT_EINVAL},
    {"", "agencyComponent", NULL, KT_EINVAL},
    {"", "agencyComponent", "[]", KT_EINVAL},
    {"", "agencyComponent", "[1]", KT_EINVAL},
    {"", "incidentComponent", "[]", KT_EINVAL},
    {"incidentComponent", "incidentTypeCommonRegistryText", NULL, KT_EINVAL},
    {"incidentComponent", "incidentTypeCommonRegistryText", "7", KT_EINVAL},
    {"incidentComponent", "incidentCommonPriorityNumber", "\"9\"", KT_EINVAL},
    {"incidentComponent", "incidentCommonPriorityNumber", "11", KT_EVALID},
    {"incidentComponent", "incidentCommonPriorityNumber", "-1", KT_EVALID},
    {"incidentComponent", "locationReference", "[{\"$ref\":\"urn:nowhere\"}]", KT_EVALID},
    {"incidentComponent", "locationReference", "[\"urn:nowhere\"]", KT_EINVAL},
    {"incidentComponent", "notesReference", "{}", KT_EINVAL},
    {"locationComponent[0]", "locationByValue", "42", KT_EINVAL},
    {"locationComponent[0]", "locationByValue",
     "\"<presence xmlns='urn:ietf:params:xml:ns:pidf' xmlns:gp='urn:ietf:params:xml:ns:pidf:"
     "geopriv10' xmlns:gml='http://www.opengis.net/gml'><tuple id='t'><status><gp:geopriv>"
     "<gp:location-info><gml:Point srsName='urn:ogc:def:crs:EPSG::4326'><gml:pos>95.0 "
     "139.0</gml:pos>"
     "</gml:Point></gp:location-info></gp:geopriv></status></tuple></presence>\"",
     KT_EINVAL},
    {"locationComponent[0]", "locationByValue",
     "\"<presence xmlns='urn:ietf:params:xml:ns:pidf' xmlns:gp='urn:ietf:params:xml:ns:pidf:"
     "geopriv10' xmlns:gml='http://www.opengis.net/gml'><tuple id='t'><status><gp:geopriv>"
     "<gp:location-info><gml:Point srsName='urn:ogc:def:crs:EPSG::4326'><gml:pos>35.0 "
     "200.0</gml:pos>"
     "</gml:Point></gp:location-info></gp:geopriv></status></tuple></presence>\"",
     KT_EINVAL},
    {"locationComponent[0]", "locationByValue",
     "\"<presence xmlns='urn:ietf:params:xml:ns:pidf'><gml:Point xmlns:gml='http://www.opengis."
     "net/gml'><gml:pos>north</gml:pos></gml:Point></presence>\"",
     KT_EINVAL},
    {"locationComponent[0]", "locationByValue",
     "\"<!DOCTYPE p [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><presence "
     "xmlns='urn:ietf:params:xml:ns:pidf'>&x;</presence>\"",
     KT_EINVAL},
    {"locationComponent[0]", "locationByValue", "\"<presence\"", KT_EINVAL},
    {"locationComponent[0]", "lastUpdateTimeStamp", NULL, KT_EINVAL},
    {"callbackComponent[0]", "callBackInformationUri", "[\"tel:110 DROP\"]", KT_EINVAL},
    {"callbackComponent[0]", "callBackInformationUri", "\"tel:110\"", KT_EINVAL},
    {"notesComponent[0]", "notesActionComments", NULL, KT_EINVAL},
    {"keitsuIncident", "wideArea", "\"yes\"", KT_EINVAL},
};

static void test_eido_bad(void)
{
    json_t *inc = load_incident(), *good = NULL, *body;
    char ext[256];
    dispatch_eido_from_incident(inc, "tokyo-cad", &good);
    for (size_t i = 0; i < LEN(bad_eido); i++) {
        json_t *e = json_deep_copy(good);
        json_t *target = bad_eido[i].path[0] ? at(e, bad_eido[i].path) : e;
        if (bad_eido[i].value)
            json_object_set_new(target, bad_eido[i].member,
                                json_loads(bad_eido[i].value, JSON_DECODE_ANY, NULL));
        else
            json_object_del(target, bad_eido[i].member);
        kt_err_clear();
        body = NULL;
        int rc = dispatch_eido_to_incident(e, &body, ext, sizeof ext);
        CHECK(rc == bad_eido[i].code && kt_errmsg()[0] && !body && !ext[0],
              "bad EIDO %s.%s=%s → %d (got %d: %s)", bad_eido[i].path, bad_eido[i].member,
              bad_eido[i].value ? bad_eido[i].value : "(absent)", bad_eido[i].code, rc,
              kt_errmsg());
        json_decref(body);
        json_decref(e);
    }
    /* Absurd sizes: a huge narrative, too many components, an id that does not fit ext. */
    json_t *e = json_deep_copy(good);
    char *big = malloc(200000);
    memset(big, 'a', 199999);
    big[199999] = '\0';
    json_object_set_new(at(e, "notesComponent[0]"), "notesActionComments", json_string(big));
    CHECK(dispatch_eido_to_incident(e, &body, ext, sizeof ext) == KT_EINVAL, "huge note: %s",
          kt_errmsg());
    json_t *many = json_array();
    for (int i = 0; i < 1001; i++)
        json_array_append(many, at(good, "notesComponent[1]"));
    json_object_set_new(e, "notesComponent", many);
    CHECK(dispatch_eido_to_incident(e, &body, ext, sizeof ext) == KT_EINVAL, "1001 notes: %s",
          kt_errmsg());
    CHECK(dispatch_eido_to_incident(good, &body, ext, 8) == KT_EINVAL, "ext too small: %s",
          kt_errmsg());
    CHECK(dispatch_eido_to_incident(json_array_get(many, 0), &body, ext, sizeof ext) == KT_EINVAL,
          "not an EIDO");
    free(big);
    json_decref(e);
    json_decref(good);
    json_decref(inc);
}

static void test_cap_golden(void)
{
    size_t glen, jlen;
    char *golden = slurp("tests/data/cap/deployment.xml", &glen);
    char *alert_text = slurp("tests/data/cap/deployment.json", &jlen);
    json_t *alert = alert_text ? json_loads(alert_text, 0, NULL) : NULL;
    char *xml = NULL;
    size_t len = 0;
    CHECK(golden && alert, "CAP fixtures load");
    CHECK(dispatch_cap_build(alert, &xml, &len) == 0, "CAP build: %s", kt_errmsg());
    CHECK(xml && golden && len == glen && memcmp(xml, golden, len) == 0,
          "CAP build equals tests/data/cap/deployment.xml");
    json_t *back = NULL;
    CHECK(dispatch_cap_parse(golden, glen, &back) == 0, "CAP parse golden: %s", kt_errmsg());
    json_object_set_new(alert, "sent", json_string("2026-11-23T02:00:00.000Z"));
    json_object_set_new(json_object_get(alert, "circle"), "radius_m", json_real(1500));
    CHECK(json_equal(alert, back), "CAP parse gives the alert back");
    static const struct {
        const char *key, *value;
    } bad_build[] = {
        {"identifier", "\"has space\""},
        {"sent", "\"2026-11-23 02:00\""},
        {"headline", "\"\""},
        {"polygon", "[[35,139],[35,140],[36,140],[35.5,139]]"},
        {"polygon", "[[95,139],[35,140],[36,140],[95,139]]"},
        {"circle", "{\"lat\":35,\"lon\":139,\"radius_m\":-1}"},
        {"description", "\"bell \\u0007\""},
    };
    for (size_t i = 0; i < LEN(bad_build); i++) {
        json_t *a = json_deep_copy(alert);
        json_object_set_new(a, bad_build[i].key,
                            json_loads(bad_build[i].value, JSON_DECODE_ANY, NULL));
        char *x = NULL;
        CHECK(dispatch_cap_build(a, &x, &len) == KT_EINVAL && !x && kt_errmsg()[0],
              "CAP build refuses %s=%s: %s", bad_build[i].key, bad_build[i].value, kt_errmsg());
        json_decref(a);
    }
    json_decref(back);
    json_decref(alert);
    free(xml);
    free(golden);
    free(alert_text);
}

/* Bad CAP documents: each is the golden file with one substitution. */
static const struct {
    const char *from, *to, *why;
} bad_cap[] = {
    {"cap:1.2", "cap:1.1", "wrong namespace"},
    {"<info>", "<nfo>", "missing info"},
    {"<sent>2026-11-23T11:00:00+09:00</sent>", "<sent>2026-11-23T02:00:00Z</sent>", "Z time"},
    {"<sent>2026-11-23T11:00:00+09:00</sent>", "<sent>2026-11-23T11:00:00.5+09:00</sent>",
     "fraction"},
    {"<status>Actual</status>", "", "missing status"},
    {"<urgency>Immediate</urgency>", "<urgency>Now</urgency>", "bad urgency"},
    {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
     "<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>", "XXE"},
    {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
     "<!DOCTYPE a [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">]>",
     "billion laughs"},
    {"35.7,139.68 35.7,139.71 35.68,139.71 35.7,139.68", "35.7,139.68 35.7,139.71 35.68,139.71",
     "open polygon"},
    {"35.6895,139.6917 1.5", "95,139 1.5", "circle latitude"},
    {"</alert>", "", "truncated"},
    {"<identifier>KEITSU-ALERT-1</identifier>", "<identifier>a b</identifier>", "space in id"},
};

static char *replace(const char *s, const char *from, const char *to, size_t *len)
{
    const char *p = strstr(s, from);
    if (!p) return NULL;
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    snprintf(out, n + 1, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    *len = n;
    return out;
}

static void test_cap_bad(void)
{
    size_t glen, len;
    char *golden = slurp("tests/data/cap/deployment.xml", &glen);
    for (size_t i = 0; golden && i < LEN(bad_cap); i++) {
        char *doc = replace(golden, bad_cap[i].from, bad_cap[i].to, &len);
        json_t *out = NULL;
        kt_err_clear();
        int rc = doc ? dispatch_cap_parse(doc, len, &out) : 0;
        CHECK(doc && rc == KT_EINVAL && !out && kt_errmsg()[0], "CAP refuses %s (%d: %s)",
              bad_cap[i].why, rc, kt_errmsg());
        free(doc);
    }
    json_t *out = NULL;
    CHECK(dispatch_cap_parse(golden, 100, &out) == KT_EINVAL && !out, "CAP refuses a cut file");
    char *huge = calloc(300 * 1024, 1);
    CHECK(dispatch_cap_parse(huge, 300 * 1024, &out) == KT_ETOOBIG && !out, "CAP size limit");
    free(huge);
    free(golden);
}

int main(void)
{
    test_codes();
    test_eido_round_trip();
    test_eido_bad();
    test_cap_golden();
    test_cap_bad();
    return tap_done();
}
