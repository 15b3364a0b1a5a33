/* What the keitsu image subcommands share (cmd_image.c) and the subcommands in their own files.
 * Each image_cmd_* takes argv[0] = its own name and returns the exit status. */
#ifndef KEITSU_CLI_IMAGE_CLI_H
#define KEITSU_CLI_IMAGE_CLI_H

#include "forensics/fs.h"
#include "forensics/image.h"
#include "forensics/vol.h"

/* The common arguments: IMAGE [ADDR] [--offset SECTORS]. */
struct image_args {
    const char *image, *addr;
    unsigned long long offset_sectors;
    int has_offset;
};

/* Parses argv[1..] into a (want_addr: ADDR is required). 0, or -1 (a message may be printed). */
int image_parse_args(int argc, char **argv, int want_addr, struct image_args *a);
/* Parses IMAGE [--offset SECTORS] and opens the image: 0 and *img, or the exit status to
 * return (2 usage, 1 error, printed). */
int image_open_arg(int argc, char **argv, struct image_args *a, struct forensics_image **img);
/* Prints the usage of keitsu image and returns 2. */
int image_usage(void);
/* Prints d's messages as warnings on standard error. */
void image_print_diag(const struct forensics_diag *d);

/* An image and the file system at a->offset_sectors. */
struct image_opened {
    struct forensics_image *img;
    struct forensics_diag diag;
    struct forensics_fs fs;
};
/* 0, or prints the error and returns 1. */
int image_open_fs(const struct image_args *a, struct image_opened *o);
/* Closes o and prints its diagnostics. */
void image_close_fs(struct image_opened *o);

/* An image and its partition table, if it has one. */
struct image_vols {
    struct forensics_image *img;
    struct forensics_diag diag;
    struct forensics_volumes v; /* valid if have_table */
    int have_table;
};
/* Opens the image at path and reads its table: 0 (have_table says whether there is one), or a
 * KT_E* code (nothing to close). */
int image_open_vols(const char *path, struct image_vols *iv);
/* Closes iv and prints its diagnostics. */
void image_close_vols(struct image_vols *iv);

/* Calls fn for every entry of the image's file systems: the one at --offset if given; else
 * every data partition's, with "/p<START>" before each path; else the one at sector 0.
 * Warnings go to standard error. Returns the exit status (errors already printed). */
int image_walk(const struct image_args *a, forensics_entry_fn fn, void *ctx);

int image_cmd_info(int argc, char **argv); /* image_evidence.c */
int image_cmd_hash(int argc, char **argv); /* image_evidence.c */
int image_cmd_mmls(int argc, char **argv); /* image_evidence.c */

int image_cmd_timeline(int argc, char **argv); /* image_timeline.c */
int image_cmd_dfxml(int argc, char **argv);    /* image_timeline.c */

int image_cmd_report(int argc, char **argv); /* image_report.c */

/* keitsu image case init|verify|replay (image_case.c). */
int image_cmd_case(int argc, char **argv);
/* The index of "--case CASEDIR" in cmd_image()'s argv, or 0 if absent (or the subcommand is
 * case itself). */
int image_case_index(int argc, char **argv);
/* Runs fn (cmd_image) on argv without --case CASEDIR (at index at), capturing and hashing its
 * standard output and --out, and appends the entry to CASEDIR's record. Returns fn's status. */
int image_case_run(int argc, char **argv, int at, int (*fn)(int, char **));

#endif
