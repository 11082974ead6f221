/* linux.resources on cgroup v1 hierarchies. */
#include "cgroups/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

#define F_MEM "linux.resources.memory."
#define F_CPU "linux.resources.cpu."
#define F_BLKIO "linux.resources.blockIO."

static int
write_i64 (const char *dir, const char *file, const char *field, int64_t v, sie_error_t *err)
{
  return sie_cg_writef (dir, file, field, err, "%" PRId64, v);
}

static int
write_u64 (const char *dir, const char *file, const char *field, uint64_t v, sie_error_t *err)
{
  return sie_cg_writef (dir, file, field, err, "%" PRIu64, v);
}

/* OCI swap is memory+swap, exactly what memory.memsw.limit_in_bytes is.
 * The kernel wants limit <= memsw at every moment, so the order of the two
 * writes depends on whether the limits grow or shrink. */
static int
memory_and_swap (const char *dir, const struct sie_memory *m, sie_error_t *err)
{
  const char *memsw = "memory.memsw.limit_in_bytes";
  bool swap_set = m->swap.set && m->swap.v != 0; /* 0 is "unset", as in runc */
  int64_t swap = m->swap.v;
  cleanup_free char *current = NULL;
  bool swap_first;

  /* unlimited memory with no word on swap means unlimited swap too */
  if (m->limit.set && m->limit.v == -1 && !swap_set && sie_cg_file_exists (dir, memsw))
    swap_set = true, swap = -1;
  if (!swap_set)
    return m->limit.set ? write_i64 (dir, "memory.limit_in_bytes", F_MEM "limit", m->limit.v, err)
                        : 0;
  if (!m->limit.set)
    return write_i64 (dir, memsw, F_MEM "swap", swap, err);
  if (swap >= 0 && m->limit.v >= 0 && swap < m->limit.v)
    return sie_error (err, 0, F_MEM "swap: %" PRId64 " is below memory.limit %" PRId64
                              " (swap is memory+swap)",
                      swap, m->limit.v);
  current = sie_cg_read (dir, memsw);
  if (current == NULL)
    return write_i64 (dir, memsw, F_MEM "swap", swap, err); /* reports why */
  swap_first = swap == -1 || (uint64_t) swap > strtoull (current, NULL, 10);
  if (swap_first && write_i64 (dir, memsw, F_MEM "swap", swap, err) < 0)
    return -1;
  if (write_i64 (dir, "memory.limit_in_bytes", F_MEM "limit", m->limit.v, err) < 0)
    return -1;
  return swap_first ? 0 : write_i64 (dir, memsw, F_MEM "swap", swap, err);
}

int
sie_cg_memory_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_memory *m = res->memory;

  if (m->kernel.set)
    return sie_error (err, 0, F_MEM "kernel: kernel memory limits are not supported "
                              "(the kernel dropped them; unset the field)");
  if (memory_and_swap (dir, m, err) < 0)
    return -1;
  if (m->reservation.set
      && write_i64 (dir, "memory.soft_limit_in_bytes", F_MEM "reservation", m->reservation.v, err)
             < 0)
    return -1;
  if (m->swappiness.set)
    {
      if (m->swappiness.v > 100)
        return sie_error (err, 0, F_MEM "swappiness: %s/memory.swappiness: %" PRIu64
                                  " is out of range 0-100",
                          dir, m->swappiness.v);
      if (write_u64 (dir, "memory.swappiness", F_MEM "swappiness", m->swappiness.v, err) < 0)
        return -1;
    }
  if (m->disable_oom_killer.set && m->disable_oom_killer.v
      && sie_cg_write (dir, "memory.oom_control", F_MEM "disableOOMKiller", "1", err) < 0)
    return -1;
  if (m->kernel_tcp.set
      && write_i64 (dir, "memory.kmem.tcp.limit_in_bytes", F_MEM "kernelTCP", m->kernel_tcp.v, err)
             < 0)
    return -1;
  if (m->use_hierarchy.set && !m->use_hierarchy.v
      && sie_cg_write (dir, "memory.use_hierarchy", F_MEM "useHierarchy", "0", err) < 0)
    return -1;
  return 0;
}

