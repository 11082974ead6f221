/* `sie relocate --copy-rootfs`: a container's root filesystem tree over
 * the relocation connection, as one pax archive cut into TREE_DATA frames
 * and closed by TREE_END (relocate/PROTOCOL.md).
 *
 * What travels: regular files (holes stay holes), directories, symlinks,
 * hard links, device nodes, fifos, unix sockets (as inodes: what is bound
 * to them does not travel), owners by number, modes with setuid, setgid
 * and sticky, mtimes to the nanosecond, extended attributes (user.*,
 * trusted.*, security.* with security.capability) and POSIX ACLs.  A
 * received tree has the sender's sie_treehash.  What does not: file flags
 * (chattr), atimes and ctimes, xattrs of sockets, and anything mounted
 * inside the rootfs (see sie_rootfs_send). */
#ifndef SIE_ROOTFS_COPY_H
#define SIE_ROOTFS_COPY_H

#include <stdint.h>

#include "relocate/internal.h"
#include "util/error.h"

/* How a socket travels (tar has no type for one): an empty regular file
 * with this xattr, a name without a namespace, which no real file can
 * carry.  Between rootfs_send.c and rootfs_recv.c only. */
#define SIE_ROOTFS_SOCKET_XATTR "sie.socket"

/* Streams the tree at rootfs, a directory (not a symlink to one).  Never
 * follows a symlink and never crosses into another mount: a mount point is
 * sent as what it shows (a directory empty, a file empty), so the tree
 * sent is what the bundle's filesystem holds, as sie_treehash sees it.
 * Every entry is opened by fd from its parent's fd, so a container that
 * runs meanwhile cannot swap a path for a symlink to a host file.  Files
 * that vanish meanwhile are left out; files that change are sent as read,
 * so the destination's hash check is what proves a consistent copy.
 *
 * Counts the bytes sent in p->bytes and calls p->tick after each frame (a
 * negative return stops with its error).  On failure nothing tells the
 * peer: the caller sends ERROR or closes. */
int sie_rootfs_send (int sock, const char *rootfs, struct sie_xfer_progress *p, sie_error_t *err);

/* Receives a stream of sie_rootfs_send into a new directory `name` (a
 * plain name, which must not exist) of parentfd: reads frames up to
 * TREE_END, takes at most *budget bytes of them (and decrements it).
 * Entries that would land outside (absolute paths, "..", a path through a
 * symlink, a hard link to outside) are refused, and so is an ERROR or any
 * other frame; on any failure the directory and all in it are removed.
 *
 * The extraction runs in a child process chrooted into the new directory:
 * the caller's working directory is untouched, it does not matter which
 * threads the caller has, and even a flaw in libarchive's own checks
 * cannot reach a file outside.  Needs CAP_SYS_CHROOT, CAP_CHOWN, CAP_MKNOD
 * and CAP_FOWNER (root), and a SIGCHLD that is not ignored. */
int sie_rootfs_recv (int sock, int parentfd, const char *name, uint64_t *budget,
                     sie_error_t *err);

#endif
