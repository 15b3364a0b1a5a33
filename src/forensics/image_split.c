/* Split raw segment names: "x.001" → "x.002", "x.aa" → "x.ab". Pure string work on names the
 * examiner typed or a directory listing gave, so every length is checked. */
#include "base/err.h"
#include "forensics/image.h"

#include <string.h>

enum { EXT_MIN = 2, EXT_MAX = 6 };

/* The extension of name's last path component: its start and kind ('0' digits, 'a' letters),
 * or NULL if it is no segment extension. */
static const char *segment_ext(const char *name, char *kind)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) return NULL;
    const char *ext = dot + 1;
    size_t n = strlen(ext);
    if (n < EXT_MIN || n > EXT_MAX) return NULL;
    size_t digits = strspn(ext, "0123456789");
    size_t letters = strspn(ext, "abcdefghijklmnopqrstuvwxyz");
    if (digits == n)
        *kind = '0';
    else if (letters == n)
        *kind = 'a';
    else
        return NULL;
    return ext;
}

int forensics_image_split_first(const char *name)
{
    char kind;
    const char *ext = segment_ext(name, &kind);
    if (!ext) return 0;
    size_t n = strlen(ext);
    if (kind == 'a') return strspn(ext, "a") == n;
    size_t zeros = strspn(ext, "0");
    return zeros == n || (zeros == n - 1 && ext[n - 1] == '1');
}

int forensics_image_split_next(const char *name, char *out, size_t cap)
{
    if (cap) out[0] = '\0';
    char kind;
    const char *ext = segment_ext(name, &kind);
    if (!ext) return KT_ENOTFOUND;
    size_t len = strlen(name);
    if (len + 1 > cap) return KT_ETOOBIG;
    memcpy(out, name, len + 1);
    char *e = out + (ext - name);
    char top = kind == '0' ? '9' : 'z';
    for (size_t i = strlen(e); i-- > 0;) {
        if (e[i] != top) {
            e[i]++;
            return 0;
        }
        e[i] = kind;
    }
    out[0] = '\0';
    return KT_ENOTFOUND;
}
