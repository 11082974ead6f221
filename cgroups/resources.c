/* linux.resources: every controller applies its fields wherever the host
 * mounts it, a v1 hierarchy or the cgroup2 mount (hybrid hosts mix both). */
#include "cgroups/cgroup_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/layout_parse.h"
#include "util/cleanup.h"

static const char *
memory_wanted (const struct sie_resources *r)
{
  const struct sie_memory *m = r->memory;
  if (m == NULL)
    return NULL;
  if (m->limit.set)
    return "linux.resources.memory.limit";
  if (m->reservation.set)
    return "linux.resources.memory.reservation";
  if (m->swap.set)
    return "linux.resources.memory.swap";
  if (m->kernel.set)
    return "linux.resources.memory.kernel";
  if (m->kernel_tcp.set)
    return "linux.resources.memory.kernelTCP";
  if (m->swappiness.set)
    return "linux.resources.memory.swappiness";
  if (m->disable_oom_killer.set && m->disable_oom_killer.v)
    return "linux.resources.memory.disableOOMKiller";
  if (m->use_hierarchy.set && !m->use_hierarchy.v)
    return "linux.resources.memory.useHierarchy";
  return NULL;
}

static const char *
cpu_wanted (const struct sie_resources *r)
{
  const struct sie_cpu *c = r->cpu;
  if (c == NULL)
    return NULL;
  if (c->shares.set)
    return "linux.resources.cpu.shares";
  if (c->quota.set)
    return "linux.resources.cpu.quota";
  if (c->period.set)
    return "linux.resources.cpu.period";
  if (c->burst.set)
    return "linux.resources.cpu.burst";
  if (c->realtime_runtime.set)
    return "linux.resources.cpu.realtimeRuntime";
  if (c->realtime_period.set)
    return "linux.resources.cpu.realtimePeriod";
  if (c->idle.set)
    return "linux.resources.cpu.idle";
  return NULL;
}

static const char *
cpuset_wanted (const struct sie_resources *r)
{
  if (r->cpu && r->cpu->cpus && r->cpu->cpus[0])
    return "linux.resources.cpu.cpus";
  if (r->cpu && r->cpu->mems && r->cpu->mems[0])
    return "linux.resources.cpu.mems";
  return NULL;
}

static const char *
pids_wanted (const struct sie_resources *r)
{
  return r->pids_limit.set ? "linux.resources.pids.limit" : NULL;
}

static const char *
blkio_wanted (const struct sie_resources *r)
{
  const struct sie_block_io *b = r->block_io;
  if (b == NULL)
    return NULL;
  if (b->weight.set)
    return "linux.resources.blockIO.weight";
  if (b->leaf_weight.set)
    return "linux.resources.blockIO.leafWeight";
  if (b->n_weight_device)
    return "linux.resources.blockIO.weightDevice";
  if (b->n_throttle_read_bps)
    return "linux.resources.blockIO.throttleReadBpsDevice";
  if (b->n_throttle_write_bps)
    return "linux.resources.blockIO.throttleWriteBpsDevice";
  if (b->n_throttle_read_iops)
    return "linux.resources.blockIO.throttleReadIOPSDevice";
  if (b->n_throttle_write_iops)
    return "linux.resources.blockIO.throttleWriteIOPSDevice";
  return NULL;
}

static const char *
hugetlb_wanted (const struct sie_resources *r)
{
  return r->n_hugepage_limits ? "linux.resources.hugepageLimits" : NULL;
}

static const char *
net_cls_wanted (const struct sie_resources *r)
{
  return r->network && r->network->class_id.set ? "linux.resources.network.classID" : NULL;
}

static const char *
net_prio_wanted (const struct sie_resources *r)
{
  return r->network && r->network->n_priorities ? "linux.resources.network.priorities" : NULL;
}

static const char *
rdma_wanted (const struct sie_resources *r)
{
  return r->n_rdma ? "linux.resources.rdma" : NULL;
}

/* Device rules always apply: without any, the container still gets the
 * deny-all and the default devices, as with runc. */
static const char *
devices_wanted (const struct sie_resources *r)
{
  return "linux.resources.devices";
}

