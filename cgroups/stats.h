/* A container's resource usage, read from its cgroup files on v1, v2 and
 * hybrid hosts (each controller where it is mounted), in runc's stats model
 * (the "data" of `runc events`).  v2 files are mapped to the v1 meanings
 * as runc's fs2 driver maps them: cpu.stat microseconds become
 * nanoseconds, memory.swap.* is reported with memory added (v1's memsw),
 * io.stat becomes blkio Read/Write entries.
 *
 * The parsers take file contents as strings, so unit tests feed them text;
 * `file` only names the file in error messages. */
#ifndef SIE_CGROUP_STATS_H
#define SIE_CGROUP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/cgroup.h"
#include "util/error.h"

struct sie_u64_list
{
  uint64_t *v;
  size_t n;
};

struct sie_stats_kv
{
  char *key;
  uint64_t value;
};

struct sie_stats_kvs
{
  struct sie_stats_kv *kv;
  size_t n;
};

struct sie_blkio_entry
{
  uint64_t major, minor;
  char op[16]; /* "Read", "Write", "Sync", "Async", "Discard", "Total"; "" for sectors */
  uint64_t value;
};

struct sie_blkio_list
{
  struct sie_blkio_entry *e;
  size_t n;
};

/* runc's Blkio lists, in the order types/events.go declares them. */
enum sie_blkio_kind
{
  SIE_BLKIO_SERVICE_BYTES,
  SIE_BLKIO_SERVICED,
  SIE_BLKIO_QUEUED,
  SIE_BLKIO_SERVICE_TIME,
  SIE_BLKIO_WAIT_TIME,
  SIE_BLKIO_MERGED,
  SIE_BLKIO_TIME,
  SIE_BLKIO_SECTORS,
  SIE_BLKIO_N,
};

struct sie_mem_entry
{
  uint64_t limit, usage, max, failcnt;
};

struct sie_hugetlb_stats
{
  char *size; /* "2MB", "1GB" */
  uint64_t usage, max, failcnt;
};

struct sie_cgroup_stats
{
  struct
  {
    uint64_t total, kernel, user; /* nanoseconds */
    struct sie_u64_list percpu, percpu_kernel, percpu_user;
    uint64_t periods, throttled_periods, throttled_time;
  } cpu;
  struct
  {
    struct sie_u64_list cpus, mems;
    uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page,
        memory_spread_slab, memory_pressure, sched_load_balance;
    int64_t sched_relax_domain_level;
  } cpuset; /* v1 only, as runc: zero on v2 */
  struct
  {
    uint64_t cache;
    struct sie_mem_entry usage, swap, kernel, kernel_tcp;
    struct sie_stats_kvs raw; /* memory.stat, sorted by key */
  } memory;
  struct
  {
    uint64_t current, limit; /* limit 0: no limit */
  } pids;
  struct sie_blkio_list blkio[SIE_BLKIO_N];
  struct sie_hugetlb_stats *hugetlb; /* sorted by size name */
  size_t n_hugetlb;
};

/* Reads every controller the container's cgroup has.  A controller that is
 * not mounted, or a file the kernel does not offer, leaves its fields zero;
 * a file that cannot be read or parsed is an error naming it. */
int sie_cgroup_stats_read (const struct sie_cgroup *cg, struct sie_cgroup_stats *out,
                           sie_error_t *err);
void sie_cgroup_stats_clear (struct sie_cgroup_stats *s);

/* The memory directory of the container and whether it is cgroup2, or
 * NULL when no hierarchy has the memory controller. */
const struct sie_cgroup_dir *sie_cgroup_memory_dir (const struct sie_cgroup *cg);

/* ---- pure parsers ---- */

/* One number: "123", "max" (UINT64_MAX, as runc), a negative value is 0
 * (v1 writes -1 for "unlimited" in some files). */
int sie_stats_parse_u64 (const char *text, const char *file, uint64_t *out, sie_error_t *err);

/* "key value" lines: memory.stat, cpu.stat, cpuacct.stat, memory.events,
 * hugetlb.<size>.events.  Appends to *out. */
int sie_stats_parse_kv (const char *text, const char *file, struct sie_stats_kvs *out,
                        sie_error_t *err);
/* The value of `key`, or 0 when absent (then *found is false if given). */
uint64_t sie_stats_kv_get (const struct sie_stats_kvs *kvs, const char *key, bool *found);
void sie_stats_kvs_sort (struct sie_stats_kvs *kvs);
void sie_stats_kvs_clear (struct sie_stats_kvs *kvs);

/* cpu.stat into s->cpu: throttling on v1 (throttled_time in ns); on v2
 * also the usage, microseconds turned into nanoseconds. */
int sie_stats_cpu_stat (const char *text, bool v2, struct sie_cgroup_stats *s, sie_error_t *err);

/* Blank-separated numbers: cpuacct.usage_percpu. */
int sie_stats_parse_u64_list (const char *text, const char *file, struct sie_u64_list *out,
                              sie_error_t *err);

/* cpuacct.usage_all: a "cpu user system" header, then one line per CPU. */
int sie_stats_parse_usage_all (const char *text, struct sie_u64_list *kernel,
                               struct sie_u64_list *user, sie_error_t *err);

/* A v1 blkio.*_recursive file: "8:0 Read 123" lines ("8:0 123" for
 * sectors and time); the "Total 456" line is skipped. */
int sie_stats_parse_blkio (const char *text, const char *file, struct sie_blkio_list *out,
                           sie_error_t *err);

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0".
 * rbytes/wbytes go to bytes as Read/Write, rios/wios to serviced. */
int sie_stats_parse_io_stat (const char *text, struct sie_blkio_list *bytes,
                             struct sie_blkio_list *serviced, sie_error_t *err);

/* cpuset.cpus / cpuset.mems ("0-3,7") expanded to numbers. */
int sie_stats_parse_cpulist (const char *text, const char *file, struct sie_u64_list *out,
                             sie_error_t *err);

/* The page size of a hugetlb file name, when it is "hugetlb.<size>.<suffix>":
 * ("hugetlb.2MB.current", "current") gives "2MB"; the reservation files
 * ("hugetlb.2MB.rsvd.current") and other names give NULL.  Caller frees. */
char *sie_stats_hugetlb_size (const char *name, const char *suffix);

#endif
