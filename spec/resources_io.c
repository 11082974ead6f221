/* linux.resources as a document of its own: runc's resources.json for
 * `update -r`, and the effective resources sie records after an update.
 * The parser is config.json's own; the writer emits every field the
 * struct holds, so parse(write(r)) gives r back. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config_parse.h"
#include "spec/json_out.h"
#include "util/cleanup.h"

int
sie_resources_parse (const char *json, size_t len, const char *origin,
                     struct sie_resources **out, sie_error_t *err)
{
  struct jctx c = { .origin = origin, .err = err };
  cleanup_tree yajl_val tree = NULL;
  cleanup_resources struct sie_resources *r = NULL;

  if (jv_parse_tree (json, len, origin, &tree, err) < 0)
    return -1;
  r = jv_calloc (&c, 1, sizeof (*r));
  if (r == NULL || parse_resources (&c, NULL, tree, r) < 0)
    return -1;
  *out = move_ptr (r);
  return 0;
}

/* config_free.c owns the one freeing routine for the tree; a config that
 * holds nothing but these resources hands them to it. */
void
sie_resources_free (struct sie_resources *r)
{
  struct sie_config *cfg;

  if (r == NULL)
    return;
  cfg = calloc (1, sizeof (*cfg));
  if (cfg)
    cfg->linux_ = calloc (1, sizeof (*cfg->linux_));
  if (cfg == NULL || cfg->linux_ == NULL)
    abort (); /* nothing sane is left to do without a few bytes */
  cfg->linux_->resources = r;
  sie_config_free (cfg);
}

/* ---- writer ---- */

static void
track (struct jout *o, yajl_gen_status st)
{
  if (o->st == yajl_gen_status_ok)
    o->st = st;
}

/* yajl_gen_integer stops at INT64_MAX; uint64 fields use the full range. */
static void
key_u64 (struct jout *o, const char *key, uint64_t v)
{
  char buf[24];
  int n = snprintf (buf, sizeof (buf), "%" PRIu64, v);

  jout_key (o, key);
  track (o, yajl_gen_number (o->g, buf, n));
}

static void
opt_i64 (struct jout *o, const char *key, sie_opt_i64 v)
{
  if (v.set)
    jout_key_int (o, key, v.v);
}

static void
opt_u64 (struct jout *o, const char *key, sie_opt_u64 v)
{
  if (v.set)
    key_u64 (o, key, v.v);
}

static void
opt_bool (struct jout *o, const char *key, sie_opt_bool v)
{
  if (v.set)
    jout_key_bool (o, key, v.v);
}

static void
write_devices (struct jout *o, const struct sie_resources *r)
{
  if (r->devices == NULL)
    return;
  jout_key (o, "devices");
  jout_array (o);
  for (size_t i = 0; i < r->n_devices; i++)
    {
      const struct sie_device_cgroup *d = &r->devices[i];
      char type[2] = { d->type, '\0' };

      jout_open (o);
      jout_key_bool (o, "allow", d->allow);
      if (d->type)
        jout_key_str (o, "type", type);
      opt_i64 (o, "major", d->major);
      opt_i64 (o, "minor", d->minor);
      if (d->access)
        jout_key_str (o, "access", d->access);
      jout_close (o);
    }
  jout_end (o);
}

static void
write_memory (struct jout *o, const struct sie_memory *m)
{
  if (m == NULL)
    return;
  jout_key (o, "memory");
  jout_open (o);
  opt_i64 (o, "limit", m->limit);
  opt_i64 (o, "reservation", m->reservation);
  opt_i64 (o, "swap", m->swap);
  opt_i64 (o, "kernel", m->kernel);
  opt_i64 (o, "kernelTCP", m->kernel_tcp);
  opt_u64 (o, "swappiness", m->swappiness);
  opt_bool (o, "disableOOMKiller", m->disable_oom_killer);
  opt_bool (o, "useHierarchy", m->use_hierarchy);
  opt_bool (o, "checkBeforeUpdate", m->check_before_update);
  jout_close (o);
}

static void
write_cpu (struct jout *o, const struct sie_cpu *c)
{
  if (c == NULL)
    return;
  jout_key (o, "cpu");
  jout_open (o);
  opt_u64 (o, "shares", c->shares);
  opt_i64 (o, "quota", c->quota);
  opt_u64 (o, "burst", c->burst);
  opt_u64 (o, "period", c->period);
  opt_i64 (o, "realtimeRuntime", c->realtime_runtime);
  opt_u64 (o, "realtimePeriod", c->realtime_period);
  if (c->cpus)
    jout_key_str (o, "cpus", c->cpus);
  if (c->mems)
    jout_key_str (o, "mems", c->mems);
  opt_i64 (o, "idle", c->idle);
  jout_close (o);
}

