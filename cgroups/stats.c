/* Reading cgroup stat files: each controller where it is mounted, v2 files
 * mapped to runc's v1 meanings.  The parsers are in stats_parse.c. */
#include "cgroups/stats.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/layout_parse.h"
#include "cgroups/stats_internal.h"
#include "util/cleanup.h"

/* ---- readers ---- */

static bool
not_offered (int e)
{
  return e == ENOENT || e == ENODEV || e == EOPNOTSUPP;
}

/* <dir>/<file> as text; *text stays NULL when the kernel does not offer
 * the file (swap accounting off, an older kernel, ...). */
static int
read_opt (const char *dir, const char *file, char **text, sie_error_t *err)
{
  *text = sie_cg_read (dir, file);
  if (*text == NULL && !not_offered (errno))
    return sie_error (err, errno, "reading %s/%s", dir, file);
  return 0;
}

/* A one-number file; *out keeps its value when the file is not offered. */
static int
read_u64 (const char *dir, const char *file, uint64_t *out, sie_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_opt (dir, file, &text, err) < 0)
    return -1;
  if (text && sie_stats_parse_u64 (text, file, out, err) < 0)
    return sie_error_prefix (err, "%s", dir);
  return 0;
}

static int
read_kv (const char *dir, const char *file, struct sie_stats_kvs *out, sie_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_opt (dir, file, &text, err) < 0)
    return -1;
  if (text && sie_stats_parse_kv (text, file, out, err) < 0)
    return sie_error_prefix (err, "%s", dir);
  return 0;
}

/* One value of a "key value" file, 0 when the file or key is absent. */
static int
read_key (const char *dir, const char *file, const char *key, uint64_t *out, sie_error_t *err)
{
  struct sie_stats_kvs kvs = { 0 };
  int ret = read_kv (dir, file, &kvs, err);

  if (ret == 0)
    *out = sie_stats_kv_get (&kvs, key, NULL);
  sie_stats_kvs_clear (&kvs);
  return ret;
}

static const struct sie_cgroup_hierarchy *
hierarchy_of (const struct sie_cgroup_layout *l, const struct sie_cgroup_dir *d)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->h[i].mountpoint, d->hierarchy) == 0)
      return &l->h[i];
  return NULL;
}

/* The container's directory in the v1 hierarchy that mounts `v1`, else in
 * cgroup2 when cgroup2 has `v2` ("" for any cgroup2 directory: cpu.stat
 * is there without the cpu controller).  NULL when neither has it. */
static const struct sie_cgroup_dir *
controller_dir (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l, const char *v1,
                const char *v2)
{
  const struct sie_cgroup_dir *v2dir = NULL;

  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct sie_cgroup_hierarchy *h = hierarchy_of (l, &cg->dirs[i]);
      if (h == NULL)
        continue;
      if (!h->v2 && v1 && sie_cgroup_list_has (h->controllers, ',', v1))
        return &cg->dirs[i];
      if (h->v2 && v2 && (v2[0] == '\0' || sie_cgroup_list_has (h->controllers, ' ', v2)))
        v2dir = &cg->dirs[i];
    }
  return v2dir;
}

const struct sie_cgroup_dir *
sie_cgroup_memory_dir (const struct sie_cgroup *cg)
{
  const struct sie_cgroup_layout *l;
  sie_error_t ignored = NULL;

  if (sie_cgroup_layout_get (&l, &ignored) < 0)
    {
      sie_error_release (&ignored);
      return NULL;
    }
  return controller_dir (cg, l, "memory", "memory");
}

/* ---- cpu ---- */

static int
cpuacct_v1 (const char *dir, struct sie_cgroup_stats *s, sie_error_t *err)
{
  cleanup_free char *percpu = NULL, *all = NULL;
  struct sie_stats_kvs ticks = { 0 };
  long hz = sysconf (_SC_CLK_TCK);
  int ret;

  if (read_u64 (dir, "cpuacct.usage", &s->cpu.total, err) < 0
      || read_opt (dir, "cpuacct.usage_percpu", &percpu, err) < 0
      || read_opt (dir, "cpuacct.usage_all", &all, err) < 0)
    return -1;
  if (percpu && sie_stats_parse_u64_list (percpu, "cpuacct.usage_percpu", &s->cpu.percpu, err) < 0)
    return sie_error_prefix (err, "%s", dir);
  if (all && sie_stats_parse_usage_all (all, &s->cpu.percpu_kernel, &s->cpu.percpu_user, err) < 0)
    return sie_error_prefix (err, "%s", dir);
  /* cpuacct.stat counts USER_HZ ticks */
  ret = read_kv (dir, "cpuacct.stat", &ticks, err);
  if (ret == 0 && hz > 0)
    {
      s->cpu.user = sie_stats_kv_get (&ticks, "user", NULL) * (1000000000 / hz);
      s->cpu.kernel = sie_stats_kv_get (&ticks, "system", NULL) * (1000000000 / hz);
    }
  sie_stats_kvs_clear (&ticks);
  return ret;
}

