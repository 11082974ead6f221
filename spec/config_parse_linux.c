/* The "linux" object, except linux.resources. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config_parse.h"

static int
parse_namespace (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_namespace *ns = elem;
  struct jpath tp = JP_KEY (p, "type");
  char *type = NULL;
  int t;

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "type", &type) < 0)
    return -1;
  t = sie_ns_type_from_name (type);
  free (type);
  if (t < 0)
    return jerr_type (c, &tp,
                      "a namespace type (pid, network, mount, ipc, uts, user, cgroup, time)",
                      jv_field (v, "type"));
  ns->type = t;
  return jv_opt_string (c, p, v, "path", &ns->path);
}

static int
parse_namespaces (const struct jctx *c, const struct jpath *p, yajl_val obj, struct sie_linux *l)
{
  struct jpath kp = JP_KEY (p, "namespaces");
  unsigned seen = 0;

  if (jv_opt_array (c, p, obj, "namespaces", sizeof (struct sie_namespace), parse_namespace,
                    &l->namespaces, &l->n_namespaces)
      < 0)
    return -1;
  for (size_t i = 0; i < l->n_namespaces; i++)
    {
      unsigned bit = 1u << l->namespaces[i].type;
      if (seen & bit)
        {
          struct jpath ip = JP_IDX (&kp, i);
          return jerr (c, &ip, "duplicate namespace type \"%s\"",
                       sie_ns_type_name (l->namespaces[i].type));
        }
      seen |= bit;
    }
  return 0;
}

static int
parse_time_offset (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_time_offset *off = elem;
  sie_opt_i64 secs = { 0 };
  sie_opt_u64 nanosecs = { 0 };

  /* The kernel takes offsets as a timespec: nanoseconds stay below 1s. */
  if (jv_object (c, p, v) < 0
      || jv_opt_i64 (c, p, v, "secs", INT64_MIN, INT64_MAX, &secs) < 0
      || jv_opt_u64 (c, p, v, "nanosecs", 999999999, &nanosecs) < 0)
    return -1;
  off->set = true;
  off->secs = secs.v;
  off->nanosecs = (uint32_t) nanosecs.v;
  return 0;
}

/* A map by clock name; only the two clocks time namespaces offset exist. */
static int
parse_time_offsets (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_linux *l = elem;

  if (jv_object (c, p, v) < 0)
    return -1;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *clock = v->u.object.keys[i];
      struct jpath kp = JP_KEY (p, clock);
      if (strcmp (clock, "monotonic") != 0 && strcmp (clock, "boottime") != 0)
        return jerr (c, &kp, "unknown clock, expected monotonic or boottime");
    }
  if (jv_opt_with (c, p, v, "monotonic", parse_time_offset, &l->time_monotonic) < 0)
    return -1;
  return jv_opt_with (c, p, v, "boottime", parse_time_offset, &l->time_boottime);
}

static int
parse_device (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_device *d = elem;
  struct jpath tp = JP_KEY (p, "type");
  sie_opt_i64 major = { 0 }, minor = { 0 };
  char *type = NULL;
  bool valid;

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "type", &type) < 0)
    return -1;
  valid = strlen (type) == 1 && strchr ("cbup", type[0]) != NULL;
  d->type = type[0];
  free (type);
  if (!valid)
    return jerr_type (c, &tp, "a device type (c, b, u or p)", jv_field (v, "type"));

  if (jv_req_string (c, p, v, "path", &d->path) < 0
      || jv_opt_i64 (c, p, v, "major", INT64_MIN, INT64_MAX, &major) < 0
      || jv_opt_i64 (c, p, v, "minor", INT64_MIN, INT64_MAX, &minor) < 0
      || jv_opt_u64 (c, p, v, "fileMode", UINT32_MAX, &d->file_mode) < 0
      || jv_opt_u64 (c, p, v, "uid", UINT32_MAX, &d->uid) < 0
      || jv_opt_u64 (c, p, v, "gid", UINT32_MAX, &d->gid) < 0)
    return -1;
  /* A FIFO has no device number; every other node needs both. */
  if (d->type != 'p' && (!major.set || !minor.set))
    {
      struct jpath np = JP_KEY (p, major.set ? "minor" : "major");
      return jerr_missing (c, &np);
    }
  d->major = major.v;
  d->minor = minor.v;
  return 0;
}

static int
parse_seccomp_arg (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_seccomp_arg *a = elem;
  sie_opt_u64 value = { 0 }, value_two = { 0 };

  if (jv_object (c, p, v) < 0 || jv_opt_u32 (c, p, v, "index", &a->index) < 0
      || jv_opt_u64 (c, p, v, "value", UINT64_MAX, &value) < 0
      || jv_opt_u64 (c, p, v, "valueTwo", UINT64_MAX, &value_two) < 0)
    return -1;
  a->value = value.v;
  a->value_two = value_two.v;
  return jv_req_string (c, p, v, "op", &a->op);
}