static void
write_throttles (struct jout *o, const char *key, const struct sie_throttle_device *t, size_t n)
{
  if (t == NULL)
    return;
  jout_key (o, key);
  jout_array (o);
  for (size_t i = 0; i < n; i++)
    {
      jout_open (o);
      jout_key_int (o, "major", t[i].major);
      jout_key_int (o, "minor", t[i].minor);
      key_u64 (o, "rate", t[i].rate);
      jout_close (o);
    }
  jout_end (o);
}

static void
write_block_io (struct jout *o, const struct sie_block_io *b)
{
  if (b == NULL)
    return;
  jout_key (o, "blockIO");
  jout_open (o);
  opt_u64 (o, "weight", b->weight);
  opt_u64 (o, "leafWeight", b->leaf_weight);
  if (b->weight_device)
    {
      jout_key (o, "weightDevice");
      jout_array (o);
      for (size_t i = 0; i < b->n_weight_device; i++)
        {
          const struct sie_weight_device *w = &b->weight_device[i];
          jout_open (o);
          jout_key_int (o, "major", w->major);
          jout_key_int (o, "minor", w->minor);
          opt_u64 (o, "weight", w->weight);
          opt_u64 (o, "leafWeight", w->leaf_weight);
          jout_close (o);
        }
      jout_end (o);
    }
  write_throttles (o, "throttleReadBpsDevice", b->throttle_read_bps, b->n_throttle_read_bps);
  write_throttles (o, "throttleWriteBpsDevice", b->throttle_write_bps, b->n_throttle_write_bps);
  write_throttles (o, "throttleReadIOPSDevice", b->throttle_read_iops, b->n_throttle_read_iops);
  write_throttles (o, "throttleWriteIOPSDevice", b->throttle_write_iops,
                   b->n_throttle_write_iops);
  jout_close (o);
}

static void
write_hugepages (struct jout *o, const struct sie_resources *r)
{
  if (r->hugepage_limits == NULL)
    return;
  jout_key (o, "hugepageLimits");
  jout_array (o);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      jout_open (o);
      jout_key_str (o, "pageSize", r->hugepage_limits[i].page_size);
      key_u64 (o, "limit", r->hugepage_limits[i].limit);
      jout_close (o);
    }
  jout_end (o);
}

static void
write_network (struct jout *o, const struct sie_network *n)
{
  if (n == NULL)
    return;
  jout_key (o, "network");
  jout_open (o);
  opt_u64 (o, "classID", n->class_id);
  if (n->priorities)
    {
      jout_key (o, "priorities");
      jout_array (o);
      for (size_t i = 0; i < n->n_priorities; i++)
        {
          jout_open (o);
          jout_key_str (o, "name", n->priorities[i].name);
          jout_key_int (o, "priority", n->priorities[i].priority);
          jout_close (o);
        }
      jout_end (o);
    }
  jout_close (o);
}

static void
write_maps (struct jout *o, const struct sie_resources *r)
{
  if (r->rdma)
    {
      jout_key (o, "rdma");
      jout_open (o);
      for (size_t i = 0; i < r->n_rdma; i++)
        {
          jout_key (o, r->rdma[i].device);
          jout_open (o);
          opt_u64 (o, "hcaHandles", r->rdma[i].hca_handles);
          opt_u64 (o, "hcaObjects", r->rdma[i].hca_objects);
          jout_close (o);
        }
      jout_close (o);
    }
  if (r->unified)
    {
      jout_key (o, "unified");
      jout_open (o);
      for (size_t i = 0; i < r->n_unified; i++)
        jout_key_str (o, r->unified[i].key, r->unified[i].value);
      jout_close (o);
    }
}

int
sie_resources_json (const struct sie_resources *r, const char *indent, char **out,
                    sie_error_t *err)
{
  static const struct sie_resources none;
  struct jout o;

  if (r == NULL)
    r = &none;
  if (jout_init (&o, indent, err) < 0)
    return -1;
  jout_open (&o);
  write_devices (&o, r);
  write_memory (&o, r->memory);
  write_cpu (&o, r->cpu);
  if (r->pids_limit.set)
    {
      jout_key (&o, "pids");
      jout_open (&o);
      jout_key_int (&o, "limit", r->pids_limit.v);
      jout_close (&o);
    }
  write_block_io (&o, r->block_io);
  write_hugepages (&o, r);
  write_network (&o, r->network);
  write_maps (&o, r);
  jout_close (&o);
  return jout_finish (&o, indent != NULL, out, err);
}

int
sie_resources_dup (const struct sie_resources *r, struct sie_resources **out, sie_error_t *err)
{
  cleanup_free char *json = NULL;

  if (sie_resources_json (r, NULL, &json, err) < 0)
    return -1;
  return sie_resources_parse (json, strlen (json), "resources", out, err);
}

/* ---- merge ---- */

#define MERGE(dst, src, field)                                                                \
  do                                                                                          \
    if ((src)->field.set)                                                                     \
      (dst)->field = (src)->field;                                                            \
  while (0)

