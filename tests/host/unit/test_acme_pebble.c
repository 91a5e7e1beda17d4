/*
 * test_acme_pebble.c - acme_obtain against Debian's pebble (a small ACME
 * test CA) on 127.0.0.1 with random ports.
 *
 * pebble runs with PEBBLE_VA_ALWAYS_VALID=1 (every challenge validates
 * without fetching anything, so no HTTP-01 server is needed here; the
 * end-to-end validation through the pod's own port 80 is the ACME task's
 * namespace test) and PEBBLE_VA_NOSLEEP=1. Its TLS certificate is a
 * self-signed one for "localhost" made with crypto/tls_cert.h and trusted
 * through the client's CA bundle; the client's address guard allows
 * loopback. Checked:
 * - acme_obtain answers ACME_OK; the PEM (mode 0600) holds a key that
 *   matches the leaf, and the leaf names the host in its SAN;
 * - a second call reuses the account: the log names the same account URL,
 *   "created" the first time and "existing" the second;
 * - with PEBBLE_WFE_NONCEREJECT=50 (half the nonces refused) acme_obtain
 *   still succeeds, and the log shows badNonce retries;
 * - a directory nobody listens on is ACME_ERR_UNREACHABLE, a CA the client
 *   does not trust is ACME_ERR_UNREACHABLE, and the old PEM stays.
 * Skipped when pebble is not installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/x509_crt.h>

#include "acme/acme.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/tls_cert.h"
#include "http/http.h"
#include "testutil.h"

#define PEBBLE_BIN "/usr/bin/pebble"
#define HOST       "pod.example.org"

static char tmpdir[64];
static char pebble_pem[128]; /* key + self-signed cert for localhost */
static char ca_path[128];    /* the cert alone: the client's trust store */
static pid_t pebble_pid = -1;
static int pebble_port;
static char pebble_log[128];

static void
sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void
pebble_stop(void)
{
    if (pebble_pid > 0) {
        kill(pebble_pid, SIGTERM);
        for (int i = 0; i < 100; i++) {
            if (waitpid(pebble_pid, NULL, WNOHANG) == pebble_pid) {
                pebble_pid = -1;
                return;
            }
            sleep_ms(50);
        }
        kill(pebble_pid, SIGKILL);
        waitpid(pebble_pid, NULL, 0);
        pebble_pid = -1;
    }
}

static void
dump_file(const char *path)
{
    size_t len = 0;
    char *text = test_slurp(path, &len);

    if (text) {
        fprintf(stderr, "---- %s ----\n%.*s\n----\n", path, (int)len, text);
        free(text);
    }
}

/* Starts pebble with nonce_reject percent of nonces refused and waits
 * (bounded) until it listens. */
