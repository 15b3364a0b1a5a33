/* Caller locations from PIDF-LO (RFC 4119, shapes of RFC 5491): a gml:Point or a gs:Circle in
 * a gp:location-info under gp:geopriv, in EPSG::4326 (lat lon) or EPSG::4979 (lat lon alt).
 *
 * The document comes from outside (a carrier, another centre), so libxml2 runs with no network
 * (XML_PARSE_NONET), no entity substitution (XML_PARSE_NOENT is never set), no DTD loading or
 * validation, and a document type declaration stops the parse: with no DTD there are no
 * entities to expand or fetch, which rules out XXE and entity amplification without relying on
 * the library version. Nothing here touches libxml2's global settings, so it is thread-safe;
 * xmlInitParser runs once, and xmlCleanupParser is left to the program, if it wants it. */
#include "base/err.h"
#include "dispatch/geo.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PIDF_MAX_BYTES 65536
#define MAX_RADIUS_M 100000.0
#define NUM_MAX 64 /* longest number token we accept */

#define NS_PIDF "urn:ietf:params:xml:ns:pidf"
#define NS_GP "urn:ietf:params:xml:ns:pidf:geopriv10"
#define NS_GML "http://www.opengis.net/gml"
#define NS_GS "http://www.opengis.net/pidflo/1.0"
#define SRS_2D "urn:ogc:def:crs:EPSG::4326"
#define SRS_3D "urn:ogc:def:crs:EPSG::4979"
#define UOM_METRE "urn:ogc:def:uom:EPSG::9001"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
}

/* SAX callback for <!DOCTYPE ...>: stop before any declaration inside it is read. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name, (void)ext, (void)sys;
    xmlParserCtxtPtr ctxt = ctx;
    ctxt->_private = (void *)1;
    xmlStopParser(ctxt);
}

static int is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           !strcmp((const char *)n->ns->href, ns) && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *n, const char *ns, const char *name)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is(c, ns, name)) return c;
    return NULL;
}

/* The next node after n in document order, descending only into elements. */
static const xmlNode *next_node(const xmlNode *n)
{
    if (n->type == XML_ELEMENT_NODE && n->children) return n->children;
    while (n && !n->next)
        n = n->parent;
    return n ? n->next : NULL;
}

/* Splits the text of n on XML white space into up to max numbers; *count gets how many. */
static int read_numbers(const xmlNode *n, const char *what, double *v, size_t max, size_t *count)
{
    xmlChar *text = xmlNodeGetContent(n);
    if (!text) return kt_fail(KT_ENOMEM, "pidf-lo: out of memory");
    const char *s = (const char *)text;
    int rc = 0;
    *count = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (!*s) break;
        size_t len = strcspn(s, " \t\n\r");
        if (*count == max) {
            rc = kt_fail(KT_EINVAL, "pidf-lo: %s has more than %zu numbers", what, max);
            break;
        }
        char tok[NUM_MAX + 1];
        char *end = NULL;
        /* Plain decimals only: no "nan", "inf" or hex, which strtod would take. */
        if (len > NUM_MAX || strspn(s, "0123456789+-.eE") < len) {
            rc = kt_fail(KT_EINVAL, "pidf-lo: %s: '%.*s' is not a number", what,
                         (int)(len > 32 ? 32 : len), s);
            break;
        }
        memcpy(tok, s, len);
        tok[len] = '\0';
        v[*count] = strtod(tok, &end);
        if (end != tok + len || !isfinite(v[*count])) {
            rc = kt_fail(KT_EINVAL, "pidf-lo: %s: '%s' is not a number", what, tok);
            break;
        }
        (*count)++;
        s += len;
    }
    xmlFree(text);
    return rc;
}

