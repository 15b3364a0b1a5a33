/* Internals of dispatch/: the in-memory model shared by its files. Not for other modules. */
#ifndef KEITSU_DISPATCH_INTERNAL_H
#define KEITSU_DISPATCH_INTERNAL_H

#include "dispatch/codes.h"
#include "dispatch/dispatch.h"
#include "dispatch/geo.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

enum { INC_OPEN, INC_DISPATCHED, INC_ON_SCENE, INC_CLOSED, INC_MERGED };
enum {
    UNIT_AVAILABLE,
    UNIT_DISPATCHED,
    UNIT_EN_ROUTE,
    UNIT_ON_SCENE,
    UNIT_TRANSPORTING,
    UNIT_OUT_OF_SERVICE,
    UNIT_NSTATUS
};

struct unit {
    int32_t key; /* index in d->units, the spatial index key */
    char id[16];
    char callsign[48];
    int kind; /* bit index into dispatch_unit_kinds */
    char station[64];
    char agency[96];
    int status;
    char incident[32]; /* current assignment or "" */
    int has_fix;
    double lat, lon;
    int64_t fix_ms;
    int dirty; /* position not yet written to the store */
    char signed_on[64];
};

struct assignment {
    char unit[16];
    int64_t dispatched_ms, ack_ms, onscene_ms, released_ms; /* 0 = not yet */
};

struct incident {
    char id[32];
    char agency[96];
    char site[32];
    char ext_id[96]; /* "site:id" for a copy of another site's wide-area incident */
    int status;
    char type[24];
    int priority;
    char caller[32];
    int withheld;
    int has_loc;
    double lat, lon, unc_m;
    char *address;   /* owned, may be NULL */
    char *narrative; /* owned, may be NULL */
    char station[64];
    int wide;
    char merged_into[32];
    char disposition[24];
    char *disp_note; /* owned, may be NULL */
    int64_t created_ms, dispatched_ms, onscene_ms, closed_ms;
    char created_by[64];
    int version;
    struct assignment *asg; /* owned */
    size_t nasg;
};

struct station {
    char id[64];
    char name[96];
    char agency[96];
    struct geo_area *area; /* owned */
    json_t *area_json;     /* owned */
};

struct dispatch {
    struct store *st;
    struct audit *au;
    struct bus *bus;
    struct records *records;
    int stale_s;
    /* wmu serialises every write (check, commit, apply); rw guards the model below. */
    pthread_mutex_t wmu;
    pthread_rwlock_t rw;
    struct unit *units; /* by key */
    size_t nunits, capunits;
    /* Open addressing from unit id to key (-1: empty), at most half full: the event-stream
     * filter looks a unit up for every subscriber of every position event. */
    int32_t *unit_slots;
    size_t unit_nslots;     /* a power of two, or 0 */
    struct incident **incs; /* active and recently closed incidents */
    size_t nincs, capincs;
    struct station *stations;
    size_t nstations;
    struct geo_index *ix;
    pthread_t writer;
    int writer_started;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    int stopping;
    int simulate; /* demo: the writer moves units (AVL simulation) */
    uint32_t sim_seed;
};

extern const char *const dispatch_inc_status_names[];
extern const char *const dispatch_unit_status_names[];

/* model.c */
struct unit *dsp_unit_find(struct dispatch *d, const char *id); /* under rw */
/* Makes d->units[key] findable by its id (under rw(w)); KT_ENOMEM. */
int dsp_unit_index_add(struct dispatch *d, int32_t key);
struct incident *dsp_inc_find(struct dispatch *d, const char *id); /* under rw */
int dsp_inc_add(struct dispatch *d, struct incident *inc);         /* under rw(w); takes inc */
void dsp_inc_free(struct incident *inc);
int dsp_inc_copy(const struct incident *src, struct incident *dst); /* deep copy */
int dsp_unit_eligible(const struct unit *u);
/* 1 if inc is a read-only copy of another site's wide-area incident. */
int dsp_inc_remote(const struct dispatch *d, const struct incident *inc);
const char *dsp_station_at(struct dispatch *d, double lat, double lon); /* under rw */
int dsp_status_from_name(const char *const *names, int n, const char *s);
/* Loads incident id with its assignments from the store into *out (caller frees with
 * dsp_inc_free on a stack struct: frees members only). KT_ENOTFOUND. */
int dsp_inc_load(struct store_conn *c, const char *id, struct incident *out);
/* Writes inc's row (INSERT when insert, else UPDATE by id) and its assignments. */
int dsp_inc_save(struct store_conn *c, const struct incident *inc, int insert);
int dsp_unit_save(struct store_conn *c, const struct unit *u, int insert);
/* Appends a timeline row. */
int dsp_timeline(struct store_conn *c, const char *incident, const char *actor, const char *kind,
                 const char *text);
