/* Per-process attributes the kernel keeps across execve: rlimits, OOM score,
 * personality, I/O priority, scheduling policy, CPU affinity and NUMA memory
 * policy.
 *
 * sie_process_attrs_check validates every name and value in the parent, so
 * `create` fails before any namespace exists; the *_apply functions run in
 * the container's init and only translate and make the system call. */
#include "runtime/security.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cpulist.h"
#include "util/cleanup.h"

struct name_value
{
  const char *name;
  int value;
};

static const struct name_value *
lookup (const struct name_value *table, size_t n, const char *name)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}
#define LOOKUP(table, name) lookup (table, ARRAY_SIZE (table), name)

/* `<field>: unknown <what> "<name>"`, or `<field>: required` when absent. */
static int
unknown_name (const char *field, const char *what, const char *name, sie_error_t *err)
{
  if (name == NULL)
    return sie_error (err, 0, "%s: required", field);
  return sie_error (err, 0, "%s: unknown %s \"%s\"", field, what, name);
}

/* ---- rlimits ---- */

static const struct name_value rlimit_types[] = {
  { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

/* "unlimited" for RLIM_INFINITY, else the number; `buf` holds 21 chars. */
static const char *
limit_str (uint64_t v, char buf[static 24])
{
  if (v == (uint64_t) RLIM_INFINITY)
    return "unlimited";
  snprintf (buf, 24, "%" PRIu64, v);
  return buf;
}

static int
raise_hard_error (size_t i, const struct sie_rlimit *r, uint64_t current_hard, sie_error_t *err)
{
  char want[24], have[24];

  return sie_error (err, EPERM, "process.rlimits[%zu] (%s): cannot raise hard limit %s above %s "
                    "(needs CAP_SYS_RESOURCE)", i, r->type, limit_str (r->hard, want),
                    limit_str (current_hard, have));
}

static bool
have_effective_cap (cap_value_t cap)
{
  cap_t c = cap_get_proc ();
  cap_flag_value_t v = CAP_CLEAR;

  if (c == NULL)
    return false;
  if (cap_get_flag (c, cap, CAP_EFFECTIVE, &v) < 0)
    v = CAP_CLEAR;
  cap_free (c);
  return v == CAP_SET;
}

static int
check_rlimits (const struct sie_process *p, sie_error_t *err)
{
  bool seen[RLIM_NLIMITS] = { false };
  int can_raise = -1; /* unknown until a raise is asked for */

  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      const struct sie_rlimit *r = &p->rlimits[i];
      const struct name_value *t = LOOKUP (rlimit_types, r->type);
      struct rlimit cur;

      if (t == NULL && r->type == NULL)
        return sie_error (err, 0, "process.rlimits[%zu].type: required", i);
      if (t == NULL)
        return sie_error (err, 0, "process.rlimits[%zu].type: unknown rlimit \"%s\"", i, r->type);
      if (seen[t->value])
        return sie_error (err, 0, "process.rlimits[%zu].type: duplicate rlimit \"%s\"", i, r->type);
      seen[t->value] = true;
      if (r->soft > r->hard)
        return sie_error (err, 0, "process.rlimits[%zu] (%s): soft limit %" PRIu64
                          " is above hard limit %" PRIu64, i, r->type, r->soft, r->hard);

      /* init inherits the runtime's limits: a raise that would fail there
       * fails here, before anything is set up. */
      if (getrlimit (t->value, &cur) < 0 || r->hard <= (uint64_t) cur.rlim_max)
        continue;
      if (can_raise < 0)
        can_raise = have_effective_cap (CAP_SYS_RESOURCE);
      if (!can_raise)
        return raise_hard_error (i, r, cur.rlim_max, err);
    }
  return 0;
}

int
sie_rlimits_apply (const struct sie_process *p, sie_error_t *err)
{
  for (size_t i = 0; p && i < p->n_rlimits; i++)
    {
      const struct sie_rlimit *r = &p->rlimits[i];
      const struct name_value *t = LOOKUP (rlimit_types, r->type);
      struct rlimit want = { .rlim_cur = r->soft, .rlim_max = r->hard }, cur;
      char soft[24], hard[24];

      if (t == NULL)
        return sie_error (err, 0, "process.rlimits[%zu].type: unknown rlimit \"%s\"", i,
                          r->type ? r->type : "");
      if (getrlimit (t->value, &cur) < 0)
        return sie_error (err, errno, "process.rlimits[%zu] (%s): getrlimit", i, r->type);
      if (setrlimit (t->value, &want) == 0)
        continue;
      if (errno == EPERM && r->hard > (uint64_t) cur.rlim_max)
        return raise_hard_error (i, r, cur.rlim_max, err);
      return sie_error (err, errno, "process.rlimits[%zu] (%s): setting soft %s, hard %s", i,
                        r->type, limit_str (r->soft, soft), limit_str (r->hard, hard));
    }
  return 0;
}

/* ---- OOM score ---- */

static int
check_oom_score_adj (const struct sie_process *p, sie_error_t *err)
{
  if (p->oom_score_adj.set && (p->oom_score_adj.v < -1000 || p->oom_score_adj.v > 1000))
    return sie_error (err, 0, "process.oomScoreAdj: %" PRId64 " is out of range (-1000..1000)",
                      p->oom_score_adj.v);
  return 0;
}


/* ---- personality ---- */

static const struct name_value personality_domains[] = {
  { "LINUX", PER_LINUX },
  { "LINUX32", PER_LINUX32 },
};

static int
check_personality (const struct sie_personality *p, sie_error_t *err)
{
  if (p == NULL)
    return 0;
  if (LOOKUP (personality_domains, p->domain) == NULL)
    return unknown_name ("linux.personality.domain", "domain", p->domain, err);
  /* runtime-spec 1.2 defines no flags. */
  if (p->n_flags > 0)
    return sie_error (err, 0, "linux.personality.flags[0]: \"%s\" is not supported", p->flags[0]);
  return 0;
}

int
sie_personality_apply (const struct sie_personality *p, sie_error_t *err)
{
  const struct name_value *d;

  if (p == NULL)
    return 0;
  d = LOOKUP (personality_domains, p->domain);
  if (d == NULL)
    return sie_error (err, 0, "linux.personality.domain: unknown domain \"%s\"",
                      p->domain ? p->domain : "");
  if (personality ((unsigned long) d->value) < 0)
    return sie_error (err, errno, "linux.personality.domain: setting %s", p->domain);
  return 0;
}

/* ---- I/O priority ---- */

#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_CLASS_SHIFT_ 13

static const struct name_value ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
};

