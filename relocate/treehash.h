/* A SHA-256 over a directory tree, so two hosts can tell whether they hold
 * the same rootfs without moving it. */
#ifndef SIE_TREEHASH_H
#define SIE_TREEHASH_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define SIE_TREEHASH_HEX 65 /* 64 hex digits and a NUL */

/* Hashes the tree at `path`: for each entry, in byte order of names, its
 * relative path, type, permission bits, uid, gid, and then its content (a
 * regular file's bytes, a symlink's target, a device's number).  Never
 * follows a symlink, and does not descend into another mount (a bind made
 * inside the rootfs is not its content).  mtime and atime are left out:
 * copies of a tree keep content, not times. */
int sie_treehash (const char *path, char hex[SIE_TREEHASH_HEX], sie_error_t *err);

#endif
