/* linux.resources: the cgroup settings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config_parse.h"

static int
parse_device_rule (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_device_cgroup *d = elem;
  struct jpath ap = JP_KEY (p, "allow"), tp = JP_KEY (p, "type"), xp = JP_KEY (p, "access");
  yajl_val allow = jv_field (v, "allow");
  char *type = NULL;

  if (jv_object (c, p, v) < 0)
    return -1;
  if (allow == NULL)
    return jerr_missing (c, &ap);
  if (jv_bool (c, &ap, allow, &d->allow) < 0 || jv_opt_string (c, p, v, "type", &type) < 0)
    return -1;
  if (type)
    {
      bool valid = strlen (type) == 1 && strchr ("acb", type[0]) != NULL;
      d->type = type[0];
      free (type);
      if (!valid)
        return jerr_type (c, &tp, "a device type (a, c or b)", jv_field (v, "type"));
    }
  if (jv_opt_i64 (c, p, v, "major", INT64_MIN, INT64_MAX, &d->major) < 0
      || jv_opt_i64 (c, p, v, "minor", INT64_MIN, INT64_MAX, &d->minor) < 0
      || jv_opt_string (c, p, v, "access", &d->access) < 0)
    return -1;
  if (d->access && d->access[strspn (d->access, "rwm")] != '\0')
    return jerr_type (c, &xp, "a combination of r, w and m", jv_field (v, "access"));
  return 0;
}

static int
parse_memory (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_memory *m = elem;

  if (jv_object (c, p, v) < 0
      || jv_opt_i64 (c, p, v, "limit", INT64_MIN, INT64_MAX, &m->limit) < 0
      || jv_opt_i64 (c, p, v, "reservation", INT64_MIN, INT64_MAX, &m->reservation) < 0
      || jv_opt_i64 (c, p, v, "swap", INT64_MIN, INT64_MAX, &m->swap) < 0
      || jv_opt_i64 (c, p, v, "kernel", INT64_MIN, INT64_MAX, &m->kernel) < 0
      || jv_opt_i64 (c, p, v, "kernelTCP", INT64_MIN, INT64_MAX, &m->kernel_tcp) < 0
      || jv_opt_u64 (c, p, v, "swappiness", UINT64_MAX, &m->swappiness) < 0
      || jv_opt_obool (c, p, v, "disableOOMKiller", &m->disable_oom_killer) < 0
      || jv_opt_obool (c, p, v, "useHierarchy", &m->use_hierarchy) < 0)
    return -1;
  return jv_opt_obool (c, p, v, "checkBeforeUpdate", &m->check_before_update);
}

static int
parse_cpu (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_cpu *cpu = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_u64 (c, p, v, "shares", UINT64_MAX, &cpu->shares) < 0
      || jv_opt_i64 (c, p, v, "quota", INT64_MIN, INT64_MAX, &cpu->quota) < 0
      || jv_opt_u64 (c, p, v, "burst", UINT64_MAX, &cpu->burst) < 0
      || jv_opt_u64 (c, p, v, "period", UINT64_MAX, &cpu->period) < 0
      || jv_opt_i64 (c, p, v, "realtimeRuntime", INT64_MIN, INT64_MAX, &cpu->realtime_runtime)
             < 0
      || jv_opt_u64 (c, p, v, "realtimePeriod", UINT64_MAX, &cpu->realtime_period) < 0
      || jv_opt_string (c, p, v, "cpus", &cpu->cpus) < 0
      || jv_opt_string (c, p, v, "mems", &cpu->mems) < 0)
    return -1;
  return jv_opt_i64 (c, p, v, "idle", INT64_MIN, INT64_MAX, &cpu->idle);
}

static int
parse_pids (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_resources *r = elem;

  if (jv_object (c, p, v) < 0)
    return -1;
  return jv_opt_i64 (c, p, v, "limit", INT64_MIN, INT64_MAX, &r->pids_limit);
}

/* major and minor of a blockIO device entry. */
static int
parse_dev_numbers (const struct jctx *c, const struct jpath *p, yajl_val v, int64_t *major,
                   int64_t *minor)
{
  sie_opt_i64 ma = { 0 }, mi = { 0 };

  if (jv_object (c, p, v) < 0 || jv_opt_i64 (c, p, v, "major", INT64_MIN, INT64_MAX, &ma) < 0
      || jv_opt_i64 (c, p, v, "minor", INT64_MIN, INT64_MAX, &mi) < 0)
    return -1;
  *major = ma.v;
  *minor = mi.v;
  return 0;
}

static int
parse_weight_device (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_weight_device *w = elem;

  if (parse_dev_numbers (c, p, v, &w->major, &w->minor) < 0
      || jv_opt_u64 (c, p, v, "weight", UINT16_MAX, &w->weight) < 0)
    return -1;
  return jv_opt_u64 (c, p, v, "leafWeight", UINT16_MAX, &w->leaf_weight);
}

