/*
 * test_entity.c - the entity XML codec of app/federation/entity.c against
 * the diaspora* vectors (read at run time from POD_VECTORS_DIR): the docs'
 * entity examples re-emitted byte for byte as the reference library emits
 * them (oracle_envelopes/X.payload.xml), every oracle payload a fixed point,
 * relayables keeping order and unknown elements, the signed strings of the
 * relayable vectors (checked with the RSA keys too), Unicode decoding and
 * encoding, DOCTYPE/ENTITY refusal, limits, malformed XML, validation per
 * type, normalisation of times, booleans and integers, building.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/arena.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "federation/entity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC(rel)    POD_VECTORS_DIR "/" rel
#define SPEC_PUB    VEC("keys/spec_key_1024_public.pem")
#define ORACLE_PUB  VEC("keys/oracle_key_4096_public.pem")
#define WHY_LEN     256
#define UNICODE_TXT "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x92\xA9 <b>&amp; \"q\" \xEF\xBF\xBD end"

/* ------------------------------------------------------------------ helpers */

static char *
vec(const char *rel, size_t *len)
{
    char path[1024];

    snprintf(path, sizeof path, "%s/%s", POD_VECTORS_DIR, rel);
    return test_slurp(path, len);
}

/* s without one trailing newline (in place). */
static char *
chomp(char *s)
{
    size_t n = strlen(s);

    if (n && s[n - 1] == '\n')
        s[n - 1] = '\0';
    return s;
}

static struct fed_entity *
parse_ok(struct pod_arena *a, const char *xml)
{
    struct fed_entity *e = NULL;
    char why[WHY_LEN];
    int rc = fed_entity_parse(xml, strlen(xml), a, &e, why, sizeof why);

    if (rc != POD_OK)
        fail_msg("parse failed (%d): %s\n%s", rc, why, xml);
    assert_non_null(e);
    return e;
}

static int
parse_rc(const char *xml, size_t len, char *why)
{
    struct pod_arena a;
    struct fed_entity *e = (struct fed_entity *)1;
    int rc;

    pod_arena_init(&a, NULL, 0, 0);
    rc = fed_entity_parse(xml, len, &a, &e, why, WHY_LEN);
    if (rc != POD_OK)
        assert_null(e);
    pod_arena_free(&a);
    return rc;
}

static char *
emit_ok(struct pod_arena *a, const struct fed_entity *e)
{
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(fed_entity_emit(e, a, &out, &len), POD_OK);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    return out;
}

static char *
reemit(struct pod_arena *a, const char *xml)
{
    return emit_ok(a, parse_ok(a, xml));
}

static void
assert_valid(const struct fed_entity *e)
{
    char why[WHY_LEN];

    if (fed_entity_validate(e, why, sizeof why) != POD_OK)
        fail_msg("%s: not valid: %s", e->type, why);
}

/* Parses xml, expects validation to fail with a reason containing want. */
static void
assert_invalid(const char *xml, const char *want)
{
    struct pod_arena a;
    char why[WHY_LEN];
    struct fed_entity *e;

    pod_arena_init(&a, NULL, 0, 0);
    e = parse_ok(&a, xml);
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_ERR_INVAL);
    if (!strstr(why, want))
        fail_msg("reason \"%s\" lacks \"%s\"\n%s", why, want, xml);
    pod_arena_free(&a);
}

/* Replaces the first from in doc with to (a new string; free() it). */
static char *
replace(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    size_t n1, n2, n3;
    char *out;

    if (!at)
        fail_msg("\"%s\" not in\n%s", from, doc);
    n1 = (size_t)(at - doc);
    n2 = strlen(to);
    n3 = strlen(at + strlen(from));
    out = malloc(n1 + n2 + n3 + 1);
    assert_non_null(out);
    memcpy(out, doc, n1);
    memcpy(out + n1, to, n2);
    memcpy(out + n1 + n2, at + strlen(from), n3 + 1);
    return out;
}

/* Verifies b64sig over msg with the public key in pem_path. */
static int
verify(const char *pem_path, const char *msg, const char *b64sig)
{
    char *pem = test_slurp(pem_path, NULL);
    uint8_t sig[1024];
    size_t n = 0;
    int rc;

    assert_int_equal(crypto_b64_decode(b64sig, strlen(b64sig), sig, sizeof sig, &n), POD_OK);
    rc = crypto_rsa_verify_sha256(pem, msg, strlen(msg), sig, n);
    free(pem);
    return rc;
}

/* ------------------------------------------------------- vectors: emitting */

static const char *const oracle_names[] = {
    "account_deletion",
    "account_migration",
    "comment",
    "contact",
    "conversation",
    "event_participation",
    "like",
    "message",
    "participation",
    "photo",
    "poll_participation",
    "profile",
    "reshare",
    "retraction",
    "status_message_minimal",
    "status_message_with_all",
    "status_message_with_embed",
    "status_message_with_location",
    "status_message_with_photos",
    "status_message_with_poll",
};

/* The docs' example of each entity, re-emitted, is what the reference
 * library made of it (the oracle payload). The oracle re-signed the
 * relayables and the migration, so the signature is taken over first. */
static void
test_docs_examples_emit_as_the_library(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof oracle_names / sizeof oracle_names[0]; i++) {
        struct pod_arena a;
        char rel[256];
        char *docs, *payload, *out;
        struct fed_entity *e, *p;
        const char *sig;

        pod_arena_init(&a, NULL, 0, 0);
        snprintf(rel, sizeof rel, "entities/%s.xml", oracle_names[i]);
        docs = vec(rel, NULL);
        snprintf(rel, sizeof rel, "oracle_envelopes/%s.payload.xml", oracle_names[i]);
        payload = vec(rel, NULL);
        e = parse_ok(&a, docs);
        p = parse_ok(&a, payload);
        assert_valid(e);
        assert_valid(p);
        if ((sig = fed_entity_get(p, "author_signature")))
            assert_int_equal(fed_entity_set(e, &a, "author_signature", sig), POD_OK);
        if ((sig = fed_entity_get(p, "signature")))
            assert_int_equal(fed_entity_set(e, &a, "signature", sig), POD_OK);
        out = emit_ok(&a, e);
        if (strcmp(out, payload) != 0)
            fail_msg("%s:\n--- emitted\n%s\n--- oracle\n%s", oracle_names[i], out, payload);
        free(docs);
        free(payload);
        pod_arena_free(&a);
    }
}

/* The relayables' examples are already in the library's form: only the
 * trailing newline goes. The migration keeps the docs' signature text as
 * it is (with its line breaks), as the library would. */
