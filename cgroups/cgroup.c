/* A container's cgroup: one directory per mounted hierarchy.  sie records
 * which directories it made, and only ever removes those. */
#include "cgroups/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/layout_parse.h"
#include "util/cleanup.h"

#define KILL_TIMEOUT_MS 2000
#define RMDIR_TIMEOUT_MS 1000
#define POLL_MS 10

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

void
sie_cgroup_free (struct sie_cgroup *cg)
{
  if (cg == NULL)
    return;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      free (cg->dirs[i].hierarchy);
      free (cg->dirs[i].path);
    }
  free (cg->dirs);
  free (cg->cgroups_path);
  free (cg);
}

/* Removes the `levels` trailing components of `path` that sie made.  The
 * leaf must go; a parent such as "sie/" may be shared with another
 * container, so a busy parent is left in place. */
static int
remove_levels (const char *path, unsigned levels, sie_error_t *err)
{
  cleanup_free char *p = strdup (path);

  if (p == NULL)
    return sie_error (err, ENOMEM, "remove cgroup %s", path);
  for (unsigned i = 0; i < levels; i++)
    {
      char *slash;
      if (rmdir (p) < 0 && errno != ENOENT)
        {
          if (i == 0)
            return sie_error (err, errno, "remove cgroup %s", p);
          break;
        }
      slash = strrchr (p, '/');
      if (slash == NULL || slash == p)
        break;
      *slash = '\0';
    }
  return 0;
}

/* While a v1 cpuset balances load, every write to its cpuset.cpus
 * rebuilds the scheduler domains (~5 ms here).  Under a balancing parent
 * the child's flag changes nothing (the parent's domain already spans its
 * cpus), so it is cleared first, while the cpus are still empty and the
 * clearing itself needs no rebuild. */
static void
cpuset_skip_domain_rebuild (const char *dir, const char *parent)
{
  cleanup_free char *balance = sie_cg_read (parent, "cpuset.sched_load_balance");
  sie_error_t ignored = NULL;

  if (balance && strcmp (balance, "1") == 0)
    sie_cg_write (dir, "cpuset.sched_load_balance", "cgroup cpuset", "0", &ignored);
  sie_error_release (&ignored);
}

/* A new v1 cpuset starts with no cpus and no mems, and no task may join
 * it until they are filled: copy the parent's values down. */
static int
cpuset_inherit (const char *dir, sie_error_t *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  cleanup_free char *parent = strdup (dir);
  char *slash = parent ? strrchr (parent, '/') : NULL;

  if (slash == NULL)
    return sie_error (err, ENOMEM, "cgroup %s", dir);
  *slash = '\0';
  cpuset_skip_domain_rebuild (dir, parent);
  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      cleanup_free char *mine = sie_cg_read (dir, files[i]);
      cleanup_free char *theirs = NULL;
      if (mine && mine[0])
        continue;
      theirs = sie_cg_read (parent, files[i]);
      if (theirs == NULL)
        return sie_error (err, errno, "read %s/%s", parent, files[i]);
      if (sie_cg_write (dir, files[i], "cgroup cpuset", theirs, err) < 0)
        return -1;
    }
  return 0;
}

/* Removes the `levels` directories above `path` that sie created, from the
 * bottom; a parent another container still uses stays. */
static void
remove_parent_levels (const char *path, unsigned levels)
{
  cleanup_free char *parent = strdup (path);
  char *slash = parent ? strrchr (parent, '/') : NULL;

  if (slash == NULL || slash == parent || levels == 0)
    return;
  *slash = '\0';
  remove_levels (parent, levels, NULL);
}

/* One pass of mkdir -p over the components of `dir` after `base`.
 * Returns 0, or ENOENT when a parent vanished under it (a concurrent delete
 * of a shared parent: worth a retry), or -1 with err set.  On failure what
 * this pass made is removed again. */
