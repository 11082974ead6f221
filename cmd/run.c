/* `run`: create, start, and in the foreground forward signals to the
 * container, wait for it, and exit with its status. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/run_tty.h"
#include "runtime/container.h"
#include "util/cleanup.h"

/* Signals a crashing sie must still die of; everything else is forwarded. */
static bool
is_synchronous (int sig)
{
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP
         || sig == SIGABRT || sig == SIGSYS || sig == SIGKILL || sig == SIGSTOP || sig == SIGPIPE;
}

static void
forwardable_set (sigset_t *set)
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

static int
forward_until_exit (int sfd, pid_t init, struct run_tty *tty)
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

static int
listen_fds (void)
{
  const char *s = getenv ("LISTEN_FDS");
  int n = s ? atoi (s) : 0;
  return n > 0 ? n : 0;
}

/* create + start; a container whose start fails is removed again. */
static pid_t
create_and_start (const struct sie_globals *g, const char *id, const struct create_flags *f,
                  const sigset_t *child_mask, struct run_tty *tty, sie_error_t *err)
{
  struct sie_create_opts o = {
    .root = g->root, .id = id, .bundle = f->bundle, .console_socket = f->console_socket,
    .console_fd = tty->sock[1], .pid_file = f->pid_file, .preserve_fds = f->preserve_fds,
    .no_pivot = f->no_pivot, .no_new_keyring = f->no_new_keyring, .child_sigmask = child_mask,
  };
  sie_error_t ignored = NULL;
  pid_t pid = sie_container_create (&o, err);

  if (pid < 0)
    return -1;
  if (tty->sock[0] >= 0)
    run_tty_receive (tty);
  if (sie_container_start (g->root, id, err) == 0)
    return pid;
  sie_container_delete (g->root, id, true, &ignored);
  sie_error_release (&ignored);
  return -1;
}

/* Forwards signals and relays the pty until the init exits, then removes
 * the container unless --keep; returns the exit code to pass on. */
static int
wait_in_foreground (const struct sie_globals *g, const char *id, pid_t pid,
                    const sigset_t *forward, struct run_tty *tty, bool keep, sie_error_t *err)
{
  cleanup_close int sfd = signalfd (-1, forward, SFD_CLOEXEC);
  int code = sfd < 0 ? -1 : forward_until_exit (sfd, pid, tty);

  if (sfd < 0)
    sie_error (err, errno, "signalfd");
  run_tty_close (tty);
  if (!keep && sie_container_delete (g->root, id, true, code < 0 ? NULL : err) < 0)
    return -1;
  return code;
}

int
cmd_run (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  struct create_flags f = { 0 };
  struct run_tty tty = { .sock = { -1, -1 }, .master = -1 };
  sigset_t forward, old;
  pid_t pid;

  if (cmd_parse_create_flags (argc, argv, true, &f, err) < 0)
    return -1;
  if (cmd_positional (argc, argv, 1, "run", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  cmd_reserve_fds (f.preserve_fds + listen_fds ());

  /* Blocked before clone, so no signal or child exit can slip past. */
  forwardable_set (&forward);
  sigprocmask (SIG_BLOCK, &forward, &old);
  if (!f.detach && !f.no_subreaper)
    prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  /* Foreground without a console socket: sie relays the pty itself. */
  if (!f.detach && f.console_socket == NULL && run_tty_open (&tty) < 0)
    return sie_error (err, errno, "socketpair");
  pid = create_and_start (g, *id, &f, &old, &tty, err);
  if (pid < 0 || f.detach)
    {
      run_tty_close (&tty);
      return pid < 0 ? -1 : 0;
    }
  return wait_in_foreground (g, *id, pid, &forward, &tty, f.keep, err);
}
