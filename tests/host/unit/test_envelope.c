/*
 * test_envelope.c - the Magic Envelope of app/federation/envelope.c and the
 * RSA-SHA256 signatures of app/crypto/rsa.c, against the diaspora* vectors
 * (POD_VECTORS_DIR): byte-exact signing of status_message, every oracle and
 * relayable envelope verifying with its key, the gem's verdict on edge cases
 * A-F, the docs example parsing, and the gem's reading rules (me: prefix,
 * first element wins, alphabets, padding), malformed and oversize input.
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
#include "federation/envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC(p)      POD_VECTORS_DIR "/" p
#define ME_DIR      VEC("magic_envelope")
#define SPEC_PRIV   VEC("keys/spec_key_1024_private.pem")
#define SPEC_PUB    VEC("keys/spec_key_1024_public.pem")
#define ORACLE_PRIV VEC("keys/oracle_key_4096_private.pem")
#define ORACLE_PUB  VEC("keys/oracle_key_4096_public.pem")
#define ARENA_LIMIT (8u << 20)
#define SPEC_PKCS1_PUB                                                                             \
    "-----BEGIN RSA PUBLIC KEY-----\n"                                                             \
    "MIGJAoGBALFNsyn4zmwJQNWL2TXAzF51LDItByMEpBrRCzpCmd+XPST3SGFu1q7R\n"                           \
    "zL2NMrpLcIrYaERFcPoR5wOWFkJudIj0HCZyjmPo1sY83lqL21aCIFnNoSvI5UxD\n"                           \
    "ioKHV8o4w9f8sK8/Mf4rt/xD3bMK5K8pKh+DrOmDXPEZqGmbHCoVAgMBAAE=\n"                               \
    "-----END RSA PUBLIC KEY-----\n"

static char *spec_priv, *spec_pub, *oracle_priv, *oracle_pub;

static int
setup(void **state)
{
    (void)state;
    spec_priv = test_slurp(SPEC_PRIV, NULL);
    spec_pub = test_slurp(SPEC_PUB, NULL);
    oracle_priv = test_slurp(ORACLE_PRIV, NULL);
    oracle_pub = test_slurp(ORACLE_PUB, NULL);
    return crypto_rng_init() == POD_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    free(spec_priv);
    free(spec_pub);
    free(oracle_priv);
    free(oracle_pub);
    crypto_rng_free();
    return 0;
}

/* ------------------------------------------------------------------ helpers */

/* Parses text; on success verifies with pub (if given). Returns the first
 * failing code. env gets the parse. */
static int
open_text(const char *xml, size_t len, const char *pub, struct pod_arena *a,
          struct fed_envelope *env)
{
    char why[200] = "";
    int rc = fed_envelope_parse(xml, len, a, env, why, sizeof why);

    if (rc != POD_OK) {
        assert_true(why[0] != '\0'); /* every failure says why */
        return rc;
    }
    if (!pub)
        return POD_OK;
    rc = fed_envelope_verify(env, pub, why, sizeof why);
    if (rc != POD_OK)
        assert_true(why[0] != '\0');
    return rc;
}

static int
open_str(const char *xml, const char *pub)
{
    struct pod_arena a;
    struct fed_envelope env;
    int rc;

    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    rc = open_text(xml, strlen(xml), pub, &a, &env);
    pod_arena_free(&a);
    return rc;
}

static int
open_file(const char *path, const char *pub)
{
    size_t len;
    char *xml = test_slurp(path, &len);
    struct pod_arena a;
    struct fed_envelope env;
    int rc;

    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    rc = open_text(xml, len, pub, &a, &env);
    pod_arena_free(&a);
    free(xml);
    return rc;
}

/* Replaces the first from in doc with to (a new string; free() it). */
static char *
replace(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    size_t pre, total;
    char *out;

    assert_non_null(at);
    pre = (size_t)(at - doc);
    total = strlen(doc) - strlen(from) + strlen(to);
    out = malloc(total + 1);
    assert_non_null(out);
    memcpy(out, doc, pre);
    memcpy(out + pre, to, strlen(to));
    strcpy(out + pre + strlen(to), at + strlen(from));
    return out;
}

