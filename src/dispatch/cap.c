/* OASIS CAP 1.2 for the emergency deployment (緊急配備) broadcast. The alert is written with
 * an escaping writer so that its bytes are fixed (the golden file pins them) and read back
 * with libxml2 under interop_xml_read()'s rules. */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "dispatch/interop.h"
#include "dispatch/interop_xml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_MAX_BYTES (256 * 1024)
/* Longest headline, description and identifiers we send or accept (bytes). */
#define CAP_TEXT_MAX 8192
#define CAP_ID_MAX 256
#define CAP_POLYGON_MAX 1000
#define CAP_RADIUS_MAX_M 1000000.0
#define CAP_EVENT "緊急配備"
#define CAP_AREA_DEFAULT "緊急配備区域"
#define CAP_TZ_SECONDS (9 * 3600) /* sent is written in JST, as Japanese receivers expect */

/* ---- values ---- */

static int text_field(const json_t *o, const char *key, int required, size_t max, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return kt_fail(KT_EINVAL, "%s is required", key);
        return 0;
    }
    if (!json_is_string(v)) return kt_fail(KT_EINVAL, "%s must be a string", key);
    size_t n = json_string_length(v);
    if (n == 0 || n > max) return kt_fail(KT_EINVAL, "%s must be 1 to %zu bytes", key, max);
    if (strlen(json_string_value(v)) != n) return kt_fail(KT_EINVAL, "%s holds a NUL", key);
    *out = json_string_value(v);
    return 0;
}

/* CAP 1.2 3.2.1: identifier and sender must not include spaces, commas or < and &. */
static int cap_token(const char *key, const char *s)
{
    for (const char *p = s; *p; p++)
        if (strchr(" ,<&\t\r\n", *p))
            return kt_fail(KT_EINVAL, "%s must not contain spaces, commas, '<' or '&'", key);
    return 0;
}

static int number(const json_t *v, const char *what, double lo, double hi, double *out)
{
    if (!json_is_number(v)) return kt_fail(KT_EINVAL, "%s must be a number", what);
    double d = json_number_value(v);
    if (!isfinite(d) || d < lo || d > hi)
        return kt_fail(KT_EINVAL, "%s must be between %g and %g", what, lo, hi);
    *out = d;
    return 0;
}

/* Shortest fixed notation with at most `decimals` places: 35.6895, 139.7, 5. */
static void fmt_num(double d, int decimals, char *out, size_t cap)
{
    snprintf(out, cap, "%.*f", decimals, d);
    char *dot = strchr(out, '.');
    if (!dot) return;
    char *end = out + strlen(out) - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot) *end = '\0';
    if (strcmp(out, "-0") == 0) snprintf(out, cap, "0");
}

static void put_point(struct kt_buf *b, double lat, double lon)
{
    char la[32], lo[32];
    fmt_num(lat, 6, la, sizeof la);
    fmt_num(lon, 6, lo, sizeof lo);
    kt_buf_printf(b, "%s,%s", la, lo);
}

/* ---- build ---- */

static int build_polygon(struct kt_buf *b, const json_t *poly)
{
    size_t n = json_array_size(poly);
    if (!json_is_array(poly) || n < 4 || n > CAP_POLYGON_MAX)
        return kt_fail(KT_EINVAL, "polygon must be an array of 4 to %d [lat,lon] pairs",
                       CAP_POLYGON_MAX);
    double first[2] = {0, 0}, last[2] = {0, 0};
    kt_buf_puts(b, "      <polygon>");
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(poly, i);
        double lat = 0, lon = 0; /* set by number(); zero keeps GCC -O3 quiet */
        if (!json_is_array(p) || json_array_size(p) != 2)
            return kt_fail(KT_EINVAL, "polygon[%zu] must be [lat,lon]", i);
        if (number(json_array_get(p, 0), "polygon latitude", -90, 90, &lat) ||
            number(json_array_get(p, 1), "polygon longitude", -180, 180, &lon))
            return KT_EINVAL;
        if (i) kt_buf_puts(b, " ");
        put_point(b, lat, lon);
        if (i == 0) first[0] = lat, first[1] = lon;
        last[0] = lat, last[1] = lon;
    }
    if (first[0] != last[0] || first[1] != last[1])
        return kt_fail(KT_EINVAL, "polygon must be closed (first point = last point)");
    kt_buf_puts(b, "</polygon>\n");
    return 0;
}

static int build_circle(struct kt_buf *b, const json_t *c)
{
    double lat = 0, lon = 0, r = 0;
    if (!json_is_object(c)) return kt_fail(KT_EINVAL, "circle must be an object");
    if (number(json_object_get(c, "lat"), "circle.lat", -90, 90, &lat) ||
        number(json_object_get(c, "lon"), "circle.lon", -180, 180, &lon) ||
        number(json_object_get(c, "radius_m"), "circle.radius_m", 0, CAP_RADIUS_MAX_M, &r))
        return KT_EINVAL;
    char km[32];
    fmt_num(r / 1000.0, 3, km, sizeof km);
    kt_buf_puts(b, "      <circle>");
    put_point(b, lat, lon);
    kt_buf_printf(b, " %s</circle>\n", km);
    return 0;
}

