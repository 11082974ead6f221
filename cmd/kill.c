#include <getopt.h>
#include <signal.h>
#include <stdbool.h>

#include "cmd/cmd.h"
#include "runtime/container.h"
#include "util/signals.h"

int
cmd_kill (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
  bool all = false;
  int c, sig = SIGTERM, nargs;

  while ((c = getopt_long_only (argc, argv, "+a", opts, NULL)) != -1)
    {
      if (c != 'a')
        return cmd_usage_error (err, "kill", "unknown option \"%s\"", argv[optind - 1]);
      all = true;
    }
  nargs = argc - optind;
  if (nargs < 1 || nargs > 2)
    return cmd_positional (argc, argv, nargs < 1 ? 1 : 2, "kill", "ID [SIGNAL]", err);
  *id = argv[optind];
  if (nargs == 2 && (sig = sie_signal_parse (argv[optind + 1])) < 0)
    return sie_error (err, 0, "kill: invalid signal \"%s\"", argv[optind + 1]);
  return sie_container_kill (g->root, *id, sig, all, err);
}
