/* Eligibility.  The source describes what the container needs (facts);
 * the destination checks each need against itself and names every one it
 * cannot meet.  Both run at --test, at the start, and just before the
 * freeze. */
#include "relocate/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "relocate/cpuflags.h"
#include "relocate/domains.h"
#include "relocate/treehash.h"
#include "runtime/container_state.h"
#include "runtime/criu_opts.h"
#include "runtime/criu_rpc.h"
#include "runtime/query.h"
#include "runtime/statedir.h"
#include "spec/json_out.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* One CRIU request on an images directory; the answer is returned. */
static int
criu_request (CriuReqType type, int dirfd, CriuResp **resp, sie_error_t *err)
{
  struct sie_criu c;
  CriuReq req = CRIU_REQ__INIT;
  CriuOpts opts = CRIU_OPTS__INIT;
  int ret;

  opts.images_dir_fd = dirfd;
  req.type = type;
  req.opts = &opts;
  if (sie_criu_start (&dirfd, dirfd >= 0 ? 1 : 0, &c, err) < 0)
    return -1;
  ret = sie_criu_call (&c, &req, NULL, NULL, resp, err);
  sie_criu_finish (&c);
  return ret;
}

int
sie_facts_cpuinfo_dump (int dirfd, sie_error_t *err)
{
  CriuResp *resp = NULL;
  bool ok;

  if (criu_request (CRIU_REQ_TYPE__CPUINFO_DUMP, dirfd, &resp, err) < 0)
    return -1;
  ok = resp->success;
  criu_resp__free_unpacked (resp, NULL);
  return ok ? 0 : sie_error (err, 0, "criu cpuinfo dump failed");
}

/* major*10000 + minor*100 + sublevel, 0 when CRIU cannot tell. */
static long long
criu_version (void)
{
  CriuResp *resp = NULL;
  sie_error_t ignored = NULL;
  long long v = 0;

  if (criu_request (CRIU_REQ_TYPE__VERSION, -1, &resp, &ignored) == 0 && resp->version)
    v = resp->version->major_number * 10000LL + resp->version->minor_number * 100LL
        + (resp->version->has_sublevel ? resp->version->sublevel : 0);
  if (resp)
    criu_resp__free_unpacked (resp, NULL);
  sie_error_release (&ignored);
  return v;
}

static void
add_controllers (struct jout *o, const struct sie_cgroup *cg)
{
  jout_key (o, "hierarchies");
  jout_array (o);
  for (size_t i = 0; cg && i < cg->n_dirs; i++)
    {
      const char *base = strrchr (cg->dirs[i].hierarchy, '/');
      jout_str (o, base ? base + 1 : cg->dirs[i].hierarchy);
    }
  jout_end (o);
}

static void
add_binds (struct jout *o, const struct sie_config *cfg)
{
  jout_key (o, "binds");
  jout_array (o);
  for (size_t i = 0; i < cfg->n_mounts; i++)
    if (sie_mount_is_bind (&cfg->mounts[i]) && cfg->mounts[i].source)
      jout_str (o, cfg->mounts[i].source);
  jout_end (o);
}

static long long
memory_limit (const struct sie_config *cfg)
{
  const struct sie_resources *r = cfg->linux_ ? cfg->linux_->resources : NULL;
  return r && r->memory && r->memory->limit.set && r->memory->limit.v > 0 ? r->memory->limit.v : 0;
}

static void
add_flags (struct jout *o, const char *key, const struct sie_cpuflags *f)
{
  jout_key_strv (o, key, (const char *const *) f->v, f->n);
}

/* What the container may use of the CPU: every flag of this host's, or,
 * in a domain, the domain's ceiling. */
static void
add_cpu (struct jout *o, const struct sie_cpuflags *here, const struct sie_reloc_domain *d)
{
  add_flags (o, "cpu_flags", here);
  if (d)
    {
      jout_key_str (o, "domain", d->name);
      add_flags (o, "domain_ceiling", &d->ceiling);
    }
}

