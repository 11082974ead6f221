/* `exec`: runc's command line.  Flags come before the container id;
 * everything after the id is the command. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/foreground.h"
#include "cmd/run_tty.h"
#include "runtime/exec.h"
#include "util/cleanup.h"

enum
{
  OPT_CONSOLE = 256,
  OPT_CWD,
  OPT_PID_FILE,
  OPT_LABEL,
  OPT_APPARMOR,
  OPT_NNP,
  OPT_PRESERVE,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED,
};

/* A growing NULL-terminated list of borrowed strings (argv entries). */
static int
push (char ***list, const char *s, sie_error_t *err)
{
  size_t n = 0;
  char **nl;

  while (*list && (*list)[n])
    n++;
  nl = realloc (*list, (n + 2) * sizeof (char *));
  if (nl == NULL)
    return sie_error (err, ENOMEM, "exec");
  nl[n] = (char *) s;
  nl[n + 1] = NULL;
  *list = nl;
  return 0;
}

static int
parse_flag (int c, struct sie_exec_opts *o, sie_error_t *err)
{
  struct sie_exec_overrides *ov = &o->ov;

  switch (c)
    {
    case 'p': ov->process_file = optarg; return 0;
    case 't': ov->tty = true; return 0;
    case 'e': return push (&ov->env, optarg, err);
    case 'u': ov->user = optarg; return 0;
    case 'g': return push (&ov->additional_gids, optarg, err);
    case 'c': return push (&ov->caps, optarg, err);
    case 'd': o->detach = true; return 0;
    case OPT_CONSOLE: o->console_socket = optarg; return 0;
    case OPT_CWD: ov->cwd = optarg; return 0;
    case OPT_PID_FILE: o->pid_file = optarg; return 0;
    case OPT_LABEL: ov->process_label = optarg; return 0;
    case OPT_APPARMOR: ov->apparmor = optarg; return 0;
    case OPT_NNP: ov->no_new_privs = true; return 0;
    case OPT_PRESERVE: return cmd_parse_uint ("--preserve-fds", optarg, &o->preserve_fds, err);
    case OPT_CGROUP: return push (&o->cgroups, optarg, err);
    case OPT_IGNORE_PAUSED: o->ignore_paused = true; return 0;
    default:
      return cmd_usage_error (err, "exec", "unknown or incomplete option \"%s\"", optarg ? optarg : "");
    }
}

static int
parse (int argc, char **argv, struct sie_exec_opts *o, sie_error_t *err)
{
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "tty", no_argument, NULL, 't' },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "detach", no_argument, NULL, 'd' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "process-label", required_argument, NULL, OPT_LABEL },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "no-new-privs", no_argument, NULL, OPT_NNP },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { NULL, 0, NULL, 0 },
  };
  int c;

  while ((c = getopt_long_only (argc, argv, "+p:te:u:g:c:d", opts, NULL)) != -1)
    {
      if (c == '?' || c == ':')
        return cmd_usage_error (err, "exec", "unknown or incomplete option \"%s\"",
                                argv[optind - 1]);
      if (parse_flag (c, o, err) < 0)
        return -1;
    }
  if (optind >= argc)
    return cmd_usage_error (err, "exec", "missing ID (usage: sie exec [options] ID COMMAND...)");
  o->id = argv[optind];
  o->ov.args = argv + optind + 1;
  if (o->ov.process_file == NULL && o->ov.args[0] == NULL)
    return cmd_usage_error (err, "exec", "missing COMMAND (or -p process.json)");
  return 0;
}

static void
free_lists (struct sie_exec_opts *o)
{
  free (o->ov.env);
  free (o->ov.additional_gids);
  free (o->ov.caps);
  free (o->cgroups);
}

/* The pty gets the caller's window size before the process runs; sie
 * only receives the master once the process has started. */
static void
caller_window (struct sie_exec_overrides *ov)
{
  struct winsize ws;

  if (isatty (0) && ioctl (0, TIOCGWINSZ, &ws) == 0)
    {
      ov->console_rows = ws.ws_row;
      ov->console_cols = ws.ws_col;
    }
}

static int
run_exec (struct sie_exec_opts *o, sie_error_t *err)
{
  struct run_tty tty = { .sock = { -1, -1 }, .master = -1 };
  sigset_t forward, old;
  cleanup_close int sfd = -1;
  pid_t pid;
  int code;

  foreground_signal_set (&forward);
  sigprocmask (SIG_BLOCK, &forward, &old);
  o->child_sigmask = &old;
  /* In the foreground without a console socket, sie relays the pty. */
  if (!o->detach && o->console_socket == NULL && run_tty_open (&tty) < 0)
    return sie_error (err, errno, "socketpair");
  if (tty.sock[1] >= 0)
    caller_window (&o->ov);
  o->console_fd = tty.sock[1];
  pid = sie_container_exec (o, err);
  if (pid < 0 || o->detach)
    {
      run_tty_close (&tty);
      return pid < 0 ? -1 : 0;
    }
  if (tty.sock[0] >= 0)
    run_tty_receive (&tty);
  sfd = signalfd (-1, &forward, SFD_CLOEXEC);
  code = sfd < 0 ? sie_error (err, errno, "signalfd") : foreground_wait (sfd, pid, &tty);
  run_tty_close (&tty);
  return code;
}

int
cmd_exec (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  struct sie_exec_opts o = { .root = g->root, .console_fd = -1 };
  int ret;

  if (parse (argc, argv, &o, err) < 0)
    {
      free_lists (&o);
      return -1;
    }
  *id = o.id;
  cmd_reserve_fds (o.preserve_fds);
  ret = run_exec (&o, err);
  free_lists (&o);
  return ret;
}
