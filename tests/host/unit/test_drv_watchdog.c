/*
 * test_drv_watchdog.c - drivers/watchdog against a regular file standing
 * in for /dev/watchdog: fed only while alive() says yes, magic 'V' at a
 * clean stop, off when the device is absent; and the HTTP liveness probe
 * against a tiny server on a socket of the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/error.h"
#include "drivers/clock/clock.h"
#include "drivers/watchdog/watchdog.h"

static char dir[64], dev[128];
static int alive_answer = 1;
static int alive_calls;

static bool
alive(void *ctx)
{
    (void)ctx;
    __atomic_add_fetch(&alive_calls, 1, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&alive_answer, __ATOMIC_SEQ_CST) != 0;
}

static long
size_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Waits (at most 10 s) until alive() has been asked n more times. */
static void
wait_calls(int n)
{
    int target = __atomic_load_n(&alive_calls, __ATOMIC_SEQ_CST) + n;
    uint64_t end = drv_clock_monotonic_ms() + 10000;
    struct timespec ms10 = {0, 10000000};

    while (__atomic_load_n(&alive_calls, __ATOMIC_SEQ_CST) < target &&
           drv_clock_monotonic_ms() < end)
        nanosleep(&ms10, NULL);
    assert_true(__atomic_load_n(&alive_calls, __ATOMIC_SEQ_CST) >= target);
}

static int
setup(void **state)
{
    FILE *f;

    (void)state;
    snprintf(dir, sizeof dir, "/tmp/plugpod-wd-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(dev, sizeof dev, "%s/watchdog", dir);
    f = fopen(dev, "w");
    if (!f)
        return -1;
    fclose(f);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    unlink(dev);
    return rmdir(dir);
}

static void
test_fed_while_alive_and_magic_close(void **state)
{
    struct drv_watchdog *w = NULL;
    char buf[64];
    long before;
    FILE *f;
    size_t n;

    (void)state;
    alive_answer = 1;
    assert_int_equal(drv_watchdog_start(&w, dev, 30, 20, alive, NULL), POD_OK);
    assert_true(size_of(dev) >= 1); /* fed once at open */
    wait_calls(3);
    /* alive() returned true: fed each time (after the call returns). */
    wait_calls(1);
    assert_true(size_of(dev) >= 3);
    /* The server stops answering: no more feeding. */
    __atomic_store_n(&alive_answer, 0, __ATOMIC_SEQ_CST);
    wait_calls(2); /* the call in flight may still feed once */
    before = size_of(dev);
    wait_calls(3);
    assert_int_equal(size_of(dev), before);
    /* Answers again: fed again. */
    __atomic_store_n(&alive_answer, 1, __ATOMIC_SEQ_CST);
    wait_calls(2);
    assert_true(size_of(dev) > before);
    drv_watchdog_stop(w);
    /* Every feed is a NUL byte; the clean stop ends with the magic 'V'. */
    f = fopen(dev, "r");
    assert_non_null(f);
    fseek(f, -1, SEEK_END);
    n = fread(buf, 1, 1, f);
    fclose(f);
    assert_int_equal(n, 1);
    assert_int_equal(buf[0], 'V');
}

static void
test_absent_device(void **state)
{
    struct drv_watchdog *w = (struct drv_watchdog *)1;
    char path[160];

    (void)state;
    snprintf(path, sizeof path, "%s/nowatchdog", dir);
    assert_int_equal(drv_watchdog_start(&w, path, 30, 20, alive, NULL), POD_ERR_NOTFOUND);
    assert_null(w);
    drv_watchdog_stop(NULL); /* nothing */
}

/* A one-shot server: accepts one connection, answers a status line. */
static void *
serve_once(void *arg)
{
    int fd = *(int *)arg, c = accept(fd, NULL, NULL);
    char buf[256];

    if (c >= 0) {
        (void)recv(c, buf, sizeof buf, 0);
        (void)send(c, "HTTP/1.1 404 Not Found\r\n\r\n", 26, MSG_NOSIGNAL);
        close(c);
    }
    return NULL;
}

static void
test_http_probe(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    pthread_t th;
    int fd, port;

    (void)state;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&th, NULL, serve_once, &fd), 0);
    assert_true(drv_watchdog_http_alive("127.0.0.1", port, true, 5000));
    pthread_join(th, NULL);
    /* Listening but no worker answering: the HTTP probe gives up in time,
     * a connect-only probe (HTTPS pods) is satisfied. */
    assert_false(drv_watchdog_http_alive(NULL, port, true, 300));
    assert_true(drv_watchdog_http_alive("0.0.0.0", port, false, 300));
    close(fd);
    /* Nobody listening. */
    assert_false(drv_watchdog_http_alive("127.0.0.1", port, false, 300));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fed_while_alive_and_magic_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absent_device, setup, teardown),
        cmocka_unit_test(test_http_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
