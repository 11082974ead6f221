/* The "process" object: in config.json and alone as exec's process.json. */
#include <stdint.h>
#include <stdlib.h>

#include "spec/config_parse.h"
#include "util/cleanup.h"

static int
parse_console_size (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_process *proc = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_u32 (c, p, v, "height", &proc->console_height) < 0
      || jv_opt_u32 (c, p, v, "width", &proc->console_width) < 0)
    return -1;
  proc->has_console_size = true;
  return 0;
}

static int
parse_gid (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  uint64_t gid;

  if (jv_uint (c, p, v, UINT32_MAX, &gid) < 0)
    return -1;
  *(uint32_t *) elem = (uint32_t) gid;
  return 0;
}

static int
parse_user (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_user *u = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_u32 (c, p, v, "uid", &u->uid) < 0
      || jv_opt_u32 (c, p, v, "gid", &u->gid) < 0
      || jv_opt_u64 (c, p, v, "umask", UINT32_MAX, &u->umask) < 0)
    return -1;
  return jv_opt_array (c, p, v, "additionalGids", sizeof (uint32_t), parse_gid,
                       &u->additional_gids, &u->n_additional_gids);
}

static int
parse_capabilities (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_capabilities *caps = elem;
  size_t n;

  if (jv_object (c, p, v) < 0 || jv_opt_strv (c, p, v, "bounding", &caps->bounding, &n) < 0
      || jv_opt_strv (c, p, v, "effective", &caps->effective, &n) < 0
      || jv_opt_strv (c, p, v, "inheritable", &caps->inheritable, &n) < 0
      || jv_opt_strv (c, p, v, "permitted", &caps->permitted, &n) < 0)
    return -1;
  return jv_opt_strv (c, p, v, "ambient", &caps->ambient, &n);
}

static int
parse_rlimit (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_rlimit *rl = elem;
  sie_opt_u64 hard = { 0 }, soft = { 0 };

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "type", &rl->type) < 0
      || jv_opt_u64 (c, p, v, "hard", UINT64_MAX, &hard) < 0
      || jv_opt_u64 (c, p, v, "soft", UINT64_MAX, &soft) < 0)
    return -1;
  rl->hard = hard.v;
  rl->soft = soft.v;
  return 0;
}

/* The spec requires an error for two rlimits of the same type. */
static int
parse_rlimits (const struct jctx *c, const struct jpath *p, yajl_val obj,
               struct sie_process *proc)
{
  struct jpath kp = JP_KEY (p, "rlimits");
  cleanup_free const char **types = NULL;
  size_t dup;
  int r;

  if (jv_opt_array (c, p, obj, "rlimits", sizeof (struct sie_rlimit), parse_rlimit,
                    &proc->rlimits, &proc->n_rlimits)
      < 0)
    return -1;
  types = jv_calloc (c, proc->n_rlimits, sizeof (char *));
  if (types == NULL)
    return -1;
  for (size_t i = 0; i < proc->n_rlimits; i++)
    types[i] = proc->rlimits[i].type;
  r = jv_find_duplicate (c, types, proc->n_rlimits, &dup);
  if (r <= 0)
    return r;
  struct jpath ip = JP_IDX (&kp, dup);
  yajl_val elem = jv_field (obj, "rlimits")->u.array.values[dup];
  return jerr_value (c, &ip, "duplicate rlimit type", jv_field (elem, "type"));
}

static int
parse_scheduler (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_scheduler *s = elem;
  size_t n;

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "policy", &s->policy) < 0
      || jv_opt_i64 (c, p, v, "nice", INT32_MIN, INT32_MAX, &s->nice) < 0
      || jv_opt_i64 (c, p, v, "priority", INT32_MIN, INT32_MAX, &s->priority) < 0
      || jv_opt_strv (c, p, v, "flags", &s->flags, &n) < 0
      || jv_opt_u64 (c, p, v, "runtime", UINT64_MAX, &s->runtime) < 0
      || jv_opt_u64 (c, p, v, "deadline", UINT64_MAX, &s->deadline) < 0)
    return -1;
  return jv_opt_u64 (c, p, v, "period", UINT64_MAX, &s->period);
}

