/* NENA/APCO EIDO (NENA-STA-021.1b-2022, EIDO JSON 1.0; schema github.com/NENA911/EIDO-JSON,
 * Schema/openapi.yaml) for exchanging incidents with other centres.
 *
 * Shape: the EIDO object is itself a data component whose $id is the Incident Tracking
 * Identifier (urn:emergency:uid:incidentid:ID:AGENCY). Components live in top-level arrays and
 * point at each other with {"$ref": $id}. Every component carries the prologue $id,
 * lastUpdateTimeStamp and updatedByAgencyReference. Locations are PIDF-LO documents (strings)
 * in locationByValue. Codes go both as registry text (the IANA EIDO registries, APCO 2.103.2
 * incident types, APCO 1.111.2 dispositions) and as our internal code. What EIDO has no place
 * for (wide-area flag, milestone times, unit times) goes in the extension member
 * EIDO_EXT_MEMBER, named in eidoExtensionId. */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "dispatch/codes.h"
#include "dispatch/interop.h"
#include "dispatch/geo.h"
#include "dispatch/interop_xml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EIDO_VERSION "1.0"
#define EIDO_EXT_ID "urn:keitsu:eido:incident:1"
#define EIDO_EXT_MEMBER "keitsuIncident"
#define ITI_PREFIX "urn:emergency:uid:incidentid:"
#define DC_PREFIX "urn:emergency:uid:eidodatacomponent:"
#define CALL_PREFIX "urn:emergency:uid:callid:"

/* Import limits: longer or bigger is refused, not cut. */
#define ID_MAX 256
#define CODE_MAX 128
#define ADDRESS_MAX 512
#define NARRATIVE_MAX 16384
#define NOTE_MAX (64 * 1024)
#define NUMBER_MAX 32
#define ARRAY_MAX 1000
#define PIDF_MAX (64 * 1024)
#define UNCERTAINTY_MAX_M 100000.0

#define PIDF_NS "urn:ietf:params:xml:ns:pidf"
#define GML_NS "http://www.opengis.net/gml"
#define GS_NS "http://www.opengis.net/pidflo/1.0"
#define CA_NS "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"

/* Our incident types and the closest EIDO-IncidentType-Common (APCO 2.103.2) value, both
 * ways. Extra rows after the first per code only map inbound. */
static const struct {
    const char *code, *registry;
} type_map[] = {
    {"robbery", "ROBBERY"},
    {"assault", "ASSAULT"},
    {"weapon", "WEAPON"},
    {"burglary", "BURGLARY"},
    {"theft", "LARCENY"},
    {"fraud", "FRAUD"},
    {"threat", "THREATS"},
    {"dv", "DVA"},
    {"stalking", "STKX"},
    {"suspicious", "SUSP"},
    {"fire", "FUNK"},
    {"traffic_injury", "MVAINJY"},
    {"traffic_property", "MVA"},
    {"hit_and_run", "MVAHR"},
    {"drunk", "INTOX"},
    {"noise", "NOISE"},
    {"missing_person", "PERMISS"},
    {"water_accident", "WATER"},
    {"consultation", "CITASST"},
    {"other", "TROUBLE"},
    /* inbound only */
    {"robbery", "CARJACK"},
    {"assault", "FIGHT"},
    {"assault", "STABBING"},
    {"assault", "NCRASLTWF"},
    {"weapon", "SHOOT"},
    {"theft", "SHOPLIFT"},
    {"theft", "VEHSTLN"},
    {"dv", "DVNA"},
    {"suspicious", "PERSUSP"},
    {"suspicious", "VEHSUSP"},
    {"suspicious", "PROW"},
    {"fire", "FSTRU"},
    {"fire", "FAPT"},
    {"fire", "FVEH"},
    {"fire", "FBRUSH"},
    {"fire", "FOTHER"},
    {"fire", "FARSON"},
    {"fire", "FSMOKE"},
    {"fire", "FTRASH"},
    {"traffic_injury", "MVAUNK"},
    {"traffic_property", "MVCP"},
    {"missing_person", "RUNAWAY"},
    {"water_accident", "DROWN"},
    {"water_accident", "MISBOATR"},
};

/* EIDO-CommonDispositionCode (APCO 1.111.2) for our dispositions. */
static const struct {
    const char *code, *registry;
} disposition_map[] = {
    {"arrest", "03"},     {"warning", "04"},     {"resolved", "18"},  {"no_offence", "02"},
    {"false_call", "17"}, {"transferred", "15"}, {"duplicate", "22"}, {"other", "13"},
};

/* EIDO-EmergencyResourceType-Common for our unit kinds. */
static const struct {
    const char *kind, *registry;
} resource_map[] = {
    {"patrol_car", "PatrolUnit"},
    {"motorcycle", "TrafficUnit"},
    {"foot", "PatrolUnit"},
    {"koban", "CommunityPolicingUnit"},
    {"helicopter", "RotaryWingAircraft"},
    {"boat", "WaterRescueTeam"},
};

