#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int
sie_ns_clone_flag (enum sie_ns_type t)
{
  static const int flags[SIE_NS_TYPES] = {
    [SIE_NS_PID] = CLONE_NEWPID,       [SIE_NS_NETWORK] = CLONE_NEWNET,
    [SIE_NS_MOUNT] = CLONE_NEWNS,      [SIE_NS_IPC] = CLONE_NEWIPC,
    [SIE_NS_UTS] = CLONE_NEWUTS,       [SIE_NS_USER] = CLONE_NEWUSER,
    [SIE_NS_CGROUP] = CLONE_NEWCGROUP, [SIE_NS_TIME] = CLONE_NEWTIME,
  };
  return flags[t];
}

static int
open_ns_path (const struct sie_namespace *ns, size_t idx, sie_error_t *err)
{
  int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
  int type;

  if (fd < 0)
    return sie_error (err, errno, "linux.namespaces[%zu].path: open %s", idx, ns->path);
  type = ioctl (fd, NS_GET_NSTYPE);
  if (type < 0 || type != sie_ns_clone_flag (ns->type))
    {
      close (fd);
      return sie_error (err, 0, "linux.namespaces[%zu].path: %s is not a %s namespace", idx,
                        ns->path, sie_ns_type_name (ns->type));
    }
  return fd;
}

