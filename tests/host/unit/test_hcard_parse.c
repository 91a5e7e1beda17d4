/*
 * test_hcard_parse.c - the client side of discovery
 * (app/federation/discovery_client.c): the WebFinger and hCard documents
 * of other pods, parsed (federation/discovery.c) and judged by the rules
 * of docs §2 and §9, on the diaspora* vectors (POD_VECTORS_DIR/discovery)
 * and on hostile documents: a subject or GUID that names someone else,
 * missing, wrong, short and foreign keys, script in names, bad avatar
 * URLs, oversize and deeply nested input; the merge rule for a known
 * person (a changed key is never taken); and fed_discover's paths that
 * need no remote pod (known people, local IDs, the address guard, the
 * memory of failures, the running limit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "storetest.h"

#include "core/error.h"
#include "crypto/crypto.h"
#include "federation/discovery.h"
#include "federation/discovery_client.h"
#include "http/http.h"
#include "store/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISC_DIR    POD_VECTORS_DIR "/discovery"
#define KEY_1024    POD_VECTORS_DIR "/keys/spec_key_1024_public.pem"
#define KEY_4096    POD_VECTORS_DIR "/keys/oracle_key_4096_public.pem"
#define KEY_PRIVATE POD_VECTORS_DIR "/keys/spec_key_1024_private.pem"
#define VEC_GUID    "7dba7ca01d64013485eb3131731751e9"
#define GEM_HCARD   "https://pod-a.org/hcard/users/" VEC_GUID
#define DOCS_HCARD  "https://example.org/hcard/users/" VEC_GUID
#define AVATAR(s)   "https://pod-a.org/uploads/images/thumb_" s "_a795f872c93309597345.jpg"
#define KEY_512                                                                                    \
    "-----BEGIN PUBLIC KEY-----\n"                                                                 \
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALodtLE4y4V6MNHrq2trtcQq3OTAaJzz\n"                           \
    "YM5tHKnHxAwQKYj68N3x7WbR4o+HiXVvfXY/7kNfimAb/wFKS84M5kECAwEAAQ==\n"                           \
    "-----END PUBLIC KEY-----\n"

/* ------------------------------------------------------------------ helpers */

/* s with the first occurrence of from replaced by to (free() it). */
static char *
replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);

    assert_non_null(at);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

/* The gem's WebFinger, checked for alice@pod-a.org. */
static void
gem_webfinger(struct fed_webfinger *wf)
{
    size_t len;
    char *doc = test_slurp(DISC_DIR "/webfinger.gem.json", &len);

    assert_int_equal(fed_discovery_check_webfinger("alice@pod-a.org", doc, len, wf, NULL, 0),
                     POD_OK);
    free(doc);
}

/* Parses html and builds the person of alice@pod-a.org from it and the
 * gem's WebFinger; returns what fed_discovery_person_from said. */
static int
person_of(const char *html, struct store_person *p, char *why, size_t why_len)
{
    struct fed_webfinger wf;
    struct fed_hcard *hc = malloc(sizeof *hc);
    int rc;

    assert_non_null(hc);
    gem_webfinger(&wf);
    rc = fed_hcard_parse(html, strlen(html), hc);
    if (rc == POD_OK)
        rc = fed_discovery_person_from("alice@pod-a.org", &wf, GEM_HCARD, hc, p, why, why_len);
    free(hc);
    return rc;
}

static struct store_person *
person_new(void)
{
    struct store_person *p = calloc(1, sizeof *p);

    assert_non_null(p);
    return p;
}

/* ----------------------------------------------------------- diaspora* IDs */