static int
check_io_priority (const struct sie_io_priority *io, sie_error_t *err)
{
  if (io == NULL)
    return 0;
  if (LOOKUP (ioprio_classes, io->class) == NULL)
    return unknown_name ("process.ioPriority.class", "class", io->class, err);
  if (io->priority < 0 || io->priority > 7)
    return sie_error (err, 0, "process.ioPriority.priority: %" PRId64 " is out of range (0-7)",
                      io->priority);
  return 0;
}

int
sie_io_priority_apply (const struct sie_io_priority *io, sie_error_t *err)
{
  const struct name_value *c;
  int prio;

  if (io == NULL)
    return 0;
  if (check_io_priority (io, err) < 0)
    return -1;
  c = LOOKUP (ioprio_classes, io->class);
  prio = (c->value << IOPRIO_CLASS_SHIFT_) | (int) io->priority;
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, prio) < 0)
    return sie_error (err, errno, "process.ioPriority: setting %s %" PRId64 "%s", io->class,
                      io->priority, errno == EPERM ? " (needs CAP_SYS_NICE or CAP_SYS_ADMIN)" : "");
  return 0;
}

/* ---- scheduler ---- */

/* The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1), spelled out:
 * glibc 2.36 does not declare it and <linux/sched/types.h> clashes with
 * <sched.h> on newer ones. */
struct sie_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

#define POLICY_ISO 4 /* reserved by Linux, never implemented */
#define POLICY_DEADLINE 6 /* not in glibc 2.36 <sched.h> */

static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO },   { "SCHED_RR", SCHED_RR },
  { "SCHED_BATCH", SCHED_BATCH }, { "SCHED_ISO", POLICY_ISO },   { "SCHED_IDLE", SCHED_IDLE },
  { "SCHED_DEADLINE", POLICY_DEADLINE },
};

