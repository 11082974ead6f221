/* spec/config: parsing every field, and every kind of bad input giving one
 * error that names the JSON path (or line and column) and the cause. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "spec/config.h"
#include "spec/state.h"
#include "tests/unit/tap.h"
#include "util/cleanup.h"

static const char full_json[] =
  "{\n"
  "  \"ociVersion\": \"1.2.0\",\n"
  "  \"process\": {\n"
  "    \"terminal\": true,\n"
  "    \"consoleSize\": {\"height\": 24, \"width\": 80},\n"
  "    \"user\": {\"uid\": 1000, \"gid\": 1001, \"umask\": 18, \"additionalGids\": [5, 6, 4294967295]},\n"
  "    \"args\": [\"/bin/sh\", \"-c\", \"echo hi\"],\n"
  "    \"env\": [\"PATH=/usr/bin:/bin\", \"TERM=xterm\"],\n"
  "    \"cwd\": \"/work\",\n"
  "    \"capabilities\": {\n"
  "      \"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"],\n"
  "      \"effective\": [\"CAP_KILL\"],\n"
  "      \"inheritable\": [],\n"
  "      \"permitted\": [\"CAP_KILL\", \"CAP_CHOWN\"],\n"
  "      \"ambient\": [\"CAP_NET_BIND_SERVICE\"]\n"
  "    },\n"
  "    \"rlimits\": [\n"
  "      {\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 512},\n"
  "      {\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615, \"soft\": 18446744073709551615}\n"
  "    ],\n"
  "    \"noNewPrivileges\": true,\n"
  "    \"apparmorProfile\": \"sie-default\",\n"
  "    \"oomScoreAdj\": -500,\n"
  "    \"selinuxLabel\": \"system_u:system_r:container_t:s0\",\n"
  "    \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"nice\": -5, \"priority\": 0, \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\"], \"runtime\": 10000000, \"deadline\": 20000000, \"period\": 30000000},\n"
  "    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 4},\n"
  "    \"execCPUAffinity\": {\"initial\": \"0-1\", \"final\": \"2-3,7\"}\n"
  "  },\n"
  "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
  "  \"hostname\": \"box\",\n"
  "  \"domainname\": \"example.org\",\n"
  "  \"mounts\": [\n"
  "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
  "    {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv/data\", \"options\": [\"rbind\", \"ro\", \"idmap\"],\n"
  "     \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
  "     \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 65536}]}\n"
  "  ],\n"
  "  \"hooks\": {\n"
  "    \"prestart\": [{\"path\": \"/usr/bin/pre\", \"args\": [\"pre\", \"1\"], \"env\": [\"A=1\"], \"timeout\": 5}],\n"
  "    \"createRuntime\": [{\"path\": \"/usr/bin/cr\"}],\n"
  "    \"createContainer\": [{\"path\": \"/usr/bin/cc\"}, {\"path\": \"/usr/bin/cc2\"}],\n"
  "    \"startContainer\": [{\"path\": \"/usr/bin/sc\"}],\n"
  "    \"poststart\": [{\"path\": \"/usr/bin/ps\"}],\n"
  "    \"poststop\": [{\"path\": \"/usr/bin/pst\", \"timeout\": 30}]\n"
  "  },\n"
  "  \"annotations\": {\"org.example.key\": \"value\", \"b\": \"2\"},\n"
  "  \"linux\": {\n"
  "    \"namespaces\": [\n"
  "      {\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"}, {\"type\": \"mount\"},\n"
  "      {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"user\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}\n"
  "    ],\n"
  "    \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],\n"
  "    \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1001, \"size\": 1}, {\"containerID\": 1, \"hostID\": 100000, \"size\": 65536}],\n"
  "    \"timeOffsets\": {\"monotonic\": {\"secs\": -86400, \"nanosecs\": 5}, \"boottime\": {\"secs\": 3600, \"nanosecs\": 999999999}},\n"
  "    \"devices\": [\n"
  "      {\"type\": \"c\", \"path\": \"/dev/fuse\", \"major\": 10, \"minor\": 229, \"fileMode\": 438, \"uid\": 0, \"gid\": 0},\n"
  "      {\"type\": \"p\", \"path\": \"/dev/myfifo\"}\n"
  "    ],\n"
  "    \"cgroupsPath\": \"/sie/box\",\n"
  "    \"resources\": {\n"
  "      \"devices\": [\n"
  "        {\"allow\": false, \"access\": \"rwm\"},\n"
  "        {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"}\n"
  "      ],\n"
  "      \"memory\": {\"limit\": 536870912, \"reservation\": 268435456, \"swap\": -1, \"kernel\": 0, \"kernelTCP\": 1024,\n"
  "                 \"swappiness\": 60, \"disableOOMKiller\": false, \"useHierarchy\": true, \"checkBeforeUpdate\": true},\n"
  "      \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"burst\": 1000, \"period\": 100000, \"realtimeRuntime\": 950000,\n"
  "              \"realtimePeriod\": 1000000, \"cpus\": \"0-3\", \"mems\": \"0\", \"idle\": 1},\n"
  "      \"pids\": {\"limit\": 100},\n"
  "      \"blockIO\": {\n"
  "        \"weight\": 500, \"leafWeight\": 300,\n"
  "        \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 600, \"leafWeight\": 200}],\n"
  "        \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}],\n"
  "        \"throttleWriteBpsDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 2097152}],\n"
  "        \"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 100}],\n"
  "        \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 200}]\n"
  "      },\n"
  "      \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}, {\"pageSize\": \"1GB\", \"limit\": 0}],\n"
  "      \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 500}, {\"name\": \"lo\", \"priority\": 1}]},\n"
  "      \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}, \"mlx4_0\": {\"hcaObjects\": 1}},\n"
  "      \"unified\": {\"memory.high\": \"1073741824\", \"io.weight\": \"default 100\"}\n"
  "    },\n"
  "    \"rootfsPropagation\": \"rslave\",\n"
  "    \"seccomp\": {\n"
  "      \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
  "      \"defaultErrnoRet\": 1,\n"
  "      \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],\n"
  "      \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],\n"
  "      \"listenerPath\": \"/run/seccomp.sock\",\n"
  "      \"listenerMetadata\": \"meta\",\n"
  "      \"syscalls\": [\n"
  "        {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
  "        {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38,\n"
  "         \"args\": [{\"index\": 0, \"value\": 8, \"valueTwo\": 18446744073709551615, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}\n"
  "      ]\n"
  "    },\n"
  "    \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"4096\"},\n"
  "    \"maskedPaths\": [\"/proc/kcore\", \"/sys/firmware\"],\n"
  "    \"readonlyPaths\": [\"/proc/sys\"],\n"
  "    \"mountLabel\": \"system_u:object_r:container_file_t:s0\",\n"
  "    \"personality\": {\"domain\": \"LINUX32\", \"flags\": []},\n"
  "    \"intelRdt\": {\"closID\": \"guaranteed\", \"l3CacheSchema\": \"L3:0=ff\", \"memBwSchema\": \"MB:0=50\", \"enableCMT\": true, \"enableMBM\": true},\n"
  "    \"memoryPolicy\": {\"mode\": \"MPOL_BIND\", \"nodes\": \"0-1\", \"flags\": [\"MPOL_F_STATIC_NODES\"]},\n"
  "    \"netDevices\": {\"eth1\": {\"name\": \"ctr1\"}, \"eth2\": {}}\n"
  "  }\n"
  "}\n";

static struct sie_config *
parse_ok (const char *json, const char *what)
{
  sie_error_t err = NULL;
  struct sie_config *c = NULL;
  int r = sie_config_parse (json, strlen (json), "config.json", &c, &err);

  ok (r == 0 && c != NULL, "%s parses", what);
  if (err)
    {
      printf ("#   error: %s\n", err->msg);
      sie_error_release (&err);
    }
  return c;
}

/* Parses json (length given, so NULs and truncation can be tested) and
 * checks the error message. */