static void
test_normalise_id(void **state)
{
    char id[256], host[256];

    (void)state;
    assert_true(fed_discovery_normalise_id(" acct:Alice@Pod-A.ORG:8443 ", id, sizeof id, host,
                                           sizeof host));
    assert_string_equal(id, "alice@pod-a.org:8443");
    assert_string_equal(host, "pod-a.org:8443");
    assert_true(fed_discovery_normalise_id("bob@[2001:db8::1]:443", id, sizeof id, NULL, 0));
    assert_string_equal(id, "bob@[2001:db8::1]:443");

    static const char *const bad[] = {
        "",
        "alice",
        "@pod.example",
        "alice@",
        "alice@@pod.example",
        "al ice@pod.example",
        "alice@pod.example/x",
        "alice@pod.example:0",
        "alice@pod.example:99999",
        "a@b@c",
        "alice@pod.example\n@evil",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fed_discovery_normalise_id(bad[i], id, sizeof id, host, sizeof host))
            fail_msg("accepted '%s'", bad[i]);
    assert_false(fed_discovery_normalise_id(NULL, id, sizeof id, NULL, 0));
    /* Too long for the caller's buffer. */
    assert_false(fed_discovery_normalise_id("alice@pod.example", id, 5, NULL, 0));
}

/* ---------------------------------------------------------------- WebFinger */

static void
test_webfinger_vectors(void **state)
{
    struct fed_webfinger wf;
    char *doc, why[200] = "";
    size_t len;

    (void)state;
    doc = test_slurp(DISC_DIR "/webfinger.gem.json", &len);
    assert_int_equal(
        fed_discovery_check_webfinger("Alice@Pod-A.org", doc, len, &wf, why, sizeof why), POD_OK);
    assert_string_equal(wf.subject, "alice@pod-a.org");
    assert_string_equal(wf.hcard_url, GEM_HCARD);
    assert_string_equal(wf.seed_url, "https://pod-a.org/");
    free(doc);

    doc = test_slurp(DISC_DIR "/webfinger.docs.json", &len);
    assert_int_equal(
        fed_discovery_check_webfinger("acct:alice@example.org", doc, len, &wf, NULL, 0), POD_OK);
    assert_string_equal(wf.hcard_url, DOCS_HCARD);
    assert_string_equal(wf.seed_url, "https://example.org/");
    free(doc);
}

static void
test_webfinger_lying_subject(void **state)
{
    struct fed_webfinger wf;
    char *doc, *mod, why[200] = "";
    size_t len;

    (void)state;
    doc = test_slurp(DISC_DIR "/webfinger.gem.json", &len);
    /* Asked for bob, the pod answers with alice's document. */
    assert_int_equal(fed_discovery_check_webfinger("bob@pod-a.org", doc, len, &wf, why, sizeof why),
                     POD_ERR_AUTH);
    assert_non_null(strstr(why, "subject"));
    assert_string_equal(wf.hcard_url, ""); /* nothing of it is kept */
    /* Same user, another host: someone else too. */
    assert_int_equal(fed_discovery_check_webfinger("alice@pod-b.org", doc, len, &wf, NULL, 0),
                     POD_ERR_AUTH);
    assert_int_equal(fed_discovery_check_webfinger("alice@pod-a.org:8443", doc, len, &wf, NULL, 0),
                     POD_ERR_AUTH);
    /* A subject with a suffix or without "acct:" but extra text. */
    mod = replace(doc, "acct:alice@pod-a.org", "acct:alice@pod-a.org.evil.example");
    assert_int_equal(
        fed_discovery_check_webfinger("alice@pod-a.org", mod, strlen(mod), &wf, NULL, 0),
        POD_ERR_AUTH);
    free(mod);
    /* Missing subject: not a document. */
    mod = replace(doc, "\"subject\"", "\"subjekt\"");
    assert_int_equal(
        fed_discovery_check_webfinger("alice@pod-a.org", mod, strlen(mod), &wf, NULL, 0),
        POD_ERR_PARSE);
    free(mod);
    free(doc);
}

