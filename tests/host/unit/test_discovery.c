/*
 * test_discovery.c - the discovery documents of app/federation/discovery.c:
 * WebFinger and hCard byte for byte against the diaspora* vectors (read at
 * run time from POD_VECTORS_DIR/discovery), both parsers on the vectors and
 * on their own output, escaping, malformed and oversize input, host-meta
 * and NodeInfo shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/arena.h"
#include "core/error.h"
#include "federation/discovery.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISC_DIR  POD_VECTORS_DIR "/discovery"
#define KEY_1024  POD_VECTORS_DIR "/keys/spec_key_1024_public.pem"
#define VEC_GUID  "7dba7ca01d64013485eb3131731751e9"
#define AVATAR(s) "https://pod-a.org/uploads/images/thumb_" s "_a795f872c93309597345.jpg"

/* ------------------------------------------------------------------ helpers */

/* The person of hcard.gem.html; key is the PEM file's text (free() it). */
static struct fed_person_doc
vector_person(char **key)
{
    struct fed_person_doc p = {
        .diaspora_id = "alice@pod-a.org",
        .guid = VEC_GUID,
        .username = "alice",
        .pod_url = "https://pod-a.org/",
        .full_name = "Alice Smith",
        .first_name = "Alice",
        .last_name = "Smith",
        .avatar_large = AVATAR("large"),
        .avatar_medium = AVATAR("medium"),
        .avatar_small = AVATAR("small"),
        .searchable = true,
    };

    *key = test_slurp(KEY_1024, NULL);
    p.public_key_pem = *key;
    return p;
}

static struct fed_hcard *
hcard_new(void)
{
    struct fed_hcard *hc = malloc(sizeof *hc);

    assert_non_null(hc);
    return hc;
}

static int
hcard_parse_str(const char *html, struct fed_hcard *hc)
{
    return fed_hcard_parse(html, strlen(html), hc);
}

static int
webfinger_parse_str(const char *json, struct fed_webfinger *wf)
{
    return fed_webfinger_parse(json, strlen(json), wf);
}

/* Replaces the first from in doc with to (a new string; free() it). */
static char *
replace(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    size_t head, n;
    char *out;

    assert_non_null(at);
    head = (size_t)(at - doc);
    n = strlen(doc) - strlen(from) + strlen(to);
    out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, doc, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static void
assert_person_equals_hcard(const struct fed_person_doc *p, const struct fed_hcard *hc)
{
    assert_string_equal(hc->guid, p->guid);
    assert_string_equal(hc->nickname, p->username);
    assert_string_equal(hc->full_name, p->full_name);
    assert_string_equal(hc->first_name, p->first_name);
    assert_string_equal(hc->last_name, p->last_name);
    assert_string_equal(hc->public_key_pem, p->public_key_pem);
    assert_string_equal(hc->avatar_large, p->avatar_large);
    assert_string_equal(hc->avatar_medium, p->avatar_medium);
    assert_string_equal(hc->avatar_small, p->avatar_small);
    assert_int_equal(hc->searchable, p->searchable);
}

static const cJSON *
obj_item(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!it)
        fail_msg("missing key %s", key);
    return it;
}

/* ---------------------------------------------------------------- rendering */

static void
test_hcard_render_vector(void **state)
{
    struct pod_arena a;
    char *key, *want, *got;
    struct fed_person_doc p = vector_person(&key);
    size_t want_len;

    (void)state;
    want = test_slurp(DISC_DIR "/hcard.gem.html", &want_len);
    pod_arena_init(&a, NULL, 0, 0);
    got = fed_hcard_render(&p, &a);
    assert_non_null(got);
    assert_int_equal(strlen(got), want_len);
    assert_memory_equal(got, want, want_len);
    pod_arena_free(&a);
    free(want);
    free(key);
}