/* The text between open and close in doc (a new string). */
static char *
between(const char *doc, const char *open, const char *close)
{
    const char *a = strstr(doc, open), *b;
    char *out;

    assert_non_null(a);
    a += strlen(open);
    b = strstr(a, close);
    assert_non_null(b);
    out = strndup(a, (size_t)(b - a));
    assert_non_null(out);
    return out;
}

/* The status_message vector envelope as a string (free() it). */
static char *
status_envelope(void)
{
    return test_slurp(ME_DIR "/status_message.envelope.xml", NULL);
}

/* ------------------------------------------------------- the main vector */

static void
test_status_message_parse_verify(void **state)
{
    size_t len, plen;
    char *xml = test_slurp(ME_DIR "/status_message.envelope.xml", &len);
    char *payload = test_slurp(ME_DIR "/status_message.payload.xml", &plen);
    struct pod_arena a;
    struct fed_envelope env;
    char pkcs1[] = SPEC_PKCS1_PUB;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(open_text(xml, len, spec_pub, &a, &env), POD_OK);
    assert_string_equal(env.sender, "alice@pod-a.org");
    assert_int_equal(plen, 226);
    assert_int_equal(env.payload_len, plen);
    assert_memory_equal(env.payload, payload, plen);
    assert_int_equal(env.payload[plen], '\0');
    assert_int_equal(env.sig_len, 128);
    /* PKCS#1 public PEM works as well as SPKI. */
    assert_int_equal(fed_envelope_verify(&env, pkcs1, NULL, 0), POD_OK);
    /* Another key does not verify it. */
    assert_int_equal(fed_envelope_verify(&env, oracle_pub, NULL, 0), POD_ERR_SIG);
    /* A key that is not a key is not a signature failure. */
    assert_int_equal(fed_envelope_verify(&env, "not a key", NULL, 0), POD_ERR_PARSE);
    pod_arena_free(&a);
    free(xml);
    free(payload);
}

static void
test_status_message_base_string(void **state)
{
    size_t plen, blen, n = 0;
    char *payload = test_slurp(ME_DIR "/status_message.payload.xml", &plen);
    char *base = test_slurp(ME_DIR "/status_message.base_string.txt", &blen);
    struct pod_arena a;
    char *got;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    got = fed_envelope_base_string(payload, plen, &a, &n);
    assert_non_null(got);
    assert_int_equal(n, blen);
    assert_string_equal(got, base);
    assert_non_null(strstr(got, ".YXBwbGljYXRpb24veG1s.YmFzZTY0dXJs.UlNBLVNIQTI1Ng=="));
    pod_arena_free(&a);
    free(payload);
    free(base);
}

/* Signing the payload with the spec key reproduces the whole file. */
static void
test_status_message_build_exact(void **state)
{
    size_t plen, elen, n = 0;
    char *payload = test_slurp(ME_DIR "/status_message.payload.xml", &plen);
    char *expect = test_slurp(ME_DIR "/status_message.envelope.xml", &elen);
    struct pod_arena a;
    char *doc = NULL, why[200] = "";

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(fed_envelope_build(payload, plen, "alice@pod-a.org", spec_priv, &a, &doc, &n,
                                        why, sizeof why),
                     POD_OK);
    assert_non_null(doc);
    assert_int_equal(n, elen);
    assert_memory_equal(doc, expect, elen);
    assert_int_equal(doc[n], '\0');
    pod_arena_free(&a);
    free(payload);
    free(expect);
}

/* Every other oracle vector, built again from its payload, comes out the
 * same byte for byte (same key, deterministic signatures). */
