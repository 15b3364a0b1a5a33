/* DFXML through libxml2's xmlTextWriter (it escapes <, >, & and quotes). */
#include "forensics/dfxml.h"

#include "base/err.h"
#include "base/utf8.h"
#include "forensics/case.h"

#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct forensics_dfxml {
    xmlTextWriterPtr w;
    int failed;
};

char *forensics_dfxml_safe(const char *s, char *out, size_t cap)
{
    size_t o = 0, n = strlen(s);
    for (size_t i = 0; i < n && o + 5 < cap;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        int ok = k > 0 && (cp >= 0x20 || cp == '\t') && cp != 0xfffe && cp != 0xffff;
        if (!ok) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", (unsigned char)s[i]);
            i++;
            continue;
        }
        if (o + (size_t)k + 1 > cap) break;
        memcpy(out + o, s + i, (size_t)k);
        o += (size_t)k;
        i += (size_t)k;
    }
    out[o] = '\0';
    return out;
}

static void elem(struct forensics_dfxml *d, const char *name, const char *value)
{
    if (xmlTextWriterWriteElement(d->w, BAD_CAST name, BAD_CAST value) < 0) d->failed = 1;
}

static void elem_u64(struct forensics_dfxml *d, const char *name, uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, v);
    elem(d, name, s);
}

int forensics_dfxml_begin(FILE *f, const char *image, uint64_t image_size, const char *command,
                          struct forensics_dfxml **out)
{
    *out = NULL;
    struct forensics_dfxml *d = calloc(1, sizeof *d);
    xmlOutputBufferPtr ob = d ? xmlOutputBufferCreateFile(f, NULL) : NULL;
    if (ob) d->w = xmlNewTextWriter(ob);
    if (!d || !d->w) {
        if (ob && !d->w) xmlOutputBufferClose(ob);
        free(d);
        return kt_fail(KT_ENOMEM, "out of memory");
    }
    xmlTextWriterSetIndent(d->w, 1);
    xmlTextWriterSetIndentString(d->w, BAD_CAST "  ");
    char safe[8192];
    if (xmlTextWriterStartDocument(d->w, "1.0", "UTF-8", NULL) < 0) d->failed = 1;
    xmlTextWriterStartElement(d->w, BAD_CAST "dfxml");
    xmlTextWriterWriteAttribute(d->w, BAD_CAST "version", BAD_CAST "1.0");
    xmlTextWriterWriteAttribute(d->w, BAD_CAST "xmlns",
                                BAD_CAST
                                "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML");
    xmlTextWriterWriteAttribute(d->w, BAD_CAST "xmlns:dc",
                                BAD_CAST "http://purl.org/dc/elements/1.1/");
    xmlTextWriterStartElement(d->w, BAD_CAST "metadata");
    elem(d, "dc:type", "File system walk");
    xmlTextWriterEndElement(d->w);
    xmlTextWriterStartElement(d->w, BAD_CAST "creator");
    elem(d, "program", "keitsu");
    elem(d, "version", forensics_case_version());
    xmlTextWriterStartElement(d->w, BAD_CAST "execution_environment");
    elem(d, "command_line", forensics_dfxml_safe(command, safe, sizeof safe));
    xmlTextWriterEndElement(d->w);
    xmlTextWriterEndElement(d->w);
    xmlTextWriterStartElement(d->w, BAD_CAST "source");
    elem(d, "image_filename", forensics_dfxml_safe(image, safe, sizeof safe));
    elem_u64(d, "imagesize", image_size);
    xmlTextWriterEndElement(d->w);
    *out = d;
    return d->failed ? kt_fail(KT_EIO, "DFXML write failed") : 0;
}

static void time_elem(struct forensics_dfxml *d, const char *name, struct forensics_time t)
{
    if (t.sec == 0 && t.nsec == 0) return;
    time_t s = (time_t)t.sec;
    struct tm tm;
    if (!gmtime_r(&s, &tm)) return;
    char date[40], out[64];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    if (t.nsec)
        snprintf(out, sizeof out, "%s.%09uZ", date, t.nsec % 1000000000u);
    else
        snprintf(out, sizeof out, "%sZ", date);
    elem(d, name, out);
}

static int meta_type(const char *mode)
{
    const char *slash = strchr(mode, '/');
    switch (slash ? slash[1] : '-') {
    case 'r':
        return 1;
    case 'd':
        return 2;
    case 'p':
        return 3;
    case 'c':
        return 4;
    case 'b':
        return 5;
    case 'l':
        return 6;
    case 'h':
        return 7;
    case 's':
        return 8;
    case 'w':
        return 9;
    case 'v':
        return 10;
    case 'V':
        return 11;
    default:
        return 0;
    }
}

int forensics_dfxml_entry(struct forensics_dfxml *d, const struct forensics_entry *e)
{
    char safe[8192], s[32];
    xmlTextWriterStartElement(d->w, BAD_CAST "fileobject");
    elem(d, "filename", forensics_dfxml_safe(e->path, safe, sizeof safe));
    elem(d, "inode", forensics_dfxml_safe(e->addr, safe, sizeof safe));
    snprintf(s, sizeof s, "%c", e->mode[0] ? e->mode[0] : '-');
    elem(d, "name_type", forensics_dfxml_safe(s, safe, sizeof safe));
    elem_u64(d, "meta_type", (uint64_t)meta_type(e->mode));
    elem(d, "mode", forensics_dfxml_safe(e->mode, safe, sizeof safe));
    elem_u64(d, "filesize", e->size);
    elem(d, e->state == FORENSICS_ALLOCATED ? "alloc" : "unalloc", "1");
    if (e->state == FORENSICS_DELETED_REALLOC) elem(d, "realloc", "1");
    elem_u64(d, "uid", e->uid);
    elem_u64(d, "gid", e->gid);
    time_elem(d, "mtime", e->mtime);
    time_elem(d, "atime", e->atime);
    time_elem(d, "ctime", e->ctime);
    time_elem(d, "crtime", e->crtime);
    if (xmlTextWriterEndElement(d->w) < 0) d->failed = 1;
    return d->failed ? kt_fail(KT_EIO, "DFXML write failed") : 0;
}

int forensics_dfxml_end(struct forensics_dfxml *d)
{
    if (!d) return 0;
    if (xmlTextWriterEndDocument(d->w) < 0) d->failed = 1;
    xmlFreeTextWriter(d->w);
    int failed = d->failed;
    free(d);
    return failed ? kt_fail(KT_EIO, "DFXML write failed") : 0;
}