/* Unit status → EIDO-PrimaryUnitStatus-Common and EIDO-SecondaryUnitStatus-Common. */
static const struct {
    const char *status, *primary, *secondary;
} unit_status_map[] = {
    {"available", "Available", "InService"},
    {"dispatched", "NotAvailable", "Dispatched"},
    {"en_route", "NotAvailable", "EnRoute"},
    {"on_scene", "NotAvailable", "OnScene"},
    {"transporting", "NotAvailable", "Transporting"},
    {"out_of_service", "NotAvailable", "OutofService"},
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Our priority 1..3 ↔ incidentCommonPriorityNumber 0..10 (10 most urgent). */
static int priority_to_common(int p)
{
    return p == 1 ? 9 : p == 2 ? 6 : 3;
}

static int priority_from_common(json_int_t n)
{
    return n >= 8 ? 1 : n >= 5 ? 2 : 3;
}

/* ======================================================================================
 * Export
 * ====================================================================================== */

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The later of two optional RFC 3339 UTC strings of our one format (they sort as text). */
static const char *later(const char *a, const char *b)
{
    if (!a) return b;
    if (!b) return a;
    return strcmp(a, b) >= 0 ? a : b;
}

struct ctx {
    const char *agency; /* owning agency id: every component's updatedByAgencyReference */
    const char *ts;     /* the incident's latest time, for components without their own */
    json_t *eido;
};

/* Component id urn:emergency:uid:eidodatacomponent:<kind><alnum of local>:<agency>. */
static json_t *dc_id(const struct ctx *c, const char *kind, const char *local)
{
    char unique[96];
    size_t n = (size_t)snprintf(unique, sizeof unique, "%s", kind);
    for (const char *p = local ? local : ""; *p && n + 1 < sizeof unique; p++)
        if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
            unique[n++] = *p;
    unique[n] = '\0';
    return json_sprintf(DC_PREFIX "%s:%s", unique, c->agency);
}

static json_t *ref(const json_t *id)
{
    return json_pack("{s:O}", "$ref", id);
}

/* A new component with its prologue; NULL when out of memory. */
static json_t *component(const struct ctx *c, json_t *id, const char *ts)
{
    if (!id) return NULL;
    return json_pack("{s:o,s:s,s:{s:s}}", "$id", id, "lastUpdateTimeStamp", ts ? ts : c->ts,
                     "updatedByAgencyReference", "$ref", c->agency);
}

/* Appends comp to the top-level array member (created on first use); steals comp. */
static int add(struct ctx *c, const char *member, json_t *comp)
{
    json_t *a = json_object_get(c->eido, member);
    if (!a) {
        a = json_array();
        if (json_object_set_new(c->eido, member, a)) {
            json_decref(comp);
            return KT_ENOMEM;
        }
    }
    return json_array_append_new(a, comp) ? KT_ENOMEM : 0;
}

static int set(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) ? KT_ENOMEM : 0;
}

/* Notes hold HTML fragments: escape the text so it stays text. */
static json_t *html_text(const char *s)
{
    struct kt_buf b;
    kt_buf_init(&b, 4 * strlen(s) + 16);
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&':
            kt_buf_puts(&b, "&amp;");
            break;
        case '<':
            kt_buf_puts(&b, "&lt;");
            break;
        case '>':
            kt_buf_puts(&b, "&gt;");
            break;
        case '"':
            kt_buf_puts(&b, "&quot;");
            break;
        default:
            kt_buf_append(&b, p, 1);
        }
    }
    size_t len;
    char *t = kt_buf_take(&b, &len);
    json_t *j = t ? json_stringn(t, len) : NULL;
    free(t);
    return j;
}

static void fmt_coord(double d, char *out, size_t cap)
{
    snprintf(out, cap, "%.7f", d);
    char *e = out + strlen(out) - 1;
    while (*e == '0' && e[-1] != '.')
        *e-- = '\0';
}

/* RFC 4119/5491 PIDF-LO with a geodetic Point, or a Circle when the uncertainty is known, or
 * (without coordinates) a civic address holding the address text. */
static json_t *pidf(const char *entity, const json_t *loc, const char *address)
{
    struct kt_buf b;
    kt_buf_init(&b, PIDF_MAX);
    kt_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    "<presence xmlns=\"" PIDF_NS "\" xmlns:gp=\"urn:ietf:params:xml:ns:pidf:"
                    "geopriv10\" xmlns:gml=\"" GML_NS "\" xmlns:gs=\"" GS_NS "\" xmlns:ca=\"" CA_NS
                    "\" entity=\"pres:");
    int rc = interop_xml_escape(&b, "entity", entity);
    kt_buf_puts(&b, "\"><tuple id=\"incident\"><status><gp:geopriv><gp:location-info>");
    if (loc) {
        char la[32], lo[32];
        double r = json_number_value(json_object_get(loc, "uncertainty_m"));
        fmt_coord(json_number_value(json_object_get(loc, "lat")), la, sizeof la);
        fmt_coord(json_number_value(json_object_get(loc, "lon")), lo, sizeof lo);
        if (r > 0) {
            char rs[32];
            fmt_coord(r, rs, sizeof rs);
            kt_buf_printf(&b,
                          "<gs:Circle srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>%s %s"
                          "</gml:pos><gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">%s"
                          "</gs:radius></gs:Circle>",
                          la, lo, rs);
        } else {
            kt_buf_printf(&b,
                          "<gml:Point srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>%s %s"
                          "</gml:pos></gml:Point>",
                          la, lo);
        }
    } else {
        kt_buf_puts(&b, "<ca:civicAddress><ca:country>JP</ca:country><ca:LOC>");
        rc = rc ? rc : interop_xml_escape(&b, "address", address);
        kt_buf_puts(&b, "</ca:LOC></ca:civicAddress>");
    }
    kt_buf_puts(&b, "</gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method>"
                    "</gp:geopriv></status></tuple></presence>");
    size_t len;
    char *x = kt_buf_take(&b, &len);
    json_t *j = x && !rc ? json_stringn(x, len) : NULL;
    free(x);
    return j;
}

