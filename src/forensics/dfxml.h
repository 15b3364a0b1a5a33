/* DFXML (Digital Forensics XML, Garfinkel): one <fileobject> per walked entry, as fiwalk and
 * tsk_loaddb-based tools write it, so DFXML readers (dfxml.py, idifference) take keitsu's.
 *
 * Names from the image are hostile: bytes that are not UTF-8, and characters XML 1.0 cannot
 * hold (controls), are written as "\xNN" text; everything else is escaped by libxml2. */
#ifndef KEITSU_FORENSICS_DFXML_H
#define KEITSU_FORENSICS_DFXML_H

#include "forensics/fs.h"

#include <stdio.h>

struct forensics_dfxml;

/* Starts the document on f (borrowed; not closed): the creator (keitsu, version, command_line)
 * and the source (image path and size). 0 and *out, or KT_ENOMEM / KT_EIO. */
int forensics_dfxml_begin(FILE *f, const char *image, uint64_t image_size, const char *command,
                          struct forensics_dfxml **out);
/* Writes e as a <fileobject>: filename, inode, name_type,
 * meta_type (TSK's numbers: 1 file, 2 directory, …), mode, filesize, alloc or unalloc, uid,
 * gid, mtime, atime, ctime, crtime (ISO 8601 UTC, with the fraction where recorded). */
int forensics_dfxml_entry(struct forensics_dfxml *d, const struct forensics_entry *e);
/* Closes the document and frees d (also on error). 0, or KT_EIO. */
int forensics_dfxml_end(struct forensics_dfxml *d);

/* Writes s as text safe for XML (see above) into out (cap bytes); returns out. */
char *forensics_dfxml_safe(const char *s, char *out, size_t cap);

#endif
