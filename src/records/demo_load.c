/* Loads the generated demo dataset through the same validation and storage path as any
 * registration, in batches of one transaction each. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "records/demo.h"
#include "records/records_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_SEED 20261123u
#define BATCH 5000

typedef int (*gen_fn)(uint64_t seed, uint32_t i, json_t **out);

static int load_kind(struct records *r, const struct auth_user *loader, int t, gen_fn gen,
                     uint32_t count)
{
    json_t **batch = calloc(BATCH, sizeof *batch);
    char(*ids)[16] = calloc(BATCH, sizeof *ids);
    if (!batch || !ids) {
        free(batch);
        free(ids);
        return KT_ENOMEM;
    }
    int rc = 0;
    for (uint32_t start = 0; start < count && !rc; start += BATCH) {
        uint32_t n = count - start < BATCH ? count - start : BATCH;
        struct store_conn *c;
        store_get(r->st, &c);
        if ((rc = audit_tx_begin(r->au, c))) {
            store_put(r->st, c);
            break;
        }
        uint32_t done = 0;
        for (uint32_t i = 0; i < n && !rc; i++) {
            json_t *body;
            if ((rc = gen(DEMO_SEED, start + i, &body))) break;
            /* Each record is registered by a registrar of its own agency. */
            struct auth_user u = *loader;
            const char *ag = json_string_value(json_object_get(body, "agency"));
            if (ag) snprintf(u.agency, sizeof u.agency, "%s", ag);
            rc = rec_validate(t, &u, body, NULL, &batch[i]);
            json_decref(body);
            if (rc) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s", kt_errmsg());
                rc = kt_fail(rc, "demo %s %u: %s", rec_type_name(t), start + i, msg);
                break;
            }
            done = i + 1;
            rc = rec_insert(r, c, &u, t, batch[i], ids[i], sizeof ids[i]);
        }
        if (!rc) {
            char detail[128];
            snprintf(detail, sizeof detail, "{\"type\":\"%s\",\"count\":%u,\"first\":\"%s\"}",
                     rec_type_name(t), n, ids[0]);
            struct audit_entry e = {.action = "records.demo_load", .detail = detail};
            rc = audit_append(r->au, c, loader, &e, NULL);
        }
        rc = audit_tx_finish(r->au, c, rc);
        store_put(r->st, c);
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        pthread_rwlock_wrlock(&r->lock);
        for (uint32_t i = 0; i < done; i++) {
            int tt;
            uint32_t num;
            if (!rc && rec_id_parse(ids[i], &tt, &num) == 0)
                rc = rec_index_apply(r, t, num, "active", batch[i], now);
            json_decref(batch[i]);
            batch[i] = NULL;
        }
        pthread_rwlock_unlock(&r->lock);
    }
    free(batch);
    free(ids);
    return rc;
}

int records_demo_load(struct records *r, const struct auth_user *u, uint32_t persons,
                      uint32_t vehicles)
{
    struct store_conn *c;
    store_get(r->st, &c);
    struct store_rows *rows = NULL;
    long n = store_exec(c, "SELECT COUNT(*) FROM records", 0, NULL, &rows);
    long have = n > 0 ? strtol(store_rows_get(rows, 0, 0), NULL, 10) : 0;
    store_rows_free(rows);
    store_put(r->st, c);
    if (n < 0) return (int)n;
    if (have > 0) {
        kt_log_info("demo: store already holds %ld records; not loading", have);
        return 0;
    }
    int64_t t0 = jtime_now_ms();
    kt_log_info("demo: generating %u persons and %u vehicles (this takes a little while)", persons,
                vehicles);
    uint32_t small = persons / 10 < 20000 ? persons / 10 : 20000;
    int rc = load_kind(r, u, 0, demo_person_json, persons);
    if (!rc) rc = load_kind(r, u, 1, demo_vehicle_json, vehicles);
    if (!rc) rc = load_kind(r, u, 2, demo_firearm_json, small);
    if (!rc) rc = load_kind(r, u, 3, demo_document_json, small);
    if (rc) return rc;
    /* The follower need not re-read what was just indexed. */
    store_get(r->st, &c);
    rc = rec_history_mark(r, c);
    store_put(r->st, c);
    if (rc) return rc;
    kt_log_info("demo: loaded %u persons, %u vehicles, %u firearms, %u documents in %.1f s",
                persons, vehicles, small, small, (double)(jtime_now_ms() - t0) / 1000.0);
    return 0;
}