static int
merge_string (char **dst, const char *src, sie_error_t *err)
{
  char *copy;

  if (src == NULL)
    return 0;
  copy = strdup (src);
  if (copy == NULL)
    return sie_error (err, ENOMEM, "merge resources");
  free (*dst);
  *dst = copy;
  return 0;
}

/* Gives *p a zeroed struct when it has none. */
static int
ensure (void **p, size_t size, sie_error_t *err)
{
  if (*p == NULL && (*p = calloc (1, size)) == NULL)
    return sie_error (err, ENOMEM, "merge resources");
  return 0;
}

static bool
memory_any_set (const struct sie_memory *m)
{
  return m->limit.set || m->reservation.set || m->swap.set || m->kernel.set || m->kernel_tcp.set
         || m->swappiness.set || m->disable_oom_killer.set || m->use_hierarchy.set
         || m->check_before_update.set;
}

static bool
cpu_any_set (const struct sie_cpu *c)
{
  return c->shares.set || c->quota.set || c->burst.set || c->period.set
         || c->realtime_runtime.set || c->realtime_period.set || c->idle.set || c->cpus
         || c->mems;
}

static int
merge_cpu (struct sie_resources *dst, const struct sie_cpu *s, sie_error_t *err)
{
  struct sie_cpu *d;

  if (ensure ((void **) &dst->cpu, sizeof (*dst->cpu), err) < 0)
    return -1;
  d = dst->cpu;
  MERGE (d, s, shares);
  MERGE (d, s, quota);
  MERGE (d, s, burst);
  MERGE (d, s, period);
  MERGE (d, s, realtime_runtime);
  MERGE (d, s, realtime_period);
  MERGE (d, s, idle);
  if (merge_string (&d->cpus, s->cpus, err) < 0)
    return -1;
  return merge_string (&d->mems, s->mems, err);
}

int
sie_resources_merge (struct sie_resources *dst, const struct sie_resources *src,
                     sie_error_t *err)
{
  if (src->memory && memory_any_set (src->memory))
    {
      struct sie_memory *d, *s = src->memory;
      if (ensure ((void **) &dst->memory, sizeof (*dst->memory), err) < 0)
        return -1;
      d = dst->memory;
      MERGE (d, s, limit);
      MERGE (d, s, reservation);
      MERGE (d, s, swap);
      MERGE (d, s, kernel);
      MERGE (d, s, kernel_tcp);
      MERGE (d, s, swappiness);
      MERGE (d, s, disable_oom_killer);
      MERGE (d, s, use_hierarchy);
      MERGE (d, s, check_before_update);
    }
  if (src->cpu && cpu_any_set (src->cpu) && merge_cpu (dst, src->cpu, err) < 0)
    return -1;
  MERGE (dst, src, pids_limit);
  if (src->block_io && (src->block_io->weight.set || src->block_io->leaf_weight.set))
    {
      if (ensure ((void **) &dst->block_io, sizeof (*dst->block_io), err) < 0)
        return -1;
      MERGE (dst->block_io, src->block_io, weight);
      MERGE (dst->block_io, src->block_io, leaf_weight);
    }
  return 0;
}

/* ---- memory sizes ---- */

static int
size_unit (const char *s, uint64_t *mul)
{
  static const char units[] = "kmgtp";
  const char *u = *s ? strchr (units, tolower ((unsigned char) *s)) : NULL;

  *mul = 1;
  if (u)
    {
      for (const char *k = units; k <= u; k++)
        *mul *= 1024;
      s++;
    }
  if (*s == 'i' || *s == 'I')
    s++;
  if (*s == 'b' || *s == 'B')
    s++;
  return *s == '\0' ? 0 : -1;
}

int
sie_ram_size_parse (const char *s, int64_t *out)
{
  size_t digits = strspn (s, "0123456789"), frac = 0;
  const char *unit;
  uint64_t mul, whole;

  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  if (digits == 0)
    goto invalid;
  if (s[digits] == '.')
    {
      frac = strspn (s + digits + 1, "0123456789");
      if (frac == 0)
        goto invalid;
      frac++;
    }
  unit = s + digits + frac;
  if (*unit == ' ')
    unit++;
  if (size_unit (unit, &mul) < 0)
    goto invalid;
  if (frac)
    {
      /* a fraction, as RAMInBytes allows ("1.5g"), truncated to bytes */
      long double v = strtold (s, NULL) * mul;
      if (v >= 9223372036854775808.0L)
        goto range;
      *out = (int64_t) v;
      return 0;
    }
  errno = 0;
  whole = strtoull (s, NULL, 10);
  if (errno == ERANGE || whole > (uint64_t) INT64_MAX / mul)
    goto range;
  *out = (int64_t) (whole * mul);
  return 0;
invalid:
  errno = EINVAL;
  return -1;
range:
  errno = ERANGE;
  return -1;
}