static void
parse_fails_n (const char *json, size_t len, const char *want, const char *what)
{
  sie_error_t err = NULL;
  struct sie_config *c = NULL;
  int r = sie_config_parse (json, len, "config.json", &c, &err);

  ok (r < 0 && c == NULL && err != NULL, "%s is refused", what);
  is_str (err ? err->msg : NULL, want, "%s: message", what);
  sie_error_release (&err);
  sie_config_free (c);
}

static void
parse_fails (const char *json, const char *want, const char *what)
{
  parse_fails_n (json, strlen (json), want, what);
}

static bool
strv_is (char **v, size_t n, const char *const *want, size_t n_want)
{
  if (v == NULL || n != n_want || v[n] != NULL)
    return false;
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i], want[i]) != 0)
      return false;
  return true;
}
#define STRV_IS(v, n, ...)                                                                         \
  strv_is (v, n, (const char *const[]){ __VA_ARGS__ },                                           \
           sizeof ((const char *const[]){ __VA_ARGS__ }) / sizeof (const char *))

static void
check_full_process (const struct sie_process *p)
{
  ok (p->terminal && p->has_console_size && p->console_height == 24 && p->console_width == 80,
      "process.terminal, consoleSize");
  ok (p->user.uid == 1000 && p->user.gid == 1001 && p->user.umask.set && p->user.umask.v == 18,
      "process.user uid, gid, umask");
  ok (p->user.n_additional_gids == 3 && p->user.additional_gids[0] == 5
          && p->user.additional_gids[1] == 6 && p->user.additional_gids[2] == UINT32_MAX,
      "process.user.additionalGids");
  ok (STRV_IS (p->args, p->n_args, "/bin/sh", "-c", "echo hi"), "process.args");
  ok (STRV_IS (p->env, p->n_env, "PATH=/usr/bin:/bin", "TERM=xterm"), "process.env");
  is_str (p->cwd, "/work", "process.cwd");
  ok (p->capabilities && STRV_IS (p->capabilities->bounding, 2, "CAP_KILL", "CAP_CHOWN")
          && STRV_IS (p->capabilities->effective, 1, "CAP_KILL")
          && p->capabilities->inheritable && p->capabilities->inheritable[0] == NULL
          && STRV_IS (p->capabilities->permitted, 2, "CAP_KILL", "CAP_CHOWN")
          && STRV_IS (p->capabilities->ambient, 1, "CAP_NET_BIND_SERVICE"),
      "process.capabilities, [] kept distinct from absent");
  ok (p->n_rlimits == 2 && strcmp (p->rlimits[0].type, "RLIMIT_NOFILE") == 0
          && p->rlimits[0].hard == 1024 && p->rlimits[0].soft == 512,
      "process.rlimits[0]");
  ok (strcmp (p->rlimits[1].type, "RLIMIT_CORE") == 0 && p->rlimits[1].hard == UINT64_MAX
          && p->rlimits[1].soft == UINT64_MAX,
      "process.rlimits[1] = 18446744073709551615 (above INT64_MAX)");
  ok (p->no_new_privileges, "process.noNewPrivileges");
  is_str (p->apparmor_profile, "sie-default", "process.apparmorProfile");
  ok (p->oom_score_adj.set && p->oom_score_adj.v == -500, "process.oomScoreAdj");
  is_str (p->selinux_label, "system_u:system_r:container_t:s0", "process.selinuxLabel");
  ok (p->scheduler && strcmp (p->scheduler->policy, "SCHED_DEADLINE") == 0
          && p->scheduler->nice.set && p->scheduler->nice.v == -5 && p->scheduler->priority.set
          && p->scheduler->priority.v == 0
          && STRV_IS (p->scheduler->flags, 1, "SCHED_FLAG_RESET_ON_FORK")
          && p->scheduler->runtime.v == 10000000 && p->scheduler->deadline.v == 20000000
          && p->scheduler->period.set && p->scheduler->period.v == 30000000,
      "process.scheduler");
  ok (p->io_priority && strcmp (p->io_priority->class, "IOPRIO_CLASS_BE") == 0
          && p->io_priority->priority == 4,
      "process.ioPriority");
  ok (p->exec_cpu_affinity && strcmp (p->exec_cpu_affinity->initial, "0-1") == 0
          && strcmp (p->exec_cpu_affinity->final, "2-3,7") == 0,
      "process.execCPUAffinity");
}

static void
check_full_top (const struct sie_config *c)
{
  const struct sie_mount *m;

  is_str (c->oci_version, "1.2.0", "ociVersion");
  ok (c->root && strcmp (c->root->path, "rootfs") == 0 && c->root->readonly, "root");
  is_str (c->hostname, "box", "hostname");
  is_str (c->domainname, "example.org", "domainname");
  ok (c->n_mounts == 2, "two mounts");
  m = &c->mounts[0];
  ok (strcmp (m->destination, "/proc") == 0 && strcmp (m->type, "proc") == 0
          && strcmp (m->source, "proc") == 0 && m->options == NULL && m->uid_mappings == NULL,
      "mounts[0]");
  m = &c->mounts[1];
  ok (strcmp (m->destination, "/data") == 0 && strcmp (m->type, "bind") == 0
          && strcmp (m->source, "/srv/data") == 0
          && STRV_IS (m->options, m->n_options, "rbind", "ro", "idmap"),
      "mounts[1]");
  ok (m->n_uid_mappings == 1 && m->uid_mappings[0].container_id == 0
          && m->uid_mappings[0].host_id == 100000 && m->uid_mappings[0].size == 65536
          && m->n_gid_mappings == 1 && m->gid_mappings[0].host_id == 200000,
      "mounts[1] uid/gidMappings");

  const struct sie_hook *h = c->hooks.hooks[SIE_HOOK_PRESTART];
  ok (c->hooks.n_hooks[SIE_HOOK_PRESTART] == 1 && strcmp (h->path, "/usr/bin/pre") == 0
          && STRV_IS (h->args, h->n_args, "pre", "1") && STRV_IS (h->env, h->n_env, "A=1")
          && h->timeout.set && h->timeout.v == 5,
      "hooks.prestart");
  ok (c->hooks.n_hooks[SIE_HOOK_CREATE_RUNTIME] == 1
          && strcmp (c->hooks.hooks[SIE_HOOK_CREATE_RUNTIME][0].path, "/usr/bin/cr") == 0
          && c->hooks.n_hooks[SIE_HOOK_CREATE_CONTAINER] == 2
          && strcmp (c->hooks.hooks[SIE_HOOK_CREATE_CONTAINER][1].path, "/usr/bin/cc2") == 0
          && c->hooks.n_hooks[SIE_HOOK_START_CONTAINER] == 1
          && c->hooks.n_hooks[SIE_HOOK_POSTSTART] == 1
          && c->hooks.n_hooks[SIE_HOOK_POSTSTOP] == 1
          && c->hooks.hooks[SIE_HOOK_POSTSTOP][0].timeout.v == 30
          && !c->hooks.hooks[SIE_HOOK_CREATE_RUNTIME][0].timeout.set
          && c->hooks.hooks[SIE_HOOK_CREATE_RUNTIME][0].args == NULL,
      "hooks: all six kinds");
  ok (c->n_annotations == 2 && strcmp (c->annotations[0].key, "org.example.key") == 0
          && strcmp (c->annotations[0].value, "value") == 0
          && strcmp (c->annotations[1].key, "b") == 0,
      "annotations in document order");
  is_str (sie_config_annotation (c, "b"), "2", "sie_config_annotation");
  ok (sie_config_annotation (c, "nope") == NULL, "sie_config_annotation: absent key");
}