static void
test_build_reproduces_oracles(void **state)
{
    static const struct {
        const char *name, *sender;
        int key; /* 0 spec, 1 oracle */
    } v[] = {
        {"magic_envelope/status_message_unicode", "alice@pod-a.org", 0},
        {"relayable/comment_to_parent_author", "alice@pod-a.org", 0},
        {"relayable/comment_relayed_by_parent_author", "bob@pod-b.org", 1},
        {"relayable/comment_by_parent_author", "bob@pod-b.org", 1},
        {"oracle_envelopes/like", "alice@example.org", 0},
        {"oracle_envelopes/profile", "alice@example.org", 0},
    };
    char path[512];

    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t plen, elen, n = 0;
        char *payload, *expect, *doc = NULL;
        struct pod_arena a;

        snprintf(path, sizeof path, "%s/%s.payload.xml", POD_VECTORS_DIR, v[i].name);
        payload = test_slurp(path, &plen);
        snprintf(path, sizeof path, "%s/%s.envelope.xml", POD_VECTORS_DIR, v[i].name);
        expect = test_slurp(path, &elen);
        pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
        assert_int_equal(fed_envelope_build(payload, plen, v[i].sender,
                                            v[i].key ? oracle_priv : spec_priv, &a, &doc, &n, NULL,
                                            0),
                         POD_OK);
        if (n != elen || memcmp(doc, expect, elen) != 0)
            fail_msg("%s: built envelope differs from the vector", v[i].name);
        pod_arena_free(&a);
        free(payload);
        free(expect);
    }
}

static void
test_unicode_vector(void **state)
{
    size_t len, plen;
    char *xml = test_slurp(ME_DIR "/status_message_unicode.envelope.xml", &len);
    char *payload = test_slurp(ME_DIR "/status_message_unicode.payload.xml", &plen);
    struct pod_arena a;
    struct fed_envelope env;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(open_text(xml, len, spec_pub, &a, &env), POD_OK);
    assert_int_equal(env.payload_len, plen);
    assert_memory_equal(env.payload, payload, plen);
    assert_non_null(strstr(env.payload, "h&#xE9;llo"));
    pod_arena_free(&a);
    free(xml);
    free(payload);
}

/* ------------------------------------------------------------ edge cases */

static void
test_edge_cases(void **state)
{
    (void)state;
    /* A: unpadded me:data, signed over the padded base string: accepted. */
    assert_int_equal(open_file(ME_DIR
                               "/edge_cases/A_unpadded_data_signed_over_padded_base.envelope.xml",
                               spec_pub),
                     POD_OK);
    /* B: signed over the unpadded data: rejected by the signature. */
    assert_int_equal(open_file(ME_DIR
                               "/edge_cases/B_unpadded_data_signed_over_unpadded_base.envelope.xml",
                               spec_pub),
                     POD_ERR_SIG);
    /* C: constants unpadded in the base string: rejected by the signature. */
    assert_int_equal(
        open_file(ME_DIR "/edge_cases/C_padded_data_signed_over_all_unpadded_parts.envelope.xml",
                  spec_pub),
        POD_ERR_SIG);
    /* D: default namespace, no me: prefix: refused. */
    assert_int_equal(
        open_file(ME_DIR "/edge_cases/D_default_namespace_no_prefix.envelope.xml", spec_pub),
        POD_ERR_PARSE);
    /* E: line break inside me:data: refused. */
    assert_int_equal(open_file(ME_DIR "/edge_cases/E_data_with_linebreaks.envelope.xml", spec_pub),
                     POD_ERR_PARSE);
    /* F: me:sig without padding: accepted. */
    assert_int_equal(open_file(ME_DIR "/edge_cases/F_unpadded_sig.envelope.xml", spec_pub), POD_OK);
}

static void
test_edge_d_why(void **state)
{
    size_t len;
    char *xml = test_slurp(ME_DIR "/edge_cases/D_default_namespace_no_prefix.envelope.xml", &len);
    struct pod_arena a;
    struct fed_envelope env;
    char why[200] = "";

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(fed_envelope_parse(xml, len, &a, &env, why, sizeof why), POD_ERR_PARSE);
    assert_non_null(strstr(why, "me:"));
    assert_null(env.payload);
    pod_arena_free(&a);
    free(xml);
}

static void
test_docs_example(void **state)
{
    size_t len, plen;
    char *xml = test_slurp(ME_DIR "/docs_example.envelope.xml", &len);
    char *payload = test_slurp(ME_DIR "/docs_example.payload.xml", &plen);
    struct pod_arena a;
    struct fed_envelope env;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(fed_envelope_parse(xml, len, &a, &env, NULL, 0), POD_OK);
    assert_string_equal(env.sender, "alice@example.org");
    assert_int_equal(env.payload_len, plen);
    assert_memory_equal(env.payload, payload, plen);
    /* The docs never published the key: the spec key does not verify it. */
    assert_int_equal(fed_envelope_verify(&env, spec_pub, NULL, 0), POD_ERR_SIG);
    pod_arena_free(&a);
    free(xml);
    free(payload);
}

