/*
 * entity.h - the entity XML codec of diaspora* federation
 * (docs/diaspora-federation.md §1.3, §3, §6): the payload of every Magic
 * Envelope, e.g. <status_message>, <comment>, <contact>.
 *
 * An entity is an ordered element tree: a type (the root element's name)
 * and its child elements in document order, each either a text field or a
 * nested entity (photo, location, poll, poll_answer, event, embed, profile,
 * message). Order, duplicates and unknown elements are kept as received,
 * because a relayable's author_signature covers its elements in the order
 * they appear, unknown ones included (§6.1).
 *
 * Parsing reads text as the reference library (gem 1.1.0) does: character
 * references decoded, no trimming; an element that is not a nested entity of
 * its parent's type gets the text of all its descendants (child elements
 * flattened, like Nokogiri's #text); attributes, comments and processing
 * instructions are ignored; a nested entity element without child elements
 * is dropped (the library ignores <photo/>; one holding only text, which
 * it would reject, is treated the same way). Anything with a DOCTYPE is refused, so no entity can
 * ever be declared or expanded (no billion laughs, no external entities). Only UTF-8; the XML
 * declaration is allowed.
 *
 * Emitting writes what the reference library writes when it re-serialises
 * the entity (vectors oracle_envelopes/X.payload.xml): non-relayables in the
 * class's property order, unknown elements and duplicates dropped, nil
 * optional properties left out, constant defaults filled in (public=false,
 * contact following/sharing=true, profile searchable=true, ...; also for
 * an empty or unparsable value, which the library would leave out and its
 * receiver then default the same way);
 * relayables in the received order with unknown elements kept and
 * author_signature last, parent_author_signature dropped; timestamps as
 * YYYY-MM-DDTHH:MM:SSZ, booleans as true/false, integers without leading
 * zeros, characters illegal in XML as U+FFFD; no XML declaration, 2-space
 * indentation, every non-ASCII character as a hex character reference, no
 * trailing newline. A missing created_at is not invented ("now" is the
 * caller's to set).
 *
 * All memory comes from the caller's arena; nothing here is freed
 * individually. Pure functions, no I/O, no global state.
 */
#ifndef POD_FEDERATION_ENTITY_H
#define POD_FEDERATION_ENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define FED_ENTITY_MAX_BYTES    (1024 * 1024) /* larger XML is refused (POD_ERR_LIMIT) */
#define FED_ENTITY_MAX_DEPTH    16            /* element nesting, the root counts 1 */
#define FED_ENTITY_MAX_ELEMENTS 4096          /* elements in one document */
#define FED_ENTITY_EMIT_MAX     (4 * FED_ENTITY_MAX_BYTES) /* emitted output cap */
#define FED_TIME_LEN            20                         /* "2024-01-02T03:04:05Z" */

struct fed_entity;

/* One child element: a text field (text != NULL, entity == NULL) or a
 * nested entity (entity != NULL, text == NULL; name == entity->type). */
struct fed_field {
    const char *name;
    const char *text; /* decoded, NUL-terminated UTF-8; never contains NUL */
    struct fed_entity *entity;
};

struct fed_entity {
    const char *type;         /* root element name: "status_message", "comment", ... */
    struct fed_field *fields; /* document order */
    size_t count;
    size_t cap; /* allocated slots (internal) */
};

/* ---- parsing and emitting ---- */

/* Parses xml (len bytes, at most FED_ENTITY_MAX_BYTES) into *out, all in a.
 * Accepts any root element name (validation is separate). Returns POD_OK,
 * POD_ERR_PARSE (malformed, DOCTYPE/ENTITY, not UTF-8), POD_ERR_LIMIT
 * (size, depth or element count) or POD_ERR_NOMEM, with a reason in why. */
int fed_entity_parse(const char *xml, size_t len, struct pod_arena *a, struct fed_entity **out,
                     char *why, size_t why_len);

/* The entity as the reference library re-emits it (see the top of this
 * file): a new tree in a whose text fields hold normalised values. Entities
 * of an unknown type are copied as they are (text made XML-safe). NULL when
 * the arena is exhausted. */
struct fed_entity *fed_entity_canonical(const struct fed_entity *e, struct pod_arena *a);

/* Serialises fed_entity_canonical(e) byte for byte as the reference
 * library does. *out (NUL-terminated, in a) and *len get the XML. Returns
 * POD_OK, POD_ERR_NOMEM or POD_ERR_LIMIT (over FED_ENTITY_EMIT_MAX). */
int fed_entity_emit(const struct fed_entity *e, struct pod_arena *a, char **out, size_t *len);

/* Checks e against the catalogue of §3.2 and the reference validators:
 * known type, required properties present ("Missing required properties:
 * ..."), GUIDs, diaspora* IDs, timestamps, booleans, integers, lengths (in
 * characters), URIs, enumerations (like parent_type, event status), and the
 * cross-field rules (photo and message authors, contact blocking, embed url
 * xor nothing, reshare root pair, poll with >= 2 answers); nested entities
 * too. Non-empty optional values that do not parse are refused too.
 * Signatures are not checked here. Returns POD_OK or POD_ERR_INVAL with the
 * reason in why. */
int fed_entity_validate(const struct fed_entity *e, char *why, size_t why_len);

