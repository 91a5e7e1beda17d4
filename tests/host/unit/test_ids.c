/*
 * test_ids.c - usernames, hosts, diaspora* IDs, WebFinger resources and
 * GUIDs of app/core/ids.c, table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/error.h"
#include "core/ids.h"
#include "crypto/crypto.h"

#include <stdio.h>
#include <string.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct bool_case {
    const char *in;
    bool ok;
};

static int
setup(void **state)
{
    (void)state;
    return crypto_rng_init() == POD_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    crypto_rng_free();
    return 0;
}

/* s filled with n copies of c (n < cap). */
static char *
repeat(char *s, size_t cap, char c, size_t n)
{
    assert_true(n < cap);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void
run_bool_cases(const char *what, bool (*fn)(const char *), const struct bool_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (fn(cases[i].in) != cases[i].ok)
            fail_msg("%s(\"%s\") should be %s", what, cases[i].in, cases[i].ok ? "true" : "false");
    }
}

static void
test_username(void **state)
{
    static const struct bool_case cases[] = {
        {"alice", true},
        {"a", true},
        {"bob_smith-2.0", true},
        {"0", true},
        {"...", true},
        {"abcdefghijklmnopqrstuvwxyz012345", true},   /* 32 */
        {"abcdefghijklmnopqrstuvwxyz0123456", false}, /* 33 */
        {"", false},
        {"Alice", false},
        {"alice@pod", false},
        {"al ice", false},
        {"al+ice", false},
        {"al/ice", false},
        {"\xc3\xa9t\xc3\xa9", false},
    };

    (void)state;
    run_bool_cases("pod_username_valid", pod_username_valid, cases, N_ELEMS(cases));
    assert_false(pod_username_valid(NULL));
}

static void
test_host(void **state)
{
    static const struct bool_case cases[] = {
        /* names */
        {"pod-a.org", true},
        {"localhost", true},
        {"a.b.c.d.example", true},
        {"xn--bcher-kva.example", true},
        {"1pod.example", true},
        {"pod.123abc", true},
        {"Pod-A.org", false},
        {"POD.ORG", false},
        {"", false},
        {".", false},
        {".example.org", false},
        {"example.org.", false},
        {"exa..mple.org", false},
        {"-pod.org", false},
        {"pod-.org", false},
        {"pod.-org", false},
        {"under_score.org", false},
        {"pod org", false},
        {"pod@org", false},
        {"p\xc3\xb6"
         "d.org",
         false},
        /* IPv4 */
        {"192.168.0.1", true},
        {"0.0.0.0", true},
        {"255.255.255.255", true},
        {"10.0.0.1:8080", true},
        {"256.1.1.1", false},
        {"1.2.3.256", false},
        {"1.2.3", false},
        {"1.2.3.4.5", false},
        {"01.2.3.4", false},
        {"1.2.3.00", false},
        {"1..2.3", false},
        {"1234", false},
        /* IPv6 */
        {"[::1]", true},
        {"[2001:db8::1]", true},
        {"[2001:db8::1]:8443", true},
        {"[::ffff:192.0.2.1]", true},
        {"[fe80:0:0:0:0:0:0:1]", true},
        {"[2001:DB8::1]", false},
        {"::1", false},
        {"[::1", false},
        {"::1]", false},
        {"[]", false},
        {"[:::1]", false},
        {"[2001:db8::g]", false},
        {"[fe80::1%eth0]", false},
        {"[1:2:3:4:5:6:7:8:9]", false},
        {"[::1]8080", false},
        {"[::1]:", false},
        {"[::1]:0", false},
        {"[::1]]", false},
        /* ports */
        {"pod.org:1", true},
        {"pod.org:443", true},
        {"pod.org:65535", true},
        {"pod.org:0", false},
        {"pod.org:65536", false},
        {"pod.org:99999", false},
        {"pod.org:0443", false},
        {"pod.org:", false},
        {"pod.org:80:80", false},
        {"pod.org:8a", false},
        {"pod.org:-1", false},
        {"pod.org:+80", false},
        {":80", false},
    };
    char buf[512], *p;

    (void)state;
    run_bool_cases("pod_host_valid", pod_host_valid, cases, N_ELEMS(cases));
    assert_false(pod_host_valid(NULL));

    /* a 63-byte label is fine, 64 is not */
    repeat(buf, sizeof buf, 'a', 63);
    strcat(buf, ".org");
    assert_true(pod_host_valid(buf));
    repeat(buf, sizeof buf, 'a', 64);
    strcat(buf, ".org");
    assert_false(pod_host_valid(buf));

    /* 253 bytes in all is fine, 254 is not: 4 * "<62 a>." = 252 bytes */
    buf[0] = '\0';
    for (int i = 0; i < 4; i++) {
        p = buf + strlen(buf);
        repeat(p, sizeof buf - strlen(buf), 'a', 62);
        strcat(buf, ".");
    }
    strcat(buf, "b");
    assert_int_equal(strlen(buf), 253);
    assert_true(pod_host_valid(buf));
    strcat(buf, "b");
    assert_false(pod_host_valid(buf));
    /* ...with a port still fine at 253 bytes of name */
    buf[253] = '\0';
    strcat(buf, ":443");
    assert_true(pod_host_valid(buf));
}

