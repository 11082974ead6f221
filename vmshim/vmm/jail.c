/* Confinement in the manner of Firecracker's jailer, in the VMM itself.
 *
 * sie-vmm splits in two.  The process that was started stays outside: it
 * forwards termination signals, waits, reports how the VMM ended and, if
 * the VMM was killed, removes the vsock socket it left.  The VMM proper is
 * its child, PID 1 of new PID, mount, IPC and UTS namespaces.  It opens
 * everything it needs (/dev/kvm, the kernel, the initramfs, the socket)
 * while it still sees the host, then pivots into an empty read-only tmpfs
 * holding only the vsock socket's directory (bind-mounted at /vsock), drops
 * every capability including the bounding set, and only then lets the
 * guest run, under the seccomp filter.  If the outer process dies, the VMM
 * gets SIGTERM (parent-death signal) and stops, removing its socket. */
#include "vmshim/vmm/jail.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"

/* The PID namespace is the outer process's to create (it applies to its
 * children); the others are the VMM's own, so that its pivot_root leaves
 * the outer process's view of the host alone. */
#define JAIL_NAMESPACES (CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)
/* Where the new root is assembled; private to the VMM's mount namespace. */
#define JAIL_STAGE "/tmp"
#define JAIL_VSOCK_DIR "/vsock"

struct jail
{
  char *vsock_dir; /* the socket's directory, NULL without vsock */
  char vsock_base[108];
};