/* srsName, then gml:pos of a Point or Circle. */
static int read_pos(const xmlNode *shape, const char *shape_name, struct geo_fix *out)
{
    xmlChar *srs = xmlGetNoNsProp(shape, (const xmlChar *)"srsName");
    size_t dims = 0;
    if (srs && !strcmp((const char *)srs, SRS_2D))
        dims = 2;
    else if (srs && !strcmp((const char *)srs, SRS_3D))
        dims = 3;
    int rc = 0;
    if (!srs)
        rc = kt_fail(KT_EINVAL, "pidf-lo: %s has no srsName", shape_name);
    else if (!dims)
        rc = kt_fail(KT_EINVAL, "pidf-lo: %s srsName '%.80s' is not %s or %s", shape_name,
                     (const char *)srs, SRS_2D, SRS_3D);
    xmlFree(srs);
    if (rc) return rc;

    const xmlNode *pos = child(shape, NS_GML, "pos");
    if (!pos) return kt_fail(KT_EINVAL, "pidf-lo: %s has no gml:pos", shape_name);
    double v[3];
    size_t n;
    rc = read_numbers(pos, "gml:pos", v, 3, &n);
    if (rc) return rc;
    if (n != dims)
        return kt_fail(KT_EINVAL, "pidf-lo: gml:pos has %zu numbers, %s needs %zu", n,
                       dims == 2 ? SRS_2D : SRS_3D, dims);
    if (!geo_valid(v[0], v[1]))
        return kt_fail(KT_EINVAL, "pidf-lo: gml:pos %g %g is not a latitude and longitude", v[0],
                       v[1]);
    out->lat = v[0];
    out->lon = v[1];
    out->radius_m = 0;
    return 0;
}

static int read_circle(const xmlNode *shape, struct geo_fix *out)
{
    int rc = read_pos(shape, "gs:Circle", out);
    if (rc) return rc;
    const xmlNode *radius = child(shape, NS_GS, "radius");
    if (!radius) return kt_fail(KT_EINVAL, "pidf-lo: gs:Circle has no gs:radius");
    xmlChar *uom = xmlGetNoNsProp(radius, (const xmlChar *)"uom");
    int metres = uom && !strcmp((const char *)uom, UOM_METRE);
    xmlFree(uom);
    if (!metres) return kt_fail(KT_EINVAL, "pidf-lo: gs:radius uom is not %s", UOM_METRE);
    double r;
    size_t n;
    rc = read_numbers(radius, "gs:radius", &r, 1, &n);
    if (rc) return rc;
    if (n != 1) return kt_fail(KT_EINVAL, "pidf-lo: gs:radius is empty");
    if (r < 0 || r > MAX_RADIUS_M)
        return kt_fail(KT_EINVAL, "pidf-lo: gs:radius %g m is outside 0..%g", r, MAX_RADIUS_M);
    out->radius_m = r;
    return 0;
}

/* The first Point or Circle in a gp:location-info under gp:geopriv. */
static int find_shape(const xmlNode *root, struct geo_fix *out)
{
    const char *other = NULL;
    for (const xmlNode *n = root; n; n = next_node(n)) {
        if (!is(n, NS_GP, "location-info") || !is(n->parent, NS_GP, "geopriv")) continue;
        for (const xmlNode *s = n->children; s; s = s->next) {
            if (is(s, NS_GML, "Point")) return read_pos(s, "gml:Point", out);
            if (is(s, NS_GS, "Circle")) return read_circle(s, out);
            if (s->type == XML_ELEMENT_NODE && s->ns && s->ns->href &&
                (!strcmp((const char *)s->ns->href, NS_GML) ||
                 !strcmp((const char *)s->ns->href, NS_GS)) &&
                !other)
                other = (const char *)s->name;
        }
    }
    if (other)
        return kt_fail(KT_EINVAL, "pidf-lo: shape %.40s is not supported (only Point, Circle)",
                       other);
    return kt_fail(KT_EINVAL, "pidf-lo: no gml:Point or gs:Circle in a gp:location-info");
}

int geo_pidf_parse(const char *xml, size_t len, struct geo_fix *out)
{
    if (!xml || !len) return kt_fail(KT_EINVAL, "pidf-lo: empty document");
    if (len > PIDF_MAX_BYTES)
        return kt_fail(KT_EINVAL, "pidf-lo: document of %zu bytes is over %d", len, PIDF_MAX_BYTES);
    pthread_once(&init_once, init_libxml);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) return kt_fail(KT_ENOMEM, "pidf-lo: out of memory");
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->_private = NULL;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    int rc;
    if (ctxt->_private) {
        rc = kt_fail(KT_EINVAL, "pidf-lo: a document type declaration is not allowed");
    } else if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        const char *msg = e && e->message ? e->message : "not well-formed";
        size_t mlen = strcspn(msg, "\n");
        rc = kt_fail(KT_EINVAL, "pidf-lo: XML line %d: %.*s", e ? e->line : 0,
                     (int)(mlen > 120 ? 120 : mlen), msg);
    } else {
        const xmlNode *root = xmlDocGetRootElement(doc);
        if (!is(root, NS_PIDF, "presence"))
            rc = kt_fail(KT_EINVAL, "pidf-lo: the root is not a pidf presence element");
        else
            rc = find_shape(root, out);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
