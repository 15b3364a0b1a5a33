/* Holders (免許保有者): register, read (audited), change of name or address (versioned). Names
 * are checked as the query centre checks them: kana and romaji must read alike, and each form
 * must give a phonetic key (base/kana.h), which the fraud check compares. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/kana.h"
#include "base/utf8.h"
#include "licence/licence_internal.h"
#include "records/name_index.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Phonetic key of a whole name: each part's key, joined by one space. */
int lic_phonetic_name(const char *s, const char *field, char *out, size_t cap)
{
    size_t len = strlen(s), o = 0, start = 0, i = 0;
    int parts = 0;
    while (i <= len) {
        uint32_t cp = 0;
        int n = i < len ? utf8_decode(s + i, len - i, &cp) : 0;
        if (i < len && n <= 0) return kt_fail(KT_EVALID, "%s: not valid UTF-8", field);
        if (i == len || kana_is_separator(cp)) {
            if (i > start) {
                size_t kl;
                if (o && o + 1 < cap) out[o++] = ' ';
                if (o >= cap || kana_phonetic_key(s + start, i - start, out + o, cap - o, &kl) != 0)
                    return kt_fail(KT_EVALID, "%s: '%s' is not a name in kana or romaji", field, s);
                o += kl;
                parts++;
            }
            if (i == len) break;
            start = i + (size_t)n;
        }
        i += (size_t)n;
    }
    if (!parts) return kt_fail(KT_EVALID, "%s: empty name", field);
    out[o] = '\0';
    return 0;
}

int lic_names(json_t *dst, const json_t *b, int required, char *phon, size_t phon_cap,
              char *kanji_key, size_t kanji_cap)
{
    const char *kanji, *kana, *romaji;
    int rc;
    if ((rc = http_json_str(b, "name_kanji", 0, 40, &kanji)) ||
        (rc = http_json_str(b, "name_kana", 0, 60, &kana)) ||
        (rc = http_json_str(b, "name_romaji", 0, 80, &romaji)))
        return rc;
    if (required && !kana && !romaji)
        return kt_fail(KT_EINVAL, "name_kana: name_kana or name_romaji is required");
    if (kana && romaji) {
        int agree = name_scripts_agree(kana, romaji);
        if (agree < 0)
            return kt_fail(KT_EVALID, "name_kana: name_kana or name_romaji has characters that"
                                      " are not kana or Latin letters");
        if (!agree)
            return kt_fail(KT_EVALID, "name_romaji: '%s' does not read as name_kana '%s'", romaji,
                           kana);
    }
    phon[0] = kanji_key[0] = '\0';
    if (kana && (rc = lic_phonetic_name(kana, "name_kana", phon, phon_cap))) return rc;
    if (!kana && romaji && (rc = lic_phonetic_name(romaji, "name_romaji", phon, phon_cap)))
        return rc;
    if (kanji) {
        size_t kl;
        if (kana_classify(kanji, strlen(kanji)) != KANA_SCRIPT_KANJI ||
            kana_kanji_fold(kanji, strlen(kanji), kanji_key, kanji_cap, &kl) != 0)
            return kt_fail(KT_EVALID, "name_kanji: '%s' is not a kanji name", kanji);
        json_object_set_new(dst, "name_kanji", json_string(kanji));
    }
    if (kana) json_object_set_new(dst, "name_kana", json_string(kana));
    if (romaji) json_object_set_new(dst, "name_romaji", json_string(romaji));
    return 0;
}