/* ------------------------------------------------ oracle and relayables */

static void
test_oracle_envelopes(void **state)
{
    static const char *const names[] = {
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
    char path[512];

    (void)state;
    assert_int_equal(sizeof names / sizeof names[0], 20);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t len, plen;
        char *xml, *payload;
        struct pod_arena a;
        struct fed_envelope env;

        snprintf(path, sizeof path, "%s/oracle_envelopes/%s.envelope.xml", POD_VECTORS_DIR,
                 names[i]);
        xml = test_slurp(path, &len);
        snprintf(path, sizeof path, "%s/oracle_envelopes/%s.payload.xml", POD_VECTORS_DIR,
                 names[i]);
        payload = test_slurp(path, &plen);
        pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
        if (open_text(xml, len, spec_pub, &a, &env) != POD_OK)
            fail_msg("oracle envelope %s does not verify", names[i]);
        assert_string_equal(env.sender, "alice@example.org");
        assert_int_equal(env.payload_len, plen);
        assert_memory_equal(env.payload, payload, plen);
        pod_arena_free(&a);
        free(xml);
        free(payload);
    }
}

static void
test_relayable_envelopes(void **state)
{
    static const struct {
        const char *name, *sender;
        int key;
    } v[] = {
        {"comment_to_parent_author", "alice@pod-a.org", 0},
        {"comment_relayed_by_parent_author", "bob@pod-b.org", 1},
        {"comment_by_parent_author", "bob@pod-b.org", 1},
    };
    char path[512];

    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len, plen;
        char *xml, *payload;
        struct pod_arena a;
        struct fed_envelope env;

        snprintf(path, sizeof path, "%s/relayable/%s.envelope.xml", POD_VECTORS_DIR, v[i].name);
        xml = test_slurp(path, &len);
        snprintf(path, sizeof path, "%s/relayable/%s.payload.xml", POD_VECTORS_DIR, v[i].name);
        payload = test_slurp(path, &plen);
        pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
        assert_int_equal(open_text(xml, len, v[i].key ? oracle_pub : spec_pub, &a, &env), POD_OK);
        assert_string_equal(env.sender, v[i].sender);
        assert_int_equal(env.payload_len, plen);
        assert_memory_equal(env.payload, payload, plen);
        /* The other key must not do. */
        assert_int_equal(fed_envelope_verify(&env, v[i].key ? spec_pub : oracle_pub, NULL, 0),
                         POD_ERR_SIG);
        pod_arena_free(&a);
        free(xml);
        free(payload);
    }
}

/* --------------------------------------------------- the gem's reading */

static void
test_namespace_rules(void **state)
{
    char *xml = status_envelope(), *t, *u;

    (void)state;
    /* The prefix may be bound to any URI: the gem looks up "me:" only. */
    t = replace(xml, "xmlns:me=\"http://salmon-protocol.org/ns/magic-env\"",
                "xmlns:me=\"urn:example:other\"");
    assert_int_equal(open_str(t, spec_pub), POD_OK);
    free(t);
    /* A differently prefixed root with me: declared on it works. */
    t = replace(xml, "<me:env xmlns:me=", "<x:env xmlns:x=\"urn:x\" xmlns:me=");
    u = replace(t, "</me:env>", "</x:env>");
    assert_int_equal(open_str(u, spec_pub), POD_OK);
    free(t);
    free(u);
    /* Default namespace equal to me's URI: unprefixed children match too. */
    t = replace(xml, "<me:env xmlns:me=\"http://salmon-protocol.org/ns/magic-env\">",
                "<me:env xmlns:me=\"http://salmon-protocol.org/ns/magic-env\" "
                "xmlns=\"http://salmon-protocol.org/ns/magic-env\">");
    u = replace(t, "<me:alg>RSA-SHA256</me:alg>", "<alg>RSA-SHA256</alg>");
    assert_int_equal(open_str(u, spec_pub), POD_OK);
    free(t);
    free(u);
    /* me: declared only below the root: the gem cannot resolve it. */
    t = strdup("<env><me:data xmlns:me=\"http://salmon-protocol.org/ns/magic-env\" "
               "type=\"application/xml\">PGEvPg==</me:data></env>");
    assert_int_equal(open_str(t, NULL), POD_ERR_PARSE);
    free(t);
    /* The root's local name must be env. */
    t = replace(xml, "<me:env ", "<me:envelope ");
    u = replace(t, "</me:env>", "</me:envelope>");
    assert_int_equal(open_str(u, NULL), POD_ERR_PARSE);
    free(t);
    free(u);
    /* Children in another namespace do not count. */
    t = replace(xml, "<me:alg>RSA-SHA256</me:alg>", "<x:alg xmlns:x=\"urn:x\">RSA-SHA256</x:alg>");
    assert_int_equal(open_str(t, NULL), POD_ERR_PARSE);
    free(t);
    free(xml);
}