/* ---- relayables (§6) ---- */

/* True for comment, like, poll_participation and event_participation. */
bool fed_entity_is_relayable(const struct fed_entity *e);

/* The parent type a relayable names or implies: "Post" for a comment,
 * the parent_type element of a like, "Poll", "Event"; also the
 * parent_type of a participation. NULL for other types or when missing. */
const char *fed_entity_parent_type(const struct fed_entity *e);

/* The fields covered by a relayable's author_signature, in order: every
 * element name once (first occurrence), in document order, except names
 * containing "signature"; values normalised (known properties) or as
 * received (unknown ones); nil ones as "". *out (in a) gets the array of
 * text fields. POD_ERR_INVAL when e is not a relayable, POD_ERR_NOMEM. */
int fed_entity_signature_fields(const struct fed_entity *e, struct pod_arena *a,
                                struct fed_field **out, size_t *count);

/* The same fields as two parallel arrays (in a), the shape relayable.h's
 * fed_relayable_sign/verify take: names[i] and values[i], i < *count. */
int fed_entity_signature_lists(const struct fed_entity *e, struct pod_arena *a, const char ***names,
                               const char ***values, size_t *count);

/* The string a relayable's author_signature signs: the values of
 * fed_entity_signature_fields joined with ';' (in a). NULL when e is not a
 * relayable or the arena is exhausted. */
char *fed_entity_signature_string(const struct fed_entity *e, struct pod_arena *a);

/* ---- reading fields ---- */

/* The text of the first text field called name, as received; NULL when
 * there is none. Borrowed from the entity. */
const char *fed_entity_get(const struct fed_entity *e, const char *name);

/* The first nested entity called name; NULL when there is none. */
const struct fed_entity *fed_entity_get_entity(const struct fed_entity *e, const char *name);

/* The normalised value of field i (as emitted and signed): "" for nil,
 * NULL for a nested entity, i out of range or arena exhaustion. */
const char *fed_entity_normalized(const struct fed_entity *e, size_t i, struct pod_arena *a);

/* A boolean field: POD_OK with *out (the type's default when the element
 * is absent and the type has one), POD_ERR_NOTFOUND when absent without a
 * default, POD_ERR_PARSE when empty or not a boolean. */
int fed_entity_get_bool(const struct fed_entity *e, const char *name, bool *out);

/* A timestamp field as seconds since the epoch (UTC): POD_OK,
 * POD_ERR_NOTFOUND when absent, POD_ERR_PARSE when empty or unparsable. */
int fed_entity_get_time(const struct fed_entity *e, const char *name, int64_t *out);

/* A non-negative decimal integer field (photo height/width): POD_OK,
 * POD_ERR_NOTFOUND, POD_ERR_PARSE (empty, not ^[0-9]+$, over INT64_MAX). */
int fed_entity_get_int(const struct fed_entity *e, const char *name, int64_t *out);

/* ---- building ---- */

/* A new empty entity of type (copied) in a; NULL when out of memory or
 * type is not an XML name. */
struct fed_entity *fed_entity_new(struct pod_arena *a, const char *type);

/* Appends a text field (name and text copied). POD_ERR_INVAL when name is
 * not an ASCII XML name ([A-Za-z_][A-Za-z0-9_.-]*), POD_ERR_LIMIT past
 * FED_ENTITY_MAX_ELEMENTS fields, POD_ERR_NOMEM. */
int fed_entity_add(struct fed_entity *e, struct pod_arena *a, const char *name, const char *text);

/* Appends child as a nested entity (borrowed: it must live in a as long as
 * e); its element name is child->type. */
int fed_entity_add_entity(struct fed_entity *e, struct pod_arena *a, struct fed_entity *child);

/* Appends a timestamp (YYYY-MM-DDTHH:MM:SSZ) or a boolean (true/false). */
int fed_entity_add_time(struct fed_entity *e, struct pod_arena *a, const char *name, int64_t t);
int fed_entity_add_bool(struct fed_entity *e, struct pod_arena *a, const char *name, bool v);

/* Replaces the text of the first text field called name, keeping its
 * place, or appends one when there is none. */
int fed_entity_set(struct fed_entity *e, struct pod_arena *a, const char *name, const char *text);

/* Removes every field called name; returns how many were removed. */
size_t fed_entity_remove(struct fed_entity *e, const char *name);

/* ---- value formats (§1.3) ---- */

/* Parses a timestamp the way the reference library accepts them:
 * "YYYY-MM-DD", then optionally 'T' or ' ' and "HH:MM[:SS[.frac]]", then
 * optionally 'Z', " UTC", " GMT" or an offset "+HH[:MM]" / "-HHMM"; no zone
 * means UTC; surrounding ASCII blanks are ignored; years 0000-9999 after
 * conversion to UTC. Fractions are dropped. False when s is anything else. */
bool fed_time_parse(const char *s, int64_t *out);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out. False (out = "") when
 * t lies outside years 0000-9999. */
bool fed_time_format(int64_t t, char out[FED_TIME_LEN + 1]);

/* true/t/yes/y/1 and false/f/no/n/0, case-insensitive, nothing else. */
bool fed_bool_parse(const char *s, bool *out);

#endif