static int add_location(struct ctx *c, const json_t *inc, json_t *incident_comp)
{
    const json_t *loc = json_object_get(inc, "location");
    const char *address = str(inc, "address");
    if (!json_is_object(loc)) loc = NULL;
    if (address && !*address) address = NULL;
    if (!loc && !address) return 0;
    char entity[ID_MAX + 64];
    snprintf(entity, sizeof entity, "%s@%s", str(inc, "id"), c->agency);
    json_t *id = dc_id(c, "location", "1");
    json_t *comp = component(c, id, NULL);
    if (!comp) return KT_ENOMEM;
    int rc = set(comp, "locationTypeDescriptionRegistryText", json_string("CurrentIncident"));
    json_t *value = pidf(entity, loc, address);
    rc = rc      ? rc
         : value ? set(comp, "locationByValue", value)
                 : kt_fail(KT_EINVAL, "address: not sendable in XML");
    if (!rc && address) rc = set(comp, "locationDescriptionText", json_string(address));
    if (!rc) rc = set(incident_comp, "locationReference", json_pack("[o]", ref(id)));
    if (rc) {
        json_decref(comp);
        return rc;
    }
    return add(c, "locationComponent", comp);
}

static int add_call(struct ctx *c, const json_t *inc, const json_t *loc_ref)
{
    const char *created = str(inc, "created_at"), *number = str(inc, "caller_number");
    if (!created) return 0;
    json_t *call_id = json_sprintf(CALL_PREFIX "%s:%s", str(inc, "id"), c->agency);
    json_t *call = component(c, call_id, created);
    json_t *person = component(c, dc_id(c, "caller", "1"), created);
    if (!call || !person) {
        json_decref(call);
        json_decref(person);
        return KT_ENOMEM;
    }
    int rc = set(call, "standardPrimaryCallType", json_string("emergency")) ||
             set(call, "direction", json_string("incoming")) ||
             set(call, "callStartTimestamp", json_string(created)) ||
             set(call, "callStateRegistryText", json_string("callEnd")) ||
             set(call, "personReference", json_pack("[o]", ref(json_object_get(person, "$id")))) ||
             set(person, "personIncidentRoleRegistryText", json_pack("[s]", "Caller")) ||
             set(person, "callIdentifier", json_pack("[O]", call_id));
    if (!rc && loc_ref) rc = set(call, "locationReference", json_pack("[O]", loc_ref));
    if (!rc && number && *number) {
        /* RFC 3966: a national number needs its phone-context. */
        json_t *uri = number[0] == '+' ? json_sprintf("tel:%s", number)
                                       : json_sprintf("tel:%s;phone-context=+81", number);
        json_t *cb = component(c, dc_id(c, "callback", "1"), created);
        rc = !cb || set(cb, "callBackInformationUri", json_pack("[o]", uri)) ||
             set(call, "callBackReference", ref(json_object_get(cb, "$id"))) ||
             set(person, "callBackReference", ref(json_object_get(cb, "$id")));
        if (!rc)
            rc = add(c, "callbackComponent", cb);
        else
            json_decref(cb);
    }
    if (rc) {
        json_decref(call);
        json_decref(person);
        return KT_ENOMEM;
    }
    if (add(c, "callComponent", call)) {
        json_decref(person);
        return KT_ENOMEM;
    }
    return add(c, "personComponent", person);
}

static int add_notes(struct ctx *c, const json_t *inc, json_t *incident_comp)
{
    const char *narrative = str(inc, "narrative");
    if (narrative && *narrative) {
        json_t *note = component(c, dc_id(c, "narrative", "1"), str(inc, "created_at"));
        if (!note || set(note, "notesActionComments", html_text(narrative)) ||
            set(incident_comp, "notesReference",
                json_pack("[o]", ref(json_object_get(note, "$id"))))) {
            json_decref(note);
            return KT_ENOMEM;
        }
        if (add(c, "notesComponent", note)) return KT_ENOMEM;
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(inc, "timeline"), i, e)
    {
        char local[32];
        const char *text = str(e, "text");
        if (!text) continue;
        snprintf(local, sizeof local, "%zu", i + 1);
        json_t *t = json_sprintf("[%s] %s: %s", str(e, "kind") ? str(e, "kind") : "note",
                                 str(e, "actor") ? str(e, "actor") : "-", text);
        json_t *note = component(c, dc_id(c, "note", local), str(e, "ts"));
        if (!t || !note || set(note, "notesActionComments", html_text(json_string_value(t)))) {
            json_decref(t);
            json_decref(note);
            return KT_ENOMEM;
        }
        json_decref(t);
        if (add(c, "notesComponent", note)) return KT_ENOMEM;
    }
    return 0;
}

static json_t *unit_times(const json_t *u)
{
    return json_pack("{s:s?,s:s?,s:s?,s:s?}", "dispatchedAt", str(u, "dispatched_at"),
                     "acknowledgedAt", str(u, "acknowledged_at"), "onSceneAt",
                     str(u, "on_scene_at"), "releasedAt", str(u, "released_at"));
}

