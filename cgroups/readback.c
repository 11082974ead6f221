/* A live container's cgroup: reading values back, and changing them so that
 * a failure part way leaves the cgroup as it was. */
#include "cgroups/readback.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/layout_parse.h"
#include "runtime/cpulist.h"
#include "util/cleanup.h"

#define F_DEDICATED "dedicated processors"

static const struct sie_cgroup_hierarchy *
hierarchy_of (const struct sie_cgroup_layout *l, const struct sie_cgroup_dir *d)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->h[i].mountpoint, d->hierarchy) == 0)
      return &l->h[i];
  return NULL;
}

int
sie_cgroup_controller_dir (const struct sie_cgroup *cg, const char *v1, const char *v2,
                           const struct sie_cgroup_dir **out, sie_error_t *err)
{
  const struct sie_cgroup_layout *l;
  const struct sie_cgroup_dir *v2dir = NULL;

  *out = NULL;
  if (sie_cgroup_layout_get (&l, err) < 0)
    return -1;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct sie_cgroup_hierarchy *h = hierarchy_of (l, &cg->dirs[i]);
      if (h == NULL)
        continue;
      if (!h->v2 && v1 && sie_cgroup_list_has (h->controllers, ',', v1))
        {
          *out = &cg->dirs[i];
          return 0;
        }
      if (h->v2 && v2 && h->controllers && sie_cgroup_list_has (h->controllers, ' ', v2))
        v2dir = &cg->dirs[i];
    }
  *out = v2dir;
  return 0;
}

int
sie_cgroup_read_limit (const char *dir, const char *file, int64_t *out, sie_error_t *err)
{
  cleanup_free char *s = sie_cg_read (dir, file);
  char *end;

  if (s == NULL)
    return sie_error (err, errno, "read %s/%s", dir, file);
  if (strcmp (s, "max") == 0)
    {
      *out = -1;
      return 0;
    }
  errno = 0;
  if (s[0] == '-')
    {
      long long v = strtoll (s, &end, 10);
      *out = v < 0 ? -1 : v;
    }
  else
    {
      unsigned long long v = strtoull (s, &end, 10);
      /* v1 shows "no limit" as the largest page multiple below 2^63 */
      *out = v >= (1ULL << 62) ? -1 : (int64_t) v;
    }
  if (errno || end == s || *end)
    return sie_error (err, 0, "read %s/%s: not a number: \"%s\"", dir, file, s);
  return 0;
}

uint64_t
sie_cgroup_weight_to_shares (uint64_t weight)
{
  uint64_t shares;

  if (weight == 0)
    return 0;
  if (weight > 10000)
    weight = 10000;
  shares = 2 + ((weight - 1) * 262142 + 9998) / 9999;
  while (shares > 2 && sie_cg_shares_to_weight (shares - 1) == weight)
    shares--;
  return shares > 262144 ? 262144 : shares;
}

/* ---- snapshots ---- */

/* The part of a file's content that writing back restores. */
static char *
restorable (const char *file, const char *value)
{
  if (strcmp (file, "memory.oom_control") == 0)
    {
      const char *p = strstr (value, "oom_kill_disable ");
      p = p ? p + strlen ("oom_kill_disable ") : value;
      return strndup (p, strcspn (p, "\n"));
    }
  if (strcmp (file, "cpuset.cpus.partition") == 0)
    return strndup (value, strcspn (value, " ")); /* "root invalid (why)" */
  if (strncmp (file, "io.", 3) == 0)
    return strndup (value, strcspn (value, "\n")); /* "default 100" */
  return strdup (value);
}

