/*
 * test_drv_storage.c - drivers/storage: free space of the data directory
 * through a fake statvfs, and the web layer's answer when it runs out:
 * 507 for requests that store something, reading and deleting unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/error.h"
#include "crypto/crypto.h"
#include "drivers/storage/storage.h"
#include "storetest.h"
#include "web/server.h"
#include "testutil.h"

#define MB (1024ull * 1024)

static unsigned long fake_bavail; /* 4 KiB blocks */
static int fake_fail;
static unsigned fake_calls;

static int
fake_statvfs(const char *path, struct statvfs *out)
{
    (void)path;
    fake_calls++;
    if (fake_fail)
        return -1;
    memset(out, 0, sizeof *out);
    out->f_bsize = out->f_frsize = 4096;
    out->f_blocks = 1u << 20; /* 4 GiB */
    out->f_bavail = fake_bavail;
    out->f_bfree = fake_bavail + 100;
    return 0;
}

static void
set_free(uint64_t bytes)
{
    fake_bavail = (unsigned long)(bytes / 4096);
    drv_storage_set_statvfs(fake_statvfs); /* drops the one-second cache */
}

static void
test_threshold(void **state)
{
    uint64_t free_b = 0, total = 0;

    (void)state;
    drv_storage_init("/tmp", 32 * MB);
    set_free(100 * MB);
    assert_int_equal(drv_storage_space(&free_b, &total), POD_OK);
    assert_int_equal(free_b, 100 * MB);
    assert_int_equal(total, 4096 * MB);
    assert_true(drv_storage_writable());
    set_free(31 * MB);
    assert_false(drv_storage_writable());
    set_free(32 * MB);
    assert_true(drv_storage_writable());
    /* statvfs failing: cannot tell, do not refuse. */
    fake_fail = 1;
    set_free(0);
    assert_true(drv_storage_writable());
    fake_fail = 0;
    /* A reserve of 0 never refuses. */
    drv_storage_init("/tmp", 0);
    set_free(0);
    assert_true(drv_storage_writable());
    drv_storage_set_statvfs(NULL);
}

static void
test_cached(void **state)
{
    unsigned before;

    (void)state;
    drv_storage_init("/tmp", 32 * MB);
    set_free(10 * MB);
    assert_false(drv_storage_writable());
    before = fake_calls;
    for (int i = 0; i < 100; i++)
        assert_false(drv_storage_writable());
    assert_true(fake_calls - before <= 2); /* at most once a second */
    drv_storage_set_statvfs(NULL);
}

static void
test_real_statvfs(void **state)
{
    uint64_t free_b = 0, total = 0;

    (void)state;
    drv_storage_init("/tmp", 1);
    assert_int_equal(drv_storage_space(&free_b, &total), POD_OK);
    assert_true(total > 0 && free_b <= total);
    drv_storage_init("/nonexistent/plugpod", 1);
    assert_int_equal(drv_storage_space(&free_b, &total), POD_ERR_IO);
    assert_true(drv_storage_writable());
}

/* ---- through the web server (plain HTTP, dev mode) */

/* Sends one request and returns the status code; body (if given) gets
 * the start of the answer. */
static int
http(int port, const char *method, const char *path, const char *form, char *body, size_t cap)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char req[1024], resp[8192];
    size_t got = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;

    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    snprintf(req, sizeof req,
             "%s %s HTTP/1.0\r\nHost: localhost\r\nAccept: text/html\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
             method, path, form ? strlen(form) : 0, form ? form : "");
    assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    while (got < sizeof resp - 1 && (n = recv(fd, resp + got, sizeof resp - 1 - got, 0)) > 0)
        got += (size_t)n;
    resp[got] = '\0';
    close(fd);
    sscanf(resp, "HTTP/1.%*d %d", &status);
    if (body)
        snprintf(body, cap, "%s", resp);
    return status;
}

static void
test_web_refuses_writes_when_full(void **state)
{
    struct fixture *f = *state;
    struct web_config wc = {.host = "localhost", .bind_address = "127.0.0.1", .dev = true};
    struct web_server *ws = NULL;
    char why[256], body[8192];
    int port = test_free_port();

    assert_int_equal(crypto_rng_init(), POD_OK);
    wc.http_port = port;
    assert_int_equal(web_server_start(&ws, &wc, f->st, why, sizeof why), POD_OK);
    drv_storage_init(f->dir, 32 * MB);

    set_free(10 * MB);
    /* New things: refused with a clear message. */
    assert_int_equal(http(port, "POST", "/setup", "username=alice&password=x", body, sizeof body),
                     507);
    assert_non_null(strstr(body, "storage is nearly full"));
    assert_int_equal(http(port, "POST", "/users/sign_up", "username=bob", NULL, 0), 507);
    assert_int_equal(http(port, "PUT", "/user", "", NULL, 0), 507);
    /* Reading, signing in and deleting go on (whatever they answer). */
    assert_int_not_equal(http(port, "GET", "/setup", NULL, NULL, 0), 507);
    assert_int_not_equal(http(port, "GET", "/users/sign_in", NULL, NULL, 0), 507);
    assert_int_not_equal(http(port, "POST", "/users/sign_in", "username=a&password=b", NULL, 0),
                         507);
    assert_int_not_equal(http(port, "DELETE", "/posts/1", NULL, NULL, 0), 507);
    assert_int_not_equal(http(port, "POST", "/posts/1", "_method=delete", NULL, 0), 507);

    /* Space again: writes go through to the handlers. */
    set_free(100 * MB);
    assert_int_not_equal(http(port, "POST", "/users/sign_up", "username=bob", NULL, 0), 507);

    web_server_stop(ws);
    drv_storage_set_statvfs(NULL);
    drv_storage_init(NULL, 0);
    crypto_rng_free();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_cached),
        cmocka_unit_test(test_real_statvfs),
        cmocka_unit_test_setup_teardown(test_web_refuses_writes_when_full, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