static void
test_webfinger_hostile(void **state)
{
    struct fed_webfinger wf;
    char *doc, *mod, *big;
    size_t len;

    (void)state;
    doc = test_slurp(DISC_DIR "/webfinger.gem.json", &len);
    /* Links that are no http(s) URLs. */
    mod = replace(doc, "\"https://pod-a.org/hcard/users/", "\"javascript:alert(1)//");
    assert_int_equal(
        fed_discovery_check_webfinger("alice@pod-a.org", mod, strlen(mod), &wf, NULL, 0),
        POD_ERR_PARSE);
    free(mod);
    mod = replace(doc, "\"https://pod-a.org/\"", "\"file:///etc/passwd\"");
    assert_int_equal(
        fed_discovery_check_webfinger("alice@pod-a.org", mod, strlen(mod), &wf, NULL, 0),
        POD_ERR_PARSE);
    free(mod);
    mod = replace(doc, "\"https://pod-a.org/\"", "\"https://user:pw@pod-a.org/\"");
    assert_int_equal(
        fed_discovery_check_webfinger("alice@pod-a.org", mod, strlen(mod), &wf, NULL, 0),
        POD_ERR_PARSE);
    free(mod);
    /* Not asked for a diaspora* ID. */
    assert_int_equal(fed_discovery_check_webfinger("alice", doc, len, &wf, NULL, 0), POD_ERR_INVAL);
    free(doc);

    /* Huge: refused by size before parsing. */
    big = malloc(FED_WEBFINGER_MAX_BYTES + 100);
    assert_non_null(big);
    memset(big, ' ', FED_WEBFINGER_MAX_BYTES + 100);
    memcpy(big, "{\"subject\":\"acct:alice@pod-a.org\"}", 34);
    assert_int_equal(fed_discovery_check_webfinger("alice@pod-a.org", big,
                                                   FED_WEBFINGER_MAX_BYTES + 100, &wf, NULL, 0),
                     POD_ERR_LIMIT);
    /* Nested deep: refused before cJSON recurses. */
    memset(big, '[', 5000);
    memset(big + 5000, ']', 5000);
    assert_int_equal(fed_discovery_check_webfinger("alice@pod-a.org", big, 10000, &wf, NULL, 0),
                     POD_ERR_LIMIT);
    /* HTML instead of JSON. */
    assert_int_equal(
        fed_discovery_check_webfinger("alice@pod-a.org", "<html></html>", 13, &wf, NULL, 0),
        POD_ERR_PARSE);
    free(big);
}

/* -------------------------------------------------------------------- hCard */

static void
test_person_from_gem(void **state)
{
    struct store_person *p = person_new();
    char *html = test_slurp(DISC_DIR "/hcard.gem.html", NULL);
    char *key = test_slurp(KEY_1024, NULL);

    (void)state;
    assert_int_equal(person_of(html, p, NULL, 0), POD_OK);
    assert_string_equal(p->guid, VEC_GUID);
    assert_string_equal(p->diaspora_id, "alice@pod-a.org");
    assert_string_equal(p->username, ""); /* a remote person */
    assert_string_equal(p->first_name, "Alice");
    assert_string_equal(p->last_name, "Smith");
    assert_string_equal(p->public_key, key);
    assert_string_equal(p->pod_url, "https://pod-a.org/");
    assert_string_equal(p->avatar_large, AVATAR("large"));
    assert_string_equal(p->avatar_medium, AVATAR("medium"));
    assert_string_equal(p->avatar_small, AVATAR("small"));
    assert_true(p->searchable);
    assert_int_equal(p->id, 0);
    free(key);
    free(html);
    free(p);
}