static int
write_facts (const struct sie_container_info *info, const struct sie_relocate_opts *ro,
             const char *config, char **json, sie_error_t *err)
{
  cleanup_cgroup struct sie_cgroup *cg = NULL;
  cleanup_cpuflags struct sie_cpuflags cpu = { 0 };
  const struct sie_namespace *net = sie_config_namespace (info->cfg, SIE_NS_NETWORK);
  char hash[SIE_TREEHASH_HEX];
  struct utsname u;
  struct jout o;
  sie_error_t ignored = NULL;
  int netfacts;

  if (sie_treehash (info->st->rootfs, hash, err) < 0)
    return sie_error_prefix (err, "rootfs");
  if (sie_cpuflags_read (SIE_CPUINFO, &cpu, err) < 0)
    return -1;
  if (sie_cgroup_load (info->dirfd, SIE_CGROUP_FILE, &cg, &ignored) < 0)
    sie_error_release (&ignored);
  uname (&u);
  if (jout_init (&o, NULL, err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "id", ro->id);
  jout_key_int (&o, "mode", ro->mode);
  jout_key_str (&o, "config", config);
  jout_key_str (&o, "bundle", info->st->bundle);
  jout_key_str (&o, "rootfs", info->st->rootfs);
  jout_key_str (&o, "rootfs_hash", hash);
  jout_key_int (&o, "criu_version", criu_version ());
  jout_key_str (&o, "kernel", u.release);
  jout_key_int (&o, "memory_limit", memory_limit (info->cfg));
  if (net && net->path)
    jout_key_str (&o, "netns", net->path);
  add_controllers (&o, cg);
  add_binds (&o, info->cfg);
  add_cpu (&o, &cpu, ro->domain);
  netfacts = sie_netfacts_collect (info, &o, err);
  jout_close (&o);
  if (jout_finish (&o, false, json, netfacts < 0 ? NULL : err) < 0)
    return -1;
  if (netfacts < 0)
    {
      free (*json);
      *json = NULL;
    }
  return netfacts;
}

int
sie_facts_collect (const struct sie_relocate_opts *o, char **json, sie_error_t *err)
{
  cleanup_info struct sie_container_info info = { .dirfd = -1 };
  cleanup_free char *config = NULL;
  size_t len;

  if (sie_container_info_load (o->root, o->id, false, &info, err) < 0)
    return -1;
  if (info.st == NULL || info.cfg == NULL)
    return sie_error (err, 0, "container state is incomplete");
  if (sie_read_file_at (info.dirfd, SIE_CONFIG_FILE, 16 << 20, &config, &len, err) < 0)
    return -1;
  return write_facts (&info, o, config, json, err);
}

/* ---- verdicts: {"violations": [{"check", "detail"}, ...]} ---- */

struct verdict
{
  struct jout o;
  int n;
};

static int
verdict_open (struct verdict *v, sie_error_t *err)
{
  v->n = 0;
  if (jout_init (&v->o, NULL, err) < 0)
    return -1;
  jout_open (&v->o);
  jout_key (&v->o, "violations");
  jout_array (&v->o);
  return 0;
}

static int
verdict_finish (struct verdict *v, char **out, sie_error_t *err)
{
  jout_end (&v->o);
  jout_close (&v->o);
  return jout_finish (&v->o, false, out, err);
}

static void
violation (struct verdict *v, const char *check, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
violation (struct verdict *v, const char *check, const char *fmt, ...)
{
  cleanup_free char *detail = NULL;
  va_list ap;

  /* vasprintf: a list of missing CPU flags can be long */
  va_start (ap, fmt);
  if (vasprintf (&detail, fmt, ap) < 0)
    detail = NULL;
  va_end (ap);
  jout_open (&v->o);
  jout_key_str (&v->o, "check", check);
  jout_key_str (&v->o, "detail", detail ? detail : "(out of memory)");
  jout_close (&v->o);
  v->n++;
}

/* ---- the source's own check ---- */

/* z/VM's rule: a guest in a domain moves only between its members. */
static void
check_domain (struct verdict *v, const struct sie_reloc_domain *d, const char *dest)
{
  cleanup_free char *members = NULL;
  sie_error_t e = NULL;

  if (d == NULL || sie_reloc_domain_has_member (d, dest))
    return;
  if (sie_reloc_domain_format_members (d, &members, &e) < 0)
    sie_error_release (&e);
  violation (v, "domain", "%s is not a member of relocation domain %s (its members: %s)", dest,
             d->name, members ? members : "?");
}

int
sie_facts_check_source (const struct sie_relocate_opts *o, char **out, sie_error_t *err)
{
  struct verdict v;

  if (verdict_open (&v, err) < 0)
    return -1;
  check_domain (&v, o->domain, o->dest);
  return verdict_finish (&v, out, err);
}

/* ---- the destination's side ---- */

/* The flag names the source sent under key. */
static int
facts_flags (yajl_val facts, const char *key, struct sie_cpuflags *out, sie_error_t *err)
{
  const char *path[] = { key, NULL };
  yajl_val a = yajl_tree_get (facts, path, yajl_t_array);
  cleanup_free const char **names = NULL;

  if (a == NULL)
    return sie_error (err, 0, "the source sent no %s", key);
  names = calloc (a->u.array.len + 1, sizeof *names);
  if (names == NULL)
    return sie_error (err, ENOMEM, "%s", key);
  for (size_t i = 0; i < a->u.array.len; i++)
    if ((names[i] = YAJL_GET_STRING (a->u.array.values[i])) == NULL)
      return sie_error (err, 0, "%s: expected an array of strings", key);
  return sie_cpuflags_from_names (names, a->u.array.len, out, err);
}

/* need − here, as names; NULL when nothing is missing. */
static int
missing_names (const struct sie_cpuflags *need, const struct sie_cpuflags *here, char **out,
               sie_error_t *err)
{
  cleanup_cpuflags struct sie_cpuflags missing = { 0 };

  *out = NULL;
  if (sie_cpuflags_diff (need, here, &missing, err) < 0)
    return -1;
  return missing.n ? sie_cpuflags_format (&missing, out, err) : 0;
}

/* Every flag the container may use must be here: its domain's ceiling
 * when it is in one, else every flag of the source's CPU.  A source that
 * sends no flags (an older sie) gets CRIU's check alone. */
static void
check_cpu_flags (struct verdict *v, yajl_val facts, const struct sie_cpuflags *here)
{
  const char *domain = sie_json_str (facts, "domain");
  const char *key = domain ? "domain_ceiling" : "cpu_flags";
  const char *path[] = { "cpu_flags", NULL };
  cleanup_cpuflags struct sie_cpuflags need = { 0 };
  cleanup_free char *names = NULL;
  sie_error_t e = NULL;

  if (domain == NULL && yajl_tree_get (facts, path, yajl_t_any) == NULL)
    return;
  if (facts_flags (facts, key, &need, &e) < 0 || missing_names (&need, here, &names, &e) < 0)
    {
      violation (v, "cpu", "the source's CPU flags: %s", e->msg);
      sie_error_release (&e);
    }
  else if (names && domain)
    violation (v, "cpu",
               "this host lacks CPU features the container may use (relocation domain %s): %s",
               domain, names);
  else if (names)
    violation (v, "cpu", "this host lacks CPU features the container may use: %s", names);
}

/* The source's flags this host lacks, to name them when CRIU's check fails. */
static char *
source_flags_missing (yajl_val facts, const struct sie_cpuflags *here)
{
  cleanup_cpuflags struct sie_cpuflags src = { 0 };
  sie_error_t e = NULL;
  char *names = NULL;

  if (here && (facts_flags (facts, "cpu_flags", &src, &e) < 0
               || missing_names (&src, here, &names, &e) < 0))
    sie_error_release (&e);
  return names;
}

/* CRIU's own comparison of the two CPUs (CPUID, FPU state), second. */
static void
check_criu_cpu (struct verdict *v, int dirfd, yajl_val facts, const struct sie_cpuflags *here)
{
  CriuResp *resp = NULL;
  sie_error_t e = NULL;

  if (criu_request (CRIU_REQ_TYPE__CPUINFO_CHECK, dirfd, &resp, &e) < 0)
    violation (v, "cpu", "cannot run CRIU's CPU check here: %s", e->msg);
  else if (!resp->success)
    {
      cleanup_free char *names = source_flags_missing (facts, here);
      violation (v, "cpu",
                 "this host lacks CPU features the container may use (criu cpuinfo check)%s%s",
                 names ? ": " : "", names ? names : "");
    }
  if (resp)
    criu_resp__free_unpacked (resp, NULL);
  sie_error_release (&e);
}

static void
check_cpu (struct verdict *v, int dirfd, yajl_val facts)
{
  cleanup_cpuflags struct sie_cpuflags here = { 0 };
  sie_error_t e = NULL;
  bool have = sie_cpuflags_read (SIE_CPUINFO, &here, &e) == 0;

  if (have)
    check_cpu_flags (v, facts, &here);
  else
    {
      violation (v, "cpu", "cannot read this host's CPU flags: %s", e->msg);
      sie_error_release (&e);
    }
  check_criu_cpu (v, dirfd, facts, have ? &here : NULL);
}

static void
check_rootfs (struct verdict *v, const char *rootfs, const char *want)
{
  char hash[SIE_TREEHASH_HEX];
  sie_error_t e = NULL;

  if (rootfs == NULL || want == NULL)
    violation (v, "rootfs", "the source sent no rootfs");
  else if (sie_treehash (rootfs, hash, &e) < 0)
    violation (v, "rootfs", "%s: %s", rootfs, e->msg);
  else if (strcmp (hash, want) != 0)
    violation (v, "rootfs", "%s differs here (tree hash %.12s, the source's %.12s)", rootfs, hash,
               want);
  sie_error_release (&e);
}

static bool
host_has_hierarchy (const struct sie_cgroup_layout *l, const char *name)
{
  for (size_t i = 0; l && i < l->n; i++)
    {
      const char *base = strrchr (l->h[i].mountpoint, '/');
      if (strcmp (base ? base + 1 : l->h[i].mountpoint, name) == 0)
        return true;
    }
  return false;
}

static long long
mem_available (void)
{
  char line[256];
  long long kb = -1;
  cleanup_file FILE *f = fopen ("/proc/meminfo", "re");

  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "MemAvailable: %lld kB", &kb) == 1)
      break;
  return kb < 0 ? -1 : kb * 1024;
}

