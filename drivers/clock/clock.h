/*
 * clock.h - time for the pod: a monotonic clock for durations and timeouts,
 * and wall time with a hint whether it can be trusted yet.
 *
 * Boards without a battery-backed RTC (the Raspberry Pi) start in 1970 and
 * only learn the date from NTP; signatures, certificates and post dates need
 * wall time, so callers that stamp data ask drv_clock_wall_trusted() first.
 */
#ifndef POD_DRIVERS_CLOCK_H
#define POD_DRIVERS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds since an arbitrary fixed point; never goes backwards. */
uint64_t drv_clock_monotonic_ms(void);

/* Seconds since the Unix epoch, as the system clock says. */
int64_t drv_clock_wall(void);

/* True when wall time is plausibly correct: later than this build's
 * release floor (2024-01-01). */
bool drv_clock_wall_trusted(void);

#endif
