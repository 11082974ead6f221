/* `create`: check everything that can be checked, then build the container
 * and leave its init waiting before exec.  Any failure unwinds to nothing:
 * no state directory, no cgroup, no process. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns/netdevices.h"
#include "runtime/container_state.h"
#include "runtime/hooks.h"
#include "runtime/bundle.h"
#include "runtime/rootfs.h"
#include "runtime/spawn.h"
#include "runtime/statedir.h"
#include "runtime/sync.h"
#include "runtime/sysctl.h"
#include "runtime/terminal.h"
#include "spec/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

struct create_ctx
{
  const struct sie_create_opts *o;
  struct sie_config *cfg;
  char *bundle;
  char *rootfs;
  char created[64];
  struct sie_spawn spawn;
  int dirfd;
  int sync_parent;
  pid_t pid;
};

static int
load_bundle (struct create_ctx *c, sie_error_t *err)
{
  return sie_bundle_load (c->o->bundle, &c->cfg, &c->bundle, &c->rootfs, err);
}

/* Fields sie parses but this build cannot honour are refused, never
 * ignored. */
static int
check_unsupported (const struct sie_config *cfg, sie_error_t *err)
{
  const struct sie_linux *l = cfg->linux_;
  struct stat st;

  if (l->intel_rdt && stat ("/sys/fs/resctrl/info", &st) < 0)
    return sie_error (err, 0, "config.json: linux.intelRdt: resctrl is not available on this host");
  if (l->intel_rdt)
    return sie_error (err, 0, "config.json: linux.intelRdt: not supported yet");
  return 0;
}

static int
validate_config (struct create_ctx *c, sie_error_t *err)
{
  const struct sie_config *cfg = c->cfg;
  const struct sie_process *p = cfg->process;

  if (p == NULL || p->n_args == 0)
    return sie_error (err, 0, "config.json: process.args: missing; sie needs a process to run");
  if (cfg->linux_ == NULL)
    return sie_error (err, 0, "config.json: linux: missing");
  if (p->terminal && c->o->console_socket == NULL && c->o->console_fd < 0)
    return sie_error (err, 0, "process.terminal needs --console-socket to hand over the pty");
  if (!p->terminal && c->o->console_socket)
    return sie_error (err, 0, "--console-socket: process.terminal is false, there is no pty to send");
  if (check_unsupported (cfg, err) < 0)
    return -1;
  if (sie_rootfs_validate (cfg, err) < 0)
    return sie_error_prefix (err, "config.json");
  if (sie_ns_plan_build (cfg, &c->spawn.ns, err) < 0)
    return sie_error_prefix (err, "config.json");
  if (sie_netdevices_check (cfg->linux_, &c->spawn.ns, err) < 0)
    return sie_error_prefix (err, "config.json");
  if (sie_sysctl_check (cfg, &c->spawn.ns, err) < 0)
    return sie_error_prefix (err, "config.json");
  if (sie_process_attrs_check (p, cfg->linux_, err) < 0 || sie_lsm_check (p, cfg->linux_, err) < 0)
    return sie_error_prefix (err, "config.json");
  if (p->capabilities && sie_caps_prepare (p->capabilities, &c->spawn.caps, err) < 0)
    return sie_error_prefix (err, "config.json");
  if (cfg->linux_->seccomp
      && sie_seccomp_prepare (cfg->linux_->seccomp, &c->spawn.seccomp, err) < 0)
    return sie_error_prefix (err, "config.json");
  return 0;
}

/* runc passes socket-activation fds through and tells the container. */
static int
add_listen_fds (struct create_ctx *c, sie_error_t *err)
{
  const char *fds = getenv ("LISTEN_FDS");
  struct sie_process *p = c->cfg->process;
  int n;

  if (fds == NULL || (n = atoi (fds)) <= 0)
    return 0;
  if (sie_process_env_append (p, err, "LISTEN_FDS=%d", n) < 0
      || sie_process_env_append (p, err, "LISTEN_PID=1") < 0)
    return -1;
  c->spawn.preserve_fds += n;
  return 0;
}

static int
listen_exec_socket (int dirfd, sie_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return sie_error (err, errno, "socket");
  /* Through the dirfd, so a long --root cannot overflow sun_path. */
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, SIE_EXEC_SOCKET);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return sie_error (err, errno, "bind %s", SIE_EXEC_SOCKET);
  if (listen (fd, 1) < 0)
    return sie_error (err, errno, "listen %s", SIE_EXEC_SOCKET);
  return move_fd (fd);
}

static int
save_state (struct create_ctx *c, bool ready, sie_error_t *err)
{
  struct sie_container_state st = {
    .id = (char *) c->o->id,
    .pid = c->pid,
    .bundle = c->bundle,
    .rootfs = c->rootfs,
    .created = c->created,
    .owner = "",
    .ready = ready,
  };
  if (c->pid > 0 && sie_proc_stat (c->pid, &st.pid_start, NULL) < 0)
    return sie_error (err, 0, "container init exited during setup");
  return sie_state_save (c->dirfd, &st, err);
}

