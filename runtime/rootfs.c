/* The order of the container's filesystem setup, as runc does it:
 *   prepare:  "/" rslave, rootfs bound onto itself, mounts[] in order,
 *             devices, /dev symlinks, /dev/ptmx
 *   pivot:    pivot_root (or MS_MOVE + chroot), old root detached
 *   finalize: rootfsPropagation, readonlyPaths, maskedPaths, deferred
 *             read-only tmpfs, root.readonly */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

static int
root_propagation (const struct sie_config *cfg, unsigned long *out, sie_error_t *err)
{
  const char *name = cfg->linux_ ? cfg->linux_->rootfs_propagation : NULL;

  if (sie_mount_propagation_parse (name, out) < 0)
    return sie_error (err, 0, "linux.rootfsPropagation: unknown value \"%s\"", name);
  return 0;
}

static int
validate_mount (const struct sie_config *cfg, size_t i, sie_error_t *err)
{
  const struct sie_mount *m = &cfg->mounts[i];
  struct sie_mount_opts o;
  char origin[64];
  bool bind, idmap;
  int ret = 0;

  if (m->destination == NULL || *m->destination == '\0')
    return sie_error (err, 0, "mounts[%zu].destination: required", i);
  snprintf (origin, sizeof (origin), "mounts[%zu].options", i);
  if (sie_mount_opts_parse (m->options, origin, &o, err) < 0)
    return -1;
  bind = (o.flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
  idmap = o.idmap || m->n_uid_mappings || m->n_gid_mappings;
  if (o.flags & MS_REMOUNT)
    ;
  else if (bind && o.data)
    ret = sie_error (err, 0, "%s: unsupported option(s) for a bind mount: %s", origin, o.data);
  else if (bind && (m->source == NULL || *m->source == '\0'))
    ret = sie_error (err, 0, "mounts[%zu].source: a bind mount needs a source", i);
  else if (!bind && (m->type == NULL || *m->type == '\0'))
    ret = sie_error (err, 0, "mounts[%zu].type: required unless the options hold bind or rbind", i);
  else if (!bind && idmap)
    ret = sie_error (err, 0, "%s: idmap is only supported for bind mounts", origin);
  sie_mount_opts_free (&o);
  return ret;
}

int
sie_rootfs_validate (const struct sie_config *cfg, sie_error_t *err)
{
  unsigned long prop;

  if (root_propagation (cfg, &prop, err) < 0)
    return -1;
  for (size_t i = 0; i < cfg->n_mounts; i++)
    if (validate_mount (cfg, i, err) < 0)
      return -1;
  return 0;
}

int
sie_rootfs_prepare (const struct sie_rootfs_ctx *ctx, sie_error_t *err)
{
  cleanup_close int rootfd = -1;
  unsigned long prop;

  if (root_propagation (ctx->cfg, &prop, err) < 0)
    return -1;
  /* Nothing done below may reach the host's mount namespace.
   * rootfsPropagation itself waits for finalize: a shared new root would
   * make pivot_root fail. */
  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return sie_error (err, errno, "make / rslave");
  if (mount (ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sie_error (err, errno, "bind rootfs %s", ctx->rootfs);
  rootfd = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return sie_error (err, errno, "open rootfs %s", ctx->rootfs);

  for (size_t i = 0; i < ctx->cfg->n_mounts; i++)
    if (sie_mount_one (ctx, rootfd, i, err) < 0)
      return -1;
  if (sie_rootfs_needs_dev_setup (ctx->cfg))
    return sie_rootfs_setup_dev (ctx, rootfd, err);
  return 0;
}

/* ---- --no-pivot ---- */

static void
unescape_octal (char *s)
{
  char *out = s;

  for (; *s; s++)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *out++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 3;
        }
      else
        *out++ = *s;
    }
  *out = '\0';
}

static bool
under (const char *path, const char *dir)
{
  size_t n = strlen (dir);
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* With chroot the host's full proc and sysfs mounts stay reachable in the
 * namespace, and the kernel lets a container mount a new procfs as long
 * as a full one is visible.  Detach them (or cover them) first. */
static bool
is_full_host_proc_sys (char *line, const char *rootfs, char *mountpoint, size_t size)
{
  char root[4096], mp[4096], fstype[64];
  const char *sep = strstr (line, " - ");

  if (sep == NULL || sscanf (line, "%*d %*d %*s %4095s %4095s", root, mp) != 2
      || sscanf (sep + 3, "%63s", fstype) != 1)
    return false;
  unescape_octal (root);
  unescape_octal (mp);
  if (strcmp (root, "/") != 0 || under (mp, rootfs)
      || (strcmp (fstype, "proc") != 0 && strcmp (fstype, "sysfs") != 0))
    return false;
  snprintf (mountpoint, size, "%s", mp);
  return true;
}

static int
hide_one (const char *mountpoint, sie_error_t *err)
{
  if (mount (NULL, mountpoint, NULL, MS_SLAVE | MS_REC, NULL) < 0)
    {
      if (errno == ENOENT || errno == EINVAL)
        return 0; /* already gone with a parent */
      return sie_error (err, errno, "make %s rslave", mountpoint);
    }
  if (umount2 (mountpoint, MNT_DETACH) == 0)
    return 0;
  if (errno != EINVAL && errno != EPERM)
    return sie_error (err, errno, "umount %s", mountpoint);
  /* Locked in a user namespace: cover it instead. */
  if (mount ("tmpfs", mountpoint, "tmpfs", 0, NULL) < 0)
    return sie_error (err, errno, "cover %s", mountpoint);
  return 0;
}

/* With chroot the host's full proc and sysfs mounts stay reachable in the
 * namespace, and the kernel lets a container mount a new procfs as long
 * as a full one is visible.  Detach them (or cover them) first. */
static int
hide_host_proc_sys (const char *rootfs, sie_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t size = 0;
  char *save = NULL;
  FILE *mem = open_memstream (&text, &size);
  cleanup_file FILE *f = fopen ("/proc/self/mountinfo", "re");
  char buf[4096];
  size_t n;

  if (mem == NULL)
    return sie_error (err, errno, "read /proc/self/mountinfo");
  if (f == NULL)
    {
      fclose (mem);
      return sie_error (err, errno, "open /proc/self/mountinfo");
    }
  /* Read it whole first: the loop below changes it. */
  while ((n = fread (buf, 1, sizeof (buf), f)) > 0)
    fwrite (buf, 1, n, mem);
  if (fclose (mem) != 0)
    return sie_error (err, ENOMEM, "read /proc/self/mountinfo");
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char mountpoint[4096];
      if (is_full_host_proc_sys (line, rootfs, mountpoint, sizeof (mountpoint))
          && hide_one (mountpoint, err) < 0)
        return -1;
    }
  return 0;
}

static int
move_root (const struct sie_rootfs_ctx *ctx, sie_error_t *err)
{
  if (hide_host_proc_sys (ctx->rootfs, err) < 0)
    return -1;
  if (mount (ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return sie_error (err, errno, "move rootfs to /");
  if (chroot (".") < 0)
    return sie_error (err, errno, "chroot");
  return 0;
}

/* pivot_root(".", ".") stacks the old root on top of the new one, where
 * it is detached without needing a directory for it in the rootfs. */
static int
pivot (sie_error_t *err)
{
  cleanup_close int oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);

  if (oldroot < 0)
    return sie_error (err, errno, "open /");
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return sie_error (err, errno, "pivot_root");
  if (fchdir (oldroot) < 0)
    return sie_error (err, errno, "chdir to old root");
  /* rslave first, so the unmount cannot propagate to the host. */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return sie_error (err, errno, "make old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return sie_error (err, errno, "detach old root");
  return 0;
}

int
sie_rootfs_pivot (const struct sie_rootfs_ctx *ctx, sie_error_t *err)
{
  cleanup_close int newroot = open (ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

  if (newroot < 0)
    return sie_error (err, errno, "open rootfs %s", ctx->rootfs);
  if (fchdir (newroot) < 0)
    return sie_error (err, errno, "chdir %s", ctx->rootfs);
  if ((ctx->no_pivot ? move_root (ctx, err) : pivot (err)) < 0)
    return -1;
  if (chdir ("/") < 0)
    return sie_error (err, errno, "chdir /");
  return 0;
}

int
sie_rootfs_finalize (const struct sie_rootfs_ctx *ctx, sie_error_t *err)
{
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  unsigned long prop;

  if (rootfd < 0)
    return sie_error (err, errno, "open /");
  if (root_propagation (ctx->cfg, &prop, err) < 0)
    return -1;
  if (prop
      && sie_mount_setattr (rootfd, prop & MS_REC, 0, 0, prop & ~MS_REC, "/", err) < 0)
    return sie_error_prefix (err, "linux.rootfsPropagation");
  if (sie_rootfs_readonly_paths (ctx->cfg, rootfd, err) < 0
      || sie_rootfs_masked_paths (ctx->cfg, rootfd, err) < 0
      || sie_rootfs_deferred_readonly (ctx->cfg, rootfd, err) < 0)
    return -1;
  if (ctx->cfg->root && ctx->cfg->root->readonly)
    return sie_rootfs_readonly_root (err);
  return 0;
}