static void
test_person_from_docs(void **state)
{
    struct store_person *p = person_new();
    struct fed_webfinger wf;
    struct fed_hcard *hc = malloc(sizeof *hc);
    size_t len;
    char *doc;

    (void)state;
    assert_non_null(hc);
    doc = test_slurp(DISC_DIR "/webfinger.docs.json", &len);
    assert_int_equal(fed_discovery_check_webfinger("alice@example.org", doc, len, &wf, NULL, 0),
                     POD_OK);
    free(doc);
    doc = test_slurp(DISC_DIR "/hcard.docs.html", &len);
    assert_int_equal(fed_hcard_parse(doc, len, hc), POD_OK);
    free(doc);
    assert_int_equal(
        fed_discovery_person_from("alice@example.org", &wf, wf.hcard_url, hc, p, NULL, 0), POD_OK);
    assert_string_equal(p->guid, VEC_GUID);
    assert_string_equal(p->pod_url, "https://example.org/");
    assert_string_equal(p->first_name, "Alice");
    assert_int_equal(strncmp(p->public_key, "-----BEGIN PUBLIC KEY-----\nMIICIjAN", 35), 0);
    assert_non_null(strstr(p->public_key, "GukCAwEAAQ==\n-----END PUBLIC KEY-----\n"));
    assert_string_equal(p->avatar_small,
                        "https://example.org/images/thumb_small_a795f872c93309597345.jpg");
    /* The 4096-bit oracle key is kept too, and fits. */
    {
        char *k = test_slurp(KEY_4096, NULL);

        snprintf(hc->public_key_pem, sizeof hc->public_key_pem, "\r\n  %s\r\n\r\n", k);
        assert_int_equal(
            fed_discovery_person_from("alice@example.org", &wf, wf.hcard_url, hc, p, NULL, 0),
            POD_OK);
        assert_string_equal(p->public_key, k); /* trimmed, one final newline */
        free(k);
    }
    free(hc);
    free(p);
}

static void
test_person_guid_checks(void **state)
{
    struct store_person *p = person_new();
    struct fed_webfinger wf;
    struct fed_hcard *hc = malloc(sizeof *hc);
    char *html = test_slurp(DISC_DIR "/hcard.gem.html", NULL);
    char why[200] = "";

    (void)state;
    assert_non_null(hc);
    gem_webfinger(&wf);
    assert_int_equal(fed_hcard_parse(html, strlen(html), hc), POD_OK);
    /* The hCard URL names another GUID than the document. */
    assert_int_equal(fed_discovery_person_from("alice@pod-a.org", &wf,
                                               "https://pod-a.org/hcard/users/"
                                               "0123456789abcdef0123456789abcdef",
                                               hc, p, why, sizeof why),
                     POD_ERR_AUTH);
    assert_non_null(strstr(why, "GUID"));
    assert_string_equal(p->guid, "");
    /* Another URL shape (not diaspora*'s) carries no GUID to compare. */
    assert_int_equal(fed_discovery_person_from("alice@pod-a.org", &wf,
                                               "https://pod-a.org/u/alice/hcard", hc, p, NULL, 0),
                     POD_OK);
    /* GUIDs the protocol refuses, or too long for the store. */
    snprintf(hc->guid, sizeof hc->guid, "short");
    assert_int_equal(fed_discovery_person_from("alice@pod-a.org", &wf, NULL, hc, p, NULL, 0),
                     POD_ERR_PARSE);
    snprintf(hc->guid, sizeof hc->guid, "0123456789abcdef<script>0123456789");
    assert_int_equal(fed_discovery_person_from("alice@pod-a.org", &wf, NULL, hc, p, NULL, 0),
                     POD_ERR_PARSE);
    memset(hc->guid, 'a', 100);
    hc->guid[100] = '\0';
    assert_int_equal(fed_discovery_person_from("alice@pod-a.org", &wf, NULL, hc, p, NULL, 0),
                     POD_ERR_LIMIT);
    free(html);
    free(hc);
    free(p);
}

