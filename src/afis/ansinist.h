/* ANSI/NIST-ITL 1-2011 transactions in the traditional encoding: Type-1 (transaction
 * information), Type-2 (descriptive text), Type-4 (high-resolution grayscale fingerprint,
 * binary), Type-9 (minutiae, the standard-format fields 9.001-9.012), Type-13/14 (variable-
 * resolution latent/tenprint images, tagged with binary 999), parsed and written.
 *
 * Tagged records are "T.NNN:value" fields separated by GS (0x1D) and ended by FS (0x1C);
 * subfields are separated by RS (0x1E), information items by US (0x1F). Field T.001 (LEN)
 * is the record's byte count including itself; 1.003 (CNT) lists the records that follow
 * ("1<US>count" then "type<US>IDC" per record), which is how a Type-4 record's binary layout
 * is known: LEN (4 bytes), IDC, IMP, FGP (6 bytes), ISR, HLL (2), VLL (2), GCA, image. */
#ifndef KEITSU_AFIS_ANSINIST_H
#define KEITSU_AFIS_ANSINIST_H

#include "afis/afis.h"

#include <stddef.h>
#include <stdint.h>

#define ANSINIST_MAX_RECORDS 64
#define ANSINIST_MAX_FIELDS 4096
#define ANSINIST_GS 0x1D
#define ANSINIST_FS 0x1C
#define ANSINIST_RS 0x1E
#define ANSINIST_US 0x1F

struct ansinist_field {
    int num;
    const uint8_t *val; /* borrowed from the parsed input */
    size_t len;
};

struct ansinist_record {
    int type, idc;
    int first, nfields; /* tagged records: fields[first .. first + nfields - 1] */
    /* Type-4 (binary): */
    int imp, fgp, isr, hll, vll, gca;
    const uint8_t *data; /* Type-4 image, or the 999 field of Type-13/14 */
    size_t data_len;
};

struct ansinist {
    int nrec;
    struct ansinist_record rec[ANSINIST_MAX_RECORDS];
    int nfields;
    struct ansinist_field fields[ANSINIST_MAX_FIELDS];
};

/* Parses len bytes at data into *out (a new struct, free with free(); its fields point into
 * data, which must outlive it). Everything is checked — record lengths against the bytes,
 * CNT against the records present, field tags, Type-4 and Type-9 contents — and a truncated
 * or lying transaction is KT_EINVAL with the record and the reason in kt_errmsg(). */
int ansinist_parse(const uint8_t *data, size_t len, struct ansinist **out);
/* Field num of record r, or NULL. */
const struct ansinist_field *ansinist_field(const struct ansinist *a,
                                            const struct ansinist_record *r, int num);
/* A field's value copied into out (cap bytes, NUL-terminated); "" if absent. */
void ansinist_text(const struct ansinist *a, const struct ansinist_record *r, int num, char *out,
                   size_t cap);

/* The minutiae of a Type-9 record (9.004 "S", 9.010 count, 9.012 "index<US>XXXXYYYYTTT<US>
 * quality<US>type…" with X/Y in 0.01 mm from the lower-left corner and θ in degrees pointing
 * the opposite way to ISO's) as a template in ISO's convention at 500 ppi (finger from 9.006;
 * height, for flipping y, from img_height, or the span of the minutiae when 0). */
int ansinist_type9_template(const struct ansinist *a, const struct ansinist_record *r,
                            int img_height, struct afis_template *t);
/* The image of a Type-4 (GCA 0) or Type-13/14 (CGA NONE, 8 bits) record; img owns its pixels. */
int ansinist_image(const struct ansinist *a, const struct ansinist_record *r,
                   struct afis_image *img);

/* What to write. Type-1 gets LEN, VER 0500, CNT, TOT, DAT (today if NULL), DAI, ORI, TCN,
 * TCR (when set), NSR and NTR ("19.69" with images, else "00.00"). */
struct ansinist_text_field {
    int num;
    const char *value; /* may hold RS/US separators */
};
struct ansinist_spec {
    const char *tot, *dai, *ori, *tcn, *tcr, *date;
    const struct ansinist_text_field *type2; /* 2.003 … in increasing order */
    int ntype2;
    const struct afis_template *minutiae; /* one Type-9 each */
    int nminutiae;
    const struct afis_image *images; /* one Type-14 each, finger from image_fgp */
    const int *image_fgp;
    int nimages;
};
/* Writes the transaction into a new buffer *out (caller frees) of *len bytes. */
int ansinist_write(const struct ansinist_spec *s, uint8_t **out, size_t *len);

#endif