static void
test_docs_relayables_and_migration_keep_their_text(void **state)
{
    static const char *const names[] = {"comment", "like", "poll_participation",
                                        "event_participation"};
    struct pod_arena a;
    char rel[256];
    size_t i;
    char *docs, *payload, *expect, *old_sig, *new_sig;
    const char *s;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    for (i = 0; i < 4; i++) {
        snprintf(rel, sizeof rel, "entities/%s.xml", names[i]);
        docs = vec(rel, NULL);
        assert_string_equal(reemit(&a, docs), chomp(docs));
        free(docs);
    }
    docs = vec("entities/account_migration.xml", NULL);
    payload = vec("oracle_envelopes/account_migration.payload.xml", NULL);
    s = fed_entity_get(parse_ok(&a, docs), "signature");
    assert_non_null(s);
    assert_true(s[0] == '\n');
    old_sig = malloc(strlen(s) + 32);
    sprintf(old_sig, "<signature>%s</signature>", s);
    s = fed_entity_get(parse_ok(&a, payload), "signature");
    new_sig = malloc(strlen(s) + 32);
    sprintf(new_sig, "<signature>%s</signature>", s);
    expect = replace(payload, new_sig, old_sig);
    assert_string_equal(reemit(&a, docs), expect);
    free(expect);
    free(old_sig);
    free(new_sig);
    free(docs);
    free(payload);
    pod_arena_free(&a);
}

/* Every payload the reference library emitted comes out unchanged. */
static void
test_library_payloads_are_fixed_points(void **state)
{
    static const char *const extra[] = {
        "magic_envelope/status_message.payload.xml",
        "magic_envelope/status_message_unicode.payload.xml",
        "relayable/comment_by_parent_author.payload.xml",
        "relayable/comment_relayed_by_parent_author.payload.xml",
        "relayable/comment_to_parent_author.payload.xml",
    };
    struct pod_arena a;
    char rel[256];
    size_t i;
    char *x;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    for (i = 0; i < sizeof oracle_names / sizeof oracle_names[0]; i++) {
        snprintf(rel, sizeof rel, "oracle_envelopes/%s.payload.xml", oracle_names[i]);
        x = vec(rel, NULL);
        assert_string_equal(reemit(&a, x), x);
        free(x);
    }
    for (i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        struct fed_entity *e;
        x = vec(extra[i], NULL);
        e = parse_ok(&a, x);
        assert_valid(e);
        assert_string_equal(emit_ok(&a, e), x);
        free(x);
    }
    pod_arena_free(&a);
}

/* Nested-only entities: in class order already, except the events, whose
 * docs examples put description late and carry empty optional elements. */
static void
test_nested_entity_examples(void **state)
{
    static const char *const same[] = {
        "location",          "poll", "poll_answer", "embed_only_url", "embed_with_metadata",
        "embed_with_nothing"};
    static const char *const event_all_day = "<event>\n"
                                             "  <author>alice@example.org</author>\n"
                                             "  <guid>bb8371f0b1c901342ebd55853a9b5d75</guid>\n"
                                             "  <summary>Cool event</summary>\n"
                                             "  <description>You need to see this!</description>\n"
                                             "  <start>2016-12-27T00:00:00Z</start>\n"
                                             "  <all_day>true</all_day>\n"
                                             "  <location>\n"
                                             "    <address>Vienna, Austria</address>\n"
                                             "    <lat>48.208174</lat>\n"
                                             "    <lng>16.373819</lng>\n"
                                             "  </location>\n"
                                             "</event>";
    static const char *const event_tz = "<event>\n"
                                        "  <author>alice@example.org</author>\n"
                                        "  <guid>bb8371f0b1c901342ebd55853a9b5d75</guid>\n"
                                        "  <summary>Cool event</summary>\n"
                                        "  <description>You need to see this!</description>\n"
                                        "  <start>2016-12-27T12:00:00Z</start>\n"
                                        "  <end>2016-12-27T13:00:00Z</end>\n"
                                        "  <all_day>false</all_day>\n"
                                        "  <timezone>Europe/Berlin</timezone>\n"
                                        "  <location>\n"
                                        "    <address>Vienna, Austria</address>\n"
                                        "    <lat>48.208174</lat>\n"
                                        "    <lng>16.373819</lng>\n"
                                        "  </location>\n"
                                        "</event>";
    struct pod_arena a;
    char rel[256];
    size_t i;
    char *x;
    struct fed_entity *e;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    for (i = 0; i < sizeof same / sizeof same[0]; i++) {
        snprintf(rel, sizeof rel, "entities/%s.xml", same[i]);
        x = vec(rel, NULL);
        e = parse_ok(&a, x);
        assert_valid(e);
        assert_string_equal(emit_ok(&a, e), chomp(x));
        free(x);
    }
    x = vec("entities/event_all_day.xml", NULL);
    e = parse_ok(&a, x);
    assert_valid(e);
    assert_string_equal(emit_ok(&a, e), event_all_day);
    free(x);
    x = vec("entities/event_with_timezone.xml", NULL);
    e = parse_ok(&a, x);
    assert_valid(e);
    assert_string_equal(emit_ok(&a, e), event_tz);
    free(x);
    pod_arena_free(&a);
}

/* The docs' stale envelope payload parses, normalises its old timestamp,
 * keeps nothing of raw_message, and fails validation like the gem. */
static void
test_docs_envelope_payload(void **state)
{
    struct pod_arena a;
    char why[WHY_LEN];
    char *x = vec("magic_envelope/docs_example.payload.xml", NULL);
    struct fed_entity *e;
    int64_t t;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    e = parse_ok(&a, x);
    assert_int_equal(fed_entity_get_time(e, "created_at", &t), POD_OK);
    assert_string_equal(emit_ok(&a, e), "<status_message>\n"
                                        "  <author>alice@example.org</author>\n"
                                        "  <guid>cbd482201fe1013486fe3131731751e9</guid>\n"
                                        "  <created_at>2016-06-29T04:42:23Z</created_at>\n"
                                        "  <public>true</public>\n"
                                        "</status_message>");
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_ERR_INVAL);
    assert_non_null(strstr(why, "Missing required properties: text"));
    free(x);
    pod_arena_free(&a);
}

/* ----------------------------------------------------------------- unicode */

static void
test_unicode_decoding_and_encoding(void **state)
{
    struct pod_arena a;
    char *x = vec("magic_envelope/status_message_unicode.payload.xml", NULL);
    struct fed_entity *e;
    int64_t t;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    e = parse_ok(&a, x);
    assert_string_equal(fed_entity_get(e, "text"), UNICODE_TXT);
    /* Built from the original text (with U+0001) the same bytes come out. */
    e = fed_entity_new(&a, "status_message");
    assert_non_null(e);
    assert_true(fed_time_parse("2024-01-02T03:04:05Z", &t));
    assert_int_equal(fed_entity_add(e, &a, "author", "alice@pod-a.org"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "guid", "0123456789abcdef0123456789abcdee"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "text",
                                    "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x92\xA9 <b>&amp; \"q\" "
                                    "\x01 end"),
                     POD_OK);
    assert_int_equal(fed_entity_add_bool(e, &a, "public", true), POD_OK);
    assert_int_equal(fed_entity_add_time(e, &a, "created_at", t), POD_OK);
    assert_valid(e);
    assert_string_equal(emit_ok(&a, e), x);
    /* Raw UTF-8 input is the same to the parser. */
    e = parse_ok(&a, "<comment><text>h\xC3\xA9llo &#x2713;&#10003;</text></comment>");
    assert_string_equal(fed_entity_get(e, "text"), "h\xC3\xA9llo \xE2\x9C\x93\xE2\x9C\x93");
    /* Invalid UTF-8 in built text becomes U+FFFD; CR is written as &#xD;,
     * tab and newline as they are. */
    e = fed_entity_new(&a, "x");
    assert_int_equal(fed_entity_add(e, &a, "t", "a\xFF\xC3(\r\n\tb\x7F"), POD_OK);
    assert_string_equal(emit_ok(&a, e), "<x>\n  <t>a&#xFFFD;&#xFFFD;(&#xD;\n\tb\x7F</t>\n</x>");
    e = parse_ok(&a, emit_ok(&a, e));
    assert_string_equal(fed_entity_get(e, "t"), "a\xEF\xBF\xBD\xEF\xBF\xBD(\r\n\tb\x7F");
    free(x);
    pod_arena_free(&a);
}