static int add_units(struct ctx *c, const json_t *inc, json_t *ext_units)
{
    const json_t *units = json_object_get(inc, "units");
    if (!json_array_size(units)) return 0;
    json_t *refs = json_array();
    json_t *dispatch = component(c, dc_id(c, "dispatch", "1"), NULL);
    if (!refs || !dispatch) goto nomem;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        const char *uid = str(u, "id"), *kind = str(u, "kind"), *status = str(u, "status");
        if (!uid) continue;
        const char *ts = later(later(str(u, "dispatched_at"), str(u, "acknowledged_at")),
                               later(str(u, "on_scene_at"), str(u, "released_at")));
        const char *type = "PatrolUnit", *primary = "NotAvailable", *secondary = "Assigned";
        for (size_t k = 0; kind && k < LEN(resource_map); k++)
            if (strcmp(resource_map[k].kind, kind) == 0) type = resource_map[k].registry;
        for (size_t k = 0; status && k < LEN(unit_status_map); k++)
            if (strcmp(unit_status_map[k].status, status) == 0)
                primary = unit_status_map[k].primary, secondary = unit_status_map[k].secondary;
        json_t *agent = component(c, dc_id(c, "crew", uid), ts);
        json_t *res = component(c, dc_id(c, "unit", uid), ts);
        if (!agent || !res) {
            json_decref(agent);
            json_decref(res);
            goto nomem;
        }
        json_t *second = json_pack("[s]", secondary);
        if (str(u, "released_at"))
            json_array_append_new(second, json_string("Cleared"));
        else if (str(u, "acknowledged_at"))
            json_array_append_new(second, json_string("AcknowledgedTransmission"));
        int rc = set(agent, "agentRoleRegistryText", json_pack("[s]", "Responder")) ||
                 set(agent, "agencyReference", json_pack("{s:s}", "$ref", c->agency)) ||
                 set(res, "emergencyResourceTypeCommonRegistryText", json_string(type)) ||
                 set(res, "emergencyResourceTypeInternalText", json_string(kind ? kind : "")) ||
                 set(res, "resourceAttributeRegistryText", json_array()) ||
                 set(res, "emergencyResourceName",
                     json_string(str(u, "callsign") ? str(u, "callsign") : uid)) ||
                 set(res, "primaryUnitStatusRegistryText", json_string(primary)) ||
                 set(res, "secondaryUnitStatusRegistryText", second) ||
                 set(res, "unitStatusInternal", json_pack("[s]", status ? status : "")) ||
                 set(res, "agentReference", json_pack("[o]", ref(json_object_get(agent, "$id")))) ||
                 json_array_append_new(refs, ref(json_object_get(res, "$id")));
        json_t *times = rc ? NULL : unit_times(u);
        if (times) {
            json_object_set_new(times, "emergencyResourceReference",
                                ref(json_object_get(res, "$id")));
            rc = json_array_append_new(ext_units, times);
        }
        if (rc || !times) {
            json_decref(agent);
            json_decref(res);
            goto nomem;
        }
        if (add(c, "agentComponent", agent)) {
            json_decref(res);
            goto nomem;
        }
        if (add(c, "emergencyResourceComponent", res)) goto nomem;
    }
    if (set(dispatch, "agencyReference", json_pack("{s:s}", "$ref", c->agency)) ||
        set(dispatch, "emergencyResourceReference", refs))
        goto nomem_refs_taken;
    return add(c, "dispatchComponent", dispatch);
nomem:
    json_decref(refs);
nomem_refs_taken:
    json_decref(dispatch);
    return kt_fail(KT_ENOMEM, "EIDO: out of memory");
}

static json_t *status_registry(const char *status)
{
    if (!status) return json_pack("[s]", "Active");
    if (strcmp(status, "dispatched") == 0) return json_pack("[s,s]", "Active", "ResourcesAssigned");
    if (strcmp(status, "on_scene") == 0) return json_pack("[s,s]", "Active", "ResourcesOnscene");
    if (strcmp(status, "closed") == 0 || strcmp(status, "merged") == 0)
        return json_pack("[s]", "Closed");
    return json_pack("[s]", "Active");
}

static int add_disposition(struct ctx *c, const json_t *inc, json_t *incident_comp)
{
    const json_t *d = json_object_get(inc, "disposition");
    const char *code = str(d, "code");
    if (!code) return 0;
    const char *reg = "13";
    for (size_t k = 0; k < LEN(disposition_map); k++)
        if (strcmp(disposition_map[k].code, code) == 0) reg = disposition_map[k].registry;
    const struct dispatch_named *n = dispatch_named_find(dispatch_dispositions, code);
    const char *note = str(d, "note");
    json_t *comp = component(c, dc_id(c, "disposition", "1"), str(inc, "closed_at"));
    json_t *text = note && *note ? json_sprintf("%s: %s", n ? n->label : code, note)
                                 : json_string(n ? n->label : code);
    if (!comp || set(comp, "dispositionCommonRegistryCode", json_string(reg)) ||
        set(comp, "dispositionPrimaryIndicator", json_true()) ||
        set(comp, "dispositionCategoryText", json_string(code)) ||
        set(comp, "dispositionDescriptionText", text) ||
        set(incident_comp, "dispositionComponent", json_pack("[o]", comp)))
        return kt_fail(KT_ENOMEM, "EIDO: out of memory");
    return 0;
}

