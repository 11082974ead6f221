/* exec: a process joins a running container.
 *
 * sie clones a short-lived helper straight into the container's v2 cgroup
 * (CLONE_INTO_CGROUP).  The helper moves itself into the v1 hierarchies,
 * joins the namespaces owned by the host's user namespace, then the
 * container's user namespace (so it holds capabilities over the others),
 * then the rest, then the pid namespace, and clones the process
 * with CLONE_PARENT: it is born in every namespace and cgroup and is sie's
 * own child, so sie can wait for it.  The process reports a failure before
 * execve over a close-on-exec pipe; end of file means it is running. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "namespaces/namespaces.h"
#include "runtime/bundle.h"
#include "runtime/exec_process.h"
#include "runtime/process.h"
#include "runtime/query.h"
#include "runtime/security.h"
#include "runtime/signal_proc.h"
#include "runtime/spawn.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

struct exec_ctx
{
  const struct sie_exec_opts *o;
  struct sie_container_info info;
  struct sie_process *p;        /* the container's process (in info.cfg) or -p's */
  struct sie_process *p_owned;  /* -p's, freed at the end */
  struct sie_caps *caps;
  struct sie_seccomp_prog *seccomp;
  int ns_fd[SIE_NS_TYPES];      /* -1 where the container shares sie's namespace */
  bool before_user[SIE_NS_TYPES]; /* owned by another user namespace than the container's */
  struct sie_cgroup *cgroup;
  struct sie_cgroup_join cgjoin;
  int console_fd;
};

/* The order runc joins in: user first, pid last (it only affects children). */
static const enum sie_ns_type join_order[] = {
  SIE_NS_USER, SIE_NS_IPC, SIE_NS_UTS, SIE_NS_NETWORK, SIE_NS_CGROUP,
  SIE_NS_TIME, SIE_NS_MOUNT, SIE_NS_PID,
};

static const char *
proc_ns_name (enum sie_ns_type t)
{
  static const char *const names[SIE_NS_TYPES] = {
    [SIE_NS_PID] = "pid",   [SIE_NS_NETWORK] = "net", [SIE_NS_MOUNT] = "mnt",
    [SIE_NS_IPC] = "ipc",   [SIE_NS_UTS] = "uts",     [SIE_NS_USER] = "user",
    [SIE_NS_CGROUP] = "cgroup", [SIE_NS_TIME] = "time",
  };
  return names[t];
}

static bool
same_file (int fd, const char *path)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

/* A namespace the container did not create under its user namespace
 * (the time namespace sie unshares before the init exists, a network
 * namespace joined by path) needs sie's own capabilities to join: the
 * helper joins it before the user namespace, as it has none afterwards
 * over namespaces owned by the host. */
static void
mark_joins_before_user (struct exec_ctx *c)
{
  struct stat user_st;

  if (c->ns_fd[SIE_NS_USER] < 0 || fstat (c->ns_fd[SIE_NS_USER], &user_st) < 0)
    return;
  for (int t = 0; t < SIE_NS_TYPES; t++)
    {
      struct stat owner_st;
      cleanup_close int owner = -1;

      if (t == SIE_NS_USER || c->ns_fd[t] < 0)
        continue;
      owner = ioctl (c->ns_fd[t], NS_GET_USERNS);
      c->before_user[t] = owner >= 0 && fstat (owner, &owner_st) == 0
                          && (owner_st.st_dev != user_st.st_dev
                              || owner_st.st_ino != user_st.st_ino);
    }
}

/* Opens the init's namespaces that differ from sie's own; joining one's
 * own user namespace would fail, and joining the others is pointless. */