static int
try_make_dirs (char *dir, size_t base, bool cpuset, unsigned *levels, sie_error_t *err)
{
  *levels = 0;
  for (char *p = dir + base + 1;; p++)
    {
      char saved = *p;
      int e = 0;

      if (saved != '/' && saved != '\0')
        continue;
      *p = '\0';
      if (mkdir (dir, 0755) == 0)
        {
          ++*levels;
          if (cpuset && cpuset_inherit (dir, err) < 0)
            {
              remove_levels (dir, *levels, NULL);
              *p = saved;
              return -1;
            }
        }
      else if (errno == EEXIST)
        *levels = 0;
      else
        {
          char *slash = strrchr (dir, '/');
          e = errno;
          if (e != ENOENT)
            sie_error (err, e, "create cgroup %s", dir);
          *slash = '\0';
          remove_levels (dir, *levels, NULL);
          *slash = '/';
        }
      *p = saved;
      if (e)
        return e == ENOENT ? ENOENT : -1;
      if (saved == '\0')
        return 0;
    }
}

/* mkdir -p of <mountpoint><rel>, counting the trailing levels it made. */
static int
make_dirs (const char *mountpoint, const char *rel, bool cpuset, char **dir_out,
           unsigned *levels_out, sie_error_t *err)
{
  cleanup_free char *dir = NULL;
  size_t base = strlen (mountpoint);

  if (asprintf (&dir, "%s%s", mountpoint, strcmp (rel, "/") == 0 ? "" : rel) < 0)
    return sie_error (err, ENOMEM, "create cgroup");
  *levels_out = 0;
  if (strlen (dir) > base)
    for (int attempt = 0;; attempt++)
      {
        int r = try_make_dirs (dir, base, cpuset, levels_out, err);
        if (r == 0)
          break;
        if (r != ENOENT)
          return -1;
        if (attempt == 4)
          return sie_error (err, ENOENT, "create cgroup %s", dir);
      }
  *dir_out = move_ptr (dir);
  return 0;
}

/* What cgroups_path records: the cleaned cgroupsPath, relative ones
 * without their leading slash. */
static char *
display_path (const char *cgroups_path, const char *id)
{
  char *clean, *out;

  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    return strdup (id);
  clean = sie_cgroup_clean_path (cgroups_path);
  if (clean == NULL || cgroups_path[0] == '/')
    return clean;
  out = strdup (clean + 1);
  free (clean);
  return out;
}

/* The v2 controllers the resources need (those not placed on a v1
 * hierarchy), NULL-terminated. */
static int
v2_controllers_needed (const struct sie_cgroup_layout *l, const struct sie_cgroup_hierarchy *h,
                       const struct sie_resources *res, const char ***out, sie_error_t *err);

static int
enable_v2 (const struct sie_cgroup_layout *l, const struct sie_cgroup_hierarchy *h,
           const char *rel, const struct sie_resources *res, sie_error_t *err)
{
  cleanup_free const char **needed = NULL;

  if (v2_controllers_needed (l, h, res, &needed, err) < 0)
    return -1;
  if (l->mode == SIE_CGROUP_V2 && h->controllers && h->controllers[0])
    {
      /* like runc, offer every controller on a pure v2 host, so stats and
         later updates work; best effort, as delegation may forbid some */
      cleanup_free char *all = strdup (h->controllers);
      cleanup_free const char **list = calloc (strlen (h->controllers) / 2 + 2, sizeof (char *));
      size_t n = 0;
      char *save = NULL;
      if (all == NULL || list == NULL)
        return sie_error (err, ENOMEM, "cgroup");
      for (char *t = strtok_r (all, " ", &save); t; t = strtok_r (NULL, " ", &save))
        list[n++] = t;
      sie_cg_v2_enable (h->mountpoint, rel, list, false, NULL);
    }
  return sie_cg_v2_enable (h->mountpoint, rel, needed, true, err);
}