static int build_eido(struct ctx *c, const json_t *inc, const char *site)
{
    const char *id = str(inc, "id"), *type = str(inc, "type"), *status = str(inc, "status");
    const struct dispatch_type *t = dispatch_type_find(type);
    const char *registry = "TROUBLE";
    for (size_t k = 0; type && k < LEN(type_map); k++)
        if (strcmp(type_map[k].code, type) == 0) {
            registry = type_map[k].registry;
            break;
        }
    json_t *prio = json_object_get(inc, "priority");
    int p = json_is_integer(prio) ? (int)json_integer_value(prio) : t ? t->priority : 3;

    c->eido = json_pack(
        "{s:o,s:s,s:{s:s},s:s,s:s,s:[s]}", "$id", json_sprintf(ITI_PREFIX "%s:%s", id, c->agency),
        "lastUpdateTimeStamp", c->ts, "updatedByAgencyReference", "$ref", c->agency, "eidoVersion",
        EIDO_VERSION, "issuingElementIdentification", site, "eidoExtensionId", EIDO_EXT_ID);
    json_t *ic = component(c, dc_id(c, "incident", "1"), NULL);
    json_t *ext =
        json_pack("{s:b,s:i,s:s?,s:s?,s:b,s:s?,s:s?,s:s?,s:s?,s:[]}", "wideArea",
                  json_is_true(json_object_get(inc, "wide_area")), "priority", p, "category",
                  t ? t->category : str(inc, "category"), "station", str(inc, "station"),
                  "callerNumberWithheld", json_is_true(json_object_get(inc, "location_withheld")),
                  "createdAt", str(inc, "created_at"), "dispatchedAt", str(inc, "dispatched_at"),
                  "onSceneAt", str(inc, "on_scene_at"), "closedAt", str(inc, "closed_at"), "units");
    if (!c->eido || !ic || !ext) {
        json_decref(ic);
        json_decref(ext);
        return kt_fail(KT_ENOMEM, "EIDO: out of memory");
    }
    int rc = set(ic, "incidentTypeCommonRegistryText", json_string(registry)) ||
             set(ic, "incidentTypeInternalCode", json_string(type ? type : "other")) ||
             set(ic, "incidentTypeInternalText",
                 json_string(t                        ? t->label
                             : str(inc, "type_label") ? str(inc, "type_label")
                                                      : "")) ||
             set(ic, "incidentStatusInternalText", json_pack("[s]", status ? status : "open")) ||
             set(ic, "incidentStatusCommonRegistryText", status_registry(status)) ||
             set(ic, "internalIncidentId", json_string(id)) ||
             set(ic, "incidentPriorityInternalText", json_sprintf("%d", p)) ||
             set(ic, "incidentCommonPriorityNumber", json_integer(priority_to_common(p)));
    if (!rc && str(inc, "station"))
        rc = set(ic, "beatOrDispatchGroupText", json_string(str(inc, "station")));
    rc = rc ? KT_ENOMEM : add_location(c, inc, ic);
    if (!rc) rc = add_call(c, inc, json_array_get(json_object_get(ic, "locationReference"), 0));
    if (!rc) rc = add_notes(c, inc, ic);
    if (!rc) rc = add_disposition(c, inc, ic);
    if (!rc) rc = add_units(c, inc, json_object_get(ext, "units"));
    if (!rc && str(inc, "merged_into")) {
        json_t *m = component(c, dc_id(c, "merge", "1"), NULL);
        rc = !m ||
             set(m, "incidentTrackingIdentifier",
                 json_sprintf(ITI_PREFIX "%s:%s", str(inc, "merged_into"), c->agency)) ||
             set(m, "incidentMergeDirectionCode", json_string("REPLACING"));
        rc = rc ? (json_decref(m), KT_ENOMEM) : add(c, "mergeComponent", m);
    }
    if (!rc)
        rc = set(c->eido, "incidentComponent", ic) ? KT_ENOMEM : 0;
    else
        json_decref(ic);
    ic = NULL;
    if (!rc) {
        json_t *agency = component(c, json_string(c->agency), NULL);
        rc = !agency ||
             set(agency, "agencyRoleDescriptionRegistryText",
                 json_pack("[s,s]", "CallReceiving", "Dispatching")) ||
             set(agency, "agencyType", json_pack("[s]", "police")) ||
             set(agency, "incidentOwningAgencyIndicator", json_true());
        rc = rc ? (json_decref(agency), KT_ENOMEM) : add(c, "agencyComponent", agency);
    }
    if (!rc)
        rc = set(c->eido, EIDO_EXT_MEMBER, ext);
    else
        json_decref(ext);
    return rc ? (rc == KT_ENOMEM ? kt_fail(KT_ENOMEM, "EIDO: out of memory") : rc) : 0;
}

int dispatch_eido_from_incident(const json_t *incident, const char *site, json_t **out)
{
    *out = NULL;
    if (!json_is_object(incident) || !str(incident, "id") || !*str(incident, "id"))
        return kt_fail(KT_EINVAL, "incident: an object with an id is required");
    if (!site || !*site) return kt_fail(KT_EINVAL, "site is required");
    struct ctx c = {.agency = str(incident, "agency"), .ts = NULL, .eido = NULL};
    if (!c.agency || !*c.agency) c.agency = site;
    static const char *const times[] = {"created_at", "dispatched_at", "on_scene_at", "closed_at"};
    for (size_t i = 0; i < LEN(times); i++)
        c.ts = later(c.ts, str(incident, times[i]));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(incident, "timeline"), i, e) c.ts =
        later(c.ts, str(e, "ts"));
    char now[32];
    if (!c.ts) {
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        c.ts = now;
    }
    int rc = build_eido(&c, incident, site);
    if (rc) {
        json_decref(c.eido);
        return rc;
    }
    *out = c.eido;
    return 0;
}

/* ======================================================================================
 * Import: everything comes from outside. Malformed (wrong JSON type, missing member, too
 * long) is KT_EINVAL; well-formed but unusable (version, dangling reference, coordinates out
 * of range) is KT_EVALID. Messages name the member by its path.
 * ====================================================================================== */

/* A string member: required or not, 1..max bytes, no NUL. */
static int in_str(const json_t *o, const char *path, const char *key, int required, size_t max,
                  const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v) return required ? kt_fail(KT_EINVAL, "EIDO: %s.%s is required", path, key) : 0;
    if (!json_is_string(v)) return kt_fail(KT_EINVAL, "EIDO: %s.%s must be a string", path, key);
    size_t n = json_string_length(v);
    if (n > max || (required && n == 0))
        return kt_fail(KT_EINVAL, "EIDO: %s.%s must be %d to %zu bytes", path, key, required, max);
    if (strlen(json_string_value(v)) != n)
        return kt_fail(KT_EINVAL, "EIDO: %s.%s holds a NUL character", path, key);
    *out = json_string_value(v);
    return 0;
}

