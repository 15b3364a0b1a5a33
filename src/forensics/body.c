/* Body-file lines (TSK 3.x), as `fls -r -m /` prints them. */
#include "forensics/body.h"

#include <inttypes.h>

int forensics_body_line(struct kt_buf *out, const struct forensics_entry *e)
{
    const char *suffix = e->state == FORENSICS_DELETED           ? " (deleted)"
                         : e->state == FORENSICS_DELETED_REALLOC ? " (deleted-realloc)"
                                                                 : "";
    return kt_buf_printf(out,
                         "0|%s%s|%s|%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRId64 "|%" PRId64
                         "|%" PRId64 "|%" PRId64 "\n",
                         e->path, suffix, e->addr, e->mode, e->uid, e->gid, e->size, e->atime.sec,
                         e->mtime.sec, e->ctime.sec, e->crtime.sec);
}
