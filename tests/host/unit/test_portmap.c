/*
 * test_portmap.c - app/net/portmap's pure rules: the method names, the
 * retry pauses after failures, renewal at half the lease (and the check of
 * permanent mappings), which public addresses are private (double NAT),
 * the English lines for UPnP and NAT-PMP refusals, and that off starts
 * nothing and a NULL handle reports off. The router exchange itself is
 * tests/host/integration/test_portmap_netns.py, against miniupnpd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <natpmp.h>

#include "core/error.h"
#include "net/portmap.h"
#include "net/portmap_int.h"

static void
test_method_parse(void **state)
{
    enum portmap_method m = PORTMAP_OFF;

    (void)state;
    assert_int_equal(portmap_method_parse("auto", &m), POD_OK);
    assert_int_equal(m, PORTMAP_AUTO);
    assert_int_equal(portmap_method_parse("upnp", &m), POD_OK);
    assert_int_equal(m, PORTMAP_UPNP);
    assert_int_equal(portmap_method_parse("natpmp", &m), POD_OK);
    assert_int_equal(m, PORTMAP_NATPMP);
    assert_int_equal(portmap_method_parse("off", &m), POD_OK);
    assert_int_equal(m, PORTMAP_OFF);
    m = PORTMAP_UPNP;
    assert_int_equal(portmap_method_parse("UPNP", &m), POD_ERR_INVAL);
    assert_int_equal(portmap_method_parse("", &m), POD_ERR_INVAL);
    assert_int_equal(portmap_method_parse("upnp ", &m), POD_ERR_INVAL);
    assert_int_equal(portmap_method_parse(NULL, &m), POD_ERR_INVAL);
    assert_int_equal(m, PORTMAP_UPNP); /* untouched on error */
}

static void
test_retry(void **state)
{
    uint64_t last = 0;

    (void)state;
    assert_int_equal(pm_retry_ms(1), 10000);
    assert_int_equal(pm_retry_ms(2), 30000);
    /* Growing, then every 5 minutes for ever. */
    for (unsigned f = 1; f < 1000; f++) {
        assert_true(pm_retry_ms(f) >= last);
        last = pm_retry_ms(f);
    }
    assert_int_equal(pm_retry_ms(5), 300000);
    assert_int_equal(pm_retry_ms(999), 300000);
    assert_int_equal(pm_retry_ms(~0u), 300000);
}

static void
test_renew(void **state)
{
    (void)state;
    assert_int_equal(pm_renew_ms(3600), 1800000);
    assert_int_equal(pm_renew_ms(7), 3500);
    assert_int_equal(pm_renew_ms(1), 1000);                         /* never a busy loop */
    assert_int_equal(pm_renew_ms(0), 30u * 60 * 1000);              /* permanent: checked */
    assert_int_equal(pm_renew_ms(~0u), (uint64_t)(~0u) * 1000 / 2); /* no overflow */
}

static void
test_addresses(void **state)
{
    (void)state;
    assert_true(pm_address_valid("203.0.114.2"));
    assert_false(pm_address_valid("203.0.114"));
    assert_false(pm_address_valid("203.0.114.256"));
    assert_false(pm_address_valid("<html>"));
    assert_false(pm_address_valid(""));
    assert_false(pm_address_valid(NULL));
    assert_false(pm_address_private("203.0.114.2"));
    assert_false(pm_address_private("8.8.8.8"));
    assert_false(pm_address_private("172.32.0.1"));
    assert_false(pm_address_private("100.128.0.1"));
    assert_true(pm_address_private("10.1.2.3"));
    assert_true(pm_address_private("172.16.0.1"));
    assert_true(pm_address_private("172.31.255.255"));
    assert_true(pm_address_private("192.168.1.1"));
    assert_true(pm_address_private("100.64.0.1")); /* carrier-grade NAT */
    assert_true(pm_address_private("100.127.255.255"));
    assert_true(pm_address_private("127.0.0.1"));
    assert_true(pm_address_private("169.254.3.4"));
    assert_true(pm_address_private("0.0.0.0"));
    assert_true(pm_address_private("garbage"));
}

static void
test_error_texts(void **state)
{
    char s[192];

    (void)state;
    pm_upnp_error_text(718, s, sizeof s);
    assert_non_null(strstr(s, "718"));
    assert_non_null(strstr(s, "ConflictInMappingEntry"));
    pm_upnp_error_text(606, s, sizeof s);
    assert_non_null(strstr(s, "606"));
    assert_non_null(strstr(s, "Action not authorized"));
    pm_upnp_error_text(799, s, sizeof s);
    assert_string_equal(s, "UPnP error 799");
    pm_upnp_error_text(-4, s, sizeof s);
    assert_non_null(strstr(s, "not a valid SOAP response"));
    pm_upnp_error_text(-3, s, sizeof s);
    assert_non_null(strstr(s, "no HTTP answer"));
    pm_natpmp_error_text(NATPMP_ERR_NOTAUTHORIZED, s, sizeof s);
    assert_non_null(strstr(s, "result 2: not authorized"));
    pm_natpmp_error_text(NATPMP_ERR_NETWORKFAILURE, s, sizeof s);
    assert_non_null(strstr(s, "result 3: network failure"));
    pm_natpmp_error_text(NATPMP_ERR_OUTOFRESOURCES, s, sizeof s);
    assert_non_null(strstr(s, "result 4: out of resources"));
    pm_natpmp_error_text(NATPMP_TRYAGAIN, s, sizeof s);
    assert_non_null(strstr(s, "no NAT-PMP answer"));
    /* Cut, never overflowing. */
    pm_upnp_error_text(718, s, 8);
    assert_int_equal(strlen(s), 7);
}

static void
test_off(void **state)
{
    struct portmap *pm = (struct portmap *)1;
    struct portmap_config cfg = {.method = PORTMAP_OFF, .https_port = 443, .http_port = 80};
    struct portmap_status st;

    (void)state;
    assert_int_equal(portmap_start(&pm, &cfg), POD_OK);
    assert_null(pm);
    cfg = (struct portmap_config){.method = PORTMAP_UPNP}; /* no port asked */
    pm = (struct portmap *)1;
    assert_int_equal(portmap_start(&pm, &cfg), POD_OK);
    assert_null(pm);
    memset(&st, 0x55, sizeof st);
    portmap_status(NULL, &st);
    assert_int_equal(st.state, PORTMAP_STATE_OFF);
    assert_string_equal(st.public_address, "");
    assert_int_equal(st.renewals, 0);
    portmap_stop(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_parse), cmocka_unit_test(test_retry),
        cmocka_unit_test(test_renew),        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_error_texts),  cmocka_unit_test(test_off),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