/* An array member of at most ARRAY_MAX elements (NULL when absent), each an object when
 * objects is set. */
static int in_array(const json_t *o, const char *path, const char *key, int objects,
                    const json_t **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v) return 0;
    if (!json_is_array(v)) return kt_fail(KT_EINVAL, "EIDO: %s.%s must be an array", path, key);
    if (json_array_size(v) > ARRAY_MAX)
        return kt_fail(KT_EINVAL, "EIDO: %s.%s has more than %d elements", path, key, ARRAY_MAX);
    size_t i;
    json_t *e;
    json_array_foreach(
        v, i, e) if (objects
                         ? !json_is_object(e)
                         : !json_is_string(e)) return kt_fail(KT_EINVAL,
                                                              "EIDO: %s.%s[%zu] must be %s", path,
                                                              key, i,
                                                              objects ? "an object" : "a string");
    *out = v;
    return 0;
}

/* RFC 3339 date-time (NENA-STA-010 timestamps): 2021-04-30T14:43:49.439-04:00. */
static int rfc3339(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t i = 0;
    for (; shape[i]; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return 0;
    if (s[i] == '.') {
        size_t start = ++i;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start || i - start > 9) return 0;
    }
    if (s[i] == 'Z' || s[i] == 'z') return s[i + 1] == '\0';
    if (s[i] != '+' && s[i] != '-') return 0;
    const char *z = s + i + 1;
    return z[0] >= '0' && z[0] <= '9' && z[1] >= '0' && z[1] <= '9' && z[2] == ':' && z[3] >= '0' &&
           z[3] <= '9' && z[4] >= '0' && z[4] <= '9' && z[5] == '\0';
}

/* The common prologue of a data component. */
static int in_prologue(const json_t *comp, const char *path)
{
    const char *id, *ts;
    if (in_str(comp, path, "$id", 1, ID_MAX, &id) ||
        in_str(comp, path, "lastUpdateTimeStamp", 1, 64, &ts))
        return KT_EINVAL;
    if (!rfc3339(ts))
        return kt_fail(KT_EINVAL, "EIDO: %s.lastUpdateTimeStamp is not an RFC 3339 date-time",
                       path);
    return 0;
}

/* Every element of a top-level component array, checked for its prologue. */
static int in_components(const json_t *eido, const char *key, const json_t **out)
{
    if (in_array(eido, "eido", key, 1, out)) return KT_EINVAL;
    size_t i;
    json_t *e;
    char path[64];
    json_array_foreach(*out, i, e)
    {
        snprintf(path, sizeof path, "%s[%zu]", key, i);
        if (in_prologue(e, path)) return KT_EINVAL;
    }
    return 0;
}

/* Resolves {"$ref": ID} against the components in arr. */
static int in_ref(const json_t *r, const char *path, const json_t *arr, const json_t **out)
{
    const char *id;
    *out = NULL;
    if (!json_is_object(r)) return kt_fail(KT_EINVAL, "EIDO: %s must be a reference object", path);
    if (in_str(r, path, "$ref", 1, ID_MAX, &id)) return KT_EINVAL;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) if (strcmp(str(e, "$id"), id) == 0)
    {
        *out = e;
        return 0;
    }
    return kt_fail(KT_EVALID, "EIDO: %s refers to %s, which is not in the EIDO", path, id);
}

/* ---- PIDF-LO ---- */

/* Reads the geodetic point (and circle radius) of a PIDF-LO into body, through the same
 * parser as a carrier's PIDF-LO at intake; when it has only a civic address and body has no
 * address yet, that address. */
static int in_pidf(const char *xml, json_t *body)
{
    struct geo_fix fix;
    int grc = geo_pidf_parse(xml, strlen(xml), &fix);
    if (grc == 0) {
        json_object_set_new(body, "lat", json_real(fix.lat));
        json_object_set_new(body, "lon", json_real(fix.lon));
        if (fix.radius_m > 0) json_object_set_new(body, "uncertainty_m", json_real(fix.radius_m));
        return 0;
    }
    char why[256];
    snprintf(why, sizeof why, "%s", kt_errmsg());
    xmlDocPtr doc;
    int rc = interop_xml_read("EIDO locationByValue (PIDF-LO)", xml, strlen(xml), PIDF_MAX, &doc);
    if (rc) return rc == KT_ETOOBIG ? KT_EINVAL : rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root->ns || strcmp((const char *)root->ns->href, PIDF_NS) != 0 ||
        strcmp((const char *)root->name, "presence") != 0) {
        xmlFreeDoc(doc);
        return kt_fail(KT_EINVAL, "EIDO: locationByValue must be a PIDF-LO <presence> document");
    }
    xmlNodePtr shape = interop_xml_child(root, GS_NS, "Circle", 1);
    if (!shape) shape = interop_xml_child(root, GML_NS, "Point", 1);
    if (shape) {
        rc = kt_fail(grc, "EIDO: %s", why);
    } else if (!json_object_get(body, "address")) {
        static const char *const parts[] = {"A1", "A2", "A3", "A4", "A5", "A6", "RD", "HNO", "LOC"};
        xmlNodePtr civic = interop_xml_child(root, CA_NS, "civicAddress", 1);
        struct kt_buf b;
        kt_buf_init(&b, ADDRESS_MAX);
        for (size_t i = 0; civic && i < LEN(parts); i++) {
            xmlNodePtr n = interop_xml_child(civic, CA_NS, parts[i], 0);
            char *t = n ? interop_xml_text(n) : NULL;
            if (t) kt_buf_puts(&b, t);
            xmlFree(t);
        }
        size_t len;
        char *a = kt_buf_take(&b, &len);
        if (!a)
            rc = kt_fail(KT_EINVAL, "EIDO: PIDF-LO civic address over %d bytes", ADDRESS_MAX);
        else if (len)
            json_object_set_new(body, "address", json_stringn(a, len));
        free(a);
    }
    xmlFreeDoc(doc);
    return rc;
}

