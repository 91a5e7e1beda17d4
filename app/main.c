/*
 * main.c - the composition root: command line and configuration file ->
 * drivers -> crypto -> store -> TLS certificate -> web server, then wait
 * for a signal and take it all down in reverse order.
 *
 * Subcommands (tests and tools rely on them; keep them stable):
 *   plugpod serve [options]          run the pod
 *   plugpod version                  print the version
 *   plugpod config list|get|set ...  read or change pod settings offline
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
#include <stdarg.h>

#include "civetweb.h"
#include <mbedtls/version.h>

#include "autoconf.h"
#include "core/conf.h"
#include "core/error.h"
#include "core/log.h"
#include "core/ids.h"
#include "core/settings.h"
#include "crypto/crypto.h"
#include "crypto/password.h"
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
#include "net/mdns_proto.h"
#include "net/sntp.h"
#include "store/accounts.h"
#include "store/people.h"
#include "store/store.h"
#include "task/fed_outbox_task.h"
#include "task/fed_inbox_task.h"
#include "task/keygen.h"
#include "task/reset.h"
#include "web/server.h"

struct serve_opts {
    const char *data_dir;
    const char *host;
    const char *bind;
    const char *cert;
    const char *key;
    const char *ca_bundle;
    int https_port;
    int http_port;
    bool dev;
    const char *mdns; /* --mdns NAME: the mDNS name, "off": none, NULL: Kconfig */
    const char *sntp; /* --sntp SERVERS: NTP servers, "off": none, NULL: Kconfig */
    bool sntp_no_set; /* --sntp-no-set: only log the offset, never change the clock */
    unsigned request_timeout_ms;
    unsigned map_mb;         /* --map-mb: LMDB map size; 0: CONFIG_POD_LMDB_MAP_MB */
    struct http_guard guard; /* --allow-net: addresses outbound requests may reach anyway */
    char host_buf[300];
    char conf_strings[8][PATH_MAX]; /* values read from --config */
    int conf_used;
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: plugpod serve [--data DIR] [--host NAME[:PORT]] [--https-port N]\n"
                 "                     [--http-port N] [--cert PEM --key PEM] [--ca-bundle PEM]\n"
                 "                     [--bind ADDR] [--dev] [--config FILE] [--log-level LEVEL]\n"
                 "                     [--request-timeout-ms N] [--allow-net CIDR]...\n"
                 "                     [--mdns NAME|off] [--sntp 'HOST[:PORT]...'|off]\n"
                 "                     [--sntp-no-set] [--map-mb N]\n"
                 "       plugpod config list [--data DIR]\n"
                 "       plugpod config get NAME [--data DIR]\n"
                 "       plugpod config set NAME VALUE [--data DIR]\n"
                 "       plugpod user add NAME --password-file FILE [--admin] [--data DIR]\n"
                 "       plugpod user list [--data DIR]\n"
                 "       plugpod version\n");
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Prints "plugpod: <message>" on one line and exits 1. */
static void
fail(const char *fmt, ...)
{
    va_list ap;

    fputs("plugpod: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    drv_led_set(DRV_LED_ERROR); /* no-op without an LED */
    exit(1);
}

/* out = a "/" b; a path too long for PATH_MAX is an error, not a cut. */
static void
path_join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);

    if (n < 0 || (size_t)n >= cap)
        fail("path too long: %s/%s", a, b);
}

static int
parse_port(const char *s, const char *what)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 65535)
        fail("%s must be a port number from 0 to 65535, not '%s'", what, s);
    return (int)v;
}

static unsigned
parse_ms(const char *s, const char *what)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < 100 || v > 3600000)
        fail("%s must be milliseconds from 100 to 3600000, not '%s'", what, s);
    return (unsigned)v;
}

/* --map-mb / map_mb: the most the database may grow to, in MiB. */
static unsigned
parse_map_mb(const char *s, const char *what)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < 1 || v > 65536 || (size_t)v > SIZE_MAX / (1024u * 1024u))
        fail("%s must be a size in MiB from 1 to 65536, not '%s'", what, s);
    return (unsigned)v;
}