static int
parse_io_priority (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_io_priority *io = elem;
  sie_opt_i64 prio = { 0 };

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "class", &io->class) < 0
      || jv_opt_i64 (c, p, v, "priority", INT32_MIN, INT32_MAX, &prio) < 0)
    return -1;
  io->priority = prio.v;
  return 0;
}

static int
parse_cpu_affinity (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_exec_cpu_affinity *a = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_string (c, p, v, "initial", &a->initial) < 0)
    return -1;
  return jv_opt_string (c, p, v, "final", &a->final);
}

static int
parse_args (const struct jctx *c, const struct jpath *p, yajl_val v, struct sie_process *proc)
{
  struct jpath kp = JP_KEY (p, "args");

  if (jv_opt_strv (c, p, v, "args", &proc->args, &proc->n_args) < 0)
    return -1;
  if (proc->args == NULL)
    return jerr_missing (c, &kp);
  if (proc->n_args == 0)
    return jerr (c, &kp, "must not be empty");
  return 0;
}

/* A relative cwd would be resolved against whatever directory init happens
 * to be in; the spec requires an absolute one.  Absence is left to the
 * caller, which knows its default. */
static int
parse_cwd (const struct jctx *c, const struct jpath *p, yajl_val v, struct sie_process *proc)
{
  struct jpath kp = JP_KEY (p, "cwd");

  if (jv_opt_string (c, p, v, "cwd", &proc->cwd) < 0)
    return -1;
  if (proc->cwd && proc->cwd[0] != '/')
    return jerr_type (c, &kp, "an absolute path", jv_field (v, "cwd"));
  return 0;
}

int
parse_process (const struct jctx *c, const struct jpath *p, yajl_val v,
               struct sie_process *proc)
{
  /* The kernel's range for /proc/<pid>/oom_score_adj. */
  const int64_t oom_min = -1000, oom_max = 1000;

  if (jv_object (c, p, v) < 0 || jv_opt_bool (c, p, v, "terminal", &proc->terminal) < 0
      || jv_opt_with (c, p, v, "consoleSize", parse_console_size, proc) < 0
      || jv_opt_with (c, p, v, "user", parse_user, &proc->user) < 0
      || parse_args (c, p, v, proc) < 0
      || jv_opt_strv (c, p, v, "env", &proc->env, &proc->n_env) < 0
      || parse_cwd (c, p, v, proc) < 0
      || jv_opt_new (c, p, v, "capabilities", sizeof (struct sie_capabilities),
                     parse_capabilities, &proc->capabilities)
             < 0
      || parse_rlimits (c, p, v, proc) < 0
      || jv_opt_bool (c, p, v, "noNewPrivileges", &proc->no_new_privileges) < 0
      || jv_opt_string (c, p, v, "apparmorProfile", &proc->apparmor_profile) < 0
      || jv_opt_i64 (c, p, v, "oomScoreAdj", oom_min, oom_max, &proc->oom_score_adj) < 0
      || jv_opt_string (c, p, v, "selinuxLabel", &proc->selinux_label) < 0
      || jv_opt_new (c, p, v, "scheduler", sizeof (struct sie_scheduler), parse_scheduler,
                     &proc->scheduler)
             < 0
      || jv_opt_new (c, p, v, "ioPriority", sizeof (struct sie_io_priority), parse_io_priority,
                     &proc->io_priority)
             < 0)
    return -1;
  return jv_opt_new (c, p, v, "execCPUAffinity", sizeof (struct sie_exec_cpu_affinity),
                     parse_cpu_affinity, &proc->exec_cpu_affinity);
}