int
sie_cgroup_create (const struct sie_config *cfg, const char *id, struct sie_cgroup **out,
                   sie_error_t *err)
{
  const struct sie_cgroup_layout *l;
  const char *cgroups_path = cfg && cfg->linux_ ? cfg->linux_->cgroups_path : NULL;
  const struct sie_resources *res = cfg && cfg->linux_ ? cfg->linux_->resources : NULL;
  cleanup_cgroup struct sie_cgroup *cg = NULL;

  if (sie_cgroup_layout_get (&l, err) < 0)
    return -1;
  cg = calloc (1, sizeof (*cg));
  if (cg == NULL || (cg->dirs = calloc (l->n, sizeof (*cg->dirs))) == NULL)
    return sie_error (err, ENOMEM, "create cgroup");
  cg->cgroups_path = display_path (cgroups_path, id);
  if (cg->cgroups_path == NULL)
    return sie_error (err, ENOMEM, "create cgroup");

  for (size_t i = 0; i < l->n; i++)
    {
      const struct sie_cgroup_hierarchy *h = &l->h[i];
      struct sie_cgroup_dir *d = &cg->dirs[cg->n_dirs];
      cleanup_free char *rel = NULL;
      bool cpuset = !h->v2 && sie_cgroup_list_has (h->controllers, ',', "cpuset");

      if (sie_cgroup_resolve_path (cgroups_path, id, h->own_path, &rel, err) < 0)
        goto fail;
      d->v2 = h->v2;
      d->hierarchy = strdup (h->mountpoint);
      if (d->hierarchy == NULL)
        {
          sie_error (err, ENOMEM, "create cgroup");
          goto fail;
        }
      if (make_dirs (h->mountpoint, rel, cpuset, &d->path, &d->created_levels, err) < 0)
        {
          free (d->hierarchy);
          d->hierarchy = NULL;
          goto fail;
        }
      d->created = d->created_levels > 0;
      cg->n_dirs++;
      if (h->v2 && enable_v2 (l, h, rel, res, err) < 0)
        goto fail;
    }
  *out = move_ptr (cg);
  return 0;

fail:
  for (size_t i = cg->n_dirs; i-- > 0;)
    remove_levels (cg->dirs[i].path, cg->dirs[i].created_levels, NULL);
  return -1;
}

int
sie_cgroup_enter (const struct sie_cgroup *cg, pid_t pid, sie_error_t *err)
{
  char buf[32];

  snprintf (buf, sizeof (buf), "%d", (int) pid);
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (sie_cg_write (cg->dirs[i].path, "cgroup.procs", "join cgroup", buf, err) < 0)
      return -1;
  return 0;
}

/* ---- pids ---- */

static int
append_pids (const char *dir, pid_t **pids, size_t *n, sie_error_t *err)
{
  cleanup_free char *text = sie_cg_read (dir, "cgroup.procs");
  char *save = NULL;

  if (text == NULL)
    return errno == ENOENT ? 0 : sie_error (err, errno, "read %s/cgroup.procs", dir);
  for (char *t = strtok_r (text, "\n", &save); t; t = strtok_r (NULL, "\n", &save))
    {
      pid_t *grown = realloc (*pids, (*n + 1) * sizeof (pid_t));
      if (grown == NULL)
        return sie_error (err, ENOMEM, "read %s/cgroup.procs", dir);
      *pids = grown;
      (*pids)[(*n)++] = (pid_t) strtol (t, NULL, 10);
    }
  return 0;
}

int
sie_cgroup_dir_pids (const char *dir, bool recurse, pid_t **pids, size_t *n, sie_error_t *err)
{
  DIR *d;
  struct dirent *de;
  int ret = 0;

  if (append_pids (dir, pids, n, err) < 0)
    return -1;
  if (!recurse)
    return 0;
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
        ret = sie_cgroup_dir_pids (sub, true, pids, n, err);
    }
  closedir (d);
  return ret;
}

/* Sub-cgroups made inside the container belong to it only when sie made
 * the container's directory; a joined directory's children are not ours. */
static const struct sie_cgroup_dir *
pids_dir (const struct sie_cgroup *cg)
{
  static const char *const preferred[] = { "/pids", "/memory", "/freezer" };

  for (size_t p = 0; p < ARRAY_SIZE (preferred); p++)
    for (size_t i = 0; i < cg->n_dirs; i++)
      {
        const char *h = cg->dirs[i].hierarchy;
        size_t hl = strlen (h), pl = strlen (preferred[p]);
        if (!cg->dirs[i].v2 && hl >= pl && strcmp (h + hl - pl, preferred[p]) == 0)
          return &cg->dirs[i];
      }
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].v2)
      return &cg->dirs[i];
  return cg->n_dirs ? &cg->dirs[0] : NULL;
}