static int
check_consistency (const struct sie_config *cfg, const struct sie_ns_plan *plan,
                   sie_error_t *err)
{
  const struct sie_linux *l = cfg->linux_;
  bool userns = plan->is_new[SIE_NS_USER];

  if (userns && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
    return sie_error (err, 0, "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
  if (!userns && (l->n_uid_mappings || l->n_gid_mappings))
    return sie_error (err, 0, "linux.uidMappings: mappings need a new user namespace");
  if ((l->time_monotonic.set || l->time_boottime.set) && !plan->is_new[SIE_NS_TIME])
    return sie_error (err, 0, "linux.timeOffsets: offsets need a new time namespace");
  if (cfg->hostname && *cfg->hostname && !plan->is_new[SIE_NS_UTS])
    return sie_error (err, 0, "hostname: setting the hostname needs a new uts namespace");
  if (cfg->domainname && *cfg->domainname && !plan->is_new[SIE_NS_UTS])
    return sie_error (err, 0, "domainname: setting the domainname needs a new uts namespace");
  if (!plan->is_new[SIE_NS_MOUNT] && plan->join_fd[SIE_NS_MOUNT] < 0)
    return sie_error (err, 0, "linux.namespaces: a mount namespace is required");
  return 0;
}

int
sie_ns_plan_build (const struct sie_config *cfg, struct sie_ns_plan *plan, sie_error_t *err)
{
  const struct sie_linux *l = cfg->linux_;

  memset (plan, 0, sizeof *plan);
  for (int i = 0; i < SIE_NS_TYPES; i++)
    plan->join_fd[i] = -1;
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    {
      const struct sie_namespace *ns = &l->namespaces[i];
      if (ns->path == NULL || *ns->path == '\0')
        {
          plan->is_new[ns->type] = true;
          /* time: see sie_ns_spawn_prepare; cgroup: unshared by the init
           * after it joined its cgroups, so the namespace is rooted there. */
          if (ns->type != SIE_NS_TIME && ns->type != SIE_NS_CGROUP)
            plan->clone_flags |= sie_ns_clone_flag (ns->type);
          continue;
        }
      plan->join_fd[ns->type] = open_ns_path (ns, i, err);
      if (plan->join_fd[ns->type] < 0)
        {
          sie_ns_plan_close (plan);
          return -1;
        }
    }
  if (l && check_consistency (cfg, plan, err) < 0)
    {
      sie_ns_plan_close (plan);
      return -1;
    }
  if (l == NULL)
    {
      sie_ns_plan_close (plan);
      return sie_error (err, 0, "linux: missing; a mount namespace is required");
    }
  return 0;
}

void
sie_ns_plan_close (struct sie_ns_plan *plan)
{
  for (int i = 0; i < SIE_NS_TYPES; i++)
    if (plan->join_fd[i] >= 0)
      {
        close (plan->join_fd[i]);
        plan->join_fd[i] = -1;
      }
}

static int
write_time_offsets (const struct sie_linux *l, sie_error_t *err)
{
  char buf[160];
  int n = 0;

  if (l->time_monotonic.set)
    n += snprintf (buf + n, sizeof buf - n, "monotonic %lld %u\n",
                   (long long) l->time_monotonic.secs, l->time_monotonic.nanosecs);
  if (l->time_boottime.set)
    n += snprintf (buf + n, sizeof buf - n, "boottime %lld %u\n",
                   (long long) l->time_boottime.secs, l->time_boottime.nanosecs);
  if (n == 0)
    return 0;
  if (sie_write_string_at (AT_FDCWD, "/proc/self/timens_offsets", buf, err) < 0)
    return sie_error_prefix (err, "linux.timeOffsets");
  return 0;
}

int
sie_ns_spawn_prepare (const struct sie_ns_plan *plan, const struct sie_linux *l,
                      int saved_fds[2], sie_error_t *err)
{
  saved_fds[0] = saved_fds[1] = -1;
  if (plan->join_fd[SIE_NS_PID] >= 0)
    {
      saved_fds[0] = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      if (saved_fds[0] < 0)
        return sie_error (err, errno, "open /proc/self/ns/pid");
      if (setns (plan->join_fd[SIE_NS_PID], CLONE_NEWPID) < 0)
        return sie_error (err, errno, "linux.namespaces: join pid namespace");
    }
  if (plan->is_new[SIE_NS_TIME])
    {
      saved_fds[1] = open ("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
      if (saved_fds[1] < 0)
        return sie_error (err, errno, "open /proc/self/ns/time");
      if (unshare (CLONE_NEWTIME) < 0)
        return sie_error (err, errno, "linux.namespaces: new time namespace");
      if (write_time_offsets (l, err) < 0)
        return -1;
    }
  return 0;
}

int
sie_ns_spawn_restore (int saved_fds[2], sie_error_t *err)
{
  int ret = 0;
  if (saved_fds[0] >= 0 && setns (saved_fds[0], CLONE_NEWPID) < 0)
    ret = sie_error (err, errno, "return to own pid namespace");
  if (saved_fds[1] >= 0 && setns (saved_fds[1], CLONE_NEWTIME) < 0 && ret == 0)
    ret = sie_error (err, errno, "return to own time namespace");
  for (int i = 0; i < 2; i++)
    if (saved_fds[i] >= 0)
      {
        close (saved_fds[i]);
        saved_fds[i] = -1;
      }
  return ret;
}

int
sie_ns_join_rest (const struct sie_ns_plan *plan, sie_error_t *err)
{
  /* runc's order: the mount namespace last but one, so nothing after it
   * needs a host path; cgroup after mount as the kernel allows either. */
  static const enum sie_ns_type order[] = {
    SIE_NS_IPC, SIE_NS_UTS, SIE_NS_NETWORK, SIE_NS_TIME, SIE_NS_MOUNT, SIE_NS_CGROUP,
  };
  for (size_t i = 0; i < ARRAY_SIZE (order); i++)
    {
      enum sie_ns_type t = order[i];
      if (plan->join_fd[t] < 0)
        continue;
      if (setns (plan->join_fd[t], sie_ns_clone_flag (t)) < 0)
        return sie_error (err, errno, "linux.namespaces: join %s namespace",
                          sie_ns_type_name (t));
    }
  return 0;
}

static int
write_map (pid_t pid, const char *file, const struct sie_id_mapping *m, size_t n,
           const char *field, sie_error_t *err)
{
  cleanup_free char *buf = NULL;
  char path[64];
  size_t cap = n * 40 + 1, used = 0;

  buf = malloc (cap);
  if (buf == NULL)
    return sie_error (err, errno, "%s", field);
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++)
    used += snprintf (buf + used, cap - used, "%u %u %u\n", m[i].container_id, m[i].host_id,
                      m[i].size);
  snprintf (path, sizeof path, "/proc/%d/%s", pid, file);
  if (sie_write_string_at (AT_FDCWD, path, buf, err) < 0)
    return sie_error_prefix (err, "%s", field);
  return 0;
}

int
sie_ns_write_id_maps (pid_t pid, const struct sie_linux *l, sie_error_t *err)
{
  if (write_map (pid, "uid_map", l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", err) < 0)
    return -1;
  return write_map (pid, "gid_map", l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", err);
}