static void
test_webfinger_render_vector(void **state)
{
    struct pod_arena a;
    struct fed_person_doc p = {0};
    char *want, *got, *id, *guid, *user;
    const cJSON *links, *l;
    cJSON *doc, *mine;
    size_t want_len;

    (void)state;
    want = test_slurp(DISC_DIR "/webfinger.gem.json", &want_len);
    doc = cJSON_Parse(want);
    assert_non_null(doc);

    /* The inputs come out of the vector itself: subject, seed, hcard. */
    id = strdup(cJSON_GetStringValue(obj_item(doc, "subject")) + strlen("acct:"));
    user = strdup(id);
    *strchr(user, '@') = '\0';
    links = obj_item(doc, "links");
    cJSON_ArrayForEach(l, links)
    {
        const char *rel = cJSON_GetStringValue(obj_item(l, "rel"));
        const cJSON *href = cJSON_GetObjectItemCaseSensitive(l, "href");

        if (strcmp(rel, "http://joindiaspora.com/seed_location") == 0)
            p.pod_url = cJSON_GetStringValue(href);
        else if (strcmp(rel, "http://microformats.org/profile/hcard") == 0)
            p.guid = strrchr(cJSON_GetStringValue(href), '/') + 1;
    }
    assert_non_null(p.pod_url);
    assert_non_null(p.guid);
    guid = strdup(p.guid);
    p.guid = guid;
    p.diaspora_id = id;
    p.username = user;
    assert_string_equal(id, "alice@pod-a.org");
    assert_string_equal(guid, VEC_GUID);

    pod_arena_init(&a, NULL, 0, 0);
    got = fed_webfinger_render(&p, &a);
    assert_non_null(got);
    mine = cJSON_Parse(got);
    assert_non_null(mine);
    assert_true(cJSON_Compare(doc, mine, 1));
    /* And byte for byte, whitespace included. */
    assert_int_equal(strlen(got), want_len);
    assert_memory_equal(got, want, want_len);

    cJSON_Delete(mine);
    cJSON_Delete(doc);
    pod_arena_free(&a);
    free(guid);
    free(user);
    free(id);
    free(want);
}

static void
test_host_meta(void **state)
{
    struct pod_arena a;
    char *x;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    x = fed_host_meta_render("https://pod-a.org/", &a);
    assert_non_null(x);
    assert_string_equal(
        x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n"
           "  <Link rel=\"lrdd\" type=\"application/xrd+xml\" "
           "template=\"https://pod-a.org/.well-known/webfinger?resource={uri}\"/>\n</XRD>\n");
    x = fed_host_meta_render("https://a.example/?x=1&y=\"2\"/", &a);
    assert_non_null(x);
    assert_non_null(strstr(x, "template=\"https://a.example/?x=1&amp;y=&quot;2&quot;/.well-known"));
    pod_arena_free(&a);
}

static void
test_nodeinfo_links(void **state)
{
    struct pod_arena a;
    cJSON *doc, *want;
    const cJSON *links, *wl;
    char *x, *vec;
    int i = 0;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    x = fed_nodeinfo_links_render("https://pod-a.org/", &a);
    assert_non_null(x);
    doc = cJSON_Parse(x);
    assert_non_null(doc);
    links = obj_item(doc, "links");
    assert_true(cJSON_IsArray(links));
    assert_int_equal(cJSON_GetArraySize(links), 2);

    /* Our two links are the vector's 2.0 and 2.1 entries, in that order. */
    vec = test_slurp(DISC_DIR "/nodeinfo.well-known.json", NULL);
    want = cJSON_Parse(vec);
    assert_non_null(want);
    cJSON_ArrayForEach(wl, obj_item(want, "links"))
    {
        const char *rel = cJSON_GetStringValue(obj_item(wl, "rel"));

        if (strstr(rel, "/1.0"))
            continue;
        assert_true(cJSON_Compare(wl, cJSON_GetArrayItem(links, i++), 1));
    }
    assert_int_equal(i, 2);
    cJSON_Delete(want);
    cJSON_Delete(doc);
    free(vec);
    pod_arena_free(&a);
}

