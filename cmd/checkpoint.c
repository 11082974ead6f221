/* `checkpoint`: runc's flags, CRIU underneath. */
#include <getopt.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "cmd/criu_flags.h"

enum
{
  OPT_PARENT_PATH = CRIU_OPT_LAST,
  OPT_LEAVE_RUNNING,
  OPT_TCP_SKIP_IN_FLIGHT,
  OPT_LINK_REMAP,
  OPT_PRE_DUMP,
  OPT_STATUS_FD,
};

int
cmd_checkpoint (const struct sie_globals *g, int argc, char **argv, const char **id,
                sie_error_t *err)
{
  static const struct option opts[] = {
    CRIU_SHARED_OPTIONS,
    { "parent-path", required_argument, NULL, OPT_PARENT_PATH },
    { "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
    { "tcp-skip-in-flight", no_argument, NULL, OPT_TCP_SKIP_IN_FLIGHT },
    { "link-remap", no_argument, NULL, OPT_LINK_REMAP },
    { "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
    { "status-fd", required_argument, NULL, OPT_STATUS_FD },
    { NULL, 0, NULL, 0 },
  };
  struct sie_checkpoint_opts o = { .status_fd = -1 };
  int c, r;

  while ((c = getopt_long_only (argc, argv, "+", opts, NULL)) != -1)
    {
      if ((r = cmd_criu_flag (c, optarg, &o.f, err)) != 0)
        {
          if (r < 0)
            return -1;
          continue;
        }
      switch (c)
        {
        case OPT_PARENT_PATH: o.parent_path = optarg; break;
        case OPT_LEAVE_RUNNING: o.leave_running = true; break;
        case OPT_TCP_SKIP_IN_FLIGHT: o.tcp_skip_in_flight = true; break;
        case OPT_LINK_REMAP: o.link_remap = true; break;
        case OPT_PRE_DUMP: o.pre_dump = true; break;
        case OPT_STATUS_FD:
          if (cmd_parse_uint ("--status-fd", optarg, &o.status_fd, err) < 0)
            return -1;
          break;
        default:
          return cmd_usage_error (err, "checkpoint", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
  if (cmd_positional (argc, argv, 1, "checkpoint", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  return sie_container_checkpoint (g->root, *id, &o, err);
}
