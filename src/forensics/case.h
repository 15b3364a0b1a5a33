/* The case record (事件記録): CASEDIR/case.jsonl, one JSON object per line, hash-chained.
 *
 * Line 0 is the "init" entry: the evidence (path, format, size, segments, MD5/SHA-1/SHA-256),
 * the examiner and the case number. Every later line is an entry that a command run with
 * --case appended (its command line, inputs, outputs and their hashes). Each line carries
 * "seq" (its index) and "prev", the SHA-256 of the previous line's exact bytes (64 zeros for
 * line 0), so that changing, removing or reordering any line breaks the chain at the next one.
 * The SHA-256 of the last line (the "head") is printed after each append: an examiner who
 * writes it down can also tell if lines were cut off the end. */
#ifndef KEITSU_FORENSICS_CASE_H
#define KEITSU_FORENSICS_CASE_H

#include "forensics/fs.h"

#include <jansson.h>

#define FORENSICS_CASE_FILE "case.jsonl"

/* keitsu's version and the commit it was built from, for the record ("0.1 (abc123def456)"). */
const char *forensics_case_version(void);

/* Appends entry to dir's record: sets its "seq", "prev" and "time" (UTC, ISO 8601 with
 * milliseconds) first and then writes it as one line, under an exclusive lock, fsync()ed.
 * create: the record must not exist yet (the init entry; dir is created if missing), else it
 * must exist. entry is borrowed (and modified). 0 and head (the new line's SHA-256, hex), or
 * KT_ECONFLICT (exists / does not exist), KT_EVALID (the last line is damaged), KT_EIO. */
int forensics_case_append(const char *dir, json_t *entry, int create, char head[65]);

/* Reads dir's record and checks the chain: *entries (a new array of the parsed lines, owned by
 * the caller; unparseable lines are null) and head. 0 if every line parses, seq counts up from
 * 0, line 0 is an init entry and every prev matches; KT_EVALID with each break described in
 * problems otherwise (*entries is still set); KT_ENOTFOUND / KT_EIO if it cannot be read. */
int forensics_case_load(const char *dir, json_t **entries, char head[65],
                        struct forensics_diag *problems);

/* forensics_case_load()'s checks on a record's bytes in memory (for tests and fuzzing). */
int forensics_case_parse(const char *data, size_t len, json_t **entries, char head[65],
                         struct forensics_diag *problems);

/* The evidence entry for the image at path: opened read-only, hashed in full. 0 and *out (a new
 * object), or the image's error. */
int forensics_case_evidence(const char *path, json_t **out);

/* Re-hashes the evidence recorded in init (the record's line 0) and compares path, size and all
 * three hashes. 0 if identical; KT_EVALID with the differences in problems; or the image's
 * error (with a problem added). */
int forensics_case_check_evidence(const json_t *init, struct forensics_diag *problems);

#endif