static int element(struct kt_buf *b, const char *indent, const char *name, const char *value)
{
    kt_buf_printf(b, "%s<%s>", indent, name);
    int rc = interop_xml_escape(b, name, value);
    kt_buf_printf(b, "</%s>\n", name);
    return rc;
}

static int build(const json_t *alert, struct kt_buf *b)
{
    const char *id, *sender, *sent, *headline, *desc, *incident, *area_desc;
    if (!json_is_object(alert)) return kt_fail(KT_EINVAL, "alert must be an object");
    if (text_field(alert, "identifier", 1, CAP_ID_MAX, &id) ||
        text_field(alert, "sender", 1, CAP_ID_MAX, &sender) ||
        text_field(alert, "sent", 1, 64, &sent) ||
        text_field(alert, "headline", 1, CAP_TEXT_MAX, &headline) ||
        text_field(alert, "description", 1, CAP_TEXT_MAX, &desc) ||
        text_field(alert, "incident", 0, CAP_ID_MAX, &incident) ||
        text_field(alert, "area_desc", 0, CAP_TEXT_MAX, &area_desc) ||
        cap_token("identifier", id) || cap_token("sender", sender))
        return KT_EINVAL;
    int64_t ms;
    if (jtime_parse_utc(sent, &ms))
        return kt_fail(KT_EINVAL, "sent must be UTC ISO 8601 (2026-11-23T02:00:00.000Z)");
    time_t t = (time_t)(ms / 1000) + CAP_TZ_SECONDS;
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d+09:00", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    json_t *poly = json_object_get(alert, "polygon"), *circle = json_object_get(alert, "circle");
    if (json_is_null(poly)) poly = NULL;
    if (json_is_null(circle)) circle = NULL;

    kt_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"" CAP_NS "\">\n");
    if (element(b, "  ", "identifier", id) || element(b, "  ", "sender", sender)) return KT_EINVAL;
    kt_buf_printf(b,
                  "  <sent>%s</sent>\n  <status>Actual</status>\n  <msgType>Alert</msgType>\n"
                  "  <scope>Restricted</scope>\n  <restriction>police</restriction>\n"
                  "  <info>\n    <language>ja-JP</language>\n    <category>Security</category>\n"
                  "    <event>" CAP_EVENT "</event>\n    <urgency>Immediate</urgency>\n"
                  "    <severity>Severe</severity>\n    <certainty>Observed</certainty>\n",
                  when);
    if (element(b, "    ", "headline", headline) || element(b, "    ", "description", desc))
        return KT_EINVAL;
    if (incident) {
        kt_buf_puts(b, "    <parameter>\n      <valueName>incident</valueName>\n");
        if (element(b, "      ", "value", incident)) return KT_EINVAL;
        kt_buf_puts(b, "    </parameter>\n");
    }
    if (poly || circle || area_desc) {
        kt_buf_puts(b, "    <area>\n");
        if (element(b, "      ", "areaDesc", area_desc ? area_desc : CAP_AREA_DEFAULT))
            return KT_EINVAL;
        if ((poly && build_polygon(b, poly)) || (circle && build_circle(b, circle)))
            return KT_EINVAL;
        kt_buf_puts(b, "    </area>\n");
    }
    kt_buf_puts(b, "  </info>\n</alert>\n");
    return 0;
}

int dispatch_cap_build(const json_t *alert, char **xml, size_t *len)
{
    struct kt_buf b;
    kt_buf_init(&b, CAP_MAX_BYTES);
    *xml = NULL;
    *len = 0;
    int rc = build(alert, &b);
    if (rc) {
        kt_buf_free(&b);
        return rc;
    }
    *xml = kt_buf_take(&b, len);
    if (!*xml) return kt_fail(KT_ETOOBIG, "CAP alert over %d bytes", CAP_MAX_BYTES);
    return 0;
}

/* ---- parse ---- */