static int
prepare_state_dir (struct create_ctx *c, sie_error_t *err)
{
  c->dirfd = sie_statedir_create (c->o->root, c->o->id, err);
  if (c->dirfd < 0)
    return -1;
  if (sie_statedir_copy_config (c->dirfd, c->bundle, err) < 0)
    return -1;
  return save_state (c, false, err);
}

static int
prepare_cgroup (struct create_ctx *c, sie_error_t *err)
{
  if (sie_container_cgroup_setup (c->cfg, c->o->id, c->dirfd, &c->spawn.cgroup, err) < 0)
    return -1;
  return sie_cgroup_join_prepare (c->spawn.cgroup, &c->spawn.cgjoin, err);
}

static int
prepare_channels (struct create_ctx *c, sie_error_t *err)
{
  int sv[2];

  c->spawn.exec_listen_fd = listen_exec_socket (c->dirfd, err);
  if (c->spawn.exec_listen_fd < 0)
    return -1;
  if (c->o->console_fd >= 0 && c->cfg->process->terminal)
    {
      c->spawn.console_fd = fcntl (c->o->console_fd, F_DUPFD_CLOEXEC, 3);
      if (c->spawn.console_fd < 0)
        return sie_error (err, errno, "console");
    }
  else if (c->o->console_socket)
    {
      c->spawn.console_fd = sie_console_socket_connect (c->o->console_socket, err);
      if (c->spawn.console_fd < 0)
        return -1;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return sie_error (err, errno, "socketpair");
  c->sync_parent = sv[0];
  c->spawn.sync_fd = sv[1];
  return 0;
}

static int
run_hooks (struct create_ctx *c, sie_error_t *err)
{
  const struct sie_hooks *h = &c->cfg->hooks;
  cleanup_free char *state = NULL;

  if (h->n_hooks[SIE_HOOK_PRESTART] == 0 && h->n_hooks[SIE_HOOK_CREATE_RUNTIME] == 0)
    return 0;
  if (sie_spawn_state_json (&c->spawn, "creating", c->pid, &state, err) < 0)
    return -1;
  if (sie_hooks_run (h, SIE_HOOK_PRESTART, state, err) < 0)
    return -1;
  return sie_hooks_run (h, SIE_HOOK_CREATE_RUNTIME, state, err);
}

static int
write_oom_score_adj (const struct create_ctx *c, sie_error_t *err)
{
  const struct sie_process *p = c->cfg->process;
  char path[64], value[32];

  if (!p->oom_score_adj.set)
    return 0;
  snprintf (path, sizeof path, "/proc/%d/oom_score_adj", c->pid);
  snprintf (value, sizeof value, "%lld", (long long) p->oom_score_adj.v);
  if (sie_write_string_at (AT_FDCWD, path, value, err) < 0)
    return sie_error_prefix (err, "process.oomScoreAdj %s%s", value,
                             (*err)->status == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
  return 0;
}

static int
forward_seccomp_listener (struct create_ctx *c, struct sie_sync_msg *m, sie_error_t *err)
{
  cleanup_close int listener = m->fd;
  cleanup_free char *state = NULL;
  struct sie_oci_state st = {
    .oci_version = c->cfg->oci_version,
    .id = c->o->id,
    .status = "creating",
    .pid = c->pid,
    .bundle = c->bundle,
    .annotations = c->cfg->annotations,
    .n_annotations = c->cfg->n_annotations,
  };
  const struct sie_seccomp *sc = c->cfg->linux_->seccomp;

  if (listener < 0)
    return sie_error (err, 0, "linux.seccomp: the init sent no listener fd");
  if (sie_seccomp_process_state_json (&st, c->pid, sc->listener_metadata, &state, err) < 0)
    return -1;
  if (sie_seccomp_send_listener (sc->listener_path, state, listener, err) < 0)
    return -1;
  return sie_sync_send (c->sync_parent, SIE_SYNC_SECCOMP_DONE, NULL, 0, -1, err);
}

/* linux.netDevices move in from here, before the init goes on: into the
 * namespace it was cloned with, or the one it will join. */
static int
attach_net_devices (struct create_ctx *c, sie_error_t *err)
{
  cleanup_close int own = -1;
  int netns_fd = c->spawn.ns.join_fd[SIE_NS_NETWORK];
  char path[64];

  if (c->cfg->linux_->n_net_devices == 0)
    return 0;
  if (netns_fd < 0)
    {
      snprintf (path, sizeof path, "/proc/%d/ns/net", c->pid);
      own = open (path, O_RDONLY | O_CLOEXEC);
      if (own < 0)
        return sie_error (err, errno, "linux.netDevices: open %s", path);
      netns_fd = own;
    }
  return sie_netdevices_attach (c->cfg->linux_, netns_fd, c->dirfd, err);
}

/* The parent's half of the setup conversation with the init. */
static int
guide_init (struct create_ctx *c, sie_error_t *err)
{
  struct sie_sync_msg m;

  if (c->spawn.ns.is_new[SIE_NS_USER] && sie_ns_write_id_maps (c->pid, c->cfg->linux_, err) < 0)
    return -1;
  if (write_oom_score_adj (c, err) < 0 || attach_net_devices (c, err) < 0)
    return -1;
  if (sie_sync_send (c->sync_parent, SIE_SYNC_GO, &c->pid, sizeof c->pid, -1, err) < 0)
    return -1;
  if (sie_sync_expect (c->sync_parent, SIE_SYNC_HOOKS, &m, err) < 0)
    return -1;
  if (run_hooks (c, err) < 0)
    return -1;
  if (sie_sync_send (c->sync_parent, SIE_SYNC_HOOKS_DONE, NULL, 0, -1, err) < 0)
    return -1;
  for (;;)
    {
      if (sie_sync_recv (c->sync_parent, &m, err) < 0)
        return -1;
      if (m.type == SIE_SYNC_READY)
        return 0;
      if (m.type == SIE_SYNC_ERROR)
        return sie_error (err, 0, "%s", m.payload);
      if (m.type == SIE_SYNC_SECCOMP_FD && forward_seccomp_listener (c, &m, err) < 0)
        return -1;
    }
}

static void
close_if_open (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
release_ctx (struct create_ctx *c)
{
  close_if_open (&c->dirfd);
  close_if_open (&c->sync_parent);
  close_if_open (&c->spawn.sync_fd);
  close_if_open (&c->spawn.exec_listen_fd);
  close_if_open (&c->spawn.console_fd);
  sie_ns_plan_close (&c->spawn.ns);
  sie_caps_free (c->spawn.caps);
  sie_seccomp_free (c->spawn.seccomp);
  sie_cgroup_join_close (&c->spawn.cgjoin);
  sie_cgroup_free (c->spawn.cgroup);
  sie_config_free (c->cfg);
  free (c->bundle);
  free (c->rootfs);
}

/* Unwinds whatever was built, in reverse. */
static void
rollback (struct create_ctx *c)
{
  sie_error_t ignored = NULL;

  if (c->pid > 0)
    {
      kill (c->pid, SIGKILL);
      while (waitpid (c->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  if (c->spawn.cgroup)
    sie_cgroup_destroy (c->spawn.cgroup, &ignored);
  sie_error_release (&ignored);
  if (c->dirfd >= 0)
    sie_netdevices_release (c->dirfd, true, &ignored);
  sie_error_release (&ignored);
  if (c->dirfd >= 0)
    sie_statedir_remove (c->o->root, c->o->id, &ignored);
  sie_error_release (&ignored);
}

static int
build (struct create_ctx *c, sie_error_t *err)
{
  if (sie_id_validate (c->o->id, err) < 0)
    return -1;
  if (load_bundle (c, err) < 0 || validate_config (c, err) < 0 || add_listen_fds (c, err) < 0)
    return -1;
  c->spawn.cfg = c->cfg;
  c->spawn.id = c->o->id;
  c->spawn.bundle = c->bundle;
  c->spawn.rootfs = c->rootfs;
  c->spawn.created = c->created;
  if (prepare_state_dir (c, err) < 0 || prepare_cgroup (c, err) < 0
      || prepare_channels (c, err) < 0)
    return -1;
  c->pid = sie_spawn_init (&c->spawn, c->sync_parent, err);
  if (c->pid < 0)
    return -1;
  sie_debug ("init is pid %d", c->pid);
  close_if_open (&c->spawn.sync_fd);
  close_if_open (&c->spawn.exec_listen_fd);
  close_if_open (&c->spawn.console_fd);
  /* Recorded at once, so delete --force can find a half-built container. */
  if (save_state (c, false, err) < 0 || guide_init (c, err) < 0)
    return -1;
  if (save_state (c, true, err) < 0)
    return -1;
  sie_debug ("created; the init waits for start");
  if (c->o->pid_file && sie_write_pid_file (c->o->pid_file, c->pid, err) < 0)
    return -1;
  return 0;
}

pid_t
sie_container_create (const struct sie_create_opts *o, sie_error_t *err)
{
  struct create_ctx c = { .o = o, .dirfd = -1, .sync_parent = -1 };
  pid_t pid;

  c.spawn.sync_fd = c.spawn.exec_listen_fd = c.spawn.console_fd = -1;
  c.spawn.preserve_fds = o->preserve_fds;
  c.spawn.no_pivot = o->no_pivot;
  c.spawn.no_new_keyring = o->no_new_keyring;
  if (o->child_sigmask)
    c.spawn.child_sigmask = *o->child_sigmask;
  else
    sigprocmask (SIG_SETMASK, NULL, &c.spawn.child_sigmask);
  for (int i = 0; i < SIE_NS_TYPES; i++)
    c.spawn.ns.join_fd[i] = -1;
  c.spawn.cgjoin.v2_dirfd = -1;
  sie_rfc3339_now (c.created, sizeof c.created);

  if (build (&c, err) < 0)
    {
      rollback (&c);
      release_ctx (&c);
      return -1;
    }
  pid = c.pid;
  release_ctx (&c);
  return pid;
}