/* -------------------------------------------------------------- relayables */

struct signed_vector {
    const char *file;
    const char *signed_string;
    const char *key;
    bool accepted; /* by the reference library */
};

static void
test_relayable_signed_strings(void **state)
{
    static const struct signed_vector v[] = {
        {"relayable/spec_comment.xml", NULL, SPEC_PUB, true},
        {"relayable/spec_comment_with_new_data.xml", NULL, SPEC_PUB, true},
        {"relayable/spec_comment_legacy_order.xml", NULL, SPEC_PUB, true},
        {"relayable/comment_to_parent_author.payload.xml",
         "alice@pod-a.org;fedcba9876543210fedcba9876543210;9e269ae0b41201333b8c0f77ba60fa73;"
         "nice post;2024-01-02T03:04:05Z",
         SPEC_PUB, true},
        {"relayable/comment_relayed_by_parent_author.payload.xml",
         "alice@pod-a.org;e21589b0b41101333b870f77ba60fa73;9e269ae0b41201333b8c0f77ba60fa73;"
         "this is a very informative comment;foobar",
         SPEC_PUB, true},
        {"relayable/edge_cases/ts_fraction_signed_raw.xml",
         "alice@pod-a.org;aaaabbbbccccdddd0000111122223333;9e269ae0b41201333b8c0f77ba60fa73;hi;"
         "2024-01-02T03:04:05Z",
         SPEC_PUB, false},
        {"relayable/edge_cases/ts_fraction_signed_normalized.xml",
         "alice@pod-a.org;aaaabbbbccccdddd0000111122223333;9e269ae0b41201333b8c0f77ba60fa73;hi;"
         "2024-01-02T03:04:05Z",
         SPEC_PUB, true},
        {"relayable/edge_cases/like_bool_1_signed_raw.xml",
         "alice@pod-a.org;aaaabbbbccccdddd0000111122223333;9e269ae0b41201333b8c0f77ba60fa73;Post;"
         "true",
         SPEC_PUB, false},
        {"relayable/edge_cases/like_bool_1_signed_normalized.xml",
         "alice@pod-a.org;aaaabbbbccccdddd0000111122223333;9e269ae0b41201333b8c0f77ba60fa73;Post;"
         "true",
         SPEC_PUB, true},
        {"relayable/edge_cases/legacy_parent_author_signature.xml",
         "alice@pod-a.org;aaaabbbbccccdddd0000111122223333;9e269ae0b41201333b8c0f77ba60fa73;hi;"
         "2024-01-02T03:04:05Z",
         SPEC_PUB, true},
        {"relayable/edge_cases/empty_unknown_element.xml",
         "alice@pod-a.org;aaaabbbbccccdddd0000111122223333;9e269ae0b41201333b8c0f77ba60fa73;hi;"
         "2024-01-02T03:04:05Z;",
         SPEC_PUB, true},
        {"relayable/edge_cases/escaped_text.xml",
         "alice@pod-a.org;aaaabbbbccccdddd0000111122223333;9e269ae0b41201333b8c0f77ba60fa73;"
         "a < b & \"c\";2024-01-02T03:04:05Z",
         SPEC_PUB, true},
        {"oracle_envelopes/like.payload.xml",
         "true;947a88f029f7013487753131731751e9;Post;947a854029f7013487753131731751e9;"
         "alice@example.org",
         SPEC_PUB, true},
        {"oracle_envelopes/comment.payload.xml", NULL, SPEC_PUB, true},
        {"oracle_envelopes/poll_participation.payload.xml", NULL, SPEC_PUB, true},
        {"oracle_envelopes/event_participation.payload.xml", NULL, SPEC_PUB, true},
    };
    struct pod_arena a;
    size_t i;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        char *x = vec(v[i].file, NULL), *want = NULL;
        struct fed_entity *e = parse_ok(&a, x);
        const char *s = fed_entity_signature_string(e, &a);
        const char *sig = fed_entity_get(e, "author_signature");

        assert_true(fed_entity_is_relayable(e));
        assert_non_null(s);
        assert_non_null(sig);
        assert_valid(e);
        if (!v[i].signed_string) {
            char rel[256];
            size_t n = strlen(v[i].file) - 4;
            if (strncmp(v[i].file, "relayable/", 10) == 0) {
                snprintf(rel, sizeof rel, "%.*s.signed_string.txt", (int)n, v[i].file);
                want = vec(rel, NULL);
            }
        }
        if (v[i].signed_string)
            assert_string_equal(s, v[i].signed_string);
        else if (want)
            assert_string_equal(s, want);
        if (verify(v[i].key, s, sig) != (v[i].accepted ? POD_OK : POD_ERR_SIG))
            fail_msg("%s: signature over \"%s\" should %sverify", v[i].file, s,
                     v[i].accepted ? "" : "not ");
        free(want);
        free(x);
    }
    pod_arena_free(&a);
}