int
sie_cg_snapshot_add (struct sie_cg_snapshot *s, const char *dir, const char *file,
                     sie_error_t *err)
{
  cleanup_free char *raw = sie_cg_read (dir, file);
  struct sie_cg_saved *grown, *e;

  if (raw == NULL && errno == ENOENT)
    return 0;
  if (raw == NULL)
    return sie_error (err, errno, "read %s/%s", dir, file);
  grown = realloc (s->v, (s->n + 1) * sizeof (*s->v));
  if (grown == NULL)
    return sie_error (err, ENOMEM, "snapshot %s/%s", dir, file);
  s->v = grown;
  e = &s->v[s->n];
  e->dir = strdup (dir);
  e->file = strdup (file);
  e->value = restorable (file, raw);
  if (e->dir == NULL || e->file == NULL || e->value == NULL)
    {
      free (e->dir);
      free (e->file);
      free (e->value);
      return sie_error (err, ENOMEM, "snapshot %s/%s", dir, file);
    }
  s->n++;
  return 0;
}

static bool
unchanged (const struct sie_cg_saved *e)
{
  cleanup_free char *raw = sie_cg_read (e->dir, e->file);
  cleanup_free char *now = raw ? restorable (e->file, raw) : NULL;

  return now && strcmp (now, e->value) == 0;
}

int
sie_cg_snapshot_restore (const struct sie_cg_snapshot *s, sie_error_t *err)
{
  cleanup_free bool *done = calloc (s->n ? s->n : 1, sizeof (bool));
  size_t left = 0;

  if (done == NULL)
    return sie_error (err, ENOMEM, "restore cgroup values");
  for (size_t i = 0; i < s->n; i++)
    if (!(done[i] = unchanged (&s->v[i])))
      left++;
  /* A value the kernel refuses now may pass once another is back. */
  while (left > 0)
    {
      size_t before = left;
      sie_error_t last = NULL;

      for (size_t i = 0; i < s->n; i++)
        {
          const struct sie_cg_saved *e = &s->v[i];
          if (done[i])
            continue;
          sie_error_release (&last);
          if (sie_cg_write (e->dir, e->file, "restore", e->value[0] ? e->value : "\n", &last)
              == 0)
            done[i] = true, left--;
        }
      if (left == before)
        {
          if (err)
            *err = last;
          else
            sie_error_release (&last);
          return -1;
        }
      sie_error_release (&last);
    }
  return 0;
}

void
sie_cg_snapshot_clear (struct sie_cg_snapshot *s)
{
  for (size_t i = 0; i < s->n; i++)
    {
      free (s->v[i].dir);
      free (s->v[i].file);
      free (s->v[i].value);
    }
  free (s->v);
  s->v = NULL;
  s->n = 0;
}

/* ---- changing a live cgroup ---- */

/* The files each controller's appliers may change, read before writing.
 * Per-device files (throttles, weight_device) are rewritten only with the
 * values they already hold. */
struct undo_files
{
  const char *controller; /* the v1 name in the controller table */
  const char *v1[7];
  const char *v2[4];
};

static const struct undo_files undo_files[] = {
  { "memory",
    { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
      "memory.swappiness", "memory.oom_control", "memory.kmem.tcp.limit_in_bytes" },
    { "memory.max", "memory.swap.max", "memory.low" } },
  { "cpu",
    { "cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.cfs_burst_us",
      "cpu.rt_period_us", "cpu.rt_runtime_us", "cpu.idle" },
    { "cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle" } },
  { "cpuset",
    { "cpuset.cpus", "cpuset.mems", "cpuset.cpu_exclusive" },
    { "cpuset.cpus", "cpuset.mems", "cpuset.cpus.partition" } },
  { "pids", { "pids.max" }, { "pids.max" } },
  { "blkio", { "blkio.weight", "blkio.bfq.weight", "blkio.leaf_weight" },
    { "io.weight", "io.bfq.weight" } },
};

static const struct undo_files *
undo_files_of (const struct sie_cg_controller *c)
{
  for (size_t i = 0; i < ARRAY_SIZE (undo_files); i++)
    if (c->v1 && strcmp (c->v1, undo_files[i].controller) == 0)
      return &undo_files[i];
  return NULL;
}

