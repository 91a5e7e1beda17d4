/*
 * test_drv_button.c - drivers/button: what a hold means, from input events
 * with chosen timestamps, fed directly, from a file and through a FIFO
 * read by the button's thread; and what each reset does to a data
 * directory (task/reset.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/settings.h"
#include "drivers/button/button.h"
#include "drivers/clock/clock.h"
#include "store/accounts.h"
#include "storetest.h"
#include "task/reset.h"

#define KEY KEY_RESTART

static struct input_event
ev(double t, unsigned type, unsigned code, int value)
{
    struct input_event e = {0};

    e.input_event_sec = (long)t;
    e.input_event_usec = (long)((t - (double)(long)t) * 1e6 + 0.5);
    e.type = (uint16_t)type;
    e.code = (uint16_t)code;
    e.value = value;
    return e;
}

static enum drv_button_action
hold_for(double seconds)
{
    struct drv_button_hold h = {0};
    struct input_event press = ev(1000.0, EV_KEY, KEY, 1),
                       release = ev(1000.0 + seconds, EV_KEY, KEY, 0);

    assert_int_equal(drv_button_track(&h, &press, KEY), DRV_BUTTON_NONE);
    return drv_button_track(&h, &release, KEY);
}

static void
test_track(void **state)
{
    struct drv_button_hold h = {0};
    struct input_event e;

    (void)state;
    assert_int_equal(hold_for(0.2), DRV_BUTTON_NONE);
    assert_int_equal(hold_for(9.99), DRV_BUTTON_NONE);
    assert_int_equal(hold_for(10.0), DRV_BUTTON_RESET_SETTINGS);
    assert_int_equal(hold_for(29.9), DRV_BUTTON_RESET_SETTINGS);
    assert_int_equal(hold_for(30.0), DRV_BUTTON_RESET_FACTORY);
    assert_int_equal(hold_for(600.0), DRV_BUTTON_RESET_FACTORY);
    /* A release never pressed, other keys, autorepeat and sync events. */
    e = ev(5.0, EV_KEY, KEY, 0);
    assert_int_equal(drv_button_track(&h, &e, KEY), DRV_BUTTON_NONE);
    e = ev(5.0, EV_KEY, KEY, 1);
    assert_int_equal(drv_button_track(&h, &e, KEY), DRV_BUTTON_NONE);
    e = ev(20.0, EV_KEY, KEY, 2);
    assert_int_equal(drv_button_track(&h, &e, KEY), DRV_BUTTON_NONE);
    e = ev(20.0, EV_SYN, SYN_REPORT, 0);
    assert_int_equal(drv_button_track(&h, &e, KEY), DRV_BUTTON_NONE);
    e = ev(20.0, EV_KEY, KEY_POWER, 0);
    assert_int_equal(drv_button_track(&h, &e, KEY), DRV_BUTTON_NONE);
    e = ev(20.0, EV_KEY, KEY, 0);
    assert_int_equal(drv_button_track(&h, &e, KEY), DRV_BUTTON_RESET_SETTINGS);
}

/* ---- the thread, reading a file or a FIFO */

static int actions[3];

static void
on_action(enum drv_button_action a, void *ctx)
{
    (void)ctx;
    __atomic_add_fetch(&actions[a], 1, __ATOMIC_SEQ_CST);
}

static void
wait_actions(int settings, int factory)
{
    uint64_t end = drv_clock_monotonic_ms() + 10000;
    struct timespec ms10 = {0, 10000000};

    while ((__atomic_load_n(&actions[1], __ATOMIC_SEQ_CST) < settings ||
            __atomic_load_n(&actions[2], __ATOMIC_SEQ_CST) < factory) &&
           drv_clock_monotonic_ms() < end)
        nanosleep(&ms10, NULL);
    assert_int_equal(__atomic_load_n(&actions[1], __ATOMIC_SEQ_CST), settings);
    assert_int_equal(__atomic_load_n(&actions[2], __ATOMIC_SEQ_CST), factory);
}

static void
put_events(int fd, const struct input_event *e, size_t n)
{
    assert_int_equal(write(fd, e, n * sizeof *e), (ssize_t)(n * sizeof *e));
}

static void
test_thread_file(void **state)
{
    char path[] = "/tmp/plugpod-button-XXXXXX";
    struct input_event e[] = {
        ev(100.0, EV_KEY, KEY, 1),   ev(100.0, EV_SYN, SYN_REPORT, 0), ev(100.5, EV_KEY, KEY, 2),
        ev(112.0, EV_KEY, KEY, 0),   ev(112.0, EV_SYN, SYN_REPORT, 0), /* 12 s: settings */
        ev(200.0, EV_KEY, KEY, 1),   ev(203.0, EV_KEY, KEY, 0),        /* 3 s: nothing */
        ev(300.0, EV_KEY, KEY, 1),   ev(331.0, EV_KEY, KEY, 0),        /* 31 s: factory */
        ev(400.0, EV_KEY, KEY_A, 1), ev(450.0, EV_KEY, KEY_A, 0),      /* another key */
    };
    struct drv_button *b = NULL;
    int fd = mkstemp(path);

    (void)state;
    memset(actions, 0, sizeof actions);
    assert_true(fd >= 0);
    put_events(fd, e, sizeof e / sizeof e[0]);
    close(fd);
    assert_int_equal(drv_button_start(&b, path, KEY, on_action, NULL), POD_OK);
    wait_actions(1, 1);
    drv_button_stop(b); /* at the end of the file: waits, then stops */
    unlink(path);
}

