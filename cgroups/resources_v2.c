/* linux.resources on the cgroup2 hierarchy, converted as runc converts. */
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

/* -1 is "no limit", which v2 spells "max"; any other negative goes to the
 * kernel as it is, which refuses it (as on v1, and as runc writes it). */
static int
write_limit (const char *dir, const char *file, const char *field, int64_t v, sie_error_t *err)
{
  if (v == -1)
    return sie_cg_write (dir, file, field, "max", err);
  return sie_cg_writef (dir, file, field, err, "%" PRId64, v);
}

static int
unsupported (const char *field, sie_error_t *err)
{
  return sie_error (err, 0, "%s: not supported on cgroup v2", field);
}

/* OCI swap is memory+swap; memory.swap.max is swap alone. */
static int
swap_max (const char *dir, const struct sie_memory *m, sie_error_t *err)
{
  int64_t limit = m->limit.set ? m->limit.v : 0;
  bool swap_set = m->swap.set && m->swap.v != 0; /* 0 is "unset", as in runc */

  if (!swap_set)
    {
      /* unlimited memory with no word on swap: unlimited swap too */
      if (limit == -1 && sie_cg_file_exists (dir, "memory.swap.max"))
        return sie_cg_write (dir, "memory.swap.max", F_MEM "swap", "max", err);
      return 0;
    }
  if (m->swap.v < 0)
    return sie_cg_write (dir, "memory.swap.max", F_MEM "swap", "max", err);
  if (limit <= 0)
    return sie_error (err, 0, F_MEM "swap: a swap limit needs a memory limit on cgroup v2");
  if (m->swap.v < limit)
    return sie_error (err, 0, F_MEM "swap: %" PRId64 " is below memory.limit %" PRId64
                              " (swap is memory+swap)",
                      m->swap.v, limit);
  return sie_cg_writef (dir, "memory.swap.max", F_MEM "swap", err, "%" PRId64, m->swap.v - limit);
}

int
sie_cg_memory_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_memory *m = res->memory;

  if (m->kernel.set)
    return sie_error (err, 0, F_MEM "kernel: kernel memory limits are not supported "
                              "(the kernel dropped them; unset the field)");
  if (m->kernel_tcp.set)
    return unsupported (F_MEM "kernelTCP", err);
  if (m->swappiness.set)
    return unsupported (F_MEM "swappiness", err);
  if (m->disable_oom_killer.set && m->disable_oom_killer.v)
    return unsupported (F_MEM "disableOOMKiller", err);
  if (m->use_hierarchy.set && !m->use_hierarchy.v)
    return unsupported (F_MEM "useHierarchy", err);
  if (swap_max (dir, m, err) < 0)
    return -1;
  if (m->limit.set && write_limit (dir, "memory.max", F_MEM "limit", m->limit.v, err) < 0)
    return -1;
  if (m->reservation.set
      && write_limit (dir, "memory.low", F_MEM "reservation", m->reservation.v, err) < 0)
    return -1;
  return 0;
}

int
sie_cg_cpu_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_cpu *c = res->cpu;

  if (c->realtime_runtime.set && c->realtime_runtime.v != 0)
    return unsupported (F_CPU "realtimeRuntime", err);
  if (c->realtime_period.set && c->realtime_period.v != 0)
    return unsupported (F_CPU "realtimePeriod", err);
  if (c->shares.set && c->shares.v != 0
      && sie_cg_writef (dir, "cpu.weight", F_CPU "shares", err, "%" PRIu64,
                        sie_cg_shares_to_weight (c->shares.v))
             < 0)
    return -1;
  if (c->quota.set || c->period.set)
    {
      char quota[24] = "max", period[24] = "";
      if (c->quota.set && c->quota.v > 0)
        snprintf (quota, sizeof (quota), "%" PRId64, c->quota.v);
      if (c->period.set && c->period.v != 0)
        snprintf (period, sizeof (period), " %" PRIu64, c->period.v);
      if (sie_cg_writef (dir, "cpu.max", c->quota.set ? F_CPU "quota" : F_CPU "period", err,
                         "%s%s", quota, period)
          < 0)
        return -1;
    }
  if (c->burst.set
      && sie_cg_writef (dir, "cpu.max.burst", F_CPU "burst", err, "%" PRIu64, c->burst.v) < 0)
    return -1;
  if (c->idle.set
      && sie_cg_writef (dir, "cpu.idle", F_CPU "idle", err, "%" PRId64, c->idle.v) < 0)
    return -1;
  return 0;
}

