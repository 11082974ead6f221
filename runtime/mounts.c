/* One mounts[] entry, with the new mount API: the target is an O_PATH fd
 * resolved inside the rootfs, and the mount is built detached (open_tree
 * or fsopen/fsmount), given its attributes, and only then attached onto
 * that fd with move_mount.  No path is ever looked up twice. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

#define FSMOUNT_ATTRS                                                                    \
  (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC            \
   | MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW)

#define MAX_SB_FLAGS 8

/* The kernel explains fsconfig failures in the fs_context log; the last
 * error line ("e tmpfs: Bad value for 'size'") is worth showing. */
static void
read_fs_log (int fsfd, char *buf, size_t size)
{
  char line[256];
  ssize_t n;

  buf[0] = '\0';
  while ((n = read (fsfd, line, sizeof (line) - 1)) > 0)
    {
      line[n] = '\0';
      line[strcspn (line, "\n")] = '\0';
      if (n > 2 && line[0] == 'e' && line[1] == ' ')
        snprintf (buf, size, " (%s)", line + 2);
    }
}

static int
fs_error (int fsfd, sie_error_t *err, const char *fstype, const char *what)
{
  int saved = errno;
  char log[320];

  read_fs_log (fsfd, log, sizeof (log));
  if (what)
    return sie_error (err, saved, "mount %s: %s%s", fstype, what, log);
  return sie_error (err, saved, "mount %s%s", fstype, log);
}

