/* /dev inside the container: linux.devices, the default devices every
 * container gets (runc's list), the /dev/fd style symlinks and /dev/ptmx.
 * In a new user namespace mknod is impossible, so the host's node is
 * bind-mounted over an empty file instead, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

struct dev_node
{
  char type;
  const char *path;
  unsigned int major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct dev_node default_devices[] = {
  { 'c', "/dev/null", 1, 3, 0666, 0, 0 },    { 'c', "/dev/zero", 1, 5, 0666, 0, 0 },
  { 'c', "/dev/full", 1, 7, 0666, 0, 0 },    { 'c', "/dev/random", 1, 8, 0666, 0, 0 },
  { 'c', "/dev/urandom", 1, 9, 0666, 0, 0 }, { 'c', "/dev/tty", 5, 0, 0666, 0, 0 },
};

static const struct
{
  const char *target, *name;
} dev_symlinks[] = {
  { "/proc/self/fd", "fd" },
  { "/proc/self/fd/0", "stdin" },
  { "/proc/self/fd/1", "stdout" },
  { "/proc/self/fd/2", "stderr" },
};

bool
sie_rootfs_needs_dev_setup (const struct sie_config *cfg)
{
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct sie_mount *m = &cfg->mounts[i];
      cleanup_free char *dest = NULL;

      if (!sie_mount_is_bind (m) || m->destination == NULL)
        continue;
      dest = sie_path_clean (m->destination);
      if (dest && strcmp (dest, "/dev") == 0)
        return false;
    }
  return true;
}

static mode_t
type_bits (char type)
{
  switch (type)
    {
    case 'c':
    case 'u':
      return S_IFCHR;
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return 0;
    }
}

static int
bind_host_node (int rootfd, const struct dev_node *d, sie_error_t *err)
{
  cleanup_close int targetfd = -1;
  cleanup_close int treefd = -1;

  targetfd = sie_target_in_root (rootfd, d->path, false, true, err);
  if (targetfd < 0)
    return -1;
  treefd = open_tree (AT_FDCWD, d->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (treefd < 0)
    return sie_error (err, errno, "bind host %s", d->path);
  return sie_move_mount_onto (treefd, targetfd, "bind", err);
}

static int
create_node (const struct sie_rootfs_ctx *ctx, int rootfd, const struct dev_node *d,
             sie_error_t *err)
{
  cleanup_free char *clean = sie_path_clean (d->path);
  cleanup_close int parentfd = -1;
  mode_t type = type_bits (d->type);
  char *slash;

  if (clean == NULL)
    return sie_error (err, ENOMEM, "%s", d->path);
  if (type == 0)
    return sie_error (err, 0, "unknown device type '%c'", d->type);
  if (strcmp (clean, "/") == 0)
    return sie_error (err, 0, "a device cannot replace the rootfs");
  /* Device numbers cannot be made in a user namespace; fifos can. */
  if (ctx->new_userns && type != S_IFIFO)
    return bind_host_node (rootfd, d, err);

  slash = strrchr (clean, '/');
  *slash = '\0';
  parentfd = sie_mkdir_in_root (rootfd, *clean ? clean : "/", 0755, err);
  if (parentfd < 0)
    return -1;
  if (mknodat (parentfd, slash + 1, type | (d->mode & 07777), makedev (d->major, d->minor)) < 0)
    {
      if (errno == EEXIST)
        return 0;
      if (errno == EPERM && type != S_IFIFO)
        return bind_host_node (rootfd, d, err);
      return sie_error (err, errno, "mknod");
    }
  if (fchownat (parentfd, slash + 1, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return sie_error (err, errno, "chown");
  return 0;
}

static bool
listed_in_config (const struct sie_linux *lx, const char *path)
{
  cleanup_free char *want = sie_path_clean (path);

  for (size_t i = 0; lx && want && i < lx->n_devices; i++)
    {
      cleanup_free char *have = sie_path_clean (lx->devices[i].path);
      if (have && strcmp (have, want) == 0)
        return true;
    }
  return false;
}

static int
create_devices (const struct sie_rootfs_ctx *ctx, int rootfd, sie_error_t *err)
{
  const struct sie_linux *lx = ctx->cfg->linux_;

  for (size_t i = 0; lx && i < lx->n_devices; i++)
    {
      const struct sie_device *sd = &lx->devices[i];
      struct dev_node d = {
        .type = sd->type,
        .path = sd->path,
        .major = (unsigned int) sd->major,
        .minor = (unsigned int) sd->minor,
        .mode = sd->file_mode.set ? (mode_t) sd->file_mode.v : 0666,
        .uid = sd->uid.set ? (uid_t) sd->uid.v : 0,
        .gid = sd->gid.set ? (gid_t) sd->gid.v : 0,
      };
      if (sd->path == NULL || *sd->path == '\0')
        return sie_error (err, 0, "linux.devices[%zu].path: required", i);
      if (create_node (ctx, rootfd, &d, err) < 0)
        return sie_error_prefix (err, "linux.devices[%zu] (%s)", i, sd->path);
    }
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    if (!listed_in_config (lx, default_devices[i].path)
        && create_node (ctx, rootfd, &default_devices[i], err) < 0)
      return sie_error_prefix (err, "default device %s", default_devices[i].path);
  return 0;
}

static int
dev_links (int rootfd, sie_error_t *err)
{
  cleanup_close int devfd = sie_mkdir_in_root (rootfd, "/dev", 0755, err);

  if (devfd < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (dev_symlinks); i++)
    if (symlinkat (dev_symlinks[i].target, devfd, dev_symlinks[i].name) < 0 && errno != EEXIST)
      return sie_error (err, errno, "symlink /dev/%s", dev_symlinks[i].name);
  /* Kernels without CONFIG_PROC_KCORE have no /proc/kcore to point at. */
  if (access ("/proc/kcore", F_OK) == 0 && symlinkat ("/proc/kcore", devfd, "core") < 0
      && errno != EEXIST)
    return sie_error (err, errno, "symlink /dev/core");
  /* /dev/ptmx must be the devpts instance's, not the host's. */
  if (unlinkat (devfd, "ptmx", 0) < 0 && errno != ENOENT)
    return sie_error (err, errno, "remove /dev/ptmx");
  if (symlinkat ("pts/ptmx", devfd, "ptmx") < 0)
    return sie_error (err, errno, "symlink /dev/ptmx");
  return 0;
}

int
sie_rootfs_setup_dev (const struct sie_rootfs_ctx *ctx, int rootfd, sie_error_t *err)
{
  /* fileMode is exact: no umask on device nodes. */
  mode_t old = umask (0);
  int ret = create_devices (ctx, rootfd, err);

  umask (old);
  if (ret < 0)
    return -1;
  return dev_links (rootfd, err);
}