static int
parse_syscall (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_seccomp_syscall *s = elem;
  struct jpath np = JP_KEY (p, "names");

  if (jv_object (c, p, v) < 0 || jv_opt_strv (c, p, v, "names", &s->names, &s->n_names) < 0)
    return -1;
  if (s->names == NULL)
    return jerr_missing (c, &np);
  if (jv_req_string (c, p, v, "action", &s->action) < 0
      || jv_opt_u64 (c, p, v, "errnoRet", UINT32_MAX, &s->errno_ret) < 0)
    return -1;
  return jv_opt_array (c, p, v, "args", sizeof (struct sie_seccomp_arg), parse_seccomp_arg,
                       &s->args, &s->n_args);
}

static int
parse_seccomp (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_seccomp *s = elem;

  if (jv_object (c, p, v) < 0
      || jv_req_string (c, p, v, "defaultAction", &s->default_action) < 0
      || jv_opt_u64 (c, p, v, "defaultErrnoRet", UINT32_MAX, &s->default_errno_ret) < 0
      || jv_opt_strv (c, p, v, "architectures", &s->architectures, &s->n_architectures) < 0
      || jv_opt_strv (c, p, v, "flags", &s->flags, &s->n_flags) < 0
      || jv_opt_string (c, p, v, "listenerPath", &s->listener_path) < 0
      || jv_opt_string (c, p, v, "listenerMetadata", &s->listener_metadata) < 0)
    return -1;
  return jv_opt_array (c, p, v, "syscalls", sizeof (struct sie_seccomp_syscall), parse_syscall,
                       &s->syscalls, &s->n_syscalls);
}

static int
parse_personality (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_personality *pers = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_string (c, p, v, "domain", &pers->domain) < 0)
    return -1;
  return jv_opt_strv (c, p, v, "flags", &pers->flags, &pers->n_flags);
}

static int
parse_intel_rdt (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_intel_rdt *rdt = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_string (c, p, v, "closID", &rdt->clos_id) < 0
      || jv_opt_string (c, p, v, "l3CacheSchema", &rdt->l3_cache_schema) < 0
      || jv_opt_string (c, p, v, "memBwSchema", &rdt->mem_bw_schema) < 0
      || jv_opt_bool (c, p, v, "enableCMT", &rdt->enable_cmt) < 0)
    return -1;
  return jv_opt_bool (c, p, v, "enableMBM", &rdt->enable_mbm);
}

static int
parse_memory_policy (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_memory_policy *mp = elem;

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "mode", &mp->mode) < 0
      || jv_opt_string (c, p, v, "nodes", &mp->nodes) < 0)
    return -1;
  return jv_opt_strv (c, p, v, "flags", &mp->flags, &mp->n_flags);
}

static int
parse_net_device (const struct jctx *c, const struct jpath *p, const char *key, yajl_val v,
                  void *elem)
{
  struct sie_net_device *nd = elem;

  nd->host_name = strdup (key);
  if (nd->host_name == NULL)
    return jerr_oom (c);
  if (jv_object (c, p, v) < 0)
    return -1;
  return jv_opt_string (c, p, v, "name", &nd->name);
}

static int
parse_resources_ (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  return parse_resources (c, p, v, elem);
}

int
parse_linux (const struct jctx *c, const struct jpath *p, yajl_val v, struct sie_linux *l)
{
  if (jv_object (c, p, v) < 0 || parse_namespaces (c, p, v, l) < 0
      || parse_id_mappings (c, p, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0
      || parse_id_mappings (c, p, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0
      || jv_opt_with (c, p, v, "timeOffsets", parse_time_offsets, l) < 0
      || jv_opt_array (c, p, v, "devices", sizeof (struct sie_device), parse_device,
                       &l->devices, &l->n_devices)
             < 0
      || jv_opt_string (c, p, v, "cgroupsPath", &l->cgroups_path) < 0
      || jv_opt_new (c, p, v, "resources", sizeof (struct sie_resources), parse_resources_,
                     &l->resources)
             < 0
      || jv_opt_string (c, p, v, "rootfsPropagation", &l->rootfs_propagation) < 0
      || jv_opt_new (c, p, v, "seccomp", sizeof (struct sie_seccomp), parse_seccomp,
                     &l->seccomp)
             < 0
      || jv_opt_kv (c, p, v, "sysctl", &l->sysctl, &l->n_sysctl) < 0
      || jv_opt_strv (c, p, v, "maskedPaths", &l->masked_paths, &l->n_masked_paths) < 0
      || jv_opt_strv (c, p, v, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths) < 0
      || jv_opt_string (c, p, v, "mountLabel", &l->mount_label) < 0
      || jv_opt_new (c, p, v, "personality", sizeof (struct sie_personality), parse_personality,
                     &l->personality)
             < 0
      || jv_opt_new (c, p, v, "intelRdt", sizeof (struct sie_intel_rdt), parse_intel_rdt,
                     &l->intel_rdt)
             < 0
      || jv_opt_new (c, p, v, "memoryPolicy", sizeof (struct sie_memory_policy),
                     parse_memory_policy, &l->memory_policy)
             < 0)
    return -1;
  return jv_opt_map (c, p, v, "netDevices", sizeof (struct sie_net_device), parse_net_device,
                     &l->net_devices, &l->n_net_devices);
}
