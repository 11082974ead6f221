/* Whether the cgroup a relocated container would restore into is someone
 * else's.  The restore, as create does, joins a cgroup that exists
 * already; at a destination that would put the container beside whatever
 * runs there, and its undo (or a later delete) would kill those
 * processes too.  So a cgroup holding processes is refused up front. */
#include "relocate/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/cgroup.h"
#include "cgroups/layout_parse.h"
#include "util/cleanup.h"

/* 1 when dir or a cgroup below it has a process, 0 when none (or no
 * such directory), -1 on error. */
static int
tree_has_processes (const char *dir, sie_error_t *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;

  if (sie_cgroup_dir_pids (dir, true, &pids, &n, err) < 0)
    return -1;
  return n > 0;
}

static int
busy_dir (const char *id, const char *cgroups_path, char **detail, sie_error_t *err)
{
  const struct sie_cgroup_layout *l;

  if (sie_cgroup_layout_get (&l, err) < 0)
    return -1;
  for (size_t i = 0; i < l->n; i++)
    {
      cleanup_free char *rel = NULL, *dir = NULL;
      int r;

      if (sie_cgroup_resolve_path (cgroups_path, id, l->h[i].own_path, &rel, err) < 0)
        return -1;
      if (asprintf (&dir, "%s%s", l->h[i].mountpoint, strcmp (rel, "/") == 0 ? "" : rel) < 0)
        return sie_error (err, ENOMEM, "cgroup");
      r = tree_has_processes (dir, err);
      if (r < 0)
        return -1;
      if (r > 0)
        {
          if (asprintf (detail, "cgroup %s already holds processes", dir) < 0)
            return sie_error (err, ENOMEM, "cgroup");
          return 1;
        }
    }
  return 0;
}

int
sie_relocate_cgroup_in_use (const char *id, const char *config_json, char **detail,
                            sie_error_t *err)
{
  const char *path[] = { "linux", "cgroupsPath", NULL };
  yajl_val cfg = yajl_tree_parse (config_json, NULL, 0);
  int ret;

  *detail = NULL;
  if (cfg == NULL)
    return sie_error (err, 0, "the relocated config.json does not parse");
  ret = busy_dir (id, YAJL_GET_STRING (yajl_tree_get (cfg, path, yajl_t_string)), detail, err);
  yajl_tree_free (cfg);
  return ret;
}