int
sie_cgroup_pids (const struct sie_cgroup *cg, pid_t **pids, size_t *n, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = pids_dir (cg);

  *pids = NULL;
  *n = 0;
  if (d == NULL)
    return 0;
  if (sie_cgroup_dir_pids (d->path, d->created, pids, n, err) < 0)
    {
      free (*pids);
      *pids = NULL;
      *n = 0;
      return -1;
    }
  return 0;
}

/* ---- destroy ---- */

/* A directory sie joined rather than made may hold more than the
 * container.  Killing in the hierarchy root, or in the cgroup of sie itself
 * or one above it, would hit the host: never. */
static bool
holds_host_processes (const struct sie_cgroup_dir *d)
{
  const struct sie_cgroup_layout *l;
  size_t dl = strlen (d->path);

  if (strcmp (d->path, d->hierarchy) == 0)
    return true;
  if (sie_cgroup_layout_get (&l, NULL) < 0)
    return true;
  for (size_t i = 0; i < l->n; i++)
    {
      cleanup_free char *own = NULL;
      if (strcmp (l->h[i].mountpoint, d->hierarchy) != 0)
        continue;
      if (asprintf (&own, "%s%s", d->hierarchy,
                    strcmp (l->h[i].own_path, "/") == 0 ? "" : l->h[i].own_path)
          < 0)
        return true;
      return strncmp (own, d->path, dl) == 0 && (own[dl] == '\0' || own[dl] == '/');
    }
  return false;
}

/* SIGKILLs everything in the tree until it is empty; repeats so a process
 * forking while being killed cannot leave a child behind. */
static int
kill_all (const struct sie_cgroup_dir *d, sie_error_t *err)
{
  pid_t self = getpid ();

  if (!d->created && holds_host_processes (d))
    return 0;
  bool use_kill_file = d->v2 && d->created && sie_cg_file_exists (d->path, "cgroup.kill");

  for (long waited = 0;; waited += POLL_MS)
    {
      cleanup_free pid_t *pids = NULL;
      size_t n = 0, others = 0;

      if (sie_cgroup_dir_pids (d->path, d->created, &pids, &n, err) < 0)
        return -1;
      for (size_t i = 0; i < n; i++)
        if (pids[i] != self && pids[i] > 0)
          {
            others++;
            if (!use_kill_file)
              kill (pids[i], SIGKILL);
          }
      if (others == 0)
        return 0;
      if (use_kill_file)
        sie_cg_write (d->path, "cgroup.kill", "kill cgroup", "1", NULL);
      if (waited >= KILL_TIMEOUT_MS)
        return sie_error (err, 0, "cgroup %s: %zu processes still running after SIGKILL",
                          d->path, others);
      sleep_ms (POLL_MS);
    }
}

static int
rmdir_retry (const char *path, sie_error_t *err)
{
  for (long waited = 0;; waited += POLL_MS)
    {
      if (rmdir (path) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY || waited >= RMDIR_TIMEOUT_MS)
        return sie_error (err, errno, "remove cgroup %s", path);
      sleep_ms (POLL_MS);
    }
}

/* Removes the cgroups the container made below `dir`, deepest first. */
static int
remove_children (const char *dir, sie_error_t *err)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  int ret = 0;

  if (d == NULL)
    return errno == ENOENT ? 0 : sie_error (err, errno, "open %s", dir);
  while (ret == 0 && (de = readdir (d)) != NULL)
    {
      cleanup_free char *sub = NULL;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      if (asprintf (&sub, "%s/%s", dir, de->d_name) < 0)
        ret = sie_error (err, ENOMEM, "%s", dir);
      else if ((ret = remove_children (sub, err)) == 0)
        ret = rmdir_retry (sub, err);
    }
  closedir (d);
  return ret;
}