static void
check_full_linux (const struct sie_linux *l)
{
  ok (l->n_namespaces == 8, "8 namespaces");
  for (int t = 0; t < SIE_NS_TYPES; t++)
    ok (l->namespaces[t == 0 ? 0 : t].type == (enum sie_ns_type) t, "namespace %s",
        sie_ns_type_name (t));
  is_str (l->namespaces[1].path, "/run/netns/x", "namespace path");
  ok (l->namespaces[0].path == NULL, "namespace without path");
  ok (l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 1000 && l->n_gid_mappings == 2
          && l->gid_mappings[1].container_id == 1 && l->gid_mappings[1].host_id == 100000
          && l->gid_mappings[1].size == 65536,
      "linux.uid/gidMappings");
  ok (l->time_monotonic.set && l->time_monotonic.secs == -86400
          && l->time_monotonic.nanosecs == 5 && l->time_boottime.set
          && l->time_boottime.secs == 3600 && l->time_boottime.nanosecs == 999999999,
      "linux.timeOffsets");
  ok (l->n_devices == 2 && l->devices[0].type == 'c'
          && strcmp (l->devices[0].path, "/dev/fuse") == 0 && l->devices[0].major == 10
          && l->devices[0].minor == 229 && l->devices[0].file_mode.set
          && l->devices[0].file_mode.v == 438 && l->devices[0].uid.set && l->devices[0].gid.set,
      "linux.devices[0]");
  ok (l->devices[1].type == 'p' && !l->devices[1].file_mode.set, "linux.devices[1]: a fifo");
  is_str (l->cgroups_path, "/sie/box", "linux.cgroupsPath");
  is_str (l->rootfs_propagation, "rslave", "linux.rootfsPropagation");
  ok (l->n_sysctl == 2 && strcmp (l->sysctl[0].key, "net.ipv4.ip_forward") == 0
          && strcmp (l->sysctl[0].value, "1") == 0,
      "linux.sysctl");
  ok (STRV_IS (l->masked_paths, l->n_masked_paths, "/proc/kcore", "/sys/firmware")
          && STRV_IS (l->readonly_paths, l->n_readonly_paths, "/proc/sys"),
      "linux.maskedPaths, readonlyPaths");
  is_str (l->mount_label, "system_u:object_r:container_file_t:s0", "linux.mountLabel");
  ok (l->personality && strcmp (l->personality->domain, "LINUX32") == 0
          && l->personality->n_flags == 0 && l->personality->flags,
      "linux.personality");
  ok (l->intel_rdt && strcmp (l->intel_rdt->clos_id, "guaranteed") == 0
          && strcmp (l->intel_rdt->l3_cache_schema, "L3:0=ff") == 0
          && strcmp (l->intel_rdt->mem_bw_schema, "MB:0=50") == 0 && l->intel_rdt->enable_cmt
          && l->intel_rdt->enable_mbm,
      "linux.intelRdt");
  ok (l->memory_policy && strcmp (l->memory_policy->mode, "MPOL_BIND") == 0
          && strcmp (l->memory_policy->nodes, "0-1") == 0
          && STRV_IS (l->memory_policy->flags, l->memory_policy->n_flags, "MPOL_F_STATIC_NODES"),
      "linux.memoryPolicy");
  ok (l->n_net_devices == 2 && strcmp (l->net_devices[0].host_name, "eth1") == 0
          && strcmp (l->net_devices[0].name, "ctr1") == 0
          && strcmp (l->net_devices[1].host_name, "eth2") == 0 && l->net_devices[1].name == NULL,
      "linux.netDevices");
}

static void
check_full_seccomp (const struct sie_seccomp *s)
{
  ok (s != NULL, "linux.seccomp present");
  if (s == NULL)
    return;
  ok (strcmp (s->default_action, "SCMP_ACT_ERRNO") == 0 && s->default_errno_ret.set
          && s->default_errno_ret.v == 1,
      "seccomp defaultAction, defaultErrnoRet");
  ok (STRV_IS (s->architectures, s->n_architectures, "SCMP_ARCH_X86_64", "SCMP_ARCH_X86")
          && STRV_IS (s->flags, s->n_flags, "SECCOMP_FILTER_FLAG_LOG"),
      "seccomp architectures, flags");
  ok (strcmp (s->listener_path, "/run/seccomp.sock") == 0
          && strcmp (s->listener_metadata, "meta") == 0,
      "seccomp listenerPath, listenerMetadata");
  ok (s->n_syscalls == 2 && STRV_IS (s->syscalls[0].names, s->syscalls[0].n_names, "read", "write")
          && strcmp (s->syscalls[0].action, "SCMP_ACT_ALLOW") == 0
          && !s->syscalls[0].errno_ret.set && s->syscalls[0].args == NULL,
      "seccomp syscalls[0]");
  const struct sie_seccomp_syscall *sc = &s->syscalls[1];
  ok (sc->errno_ret.set && sc->errno_ret.v == 38 && sc->n_args == 1 && sc->args[0].index == 0
          && sc->args[0].value == 8 && sc->args[0].value_two == UINT64_MAX
          && strcmp (sc->args[0].op, "SCMP_CMP_MASKED_EQ") == 0,
      "seccomp syscalls[1] with args");
}