static void
test_thread_fifo(void **state)
{
    char dir[] = "/tmp/plugpod-button-XXXXXX", path[64];
    struct input_event e[] = {ev(10.0, EV_KEY, KEY, 1), ev(45.0, EV_KEY, KEY, 0)};
    struct drv_button *b = NULL;
    int wfd;

    (void)state;
    memset(actions, 0, sizeof actions);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/event0", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    wfd = open(path, O_RDWR); /* keeps a writer, so the reader never sees an end */
    assert_true(wfd >= 0);
    assert_int_equal(drv_button_start(&b, path, KEY, on_action, NULL), POD_OK);
    /* An event cut in two arrives whole. */
    assert_int_equal(write(wfd, &e[0], 5), 5);
    assert_int_equal(write(wfd, (char *)&e[0] + 5, sizeof e[0] - 5), (ssize_t)(sizeof e[0] - 5));
    put_events(wfd, &e[1], 1);
    wait_actions(0, 1);
    drv_button_stop(b);
    close(wfd);
    unlink(path);
    rmdir(dir);
}

static void
test_no_device(void **state)
{
    struct drv_button *b = NULL;

    (void)state;
    assert_int_equal(drv_button_start(&b, "/nonexistent/event9", KEY, on_action, NULL),
                     POD_ERR_NOTFOUND);
    assert_null(b);
    drv_button_stop(NULL);
}

/* ---- what the resets remove */

static void
add_user(struct store *st, const char *name)
{
    struct store_txn *txn = NULL;
    struct store_user u = {0};

    snprintf(u.username, sizeof u.username, "%s", name);
    snprintf(u.guid, sizeof u.guid, "0123456789abcdef0123456789abcd%02x", (unsigned)name[0]);
    snprintf(u.language, sizeof u.language, "en");
    snprintf(u.password_hash, sizeof u.password_hash, "x");
    u.created_at = 1;
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_user_add(txn, &u), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);
}

static void
test_reset_settings(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = NULL;
    struct store_session s = {0}, got;
    uint8_t token[32] = {1};
    uint64_t v = 0;
    char name[64];
    char why[256];

    add_user(f->st, "alice");
    assert_int_equal(store_txn_begin(f->st, true, &txn), POD_OK);
    assert_int_equal(store_setting_set_str(txn, POD_SETTING_POD_NAME, "Alice's pod"), POD_OK);
    assert_int_equal(store_setting_set_u64(txn, POD_SETTING_START_COUNT, 7), POD_OK);
    snprintf(s.username, sizeof s.username, "alice");
    s.expires_at = INT64_MAX / 2;
    assert_int_equal(store_session_put(txn, token, &s), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    store_close(f->st);
    f->st = NULL;

    assert_int_equal(task_reset_settings(f->dir), POD_OK);

    assert_int_equal(store_open(&f->st, f->dir, NULL, why, sizeof why), POD_OK);
    assert_int_equal(store_txn_begin(f->st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_str(txn, POD_SETTING_POD_NAME, name, sizeof name),
                     POD_ERR_NOTFOUND); /* back to the default */
    assert_int_equal(store_setting_get_u64(txn, POD_SETTING_START_COUNT, &v), POD_OK);
    assert_int_equal(v, 7); /* the pod's own records stay */
    assert_int_equal(store_session_get(txn, token, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_count(txn, &v), POD_OK);
    assert_int_equal(v, 1); /* accounts kept */
    store_txn_abort(txn);
}

static void
test_reset_factory(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = NULL;
    char path[256], why[256];
    uint64_t v = 9;

    add_user(f->st, "alice");
    snprintf(path, sizeof path, "%s/tls", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/tls/selfsigned.pem", f->dir);
    test_spit(path, "pem", 3);
    store_close(f->st);
    f->st = NULL;

    /* Never a directory without a plugpod store in it. */
    assert_int_equal(task_reset_factory(f->root), POD_ERR_INVAL);
    assert_int_equal(task_reset_factory(f->dir), POD_OK);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access(f->dir, F_OK), 0); /* the directory itself stays */
    /* The next start is a new pod: no accounts, so the first-run setup. */
    assert_int_equal(store_open(&f->st, f->dir, NULL, why, sizeof why), POD_OK);
    assert_int_equal(store_txn_begin(f->st, false, &txn), POD_OK);
    assert_int_equal(store_user_count(txn, &v), POD_OK);
    assert_int_equal(v, 0);
    store_txn_abort(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_track),
        cmocka_unit_test(test_thread_file),
        cmocka_unit_test(test_thread_fifo),
        cmocka_unit_test(test_no_device),
        cmocka_unit_test_setup_teardown(test_reset_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_factory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