static void
test_relayable_order_and_unknown_elements(void **state)
{
    struct pod_arena a;
    char *x;
    struct fed_entity *e;
    struct fed_field *f;
    size_t n;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    /* Spec fixtures re-emit as they are (legacy order included). */
    x = vec("relayable/spec_comment_legacy_order.xml", NULL);
    assert_string_equal(reemit(&a, x), chomp(x));
    free(x);
    x = vec("relayable/spec_comment_with_new_data.xml", NULL);
    assert_string_equal(reemit(&a, x), chomp(x));
    free(x);
    x = vec("relayable/edge_cases/empty_unknown_element.xml", NULL);
    assert_string_equal(reemit(&a, x), chomp(x));
    free(x);
    x = vec("relayable/edge_cases/escaped_text.xml", NULL);
    assert_string_equal(reemit(&a, x), chomp(x));
    free(x);
    /* parent_author_signature is dropped; values normalised. */
    x = vec("relayable/edge_cases/legacy_parent_author_signature.xml", NULL);
    assert_null(strstr(reemit(&a, x), "parent_author_signature"));
    free(x);
    x = vec("relayable/edge_cases/ts_fraction_signed_normalized.xml", NULL);
    assert_non_null(strstr(reemit(&a, x), "<created_at>2024-01-02T03:04:05Z</created_at>\n"));
    free(x);
    x = vec("relayable/edge_cases/like_bool_1_signed_normalized.xml", NULL);
    assert_non_null(strstr(reemit(&a, x), "<positive>true</positive>\n"));
    free(x);

    /* Unknown elements stay in place, in order, with their raw text, also
     * nested ones (flattened to their text, like the library); duplicates:
     * the first counts; author_signature moves last. */
    e = parse_ok(&a, "<comment>\n"
                     "  <z_first>1</z_first>\n"
                     "  <author>alice@pod-a.org</author>\n"
                     "  <author_signature>SIG</author_signature>\n"
                     "  <guid>aaaabbbbccccdddd0000111122223333</guid>\n"
                     "  <nested a=\"b\">x<i>y</i>z</nested>\n"
                     "  <parent_guid>9e269ae0b41201333b8c0f77ba60fa73</parent_guid>\n"
                     "  <text>hi</text>\n"
                     "  <text>second</text>\n"
                     "  <edited_at/>\n"
                     "  <created_at>2024-01-02T04:04:05+01:00</created_at>\n"
                     "  <a_last> </a_last>\n"
                     "</comment>");
    assert_int_equal(fed_entity_signature_fields(e, &a, &f, &n), POD_OK);
    assert_int_equal(n, 9);
    assert_string_equal(f[0].name, "z_first");
    assert_string_equal(f[3].name, "nested");
    assert_string_equal(f[3].text, "xyz");
    assert_string_equal(f[6].name, "edited_at");
    assert_string_equal(f[6].text, "");
    assert_string_equal(f[8].name, "a_last");
    assert_string_equal(fed_entity_signature_string(e, &a),
                        "1;alice@pod-a.org;aaaabbbbccccdddd0000111122223333;xyz;"
                        "9e269ae0b41201333b8c0f77ba60fa73;hi;;2024-01-02T03:04:05Z; ");
    assert_string_equal(emit_ok(&a, e),
                        "<comment>\n"
                        "  <z_first>1</z_first>\n"
                        "  <author>alice@pod-a.org</author>\n"
                        "  <guid>aaaabbbbccccdddd0000111122223333</guid>\n"
                        "  <nested>xyz</nested>\n"
                        "  <parent_guid>9e269ae0b41201333b8c0f77ba60fa73</parent_guid>\n"
                        "  <text>hi</text>\n"
                        "  <edited_at/>\n"
                        "  <created_at>2024-01-02T03:04:05Z</created_at>\n"
                        "  <a_last> </a_last>\n"
                        "  <author_signature>SIG</author_signature>\n"
                        "</comment>");
    assert_string_equal(fed_entity_parent_type(e), "Post");
    {
        const char **names, **values;
        assert_int_equal(fed_entity_signature_lists(e, &a, &names, &values, &n), POD_OK);
        assert_int_equal(n, 9);
        assert_string_equal(names[3], "nested");
        assert_string_equal(values[3], "xyz");
        assert_string_equal(names[7], "created_at");
        assert_string_equal(values[7], "2024-01-02T03:04:05Z");
    }
    /* Not a relayable: no signed string. */
    e = parse_ok(&a, "<status_message><text>x</text></status_message>");
    assert_false(fed_entity_is_relayable(e));
    assert_null(fed_entity_signature_string(e, &a));
    assert_int_equal(fed_entity_signature_fields(e, &a, &f, &n), POD_ERR_INVAL);
    pod_arena_free(&a);
}

/* A fresh comment built field by field comes out as the library's. */
static void
test_build_fresh_relayable(void **state)
{
    struct pod_arena a;
    char *x = vec("relayable/comment_to_parent_author.payload.xml", NULL);
    struct fed_entity *e, *in;
    int64_t t;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    in = parse_ok(&a, x);
    e = fed_entity_new(&a, "comment");
    assert_non_null(e);
    assert_int_equal(fed_entity_add(e, &a, "author", "alice@pod-a.org"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "guid", "fedcba9876543210fedcba9876543210"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "parent_guid", "9e269ae0b41201333b8c0f77ba60fa73"),
                     POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "text", "nice post"), POD_OK);
    assert_true(fed_time_parse("2024-01-02T03:04:05Z", &t));
    assert_int_equal(fed_entity_add_time(e, &a, "created_at", t), POD_OK);
    assert_string_equal(fed_entity_signature_string(e, &a), fed_entity_signature_string(in, &a));
    assert_int_equal(
        fed_entity_add(e, &a, "author_signature", fed_entity_get(in, "author_signature")), POD_OK);
    assert_string_equal(emit_ok(&a, e), x);
    /* set replaces in place, remove drops every copy */
    assert_int_equal(fed_entity_set(e, &a, "text", "changed"), POD_OK);
    assert_string_equal(e->fields[3].text, "changed");
    assert_int_equal(fed_entity_remove(e, "author_signature"), 1);
    assert_null(fed_entity_get(e, "author_signature"));
    assert_int_equal(fed_entity_add(e, &a, "bad name", "x"), POD_ERR_INVAL);
    assert_int_equal(fed_entity_add(e, &a, "1x", "x"), POD_ERR_INVAL);
    assert_null(fed_entity_new(&a, "<x>"));
    free(x);
    pod_arena_free(&a);
}

/* Nested entities built by hand go in the class's place; parent types. */
static void
test_build_nested_and_parent_types(void **state)
{
    struct pod_arena a;
    struct fed_entity *e, *loc;
    char *x = vec("oracle_envelopes/status_message_with_location.payload.xml", NULL);
    char *lk;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    e = fed_entity_new(&a, "status_message");
    loc = fed_entity_new(&a, "location");
    assert_non_null(e);
    assert_non_null(loc);
    assert_int_equal(fed_entity_add(loc, &a, "lng", "16.373819"), POD_OK);
    assert_int_equal(fed_entity_add(loc, &a, "lat", "48.208174"), POD_OK);
    assert_int_equal(fed_entity_add(loc, &a, "address", "Vienna, Austria"), POD_OK);
    assert_int_equal(fed_entity_add_entity(e, &a, loc), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "text", "I am a very interesting status update"),
                     POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "guid", "c3893bf029e7013487753131731751e9"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "author", "alice@example.org"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "created_at", "2016-07-11T22:50:18Z"), POD_OK);
    assert_int_equal(fed_entity_add_bool(e, &a, "public", true), POD_OK);
    assert_valid(e);
    assert_ptr_equal(fed_entity_get_entity(e, "location"), loc);
    assert_null(fed_entity_get(e, "location"));
    assert_string_equal(emit_ok(&a, e), x);
    assert_null(fed_entity_parent_type(e));
    free(x);

    assert_string_equal(fed_entity_parent_type(parse_ok(&a, "<poll_participation/>")), "Poll");
    assert_string_equal(fed_entity_parent_type(parse_ok(&a, "<event_participation/>")), "Event");
    lk = vec("oracle_envelopes/like.payload.xml", NULL);
    assert_string_equal(fed_entity_parent_type(parse_ok(&a, lk)), "Post");
    free(lk);
    lk = vec("oracle_envelopes/participation.payload.xml", NULL);
    assert_string_equal(fed_entity_parent_type(parse_ok(&a, lk)), "Post");
    assert_false(fed_entity_is_relayable(parse_ok(&a, lk)));
    free(lk);
    assert_null(fed_entity_parent_type(parse_ok(&a, "<like/>")));
    pod_arena_free(&a);
}