static int check_photo(const char *s)
{
    if (strlen(s) != 64) return kt_fail(KT_EVALID, "photo_sha256: must be 64 hex digits");
    for (size_t i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return kt_fail(KT_EVALID, "photo_sha256: must be 64 lowercase hex digits");
    return 0;
}

int licence_holder_create(struct licence *l, const struct auth_user *u, json_t *body, json_t **out)
{
    static const char *const allowed[] = {"name_kanji", "name_kana",    "name_romaji", "birth_date",
                                          "address",    "photo_sha256", NULL};
    int rc = lic_require(u, AUTH_LICENCE_ISSUE, "register licence holders");
    if (rc) return rc;
    const char *birth, *address, *photo;
    long bday;
    char phon[256], kkey[160];
    json_t *d = json_object();
    if ((rc = http_json_only(body, "holder", allowed)) ||
        (rc = lic_names(d, body, 1, phon, sizeof phon, kkey, sizeof kkey)) ||
        (rc = http_json_str(body, "birth_date", 1, 10, &birth)) ||
        (rc = lic_day("birth_date", birth, &bday)) ||
        (rc = http_json_str(body, "address", 1, 200, &address)) ||
        (rc = http_json_str(body, "photo_sha256", 0, 64, &photo)) ||
        (photo && (rc = check_photo(photo)))) {
        json_decref(d);
        return rc;
    }
    if (bday > lic_today()) {
        json_decref(d);
        return kt_fail(KT_EVALID, "birth_date: %s is in the future", birth);
    }
    struct store_conn *c;
    store_get(l->st, &c);
    char id[16] = "";
    if (!(rc = audit_tx_begin(l->au, c))) {
        long num;
        if (!(rc = lic_next_holder_ids(c, 1, &num))) {
            lic_holder_id_format(num, id);
            char now[32];
            jtime_format_utc(jtime_now_ms(), now, sizeof now);
            const char *p[] = {id,
                               json_string_value(json_object_get(d, "name_kanji")),
                               json_string_value(json_object_get(d, "name_kana")),
                               json_string_value(json_object_get(d, "name_romaji")),
                               phon,
                               kkey[0] ? kkey : NULL,
                               birth,
                               address,
                               photo,
                               now,
                               u->name,
                               now};
            long n = store_exec(c,
                                "INSERT INTO licence_holders (id, name_kanji, name_kana,"
                                " name_romaji, phon_key, kanji_key, birth_date, address,"
                                " photo_sha256, created_at, created_by, updated_at, version)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                                12, p, NULL);
            rc = n < 0 ? (int)n : lic_audit_write(l, c, u, "licence.holder_create", id, NULL, "{}");
        }
        rc = audit_tx_finish(l->au, c, rc);
    }
    store_put(l->st, c);
    json_decref(d);
    if (rc) return rc;
    *out = json_pack("{s:s}", "id", id);
    return 0;
}

static json_t *rows_json(struct store_conn *c, const char *sql, const char *id,
                         const char *const *names, int ncols)
{
    json_t *arr = json_array();
    struct store_rows *rows = NULL;
    const char *p[] = {id};
    long n = store_exec(c, sql, 1, p, &rows);
    for (long i = 0; i < n; i++) {
        json_t *o = json_object();
        for (int j = 0; j < ncols; j++) {
            const char *v = store_rows_get(rows, (size_t)i, j);
            if (!v) continue;
            json_t *parsed = v[0] == '{' || v[0] == '[' ? json_loads(v, 0, NULL) : NULL;
            json_object_set_new(o, names[j], parsed ? parsed : json_string(v));
        }
        json_array_append_new(arr, o);
    }
    store_rows_free(rows);
    return arr;
}

int licence_holder_get(struct licence *l, const struct auth_user *u, const char *id,
                       const char *reason, json_t **out)
{
    if (!auth_can(u, AUTH_LICENCE_ISSUE) && !auth_can(u, AUTH_LICENCE_DISPOSE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not read licence holders", u->role);
    if (!lic_holder_id_ok(id)) return kt_fail(KT_ENOTFOUND, "no holder %.16s", id);
    if (!reason || !*reason || strlen(reason) > 200)
        return kt_fail(KT_EINVAL, "reason is required (purpose of reading, ?reason=…)");
    static const char *const lic_cols[] = {
        "number", "status",     "first_licensed",  "issued_on",   "expires_on", "category",
        "band",   "conditions", "suspended_until", "replaced_by", "version"};
    static const char *const cls_cols[] = {"class", "acquired_on"};
    static const char *const ev_cols[] = {"id",     "type", "date",        "code",
                                          "points", "days", "years",       "until",
                                          "number", "note", "recorded_by", "recorded_at"};
    static const char *const hist_cols[] = {"ts", "actor", "action", "number", "detail"};
    struct store_conn *c;
    store_get(l->st, &c);
    json_t *h = NULL;
    int rc = lic_holder_load(c, id, &h);
    if (!rc) {
        json_object_del(h, "_phon");
        json_object_del(h, "_kanji");
        json_object_set_new(
            h, "licences",
            rows_json(c,
                      "SELECT number, status, first_licensed, issued_on, expires_on, category,"
                      " band, conditions, suspended_until, replaced_by, version FROM licences"
                      " WHERE holder_id = ? ORDER BY created_at, number",
                      id, lic_cols, 11));
        json_object_set_new(h, "classes",
                            rows_json(c,
                                      "SELECT class, acquired_on FROM licence_classes WHERE"
                                      " holder_id = ? ORDER BY acquired_on, class",
                                      id, cls_cols, 2));
        json_object_set_new(h, "events",
                            rows_json(c,
                                      "SELECT id, type, day, code, points, days, years, end_day,"
                                      " number, note, recorded_by, recorded_at FROM"
                                      " licence_events WHERE holder_id = ? ORDER BY day, id",
                                      id, ev_cols, 12));
        json_object_set_new(h, "history",
                            rows_json(c,
                                      "SELECT ts, actor, action, number, detail FROM"
                                      " licence_history WHERE holder_id = ? ORDER BY id",
                                      id, hist_cols, 5));
    }
    store_put(l->st, c);
    if (rc) return rc;
    const char *refs[] = {id};
    struct audit_entry e = {
        .action = "licence.holder_read", .target = id, .reason = reason, .refs = refs, .nrefs = 1};
    if ((rc = audit_log(l->au, u, &e, NULL))) {
        json_decref(h);
        return rc;
    }
    *out = h;
    return 0;
}

int licence_holder_update(struct licence *l, const struct auth_user *u, const char *id,
                          json_t *body, json_t **out)
{
    static const char *const allowed[] = {"name_kanji", "name_kana", "name_romaji",
                                          "address",    "version",   NULL};
    int rc = lic_require(u, AUTH_LICENCE_ISSUE, "change licence holders");
    if (rc) return rc;
    if (!lic_holder_id_ok(id)) return kt_fail(KT_ENOTFOUND, "no holder %.16s", id);
    json_t *want = json_object_get(body, "version");
    if ((rc = http_json_only(body, "holder", allowed))) return rc;
    if (want && !json_is_integer(want)) return kt_fail(KT_EINVAL, "version: must be an integer");
    if (json_object_size(body) == (want ? 1u : 0u))
        return kt_fail(KT_EINVAL, "nothing to change: give address or the name fields");
    const char *address;
    if ((rc = http_json_str(body, "address", 0, 200, &address))) return rc;
    int renaming = json_object_get(body, "name_kanji") || json_object_get(body, "name_kana") ||
                   json_object_get(body, "name_romaji");
    struct store_conn *c;
    store_get(l->st, &c);
    if ((rc = audit_tx_begin(l->au, c))) {
        store_put(l->st, c);
        return rc;
    }
    json_t *h = NULL, *merged = NULL, *names = json_object();
    long version = 0;
    if (!(rc = lic_holder_load(c, id, &h))) {
        version = (long)json_integer_value(json_object_get(h, "version"));
        if (want && json_integer_value(want) != version)
            rc = kt_fail(KT_ECONFLICT, "holder %s is at version %ld, not %lld: reload it", id,
                         version, (long long)json_integer_value(want));
    }
    char phon[256] = "", kkey[160] = "";
    if (!rc && renaming) {
        /* a change of name replaces the whole name: the three forms must agree again */
        merged = json_object();
        static const char *const nk[] = {"name_kanji", "name_kana", "name_romaji"};
        for (int i = 0; i < 3; i++) {
            json_t *v = json_object_get(body, nk[i]);
            if (!v) v = json_object_get(h, nk[i]);
            if (v && !json_is_null(v)) json_object_set(merged, nk[i], v);
        }
        rc = lic_names(names, merged, 1, phon, sizeof phon, kkey, sizeof kkey);
    }
    if (!rc) {
        char now[32], vs[24];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        snprintf(vs, sizeof vs, "%ld", version);
        const char *kanji = json_string_value(json_object_get(renaming ? names : h, "name_kanji"));
        const char *p[] = {kanji,
                           json_string_value(json_object_get(renaming ? names : h, "name_kana")),
                           json_string_value(json_object_get(renaming ? names : h, "name_romaji")),
                           renaming ? phon : json_string_value(json_object_get(h, "_phon")),
                           renaming ? (kkey[0] ? kkey : NULL)
                                    : json_string_value(json_object_get(h, "_kanji")),
                           address ? address : json_string_value(json_object_get(h, "address")),
                           now,
                           id,
                           vs};
        long n = store_exec(c,
                            "UPDATE licence_holders SET name_kanji = ?, name_kana = ?,"
                            " name_romaji = ?, phon_key = ?, kanji_key = ?, address = ?,"
                            " updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
                            9, p, NULL);
        if (n < 0)
            rc = (int)n;
        else if (n == 0)
            rc = kt_fail(KT_ECONFLICT, "holder %s changed meanwhile: reload it", id);
        json_t *d = json_object();
        if (address)
            json_object_set_new(d, "old_address",
                                json_object_get(h, "address")
                                    ? json_incref(json_object_get(h, "address"))
                                    : json_null());
        if (renaming) {
            json_t *old = json_object();
            static const char *const nk[] = {"name_kanji", "name_kana", "name_romaji"};
            for (int i = 0; i < 3; i++)
                if (json_object_get(h, nk[i]))
                    json_object_set(old, nk[i], json_object_get(h, nk[i]));
            json_object_set_new(d, "old_name", old);
        }
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        if (!rc)
            rc =
                lic_audit_write(l, c, u, renaming ? "licence.holder_rename" : "licence.holder_move",
                                id, NULL, detail);
        free(detail);
    }
    rc = audit_tx_finish(l->au, c, rc);
    store_put(l->st, c);
    json_decref(h);
    json_decref(merged);
    json_decref(names);
    if (rc) return rc;
    *out = json_pack("{s:s,s:I}", "id", id, "version", (json_int_t)version + 1);
    return 0;
}