static int
open_namespaces (struct exec_ctx *c, sie_error_t *err)
{
  pid_t pid = c->info.st->pid;

  for (int t = 0; t < SIE_NS_TYPES; t++)
    {
      char path[64], self[64];
      int fd;

      c->ns_fd[t] = -1;
      snprintf (path, sizeof path, "/proc/%d/ns/%s", pid, proc_ns_name (t));
      snprintf (self, sizeof self, "/proc/self/ns/%s", proc_ns_name (t));
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT)
        continue;
      if (fd < 0)
        return sie_error (err, errno, "open %s", path);
      if (same_file (fd, self))
        close (fd);
      else
        c->ns_fd[t] = fd;
    }
  mark_joins_before_user (c);
  /* The fds were opened by pid: make sure it is still the container's. */
  if (!sie_state_pid_alive (c->info.st))
    return sie_error (err, 0, "cannot exec in a stopped container");
  return 0;
}

static int
check_status (const struct exec_ctx *c, sie_error_t *err)
{
  if (c->info.st == NULL || c->info.cfg == NULL || c->info.status == SIE_STATUS_STOPPED)
    return sie_error (err, 0, "cannot exec in a stopped container");
  if (c->info.status == SIE_STATUS_CREATING)
    return sie_error (err, 0, "cannot exec in a container that is still being created");
  if (c->info.status == SIE_STATUS_PAUSED && !c->o->ignore_paused)
    return sie_error (err, 0, "cannot exec in a paused container (use --ignore-paused)");
  return 0;
}

static int
load_process (struct exec_ctx *c, sie_error_t *err)
{
  cleanup_free char *json = NULL;
  size_t len;

  c->p = c->info.cfg->process;
  if (c->o->ov.process_file)
    {
      const char *f = c->o->ov.process_file;
      if (sie_read_file_at (AT_FDCWD, f, 16 << 20, &json, &len, err) < 0)
        return sie_error_prefix (err, "-p");
      if (sie_process_parse (json, len, "process.json", &c->p_owned, err) < 0)
        return -1;
      c->p = c->p_owned;
    }
  if (c->p == NULL)
    return sie_error (err, 0, "exec: the container has no process to copy; use -p");
  return sie_exec_apply_overrides (c->p, &c->o->ov, err);
}

static int
check_process (struct exec_ctx *c, sie_error_t *err)
{
  const struct sie_linux *l = c->info.cfg->linux_;

  if (c->p->terminal && c->o->console_socket == NULL && c->o->console_fd < 0)
    return sie_error (err, 0, "--tty needs --console-socket when detached");
  if (!c->p->terminal && c->o->console_socket)
    return sie_error (err, 0, "--console-socket needs --tty (or process.terminal)");
  if (sie_process_attrs_check (c->p, l, err) < 0 || sie_lsm_check (c->p, l, err) < 0)
    return -1;
  if (c->p->capabilities && sie_caps_prepare (c->p->capabilities, &c->caps, err) < 0)
    return -1;
  /* exec'd processes get the container's seccomp profile, as with runc. */
  if (l && l->seccomp && sie_seccomp_prepare (l->seccomp, &c->seccomp, err) < 0)
    return -1;
  if (c->seccomp && sie_seccomp_uses_notify (c->seccomp))
    return sie_error (err, 0, "exec: a seccomp profile with SCMP_ACT_NOTIFY is not supported for exec yet");
  return 0;
}

static bool
controller_in (const char *list, const char *ctrl, size_t len)
{
  for (const char *p = list; p && *p;)
    {
      const char *end = strchrnul (p, ',');
      if ((size_t) (end - p) == len && strncmp (p, ctrl, len) == 0)
        return true;
      p = *end ? end + 1 : end;
    }
  return false;
}

/* Does --cgroup's "ctrl[,ctrl]:" prefix name one of this hierarchy's
 * controllers?  Without a prefix it applies everywhere. */
static bool
spec_applies (const char *spec, const char *hierarchy_controllers)
{
  const char *colon = strchr (spec, ':');
  if (colon == NULL)
    return true;
  for (const char *p = spec; p < colon;)
    {
      const char *end = memchr (p, ',', (size_t) (colon - p));
      if (end == NULL)
        end = colon;
      if (controller_in (hierarchy_controllers, p, (size_t) (end - p)))
        return true;
      p = end + 1;
    }
  return false;
}

