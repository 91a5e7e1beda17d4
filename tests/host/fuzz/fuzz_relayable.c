/* Fuzz target: the signed string of relayables (comment, like,
 * poll_participation, event_participation; app/federation/relayable.c and
 * the element list entity.c hands it). The input is parsed as an entity;
 * for a relayable the signed string is built three ways and must agree
 * byte for byte:
 *   - fed_entity_signature_string (entity.c),
 *   - fed_relayable_signed_string over fed_entity_signature_lists,
 *   - this file's own join of the parsed elements: every text element in
 *     document order, unknown ones included, a name once (first place),
 *     none whose name contains "signature", values normalised.
 * So order and count of fields are preserved and unknown elements kept.
 * Building twice gives the same bytes, and so does the emitted XML parsed
 * again. fed_relayable_signed_string also runs over the raw element list
 * (repeats and signatures included) and must follow the same rule. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "federation/entity.h"
#include "federation/relayable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
    if (!ok)
        abort();
}

/* The expected signed string of names/values (n entries), by the rule of
 * relayable.h, in a; NULL when out of memory. */
static char *
join(const char *const *names, const char *const *values, size_t n, struct pod_arena *a)
{
    size_t len = 1, k = 0;
    char *s, *w;
    bool *use = pod_arena_alloc(a, n + 1);

    if (!use)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        use[i] = !strstr(names[i], "signature");
        for (size_t j = 0; j < i && use[i]; j++)
            if (strcmp(names[j], names[i]) == 0)
                use[i] = false;
        if (use[i])
            len += strlen(values[i] ? values[i] : "") + 1;
    }
    s = w = pod_arena_alloc(a, len);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *v = values[i] ? values[i] : "";
        if (!use[i])
            continue;
        if (k++)
            *w++ = ';';
        memcpy(w, v, strlen(v));
        w += strlen(v);
    }
    *w = '\0';
    return s;
}

/* Signed string of the elements of e as the oracle sees them: the text
 * elements, values normalised. */
static char *
own_string(const struct fed_entity *e, struct pod_arena *a, size_t *fields)
{
    const char **names = pod_arena_alloc(a, (e->count + 1) * sizeof *names);
    const char **values = pod_arena_alloc(a, (e->count + 1) * sizeof *values);
    size_t n = 0;

    if (!names || !values)
        return NULL;
    for (size_t i = 0; i < e->count; i++) {
        if (!e->fields[i].text)
            continue;
        names[n] = e->fields[i].name;
        values[n] = fed_entity_normalized(e, i, a);
        if (!values[n])
            return NULL;
        n++;
    }
    *fields = n;
    return join(names, values, n, a);
}

/* The raw element list through relayable.c directly: same rule. */
static void
raw_list(const struct fed_entity *e, struct pod_arena *a)
{
    const char **names = pod_arena_alloc(a, (e->count + 1) * sizeof *names);
    const char **values = pod_arena_alloc(a, (e->count + 1) * sizeof *values);
    char *s1 = NULL, *s2 = NULL, *want;
    size_t n = 0, l1 = 0, l2 = 0;
    const char *sig;
    int rc;

    if (!names || !values)
        return;
    for (size_t i = 0; i < e->count; i++) {
        if (!e->fields[i].text)
            continue;
        names[n] = e->fields[i].name;
        /* An empty value as "" or NULL: both count as "". */
        values[n++] = e->fields[i].text[0] || !(i & 1) ? e->fields[i].text : NULL;
    }
    rc = fed_relayable_signed_string(names, values, n, a, &s1, &l1);
    if (rc != POD_OK) {
        check(rc == POD_ERR_LIMIT || rc == POD_ERR_NOMEM);
        return;
    }
    check(n <= FED_RELAYABLE_MAX_FIELDS && strlen(s1) == l1);
    check(fed_relayable_signed_string(names, values, n, a, &s2, &l2) == POD_OK);
    check(l1 == l2 && memcmp(s1, s2, l1 + 1) == 0);
    want = join(names, values, n, a);
    check(!want || strcmp(want, s1) == 0);
    sig = fed_relayable_author_signature(names, values, n);
    want = (char *)fed_entity_get(e, "author_signature");
    check(want ? ((!sig && !want[0]) || (sig && strcmp(sig, want) == 0)) : !sig);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pod_arena a;
    struct fed_entity *e = NULL, *e2 = NULL;
    const char **names, **values;
    char why[160], *s_entity, *s_lists = NULL, *s_again = NULL, *s_own, *xml;
    size_t n, len, len2, fields = 0;
    int rc;

    if (size > (1u << 16))
        return 0;
    pod_arena_init(&a, NULL, 0, 32u << 20);
    if (fed_entity_parse((const char *)data, size, &a, &e, why, sizeof why) != POD_OK ||
        !fed_entity_is_relayable(e))
        goto out;
    raw_list(e, &a);
    s_entity = fed_entity_signature_string(e, &a);
    if (!s_entity)
        goto out;
    rc = fed_entity_signature_lists(e, &a, &names, &values, &n);
    check(rc == POD_OK || rc == POD_ERR_NOMEM);
    if (rc != POD_OK)
        goto out;
    for (size_t i = 0; i < n; i++)
        check(names[i] && values[i] && !strstr(names[i], "signature"));
    rc = fed_relayable_signed_string(names, values, n, &a, &s_lists, &len);
    if (rc == POD_OK) {
        check(strcmp(s_entity, s_lists) == 0 && strlen(s_lists) == len);
        rc = fed_relayable_signed_string(names, values, n, &a, &s_again, &len2);
        check(rc == POD_OK && len2 == len && memcmp(s_lists, s_again, len) == 0);
    } else {
        check(rc == POD_ERR_LIMIT || rc == POD_ERR_NOMEM);
    }
    s_own = own_string(e, &a, &fields);
    check(!s_own || strcmp(s_own, s_entity) == 0);
    /* Emitted and parsed again, it still signs the same string. */
    if (fed_entity_emit(e, &a, &xml, &len) == POD_OK &&
        fed_entity_parse(xml, len, &a, &e2, why, sizeof why) == POD_OK) {
        char *s2 = fed_entity_signature_string(e2, &a);
        check(!s2 || strcmp(s2, s_entity) == 0);
    }
out:
    pod_arena_free(&a);
    return 0;
}
