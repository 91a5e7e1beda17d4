/*
 * test_drv_clock.c - drivers/clock: when is wall time trusted? With a fake
 * RTC in a sysfs tree under /tmp, a fake NTP state and a fake wall clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "drivers/clock/clock.h"

#define NOW_2026  1780000000 /* some time in 2026 */
#define BOOT_1970 86400

static char root[64];

static void
rtc(const char *since_epoch)
{
    char path[160];
    FILE *f;

    snprintf(path, sizeof path, "%s/sys", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/sys/class", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/sys/class/rtc", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/sys/class/rtc/rtc0", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/sys/class/rtc/rtc0/since_epoch", root);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(since_epoch, f);
    fclose(f);
}

static int
setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/plugpod-clock-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    drv_clock_fake(NULL, -1);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh state: root as sysfs, the policy, NTP and wall time. */
static void
fake(int needs_sync, int ntp, int64_t wall)
{
    drv_clock_fake(root, needs_sync);
    drv_clock_fake_ntp(ntp);
    drv_clock_fake_wall(wall);
}

static void
test_floor_only(void **state)
{
    (void)state;
    /* A host (no sync needed): past the floor is enough... */
    fake(0, 0, NOW_2026);
    assert_true(drv_clock_wall_trusted());
    assert_int_equal(drv_clock_wall(), NOW_2026);
    /* ...before it never is, whatever NTP says. */
    fake(0, 1, BOOT_1970);
    assert_false(drv_clock_wall_trusted());
    fake(1, 1, BOOT_1970);
    assert_false(drv_clock_wall_trusted());
}

static void
test_board_without_rtc_waits_for_ntp(void **state)
{
    (void)state;
    /* A restored (maybe stale) date, no RTC, NTP not yet in sync. */
    fake(1, 0, NOW_2026);
    assert_false(drv_clock_wall_trusted());
    assert_false(drv_clock_wait_trusted(300)); /* bounded: gives up */
    drv_clock_fake_ntp(1);
    assert_true(drv_clock_wall_trusted());
    assert_true(drv_clock_wait_trusted(60000)); /* at once */
}

static void
test_rtc(void **state)
{
    (void)state;
    rtc("946684800\n"); /* an RTC that lost its battery: 2000 */
    fake(1, 0, NOW_2026);
    assert_false(drv_clock_wall_trusted());
    rtc("1780000000\n");
    assert_true(drv_clock_wall_trusted());
}

static void
test_clock_set_while_running(void **state)
{
    (void)state;
    /* Booted in 1970, then someone (a one-shot ntpd -q) set the clock. */
    fake(1, 0, BOOT_1970);
    assert_false(drv_clock_wall_trusted());
    drv_clock_fake_wall(NOW_2026);
    assert_true(drv_clock_wall_trusted());
}

static void
test_latched(void **state)
{
    (void)state;
    fake(1, 1, NOW_2026);
    assert_true(drv_clock_wall_trusted());
    /* NTP drops out later: the clock, once right, stays trusted. */
    drv_clock_fake_ntp(0);
    assert_true(drv_clock_wall_trusted());
}

static void
test_real_clock(void **state)
{
    (void)state;
    /* On the machine running the tests (no sync needed) the clock is
     * past the floor and the monotonic clock moves forward. */
    uint64_t a = drv_clock_monotonic_ms(), b;

    drv_clock_fake(NULL, 0);
    assert_true(drv_clock_wall() >= DRV_CLOCK_FLOOR);
    assert_true(drv_clock_wall_trusted());
    b = drv_clock_monotonic_ms();
    assert_true(b >= a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_floor_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_board_without_rtc_waits_for_ntp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rtc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_set_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_clock, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