static int
parse_throttle_device (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_throttle_device *t = elem;
  sie_opt_u64 rate = { 0 };

  if (parse_dev_numbers (c, p, v, &t->major, &t->minor) < 0
      || jv_opt_u64 (c, p, v, "rate", UINT64_MAX, &rate) < 0)
    return -1;
  t->rate = rate.v;
  return 0;
}

static int
parse_block_io (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_block_io *b = elem;
  const size_t tsize = sizeof (struct sie_throttle_device);

  if (jv_object (c, p, v) < 0 || jv_opt_u64 (c, p, v, "weight", UINT16_MAX, &b->weight) < 0
      || jv_opt_u64 (c, p, v, "leafWeight", UINT16_MAX, &b->leaf_weight) < 0
      || jv_opt_array (c, p, v, "weightDevice", sizeof (struct sie_weight_device),
                       parse_weight_device, &b->weight_device, &b->n_weight_device)
             < 0
      || jv_opt_array (c, p, v, "throttleReadBpsDevice", tsize, parse_throttle_device,
                       &b->throttle_read_bps, &b->n_throttle_read_bps)
             < 0
      || jv_opt_array (c, p, v, "throttleWriteBpsDevice", tsize, parse_throttle_device,
                       &b->throttle_write_bps, &b->n_throttle_write_bps)
             < 0
      || jv_opt_array (c, p, v, "throttleReadIOPSDevice", tsize, parse_throttle_device,
                       &b->throttle_read_iops, &b->n_throttle_read_iops)
             < 0)
    return -1;
  return jv_opt_array (c, p, v, "throttleWriteIOPSDevice", tsize, parse_throttle_device,
                       &b->throttle_write_iops, &b->n_throttle_write_iops);
}

static int
parse_hugepage_limit (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_hugepage_limit *h = elem;
  struct jpath lp = JP_KEY (p, "limit");
  yajl_val limit = jv_field (v, "limit");

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "pageSize", &h->page_size) < 0)
    return -1;
  if (limit == NULL)
    return jerr_missing (c, &lp);
  return jv_uint (c, &lp, limit, UINT64_MAX, &h->limit);
}

static int
parse_net_priority (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_net_priority *np = elem;

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "name", &np->name) < 0)
    return -1;
  return jv_opt_u32 (c, p, v, "priority", &np->priority);
}

static int
parse_network (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_network *n = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_u64 (c, p, v, "classID", UINT32_MAX, &n->class_id) < 0)
    return -1;
  return jv_opt_array (c, p, v, "priorities", sizeof (struct sie_net_priority),
                       parse_net_priority, &n->priorities, &n->n_priorities);
}

static int
parse_rdma (const struct jctx *c, const struct jpath *p, const char *key, yajl_val v,
            void *elem)
{
  struct sie_rdma *r = elem;

  r->device = strdup (key);
  if (r->device == NULL)
    return jerr_oom (c);
  if (jv_object (c, p, v) < 0
      || jv_opt_u64 (c, p, v, "hcaHandles", UINT32_MAX, &r->hca_handles) < 0)
    return -1;
  return jv_opt_u64 (c, p, v, "hcaObjects", UINT32_MAX, &r->hca_objects);
}

int
parse_resources (const struct jctx *c, const struct jpath *p, yajl_val v,
                 struct sie_resources *r)
{
  if (jv_object (c, p, v) < 0
      || jv_opt_array (c, p, v, "devices", sizeof (struct sie_device_cgroup), parse_device_rule,
                       &r->devices, &r->n_devices)
             < 0
      || jv_opt_new (c, p, v, "memory", sizeof (struct sie_memory), parse_memory, &r->memory) < 0
      || jv_opt_new (c, p, v, "cpu", sizeof (struct sie_cpu), parse_cpu, &r->cpu) < 0
      || jv_opt_with (c, p, v, "pids", parse_pids, r) < 0
      || jv_opt_new (c, p, v, "blockIO", sizeof (struct sie_block_io), parse_block_io,
                     &r->block_io)
             < 0
      || jv_opt_array (c, p, v, "hugepageLimits", sizeof (struct sie_hugepage_limit),
                       parse_hugepage_limit, &r->hugepage_limits, &r->n_hugepage_limits)
             < 0
      || jv_opt_new (c, p, v, "network", sizeof (struct sie_network), parse_network,
                     &r->network)
             < 0
      || jv_opt_map (c, p, v, "rdma", sizeof (struct sie_rdma), parse_rdma, &r->rdma, &r->n_rdma)
             < 0)
    return -1;
  return jv_opt_kv (c, p, v, "unified", &r->unified, &r->n_unified);
}
