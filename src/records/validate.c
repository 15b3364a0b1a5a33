/* Validation of record bodies: every field checked at the boundary, unknown fields refused,
 * identifiers normalised, and the stored form built from what was checked (never the raw body). */
#include "base/err.h"
#include "base/jtime.h"
#include "http/http.h"
#include "records/ident.h"
#include "records/mrz.h"
#include "records/plate.h"
#include "records/records_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const cautions_known[] = {
    "armed", "violent", "suicidal", "infectious", "escape_risk", "drugs", "mental_health", NULL};

static int one_of(const char *s, const char *const *set)
{
    for (size_t i = 0; set[i]; i++)
        if (strcmp(s, set[i]) == 0) return 1;
    return 0;
}

/* Copies an optional string field after checking it; KT_EINVAL on a bad one. */
static int copy_str(json_t *dst, json_t *src, const char *key, int required, size_t max)
{
    const char *s;
    int rc = http_json_str(src, key, required, max, &s);
    if (rc) return rc;
    if (s) json_object_set_new(dst, key, json_string(s));
    return 0;
}

static int copy_date(json_t *dst, json_t *src, const char *key, int required, int not_future)
{
    const char *s;
    int rc = http_json_str(src, key, required, 10, &s);
    if (rc) return rc;
    if (!s) return 0;
    if ((rc = jtime_parse_date(key, s, NULL, NULL, NULL))) return rc;
    if (not_future) {
        char today[16];
        jtime_today_jst(today, sizeof today);
        if (strcmp(s, today) > 0) return kt_fail(KT_EVALID, "%s: %s is in the future", key, s);
    }
    json_object_set_new(dst, key, json_string(s));
    return 0;
}

static int copy_enum(json_t *dst, json_t *src, const char *key, int required,
                     const char *const *set, const char *list)
{
    const char *s;
    int rc = http_json_str(src, key, required, 32, &s);
    if (rc) return rc;
    if (!s) return 0;
    if (!one_of(s, set)) return kt_fail(KT_EINVAL, "%s must be one of %s", key, list);
    json_object_set_new(dst, key, json_string(s));
    return 0;
}

static int copy_cautions(json_t *dst, json_t *src)
{
    json_t *v = json_object_get(src, "cautions");
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v) || json_array_size(v) > 16)
        return kt_fail(KT_EINVAL, "cautions must be an array of up to 16 codes");
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c)
    {
        if (!json_is_string(c) || !one_of(json_string_value(c), cautions_known)) {
            json_decref(out);
            return kt_fail(KT_EINVAL,
                           "cautions[%zu] must be one of armed, violent, suicidal, infectious,"
                           " escape_risk, drugs, mental_health",
                           i);
        }
        json_array_append(out, c);
    }
    json_object_set_new(dst, "cautions", out);
    return 0;
}

/* The owning agency is the registrar's own: need-to-know forbids writing for another. */
static int set_agency(json_t *dst, json_t *src, const struct auth_user *u)
{
    const char *s;
    int rc = http_json_str(src, "agency", 0, 64, &s);
    if (rc) return rc;
    if (s && strcmp(s, u->agency) != 0)
        return kt_fail(KT_EFORBIDDEN, "agency: %s may only register records of %s", u->name,
                       u->agency);
    json_object_set_new(dst, "agency", json_string(u->agency));
    return 0;
}