static void
test_person_keys(void **state)
{
    struct store_person *p = person_new();
    char *html = test_slurp(DISC_DIR "/hcard.gem.html", NULL);
    char *key = test_slurp(KEY_1024, NULL), *priv = test_slurp(KEY_PRIVATE, NULL);
    char *mod, *mod2, why[200];

    (void)state;
    /* Missing key: the parser refuses the document. */
    mod = replace(html, "class=\"key\"", "class=\"kee\"");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_ERR_PARSE);
    free(mod);
    /* Armour around garbage. */
    mod = replace(html, "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCxTbMp",
                  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    why[0] = '\0';
    assert_int_equal(person_of(mod, p, why, sizeof why), POD_ERR_PARSE);
    assert_non_null(strstr(why, "key"));
    assert_string_equal(p->public_key, "");
    free(mod);
    /* Too short a key (512 bits). */
    mod = replace(html, key, KEY_512);
    assert_int_equal(person_of(mod, p, NULL, 0), POD_ERR_PARSE);
    free(mod);
    /* A private key where the public one belongs. */
    mod = replace(html, key, priv);
    assert_int_equal(person_of(mod, p, NULL, 0), POD_ERR_PARSE);
    free(mod);
    /* A certificate-like block of another kind. */
    mod = replace(html, "BEGIN PUBLIC KEY", "BEGIN CERTIFICATE");
    mod2 = replace(mod, "END PUBLIC KEY", "END CERTIFICATE");
    assert_int_equal(person_of(mod2, p, NULL, 0), POD_ERR_PARSE);
    free(mod2);
    free(mod);
    /* Two keys: the first counts. */
    mod = replace(html, "</pre>", "</pre><pre class=\"key\">" KEY_512 "</pre>");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_OK);
    assert_string_equal(p->public_key, key);
    free(mod);
    free(priv);
    free(key);
    free(html);
    free(p);
}

static void
test_person_names_and_script(void **state)
{
    struct store_person *p = person_new();
    char *html = test_slurp(DISC_DIR "/hcard.gem.html", NULL);
    char *mod, *mod2;

    (void)state;
    /* Markup in a name arrives escaped and stays text (the pages escape
     * it again); a real <script> element's content is never a value. */
    mod = replace(html, "<span class=\"given_name\">Alice</span>",
                  "<span class=\"given_name\">&lt;b&gt;A<script>document.write('X')</script>"
                  "<i>l</i>\x01!</span>");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_OK);
    assert_string_equal(p->first_name, "<b>Al !");
    free(mod);
    /* Too long for the store: cut at a character boundary (é is 2 bytes). */
    mod =
        replace(html, ">Alice<",
                ">\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9x\xC3\xA9\xC3\xA9<");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_OK);
    assert_int_equal(strlen(p->first_name), 31);
    assert_int_equal((unsigned char)p->first_name[30], 'x');
    free(mod);
    /* Invalid UTF-8 is replaced. */
    mod = replace(html, ">Smith<", ">Sm\xFF\xC3(th\xED\xA0\x80<");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_OK);
    assert_string_equal(p->last_name, "Sm?\?(th?\?\?");
    free(mod);
    /* No first and last names: the full name is the first name. */
    mod = replace(html, "<span class=\"given_name\">Alice</span>", "");
    mod2 = replace(mod, "<span class=\"family_name\">Smith</span>", "");
    assert_int_equal(person_of(mod2, p, NULL, 0), POD_OK);
    assert_string_equal(p->first_name, "Alice Smith");
    assert_string_equal(p->last_name, "");
    free(mod2);
    free(mod);
    /* Without .fn the document is refused (§2.2). */
    mod = replace(html, "class=\"fn\"", "class=\"fullname\"");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_ERR_PARSE);
    free(mod);
    free(html);
    free(p);
}

static void
test_person_avatars(void **state)
{
    struct store_person *p = person_new();
    char *html = test_slurp(DISC_DIR "/hcard.gem.html", NULL);
    char *mod, *mod2, *mod3;

    (void)state;
    /* Relative paths resolve against the pod URL; other schemes are
     * dropped (the default avatar then). */
    mod = replace(html, AVATAR("large"), "/uploads/l.jpg?v=1&amp;w=2");
    mod2 = replace(mod, AVATAR("medium"), "javascript:alert(1)");
    mod3 = replace(mod2, AVATAR("small"), "data:image/png;base64,AAAA");
    assert_int_equal(person_of(mod3, p, NULL, 0), POD_OK);
    assert_string_equal(p->avatar_large, "https://pod-a.org/uploads/l.jpg?v=1&w=2");
    assert_string_equal(p->avatar_medium, "");
    assert_string_equal(p->avatar_small, "");
    free(mod3);
    free(mod2);
    free(mod);
    mod = replace(html, AVATAR("large"), "//cdn.pod-a.org/l.jpg");
    mod2 = replace(mod, AVATAR("medium"), "https://pod-a.org/a b.jpg");
    assert_int_equal(person_of(mod2, p, NULL, 0), POD_OK);
    assert_string_equal(p->avatar_large, "https://cdn.pod-a.org/l.jpg");
    assert_string_equal(p->avatar_medium, "");
    free(mod2);
    free(mod);
    /* No large photo: the parser refuses the document (§2.2). */
    mod = replace(html, "class=\"entity_photo\"", "class=\"entity_fото\"");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_ERR_PARSE);
    free(mod);
    free(html);
    free(p);
}

