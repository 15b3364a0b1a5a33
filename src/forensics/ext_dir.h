/* ext2/3/4 directory contents (ext_dir.c) for the walk (ext_walk.c). Internal. */
#ifndef KEITSU_FORENSICS_EXT_DIR_H
#define KEITSU_FORENSICS_EXT_DIR_H

#include "forensics/ext.h"

/* TSK's name types (the letter before '/' in the mode text comes from this order). */
enum ext_name_type {
    EXT_N_UNDEF = 0,
    EXT_N_FIFO = 1,
    EXT_N_CHR = 2,
    EXT_N_DIR = 3,
    EXT_N_BLK = 4,
    EXT_N_REG = 5,
    EXT_N_LNK = 6,
    EXT_N_SOCK = 7,
    EXT_N_VIRT_DIR = 11,
};

struct ext_dname {
    size_t name_off; /* into the list's pool, NUL-terminated */
    uint16_t name_len;
    uint32_t ino;
    uint8_t type; /* enum ext_name_type */
    uint8_t unalloc;
};

/* The names of one directory in the order TSK lists them, de-duplicated. Owns its memory. */
struct ext_dlist {
    struct ext_dname *v;
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
    uint32_t *ht; /* open addressing over v by (inode, name) */
    size_t ht_cap;
};

/* Adds a name unless the directory already has it (same inode and name); an allocated name
 * replaces a deleted one in place. 0, KT_ENOMEM, or KT_ETOOBIG past a million names. */
int ext_dlist_add(struct ext_dlist *l, const char *name, size_t len, uint32_t ino, uint8_t type,
                  int unalloc);
const char *ext_dname(const struct ext_dlist *l, const struct ext_dname *d);
void ext_dlist_free(struct ext_dlist *l);

/* Appends the names in directory inode ino to l (deleted ones from slack included). 0, or an
 * error if any block of the directory cannot be read (TSK then lists none of it). */
int ext_dir_load(struct ext_fs *fs, uint32_t ino, struct ext_dlist *l);

#endif