static int
snapshot_controller (struct sie_cg_snapshot *s, const struct undo_files *u,
                     const struct sie_cgroup_dir *d, sie_error_t *err)
{
  const char *const *files = d->v2 ? u->v2 : u->v1;
  size_t n = d->v2 ? ARRAY_SIZE (u->v2) : ARRAY_SIZE (u->v1);

  for (size_t i = 0; i < n && files[i]; i++)
    if (sie_cg_snapshot_add (s, d->path, files[i], err) < 0)
      return -1;
  return 0;
}

static int
read_u64 (const char *dir, const char *file, uint64_t *out, sie_error_t *err)
{
  int64_t v;

  if (sie_cgroup_read_limit (dir, file, &v, err) < 0)
    return -1;
  *out = v < 0 ? 0 : (uint64_t) v;
  return 0;
}

/* memory.checkBeforeUpdate, as runc: a new limit at or below what the
 * container uses now is refused rather than left to reclaim or the OOM
 * killer. */
static int
check_usage (const struct sie_cgroup_dir *d, const struct sie_resources *changed,
             const struct sie_memory *m, sie_error_t *err)
{
  const struct sie_memory *c = changed->memory;
  uint64_t usage = 0, swap_usage = 0;

  if (c == NULL || m == NULL || !m->check_before_update.v)
    return 0;
  if (read_u64 (d->path, d->v2 ? "memory.current" : "memory.usage_in_bytes", &usage, err) < 0)
    return -1;
  if (c->limit.set && m->limit.v > 0 && usage >= (uint64_t) m->limit.v)
    return sie_error (err, 0, "linux.resources.memory.limit: %" PRId64 " is not above the "
                              "current usage %" PRIu64 " (checkBeforeUpdate)",
                      m->limit.v, usage);
  if (!c->swap.set || m->swap.v <= 0)
    return 0;
  if (d->v2 && sie_cg_file_exists (d->path, "memory.swap.current")
      && read_u64 (d->path, "memory.swap.current", &swap_usage, err) < 0)
    return -1;
  if (!d->v2 && sie_cg_file_exists (d->path, "memory.memsw.usage_in_bytes")
      && read_u64 (d->path, "memory.memsw.usage_in_bytes", &usage, err) < 0)
    return -1;
  if (usage + swap_usage >= (uint64_t) m->swap.v)
    return sie_error (err, 0, "linux.resources.memory.swap: %" PRId64 " is not above the "
                              "current memory+swap usage %" PRIu64 " (checkBeforeUpdate)",
                      m->swap.v, usage + swap_usage);
  return 0;
}

/* Appends to an error's one line. */
static int
error_append (sie_error_t *err, const char *fmt, ...)
{
  cleanup_free char *tail = NULL;
  char *line;
  va_list ap;
  int n;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  n = vasprintf (&tail, fmt, ap);
  va_end (ap);
  if (n >= 0 && asprintf (&line, "%s%s", (*err)->msg, tail) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = line;
    }
  return -1;
}

/* Why the kernel refused cpuset.cpu_exclusive: the rules of
 * cpuset1_validate_change, checked against the files. */