static void
check_nodeinfo(const char *text, int minor, const struct fed_nodeinfo *ni)
{
    cJSON *doc = cJSON_Parse(text);
    const cJSON *sw, *protos, *svc, *usage, *users, *meta;
    static const char *const top[] = {"version",           "software", "protocols", "services",
                                      "openRegistrations", "usage",    "metadata"};
    const cJSON *it;
    int n = 0;

    assert_non_null(doc);
    assert_true(cJSON_IsObject(doc));
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        (void)obj_item(doc, top[i]);
    cJSON_ArrayForEach(it, doc) n++;
    assert_int_equal(n, 7); /* nothing the schema forbids */

    assert_string_equal(cJSON_GetStringValue(obj_item(doc, "version")), minor ? "2.1" : "2.0");
    sw = obj_item(doc, "software");
    assert_string_equal(cJSON_GetStringValue(obj_item(sw, "name")), "plugpod");
    assert_string_equal(cJSON_GetStringValue(obj_item(sw, "version")), ni->software_version);
    assert_int_equal(cJSON_GetArraySize(sw), minor ? 4 : 2);
    if (minor) {
        assert_true(cJSON_IsString(obj_item(sw, "repository")));
        assert_true(cJSON_IsString(obj_item(sw, "homepage")));
    }
    protos = obj_item(doc, "protocols");
    assert_true(cJSON_IsArray(protos));
    assert_int_equal(cJSON_GetArraySize(protos), 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(protos, 0)), "diaspora");
    svc = obj_item(doc, "services");
    assert_true(cJSON_IsArray(obj_item(svc, "inbound")));
    assert_true(cJSON_IsArray(obj_item(svc, "outbound")));
    assert_int_equal(cJSON_GetArraySize(obj_item(svc, "inbound")), 0);
    assert_true(cJSON_IsBool(obj_item(doc, "openRegistrations")));
    assert_int_equal(cJSON_IsTrue(obj_item(doc, "openRegistrations")), ni->open_registrations);
    usage = obj_item(doc, "usage");
    users = obj_item(usage, "users");
    assert_true(cJSON_IsNumber(obj_item(users, "total")));
    assert_int_equal((uint64_t)cJSON_GetNumberValue(obj_item(users, "total")), ni->users_total);
    assert_int_equal((uint64_t)cJSON_GetNumberValue(obj_item(users, "activeHalfyear")),
                     ni->users_active_halfyear);
    assert_int_equal((uint64_t)cJSON_GetNumberValue(obj_item(users, "activeMonth")),
                     ni->users_active_month);
    assert_int_equal((uint64_t)cJSON_GetNumberValue(obj_item(usage, "localPosts")),
                     ni->local_posts);
    assert_int_equal((uint64_t)cJSON_GetNumberValue(obj_item(usage, "localComments")),
                     ni->local_comments);
    meta = obj_item(doc, "metadata");
    assert_true(cJSON_IsObject(meta));
    assert_string_equal(cJSON_GetStringValue(obj_item(meta, "nodeName")), ni->node_name);
    cJSON_Delete(doc);
}

static void
test_nodeinfo_documents(void **state)
{
    struct fed_nodeinfo ni = {
        .pod_url = "https://pod-a.org/",
        .software_version = "0.1.0",
        .node_name = "pod \"a\" \\ <b>\n\x01",
        .open_registrations = true,
        .users_total = 3,
        .users_active_halfyear = 2,
        .users_active_month = 1,
        .local_posts = 42,
        .local_comments = 17,
    };
    struct pod_arena a;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    for (int minor = 0; minor <= 1; minor++) {
        char *x = fed_nodeinfo_render(&ni, minor, &a);

        assert_non_null(x);
        check_nodeinfo(x, minor, &ni);
    }
    ni.open_registrations = false;
    ni.users_total = UINT32_MAX;
    check_nodeinfo(fed_nodeinfo_render(&ni, 1, &a), 1, &ni);
    assert_null(fed_nodeinfo_render(&ni, 2, &a));
    assert_null(fed_nodeinfo_render(&ni, -1, &a));

    assert_string_equal(fed_nodeinfo_content_type(0),
                        "application/json; profile=http://nodeinfo.diaspora.software/ns/"
                        "schema/2.0#");
    assert_string_equal(fed_nodeinfo_content_type(1),
                        "application/json; profile=http://nodeinfo.diaspora.software/ns/"
                        "schema/2.1#");
    assert_null(fed_nodeinfo_content_type(7));
    pod_arena_free(&a);
}

