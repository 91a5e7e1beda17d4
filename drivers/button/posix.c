#include "drivers/button/button.h"

#include "core/error.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define THREAD_STACK (64 * 1024)

struct drv_button {
    int fd;
    int stop_pipe[2];
    unsigned key;
    void (*on_action)(enum drv_button_action, void *);
    void *ctx;
    pthread_t thread;
};

enum drv_button_action
drv_button_track(struct drv_button_hold *h, const struct input_event *ev, unsigned key)
{
    int64_t t = (int64_t)ev->input_event_sec * 1000000 + (int64_t)ev->input_event_usec, held;

    if (ev->type != EV_KEY || ev->code != key)
        return DRV_BUTTON_NONE;
    if (ev->value == 1) { /* press */
        h->down = true;
        h->down_us = t;
        return DRV_BUTTON_NONE;
    }
    if (ev->value != 0 || !h->down) /* autorepeat, or a release never pressed */
        return DRV_BUTTON_NONE;
    h->down = false;
    held = t - h->down_us;
    if (held >= (int64_t)DRV_BUTTON_FACTORY_S * 1000000)
        return DRV_BUTTON_RESET_FACTORY;
    if (held >= (int64_t)DRV_BUTTON_SETTINGS_S * 1000000)
        return DRV_BUTTON_RESET_SETTINGS;
    return DRV_BUTTON_NONE;
}

static void *
reader(void *arg)
{
    struct drv_button *b = arg;
    struct drv_button_hold hold = {0};
    struct input_event ev;
    struct pollfd p[2] = {{.fd = b->stop_pipe[0], .events = POLLIN},
                          {.fd = b->fd, .events = POLLIN}};
    enum drv_button_action a;
    size_t got = 0;
    nfds_t n = 2;
    ssize_t r;

    for (;;) {
        if (poll(p, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents)
            break;
        if (!p[1].revents)
            continue;
        r = read(b->fd, (char *)&ev + got, sizeof ev - got);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0) {
            /* The end of a test file or FIFO, or the device went away:
             * nothing more to read, wait for the stop. */
            if (r < 0)
                LOG_WARN("button", "read: %s", strerror(errno));
            n = 1;
            continue;
        }
        got += (size_t)r;
        if (got < sizeof ev)
            continue;
        got = 0;
        a = drv_button_track(&hold, &ev, b->key);
        if (a == DRV_BUTTON_NONE)
            continue;
        LOG_WARN("button", "held %s: %s",
                 a == DRV_BUTTON_RESET_FACTORY ? "30 s or more" : "10 to 30 s",
                 a == DRV_BUTTON_RESET_FACTORY ? "factory reset" : "settings reset");
        b->on_action(a, b->ctx);
    }
    return NULL;
}

/* fd's device can report key (EVIOCGBIT). */
static bool
has_key(int fd, unsigned key)
{
    unsigned char bits[KEY_MAX / 8 + 1] = {0};

    if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof bits), bits) < 0)
        return false;
    return key <= KEY_MAX && (bits[key / 8] >> (key % 8)) & 1;
}

/* Opens the first /dev/input/event* with key; -1 if none. */
static int
find_device(unsigned key, char *found, size_t cap)
{
    struct dirent *de;
    char path[300];
    DIR *d = opendir("/dev/input");
    int fd = -1;

    if (!d)
        return -1;
    while (fd < 0 && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "event", 5) != 0)
            continue;
        snprintf(path, sizeof path, "/dev/input/%s", de->d_name);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0 && !has_key(fd, key)) {
            close(fd);
            fd = -1;
        } else if (fd >= 0)
            snprintf(found, cap, "%s", path);
    }
    closedir(d);
    return fd;
}

int
drv_button_start(struct drv_button **out, const char *path, unsigned key,
                 void (*on_action)(enum drv_button_action action, void *ctx), void *ctx)
{
    struct drv_button *b;
    pthread_attr_t ta;
    char used[300] = "";
    int clk = CLOCK_MONOTONIC, rc;

    *out = NULL;
    b = calloc(1, sizeof *b);
    if (!b)
        return POD_ERR_NOMEM;
    b->stop_pipe[0] = b->stop_pipe[1] = -1;
    if (path && path[0]) {
        b->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        snprintf(used, sizeof used, "%s", path);
    } else {
        b->fd = find_device(key, used, sizeof used);
        errno = ENOENT;
    }
    if (b->fd < 0) {
        rc = errno == ENOENT || errno == ENODEV ? POD_ERR_NOTFOUND : POD_ERR_IO;
        free(b);
        return rc;
    }
    /* Event times on the monotonic clock: an NTP step during a hold must
     * not change its length. Fails harmlessly on a test FIFO. */
    (void)ioctl(b->fd, EVIOCSCLOCKID, &clk);
    if (pipe2(b->stop_pipe, O_CLOEXEC) != 0) {
        close(b->fd);
        free(b);
        return POD_ERR_IO;
    }
    b->key = key;
    b->on_action = on_action;
    b->ctx = ctx;
    LOG_INFO("button", "reset button: key %u on %s", key, used);
    pthread_attr_init(&ta);
    pthread_attr_setstacksize(&ta, THREAD_STACK);
    rc = pthread_create(&b->thread, &ta, reader, b);
    pthread_attr_destroy(&ta);
    if (rc != 0) {
        close(b->fd);
        close(b->stop_pipe[0]);
        close(b->stop_pipe[1]);
        free(b);
        return POD_ERR_NOMEM;
    }
    *out = b;
    return POD_OK;
}

void
drv_button_stop(struct drv_button *b)
{
    if (!b)
        return;
    while (write(b->stop_pipe[1], "x", 1) < 0 && errno == EINTR)
        ;
    pthread_join(b->thread, NULL);
    close(b->fd);
    close(b->stop_pipe[0]);
    close(b->stop_pipe[1]);
    free(b);
}
