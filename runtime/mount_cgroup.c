/* The "cgroup" mount type.  On a unified host it is one cgroup2 mount.  On
 * v1 and hybrid hosts it is a tmpfs holding one directory per hierarchy,
 * named like the host's mountpoint ("cpu,cpuacct", "systemd", "unified"),
 * plus a symlink per co-mounted controller (cpu -> cpu,cpuacct).
 * With a new cgroup namespace each hierarchy is mounted fresh (the kernel
 * roots it at the container's cgroup); without one the container's host
 * directory is bind-mounted, which shows the same subtree. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

/* What runc gives every cgroup sub-mount, on top of the mount's options. */
#define CGROUP_DEFAULT_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static const struct sie_cgroup_dir *
container_dir (const struct sie_rootfs_ctx *ctx, const char *hierarchy)
{
  if (ctx->cgroup == NULL)
    return NULL;
  for (size_t i = 0; i < ctx->cgroup->n_dirs; i++)
    if (strcmp (ctx->cgroup->dirs[i].hierarchy, hierarchy) == 0)
      return &ctx->cgroup->dirs[i];
  return NULL;
}

static int
bind_container_dir (const struct sie_cgroup_dir *dir, uint64_t set, uint64_t clr,
                    sie_error_t *err)
{
  cleanup_close int treefd
      = open_tree (AT_FDCWD, dir->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

  if (treefd < 0)
    return sie_error (err, errno, "bind %s", dir->path);
  if (sie_mount_setattr (treefd, false, set, clr, 0, "cgroup", err) < 0)
    return -1;
  return move_fd (treefd);
}

/* One hierarchy's mount, detached. */
static int
hierarchy_mount (const struct sie_rootfs_ctx *ctx, const struct sie_cgroup_hierarchy *h,
                 const char *data, uint64_t set, uint64_t clr, sie_error_t *err)
{
  const struct sie_cgroup_dir *dir;

  if (ctx->new_cgroupns)
    {
      /* v1 options name the hierarchy's controllers, exactly as the host
       * mounted them, or the kernel refuses with EBUSY. */
      if (h->v2)
        return sie_fsmount ("cgroup2", "cgroup2", data, NULL, 0, set, err);
      return sie_fsmount ("cgroup", "cgroup", h->controllers, NULL, 0, set, err);
    }
  dir = container_dir (ctx, h->mountpoint);
  if (dir == NULL)
    return sie_error (err, 0, "no container cgroup in %s to bind", h->mountpoint);
  return bind_container_dir (dir, set, clr, err);
}

static int
controller_links (int tmpfsfd, const char *dirname, const char *controllers, sie_error_t *err)
{
  cleanup_free char *copy = strdup (controllers);
  char *save = NULL;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "cgroup");
  if (strchr (copy, ',') == NULL)
    return 0;
  for (char *c = strtok_r (copy, ",", &save); c; c = strtok_r (NULL, ",", &save))
    {
      if (strncmp (c, "name=", 5) == 0 || strcmp (c, dirname) == 0)
        continue;
      if (symlinkat (dirname, tmpfsfd, c) < 0 && errno != EEXIST)
        return sie_error (err, errno, "symlink %s -> %s", c, dirname);
    }
  return 0;
}

static int
mount_hierarchy (const struct sie_rootfs_ctx *ctx, int tmpfsfd,
                 const struct sie_cgroup_hierarchy *h, const char *data, uint64_t set,
                 uint64_t clr, sie_error_t *err)
{
  const char *name = strrchr (h->mountpoint, '/');
  cleanup_close int subfd = -1;
  cleanup_close int mntfd = -1;

  name = name ? name + 1 : h->mountpoint;
  if (*name == '\0')
    return sie_error (err, 0, "cgroup hierarchy without a name: %s", h->mountpoint);
  if (!ctx->new_cgroupns && container_dir (ctx, h->mountpoint) == NULL)
    return 0; /* the container has no directory in this hierarchy */
  if (mkdirat (tmpfsfd, name, 0755) < 0 && errno != EEXIST)
    return sie_error (err, errno, "mkdir %s", name);
  subfd = openat (tmpfsfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (subfd < 0)
    return sie_error (err, errno, "open %s", name);
  mntfd = hierarchy_mount (ctx, h, h->v2 ? data : NULL, set | CGROUP_DEFAULT_ATTRS, clr, err);
  if (mntfd < 0 || sie_move_mount_onto (mntfd, subfd, name, err) < 0)
    return sie_error_prefix (err, "%s", name);
  if (!h->v2 && controller_links (tmpfsfd, name, h->controllers, err) < 0)
    return -1;
  return 0;
}

static int
mount_v1 (const struct sie_rootfs_ctx *ctx, const struct sie_cgroup_layout *layout,
          int targetfd, const struct sie_mount_opts *opts, uint64_t set, uint64_t clr,
          sie_error_t *err)
{
  cleanup_close int tmpfsfd = -1;

  /* The tmpfs stays writable until its directories and links exist. */
  tmpfsfd = sie_fsmount ("tmpfs", "tmpfs", "mode=755", NULL, 0,
                         (set | CGROUP_DEFAULT_ATTRS) & ~(uint64_t) MOUNT_ATTR_RDONLY, err);
  if (tmpfsfd < 0 || sie_move_mount_onto (tmpfsfd, targetfd, "tmpfs", err) < 0)
    return -1;
  for (size_t i = 0; i < layout->n; i++)
    if (mount_hierarchy (ctx, tmpfsfd, &layout->h[i], opts->data, set, clr, err) < 0)
      return -1;
  if ((set & MOUNT_ATTR_RDONLY)
      && sie_mount_setattr (tmpfsfd, false, MOUNT_ATTR_RDONLY, 0, 0, "tmpfs", err) < 0)
    return -1;
  return move_fd (tmpfsfd);
}

static int
mount_v2 (const struct sie_rootfs_ctx *ctx, const struct sie_cgroup_layout *layout,
          int targetfd, const struct sie_mount_opts *opts, uint64_t set, uint64_t clr,
          sie_error_t *err)
{
  cleanup_close int mntfd = -1;

  if (layout->n == 0)
    return sie_error (err, 0, "no cgroup2 hierarchy on this host");
  mntfd = hierarchy_mount (ctx, &layout->h[0], opts->data, set, clr, err);
  if (mntfd < 0 || sie_move_mount_onto (mntfd, targetfd, "cgroup2", err) < 0)
    return -1;
  return move_fd (mntfd);
}

int
sie_mount_cgroup (const struct sie_rootfs_ctx *ctx, int rootfd, const char *dest, int targetfd,
                  const struct sie_mount_opts *opts, sie_error_t *err)
{
  const struct sie_cgroup_layout *layout;
  uint64_t set, clr;

  if (!ctx->new_cgroupns && ctx->cgroup == NULL)
    return sie_error (err, 0, "mount cgroup: no container cgroup to bind without a cgroup namespace");
  if (sie_cgroup_layout_get (&layout, err) < 0)
    return -1;
  sie_mount_opts_attr (opts, &set, &clr);
  if (layout->mode == SIE_CGROUP_V2)
    return mount_v2 (ctx, layout, targetfd, opts, set, clr, err);
  return mount_v1 (ctx, layout, targetfd, opts, set, clr, err);
}