static void
check_full_resources (const struct sie_resources *r)
{
  ok (r != NULL, "linux.resources present");
  if (r == NULL)
    return;
  ok (r->n_devices == 2 && !r->devices[0].allow && r->devices[0].type == 0
          && !r->devices[0].major.set && strcmp (r->devices[0].access, "rwm") == 0
          && r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].major.v == 10
          && r->devices[1].minor.set && r->devices[1].minor.v == 229,
      "resources.devices");
  const struct sie_memory *m = r->memory;
  ok (m && m->limit.set && m->limit.v == 536870912 && m->reservation.v == 268435456
          && m->swap.set && m->swap.v == -1 && m->kernel.set && m->kernel.v == 0
          && m->kernel_tcp.v == 1024 && m->swappiness.v == 60 && m->disable_oom_killer.set
          && !m->disable_oom_killer.v && m->use_hierarchy.v && m->check_before_update.set,
      "resources.memory");
  const struct sie_cpu *cpu = r->cpu;
  ok (cpu && cpu->shares.v == 1024 && cpu->quota.v == 50000 && cpu->burst.v == 1000
          && cpu->period.v == 100000 && cpu->realtime_runtime.v == 950000
          && cpu->realtime_period.v == 1000000 && strcmp (cpu->cpus, "0-3") == 0
          && strcmp (cpu->mems, "0") == 0 && cpu->idle.set && cpu->idle.v == 1,
      "resources.cpu");
  ok (r->pids_limit.set && r->pids_limit.v == 100, "resources.pids.limit");
  const struct sie_block_io *b = r->block_io;
  ok (b && b->weight.v == 500 && b->leaf_weight.v == 300 && b->n_weight_device == 1
          && b->weight_device[0].major == 8 && b->weight_device[0].weight.v == 600
          && b->weight_device[0].leaf_weight.v == 200,
      "resources.blockIO weights");
  ok (b && b->n_throttle_read_bps == 1 && b->throttle_read_bps[0].rate == 1048576
          && b->n_throttle_write_bps == 1 && b->throttle_write_bps[0].minor == 16
          && b->throttle_write_bps[0].rate == 2097152 && b->n_throttle_read_iops == 1
          && b->throttle_read_iops[0].rate == 100 && b->n_throttle_write_iops == 1
          && b->throttle_write_iops[0].rate == 200,
      "resources.blockIO throttles");
  ok (r->n_hugepage_limits == 2 && strcmp (r->hugepage_limits[0].page_size, "2MB") == 0
          && r->hugepage_limits[0].limit == 209715200
          && strcmp (r->hugepage_limits[1].page_size, "1GB") == 0,
      "resources.hugepageLimits");
  ok (r->network && r->network->class_id.v == 1048577 && r->network->n_priorities == 2
          && strcmp (r->network->priorities[0].name, "eth0") == 0
          && r->network->priorities[0].priority == 500,
      "resources.network");
  ok (r->n_rdma == 2 && strcmp (r->rdma[0].device, "mlx5_1") == 0 && r->rdma[0].hca_handles.v == 3
          && r->rdma[0].hca_objects.v == 10000 && !r->rdma[1].hca_handles.set
          && r->rdma[1].hca_objects.v == 1,
      "resources.rdma");
  ok (r->n_unified == 2 && strcmp (r->unified[1].key, "io.weight") == 0
          && strcmp (r->unified[1].value, "default 100") == 0,
      "resources.unified");
}

static void
test_full (void)
{
  struct sie_config *c = parse_ok (full_json, "a config using every field");

  if (c == NULL)
    return;
  ok (c->process != NULL, "process present");
  if (c->process)
    check_full_process (c->process);
  check_full_top (c);
  ok (c->linux_ != NULL, "linux present");
  if (c->linux_)
    {
      check_full_linux (c->linux_);
      check_full_resources (c->linux_->resources);
      check_full_seccomp (c->linux_->seccomp);
    }
  ok (sie_config_namespace (c, SIE_NS_NETWORK) == &c->linux_->namespaces[1],
      "sie_config_namespace finds network");
  sie_config_free (c);
}

static void
test_minimal_and_lenient (void)
{
  struct sie_config *c = parse_ok ("{}", "an empty object");
  if (c)
    ok (c->process == NULL && c->root == NULL && c->linux_ == NULL && c->n_mounts == 0
            && c->oci_version == NULL,
        "an empty object leaves everything absent");
  ok (sie_config_namespace (c, SIE_NS_PID) == NULL, "no namespaces without linux");
  sie_config_free (c);

  c = parse_ok ("{\"ociVersion\":\"1.2.0\",\"x-unknown\":{\"deep\":[1,{\"a\":null}]},"
                "\"process\":{\"args\":[\"sh\"],\"commandLine\":\"ignored\",\"user\":{\"username\":\"w\"}},"
                "\"linux\":{\"resources\":{\"memory\":{\"limit\":5,\"future\":\"x\"}},"
                "\"somethingNew\":true,\"namespaces\":[{\"type\":\"pid\",\"extra\":1}]},"
                "\"windows\":{\"layerFolders\":[]},\"vm\":{\"hypervisor\":{}}}",
                "unknown fields at every depth");
  if (c)
    ok (c->linux_ && c->linux_->resources->memory->limit.v == 5 && c->linux_->n_namespaces == 1,
        "known fields next to unknown ones are read");
  sie_config_free (c);

  c = parse_ok ("{\"hostname\":null,\"process\":{\"args\":[\"a\"],\"cwd\":null,\"oomScoreAdj\":null},"
                "\"linux\":null,\"mounts\":null}",
                "JSON null values");
  if (c)
    ok (c->hostname == NULL && c->linux_ == NULL && c->process->cwd == NULL
            && !c->process->oom_score_adj.set && c->mounts == NULL,
        "null counts as absent");
  sie_config_free (c);

  c = parse_ok ("{\"hostname\":\"a\",\"hostname\":\"b\",\"annotations\":{\"k\":\"1\",\"j\":\"x\",\"k\":\"2\"}}",
                "repeated keys");
  if (c)
    {
      is_str (c->hostname, "b", "a repeated field: the last one wins");
      ok (c->n_annotations == 2 && strcmp (c->annotations[0].key, "j") == 0
              && strcmp (c->annotations[1].value, "2") == 0,
          "a repeated map key: one entry, the last value");
    }
  sie_config_free (c);

  c = parse_ok ("{\"process\":{\"args\":[\"a\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":-0,\"soft\":0}]},"
                "\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775808,\"swap\":9223372036854775807}}}}",
                "integer extremes");
  if (c)
    ok (c->linux_->resources->memory->limit.v == INT64_MIN
            && c->linux_->resources->memory->swap.v == INT64_MAX && c->process->rlimits[0].hard == 0,
        "INT64_MIN, INT64_MAX and -0 read exactly");
  sie_config_free (c);
}

