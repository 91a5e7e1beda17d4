/*
 * cli.h - the command line of the plugpod binary: the options of
 * `plugpod serve` (with its configuration file) and the offline
 * subcommands `plugpod config` and `plugpod user`. This code runs before
 * the pod starts, or instead of it, and may end the process: a command-line
 * error is one line on stderr ("plugpod: ...") and exit code 1.
 */
#ifndef POD_CLI_CLI_H
#define POD_CLI_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "http/addr_guard.h"

/* What `plugpod serve` was asked to do. The strings point into argv, into
 * the struct itself (host_buf, conf_strings) or at Kconfig defaults. */
struct cli_serve_opts {
    const char *data_dir;
    const char *host;
    const char *bind;
    const char *cert;
    const char *key;
    const char *ca_bundle;
    int https_port;
    int http_port;
    bool dev;
    const char *mdns;         /* --mdns NAME: the mDNS name, "off": none, NULL: Kconfig */
    const char *sntp;         /* --sntp SERVERS: NTP servers, "off": none, NULL: Kconfig */
    bool sntp_no_set;         /* --sntp-no-set: only log the offset, never change the clock */
    const char *portmap;      /* --portmap auto|upnp|natpmp|off; NULL: Kconfig */
    unsigned portmap_lease_s; /* --portmap-lease-s (tests): lease asked; 0: the default */
    unsigned request_timeout_ms;
    unsigned map_mb;         /* --map-mb: LMDB map size; 0: CONFIG_POD_LMDB_MAP_MB */
    struct http_guard guard; /* --allow-net: addresses outbound requests may reach anyway */
    char host_buf[300];
    char conf_strings[8][PATH_MAX]; /* values read from --config */
    int conf_used;
};

/* Prints the usage of every subcommand to out. */
void cli_usage(FILE *out);

/* Prints "plugpod: <message>" on one line, shows the error on the status
 * LED (if any) and exits 1. */
void cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* out = a "/" b; a path that does not fit in cap is an error (exits), not
 * a cut. */
void cli_path_join(char *out, size_t cap, const char *a, const char *b);

/* The value after the option argv[*i] (and *i moves to it); exits when
 * the option is the last argument. */
const char *cli_need_arg(int argc, char **argv, int *i);

/* Fills o from Kconfig's defaults, then the file of --config (if any),
 * then argv (argc entries after "serve"), which wins; checks the result
 * (ports, host, certificate pair, mDNS name, SNTP servers). Exits on an
 * error; --help prints the usage and exits 0. */
void cli_serve_opts_parse(struct cli_serve_opts *o, int argc, char **argv);

/* `plugpod config list|get NAME|set NAME VALUE [--data DIR]` (argv after
 * "config"): the pod's settings, offline. Answers the exit status. */
int cli_config_main(int argc, char **argv);

/* `plugpod user add NAME --password-file FILE [--admin] [--data DIR]` and
 * `plugpod user list [--data DIR]` (argv after "user"), offline. Answers
 * the exit status. */
int cli_user_main(int argc, char **argv);

#endif
