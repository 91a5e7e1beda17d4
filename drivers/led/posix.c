#include "drivers/led/led.h"

#include "core/error.h"
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char root_dir[256] = "";
static char led_name[64] = "";
static int shown = -1; /* last state written; -1: none */

void
drv_led_init(const char *name)
{
    pthread_mutex_lock(&lock);
    snprintf(led_name, sizeof led_name, "%s", name ? name : "");
    shown = -1;
    pthread_mutex_unlock(&lock);
}

void
drv_led_set_root(const char *root)
{
    pthread_mutex_lock(&lock);
    snprintf(root_dir, sizeof root_dir, "%s", root ? root : "");
    shown = -1;
    pthread_mutex_unlock(&lock);
}

/* Writes text into the LED's attribute file. */
static int
put(const char *attr, const char *text)
{
    char path[512];
    FILE *f;
    int rc = POD_OK;

    snprintf(path, sizeof path, "%s/sys/class/leds/%s/%s", root_dir, led_name, attr);
    f = fopen(path, "w");
    if (!f)
        return errno == ENOENT ? POD_ERR_NOTFOUND : POD_ERR_IO;
    if (fputs(text, f) < 0)
        rc = POD_ERR_IO;
    if (fclose(f) != 0) /* sysfs reports a refused value at the flush */
        rc = POD_ERR_IO;
    return rc;
}

/* The LED's max_brightness as text ("1" when it cannot be read). */
static void
max_brightness(char *out, size_t cap)
{
    char path[512];
    long v = 1;
    FILE *f;

    snprintf(path, sizeof path, "%s/sys/class/leds/%s/max_brightness", root_dir, led_name);
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1 || v < 1)
            v = 1;
        fclose(f);
    }
    snprintf(out, cap, "%ld", v);
}

static int
steady(bool on)
{
    char full[24];
    int rc = put("trigger", "none");

    if (rc != POD_OK)
        return rc;
    max_brightness(full, sizeof full);
    return put("brightness", on ? full : "0");
}

static int
blink(unsigned on_ms, unsigned off_ms, bool fallback_on)
{
    char v[16];
    int rc = put("trigger", "timer");

    if (rc == POD_ERR_IO) {
        LOG_WARN("led", "%s: no timer trigger (ledtrig-timer not loaded?): steady instead",
                 led_name);
        return steady(fallback_on);
    }
    if (rc != POD_OK)
        return rc;
    snprintf(v, sizeof v, "%u", on_ms);
    rc = put("delay_on", v);
    snprintf(v, sizeof v, "%u", off_ms);
    if (rc == POD_OK)
        rc = put("delay_off", v);
    return rc;
}

int
drv_led_set(enum drv_led_state state)
{
    int rc = POD_OK;

    pthread_mutex_lock(&lock);
    if (!led_name[0] || shown == (int)state)
        goto out;
    switch (state) {
    case DRV_LED_BOOTING:
        rc = blink(500, 500, true);
        break;
    case DRV_LED_SERVING:
        rc = steady(true);
        break;
    case DRV_LED_NO_NETWORK:
        rc = blink(100, 1900, false);
        break;
    case DRV_LED_ERROR:
    default:
        rc = blink(100, 100, false);
        break;
    }
    if (rc == POD_OK)
        shown = (int)state;
    else if (shown != -2) {
        LOG_WARN("led", "cannot set LED %s: %s", led_name, pod_strerror(rc));
        shown = -2; /* say it once until a write works */
    }
out:
    pthread_mutex_unlock(&lock);
    return rc;
}