static void
test_type_errors (void)
{
  parse_fails ("{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}",
               "config.json: linux.resources.memory.limit: expected an integer, got \"1G\"",
               "the 1G example");
  parse_fails ("{\"ociVersion\":1.0}", "config.json: ociVersion: expected a string, got 1.0",
               "a top-level field");
  parse_fails ("{\"process\":[]}", "config.json: process: expected an object, got []",
               "an array for an object");
  parse_fails ("{\"process\":{\"args\":[\"sh\",3]}}",
               "config.json: process.args[1]: expected a string, got 3", "an array element");
  parse_fails ("{\"process\":{\"args\":\"sh\"}}",
               "config.json: process.args: expected an array of strings, got \"sh\"",
               "a string for a string array");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"terminal\":\"yes\"}}",
               "config.json: process.terminal: expected a boolean, got \"yes\"", "a boolean");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"terminal\":1}}",
               "config.json: process.terminal: expected a boolean, got 1", "1 is not a boolean");
  parse_fails ("{\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"/b\",\"options\":\"ro\"}]}",
               "config.json: mounts[1].options: expected an array of strings, got \"ro\"",
               "inside the second mount");
  parse_fails ("{\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":true}]}]}",
               "config.json: mounts[0].uidMappings[0].hostID: expected an integer, got true",
               "a mount's idmapping");
  parse_fails ("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
               "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1.5,\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
               "config.json: linux.seccomp.syscalls[0].args[0].value: expected an integer, got 1.5",
               "six levels deep, a fraction");
  parse_fails ("{\"linux\":{\"resources\":{\"cpu\":{\"shares\":1e3}}}}",
               "config.json: linux.resources.cpu.shares: expected an integer, got 1e3",
               "an exponent is not an integer");
  parse_fails ("{\"annotations\":{\"org.example\":1}}",
               "config.json: annotations[\"org.example\"]: expected a string, got 1",
               "a map key with dots is quoted in the path");
  parse_fails ("{\"linux\":{\"sysctl\":[\"a\"]}}",
               "config.json: linux.sysctl: expected an object, got [\"a\"]", "a map");
  parse_fails ("{\"linux\":{\"resources\":{\"unified\":{\"cpu.max\":{\"a\":1}}}}}",
               "config.json: linux.resources.unified[\"cpu.max\"]: expected a string, got {\"a\":1}",
               "an object shown as JSON");
  parse_fails ("{\"hostname\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
               "\"root\":{\"path\":[\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"]}}",
               "config.json: root.path: expected a string, got [\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...",
               "a long value is cut short");
  parse_fails ("{\"root\":{\"path\":1,\"readonly\":\"cccccccccccccccccccccccccccccccccccccccccccccc\"}}",
               "config.json: root.path: expected a string, got 1", "the first bad field is reported");
  parse_fails ("{\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"args\":[\"a\\nb\",7]}]}}",
               "config.json: hooks.poststop[0].args[1]: expected a string, got 7",
               "hooks args element");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"env\":[\"A=1\",\"line\\nbreak\",null]}}",
               "config.json: process.env[2]: expected a string, got null",
               "null inside a string array");
  parse_fails ("{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"x\\n\\ty\"}}}}",
               "config.json: linux.resources.memory.limit: expected an integer, got \"x\\n\\ty\"",
               "a shown string stays on one line");
  parse_fails ("{\"linux\":{\"resources\":{\"memory\":{\"disableOOMKiller\":\"false\"}}}}",
               "config.json: linux.resources.memory.disableOOMKiller: expected a boolean, got \"false\"",
               "an optional boolean");
  parse_fails ("{\"linux\":{\"netDevices\":{\"eth0\":\"ctr0\"}}}",
               "config.json: linux.netDevices.eth0: expected an object, got \"ctr0\"",
               "netDevices entry");
  parse_fails ("{\"linux\":{\"resources\":{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":\"3\"}}}}}",
               "config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected an integer, got \"3\"",
               "rdma entry");
}

static void
test_integer_ranges (void)
{
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"user\":{\"uid\":4294967296}}}",
               "config.json: process.user.uid: expected an integer between 0 and 4294967295, got 4294967296",
               "uid above UINT32_MAX");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"user\":{\"uid\":-1}}}",
               "config.json: process.user.uid: expected a non-negative integer, got -1",
               "negative uid");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"user\":{\"additionalGids\":[1,-2]}}}",
               "config.json: process.user.additionalGids[1]: expected a non-negative integer, got -2",
               "negative additional gid");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551616,\"soft\":0}]}}",
               "config.json: process.rlimits[0].hard: expected an integer between 0 and "
               "18446744073709551615, got 18446744073709551616",
               "rlimit above UINT64_MAX");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":1,\"soft\":-1}]}}",
               "config.json: process.rlimits[0].soft: expected a non-negative integer, got -1",
               "negative rlimit");
  parse_fails ("{\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775808}}}}",
               "config.json: linux.resources.memory.limit: expected an integer between "
               "-9223372036854775808 and 9223372036854775807, got 9223372036854775808",
               "int64 overflow");
  parse_fails ("{\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":-1}]}}}",
               "config.json: linux.resources.hugepageLimits[0].limit: expected a non-negative integer, got -1",
               "negative size");
  parse_fails ("{\"linux\":{\"resources\":{\"blockIO\":{\"weight\":65536}}}}",
               "config.json: linux.resources.blockIO.weight: expected an integer between 0 and 65535, got 65536",
               "blkio weight is a uint16");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"oomScoreAdj\":1001}}",
               "config.json: process.oomScoreAdj: expected an integer between -1000 and 1000, got 1001",
               "oomScoreAdj range");
  parse_fails ("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":4294967296}}}",
               "config.json: linux.seccomp.defaultErrnoRet: expected an integer between 0 and 4294967295, got 4294967296",
               "errnoRet is a uint32");
  parse_fails ("{\"linux\":{\"resources\":{\"cpu\":{\"shares\":-1024}}}}",
               "config.json: linux.resources.cpu.shares: expected a non-negative integer, got -1024",
               "negative shares");
  parse_fails ("{\"linux\":{\"resources\":{\"cpu\":{\"shares\":123456789012345678901234567890}}}}",
               "config.json: linux.resources.cpu.shares: expected an integer between 0 and "
               "18446744073709551615, got 123456789012345678901234567890",
               "far beyond uint64");
}