const struct sie_cg_controller sie_cg_controllers[] = {
  { "devices", "", devices_wanted, sie_cg_devices_v1, sie_cg_devices_v2 },
  { "memory", "memory", memory_wanted, sie_cg_memory_v1, sie_cg_memory_v2 },
  { "cpu", "cpu", cpu_wanted, sie_cg_cpu_v1, sie_cg_cpu_v2 },
  { "cpuset", "cpuset", cpuset_wanted, sie_cg_cpuset_v1, sie_cg_cpuset_v2 },
  { "pids", "pids", pids_wanted, sie_cg_pids_v1, sie_cg_pids_v2 },
  { "blkio", "io", blkio_wanted, sie_cg_blkio_v1, sie_cg_blkio_v2 },
  { "hugetlb", "hugetlb", hugetlb_wanted, sie_cg_hugetlb_v1, sie_cg_hugetlb_v2 },
  { "net_cls", NULL, net_cls_wanted, sie_cg_net_cls_v1, NULL },
  { "net_prio", NULL, net_prio_wanted, sie_cg_net_prio_v1, NULL },
  { "rdma", "rdma", rdma_wanted, sie_cg_rdma_v1, sie_cg_rdma_v2 },
};
const size_t sie_cg_n_controllers = ARRAY_SIZE (sie_cg_controllers);

uint64_t
sie_cg_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
sie_cg_blkio_to_io_weight (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

int
sie_cg_v2_enable (const char *mountpoint, const char *rel, const char *const *controllers,
                  bool required, sie_error_t *err)
{
  cleanup_free char *dir = NULL;
  size_t base = strlen (mountpoint);
  char *leaf;

  if (controllers == NULL || controllers[0] == NULL)
    return 0;
  if (asprintf (&dir, "%s%s", mountpoint, strcmp (rel, "/") == 0 ? "" : rel) < 0)
    return sie_error (err, ENOMEM, "enable cgroup controllers");
  leaf = strrchr (dir, '/');
  if (leaf == NULL || leaf < dir + base)
    return 0; /* the mount root itself has no parent to enable from */
  *leaf = '\0';
  /* from the mount root down to the parent of the leaf */
  for (char *p = dir + base;; p++)
    {
      char saved = *p;
      cleanup_free char *enabled = NULL;

      if (saved != '/' && saved != '\0')
        continue;
      *p = '\0';
      enabled = sie_cg_read (dir, "cgroup.subtree_control");
      for (size_t i = 0; controllers[i]; i++)
        {
          cleanup_free char *field = NULL;
          if (enabled && sie_cgroup_list_has (enabled, ' ', controllers[i]))
            continue;
          if (asprintf (&field, "enable the %s controller", controllers[i]) < 0)
            return sie_error (err, ENOMEM, "enable cgroup controllers");
          if (sie_cg_writef (dir, "cgroup.subtree_control", field, required ? err : NULL, "+%s",
                             controllers[i])
                  < 0
              && required)
            return -1;
        }
      *p = saved;
      if (saved == '\0')
        return 0;
    }
}

static const struct sie_cgroup_hierarchy *
hierarchy_of (const struct sie_cgroup_layout *l, const struct sie_cgroup_dir *d)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->h[i].mountpoint, d->hierarchy) == 0)
      return &l->h[i];
  return NULL;
}

/* The directory that holds `controller`: the v1 hierarchy that mounts it,
 * else the cgroup2 directory when the v2 name is available there. */
static const struct sie_cgroup_dir *
dir_for (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
         const struct sie_cg_controller *c)
{
  const struct sie_cgroup_dir *v2dir = NULL;

  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct sie_cgroup_hierarchy *h = hierarchy_of (l, &cg->dirs[i]);
      if (h == NULL)
        continue;
      if (!h->v2 && c->v1 && sie_cgroup_list_has (h->controllers, ',', c->v1))
        return &cg->dirs[i];
      /* "" is a v2 feature without a controller file: device filtering */
      if (h->v2 && c->v2 && (c->v2[0] == '\0' || sie_cgroup_list_has (h->controllers, ' ', c->v2)))
        v2dir = &cg->dirs[i];
    }
  /* a cgroup2 mount that owns nothing cannot filter devices either */
  if (v2dir && c->v2[0] == '\0' && l->mode == SIE_CGROUP_V1)
    return NULL;
  return v2dir;
}