static void
test_first_element_wins(void **state)
{
    char *xml = status_envelope(), *t;

    (void)state;
    /* A second me:alg after the first is ignored. */
    t = replace(xml, "</me:env>", "<me:alg>nonsense</me:alg></me:env>");
    assert_int_equal(open_str(t, spec_pub), POD_OK);
    free(t);
    /* A first wrong one is what counts. */
    t = replace(xml, "<me:alg>", "<me:alg>nonsense</me:alg><me:alg>");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* Elements nested deeper are not children of the root. */
    t = replace(xml, "<me:alg>RSA-SHA256</me:alg>", "<x><me:alg>RSA-SHA256</me:alg></x>");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    free(xml);
}

static void
test_field_checks(void **state)
{
    char *xml = status_envelope(), *t, *data, *sig;

    (void)state;
    data = between(xml, "type=\"application/xml\">", "</me:data>");
    sig = between(xml, "key_id=\"YWxpY2VAcG9kLWEub3Jn\">", "</me:sig>");
    assert_int_equal(strlen(sig), 172);
    /* encoding and algorithm must be exactly right */
    t = replace(xml, "<me:encoding>base64url</me:encoding>", "<me:encoding>base64</me:encoding>");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "<me:alg>RSA-SHA256</me:alg>", "<me:alg> RSA-SHA256</me:alg>");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "  <me:alg>RSA-SHA256</me:alg>\n", "");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "  <me:encoding>base64url</me:encoding>\n", "");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* key_id and type must be there */
    t = replace(xml, " key_id=\"YWxpY2VAcG9kLWEub3Jn\"", "");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, " type=\"application/xml\"", "");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* another type is read but is part of what was signed */
    t = replace(xml, "type=\"application/xml\"", "type=\"text/plain\"");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_SIG);
    free(t);
    /* empty or missing data and sig */
    t = replace(xml, data, "");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "awW", "</me:sig><me:x>awW");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* whitespace around the base64 is refused as the gem's strict decoder does */
    t = replace(xml, "\">awW", "\"> awW");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "PHN0YXR1c19t", "PHN0YXR1c19t\n");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* a key_id that is not a plausible diaspora* ID */
    t = replace(xml, "key_id=\"YWxpY2VAcG9kLWEub3Jn\"", "key_id=\"YWxp Y2U=\"");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "key_id=\"YWxpY2VAcG9kLWEub3Jn\"", "key_id=\"YSBi\""); /* "a b" */
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "key_id=\"YWxpY2VAcG9kLWEub3Jn\"", "key_id=\"\"");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* key_id with or without padding; it is not covered by the signature,
     * the key looked up with it is what binds the sender */
    t = replace(xml, "key_id=\"YWxpY2VAcG9kLWEub3Jn\"", "key_id=\"Ym9iQHBvZC1iLm9yZw\"");
    {
        struct pod_arena a;
        struct fed_envelope env;
        pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
        assert_int_equal(open_text(t, strlen(t), spec_pub, &a, &env), POD_OK);
        assert_string_equal(env.sender, "bob@pod-b.org");
        pod_arena_free(&a);
    }
    free(t);
    free(data);
    free(sig);
    free(xml);
}

