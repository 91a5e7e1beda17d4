/*
 * test_addr_guard.c - the outbound address guard (app/http/addr_guard.c):
 * every refused range and its neighbours, the IPv6 forms that embed IPv4,
 * the --allow-net allow-list and its CIDR parser, and odd host spellings
 * that only show their address once resolved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "http/addr_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* Builds a sockaddr for a numeric address (inet_pton spelling). */
static socklen_t
sockaddr_of(const char *text, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(443);
        return sizeof *v4;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(443);
        return sizeof *v6;
    }
    fail_msg("bad test address %s", text);
    return 0;
}

static int
check(const struct http_guard *g, const char *text)
{
    struct sockaddr_storage ss;
    socklen_t len = sockaddr_of(text, &ss);

    return http_guard_check(g, (const struct sockaddr *)&ss, len);
}

static const char *const refused[] = {
    /* IPv4 */
    "0.0.0.0", "0.1.2.3", "0.255.255.255",           /* this network */
    "10.0.0.0", "10.0.0.1", "10.255.255.255",        /* private */
    "100.64.0.0", "100.64.0.1", "100.127.255.255",   /* CGNAT */
    "127.0.0.1", "127.0.0.2", "127.255.255.254",     /* loopback */
    "169.254.0.1", "169.254.169.254",                /* link-local, metadata */
    "172.16.0.1", "172.20.1.1", "172.31.255.255",    /* private */
    "192.0.0.1", "192.0.0.8", "192.0.0.170",         /* IETF assignments */
    "192.0.2.1", "198.51.100.7", "203.0.113.9",      /* documentation */
    "192.88.99.1",                                   /* 6to4 relay */
    "192.168.0.1", "192.168.1.1", "192.168.255.255", /* private */
    "198.18.0.1", "198.19.255.255",                  /* benchmarking */
    "224.0.0.1", "232.1.1.1", "239.255.255.250",     /* multicast */
    "240.0.0.1", "250.1.2.3", "255.255.255.254",     /* reserved */
    "255.255.255.255",                               /* broadcast */
    /* IPv6 */
    "::", "::1",                                                     /* unspecified, loopback */
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", /* mapped */
    "::ffff:0.0.0.0", "::ffff:255.255.255.255", "::ffff:192.168.1.1", "::127.0.0.1", "::10.0.0.1",
    "::8.8.8.8",                                                  /* IPv4-compatible (deprecated) */
    "::ffff:0:8.8.8.8",                                           /* IPv4-translated */
    "64:ff9b::10.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", /* NAT64 */
    "64:ff9b:1::1", "64:ff9b:1::8.8.8.8",                         /* local-use NAT64 */
    "2002:7f00:1::1", "2002:c0a8:101::1", "2002:a00:1::", "2002:a9fe:a9fe::1", /* 6to4 */
    "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",                         /* Teredo */
    "2001:2::1", "2001:10::1", "2001:1ff:ffff::1", /* IETF assignments */
    "2001:db8::1", "2001:db8:ffff::1",             /* documentation */
    "3fff::1", "3fff:fff::1",                      /* documentation (RFC 9637) */
    "100::1",                                      /* discard-only */
    "fc00::1", "fd12:3456::1", "fdff:ffff::1",     /* ULA */
    "fe80::1", "febf::1",                          /* link-local */
    "fec0::1",                                     /* site-local */
    "ff02::1", "ff0e::1", "ff05::1:3",             /* multicast */
    "5f00::1", "4000::1", "e000::1", "1fff::1",    /* outside 2000::/3 */
};

static const char *const allowed[] = {
    "1.1.1.1",
    "8.8.8.8",
    "9.255.255.255",
    "11.0.0.0",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.0",
    "126.255.255.255",
    "128.0.0.1",
    "169.253.255.255",
    "169.255.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "192.0.3.0",
    "192.88.98.255",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "198.51.99.255",
    "203.0.114.0",
    "223.255.255.255",
    "2001:4860:4860::8888",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "2001:200::1",
    "2c0f:fb50::1",
    "3ffe::1",
    "3fff:1000::1",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "64:ff9b::101:101",
    "2002:808:808::1", /* 6to4 of 8.8.8.8 */
};

static void
test_refused_by_default(void **state)
{
    struct http_guard g;

    (void)state;
    http_guard_init(&g);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (check(&g, refused[i]) != POD_ERR_AUTH)
            fail_msg("%s passed the guard", refused[i]);
        if (check(NULL, refused[i]) != POD_ERR_AUTH)
            fail_msg("%s passed a NULL guard", refused[i]);
    }
}

static void
test_allowed_by_default(void **state)
{
    struct http_guard g;

    (void)state;
    http_guard_init(&g);
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (check(&g, allowed[i]) != POD_OK)
            fail_msg("%s was refused", allowed[i]);
}

