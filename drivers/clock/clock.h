/*
 * clock.h - time for the pod: a monotonic clock for durations and timeouts,
 * and wall time with a hint whether it can be trusted yet.
 *
 * Boards without a battery-backed RTC (the Raspberry Pi) start in 1970 and
 * only learn the date from NTP; signatures, certificates and post dates need
 * wall time, so callers that stamp data or make TLS connections ask
 * drv_clock_wall_trusted() first (the federation tasks pause until then).
 *
 * When is wall time trusted? Never before this build's floor (2024-01-01).
 * Past it, by default (CONFIG_POD_CLOCK_NEEDS_SYNC off: a host with its
 * own time keeping). With CONFIG_POD_CLOCK_NEEDS_SYNC (boards without an
 * RTC, whose init may restore a stale saved date), only when one of these
 * holds as well:
 *   - the kernel reports NTP synchronisation (adjtimex: no STA_UNSYNC, not
 *     TIME_ERROR), as a running ntpd (busybox ntpd -p ...) makes it;
 *   - an RTC tells a date past the floor (/sys/class/rtc/rtc0/since_epoch);
 *   - this process saw the clock before the floor and now sees it past it
 *     (someone set it: a one-shot ntpd -q after plugpod started);
 *   - the pod's own SNTP client (app/net/sntp.h) called
 *     drv_clock_mark_synced().
 * Once trusted it stays trusted for the life of the process.
 */
#ifndef POD_DRIVERS_CLOCK_H
#define POD_DRIVERS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* 2024-01-01T00:00:00Z: no board running this build lives before it. */
#define DRV_CLOCK_FLOOR 1704067200

/* Milliseconds since an arbitrary fixed point; never goes backwards. */
uint64_t drv_clock_monotonic_ms(void);

/* Seconds since the Unix epoch, as the system clock says. */
int64_t drv_clock_wall(void);

/* True when wall time is plausibly correct (see above). Cheap (one
 * clock read once trusted); thread-safe. */
bool drv_clock_wall_trusted(void);

/* Says an NTP exchange just confirmed (or set) the wall time: from then
 * on it is trusted once past the floor. Thread-safe. */
void drv_clock_mark_synced(void);

/* Waits until wall time is trusted, checking four times a second, at most
 * timeout_ms. Returns whether it is. */
bool drv_clock_wait_trusted(unsigned timeout_ms);

/* Host stand-in for tests: root (copied; NULL: "/") holds the RTC's
 * sys/class/rtc/rtc0/since_epoch; needs_sync -1 keeps
 * CONFIG_POD_CLOCK_NEEDS_SYNC, 0 or 1 overrides it. Forgets what was seen
 * (trusted, before the floor) and the fakes below. Not thread-safe. */
void drv_clock_fake(const char *root, int needs_sync);

/* The NTP state seen: -1 asks adjtimex (the default), 0 or 1 answers. */
void drv_clock_fake_ntp(int synced);

/* The wall time seen: 0 reads the system clock (the default). */
void drv_clock_fake_wall(int64_t wall);

#endif
