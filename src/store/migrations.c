/* Numbered schema migrations, applied in order at start by store_migrate(). Never edit a
 * released migration: add a new one. Times are ISO 8601 UTC text ("2026-11-23T08:00:00.000Z"),
 * which sorts correctly on both backends. */
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct migration {
    int version;
    const char *sql;    /* portable, with @ID@/@BLOB@ tokens */
    const char *sqlite; /* backend-specific extras, may be NULL */
    const char *pg;
};

static const struct migration migrations[] = {
    {1,
     "CREATE TABLE users ("
     " id @ID@, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, agency TEXT NOT NULL,"
     " pw_hash TEXT NOT NULL, failed_count INTEGER NOT NULL DEFAULT 0, locked_until TEXT,"
     " disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
     "CREATE TABLE sessions ("
     " token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),"
     " created_at TEXT NOT NULL, expires_at TEXT NOT NULL, last_seen TEXT NOT NULL);"
     /* The audit trail: seq is dense from 1; hash = SHA-256 over prev_hash and the entry's
      * canonical fields (auth/audit.c), so any edit, insertion or removal breaks the chain. */
     "CREATE TABLE audit ("
     " seq BIGINT PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,"
     " agency TEXT NOT NULL, action TEXT NOT NULL, target TEXT, reason TEXT,"
     " detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
     "CREATE INDEX audit_actor ON audit(actor, ts);"
     "CREATE TABLE id_counters (type TEXT PRIMARY KEY, next BIGINT NOT NULL);"
     "INSERT INTO id_counters VALUES ('person', 0), ('vehicle', 0), ('firearm', 0),"
     " ('document', 0);"
     "CREATE TABLE records ("
     " id TEXT PRIMARY KEY, type TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,"
     " agency TEXT NOT NULL, data TEXT NOT NULL, expires_on TEXT, created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL);"
     "CREATE INDEX records_type_status ON records(type, status);"
     "CREATE TABLE record_keys ("
     " record_id TEXT NOT NULL REFERENCES records(id), kind TEXT NOT NULL, key TEXT NOT NULL,"
     " PRIMARY KEY (kind, key, record_id));"
     "CREATE INDEX record_keys_record ON record_keys(record_id);"
     "CREATE TABLE record_history ("
     " id @ID@, record_id TEXT NOT NULL REFERENCES records(id), ts TEXT NOT NULL,"
     " actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
     "CREATE INDEX record_history_record ON record_history(record_id, id);"
     "CREATE TABLE hit_confirmations ("
     " id @ID@, record_id TEXT NOT NULL REFERENCES records(id), status TEXT NOT NULL,"
     " requested_by TEXT NOT NULL, requesting_agency TEXT NOT NULL, requested_at TEXT NOT NULL,"
     " reason TEXT NOT NULL, query_seq BIGINT, responded_by TEXT, responded_at TEXT,"
     " response TEXT);"
     "CREATE INDEX hit_confirmations_record ON hit_confirmations(record_id);",
     /* Append-only at the database too: an insider must drop these to alter history, and
      * `keitsu audit verify` still catches what they then change. */
     /* Which queries returned a record: one row per (record, query), clustered by record. */
     "CREATE TABLE audit_refs (record_id TEXT NOT NULL, seq BIGINT NOT NULL,"
     " PRIMARY KEY (record_id, seq)) WITHOUT ROWID;"
     "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
     " BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;"
     "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
     " BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;",
     "CREATE TABLE audit_refs (record_id TEXT NOT NULL, seq BIGINT NOT NULL,"
     " PRIMARY KEY (record_id, seq));"
     "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
     " $$ BEGIN RAISE EXCEPTION 'audit trail is append-only'; END $$;"
     "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
     " FOR EACH ROW EXECUTE FUNCTION audit_append_only();"},
    /* 2: command and dispatch (通信指令). */
    {2,
     "ALTER TABLE users ADD COLUMN station TEXT;"
     "CREATE TABLE stations (id TEXT PRIMARY KEY, name TEXT NOT NULL, agency TEXT NOT NULL,"
     " area TEXT NOT NULL, created_at TEXT NOT NULL);"
     "CREATE TABLE units (id TEXT PRIMARY KEY, callsign TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
     " station TEXT NOT NULL, agency TEXT NOT NULL, status TEXT NOT NULL, incident TEXT,"
     " lat DOUBLE PRECISION, lon DOUBLE PRECISION, fix_at TEXT, signed_on TEXT,"
     " created_at TEXT NOT NULL);"
     "CREATE TABLE incidents (id TEXT PRIMARY KEY, agency TEXT NOT NULL, site TEXT NOT NULL,"
     " ext_id TEXT, status TEXT NOT NULL, type TEXT NOT NULL, priority INTEGER NOT NULL,"
     " caller_number TEXT, location_withheld INTEGER NOT NULL, lat DOUBLE PRECISION,"
     " lon DOUBLE PRECISION, uncertainty_m DOUBLE PRECISION, address TEXT, narrative TEXT,"
     " station TEXT, wide_area INTEGER NOT NULL, merged_into TEXT, disposition TEXT,"
     " disposition_note TEXT, created_at TEXT NOT NULL, dispatched_at TEXT, on_scene_at TEXT,"
     " closed_at TEXT, created_by TEXT NOT NULL, version INTEGER NOT NULL);"
     "CREATE INDEX incidents_caller ON incidents (caller_number);"
     "CREATE INDEX incidents_address ON incidents (address);"
     "CREATE INDEX incidents_status ON incidents (status, created_at);"
     "CREATE TABLE incident_units (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL,"
     " dispatched_at TEXT NOT NULL, acknowledged_at TEXT, on_scene_at TEXT, released_at TEXT,"
     " PRIMARY KEY (incident_id, unit_id, dispatched_at));"
     "CREATE TABLE incident_timeline (id @ID@, incident_id TEXT NOT NULL, ts TEXT NOT NULL,"
     " actor TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL);"
     "CREATE INDEX incident_timeline_inc ON incident_timeline (incident_id, id);"
     "CREATE TABLE incident_attachments (id @ID@, incident_id TEXT NOT NULL, ts TEXT NOT NULL,"
     " actor TEXT NOT NULL, kind TEXT NOT NULL, text TEXT, mime TEXT, data TEXT);"
     "CREATE INDEX incident_attachments_inc ON incident_attachments (incident_id, id);",
     NULL, NULL},
    /* 3: driver-licence registry (運転者管理). Dates are "YYYY-MM-DD" (JST calendar days). A
     * licence row per number: a reissue for loss or theft adds a row and marks the old one
     * 'reissued'. Classes belong to the holder (they outlive a card). */
    {3,
     "CREATE TABLE licence_holders (id TEXT PRIMARY KEY, name_kanji TEXT, name_kana TEXT,"
     " name_romaji TEXT, phon_key TEXT NOT NULL, kanji_key TEXT, birth_date TEXT NOT NULL,"
     " address TEXT NOT NULL, photo_sha256 TEXT, disqualified_until TEXT,"
     " created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL,"
     " version INTEGER NOT NULL);"
     "CREATE INDEX licence_holders_birth ON licence_holders (birth_date);"
     "CREATE INDEX licence_holders_photo ON licence_holders (photo_sha256);"
     "CREATE TABLE licences (number TEXT PRIMARY KEY,"
     " holder_id TEXT NOT NULL REFERENCES licence_holders(id), status TEXT NOT NULL,"
     " first_licensed TEXT NOT NULL, issued_on TEXT NOT NULL, expires_on TEXT NOT NULL,"
     " category TEXT NOT NULL, band TEXT NOT NULL, conditions TEXT NOT NULL,"
     " suspended_from TEXT, suspended_until TEXT, replaced_by TEXT, created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL, version INTEGER NOT NULL);"
     "CREATE INDEX licences_holder ON licences (holder_id);"
     "CREATE TABLE licence_classes (holder_id TEXT NOT NULL REFERENCES licence_holders(id),"
     " class TEXT NOT NULL, acquired_on TEXT NOT NULL, PRIMARY KEY (holder_id, class));"
     "CREATE TABLE licence_events (id @ID@,"
     " holder_id TEXT NOT NULL REFERENCES licence_holders(id), type TEXT NOT NULL,"
     " day TEXT NOT NULL, code TEXT, points INTEGER NOT NULL, revocation INTEGER NOT NULL,"
     " days INTEGER NOT NULL, years INTEGER NOT NULL, end_day TEXT, number TEXT, note TEXT,"
     " recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL);"
     "CREATE INDEX licence_events_holder ON licence_events (holder_id, day);"
     "CREATE TABLE licence_history (id @ID@, holder_id TEXT NOT NULL, number TEXT,"
     " ts TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
     "CREATE INDEX licence_history_holder ON licence_history (holder_id, id);"
     "CREATE TABLE licence_serials (commission INTEGER NOT NULL, year2 INTEGER NOT NULL,"
     " next BIGINT NOT NULL, PRIMARY KEY (commission, year2));"
     "INSERT INTO id_counters VALUES ('licence_holder', 0);",
     NULL, NULL},
    /* 4: 指掌紋 (AFIS). Templates are ISO/IEC 19794-2 records, base64 text; the in-memory
     * gallery is rebuilt from afis_templates at start. (3 is the licence module's.) */
    {4,
     "CREATE TABLE afis_subjects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,"
     " agency TEXT NOT NULL, reference TEXT, note TEXT, created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL);"
     "CREATE INDEX afis_subjects_kind ON afis_subjects (kind, status);"
     "CREATE TABLE afis_templates (subject_id TEXT NOT NULL, finger INTEGER NOT NULL,"
     " template TEXT NOT NULL, minutiae INTEGER NOT NULL, PRIMARY KEY (subject_id, finger));"
     "CREATE TABLE afis_searches (id @ID@, ts TEXT NOT NULL, actor TEXT NOT NULL,"
     " agency TEXT NOT NULL, kind TEXT NOT NULL, probe TEXT, reason TEXT NOT NULL,"
     " candidates TEXT NOT NULL, audit_seq BIGINT);"
     "CREATE TABLE afis_decisions (id @ID@, search_id BIGINT NOT NULL, subject_id TEXT NOT NULL,"
     " decision TEXT NOT NULL, note TEXT, ts TEXT NOT NULL, actor TEXT NOT NULL);"
     "CREATE INDEX afis_decisions_search ON afis_decisions (search_id);"
     "INSERT INTO id_counters VALUES ('afis_tenprint', 0), ('afis_latent', 0);",
     NULL, NULL},
    /* 5: on SQLite the audit table's seq becomes the rowid (INTEGER PRIMARY KEY), so an
     * entry is written to one B-tree instead of the table plus a separate primary-key index:
     * fewer pages per audit commit. Entries are copied unchanged (the chain still verifies);
     * the append-only triggers are recreated. PostgreSQL is unchanged. */
    {5, NULL,
     "CREATE TABLE audit_rowid ("
     " seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,"
     " agency TEXT NOT NULL, action TEXT NOT NULL, target TEXT, reason TEXT,"
     " detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
     "INSERT INTO audit_rowid SELECT seq, ts, actor, role, agency, action, target, reason,"
     " detail, prev_hash, hash FROM audit ORDER BY seq;"
     "DROP TABLE audit;"
     "ALTER TABLE audit_rowid RENAME TO audit;"
     "CREATE INDEX audit_actor ON audit(actor, ts);"
     "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
     " BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;"
     "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
     " BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;",
     NULL},
    /* 6: forensic examinations (電磁的記録の解析) registered from `keitsu image register`: the
     * evidence's hashes and the findings (hash, keyword and YARA hits, carved files) an
     * examiner reports to a case. Findings are only ever added. */
    {6,
     "CREATE TABLE forensic_exams ("
     " id TEXT PRIMARY KEY, case_number TEXT NOT NULL, title TEXT NOT NULL,"
     " agency TEXT NOT NULL, evidence_name TEXT NOT NULL, evidence_size BIGINT NOT NULL,"
     " evidence_md5 TEXT, evidence_sha1 TEXT, evidence_sha256 TEXT NOT NULL,"
     " findings BIGINT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL);"
     "CREATE INDEX forensic_exams_case ON forensic_exams(case_number);"
     "CREATE TABLE forensic_findings ("
     " exam_id TEXT NOT NULL REFERENCES forensic_exams(id), seq BIGINT NOT NULL,"
     " kind TEXT NOT NULL, path TEXT, addr TEXT, image_offset BIGINT, length BIGINT,"
     " detail TEXT, sha256 TEXT, added_by TEXT NOT NULL, added_at TEXT NOT NULL,"
     " PRIMARY KEY (exam_id, seq));"
     "INSERT INTO id_counters VALUES ('forensic_exam', 0);",
     NULL, NULL},
    /* 7: on SQLite an audit entry's record ids move into its own row (audit.refs, ids joined
     * by spaces), and the look-up indexes by record and by actor move to a side file the
     * audit indexer fills from the trail (auth/audit_index.h): writing them with each entry
     * cost a random page per query candidate in every commit. Entries are otherwise
     * unchanged (refs are not part of the hash; the chain still verifies). PostgreSQL keeps
     * audit_refs and audit_actor. */
    {7, NULL,
     "DROP TRIGGER audit_no_update;"
     "ALTER TABLE audit ADD COLUMN refs TEXT;"
     "UPDATE audit SET refs = t.r FROM (SELECT seq, group_concat(record_id, ' ') AS r"
     " FROM (SELECT seq, record_id FROM audit_refs ORDER BY seq, record_id) GROUP BY seq) AS t"
     " WHERE t.seq = audit.seq;"
     "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
     " BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;"
     "DROP TABLE audit_refs;"
     "DROP INDEX audit_actor;",
     NULL},
};

