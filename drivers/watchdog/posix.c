/*
 * posix.c - the Linux watchdog API (Documentation/watchdog/watchdog-api):
 * any write feeds, WDIOC_SETTIMEOUT sets the timeout, 'V' before close
 * disarms.
 */
#include "drivers/watchdog/watchdog.h"

#include "core/error.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define THREAD_STACK (64 * 1024)

struct drv_watchdog {
    int fd;
    unsigned interval_ms;
    bool (*alive)(void *ctx);
    void *ctx;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC */
    bool stop;
};

static void
feed(struct drv_watchdog *w)
{
    while (write(w->fd, "", 1) < 0 && errno == EINTR)
        ;
}

static void *
feeder(void *arg)
{
    struct drv_watchdog *w = arg;
    struct timespec until;
    bool was_alive = true, ok;

    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += w->interval_ms / 1000;
        until.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
            ;
        if (w->stop)
            break;
        pthread_mutex_unlock(&w->lock);
        ok = w->alive(w->ctx);
        if (ok)
            feed(w);
        if (ok != was_alive) {
            if (ok)
                LOG_INFO("watchdog", "the web server answers again: feeding");
            else
                LOG_ERR("watchdog", "the web server does not answer: not feeding the watchdog");
        }
        was_alive = ok;
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int
drv_watchdog_start(struct drv_watchdog **out, const char *path, unsigned timeout_s,
                   unsigned interval_ms, bool (*alive)(void *ctx), void *ctx)
{
    struct drv_watchdog *w;
    pthread_condattr_t ca;
    pthread_attr_t ta;
    int t = (int)timeout_s, rc;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (!w)
        return POD_ERR_NOMEM;
    w->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (w->fd < 0) {
        rc = errno == ENOENT || errno == ENODEV || errno == ENXIO ? POD_ERR_NOTFOUND : POD_ERR_IO;
        if (rc == POD_ERR_IO)
            LOG_ERR("watchdog", "cannot open %s: %s", path, strerror(errno));
        free(w);
        return rc;
    }
    if (ioctl(w->fd, WDIOC_SETTIMEOUT, &t) == 0)
        LOG_INFO("watchdog", "%s armed, timeout %d s", path, t);
    else
        LOG_WARN("watchdog", "%s armed, its timeout unchanged: %s", path, strerror(errno));
    feed(w);
    w->interval_ms = interval_ms ? interval_ms : 1000;
    w->alive = alive;
    w->ctx = ctx;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_init(&ta);
    pthread_attr_setstacksize(&ta, THREAD_STACK);
    rc = pthread_create(&w->thread, &ta, feeder, w);
    pthread_attr_destroy(&ta);
    if (rc != 0) {
        /* Left armed on purpose: a pod that cannot feed should not run. */
        close(w->fd);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return POD_ERR_NOMEM;
    }
    *out = w;
    return POD_OK;
}

void
drv_watchdog_stop(struct drv_watchdog *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    while (write(w->fd, "V", 1) < 0 && errno == EINTR)
        ;
    close(w->fd);
    LOG_INFO("watchdog", "disarmed");
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* Waits for fd to become ready for events until deadline (monotonic ms). */
static bool
wait_fd(int fd, short events, const struct timespec *deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    struct timespec now;
    long ms;
    int n;

    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0)
            return false;
        n = poll(&p, 1, (int)ms);
        if (n < 0 && errno == EINTR)
            continue;
        return n > 0;
    }
}

bool
drv_watchdog_http_alive(const char *addr, int port, bool http, unsigned timeout_ms)
{
    static const char req[] = "GET /-/alive HTTP/1.0\r\nHost: localhost\r\n\r\n";
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    struct timespec deadline;
    char buf[16];
    size_t got = 0;
    socklen_t len;
    bool ok = false;
    ssize_t n;
    int fd, err = 0;

    if (!addr || !addr[0] || !strcmp(addr, "0.0.0.0"))
        addr = "127.0.0.1";
    if (!strcmp(addr, "::"))
        addr = "::1";
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        len = sizeof *s4;
    } else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        len = sizeof *s6;
    } else {
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
        if (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, &deadline))
            goto out;
        len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
            goto out;
    }
    if (!http) {
        ok = true;
        goto out;
    }
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
        goto out;
    while (got < 9 && wait_fd(fd, POLLIN, &deadline)) {
        n = recv(fd, buf + got, sizeof buf - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    ok = got >= 9 && memcmp(buf, "HTTP/1.", 7) == 0;
out:
    close(fd);
    return ok;
}
