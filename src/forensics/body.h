/* The Sleuth Kit body file, format 3.x: MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|
 * ctime|crtime, one line per name, times in whole seconds UTC (0 when not recorded). */
#ifndef KEITSU_FORENSICS_BODY_H
#define KEITSU_FORENSICS_BODY_H

#include "base/buf.h"
#include "forensics/fs.h"

/* Appends e's line as `fls -r -m /` prints it (MD5 column "0", newline included) to out. */
int forensics_body_line(struct kt_buf *out, const struct forensics_entry *e);

#endif