static void
test_value_errors (void)
{
  parse_fails ("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"net\"}]}}",
               "config.json: linux.namespaces[1].type: expected a namespace type (pid, network, "
               "mount, ipc, uts, user, cgroup, time), got \"net\"",
               "unknown namespace type");
  parse_fails ("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"uts\"},{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}]}}",
               "config.json: linux.namespaces[2]: duplicate namespace type \"pid\"",
               "duplicate namespace type");
  parse_fails ("{\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}}",
               "config.json: linux.namespaces[0].type: missing required field",
               "namespace without type");
  parse_fails ("{\"linux\":{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]}}",
               "config.json: linux.devices[0].type: expected a device type (c, b, u or p), got \"x\"",
               "bad device type");
  parse_fails ("{\"linux\":{\"devices\":[{\"type\":\"cc\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]}}",
               "config.json: linux.devices[0].type: expected a device type (c, b, u or p), got \"cc\"",
               "two-letter device type");
  parse_fails ("{\"linux\":{\"devices\":[{\"type\":\"b\",\"path\":\"/dev/sda\",\"major\":8}]}}",
               "config.json: linux.devices[0].minor: missing required field",
               "block device without minor");
  parse_fails ("{\"linux\":{\"devices\":[{\"type\":\"c\",\"major\":1,\"minor\":3}]}}",
               "config.json: linux.devices[0].path: missing required field", "device without path");
  parse_fails ("{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}}}",
               "config.json: linux.resources.devices[0].type: expected a device type (a, c or b), got \"u\"",
               "device cgroup type");
  parse_fails ("{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}}",
               "config.json: linux.resources.devices[0].access: expected a combination of r, w and m, got \"rwx\"",
               "device cgroup access");
  parse_fails ("{\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}}",
               "config.json: linux.resources.devices[0].allow: missing required field",
               "device cgroup without allow");
  parse_fails ("{\"hooks\":{\"prestart\":[{\"path\":\"/ok\"},{\"path\":\"bin/hook\"}]}}",
               "config.json: hooks.prestart[1].path: expected an absolute path, got \"bin/hook\"",
               "relative hook path");
  parse_fails ("{\"hooks\":{\"createRuntime\":[{\"args\":[\"x\"]}]}}",
               "config.json: hooks.createRuntime[0].path: missing required field",
               "hook without path");
  parse_fails ("{\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":0}]}}",
               "config.json: hooks.poststop[0].timeout: expected an integer between 1 and 2147483647, got 0",
               "hook timeout must be positive");
  parse_fails ("{\"hooks\":{\"prestart\":{\"path\":\"/x\"}}}",
               "config.json: hooks.prestart: expected an array, got {\"path\":\"/x\"}",
               "hooks kind not an array");
  parse_fails ("{\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"tmpfs\",\"source\":\"tmpfs\"}]}",
               "config.json: mounts[1].destination: missing required field",
               "mount destination missing");
  parse_fails ("{\"mounts\":[{\"destination\":\"\"}]}",
               "config.json: mounts[0].destination: must not be empty", "mount destination empty");
  parse_fails ("{\"process\":{\"cwd\":\"/\"}}", "config.json: process.args: missing required field",
               "process without args");
  parse_fails ("{\"process\":{\"args\":[]}}", "config.json: process.args: must not be empty",
               "process with empty args");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"cwd\":\"work\"}}",
               "config.json: process.cwd: expected an absolute path, got \"work\"",
               "relative cwd");
  parse_fails ("{\"root\":{\"readonly\":true}}", "config.json: root.path: missing required field",
               "root without path");
  parse_fails ("{\"root\":{\"path\":\"\"}}", "config.json: root.path: must not be empty",
               "root with empty path");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":1},"
               "{\"type\":\"RLIMIT_CORE\"},{\"type\":\"RLIMIT_NOFILE\"}]}}",
               "config.json: process.rlimits[2]: duplicate rlimit type \"RLIMIT_NOFILE\"",
               "duplicate rlimit");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"rlimits\":[{\"hard\":1}]}}",
               "config.json: process.rlimits[0].type: missing required field", "rlimit without type");
  parse_fails ("{\"linux\":{\"timeOffsets\":{\"realtime\":{\"secs\":1}}}}",
               "config.json: linux.timeOffsets.realtime: unknown clock, expected monotonic or boottime",
               "unknown clock");
  parse_fails ("{\"linux\":{\"timeOffsets\":{\"boottime\":{\"secs\":1,\"nanosecs\":1000000000}}}}",
               "config.json: linux.timeOffsets.boottime.nanosecs: expected an integer between 0 and 999999999, got 1000000000",
               "nanosecs below a second");
  parse_fails ("{\"linux\":{\"seccomp\":{\"syscalls\":[]}}}",
               "config.json: linux.seccomp.defaultAction: missing required field",
               "seccomp without defaultAction");
  parse_fails ("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_KILL\"}]}}}",
               "config.json: linux.seccomp.syscalls[0].names: missing required field",
               "syscall without names");
  parse_fails ("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"]}]}}}",
               "config.json: linux.seccomp.syscalls[0].action: missing required field",
               "syscall without action");
  parse_fails ("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
               "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":2}]}]}}}",
               "config.json: linux.seccomp.syscalls[0].args[0].op: missing required field",
               "seccomp arg without op");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"scheduler\":{\"nice\":1}}}",
               "config.json: process.scheduler.policy: missing required field",
               "scheduler without policy");
  parse_fails ("{\"process\":{\"args\":[\"a\"],\"ioPriority\":{\"priority\":1}}}",
               "config.json: process.ioPriority.class: missing required field",
               "ioPriority without class");
  parse_fails ("{\"linux\":{\"memoryPolicy\":{\"nodes\":\"0\"}}}",
               "config.json: linux.memoryPolicy.mode: missing required field",
               "memoryPolicy without mode");
  parse_fails ("{\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}}}",
               "config.json: linux.resources.hugepageLimits[0].limit: missing required field",
               "hugepage limit without limit");
}

static void
test_syntax_errors (void)
{
  parse_fails ("{\n  \"process\": {\n    \"args\": [\"sh\",\n",
               "config.json: line 3, column 19: parse error: premature EOF", "truncated JSON");
  parse_fails ("{\n  \"a\": 1,\n  \"b\": x\n}",
               "config.json: line 3, column 8: lexical error: invalid char in json text.",
               "an invalid token");
  parse_fails ("{\"hostname\":\"a\"} trailing",
               "config.json: line 1, column 18: parse error: trailing garbage", "trailing garbage");
  parse_fails ("{}\n{}", "config.json: line 2, column 1: parse error: trailing garbage",
               "two documents");
  parse_fails ("{\"a\":1,}",
               "config.json: line 1, column 8: parse error: invalid object key (must be a string)",
               "trailing comma");
  parse_fails ("{\"a\" 1}",
               "config.json: line 1, column 6: parse error: object key and value must be separated by a colon (':')",
               "missing colon");
  parse_fails ("{\"h\":\"\xc3\xa9\xc3\xa9\",\n \"x\": \"\xc3\xa9\" ?}",
               "config.json: line 2, column 11: lexical error: invalid char in json text.",
               "columns count characters, not bytes");
  parse_fails ("{\"a\":\"\xff\"}", "config.json: line 1, column 7: lexical error: invalid bytes in UTF8 string.",
               "invalid UTF-8");
  parse_fails ("{/* c */}", "config.json: line 1, column 2: lexical error: probable comment found in input text, comments are not enabled.",
               "comments are refused");
  parse_fails ("", "config.json: empty document", "empty document");
  parse_fails (" \n\t ", "config.json: empty document", "whitespace only");
  parse_fails ("[1,2]", "config.json: expected an object, got [1,2]", "top-level array");
  parse_fails ("\"config\"", "config.json: expected an object, got \"config\"", "top-level string");
  parse_fails ("null", "config.json: expected an object, got null", "top-level null");
  parse_fails ("{\"hostname\":\"a\\u0000b\"}",
               "config.json: line 1, column 22: NUL character in string", "an escaped NUL");
  parse_fails_n ("{\"hostname\":\"a\"}\0", 17,
                 "config.json: line 1, column 17: parse error: trailing garbage",
                 "a NUL byte after the document");

  /* Deeply nested unknown fields: refused before the tree is built. */
  size_t depth = 100000;
  cleanup_free char *deep = malloc (depth + 8);
  memcpy (deep, "{\"x\":", 5);
  memset (deep + 5, '[', depth);
  deep[depth + 5] = '\0';
  parse_fails (deep, "config.json: line 1, column 261: nesting too deep", "deep nesting");
}

