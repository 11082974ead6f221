#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

int
cmd_usage_error (sie_error_t *err, const char *cmd, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&msg, fmt, ap);
  va_end (ap);
  sie_error (err, 0, "%s: %s", cmd, n >= 0 ? msg : "bad usage");
  free (msg);
  return -1;
}

int
cmd_positional (int argc, char **argv, int want, const char *cmd, const char *names,
                sie_error_t *err)
{
  int have = argc - optind;
  if (have < want)
    return cmd_usage_error (err, cmd, "missing %s (usage: sie %s [options] %s)", names, cmd, names);
  if (have > want)
    return cmd_usage_error (err, cmd, "unexpected argument \"%s\"", argv[optind + want]);
  return 0;
}

int
cmd_parse_uint (const char *flag, const char *value, int *out, sie_error_t *err)
{
  char *end;
  long v;

  errno = 0;
  v = strtol (value, &end, 10);
  if (errno || *end || end == value || v < 0 || v > 65536)
    return sie_error (err, 0, "%s: expected a non-negative integer, got \"%s\"", flag, value);
  *out = (int) v;
  return 0;
}

enum
{
  OPT_CONSOLE = 256,
  OPT_PID_FILE,
  OPT_PRESERVE,
  OPT_NO_PIVOT,
  OPT_NO_KEYRING,
  OPT_NO_SUBREAPER,
  OPT_KEEP,
};

int
cmd_parse_create_flags (int argc, char **argv, bool is_run, struct create_flags *f,
                        sie_error_t *err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, OPT_KEEP },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0];
  int c;

  while ((c = getopt_long_only (argc, argv, "+b:d", opts, NULL)) != -1)
    {
      bool run_only = c == 'd' || c == OPT_KEEP || c == OPT_NO_SUBREAPER;
      if (run_only && !is_run)
        return cmd_usage_error (err, cmd, "unknown option \"%s\"", argv[optind - 1]);
      switch (c)
        {
        case 'b':
          f->bundle = optarg;
          break;
        case OPT_CONSOLE:
          f->console_socket = optarg;
          break;
        case OPT_PID_FILE:
          f->pid_file = optarg;
          break;
        case OPT_PRESERVE:
          if (cmd_parse_uint ("--preserve-fds", optarg, &f->preserve_fds, err) < 0)
            return -1;
          break;
        case OPT_NO_PIVOT:
          f->no_pivot = true;
          break;
        case OPT_NO_KEYRING:
          f->no_new_keyring = true;
          break;
        case OPT_NO_SUBREAPER:
          f->no_subreaper = true;
          break;
        case 'd':
          f->detach = true;
          break;
        case OPT_KEEP:
          f->keep = true;
          break;
        default:
          return cmd_usage_error (err, cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
  return optind;
}

void
cmd_reserve_fds (int preserve)
{
  /* Socket-activation fds (LISTEN_FDS) sit right after stdio, before the
   * preserved ones, and are handed over too. */
  const char *listen = getenv ("LISTEN_FDS");
  int n_listen = listen ? atoi (listen) : 0;

  if (n_listen > 0)
    preserve += n_listen;
  for (int fd = 0; fd < 3 + preserve; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int n = open ("/dev/null", O_RDWR);
        if (n >= 0 && n != fd)
          {
            dup2 (n, fd);
            close (n);
          }
      }
}