static void
test_arena_refuses(void **state)
{
    struct pod_arena a;
    char *key;
    struct fed_person_doc p = vector_person(&key);
    struct fed_nodeinfo ni = {.software_version = "1", .node_name = "n"};

    (void)state;
    pod_arena_init(&a, NULL, 0, 64); /* smaller than any document */
    assert_null(fed_hcard_render(&p, &a));
    assert_null(fed_webfinger_render(&p, &a));
    assert_null(fed_host_meta_render("https://pod-a.org/", &a));
    assert_null(fed_nodeinfo_links_render("https://pod-a.org/", &a));
    assert_null(fed_nodeinfo_render(&ni, 0, &a));
    pod_arena_free(&a);
    free(key);
}

/* ---------------------------------------------------------------- WebFinger */

static void
test_webfinger_parse_vectors(void **state)
{
    struct fed_webfinger wf;
    char *doc;
    size_t len;

    (void)state;
    doc = test_slurp(DISC_DIR "/webfinger.gem.json", &len);
    assert_int_equal(fed_webfinger_parse(doc, len, &wf), POD_OK);
    assert_string_equal(wf.subject, "alice@pod-a.org");
    assert_string_equal(wf.hcard_url, "https://pod-a.org/hcard/users/" VEC_GUID);
    assert_string_equal(wf.seed_url, "https://pod-a.org/");
    assert_string_equal(wf.profile_url, "https://pod-a.org/u/alice");
    free(doc);

    doc = test_slurp(DISC_DIR "/webfinger.docs.json", &len);
    assert_int_equal(fed_webfinger_parse(doc, len, &wf), POD_OK);
    assert_string_equal(wf.subject, "alice@example.org");
    assert_string_equal(wf.hcard_url, "https://example.org/hcard/users/" VEC_GUID);
    assert_string_equal(wf.seed_url, "https://example.org/");
    assert_string_equal(wf.profile_url, "");
    free(doc);
}

static void
test_webfinger_roundtrip(void **state)
{
    struct pod_arena a;
    struct fed_webfinger wf;
    char *key;
    struct fed_person_doc p = vector_person(&key);
    char *x;

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    p.diaspora_id = "bob@pod.example:8443";
    p.username = "bob";
    p.guid = "0123456789abcdef0123456789abcdef";
    p.pod_url = "https://pod.example:8443/";
    x = fed_webfinger_render(&p, &a);
    assert_non_null(x);
    assert_int_equal(webfinger_parse_str(x, &wf), POD_OK);
    assert_string_equal(wf.subject, "bob@pod.example:8443");
    assert_string_equal(wf.hcard_url,
                        "https://pod.example:8443/hcard/users/0123456789abcdef0123456789abcdef");
    assert_string_equal(wf.seed_url, "https://pod.example:8443/");
    assert_string_equal(wf.profile_url, "https://pod.example:8443/u/bob");

    /* Characters JSON must escape survive the trip. */
    p.pod_url = "https://q.example/\"\\\n/";
    x = fed_webfinger_render(&p, &a);
    assert_non_null(x);
    assert_int_equal(webfinger_parse_str(x, &wf), POD_OK);
    assert_string_equal(wf.seed_url, "https://q.example/\"\\\n/");
    pod_arena_free(&a);
    free(key);
}

static void
test_webfinger_parse_details(void **state)
{
    struct fed_webfinger wf;

    (void)state;
    /* No "acct:", upper case, links of other shapes ignored, first rel wins. */
    assert_int_equal(
        webfinger_parse_str("{\"subject\":\"ACCT:Alice@Pod.Example\",\"links\":["
                            "1,{\"rel\":5},{\"rel\":\"http://microformats.org/profile/hcard\"},"
                            "{\"rel\":\"http://microformats.org/profile/hcard\",\"href\":\"h1\"},"
                            "{\"rel\":\"http://microformats.org/profile/hcard\",\"href\":\"h2\"},"
                            "{\"rel\":\"http://joindiaspora.com/seed_location\",\"href\":\"s\"}]}",
                            &wf),
        POD_OK);
    assert_string_equal(wf.subject, "alice@pod.example");
    assert_string_equal(wf.hcard_url, "h1");
    assert_string_equal(wf.seed_url, "s");
    assert_int_equal(
        webfinger_parse_str("{\"subject\":\"bob@b.example\",\"links\":["
                            "{\"rel\":\"http://microformats.org/profile/hcard\",\"href\":\"h\"},"
                            "{\"rel\":\"http://joindiaspora.com/seed_location\",\"href\":\"s\"}]}",
                            &wf),
        POD_OK);
    assert_string_equal(wf.subject, "bob@b.example");
}

