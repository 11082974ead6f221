/* Shared between the rootfs files (rootfs.c, mounts.c, mount_cgroup.c,
 * mount_idmap.c, devices.c, masked.c, paths.c); not a public interface. */
#ifndef SIE_ROOTFS_INTERNAL_H
#define SIE_ROOTFS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/mount_options.h"
#include "runtime/rootfs.h"

/* ---- paths.c ---- */

/* Opens the mount target `path` inside rootfd as an O_PATH fd, creating it
 * when missing: a directory, or an empty regular file when !dir (missing
 * parents are created as directories).  With nofollow a final symlink is
 * refused instead of followed. */
int sie_target_in_root (int rootfd, const char *path, bool dir, bool nofollow, sie_error_t *err);

/* Lexical clean of an absolute container path: "/", no empty, "." or ".."
 * components ("/a/../b" is "/b").  Only for comparisons, never to open. */
char *sie_path_clean (const char *path);

/* ---- mounts.c ---- */

/* Performs ctx->cfg->mounts[i] inside rootfd.  Errors read
 * "mounts[i] (dest): cause", or "mounts[i].source: ..." and
 * "mounts[i].options: ..." when those fields are at fault. */
int sie_mount_one (const struct sie_rootfs_ctx *ctx, int rootfd, size_t i, sie_error_t *err);

/* fsopen + fsconfig (source, data "k=v,flag", superblock flags) + fsmount
 * with attr_flags.  Returns the detached mount fd.  Errors name the type:
 * "mount proc: Operation not permitted". */
int sie_fsmount (const char *fstype, const char *source, const char *data,
                 const char *const *sb_flags, size_t n_sb_flags, uint64_t attr_flags,
                 sie_error_t *err);

/* Attaches the detached mount mntfd on the object targetfd refers to. */
int sie_move_mount_onto (int mntfd, int targetfd, const char *what, sie_error_t *err);

/* mount_setattr(fd, "", AT_EMPTY_PATH [| AT_RECURSIVE]); a no-op when set,
 * clr and propagation are all 0. */
int sie_mount_setattr (int fd, bool recursive, uint64_t set, uint64_t clr,
                       uint64_t propagation, const char *what, sie_error_t *err);

/* ---- mount_copyup.c ---- */

/* tmpcopyup: copies the directory targetfd (an O_PATH fd in the rootfs)
 * into the detached tmpfs mntfd: files, directories, symlinks and device
 * nodes with owner, mode and times; the tmpfs root takes the directory's
 * owner, and its mode unless keep_mode (the options set mode=). */
int sie_tmpfs_copyup (int targetfd, int mntfd, bool keep_mode, sie_error_t *err);

/* ---- mount_cgroup.c ---- */

/* The "cgroup" mount type at targetfd (see rootfs.h for the layout). */
int sie_mount_cgroup (const struct sie_rootfs_ctx *ctx, int rootfd, const char *dest,
                      int targetfd, const struct sie_mount_opts *opts, sie_error_t *err);

/* ---- mount_idmap.c ---- */

/* A user namespace fd with the given mappings, for MOUNT_ATTR_IDMAP. */
int sie_idmap_userns_fd (const struct sie_id_mapping *uids, size_t n_uids,
                         const struct sie_id_mapping *gids, size_t n_gids, sie_error_t *err);

/* ---- devices.c ---- */

/* False when a mounts[] entry bind-mounts /dev: then sie leaves /dev
 * alone, as runc does. */
bool sie_rootfs_needs_dev_setup (const struct sie_config *cfg);

/* linux.devices plus the default devices (a linux.devices entry with the
 * same path wins), the /dev symlinks and /dev/ptmx. */
int sie_rootfs_setup_dev (const struct sie_rootfs_ctx *ctx, int rootfd, sie_error_t *err);

/* ---- masked.c (after pivot; rootfd is "/") ---- */

int sie_rootfs_readonly_paths (const struct sie_config *cfg, int rootfd, sie_error_t *err);
int sie_rootfs_masked_paths (const struct sie_config *cfg, int rootfd, sie_error_t *err);

/* Remounts read-only the tmpfs (and /dev) mounts that asked for ro: they
 * were mounted rw so the devices and cgroup directories could be made. */
int sie_rootfs_deferred_readonly (const struct sie_config *cfg, int rootfd, sie_error_t *err);

/* root.readonly: "/" read-only, its other flags kept. */
int sie_rootfs_readonly_root (sie_error_t *err);

#endif
