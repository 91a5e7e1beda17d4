/* Fuzz target: the entity XML codec (app/federation/entity.c). Whatever
 * parses is validated, read field by field, signed-string'd when it is a
 * relayable and emitted; the emitted XML must parse again and emit the very
 * same bytes (the canonical form is a fixed point), keep the type and,
 * for a relayable, the same signed string. Runs in an arena with a limit,
 * so refused allocations are exercised too. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "federation/entity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARENA_LIMIT (64u * 1024 * 1024)

static void
check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

/* Touches every field, recursively. */
static size_t
walk(const struct fed_entity *e, struct pod_arena *a, int depth)
{
    size_t total = 0, i;
    bool b;
    int64_t t;

    check(depth <= FED_ENTITY_MAX_DEPTH);
    check(e->type && e->count <= e->cap);
    for (i = 0; i < e->count; i++) {
        const struct fed_field *f = &e->fields[i];
        check(f->name && ((f->text != NULL) != (f->entity != NULL)));
        if (f->entity) {
            check(f->entity->count > 0); /* empty nested elements are dropped */
            total += walk(f->entity, a, depth + 1);
        } else {
            const char *n = fed_entity_normalized(e, i, a);
            total += strlen(f->text) + (n ? strlen(n) : 0);
            (void)fed_entity_get_bool(e, f->name, &b);
            (void)fed_entity_get_time(e, f->name, &t);
            (void)fed_entity_get_int(e, f->name, &t);
        }
    }
    return total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pod_arena a;
    struct fed_entity *e = NULL, *e2 = NULL, *e3 = NULL;
    char why[160], *out = NULL, *out2 = NULL, *sig1 = NULL, *sig2;
    size_t len = 0, len2 = 0;
    volatile size_t total = 0;
    int rc;

    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    rc = fed_entity_parse((const char *)data, size, &a, &e, why, sizeof why);
    if (rc != POD_OK) {
        check(e == NULL && why[0] != '\0');
        goto out;
    }
    total += walk(e, &a, 1);
    (void)fed_entity_validate(e, why, sizeof why);
    (void)fed_entity_parent_type(e);
    if (fed_entity_is_relayable(e))
        sig1 = fed_entity_signature_string(e, &a);
    rc = fed_entity_emit(e, &a, &out, &len);
    if (rc != POD_OK) {
        check(rc == POD_ERR_NOMEM || rc == POD_ERR_LIMIT);
        goto out;
    }
    check(strlen(out) == len);

    /* The round-trip oracle. */
    rc = fed_entity_parse(out, len, &a, &e2, why, sizeof why);
    if (rc == POD_ERR_LIMIT || rc == POD_ERR_NOMEM)
        goto out; /* defaults can grow a document past the limits */
    check(rc == POD_OK);
    check(strcmp(e2->type, e->type) == 0);
    rc = fed_entity_emit(e2, &a, &out2, &len2);
    if (rc == POD_ERR_NOMEM)
        goto out;
    check(rc == POD_OK);
    check(len2 == len && memcmp(out, out2, len) == 0);
    if (sig1) {
        sig2 = fed_entity_signature_string(e2, &a);
        check(!sig2 || strcmp(sig1, sig2) == 0);
    }
    /* The canonical form of the canonical form is itself. */
    e3 = fed_entity_canonical(e2, &a);
    if (e3) {
        rc = fed_entity_emit(e3, &a, &out2, &len2);
        check(rc != POD_OK || (len2 == len && memcmp(out, out2, len) == 0));
    }
out:
    (void)total;
    pod_arena_free(&a);
    return 0;
}