/* ---------------------------------------------------------------- refusals */

static void
test_refuses_doctype_and_entities(void **state)
{
    static const char *const bad[] = {
        "<!DOCTYPE comment><comment><text>x</text></comment>",
        "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY x \"y\">]><comment><text>&x;</text>"
        "</comment>",
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;"
        "&lol;&lol;&lol;&lol;\"><!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"
        "&lol1;&lol1;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"
        "&lol2;\">]><comment><text>&lol3;</text></comment>",
        "<!DOCTYPE c [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><comment><text>&xxe;</text>"
        "</comment>",
        "<!DOCTYPE c SYSTEM \"http://example.org/evil.dtd\"><comment/>",
        "<!DOCTYPE c [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><comment/>",
        "<!DOCTYPE c PUBLIC \"-//x//y\" \"http://example.org/x.dtd\"><comment/>",
    };
    char why[WHY_LEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse_rc(bad[i], strlen(bad[i]), why), POD_ERR_PARSE);
        assert_non_null(strstr(why, "DOCTYPE"));
    }
    /* Undeclared entities are plain errors. */
    assert_int_equal(parse_rc("<c><t>&xxe;</t></c>", 19, why), POD_ERR_PARSE);
}

static void
test_refuses_malformed_and_foreign_encodings(void **state)
{
    static const char *const bad[] = {
        "",
        "   ",
        "<comment>",
        "<comment><text>x</comment>",
        "<comment/><comment/>",
        "<comment/>junk",
        "<comment><text>&#1;</text></comment>",
        "<comment><text>\x01</text></comment>",
        "<comment><text>\xC3\x28</text></comment>",
        "<comment><text>\xED\xA0\x80</text></comment>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><comment><text>\xE9</text></comment>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><comment/>",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><comment/>",
        "<a b=\"1\" b=\"2\"/>",
        "text only",
    };
    static const char utf16[] = "\xFF\xFE<\0c\0/\0>\0";
    char why[WHY_LEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse_rc(bad[i], strlen(bad[i]), why) != POD_ERR_PARSE)
            fail_msg("accepted: %s", bad[i]);
        assert_true(why[0] != '\0');
    }
    assert_int_equal(parse_rc("<comment>\0</comment>", 20, why), POD_ERR_PARSE);
    assert_int_equal(parse_rc(utf16, sizeof utf16 - 1, why), POD_ERR_PARSE);
    /* The declaration in UTF-8, a BOM, comments, PIs and CDATA are fine. */
    {
        static const char decl[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<comment/>";
        assert_int_equal(parse_rc(decl, strlen(decl), why), POD_OK);
    }
    assert_int_equal(parse_rc("\xEF\xBB\xBF<comment/>", 13, why), POD_OK);
}

static void
test_mixed_content_attributes_and_cdata(void **state)
{
    struct pod_arena a;
    struct fed_entity *e;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    e = parse_ok(&a, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<!-- c --><status_message xmlns=\"urn:x\" id=\"1\">stray"
                     "<?pi x?><author a=\"b\">alice@pod-a.org</author>"
                     "<text>a<b>b<i>c</i></b><!-- no -->d<![CDATA[<&>]]></text>"
                     "<location/><photo>   </photo><poll>text only</poll>"
                     "<guid>aaaabbbbccccdddd0000111122223333</guid></status_message>");
    assert_string_equal(e->type, "status_message");
    assert_int_equal(e->count, 3); /* empty nested elements are dropped */
    assert_string_equal(fed_entity_get(e, "author"), "alice@pod-a.org");
    assert_string_equal(fed_entity_get(e, "text"), "abcd<&>");
    assert_null(fed_entity_get_entity(e, "location"));
    assert_valid(e);
    assert_string_equal(emit_ok(&a, e), "<status_message>\n"
                                        "  <author>alice@pod-a.org</author>\n"
                                        "  <guid>aaaabbbbccccdddd0000111122223333</guid>\n"
                                        "  <public>false</public>\n"
                                        "  <text>abcd&lt;&amp;&gt;</text>\n"
                                        "</status_message>");
    /* Unknown types keep their structure and order. */
    e = parse_ok(&a, "<thing><b>1</b><c><d>2</d><d/></c><a>x<e/>y</a><empty/></thing>");
    assert_int_equal(e->count, 4);
    assert_non_null(e->fields[1].entity);
    assert_non_null(e->fields[2].entity); /* text beside elements is dropped */
    assert_string_equal(e->fields[3].text, "");
    assert_string_equal(emit_ok(&a, e), "<thing>\n"
                                        "  <b>1</b>\n"
                                        "  <c>\n"
                                        "    <d>2</d>\n"
                                        "    <d/>\n"
                                        "  </c>\n"
                                        "  <a>\n"
                                        "    <e/>\n"
                                        "  </a>\n"
                                        "  <empty/>\n"
                                        "</thing>");
    e = parse_ok(&a, "<thing/>");
    assert_string_equal(emit_ok(&a, e), "<thing/>");
    pod_arena_free(&a);
}

/* ------------------------------------------------------------------ limits */

static char *
nested_doc(int depth)
{
    char *s = malloc((size_t)depth * 10 + 16), *w = s;
    int i;

    assert_non_null(s);
    for (i = 0; i < depth; i++)
        w += sprintf(w, "<e%d>", i % 10);
    for (i = depth - 1; i >= 0; i--)
        w += sprintf(w, "</e%d>", i % 10);
    return s;
}