static void
test_webfinger_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "not json at all",
        "<html><body>404</body></html>",
        "[]",
        "\"acct:a@b\"",
        "{\"subject\":\"acct:alice@pod-a.org\"}",              /* no links */
        "{\"subject\":\"acct:alice@pod-a.org\",\"links\":{}}", /* links not an array */
        "{\"subject\":\"acct:alice@pod-a.org\",\"links\":[]}", /* no mandatory links */
        "{\"links\":[{\"rel\":\"http://microformats.org/profile/hcard\",\"href\":\"h\"},"
        "{\"rel\":\"http://joindiaspora.com/seed_location\",\"href\":\"s\"}]}", /* no subject */
        "{\"subject\":\"acct:\",\"links\":[{\"rel\":\"http://microformats.org/profile/hcard\","
        "\"href\":\"h\"},{\"rel\":\"http://joindiaspora.com/seed_location\",\"href\":\"s\"}]}",
        "{\"subject\":\"a@b\",\"links\":[{\"rel\":\"http://microformats.org/profile/hcard\","
        "\"href\":\"h\"}]}", /* no seed_location */
        "{\"subject\":\"a@b\",\"links\":[{\"rel\":\"http://joindiaspora.com/seed_location\","
        "\"href\":\"s\"}]}", /* no hcard */
        "{\"subject\":\"a@b\",\"links\":[{\"rel\":\"http://microformats.org/profile/hcard\","
        "\"href\":\"h\"},{\"rel\":\"http://joindiaspora.com/seed_location\",\"href\":\"s\"}]} x",
    };
    struct fed_webfinger wf;
    char *doc, *big, *deep;
    size_t len;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&wf, 'x', sizeof wf);
        assert_int_equal(webfinger_parse_str(bad[i], &wf), POD_ERR_PARSE);
        assert_int_equal(wf.subject[0], '\0'); /* zeroed on error */
    }
    assert_int_equal(fed_webfinger_parse(NULL, 0, &wf), POD_ERR_PARSE);

    doc = test_slurp(DISC_DIR "/webfinger.gem.json", &len);
    /* Cut anywhere: never accepted (the closing brace is the last byte but
     * the newline), never out of bounds. */
    for (size_t cut = 0; cut + 2 < len; cut++)
        assert_int_equal(fed_webfinger_parse(doc, cut, &wf), POD_ERR_PARSE);
    /* An inner NUL. */
    doc[5] = '\0';
    assert_int_equal(fed_webfinger_parse(doc, len, &wf), POD_ERR_PARSE);
    free(doc);

    /* Over the size limit, even when well formed. */
    big = malloc(FED_WEBFINGER_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, ' ', FED_WEBFINGER_MAX_BYTES + 1);
    big[FED_WEBFINGER_MAX_BYTES + 1] = '\0';
    memcpy(big, "{}", 2);
    assert_int_equal(fed_webfinger_parse(big, FED_WEBFINGER_MAX_BYTES + 1, &wf), POD_ERR_LIMIT);
    free(big);

    /* Nested far too deep. */
    deep = malloc(20001);
    assert_non_null(deep);
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\0';
    assert_int_equal(webfinger_parse_str(deep, &wf), POD_ERR_LIMIT);
    free(deep);

    /* A subject that does not fit. */
    big = malloc(2000);
    assert_non_null(big);
    snprintf(big, 2000,
             "{\"subject\":\"%0400d\",\"links\":[{\"rel\":\"http://microformats.org/profile/"
             "hcard\",\"href\":\"h\"},{\"rel\":\"http://joindiaspora.com/seed_location\","
             "\"href\":\"s\"}]}",
             0);
    assert_int_equal(webfinger_parse_str(big, &wf), POD_ERR_PARSE);
    free(big);
}

