/* After pivot_root: linux.readonlyPaths, linux.maskedPaths, the deferred
 * read-only remounts and root.readonly.  Paths are container paths,
 * resolved inside "/" with the same confinement as the mounts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

/* 1 with *fd open, 0 when the path does not exist (the lists are written
 * for many kernels, so missing paths are skipped), -1 on error. */
static int
open_existing (int rootfd, const char *path, int *fd, sie_error_t *err)
{
  *fd = sie_open_in_root (rootfd, path, O_PATH, 0, NULL);
  if (*fd >= 0)
    return 1;
  if (errno == ENOENT)
    return 0;
  return sie_error (err, errno, "open");
}

static int
readonly_path (int rootfd, const char *path, sie_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_close int treefd = -1;

  int found = open_existing (rootfd, path, &fd, err);

  if (found <= 0)
    return found;
  /* A recursive clone keeps every mount's nosuid/nodev/noexec; only
   * read-only is added. */
  treefd = open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (treefd < 0)
    return sie_error (err, errno, "bind");
  if (sie_mount_setattr (treefd, true, MOUNT_ATTR_RDONLY, 0, 0, "bind", err) < 0)
    return -1;
  return sie_move_mount_onto (treefd, fd, "bind", err);
}

int
sie_rootfs_readonly_paths (const struct sie_config *cfg, int rootfd, sie_error_t *err)
{
  const struct sie_linux *lx = cfg->linux_;

  for (size_t i = 0; lx && i < lx->n_readonly_paths; i++)
    if (readonly_path (rootfd, lx->readonly_paths[i], err) < 0)
      return sie_error_prefix (err, "linux.readonlyPaths[%zu] (%s)", i, lx->readonly_paths[i]);
  return 0;
}

/* The container's /dev/null, checked to be the real one: a file planted in
 * the rootfs would otherwise be shown at every masked path. */
static int
open_dev_null (int rootfd, sie_error_t *err)
{
  cleanup_close int fd = sie_open_in_root (rootfd, "/dev/null", O_PATH, 0, err);
  struct stat st;

  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0)
    return sie_error (err, errno, "stat /dev/null");
  if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    return sie_error (err, 0, "/dev/null is not the null device");
  return move_fd (fd);
}

static int
mask_path (int rootfd, const char *path, int *devnullfd, sie_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_close int mntfd = -1;
  struct stat st;
  int found = open_existing (rootfd, path, &fd, err);

  if (found <= 0)
    return found;
  if (fstat (fd, &st) < 0)
    return sie_error (err, errno, "stat");
  if (S_ISDIR (st.st_mode))
    mntfd = sie_fsmount ("tmpfs", "tmpfs", NULL, NULL, 0, MOUNT_ATTR_RDONLY, err);
  else
    {
      if (*devnullfd < 0 && (*devnullfd = open_dev_null (rootfd, err)) < 0)
        return -1;
      mntfd = open_tree (*devnullfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
      if (mntfd < 0)
        return sie_error (err, errno, "bind /dev/null");
    }
  if (mntfd < 0)
    return -1;
  return sie_move_mount_onto (mntfd, fd, S_ISDIR (st.st_mode) ? "tmpfs" : "/dev/null", err);
}

int
sie_rootfs_masked_paths (const struct sie_config *cfg, int rootfd, sie_error_t *err)
{
  const struct sie_linux *lx = cfg->linux_;
  cleanup_close int devnullfd = -1;

  for (size_t i = 0; lx && i < lx->n_masked_paths; i++)
    if (mask_path (rootfd, lx->masked_paths[i], &devnullfd, err) < 0)
      return sie_error_prefix (err, "linux.maskedPaths[%zu] (%s)", i, lx->masked_paths[i]);
  return 0;
}

static bool
deferred_readonly (const struct sie_mount *m, const struct sie_mount_opts *o)
{
  cleanup_free char *dest = sie_path_clean (m->destination);
  bool bind = (o->flags & (MS_BIND | MS_REMOUNT)) || (m->type && strcmp (m->type, "bind") == 0);
  bool wants_ro = (o->flags & MS_RDONLY) || (o->rec_attr_set & MOUNT_ATTR_RDONLY);

  /* Must match mounts.c, which left exactly these writable. */
  return !bind && wants_ro && dest
         && ((m->type && strcmp (m->type, "tmpfs") == 0) || strcmp (dest, "/dev") == 0);
}

int
sie_rootfs_deferred_readonly (const struct sie_config *cfg, int rootfd, sie_error_t *err)
{
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct sie_mount *m = &cfg->mounts[i];
      struct sie_mount_opts o;
      cleanup_close int fd = -1;
      bool recursive;
      char origin[64];

      if (m->destination == NULL)
        continue;
      snprintf (origin, sizeof (origin), "mounts[%zu].options", i);
      if (sie_mount_opts_parse (m->options, origin, &o, err) < 0)
        return -1;
      recursive = o.rec_attr_set & MOUNT_ATTR_RDONLY;
      if (!deferred_readonly (m, &o))
        {
          sie_mount_opts_free (&o);
          continue;
        }
      sie_mount_opts_free (&o);
      fd = sie_open_in_root (rootfd, m->destination, O_PATH, 0, err);
      if (fd < 0
          || sie_mount_setattr (fd, recursive, MOUNT_ATTR_RDONLY, 0, 0, m->type, err) < 0)
        return sie_error_prefix (err, "mounts[%zu] (%s): remount read-only", i, m->destination);
    }
  return 0;
}

int
sie_rootfs_readonly_root (sie_error_t *err)
{
  cleanup_close int fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return sie_error (err, errno, "open /");
  if (sie_mount_setattr (fd, false, MOUNT_ATTR_RDONLY, 0, 0, "/", err) < 0)
    return sie_error_prefix (err, "root.readonly");
  return 0;
}
