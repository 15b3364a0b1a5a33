/* Timelines (タイムライン): every file time as one row, sorted, in the CSV layout of the Sleuth
 * Kit's `mactime -d -y` (Date,Size,Type,Mode,UID,GID,Meta,File Name).
 *
 * Rows are built as mactime builds them: an entry whose four times are all zero gives none;
 * otherwise each distinct time among its m, a, c and b times gives one row whose Type marks the
 * fields that have that time ("m.c."). Rows sort by time, then by the metadata address and the
 * name compared as strings (mactime's key). Unlike mactime, sub-second parts count: two times
 * in the same second are two rows, and the Date shows the fraction ("…T04:01:00.123456789Z"). */
#ifndef KEITSU_FORENSICS_TIMELINE_H
#define KEITSU_FORENSICS_TIMELINE_H

#include "forensics/fs.h"

#include <stdio.h>

struct forensics_timeline;

/* 0 and *out (freed with forensics_timeline_free()), or KT_ENOMEM. */
int forensics_timeline_new(struct forensics_timeline **out);
void forensics_timeline_free(struct forensics_timeline *t);

/* Adds e's rows (e is copied; the " (deleted)" suffix is added to the name as fls prints it).
 * 0, or KT_ENOMEM / KT_ETOOBIG past 100 million rows. */
int forensics_timeline_add(struct forensics_timeline *t, const struct forensics_entry *e);

/* Adds the rows of one body-file line (TSK 3.x: MD5|name|inode|mode|UID|GID|size|atime|mtime|
 * ctime|crtime, no newline; a name may itself contain '|'). 0, KT_EINVAL if malformed (with
 * kt_errmsg()), KT_ENOMEM. */
int forensics_timeline_add_body(struct forensics_timeline *t, const char *line, size_t n);

/* Sorts the rows (call once, after the last add). */
void forensics_timeline_sort(struct forensics_timeline *t);

/* The number of rows. */
size_t forensics_timeline_rows(const struct forensics_timeline *t);

/* Writes the header and rows [first, first + max) as CSV to f. tz NULL or "UTC": dates in UTC
 * ("2020-10-27T04:01:00Z", as mactime -y); otherwise a zone name ("Asia/Tokyo"): local time
 * with its offset ("2020-10-27T13:01:00+09:00"). Time 0 prints "0000-00-00T00:00:00Z". Names
 * are quoted with inner quotes doubled. 0, or KT_EIO. */
int forensics_timeline_write(const struct forensics_timeline *t, const char *tz, size_t first,
                             size_t max, FILE *f);

#endif
