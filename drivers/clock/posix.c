/*
 * posix.c - clocks of Linux: clock_gettime, adjtimex(2) for the NTP
 * synchronisation state, sysfs for the RTC (see clock.h for the policy).
 */
#include "drivers/clock/clock.h"

#include "autoconf.h"
#include "core/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timex.h>
#include <time.h>

#ifndef CONFIG_POD_CLOCK_NEEDS_SYNC
#define CONFIG_POD_CLOCK_NEEDS_SYNC 0
#endif

static char fake_root[256] = "";
static int fake_ntp = -1;
static int64_t fake_wall;
static int needs_sync = CONFIG_POD_CLOCK_NEEDS_SYNC;
static atomic_bool trusted;     /* latched */
static atomic_bool seen_before; /* the clock was seen before the floor */
static atomic_bool marked;      /* drv_clock_mark_synced was called */

void
drv_clock_fake(const char *root, int sync)
{
    snprintf(fake_root, sizeof fake_root, "%s", root ? root : "");
    fake_ntp = -1;
    fake_wall = 0;
    needs_sync = sync < 0 ? CONFIG_POD_CLOCK_NEEDS_SYNC : sync;
    atomic_store(&trusted, false);
    atomic_store(&seen_before, false);
    atomic_store(&marked, false);
}

void
drv_clock_mark_synced(void)
{
    atomic_store(&marked, true);
}

void
drv_clock_fake_ntp(int synced)
{
    fake_ntp = synced;
}

void
drv_clock_fake_wall(int64_t wall)
{
    fake_wall = wall;
}

uint64_t
drv_clock_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t
drv_clock_wall(void)
{
    struct timespec ts;

    if (fake_wall)
        return fake_wall;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

/* The kernel's NTP state says a time daemon keeps the clock in sync. */
static bool
ntp_synced(void)
{
    struct timex tx = {0}; /* modes 0: read only, no privilege needed */
    int state;

    if (fake_ntp >= 0)
        return fake_ntp == 1;
    state = adjtimex(&tx);
    return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

/* A (battery-backed) RTC holds a date past the floor. */
static bool
rtc_valid(void)
{
    char path[320], line[32] = "";
    FILE *f;

    snprintf(path, sizeof path, "%s/sys/class/rtc/rtc0/since_epoch", fake_root);
    f = fopen(path, "r");
    if (!f)
        return false;
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    return strtoll(line, NULL, 10) >= DRV_CLOCK_FLOOR;
}

bool
drv_clock_wall_trusted(void)
{
    const char *why;

    if (atomic_load(&trusted))
        return true;
    if (drv_clock_wall() < DRV_CLOCK_FLOOR) {
        atomic_store(&seen_before, true);
        return false;
    }
    if (!needs_sync)
        why = NULL;
    else if (atomic_load(&marked))
        why = "set by SNTP";
    else if (ntp_synced())
        why = "NTP synchronised";
    else if (rtc_valid())
        why = "the RTC has the date";
    else if (atomic_load(&seen_before))
        why = "the clock was set";
    else
        return false;
    if (!atomic_exchange(&trusted, true) && why)
        LOG_INFO("clock", "wall time trusted: %s", why);
    return true;
}

bool
drv_clock_wait_trusted(unsigned timeout_ms)
{
    uint64_t end = drv_clock_monotonic_ms() + timeout_ms;
    struct timespec quarter = {0, 250 * 1000000L};

    while (!drv_clock_wall_trusted()) {
        if (drv_clock_monotonic_ms() >= end)
            return false;
        nanosleep(&quarter, NULL);
    }
    return true;
}
