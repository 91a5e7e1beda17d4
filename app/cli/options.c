/*
 * options.c - the options of `plugpod serve`, from the configuration file
 * and the command line, and the error exit every subcommand shares
 * (cli/cli.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "cli/cli.h"
#include "core/conf.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "drivers/led/led.h"
#include "net/mdns_proto.h"
#include "net/portmap.h"
#include "net/sntp.h"

void
cli_usage(FILE *out)
{
    fprintf(out, "usage: plugpod serve [--data DIR] [--host NAME[:PORT]] [--https-port N]\n"
                 "                     [--http-port N] [--cert PEM --key PEM] [--ca-bundle PEM]\n"
                 "                     [--bind ADDR] [--dev] [--config FILE] [--log-level LEVEL]\n"
                 "                     [--request-timeout-ms N] [--allow-net CIDR]...\n"
                 "                     [--mdns NAME|off] [--sntp 'HOST[:PORT]...'|off]\n"
                 "                     [--sntp-no-set] [--map-mb N]\n"
                 "                     [--portmap auto|upnp|natpmp|off]\n"
                 "       plugpod config list [--data DIR]\n"
                 "       plugpod config get NAME [--data DIR]\n"
                 "       plugpod config set NAME VALUE [--data DIR]\n"
                 "       plugpod user add NAME --password-file FILE [--admin] [--data DIR]\n"
                 "       plugpod user list [--data DIR]\n"
                 "       plugpod version\n");
}

/* Prints "plugpod: <message>" on one line and exits 1. */
void
cli_fail(const char *fmt, ...)
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

void
cli_path_join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);

    if (n < 0 || (size_t)n >= cap)
        cli_fail("path too long: %s/%s", a, b);
}

static int
parse_port(const char *s, const char *what)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 65535)
        cli_fail("%s must be a port number from 0 to 65535, not '%s'", what, s);
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
        cli_fail("%s must be milliseconds from 100 to 3600000, not '%s'", what, s);
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
        cli_fail("%s must be a size in MiB from 1 to 65536, not '%s'", what, s);
    return (unsigned)v;
}

/* --portmap-lease-s / portmap_lease_s: the lease asked of the router. */
static unsigned
parse_lease_s(const char *s, const char *what)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < 2 || v > 86400)
        cli_fail("%s must be seconds from 2 to 86400, not '%s'", what, s);
    return (unsigned)v;
}

/* Keeps a value from the config file alive for the process lifetime. */
/* --allow-net / allow_net: one more CIDR the address guard lets through. */
static void
allow_net(struct cli_serve_opts *o, const char *cidr, const char *what)
{
    int rc = http_guard_allow_cidr(&o->guard, cidr);

    if (rc == POD_ERR_LIMIT)
        cli_fail("%s: at most %d networks", what, CONFIG_POD_HTTPC_ALLOW_NETS);
    if (rc != POD_OK)
        cli_fail("%s must be an address or ADDRESS/PREFIX (CIDR), not '%s'", what, cidr);
}

static const char *
conf_keep(struct cli_serve_opts *o, const char *value)
{
    if (o->conf_used >= 8)
        cli_fail("too many path settings in the configuration file");
    snprintf(o->conf_strings[o->conf_used], PATH_MAX, "%s", value);
    return o->conf_strings[o->conf_used++];
}

static int
apply_conf_key(const char *key, const char *value, int line, void *ctx)
{
    struct cli_serve_opts *o = ctx;
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
    else if (!strcmp(key, "portmap"))
        o->portmap = conf_keep(o, value);
    else if (!strcmp(key, "portmap_lease_s"))
        o->portmap_lease_s = parse_lease_s(value, "portmap_lease_s");
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
            cli_fail("line %d: log_level must be error, warn, info or debug", line);
        pod_log_set_level(level);
    } else
        cli_fail("line %d: unknown setting '%s'", line, key);
    return 0;
}

static void
load_conf_file(struct cli_serve_opts *o, const char *path)
{
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    size_t len;
    int bad = 0, rc;

    if (!f)
        cli_fail("cannot read configuration file %s: %s", path, strerror(errno));
    buf = malloc(POD_CONF_MAX_BYTES + 1);
    if (!buf)
        cli_fail("out of memory");
    len = fread(buf, 1, POD_CONF_MAX_BYTES + 1, f);
    fclose(f);
    rc = pod_conf_parse(buf, len, apply_conf_key, o, &bad);
    free(buf);
    if (rc == POD_ERR_LIMIT && bad == 0)
        cli_fail("configuration file %s is larger than %d bytes", path, POD_CONF_MAX_BYTES);
    if (rc != POD_OK)
        cli_fail("configuration file %s, line %d: %s", path, bad, pod_strerror(rc));
}