/* Keeps a value from the config file alive for the process lifetime. */
/* --allow-net / allow_net: one more CIDR the address guard lets through. */
static void
allow_net(struct serve_opts *o, const char *cidr, const char *what)
{
    int rc = http_guard_allow_cidr(&o->guard, cidr);

    if (rc == POD_ERR_LIMIT)
        fail("%s: at most %d networks", what, CONFIG_POD_HTTPC_ALLOW_NETS);
    if (rc != POD_OK)
        fail("%s must be an address or ADDRESS/PREFIX (CIDR), not '%s'", what, cidr);
}

static const char *
conf_keep(struct serve_opts *o, const char *value)
{
    if (o->conf_used >= 8)
        fail("too many path settings in the configuration file");
    snprintf(o->conf_strings[o->conf_used], PATH_MAX, "%s", value);
    return o->conf_strings[o->conf_used++];
}

static int
apply_conf_key(const char *key, const char *value, int line, void *ctx)
{
    struct serve_opts *o = ctx;
    enum pod_log_level level;

    if (!strcmp(key, "data"))
        o->data_dir = conf_keep(o, value);
    else if (!strcmp(key, "host"))
        o->host = conf_keep(o, value);
    else if (!strcmp(key, "bind"))
        o->bind = conf_keep(o, value);
    else if (!strcmp(key, "cert"))
        o->cert = conf_keep(o, value);
    else if (!strcmp(key, "key"))
        o->key = conf_keep(o, value);
    else if (!strcmp(key, "ca_bundle"))
        o->ca_bundle = conf_keep(o, value);
    else if (!strcmp(key, "mdns"))
        o->mdns = conf_keep(o, value);
    else if (!strcmp(key, "allow_net"))
        allow_net(o, value, "allow_net");
    else if (!strcmp(key, "https_port"))
        o->https_port = parse_port(value, "https_port");
    else if (!strcmp(key, "http_port"))
        o->http_port = parse_port(value, "http_port");
    else if (!strcmp(key, "request_timeout_ms"))
        o->request_timeout_ms = parse_ms(value, "request_timeout_ms");
    else if (!strcmp(key, "map_mb"))
        o->map_mb = parse_map_mb(value, "map_mb");
    else if (!strcmp(key, "dev"))
        o->dev = !strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1");
    else if (!strcmp(key, "log_level")) {
        if (pod_log_level_parse(value, &level) != POD_OK)
            fail("line %d: log_level must be error, warn, info or debug", line);
        pod_log_set_level(level);
    } else
        fail("line %d: unknown setting '%s'", line, key);
    return 0;
}

static void
load_conf_file(struct serve_opts *o, const char *path)
{
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    size_t len;
    int bad = 0, rc;

    if (!f)
        fail("cannot read configuration file %s: %s", path, strerror(errno));
    buf = malloc(POD_CONF_MAX_BYTES + 1);
    if (!buf)
        fail("out of memory");
    len = fread(buf, 1, POD_CONF_MAX_BYTES + 1, f);
    fclose(f);
    rc = pod_conf_parse(buf, len, apply_conf_key, o, &bad);
    free(buf);
    if (rc == POD_ERR_LIMIT && bad == 0)
        fail("configuration file %s is larger than %d bytes", path, POD_CONF_MAX_BYTES);
    if (rc != POD_OK)
        fail("configuration file %s, line %d: %s", path, bad, pod_strerror(rc));
}

static const char *
need_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        fail("%s needs a value (see plugpod --help)", argv[*i]);
    return argv[++*i];
}

