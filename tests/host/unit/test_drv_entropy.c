/*
 * test_drv_entropy.c - drivers/entropy: getrandom with a hardware
 * generator mixed in when one is there (a fake /dev/hwrng file or FIFO).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "drivers/entropy/entropy.h"

static char dir[64], path[128];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/plugpod-entropy-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/hwrng", dir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    drv_entropy_set_hwrng_path(NULL);
    unlink(path);
    return rmdir(dir);
}

static void
write_file(size_t n, unsigned char byte)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        fputc(byte, f);
    fclose(f);
}

static void
test_without_hwrng(void **state)
{
    unsigned char a[64] = {0}, b[64] = {0};
    uint64_t before = drv_entropy_hwrng_bytes();

    (void)state;
    drv_entropy_set_hwrng_path(path); /* no such file */
    assert_int_equal(drv_entropy_read(a, sizeof a), POD_OK);
    assert_int_equal(drv_entropy_read(b, sizeof b), POD_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(drv_entropy_hwrng_bytes(), before);
}

static void
test_hwrng_mixed_in(void **state)
{
    unsigned char buf[48];
    uint64_t before = drv_entropy_hwrng_bytes();

    (void)state;
    write_file(100, 0xa5);
    drv_entropy_set_hwrng_path(path);
    assert_int_equal(drv_entropy_read(buf, sizeof buf), POD_OK);
    assert_int_equal(drv_entropy_hwrng_bytes() - before, sizeof buf);
    /* A big request: read in chunks, as much as the device gives. */
    {
        static unsigned char big[1000];

        before = drv_entropy_hwrng_bytes();
        assert_int_equal(drv_entropy_read(big, sizeof big), POD_OK);
        assert_int_equal(drv_entropy_hwrng_bytes() - before, 100);
    }
}

static void
test_constant_hwrng_cannot_cancel(void **state)
{
    unsigned char a[32], b[32];

    (void)state;
    /* A broken generator that always says 0xff: the result still comes
     * from getrandom, only flipped, and differs between reads. */
    write_file(32, 0xff);
    drv_entropy_set_hwrng_path(path);
    assert_int_equal(drv_entropy_read(a, sizeof a), POD_OK);
    assert_int_equal(drv_entropy_read(b, sizeof b), POD_OK);
    assert_memory_not_equal(a, b, sizeof a);
}

static void
test_silent_fifo_does_not_block(void **state)
{
    unsigned char buf[32];
    uint64_t before = drv_entropy_hwrng_bytes();

    (void)state;
    /* A device with nothing ready (a FIFO nobody writes): no waiting. */
    assert_int_equal(mkfifo(path, 0600), 0);
    drv_entropy_set_hwrng_path(path);
    assert_int_equal(drv_entropy_read(buf, sizeof buf), POD_OK);
    assert_int_equal(drv_entropy_hwrng_bytes(), before);
}

static void
test_mixing_off(void **state)
{
    unsigned char buf[16];
    uint64_t before = drv_entropy_hwrng_bytes();

    (void)state;
    write_file(16, 1);
    drv_entropy_set_hwrng_path("");
    assert_int_equal(drv_entropy_read(buf, sizeof buf), POD_OK);
    assert_int_equal(drv_entropy_hwrng_bytes(), before);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_without_hwrng, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hwrng_mixed_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constant_hwrng_cannot_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_fifo_does_not_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mixing_off, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