static int name_triple(json_t *dst, json_t *src, const char *where)
{
    static const char *const allowed[] = {"name_kanji", "name_kana", "name_romaji", NULL};
    int rc;
    if (strcmp(where, "person") != 0 && (rc = http_json_only(src, where, allowed))) return rc;
    const char *kanji, *kana, *romaji;
    if ((rc = http_json_str(src, "name_kanji", 0, 40, &kanji)) ||
        (rc = http_json_str(src, "name_kana", 0, 60, &kana)) ||
        (rc = http_json_str(src, "name_romaji", 0, 80, &romaji)))
        return rc;
    if (!kana && !romaji)
        return kt_fail(KT_EINVAL, "%s: name_kana or name_romaji is required", where);
    if (kana && romaji) {
        int agree = name_scripts_agree(kana, romaji);
        if (agree < 0)
            return kt_fail(KT_EVALID,
                           "%s: name_kana or name_romaji has characters that are not"
                           " kana or Latin letters",
                           where);
        if (!agree)
            return kt_fail(KT_EVALID,
                           "%s: name_kana '%s' and name_romaji '%s' do not read the"
                           " same",
                           where, kana, romaji);
    }
    if (kanji) json_object_set_new(dst, "name_kanji", json_string(kanji));
    if (kana) json_object_set_new(dst, "name_kana", json_string(kana));
    if (romaji) json_object_set_new(dst, "name_romaji", json_string(romaji));
    return 0;
}

/* Every name must be one the name index accepts, or the record could be stored and yet never
 * found: try them on a throwaway index before anything is written. */
static int names_indexable(json_t *d)
{
    struct name_index *ix;
    int rc = name_index_create(&ix);
    if (rc) return rc;
    struct name_entry e = {
        .kanji = json_string_value(json_object_get(d, "name_kanji")),
        .kana = json_string_value(json_object_get(d, "name_kana")),
        .romaji = json_string_value(json_object_get(d, "name_romaji")),
    };
    rc = name_index_add(ix, 1, &e);
    json_t *al = json_object_get(d, "aliases");
    size_t i;
    json_t *a;
    json_array_foreach(al, i, a)
    {
        if (rc) break;
        struct name_entry ae = {
            .kanji = json_string_value(json_object_get(a, "name_kanji")),
            .kana = json_string_value(json_object_get(a, "name_kana")),
            .romaji = json_string_value(json_object_get(a, "name_romaji")),
        };
        rc = name_index_add(ix, 1, &ae);
    }
    name_index_free(ix);
    if (rc == KT_ENOMEM) return rc;
    if (rc) return kt_fail(KT_EVALID, "name: %s", kt_errmsg());
    return 0;
}