static const char *
hierarchy_controllers (const struct sie_cgroup_layout *l, const char *mountpoint)
{
  for (size_t i = 0; l && i < l->n; i++)
    if (strcmp (l->h[i].mountpoint, mountpoint) == 0)
      return l->h[i].v2 ? "" : l->h[i].controllers;
  return "";
}

/* --cgroup's path must stay inside the container's cgroup, and each
 * controller it names must be one of a v1 hierarchy the container is in. */
static int
check_sub_spec (const char *spec, const struct sie_cgroup_layout *layout,
                const struct sie_cgroup *cg, sie_error_t *err)
{
  const char *colon = strchr (spec, ':');
  const char *sub = colon ? colon + 1 : spec;

  if (*sub == '\0' || strstr (sub, "..") || sub[0] == '/')
    return sie_error (err, 0, "--cgroup: \"%s\": expected a path inside the container's cgroup",
                      spec);
  for (const char *p = spec; colon && p < colon;)
    {
      const char *end = memchr (p, ',', (size_t) (colon - p));
      bool found = false;
      if (end == NULL)
        end = colon;
      for (size_t i = 0; i < cg->n_dirs && !found; i++)
        found = controller_in (hierarchy_controllers (layout, cg->dirs[i].hierarchy), p,
                               (size_t) (end - p));
      if (!found)
        return sie_error (err, 0,
                          "--cgroup: \"%s\": the container is in no hierarchy with controller \"%.*s\"",
                          spec, (int) (end - p), p);
      p = end + 1;
    }
  return 0;
}

/* The sub-path for one hierarchy: the last --cgroup that applies to it. */
static const char *
sub_for_hierarchy (char **specs, const char *controllers)
{
  const char *sub = NULL;
  for (char **spec = specs; *spec; spec++)
    if (spec_applies (*spec, controllers))
      sub = strchr (*spec, ':') ? strchr (*spec, ':') + 1 : *spec;
  return sub;
}

/* --cgroup: an existing sub-cgroup of the container's, per hierarchy. */
static int
apply_sub_cgroups (struct exec_ctx *c, sie_error_t *err)
{
  const struct sie_cgroup_layout *layout = NULL;

  if (c->o->cgroups == NULL || c->o->cgroups[0] == NULL)
    return 0;
  if (sie_cgroup_layout_get (&layout, err) < 0)
    return -1;
  for (char **spec = c->o->cgroups; *spec; spec++)
    if (check_sub_spec (*spec, layout, c->cgroup, err) < 0)
      return -1;
  for (size_t i = 0; i < c->cgroup->n_dirs; i++)
    {
      struct sie_cgroup_dir *d = &c->cgroup->dirs[i];
      const char *ctrls = hierarchy_controllers (layout, d->hierarchy);
      const char *sub = sub_for_hierarchy (c->o->cgroups, ctrls);
      char *path = NULL;
      struct stat st;
      int e;

      if (sub == NULL)
        continue;
      if (asprintf (&path, "%s/%s", d->path, sub) < 0)
        return sie_error (err, ENOMEM, "--cgroup");
      e = stat (path, &st) < 0 ? errno : S_ISDIR (st.st_mode) ? 0 : ENOTDIR;
      if (e)
        {
          sie_error (err, e, "--cgroup: %s", path);
          free (path);
          return -1;
        }
      free (d->path);
      d->path = path;
    }
  return 0;
}

static int
prepare_cgroup (struct exec_ctx *c, sie_error_t *err)
{
  c->cgjoin.v2_dirfd = -1;
  if (sie_cgroup_load (c->info.dirfd, SIE_CGROUP_FILE, &c->cgroup, err) < 0)
    return -1;
  if (apply_sub_cgroups (c, err) < 0)
    return -1;
  return sie_cgroup_join_prepare (c->cgroup, &c->cgjoin, err);
}

/* ---- the process, in the container ---- */

static void __attribute__ ((noreturn))
child_fail (int report, sie_error_t *err)
{
  const char *msg = (err && *err) ? (*err)->msg : "exec failed";
  sie_write_all (report, msg, strlen (msg));
  _exit (127);
}