static void
test_other_family(void **state)
{
    struct sockaddr sa;

    (void)state;
    memset(&sa, 0, sizeof sa);
    sa.sa_family = AF_UNIX;
    assert_int_equal(http_guard_check(NULL, &sa, sizeof sa), POD_ERR_INVAL);
    /* A truncated sockaddr is not read past its length. */
    sa.sa_family = AF_INET6;
    assert_int_equal(http_guard_check(NULL, &sa, sizeof sa), POD_ERR_INVAL);
}

struct allow_case {
    const char *cidr;
    const char *inside[3];
    const char *outside[3];
};

static const struct allow_case allow_cases[] = {
    {"127.0.0.0/8",
     {"127.0.0.1", "127.9.9.9", "::ffff:127.0.0.1"},
     {"10.0.0.1", "::1", "192.168.0.1"}},
    {"::1", {"::1", NULL, NULL}, {"127.0.0.1", "::2", NULL}},
    {"::1/128", {"::1", NULL, NULL}, {"::", NULL, NULL}},
    {"10.1.0.0/16", {"10.1.0.1", "10.1.255.255", NULL}, {"10.2.0.1", "10.0.255.255", NULL}},
    {"192.168.1.77/24", {"192.168.1.5", "192.168.1.255", NULL}, {"192.168.2.1", NULL, NULL}},
    {"192.168.1.77", {"192.168.1.77", NULL, NULL}, {"192.168.1.78", NULL, NULL}},
    {"172.16.0.0/12", {"172.31.0.1", NULL, NULL}, {"10.0.0.1", "192.168.0.1", NULL}},
    {"fd00::/8", {"fd12::1", "fdff::1", NULL}, {"fc00::1", "fe80::1", NULL}},
    {"fe80::/10", {"fe80::1", "febf::1", NULL}, {"fec0::1", NULL, NULL}},
    {"169.254.169.0/25", {"169.254.169.1", NULL, NULL}, {"169.254.169.254", NULL, NULL}},
    {"0.0.0.0/0", {"10.0.0.1", "127.0.0.1", "255.255.255.255"}, {"::1", "fc00::1", NULL}},
};

static void
test_allow_list(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof allow_cases / sizeof allow_cases[0]; i++) {
        const struct allow_case *c = &allow_cases[i];
        struct http_guard g;

        http_guard_init(&g);
        assert_int_equal(http_guard_allow_cidr(&g, c->cidr), POD_OK);
        for (size_t k = 0; k < 3 && c->inside[k]; k++)
            if (check(&g, c->inside[k]) != POD_OK)
                fail_msg("%s: %s should pass", c->cidr, c->inside[k]);
        for (size_t k = 0; k < 3 && c->outside[k]; k++)
            if (check(&g, c->outside[k]) != POD_ERR_AUTH)
                fail_msg("%s: %s should be refused", c->cidr, c->outside[k]);
    }
}

static void
test_allow_list_several(void **state)
{
    struct http_guard g;

    (void)state;
    http_guard_init(&g);
    assert_int_equal(http_guard_allow_cidr(&g, "10.0.0.0/8"), POD_OK);
    assert_int_equal(http_guard_allow_cidr(&g, "fd00::/8"), POD_OK);
    assert_int_equal(check(&g, "10.9.8.7"), POD_OK);
    assert_int_equal(check(&g, "fd00::7"), POD_OK);
    assert_int_equal(check(&g, "192.168.0.1"), POD_ERR_AUTH);
    assert_int_equal(check(&g, "8.8.8.8"), POD_OK); /* public stays allowed */
}

static const char *const bad_cidrs[] = {
    "",
    "/8",
    "10.0.0.0/",
    "10.0.0.0/33",
    "10.0.0.0/100",
    "::/129",
    "::/1000",
    "10.0.0.0/8x",
    "10.0.0.0/-1",
    "10.0.0.0/+8",
    "10.0.0.0/ 8",
    "10.0.0.0 /8",
    " 10.0.0.0/8",
    "10.0.0/8",
    "127.1",
    "0x7f.0.0.1/8",
    "2130706433",
    "hello",
    "10.0.0.0/8/9",
    "fe80::1%eth0/64",
    "[::1]/128",
    "::1/",
    "1.2.3.4.5/32",
    "256.0.0.0/8",
    "10.0.0.0/4294967304",
};

