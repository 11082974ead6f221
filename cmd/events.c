#include <getopt.h>

#include "cmd/cmd.h"
#include "runtime/events.h"

enum
{
  OPT_STATS = 256,
  OPT_INTERVAL,
};

int
cmd_events (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  static const struct option opts[] = {
    { "stats", no_argument, NULL, OPT_STATS },
    { "interval", required_argument, NULL, OPT_INTERVAL },
    { NULL, 0, NULL, 0 },
  };
  struct sie_events_opts o = { .interval_ns = 5000000000ULL };
  int c;

  while ((c = getopt_long_only (argc, argv, "+", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_STATS:
        o.stats_only = true;
        break;
      case OPT_INTERVAL:
        if (sie_duration_parse (optarg, &o.interval_ns, err) < 0)
          return sie_error_prefix (err, "events");
        break;
      default:
        return cmd_usage_error (err, "events", "unknown or incomplete option \"%s\"",
                                argv[optind - 1]);
      }
  if (cmd_positional (argc, argv, 1, "events", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  return sie_container_events (g->root, *id, &o, err);
}