struct id_case {
    const char *in;
    const char *user;
    const char *host;
};

static void
test_diaspora_id(void **state)
{
    static const struct id_case good[] = {
        {"alice@pod-a.org", "alice", "pod-a.org"},
        {"a@b", "a", "b"},
        {"bob_s.-1@pod.example:8443", "bob_s.-1", "pod.example:8443"},
        {"carol@192.168.1.2", "carol", "192.168.1.2"},
        {"carol@192.168.1.2:3000", "carol", "192.168.1.2:3000"},
        {"dave@[2001:db8::1]", "dave", "[2001:db8::1]"},
        {"dave@[2001:db8::1]:8443", "dave", "[2001:db8::1]:8443"},
        {"abcdefghijklmnopqrstuvwxyz0123456789@localhost", "abcdefghijklmnopqrstuvwxyz0123456789",
         "localhost"}, /* the protocol has no username limit */
    };
    static const char *const bad[] = {
        "",
        "alice",
        "@pod.org",
        "alice@",
        "alice@@pod.org",
        "alice@pod.org@pod.org",
        "Alice@pod.org",
        "alice@Pod.org",
        "ali ce@pod.org",
        "alice+tag@pod.org",
        "alice@pod.org:0",
        "alice@pod.org:65536",
        "alice@pod.org:080",
        "alice@300.1.1.1",
        "alice@[::1",
        "alice@[2001:DB8::1]",
        " alice@pod.org",
        "alice@pod.org ",
        "acct:alice@pod.org",
    };
    char user[64], host[300], id[400];
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(good); i++) {
        strcpy(user, "junk");
        strcpy(host, "junk");
        if (!pod_diaspora_id_parse(good[i].in, user, sizeof user, host, sizeof host))
            fail_msg("\"%s\" should parse", good[i].in);
        assert_string_equal(user, good[i].user);
        assert_string_equal(host, good[i].host);
        /* parts may be left out: validation only */
        assert_true(pod_diaspora_id_parse(good[i].in, NULL, 0, NULL, 0));
    }
    for (i = 0; i < N_ELEMS(bad); i++) {
        strcpy(user, "junk");
        strcpy(host, "junk");
        if (pod_diaspora_id_parse(bad[i], user, sizeof user, host, sizeof host))
            fail_msg("\"%s\" should not parse", bad[i]);
        assert_string_equal(user, ""); /* cleared on failure */
        assert_string_equal(host, "");
    }
    assert_false(pod_diaspora_id_parse(NULL, user, sizeof user, host, sizeof host));

    /* output capacities: exactly enough, one byte short */
    assert_true(pod_diaspora_id_parse("alice@pod.org", user, 6, host, 8));
    assert_false(pod_diaspora_id_parse("alice@pod.org", user, 5, host, 8));
    assert_false(pod_diaspora_id_parse("alice@pod.org", user, 6, host, 7));

    /* 255 bytes in all is the limit: "<u>@" + 62.62.62.<n> host */
    memset(id, 'u', 50);
    strcpy(id + 50, "@");
    for (i = 0; i < 3; i++) {
        repeat(id + strlen(id), sizeof id - strlen(id), 'h', 62);
        strcat(id, ".");
    }
    repeat(id + strlen(id), sizeof id - strlen(id), 'h', 255 - strlen(id));
    assert_int_equal(strlen(id), 255);
    assert_true(pod_diaspora_id_parse(id, user, sizeof user, host, sizeof host));
    assert_int_equal(strlen(user), 50);
    assert_int_equal(strlen(host), 204);
    memmove(id + 1, id, strlen(id) + 1); /* 256: one more user byte */
    assert_int_equal(strlen(id), 256);
    assert_false(pod_diaspora_id_parse(id, NULL, 0, NULL, 0));

    /* a long username is fine as long as the whole ID fits */
    repeat(id, sizeof id, 'u', 250);
    strcat(id, "@pod");
    assert_int_equal(strlen(id), 254);
    assert_true(pod_diaspora_id_parse(id, NULL, 0, NULL, 0));
}

struct wf_case {
    const char *in;
    const char *out; /* NULL: rejected */
};