/* ---- components ---- */

static int in_location(const json_t *eido, const json_t *ic, json_t *body)
{
    const json_t *locs, *refs = NULL, *loc = NULL;
    if (in_components(eido, "locationComponent", &locs)) return KT_EINVAL;
    if (ic && in_array(ic, "incidentComponent", "locationReference", 1, &refs)) return KT_EINVAL;
    int rc = json_array_size(refs) ? in_ref(json_array_get(refs, 0),
                                            "incidentComponent.locationReference[0]", locs, &loc)
                                   : 0;
    if (rc) return rc;
    /* Without a reference from the incident, the best typed location there is. */
    static const char *const pref[] = {"CurrentIncident", "InitialIncident", "Caller"};
    for (size_t k = 0; !loc && k < LEN(pref); k++) {
        size_t i;
        json_t *e;
        json_array_foreach(locs, i, e)
        {
            const char *t = str(e, "locationTypeDescriptionRegistryText");
            if (t && strcmp(t, pref[k]) == 0 && json_object_get(e, "locationByValue")) {
                loc = e;
                break;
            }
        }
    }
    if (!loc) return 0;
    const char *type, *value, *desc;
    if (in_str(loc, "locationComponent", "locationTypeDescriptionRegistryText", 1, CODE_MAX,
               &type) ||
        in_str(loc, "locationComponent", "locationByValue", 0, PIDF_MAX, &value) ||
        in_str(loc, "locationComponent", "locationDescriptionText", 0, ADDRESS_MAX, &desc))
        return KT_EINVAL;
    if (desc && *desc) json_object_set_new(body, "address", json_string(desc));
    return value ? in_pidf(value, body) : 0;
}

/* tel:+81312345678, tel:03-1234-5678;phone-context=+81 → the number as typed. */
static int in_tel(const char *uri, json_t *body)
{
    if (strncmp(uri, "tel:", 4) != 0) return 0;
    const char *n = uri + 4;
    size_t len = strcspn(n, ";");
    if (len == 0 || len > NUMBER_MAX)
        return kt_fail(KT_EINVAL, "EIDO: callback number must be 1 to %d characters", NUMBER_MAX);
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789-.()", n[i]) && !(i == 0 && n[i] == '+'))
            return kt_fail(KT_EINVAL, "EIDO: callback number holds '%c'", n[i]);
    json_object_set_new(body, "caller_number", json_stringn(n, len));
    return 1;
}

static int in_caller(const json_t *eido, json_t *body)
{
    const json_t *calls, *cbs, *persons, *cb = NULL;
    if (in_components(eido, "callComponent", &calls) ||
        in_components(eido, "callbackComponent", &cbs) ||
        in_components(eido, "personComponent", &persons))
        return KT_EINVAL;
    json_t *r = json_object_get(json_array_get(calls, 0), "callBackReference");
    int rc = r ? in_ref(r, "callComponent[0].callBackReference", cbs, &cb) : 0;
    if (rc) return rc;
    if (!cb) cb = json_array_get(cbs, 0);
    const json_t *uris;
    if (!cb || in_array(cb, "callbackComponent", "callBackInformationUri", 0, &uris))
        return cb ? KT_EINVAL : 0;
    size_t i;
    json_t *u;
    json_array_foreach(uris, i, u)
    {
        if (json_string_length(u) > ID_MAX)
            return kt_fail(KT_EINVAL, "EIDO: callBackInformationUri[%zu] is too long", i);
        rc = in_tel(json_string_value(u), body);
        if (rc) return rc < 0 ? rc : 0;
    }
    return 0;
}