static int
read_cpu_stat (const char *dir, bool v2, struct sie_cgroup_stats *s, sie_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_opt (dir, "cpu.stat", &text, err) < 0)
    return -1;
  if (text && sie_stats_cpu_stat (text, v2, s, err) < 0)
    return sie_error_prefix (err, "%s", dir);
  return 0;
}

/* cgroup2's cpu.stat is read first, so that whatever v1 has (cpuacct for
 * usage, cpu for throttling) replaces it on a hybrid host. */
static int
read_cpu (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
          struct sie_cgroup_stats *s, sie_error_t *err)
{
  const struct sie_cgroup_dir *acct = controller_dir (cg, l, "cpuacct", NULL);
  const struct sie_cgroup_dir *cpu = controller_dir (cg, l, "cpu", NULL);
  const struct sie_cgroup_dir *v2 = controller_dir (cg, l, NULL, "");

  if (v2 && !(acct && cpu) && read_cpu_stat (v2->path, true, s, err) < 0)
    return -1;
  if (acct && cpuacct_v1 (acct->path, s, err) < 0)
    return -1;
  if (cpu && read_cpu_stat (cpu->path, false, s, err) < 0)
    return -1;
  return 0;
}

/* ---- cpuset (v1 only, as runc) ---- */

static int
read_list (const char *dir, const char *file, struct sie_u64_list *out, sie_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_opt (dir, file, &text, err) < 0)
    return -1;
  if (text && sie_stats_parse_cpulist (text, file, out, err) < 0)
    return sie_error_prefix (err, "%s", dir);
  return 0;
}

static int
read_cpuset (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
             struct sie_cgroup_stats *s, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = controller_dir (cg, l, "cpuset", NULL);
  const struct
  {
    const char *file;
    uint64_t *v;
  } flags[] = {
    { "cpuset.cpu_exclusive", &s->cpuset.cpu_exclusive },
    { "cpuset.mem_hardwall", &s->cpuset.mem_hardwall },
    { "cpuset.mem_exclusive", &s->cpuset.mem_exclusive },
    { "cpuset.memory_migrate", &s->cpuset.memory_migrate },
    { "cpuset.memory_spread_page", &s->cpuset.memory_spread_page },
    { "cpuset.memory_spread_slab", &s->cpuset.memory_spread_slab },
    { "cpuset.memory_pressure", &s->cpuset.memory_pressure },
    { "cpuset.sched_load_balance", &s->cpuset.sched_load_balance },
  };
  cleanup_free char *relax = NULL;
  char *end;

  if (d == NULL)
    return 0;
  if (read_list (d->path, "cpuset.cpus", &s->cpuset.cpus, err) < 0
      || read_list (d->path, "cpuset.mems", &s->cpuset.mems, err) < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (flags); i++)
    if (read_u64 (d->path, flags[i].file, flags[i].v, err) < 0)
      return -1;
  /* signed: -1 means the system default */
  if (read_opt (d->path, "cpuset.sched_relax_domain_level", &relax, err) < 0)
    return -1;
  if (relax)
    {
      errno = 0;
      s->cpuset.sched_relax_domain_level = strtoll (relax, &end, 10);
      if (errno || end == relax || (*end && *end != '\n'))
        return sie_error (err, 0, "%s/cpuset.sched_relax_domain_level: expected a number, got \"%s\"",
                          d->path, relax);
    }
  return 0;
}

/* ---- memory ---- */