static void
test_cidr_parse(void **state)
{
    struct http_cidr c;

    (void)state;
    for (size_t i = 0; i < sizeof bad_cidrs / sizeof bad_cidrs[0]; i++)
        if (http_cidr_parse(bad_cidrs[i], &c) != POD_ERR_INVAL)
            fail_msg("accepted CIDR \"%s\"", bad_cidrs[i]);
    assert_int_equal(http_cidr_parse("192.168.1.77/20", &c), POD_OK);
    assert_int_equal(c.family, AF_INET);
    assert_int_equal(c.prefix, 20);
    assert_memory_equal(c.addr, ((unsigned char[]){192, 168, 0, 0}), 4); /* host bits cleared */
    assert_int_equal(http_cidr_parse("2001:db8::ff/64", &c), POD_OK);
    assert_int_equal(c.family, AF_INET6);
    assert_int_equal(c.prefix, 64);
    assert_int_equal(c.addr[15], 0);
    assert_int_equal(http_cidr_parse("::/0", &c), POD_OK);
    assert_int_equal(c.prefix, 0);
    assert_int_equal(http_cidr_parse("8.8.8.8", &c), POD_OK);
    assert_int_equal(c.prefix, 32);
}

static void
test_allow_list_full(void **state)
{
    struct http_guard g;
    char cidr[32];

    (void)state;
    http_guard_init(&g);
    for (int i = 0; i < CONFIG_POD_HTTPC_ALLOW_NETS; i++) {
        snprintf(cidr, sizeof cidr, "10.%d.0.0/16", i);
        assert_int_equal(http_guard_allow_cidr(&g, cidr), POD_OK);
    }
    assert_int_equal(http_guard_allow_cidr(&g, "192.168.0.0/16"), POD_ERR_LIMIT);
    assert_int_equal(http_guard_allow_cidr(&g, "bogus"), POD_ERR_INVAL);
    assert_int_equal(g.n_allow, CONFIG_POD_HTTPC_ALLOW_NETS);
}

/* Host spellings that the resolver (getaddrinfo) turns into loopback or
 * private addresses: refused after resolution. All numeric or in
 * /etc/hosts, so no DNS traffic. */
static const char *const odd_refused[] = {
    "127.0.0.1",
    "127.1",
    "0x7f.1",
    "0x7f.0.0.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "017700000001",
    "0",
    "0.0.0.0",
    "localhost",
    "::1",
    "::ffff:127.0.0.1",
    "0:0:0:0:0:0:0:1",
    "::127.0.0.1",
    "0xa9.0xfe.0xa9.0xfe",
    "2852039166",
    "10.1",
    "3232235777",
    "0300.0250.1.1",
    "172.16.1",
    "100.64.1",
    "64:ff9b::7f00:1",
};

static void
test_resolve_odd_spellings(void **state)
{
    struct http_addrs a;

    (void)state;
    for (size_t i = 0; i < sizeof odd_refused / sizeof odd_refused[0]; i++) {
        int ret = http_guard_resolve(NULL, odd_refused[i], 443, &a);
        if (ret != POD_ERR_AUTH)
            fail_msg("%s: got %d, want refusal", odd_refused[i], ret);
        assert_int_equal(a.n, 0);
    }
}

static void
test_resolve_allowed(void **state)
{
    struct http_guard g;
    struct http_addrs a;
    const struct sockaddr_in *v4;

    (void)state;
    /* Public numeric addresses resolve without DNS and pass. */
    assert_int_equal(http_guard_resolve(NULL, "8.8.8.8", 443, &a), POD_OK);
    assert_int_equal(a.n, 1);
    assert_int_equal(http_guard_resolve(NULL, "2001:4860:4860::8888", 443, &a), POD_OK);
    assert_int_equal(a.n, 1);

    /* With loopback allowed, the odd spelling resolves to 127.0.0.1:port. */
    http_guard_init(&g);
    assert_int_equal(http_guard_allow_cidr(&g, "127.0.0.0/8"), POD_OK);
    assert_int_equal(http_guard_resolve(&g, "0x7f.1", 8443, &a), POD_OK);
    assert_int_equal(a.n, 1);
    v4 = (const struct sockaddr_in *)&a.addr[0];
    assert_int_equal(v4->sin_family, AF_INET);
    assert_int_equal(ntohl(v4->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(ntohs(v4->sin_port), 8443);
    /* ... but the allow-list is exact: ::1 is not in 127.0.0.0/8. */
    assert_int_equal(http_guard_resolve(&g, "::1", 443, &a), POD_ERR_AUTH);
    assert_int_equal(http_guard_resolve(&g, "10.0.0.1", 443, &a), POD_ERR_AUTH);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_by_default), cmocka_unit_test(test_allowed_by_default),
        cmocka_unit_test(test_other_family),       cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_allow_list_several), cmocka_unit_test(test_cidr_parse),
        cmocka_unit_test(test_allow_list_full),    cmocka_unit_test(test_resolve_odd_spellings),
        cmocka_unit_test(test_resolve_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