static void
pebble_start(int nonce_reject)
{
    char cfg_path[128], cfg[1024], env_reject[32];
    int log_fd;
    bool up = false;

    pebble_stop(); /* one left over by a failed test */
    pebble_port = test_free_port();
    snprintf(cfg_path, sizeof cfg_path, "%s/pebble.json", tmpdir);
    snprintf(cfg, sizeof cfg,
             "{\"pebble\":{\"listenAddress\":\"127.0.0.1:%d\","
             "\"managementListenAddress\":\"127.0.0.1:%d\",\"certificate\":\"%s\","
             "\"privateKey\":\"%s\",\"httpPort\":%d,\"tlsPort\":%d,\"ocspResponderURL\":\"\","
             "\"externalAccountBindingRequired\":false,\"certificateValidityPeriod\":3600}}",
             pebble_port, test_free_port(), pebble_pem, pebble_pem, test_free_port(),
             test_free_port());
    test_spit(cfg_path, cfg, strlen(cfg));
    snprintf(pebble_log, sizeof pebble_log, "%s/pebble-%d.log", tmpdir, nonce_reject);
    snprintf(env_reject, sizeof env_reject, "%d", nonce_reject);

    log_fd = open(pebble_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(log_fd >= 0);
    pebble_pid = fork();
    assert_true(pebble_pid >= 0);
    if (pebble_pid == 0) {
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        setenv("PEBBLE_VA_ALWAYS_VALID", "1", 1);
        setenv("PEBBLE_VA_NOSLEEP", "1", 1);
        setenv("PEBBLE_WFE_NONCEREJECT", env_reject, 1);
        execl(PEBBLE_BIN, "pebble", "-config", cfg_path, (char *)NULL);
        _exit(127);
    }
    close(log_fd);
    /* pebble prints "Listening on: 127.0.0.1:PORT" when it serves. */
    for (int i = 0; i < 400 && !up; i++) {
        size_t len = 0;
        char *text = test_slurp(pebble_log, &len);
        if (text) {
            up = strstr(text, "Listening on") != NULL;
            free(text);
        }
        if (!up) {
            if (waitpid(pebble_pid, NULL, WNOHANG) == pebble_pid) {
                pebble_pid = -1;
                break;
            }
            sleep_ms(50);
        }
    }
    if (!up) {
        dump_file(pebble_log);
        pebble_stop();
        fail_msg("pebble did not start");
    }
}

static void
client_make(struct http_client *c, const char *bundle)
{
    struct http_guard g;
    struct http_client_config cfg = {.ca_bundle = bundle, .guard = &g};
    char why[256] = "";

    http_guard_init(&g);
    assert_int_equal(http_guard_allow_cidr(&g, "127.0.0.0/8"), POD_OK);
    assert_int_equal(http_guard_allow_cidr(&g, "::1/128"), POD_OK);
    if (http_client_init(c, &cfg, why, sizeof why) != POD_OK)
        fail_msg("http_client_init: %s", why);
}

/* Runs acme_obtain with stderr (the log) captured into *log (malloc'd). */
static enum acme_result
obtain_logged(const struct acme_config *cfg, const char *pem, struct acme_outcome *out, char **log)
{
    char path[160];
    int saved = dup(2), fd;
    enum acme_result r;
    size_t len = 0;

    snprintf(path, sizeof path, "%s/client.log", tmpdir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    close(fd);
    r = acme_obtain(cfg, pem, out);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    *log = test_slurp(path, &len);
    assert_non_null(*log);
    fprintf(stderr, "%s", *log); /* keep it visible in the test output */
    return r;
}

/* The account URL of the line "acme: account URL (word)" in log, into
 * url; false when there is none with that word. */
static bool
account_line(const char *log, const char *word, char *url, size_t cap)
{
    const char *p = strstr(log, "acme: account ");
    char tail[32];

    snprintf(tail, sizeof tail, " (%s)", word);
    for (; p; p = strstr(p + 1, "acme: account ")) {
        const char *u = p + strlen("acme: account ");
        const char *end = strchr(u, '\n');
        const char *w = strstr(u, tail);
        if (strncmp(u, "https://", 8) || !end || !w || w > end || (size_t)(w - u) >= cap)
            continue;
        memcpy(url, u, (size_t)(w - u));
        url[w - u] = '\0';
        return true;
    }
    return false;
}

/* Checks the PEM: 0600, its key matches the leaf, the leaf names HOST. */
static void
check_pem(const char *pem)
{
    char why[256] = "";
    mbedtls_x509_crt chain;
    struct stat st;
    bool named = false;

    assert_int_equal(stat(pem, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    if (crypto_tls_pem_check(pem, why, sizeof why) != POD_OK)
        fail_msg("crypto_tls_pem_check: %s", why);
    mbedtls_x509_crt_init(&chain);
    assert_int_equal(mbedtls_x509_crt_parse_file(&chain, pem), 0);
    for (const mbedtls_x509_sequence *s = &chain.subject_alt_names; s && s->buf.p; s = s->next)
        if (s->buf.len == strlen(HOST) && !memcmp(s->buf.p, HOST, s->buf.len))
            named = true;
    assert_true(named);
    assert_non_null(chain.next); /* pebble's intermediate follows the leaf */
    mbedtls_x509_crt_free(&chain);
}

static int
group_setup(void **state)
{
    size_t len = 0;
    char *text, *cert;

    (void)state;
    if (access(PEBBLE_BIN, X_OK) != 0)
        return 0; /* the tests skip */
    strcpy(tmpdir, "/tmp/plugpod-pebble.XXXXXX");
    if (!mkdtemp(tmpdir) || crypto_rng_init() != POD_OK)
        return -1;
    snprintf(pebble_pem, sizeof pebble_pem, "%s/pebble.pem", tmpdir);
    snprintf(ca_path, sizeof ca_path, "%s/ca.pem", tmpdir);
    if (crypto_tls_selfsigned_create(pebble_pem, "localhost") != POD_OK)
        return -1;
    text = test_slurp(pebble_pem, &len);
    if (!text || !(cert = strstr(text, "-----BEGIN CERTIFICATE-----")))
        return -1;
    test_spit(ca_path, cert, strlen(cert));
    free(text);
    pod_log_set_level(POD_LOG_DEBUG);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    pebble_stop();
    if (tmpdir[0]) {
        crypto_rng_free();
        test_rm_tree(tmpdir);
    }
    return 0;
}

static void
test_obtain_and_reuse_account(void **state)
{
    struct http_client client;
    struct acme_config cfg;
    struct acme_outcome out;
    char dir_url[128], key[160], pem[160], url1[512], url2[512], fp1[65], fp2[65];
    char *log = NULL;
    enum acme_result r;

    (void)state;
    if (!tmpdir[0])
        skip();
    pebble_start(0);
    client_make(&client, ca_path);
    snprintf(dir_url, sizeof dir_url, "https://localhost:%d/dir", pebble_port);
    snprintf(key, sizeof key, "%s/account.key", tmpdir);
    snprintf(pem, sizeof pem, "%s/acme.pem", tmpdir);
    memset(&cfg, 0, sizeof cfg);
    cfg.directory_url = dir_url;
    cfg.host = HOST;
    cfg.contact_email = "admin@example.org";
    cfg.account_key_path = key;
    cfg.http = &client;
    cfg.poll_timeout_ms = 30000;

    r = obtain_logged(&cfg, pem, &out, &log);
    if (r != ACME_OK) {
        dump_file(pebble_log);
        fail_msg("acme_obtain: %s: %s", acme_result_name(r), out.detail);
    }
    assert_int_equal(out.result, ACME_OK);
    assert_string_equal(out.detail, "");
    check_pem(pem);
    assert_true(account_line(log, "created", url1, sizeof url1));
    assert_non_null(strstr(log, "info acme: certificate for " HOST " obtained"));
    free(log);
    assert_int_equal(crypto_tls_fingerprint(pem, fp1), POD_OK);

    /* Again with the same account key: the account is found, not made. */
    r = obtain_logged(&cfg, pem, &out, &log);
    if (r != ACME_OK)
        fail_msg("second acme_obtain: %s: %s", acme_result_name(r), out.detail);
    check_pem(pem);
    assert_false(account_line(log, "created", url2, sizeof url2));
    assert_true(account_line(log, "existing", url2, sizeof url2));
    assert_string_equal(url1, url2);
    free(log);
    assert_int_equal(crypto_tls_fingerprint(pem, fp2), POD_OK);
    assert_string_not_equal(fp1, fp2); /* a new certificate replaced the old one */

    /* Nobody listening: unreachable, and the PEM stays as it was. */
    snprintf(dir_url, sizeof dir_url, "https://localhost:%d/dir", test_free_port());
    r = obtain_logged(&cfg, pem, &out, &log);
    free(log);
    assert_int_equal(r, ACME_ERR_UNREACHABLE);
    assert_true(out.detail[0] != '\0');
    assert_int_equal(crypto_tls_fingerprint(pem, fp1), POD_OK);
    assert_string_equal(fp1, fp2);
    http_client_free(&client);

    /* A CA the client does not trust (the system's store): TLS fails. */
    snprintf(dir_url, sizeof dir_url, "https://localhost:%d/dir", pebble_port);
    client_make(&client, NULL);
    r = obtain_logged(&cfg, pem, &out, &log);
    free(log);
    assert_int_equal(r, ACME_ERR_UNREACHABLE);
    assert_int_equal(crypto_tls_fingerprint(pem, fp1), POD_OK);
    assert_string_equal(fp1, fp2);
    http_client_free(&client);
    pebble_stop();
}

static void
test_bad_nonce_retry(void **state)
{
    struct http_client client;
    struct acme_config cfg;
    struct acme_outcome out;
    char dir_url[128], key[160], pem[160];
    bool retried = false;

    (void)state;
    if (!tmpdir[0])
        skip();
    pebble_start(50);
    client_make(&client, ca_path);
    snprintf(dir_url, sizeof dir_url, "https://localhost:%d/dir", pebble_port);
    snprintf(key, sizeof key, "%s/account-nonce.key", tmpdir);
    snprintf(pem, sizeof pem, "%s/acme-nonce.pem", tmpdir);
    memset(&cfg, 0, sizeof cfg);
    cfg.directory_url = dir_url;
    cfg.host = HOST;
    cfg.account_key_path = key;
    cfg.http = &client;
    cfg.poll_timeout_ms = 30000;
    /* Each run sends about ten POSTs, so a run without any refused nonce
     * is rare (about 1 in 1000); three runs make it negligible. */
    for (int i = 0; i < 3 && !retried; i++) {
        char *log = NULL;
        enum acme_result r = obtain_logged(&cfg, pem, &out, &log);
        if (r != ACME_OK) {
            dump_file(pebble_log);
            fail_msg("acme_obtain with badNonce: %s: %s", acme_result_name(r), out.detail);
        }
        retried = strstr(log, "badNonce, retrying") != NULL;
        free(log);
        check_pem(pem);
    }
    assert_true(retried);
    http_client_free(&client);
    pebble_stop();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_obtain_and_reuse_account),
        cmocka_unit_test(test_bad_nonce_retry),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