static int person(json_t *d, json_t *b)
{
    static const char *const allowed[] = {"kind",       "name_kanji", "name_kana", "name_romaji",
                                          "aliases",    "birth_date", "sex",       "description",
                                          "cautions",   "agency",     "wanted",    "missing",
                                          "expires_on", "height_cm",  "version",   NULL};
    static const char *const kinds[] = {"wanted", "missing", NULL};
    static const char *const sexes[] = {"M", "F", "U", NULL};
    int rc;
    if ((rc = http_json_only(b, "person", allowed)) ||
        (rc = copy_enum(d, b, "kind", 1, kinds, "wanted, missing")) ||
        (rc = name_triple(d, b, "person")) || (rc = copy_date(d, b, "birth_date", 0, 1)) ||
        (rc = copy_enum(d, b, "sex", 0, sexes, "M, F, U")) ||
        (rc = copy_str(d, b, "description", 0, 500)) || (rc = copy_cautions(d, b)) ||
        (rc = copy_date(d, b, "expires_on", 0, 0)))
        return rc;
    json_t *h = json_object_get(b, "height_cm");
    if (h && !json_is_null(h)) {
        if (!json_is_integer(h) || json_integer_value(h) < 30 || json_integer_value(h) > 250)
            return kt_fail(KT_EINVAL, "height_cm must be an integer from 30 to 250");
        json_object_set(d, "height_cm", h);
    }
    json_t *al = json_object_get(b, "aliases");
    if (al && !json_is_null(al)) {
        if (!json_is_array(al) || json_array_size(al) > 10)
            return kt_fail(KT_EINVAL, "aliases must be an array of up to 10 names");
        json_t *out = json_array();
        json_object_set_new(d, "aliases", out);
        size_t i;
        json_t *a;
        json_array_foreach(al, i, a)
        {
            char where[32];
            snprintf(where, sizeof where, "aliases[%zu]", i);
            if (!json_is_object(a)) return kt_fail(KT_EINVAL, "%s must be an object", where);
            json_t *o = json_object();
            json_array_append_new(out, o);
            if ((rc = name_triple(o, a, where))) return rc;
        }
    }
    const char *kind = json_string_value(json_object_get(d, "kind"));
    json_t *w = json_object_get(b, "wanted"), *m = json_object_get(b, "missing");
    if (strcmp(kind, "wanted") == 0) {
        static const char *const wf[] = {"warrant_no", "offence", "warrant_expires",
                                         "issuing_court", NULL};
        if (!json_is_object(w))
            return kt_fail(KT_EINVAL, "wanted: an object with warrant_no and offence is required"
                                      " for a wanted person");
        if (m && !json_is_null(m))
            return kt_fail(KT_EINVAL, "missing: not allowed on a wanted person");
        json_t *o = json_object();
        json_object_set_new(d, "wanted", o);
        if ((rc = http_json_only(w, "wanted", wf)) || (rc = copy_str(o, w, "warrant_no", 1, 40)) ||
            (rc = copy_str(o, w, "offence", 1, 100)) ||
            (rc = copy_date(o, w, "warrant_expires", 0, 0)) ||
            (rc = copy_str(o, w, "issuing_court", 0, 100)))
            return rc;
        json_t *we = json_object_get(o, "warrant_expires");
        if (we && !json_object_get(d, "expires_on")) json_object_set(d, "expires_on", we);
    } else {
        static const char *const mf[] = {"missing_since", "circumstances", "vulnerable", NULL};
        if (!json_is_object(m))
            return kt_fail(KT_EINVAL, "missing: an object with missing_since is required for a"
                                      " missing person");
        if (w && !json_is_null(w))
            return kt_fail(KT_EINVAL, "wanted: not allowed on a missing person");
        json_t *o = json_object();
        json_object_set_new(d, "missing", o);
        if ((rc = http_json_only(m, "missing", mf)) ||
            (rc = copy_date(o, m, "missing_since", 1, 1)) ||
            (rc = copy_str(o, m, "circumstances", 0, 500)))
            return rc;
        json_t *v = json_object_get(m, "vulnerable");
        if (v && !json_is_null(v)) {
            if (!json_is_boolean(v))
                return kt_fail(KT_EINVAL, "missing.vulnerable must be true"
                                          " or false");
            json_object_set(o, "vulnerable", v);
        }
    }
    return names_indexable(d);
}

static int vehicle(json_t *d, json_t *b)
{
    static const char *const allowed[] = {
        "kind",      "plate",       "vin",      "make",   "model",      "colour",  "year",
        "stolen_on", "description", "cautions", "agency", "expires_on", "version", NULL};
    static const char *const kinds[] = {"stolen", "wanted", NULL};
    int rc;
    const char *plate, *vin;
    if ((rc = http_json_only(b, "vehicle", allowed)) ||
        (rc = copy_enum(d, b, "kind", 1, kinds, "stolen, wanted")) ||
        (rc = http_json_str(b, "plate", 0, 40, &plate)) ||
        (rc = http_json_str(b, "vin", 0, 40, &vin)) || (rc = copy_str(d, b, "make", 0, 40)) ||
        (rc = copy_str(d, b, "model", 0, 40)) || (rc = copy_str(d, b, "colour", 0, 20)) ||
        (rc = copy_date(d, b, "stolen_on", 0, 1)) || (rc = copy_str(d, b, "description", 0, 500)) ||
        (rc = copy_cautions(d, b)) || (rc = copy_date(d, b, "expires_on", 0, 0)))
        return rc;
    if (!plate && !vin) return kt_fail(KT_EINVAL, "vehicle: plate or vin is required");
    if (plate) {
        struct plate p;
        char fmt[96];
        if ((rc = plate_parse(plate, strlen(plate), &p))) return rc;
        if ((rc = plate_format(&p, fmt, sizeof fmt))) return rc;
        json_object_set_new(d, "plate", json_string(fmt));
    }
    if (vin) {
        char key[64];
        if ((rc = ident_key(vin, strlen(vin), key, sizeof key)))
            return kt_fail(rc, "vin: %s", kt_errmsg());
        json_object_set_new(d, "vin", json_string(vin));
    }
    json_t *y = json_object_get(b, "year");
    if (y && !json_is_null(y)) {
        if (!json_is_integer(y) || json_integer_value(y) < 1900 || json_integer_value(y) > 2100)
            return kt_fail(KT_EINVAL, "year must be an integer from 1900 to 2100");
        json_object_set(d, "year", y);
    }
    return 0;
}