static void
test_process_parse (void)
{
  sie_error_t err = NULL;
  struct sie_process *p = NULL;
  const char *good = "{\"args\":[\"/bin/true\"],\"cwd\":\"/\",\"env\":[\"A=1\"],\"user\":{\"uid\":7}}";
  const char *bad = "{\"args\":[\"/bin/true\"],\"user\":{\"uid\":\"root\"}}";

  ok (sie_process_parse (good, strlen (good), "process.json", &p, &err) == 0 && p,
      "process.json parses");
  if (p)
    ok (p->n_args == 1 && strcmp (p->args[0], "/bin/true") == 0 && p->user.uid == 7
            && strcmp (p->env[0], "A=1") == 0,
        "process.json fields");
  sie_process_free (p);
  p = NULL;
  ok (sie_process_parse (bad, strlen (bad), "process.json", &p, &err) < 0 && p == NULL,
      "bad process.json is refused");
  is_str (err ? err->msg : NULL, "process.json: user.uid: expected an integer, got \"root\"",
          "process.json paths start at the top");
  sie_error_release (&err);
  ok (sie_process_parse ("{}", 2, "process.json", &p, &err) < 0, "process.json without args");
  is_str (err ? err->msg : NULL, "process.json: args: missing required field",
          "process.json without args: message");
  sie_error_release (&err);
  ok (sie_process_parse ("[\"sh\"]", 6, "process.json", &p, &err) < 0, "process.json array");
  is_str (err ? err->msg : NULL, "process.json: expected an object, got [\"sh\"]",
          "process.json array: message");
  sie_error_release (&err);
  ok (sie_process_parse ("{\"args\":", 8, "process.json", &p, &err) < 0, "truncated process.json");
  is_str (err ? err->msg : NULL, "process.json: line 1, column 9: parse error: premature EOF",
          "truncated process.json: message");
  sie_error_release (&err);
}

static int
write_file (const char *path, const char *data)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  size_t len = strlen (data);
  return fd >= 0 && write (fd, data, len) == (ssize_t) len ? 0 : -1;
}

static void
test_load (void)
{
  char dir[] = "/tmp/sie-test-config-XXXXXX";
  cleanup_free char *path = NULL, *big = NULL;
  struct sie_config *c = NULL;
  sie_error_t err = NULL;

  ok (mkdtemp (dir) != NULL, "temporary bundle");
  ok (asprintf (&path, "%s/config.json", dir) > 0, "path");

  ok (sie_config_load (path, &c, &err) < 0 && err && err->status == ENOENT, "missing config.json");
  if (err)
    ok (strstr (err->msg, path) != NULL, "the error names the file: %s", err->msg);
  sie_error_release (&err);

  ok (write_file (path, full_json) == 0, "write config.json");
  ok (sie_config_load (path, &c, &err) == 0 && c && c->linux_ && c->linux_->seccomp,
      "sie_config_load reads and parses");
  sie_config_free (c);
  c = NULL;

  ok (write_file (path, "{\n\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}}") == 0,
      "write a bad config.json");
  ok (sie_config_load (path, &c, &err) < 0, "a bad config.json is refused");
  is_str (err ? err->msg : NULL,
          "config.json: linux.resources.memory.limit: expected an integer, got \"1G\"",
          "errors name the file by its base name");
  sie_error_release (&err);

  ok (write_file (path, "") == 0, "write an empty config.json");
  ok (sie_config_load (path, &c, &err) < 0, "an empty config.json is refused");
  is_str (err ? err->msg : NULL, "config.json: empty document", "empty file: message");
  sie_error_release (&err);

  {
    cleanup_close int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    ok (fd >= 0 && ftruncate (fd, 16 * 1024 * 1024 + 1) == 0, "a 16 MiB + 1 file");
  }
  ok (sie_config_load (path, &c, &err) < 0 && c == NULL, "an oversized config.json is refused");
  ok (err && strstr (err->msg, "larger than 16 MiB") != NULL, "oversized: %s",
      err ? err->msg : "(none)");
  sie_error_release (&err);

  ok (sie_config_load (dir, &c, &err) < 0 && err && err->status == EISDIR,
      "a directory is refused");
  sie_error_release (&err);

  unlink (path);
  rmdir (dir);
}

static void
test_names (void)
{
  static const char *const ns[] = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };
  static const char *const hooks[] = { "prestart", "createRuntime", "createContainer",
                                       "startContainer", "poststart", "poststop" };

  for (int t = 0; t < SIE_NS_TYPES; t++)
    is_str (sie_ns_type_name (t), ns[t], "sie_ns_type_name(%d)", t);
  ok (sie_ns_type_name (SIE_NS_TYPES) == NULL, "sie_ns_type_name out of range");
  for (int k = 0; k < SIE_HOOK_KINDS; k++)
    is_str (sie_hook_kind_name (k), hooks[k], "sie_hook_kind_name(%d)", k);
  ok (sie_hook_kind_name (SIE_HOOK_KINDS) == NULL, "sie_hook_kind_name out of range");
}

static bool
has_option (const struct sie_mount *m, const char *opt)
{
  for (size_t i = 0; i < m->n_options; i++)
    if (strcmp (m->options[i], opt) == 0)
      return true;
  return false;
}

static const struct sie_mount *
find_mount (const struct sie_config *c, const char *dest)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    if (strcmp (c->mounts[i].destination, dest) == 0)
      return &c->mounts[i];
  return NULL;
}