/* CAP dateTime: YYYY-MM-DDThh:mm:ss followed by +hh:mm or -hh:mm (no Z, no fraction). */
static int parse_sent(const char *s, int64_t *ms)
{
    if (strlen(s) != 25 || (s[19] != '+' && s[19] != '-') || s[22] != ':')
        return kt_fail(KT_EINVAL, "CAP: sent must be YYYY-MM-DDThh:mm:ss+hh:mm");
    char utc[21];
    memcpy(utc, s, 19);
    utc[19] = 'Z';
    utc[20] = '\0';
    int oh = 0, om = 0;
    for (int i = 20; i < 25; i++)
        if (i != 22 && (s[i] < '0' || s[i] > '9'))
            return kt_fail(KT_EINVAL, "CAP: sent has a bad time zone offset");
    oh = (s[20] - '0') * 10 + (s[21] - '0');
    om = (s[23] - '0') * 10 + (s[24] - '0');
    if (oh > 14 || om > 59 || jtime_parse_utc(utc, ms))
        return kt_fail(KT_EINVAL, "CAP: sent is not a valid date and time");
    int64_t off = ((int64_t)oh * 3600 + om * 60) * 1000;
    *ms += s[19] == '+' ? -off : off;
    return 0;
}

/* Reads "lat,lon" at *p (advancing past it). */
static int parse_point(const char **p, double *lat, double *lon)
{
    char *end;
    *lat = strtod(*p, &end);
    if (end == *p || *end != ',') return -1;
    const char *q = end + 1;
    *lon = strtod(q, &end);
    if (end == q || !isfinite(*lat) || !isfinite(*lon) || *lat < -90 || *lat > 90 || *lon < -180 ||
        *lon > 180)
        return -1;
    *p = end;
    return 0;
}

static int parse_polygon(const char *s, json_t *out)
{
    json_t *ring = json_array();
    const char *p = s;
    while (*p) {
        double lat, lon;
        if (json_array_size(ring) >= CAP_POLYGON_MAX || parse_point(&p, &lat, &lon) ||
            (*p && *p != ' ')) {
            json_decref(ring);
            return kt_fail(KT_EINVAL, "CAP: polygon must be up to %d \"lat,lon\" pairs",
                           CAP_POLYGON_MAX);
        }
        json_array_append_new(ring, json_pack("[f,f]", lat, lon));
        while (*p == ' ')
            p++;
    }
    size_t n = json_array_size(ring);
    if (n < 4 || !json_equal(json_array_get(ring, 0), json_array_get(ring, n - 1))) {
        json_decref(ring);
        return kt_fail(KT_EINVAL, "CAP: polygon needs 4 or more points, first = last");
    }
    json_object_set_new(out, "polygon", ring);
    return 0;
}

static int parse_circle(const char *s, json_t *out)
{
    const char *p = s;
    double lat, lon, km;
    char *end;
    if (parse_point(&p, &lat, &lon) || *p != ' ')
        return kt_fail(KT_EINVAL, "CAP: circle must be \"lat,lon radius\"");
    km = strtod(p + 1, &end);
    if (end == p + 1 || *end || !isfinite(km) || km < 0 || km * 1000.0 > CAP_RADIUS_MAX_M)
        return kt_fail(KT_EINVAL, "CAP: circle radius must be 0 to %g km",
                       CAP_RADIUS_MAX_M / 1000.0);
    json_object_set_new(out, "circle",
                        json_pack("{s:f,s:f,s:f}", "lat", lat, "lon", lon, "radius_m",
                                  round(km * 1000000.0) / 1000.0));
    return 0;
}

/* Copies the text of parent's child `name` into out[key]; with `expect`, the text must be
 * that value. */
static int take(xmlNodePtr parent, const char *name, int required, const char *expect, json_t *out,
                const char *key)
{
    xmlNodePtr n = interop_xml_child(parent, CAP_NS, name, 0);
    if (!n) return required ? kt_fail(KT_EINVAL, "CAP: <%s> is missing", name) : 0;
    if (interop_xml_count(parent, CAP_NS, name) > 1)
        return kt_fail(KT_EINVAL, "CAP: more than one <%s>", name);
    char *t = interop_xml_text(n);
    if (!t) return kt_fail(KT_ENOMEM, "CAP: out of memory");
    int rc = 0;
    if (!t[0] || strlen(t) > CAP_TEXT_MAX)
        rc = kt_fail(KT_EINVAL, "CAP: <%s> must hold 1 to %d bytes", name, CAP_TEXT_MAX);
    else if (expect && strcmp(t, expect) != 0)
        rc = kt_fail(KT_EINVAL, "CAP: <%s> must be %s", name, expect);
    else if (key)
        json_object_set_new(out, key, json_string(t));
    xmlFree(t);
    return rc;
}

static int parse_area(xmlNodePtr area, json_t *out)
{
    if (take(area, "areaDesc", 1, NULL, out, "area_desc")) return KT_EINVAL;
    const struct {
        const char *name;
        int (*fn)(const char *, json_t *);
    } shapes[] = {{"polygon", parse_polygon}, {"circle", parse_circle}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        xmlNodePtr n = interop_xml_child(area, CAP_NS, shapes[i].name, 0);
        if (!n) continue;
        if (interop_xml_count(area, CAP_NS, shapes[i].name) > 1)
            return kt_fail(KT_EINVAL, "CAP: more than one <%s>", shapes[i].name);
        char *t = interop_xml_text(n);
        int rc = t ? shapes[i].fn(t, out) : kt_fail(KT_ENOMEM, "CAP: out of memory");
        xmlFree(t);
        if (rc) return rc;
    }
    return 0;
}

