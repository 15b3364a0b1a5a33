/* Internal to the interop translations (eido.c, cap.c): reading untrusted XML with libxml2
 * safely, and writing XML text with escaping. Not part of the public dispatch API. */
#ifndef KEITSU_DISPATCH_INTEROP_XML_H
#define KEITSU_DISPATCH_INTEROP_XML_H

#include "base/buf.h"

#include <libxml/tree.h>
#include <stddef.h>

/* Parses len bytes of XML from outside: UTF-8 only, at most max bytes, no network, no DTD
 * (any <!DOCTYPE is refused, so no entities of any kind are defined or expanded). *out is
 * freed with xmlFreeDoc(). KT_ETOOBIG over max, KT_EINVAL with a message naming what (e.g.
 * "CAP") on anything else. */
int interop_xml_read(const char *what, const char *xml, size_t len, size_t max, xmlDocPtr *out);

/* The first element child of parent (or, with deep, descendant in document order) in
 * namespace ns named name; NULL if none. */
xmlNodePtr interop_xml_child(xmlNodePtr parent, const char *ns, const char *name, int deep);
/* Number of element children of parent in ns named name. */
size_t interop_xml_count(xmlNodePtr parent, const char *ns, const char *name);
/* The text content of node, trimmed of XML white space, malloc'd with xmlFree() semantics
 * (caller frees with xmlFree); NULL only when out of memory. */
char *interop_xml_text(xmlNodePtr node);

/* Appends s as XML character data (escaping & < > " '). KT_EINVAL with a message naming field
 * when s holds a character XML 1.0 cannot carry (C0 controls other than tab, CR, LF). */
int interop_xml_escape(struct kt_buf *b, const char *field, const char *s);

#endif
