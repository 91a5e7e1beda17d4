/*
 * tar.h - a small POSIX ustar writer into one caller-provided buffer, for
 * the "download everything" export: regular files only, names of at most
 * 100 bytes (no prefix field), mode 0644, owner 0:0.
 *
 * Every entry is a 512-byte header and its data padded with zeros to a
 * multiple of 512; tar_finish adds the two zero blocks that end an archive.
 * The buffer is sized up front (tar_entry_size, TAR_END_SIZE), so nothing
 * is reallocated.
 */
#ifndef POD_WEB_TAR_H
#define POD_WEB_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK    512u
#define TAR_NAME_MAX 100u            /* bytes of a name, without a NUL */
#define TAR_END_SIZE (2 * TAR_BLOCK) /* the two zero blocks at the end */

struct tar {
    unsigned char *buf;
    size_t len, cap;
};

/* Starts an archive in buf (cap bytes, borrowed). */
void tar_init(struct tar *t, void *buf, size_t cap);

/* Bytes one entry with size bytes of data takes (header and padding);
 * SIZE_MAX when that does not fit a size_t. */
size_t tar_entry_size(size_t size);

/* Writes the header of a file of size bytes and returns where its data
 * goes (size bytes, the padding after it already zero), or NULL: *rc gets
 * POD_ERR_INVAL (name empty, over TAR_NAME_MAX bytes, or size over the
 * 8 GB octal field) or POD_ERR_LIMIT (no room in the buffer). */
unsigned char *tar_add_reserve(struct tar *t, const char *name, size_t size, int64_t mtime,
                               int *rc);

/* Adds a file with the given data: POD_OK or an error of tar_add_reserve. */
int tar_add(struct tar *t, const char *name, const void *data, size_t size, int64_t mtime);

/* Ends the archive with two zero blocks: POD_OK or POD_ERR_LIMIT. t->len is
 * then the archive's size. */
int tar_finish(struct tar *t);

#endif