static int
mem_entry_v1 (const char *dir, const char *prefix, struct sie_mem_entry *e, sie_error_t *err)
{
  const struct
  {
    const char *suffix;
    uint64_t *v;
  } files[] = {
    { "usage_in_bytes", &e->usage },
    { "max_usage_in_bytes", &e->max },
    { "failcnt", &e->failcnt },
    { "limit_in_bytes", &e->limit },
  };

  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      char file[64];
      snprintf (file, sizeof (file), "%s.%s", prefix, files[i].suffix);
      if (read_u64 (dir, file, files[i].v, err) < 0)
        return -1;
    }
  return 0;
}

static int
memory_v1 (const char *dir, struct sie_cgroup_stats *s, sie_error_t *err)
{
  if (read_kv (dir, "memory.stat", &s->memory.raw, err) < 0)
    return -1;
  s->memory.cache = sie_stats_kv_get (&s->memory.raw, "cache", NULL);
  if (mem_entry_v1 (dir, "memory", &s->memory.usage, err) < 0
      || mem_entry_v1 (dir, "memory.memsw", &s->memory.swap, err) < 0
      || mem_entry_v1 (dir, "memory.kmem", &s->memory.kernel, err) < 0
      || mem_entry_v1 (dir, "memory.kmem.tcp", &s->memory.kernel_tcp, err) < 0)
    return -1;
  return 0;
}

static uint64_t
add_saturating (uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* v2 counts swap apart from memory; v1's memsw (which runc's fields
 * mean) counts both, so memory is added in, as runc's fs2 does. */
static int
memory_v2 (const char *dir, struct sie_cgroup_stats *s, sie_error_t *err)
{
  struct sie_mem_entry *u = &s->memory.usage, *sw = &s->memory.swap;

  if (read_kv (dir, "memory.stat", &s->memory.raw, err) < 0)
    return -1;
  s->memory.cache = sie_stats_kv_get (&s->memory.raw, "file", NULL);
  if (read_u64 (dir, "memory.current", &u->usage, err) < 0
      || read_u64 (dir, "memory.max", &u->limit, err) < 0
      || read_u64 (dir, "memory.peak", &u->max, err) < 0
      || read_key (dir, "memory.events", "max", &u->failcnt, err) < 0
      || read_u64 (dir, "memory.swap.current", &sw->usage, err) < 0
      || read_u64 (dir, "memory.swap.max", &sw->limit, err) < 0)
    return -1;
  sw->usage = add_saturating (sw->usage, u->usage);
  if (sw->limit != UINT64_MAX)
    sw->limit = add_saturating (sw->limit, u->limit);
  return 0;
}

static int
read_memory (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
             struct sie_cgroup_stats *s, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = controller_dir (cg, l, "memory", "memory");

  if (d == NULL)
    return 0;
  if ((d->v2 ? memory_v2 : memory_v1) (d->path, s, err) < 0)
    return -1;
  sie_stats_kvs_sort (&s->memory.raw);
  return 0;
}

/* ---- pids ---- */

static int
read_pids (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
           struct sie_cgroup_stats *s, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = controller_dir (cg, l, "pids", "pids");
  const struct sie_cgroup_dir *v2 = controller_dir (cg, l, NULL, "");
  cleanup_free char *procs = NULL;

  if (d)
    {
      if (read_u64 (d->path, "pids.current", &s->pids.current, err) < 0
          || read_u64 (d->path, "pids.max", &s->pids.limit, err) < 0)
        return -1;
      if (s->pids.limit == UINT64_MAX)
        s->pids.limit = 0; /* "max": no limit */
      return 0;
    }
  /* without the controller, count the processes as runc does */
  if (v2 == NULL || read_opt (v2->path, "cgroup.procs", &procs, err) < 0)
    return v2 ? -1 : 0;
  for (const char *p = procs; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : "")
    s->pids.current++;
  return 0;
}

/* ---- blkio ---- */

/* v1 keeps I/O statistics in whichever files the I/O scheduler fills:
 * bfq's debug files, bfq's, cfq's, then the throttling layer's.  As runc,
 * the first group whose first file has entries is taken. */