static void
parse_serve_args(struct serve_opts *o, int argc, char **argv)
{
    enum pod_log_level level;

    o->data_dir = CONFIG_POD_DATA_DIR;
    o->https_port = CONFIG_POD_HTTPS_PORT;
    o->http_port = CONFIG_POD_HTTP_PORT;
    http_guard_init(&o->guard);
    /* The file first, so that the command line overrides it. */
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--config"))
            load_conf_file(o, need_arg(argc, argv, &i));
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--config"))
            i++;
        else if (!strcmp(a, "--data"))
            o->data_dir = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--host"))
            o->host = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--bind"))
            o->bind = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--https-port"))
            o->https_port = parse_port(need_arg(argc, argv, &i), "--https-port");
        else if (!strcmp(a, "--http-port"))
            o->http_port = parse_port(need_arg(argc, argv, &i), "--http-port");
        else if (!strcmp(a, "--cert"))
            o->cert = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--key"))
            o->key = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--ca-bundle"))
            o->ca_bundle = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--allow-net"))
            allow_net(o, need_arg(argc, argv, &i), "--allow-net");
        else if (!strcmp(a, "--dev"))
            o->dev = true;
        else if (!strcmp(a, "--mdns"))
            o->mdns = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--sntp"))
            o->sntp = need_arg(argc, argv, &i);
        else if (!strcmp(a, "--sntp-no-set"))
            o->sntp_no_set = true;
        else if (!strcmp(a, "--request-timeout-ms"))
            o->request_timeout_ms = parse_ms(need_arg(argc, argv, &i), "--request-timeout-ms");
        else if (!strcmp(a, "--map-mb"))
            o->map_mb = parse_map_mb(need_arg(argc, argv, &i), "--map-mb");
        else if (!strcmp(a, "--log-level")) {
            if (pod_log_level_parse(need_arg(argc, argv, &i), &level) != POD_OK)
                fail("--log-level must be error, warn, info or debug");
            pod_log_set_level(level);
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else
            fail("unknown option '%s' (see plugpod --help)", a);
    }
    if (!o->https_port && !o->http_port)
        fail("at least one of --https-port and --http-port must be non-zero");
    if (!o->https_port && !o->dev)
        fail("without HTTPS (--https-port 0) the pod only runs with --dev");
    if (!!o->cert != !!o->key)
        fail("--cert and --key go together");
    if (!o->host) {
        if (o->https_port == 443 || !o->https_port)
            snprintf(o->host_buf, sizeof o->host_buf, "localhost");
        else
            snprintf(o->host_buf, sizeof o->host_buf, "localhost:%d", o->https_port);
        o->host = o->host_buf;
    }
    if (!pod_host_valid(o->host))
        fail("--host must be a lowercase host name with an optional :port, not '%s'", o->host);
    if (!o->mdns) {
#ifdef CONFIG_POD_MDNS
        o->mdns = CONFIG_POD_MDNS_NAME;
#else
        o->mdns = "off";
#endif
    }
    if (!o->sntp) {
#ifdef CONFIG_POD_SNTP
        o->sntp = CONFIG_POD_SNTP_SERVERS;
#else
        o->sntp = "off";
#endif
    }
    if (strcmp(o->sntp, "off") && sntp_servers_valid(o->sntp) != POD_OK)
        fail("--sntp must be off or 1 to %d servers (host or host:port, space-separated), not "
             "'%s'",
             SNTP_SERVERS_MAX, o->sntp);
    if (strcmp(o->mdns, "off")) {
        static struct mdns_host check;
        if (mdns_host_set_name(&check, o->mdns) != POD_OK)
            fail("--mdns must be a host name (1 to 63 of a-z, 0-9, '-') or off, not '%s'", o->mdns);
    }
}

/* Prepares the PEM civetweb serves from: the administrator's certificate
 * and key combined, or a self-signed certificate for the host made once and
 * kept in DATA/tls. Writes the path into pem (PATH_MAX bytes). */
