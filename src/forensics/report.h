/* The examination report (解析報告書): one self-contained HTML file (inline style, no scripts,
 * no external assets) that a person reads in a browser. Japanese first, English labels beside.
 *
 * Everything taken from the evidence or from files (names, descriptions, JSON values) is
 * untrusted: it goes through forensics_html_text(), which escapes HTML's special characters and
 * shows bytes that are not UTF-8 and control characters as "\xNN". */
#ifndef KEITSU_FORENSICS_REPORT_H
#define KEITSU_FORENSICS_REPORT_H

#include "forensics/fs.h"

#include <stdio.h>

/* Writes s escaped for HTML text and attribute values to f. */
void forensics_html_text(FILE *f, const char *s);

/* The document's head, style and title (s escaped). */
void forensics_report_begin(FILE *f, const char *title);
/* A section: <section id=id><h2>ja <span class=en>en</span></h2>. Close with _section_end. */
void forensics_report_section(FILE *f, const char *id, const char *ja, const char *en);
void forensics_report_section_end(FILE *f);
/* A line of key (Japanese, English) and value (escaped) in a definition list. */
void forensics_report_kv(FILE *f, const char *ja, const char *en, const char *value);
/* A table: headers as "日本語|English" pairs; cells escaped. */
void forensics_report_table_begin(FILE *f, const char *const *headers, size_t n);
void forensics_report_row(FILE *f, const char *const *cells, size_t n);
void forensics_report_table_end(FILE *f);
/* Preformatted text (escaped; its line breaks kept, unlike forensics_html_text()'s). */
void forensics_report_pre(FILE *f, const char *text);
/* A paragraph of plain text (escaped). */
void forensics_report_note(FILE *f, const char *text);
void forensics_report_end(FILE *f);

/* A collapsible file tree (nested <details>) built from entries in any order. */
struct forensics_tree;
int forensics_tree_new(struct forensics_tree **out);
/* Adds e (copied). 0, KT_ENOMEM, or KT_ETOOBIG past max entries (counted, not kept). */
int forensics_tree_add(struct forensics_tree *t, const struct forensics_entry *e, size_t max);
/* Writes the tree (directories first open to depth 1) and how many entries were left out. */
void forensics_tree_write(struct forensics_tree *t, FILE *f);
void forensics_tree_free(struct forensics_tree *t);

#endif
