/* The container's init, from clone() to execve().
 *
 * Until READY, errors go back to the parent over the sync socket and the
 * init exits; `create` then cleans up.  After start, errors go to the
 * connection `start` made, so `sie start` (or `sie run`) reports them. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "netns/netns.h"
#include "runtime/hooks.h"
#include "runtime/passwd.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"
#include "runtime/sysctl.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Where errors go: the sync socket before start, the start connection after. */
static int report_fd = -1;
static bool report_is_sync = true;

static void __attribute__ ((noreturn))
die (sie_error_t *err)
{
  const char *msg = (err && *err) ? (*err)->msg : "container init failed";
  if (report_is_sync)
    sie_sync_send (report_fd, SIE_SYNC_ERROR, msg, strlen (msg), -1, NULL);
  else
    sie_write_all (report_fd, msg, strlen (msg));
  _exit (1);
}

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

/* Closes every fd but stdio, the preserved ones and those in keep[], so no
 * host file (state dir, cgroup dirs) is open while the container's config
 * can still point the cwd at /proc/self/fd/N (CVE-2024-21626). */
static void
close_fds_except (int first_free, int *keep, size_t n)
{
  int from = first_free;
  qsort (keep, n, sizeof (int), cmp_int);
  for (size_t i = 0; i < n; i++)
    {
      if (keep[i] < from)
        continue;
      if (keep[i] > from)
        syscall (SYS_close_range, from, keep[i] - 1, 0);
      from = keep[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);
}

static void
close_inherited_fds (struct sie_spawn *s)
{
  int keep[SIE_NS_TYPES + 4];
  size_t n = 0;

  keep[n++] = s->sync_fd;
  keep[n++] = s->exec_listen_fd;
  if (s->console_fd >= 0)
    keep[n++] = s->console_fd;
  for (int t = 0; t < SIE_NS_TYPES; t++)
    if (s->ns.join_fd[t] >= 0)
      keep[n++] = s->ns.join_fd[t];
  close_fds_except (3 + s->preserve_fds, keep, n);
}

static int
become_ns_root (const struct sie_spawn *s, sie_error_t *err)
{
  if (!s->ns.is_new[SIE_NS_USER] && s->ns.join_fd[SIE_NS_USER] < 0)
    return 0;
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return sie_error (err, errno, "linux.uidMappings: become root in the user namespace "
                                  "(is container id 0 mapped?)");
  return 0;
}

static int
join_session_keyring (const struct sie_spawn *s, sie_error_t *err)
{
  if (s->no_new_keyring)
    return 0;
  /* A fresh session keyring named after the container keeps it from
   * sharing the caller's keys; kernels without keyrings are fine. */
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s->id) < 0 && errno != ENOSYS
      && errno != EACCES && errno != EDQUOT)
    return sie_error (err, errno, "join session keyring");
  return 0;
}