int
sie_cg_cpuset_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_cpu *c = res->cpu;

  if (c->cpus && c->cpus[0] && sie_cg_write (dir, "cpuset.cpus", F_CPU "cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && c->mems[0] && sie_cg_write (dir, "cpuset.mems", F_CPU "mems", c->mems, err) < 0)
    return -1;
  return 0;
}

int
sie_cg_pids_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  return write_limit (dir, "pids.max", "linux.resources.pids.limit",
                      res->pids_limit.v <= 0 ? -1 : res->pids_limit.v, err);
}

/* With BFQ, io.bfq.weight takes blkio's own 1-1000 range; else io.weight
 * takes 1-10000, converted. */
static int
io_weight (const char *dir, const char *device, uint64_t weight, const char *field,
           sie_error_t *err)
{
  if (sie_cg_file_exists (dir, "io.bfq.weight"))
    return sie_cg_writef (dir, "io.bfq.weight", field, err, "%s%" PRIu64, device, weight);
  return sie_cg_writef (dir, "io.weight", field, err, "%s%" PRIu64, device,
                        sie_cg_blkio_to_io_weight (weight));
}

static int
io_max (const char *dir, const char *key, const char *field,
        const struct sie_throttle_device *t, size_t n, sie_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    if (sie_cg_writef (dir, "io.max", field, err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
                       t[i].major, t[i].minor, key, t[i].rate)
        < 0)
      return -1;
  return 0;
}

int
sie_cg_blkio_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  const struct sie_block_io *b = res->block_io;

  if (b->leaf_weight.set)
    return unsupported (F_BLKIO "leafWeight", err);
  if (b->weight.set && b->weight.v != 0 && io_weight (dir, "", b->weight.v, F_BLKIO "weight", err) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct sie_weight_device *w = &b->weight_device[i];
      char device[48];
      if (w->leaf_weight.set)
        return unsupported (F_BLKIO "weightDevice.leafWeight", err);
      if (!w->weight.set)
        continue;
      snprintf (device, sizeof (device), "%" PRId64 ":%" PRId64 " ", w->major, w->minor);
      if (io_weight (dir, device, w->weight.v, F_BLKIO "weightDevice", err) < 0)
        return -1;
    }
  if (io_max (dir, "rbps", F_BLKIO "throttleReadBpsDevice", b->throttle_read_bps,
              b->n_throttle_read_bps, err)
          < 0
      || io_max (dir, "wbps", F_BLKIO "throttleWriteBpsDevice", b->throttle_write_bps,
                 b->n_throttle_write_bps, err)
             < 0
      || io_max (dir, "riops", F_BLKIO "throttleReadIOPSDevice", b->throttle_read_iops,
                 b->n_throttle_read_iops, err)
             < 0
      || io_max (dir, "wiops", F_BLKIO "throttleWriteIOPSDevice", b->throttle_write_iops,
                 b->n_throttle_write_iops, err)
             < 0)
    return -1;
  return 0;
}

int
sie_cg_hugetlb_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  if (sie_cg_hugetlb_write (dir, res, "max", err) < 0)
    return -1;
  /* Reservations count too where the kernel tracks them, so a mapping
     cannot reserve past the limit and fault later (runc does the same). */
  for (size_t i = 0; i < res->n_hugepage_limits; i++)
    {
      const struct sie_hugepage_limit *h = &res->hugepage_limits[i];
      cleanup_free char *file = NULL;
      if (asprintf (&file, "hugetlb.%s.rsvd.max", h->page_size) < 0)
        return sie_error (err, ENOMEM, "linux.resources.hugepageLimits");
      if (sie_cg_file_exists (dir, file)
          && sie_cg_writef (dir, file, "linux.resources.hugepageLimits", err, "%" PRIu64, h->limit)
                 < 0)
        return -1;
    }
  return 0;
}

int
sie_cg_rdma_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  return sie_cg_rdma_write (dir, res, err);
}
