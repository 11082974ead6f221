/* sie: an OCI container runtime.  Global flags, then one command. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "runtime/criu_rpc.h"
#include "runtime/selfexe.h"
#include "runtime/statedir.h"
#include "util/log.h"

#define SIE_VERSION "0.1.0"
#define SIE_SPEC_VERSION "1.2.0"

static const struct sie_command commands[] = {
  { "create", cmd_create, true, "create a container" },
  { "start", cmd_start, false, "start a created container" },
  { "run", cmd_run, true, "create and start a container" },
  { "exec", cmd_exec, true, "run a process in a running container" },
  { "state", cmd_state, false, "print the state of a container" },
  { "kill", cmd_kill, false, "send a signal to a container" },
  { "delete", cmd_delete, false, "delete a container" },
  { "list", cmd_list, false, "list containers" },
  { "update", cmd_update, false, "change a container's resources" },
  { "partition", cmd_partition, false, "read or set weight, cap, processors and memory" },
  { "pause", cmd_pause, false, "freeze a container's processes" },
  { "resume", cmd_resume, false, "thaw a paused container" },
  { "ps", cmd_ps, false, "list a container's processes" },
  { "events", cmd_events, false, "stream stats and OOM events" },
  { "spec", cmd_spec, false, "write a default config.json" },
  { "features", cmd_features, false, "print the features sie supports" },
  { "checkpoint", cmd_checkpoint, false, "dump a running container with CRIU" },
  { "restore", cmd_restore, false, "restore a container from CRIU images" },
  { "serve", cmd_serve, false, "receive relocated containers (the destination daemon)" },
  { "relocate", cmd_relocate, false, "move a running container to another host" },
};

static void
usage (FILE *out)
{
  fprintf (out, "usage: sie [global options] COMMAND [options] [ID]\n\n"
                "global options:\n"
                "  --root DIR              state directory (default " SIE_DEFAULT_ROOT ")\n"
                "  --log FILE              also log to FILE\n"
                "  --log-format text|json  log format (default text)\n"
                "  --debug                 debug output\n"
                "  --systemd-cgroup        use systemd for cgroups (needs systemd)\n"
                "  --criu PATH             the criu binary (default: criu from PATH)\n"
                "  -v, --version           print the version\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

static const struct sie_command *
find_command (const char *name)
{
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD,
  OPT_ROOTLESS,
  OPT_CRIU,
};

static int
parse_globals (int argc, char **argv, struct sie_globals *g, sie_error_t *err)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "criu", required_argument, NULL, OPT_CRIU },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "+vh", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        g->root = optarg;
        break;
      case OPT_LOG:
        g->log = optarg;
        break;
      case OPT_LOG_FORMAT:
        if (strcmp (optarg, "json") == 0)
          g->log_format = SIE_LOG_JSON;
        else if (strcmp (optarg, "text") == 0)
          g->log_format = SIE_LOG_TEXT;
        else
          return sie_error (err, 0, "--log-format: expected text or json, got \"%s\"", optarg);
        break;
      case OPT_DEBUG:
        g->debug = true;
        break;
      case OPT_SYSTEMD:
        g->systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
        if (strcmp (optarg, "true") != 0 && strcmp (optarg, "false") != 0
            && strcmp (optarg, "auto") != 0)
          return sie_error (err, 0, "--rootless: expected true, false or auto, got \"%s\"", optarg);
        break;
      case OPT_CRIU:
        sie_criu_set_path (optarg);
        break;
      case 'v':
        printf ("sie version " SIE_VERSION "\nspec: " SIE_SPEC_VERSION "\n");
        exit (0);
      case 'h':
        usage (stdout);
        exit (0);
      default:
        return sie_error (err, 0, "unknown global option \"%s\"", argv[optind - 1]);
      }
  return optind;
}

static int
check_systemd (const struct sie_globals *g, sie_error_t *err)
{
  struct stat st;
  if (!g->systemd_cgroup)
    return 0;
  if (stat ("/run/systemd/system", &st) < 0)
    return sie_error (err, 0, "--systemd-cgroup: systemd is not running on this host");
  return sie_error (err, 0, "--systemd-cgroup: sie has no systemd cgroup driver; use cgroupfs paths");
}

static void
report (const char *id, sie_error_t err)
{
  char *line = NULL;
  /* An invalid id is the error itself, quoted safely in the message. */
  if (id && sie_id_validate (id, NULL) == 0 && asprintf (&line, "%s: %s", id, err->msg) >= 0)
    {
      sie_log_error (line);
      free (line);
      return;
    }
  sie_log_error (err->msg);
}

int
main (int argc, char **argv)
{
  struct sie_globals g = { .root = SIE_DEFAULT_ROOT, .log_format = SIE_LOG_TEXT };
  const struct sie_command *cmd = NULL;
  const char *id = NULL;
  sie_error_t err = NULL;
  int first;

  first = parse_globals (argc, argv, &g, &err);
  if (first >= 0 && first >= argc)
    {
      usage (stderr);
      return 1;
    }
  if (first >= 0 && (cmd = find_command (argv[first])) == NULL)
    first = sie_error (&err, 0, "unknown command \"%s\" (see sie --help)", argv[first]);
  /* `sie COMMAND --help`: engines probe for a command this way (podman
   * asks `checkpoint --help` before it offers checkpointing). */
  if (first >= 0 && first + 1 < argc
      && (strcmp (argv[first + 1], "--help") == 0 || strcmp (argv[first + 1], "-h") == 0))
    {
      printf ("usage: sie [global options] %s [options] [ID]\n%s; see sie-%s(8)\n", cmd->name,
              cmd->summary, cmd->name);
      return 0;
    }
  sie_log_init (g.log, g.log_format, g.debug);
  if (first < 0 || check_systemd (&g, &err) < 0)
    {
      report (NULL, err);
      return 1;
    }
  if (cmd->enters_container && sie_ensure_sealed_self (argv, &err) < 0)
    {
      report (NULL, err);
      return 1;
    }
  signal (SIGPIPE, SIG_IGN);
  optind = 0;
  int ret = cmd->fn (&g, argc - first, argv + first, &id, &err);
  if (ret < 0)
    {
      report (id, err);
      sie_error_release (&err);
      return 1;
    }
  return ret;
}