static int
apply_controller (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
                  const struct sie_cg_controller *c, const struct sie_resources *res,
                  sie_error_t *err)
{
  const char *field = c->wanted (res);
  const struct sie_cgroup_dir *d;

  if (field == NULL)
    return 0;
  d = dir_for (cg, l, c);
  if (d == NULL)
    {
      if (c->apply_v1 == sie_cg_devices_v1 && res->n_devices == 0)
        return 0; /* nothing asked for, and nowhere to put the defaults */
      return sie_error (err, 0, "%s: the %s cgroup controller is not available on this host",
                        field, c->v1 ? c->v1 : c->v2);
    }
  if (!d->v2)
    return c->apply_v1 (d->path, res, err);
  if (c->v2[0])
    {
      const char *const one[] = { c->v2, NULL };
      if (sie_cg_v2_enable (d->hierarchy, d->path + strlen (d->hierarchy), one, true, err) < 0)
        return sie_error_prefix (err, "%s", field);
    }
  return c->apply_v2 (d->path, res, err);
}

static bool
on_v1_layout (const struct sie_cgroup_layout *l, const char *controller)
{
  for (size_t i = 0; i < l->n; i++)
    if (!l->h[i].v2 && sie_cgroup_list_has (l->h[i].controllers, ',', controller))
      return true;
  return false;
}

static const struct sie_cgroup_dir *
v2_dir (const struct sie_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].v2)
      return &cg->dirs[i];
  return NULL;
}

/* linux.resources.unified: raw cgroup2 files, written last so they win. */
static int
apply_unified (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
               const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = v2_dir (cg);
  const struct sie_cgroup_hierarchy *h = d ? hierarchy_of (l, d) : NULL;

  if (res->n_unified == 0)
    return 0;
  if (h == NULL || l->mode == SIE_CGROUP_V1)
    return sie_error (err, 0, "linux.resources.unified: requires cgroup v2");
  for (size_t i = 0; i < res->n_unified; i++)
    {
      const char *key = res->unified[i].key;
      cleanup_free char *field = NULL, *ctrl = NULL;

      if (asprintf (&field, "linux.resources.unified.%s", key) < 0
          || (ctrl = strndup (key, strcspn (key, "."))) == NULL)
        return sie_error (err, ENOMEM, "linux.resources.unified");
      if (strchr (key, '/') || key[0] == '.' || strchr (key, '.') == NULL)
        return sie_error (err, 0, "%s: not a cgroup v2 file name", field);
      if (strcmp (ctrl, "cgroup") != 0)
        {
          const char *const one[] = { ctrl, NULL };
          if (on_v1_layout (l, ctrl))
            return sie_error (err, 0, "%s: the %s controller is on cgroup v1 on this host",
                              field, ctrl);
          if (!sie_cgroup_list_has (h->controllers, ' ', ctrl))
            return sie_error (err, 0, "%s: the %s controller is not available on cgroup v2 here",
                              field, ctrl);
          if (sie_cg_v2_enable (d->hierarchy, d->path + strlen (d->hierarchy), one, true, err) < 0)
            return sie_error_prefix (err, "%s", field);
        }
      if (sie_cg_write (d->path, key, field, res->unified[i].value, err) < 0)
        return -1;
    }
  return 0;
}

int
sie_cgroup_apply_resources (const struct sie_cgroup *cg, const struct sie_resources *res,
                            sie_error_t *err)
{
  static const struct sie_resources none;
  const struct sie_cgroup_layout *l;

  if (sie_cgroup_layout_get (&l, err) < 0)
    return -1;
  if (res == NULL)
    res = &none;
  for (size_t i = 0; i < sie_cg_n_controllers; i++)
    if (apply_controller (cg, l, &sie_cg_controllers[i], res, err) < 0)
      return -1;
  return apply_unified (cg, l, res, err);
}
