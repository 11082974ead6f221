/* A user namespace carrying an idmapped mount's mappings.  The kernel only
 * hands out a user namespace fd for a process living in it, so a child is
 * cloned into a new one, its uid_map/gid_map are written, its ns/user is
 * opened, and it is let go. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

/* The child only waits for the parent to close the pipe's write end. */
static pid_t
clone_userns_child (int *pidfd, const int pipefd[2])
{
  struct clone_args args = {
    .flags = CLONE_NEWUSER | CLONE_PIDFD,
    .pidfd = (uint64_t) (uintptr_t) pidfd,
    .exit_signal = SIGCHLD,
  };
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof (args));
  char c;

  if (pid == 0)
    {
      close (pipefd[1]);
      while (read (pipefd[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  return pid;
}

/* The child's pid as the mounted /proc numbers it: we may sit in a pid
 * namespace that /proc (still the host's before pivot_root) does not. */
static int
proc_pid_of (int pidfd, pid_t *out, sie_error_t *err)
{
  char path[64], line[128];
  cleanup_file FILE *f = NULL;

  snprintf (path, sizeof (path), "/proc/self/fdinfo/%d", pidfd);
  f = fopen (path, "re");
  if (f == NULL)
    return sie_error (err, errno, "idmap: open %s", path);
  while (fgets (line, sizeof (line), f))
    if (sscanf (line, "Pid: %d", out) == 1)
      {
        if (*out <= 0)
          return sie_error (err, 0, "idmap: helper process not visible in /proc");
        return 0;
      }
  return sie_error (err, 0, "idmap: no Pid in %s", path);
}

static int
write_map (pid_t pid, const char *file, const struct sie_id_mapping *m, size_t n,
           sie_error_t *err)
{
  cleanup_free char *buf = NULL;
  cleanup_close int fd = -1;
  char path[64];
  size_t size = 0;
  FILE *f = open_memstream (&buf, &size);

  if (f == NULL)
    return sie_error (err, errno, "idmap: %s", file);
  for (size_t i = 0; i < n; i++)
    fprintf (f, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  if (fclose (f) != 0)
    return sie_error (err, ENOMEM, "idmap: %s", file);
  snprintf (path, sizeof (path), "/proc/%d/%s", (int) pid, file);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sie_error (err, errno, "idmap: open %s", path);
  /* The kernel takes the whole map in one write. */
  if (write (fd, buf, size) != (ssize_t) size)
    return sie_error (err, errno, "idmap: write %s", file);
  return 0;
}

static int
open_child_userns (int pidfd, const struct sie_id_mapping *uids, size_t n_uids,
                   const struct sie_id_mapping *gids, size_t n_gids, sie_error_t *err)
{
  char path[64];
  pid_t pid;
  int fd;

  if (proc_pid_of (pidfd, &pid, err) < 0)
    return -1;
  if (write_map (pid, "uid_map", uids, n_uids, err) < 0
      || write_map (pid, "gid_map", gids, n_gids, err) < 0)
    return -1;
  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sie_error (err, errno, "idmap: open %s", path);
  return fd;
}

int
sie_idmap_userns_fd (const struct sie_id_mapping *uids, size_t n_uids,
                     const struct sie_id_mapping *gids, size_t n_gids, sie_error_t *err)
{
  int pipefd[2];
  cleanup_close int pidfd = -1;
  int dumpable = prctl (PR_GET_DUMPABLE);
  pid_t pid;
  int fd;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return sie_error (err, errno, "idmap: pipe");
  /* /proc/<pid>/uid_map of a non-dumpable process belongs to the host's
   * root, which a user-namespaced init is not; the child inherits the flag
   * at clone, and nothing else runs in the container yet. */
  if (dumpable == 0)
    prctl (PR_SET_DUMPABLE, 1);
  pid = clone_userns_child (&pidfd, pipefd);
  if (dumpable == 0)
    prctl (PR_SET_DUMPABLE, 0);
  close (pipefd[0]);
  if (pid < 0)
    {
      close (pipefd[1]);
      return sie_error (err, errno, "idmap: clone user namespace");
    }
  fd = open_child_userns (pidfd, uids, n_uids, gids, n_gids, err);
  close (pipefd[1]);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}
