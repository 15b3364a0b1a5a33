/* DOS partition type names as mmls prints them ("NAME (0xNN)"): the common types. A type not
 * listed prints "Unknown Type (0xNN)", as mmls does for the types it does not know. */
#include "forensics/vol.h"

#include <stdio.h>

static const struct {
    uint8_t type;
    const char *name;
} names[] = {
    {0x00, "Empty"},
    {0x01, "DOS FAT12"},
    {0x02, "XENIX root"},
    {0x03, "XENIX /usr"},
    {0x04, "DOS FAT16"},
    {0x05, "DOS Extended"},
    {0x06, "DOS FAT16"},
    {0x07, "NTFS / exFAT"},
    {0x08, "AIX Boot"},
    {0x09, "AIX Data"},
    {0x0a, "OS/2 Boot Manager"},
    {0x0b, "Win95 FAT32"},
    {0x0c, "Win95 FAT32"},
    {0x0e, "Win95 FAT16"},
    {0x0f, "Win95 Extended"},
    {0x10, "OPUS"},
    {0x11, "DOS FAT12 Hidden"},
    {0x12, "Hibernation"},
    {0x14, "DOS FAT16 Hidden"},
    {0x16, "DOS FAT16 Hidden"},
    {0x17, "Hidden IFS/HPFS"},
    {0x18, "AST SmartSleep"},
    {0x19, "Win95 FAT32 Hidden"},
    {0x1b, "Win95 FAT32 Hidden"},
    {0x1c, "Win95 FAT32 Hidden"},
    {0x1e, "Win95 FAT16 Hidden"},
    {0x42, "Win LVM / Secure FS"},
    {0x52, "Microport SysV/AT"},
    {0x63, "UNIX System V"},
    {0x80, "MINIX <=v1.4a"},
    {0x81, "MINIX >=v1.4b, Early Linux"},
    {0x82, "Linux Swap / Solaris x86"},
    {0x83, "Linux"},
    {0x84, "Hibernation"},
    {0x85, "Linux Extended"},
    {0x86, "NTFS Volume Set"},
    {0x87, "NTFS Volume Set"},
    {0x8a, "Linux Kernel"},
    {0x8e, "Linux Logical Volume Manager"},
    {0x93, "Linux Hidden"},
    {0x9f, "BSD/OS"},
    {0xa0, "Hibernation"},
    {0xa1, "Hibernation"},
    {0xa5, "BSD/386, 386BSD, NetBSD, FreeBSD"},
    {0xa6, "OpenBSD"},
    {0xa7, "NeXTSTEP"},
    {0xa8, "Mac OS X"},
    {0xa9, "NetBSD"},
    {0xab, "Mac OS X Boot Partition"},
    {0xaf, "Mac OS X HFS"},
    {0xb7, "BSDI"},
    {0xb8, "BSDI Swap"},
    {0xbe, "Solaris 8 Boot"},
    {0xc2, "Hidden Linux"},
    {0xc3, "Hidden Linux Swap"},
    {0xda, "Non-FS Data"},
    {0xde, "Dell Utilities FAT"},
    {0xeb, "BeOS BFS"},
    {0xee, "GPT Safety Partition"},
    {0xef, "EFI File System"},
    {0xf0, "Linux/PA-RISC Boot Loader"},
    {0xfb, "VMWare File System"},
    {0xfc, "VMWare Swap"},
    {0xfd, "Linux RAID"},
    {0xff, "Xenix Bad Block Table"},
};

void forensics_vol_dos_desc(uint8_t type, char *out, size_t cap)
{
    const char *name = "Unknown Type";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].type == type) name = names[i].name;
    snprintf(out, cap, "%s (0x%02x)", name, type);
}