static void
check_cgroups (struct verdict *v, yajl_val facts)
{
  const char *path[] = { "hierarchies", NULL };
  yajl_val hs = yajl_tree_get (facts, path, yajl_t_array);
  const struct sie_cgroup_layout *l = NULL;
  sie_error_t e = NULL;
  long long limit = sie_json_int (facts, "memory_limit", 0), avail = mem_available ();

  if (sie_cgroup_layout_get (&l, &e) < 0)
    {
      violation (v, "cgroups", "%s", e->msg);
      sie_error_release (&e);
      return;
    }
  for (size_t i = 0; hs && i < hs->u.array.len; i++)
    {
      const char *name = YAJL_GET_STRING (hs->u.array.values[i]);
      if (name && !host_has_hierarchy (l, name))
        violation (v, "cgroups", "no %s cgroup hierarchy here", name);
    }
  if (limit > 0 && avail >= 0 && avail < limit)
    violation (v, "memory", "the container may use %lld MiB; %lld MiB are available here",
               limit >> 20, avail >> 20);
}

static void
check_paths (struct verdict *v, yajl_val facts)
{
  const char *path[] = { "binds", NULL };
  yajl_val bs = yajl_tree_get (facts, path, yajl_t_array);
  const char *netns = sie_json_str (facts, "netns");
  struct stat st;

  for (size_t i = 0; bs && i < bs->u.array.len; i++)
    {
      const char *src = YAJL_GET_STRING (bs->u.array.values[i]);
      if (src && stat (src, &st) < 0)
        violation (v, "binds", "bind-mount source %s does not exist here", src);
    }
  if (netns && stat (netns, &st) < 0)
    violation (v, "network", "the container's network namespace %s does not exist here", netns);
}

