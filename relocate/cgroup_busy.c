/* Whether the cgroup a relocated container would restore into is someone
 * else's.  The restore, as create does, joins a cgroup that exists
 * already; at a destination that would put the container beside whatever
 * runs there, and its undo (or a later delete) would kill those
 * processes too.  So a cgroup holding processes is refused up front. */
#include "relocate/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/layout_parse.h"
#include "util/cleanup.h"

/* cgroup.procs of dir is not empty: 1; empty or no such cgroup: 0. */
static int
has_own_processes (const char *dir, sie_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  char c;
  ssize_t n;

  if (asprintf (&path, "%s/cgroup.procs", dir) < 0)
    return sie_error (err, ENOMEM, "%s", dir);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : sie_error (err, errno, "open %s", path);
  n = read (fd, &c, 1);
  if (n < 0)
    return sie_error (err, errno, "read %s", path);
  return n > 0;
}

/* 1 when dir or a cgroup below it has a process, 0 when none (or no
 * such directory), -1 on error. */
static int
tree_has_processes (const char *dir, sie_error_t *err)
{
  DIR *d;
  struct dirent *de;
  int ret = has_own_processes (dir, err);

  if (ret != 0)
    return ret;
  d = opendir (dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : sie_error (err, errno, "open %s", dir);
  while (ret == 0 && (de = readdir (d)) != NULL)
    {
      cleanup_free char *sub = NULL;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      if (asprintf (&sub, "%s/%s", dir, de->d_name) < 0)
        ret = sie_error (err, ENOMEM, "%s", dir);
      else
        ret = tree_has_processes (sub, err);
    }
  closedir (d);
  return ret;
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