/* In the container's user namespace sie's host uid is unmapped: files it
 * creates there (the pty) would belong to nobody the container knows, and
 * chown on them fails.  The process becomes the namespace's root first. */
static int
become_ns_root (const struct exec_ctx *c, sie_error_t *err)
{
  if (c->ns_fd[SIE_NS_USER] < 0)
    return 0;
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return sie_error (err, errno, "exec: become root in the container's user namespace "
                                  "(is container id 0 mapped?)");
  return 0;
}

/* The init's session keyring (it is named after the container), as runc
 * does, so the caller's keys never reach the container. */
static int
join_session_keyring (const struct exec_ctx *c, sie_error_t *err)
{
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, c->o->id) < 0 && errno != ENOSYS
      && errno != EACCES && errno != EDQUOT)
    return sie_error (err, errno, "exec: join the container's session keyring");
  return 0;
}

static void __attribute__ ((noreturn))
run_process (struct exec_ctx *c, int report)
{
  sie_error_t err = NULL;
  const char *path = NULL;
  int keep[2] = { report, c->console_fd };

  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  sie_process_close_fds_except (3 + c->o->preserve_fds, keep, c->console_fd >= 0 ? 2 : 1);
  if (become_ns_root (c, &err) < 0 || join_session_keyring (c, &err) < 0)
    child_fail (report, &err);
  if (sie_process_apply_attrs (c->p, NULL, &err) < 0)
    child_fail (report, &err);
  if (c->p->terminal && sie_terminal_setup (c->console_fd, c->p, false, &err) < 0)
    child_fail (report, &err);
  if (sie_process_enter_cwd (c->p->cwd ? c->p->cwd : "/", &err) < 0
      || sie_process_ensure_home (c->p, &err) < 0
      || sie_process_resolve_executable (c->p, &path, &err) < 0)
    child_fail (report, &err);
  sie_process_mark_fds_for_exec (c->o->preserve_fds);
  if (sie_process_drop_privileges (c->p, c->caps, c->seccomp, &err) < 0)
    child_fail (report, &err);
  sie_process_reset_signals (c->o->child_sigmask);
  execve (path, c->p->args, c->p->env ? c->p->env : (char *[]){ NULL });
  sie_error (&err, errno, "exec: \"%s\"", c->p->args[0]);
  child_fail (report, &err);
}

/* First the namespaces owned outside the container's user namespace
 * (before_user), then the user namespace and the rest, in join_order. */
static int
join_namespaces (const struct exec_ctx *c, bool before_user, sie_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (join_order); i++)
    {
      enum sie_ns_type t = join_order[i];
      if (c->ns_fd[t] < 0 || c->before_user[t] != before_user)
        continue;
      if (setns (c->ns_fd[t], sie_ns_clone_flag (t)) < 0)
        return sie_error (err, errno, "join the container's %s namespace", sie_ns_type_name (t));
    }
  return 0;
}

/* The helper: into the cgroups and namespaces, then clone the process.
 * Writes the process's pid (or -errno) to pid_pipe. */
static void __attribute__ ((noreturn))
run_helper (struct exec_ctx *c, int pid_pipe, int report)
{
  sie_error_t err = NULL;
  pid_t pid;

  if (sie_cgroup_join_self (&c->cgjoin, &err) < 0)
    child_fail (report, &err);
  if (join_namespaces (c, true, &err) < 0 || join_namespaces (c, false, &err) < 0)
    child_fail (report, &err);
  pid = sie_clone_fork (CLONE_PARENT, -1);
  if (pid == 0)
    run_process (c, report);
  if (pid < 0)
    pid = -errno;
  if (write (pid_pipe, &pid, sizeof pid) != sizeof pid)
    _exit (1);
  _exit (pid > 0 ? 0 : 1);
}

/* ---- the parent ---- */

/* Waits for the helper's report of the pid, then for the process to exec
 * (end of file on report) or to say why it could not. */