static void
check_id_and_criu (struct verdict *v, const char *root, yajl_val facts)
{
  const char *id = sie_json_str (facts, "id");
  long long want = sie_json_int (facts, "criu_version", 0), have = criu_version ();
  sie_error_t e = NULL;
  int fd;

  if (id == NULL || sie_id_validate (id, &e) < 0)
    violation (v, "id", "%s", e ? e->msg : "no container ID");
  else if ((fd = sie_statedir_open_unlocked (root, id, &e)) >= 0)
    {
      close (fd);
      violation (v, "id", "container ID %s is already in use here", id);
    }
  sie_error_release (&e);
  if (have == 0)
    violation (v, "criu", "CRIU does not answer here");
  else if (have < want)
    violation (v, "criu", "CRIU here (%lld) is older than the source's (%lld)", have, want);
}

static void
net_violation (void *data, const char *check, const char *detail)
{
  violation (data, check, "%s", detail);
}

int
sie_facts_check (const char *root, const char *bridge, const char *facts_json, int dirfd,
                 char **out, sie_error_t *err)
{
  yajl_val facts = yajl_tree_parse (facts_json, NULL, 0);
  struct verdict v;
  int ret;

  if (facts == NULL || !YAJL_IS_OBJECT (facts))
    {
      yajl_tree_free (facts);
      return sie_error (err, 0, "the source's facts do not parse");
    }
  if (verdict_open (&v, err) < 0)
    {
      yajl_tree_free (facts);
      return -1;
    }
  check_id_and_criu (&v, root, facts);
  check_cpu (&v, dirfd, facts);
  check_cgroups (&v, facts);
  check_rootfs (&v, sie_json_str (facts, "rootfs"), sie_json_str (facts, "rootfs_hash"));
  check_paths (&v, facts);
  sie_netfacts_check (facts, bridge, net_violation, &v);
  ret = verdict_finish (&v, out, err);
  yajl_tree_free (facts);
  return ret;
}