static int firearm(json_t *d, json_t *b)
{
    static const char *const allowed[] = {"kind",       "make",        "model",  "serial",
                                          "calibre",    "description", "agency", "reported_on",
                                          "expires_on", "version",     NULL};
    static const char *const kinds[] = {"stolen", "lost", NULL};
    int rc;
    const char *serial;
    if ((rc = http_json_only(b, "firearm", allowed)) ||
        (rc = copy_enum(d, b, "kind", 1, kinds, "stolen, lost")) ||
        (rc = copy_str(d, b, "make", 0, 40)) || (rc = copy_str(d, b, "model", 0, 40)) ||
        (rc = http_json_str(b, "serial", 1, 40, &serial)) ||
        (rc = copy_str(d, b, "calibre", 0, 20)) || (rc = copy_str(d, b, "description", 0, 500)) ||
        (rc = copy_date(d, b, "reported_on", 0, 1)) || (rc = copy_date(d, b, "expires_on", 0, 0)))
        return rc;
    char key[64];
    if ((rc = ident_key(serial, strlen(serial), key, sizeof key)))
        return kt_fail(rc, "serial: %s", kt_errmsg());
    json_object_set_new(d, "serial", json_string(serial));
    return 0;
}

static int document(json_t *d, json_t *b)
{
    static const char *const allowed[] = {
        "kind",   "country", "doc_type",    "number",     "mrz",     "holder_name", "birth_date",
        "expiry", "agency",  "reported_on", "expires_on", "version", NULL};
    static const char *const kinds[] = {"stolen", "lost", "revoked", NULL};
    int rc;
    const char *mrz_text, *country, *type, *number;
    if ((rc = http_json_only(b, "document", allowed)) ||
        (rc = copy_enum(d, b, "kind", 1, kinds, "stolen, lost, revoked")) ||
        (rc = http_json_str(b, "mrz", 0, 100, &mrz_text)) ||
        (rc = http_json_str(b, "country", 0, 3, &country)) ||
        (rc = http_json_str(b, "doc_type", 0, 2, &type)) ||
        (rc = http_json_str(b, "number", 0, 20, &number)) ||
        (rc = copy_str(d, b, "holder_name", 0, 80)) || (rc = copy_date(d, b, "birth_date", 0, 1)) ||
        (rc = copy_date(d, b, "expiry", 0, 0)) || (rc = copy_date(d, b, "reported_on", 0, 1)) ||
        (rc = copy_date(d, b, "expires_on", 0, 0)))
        return rc;
    if (mrz_text) {
        struct mrz m;
        if ((rc = mrz_parse(mrz_text, strlen(mrz_text), &m))) return rc;
        if (number && strcmp(number, m.number) != 0)
            return kt_fail(KT_EVALID, "number %s does not match the MRZ's %s", number, m.number);
        if (country && strcmp(country, m.issuer) != 0)
            return kt_fail(KT_EVALID, "country %s does not match the MRZ's %s", country, m.issuer);
        number = m.number;
        json_object_set_new(d, "country", json_string(m.issuer));
        json_object_set_new(d, "doc_type", json_string(m.doc_type));
        json_object_set_new(d, "number", json_string(m.number));
        json_object_set_new(d, "mrz", json_string(mrz_text));
        if (!json_object_get(d, "birth_date"))
            json_object_set_new(d, "birth_date", json_string(m.birth_date));
        if (!json_object_get(d, "expiry")) json_object_set_new(d, "expiry", json_string(m.expiry));
        if (!json_object_get(d, "holder_name")) {
            char name[140];
            snprintf(name, sizeof name, "%s %s", m.surname, m.given);
            json_object_set_new(d, "holder_name", json_string(name));
        }
        return 0;
    }
    if (!number) return kt_fail(KT_EINVAL, "document: number or mrz is required");
    if (!country) return kt_fail(KT_EINVAL, "country is required (ICAO 3-letter code)");
    for (int i = 0; i < 3; i++)
        if (country[i] < 'A' || country[i] > 'Z' || strlen(country) != 3)
            return kt_fail(KT_EINVAL, "country must be an ICAO 3-letter code such as JPN");
    char key[64];
    if ((rc = ident_key(number, strlen(number), key, sizeof key)))
        return kt_fail(rc, "number: %s", kt_errmsg());
    json_object_set_new(d, "country", json_string(country));
    json_object_set_new(d, "doc_type", json_string(type ? type : "P"));
    json_object_set_new(d, "number", json_string(number));
    return 0;
}