static const struct
{
  const char *files[SIE_BLKIO_N];
} blkio_groups[] = {
  { {
      [SIE_BLKIO_SECTORS] = "blkio.bfq.sectors_recursive",
      [SIE_BLKIO_SERVICE_TIME] = "blkio.bfq.io_service_time_recursive",
      [SIE_BLKIO_WAIT_TIME] = "blkio.bfq.io_wait_time_recursive",
      [SIE_BLKIO_MERGED] = "blkio.bfq.io_merged_recursive",
      [SIE_BLKIO_QUEUED] = "blkio.bfq.io_queued_recursive",
      [SIE_BLKIO_TIME] = "blkio.bfq.time_recursive",
      [SIE_BLKIO_SERVICED] = "blkio.bfq.io_serviced_recursive",
      [SIE_BLKIO_SERVICE_BYTES] = "blkio.bfq.io_service_bytes_recursive",
  } },
  { {
      [SIE_BLKIO_SERVICED] = "blkio.bfq.io_serviced_recursive",
      [SIE_BLKIO_SERVICE_BYTES] = "blkio.bfq.io_service_bytes_recursive",
  } },
  { {
      [SIE_BLKIO_SECTORS] = "blkio.sectors_recursive",
      [SIE_BLKIO_SERVICE_TIME] = "blkio.io_service_time_recursive",
      [SIE_BLKIO_WAIT_TIME] = "blkio.io_wait_time_recursive",
      [SIE_BLKIO_MERGED] = "blkio.io_merged_recursive",
      [SIE_BLKIO_QUEUED] = "blkio.io_queued_recursive",
      [SIE_BLKIO_TIME] = "blkio.time_recursive",
      [SIE_BLKIO_SERVICED] = "blkio.io_serviced_recursive",
      [SIE_BLKIO_SERVICE_BYTES] = "blkio.io_service_bytes_recursive",
  } },
  { {
      [SIE_BLKIO_SERVICED] = "blkio.throttle.io_serviced_recursive",
      [SIE_BLKIO_SERVICE_BYTES] = "blkio.throttle.io_service_bytes_recursive",
  } },
  { {
      [SIE_BLKIO_SERVICED] = "blkio.throttle.io_serviced",
      [SIE_BLKIO_SERVICE_BYTES] = "blkio.throttle.io_service_bytes",
  } },
};

/* runc's order within a group: the file that decides comes first. */
static const enum sie_blkio_kind blkio_probe_order[]
    = { SIE_BLKIO_SECTORS, SIE_BLKIO_SERVICED };

static int
read_blkio_file (const char *dir, const char *file, struct sie_blkio_list *out, sie_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_opt (dir, file, &text, err) < 0)
    return -1;
  if (text && sie_stats_parse_blkio (text, file, out, err) < 0)
    return sie_error_prefix (err, "%s", dir);
  return 0;
}

static void
blkio_clear (struct sie_cgroup_stats *s)
{
  for (int k = 0; k < SIE_BLKIO_N; k++)
    {
      free (s->blkio[k].e);
      s->blkio[k].e = NULL;
      s->blkio[k].n = 0;
    }
}

static int
blkio_v1 (const char *dir, struct sie_cgroup_stats *s, sie_error_t *err)
{
  for (size_t g = 0; g < ARRAY_SIZE (blkio_groups); g++)
    {
      const char *const *files = blkio_groups[g].files;
      enum sie_blkio_kind probe = files[blkio_probe_order[0]] ? blkio_probe_order[0]
                                                             : blkio_probe_order[1];

      if (read_blkio_file (dir, files[probe], &s->blkio[probe], err) < 0)
        return -1;
      if (s->blkio[probe].n == 0)
        continue;
      for (int k = 0; k < SIE_BLKIO_N; k++)
        if (files[k] && k != (int) probe && read_blkio_file (dir, files[k], &s->blkio[k], err) < 0)
          return -1;
      return 0;
    }
  blkio_clear (s);
  return 0;
}

static int
blkio_v2 (const char *dir, struct sie_cgroup_stats *s, sie_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_opt (dir, "io.stat", &text, err) < 0)
    return -1;
  if (text
      && sie_stats_parse_io_stat (text, &s->blkio[SIE_BLKIO_SERVICE_BYTES],
                                  &s->blkio[SIE_BLKIO_SERVICED], err)
             < 0)
    return sie_error_prefix (err, "%s", dir);
  return 0;
}

static int
read_blkio (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
            struct sie_cgroup_stats *s, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = controller_dir (cg, l, "blkio", "io");

  if (d == NULL)
    return 0;
  return (d->v2 ? blkio_v2 : blkio_v1) (d->path, s, err);
}

/* ---- hugetlb ---- */