static int
set_names (const struct sie_config *cfg, sie_error_t *err)
{
  if (cfg->hostname && *cfg->hostname && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
    return sie_error (err, errno, "hostname: sethostname");
  if (cfg->domainname && *cfg->domainname
      && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
    return sie_error (err, errno, "domainname: setdomainname");
  return 0;
}

static int
run_parent_hooks (struct sie_spawn *s, pid_t host_pid, sie_error_t *err)
{
  struct sie_sync_msg m;
  cleanup_free char *state = NULL;

  if (sie_sync_send (s->sync_fd, SIE_SYNC_HOOKS, NULL, 0, -1, err) < 0)
    return -1;
  if (sie_sync_expect (s->sync_fd, SIE_SYNC_HOOKS_DONE, &m, err) < 0)
    return -1;
  if (s->cfg->hooks.n_hooks[SIE_HOOK_CREATE_CONTAINER] == 0)
    return 0;
  if (sie_spawn_state_json (s, "creating", host_pid, &state, err) < 0)
    return -1;
  return sie_hooks_run (&s->cfg->hooks, SIE_HOOK_CREATE_CONTAINER, state, err);
}

static int
setup_terminal (struct sie_spawn *s, sie_error_t *err)
{
  int fd = s->console_fd;

  if (!s->cfg->process->terminal || fd < 0)
    return 0;
  s->console_fd = -1;
  return sie_terminal_setup (fd, s->cfg->process, err);
}

static int
setup_filesystem (struct sie_spawn *s, pid_t host_pid, sie_error_t *err)
{
  struct sie_rootfs_ctx ctx = {
    .cfg = s->cfg,
    .rootfs = s->rootfs,
    .cgroup = s->cgroup,
    .no_pivot = s->no_pivot,
    .new_userns = s->ns.is_new[SIE_NS_USER] || s->ns.join_fd[SIE_NS_USER] >= 0,
    .new_netns = s->ns.is_new[SIE_NS_NETWORK],
    .new_cgroupns = s->ns.is_new[SIE_NS_CGROUP],
    .new_pidns = s->ns.is_new[SIE_NS_PID],
  };

  if (sie_rootfs_prepare (&ctx, err) < 0)
    return -1;
  if (run_parent_hooks (s, host_pid, err) < 0)
    return -1;
  if (sie_rootfs_pivot (&ctx, err) < 0)
    return -1;
  /* As runc: the console and sysctls need /dev and /proc/sys writable, so
   * they come before the read-only remounts of finalize. */
  if (setup_terminal (s, err) < 0 || sie_sysctl_apply (s->cfg->linux_, err) < 0)
    return -1;
  return sie_rootfs_finalize (&ctx, err);
}

static int
apply_process_attrs (const struct sie_spawn *s, sie_error_t *err)
{
  const struct sie_process *p = s->cfg->process;
  const struct sie_linux *l = s->cfg->linux_;

  if (set_names (s->cfg, err) < 0)
    return -1;
  if (sie_rlimits_apply (p, err) < 0)
    return -1;
  if (l->personality && sie_personality_apply (l->personality, err) < 0)
    return -1;
  if (p->io_priority && sie_io_priority_apply (p->io_priority, err) < 0)
    return -1;
  if (p->scheduler && sie_scheduler_apply (p->scheduler, err) < 0)
    return -1;
  if (l->memory_policy && sie_memory_policy_apply (l->memory_policy, err) < 0)
    return -1;
  return 0;
}

static int
enter_cwd (const char *cwd, sie_error_t *err)
{
  char buf[4096];
  struct stat st;

  /* runc creates a missing cwd; it is resolved after pivot_root, so it
   * cannot name anything outside the container. */
  if (stat (cwd, &st) < 0 && errno == ENOENT)
    {
      cleanup_free char *tmp = strdup (cwd);
      for (char *p = tmp + 1; p && *p; p++)
        if (*p == '/')
          {
            *p = '\0';
            mkdir (tmp, 0755);
            *p = '/';
          }
      mkdir (tmp, 0755);
    }
  if (chdir (cwd) < 0)
    return sie_error (err, errno, "process.cwd: chdir %s", cwd);
  /* A cwd reached through a leaked host fd is outside the root: getcwd
   * then fails or answers "(unreachable)". */
  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
    return sie_error (err, 0, "process.cwd: %s is outside the container", cwd);
  return 0;
}

/* runc sets HOME from the container's /etc/passwd when the config has
 * none, and "/" for a user it does not list. */
static int
ensure_home (struct sie_process *p, sie_error_t *err)
{
  cleanup_free char *passwd = NULL;
  char home[4096] = "/";
  sie_error_t ignored = NULL;

  if (sie_process_env_get (p, "HOME"))
    return 0;
  if (sie_read_file_at (AT_FDCWD, "/etc/passwd", 4 << 20, &passwd, NULL, &ignored) == 0
      && sie_passwd_home (passwd, p->user.uid, home, sizeof home) < 0)
    strcpy (home, "/");
  sie_error_release (&ignored);
  return sie_process_env_append (p, err, "HOME=%s", home);
}

static const char *
env_path (const struct sie_process *p)
{
  const char *path = sie_process_env_get (p, "PATH");
  return path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* Resolves args[0] as execvp would, but up front, so a missing binary fails
 * `create` (runc does the same), not a later `start`. */
static int
resolve_executable (struct sie_spawn *s, sie_error_t *err)
{
  const char *arg0 = s->cfg->process->args[0];
  static char found[4096];
  const char *path;

  if (strchr (arg0, '/'))
    {
      if (access (arg0, X_OK) < 0)
        return sie_error (err, errno, "exec: \"%s\"", arg0);
      s->exec_path = arg0;
      return 0;
    }
  path = env_path (s->cfg->process);
  while (*path)
    {
      const char *end = strchrnul (path, ':');
      int n = snprintf (found, sizeof found, "%.*s/%s", (int) (end - path), path, arg0);
      struct stat st;
      if (n > 0 && (size_t) n < sizeof found && stat (found, &st) == 0 && S_ISREG (st.st_mode)
          && access (found, X_OK) == 0)
        {
          s->exec_path = found;
          return 0;
        }
      path = *end ? end + 1 : end;
    }
  return sie_error (err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
}

static int
hand_over_seccomp_listener (struct sie_spawn *s, sie_error_t *err)
{
  struct sie_sync_msg m;
  int listener = -1;

  if (s->seccomp == NULL || !sie_seccomp_uses_notify (s->seccomp))
    return 0;
  /* The listener must reach the parent while it is still alive, so a
   * notify filter goes in before the wait for start. */
  if (sie_seccomp_install (s->seccomp, &listener, err) < 0)
    return -1;
  if (sie_sync_send (s->sync_fd, SIE_SYNC_SECCOMP_FD, NULL, 0, listener, err) < 0)
    return -1;
  close (listener);
  s->seccomp = NULL;
  return sie_sync_expect (s->sync_fd, SIE_SYNC_SECCOMP_DONE, &m, err);
}

static int
wait_for_start (struct sie_spawn *s, pid_t host_pid, sie_error_t *err)
{
  int conn;

  /* `create` exits after READY; the container must outlive it. */
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (sie_sync_send (s->sync_fd, SIE_SYNC_READY, NULL, 0, -1, err) < 0)
    return -1;
  do
    conn = accept4 (s->exec_listen_fd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return sie_error (err, errno, "wait for start");
  close (s->exec_listen_fd);
  close (s->sync_fd);
  report_fd = conn;
  report_is_sync = false;
  return 0;
}

static int
run_start_hooks (const struct sie_spawn *s, pid_t host_pid, sie_error_t *err)
{
  cleanup_free char *state = NULL;
  if (s->cfg->hooks.n_hooks[SIE_HOOK_START_CONTAINER] == 0)
    return 0;
  if (sie_spawn_state_json (s, "created", host_pid, &state, err) < 0)
    return -1;
  return sie_hooks_run (&s->cfg->hooks, SIE_HOOK_START_CONTAINER, state, err);
}

/* Only stdio and the preserved fds survive execve. */
static void
mark_fds_for_exec (int preserve)
{
  for (int fd = 3; fd < 3 + preserve; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
  syscall (SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC);
}

static int
drop_privileges (struct sie_spawn *s, sie_error_t *err)
{
  const struct sie_process *p = s->cfg->process;

  if (s->seccomp && !p->no_new_privileges && sie_seccomp_install (s->seccomp, NULL, err) < 0)
    return -1;
  if (s->caps && sie_caps_drop_bounding (s->caps, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return sie_error (err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (sie_user_apply (&p->user, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return sie_error (err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (s->caps && sie_caps_apply (s->caps, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sie_error (err, errno, "process.noNewPrivileges");
  if (p->user.umask.set)
    umask ((mode_t) p->user.umask.v);
  if (s->seccomp && p->no_new_privileges && sie_seccomp_install (s->seccomp, NULL, err) < 0)
    return -1;
  return sie_lsm_apply_exec (p, err);
}

static void
reset_signals (const sigset_t *mask)
{
  for (int sig = 1; sig < NSIG; sig++)
    signal (sig, SIG_DFL);
  sigprocmask (SIG_SETMASK, mask, NULL);
}

static int
setup_before_start (struct sie_spawn *s, pid_t host_pid, sie_error_t *err)
{
  const struct sie_process *p = s->cfg->process;

  if (become_ns_root (s, err) < 0 || sie_ns_join_rest (&s->ns, err) < 0)
    return -1;
  if (s->ns.is_new[SIE_NS_CGROUP] && unshare (CLONE_NEWCGROUP) < 0)
    return sie_error (err, errno, "linux.namespaces: new cgroup namespace");
  /* Set after the uid change, which clears it: if `create` dies during
   * setup, the half-built container goes with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  sie_ns_plan_close (&s->ns);
  if (s->ns.is_new[SIE_NS_NETWORK] && sie_netns_lo_up (err) < 0)
    return sie_error_prefix (err, "bring up lo");
  if (join_session_keyring (s, err) < 0)
    return -1;
  if (setup_filesystem (s, host_pid, err) < 0)
    return -1;
  if (apply_process_attrs (s, err) < 0)
    return -1;
  if (enter_cwd (p->cwd ? p->cwd : "/", err) < 0 || ensure_home (s->cfg->process, err) < 0)
    return -1;
  if (resolve_executable (s, err) < 0)
    return -1;
  return hand_over_seccomp_listener (s, err);
}

void
sie_init_main (struct sie_spawn *s)
{
  sie_error_t err = NULL;
  struct sie_sync_msg m;
  const struct sie_process *p = s->cfg->process;
  pid_t host_pid;

  report_fd = s->sync_fd;
  /* First, before anything the container could influence runs. */
  if (sie_cgroup_join_self (&s->cgjoin, &err) < 0)
    die (&err);
  /* Nothing in the container may ptrace or open /proc/<pid>/ files of this
   * process while it still runs sie's code; execve resets it. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (sie_sync_expect (s->sync_fd, SIE_SYNC_GO, &m, &err) < 0)
    _exit (1);
  memcpy (&host_pid, m.payload, sizeof host_pid);
  close_inherited_fds (s);

  if (setup_before_start (s, host_pid, &err) < 0 || wait_for_start (s, host_pid, &err) < 0)
    die (&err);
  if (run_start_hooks (s, host_pid, &err) < 0)
    die (&err);
  if (p->exec_cpu_affinity
      && sie_cpu_affinity_apply (p->exec_cpu_affinity->final, "process.execCPUAffinity.final", &err) < 0)
    die (&err);
  mark_fds_for_exec (s->preserve_fds);
  if (drop_privileges (s, &err) < 0)
    die (&err);
  reset_signals (&s->child_sigmask);
  execve (s->exec_path, p->args, p->env ? p->env : (char *[]){ NULL });
  sie_error (&err, errno, "exec: \"%s\"", p->args[0]);
  die (&err);
}