/* An empty cgroup that sie made goes with one rmdir, and that rmdir
 * succeeding proves no process is left in it; reading cgroup.procs (on v1
 * a pid list the kernel builds and later frees) is only needed for a busy
 * one. */
static bool
remove_if_empty (const struct sie_cgroup_dir *d)
{
  if (!d->created || (rmdir (d->path) < 0 && errno != ENOENT))
    return false;
  remove_parent_levels (d->path, d->created_levels - 1);
  return true;
}

int
sie_cgroup_destroy (const struct sie_cgroup *cg, sie_error_t *err)
{
  cleanup_free bool *removed = calloc (cg->n_dirs + 1, sizeof (bool));
  bool all_removed = true;
  int ret = 0;

  if (removed == NULL)
    return sie_error (err, errno, "remove cgroup");
  for (size_t i = 0; i < cg->n_dirs; i++)
    all_removed &= removed[i] = remove_if_empty (&cg->dirs[i]);
  if (all_removed)
    return 0;
  /* kill first everywhere: a process only leaves every hierarchy at once */
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (!removed[i] && kill_all (&cg->dirs[i], ret < 0 ? NULL : err) < 0)
      ret = -1;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct sie_cgroup_dir *d = &cg->dirs[i];
      sie_error_t *e = ret < 0 ? NULL : err;
      if (!d->created || removed[i])
        continue;
      /* The leaf may be briefly busy while its last process exits; the
       * levels above it that sie made go only when empty. */
      if (remove_children (d->path, e) < 0 || rmdir_retry (d->path, e) < 0)
        ret = -1;
      else
        remove_parent_levels (d->path, d->created_levels - 1);
    }
  return ret;
}

/* ---- v2 controllers ---- */

static int
add_controller (const char ***list, size_t *n, const char *name, sie_error_t *err)
{
  const char **grown;

  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*list)[i], name) == 0)
      return 0;
  grown = realloc (*list, (*n + 2) * sizeof (char *));
  if (grown == NULL)
    return sie_error (err, ENOMEM, "cgroup");
  *list = grown;
  (*list)[(*n)++] = name;
  (*list)[*n] = NULL;
  return 0;
}

static const char *const v2_names[]
    = { "cpu", "cpuset", "io", "memory", "hugetlb", "pids", "rdma", "misc" };

static bool
on_v1 (const struct sie_cgroup_layout *l, const char *controller)
{
  for (size_t i = 0; i < l->n; i++)
    if (!l->h[i].v2 && sie_cgroup_list_has (l->h[i].controllers, ',', controller))
      return true;
  return false;
}

static int
v2_controllers_needed (const struct sie_cgroup_layout *l, const struct sie_cgroup_hierarchy *h,
                       const struct sie_resources *res, const char ***out, sie_error_t *err)
{
  size_t n = 0;

  *out = calloc (1, sizeof (char *));
  if (*out == NULL)
    return sie_error (err, ENOMEM, "cgroup");
  if (res == NULL)
    return 0;
  for (size_t i = 0; i < sie_cg_n_controllers; i++)
    {
      const struct sie_cg_controller *c = &sie_cg_controllers[i];
      if (c->v2 == NULL || c->wanted == NULL || c->wanted (res) == NULL)
        continue;
      if (c->v1 && on_v1 (l, c->v1))
        continue;
      if (sie_cgroup_list_has (h->controllers, ' ', c->v2)
          && add_controller (out, &n, c->v2, err) < 0)
        return -1;
    }
  /* unified keys name their controller before the dot */
  for (size_t i = 0; i < res->n_unified; i++)
    for (size_t k = 0; k < ARRAY_SIZE (v2_names); k++)
      {
        const char *key = res->unified[i].key;
        size_t len = strlen (v2_names[k]);
        if (strncmp (key, v2_names[k], len) == 0 && key[len] == '.'
            && sie_cgroup_list_has (h->controllers, ' ', v2_names[k])
            && add_controller (out, &n, v2_names[k], err) < 0)
          return -1;
      }
  return 0;
}