static pid_t
await_process (pid_t helper, int pid_pipe, int report, sie_error_t *err)
{
  char msg[4096];
  pid_t pid = -1;
  ssize_t n;
  size_t used = 0;

  if (read (pid_pipe, &pid, sizeof pid) != sizeof pid)
    pid = -1;
  while (waitpid (helper, NULL, 0) < 0 && errno == EINTR)
    ;
  while ((n = read (report, msg + used, sizeof msg - 1 - used)) > 0
         || (n < 0 && errno == EINTR))
    used += n > 0 ? (size_t) n : 0;
  msg[used] = '\0';
  if (used == 0 && pid > 0)
    return pid;
  if (pid > 0)
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
      ;
  if (used)
    return sie_error (err, 0, "%s", msg);
  return sie_error (err, pid < 0 ? -pid : 0, "exec: start the process in the container");
}

static pid_t
spawn (struct exec_ctx *c, sie_error_t *err)
{
  int pid_pipe[2], report[2];
  pid_t helper, pid;

  if (pipe2 (pid_pipe, O_CLOEXEC) < 0)
    return sie_error (err, errno, "pipe");
  if (pipe2 (report, O_CLOEXEC) < 0)
    {
      close (pid_pipe[0]);
      close (pid_pipe[1]);
      return sie_error (err, errno, "pipe");
    }
  helper = sie_clone_fork (0, c->cgjoin.v2_dirfd);
  if (helper == 0)
    {
      close (pid_pipe[0]);
      close (report[0]);
      run_helper (c, pid_pipe[1], report[1]);
    }
  close (pid_pipe[1]);
  close (report[1]);
  if (helper < 0)
    pid = sie_error (err, errno, "clone");
  else
    pid = await_process (helper, pid_pipe[0], report[0], err);
  close (pid_pipe[0]);
  close (report[0]);
  return pid;
}

static void
release (struct exec_ctx *c)
{
  for (int t = 0; t < SIE_NS_TYPES; t++)
    if (c->ns_fd[t] >= 0)
      close (c->ns_fd[t]);
  if (c->console_fd >= 0)
    close (c->console_fd);
  sie_cgroup_join_close (&c->cgjoin);
  sie_cgroup_free (c->cgroup);
  sie_caps_free (c->caps);
  sie_seccomp_free (c->seccomp);
  sie_process_free (c->p_owned);
  sie_container_info_release (&c->info);
}

static pid_t
prepare_and_spawn (struct exec_ctx *c, sie_error_t *err)
{
  const struct sie_exec_opts *o = c->o;

  if (sie_container_info_load (o->root, o->id, false, &c->info, err) < 0)
    return -1;
  if (check_status (c, err) < 0 || load_process (c, err) < 0 || check_process (c, err) < 0)
    return -1;
  if (c->p->terminal && o->console_fd >= 0)
    c->console_fd = fcntl (o->console_fd, F_DUPFD_CLOEXEC, 3);
  else if (c->p->terminal)
    c->console_fd = sie_console_socket_connect (o->console_socket, err);
  if (c->p->terminal && c->console_fd < 0)
    return sie_error (err, errno, "console");
  if (open_namespaces (c, err) < 0 || prepare_cgroup (c, err) < 0)
    return -1;
  sie_debug ("exec: %s in pid %d's namespaces", c->p->args[0], c->info.st->pid);
  return spawn (c, err);
}

pid_t
sie_container_exec (const struct sie_exec_opts *o, sie_error_t *err)
{
  struct exec_ctx c = { .o = o, .console_fd = -1 };
  pid_t pid;

  c.info.dirfd = -1;
  c.cgjoin.v2_dirfd = -1;
  for (int t = 0; t < SIE_NS_TYPES; t++)
    c.ns_fd[t] = -1;
  pid = prepare_and_spawn (&c, err);
  if (pid > 0 && o->pid_file && sie_write_pid_file (o->pid_file, pid, err) < 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      pid = -1;
    }
  release (&c);
  return pid;
}