static void
prepare_tls(const struct serve_opts *o, char *pem)
{
    char dir[PATH_MAX], host_file[PATH_MAX], why[256], old_host[300] = "";
    char fingerprint[65];
    FILE *f;
    int rc;

    path_join(dir, sizeof dir, o->data_dir, "tls");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        fail("cannot create %s: %s", dir, strerror(errno));
    if (o->cert) {
        path_join(pem, PATH_MAX, dir, "server.pem");
        rc = crypto_tls_pem_combine(o->cert, o->key, pem, why, sizeof why);
        if (rc != POD_OK)
            fail("TLS certificate: %s", why);
    } else {
        path_join(pem, PATH_MAX, dir, "selfsigned.pem");
        path_join(host_file, sizeof host_file, dir, "selfsigned.host");
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
                fail("cannot create a self-signed certificate in %s: %s", dir, pod_strerror(rc));
            f = fopen(host_file, "w");
            if (!f || fprintf(f, "%s\n", o->host) < 0 || fclose(f) != 0)
                fail("cannot write %s: %s", host_file, strerror(errno));
        }
    }
    rc = crypto_tls_pem_check(pem, why, sizeof why);
    if (rc != POD_OK)
        fail("TLS certificate %s: %s", pem, why);
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
        fail("cannot record the start in %s: %s", store_dir(st), pod_strerror(rc));
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
        fail("cannot prepare the people of %s: %s", store_dir(st), pod_strerror(rc));
    if (added)
        LOG_INFO("main", "%u account%s joined the people table", added, added == 1 ? "" : "s");
}

/* The outbound HTTPS client (trusting --ca-bundle, or the system's store)
 * and discovery on top of it. Without an explicit --ca-bundle a missing
 * system store only turns federation off; a bad --ca-bundle stops the
 * start. Returns whether they were made. */
static bool
outbound_start(const struct serve_opts *o, struct store *st, struct http_client *http,
               struct fed_discovery *disc)
{
    struct http_client_config hc = {.ca_bundle = o->ca_bundle, .guard = &o->guard};
    struct fed_discovery_config dc = {.http = http, .store = st, .local_host = o->host};
    char why[512] = "";
    int rc;

    rc = http_client_init(http, &hc, why, sizeof why);
    if (rc != POD_OK) {
        if (o->ca_bundle)
            fail("--ca-bundle %s: %s", o->ca_bundle, why[0] ? why : pod_strerror(rc));
        LOG_WARN("main", "no outbound HTTPS (%s): people of other pods cannot be found",
                 why[0] ? why : pod_strerror(rc));
        return false;
    }
    rc = fed_discovery_init(disc, &dc);
    if (rc != POD_OK)
        fail("cannot set up discovery: %s", pod_strerror(rc));
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
        fail("reset of %s failed: %s", data_dir, pod_strerror(rc));
    drv_led_set(DRV_LED_BOOTING);
    execv("/proc/self/exe", main_argv);
    fail("cannot start again after the reset: %s", strerror(errno));
}