static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },    { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },   { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static bool
is_rt_policy (int policy)
{
  return policy == SCHED_FIFO || policy == SCHED_RR;
}

static int
check_sched_params (const struct sie_scheduler *s, int policy, sie_error_t *err)
{
  bool dl_params = (s->runtime.set && s->runtime.v) || (s->deadline.set && s->deadline.v)
                   || (s->period.set && s->period.v);

  if (s->nice.set && (s->nice.v < -20 || s->nice.v > 19))
    return sie_error (err, 0, "process.scheduler.nice: %" PRId64 " is out of range (-20..19)",
                      s->nice.v);
  if (!is_rt_policy (policy) && s->priority.set && s->priority.v != 0)
    return sie_error (err, 0, "process.scheduler.priority: only valid with SCHED_FIFO or SCHED_RR");
  if (is_rt_policy (policy) && (!s->priority.set || s->priority.v < 1 || s->priority.v > 99))
    return sie_error (err, 0, "process.scheduler.priority: %s needs a priority from 1 to 99",
                      s->policy);
  if (policy != POLICY_DEADLINE && dl_params)
    return sie_error (err, 0, "process.scheduler: runtime, deadline and period are only valid "
                      "with SCHED_DEADLINE");
  if (policy == POLICY_DEADLINE && (!s->deadline.set || s->deadline.v == 0))
    return sie_error (err, 0, "process.scheduler.deadline: required with SCHED_DEADLINE");
  if (policy == POLICY_DEADLINE && s->runtime.v > s->deadline.v)
    return sie_error (err, 0, "process.scheduler.runtime: must not exceed deadline");
  if (policy == POLICY_DEADLINE && s->period.set && s->period.v && s->deadline.v > s->period.v)
    return sie_error (err, 0, "process.scheduler.deadline: must not exceed period");
  return 0;
}

/* Fills *attr from the config; errors name the field. */
static int
sched_attr_from (const struct sie_scheduler *s, struct sie_sched_attr *attr, sie_error_t *err)
{
  const struct name_value *pol = LOOKUP (sched_policies, s->policy);

  if (pol == NULL)
    return unknown_name ("process.scheduler.policy", "policy", s->policy, err);
  if (pol->value == POLICY_ISO)
    return sie_error (err, 0, "process.scheduler.policy: SCHED_ISO is not implemented by Linux");
  if (check_sched_params (s, pol->value, err) < 0)
    return -1;

  *attr = (struct sie_sched_attr){
    .size = sizeof (*attr),
    .sched_policy = (uint32_t) pol->value,
    .sched_nice = s->nice.set ? (int32_t) s->nice.v : 0,
    .sched_priority = s->priority.set ? (uint32_t) s->priority.v : 0,
    .sched_runtime = s->runtime.v,
    .sched_deadline = s->deadline.v,
    .sched_period = s->period.v,
  };
  for (size_t i = 0; s->flags && s->flags[i]; i++)
    {
      const struct name_value *f = LOOKUP (sched_flags, s->flags[i]);
      if (f == NULL)
        return sie_error (err, 0, "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
                          s->flags[i]);
      attr->sched_flags |= (uint64_t) f->value;
    }
  return 0;
}

int
sie_scheduler_apply (const struct sie_scheduler *s, sie_error_t *err)
{
  struct sie_sched_attr attr;

  if (s == NULL)
    return 0;
  if (sched_attr_from (s, &attr, err) < 0)
    return -1;
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return sie_error (err, errno, "process.scheduler: setting %s%s", s->policy,
                      errno == EPERM ? " (needs CAP_SYS_NICE)" : "");
  return 0;
}

/* ---- CPU affinity ---- */

int
sie_cpu_affinity_apply (const char *cpus, const char *field, sie_error_t *err)
{
  cpu_set_t set;

  if (cpus == NULL || cpus[0] == '\0')
    return 0;
  if (sie_cpulist_parse (cpus, "cpu", field, &set, err) < 0)
    return -1;
  if (CPU_COUNT (&set) == 0)
    return 0;
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    return sie_error (err, errno, "%s: setting the CPU affinity to \"%s\"", field, cpus);
  return 0;
}

static int
check_cpu_affinity (const struct sie_exec_cpu_affinity *a, sie_error_t *err)
{
  cpu_set_t set;

  if (a == NULL)
    return 0;
  if (a->initial && sie_cpulist_parse (a->initial, "cpu", "process.execCPUAffinity.initial", &set, err) < 0)
    return -1;
  if (a->final && sie_cpulist_parse (a->final, "cpu", "process.execCPUAffinity.final", &set, err) < 0)
    return -1;
  return 0;
}

/* ---- NUMA memory policy ---- */

enum
{
  MPOL_DEFAULT_,
  MPOL_PREFERRED_,
  MPOL_BIND_,
  MPOL_INTERLEAVE_,
  MPOL_LOCAL_,
  MPOL_PREFERRED_MANY_,
  MPOL_WEIGHTED_INTERLEAVE_,
};
#define MPOL_F_STATIC_NODES_ (1 << 15)
#define MPOL_F_RELATIVE_NODES_ (1 << 14)
#define MPOL_F_NUMA_BALANCING_ (1 << 13)

static const struct name_value mpol_modes[] = {
  { "MPOL_DEFAULT", MPOL_DEFAULT_ },
  { "MPOL_PREFERRED", MPOL_PREFERRED_ },
  { "MPOL_BIND", MPOL_BIND_ },
  { "MPOL_INTERLEAVE", MPOL_INTERLEAVE_ },
  { "MPOL_LOCAL", MPOL_LOCAL_ },
  { "MPOL_PREFERRED_MANY", MPOL_PREFERRED_MANY_ },
  { "MPOL_WEIGHTED_INTERLEAVE", MPOL_WEIGHTED_INTERLEAVE_ },
};

static const struct name_value mpol_flags[] = {
  { "MPOL_F_STATIC_NODES", MPOL_F_STATIC_NODES_ },
  { "MPOL_F_RELATIVE_NODES", MPOL_F_RELATIVE_NODES_ },
  { "MPOL_F_NUMA_BALANCING", MPOL_F_NUMA_BALANCING_ },
};

static int
mpol_nodes_rule (int mode, const char *mode_name, int flags, bool has_nodes, sie_error_t *err)
{
  if ((flags & MPOL_F_STATIC_NODES_) && (flags & MPOL_F_RELATIVE_NODES_))
    return sie_error (err, 0, "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and "
                      "MPOL_F_RELATIVE_NODES are mutually exclusive");
  if ((flags & MPOL_F_NUMA_BALANCING_) && mode != MPOL_BIND_ && mode != MPOL_PREFERRED_MANY_)
    return sie_error (err, 0, "linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING needs MPOL_BIND "
                      "or MPOL_PREFERRED_MANY");
  switch (mode)
    {
    case MPOL_DEFAULT_:
    case MPOL_LOCAL_:
      if (has_nodes)
        return sie_error (err, 0, "linux.memoryPolicy.nodes: must be empty with %s", mode_name);
      if (mode == MPOL_LOCAL_ && (flags & (MPOL_F_STATIC_NODES_ | MPOL_F_RELATIVE_NODES_)))
        return sie_error (err, 0, "linux.memoryPolicy.flags: MPOL_LOCAL takes no node flags");
      return 0;
    case MPOL_PREFERRED_:
      return 0; /* no nodes: allocate on the local node */
    default:
      if (!has_nodes)
        return sie_error (err, 0, "linux.memoryPolicy.nodes: required with %s", mode_name);
      return 0;
    }
}

/* Translates and validates; *mode_arg is mode | flags for set_mempolicy. */
static int
mpol_from (const struct sie_memory_policy *m, int *mode_arg, cpu_set_t *nodes, sie_error_t *err)
{
  const struct name_value *mode = LOOKUP (mpol_modes, m->mode);
  int flags = 0;

  if (mode == NULL)
    return unknown_name ("linux.memoryPolicy.mode", "mode", m->mode, err);
  for (size_t i = 0; m->flags && m->flags[i]; i++)
    {
      const struct name_value *f = LOOKUP (mpol_flags, m->flags[i]);
      if (f == NULL)
        return sie_error (err, 0, "linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"", i,
                          m->flags[i]);
      flags |= f->value;
    }
  if (sie_cpulist_parse (m->nodes, "node", "linux.memoryPolicy.nodes", nodes, err) < 0)
    return -1;
  if (mpol_nodes_rule (mode->value, mode->name, flags, CPU_COUNT (nodes) > 0, err) < 0)
    return -1;
  *mode_arg = mode->value | flags;
  return 0;
}

int
sie_memory_policy_apply (const struct sie_memory_policy *m, sie_error_t *err)
{
  cpu_set_t nodes;
  int mode_arg;
  long ret;

  if (m == NULL)
    return 0;
  if (mpol_from (m, &mode_arg, &nodes, err) < 0)
    return -1;
  /* maxnode counts one past the last bit the kernel reads. */
  if (CPU_COUNT (&nodes) == 0)
    ret = syscall (SYS_set_mempolicy, mode_arg, NULL, 0UL);
  else
    ret = syscall (SYS_set_mempolicy, mode_arg, (unsigned long *) &nodes,
                   (unsigned long) CPU_SETSIZE + 1);
  if (ret < 0)
    return sie_error (err, errno, "linux.memoryPolicy: set_mempolicy %s nodes \"%s\"", m->mode,
                      m->nodes ? m->nodes : "");
  return 0;
}

/* ---- all checks ---- */

int
sie_process_attrs_check (const struct sie_process *p, const struct sie_linux *l, sie_error_t *err)
{
  if (p)
    {
      struct sie_sched_attr attr;

      if (check_rlimits (p, err) < 0 || check_oom_score_adj (p, err) < 0
          || check_io_priority (p->io_priority, err) < 0
          || check_cpu_affinity (p->exec_cpu_affinity, err) < 0)
        return -1;
      if (p->scheduler && sched_attr_from (p->scheduler, &attr, err) < 0)
        return -1;
    }
  if (l)
    {
      cpu_set_t nodes;
      int mode_arg;

      if (check_personality (l->personality, err) < 0)
        return -1;
      if (l->memory_policy && mpol_from (l->memory_policy, &mode_arg, &nodes, err) < 0)
        return -1;
    }
  return 0;
}