static int
setup_mounts (struct jail *j, sie_error_t *err)
{
  cleanup_close int dir_fd = -1;
  char src[64];

  if (unshare (JAIL_NAMESPACES) < 0)
    return sie_error (err, errno, "jail: unshare the mount, IPC and UTS namespaces");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return sie_error (err, errno, "jail: make / private");
  /* Opened before the tmpfs can hide its path. */
  if (j->vsock_dir)
    {
      dir_fd = open (j->vsock_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dir_fd < 0)
        return sie_error (err, errno, "jail: open the vsock directory %s", j->vsock_dir);
    }
  if (mount ("tmpfs", JAIL_STAGE, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0755") < 0)
    return sie_error (err, errno, "jail: mount a tmpfs on %s", JAIL_STAGE);
  if (dir_fd >= 0)
    {
      if (mkdir (JAIL_STAGE JAIL_VSOCK_DIR, 0755) < 0)
        return sie_error (err, errno, "jail: mkdir %s", JAIL_VSOCK_DIR);
      snprintf (src, sizeof (src), "/proc/self/fd/%d", dir_fd);
      if (mount (src, JAIL_STAGE JAIL_VSOCK_DIR, NULL, MS_BIND, NULL) < 0)
        return sie_error (err, errno, "jail: bind the vsock directory %s", j->vsock_dir);
    }
  return 0;
}

/* pivot_root(".", ".") stacks the old root under the new one; detaching
 * it leaves the tmpfs alone. */
static int
pivot (sie_error_t *err)
{
  if (chdir (JAIL_STAGE) < 0)
    return sie_error (err, errno, "jail: chdir %s", JAIL_STAGE);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return sie_error (err, errno, "jail: pivot_root");
  if (umount2 (".", MNT_DETACH) < 0)
    return sie_error (err, errno, "jail: detach the old root");
  if (chdir ("/") < 0)
    return sie_error (err, errno, "jail: chdir /");
  if (mount (NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
             NULL) < 0)
    return sie_error (err, errno, "jail: make the root read-only");
  return 0;
}

/* Nothing the running VMM does needs a capability: its fds are open. */
static int
drop_capabilities (sie_error_t *err)
{
  cap_t none;
  int r;

  for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
    if (cap_drop_bound (c) < 0 && errno != EINVAL)
      return sie_error (err, errno, "jail: drop capability %d from the bounding set", c);
  if (cap_reset_ambient () < 0 && errno != EINVAL)
    return sie_error (err, errno, "jail: clear the ambient capabilities");
  none = cap_init ();
  if (none == NULL)
    return sie_error (err, errno, "jail: cap_init");
  r = cap_set_proc (none);
  cap_free (none);
  if (r < 0)
    return sie_error (err, errno, "jail: drop every capability");
  return 0;
}

static int
confine (void *arg, char *vsock_path, size_t size, sie_error_t *err)
{
  struct jail *j = arg;

  if (setup_mounts (j, err) < 0 || pivot (err) < 0)
    return -1;
  if (j->vsock_dir)
    {
      if ((size_t) snprintf (vsock_path, size, "%s/%s", JAIL_VSOCK_DIR, j->vsock_base) >= size)
        return sie_error (err, 0, "jail: vsock socket name %s is too long", j->vsock_base);
    }
  if (sethostname ("sie-vmm", 7) < 0)
    return sie_error (err, errno, "jail: sethostname");
  return drop_capabilities (err);
}

static int
prepare (const struct sie_vm_config *cfg, struct jail *j, sie_error_t *err)
{
  cleanup_free char *dir_copy = NULL, *base_copy = NULL;

  j->vsock_dir = NULL;
  if (cfg->vsock_uds == NULL)
    return 0;
  dir_copy = strdup (cfg->vsock_uds);
  base_copy = strdup (cfg->vsock_uds);
  if (dir_copy == NULL || base_copy == NULL)
    return sie_error (err, errno, "jail: strdup");
  if (strlen (basename (base_copy)) >= sizeof (j->vsock_base))
    return sie_error (err, 0, "jail: vsock socket name %s too long", cfg->vsock_uds);
  strcpy (j->vsock_base, basename (base_copy));
  /* dirname may return a static "." rather than edit its argument. */
  j->vsock_dir = strdup (dirname (dir_copy));
  if (j->vsock_dir == NULL)
    return sie_error (err, errno, "jail: strdup");
  return 0;
}

/* The VMM: PID 1 of its namespaces.  Returns only through _exit. */
static void __attribute__ ((noreturn))
run_inner (const struct sie_vm_config *cfg, struct jail *j, int death_fd)
{
  struct sie_vm_config inner = *cfg;
  struct pollfd parent = { death_fd, 0, 0 };
  sie_error_t err = NULL;
  int status;

  /* The parent may have died before the death signal was armed. */
  if (prctl (PR_SET_PDEATHSIG, SIGTERM) < 0 || poll (&parent, 1, 0) != 0)
    _exit (SIE_VMM_EXIT_ERROR);
  close (death_fd);
  inner.confine = confine;
  inner.confine_arg = j;
  status = sie_vm_run (&inner, &err);
  if (err)
    fprintf (stderr, "sie-vmm: %s\n", err->msg);
  _exit (status);
}

/* Relays stop signals to the VMM until it exits; returns its status. */
static int
wait_inner (pid_t pid, sie_error_t *err)
{
  sigset_t set;
  int wstatus;

  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  sigaddset (&set, SIGCHLD);
  for (;;)
    {
      siginfo_t si;
      pid_t r = waitpid (pid, &wstatus, WNOHANG);

      if (r == pid)
        break;
      if (r < 0 && errno != EINTR)
        {
          sie_error (err, errno, "wait for the VMM");
          return SIE_VMM_EXIT_ERROR;
        }
      if (sigwaitinfo (&set, &si) > 0 && si.si_signo != SIGCHLD)
        kill (pid, si.si_signo);
    }
  if (WIFEXITED (wstatus))
    return WEXITSTATUS (wstatus);
  if (WTERMSIG (wstatus) == SIGSYS)
    sie_error (err, 0, "the VMM made a system call outside its seccomp filter (SIGSYS)");
  else
    sie_error (err, 0, "the VMM was killed by signal %d", WTERMSIG (wstatus));
  return 128 + WTERMSIG (wstatus);
}

/* A VMM killed outright could not remove its socket. */
static void
remove_socket (const char *path)
{
  struct stat st;

  if (path && lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (path);
}

int
sie_jail_run (const struct sie_vm_config *cfg, sie_error_t *err)
{
  struct jail j;
  int death[2], status;
  sigset_t set, old;
  pid_t pid;

  if (prepare (cfg, &j, err) < 0)
    {
      free (j.vsock_dir);
      return SIE_VMM_EXIT_ERROR;
    }
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  sigaddset (&set, SIGCHLD);
  sigprocmask (SIG_BLOCK, &set, &old);
  if (pipe2 (death, O_CLOEXEC) < 0)
    {
      sie_error (err, errno, "jail: pipe");
      return SIE_VMM_EXIT_ERROR;
    }
  if (unshare (CLONE_NEWPID) < 0)
    {
      sie_error (err, errno, "jail: unshare the PID namespace");
      return SIE_VMM_EXIT_ERROR;
    }
  pid = fork ();
  if (pid < 0)
    {
      sie_error (err, errno, "jail: fork the VMM");
      return SIE_VMM_EXIT_ERROR;
    }
  if (pid == 0)
    {
      close (death[1]);
      run_inner (cfg, &j, death[0]);
    }
  close (death[0]);
  free (j.vsock_dir);
  status = wait_inner (pid, err);
  close (death[1]);
  remove_socket (cfg->vsock_uds);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return status;
}