/* A required child whose text is one of the space-separated words of `allowed`. */
static int one_of(xmlNodePtr parent, const char *name, const char *allowed)
{
    if (take(parent, name, 1, NULL, NULL, NULL)) return KT_EINVAL;
    char *t = interop_xml_text(interop_xml_child(parent, CAP_NS, name, 0));
    size_t n = t ? strlen(t) : 0;
    int ok = 0;
    for (const char *p = allowed; n && *p; p += strcspn(p, " "), p += *p == ' ')
        ok |= strncmp(p, t, n) == 0 && (p[n] == ' ' || p[n] == '\0');
    xmlFree(t);
    return ok ? 0 : kt_fail(KT_EINVAL, "CAP: <%s> must be one of %s", name, allowed);
}

static int parse_info(xmlNodePtr info, json_t *out)
{
    if (take(info, "language", 0, "ja-JP", out, NULL) ||
        take(info, "category", 1, "Security", out, NULL) ||
        take(info, "event", 1, CAP_EVENT, out, NULL) ||
        one_of(info, "urgency", "Immediate Expected Future Past Unknown") ||
        one_of(info, "severity", "Extreme Severe Moderate Minor Unknown") ||
        one_of(info, "certainty", "Observed Likely Possible Unlikely Unknown") ||
        take(info, "headline", 1, NULL, out, "headline") ||
        take(info, "description", 1, NULL, out, "description"))
        return KT_EINVAL;
    /* The incident id is the parameter named "incident"; other parameters are not ours. */
    for (xmlNodePtr p = interop_xml_child(info, CAP_NS, "parameter", 0); p; p = p->next) {
        xmlNodePtr name = interop_xml_child(p, CAP_NS, "valueName", 0);
        if (p->type != XML_ELEMENT_NODE || !name || strcmp((const char *)p->name, "parameter") ||
            !p->ns || strcmp((const char *)p->ns->href, CAP_NS))
            continue;
        char *t = interop_xml_text(name);
        int ours = t && strcmp(t, "incident") == 0;
        xmlFree(t);
        if (ours && take(p, "value", 1, NULL, out, "incident")) return KT_EINVAL;
    }
    xmlNodePtr area = interop_xml_child(info, CAP_NS, "area", 0);
    if (interop_xml_count(info, CAP_NS, "area") > 1)
        return kt_fail(KT_EINVAL, "CAP: more than one <area>");
    return area ? parse_area(area, out) : 0;
}

static int parse_doc(xmlDocPtr doc, json_t *out)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root->ns || strcmp((const char *)root->ns->href, CAP_NS) != 0 ||
        strcmp((const char *)root->name, "alert") != 0)
        return kt_fail(KT_EINVAL, "CAP: root must be <alert> in %s", CAP_NS);
    if (take(root, "identifier", 1, NULL, out, "identifier") ||
        take(root, "sender", 1, NULL, out, "sender") || take(root, "sent", 1, NULL, out, "sent") ||
        take(root, "status", 1, "Actual", out, NULL) ||
        take(root, "msgType", 1, "Alert", out, NULL) ||
        take(root, "scope", 1, "Restricted", out, NULL) ||
        take(root, "restriction", 1, NULL, out, NULL) ||
        cap_token("identifier", json_string_value(json_object_get(out, "identifier"))) ||
        cap_token("sender", json_string_value(json_object_get(out, "sender"))))
        return KT_EINVAL;
    int64_t ms;
    if (parse_sent(json_string_value(json_object_get(out, "sent")), &ms)) return KT_EINVAL;
    char utc[32];
    jtime_format_utc(ms, utc, sizeof utc);
    json_object_set_new(out, "sent", json_string(utc));
    xmlNodePtr info = interop_xml_child(root, CAP_NS, "info", 0);
    if (!info) return kt_fail(KT_EINVAL, "CAP: <info> is missing");
    if (interop_xml_count(root, CAP_NS, "info") > 1)
        return kt_fail(KT_EINVAL, "CAP: more than one <info>");
    return parse_info(info, out);
}

int dispatch_cap_parse(const char *xml, size_t len, json_t **out)
{
    xmlDocPtr doc;
    *out = NULL;
    int rc = interop_xml_read("CAP", xml, len, CAP_MAX_BYTES, &doc);
    if (rc) return rc;
    json_t *o = json_object();
    rc = o ? parse_doc(doc, o) : kt_fail(KT_ENOMEM, "CAP: out of memory");
    xmlFreeDoc(doc);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}
