/* Small file helpers shared by every module. */
#ifndef SIE_FS_H
#define SIE_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Reads a whole file (at most max bytes, else an error) relative to dirfd
 * (AT_FDCWD for paths).  The buffer is NUL-terminated; *len excludes it. */
int sie_read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
                      sie_error_t *err);

/* Writes data to a new temporary file and renames it over `name`, so a
 * reader never sees a half-written file. */
int sie_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len,
                              mode_t mode, sie_error_t *err);

/* write(2) of a short string to an existing file, e.g. a /proc or cgroup
 * knob.  The error names the path. */
int sie_write_string_at (int dirfd, const char *path, const char *value, sie_error_t *err);

/* Removes a directory tree under dirfd without following symlinks. */
int sie_remove_tree_at (int dirfd, const char *name, sie_error_t *err);

/* Loops over short writes and EINTR. */
int sie_write_all (int fd, const void *buf, size_t len);

/* mkdir -p: every missing component, with mode. */
int sie_mkdir_p (const char *path, mode_t mode, sie_error_t *err);

#endif
