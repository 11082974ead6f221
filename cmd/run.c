/* `run`: create, start, and in the foreground forward signals to the
 * container, wait for it, and exit with its status. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/foreground.h"
#include "cmd/run_tty.h"
#include "runtime/container.h"
#include "util/cleanup.h"

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
  int code = sfd < 0 ? -1 : foreground_wait (sfd, pid, tty);

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
  cmd_reserve_fds (f.preserve_fds);

  /* Blocked before clone, so no signal or child exit can slip past. */
  foreground_signal_set (&forward);
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