static void
explain_exclusive_v1 (const char *dir, int e, sie_error_t *err)
{
  cleanup_free char *parent = strdup (dir);
  cleanup_free char *mine = sie_cg_read (dir, "cpuset.cpus");
  char *base = parent ? strrchr (parent, '/') : NULL;
  cleanup_free char *parent_excl = NULL;
  DIR *d;
  struct dirent *de;
  cpu_set_t my_set;

  if (base == NULL || mine == NULL)
    return;
  *base++ = '\0';
  parent_excl = sie_cg_read (parent, "cpuset.cpu_exclusive");
  if (e == EACCES && parent_excl && strcmp (parent_excl, "0") == 0)
    {
      error_append (err, " (the parent cpuset %s is not cpu_exclusive, and the kernel wants "
                         "an exclusive cpuset's parent exclusive too)", parent);
      return;
    }
  if (e != EINVAL || sie_cpulist_parse (mine, "cpu", "cpuset.cpus", &my_set, NULL) < 0
      || (d = opendir (parent)) == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *sib = NULL, *theirs = NULL;
      cpu_set_t set, both;
      if (de->d_type != DT_DIR || de->d_name[0] == '.' || strcmp (de->d_name, base) == 0
          || asprintf (&sib, "%s/%s", parent, de->d_name) < 0)
        continue;
      theirs = sie_cg_read (sib, "cpuset.cpus");
      if (theirs == NULL || sie_cpulist_parse (theirs, "cpu", "cpuset.cpus", &set, NULL) < 0)
        continue;
      CPU_AND (&both, &set, &my_set);
      if (CPU_COUNT (&both) > 0)
        {
          error_append (err, " (cpus %s overlap those of the sibling cgroup %s, cpus %s)", mine,
                        sib, theirs);
          break;
        }
    }
  closedir (d);
}

static int
set_dedicated (const struct sie_cgroup_dir *d, bool on, sie_error_t *err)
{
  cleanup_free char *got = NULL;
  sie_error_t werr = NULL;

  if (d->v2)
    {
      if (sie_cg_write (d->path, "cpuset.cpus.partition", F_DEDICATED, on ? "root" : "member",
                        err)
          < 0)
        return -1;
      /* the kernel takes the word and reports a refusal in the file */
      got = sie_cg_read (d->path, "cpuset.cpus.partition");
      if (on && got && strstr (got, "invalid"))
        return sie_error (err, 0, F_DEDICATED ": %s/cpuset.cpus.partition: the kernel made it "
                                  "\"%s\"",
                          d->path, got);
      return 0;
    }
  if (sie_cg_write (d->path, "cpuset.cpu_exclusive", F_DEDICATED, on ? "1" : "0", &werr) == 0)
    return 0;
  if (on)
    explain_exclusive_v1 (d->path, werr->status, &werr);
  if (err)
    *err = werr;
  else
    sie_error_release (&werr);
  return -1;
}

struct touched
{
  const struct sie_cg_controller *c;
  const struct sie_cgroup_dir *d;
  bool apply; /* false: only the dedicated flag of cpuset changes */
};

/* Finds the directories and records their files, before any write. */
static int
plan (const struct sie_cgroup *cg, const struct sie_resources *changed,
      enum sie_cg_cpuset_mode mode, struct touched *t, size_t *nt, struct sie_cg_snapshot *undo,
      sie_error_t *err)
{
  for (size_t i = 0; i < sie_cg_n_controllers; i++)
    {
      const struct sie_cg_controller *c = &sie_cg_controllers[i];
      bool cpuset = c->v1 && strcmp (c->v1, "cpuset") == 0;
      const char *field;
      const struct undo_files *u;
      const struct sie_cgroup_dir *d;

      if (c->apply_v1 == sie_cg_devices_v1)
        continue; /* device rules stay as create set them, as with runc */
      field = c->wanted (changed);
      if (field == NULL && !(cpuset && mode != SIE_CG_CPUSET_KEEP))
        continue;
      u = undo_files_of (c);
      if (u == NULL)
        return sie_error (err, 0, "%s: cannot be changed on a live container", field);
      if (sie_cgroup_controller_dir (cg, c->v1, c->v2, &d, err) < 0)
        return -1;
      if (d == NULL)
        return sie_error (err, 0, "%s: the %s cgroup controller is not available on this host",
                          field ? field : F_DEDICATED, c->v1);
      if (snapshot_controller (undo, u, d, err) < 0)
        return -1;
      t[(*nt)++] = (struct touched){ .c = c, .d = d, .apply = field != NULL };
    }
  return 0;
}

