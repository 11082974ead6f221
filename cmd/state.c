#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "runtime/query.h"
#include "util/cleanup.h"

int
cmd_state (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  struct sie_container_info info;
  cleanup_free char *json = NULL;
  int ret;

  if (getopt_long_only (argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
    return cmd_usage_error (err, "state", "unknown option \"%s\"", argv[optind - 1]);
  if (cmd_positional (argc, argv, 1, "state", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  if (sie_container_info_load (g->root, *id, false, &info, err) < 0)
    return -1;
  ret = sie_container_info_json (&info, *id, 1, &json, err);
  sie_container_info_release (&info);
  if (ret == 0)
    printf ("%s\n", json);
  return ret;
}
