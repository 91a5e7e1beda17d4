/*
 * main.c - the composition root: options (cli/) -> drivers -> crypto ->
 * store -> TLS certificate -> tasks -> web server, then wait for a signal
 * and take it all down in reverse order.
 *
 * Subcommands (tests and tools rely on them; keep them stable):
 *   plugpod serve [options]          run the pod
 *   plugpod version                  print the version
 *   plugpod config list|get|set ...  read or change pod settings offline (cli/admin.c)
 *   plugpod user add|list ...        accounts offline (cli/admin.c)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <pthread.h>

#include "civetweb.h"
#include <mbedtls/version.h>

#include "autoconf.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/ids.h"
#include "core/settings.h"
#include "crypto/crypto.h"
#include "crypto/tls_cert.h"
#include "drivers/button/button.h"
#include "drivers/clock/clock.h"
#include "drivers/led/led.h"
#include "drivers/net/net.h"
#include "drivers/storage/storage.h"
#include "drivers/watchdog/watchdog.h"
#include "federation/discovery_client.h"
#include "http/addr_guard.h"
#include "http/http.h"
#include "net/mdns.h"
#include "net/portmap.h"
#include "net/sntp.h"
#include "store/accounts.h"
#include "store/people.h"
#include "store/store.h"
#include "task/acme_task.h"
#include "task/fed_outbox_task.h"
#include "task/fed_inbox_task.h"
#include "task/keygen.h"
#include "task/reset.h"
#include "web/server.h"

/* Prepares the PEM civetweb serves from: the administrator's certificate
 * and key combined, the certificate from ACME (DATA/tls/acme.pem, see
 * task/acme_task.h) while it is valid for the host, or a self-signed
 * certificate for the host made once and kept in DATA/tls. Writes the
 * path into pem (PATH_MAX bytes). */
static void
prepare_tls(const struct cli_serve_opts *o, char *pem)
{
    char dir[PATH_MAX], host_file[PATH_MAX], why[256], old_host[300] = "";
    char fingerprint[65], acme[PATH_MAX];
    FILE *f;
    int rc;

    cli_path_join(dir, sizeof dir, o->data_dir, "tls");
    cli_path_join(acme, sizeof acme, dir, "acme.pem");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        cli_fail("cannot create %s: %s", dir, strerror(errno));
    if (o->cert) {
        cli_path_join(pem, PATH_MAX, dir, "server.pem");
        rc = crypto_tls_pem_combine(o->cert, o->key, pem, why, sizeof why);
        if (rc != POD_OK)
            cli_fail("TLS certificate: %s", why);
    } else if (task_acme_pem_usable(acme, o->host)) {
        memcpy(pem, acme, sizeof acme);
        LOG_INFO("main", "serving the certificate from ACME (%s)", pem);
    } else {
        cli_path_join(pem, PATH_MAX, dir, "selfsigned.pem");
        cli_path_join(host_file, sizeof host_file, dir, "selfsigned.host");
        f = fopen(host_file, "r");
        if (f) {
            if (!fgets(old_host, sizeof old_host, f))
                old_host[0] = '\0';
            old_host[strcspn(old_host, "\n")] = '\0';
            fclose(f);
        }
        if (access(pem, R_OK) != 0 || strcmp(old_host, o->host) != 0) {
            rc = crypto_tls_selfsigned_create(pem, o->host);
            if (rc != POD_OK)
                cli_fail("cannot create a self-signed certificate in %s: %s", dir,
                         pod_strerror(rc));
            f = fopen(host_file, "w");
            if (!f || fprintf(f, "%s\n", o->host) < 0 || fclose(f) != 0)
                cli_fail("cannot write %s: %s", host_file, strerror(errno));
        }
    }
    rc = crypto_tls_pem_check(pem, why, sizeof why);
    if (rc != POD_OK)
        cli_fail("TLS certificate %s: %s", pem, why);
    if (crypto_tls_fingerprint(pem, fingerprint) == POD_OK)
        LOG_INFO("main", "TLS certificate SHA-256 %s", fingerprint);
}

/* Counts this start and remembers the first one: the settings a restart
 * must find again. */
static void
record_start(struct store *st)
{
    struct store_txn *txn = NULL;
    uint64_t count = 0, first = 0;
    int rc;

    rc = store_txn_begin(st, true, &txn);
    if (rc != POD_OK)
        goto out;
    rc = store_setting_get_u64(txn, POD_SETTING_START_COUNT, &count);
    if (rc != POD_OK && rc != POD_ERR_NOTFOUND)
        goto out;
    rc = store_setting_set_u64(txn, POD_SETTING_START_COUNT, count + 1);
    if (rc != POD_OK)
        goto out;
    if (store_setting_get_u64(txn, POD_SETTING_FIRST_STARTED_AT, &first) == POD_ERR_NOTFOUND)
        rc = store_setting_set_u64(txn, POD_SETTING_FIRST_STARTED_AT, (uint64_t)drv_clock_wall());
    if (rc != POD_OK)
        goto out;
    rc = store_txn_commit(txn);
    txn = NULL;
out:
    store_txn_abort(txn);
    if (rc != POD_OK)
        cli_fail("cannot record the start in %s: %s", store_dir(st), pod_strerror(rc));
}

