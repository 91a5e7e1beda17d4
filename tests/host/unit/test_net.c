/*
 * test_net.c - drivers/net: is the pod's own uplink up? Against a fake
 * /sys/class/net and /proc/net tree made under /tmp for each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "drivers/net/net.h"

static char root[64];

static void
put(const char *rel, const char *text)
{
    char path[256], dir[256], *slash;
    FILE *f;

    snprintf(path, sizeof path, "%s%s", root, rel);
    snprintf(dir, sizeof dir, "%s", path);
    for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dir, 0700);
        *slash = '/';
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/plugpod-net-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    drv_net_set_root(root);
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    drv_net_set_root(NULL);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

#define ROUTE_HEAD                                                                                 \
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

static void
test_no_sysfs_means_up(void **state)
{
    (void)state;
    /* A system that does not tell must not stop the pod from sending. */
    assert_true(drv_net_uplink_up());
}

static void
test_only_loopback_is_down(void **state)
{
    (void)state;
    put("/sys/class/net/lo/operstate", "unknown\n");
    put("/proc/net/route", ROUTE_HEAD);
    put("/proc/net/ipv6_route",
        "00000000000000000000000000000001 80 00000000000000000000000000000000 "
        "00 00000000000000000000000000000000 00000000 00000001 00000000 "
        "00000001       lo\n");
    assert_false(drv_net_uplink_up());
}

static void
test_ethernet_with_route(void **state)
{
    (void)state;
    put("/sys/class/net/lo/operstate", "unknown\n");
    put("/sys/class/net/eth0/operstate", "up\n");
    put("/proc/net/route",
        ROUTE_HEAD "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
    assert_true(drv_net_uplink_up());
    /* The cable pulled: the carrier is gone, the route may linger. */
    put("/sys/class/net/eth0/operstate", "lowerlayerdown\n");
    assert_false(drv_net_uplink_up());
    put("/sys/class/net/eth0/operstate", "down\n");
    assert_false(drv_net_uplink_up());
    /* Up again but its routes flushed (ip link set down/up): no uplink yet. */
    put("/sys/class/net/eth0/operstate", "up\n");
    put("/proc/net/route", ROUTE_HEAD);
    assert_false(drv_net_uplink_up());
}

static void
test_ipv6_only_and_tunnel(void **state)
{
    (void)state;
    put("/sys/class/net/wg0/operstate", "unknown\n"); /* tunnels report unknown */
    put("/proc/net/route", ROUTE_HEAD);
    put("/proc/net/ipv6_route",
        "20010db8000000000000000000000000 40 00000000000000000000000000000000 "
        "00 00000000000000000000000000000000 00000100 00000001 00000000 "
        "00000001      wg0\n");
    assert_true(drv_net_uplink_up());
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_sysfs_means_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_loopback_is_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ethernet_with_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_only_and_tunnel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
