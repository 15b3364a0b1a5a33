/* libFuzzer target: NATS envelopes from other sites, which are outside data. Whatever the
 * validator accepts must build into an envelope it accepts again, unchanged. */
#include "bus/bus_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char site[32];
    struct bus_event ev;
    if (bus_envelope_parse((const char *)data, size, site, &ev) != 0) {
        if (ev.data) abort(); /* a refusal leaves nothing to free */
        return 0;
    }
    if (!ev.scope.wide || ev.seq != 0 || strlen(ev.data) != ev.data_len) abort();
    size_t len;
    char *env = bus_envelope_build(site, &ev, &len);
    char site2[32];
    struct bus_event back;
    if (!env || bus_envelope_parse(env, len, site2, &back) != 0) abort();
    if (strcmp(site, site2) != 0 || strcmp(ev.module, back.module) != 0 ||
        strcmp(ev.type, back.type) != 0 || ev.ts_ms != back.ts_ms ||
        memcmp(&ev.scope, &back.scope, sizeof ev.scope) != 0 || strcmp(ev.data, back.data) != 0)
        abort();
    free(back.data);
    free(env);
    free(ev.data);
    return 0;
}
