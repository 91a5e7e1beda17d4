/*
 * watchdog.h - the hardware watchdog (/dev/watchdog): once opened, the
 * board resets unless something writes to it within its timeout.
 *
 * Who feeds it: plugpod itself, from a small thread of this module, and
 * only while the pod's own web server answers: every interval the thread
 * asks alive() (main.c: an HTTP request to the pod's loopback address,
 * drv_watchdog_http_alive) and writes to the device only when it says
 * yes. A server whose workers hang stops the feeding and the board resets
 * after the timeout; a crashed plugpod stops it too, unless the
 * supervisor restarts it (which opens the device again) in time. A clean
 * stop writes the magic 'V' before closing, which disarms the watchdog
 * (unless the kernel was built with nowayout). Nothing else may hold the
 * device meanwhile (the kernel lets one process open it).
 *
 * Host stand-in: the path is a parameter; tests pass a regular file or a
 * FIFO (the timeout ioctl then fails and is ignored).
 */
#ifndef POD_DRIVERS_WATCHDOG_H
#define POD_DRIVERS_WATCHDOG_H

#include <stdbool.h>

struct drv_watchdog;

/* Opens the device at path (borrowed), asks for timeout_s (the driver may
 * pick another: logged), feeds it once and starts the feeding thread,
 * which calls alive(ctx) every interval_ms and feeds when it returns true
 * (ctx borrowed; it must outlive the watchdog). Returns POD_OK,
 * POD_ERR_NOTFOUND when there is no such device (the watchdog stays off),
 * POD_ERR_IO or POD_ERR_NOMEM. */
int drv_watchdog_start(struct drv_watchdog **out, const char *path, unsigned timeout_s,
                       unsigned interval_ms, bool (*alive)(void *ctx), void *ctx);

/* Stops the thread and disarms the device with the magic close ('V').
 * NULL does nothing. */
void drv_watchdog_stop(struct drv_watchdog *w);

/* True when a web server answers on addr (numeric IPv4 or IPv6; NULL:
 * 127.0.0.1) and port within timeout_ms. http: sends a GET and wants an
 * HTTP status line back (any status: a worker thread answered); otherwise
 * only connects (an HTTPS-only pod: civetweb's listener accepts). */
bool drv_watchdog_http_alive(const char *addr, int port, bool http, unsigned timeout_ms);

#endif
