/* Code tables of command and dispatch (通信指令): incident types, dispositions, unit kinds,
 * unit and incident statuses, priorities. docs/dispatch.md ("Code tables") is the contract;
 * these tables are its single source in the code, shared by the dispatch core, the API and
 * the EIDO/CAP translations.
 *
 * Every table is static, read-only and terminated by an entry whose code is NULL. Labels are
 * Japanese (label) and English (label_en), never NULL or empty. */
#ifndef KEITSU_DISPATCH_CODES_H
#define KEITSU_DISPATCH_CODES_H

#include <jansson.h>
#include <stdint.h>

/* An incident type: its code, labels, category (事件, 事故 or 相談・その他), default priority
 * (1 緊急, 2 至急, 3 通常) and the unit kinds suited to it (bit i = dispatch_unit_kinds[i]). */
struct dispatch_type {
    const char *code, *label, *label_en, *category;
    int priority;
    uint32_t unit_kinds;
};

/* A plain code with its labels. */
struct dispatch_named {
    const char *code, *label, *label_en;
};

/* patrol_car, motorcycle, foot, koban, helicopter, boat: bit i of unit_kinds masks is entry i. */
extern const struct dispatch_named dispatch_unit_kinds[];
/* available, dispatched, en_route, on_scene, transporting, out_of_service. */
extern const struct dispatch_named dispatch_unit_statuses[];
/* open, dispatched, on_scene, closed, merged. */
extern const struct dispatch_named dispatch_incident_statuses[];
/* arrest, warning, resolved, no_offence, false_call, transferred, duplicate, other. */
extern const struct dispatch_named dispatch_dispositions[];
/* robbery … other; "other" is the fallback for types from outside. */
extern const struct dispatch_type dispatch_types[];

/* Lowest (most urgent) and highest priority numbers. */
#define DISPATCH_PRIORITY_MIN 1
#define DISPATCH_PRIORITY_MAX 3

/* The type with this code, or NULL if unknown (or code is NULL). */
const struct dispatch_type *dispatch_type_find(const char *code);
/* The entry of table with this code, or NULL if unknown (or code is NULL). */
const struct dispatch_named *dispatch_named_find(const struct dispatch_named *table,
                                                 const char *code);
/* The bit number of a unit kind (0..), or -1 if unknown. */
int dispatch_unit_kind_bit(const char *code);
/* Japanese label of a priority (緊急, 至急, 通常), or NULL when out of range. */
const char *dispatch_priority_label(int priority);

/* The body of GET /api/v1/dispatch/codes (docs/dispatch.md): a new reference owned by the
 * caller, NULL only when out of memory. */
json_t *dispatch_codes_json(void);

#endif
