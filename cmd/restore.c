/* `restore`: runc's flags (and exactly what conmon passes).  In the
 * foreground sie waits for the restored init, forwarding signals, and
 * removes the container when it exits, as `run` does. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/criu_flags.h"
#include "cmd/foreground.h"
#include "runtime/container.h"
#include "util/cleanup.h"

enum
{
  OPT_BUNDLE = CRIU_OPT_LAST,
  OPT_CONSOLE_SOCKET,
  OPT_DETACH,
  OPT_PID_FILE,
  OPT_NO_SUBREAPER,
  OPT_NO_PIVOT,
  OPT_TCP_CLOSE,
  OPT_LSM_PROFILE,
  OPT_LSM_MOUNT_CONTEXT,
};

static int
parse (int argc, char **argv, struct sie_restore_opts *o, sie_error_t *err)
{
  static const struct option opts[] = {
    CRIU_SHARED_OPTIONS,
    { "bundle", required_argument, NULL, OPT_BUNDLE },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "detach", no_argument, NULL, OPT_DETACH },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "tcp-close", no_argument, NULL, OPT_TCP_CLOSE },
    { "lsm-profile", required_argument, NULL, OPT_LSM_PROFILE },
    { "lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT_CONTEXT },
    { NULL, 0, NULL, 0 },
  };
  int c, r;

  while ((c = getopt_long_only (argc, argv, "+b:d", opts, NULL)) != -1)
    {
      if ((r = cmd_criu_flag (c, optarg, &o->f, err)) != 0)
        {
          if (r < 0)
            return -1;
          continue;
        }
      switch (c)
        {
        case 'b':
        case OPT_BUNDLE: o->bundle = optarg; break;
        case 'd':
        case OPT_DETACH: o->detach = true; break;
        case OPT_CONSOLE_SOCKET: o->console_socket = optarg; break;
        case OPT_PID_FILE: o->pid_file = optarg; break;
        case OPT_NO_SUBREAPER: o->no_subreaper = true; break;
        case OPT_NO_PIVOT: o->no_pivot = true; break;
        case OPT_TCP_CLOSE: o->tcp_close = true; break;
        case OPT_LSM_PROFILE: o->lsm_profile = optarg; break;
        case OPT_LSM_MOUNT_CONTEXT: o->lsm_mount_context = optarg; break;
        default:
          return cmd_usage_error (err, "restore", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
  if (o->f.tcp_established && o->tcp_close)
    return cmd_usage_error (err, "restore", "--tcp-close and --tcp-established exclude each other");
  return 0;
}

int
cmd_restore (const struct sie_globals *g, int argc, char **argv, const char **id,
             sie_error_t *err)
{
  struct sie_restore_opts o = { 0 };
  struct run_tty no_tty = { .sock = { -1, -1 }, .master = -1 };
  sigset_t forward, old;
  cleanup_close int sfd = -1;
  pid_t pid;
  int code;

  if (parse (argc, argv, &o, err) < 0)
    return -1;
  if (cmd_positional (argc, argv, 1, "restore", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  if (o.detach)
    return sie_container_restore (g->root, *id, &o, err) < 0 ? -1 : 0;
  /* Blocked before CRIU forks the init, so no signal or exit slips past. */
  foreground_signal_set (&forward);
  sigprocmask (SIG_BLOCK, &forward, &old);
  if (!o.no_subreaper)
    prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  pid = sie_container_restore (g->root, *id, &o, err);
  if (pid < 0)
    return -1;
  sfd = signalfd (-1, &forward, SFD_CLOEXEC);
  if (sfd < 0)
    return sie_error (err, errno, "signalfd");
  code = foreground_wait (sfd, pid, &no_tty);
  if (sie_container_delete (g->root, *id, true, code < 0 ? NULL : err) < 0)
    return -1;
  return code;
}