/* Ruby's urlsafe_decode64 turns '-' '_' into '+' '/' and then decodes
 * strictly: the standard alphabet is accepted as well. */
static void
test_alphabets(void **state)
{
    char *xml = status_envelope(), *data, *std, *t;

    (void)state;
    data = between(xml, "type=\"application/xml\">", "</me:data>");
    std = strdup(data);
    for (char *p = std; *p; p++)
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    assert_string_not_equal(std, data);
    t = replace(xml, data, std);
    assert_int_equal(open_str(t, spec_pub), POD_OK);
    free(t);
    /* non-zero unused bits in the last character: refused like strict_decode64 */
    t = replace(xml, "dlPg==<", "dlPh==<");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* padding that does not complete a group */
    t = replace(xml, "dlPg==<", "dlPg=<");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "dlPg==<", "dlPg===<");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    free(std);
    free(data);
    free(xml);
}

static void
test_tampering(void **state)
{
    char *xml = status_envelope(), *t;

    (void)state;
    /* another payload ("hello" -> "hellp" is a different base64 group) */
    t = replace(xml, "aGVsbG8gZnJvbSB0aGUgb3JhY2xl", "aGVsbHAgZnJvbSB0aGUgb3JhY2xl");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_SIG);
    free(t);
    /* another signature byte */
    t = replace(xml, "\">awWs", "\">awWt");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_SIG);
    free(t);
    /* a signature too short or too long */
    {
        char *sig = between(xml, "key_id=\"YWxpY2VAcG9kLWEub3Jn\">", "</me:sig>");
        char *other = strdup(sig);
        other[168] = '\0'; /* 126 bytes */
        t = replace(xml, sig, other);
        assert_int_equal(open_str(t, spec_pub), POD_ERR_SIG);
        free(t);
        free(other);
        other = malloc(strlen(sig) + 8);
        assert_non_null(other);
        strcpy(other, sig);
        strcpy(other + 171, "AAAA"); /* 131 bytes */
        t = replace(xml, sig, other);
        assert_int_equal(open_str(t, spec_pub), POD_ERR_SIG);
        free(t);
        free(other);
        free(sig);
    }
    /* another sender: the signature is not bound to key_id, the key is */
    t = replace(xml, "key_id=\"YWxpY2VAcG9kLWEub3Jn\"", "key_id=\"Ym9iQHBvZC1iLm9yZw==\"");
    assert_int_equal(open_str(t, oracle_pub), POD_ERR_SIG);
    free(t);
    free(xml);
}

static void
test_xml_refusals(void **state)
{
    char *xml = status_envelope(), *t;
    char *big, *deep;
    size_t n;

    (void)state;
    /* DOCTYPE, with or without entities */
    t = replace(xml, "<me:env", "<!DOCTYPE me:env><me:env");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    t = replace(xml, "<me:env",
                "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><me:env");
    assert_int_equal(open_str(t, spec_pub), POD_ERR_PARSE);
    free(t);
    /* not XML at all, or cut short */
    assert_int_equal(open_str("", NULL), POD_ERR_PARSE);
    assert_int_equal(open_str("hello", NULL), POD_ERR_PARSE);
    xml[strlen(xml) / 2] = '\0';
    assert_int_equal(open_str(xml, NULL), POD_ERR_PARSE);
    free(xml);
    /* over the size limit */
    n = FED_ENVELOPE_MAX_BYTES + 1;
    big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    {
        struct pod_arena a;
        struct fed_envelope env;
        pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
        assert_int_equal(fed_envelope_parse(big, n, &a, &env, NULL, 0), POD_ERR_LIMIT);
        pod_arena_free(&a);
    }
    free(big);
    /* nested too deep */
    deep = malloc(64 * 7 + 1);
    assert_non_null(deep);
    deep[0] = '\0';
    for (int i = 0; i < 64; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < 64; i++)
        strcat(deep, "</a>");
    assert_int_equal(open_str(deep, NULL), POD_ERR_LIMIT);
    free(deep);
}