static void
test_hcard_hostile(void **state)
{
    struct store_person *p = person_new();
    struct fed_hcard *hc = malloc(sizeof *hc);
    char *html = test_slurp(DISC_DIR "/hcard.gem.html", NULL);
    char *big, *mod;
    size_t n;

    (void)state;
    assert_non_null(hc);
    /* Huge. */
    big = malloc(FED_HCARD_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, ' ', FED_HCARD_MAX_BYTES + 1);
    memcpy(big, html, strlen(html));
    assert_int_equal(fed_hcard_parse(big, FED_HCARD_MAX_BYTES + 1, hc), POD_ERR_LIMIT);
    /* Nested deeper than the scanner follows. */
    n = 0;
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(big + n, FED_HCARD_MAX_BYTES - n, "<div>");
    assert_int_equal(fed_hcard_parse(big, n, hc), POD_ERR_LIMIT);
    free(big);
    /* A script that never ends hides the rest. */
    mod = replace(html, "<body>", "<body><script>");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_ERR_PARSE);
    free(mod);
    /* The fields inside a script or a comment do not count. */
    mod = replace(html, "<body>",
                  "<body><script>'<span class=\"uid\">0123456789abcdef0123456789abcdef</span>'"
                  "</script><!-- <span class=\"uid\">0123456789abcdef0123456789abcdef</span> -->");
    assert_int_equal(person_of(mod, p, NULL, 0), POD_OK);
    assert_string_equal(p->guid, VEC_GUID);
    free(mod);
    free(html);
    free(hc);
    free(p);
}

/* -------------------------------------------------------------------- merge */

