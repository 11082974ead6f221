/* `delete`: stop what is left, run poststop hooks, remove the cgroup and
 * the state.  With --force it also cleans whatever a crashed sie left. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/cgroup.h"
#include "cgroups/freezer.h"
#include "netns/netdevices.h"
#include "runtime/hooks.h"
#include "runtime/query.h"
#include "runtime/signal_proc.h"
#include "runtime/statedir.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

/* Processes left frozen after the init died (a paused container whose
 * init was killed from outside) would never act on SIGKILL: as runc does,
 * they are signalled while still frozen, then thawed, so none runs again. */
static void
kill_frozen_leftovers (const struct sie_cgroup *cg)
{
  const struct sie_cgroup_dir *d = sie_freezer_dir (cg, NULL);
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;

  if (d == NULL || sie_freezer_is_frozen (d, NULL) != 1)
    return;
  if (sie_cgroup_pids (cg, &pids, &n, NULL) == 0)
    for (size_t i = 0; i < n; i++)
      kill (pids[i], SIGKILL);
  sie_freezer_thaw (d, NULL);
}

static int
remove_cgroup (int dirfd, sie_error_t *err)
{
  struct sie_cgroup *cg = NULL;
  sie_error_t load_err = NULL;
  int ret;

  /* No cgroup file: the create died before making one. */
  if (sie_cgroup_load (dirfd, SIE_CGROUP_FILE, &cg, &load_err) < 0)
    {
      sie_error_release (&load_err);
      return 0;
    }
  kill_frozen_leftovers (cg);
  ret = sie_cgroup_destroy (cg, err);
  sie_cgroup_free (cg);
  return ret;
}

static void
run_poststop (const struct sie_container_info *info, const char *id)
{
  cleanup_free char *state = NULL;
  struct sie_container_info stopped = *info;
  sie_error_t ignored = NULL;

  if (info->st == NULL || info->cfg == NULL
      || info->cfg->hooks.n_hooks[SIE_HOOK_POSTSTOP] == 0)
    return;
  stopped.status = SIE_STATUS_STOPPED;
  if (sie_container_info_json (&stopped, id, 0, &state, &ignored) == 0)
    sie_hooks_run_warn (&info->cfg->hooks, SIE_HOOK_POSTSTOP, state);
  sie_error_release (&ignored);
}

/* A task frozen by the v1 freezer acts on SIGKILL only once thawed: the
 * signal goes first, so that nothing runs again after the thaw. */
static int
kill_paused (const struct sie_container_info *info, sie_error_t *err)
{
  sie_signal_init (info->st, SIGKILL, NULL);
  return sie_container_thaw_if_frozen (info->dirfd, err);
}

/* linux.netDevices go back to the host before the namespace pin goes;
 * with --force, a device that cannot is left to the kernel, with a warning. */
static int
release_net_devices (int dirfd, bool force, sie_error_t *err)
{
  if (sie_netdevices_release (dirfd, force, err) == 0)
    return 0;
  if (!force)
    return -1;
  sie_log_warning ("%s", (*err)->msg);
  sie_error_release (err);
  return 0;
}

/* A relocated container's bundle is sie's own, <root>/.bundles/<id>, and
 * goes with it; recognised by that exact path (state.json records the
 * bundle's real path), so a user's bundle anywhere else is never touched.
 * A checkpointed container's stays: `sie restore` replaces that state
 * (deleting it) and needs the bundle after.  What stays, or a bundle a
 * failure here leaves, `sie serve` removes at its next start, once no
 * container has the ID.  Returns the directory holding it, or NULL. */
static char *
relocated_bundle_dir (const char *root, const char *id, const struct sie_container_info *info)
{
  char real_root[PATH_MAX];
  char *own = NULL;

  if (info->st == NULL || info->st->bundle == NULL || realpath (root, real_root) == NULL)
    return NULL;
  if (info->status == SIE_STATUS_STOPPED && faccessat (info->dirfd, "checkpointed", F_OK, 0) == 0)
    return NULL;
  if (asprintf (&own, "%s/%s/%s", real_root, SIE_RELOCATED_BUNDLES, id) < 0)
    return NULL;
  if (strcmp (info->st->bundle, own) == 0)
    {
      *strrchr (own, '/') = '\0';
      return own;
    }
  free (own);
  return NULL;
}

static void
remove_relocated_bundle (const char *dir, const char *id)
{
  cleanup_close int dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  sie_error_t err = NULL;

  if (dirfd < 0 || sie_remove_tree_at (dirfd, id, &err) < 0)
    sie_log_warning ("the relocated bundle %s/%s stays: %s", dir, id,
                     err ? err->msg : strerror (errno));
  sie_error_release (&err);
}

static int
check_deletable (const struct sie_container_info *info, bool force, sie_error_t *err)
{
  if (force || info->status == SIE_STATUS_STOPPED || info->status == SIE_STATUS_CREATED)
    return 0;
  return sie_error (err, 0, "cannot delete a container in the %s state (use --force)",
                    sie_status_name (info->status));
}

int
sie_container_delete (const char *root, const char *id, bool force, sie_error_t *err)
{
  struct sie_container_info info;
  cleanup_free char *bundle_dir = NULL;
  int ret;

  if (sie_container_info_load (root, id, true, &info, err) < 0)
    {
      if (force && (*err)->status == ENOENT)
        {
          sie_error_release (err);
          return 0;
        }
      return -1;
    }
  sie_debug ("delete: status %s", sie_status_name (info.status));
  bundle_dir = relocated_bundle_dir (root, id, &info);
  ret = check_deletable (&info, force, err);
  if (ret == 0 && info.status == SIE_STATUS_PAUSED)
    ret = kill_paused (&info, err);
  if (ret == 0 && info.st)
    ret = sie_kill_and_wait (info.st, err);
  if (ret == 0)
    ret = release_net_devices (info.dirfd, force, err);
  if (ret == 0)
    ret = remove_cgroup (info.dirfd, err);
  if (ret == 0)
    {
      run_poststop (&info, id);
      ret = sie_statedir_remove (root, id, err);
    }
  if (ret == 0 && bundle_dir)
    remove_relocated_bundle (bundle_dir, id);
  sie_container_info_release (&info);
  return ret;
}