static void
test_webfinger_normalise(void **state)
{
    static const struct wf_case cases[] = {
        {"  acct:Alice@Pod-A.org ", "alice@pod-a.org"},
        {"acct:alice@pod-a.org", "alice@pod-a.org"},
        {"ACCT:alice@pod-a.org", "alice@pod-a.org"},
        {"AcCt:BOB@POD.ORG:8443", "bob@pod.org:8443"},
        {"alice@pod-a.org", "alice@pod-a.org"},
        {"\t\r\nalice@pod-a.org\n", "alice@pod-a.org"},
        {"acct:dave@[2001:DB8::1]", "dave@[2001:db8::1]"},
        {"acct:", NULL},
        {"acct:  ", NULL},
        {"", NULL},
        {"   ", NULL},
        {"alice", NULL},
        {"acct:alice", NULL},
        {"acct:@pod.org", NULL},
        {"acct:alice@", NULL},
        {"acct:alice@@pod.org", NULL},
        {"acct:acct:alice@pod.org", NULL},
        {"acct: alice@pod.org", NULL},
        {"mailto:alice@pod.org", NULL},
        {"https://pod.org/u/alice", NULL},
        {"acct:al ice@pod.org", NULL},
        {"acct:alice@pod.org:0", NULL},
    };
    char out[300], in[400];
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        strcpy(out, "junk");
        bool ok = pod_webfinger_resource_normalise(cases[i].in, out, sizeof out);
        if (ok != (cases[i].out != NULL))
            fail_msg("normalise(\"%s\") should %s", cases[i].in, cases[i].out ? "succeed" : "fail");
        assert_string_equal(out, cases[i].out ? cases[i].out : "");
    }
    assert_false(pod_webfinger_resource_normalise(NULL, out, sizeof out));

    /* out capacity: 16 bytes hold "alice@pod-a.org" and its NUL, 15 do not */
    assert_true(pod_webfinger_resource_normalise("acct:alice@pod-a.org", out, 16));
    assert_false(pod_webfinger_resource_normalise("acct:alice@pod-a.org", out, 15));

    /* the 255-byte limit applies after "acct:" and whitespace are gone */
    strcpy(in, "  acct:");
    repeat(in + strlen(in), sizeof in - strlen(in), 'u', 251);
    strcat(in, "@POD  ");
    assert_true(pod_webfinger_resource_normalise(in, out, sizeof out));
    assert_int_equal(strlen(out), 255);
    assert_string_equal(out + 251, "@pod");
    strcpy(in, "acct:u");
    repeat(in + strlen(in), sizeof in - strlen(in), 'u', 251);
    strcat(in, "@pod");
    assert_false(pod_webfinger_resource_normalise(in, out, sizeof out));
}

static void
test_guid_valid(void **state)
{
    static const struct bool_case cases[] = {
        {"7dba7ca01d64013485eb3131731751e9", true},
        {"0123456789abcdef", true}, /* 16, the minimum */
        {"0123456789ABCDEF", true}, /* uppercase is allowed in GUIDs */
        {"abc-def_ghi@jk.l:m0", true},
        {"----------------x", true},
        {"a:b.c@d_e-f.g:h.Z", true},
        {"0123456789abcde", false}, /* 15 */
        {"", false},
        {"0123456789abcdef-", false}, /* last char must be alphanumeric */
        {"0123456789abcdef_", false},
        {"0123456789abcdef.", false},
        {"0123456789abcdef:", false},
        {"0123456789abcdef@", false},
        {"0123456789abcdef ", false},
        {"0123456789 abcdef", false},
        {"0123456789/abcdef", false},
        {"0123456789+abcdef", false},
        {"0123456789\xc3\xa9"
         "abcdef",
         false},
    };
    char guid[300];

    (void)state;
    run_bool_cases("pod_guid_valid", pod_guid_valid, cases, N_ELEMS(cases));
    assert_false(pod_guid_valid(NULL));

    repeat(guid, sizeof guid, 'g', 255);
    assert_true(pod_guid_valid(guid));
    guid[254] = '-';
    assert_false(pod_guid_valid(guid));
    guid[254] = 'g';
    repeat(guid, sizeof guid, 'g', 256);
    assert_false(pod_guid_valid(guid));
    repeat(guid, sizeof guid, '-', 254);
    strcat(guid, "0");
    assert_true(pod_guid_valid(guid));
}

static void
test_guid_new(void **state)
{
    char a[POD_GUID_LEN + 1], b[POD_GUID_LEN + 1];
    size_t i;

    (void)state;
    assert_int_equal(pod_guid_new(a), POD_OK);
    assert_int_equal(pod_guid_new(b), POD_OK);
    assert_int_equal(strlen(a), POD_GUID_LEN);
    for (i = 0; i < POD_GUID_LEN; i++)
        assert_non_null(strchr("0123456789abcdef", a[i]));
    assert_true(pod_guid_valid(a));
    assert_true(pod_guid_valid(b));
    assert_string_not_equal(a, b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username),    cmocka_unit_test(test_host),
        cmocka_unit_test(test_diaspora_id), cmocka_unit_test(test_webfinger_normalise),
        cmocka_unit_test(test_guid_valid),  cmocka_unit_test(test_guid_new),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
