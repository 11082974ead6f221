#include "cmd/foreground.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals a crashing sie must still die of; everything else is forwarded. */
static bool
is_synchronous (int sig)
{
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP
         || sig == SIGABRT || sig == SIGSYS || sig == SIGKILL || sig == SIGSTOP || sig == SIGPIPE;
}

void
foreground_signal_set (sigset_t *set)
{
  sigfillset (set);
  for (int sig = 1; sig < NSIG; sig++)
    if (is_synchronous (sig))
      sigdelset (set, sig);
}

static int
exit_code (int status)
{
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

/* Reaps every exited child (sie is a subreaper, so orphans from the
 * container land here too); returns true once the init is among them. */
static bool
reap (pid_t init, int *status)
{
  int s;
  pid_t w;
  bool done = false;

  while ((w = waitpid (-1, &s, WNOHANG)) > 0)
    if (w == init)
      {
        *status = s;
        done = true;
      }
  return done;
}

/* Returns true once the init has exited. */
static bool
handle_signal (int sfd, pid_t init, struct run_tty *tty, int *status)
{
  struct signalfd_siginfo si;
  ssize_t n = read (sfd, &si, sizeof si);

  if (n != sizeof si)
    return false;
  if (si.ssi_signo == SIGCHLD)
    return reap (init, status);
  if (si.ssi_signo == SIGWINCH)
    run_tty_resize (tty);
  else if (si.ssi_signo != SIGURG)
    kill (init, (int) si.ssi_signo);
  return false;
}

static void
drain_master (struct run_tty *tty)
{
  struct pollfd p = { .fd = tty->master, .events = POLLIN };
  while (tty->master >= 0 && poll (&p, 1, 0) > 0 && run_tty_relay (tty, false, true))
    ;
}

int
foreground_wait (int sfd, pid_t init, struct run_tty *tty)
{
  int status = 0;
  bool relaying = tty->master >= 0;

  for (;;)
    {
      struct pollfd p[3] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = relaying && !tty->stdin_eof ? 0 : -1, .events = POLLIN },
        { .fd = relaying ? tty->master : -1, .events = POLLIN },
      };
      if (poll (p, 3, -1) < 0 && errno != EINTR)
        return 255;
      if ((p[1].revents | p[2].revents) && relaying)
        relaying = run_tty_relay (tty, p[1].revents != 0, p[2].revents != 0);
      if ((p[0].revents & POLLIN) && handle_signal (sfd, init, tty, &status))
        {
          drain_master (tty);
          return exit_code (status);
        }
    }
}

