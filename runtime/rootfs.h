/* The container's filesystem view, built inside its new mount namespace by
 * the init process, before and after pivot_root.
 *
 * Every mount target is resolved inside the rootfs with openat2
 * (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and mounted onto the resulting fd
 * with the new mount API (open_tree/fsopen/fsmount/move_mount), so a symlink
 * in the rootfs can never redirect a mount onto the host (CVE-2021-30465). */
#ifndef SIE_ROOTFS_H
#define SIE_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "spec/config.h"
#include "util/error.h"

struct sie_rootfs_ctx
{
  const struct sie_config *cfg;
  const char *rootfs;         /* absolute host path of root.path */
  const struct sie_cgroup *cgroup; /* for "cgroup" mounts; may be NULL */
  bool no_pivot;              /* --no-pivot: MS_MOVE + chroot */
  bool new_userns;            /* devices are bind-mounted, not mknod'ed */
  bool new_netns;             /* sysfs may be mounted fresh */
  bool new_cgroupns;          /* cgroup mounts are fresh, else binds */
  bool new_pidns;
};

/* Before pivot_root: sets "/" propagation (rootfsPropagation, default
 * rslave), bind-mounts the rootfs onto itself, performs config mounts in
 * order, creates linux.devices and the default devices, the /dev symlinks
 * and /dev/ptmx. */
int sie_rootfs_prepare (const struct sie_rootfs_ctx *ctx, sie_error_t *err);

/* pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot) and
 * detaches the old root; cwd is "/" afterwards. */
int sie_rootfs_pivot (const struct sie_rootfs_ctx *ctx, sie_error_t *err);

/* After pivot_root: masked paths, read-only paths, read-only root, and the
 * final propagation of "/" (rootfsPropagation shared/slave/private). */
int sie_rootfs_finalize (const struct sie_rootfs_ctx *ctx, sie_error_t *err);

/* Checks, without touching the system, what prepare/finalize would reject
 * in the config: rootfsPropagation, mounts[] options (bind mounts take no
 * filesystem data, idmap only on binds), missing type/source/destination.
 * For the parent to call before clone(), so config errors come early. */
int sie_rootfs_validate (const struct sie_config *cfg, sie_error_t *err);

/* Opens `path` inside the directory tree rooted at rootfd; symlinks resolve
 * as if rootfd were "/".  flags are open(2) flags (O_CLOEXEC is added). */
int sie_open_in_root (int rootfd, const char *path, int flags, mode_t mode, sie_error_t *err);

/* mkdir -p of `path` inside rootfd, same resolution rules; returns an
 * O_PATH|O_DIRECTORY fd of the final directory. */
int sie_mkdir_in_root (int rootfd, const char *path, mode_t mode, sie_error_t *err);

#endif
