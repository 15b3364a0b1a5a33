#include "dispatch/interop_xml.h"

#include "base/err.h"

#include <libxml/parser.h>
#include <string.h>

static int contains(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(s + i, needle, n) == 0) return 1;
    return 0;
}

int interop_xml_read(const char *what, const char *xml, size_t len, size_t max, xmlDocPtr *out)
{
    *out = NULL;
    if (len > max) return kt_fail(KT_ETOOBIG, "%s: document over %zu bytes", what, max);
    if (len == 0 || len > (size_t)INT32_MAX) return kt_fail(KT_EINVAL, "%s: empty document", what);
    /* A DTD is the only way to declare entities (XXE, "billion laughs"); nothing we read has
     * one, so refuse it before libxml2 sees it. The forced UTF-8 below keeps a UTF-16
     * document from hiding the declaration from this scan. */
    if (contains(xml, len, "<!DOCTYPE") || contains(xml, len, "<!ENTITY"))
        return kt_fail(KT_EINVAL, "%s: DTDs and entity declarations are not accepted", what);
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                      XML_PARSE_NOCDATA);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        int code = e ? e->code : 0, line = e ? e->line : 0;
        xmlResetLastError();
        return kt_fail(KT_EINVAL, "%s: not well-formed XML (libxml2 error %d, line %d)", what, code,
                       line);
    }
    if (doc->intSubset || doc->extSubset || !xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        return kt_fail(KT_EINVAL, "%s: DTDs are not accepted", what);
    }
    *out = doc;
    return 0;
}

static int is_named(xmlNodePtr n, const char *ns, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

xmlNodePtr interop_xml_child(xmlNodePtr parent, const char *ns, const char *name, int deep)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
        if (is_named(c, ns, name)) return c;
        if (deep && c->type == XML_ELEMENT_NODE) {
            xmlNodePtr d = interop_xml_child(c, ns, name, 1);
            if (d) return d;
        }
    }
    return NULL;
}

size_t interop_xml_count(xmlNodePtr parent, const char *ns, const char *name)
{
    size_t n = 0;
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        n += is_named(c, ns, name);
    return n;
}

char *interop_xml_text(xmlNodePtr node)
{
    xmlChar *t = xmlNodeGetContent(node);
    if (!t) return NULL;
    char *s = (char *)t;
    size_t len = strlen(s), start = 0;
    while (start < len && strchr(" \t\r\n", s[start]))
        start++;
    while (len > start && strchr(" \t\r\n", s[len - 1]))
        len--;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return s;
}

int interop_xml_escape(struct kt_buf *b, const char *field, const char *s)
{
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return kt_fail(KT_EINVAL, "%s: control character 0x%02x cannot be sent in XML", field,
                           c);
    }
    const char *run = s;
    for (const char *p = s;; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '\r':
            rep = "&#13;";
            break;
        case '\0':
            break;
        default:
            continue;
        }
        kt_buf_append(b, run, (size_t)(p - run));
        if (!rep) break;
        kt_buf_puts(b, rep);
        run = p + 1;
    }
    return b->failed ? KT_ENOMEM : 0;
}