static int apply(struct store_conn *c, enum store_kind kind, const struct migration *m)
{
    int rc = store_begin(c);
    if (rc) return rc;
    const char *parts[2] = {m->sql, kind == STORE_SQLITE ? m->sqlite : m->pg};
    for (int i = 0; i < 2; i++) {
        if (!parts[i]) continue;
        char *sql = store_expand_sql(kind, parts[i]);
        if (!sql) {
            store_rollback(c);
            return KT_ENOMEM;
        }
        rc = store_exec_script(c, sql);
        free(sql);
        if (rc) {
            store_rollback(c);
            return rc;
        }
    }
    char version[16], now[32];
    snprintf(version, sizeof version, "%d", m->version);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    const char *p[] = {version, now};
    long n = store_exec(c, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", 2,
                        p, NULL);
    if (n < 0) {
        store_rollback(c);
        return (int)n;
    }
    return store_commit(c);
}

int store_migrate(struct store *st)
{
    struct store_conn *c;
    int rc = store_get(st, &c);
    if (rc) return rc;
    rc = store_exec_script(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                              " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    if (rc) goto out;
    /* Every migration not yet recorded is applied, in order, even one numbered below the
     * highest applied (migrations from branches developed side by side). */
    struct store_rows *rows = NULL;
    long n = store_exec(c, "SELECT version FROM schema_migrations", 0, NULL, &rows);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        int done = 0;
        for (long k = 0; k < n && !done; k++)
            done = strtol(store_rows_get(rows, (size_t)k, 0), NULL, 10) == migrations[i].version;
        if (done) continue;
        rc = apply(c, store_kind(st), &migrations[i]);
        if (rc) {
            kt_log_error("migration %d failed: %s", migrations[i].version, kt_errmsg());
            break;
        }
        kt_log_info("applied migration %d", migrations[i].version);
    }
    store_rows_free(rows);
out:
    store_put(st, c);
    return rc;
}
