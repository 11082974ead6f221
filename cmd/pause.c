#include <getopt.h>

#include "cmd/cmd.h"
#include "runtime/container.h"

int
cmd_pause (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  static const struct option opts[] = { { NULL, 0, NULL, 0 } };

  if (getopt_long_only (argc, argv, "+", opts, NULL) != -1)
    return cmd_usage_error (err, "pause", "unknown option \"%s\"", argv[optind - 1]);
  if (cmd_positional (argc, argv, 1, "pause", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  return sie_container_pause (g->root, *id, err);
}