static void
test_field_limits(void **state)
{
    char *xml = status_envelope(), *t, *longsig;
    size_t n = FED_ENVELOPE_SIG_MAX + 4;

    (void)state;
    longsig = malloc(n + 1);
    assert_non_null(longsig);
    memset(longsig, 'A', n);
    longsig[n] = '\0';
    t = replace(xml, "awWs", longsig);
    assert_int_equal(open_str(t, spec_pub), POD_ERR_LIMIT);
    free(t);
    free(longsig);
    longsig = malloc(FED_ENVELOPE_FIELD_MAX + 10);
    assert_non_null(longsig);
    memset(longsig, 'x', FED_ENVELOPE_FIELD_MAX + 9);
    longsig[FED_ENVELOPE_FIELD_MAX + 9] = '\0';
    t = replace(xml, "application/xml", longsig);
    assert_int_equal(open_str(t, spec_pub), POD_ERR_LIMIT);
    free(t);
    free(longsig);
    free(xml);
}

/* ------------------------------------------------------------- building */

static void
test_build_round_trip(void **state)
{
    static const char payload[] = "<comment>\n  <author>bob@pod-b.org</author>\n  "
                                  "<text>h\xc3\xa9llo &lt;b&gt;</text>\n</comment>";
    struct pod_arena a;
    struct fed_envelope env;
    char *doc = NULL;
    size_t n = 0;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(fed_envelope_build(payload, sizeof payload - 1, "bob@pod-b.org", oracle_priv,
                                        &a, &doc, &n, NULL, 0),
                     POD_OK);
    assert_int_equal(strlen(doc), n);
    assert_int_equal(open_text(doc, n, oracle_pub, &a, &env), POD_OK);
    assert_string_equal(env.sender, "bob@pod-b.org");
    assert_int_equal(env.payload_len, sizeof payload - 1);
    assert_memory_equal(env.payload, payload, sizeof payload - 1);
    assert_int_equal(fed_envelope_verify(&env, spec_pub, NULL, 0), POD_ERR_SIG);
    /* an empty payload still makes a verifiable envelope... */
    assert_int_equal(fed_envelope_build("", 0, "bob@pod-b.org", oracle_priv, &a, &doc, &n, NULL, 0),
                     POD_OK);
    /* ...that the gem would refuse (empty me:data) */
    assert_int_equal(open_text(doc, n, oracle_pub, &a, &env), POD_ERR_PARSE);
    pod_arena_free(&a);
}

static void
test_build_refusals(void **state)
{
    struct pod_arena a;
    char *doc = NULL, why[200];
    size_t n = 0;
    char *big;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(fed_envelope_build("<a/>", 4, "", spec_priv, &a, &doc, &n, NULL, 0),
                     POD_ERR_INVAL);
    assert_int_equal(fed_envelope_build("<a/>", 4, "a b@c", spec_priv, &a, &doc, &n, NULL, 0),
                     POD_ERR_INVAL);
    assert_int_equal(
        fed_envelope_build("<a/>", 4, "alice@pod-a.org", "garbage", &a, &doc, &n, why, sizeof why),
        POD_ERR_PARSE);
    assert_non_null(strstr(why, "alice@pod-a.org"));
    /* a public key cannot sign */
    assert_int_equal(
        fed_envelope_build("<a/>", 4, "alice@pod-a.org", spec_pub, &a, &doc, &n, NULL, 0),
        POD_ERR_PARSE);
    assert_null(doc);
    big = calloc(1, FED_ENVELOPE_MAX_BYTES);
    assert_non_null(big);
    assert_int_equal(fed_envelope_build(big, FED_ENVELOPE_MAX_BYTES, "alice@pod-a.org", spec_priv,
                                        &a, &doc, &n, NULL, 0),
                     POD_ERR_LIMIT);
    free(big);
    /* an arena with no room */
    pod_arena_free(&a);
    pod_arena_init(&a, NULL, 0, 64);
    assert_int_equal(
        fed_envelope_build("<a/>", 4, "alice@pod-a.org", spec_priv, &a, &doc, &n, NULL, 0),
        POD_ERR_NOMEM);
    pod_arena_free(&a);
}