int rec_validate(int t, const struct auth_user *u, json_t *body, json_t *base, json_t **data)
{
    json_t *merged = body;
    if (base) {
        /* A partial update: changed fields over the stored ones, then validated whole. */
        merged = json_deep_copy(base);
        json_object_del(merged, "agency");
        const char *key;
        json_t *v;
        json_object_foreach(body, key, v)
        {
            if (json_is_null(v))
                json_object_del(merged, key);
            else
                json_object_set(merged, key, v);
        }
    }
    json_t *d = json_object();
    int rc;
    switch (t) {
    case 0:
        rc = person(d, merged);
        break;
    case 1:
        rc = vehicle(d, merged);
        break;
    case 2:
        rc = firearm(d, merged);
        break;
    default:
        rc = document(d, merged);
        break;
    }
    if (!rc) rc = set_agency(d, merged, u);
    if (base) json_decref(merged);
    if (rc) {
        json_decref(d);
        return rc;
    }
    *data = d;
    return 0;
}

static void add_key(struct rec_keys *k, const char *kind, const char *key)
{
    if (k->n == REC_MAX_KEYS) return;
    snprintf(k->kind[k->n], sizeof k->kind[0], "%s", kind);
    snprintf(k->key[k->n], sizeof k->key[0], "%s", key);
    k->n++;
}

int rec_keys_of(int t, json_t *data, struct rec_keys *k)
{
    memset(k, 0, sizeof *k);
    char key[128];
    const char *s;
    if (t == 1) {
        if ((s = json_string_value(json_object_get(data, "plate")))) {
            struct plate p;
            if (plate_parse(s, strlen(s), &p) == 0 && plate_key(&p, key, sizeof key) == 0) {
                add_key(k, "plate", key);
                snprintf(key, sizeof key, "%04u", p.serial);
                add_key(k, "serial", key);
            }
        }
        if ((s = json_string_value(json_object_get(data, "vin"))) &&
            ident_key(s, strlen(s), key, sizeof key) == 0)
            add_key(k, "vin", key);
    } else if (t == 2) {
        if ((s = json_string_value(json_object_get(data, "serial"))) &&
            ident_key(s, strlen(s), key, sizeof key) == 0)
            add_key(k, "fserial", key);
    } else if (t == 3) {
        if ((s = json_string_value(json_object_get(data, "number"))) &&
            ident_key(s, strlen(s), key, sizeof key) == 0)
            add_key(k, "doc", key);
    }
    return 0;
}
