#include <getopt.h>
#include <stdbool.h>

#include "cmd/cmd.h"
#include "runtime/container.h"

int
cmd_delete (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  bool force = false;
  int c;

  while ((c = getopt_long_only (argc, argv, "+f", opts, NULL)) != -1)
    {
      if (c != 'f')
        return cmd_usage_error (err, "delete", "unknown option \"%s\"", argv[optind - 1]);
      force = true;
    }
  if (cmd_positional (argc, argv, 1, "delete", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  return sie_container_delete (g->root, *id, force, err);
}