static int
hugetlb_cmp (const void *a, const void *b)
{
  return strcmp (((const struct sie_hugetlb_stats *) a)->size,
                 ((const struct sie_hugetlb_stats *) b)->size);
}

static int
hugetlb_one (const char *dir, bool v2, struct sie_hugetlb_stats *h, sie_error_t *err)
{
  char usage[96], peak[96], failcnt[96], events[96];

  snprintf (usage, sizeof (usage), "hugetlb.%s.%s", h->size, v2 ? "current" : "usage_in_bytes");
  snprintf (peak, sizeof (peak), "hugetlb.%s.max_usage_in_bytes", h->size);
  snprintf (failcnt, sizeof (failcnt), "hugetlb.%s.failcnt", h->size);
  snprintf (events, sizeof (events), "hugetlb.%s.events", h->size);
  if (read_u64 (dir, usage, &h->usage, err) < 0)
    return -1;
  /* v2 keeps no peak, and counts refused allocations as "max" events */
  if (v2)
    return read_key (dir, events, "max", &h->failcnt, err);
  if (read_u64 (dir, peak, &h->max, err) < 0 || read_u64 (dir, failcnt, &h->failcnt, err) < 0)
    return -1;
  return 0;
}

/* Page sizes come from the cgroup's own files, so they are exactly the
 * ones this kernel accounts. */
static int
read_hugetlb (const struct sie_cgroup *cg, const struct sie_cgroup_layout *l,
              struct sie_cgroup_stats *s, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = controller_dir (cg, l, "hugetlb", "hugetlb");
  DIR *dir;
  struct dirent *de;
  int ret = 0;

  if (d == NULL)
    return 0;
  dir = opendir (d->path);
  if (dir == NULL)
    return sie_error (err, errno, "reading %s", d->path);
  while (ret == 0 && (de = readdir (dir)) != NULL)
    {
      char *size = sie_stats_hugetlb_size (de->d_name, d->v2 ? "current" : "usage_in_bytes");
      if (size == NULL)
        continue;
      if (sie_stats_grow ((void **) &s->hugetlb, s->n_hugetlb, sizeof (*s->hugetlb), err) < 0)
        {
          free (size);
          ret = -1;
          break;
        }
      s->hugetlb[s->n_hugetlb] = (struct sie_hugetlb_stats){ .size = size };
      ret = hugetlb_one (d->path, d->v2, &s->hugetlb[s->n_hugetlb++], err);
    }
  closedir (dir);
  if (ret == 0 && s->n_hugetlb > 1)
    qsort (s->hugetlb, s->n_hugetlb, sizeof (*s->hugetlb), hugetlb_cmp);
  return ret;
}

/* ---- all of it ---- */

/* Reading zeros from a cgroup that was removed would look like an idle
 * container: a missing directory is an error instead. */
static int
check_dirs (const struct sie_cgroup *cg, sie_error_t *err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (access (cg->dirs[i].path, F_OK) < 0)
      return sie_error (err, errno, "the container's cgroup %s", cg->dirs[i].path);
  return 0;
}

int
sie_cgroup_stats_read (const struct sie_cgroup *cg, struct sie_cgroup_stats *out,
                       sie_error_t *err)
{
  static int (*const readers[]) (const struct sie_cgroup *, const struct sie_cgroup_layout *,
                                 struct sie_cgroup_stats *, sie_error_t *)
      = { read_cpu, read_cpuset, read_memory, read_pids, read_blkio, read_hugetlb };
  const struct sie_cgroup_layout *l;

  memset (out, 0, sizeof (*out));
  if (check_dirs (cg, err) < 0 || sie_cgroup_layout_get (&l, err) < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (readers); i++)
    if (readers[i](cg, l, out, err) < 0)
      {
        sie_cgroup_stats_clear (out);
        return -1;
      }
  return 0;
}

void
sie_cgroup_stats_clear (struct sie_cgroup_stats *s)
{
  free (s->cpu.percpu.v);
  free (s->cpu.percpu_kernel.v);
  free (s->cpu.percpu_user.v);
  free (s->cpuset.cpus.v);
  free (s->cpuset.mems.v);
  sie_stats_kvs_clear (&s->memory.raw);
  blkio_clear (s);
  for (size_t i = 0; i < s->n_hugetlb; i++)
    free (s->hugetlb[i].size);
  free (s->hugetlb);
  memset (s, 0, sizeof (*s));
}
