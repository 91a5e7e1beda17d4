#include "drivers/clock/clock.h"

#include <time.h>

/* 2024-01-01T00:00:00Z: no board running this build lives before it. */
#define CLOCK_TRUST_FLOOR 1704067200

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

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

bool
drv_clock_wall_trusted(void)
{
    return drv_clock_wall() >= CLOCK_TRUST_FLOOR;
}