static int
fsconfig_data (int fsfd, const char *fstype, const char *data, sie_error_t *err)
{
  cleanup_free char *copy = data ? strdup (data) : NULL;
  char *save = NULL;

  if (data && copy == NULL)
    return sie_error (err, ENOMEM, "mount %s", fstype);
  for (char *opt = copy ? strtok_r (copy, ",", &save) : NULL; opt;
       opt = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (opt, '=');
      int ret;

      if (eq)
        {
          *eq = '\0';
          ret = fsconfig (fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
          *eq = '=';
        }
      else
        ret = fsconfig (fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
      if (ret < 0)
        {
          char what[300];
          snprintf (what, sizeof (what), "option %s", opt);
          return fs_error (fsfd, err, fstype, what);
        }
    }
  return 0;
}

int
sie_fsmount (const char *fstype, const char *source, const char *data,
             const char *const *sb_flags, size_t n_sb_flags, uint64_t attr_flags,
             sie_error_t *err)
{
  cleanup_close int fsfd = fsopen (fstype, FSOPEN_CLOEXEC);
  int mntfd;

  if (fsfd < 0)
    return sie_error (err, errno, "mount %s", fstype);
  if (source && *source && fsconfig (fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
    return fs_error (fsfd, err, fstype, "source");
  if (fsconfig_data (fsfd, fstype, data, err) < 0)
    return -1;
  for (size_t i = 0; i < n_sb_flags; i++)
    if (fsconfig (fsfd, FSCONFIG_SET_FLAG, sb_flags[i], NULL, 0) < 0)
      {
        char what[64];
        snprintf (what, sizeof (what), "option %s", sb_flags[i]);
        return fs_error (fsfd, err, fstype, what);
      }
  if (fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return fs_error (fsfd, err, fstype, NULL);
  mntfd = fsmount (fsfd, FSMOUNT_CLOEXEC, (unsigned int) (attr_flags & FSMOUNT_ATTRS));
  if (mntfd < 0)
    return fs_error (fsfd, err, fstype, NULL);
  return mntfd;
}

int
sie_move_mount_onto (int mntfd, int targetfd, const char *what, sie_error_t *err)
{
  if (move_mount (mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return sie_error (err, errno, "mount %s", what);
  return 0;
}

int
sie_mount_setattr (int fd, bool recursive, uint64_t set, uint64_t clr, uint64_t propagation,
                   const char *what, sie_error_t *err)
{
  struct mount_attr attr = { .attr_set = set, .attr_clr = clr, .propagation = propagation };

  if (set == 0 && clr == 0 && propagation == 0)
    return 0;
  if (mount_setattr (fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                     sizeof (attr))
      < 0)
    return sie_error (err, errno, "mount %s: set attributes", what);
  return 0;
}

static int
apply_propagation (int mntfd, const struct sie_mount_opts *opts, const char *what,
                   sie_error_t *err)
{
  for (size_t i = 0; i < opts->n_propagation; i++)
    {
      unsigned long p = opts->propagation[i];
      if (sie_mount_setattr (mntfd, p & MS_REC, 0, 0, p & ~MS_REC, what, err) < 0)
        return sie_error_prefix (err, "%s", sie_mount_propagation_name (p));
    }
  return 0;
}

/* Applied after attaching, so it is the attached mount that joins (or
 * leaves) a peer group; the recursive attributes were set before. */
static int
finish_mount (int mntfd, int targetfd, const struct sie_mount_opts *opts, const char *what,
              sie_error_t *err)
{
  if (sie_mount_setattr (mntfd, true, opts->rec_attr_set, opts->rec_attr_clr, 0, what, err) < 0)
    return -1;
  if (sie_move_mount_onto (mntfd, targetfd, what, err) < 0)
    return -1;
  return apply_propagation (mntfd, opts, what, err);
}

/* ---- /proc destinations (runc's checkProcMount) ---- */

/* lxcfs and friends emulate these files; anything else under /proc could
 * hide a kernel knob the masks and read-only paths rely on. */
static const char *const proc_overridable[] = {
  "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
  "/proc/swaps",   "/proc/uptime",    "/proc/loadavg", "/proc/slabinfo",
  "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

static bool
is_proc_root (int fd)
{
  struct statfs sfs;
  struct stat st;
  return fstatfs (fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC && fstat (fd, &st) == 0
         && st.st_ino == 1;
}

static int
check_proc_dest (const char *clean_dest, int targetfd, const char *type, int bind_srcfd,
                 sie_error_t *err)
{
  struct statfs sfs;
  bool in_proc = strncmp (clean_dest, "/proc/", 6) == 0
                 || (fstatfs (targetfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC);

  if (strcmp (clean_dest, "/proc") == 0)
    {
      if (bind_srcfd >= 0 ? is_proc_root (bind_srcfd) : (type && strcmp (type, "proc") == 0))
        return 0;
      return sie_error (err, 0, "only a proc filesystem may be mounted on /proc");
    }
  if (!in_proc)
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (proc_overridable); i++)
    if (strcmp (clean_dest, proc_overridable[i]) == 0)
      return 0;
  return sie_error (err, 0, "%s is inside /proc: refusing to mount over it", clean_dest);
}

/* ---- bind mounts ---- */

struct mount_job
{
  const struct sie_rootfs_ctx *ctx;
  const struct sie_mount *m;
  size_t index;
  int rootfd;
  const struct sie_mount_opts *opts;
  const char *clean_dest;
};

static int
pick_idmap (const struct mount_job *j, const struct sie_id_mapping **uids, size_t *n_uids,
            const struct sie_id_mapping **gids, size_t *n_gids, sie_error_t *err)
{
  const struct sie_linux *lx = j->ctx->cfg->linux_;

  *uids = j->m->uid_mappings;
  *n_uids = j->m->n_uid_mappings;
  *gids = j->m->gid_mappings;
  *n_gids = j->m->n_gid_mappings;
  /* Without its own mappings, an idmapped mount takes the container's. */
  if (*n_uids == 0 && *n_gids == 0 && lx)
    {
      *uids = lx->uid_mappings;
      *n_uids = lx->n_uid_mappings;
      *gids = lx->gid_mappings;
      *n_gids = lx->n_gid_mappings;
    }
  if (*n_uids == 0 || *n_gids == 0)
    return sie_error (err, 0, "mounts[%zu].options: idmap needs uidMappings and gidMappings",
                      j->index);
  return 0;
}

static bool
wants_idmap (const struct sie_mount *m, const struct sie_mount_opts *opts)
{
  return opts->idmap || m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
}

static int
idmap_tree (const struct mount_job *j, int treefd, sie_error_t *err)
{
  const struct sie_id_mapping *uids, *gids;
  size_t n_uids, n_gids;
  cleanup_close int usernsfd = -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

  if (pick_idmap (j, &uids, &n_uids, &gids, &n_gids, err) < 0)
    return -1;
  usernsfd = sie_idmap_userns_fd (uids, n_uids, gids, n_gids, err);
  if (usernsfd < 0)
    return -1;
  attr.userns_fd = (uint64_t) usernsfd;
  if (mount_setattr (treefd, "",
                     AT_EMPTY_PATH | (j->opts->idmap_recursive ? AT_RECURSIVE : 0), &attr,
                     sizeof (attr))
      < 0)
    {
      /* The kernel wants CAP_SYS_ADMIN over the source's superblock, which
       * an init in a new user namespace lacks for host filesystems. */
      if (errno == EPERM && j->ctx->new_userns)
        return sie_error (err, errno, "mount bind: idmap (not possible from inside a new user namespace)");
      return sie_error (err, errno, "mount bind: idmap");
    }
  return 0;
}

static int
bind_tree (const struct mount_job *j, int treefd, sie_error_t *err)
{
  cleanup_close int targetfd = -1;
  uint64_t set, clr;
  struct stat st;

  if (fstat (treefd, &st) < 0)
    return sie_error (err, errno, "stat bind source");
  targetfd = sie_target_in_root (j->rootfd, j->m->destination, S_ISDIR (st.st_mode), false, err);
  if (targetfd < 0)
    return -1;
  if (check_proc_dest (j->clean_dest, targetfd, NULL, treefd, err) < 0)
    return -1;
  sie_mount_opts_attr (j->opts, &set, &clr);
  if (sie_mount_setattr (treefd, false, set, clr, 0, "bind", err) < 0)
    return -1;
  if (wants_idmap (j->m, j->opts) && idmap_tree (j, treefd, err) < 0)
    return -1;
  return finish_mount (treefd, targetfd, j->opts, "bind", err);
}

static int
mount_bind (const struct mount_job *j, sie_error_t *err)
{
  const struct sie_mount *m = j->m;
  bool recursive = j->opts->flags & MS_REC;
  cleanup_close int treefd = -1;

  if (j->opts->data)
    return sie_error (err, 0, "mounts[%zu].options: unsupported option(s) for a bind mount: %s",
                      j->index, j->opts->data);
  if (m->source == NULL || *m->source == '\0')
    return sie_error (err, 0, "mounts[%zu].source: a bind mount needs a source", j->index);
  /* The source is a host path; a relative one is relative to the bundle,
   * our cwd until pivot_root. */
  treefd = open_tree (AT_FDCWD, m->source,
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (treefd < 0)
    return sie_error (err, errno, "mounts[%zu].source: %s", j->index, m->source);
  if (bind_tree (j, treefd, err) < 0)
    return sie_error_prefix (err, "mounts[%zu] (%s)", j->index, m->destination);
  return 0;
}

/* ---- filesystems ---- */

static bool
type_is (const struct sie_mount *m, const char *type)
{
  return m->type && strcmp (m->type, type) == 0;
}

/* tmpfs and /dev stay writable until finalize: devices, symlinks and
 * directories still have to be made in them (runc does the same). */
static bool
defers_readonly (const struct sie_mount *m, const char *clean_dest)
{
  return type_is (m, "tmpfs") || strcmp (clean_dest, "/dev") == 0;
}

/* sysfs cannot be mounted fresh from a user namespace that does not own
 * the network namespace: bind the host's /sys instead, as runc does. */
static int
sysfs_fallback (uint64_t set, uint64_t clr, sie_error_t *err)
{
  cleanup_close int treefd = open_tree (AT_FDCWD, "/sys",
                                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (treefd < 0)
    return sie_error (err, errno, "mount sysfs: bind /sys");
  if (sie_mount_setattr (treefd, true, set, clr, 0, "sysfs", err) < 0)
    return -1;
  return move_fd (treefd);
}

static int
fs_tree (const struct mount_job *j, sie_error_t *err)
{
  const char *sb_flags[MAX_SB_FLAGS];
  size_t n_sb = sie_mount_opts_sb_flags (j->opts, sb_flags, MAX_SB_FLAGS);
  uint64_t set, clr;
  int mntfd;

  sie_mount_opts_attr (j->opts, &set, &clr);
  if (defers_readonly (j->m, j->clean_dest))
    set &= ~(uint64_t) MOUNT_ATTR_RDONLY;
  mntfd = sie_fsmount (j->m->type, j->m->source, j->opts->data, sb_flags, n_sb, set, err);
  if (mntfd < 0 && type_is (j->m, "sysfs") && err && *err && (*err)->status == EPERM)
    {
      sie_error_release (err);
      mntfd = sysfs_fallback (set, clr, err);
    }
  return mntfd;
}

/* Whether the comma-separated data holds key=... */
static bool
data_has_key (const char *data, const char *key)
{
  size_t n = strlen (key);

  for (const char *s = data; s != NULL; s = strchr (s, ','))
    {
      s += *s == ',';
      if (strncmp (s, key, n) == 0 && s[n] == '=')
        return true;
    }
  return false;
}

static int
mount_fs_at (const struct mount_job *j, int targetfd, sie_error_t *err)
{
  struct sie_mount_opts opts = *j->opts;
  cleanup_close int mntfd = -1;

  if (check_proc_dest (j->clean_dest, targetfd, j->m->type, -1, err) < 0)
    return -1;
  if (type_is (j->m, "cgroup"))
    mntfd = sie_mount_cgroup (j->ctx, j->rootfd, j->m->destination, targetfd, j->opts, err);
  else
    mntfd = fs_tree (j, err);
  if (mntfd < 0)
    return -1;
  if (opts.tmpcopyup && sie_tmpfs_copyup (targetfd, mntfd, data_has_key (opts.data, "mode"), err) < 0)
    return -1;
  if (defers_readonly (j->m, j->clean_dest))
    opts.rec_attr_set &= ~(uint64_t) MOUNT_ATTR_RDONLY;
  if (type_is (j->m, "cgroup")) /* already attached */
    {
      if (sie_mount_setattr (mntfd, true, opts.rec_attr_set, opts.rec_attr_clr, 0, j->m->type,
                             err)
          < 0)
        return -1;
      return apply_propagation (mntfd, &opts, j->m->type, err);
    }
  return finish_mount (mntfd, targetfd, &opts, j->m->type, err);
}

static int
mount_fs (const struct mount_job *j, sie_error_t *err)
{
  const struct sie_mount *m = j->m;
  /* A symlink named /proc or /sys would send the mount elsewhere in the
   * rootfs (CVE-2019-19921): refuse it rather than follow it. */
  bool nofollow = type_is (m, "proc") || type_is (m, "sysfs");
  cleanup_close int targetfd = -1;

  if (m->type == NULL || *m->type == '\0')
    return sie_error (err, 0, "mounts[%zu].type: required unless the options hold bind or rbind",
                      j->index);
  if (wants_idmap (m, j->opts))
    return sie_error (err, 0, "mounts[%zu].options: idmap is only supported for bind mounts",
                      j->index);
  targetfd = sie_target_in_root (j->rootfd, m->destination, true, nofollow, err);
  if (targetfd < 0 || mount_fs_at (j, targetfd, err) < 0)
    return sie_error_prefix (err, "mounts[%zu] (%s)", j->index, m->destination);
  return 0;
}

/* ---- remount: change the mount already at the destination ---- */

static int
remount_at (const struct mount_job *j, int targetfd, sie_error_t *err)
{
  const char *sb_flags[MAX_SB_FLAGS];
  size_t n_sb = sie_mount_opts_sb_flags (j->opts, sb_flags, MAX_SB_FLAGS);
  uint64_t set, clr;

  if (!(j->opts->flags & MS_BIND) && (j->opts->data || n_sb))
    {
      cleanup_close int fsfd = fspick (targetfd, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC);
      const char *type = j->m->type ? j->m->type : "remount";

      if (fsfd < 0)
        return sie_error (err, errno, "remount");
      if (fsconfig_data (fsfd, type, j->opts->data, err) < 0)
        return -1;
      for (size_t i = 0; i < n_sb; i++)
        if (fsconfig (fsfd, FSCONFIG_SET_FLAG, sb_flags[i], NULL, 0) < 0)
          return fs_error (fsfd, err, type, sb_flags[i]);
      if (fsconfig (fsfd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
        return fs_error (fsfd, err, type, "reconfigure");
    }
  sie_mount_opts_attr (j->opts, &set, &clr);
  if (sie_mount_setattr (targetfd, false, set, clr, 0, "remount", err) < 0
      || sie_mount_setattr (targetfd, true, j->opts->rec_attr_set, j->opts->rec_attr_clr, 0,
                            "remount", err)
             < 0)
    return -1;
  return apply_propagation (targetfd, j->opts, "remount", err);
}

static int
mount_remount (const struct mount_job *j, sie_error_t *err)
{
  cleanup_close int targetfd = sie_open_in_root (j->rootfd, j->m->destination, O_PATH, 0, err);

  if (targetfd < 0 || remount_at (j, targetfd, err) < 0)
    return sie_error_prefix (err, "mounts[%zu] (%s)", j->index, j->m->destination);
  return 0;
}

int
sie_mount_one (const struct sie_rootfs_ctx *ctx, int rootfd, size_t i, sie_error_t *err)
{
  const struct sie_mount *m = &ctx->cfg->mounts[i];
  struct sie_mount_opts opts;
  cleanup_free char *clean_dest = NULL;
  char origin[64];
  struct mount_job j = { .ctx = ctx, .m = m, .index = i, .rootfd = rootfd, .opts = &opts };
  int ret;

  if (m->destination == NULL || *m->destination == '\0')
    return sie_error (err, 0, "mounts[%zu].destination: required", i);
  clean_dest = sie_path_clean (m->destination);
  if (clean_dest == NULL)
    return sie_error (err, ENOMEM, "mounts[%zu]", i);
  j.clean_dest = clean_dest;
  snprintf (origin, sizeof (origin), "mounts[%zu].options", i);
  if (sie_mount_opts_parse (m->options, origin, &opts, err) < 0)
    return -1;
  if (opts.tmpcopyup && (!type_is (m, "tmpfs") || (opts.flags & (MS_BIND | MS_REMOUNT))))
    {
      sie_mount_opts_free (&opts);
      return sie_error (err, 0, "mounts[%zu].options: tmpcopyup is only for a new tmpfs mount", i);
    }
  if (opts.flags & MS_REMOUNT)
    ret = mount_remount (&j, err);
  else if ((opts.flags & MS_BIND) || type_is (m, "bind"))
    ret = mount_bind (&j, err);
  else
    ret = mount_fs (&j, err);
  sie_mount_opts_free (&opts);
  return ret;
}
