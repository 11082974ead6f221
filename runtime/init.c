/* The container's init, from clone() to execve().
 *
 * Until READY, errors go back to the parent over the sync socket and the
 * init exits; `create` then cleans up.  After start, errors go to the
 * connection `start` made, so `sie start` (or `sie run`) reports them. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "netns/netns.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"
#include "runtime/sysctl.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define KEY_USR_SEARCH 0x00080000 /* <keyutils.h>, not in the kernel's uapi */

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
  sie_process_close_fds_except (3 + s->preserve_fds, keep, n);
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
  char desc[512];
  unsigned long perm;
  long key;

  /* A fresh session keyring named after the container keeps it from
   * sharing the caller's keys; kernels without keyrings are fine. */
  key = syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s->id);
  if (key < 0)
    return (errno == ENOSYS || errno == EACCES || errno == EDQUOT)
               ? 0
               : sie_error (err, errno, "join session keyring");
  /* exec'd processes join it by name, which takes search permission for
   * its user (runc grants the same).  The description reads
   * "type;uid;gid;perm;name", perm in hex. */
  if (syscall (SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof desc) > 0
      && sscanf (desc, "%*[^;];%*[^;];%*[^;];%lx;", &perm) == 1)
    syscall (SYS_keyctl, KEYCTL_SETPERM, key, perm | KEY_USR_SEARCH);
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

  /* As runc: the init leads its own session either way, so the container
   * is a whole session tree that CRIU can dump and restore. */
  if (!s->cfg->process->terminal || fd < 0)
    return setsid () < 0 && getpid () != getsid (0) ? sie_error (err, errno, "setsid") : 0;
  s->console_fd = -1;
  return sie_terminal_setup (fd, s->cfg->process, true, err);
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
  if (set_names (s->cfg, err) < 0)
    return -1;
  return sie_process_apply_attrs (s->cfg->process, s->cfg->linux_, err);
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

static int
setup_before_start (struct sie_spawn *s, pid_t host_pid, sie_error_t *err)
{
  const struct sie_process *p = s->cfg->process;

  if (become_ns_root (s, err) < 0 || (!s->ns_joined && sie_ns_join_rest (&s->ns, err) < 0))
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
  if (sie_process_enter_cwd (p->cwd ? p->cwd : "/", err) < 0
      || sie_process_ensure_home (s->cfg->process, err) < 0)
    return -1;
  if (sie_process_resolve_executable (p, &s->exec_path, err) < 0)
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
  sie_process_mark_fds_for_exec (s->preserve_fds);
  if (sie_process_drop_privileges (p, s->caps, s->seccomp, &err) < 0)
    die (&err);
  sie_process_reset_signals (&s->child_sigmask);
  execve (s->exec_path, p->args, p->env ? p->env : (char *[]){ NULL });
  sie_error (&err, errno, "exec: \"%s\"", p->args[0]);
  die (&err);
}