/* JSON views (new references). */
json_t *dsp_unit_json(const struct dispatch *d, const struct unit *u);
json_t *dsp_inc_json(const struct dispatch *d, const struct incident *inc);
/* Full incident: inc plus units, timeline and attachments from the store. */
json_t *dsp_inc_json_full(struct dispatch *d, struct store_conn *c, const struct incident *inc);
/* Publishes events (call without holding rw). */
void dsp_publish_incident(struct dispatch *d, const struct incident *inc, const char *change);
void dsp_publish_unit(struct dispatch *d, const struct unit *u);
void dsp_publish(struct dispatch *d, const char *type, const struct bus_scope *scope, json_t *data);
/* Need-to-know: may u see incident inc / unit un? (under rw) */
int dsp_can_see_inc(struct dispatch *d, const struct auth_user *u, const struct incident *inc);
int dsp_can_see_unit(struct dispatch *d, const struct auth_user *u, const struct unit *un);
/* The unit signed on by user name, or NULL (under rw). */
struct unit *dsp_unit_of_user(struct dispatch *d, const char *name);
int dsp_next_id(struct store_conn *c, const char *counter, long *out);

/* incidents.c / orders.c / units.c / extra.c */
/* 1 if inc is open, dispatched or on scene. */
int dsp_inc_active(const struct incident *inc);
/* Replies with incident id as it now is in the model. */
int dsp_reply_live(struct dispatch *d, struct http_response *resp, const char *id);
int dsp_order_routes(struct dispatch *d, struct http_router *r);
int dsp_incident_routes(struct dispatch *d, struct http_router *r);
int dsp_unit_routes(struct dispatch *d, struct http_router *r);
int dsp_extra_routes(struct dispatch *d, struct http_router *r);
/* Creates an incident from a validated-later body as user u (also used by EIDO import and
 * remote copies). ext_id may be NULL. Writes the new incident's JSON answer to *answer. */
int dsp_incident_create(struct dispatch *d, const struct auth_user *u, json_t *body,
                        const char *ext_id, const char *site, json_t **answer);

#endif

/* change.c: one write under d->wmu. chg_begin() locks wmu and copies the incident (id may be
 * NULL for unit-only changes; it must be visible to u and of u's agency unless it is another
 * site's copy); edits go
 * to the copies; chg_commit() saves them with a timeline row and an audit entry in one
 * transaction, applies them to the model and publishes the incident and units; chg_end()
 * unlocks and frees the copies (always call it, after a failure too). */
#define CHG_MAXU 16
struct chg {
    struct dispatch *d;
    const struct auth_user *u;
    struct incident *live; /* NULL when the change has no incident */
    struct incident inc;   /* working copy of *live */
    int new_inc;           /* inc is a new incident to insert */
    struct unit *ulive[CHG_MAXU];
    struct unit ucopy[CHG_MAXU];
    int nu;
    int locked;
    /* Another incident the change touches too (a merge's survivor): its version goes up and
     * it gets timeline row also_text in the same transaction, then an "updated" event. */
    struct incident *also;
    const char *also_text;
};
int chg_begin(struct dispatch *d, const struct auth_user *u, const char *incident, struct chg *c);
/* Adds unit id to the change; *copy is the working copy. KT_ENOTFOUND if unknown or not
 * visible to the user. */
int chg_unit(struct chg *c, const char *id, struct unit **copy);
/* action: audit action ("incident.dispatch"); tl_kind/tl_text: the timeline row (tl_kind NULL
 * for none); change: the incident event's "change" (NULL: no incident event). */
int chg_commit(struct chg *c, const char *action, const char *tl_kind, const char *tl_text,
               const char *change, const char *detail);
void chg_end(struct chg *c);
/* Assignment helpers on the working copy. */
struct assignment *chg_asg_active(struct incident *inc, const char *unit);
/* Reads an incident u may see (active from memory, else from the store) into *copy (free
 * with dsp_inc_free). KT_ENOTFOUND. */
int dsp_inc_read(struct dispatch *d, const struct auth_user *u, const char *id,
                 struct incident *copy);
/* Replies with the full incident JSON. */
int dsp_reply_incident(struct dispatch *d, struct http_response *resp, int status,
                       const struct incident *inc);
/* demo.c: one step of the demo AVL simulation (called by the writer every few seconds). */
void dsp_demo_step(struct dispatch *d);
/* units.c */
int dsp_unit_add(struct dispatch *d, const struct unit *u); /* under rw(w) */
int dsp_unit_create(struct dispatch *d, const struct auth_user *u, json_t *body, char *id_out,
                    size_t cap);
int dsp_station_create(struct dispatch *d, const struct auth_user *u, json_t *body);
