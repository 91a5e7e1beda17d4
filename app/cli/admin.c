/*
 * admin.c - the offline subcommands `plugpod config` and `plugpod user`
 * (cli/cli.h): they open the data directory themselves, so the pod must
 * not be running on it (the store's lock says so).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/settings.h"
#include "crypto/crypto.h"
#include "drivers/clock/clock.h"
#include "crypto/password.h"
#include "store/accounts.h"
#include "store/people.h"
#include "store/store.h"

/* Splits "--data DIR" out of the config subcommand's arguments. */
static const char *
config_data_dir(int *argc, char **argv)
{
    const char *dir = CONFIG_POD_DATA_DIR;
    int j = 0;

    for (int i = 0; i < *argc; i++) {
        if (!strcmp(argv[i], "--data"))
            dir = cli_need_arg(*argc, argv, &i);
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

int
cli_config_main(int argc, char **argv)
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
        cli_usage(stderr);
        return 2;
    }
    if (argc >= 2) {
        d = pod_setting_find(argv[1]);
        if (!d)
            cli_fail("no setting named '%s' (plugpod config list shows them)", argv[1]);
    }
    if (!strcmp(argv[0], "set")) {
        if (!d->admin_writable)
            cli_fail("%s is kept by the pod itself and cannot be set", d->name);
        rc = pod_setting_parse(d, argv[2], &num);
        if (rc != POD_OK)
            cli_fail("'%s' is not a valid value for %s: %s", argv[2], d->name, pod_strerror(rc));
    } else if (strcmp(argv[0], "get") && strcmp(argv[0], "list")) {
        cli_usage(stderr);
        return 2;
    }
    if (store_open(&st, dir, NULL, why, sizeof why) != POD_OK)
        cli_fail("%s", why);
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
        cli_fail("%s: %s", dir, pod_strerror(rc));
    return 0;
}

/* Reads the first line of path as a password (without the newline). */
static void
read_password_file(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        cli_fail("cannot read password file %s: %s", path, strerror(errno));
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
int
cli_user_main(int argc, char **argv)
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
        cli_usage(stderr);
        return 2;
    }
    add = !strcmp(argv[0], "add");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--password-file"))
            pwfile = cli_need_arg(argc, argv, &i);
        else if (!strcmp(argv[i], "--admin"))
            admin = true;
        else if (add && !name && argv[i][0] != '-')
            name = argv[i];
        else
            cli_fail("unexpected argument '%s' (see plugpod --help)", argv[i]);
    }
    if (add) {
        if (!name || !pwfile)
            cli_fail("user add needs a NAME and --password-file FILE");
        if (!pod_username_valid(name))
            cli_fail("'%s' is not a username: 1 to 32 of a-z, 0-9, '-', '.', '_'", name);
        read_password_file(pwfile, password, sizeof password);
        rc = crypto_password_acceptable(password, strlen(password));
        if (rc != POD_OK)
            cli_fail("the password must have %d to %d characters of valid UTF-8",
                     CRYPTO_PASSWORD_MIN, CRYPTO_PASSWORD_MAX);
        if (crypto_rng_init() != POD_OK)
            cli_fail("cannot seed the random number generator from the platform");
        snprintf(u.username, sizeof u.username, "%s", name);
        snprintf(u.language, sizeof u.language, "en");
        u.admin = admin;
        u.created_at = drv_clock_wall();
        if (pod_guid_new(u.guid) != POD_OK ||
            crypto_password_hash(password, strlen(password), u.password_hash,
                                 sizeof u.password_hash) != POD_OK)
            cli_fail("cannot hash the password");
        memset(password, 0, sizeof password);
        profile.searchable = true;
        profile.updated_at = u.created_at;
    }
    if (store_open(&st, dir, NULL, why, sizeof why) != POD_OK)
        cli_fail("%s", why);
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
        cli_fail("there is already an account called %s", name);
    if (rc != POD_OK)
        cli_fail("%s: %s", dir, pod_strerror(rc));
    if (add)
        printf("created %s%s (guid %s); its key is made when the pod next runs\n", u.username,
               admin ? " (admin)" : "", u.guid);
    return 0;
}