/* Gives every local account its person row for this host. */
static void
ensure_people(struct store *st, const char *host)
{
    struct store_txn *txn = NULL;
    unsigned added = 0;
    int rc = store_txn_begin(st, true, &txn);

    if (rc == POD_OK)
        rc = store_people_ensure_local(txn, host, &added);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        cli_fail("cannot prepare the people of %s: %s", store_dir(st), pod_strerror(rc));
    if (added)
        LOG_INFO("main", "%u account%s joined the people table", added, added == 1 ? "" : "s");
}

/* The outbound HTTPS client (trusting --ca-bundle, or the system's store)
 * and discovery on top of it. Without an explicit --ca-bundle a missing
 * system store only turns federation off; a bad --ca-bundle stops the
 * start. Returns whether they were made. */
static bool
outbound_start(const struct cli_serve_opts *o, struct store *st, struct http_client *http,
               struct fed_discovery *disc)
{
    struct http_client_config hc = {.ca_bundle = o->ca_bundle, .guard = &o->guard};
    struct fed_discovery_config dc = {.http = http, .store = st, .local_host = o->host};
    char why[512] = "";
    int rc;

    rc = http_client_init(http, &hc, why, sizeof why);
    if (rc != POD_OK) {
        if (o->ca_bundle)
            cli_fail("--ca-bundle %s: %s", o->ca_bundle, why[0] ? why : pod_strerror(rc));
        LOG_WARN("main", "no outbound HTTPS (%s): people of other pods cannot be found",
                 why[0] ? why : pod_strerror(rc));
        return false;
    }
    rc = fed_discovery_init(disc, &dc);
    if (rc != POD_OK)
        cli_fail("cannot set up discovery: %s", pod_strerror(rc));
    LOG_INFO("main", "outbound HTTPS trusts %s; %zu extra network%s allowed",
             o->ca_bundle ? o->ca_bundle : "the system's certificates", o->guard.n_allow,
             o->guard.n_allow == 1 ? "" : "s");
    return true;
}

/* ---- board drivers (drivers/Kconfig): LED, watchdog, reset button */

static char **main_argv;                    /* for the restart after a reset */
static volatile sig_atomic_t reset_pending; /* enum drv_button_action */

/* From the button's thread: stop the pod as SIGTERM would, then reset. */
static void
on_button(enum drv_button_action action, void *ctx)
{
    (void)ctx;
    reset_pending = (sig_atomic_t)action;
    kill(getpid(), SIGTERM);
}

struct alive_probe {
    const char *bind;
    int port;
    bool http;
};

/* The watchdog is fed while this answers: the pod's own web server. */
static bool
web_alive(void *ctx)
{
    const struct alive_probe *p = ctx;

    return drv_watchdog_http_alive(p->bind, p->port, p->http, 5000);
}

/* After a clean stop for the button: reset the data directory (the store
 * is closed) and run the same command again (same pid, for supervisors). */
static void
reset_and_restart(const char *data_dir)
{
    int rc = reset_pending == DRV_BUTTON_RESET_FACTORY ? task_reset_factory(data_dir)
                                                       : task_reset_settings(data_dir);

    if (rc != POD_OK)
        cli_fail("reset of %s failed: %s", data_dir, pod_strerror(rc));
    drv_led_set(DRV_LED_BOOTING);
    execv("/proc/self/exe", main_argv);
    cli_fail("cannot start again after the reset: %s", strerror(errno));
}

