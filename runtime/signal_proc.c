#include "signal_proc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

int
sie_pidfd_for_state (const struct sie_container_state *st)
{
  int fd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  if (fd < 0)
    return -1;
  if (!sie_state_pid_alive (st))
    {
      close (fd);
      errno = ESRCH;
      return -1;
    }
  return fd;
}

int
sie_signal_init (const struct sie_container_state *st, int sig, sie_error_t *err)
{
  cleanup_close int pidfd = sie_pidfd_for_state (st);
  if (pidfd < 0)
    return sie_error (err, 0, "container not running");
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    return sie_error (err, errno, "send signal %d", sig);
  return 0;
}

int
sie_kill_and_wait (const struct sie_container_state *st, sie_error_t *err)
{
  cleanup_close int pidfd = sie_pidfd_for_state (st);
  struct pollfd p;

  if (pidfd < 0)
    return 0;
  if (syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
    return sie_error (err, errno, "kill container init");
  /* A pidfd turns readable once the process has exited, even when it is
   * not our child. */
  p.fd = pidfd;
  p.events = POLLIN;
  if (poll (&p, 1, 10000) == 0)
    return sie_error (err, 0, "container init did not exit after SIGKILL");
  return 0;
}
