/* `pause`, `resume` and `ps`: commands that act on the container's cgroup
 * as a whole rather than on its init. */
#include "container.h"

#include <errno.h>
#include <stdlib.h>

#include "cgroups/cgroup.h"
#include "cgroups/freezer.h"
#include "runtime/query.h"
#include "util/cleanup.h"
#include "util/log.h"

static int
change_freezer (int dirfd, bool freeze, sie_error_t *err)
{
  cleanup_cgroup struct sie_cgroup *cg = NULL;
  const struct sie_cgroup_dir *d;

  if (sie_cgroup_load (dirfd, SIE_CGROUP_FILE, &cg, err) < 0)
    return -1;
  if ((d = sie_freezer_dir (cg, err)) == NULL)
    return -1;
  sie_debug ("%s: %s (%s)", freeze ? "pause" : "resume", d->path, d->v2 ? "v2" : "v1");
  return freeze ? sie_freezer_freeze (d, SIE_FREEZE_TIMEOUT_MS, err) : sie_freezer_thaw (d, err);
}

int
sie_container_pause (const char *root, const char *id, sie_error_t *err)
{
  cleanup_info struct sie_container_info info = { .dirfd = -1 };

  if (sie_container_info_load (root, id, true, &info, err) < 0)
    return -1;
  /* runc's rule: a created container may be paused too. */
  if (info.status == SIE_STATUS_PAUSED)
    return sie_error (err, 0, "container is already paused");
  if (info.status != SIE_STATUS_RUNNING && info.status != SIE_STATUS_CREATED)
    return sie_error (err, 0,
                      "cannot pause a container in the %s state (it must be running or created)",
                      sie_status_name (info.status));
  return change_freezer (info.dirfd, true, err);
}

int
sie_container_resume (const char *root, const char *id, sie_error_t *err)
{
  cleanup_info struct sie_container_info info = { .dirfd = -1 };

  if (sie_container_info_load (root, id, true, &info, err) < 0)
    return -1;
  if (info.status != SIE_STATUS_PAUSED)
    return sie_error (err, 0, "cannot resume a container in the %s state (it is not paused)",
                      sie_status_name (info.status));
  return change_freezer (info.dirfd, false, err);
}

int
sie_container_thaw_if_frozen (int dirfd, sie_error_t *err)
{
  cleanup_cgroup struct sie_cgroup *cg = NULL;
  const struct sie_cgroup_dir *d;
  sie_error_t ignored = NULL;
  int frozen;

  /* No cgroup recorded (a create that died early), or no freezer: nothing
   * can be frozen. */
  if (sie_cgroup_load (dirfd, SIE_CGROUP_FILE, &cg, &ignored) < 0
      || (d = sie_freezer_dir (cg, &ignored)) == NULL)
    {
      sie_error_release (&ignored);
      return 0;
    }
  frozen = sie_freezer_is_frozen (d, err);
  if (frozen <= 0)
    return frozen;
  return sie_freezer_thaw (d, err);
}

int
sie_container_pids (const char *root, const char *id, pid_t **pids, size_t *n, sie_error_t *err)
{
  cleanup_info struct sie_container_info info = { .dirfd = -1 };
  cleanup_cgroup struct sie_cgroup *cg = NULL;

  if (sie_container_info_load (root, id, false, &info, err) < 0)
    return -1;
  if (info.status == SIE_STATUS_STOPPED)
    return sie_error (err, 0, "container is stopped: it has no processes");
  if (sie_cgroup_load (info.dirfd, SIE_CGROUP_FILE, &cg, err) < 0)
    return -1;
  return sie_cgroup_pids (cg, pids, n, err);
}