/* -------------------------------------------------------------------- hCard */

static void
test_hcard_parse_gem(void **state)
{
    struct fed_hcard *hc = hcard_new();
    char *key, *doc;
    struct fed_person_doc p = vector_person(&key);
    size_t len;

    (void)state;
    doc = test_slurp(DISC_DIR "/hcard.gem.html", &len);
    assert_int_equal(fed_hcard_parse(doc, len, hc), POD_OK);
    assert_person_equals_hcard(&p, hc);
    free(doc);
    free(key);
    free(hc);
}

static void
test_hcard_parse_docs(void **state)
{
    struct fed_hcard *hc = hcard_new();
    char *doc;
    size_t len;

    (void)state;
    doc = test_slurp(DISC_DIR "/hcard.docs.html", &len);
    assert_int_equal(fed_hcard_parse(doc, len, hc), POD_OK);
    assert_string_equal(hc->guid, VEC_GUID);
    assert_string_equal(hc->nickname, ""); /* the docs' hCard has none */
    assert_string_equal(hc->full_name, "Alice Smith");
    assert_string_equal(hc->first_name, "Alice");
    assert_string_equal(hc->last_name, "Smith");
    assert_true(hc->searchable);
    assert_int_equal(strncmp(hc->public_key_pem, "-----BEGIN PUBLIC KEY-----\nMIICIjAN", 35), 0);
    assert_non_null(strstr(hc->public_key_pem, "9S7fSw27PVS8csWZHwkFGukCAwEAAQ==\n"
                                               "-----END PUBLIC KEY-----\n"));
    assert_string_equal(hc->avatar_large,
                        "https://example.org/images/thumb_large_a795f872c93309597345.jpg");
    assert_string_equal(hc->avatar_medium,
                        "https://example.org/images/thumb_medium_a795f872c93309597345.jpg");
    assert_string_equal(hc->avatar_small,
                        "https://example.org/images/thumb_small_a795f872c93309597345.jpg");
    free(doc);
    free(hc);
}

static void
test_hcard_roundtrip_and_escaping(void **state)
{
    struct pod_arena a;
    struct fed_hcard *hc = hcard_new();
    char *key, *html;
    struct fed_person_doc p = vector_person(&key);

    (void)state;
    pod_arena_init(&a, NULL, 0, 0);
    html = fed_hcard_render(&p, &a);
    assert_non_null(html);
    assert_int_equal(hcard_parse_str(html, hc), POD_OK);
    assert_person_equals_hcard(&p, hc);

    p.first_name = "<script>&\"'";
    p.last_name = "O'Brien & <Sons>";
    p.full_name = "<script>&\"' O'Brien";
    p.username = "";
    p.searchable = false;
    p.avatar_large = "/uploads/a.jpg?w=1&h=\"2\"";
    p.avatar_medium = "";
    p.avatar_small = "relative.png";
    html = fed_hcard_render(&p, &a);
    assert_non_null(html);
    assert_null(strstr(html, "<script>"));
    assert_non_null(
        strstr(html, "<span class=\"given_name\">&lt;script&gt;&amp;&quot;&#39;</span>"));
    assert_non_null(strstr(html, "<title>&lt;script&gt;&amp;&quot;&#39; O&#39;Brien</title>"));
    assert_non_null(strstr(html, "src=\"/uploads/a.jpg?w=1&amp;h=&quot;2&quot;\""));
    assert_non_null(strstr(html, "<span class=\"searchable\">false</span>"));
    assert_int_equal(hcard_parse_str(html, hc), POD_OK);
    assert_person_equals_hcard(&p, hc);
    pod_arena_free(&a);
    free(key);
    free(hc);
}

