/*
 * bench_server.c - the ceiling and the receiver of tools/bench.
 *
 * Built from the same civetweb library as plugpod (libcivetweb.a of the
 * build, with mbedTLS and plugpod's TLS policy hooked in by
 * app/web/civetweb_hook.h), started with plugpod's worker count, keep-alive
 * and request options (web_server_civetweb_options), so a request measured
 * against it costs what civetweb and TLS alone cost:
 *
 *   bench_server ceiling PEM HTTPS_PORT HTTP_PORT
 *       answers every request with a 1-byte body (HTTPS and plain HTTP).
 *   bench_server receiver PEM HTTPS_PORT HTTP_PORT
 *       a fast receiving "pod" for any Host: POST answers 202 and counts,
 *       GET /count (either port) gives the number of POSTs so far.
 *
 * Runs until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civetweb.h"
#include "autoconf.h"
#include "web/server.h"

static volatile sig_atomic_t stop_now;
static atomic_ulong posts;

static void
on_signal(int sig)
{
    (void)sig;
    stop_now = 1;
}

/* One header block as plugpod's web_reply() writes it, then the body. */
static int
reply(struct mg_connection *conn, int status, const char *text, const char *body, size_t len)
{
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\n\r\n",
              status, text, len);
    if (len)
        mg_write(conn, body, len);
    return status;
}

static int
ceiling(struct mg_connection *conn, void *cbdata)
{
    (void)cbdata;
    return reply(conn, 200, "OK", "x", 1);
}

static int
receiver(struct mg_connection *conn, void *cbdata)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    char buf[4096], num[32];
    int n;

    (void)cbdata;
    if (strcmp(ri->request_method, "POST") == 0) {
        while ((n = mg_read(conn, buf, sizeof buf)) > 0)
            ;
        atomic_fetch_add(&posts, 1);
        return reply(conn, 202, "Accepted", "", 0);
    }
    n = snprintf(num, sizeof num, "%lu\n", (unsigned long)atomic_load(&posts));
    return reply(conn, 200, "OK", num, (size_t)n);
}

static int
quiet(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    (void)message;
    return 1;
}

int
main(int argc, char **argv)
{
    struct web_civetweb_options cwo;
    char ports[64];
    struct mg_callbacks cb;
    struct mg_context *ctx;
    int receive;

    if (argc != 5 || (strcmp(argv[1], "ceiling") != 0 && strcmp(argv[1], "receiver") != 0)) {
        fprintf(stderr, "usage: bench_server ceiling|receiver PEM HTTPS_PORT HTTP_PORT\n");
        return 2;
    }
    receive = strcmp(argv[1], "receiver") == 0;
    snprintf(ports, sizeof ports, "%ss,%s", argv[3], argv[4]);
    web_server_civetweb_options(&cwo, ports, CONFIG_POD_REQUEST_TIMEOUT_MS, argv[2]);

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    mg_init_library(MG_FEATURES_TLS);
    memset(&cb, 0, sizeof cb);
    cb.log_message = quiet;
    ctx = mg_start(&cb, NULL, cwo.options);
    if (!ctx) {
        fprintf(stderr, "bench_server: cannot start on %s\n", ports);
        return 1;
    }
    mg_set_request_handler(ctx, "/", receive ? receiver : ceiling, NULL);
    printf("ready\n");
    fflush(stdout);
    while (!stop_now)
        pause();
    mg_stop(ctx);
    mg_exit_library();
    return 0;
}