static int
cmd_serve(int argc, char **argv)
{
    struct cli_serve_opts o = {0};
    struct store *st = NULL;
    struct web_server *ws = NULL;
    struct mdns_responder *mdns = NULL;
    struct sntp_client *sntp = NULL;
    struct portmap *portmap = NULL;
    struct task_keygen *keygen = NULL;
    struct task_fed_inbox *fedin = NULL;
    struct task_fed_outbox *fedout = NULL;
    struct task_acme *acme = NULL;
    struct drv_watchdog *wd = NULL;
    struct drv_button *button = NULL;
    struct alive_probe probe;
    struct web_config wc = {0};
    static struct http_client http; /* big (TLS settings, trust store): not on the stack */
    static struct fed_discovery disc;
    bool outbound;
    char why[512], pem[PATH_MAX] = "";
    sigset_t set;
    int sig, rc;

    cli_serve_opts_parse(&o, argc, argv);
    if (o.ca_bundle && access(o.ca_bundle, R_OK) != 0)
        cli_fail("cannot read --ca-bundle %s: %s", o.ca_bundle, strerror(errno));

    /* Block the stop signals before any thread exists, so that every thread
     * inherits the mask and only sigwait() below sees them. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Bounds name lookups (getaddrinfo cannot be interrupted): 2 s per
     * query, 2 tries, instead of glibc's 5 s and 2 per name server, so a
     * dead uplink cannot hold a federation thread for long. The
     * administrator's own RES_OPTIONS wins. Before any thread starts. */
    setenv("RES_OPTIONS", "timeout:2 attempts:2", 0);

    drv_led_init(CONFIG_POD_LED_NAME);
    drv_led_set(DRV_LED_BOOTING);
    drv_storage_init(o.data_dir, (uint64_t)CONFIG_POD_STORAGE_RESERVE_MB << 20);
    /* A partition already below the reserve is said at start (the driver
     * logs the change), not only at the first refused write. */
    (void)drv_storage_writable();
    if (crypto_rng_init() != POD_OK)
        cli_fail("cannot seed the random number generator from the platform");
    rc = store_open(&st, o.data_dir, &(struct store_options){.map_size = (size_t)o.map_mb << 20},
                    why, sizeof why);
    if (rc != POD_OK)
        cli_fail("%s", why);
    /* Early: the wait for a trusted clock below may depend on it. */
    if (strcmp(o.sntp, "off")) {
        struct sntp_config sc = {o.sntp, CONFIG_POD_SNTP_POLL_S, !o.sntp_no_set};
        if (sntp_start(&sntp, &sc) != POD_OK)
            cli_fail("cannot start the SNTP client");
    }
    /* A self-signed certificate about to be made is valid from "now": on a
     * board without RTC wait a little for NTP (drivers/clock). */
    cli_path_join(pem, sizeof pem, o.data_dir, "tls/selfsigned.pem");
    if (o.https_port && !o.cert && access(pem, R_OK) != 0 && !drv_clock_wall_trusted()) {
        LOG_INFO("main", "waiting up to %d s for NTP before making the TLS certificate",
                 CONFIG_POD_CLOCK_START_WAIT_S);
        if (!drv_clock_wait_trusted(CONFIG_POD_CLOCK_START_WAIT_S * 1000u))
            LOG_WARN("main",
                     "wall time not trusted yet: the self-signed certificate may be dated wrong");
    }
    pem[0] = '\0';
    if (o.https_port)
        prepare_tls(&o, pem);
    record_start(st);
    ensure_people(st, o.host);
    outbound = outbound_start(&o, st, &http, &disc);
    rc = task_keygen_start(&keygen, st, CONFIG_POD_RSA_KEY_BITS);
    if (rc != POD_OK)
        cli_fail("cannot start the key generation task: %s", pod_strerror(rc));
    if (task_fed_inbox_start(&fedin, st, outbound ? &disc : NULL) != POD_OK)
        cli_fail("cannot start the federation inbox task");
    if (outbound && task_fed_outbox_start(&fedout, st, &http) != POD_OK)
        cli_fail("cannot start the federation delivery task");
    if (o.https_port) {
        struct task_acme_config ac = {.store = st,
                                      .http = outbound ? &http : NULL,
                                      .data_dir = o.data_dir,
                                      .host = o.host,
                                      .admin_cert = o.cert != NULL};
        if (task_acme_start(&acme, &ac) != POD_OK)
            cli_fail("cannot start the ACME task");
    }

    wc.host = o.host;
    wc.bind_address = o.bind;
    wc.https_port = o.https_port;
    wc.http_port = o.http_port;
    wc.tls_pem = pem;
    wc.dev = o.dev;
    wc.request_timeout_ms = o.request_timeout_ms;
    wc.keygen = keygen;
    wc.fed_inbox = fedin;
    wc.fed_outbox = fedout;
    wc.http = outbound ? &http : NULL;
    wc.discovery = outbound ? &disc : NULL;
    wc.acme = acme;
    wc.admin_cert = o.cert != NULL;
    /* Port mapping before the listener, so that the admin page gets its
     * status (wc.portmap); the router answers after seconds, when the
     * listener is up. Stopped after the listener, whose requests read it. */
    {
        struct portmap_config pc = {
            .https_port = o.https_port, .http_port = o.http_port, .lease_s = o.portmap_lease_s};
        if (portmap_method_parse(o.portmap, &pc.method) == POD_OK &&
            portmap_start(&portmap, &pc) != POD_OK)
            LOG_WARN("main", "cannot start the port mapping thread");
        wc.portmap = portmap;
    }
    rc = web_server_start(&ws, &wc, st, why, sizeof why);
    if (rc != POD_OK) {
        portmap_stop(portmap);
        task_acme_stop(acme);
        task_keygen_stop(keygen);
        task_fed_inbox_stop(fedin);
        task_fed_outbox_stop(fedout);
        if (outbound) {
            fed_discovery_free(&disc);
            http_client_free(&http);
        }
        store_close(st);
        cli_fail("%s", why);
    }
    /* mDNS is a convenience: a LAN without it still reaches the pod by address. */
    if (strcmp(o.mdns, "off") && mdns_start(&mdns, o.mdns, why, sizeof why) != POD_OK)
        LOG_WARN("main", "%s; the pod is not announced on the LAN", why);
    drv_led_set(drv_net_uplink_up() ? DRV_LED_SERVING : DRV_LED_NO_NETWORK);
#ifdef CONFIG_POD_WATCHDOG
    probe =
        (struct alive_probe){o.bind, o.http_port ? o.http_port : o.https_port, o.http_port != 0};
    rc = drv_watchdog_start(&wd, CONFIG_POD_WATCHDOG_DEVICE, CONFIG_POD_WATCHDOG_TIMEOUT_S,
                            CONFIG_POD_WATCHDOG_TIMEOUT_S * 1000u / 3, web_alive, &probe);
    if (rc == POD_ERR_NOTFOUND)
        LOG_INFO("main", "no watchdog device %s: watchdog off", CONFIG_POD_WATCHDOG_DEVICE);
    else if (rc != POD_OK)
        LOG_ERR("main", "watchdog %s: %s", CONFIG_POD_WATCHDOG_DEVICE, pod_strerror(rc));
#else
    (void)probe;
    (void)web_alive;
#endif
#if CONFIG_POD_BUTTON_KEY
    rc =
        drv_button_start(&button, CONFIG_POD_BUTTON_DEVICE, CONFIG_POD_BUTTON_KEY, on_button, NULL);
    if (rc != POD_OK)
        LOG_WARN("main", "no reset button (key %d): %s", CONFIG_POD_BUTTON_KEY, pod_strerror(rc));
#else
    (void)on_button;
#endif
    LOG_INFO("main", "plugpod %s ready, data in %s", POD_VERSION, o.data_dir);

    for (;;) {
        struct timespec tick = {2, 0};

        sig = sigtimedwait(&set, NULL, &tick);
        if (sig < 0) { /* every 2 s: the LED follows the uplink */
            if (CONFIG_POD_LED_NAME[0])
                drv_led_set(drv_net_uplink_up() ? DRV_LED_SERVING : DRV_LED_NO_NETWORK);
            continue;
        }
        if (sig == SIGHUP) {
            LOG_INFO("main", "SIGHUP ignored (restart the pod to apply configuration)");
            continue;
        }
        break;
    }
    LOG_INFO("main", "%s: finishing requests and stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    mdns_stop(mdns);
    sntp_stop(sntp);
    web_server_stop(ws);
    portmap_stop(portmap); /* after the listener: its requests read the status */
    task_acme_stop(acme);  /* after the listener: see acme_task.h */
    task_keygen_stop(keygen);
    task_fed_inbox_stop(fedin);
    task_fed_outbox_stop(fedout);
    if (outbound) {
        fed_discovery_free(&disc);
        http_client_free(&http);
    }
    store_close(st);
    crypto_rng_free();
    drv_button_stop(button);
    drv_watchdog_stop(wd); /* last: a stop that hangs still resets the board */
    if (reset_pending != DRV_BUTTON_NONE)
        reset_and_restart(o.data_dir);
    LOG_INFO("main", "stopped");
    return 0;
}

/* glibc's allocator tuned for a pod in a few MB. Large blocks (argon2's
 * CONFIG_POD_ARGON2_M_KIB, decoded pictures) always come from mmap and go
 * back to the system when freed: left alone, glibc raises its mmap
 * threshold after the first such free, and then every worker thread's
 * arena keeps its own multi-MB block (measured: 36 MB peak under a sign-in
 * flood instead of 12). Two arenas are plenty for a handful of threads. */
static void
malloc_tune(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_ARENA_MAX, 2);
#endif
}

int
main(int argc, char **argv)
{
    malloc_tune();
    if (argc < 2) {
        cli_usage(stderr);
        return 2;
    }
    main_argv = argv;
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 2, argv + 2);
    if (!strcmp(argv[1], "config"))
        return cli_config_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "user"))
        return cli_user_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("plugpod %s (board %s; civetweb %s, %s, %s)\n", POD_VERSION, CONFIG_POD_BOARD,
               mg_version(), MBEDTLS_VERSION_STRING_FULL, MDB_VERSION_STRING);
        return 0;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        cli_usage(stdout);
        return 0;
    }
    fprintf(stderr, "plugpod: unknown command '%s'\n", argv[1]);
    cli_usage(stderr);
    return 2;
}