/* ----------------------------------------------------------- RSA wrapper */

static void
test_rsa_sign_verify(void **state)
{
    static const char msg[] = "alice@pod-a.org;e21589b0b41101333b870f77ba60fa73";
    uint8_t sig[CRYPTO_RSA_MAX_BYTES], digest[CRYPTO_SHA256_LEN];
    size_t len = 0;
    char pkcs1[] = SPEC_PKCS1_PUB;

    (void)state;
    assert_int_equal(crypto_rsa_sign_sha256(spec_priv, msg, strlen(msg), sig, sizeof sig, &len),
                     POD_OK);
    assert_int_equal(len, 128);
    assert_int_equal(crypto_rsa_verify_sha256(spec_pub, msg, strlen(msg), sig, len), POD_OK);
    assert_int_equal(crypto_rsa_verify_sha256(pkcs1, msg, strlen(msg), sig, len), POD_OK);
    assert_int_equal(crypto_rsa_verify_sha256(spec_pub, msg, strlen(msg) - 1, sig, len),
                     POD_ERR_SIG);
    assert_int_equal(crypto_rsa_verify_sha256(spec_pub, msg, strlen(msg), sig, len - 1),
                     POD_ERR_SIG);
    assert_int_equal(crypto_rsa_verify_sha256(oracle_pub, msg, strlen(msg), sig, len), POD_ERR_SIG);
    crypto_sha256(msg, strlen(msg), digest);
    assert_int_equal(crypto_rsa_verify_digest(spec_pub, digest, sig, len), POD_OK);
    /* buffers and keys */
    assert_int_equal(crypto_rsa_sign_sha256(spec_priv, msg, strlen(msg), sig, 127, &len),
                     POD_ERR_LIMIT);
    assert_int_equal(crypto_rsa_sign_sha256(oracle_priv, msg, strlen(msg), sig, sizeof sig, &len),
                     POD_OK);
    assert_int_equal(len, 512);
    assert_int_equal(crypto_rsa_verify_sha256(oracle_pub, msg, strlen(msg), sig, len), POD_OK);
    assert_int_equal(crypto_rsa_sign_sha256(NULL, msg, 1, sig, sizeof sig, &len), POD_ERR_INVAL);
    assert_int_equal(crypto_rsa_verify_sha256("", msg, 1, sig, 128), POD_ERR_PARSE);
}

static void
test_rsa_small_key_refused(void **state)
{
    /* A 512-bit key (diaspora*'s test environment size): under the floor. */
    static const char pub512[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAPVfafjNgCvL7ZLShjJ8ymXybT3kOH5j\n"
        "36PzNGxq/Pb1s4OdmmGQonixKqYdlLTz1Pfd5854TH3a3NnySwoXB6cCAwEAAQ==\n"
        "-----END PUBLIC KEY-----\n";
    uint8_t sig[64] = {0}, out[64];
    size_t len;

    (void)state;
    assert_int_equal(crypto_rsa_verify_sha256(pub512, "x", 1, sig, sizeof sig), POD_ERR_INVAL);
    assert_int_equal(crypto_rsa_encrypt(pub512, "x", 1, out, sizeof out, &len), POD_ERR_INVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_message_parse_verify),
        cmocka_unit_test(test_status_message_base_string),
        cmocka_unit_test(test_status_message_build_exact),
        cmocka_unit_test(test_build_reproduces_oracles),
        cmocka_unit_test(test_unicode_vector),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_edge_d_why),
        cmocka_unit_test(test_docs_example),
        cmocka_unit_test(test_oracle_envelopes),
        cmocka_unit_test(test_relayable_envelopes),
        cmocka_unit_test(test_namespace_rules),
        cmocka_unit_test(test_first_element_wins),
        cmocka_unit_test(test_field_checks),
        cmocka_unit_test(test_alphabets),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_xml_refusals),
        cmocka_unit_test(test_field_limits),
        cmocka_unit_test(test_build_round_trip),
        cmocka_unit_test(test_build_refusals),
        cmocka_unit_test(test_rsa_sign_verify),
        cmocka_unit_test(test_rsa_small_key_refused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
