/*
 * test_tar.c - app/web/tar.c: ustar headers with a valid checksum, octal
 * sizes, zero padding to 512, the end blocks, and the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "web/tar.h"

/* The checksum as tar computes it: the field counted as spaces. */
static unsigned
checksum(const unsigned char *h)
{
    unsigned sum = 0;

    for (size_t i = 0; i < TAR_BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum;
}

static void
check_header(const unsigned char *h, const char *name, size_t size)
{
    char field[13];

    assert_memory_equal(h, name, strlen(name));
    assert_memory_equal(h + 100, "0000644", 8);
    memcpy(field, h + 124, 12);
    field[12] = '\0';
    assert_int_equal(strtoul(field, NULL, 8), size);
    assert_int_equal(h[135], '\0');
    memcpy(field, h + 148, 8);
    field[8] = '\0';
    assert_int_equal(strtoul(field, NULL, 8), checksum(h));
    assert_int_equal(h[154], '\0');
    assert_int_equal(h[155], ' ');
    assert_int_equal(h[156], '0');
    assert_memory_equal(h + 257,
                        "ustar\0"
                        "00",
                        8);
}

static void
test_entries(void **state)
{
    static unsigned char buf[8192];
    unsigned char data[600];
    struct tar t;

    (void)state;
    memset(buf, 0xee, sizeof(buf));
    memset(data, 'd', sizeof(data));
    tar_init(&t, buf, sizeof(buf));
    assert_int_equal(tar_add(&t, "export.json", "{}", 2, 1710000000), POD_OK);
    assert_int_equal(t.len, 1024);
    assert_int_equal(tar_add(&t, "photos/a-raw.jpg", data, sizeof(data), 1710000000), POD_OK);
    assert_int_equal(t.len, 1024 + 512 + 1024);
    assert_int_equal(tar_add(&t, "empty", "", 0, 0), POD_OK);
    assert_int_equal(t.len, 3072);
    assert_int_equal(tar_finish(&t), POD_OK);
    assert_int_equal(t.len, 4096);

    check_header(buf, "export.json", 2);
    {
        char mtime[13];
        memcpy(mtime, buf + 136, 12);
        mtime[12] = '\0';
        assert_int_equal(strtoul(mtime, NULL, 8), 1710000000);
    }
    assert_memory_equal(buf + 512, "{}", 2);
    for (size_t i = 514; i < 1024; i++) /* padding */
        assert_int_equal(buf[i], 0);
    check_header(buf + 1024, "photos/a-raw.jpg", 600);
    assert_memory_equal(buf + 1536, data, 600);
    for (size_t i = 1536 + 600; i < 2560; i++)
        assert_int_equal(buf[i], 0);
    check_header(buf + 2560, "empty", 0);
    for (size_t i = 3072; i < 4096; i++) /* the two end blocks */
        assert_int_equal(buf[i], 0);
    assert_int_equal(buf[4096], 0xee);
}

static void
test_limits(void **state)
{
    static unsigned char buf[2048];
    char name[TAR_NAME_MAX + 2];
    struct tar t;
    int rc;

    (void)state;
    assert_int_equal(tar_entry_size(0), 512);
    assert_int_equal(tar_entry_size(1), 1024);
    assert_int_equal(tar_entry_size(512), 1024);
    assert_int_equal(tar_entry_size(513), 1536);
    assert_true(tar_entry_size(SIZE_MAX - 10) == SIZE_MAX);

    tar_init(&t, buf, sizeof(buf));
    memset(name, 'n', sizeof(name));
    name[TAR_NAME_MAX + 1] = '\0'; /* 101 bytes */
    assert_int_equal(tar_add(&t, name, "x", 1, 0), POD_ERR_INVAL);
    assert_int_equal(tar_add(&t, "", "x", 1, 0), POD_ERR_INVAL);
    assert_null(tar_add_reserve(&t, NULL, 1, 0, &rc));
    assert_int_equal(rc, POD_ERR_INVAL);
    assert_int_equal(t.len, 0);
    name[TAR_NAME_MAX] = '\0'; /* exactly 100: fits, without a NUL */
    assert_int_equal(tar_add(&t, name, "x", 1, 0), POD_OK);
    check_header(buf, name, 1);
    /* No room: nothing written, the length unchanged. */
    assert_int_equal(tar_add(&t, "big", buf, 600, 0), POD_ERR_LIMIT);
    assert_int_equal(t.len, 1024);
    assert_int_equal(tar_finish(&t), POD_OK);
    assert_int_equal(tar_finish(&t), POD_ERR_LIMIT);
    tar_init(&t, NULL, 0);
    assert_int_equal(tar_add(&t, "a", "x", 1, 0), POD_ERR_LIMIT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