static void
test_default_spec (void)
{
  cleanup_free char *json = NULL, *rootless = NULL;
  struct sie_config *c = NULL;
  sie_error_t err = NULL;

  ok (sie_default_spec_json (0, 0, 0, &json, &err) == 0 && json, "default spec");
  ok (json && json[strlen (json) - 1] == '\n' && strncmp (json, "{\n\t\"ociVersion\": \"1.2.0\",", 25) == 0,
      "tab-indented like runc spec, with a trailing newline");
  c = json ? parse_ok (json, "the default spec") : NULL;
  if (c)
    {
      const struct sie_process *p = c->process;
      ok (p && p->terminal && p->user.uid == 0 && STRV_IS (p->args, p->n_args, "sh")
              && STRV_IS (p->env, p->n_env,
                          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "TERM=xterm")
              && strcmp (p->cwd, "/") == 0 && p->no_new_privileges,
          "default process");
      ok (p && STRV_IS (p->capabilities->bounding, 3, "CAP_AUDIT_WRITE", "CAP_KILL",
                        "CAP_NET_BIND_SERVICE")
              && p->capabilities->effective && p->capabilities->permitted
              && p->capabilities->inheritable == NULL && p->capabilities->ambient == NULL,
          "default capabilities: bounding, effective, permitted only");
      ok (p && p->n_rlimits == 1 && strcmp (p->rlimits[0].type, "RLIMIT_NOFILE") == 0
              && p->rlimits[0].hard == 1024 && p->rlimits[0].soft == 1024,
          "default rlimits");
      ok (strcmp (c->root->path, "rootfs") == 0 && c->root->readonly, "default root");
      is_str (c->hostname, "sie", "default hostname");
      ok (c->n_mounts == 7, "seven default mounts");
      const struct sie_mount *pts = find_mount (c, "/dev/pts"), *sys = find_mount (c, "/sys");
      ok (pts && has_option (pts, "gid=5") && has_option (pts, "ptmxmode=0666"), "devpts options");
      ok (sys && strcmp (sys->type, "sysfs") == 0 && has_option (sys, "ro"), "sysfs mount");
      ok (find_mount (c, "/proc")->options == NULL, "proc has no options");
      ok (c->linux_->n_namespaces == 6 && sie_config_namespace (c, SIE_NS_CGROUP)
              && sie_config_namespace (c, SIE_NS_NETWORK) && !sie_config_namespace (c, SIE_NS_USER),
          "default namespaces");
      ok (c->linux_->resources && c->linux_->resources->n_devices == 1
              && !c->linux_->resources->devices[0].allow
              && strcmp (c->linux_->resources->devices[0].access, "rwm") == 0,
          "default device rule denies all");
      ok (c->linux_->n_masked_paths == 10 && c->linux_->n_readonly_paths == 5,
          "masked and readonly paths");
    }
  sie_config_free (c);

  ok (sie_default_spec_json (1, 1234, 5678, &rootless, &err) == 0 && rootless, "rootless spec");
  c = rootless ? parse_ok (rootless, "the rootless spec") : NULL;
  if (c)
    {
      const struct sie_linux *l = c->linux_;
      ok (l->n_namespaces == 6 && sie_config_namespace (c, SIE_NS_USER)
              && !sie_config_namespace (c, SIE_NS_NETWORK)
              && l->namespaces[l->n_namespaces - 1].type == SIE_NS_USER,
          "rootless: user namespace added last, network removed");
      ok (l->n_uid_mappings == 1 && l->uid_mappings[0].container_id == 0
              && l->uid_mappings[0].host_id == 1234 && l->uid_mappings[0].size == 1
              && l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 5678,
          "rootless: mappings for the caller");
      ok (l->resources == NULL, "rootless: no resources");
      const struct sie_mount *pts = find_mount (c, "/dev/pts"), *sys = find_mount (c, "/sys");
      ok (pts && !has_option (pts, "gid=5") && pts->n_options == 5, "rootless: devpts without gid=5");
      ok (sys && strcmp (sys->type, "none") == 0 && strcmp (sys->source, "/sys") == 0
              && STRV_IS (sys->options, sys->n_options, "rbind", "nosuid", "noexec", "nodev", "ro"),
          "rootless: /sys is an rbind");
      ok (find_mount (c, "/sys/fs/cgroup") != NULL, "rootless: cgroup mount kept");
    }
  sie_config_free (c);
}

static yajl_val
tree_get (yajl_val v, const char *a, const char *b, const char *cc)
{
  const char *path[] = { a, b, cc, NULL };
  return yajl_tree_get (v, path, yajl_t_any);
}

static bool
array_has (yajl_val arr, const char *s)
{
  for (size_t i = 0; YAJL_IS_ARRAY (arr) && i < arr->u.array.len; i++)
    if (YAJL_IS_STRING (arr->u.array.values[i]) && strcmp (arr->u.array.values[i]->u.string, s) == 0)
      return true;
  return false;
}

static void
test_features (void)
{
  cleanup_free char *json = NULL;
  sie_error_t err = NULL;
  char why[256] = "";
  yajl_val t;

  ok (sie_features_json (&json, &err) == 0 && json, "features");
  if (json == NULL)
    return;
  ok (json[strlen (json) - 1] == '\n' && strncmp (json, "{\n    \"ociVersionMin\"", 21) == 0,
      "indented like runc features, with a trailing newline");
  t = yajl_tree_parse (json, why, sizeof (why));
  ok (t != NULL, "features JSON parses");
  if (t == NULL)
    return;
  is_str (YAJL_GET_STRING (tree_get (t, "ociVersionMin", NULL, NULL)), "1.0.0", "ociVersionMin");
  is_str (YAJL_GET_STRING (tree_get (t, "ociVersionMax", NULL, NULL)), "1.2.0", "ociVersionMax");
  yajl_val hooks = tree_get (t, "hooks", NULL, NULL);
  ok (YAJL_IS_ARRAY (hooks) && hooks->u.array.len == 6 && array_has (hooks, "createRuntime"),
      "six hooks");
  yajl_val opts = tree_get (t, "mountOptions", NULL, NULL);
  ok (array_has (opts, "rbind") && array_has (opts, "idmap") && array_has (opts, "rro")
          && array_has (opts, "tmpcopyup"),
      "mount options, with tmpcopyup");
  yajl_val ns = tree_get (t, "linux", "namespaces", NULL);
  ok (YAJL_IS_ARRAY (ns) && ns->u.array.len == 8 && array_has (ns, "time"), "eight namespaces");
  yajl_val caps = tree_get (t, "linux", "capabilities", NULL);
  ok (array_has (caps, "CAP_CHOWN") && array_has (caps, "CAP_SYS_ADMIN")
          && array_has (caps, "CAP_CHECKPOINT_RESTORE"),
      "capabilities from libcap, upper case (%zu)", YAJL_IS_ARRAY (caps) ? caps->u.array.len : 0);
  ok (YAJL_IS_TRUE (tree_get (t, "linux", "cgroup", "v1"))
          && YAJL_IS_TRUE (tree_get (t, "linux", "cgroup", "v2"))
          && YAJL_IS_FALSE (tree_get (t, "linux", "cgroup", "systemd"))
          && YAJL_IS_TRUE (tree_get (t, "linux", "cgroup", "rdma")),
      "cgroup features");
  ok (YAJL_IS_TRUE (tree_get (t, "linux", "seccomp", "enabled"))
          && array_has (tree_get (t, "linux", "seccomp", "actions"), "SCMP_ACT_NOTIFY")
          && array_has (tree_get (t, "linux", "seccomp", "operators"), "SCMP_CMP_MASKED_EQ")
          && array_has (tree_get (t, "linux", "seccomp", "archs"), "SCMP_ARCH_X86_64"),
      "seccomp features");
  yajl_val known = tree_get (t, "linux", "seccomp", "knownFlags");
  yajl_val supported = tree_get (t, "linux", "seccomp", "supportedFlags");
  ok (YAJL_IS_ARRAY (known) && known->u.array.len == 4
          && array_has (known, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
      "four known seccomp flags");
  /* Kernel 6.18 has all four. */
  ok (YAJL_IS_ARRAY (supported) && supported->u.array.len == 4
          && array_has (supported, "SECCOMP_FILTER_FLAG_TSYNC"),
      "this kernel supports all of them");
  yajl_val aa = tree_get (t, "linux", "apparmor", "enabled");
  ok (YAJL_IS_TRUE (aa) || YAJL_IS_FALSE (aa), "apparmor.enabled is a boolean");
  ok (YAJL_IS_FALSE (tree_get (t, "linux", "intelRdt", "enabled"))
          && YAJL_IS_TRUE (tree_get (t, "linux", "mountExtensions", "idmap")->u.object.values[0]),
      "intelRdt, mountExtensions.idmap");
  yajl_tree_free (t);
}

int
main (void)
{
  test_full ();
  test_minimal_and_lenient ();
  test_type_errors ();
  test_integer_ranges ();
  test_value_errors ();
  test_syntax_errors ();
  test_process_parse ();
  test_load ();
  test_names ();
  test_default_spec ();
  test_features ();
  return tap_done ();
}