static void
test_merge(void **state)
{
    struct store_person *known = person_new(), *found = person_new(), *out = person_new();
    char *key = test_slurp(KEY_1024, NULL), *key2 = test_slurp(KEY_4096, NULL);
    unsigned notes = 99;

    (void)state;
    known->id = 7;
    snprintf(known->guid, sizeof known->guid, VEC_GUID);
    snprintf(known->diaspora_id, sizeof known->diaspora_id, "alice@pod-a.org");
    snprintf(known->first_name, sizeof known->first_name, "Old");
    snprintf(known->pod_url, sizeof known->pod_url, "https://pod-a.org/");
    snprintf(known->public_key, sizeof known->public_key, "%s", key);
    known->created_at = 100;
    *found = *known;
    found->id = 0;
    found->created_at = 0;
    snprintf(found->first_name, sizeof found->first_name, "New");
    snprintf(found->avatar_small, sizeof found->avatar_small, "https://pod-a.org/s.jpg");
    found->searchable = true;

    /* Same key (other line breaks): names, avatars, searchable taken. */
    snprintf(found->public_key, sizeof found->public_key, "\n%s\n\n", key);
    assert_int_equal(fed_discovery_merge(known, found, out, &notes), POD_OK);
    assert_int_equal(notes, 0);
    assert_int_equal(out->id, 7);
    assert_int_equal(out->created_at, 100);
    assert_string_equal(out->first_name, "New");
    assert_string_equal(out->avatar_small, "https://pod-a.org/s.jpg");
    assert_true(out->searchable);
    assert_string_equal(out->public_key, key);

    /* Another key and pod URL: both known ones stay (§9). */
    snprintf(found->public_key, sizeof found->public_key, "%s", key2);
    snprintf(found->pod_url, sizeof found->pod_url, "https://evil.example/");
    assert_int_equal(fed_discovery_merge(known, found, out, &notes), POD_OK);
    assert_int_equal(notes, FED_MERGE_KEY_KEPT | FED_MERGE_POD_URL_KEPT);
    assert_string_equal(out->public_key, key);
    assert_string_equal(out->pod_url, "https://pod-a.org/");
    assert_string_equal(out->first_name, "New");

    /* A known person without key or pod URL gets them. */
    known->public_key[0] = '\0';
    known->pod_url[0] = '\0';
    assert_int_equal(fed_discovery_merge(known, found, out, &notes), POD_OK);
    assert_int_equal(notes, FED_MERGE_KEY_ADDED);
    assert_string_equal(out->public_key, key2);
    assert_string_equal(out->pod_url, "https://evil.example/");

    /* Another GUID: someone else. A local person: never. */
    snprintf(found->guid, sizeof found->guid, "0123456789abcdef0123456789abcdef");
    assert_int_equal(fed_discovery_merge(known, found, out, &notes), POD_ERR_AUTH);
    *found = *known;
    snprintf(known->username, sizeof known->username, "alice");
    assert_int_equal(fed_discovery_merge(known, found, out, &notes), POD_ERR_INVAL);
    /* In place. */
    known->username[0] = '\0';
    snprintf(found->last_name, sizeof found->last_name, "Smith");
    assert_int_equal(fed_discovery_merge(known, found, known, NULL), POD_OK);
    assert_string_equal(known->last_name, "Smith");
    free(key2);
    free(key);
    free(out);
    free(found);
    free(known);
}

/* ------------------------------------------- fed_discover without a remote */

struct disc_fixture {
    struct fixture *f;
    struct http_client http;
    struct fed_discovery d;
};

static struct disc_fixture *
disc_make(struct fixture *f)
{
    struct disc_fixture *df = calloc(1, sizeof *df);
    struct http_client_config hc = {.ca_bundle = HTTP_CA_BUNDLE_DEFAULT}; /* guard: defaults */
    struct fed_discovery_config dc = {0};
    char why[256];

    assert_non_null(df);
    df->f = f;
    assert_int_equal(crypto_rng_init(), POD_OK);
    if (http_client_init(&df->http, &hc, why, sizeof why) != POD_OK)
        fail_msg("http_client_init: %s", why);
    assert_int_equal(fed_discovery_init(&df->d, &dc), POD_ERR_INVAL);
    dc.http = &df->http;
    dc.store = f->st;
    dc.local_host = "pod.example";
    assert_int_equal(fed_discovery_init(&df->d, &dc), POD_OK);
    return df;
}

static void
disc_free(struct disc_fixture *df)
{
    fed_discovery_free(&df->d);
    http_client_free(&df->http);
    free(df);
}