static int
apply_one (const struct touched *t, const struct sie_resources *full, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = t->d;

  if (!d->v2)
    return t->c->apply_v1 (d->path, full, err);
  if (t->c->v2 && t->c->v2[0])
    {
      const char *const one[] = { t->c->v2, NULL };
      if (sie_cg_v2_enable (d->hierarchy, d->path + strlen (d->hierarchy), one, true, err) < 0)
        return -1;
    }
  return t->c->apply_v2 (d->path, full, err);
}

static int
apply_all (const struct touched *t, size_t nt, const struct sie_resources *changed,
           const struct sie_resources *full, enum sie_cg_cpuset_mode mode, sie_error_t *err)
{
  for (size_t i = 0; i < nt; i++)
    {
      bool cpuset = strcmp (t[i].c->v1, "cpuset") == 0;

      if (strcmp (t[i].c->v1, "memory") == 0 && check_usage (t[i].d, changed, full->memory, err) < 0)
        return -1;
      /* leave an exclusive set before its cpus change, join one after */
      if (cpuset && mode == SIE_CG_CPUSET_SHARED && set_dedicated (t[i].d, false, err) < 0)
        return -1;
      if (t[i].apply && apply_one (&t[i], full, err) < 0)
        return -1;
      if (cpuset && mode == SIE_CG_CPUSET_DEDICATED && set_dedicated (t[i].d, true, err) < 0)
        return -1;
    }
  return 0;
}

int
sie_cgroup_update (const struct sie_cgroup *cg, const struct sie_resources *changed,
                   const struct sie_resources *full, enum sie_cg_cpuset_mode mode,
                   struct sie_cg_snapshot *undo, sie_error_t *err)
{
  struct touched t[16];
  size_t nt = 0;
  sie_error_t restore_err = NULL;

  if (sie_cg_n_controllers > ARRAY_SIZE (t))
    return sie_error (err, 0, "update: too many cgroup controllers");
  if (plan (cg, changed, mode, t, &nt, undo, err) == 0
      && apply_all (t, nt, changed, full, mode, err) == 0)
    return 0;
  if (sie_cg_snapshot_restore (undo, &restore_err) < 0)
    {
      error_append (err, "; restoring the earlier values failed too: %s", restore_err->msg);
      sie_error_release (&restore_err);
    }
  else
    error_append (err, "; nothing was changed");
  sie_cg_snapshot_clear (undo);
  return -1;
}

/* ---- the partition view ---- */

static int
read_string (const char *dir, const char *file, char **out, sie_error_t *err)
{
  *out = sie_cg_read (dir, file);
  return *out ? 0 : sie_error (err, errno, "read %s/%s", dir, file);
}

static int
read_cpu (const struct sie_cgroup_dir *d, struct sie_cg_partition *p, sie_error_t *err)
{
  cleanup_free char *max = NULL;
  char quota[24];

  p->has_cpu = true;
  p->cpu_v2 = d->v2;
  if (!d->v2)
    {
      if (read_u64 (d->path, "cpu.shares", &p->shares, err) < 0
          || sie_cgroup_read_limit (d->path, "cpu.cfs_quota_us", &p->quota, err) < 0
          || read_u64 (d->path, "cpu.cfs_period_us", &p->period, err) < 0)
        return -1;
      p->weight = sie_cg_shares_to_weight (p->shares);
      return 0;
    }
  if (read_u64 (d->path, "cpu.weight", &p->weight, err) < 0
      || read_string (d->path, "cpu.max", &max, err) < 0)
    return -1;
  p->shares = sie_cgroup_weight_to_shares (p->weight);
  if (sscanf (max, "%23s %" SCNu64, quota, &p->period) != 2)
    return sie_error (err, 0, "read %s/cpu.max: unexpected \"%s\"", d->path, max);
  p->quota = strcmp (quota, "max") == 0 ? -1 : strtoll (quota, NULL, 10);
  return 0;
}

