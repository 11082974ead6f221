#include <getopt.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "spec/state.h"
#include "util/cleanup.h"

int
cmd_features (const struct sie_globals *g, int argc, char **argv, const char **id,
              sie_error_t *err)
{
  cleanup_free char *json = NULL;

  if (getopt_long_only (argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
    return cmd_usage_error (err, "features", "unknown option \"%s\"", argv[optind - 1]);
  if (cmd_positional (argc, argv, 0, "features", "", err) < 0)
    return -1;
  if (sie_features_json (&json, err) < 0)
    return -1;
  fputs (json, stdout);
  return 0;
}