static void
test_limits(void **state)
{
    char why[WHY_LEN];
    char *s;
    size_t i, n;

    (void)state;
    /* size: a document of exactly the limit parses, one byte more does not */
    n = FED_ENTITY_MAX_BYTES + 1;
    s = malloc(n + 1);
    assert_non_null(s);
    memset(s, ' ', n);
    memcpy(s, "<comment><text>", 15);
    memcpy(s + n - 17, "</text></comment>", 17);
    s[n] = '\0';
    assert_int_equal(parse_rc(s, n, why), POD_ERR_LIMIT);
    memcpy(s + n - 18, "</text></comment>", 17);
    assert_int_equal(parse_rc(s, n - 1, why), POD_OK);
    free(s);
    /* depth */
    s = nested_doc(FED_ENTITY_MAX_DEPTH);
    assert_int_equal(parse_rc(s, strlen(s), why), POD_OK);
    free(s);
    s = nested_doc(FED_ENTITY_MAX_DEPTH + 1);
    assert_int_equal(parse_rc(s, strlen(s), why), POD_ERR_LIMIT);
    assert_non_null(strstr(why, "deeper"));
    free(s);
    /* element count */
    n = FED_ENTITY_MAX_ELEMENTS;
    s = malloc(n * 4 + 32);
    assert_non_null(s);
    {
        char *w = s + sprintf(s, "<r>");
        for (i = 1; i < n; i++)
            w += sprintf(w, "<a/>");
        sprintf(w, "</r>");
        assert_int_equal(parse_rc(s, strlen(s), why), POD_OK);
        sprintf(w, "<a/></r>");
        assert_int_equal(parse_rc(s, strlen(s), why), POD_ERR_LIMIT);
        assert_non_null(strstr(why, "elements"));
    }
    free(s);
    /* a huge emitted form is refused, not truncated */
    {
        struct pod_arena a;
        struct fed_entity *e;
        char *big = malloc(FED_ENTITY_MAX_BYTES);
        char *out;
        size_t len;

        assert_non_null(big);
        memset(big, 0, FED_ENTITY_MAX_BYTES);
        for (i = 0; i + 3 < FED_ENTITY_MAX_BYTES; i += 3)
            memcpy(big + i, "\xE2\x9C\x93", 3);
        pod_arena_init(&a, NULL, 0, 0);
        e = fed_entity_new(&a, "x");
        for (i = 0; i < 6; i++)
            assert_int_equal(fed_entity_add(e, &a, "t", big), POD_OK);
        assert_int_equal(fed_entity_emit(e, &a, &out, &len), POD_ERR_LIMIT);
        assert_null(out);
        pod_arena_free(&a);
        free(big);
    }
}

/* -------------------------------------------------------------- validation */

struct required {
    const char *file;
    const char *props[8];
};

/* Each required property removed from a valid payload is reported. */
static void
test_missing_required_per_type(void **state)
{
    static const struct required r[] = {
        {"oracle_envelopes/status_message_minimal.payload.xml", {"author", "guid", "text"}},
        {"oracle_envelopes/reshare.payload.xml", {"author", "guid"}},
        {"oracle_envelopes/comment.payload.xml", {"author", "guid", "parent_guid", "text"}},
        {"oracle_envelopes/like.payload.xml",
         {"author", "guid", "parent_guid", "parent_type", "positive"}},
        {"oracle_envelopes/poll_participation.payload.xml",
         {"author", "guid", "parent_guid", "poll_answer_guid"}},
        {"oracle_envelopes/event_participation.payload.xml",
         {"author", "guid", "parent_guid", "status"}},
        {"oracle_envelopes/participation.payload.xml",
         {"author", "guid", "parent_guid", "parent_type"}},
        {"oracle_envelopes/photo.payload.xml",
         {"guid", "author", "remote_photo_path", "remote_photo_name"}},
        {"oracle_envelopes/profile.payload.xml", {"author"}},
        {"oracle_envelopes/contact.payload.xml", {"author", "recipient"}},
        {"oracle_envelopes/conversation.payload.xml",
         {"author", "guid", "subject", "participants"}},
        {"oracle_envelopes/message.payload.xml", {"author", "guid", "text", "conversation_guid"}},
        {"oracle_envelopes/retraction.payload.xml", {"author", "target_guid", "target_type"}},
        {"oracle_envelopes/account_deletion.payload.xml", {"author"}},
        {"oracle_envelopes/account_migration.payload.xml", {"author", "profile"}},
        {"entities/location.xml", {"address", "lat", "lng"}},
        {"entities/poll.xml", {"guid", "question", "poll_answer"}},
        {"entities/poll_answer.xml", {"guid", "answer"}},
        {"entities/event_with_timezone.xml", {"author", "guid", "summary", "start"}},
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof r / sizeof r[0]; i++) {
        char *x = vec(r[i].file, NULL);
        for (j = 0; r[i].props[j]; j++) {
            struct pod_arena a;
            char why[WHY_LEN], want[128];
            struct fed_entity *e;

            pod_arena_init(&a, NULL, 0, 0);
            e = parse_ok(&a, x);
            assert_valid(e);
            assert_true(fed_entity_remove(e, r[i].props[j]) > 0);
            assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_ERR_INVAL);
            snprintf(want, sizeof want, "Missing required properties: %s", r[i].props[j]);
            if (!strstr(why, want))
                fail_msg("%s without %s: \"%s\"", r[i].file, r[i].props[j], why);
            pod_arena_free(&a);
        }
        free(x);
    }
}

#define SM_HEAD                                                                                    \
    "<status_message><author>alice@pod-a.org</author>"                                             \
    "<guid>aaaabbbbccccdddd0000111122223333</guid><text>t</text>"
#define SM_TAIL "</status_message>"
#define PHOTO(author)                                                                              \
    "<photo><guid>aaaabbbbccccdddd0000111122223334</guid><author>" author "</author>"              \
    "<remote_photo_path>https://pod-a.org/up/</remote_photo_path>"                                 \
    "<remote_photo_name>a.jpg</remote_photo_name></photo>"
#define LIKE(ptype, positive)                                                                      \
    "<like><author>alice@pod-a.org</author><guid>aaaabbbbccccdddd0000111122223333</guid>"          \
    "<parent_guid>aaaabbbbccccdddd0000111122223334</parent_guid><parent_type>" ptype               \
    "</parent_type><positive>" positive "</positive></like>"
#define CONTACT(flags)                                                                             \
    "<contact><author>alice@pod-a.org</author><recipient>bob@pod-b.org</recipient>" flags          \
    "</contact>"
#define PROFILE(x) "<profile><author>alice@pod-a.org</author>" x "</profile>"