static int
cmd_serve(int argc, char **argv)
{
    struct serve_opts o = {0};
    struct store *st = NULL;
    struct web_server *ws = NULL;
    struct mdns_responder *mdns = NULL;
    struct sntp_client *sntp = NULL;
    struct task_keygen *keygen = NULL;
    struct task_fed_inbox *fedin = NULL;
    struct task_fed_outbox *fedout = NULL;
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

    parse_serve_args(&o, argc, argv);
    if (o.ca_bundle && access(o.ca_bundle, R_OK) != 0)
        fail("cannot read --ca-bundle %s: %s", o.ca_bundle, strerror(errno));

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
    if (crypto_rng_init() != POD_OK)
        fail("cannot seed the random number generator from the platform");
    rc = store_open(&st, o.data_dir, &(struct store_options){.map_size = (size_t)o.map_mb << 20},
                    why, sizeof why);
    if (rc != POD_OK)
        fail("%s", why);
    /* Early: the wait for a trusted clock below may depend on it. */
    if (strcmp(o.sntp, "off")) {
        struct sntp_config sc = {o.sntp, CONFIG_POD_SNTP_POLL_S, !o.sntp_no_set};
        if (sntp_start(&sntp, &sc) != POD_OK)
            fail("cannot start the SNTP client");
    }
    /* A self-signed certificate about to be made is valid from "now": on a
     * board without RTC wait a little for NTP (drivers/clock). */
    path_join(pem, sizeof pem, o.data_dir, "tls/selfsigned.pem");
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
        fail("cannot start the key generation task: %s", pod_strerror(rc));
    if (task_fed_inbox_start(&fedin, st, outbound ? &disc : NULL) != POD_OK)
        fail("cannot start the federation inbox task");
    if (outbound && task_fed_outbox_start(&fedout, st, &http) != POD_OK)
        fail("cannot start the federation delivery task");

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
    rc = web_server_start(&ws, &wc, st, why, sizeof why);
    if (rc != POD_OK) {
        task_keygen_stop(keygen);
        task_fed_inbox_stop(fedin);
        task_fed_outbox_stop(fedout);
        if (outbound) {
            fed_discovery_free(&disc);
            http_client_free(&http);
        }
        store_close(st);
        fail("%s", why);
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

/* Splits "--data DIR" out of the config subcommand's arguments. */
static const char *
config_data_dir(int *argc, char **argv)
{
    const char *dir = CONFIG_POD_DATA_DIR;
    int j = 0;

    for (int i = 0; i < *argc; i++) {
        if (!strcmp(argv[i], "--data"))
            dir = need_arg(*argc, argv, &i);
        else
            argv[j++] = argv[i];
    }
    *argc = j;
    return dir;
}

static void
print_setting(struct store_txn *txn, const struct pod_setting_def *d, bool with_name)
{
    char buf[4200];
    uint64_t v;
    int rc;

    if (with_name)
        printf("%s = ", d->name);
    if (d->type == POD_SETTING_STR) {
        rc = store_setting_get_str(txn, d->name, buf, sizeof buf);
        printf("%s\n", rc == POD_OK ? buf : d->default_text);
    } else {
        rc = store_setting_get_u64(txn, d->name, &v);
        if (rc != POD_OK)
            printf("%s\n", d->default_text);
        else if (d->type == POD_SETTING_BOOL)
            printf("%s\n", v ? "true" : "false");
        else
            printf("%llu\n", (unsigned long long)v);
    }
}

static int
cmd_config(int argc, char **argv)
{
    const char *dir = config_data_dir(&argc, argv);
    const struct pod_setting_def *defs, *d = NULL;
    struct store *st = NULL;
    struct store_txn *txn = NULL;
    size_t count;
    uint64_t num;
    char why[512];
    int rc;

    if (argc < 1 || (!strcmp(argv[0], "get") && argc != 2) ||
        (!strcmp(argv[0], "set") && argc != 3) || (!strcmp(argv[0], "list") && argc != 1)) {
        usage(stderr);
        return 2;
    }
    if (argc >= 2) {
        d = pod_setting_find(argv[1]);
        if (!d)
            fail("no setting named '%s' (plugpod config list shows them)", argv[1]);
    }
    if (!strcmp(argv[0], "set")) {
        if (!d->admin_writable)
            fail("%s is kept by the pod itself and cannot be set", d->name);
        rc = pod_setting_parse(d, argv[2], &num);
        if (rc != POD_OK)
            fail("'%s' is not a valid value for %s: %s", argv[2], d->name, pod_strerror(rc));
    } else if (strcmp(argv[0], "get") && strcmp(argv[0], "list")) {
        usage(stderr);
        return 2;
    }
    if (store_open(&st, dir, NULL, why, sizeof why) != POD_OK)
        fail("%s", why);
    rc = store_txn_begin(st, !strcmp(argv[0], "set"), &txn);
    if (rc != POD_OK)
        goto out;
    if (!strcmp(argv[0], "list")) {
        defs = pod_settings_all(&count);
        for (size_t i = 0; i < count; i++)
            print_setting(txn, &defs[i], true);
    } else if (!strcmp(argv[0], "get")) {
        print_setting(txn, d, false);
    } else {
        rc = d->type == POD_SETTING_STR ? store_setting_set_str(txn, d->name, argv[2])
                                        : store_setting_set_u64(txn, d->name, num);
        if (rc != POD_OK)
            goto out;
        rc = store_txn_commit(txn);
        txn = NULL;
    }
out:
    store_txn_abort(txn);
    store_close(st);
    if (rc != POD_OK)
        fail("%s: %s", dir, pod_strerror(rc));
    return 0;
}

/* Reads the first line of path as a password (without the newline). */
static void
read_password_file(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        fail("cannot read password file %s: %s", path, strerror(errno));
    if (!fgets(out, (int)cap, f))
        out[0] = '\0';
    fclose(f);
    n = strcspn(out, "\r\n");
    out[n] = '\0';
}

static int
print_user(const struct store_user *u, void *ctx)
{
    (void)ctx;
    printf("%s\t%s\t%s\n", u->username, u->guid, u->admin ? "admin" : "user");
    return 0;
}

/* plugpod user add|list: accounts from the command line (tests and tools). */
static int
cmd_user(int argc, char **argv)
{
    const char *dir = config_data_dir(&argc, argv);
    const char *pwfile = NULL, *name = NULL;
    char password[CRYPTO_PASSWORD_MAX + 2], why[512];
    struct store_user u = {0};
    struct store_profile profile = {0};
    struct store *st = NULL;
    struct store_txn *txn = NULL;
    bool admin = false, add;
    int rc;

    if (argc < 1 || (strcmp(argv[0], "add") && strcmp(argv[0], "list"))) {
        usage(stderr);
        return 2;
    }
    add = !strcmp(argv[0], "add");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--password-file"))
            pwfile = need_arg(argc, argv, &i);
        else if (!strcmp(argv[i], "--admin"))
            admin = true;
        else if (add && !name && argv[i][0] != '-')
            name = argv[i];
        else
            fail("unexpected argument '%s' (see plugpod --help)", argv[i]);
    }
    if (add) {
        if (!name || !pwfile)
            fail("user add needs a NAME and --password-file FILE");
        if (!pod_username_valid(name))
            fail("'%s' is not a username: 1 to 32 of a-z, 0-9, '-', '.', '_'", name);
        read_password_file(pwfile, password, sizeof password);
        rc = crypto_password_acceptable(password, strlen(password));
        if (rc != POD_OK)
            fail("the password must have %d to %d characters of valid UTF-8", CRYPTO_PASSWORD_MIN,
                 CRYPTO_PASSWORD_MAX);
        if (crypto_rng_init() != POD_OK)
            fail("cannot seed the random number generator from the platform");
        snprintf(u.username, sizeof u.username, "%s", name);
        snprintf(u.language, sizeof u.language, "en");
        u.admin = admin;
        u.created_at = drv_clock_wall();
        if (pod_guid_new(u.guid) != POD_OK ||
            crypto_password_hash(password, strlen(password), u.password_hash,
                                 sizeof u.password_hash) != POD_OK)
            fail("cannot hash the password");
        memset(password, 0, sizeof password);
        profile.searchable = true;
        profile.updated_at = u.created_at;
    }
    if (store_open(&st, dir, NULL, why, sizeof why) != POD_OK)
        fail("%s", why);
    rc = store_txn_begin(st, add, &txn);
    if (rc == POD_OK && add) {
        /* The person row gets its host when the pod starts
         * (store_people_ensure_local): the command line has no --host. */
        rc = store_user_add(txn, &u);
        if (rc == POD_OK)
            rc = store_profile_put(txn, u.username, &profile);
        if (rc == POD_OK) {
            rc = store_txn_commit(txn);
            txn = NULL;
        }
    } else if (rc == POD_OK) {
        rc = store_user_each(txn, print_user, NULL);
    }
    store_txn_abort(txn);
    store_close(st);
    if (rc == POD_ERR_EXISTS)
        fail("there is already an account called %s", name);
    if (rc != POD_OK)
        fail("%s: %s", dir, pod_strerror(rc));
    if (add)
        printf("created %s%s (guid %s); its key is made when the pod next runs\n", u.username,
               admin ? " (admin)" : "", u.guid);
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
        usage(stderr);
        return 2;
    }
    main_argv = argv;
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 2, argv + 2);
    if (!strcmp(argv[1], "config"))
        return cmd_config(argc - 2, argv + 2);
    if (!strcmp(argv[1], "user"))
        return cmd_user(argc - 2, argv + 2);
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("plugpod %s (board %s; civetweb %s, %s, %s)\n", POD_VERSION, CONFIG_POD_BOARD,
               mg_version(), MBEDTLS_VERSION_STRING_FULL, MDB_VERSION_STRING);
        return 0;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "plugpod: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