/* The kernel clamps cpu.shares silently; a value it changed is an error. */
static int
cpu_shares (const char *dir, uint64_t shares, sie_error_t *err)
{
  cleanup_free char *got = NULL;

  if (write_u64 (dir, "cpu.shares", F_CPU "shares", shares, err) < 0)
    return -1;
  got = sie_cg_read (dir, "cpu.shares");
  if (got && strtoull (got, NULL, 10) != shares)
    return sie_error (err, 0, F_CPU "shares: %s/cpu.shares: %" PRIu64
                              " is out of range (the kernel set %s)",
                      dir, shares, got);
  return 0;
}

int
sie_cg_cpu_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_cpu *c = res->cpu;

  if (c->shares.set && cpu_shares (dir, c->shares.v, err) < 0)
    return -1;
  if (c->period.set)
    {
      /* a shorter period may clash with the current quota: quota first then */
      sie_error_t period_err = NULL;
      if (write_u64 (dir, "cpu.cfs_period_us", F_CPU "period", c->period.v, &period_err) < 0)
        {
          int e = period_err->status;
          sie_error_release (&period_err);
          if (e != EINVAL || !c->quota.set)
            return write_u64 (dir, "cpu.cfs_period_us", F_CPU "period", c->period.v, err);
          if (write_i64 (dir, "cpu.cfs_quota_us", F_CPU "quota", c->quota.v, err) < 0
              || write_u64 (dir, "cpu.cfs_period_us", F_CPU "period", c->period.v, err) < 0)
            return -1;
        }
    }
  if (c->quota.set && write_i64 (dir, "cpu.cfs_quota_us", F_CPU "quota", c->quota.v, err) < 0)
    return -1;
  if (c->burst.set && write_u64 (dir, "cpu.cfs_burst_us", F_CPU "burst", c->burst.v, err) < 0)
    return -1;
  if (c->realtime_period.set
      && write_u64 (dir, "cpu.rt_period_us", F_CPU "realtimePeriod", c->realtime_period.v, err) < 0)
    return -1;
  if (c->realtime_runtime.set
      && write_i64 (dir, "cpu.rt_runtime_us", F_CPU "realtimeRuntime", c->realtime_runtime.v, err)
             < 0)
    return -1;
  if (c->idle.set && write_i64 (dir, "cpu.idle", F_CPU "idle", c->idle.v, err) < 0)
    return -1;
  return 0;
}

int
sie_cg_cpuset_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_cpu *c = res->cpu;

  if (c->cpus && c->cpus[0] && sie_cg_write (dir, "cpuset.cpus", F_CPU "cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && c->mems[0] && sie_cg_write (dir, "cpuset.mems", F_CPU "mems", c->mems, err) < 0)
    return -1;
  return 0;
}

int
sie_cg_pids_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  if (res->pids_limit.v <= 0)
    return sie_cg_write (dir, "pids.max", "linux.resources.pids.limit", "max", err);
  return write_i64 (dir, "pids.max", "linux.resources.pids.limit", res->pids_limit.v, err);
}

/* blkio.weight went away with CFQ; BFQ offers blkio.bfq.weight instead. */
static const char *
blkio_file (const char *dir, const char *cfq, const char *bfq)
{
  return !sie_cg_file_exists (dir, cfq) && sie_cg_file_exists (dir, bfq) ? bfq : cfq;
}

static int
throttle (const char *dir, const char *file, const char *field,
          const struct sie_throttle_device *t, size_t n, sie_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    if (sie_cg_writef (dir, file, field, err, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major,
                       t[i].minor, t[i].rate)
        < 0)
      return -1;
  return 0;
}