/* A minimal hCard around the given parts, for the scanner's details. */
#define MINI_KEY   "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
#define MINI_PHOTO "<dl class=\"entity_photo\"><dd><img class=\"photo\" src=\"L\"></dd></dl>"
#define MINI(uid, fn, key, photo)                                                                  \
    "<html><body>" uid fn "<pre class=\"key\">" key "</pre>" photo "</body></html>"

static void
test_hcard_scanner_details(void **state)
{
    struct fed_hcard *hc = hcard_new();

    (void)state;
    /* Class tokens, upper-case tags and attributes, single and no quotes,
     * entities, nested markup in the text, comments, a leading newline in
     * <pre>, script skipped. */
    assert_int_equal(
        hcard_parse_str(
            "<!DOCTYPE html><?xml x?><HTML><!-- <span class=\"uid\">no</span> -->"
            "<script>var s = '<span class=\"uid\">no</span>';</script>"
            "<DIV CLASS='a  uid\tb'>g&#x41;&#66;&amp;&lt;&gt;&quot;&#39;&apos;&bogus;&#0;&#xD800;&"
            "<b>!</b></DIV>"
            "<span class=fn>A <i>B</i></span>"
            "<span class=\"nickname\"/>"
            "<span class=\"searchable\">true </span>"
            "<pre class=\"key\">\n" MINI_KEY "</pre>"
            "<img class=\"photo\" src=\"outside\">"
            "<dl class=\"entity_photo_small\"><img class=\"photo\" src=\"S\"></dl>"
            "<dl class=\"x entity_photo\"><dd><p><img class=\"avatar photo\" src='L&amp;1'></dd>"
            "<img class=photo src=second></dl>"
            "<dl class=\"entity_photo_medium\"><img class=\"photo\" src=M /></dl>"
            "<span class=\"uid\">second</span></HTML>",
            hc),
        POD_OK);
    assert_string_equal(hc->guid, "gAB&<>\"''&bogus;\xEF\xBF\xBD\xEF\xBF\xBD&!");
    assert_string_equal(hc->full_name, "A B");
    assert_string_equal(hc->nickname, "");
    assert_false(hc->searchable); /* "true " is not exactly "true" */
    assert_string_equal(hc->public_key_pem, MINI_KEY);
    assert_string_equal(hc->avatar_large, "L&1");
    assert_string_equal(hc->avatar_medium, "M");
    assert_string_equal(hc->avatar_small, "S");

    /* An end tag closes the elements opened inside it. */
    assert_int_equal(hcard_parse_str(MINI("<dd><span class=\"uid\">u<b>x</dd>y",
                                          "<span class=\"fn\"></span>", MINI_KEY, MINI_PHOTO),
                                     hc),
                     POD_OK);
    assert_string_equal(hc->guid, "ux");
    assert_string_equal(hc->full_name, "");
    assert_string_equal(hc->avatar_medium, "");
    free(hc);
}