static void
test_discover_known_and_local(void **state)
{
    struct fixture *f = *state;
    struct disc_fixture *df = disc_make(f);
    struct store_person *p = person_new(), *got = person_new();
    struct store_txn *txn;
    char *key = test_slurp(KEY_1024, NULL), why[300];

    /* A remote person known with a key, and a local one. */
    snprintf(p->guid, sizeof p->guid, VEC_GUID);
    snprintf(p->diaspora_id, sizeof p->diaspora_id, "alice@127.0.0.1:9");
    snprintf(p->public_key, sizeof p->public_key, "%s", key);
    txn = txn_begin(f, true);
    assert_int_equal(store_person_add(txn, p), POD_OK);
    memset(p, 0, sizeof *p);
    snprintf(p->guid, sizeof p->guid, "0123456789abcdef0123456789abcdef");
    snprintf(p->diaspora_id, sizeof p->diaspora_id, "bob@pod.example");
    snprintf(p->username, sizeof p->username, "bob");
    assert_int_equal(store_person_add(txn, p), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    /* Known: answered from the store (the host would be refused). */
    assert_int_equal(fed_discover(&df->d, " Alice@127.0.0.1:9", 0, got, why, sizeof why), POD_OK);
    assert_string_equal(got->guid, VEC_GUID);
    assert_string_equal(got->public_key, key);
    /* Local: the same, even with REFRESH. */
    assert_int_equal(fed_discover(&df->d, "bob@pod.example", FED_DISCOVER_REFRESH, got, NULL, 0),
                     POD_OK);
    assert_string_equal(got->username, "bob");
    /* An unknown ID of this pod: no network, not found. */
    assert_int_equal(fed_discover(&df->d, "carol@pod.example", 0, got, why, sizeof why),
                     POD_ERR_NOTFOUND);
    /* Not an ID. */
    assert_int_equal(fed_discover(&df->d, "carol", 0, got, why, sizeof why), POD_ERR_INVAL);
    assert_int_equal(fed_discover(NULL, "carol@x.example", 0, got, NULL, 0), POD_ERR_INVAL);
    /* REFRESH of a known remote person goes out, and the guard stops it;
     * the stored person is untouched. */
    assert_int_equal(
        fed_discover(&df->d, "alice@127.0.0.1:9", FED_DISCOVER_REFRESH, got, why, sizeof why),
        POD_ERR_AUTH);
    txn = txn_begin(f, false);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "alice@127.0.0.1:9", p), POD_OK);
    assert_string_equal(p->public_key, key);
    store_txn_abort(txn);
    free(key);
    free(got);
    free(p);
    disc_free(df);
}

static void
test_discover_guard_and_memory(void **state)
{
    struct fixture *f = *state;
    struct disc_fixture *df = disc_make(f);
    struct store_person *got = person_new();
    struct store_txn *txn;
    char why[300] = "";

    /* Loopback is refused by the address guard without --allow-net. */
    assert_int_equal(fed_discover(&df->d, "eve@127.0.0.1:9", 0, got, why, sizeof why),
                     POD_ERR_AUTH);
    assert_non_null(strstr(why, "webfinger"));
    assert_string_equal(got->guid, "");
    /* Asked again at once: the remembered failure, no new request. */
    why[0] = '\0';
    assert_int_equal(fed_discover(&df->d, "eve@127.0.0.1:9", 0, got, why, sizeof why),
                     POD_ERR_AUTH);
    assert_non_null(strstr(why, "less than"));
    /* Others are not affected; the memory is bounded (more IDs than slots). */
    for (int i = 0; i < FED_DISCOVERY_FAILED_MAX + 4; i++) {
        char id[64];

        snprintf(id, sizeof id, "u%d@10.0.0.%d", i, i + 1);
        assert_int_equal(fed_discover(&df->d, id, 0, got, why, sizeof why), POD_ERR_AUTH);
    }
    /* Nothing was stored. */
    txn = txn_begin(f, false);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "eve@127.0.0.1:9", got),
                     POD_ERR_NOTFOUND);
    store_txn_abort(txn);

    /* Every running slot taken: busy, at once. */
    df->d.running = df->d.cfg.max_running;
    assert_int_equal(fed_discover(&df->d, "zed@198.51.100.7", 0, got, why, sizeof why),
                     POD_ERR_BUSY);
    df->d.running = 0;
    free(got);
    disc_free(df);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise_id),
        cmocka_unit_test(test_webfinger_vectors),
        cmocka_unit_test(test_webfinger_lying_subject),
        cmocka_unit_test(test_webfinger_hostile),
        cmocka_unit_test(test_person_from_gem),
        cmocka_unit_test(test_person_from_docs),
        cmocka_unit_test(test_person_guid_checks),
        cmocka_unit_test(test_person_keys),
        cmocka_unit_test(test_person_names_and_script),
        cmocka_unit_test(test_person_avatars),
        cmocka_unit_test(test_hcard_hostile),
        cmocka_unit_test(test_merge),
        cmocka_unit_test_setup_teardown(test_discover_known_and_local, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discover_guard_and_memory, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