/* The narrative: the notes the incident refers to, in order, HTML reduced to text. */
static int in_narrative(const json_t *eido, const json_t *ic, json_t *body)
{
    const json_t *notes, *refs;
    if (in_components(eido, "notesComponent", &notes) ||
        (ic && in_array(ic, "incidentComponent", "notesReference", 1, &refs)))
        return KT_EINVAL;
    if (!ic) return 0;
    struct kt_buf b;
    kt_buf_init(&b, NARRATIVE_MAX);
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r)
    {
        const json_t *note;
        const char *html;
        char path[64];
        snprintf(path, sizeof path, "incidentComponent.notesReference[%zu]", i);
        int rc = in_ref(r, path, notes, &note);
        if (!rc) rc = in_str(note, "notesComponent", "notesActionComments", 1, NOTE_MAX, &html);
        if (rc) {
            kt_buf_free(&b);
            return rc;
        }
        if (b.len) kt_buf_puts(&b, "\n");
        /* Tags dropped (<br> and </p> become line breaks), the XML entities decoded. */
        for (const char *p = html; *p; p++) {
            if (*p == '<') {
                const char *end = strchr(p, '>');
                if (!end) break;
                if (strncmp(p, "<br", 3) == 0 || strncmp(p, "</p", 3) == 0) kt_buf_puts(&b, "\n");
                p = end;
            } else if (*p == '&') {
                static const struct {
                    const char *ent, *ch;
                } ents[] = {{"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},  {"&quot;", "\""},
                            {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
                size_t k = 0;
                while (k < LEN(ents) && strncmp(p, ents[k].ent, strlen(ents[k].ent)) != 0)
                    k++;
                kt_buf_puts(&b, k < LEN(ents) ? ents[k].ch : "&");
                if (k < LEN(ents)) p += strlen(ents[k].ent) - 1;
            } else {
                kt_buf_append(&b, p, 1);
            }
        }
    }
    size_t len;
    char *text = kt_buf_take(&b, &len);
    if (!text) return kt_fail(KT_EVALID, "EIDO: narrative notes over %d bytes", NARRATIVE_MAX);
    while (len && strchr(" \n", text[len - 1]))
        len--;
    if (len) json_object_set_new(body, "narrative", json_stringn(text, len));
    free(text);
    return 0;
}

static int in_incident(const json_t *ic, json_t *body)
{
    const char *reg, *s;
    if (in_prologue(ic, "incidentComponent") ||
        in_str(ic, "incidentComponent", "incidentTypeCommonRegistryText", 1, CODE_MAX, &reg) ||
        in_str(ic, "incidentComponent", "incidentTypeInternalCode", 0, CODE_MAX, &s) ||
        in_str(ic, "incidentComponent", "internalIncidentId", 0, ID_MAX, &s))
        return KT_EINVAL;
    const char *type = "other";
    for (size_t k = 0; k < LEN(type_map); k++)
        if (strcmp(type_map[k].registry, reg) == 0) {
            type = type_map[k].code;
            break;
        }
    json_object_set_new(body, "type", json_string(type));
    json_t *p = json_object_get(ic, "incidentCommonPriorityNumber");
    if (p) {
        if (!json_is_integer(p))
            return kt_fail(KT_EINVAL, "EIDO: incidentComponent.incidentCommonPriorityNumber "
                                      "must be an integer");
        if (json_integer_value(p) < 0 || json_integer_value(p) > 10)
            return kt_fail(KT_EVALID, "EIDO: incidentComponent.incidentCommonPriorityNumber "
                                      "must be 0 to 10");
        json_object_set_new(body, "priority",
                            json_integer(priority_from_common(json_integer_value(p))));
    }
    return 0;
}

/* Our own extension, when the sender says it uses it. */
static int in_extension(const json_t *eido, json_t *body)
{
    const json_t *ids;
    if (in_array(eido, "eido", "eidoExtensionId", 0, &ids)) return KT_EINVAL;
    size_t i;
    json_t *e;
    int ours = 0;
    json_array_foreach(ids, i, e) ours |= strcmp(json_string_value(e), EIDO_EXT_ID) == 0;
    json_t *ext = json_object_get(eido, EIDO_EXT_MEMBER);
    if (!ours || !ext) return 0;
    if (!json_is_object(ext))
        return kt_fail(KT_EINVAL, "EIDO: %s must be an object", EIDO_EXT_MEMBER);
    static const struct {
        const char *member, *field;
    } flags[] = {{"wideArea", "wide_area"}, {"callerNumberWithheld", "location_withheld"}};
    for (size_t k = 0; k < LEN(flags); k++) {
        json_t *v = json_object_get(ext, flags[k].member);
        if (!v) continue;
        if (!json_is_boolean(v))
            return kt_fail(KT_EINVAL, "EIDO: %s.%s must be a boolean", EIDO_EXT_MEMBER,
                           flags[k].member);
        if (json_is_true(v)) json_object_set_new(body, flags[k].field, json_true());
    }
    return 0;
}

int dispatch_eido_to_incident(const json_t *eido, json_t **body, char *ext_id, size_t cap)
{
    const char *version, *iti, *issuer;
    const json_t *agencies;
    *body = NULL;
    if (cap) ext_id[0] = '\0';
    if (!json_is_object(eido)) return kt_fail(KT_EINVAL, "EIDO: must be a JSON object");
    if (in_prologue(eido, "eido") || in_str(eido, "eido", "eidoVersion", 1, 16, &version) ||
        in_str(eido, "eido", "issuingElementIdentification", 1, ID_MAX, &issuer) ||
        in_components(eido, "agencyComponent", &agencies))
        return KT_EINVAL;
    iti = str(eido, "$id");
    if (strncmp(version, "1.", 2) != 0 || !version[2] ||
        strspn(version + 2, "0123456789") != strlen(version + 2))
        return kt_fail(KT_EVALID, "EIDO: eidoVersion %s is not supported (1.x)", version);
    if (!json_array_size(agencies))
        return kt_fail(KT_EINVAL, "EIDO: agencyComponent needs at least one agency");
    if (strlen(iti) >= cap)
        return kt_fail(KT_EINVAL, "EIDO: $id is longer than %zu bytes", cap ? cap - 1 : 0);
    json_t *ic = json_object_get(eido, "incidentComponent");
    if (ic && !json_is_object(ic))
        return kt_fail(KT_EINVAL, "EIDO: incidentComponent must be an object");
    json_t *b = json_pack("{s:s}", "type", "other");
    if (!b) return kt_fail(KT_ENOMEM, "EIDO: out of memory");
    int rc = ic ? in_incident(ic, b) : 0;
    if (!rc) rc = in_location(eido, ic, b);
    if (!rc) rc = in_caller(eido, b);
    if (!rc) rc = in_narrative(eido, ic, b);
    if (!rc) rc = in_extension(eido, b);
    if (rc) {
        json_decref(b);
        return rc;
    }
    memcpy(ext_id, iti, strlen(iti) + 1);
    *body = b;
    return 0;
}
