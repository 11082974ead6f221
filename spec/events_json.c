#include "spec/events.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "spec/json_out.h"

/* yajl's integers are signed; limits reach UINT64_MAX ("max" on v2). */
static void
u64 (struct jout *o, uint64_t v)
{
  char buf[24];
  int n = snprintf (buf, sizeof (buf), "%" PRIu64, v);

  if (o->st == yajl_gen_status_ok)
    o->st = yajl_gen_number (o->g, buf, n);
}

static void
key_u64 (struct jout *o, const char *key, uint64_t v)
{
  jout_key (o, key);
  u64 (o, v);
}

/* Go's omitempty: a zero number is left out. */
static void
key_u64_nz (struct jout *o, const char *key, uint64_t v)
{
  if (v)
    key_u64 (o, key, v);
}

static void
key_list_ne (struct jout *o, const char *key, const struct sie_u64_list *l)
{
  if (l->n == 0)
    return;
  jout_key (o, key);
  jout_array (o);
  for (size_t i = 0; i < l->n; i++)
    u64 (o, l->v[i]);
  jout_end (o);
}

static void
cpu (struct jout *o, const struct sie_cgroup_stats *s)
{
  jout_key (o, "cpu");
  jout_open (o);
  jout_key (o, "usage");
  jout_open (o);
  key_u64_nz (o, "total", s->cpu.total);
  key_list_ne (o, "percpu", &s->cpu.percpu);
  key_list_ne (o, "percpu_kernel", &s->cpu.percpu_kernel);
  key_list_ne (o, "percpu_user", &s->cpu.percpu_user);
  key_u64 (o, "kernel", s->cpu.kernel);
  key_u64 (o, "user", s->cpu.user);
  jout_close (o);
  jout_key (o, "throttling");
  jout_open (o);
  key_u64_nz (o, "periods", s->cpu.periods);
  key_u64_nz (o, "throttledPeriods", s->cpu.throttled_periods);
  key_u64_nz (o, "throttledTime", s->cpu.throttled_time);
  jout_close (o);
  jout_close (o);
}

static void
cpuset (struct jout *o, const struct sie_cgroup_stats *s)
{
  jout_key (o, "cpuset");
  jout_open (o);
  key_list_ne (o, "cpus", &s->cpuset.cpus);
  key_u64 (o, "cpu_exclusive", s->cpuset.cpu_exclusive);
  key_list_ne (o, "mems", &s->cpuset.mems);
  key_u64 (o, "mem_hardwall", s->cpuset.mem_hardwall);
  key_u64 (o, "mem_exclusive", s->cpuset.mem_exclusive);
  key_u64 (o, "memory_migrate", s->cpuset.memory_migrate);
  key_u64 (o, "memory_spread_page", s->cpuset.memory_spread_page);
  key_u64 (o, "memory_spread_slab", s->cpuset.memory_spread_slab);
  key_u64 (o, "memory_pressure", s->cpuset.memory_pressure);
  key_u64 (o, "sched_load_balance", s->cpuset.sched_load_balance);
  jout_key_int (o, "sched_relax_domain_level", s->cpuset.sched_relax_domain_level);
  jout_close (o);
}

static void
mem_entry (struct jout *o, const char *key, const struct sie_mem_entry *e)
{
  jout_key (o, key);
  jout_open (o);
  key_u64 (o, "limit", e->limit);
  key_u64_nz (o, "usage", e->usage);
  key_u64_nz (o, "max", e->max);
  key_u64 (o, "failcnt", e->failcnt);
  jout_close (o);
}

static void
memory (struct jout *o, const struct sie_cgroup_stats *s)
{
  jout_key (o, "memory");
  jout_open (o);
  key_u64_nz (o, "cache", s->memory.cache);
  mem_entry (o, "usage", &s->memory.usage);
  mem_entry (o, "swap", &s->memory.swap);
  mem_entry (o, "kernel", &s->memory.kernel);
  mem_entry (o, "kernelTCP", &s->memory.kernel_tcp);
  if (s->memory.raw.n)
    {
      jout_key (o, "raw");
      jout_open (o);
      for (size_t i = 0; i < s->memory.raw.n; i++)
        key_u64 (o, s->memory.raw.kv[i].key, s->memory.raw.kv[i].value);
      jout_close (o);
    }
  jout_close (o);
}

static void
pids (struct jout *o, const struct sie_cgroup_stats *s)
{
  jout_key (o, "pids");
  jout_open (o);
  key_u64_nz (o, "current", s->pids.current);
  key_u64_nz (o, "limit", s->pids.limit);
  jout_close (o);
}

static void
blkio (struct jout *o, const struct sie_cgroup_stats *s)
{
  static const char *const names[SIE_BLKIO_N] = {
    [SIE_BLKIO_SERVICE_BYTES] = "ioServiceBytesRecursive",
    [SIE_BLKIO_SERVICED] = "ioServicedRecursive",
    [SIE_BLKIO_QUEUED] = "ioQueueRecursive",
    [SIE_BLKIO_SERVICE_TIME] = "ioServiceTimeRecursive",
    [SIE_BLKIO_WAIT_TIME] = "ioWaitTimeRecursive",
    [SIE_BLKIO_MERGED] = "ioMergedRecursive",
    [SIE_BLKIO_TIME] = "ioTimeRecursive",
    [SIE_BLKIO_SECTORS] = "sectorsRecursive",
  };

  jout_key (o, "blkio");
  jout_open (o);
  for (int k = 0; k < SIE_BLKIO_N; k++)
    {
      const struct sie_blkio_list *l = &s->blkio[k];
      if (l->n == 0)
        continue;
      jout_key (o, names[k]);
      jout_array (o);
      for (size_t i = 0; i < l->n; i++)
        {
          jout_open (o);
          key_u64_nz (o, "major", l->e[i].major);
          key_u64_nz (o, "minor", l->e[i].minor);
          if (l->e[i].op[0])
            jout_key_str (o, "op", l->e[i].op);
          key_u64_nz (o, "value", l->e[i].value);
          jout_close (o);
        }
      jout_end (o);
    }
  jout_close (o);
}

static void
hugetlb (struct jout *o, const struct sie_cgroup_stats *s)
{
  jout_key (o, "hugetlb");
  jout_open (o);
  for (size_t i = 0; i < s->n_hugetlb; i++)
    {
      jout_key (o, s->hugetlb[i].size);
      jout_open (o);
      key_u64_nz (o, "usage", s->hugetlb[i].usage);
      key_u64_nz (o, "max", s->hugetlb[i].max);
      key_u64 (o, "failcnt", s->hugetlb[i].failcnt);
      jout_close (o);
    }
  jout_close (o);
}

int
sie_stats_event_json (const char *id, const struct sie_cgroup_stats *s, char **out,
                      sie_error_t *err)
{
  struct jout o;

  if (jout_init (&o, NULL, err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "type", "stats");
  jout_key_str (&o, "id", id);
  jout_key (&o, "data");
  jout_open (&o);
  cpu (&o, s);
  cpuset (&o, s);
  memory (&o, s);
  pids (&o, s);
  blkio (&o, s);
  hugetlb (&o, s);
  jout_close (&o);
  jout_close (&o);
  return jout_finish (&o, true, out, err);
}

int
sie_oom_event_json (const char *id, char **out, sie_error_t *err)
{
  struct jout o;

  if (jout_init (&o, NULL, err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "type", "oom");
  jout_key_str (&o, "id", id);
  jout_close (&o);
  return jout_finish (&o, true, out, err);
}
