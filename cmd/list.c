#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "runtime/query.h"
#include "runtime/statedir.h"
#include "util/cleanup.h"

struct row
{
  const char *id;
  struct sie_container_info info;
  bool loaded;
};

static void
print_table (struct row *rows, size_t n)
{
  /* runc's tabwriter: columns padded to the widest cell, minimum 12. */
  int w_id = 12, w_pid = 12, w_status = 12, w_bundle = 12, w_created = 12;
  char pid[16];

  for (size_t i = 0; i < n; i++)
    {
      const struct sie_container_state *st = rows[i].info.st;
      int l = (int) strlen (rows[i].id) + 1;
      w_id = l > w_id ? l : w_id;
      if (st && (l = (int) strlen (st->bundle) + 1) > w_bundle)
        w_bundle = l;
      if (st && (l = (int) strlen (st->created) + 1) > w_created)
        w_created = l;
    }
  printf ("%-*s%-*s%-*s%-*s%-*s%s\n", w_id, "ID", w_pid, "PID", w_status, "STATUS", w_bundle,
          "BUNDLE", w_created, "CREATED", "OWNER");
  for (size_t i = 0; i < n; i++)
    {
      const struct sie_container_info *in = &rows[i].info;
      const struct sie_container_state *st = in->st;
      bool stopped = in->status == SIE_STATUS_STOPPED;
      snprintf (pid, sizeof pid, "%d", st && !stopped ? st->pid : 0);
      printf ("%-*s%-*s%-*s%-*s%-*s%s\n", w_id, rows[i].id, w_pid, pid, w_status,
              sie_status_name (in->status), w_bundle, st ? st->bundle : "", w_created,
              st ? st->created : "", st && *st->owner ? st->owner : "root");
    }
}

static int
print_json (struct row *rows, size_t n, sie_error_t *err)
{
  printf ("[");
  for (size_t i = 0, shown = 0; i < n; i++)
    {
      cleanup_free char *json = NULL;
      if (sie_container_info_json (&rows[i].info, rows[i].id, 0, &json, err) < 0)
        return -1;
      printf ("%s%s", shown++ ? "," : "", json);
    }
  printf ("]\n");
  return 0;
}

static int
parse_flags (int argc, char **argv, bool *quiet, bool *json, sie_error_t *err)
{
  static const struct option opts[] = {
    { "quiet", no_argument, NULL, 'q' },
    { "format", required_argument, NULL, 'f' },
    { NULL, 0, NULL, 0 },
  };
  int c;
  while ((c = getopt_long_only (argc, argv, "+qf:", opts, NULL)) != -1)
    switch (c)
      {
      case 'q':
        *quiet = true;
        break;
      case 'f':
        if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
          return cmd_usage_error (err, "list", "--format: expected table or json, got \"%s\"", optarg);
        *json = strcmp (optarg, "json") == 0;
        break;
      default:
        return cmd_usage_error (err, "list", "unknown option \"%s\"", argv[optind - 1]);
      }
  return cmd_positional (argc, argv, 0, "list", "", err);
}

int
cmd_list (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  bool quiet = false, json = false;
  cleanup_strv char **ids = NULL;
  cleanup_free struct row *rows = NULL;
  size_t n = 0, kept = 0;
  int ret = 0;

  if (parse_flags (argc, argv, &quiet, &json, err) < 0)
    return -1;
  if (sie_statedir_list (g->root, &ids, &n, err) < 0)
    return -1;
  rows = calloc (n + 1, sizeof (*rows));
  for (size_t i = 0; rows && i < n; i++)
    {
      sie_error_t ignored = NULL;
      rows[kept].id = ids[i];
      /* A container deleted while we list is simply not shown. */
      if (sie_container_info_load (g->root, ids[i], false, &rows[kept].info, &ignored) == 0)
        rows[kept++].loaded = true;
      sie_error_release (&ignored);
    }
  if (quiet)
    for (size_t i = 0; i < kept; i++)
      printf ("%s\n", rows[i].id);
  else if (json)
    ret = print_json (rows, kept, err);
  else
    print_table (rows, kept);
  for (size_t i = 0; i < kept; i++)
    sie_container_info_release (&rows[i].info);
  return ret;
}