const char *
cli_need_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        cli_fail("%s needs a value (see plugpod --help)", argv[*i]);
    return argv[++*i];
}

void
cli_serve_opts_parse(struct cli_serve_opts *o, int argc, char **argv)
{
    enum pod_log_level level;

    o->data_dir = CONFIG_POD_DATA_DIR;
    o->https_port = CONFIG_POD_HTTPS_PORT;
    o->http_port = CONFIG_POD_HTTP_PORT;
    http_guard_init(&o->guard);
    /* The file first, so that the command line overrides it. */
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--config"))
            load_conf_file(o, cli_need_arg(argc, argv, &i));
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--config"))
            i++;
        else if (!strcmp(a, "--data"))
            o->data_dir = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--host"))
            o->host = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--bind"))
            o->bind = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--https-port"))
            o->https_port = parse_port(cli_need_arg(argc, argv, &i), "--https-port");
        else if (!strcmp(a, "--http-port"))
            o->http_port = parse_port(cli_need_arg(argc, argv, &i), "--http-port");
        else if (!strcmp(a, "--cert"))
            o->cert = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--key"))
            o->key = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--ca-bundle"))
            o->ca_bundle = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--allow-net"))
            allow_net(o, cli_need_arg(argc, argv, &i), "--allow-net");
        else if (!strcmp(a, "--dev"))
            o->dev = true;
        else if (!strcmp(a, "--mdns"))
            o->mdns = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--sntp"))
            o->sntp = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--sntp-no-set"))
            o->sntp_no_set = true;
        else if (!strcmp(a, "--portmap"))
            o->portmap = cli_need_arg(argc, argv, &i);
        else if (!strcmp(a, "--portmap-lease-s"))
            o->portmap_lease_s = parse_lease_s(cli_need_arg(argc, argv, &i), "--portmap-lease-s");
        else if (!strcmp(a, "--request-timeout-ms"))
            o->request_timeout_ms = parse_ms(cli_need_arg(argc, argv, &i), "--request-timeout-ms");
        else if (!strcmp(a, "--map-mb"))
            o->map_mb = parse_map_mb(cli_need_arg(argc, argv, &i), "--map-mb");
        else if (!strcmp(a, "--log-level")) {
            if (pod_log_level_parse(cli_need_arg(argc, argv, &i), &level) != POD_OK)
                cli_fail("--log-level must be error, warn, info or debug");
            pod_log_set_level(level);
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_usage(stdout);
            exit(0);
        } else
            cli_fail("unknown option '%s' (see plugpod --help)", a);
    }
    if (!o->https_port && !o->http_port)
        cli_fail("at least one of --https-port and --http-port must be non-zero");
    if (!o->https_port && !o->dev)
        cli_fail("without HTTPS (--https-port 0) the pod only runs with --dev");
    if (!!o->cert != !!o->key)
        cli_fail("--cert and --key go together");
    if (!o->host) {
        if (o->https_port == 443 || !o->https_port)
            snprintf(o->host_buf, sizeof o->host_buf, "localhost");
        else
            snprintf(o->host_buf, sizeof o->host_buf, "localhost:%d", o->https_port);
        o->host = o->host_buf;
    }
    if (!pod_host_valid(o->host))
        cli_fail("--host must be a lowercase host name with an optional :port, not '%s'", o->host);
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
    if (!o->portmap) {
#ifdef CONFIG_POD_PORTMAP
        o->portmap = CONFIG_POD_PORTMAP_DEFAULT;
#else
        o->portmap = "off";
#endif
    }
    {
        enum portmap_method pm;
        if (portmap_method_parse(o->portmap, &pm) != POD_OK)
            cli_fail("--portmap must be auto, upnp, natpmp or off, not '%s'", o->portmap);
#ifndef CONFIG_POD_PORTMAP
        if (pm != PORTMAP_OFF)
            cli_fail("this build has no port mapping (CONFIG_POD_PORTMAP): --portmap off only");
#endif
    }
    if (strcmp(o->sntp, "off") && sntp_servers_valid(o->sntp) != POD_OK)
        cli_fail("--sntp must be off or 1 to %d servers (host or host:port, space-separated), not "
                 "'%s'",
                 SNTP_SERVERS_MAX, o->sntp);
    if (strcmp(o->mdns, "off")) {
        static struct mdns_host check;
        if (mdns_host_set_name(&check, o->mdns) != POD_OK)
            cli_fail("--mdns must be a host name (1 to 63 of a-z, 0-9, '-') or off, not '%s'",
                     o->mdns);
    }
}
