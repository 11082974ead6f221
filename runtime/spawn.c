/* Cloning the container's init into its namespaces. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spec/state.h"
#include "util/cleanup.h"

int
sie_spawn_state_json (const struct sie_spawn *s, const char *status, pid_t pid, char **out,
                      sie_error_t *err)
{
  struct sie_oci_state st = {
    .oci_version = s->cfg->oci_version,
    .id = s->id,
    .status = status,
    .pid = pid,
    .bundle = s->bundle,
    .annotations = s->cfg->annotations,
    .n_annotations = s->cfg->n_annotations,
  };
  return sie_oci_state_json (&st, 0, 0, out, err);
}

/* The kernel's struct clone_args, spelled out to avoid mixing
 * <linux/sched.h> with glibc's <sched.h>. */
struct clone3_args
{
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* fork() semantics with namespace flags: the child resumes here with a
 * private copy of memory.  The caller is single-threaded, so the copied
 * libc state is consistent.  With cgroup_fd >= 0 the child is born in that
 * v2 cgroup, with no migration and no global cgroup lock. */
pid_t
sie_clone_fork (uint64_t flags, int cgroup_fd)
{
  /* With CLONE_PARENT the kernel takes the exit signal from the caller
   * (SIGCHLD here) and refuses one given explicitly. */
  struct clone3_args a = { .flags = flags, .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD };
  if (cgroup_fd >= 0)
    {
      a.flags |= CLONE_INTO_CGROUP;
      a.cgroup = (uint64_t) cgroup_fd;
    }
  return (pid_t) syscall (SYS_clone3, &a, sizeof a);
}

static pid_t
clone_init (struct sie_spawn *s, uint64_t extra_flags, int parent_sock, sie_error_t *err)
{
  int saved[2];
  pid_t pid;

  if (sie_ns_spawn_prepare (&s->ns, s->cfg->linux_, saved, err) < 0)
    {
      sie_ns_spawn_restore (saved, NULL);
      return -1;
    }
  pid = sie_clone_fork ((uint64_t) s->ns.clone_flags | extra_flags, s->cgjoin.v2_dirfd);
  if (pid == 0)
    {
      close (parent_sock);
      sie_init_main (s);
    }
  if (pid < 0)
    sie_error (err, errno, "clone the container init");
  if (sie_ns_spawn_restore (saved, pid < 0 ? NULL : err) < 0 && pid > 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return -1;
    }
  return pid;
}

/* The joins that must happen before the init's clone: a joined user
 * namespace (sie cannot leave one once inside, and namespaces created
 * while in it must belong to it), and, with a new user namespace, every
 * other joined one (the init would hold no rights over them from inside
 * its new user namespace; runc joins them first too). */
static bool
needs_helper (const struct sie_ns_plan *ns)
{
  if (ns->join_fd[SIE_NS_USER] >= 0)
    return true;
  if (!ns->is_new[SIE_NS_USER])
    return false;
  for (int t = 0; t < SIE_NS_TYPES; t++)
    if (t != SIE_NS_PID && t != SIE_NS_USER && ns->join_fd[t] >= 0)
      return true;
  return false;
}

/* In the helper: returns 0 or -errno. */
static int
helper_join (struct sie_spawn *s)
{
  sie_error_t e = NULL;
  int ret = 0;

  if (s->ns.join_fd[SIE_NS_USER] >= 0 && setns (s->ns.join_fd[SIE_NS_USER], CLONE_NEWUSER) < 0)
    return -errno;
  if (s->ns.is_new[SIE_NS_USER])
    {
      if (sie_ns_join_rest (&s->ns, &e) < 0)
        ret = e && e->status ? -e->status : -EINVAL;
      s->ns_joined = true;
    }
  sie_error_release (&e);
  return ret;
}

/* A short-lived helper does those joins and clones the init with
 * CLONE_PARENT, so the init is still sie's own child. */
static pid_t
clone_init_via_helper (struct sie_spawn *s, int parent_sock, sie_error_t *err)
{
  int p[2];
  pid_t mid, pid = -1;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return sie_error (err, errno, "pipe");
  mid = sie_clone_fork (0, -1);
  if (mid == 0)
    {
      sie_error_t e = NULL;
      close (p[0]);
      /* Reports the init's pid, or -errno. */
      if ((pid = helper_join (s)) == 0
          && (pid = clone_init (s, CLONE_PARENT, parent_sock, &e)) < 0)
        pid = e && e->status ? -e->status : -EINVAL;
      if (write (p[1], &pid, sizeof pid) != sizeof pid)
        _exit (1);
      _exit (pid > 0 ? 0 : 1);
    }
  close (p[1]);
  if (mid < 0)
    {
      close (p[0]);
      return sie_error (err, errno, "clone");
    }
  if (read (p[0], &pid, sizeof pid) != sizeof pid)
    pid = -1;
  close (p[0]);
  waitpid (mid, NULL, 0);
  if (pid <= 0)
    return sie_error (err, pid < 0 ? -pid : 0,
                      "linux.namespaces: join the namespaces given by path and clone the init");
  return pid;
}

pid_t
sie_spawn_init (struct sie_spawn *s, int parent_sock, sie_error_t *err)
{
  if (needs_helper (&s->ns))
    return clone_init_via_helper (s, parent_sock, err);
  return clone_init (s, 0, parent_sock, err);
}
