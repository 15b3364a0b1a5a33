/* Outside formats of dispatch: NENA/APCO EIDO (Emergency Incident Data Object, JSON) for
 * exchanging incidents, and OASIS CAP 1.2 (Common Alerting Protocol, XML) for the emergency
 * deployment (緊急配備) broadcast.
 *
 * These functions are pure translations: they work on the incident JSON of docs/dispatch.md
 * ("GET /api/v1/incidents/ID") and never touch the store.
 *
 * EIDO follows NENA-STA-021.1b-2022 (EIDO JSON, eidoVersion "1.0", schema
 * github.com/NENA911/EIDO-JSON Schema/openapi.yaml): the EIDO's own $id is the Incident Tracking
 * Identifier, components sit in top-level arrays linked by {"$ref"}, locations are PIDF-LO
 * strings in locationByValue. What EIDO has no member for (wide-area flag, milestone and unit
 * times) travels in the "keitsuIncident" extension named in eidoExtensionId; eido.c says how
 * each field maps. */
#ifndef KEITSU_DISPATCH_INTEROP_H
#define KEITSU_DISPATCH_INTEROP_H

#include <jansson.h>
#include <stddef.h>

/* Builds the EIDO JSON object for incident (borrowed; the full incident object of
 * docs/dispatch.md). site names the sending system (agency id). *out is a new reference owned
 * by the caller. */
int dispatch_eido_from_incident(const json_t *incident, const char *site, json_t **out);

/* Reads an EIDO JSON object (borrowed, from outside: validate everything) into a new incident
 * creation body (docs/dispatch.md, POST /api/v1/incidents fields) written to *body (new
 * reference, caller owns), and the sender's incident id into ext_id (cap bytes, "" if none).
 * Unknown incident types map to "other". KT_EINVAL / KT_EVALID with the reason on bad input.
 * ext_id receives the Incident Tracking Identifier (the EIDO's $id, e.g.
 * "urn:emergency:uid:incidentid:I-20261123-0001:tokyo.police.example.jp"); KT_EINVAL if it does
 * not fit cap. The location comes from the PIDF-LO (geodetic point or circle → lat/lon/
 * uncertainty_m, civic only → address), so the body never holds pidf_lo. Malformed input
 * (types, missing members, over-long) is KT_EINVAL; well-formed but unusable (version,
 * dangling $ref, coordinates or priority out of range) is KT_EVALID. */
int dispatch_eido_to_incident(const json_t *eido, json_t **body, char *ext_id, size_t cap);

/* Builds a CAP 1.2 alert (XML, UTF-8) for an emergency deployment. alert (borrowed) has
 * "identifier", "sender", "sent" (ISO 8601 UTC), "headline", "description", optional
 * "incident" (id), "area_desc", "polygon" ([[lat,lon],…] closed ring) and/or "circle"
 * ({"lat","lon","radius_m"}). *xml is NUL-terminated, malloc'd, caller frees. "sent" is written
 * in JST with an explicit offset and no fraction (2026-11-23T11:00:00+09:00), as CAP requires;
 * the circle radius in km. KT_EINVAL with the reason on a bad alert (identifier/sender with
 * spaces, commas, < or &; open polygon; coordinates out of range; control characters). */
int dispatch_cap_build(const json_t *alert, char **xml, size_t *len);

/* Parses a CAP 1.2 alert document (len bytes, from outside; libxml2 without network or
 * entities) back into the same JSON shape (new reference in *out). KT_EINVAL on bad input
 * (any DTD, wrong namespace, missing or repeated elements, values outside CAP's enumerations);
 * KT_ETOOBIG over 256 KiB. "sent" comes back as UTC with milliseconds (.000Z). */
int dispatch_cap_parse(const char *xml, size_t len, json_t **out);

#endif