static void
test_malformed_values(void **state)
{
    struct pod_arena a;

    (void)state;
    assert_invalid("<status_message><author>Alice@pod-a.org</author>"
                   "<guid>aaaabbbbccccdddd0000111122223333</guid><text/></status_message>",
                   "property author is not a diaspora* ID");
    assert_invalid("<status_message><author>alice@pod-a.org</author><guid>short</guid>"
                   "<text/></status_message>",
                   "property guid is not a GUID");
    assert_invalid(SM_HEAD "<created_at>yesterday</created_at>" SM_TAIL,
                   "property created_at is not a timestamp");
    assert_invalid(SM_HEAD "<created_at/>" SM_TAIL, "property created_at is not a timestamp");
    assert_invalid(SM_HEAD "<edited_at>2024-02-30T00:00:00Z</edited_at>" SM_TAIL,
                   "property edited_at is not a timestamp");
    assert_invalid(SM_HEAD "<public>maybe</public>" SM_TAIL, "property public is not a boolean");
    assert_invalid(SM_HEAD "<public/>" SM_TAIL, "property public is not a boolean");
    assert_invalid(SM_HEAD PHOTO("bob@pod-b.org") SM_TAIL, "nested photo has a different author");
    assert_invalid(SM_HEAD "<photo><guid>x</guid></photo>" SM_TAIL,
                   "status_message/photo: Missing required properties: author");
    assert_invalid(SM_HEAD "<poll><guid>aaaabbbbccccdddd0000111122223335</guid>"
                           "<question>q</question><poll_answer><guid>"
                           "aaaabbbbccccdddd0000111122223336</guid><answer>a</answer>"
                           "</poll_answer></poll>" SM_TAIL,
                   "poll_answer needs at least 2 entries");
    assert_invalid(SM_HEAD "<location> </location><location><lat>1</lat></location>" SM_TAIL,
                   "status_message/location: Missing required properties: address, lng");
    assert_invalid(SM_HEAD
                   "<embed><url>https://a.org/</url><nothing>true</nothing></embed>" SM_TAIL,
                   "either url must be set or nothing must be true");
    assert_invalid(SM_HEAD "<embed><title>t</title></embed>" SM_TAIL,
                   "either url must be set or nothing must be true");
    assert_invalid(SM_HEAD "<embed><url>not a url</url></embed>" SM_TAIL, "url is not a URI");
    assert_invalid("<photo><guid>aaaabbbbccccdddd0000111122223334</guid>"
                   "<author>alice@pod-a.org</author>"
                   "<remote_photo_path>https://pod-a.org/up/</remote_photo_path>"
                   "<remote_photo_name>a.jpg</remote_photo_name><height>4x</height></photo>",
                   "property height is not an integer");
    assert_invalid(LIKE("Photo", "true"), "parent_type is not Post or Comment");
    assert_invalid(LIKE("Post", "sure"), "positive is not a boolean");
    assert_invalid(LIKE("Post", ""), "positive is not a boolean");
    assert_invalid(CONTACT("<blocking>true</blocking>"), "blocking with following or sharing");
    assert_invalid(CONTACT("<following>false</following><blocking>true</blocking>"),
                   "blocking with following or sharing");
    assert_invalid("<reshare><author>alice@pod-a.org</author>"
                   "<guid>aaaabbbbccccdddd0000111122223333</guid>"
                   "<root_author>bob@pod-b.org</root_author></reshare>",
                   "root_author and root_guid go together");
    assert_invalid(PROFILE("<full_name>a;b</full_name>"), "full_name contains ';'");
    assert_invalid(PROFILE("<first_name>123456789012345678901234567890123</first_name>"),
                   "first_name is longer than 32 characters");
    assert_invalid(PROFILE("<tag_string>#a #b #c #d #e #f</tag_string>"),
                   "tag_string has more than 5 tags");
    assert_invalid(PROFILE("<birthday>1988-02-30</birthday>"), "birthday is not a date");
    assert_invalid(PROFILE("<image_url>https://pod-a.org</image_url>"),
                   "image_url is not a URI with a path");
    assert_invalid("<event_participation><author>alice@pod-a.org</author>"
                   "<guid>aaaabbbbccccdddd0000111122223333</guid>"
                   "<parent_guid>aaaabbbbccccdddd0000111122223334</parent_guid>"
                   "<status>maybe</status></event_participation>",
                   "status is not accepted, declined or tentative");
    assert_invalid("<comment><author>alice@pod-a.org</author>"
                   "<guid>aaaabbbbccccdddd0000111122223333</guid>"
                   "<parent_guid>aaaabbbbccccdddd0000111122223334</parent_guid>"
                   "<text/></comment>",
                   "text must not be empty");
    assert_invalid("<conversation><author>alice@pod-a.org</author>"
                   "<guid>aaaabbbbccccdddd0000111122223333</guid><subject>s</subject>"
                   "<participants>alice@pod-a.org</participants></conversation>",
                   "participants is not a ';'-separated list of at least 2 diaspora* IDs");
    assert_invalid("<event><author>alice@pod-a.org</author>"
                   "<guid>aaaabbbbccccdddd0000111122223333</guid><summary>s</summary>"
                   "<start>2016-12-27T00:00:00Z</start><timezone>Europe/Ber1in</timezone>"
                   "</event>",
                   "timezone is not a time zone");
    assert_invalid("<retraction><author>alice@pod-a.org</author>"
                   "<target_guid>aaaabbbbccccdddd0000111122223333</target_guid>"
                   "<target_type/></retraction>",
                   "target_type must not be empty");
    assert_invalid("<account_migration><author>alice@newpod.org</author>"
                   "<profile><author>alice@newpod.org</author></profile>"
                   "<signature>x</signature></account_migration>",
                   "old_identity is not a diaspora* ID");
    assert_invalid("<unknown_thing><author>alice@pod-a.org</author></unknown_thing>",
                   "unknown entity type \"unknown_thing\"");

    /* And what is fine. */
    pod_arena_init(&a, NULL, 0, 0);
    assert_valid(
        parse_ok(&a, SM_HEAD "<edited_at/><public>YES</public>" PHOTO("alice@pod-a.org") SM_TAIL));
    assert_valid(parse_ok(&a, SM_HEAD "<embed><nothing>1</nothing></embed>" SM_TAIL));
    assert_valid(parse_ok(&a, LIKE("Comment", "0")));
    assert_valid(parse_ok(&a, CONTACT("<following>false</following><sharing>false</sharing>"
                                      "<blocking>true</blocking>")));
    assert_valid(parse_ok(&a, PROFILE("<full_name>"
                                      "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                                      "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                                      "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                                      "</full_name><birthday/><image_url>/a.png</image_url>")));
    assert_valid(parse_ok(&a, "<account_migration><author>alice@newpod.org</author>"
                              "<profile><author>alice@newpod.org</author></profile>"
                              "<signature>x</signature>"
                              "<old_identity>alice@old.org</old_identity></account_migration>"));
    pod_arena_free(&a);
}

/* ------------------------------------------------------------ normalisation */

static void
test_time_parse_and_format(void **state)
{
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05.123Z", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05,9Z", "2024-01-02T03:04:05Z"},
        {"2016-06-29 04:42:23 UTC", "2016-06-29T04:42:23Z"},
        {"2016-06-29 04:42:23 gmt", "2016-06-29T04:42:23Z"},
        {"2016-06-29T04:42:23", "2016-06-29T04:42:23Z"},
        {" 2016-06-29t04:42:23z\n", "2016-06-29T04:42:23Z"},
        {"2024-01-02T04:04:05+01:00", "2024-01-02T03:04:05Z"},
        {"2024-01-01T23:30:00-0100", "2024-01-02T00:30:00Z"},
        {"2024-01-02T00:30:00 +01", "2024-01-01T23:30:00Z"},
        {"2024-02-29T10:00Z", "2024-02-29T10:00:00Z"},
        {"2024-03-01", "2024-03-01T00:00:00Z"},
        {"2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"},
        {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"},
        {"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},
        {"0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"},
        {"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
        {"2000-02-29T12:00:00Z", "2000-02-29T12:00:00Z"},
    };
    static const char *const bad[] = {
        "",
        "yesterday",
        "2024-1-02",
        "2024-01-02T",
        "2024-01-02T03",
        "2024-13-01",
        "2023-02-29",
        "1900-02-29",
        "2024-01-32",
        "2024-01-02T24:00:00Z",
        "2024-01-02T03:60:00Z",
        "2024-01-02T03:04:05.Z",
        "2024-01-02T03:04:05+25:00",
        "2024-01-02T03:04:05 PST",
        "2024-01-02T03:04:05ZZ",
        "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-00:01",
        "+2024-01-02",
        "2024-01-02x",
    };
    char buf[FED_TIME_LEN + 1];
    int64_t t;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (!fed_time_parse(ok[i].in, &t))
            fail_msg("refused %s", ok[i].in);
        assert_true(fed_time_format(t, buf));
        assert_string_equal(buf, ok[i].out);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fed_time_parse(bad[i], &t))
            fail_msg("accepted %s", bad[i]);
    assert_true(fed_time_parse("2024-01-02T03:04:05Z", &t));
    assert_int_equal(t, 1704164645);
    assert_true(fed_time_format(0, buf));
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    assert_true(fed_time_format(-1, buf));
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    assert_false(fed_time_format(INT64_MAX, buf));
    assert_string_equal(buf, "");
    assert_false(fed_time_format(INT64_MIN, buf));
}

static void
test_bool_int_and_defaults(void **state)
{
    static const char *const yes[] = {"true", "TRUE", "t", "Yes", "y", "1"};
    static const char *const no[] = {"false", "F", "no", "N", "0"};
    static const char *const neither[] = {"", "2", " true", "truee", "on", "off"};
    struct pod_arena a;
    struct fed_entity *e;
    bool b;
    int64_t n;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(fed_bool_parse(yes[i], &b) && b);
    for (i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_true(fed_bool_parse(no[i], &b) && !b);
    for (i = 0; i < sizeof neither / sizeof neither[0]; i++)
        assert_false(fed_bool_parse(neither[i], &b));

    pod_arena_init(&a, NULL, 0, 0);
    /* contact: following/sharing default true, blocking false, emitted */
    e = parse_ok(&a, CONTACT(""));
    assert_int_equal(fed_entity_get_bool(e, "following", &b), POD_OK);
    assert_true(b);
    assert_int_equal(fed_entity_get_bool(e, "blocking", &b), POD_OK);
    assert_false(b);
    assert_int_equal(fed_entity_get_bool(e, "nothing", &b), POD_ERR_NOTFOUND);
    assert_string_equal(emit_ok(&a, e), "<contact>\n"
                                        "  <author>alice@pod-a.org</author>\n"
                                        "  <recipient>bob@pod-b.org</recipient>\n"
                                        "  <following>true</following>\n"
                                        "  <sharing>true</sharing>\n"
                                        "  <blocking>false</blocking>\n"
                                        "</contact>");
    /* profile defaults; empty optional elements are left out */
    e = parse_ok(&a, PROFILE("<nsfw>Y</nsfw><last_name/><bio></bio><searchable>0</searchable>"));
    assert_string_equal(emit_ok(&a, e), "<profile>\n"
                                        "  <author>alice@pod-a.org</author>\n"
                                        "  <searchable>false</searchable>\n"
                                        "  <public>false</public>\n"
                                        "  <nsfw>true</nsfw>\n"
                                        "</profile>");
    /* status_message: public defaults to false; get_bool says so too */
    e = parse_ok(&a, SM_HEAD SM_TAIL);
    assert_int_equal(fed_entity_get_bool(e, "public", &b), POD_OK);
    assert_false(b);
    e = parse_ok(&a, SM_HEAD "<public>maybe</public>" SM_TAIL);
    assert_int_equal(fed_entity_get_bool(e, "public", &b), POD_ERR_PARSE);
    /* integers */
    e = parse_ok(&a, "<photo><height>0480</height><width>0</width><x>99999999999999999999</x>"
                     "<y>-1</y><z/></photo>");
    assert_int_equal(fed_entity_get_int(e, "height", &n), POD_OK);
    assert_int_equal(n, 480);
    assert_int_equal(fed_entity_get_int(e, "width", &n), POD_OK);
    assert_int_equal(n, 0);
    assert_int_equal(fed_entity_get_int(e, "x", &n), POD_ERR_PARSE);
    assert_int_equal(fed_entity_get_int(e, "y", &n), POD_ERR_PARSE);
    assert_int_equal(fed_entity_get_int(e, "z", &n), POD_ERR_PARSE);
    assert_int_equal(fed_entity_get_int(e, "w", &n), POD_ERR_NOTFOUND);
    assert_string_equal(fed_entity_normalized(e, 0, &a), "480");
    assert_string_equal(fed_entity_normalized(e, 1, &a), "0");
    assert_string_equal(fed_entity_normalized(e, 4, &a), "");
    assert_null(fed_entity_normalized(e, 5, &a));
    assert_non_null(strstr(emit_ok(&a, e), "  <height>480</height>\n  <width>0</width>\n"));
    /* times */
    e = parse_ok(&a, SM_HEAD "<created_at>2016-06-29 04:42:23 UTC</created_at>" SM_TAIL);
    assert_int_equal(fed_entity_get_time(e, "created_at", &n), POD_OK);
    assert_int_equal(n, 1467175343);
    assert_int_equal(fed_entity_get_time(e, "edited_at", &n), POD_ERR_NOTFOUND);
    assert_string_equal(fed_entity_normalized(e, 3, &a), "2016-06-29T04:42:23Z");
    e = parse_ok(&a, SM_HEAD "<created_at>soon</created_at>" SM_TAIL);
    assert_int_equal(fed_entity_get_time(e, "created_at", &n), POD_ERR_PARSE);
    /* an unparsable time of a non-relayable: an empty element, like the gem */
    assert_non_null(strstr(emit_ok(&a, e), "<created_at/>"));
    /* duplicates: the first counts; unknown elements of non-relayables go */
    e = parse_ok(&a, SM_HEAD "<text>second</text><foo>bar</foo>" SM_TAIL);
    assert_string_equal(fed_entity_get(e, "text"), "t");
    assert_null(strstr(emit_ok(&a, e), "second"));
    assert_null(strstr(emit_ok(&a, e), "foo"));
    pod_arena_free(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docs_examples_emit_as_the_library),
        cmocka_unit_test(test_docs_relayables_and_migration_keep_their_text),
        cmocka_unit_test(test_library_payloads_are_fixed_points),
        cmocka_unit_test(test_nested_entity_examples),
        cmocka_unit_test(test_docs_envelope_payload),
        cmocka_unit_test(test_unicode_decoding_and_encoding),
        cmocka_unit_test(test_relayable_signed_strings),
        cmocka_unit_test(test_relayable_order_and_unknown_elements),
        cmocka_unit_test(test_build_fresh_relayable),
        cmocka_unit_test(test_build_nested_and_parent_types),
        cmocka_unit_test(test_refuses_doctype_and_entities),
        cmocka_unit_test(test_refuses_malformed_and_foreign_encodings),
        cmocka_unit_test(test_mixed_content_attributes_and_cdata),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_missing_required_per_type),
        cmocka_unit_test(test_malformed_values),
        cmocka_unit_test(test_time_parse_and_format),
        cmocka_unit_test(test_bool_int_and_defaults),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