static int
read_cpuset (const struct sie_cgroup_dir *d, struct sie_cg_partition *p, sie_error_t *err)
{
  cleanup_free char *excl = NULL;

  p->has_cpuset = true;
  p->cpuset_v2 = d->v2;
  if (read_string (d->path, "cpuset.cpus", &p->cpus, err) < 0
      || read_string (d->path, "cpuset.mems", &p->mems, err) < 0)
    return -1;
  if (!d->v2)
    {
      if (read_string (d->path, "cpuset.cpu_exclusive", &excl, err) < 0)
        return -1;
      p->dedicated = strcmp (excl, "1") == 0;
      return 0;
    }
  if (p->cpus[0] == '\0')
    {
      free (p->cpus);
      if (read_string (d->path, "cpuset.cpus.effective", &p->cpus, err) < 0)
        return -1;
    }
  p->partition = sie_cg_read (d->path, "cpuset.cpus.partition");
  p->dedicated = p->partition && strstr (p->partition, "invalid") == NULL
                 && (strncmp (p->partition, "root", 4) == 0
                     || strncmp (p->partition, "isolated", 8) == 0);
  return 0;
}

static int
read_memory (const struct sie_cgroup_dir *d, struct sie_cg_partition *p, sie_error_t *err)
{
  const char *swapfile = d->v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
  int64_t memsw;

  p->has_memory = true;
  p->memory_v2 = d->v2;
  if (sie_cgroup_read_limit (d->path, d->v2 ? "memory.max" : "memory.limit_in_bytes", &p->limit,
                             err)
          < 0
      || sie_cgroup_read_limit (d->path, d->v2 ? "memory.low" : "memory.soft_limit_in_bytes",
                                &p->reservation, err)
             < 0
      || sie_cgroup_read_limit (d->path, d->v2 ? "memory.current" : "memory.usage_in_bytes",
                                &p->usage, err)
             < 0)
    return -1;
  if (p->reservation == 0)
    p->reservation = -1; /* memory.low 0: nothing reserved */
  p->swap_known = sie_cg_file_exists (d->path, swapfile);
  if (!p->swap_known)
    return 0;
  if (sie_cgroup_read_limit (d->path, swapfile, &memsw, err) < 0)
    return -1;
  if (d->v2)
    p->swap = memsw;
  else
    p->swap = memsw < 0 || p->limit < 0 ? -1 : memsw - p->limit;
  return 0;
}

/* On cgroup2 a controller's files appear only once the parent enables it. */
static bool
enabled (const struct sie_cgroup_dir *d, const char *v2_file)
{
  return d && (!d->v2 || sie_cg_file_exists (d->path, v2_file));
}

int
sie_cgroup_read_partition (const struct sie_cgroup *cg, const struct sie_resources *effective,
                           struct sie_cg_partition *p, sie_error_t *err)
{
  const struct sie_cpu *want = effective ? effective->cpu : NULL;
  const struct sie_cgroup_dir *d;

  *p = (struct sie_cg_partition){ .quota = -1, .limit = -1, .reservation = -1, .swap = -1 };
  if (sie_cgroup_controller_dir (cg, "cpu", "cpu", &d, err) < 0
      || (enabled (d, "cpu.weight") && read_cpu (d, p, err) < 0))
    return -1;
  if (p->cpu_v2 && want && want->shares.set && sie_cg_shares_to_weight (want->shares.v) == p->weight)
    p->shares = want->shares.v;
  if (sie_cgroup_controller_dir (cg, "cpuset", "cpuset", &d, err) < 0
      || (enabled (d, "cpuset.cpus") && read_cpuset (d, p, err) < 0))
    return -1;
  if (sie_cgroup_controller_dir (cg, "memory", "memory", &d, err) < 0
      || (enabled (d, "memory.max") && read_memory (d, p, err) < 0))
    return -1;
  return 0;
}

void
sie_cg_partition_clear (struct sie_cg_partition *p)
{
  free (p->cpus);
  free (p->mems);
  free (p->partition);
  p->cpus = p->mems = p->partition = NULL;
}
