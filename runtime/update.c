/* `update`: a live container's resources changed the way runc changes them,
 * then recorded, so the next update merges into what is in effect. */
#include "runtime/update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/container_state.h"
#include "runtime/query.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define RESOURCES_MAX (1 << 20)

static int
require_live (const struct sie_container_info *info, sie_error_t *err)
{
  switch (info->status)
    {
    case SIE_STATUS_CREATED:
    case SIE_STATUS_RUNNING:
    case SIE_STATUS_PAUSED:
      return 0;
    case SIE_STATUS_CREATING:
      return sie_error (err, 0, "container is still being created");
    case SIE_STATUS_STOPPED:
      break;
    }
  return sie_error (err, 0, "container is stopped: only a created, running or paused "
                            "container's resources can be read or changed");
}

int
sie_container_resources (int dirfd, const struct sie_config *cfg, struct sie_resources **out,
                         sie_error_t *err)
{
  cleanup_free char *data = NULL;
  size_t len;

  if (faccessat (dirfd, SIE_RESOURCES_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (sie_read_file_at (dirfd, SIE_RESOURCES_FILE, RESOURCES_MAX, &data, &len, err) < 0)
        return -1;
      return sie_resources_parse (data, len, SIE_RESOURCES_FILE, out, err);
    }
  if (errno != ENOENT)
    return sie_error (err, errno, "%s", SIE_RESOURCES_FILE);
  return sie_resources_dup (cfg && cfg->linux_ ? cfg->linux_->resources : NULL, out, err);
}

/* ---- the request ---- */

/* runc's update treats 0 as "leave it". */
static void
zero_is_unchanged (struct sie_resources *r)
{
#define KEEP_IF_ZERO(f)                                                                       \
  do                                                                                          \
    if ((f).set && (f).v == 0)                                                                \
      (f).set = false;                                                                        \
  while (0)
  if (r->memory)
    {
      KEEP_IF_ZERO (r->memory->limit);
      KEEP_IF_ZERO (r->memory->reservation);
      KEEP_IF_ZERO (r->memory->swap);
    }
  if (r->cpu)
    {
      KEEP_IF_ZERO (r->cpu->shares);
      KEEP_IF_ZERO (r->cpu->quota);
      KEEP_IF_ZERO (r->cpu->period);
      KEEP_IF_ZERO (r->cpu->realtime_runtime);
      KEEP_IF_ZERO (r->cpu->realtime_period);
      if (r->cpu->cpus && r->cpu->cpus[0] == '\0')
        free (r->cpu->cpus), r->cpu->cpus = NULL;
      if (r->cpu->mems && r->cpu->mems[0] == '\0')
        free (r->cpu->mems), r->cpu->mems = NULL;
    }
  if (r->block_io)
    KEEP_IF_ZERO (r->block_io->weight);
  KEEP_IF_ZERO (r->pids_limit);
#undef KEEP_IF_ZERO
}

static void
ignored (const char *field)
{
  sie_log_warning ("update: linux.resources.%s is ignored: update does not change it "
                   "(as runc)",
                   field);
}

/* Fields runc's update does not look at are dropped, with a warning rather
 * than in silence. */
static void
warn_ignored (const struct sie_resources *r)
{
  const struct sie_memory *m = r->memory;
  const struct sie_block_io *b = r->block_io;

  if (m && m->kernel.set)
    ignored ("memory.kernel");
  if (m && m->kernel_tcp.set)
    ignored ("memory.kernelTCP");
  if (m && m->swappiness.set)
    ignored ("memory.swappiness");
  if (m && m->disable_oom_killer.set)
    ignored ("memory.disableOOMKiller");
  if (m && m->use_hierarchy.set)
    ignored ("memory.useHierarchy");
  if (b && b->leaf_weight.set)
    ignored ("blockIO.leafWeight");
  if (b && (b->weight_device || b->throttle_read_bps || b->throttle_write_bps
            || b->throttle_read_iops || b->throttle_write_iops))
    ignored ("blockIO device lists");
  if (r->devices)
    ignored ("devices");
  if (r->hugepage_limits)
    ignored ("hugepageLimits");
  if (r->network)
    ignored ("network");
  if (r->rdma)
    ignored ("rdma");
}

/* The part of a request update acts on: merged into an empty tree, which
 * takes no lists, then cleared of the fields runc ignores. */
static int
prepare (const struct sie_resources *req, struct sie_resources **out, sie_error_t *err)
{
  cleanup_resources struct sie_resources *r = calloc (1, sizeof (*r));

  if (r == NULL)
    return sie_error (err, ENOMEM, "update");
  if (req->unified)
    return sie_error (err, 0, "linux.resources.unified: update cannot change raw cgroup2 "
                              "files yet; use the named fields");
  warn_ignored (req);
  if (sie_resources_merge (r, req, err) < 0)
    return -1;
  if (r->memory)
    {
      r->memory->kernel.set = r->memory->kernel_tcp.set = r->memory->swappiness.set = false;
      r->memory->disable_oom_killer.set = r->memory->use_hierarchy.set = false;
    }
  if (r->block_io)
    r->block_io->leaf_weight.set = false;
  zero_is_unchanged (r);
  *out = move_ptr (r);
  return 0;
}

/* runc: unlimited memory with no word on swap means unlimited swap too, or
 * the old memory+swap limit would sit below the new memory limit. */
static void
unlimited_swap (struct sie_resources *full, const struct sie_resources *changed)
{
  const struct sie_memory *c = changed->memory;

  if (c && c->limit.set && c->limit.v == -1 && !c->swap.set && full->memory->swap.set
      && full->memory->swap.v > 0)
    full->memory->swap.v = -1;
}

/* ---- update ---- */

static int
record (int dirfd, const struct sie_resources *full, sie_error_t *err)
{
  cleanup_free char *json = NULL;

  if (sie_resources_json (full, "  ", &json, err) < 0)
    return -1;
  return sie_write_file_atomic_at (dirfd, SIE_RESOURCES_FILE, json, strlen (json), 0600, err);
}

static int
update_locked (const struct sie_container_info *info, const struct sie_update *u, sie_error_t *err)
{
  static const struct sie_resources nothing;
  cleanup_resources struct sie_resources *changed = NULL, *full = NULL;
  cleanup_cgroup struct sie_cgroup *cg = NULL;
  struct sie_cg_snapshot undo = { 0 };
  sie_error_t restore_err = NULL;
  int ret;

  if (require_live (info, err) < 0 || prepare (u->res ? u->res : &nothing, &changed, err) < 0
      || sie_container_resources (info->dirfd, info->cfg, &full, err) < 0
      || sie_resources_merge (full, changed, err) < 0)
    return -1;
  if (full->memory)
    unlimited_swap (full, changed);
  if (sie_cgroup_load (info->dirfd, SIE_CGROUP_FILE, &cg, err) < 0
      || sie_cgroup_update (cg, changed, full, u->cpuset_mode, &undo, err) < 0)
    return -1;
  ret = record (info->dirfd, full, err);
  if (ret < 0 && sie_cg_snapshot_restore (&undo, &restore_err) < 0)
    {
      sie_log_warning ("update: restoring the cgroup failed: %s", restore_err->msg);
      sie_error_release (&restore_err);
    }
  sie_cg_snapshot_clear (&undo);
  return ret;
}

int
sie_container_update (const char *root, const char *id, const struct sie_update *u,
                      sie_error_t *err)
{
  struct sie_container_info info;
  int ret;

  if (sie_container_info_load (root, id, true, &info, err) < 0)
    return -1;
  ret = update_locked (&info, u, err);
  sie_container_info_release (&info);
  return ret;
}

/* ---- partition view ---- */

static int
partition_of (const struct sie_container_info *info, struct sie_cg_partition *p,
              sie_error_t *err)
{
  cleanup_resources struct sie_resources *full = NULL;
  cleanup_cgroup struct sie_cgroup *cg = NULL;

  if (require_live (info, err) < 0
      || sie_container_resources (info->dirfd, info->cfg, &full, err) < 0
      || sie_cgroup_load (info->dirfd, SIE_CGROUP_FILE, &cg, err) < 0)
    return -1;
  return sie_cgroup_read_partition (cg, full, p, err);
}

int
sie_container_partition (const char *root, const char *id, struct sie_cg_partition *p,
                         sie_error_t *err)
{
  struct sie_container_info info;
  int ret;

  *p = (struct sie_cg_partition){ 0 };
  if (sie_container_info_load (root, id, false, &info, err) < 0)
    return -1;
  ret = partition_of (&info, p, err);
  sie_container_info_release (&info);
  return ret;
}