static void
test_hcard_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "just text",
        "{\"subject\":\"acct:a@b\"}",
        MINI("", "<span class=\"fn\">F</span>", MINI_KEY, MINI_PHOTO), /* no .uid */
        MINI("<span class=\"uid\"></span>", "<span class=\"fn\">F</span>", MINI_KEY,
             MINI_PHOTO),                                               /* empty .uid */
        MINI("<span class=\"uid\">u</span>", "", MINI_KEY, MINI_PHOTO), /* no .fn */
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>", "AAAA",
             MINI_PHOTO), /* no armour */
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>",
             "-----BEGIN PUBLIC KEY-----\nAAAA\n", MINI_PHOTO), /* no END */
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>", MINI_KEY,
             ""), /* no large photo */
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>", MINI_KEY,
             "<img class=\"photo\" src=\"L\">"), /* photo outside .entity_photo */
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>", MINI_KEY,
             "<dl class=\"entity_photo_medium\"><img class=\"photo\" src=\"L\"></dl>"),
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>", MINI_KEY,
             "<dl class=\"entity_photo\"><img class=\"photo\"></dl>"), /* no src */
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>", MINI_KEY,
             MINI_PHOTO "<!-- unterminated"),
        MINI("<span class=\"uid\">u</span>", "<span class=\"fn\">F</span>", MINI_KEY,
             MINI_PHOTO "<script>unterminated"),
    };
    struct fed_hcard *hc = hcard_new();
    char *doc, *mod, *big;
    size_t len;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(hc, 'x', sizeof *hc);
        if (hcard_parse_str(bad[i], hc) != POD_ERR_PARSE)
            fail_msg("accepted bad[%zu]", i);
        assert_int_equal(hc->guid[0], '\0'); /* zeroed on error */
    }
    assert_int_equal(fed_hcard_parse(NULL, 0, hc), POD_ERR_PARSE);

    doc = test_slurp(DISC_DIR "/hcard.gem.html", &len);
    /* Cut at every length: inside a tag it is refused; elsewhere it is
     * accepted only once everything required has been seen. */
    for (size_t cut = 0; cut < len; cut++) {
        const char *lt = NULL, *gt = NULL;
        int rc = fed_hcard_parse(doc, cut, hc);

        for (size_t i = 0; i < cut; i++) {
            if (doc[i] == '<')
                lt = doc + i;
            else if (doc[i] == '>')
                gt = doc + i;
        }
        if (lt && (!gt || gt < lt))
            assert_int_equal(rc, POD_ERR_PARSE);
        if (cut < (size_t)(strstr(doc, "thumb_large") - doc))
            assert_int_equal(rc, POD_ERR_PARSE);
    }

    /* Key without armour, key missing, .uid missing. */
    mod = replace(doc, "-----BEGIN PUBLIC KEY-----", "");
    assert_int_equal(hcard_parse_str(mod, hc), POD_ERR_PARSE);
    free(mod);
    mod = replace(doc, "class=\"key\"", "class=\"keys\"");
    assert_int_equal(hcard_parse_str(mod, hc), POD_ERR_PARSE);
    free(mod);
    mod = replace(doc, "class=\"uid\"", "class=\"uuid\"");
    assert_int_equal(hcard_parse_str(mod, hc), POD_ERR_PARSE);
    free(mod);
    /* A value too long for its field is refused, not truncated. */
    big = malloc(400);
    assert_non_null(big);
    memset(big, 'n', 399);
    big[0] = '>';
    big[398] = '<';
    big[399] = '\0';
    mod = replace(doc, ">alice<", big);
    assert_int_equal(hcard_parse_str(mod, hc), POD_ERR_PARSE);
    free(mod);
    free(big);

    /* Over the size limit, even when well formed. */
    big = malloc(FED_HCARD_MAX_BYTES + 1);
    assert_non_null(big);
    memset(big, ' ', FED_HCARD_MAX_BYTES + 1);
    memcpy(big, doc, len);
    assert_int_equal(fed_hcard_parse(big, FED_HCARD_MAX_BYTES, hc), POD_OK);
    assert_int_equal(fed_hcard_parse(big, FED_HCARD_MAX_BYTES + 1, hc), POD_ERR_LIMIT);
    free(big);

    /* Nested deeper than the scanner tracks. */
    big = malloc(100 * 5 + len + 1);
    assert_non_null(big);
    for (int i = 0; i < 100; i++)
        memcpy(big + i * 5, "<div>", 5);
    memcpy(big + 500, doc, len + 1);
    assert_int_equal(hcard_parse_str(big, hc), POD_ERR_LIMIT);
    free(big);

    free(doc);
    free(hc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hcard_render_vector),
        cmocka_unit_test(test_webfinger_render_vector),
        cmocka_unit_test(test_host_meta),
        cmocka_unit_test(test_nodeinfo_links),
        cmocka_unit_test(test_nodeinfo_documents),
        cmocka_unit_test(test_arena_refuses),
        cmocka_unit_test(test_webfinger_parse_vectors),
        cmocka_unit_test(test_webfinger_roundtrip),
        cmocka_unit_test(test_webfinger_parse_details),
        cmocka_unit_test(test_webfinger_rejects),
        cmocka_unit_test(test_hcard_parse_gem),
        cmocka_unit_test(test_hcard_parse_docs),
        cmocka_unit_test(test_hcard_roundtrip_and_escaping),
        cmocka_unit_test(test_hcard_scanner_details),
        cmocka_unit_test(test_hcard_rejects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
