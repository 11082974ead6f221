#include <getopt.h>

#include "cmd/cmd.h"
#include "runtime/container.h"

int
cmd_start (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  if (getopt_long_only (argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
    return cmd_usage_error (err, "start", "unknown option \"%s\"", argv[optind - 1]);
  if (cmd_positional (argc, argv, 1, "start", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  return sie_container_start (g->root, *id, err);
}
