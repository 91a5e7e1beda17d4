/*
 * test_drv_led.c - drivers/led against a fake /sys/class/leds/<name> tree:
 * each state's pattern, no LED configured, an LED that does not exist.
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

#include "core/error.h"
#include "drivers/led/led.h"

static char root[64];

static void
read_attr(const char *attr, char *out, size_t cap)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/sys/class/leds/status/%s", root, attr);
    out[0] = '\0';
    f = fopen(path, "r");
    assert_non_null(f);
    if (!fgets(out, (int)cap, f))
        out[0] = '\0';
    fclose(f);
}

static void
assert_attr(const char *attr, const char *want)
{
    char got[64];

    read_attr(attr, got, sizeof got);
    assert_string_equal(got, want);
}

static int
setup(void **state)
{
    char path[160];
    FILE *f;

    (void)state;
    snprintf(root, sizeof root, "/tmp/plugpod-led-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(path, sizeof path, "%s/sys/class/leds/status", root);
    {
        char cmd[256];

        snprintf(cmd, sizeof cmd, "mkdir -p %s", path);
        if (system(cmd) != 0)
            return -1;
    }
    snprintf(path, sizeof path, "%s/sys/class/leds/status/max_brightness", root);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("255\n", f);
    fclose(f);
    drv_led_set_root(root);
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    drv_led_set_root(NULL);
    drv_led_init(NULL);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void
test_patterns(void **state)
{
    (void)state;
    drv_led_init("status");
    assert_int_equal(drv_led_set(DRV_LED_BOOTING), POD_OK);
    assert_attr("trigger", "timer");
    assert_attr("delay_on", "500");
    assert_attr("delay_off", "500");
    assert_int_equal(drv_led_set(DRV_LED_SERVING), POD_OK);
    assert_attr("trigger", "none");
    assert_attr("brightness", "255");
    assert_int_equal(drv_led_set(DRV_LED_NO_NETWORK), POD_OK);
    assert_attr("trigger", "timer");
    assert_attr("delay_on", "100");
    assert_attr("delay_off", "1900");
    assert_int_equal(drv_led_set(DRV_LED_ERROR), POD_OK);
    assert_attr("delay_on", "100");
    assert_attr("delay_off", "100");
}

static void
test_same_state_not_rewritten(void **state)
{
    char path[256];

    (void)state;
    drv_led_init("status");
    assert_int_equal(drv_led_set(DRV_LED_SERVING), POD_OK);
    snprintf(path, sizeof path, "%s/sys/class/leds/status/trigger", root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(drv_led_set(DRV_LED_SERVING), POD_OK);
    assert_int_equal(access(path, F_OK), -1); /* not written again */
}

static void
test_no_led(void **state)
{
    (void)state;
    drv_led_init("");
    assert_int_equal(drv_led_set(DRV_LED_ERROR), POD_OK); /* the host: nothing */
    drv_led_init("missing");
    assert_int_equal(drv_led_set(DRV_LED_ERROR), POD_ERR_NOTFOUND);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_state_not_rewritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_led, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
