/* A live container's cgroup read back: which directory holds a controller,
 * the values the kernel holds now (normalised across v1 and v2), and
 * changes that can be undone.  `update` and `partition` build on it. */
#ifndef SIE_CGROUP_READBACK_H
#define SIE_CGROUP_READBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroups/cgroup.h"
#include "spec/config.h"
#include "util/error.h"

/* The directory of `cg` holding a controller: the v1 hierarchy that mounts
 * `v1`, else the cgroup2 directory when its mount offers `v2`.  Either name
 * may be NULL.  *out is NULL when the host has the controller nowhere. */
int sie_cgroup_controller_dir (const struct sie_cgroup *cg, const char *v1, const char *v2,
                               const struct sie_cgroup_dir **out, sie_error_t *err);

/* <dir>/<file> as a number; "max" and v1's page-rounded "no limit"
 * (anything from 2^62 up) read as -1.  The error names the path. */
int sie_cgroup_read_limit (const char *dir, const char *file, int64_t *out, sie_error_t *err);

/* cpu.weight back to cpu.shares: the smallest shares value that the
 * runc conversion (sie_cg_shares_to_weight) maps to `weight`. */
uint64_t sie_cgroup_weight_to_shares (uint64_t weight);

/* ---- undoable changes ---- */

struct sie_cg_saved
{
  char *dir;
  char *file;
  char *value; /* as read, without the trailing newline */
};

/* Files as they were before a change; restoring writes back those that
 * now differ. */
struct sie_cg_snapshot
{
  struct sie_cg_saved *v;
  size_t n;
};

/* Records <dir>/<file> now; a file the kernel does not offer is skipped. */
int sie_cg_snapshot_add (struct sie_cg_snapshot *s, const char *dir, const char *file,
                         sie_error_t *err);
/* Writes back every recorded file whose value changed, in as many passes
 * as values that depend on each other need (memory limit under memsw,
 * quota and period, cpus under an exclusive flag). */
int sie_cg_snapshot_restore (const struct sie_cg_snapshot *s, sie_error_t *err);
void sie_cg_snapshot_clear (struct sie_cg_snapshot *s);

enum sie_cg_cpuset_mode
{
  SIE_CG_CPUSET_KEEP,
  SIE_CG_CPUSET_SHARED,    /* cpuset.cpu_exclusive 0 / cpuset.cpus.partition member */
  SIE_CG_CPUSET_DEDICATED, /* cpuset.cpu_exclusive 1 / cpuset.cpus.partition root */
};

/* Changes a live cgroup.  Every controller that `changed` sets a field of
 * is applied, with its values from `full` (the effective resources after
 * the change, so dependent files such as memory and memory+swap are
 * written in the right order), through the same appliers as create; device
 * rules are never touched.  The current value of every file those
 * controllers write is read first: when a write fails, the files written
 * so far are restored and the error names the field and the file.  With
 * memory.checkBeforeUpdate, a limit at or below the current usage is
 * refused before anything is written.  On success *undo holds the earlier
 * values, for a caller that fails later (sie_cg_snapshot_restore). */
int sie_cgroup_update (const struct sie_cgroup *cg, const struct sie_resources *changed,
                       const struct sie_resources *full, enum sie_cg_cpuset_mode mode,
                       struct sie_cg_snapshot *undo, sie_error_t *err);

/* ---- the partition view: weight, cap, processors, memory ---- */

struct sie_cg_partition
{
  bool has_cpu, cpu_v2;
  uint64_t shares;  /* v1 cpu.shares, or cpu.weight converted back */
  uint64_t weight;  /* v2 cpu.weight, or cpu.shares converted */
  int64_t quota;    /* microseconds per period; -1: no cap */
  uint64_t period;

  bool has_cpuset, cpuset_v2;
  char *cpus;      /* cpuset.cpus (v2: the effective set when it is empty) */
  char *mems;
  bool dedicated;  /* cpu_exclusive 1, or partition "root" */
  char *partition; /* v2 cpuset.cpus.partition as read, else NULL */

  bool has_memory, memory_v2;
  int64_t limit;        /* bytes; -1 unlimited */
  int64_t reservation;  /* soft limit / memory.low; -1 none */
  int64_t swap;         /* swap allowed beyond the limit; -1 unlimited */
  bool swap_known;      /* false without swap accounting */
  int64_t usage;        /* memory.usage_in_bytes / memory.current */
};

/* Reads the four parameters from the cgroup files.  A controller the host
 * does not have (or a cgroup2 parent does not enable) leaves its has_*
 * false.  cpu.weight keeps less than cpu.shares: when the weight read is
 * what effective's cpu.shares (may be NULL) converts to, shares shows that
 * value rather than the smallest one giving the weight.  On failure the
 * caller still clears *p. */
int sie_cgroup_read_partition (const struct sie_cgroup *cg, const struct sie_resources *effective,
                               struct sie_cg_partition *p, sie_error_t *err);
void sie_cg_partition_clear (struct sie_cg_partition *p);

#endif