int
sie_cg_blkio_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_block_io *b = res->block_io;

  if (b->weight.set
      && write_u64 (dir, blkio_file (dir, "blkio.weight", "blkio.bfq.weight"), F_BLKIO "weight",
                    b->weight.v, err)
             < 0)
    return -1;
  if (b->leaf_weight.set
      && write_u64 (dir, "blkio.leaf_weight", F_BLKIO "leafWeight", b->leaf_weight.v, err) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct sie_weight_device *w = &b->weight_device[i];
      if (w->weight.set
          && sie_cg_writef (dir, blkio_file (dir, "blkio.weight_device", "blkio.bfq.weight_device"),
                            F_BLKIO "weightDevice", err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                            w->major, w->minor, w->weight.v)
                 < 0)
        return -1;
      if (w->leaf_weight.set
          && sie_cg_writef (dir, "blkio.leaf_weight_device", F_BLKIO "weightDevice.leafWeight", err,
                            "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                            w->leaf_weight.v)
                 < 0)
        return -1;
    }
  if (throttle (dir, "blkio.throttle.read_bps_device", F_BLKIO "throttleReadBpsDevice",
                b->throttle_read_bps, b->n_throttle_read_bps, err)
          < 0
      || throttle (dir, "blkio.throttle.write_bps_device", F_BLKIO "throttleWriteBpsDevice",
                   b->throttle_write_bps, b->n_throttle_write_bps, err)
             < 0
      || throttle (dir, "blkio.throttle.read_iops_device", F_BLKIO "throttleReadIOPSDevice",
                   b->throttle_read_iops, b->n_throttle_read_iops, err)
             < 0
      || throttle (dir, "blkio.throttle.write_iops_device", F_BLKIO "throttleWriteIOPSDevice",
                   b->throttle_write_iops, b->n_throttle_write_iops, err)
             < 0)
    return -1;
  return 0;
}

int
sie_cg_hugetlb_write (const char *dir, const struct sie_resources *res, const char *suffix,
                      sie_error_t *err)
{
  for (size_t i = 0; i < res->n_hugepage_limits; i++)
    {
      const struct sie_hugepage_limit *h = &res->hugepage_limits[i];
      cleanup_free char *file = NULL;
      char field[64];

      snprintf (field, sizeof (field), "linux.resources.hugepageLimits[%zu]", i);
      if (h->page_size == NULL || h->page_size[0] == '\0' || strchr (h->page_size, '/'))
        return sie_error (err, 0, "%s.pageSize: \"%s\" is not a page size", field,
                          h->page_size ? h->page_size : "");
      if (asprintf (&file, "hugetlb.%s.%s", h->page_size, suffix) < 0)
        return sie_error (err, ENOMEM, "%s", field);
      if (!sie_cg_file_exists (dir, file))
        return sie_error (err, 0, "%s.pageSize: this host has no %s huge pages (no %s/%s)", field,
                          h->page_size, dir, file);
      if (write_u64 (dir, file, field, h->limit, err) < 0)
        return -1;
    }
  return 0;
}

int
sie_cg_hugetlb_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  return sie_cg_hugetlb_write (dir, res, "limit_in_bytes", err);
}

int
sie_cg_net_cls_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  return write_u64 (dir, "net_cls.classid", "linux.resources.network.classID",
                    res->network->class_id.v, err);
}

int
sie_cg_net_prio_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  for (size_t i = 0; i < res->network->n_priorities; i++)
    {
      const struct sie_net_priority *p = &res->network->priorities[i];
      char field[64];
      snprintf (field, sizeof (field), "linux.resources.network.priorities[%zu]", i);
      if (sie_cg_writef (dir, "net_prio.ifpriomap", field, err, "%s %" PRIu32, p->name,
                         p->priority)
          < 0)
        return -1;
    }
  return 0;
}

int
sie_cg_rdma_write (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  for (size_t i = 0; i < res->n_rdma; i++)
    {
      const struct sie_rdma *r = &res->rdma[i];
      char handles[40] = "", objects[40] = "", field[64];

      snprintf (field, sizeof (field), "linux.resources.rdma.%s", r->device ? r->device : "");
      if (!r->hca_handles.set && !r->hca_objects.set)
        continue;
      if (r->hca_handles.set)
        snprintf (handles, sizeof (handles), " hca_handle=%" PRIu64, r->hca_handles.v);
      if (r->hca_objects.set)
        snprintf (objects, sizeof (objects), " hca_object=%" PRIu64, r->hca_objects.v);
      if (sie_cg_writef (dir, "rdma.max", field, err, "%s%s%s", r->device, handles, objects) < 0)
        return -1;
    }
  return 0;
}

int
sie_cg_rdma_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  return sie_cg_rdma_write (dir, res, err);
}
