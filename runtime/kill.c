/* `kill`: a signal to the init, or with --all to every process in the
 * container's cgroup. */
#include "container.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "cgroups/cgroup.h"
#include "runtime/query.h"
#include "runtime/signal_proc.h"
#include "util/cleanup.h"

static int
kill_all (const struct sie_container_info *info, int sig, sie_error_t *err)
{
  struct sie_cgroup *cg = NULL;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  int ret;

  if (sie_cgroup_load (info->dirfd, SIE_CGROUP_FILE, &cg, err) < 0)
    return -1;
  ret = sie_cgroup_pids (cg, &pids, &n, err);
  sie_cgroup_free (cg);
  if (ret < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return sie_error (err, errno, "kill %d", pids[i]);
  return 0;
}

int
sie_container_kill (const char *root, const char *id, int sig, bool all, sie_error_t *err)
{
  struct sie_container_info info;
  int ret;

  if (sie_container_info_load (root, id, false, &info, err) < 0)
    return -1;
  if (info.st == NULL || info.status == SIE_STATUS_STOPPED)
    ret = sie_error (err, 0, "container not running");
  else if (all)
    ret = kill_all (&info, sig, err);
  else
    ret = sie_signal_init (info.st, sig, err);
  /* A task frozen by the v1 freezer acts on SIGKILL only once thawed (as
   * runc, thaw after the signal, so nothing runs again before it lands). */
  if (ret == 0 && sig == SIGKILL && info.status == SIE_STATUS_PAUSED)
    ret = sie_container_thaw_if_frozen (info.dirfd, err);
  sie_container_info_release (&info);
  return ret;
}
