/* Process security and attributes: the pure parts (cpu lists, capability
 * names, seccomp profiles compiled but not loaded, attribute validation),
 * then the apply steps in forked children, checked against what the kernel
 * reports in /proc and through the matching get* calls. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cpulist.h"
#include "runtime/security.h"
#include "tests/unit/tap.h"
#include "util/cleanup.h"

static const char *
msg (sie_error_t e)
{
  return e ? e->msg : "(no error)";
}

/* ---- cpu lists ---- */

static void
test_cpulist (void)
{
  sie_error_t err = NULL;
  cpu_set_t set;

  ok (sie_cpulist_parse ("0-3,7", "cpu", "f", &set, &err) == 0 && CPU_COUNT (&set) == 5
          && CPU_ISSET (0, &set) && CPU_ISSET (3, &set) && CPU_ISSET (7, &set) && !CPU_ISSET (4, &set),
      "cpulist: 0-3,7 gives cpus 0,1,2,3,7");
  ok (sie_cpulist_parse (" 1 , 5-5\n", "cpu", "f", &set, &err) == 0 && CPU_COUNT (&set) == 2
          && CPU_ISSET (1, &set) && CPU_ISSET (5, &set),
      "cpulist: blanks, a one-cpu range and a trailing newline are accepted");
  ok (sie_cpulist_parse ("", "cpu", "f", &set, &err) == 0 && CPU_COUNT (&set) == 0,
      "cpulist: empty list is the empty set");
  ok (sie_cpulist_parse ("1023", "cpu", "f", &set, &err) == 0 && CPU_ISSET (1023, &set),
      "cpulist: 1023 is the last cpu accepted");

  ok (sie_cpulist_parse ("x", "cpu", "process.execCPUAffinity.initial", &set, &err) < 0,
      "cpulist: \"x\" is refused");
  is_str (msg (err),
          "process.execCPUAffinity.initial: invalid cpu list \"x\": expected numbers from 0 to 1023",
          "cpulist: the error names the field and the list");
  sie_error_release (&err);

  const char *bad[] = { "3-1", "1,,2", "1024", "0-", "-1", "1 2", "1,", "99999999999999999999",
                        "0-1024", "1;2", "0x1", "+1" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      ok (sie_cpulist_parse (bad[i], "node", "linux.memoryPolicy.nodes", &set, &err) < 0
              && strstr (msg (err), "linux.memoryPolicy.nodes: invalid node list \"") == msg (err),
          "cpulist: \"%s\" is refused (%s)", bad[i], msg (err));
      sie_error_release (&err);
    }
}

/* ---- capability names ---- */

static void
test_cap_names (void)
{
  sie_error_t err = NULL;
  struct sie_caps *c = NULL;
  char *good[] = { "CAP_CHOWN", "cap_net_admin", "Cap_Sys_Admin", "CAP_FOO_FROM_THE_FUTURE",
                   "CAP_CHECKPOINT_RESTORE", NULL };
  char *bad[] = { "CAP_CHOWN", "CAP_KILL", "NET_ADMIN", NULL };
  char *bad2[] = { "CAP_", NULL };
  char *bad3[] = { "CAP_NET_ADMIN ", NULL };
  struct sie_capabilities caps = { .bounding = good, .effective = good, .permitted = good };

  ok (sie_caps_prepare (&caps, &c, &err) == 0 && c != NULL,
      "caps: known names in any case and unknown CAP_* names are accepted (%s)", msg (err));
  sie_caps_free (c);
  sie_error_release (&err);

  ok (sie_caps_prepare (NULL, &c, &err) == 0 && c == NULL, "caps: absent capabilities prepare nothing");
  ok (sie_caps_apply (NULL, &err) == 0 && sie_caps_drop_bounding (NULL, &err) == 0,
      "caps: applying absent capabilities does nothing");

  caps = (struct sie_capabilities){ .bounding = bad };
  ok (sie_caps_prepare (&caps, &c, &err) < 0 && c == NULL, "caps: NET_ADMIN without CAP_ is refused");
  is_str (msg (err), "process.capabilities.bounding[2]: invalid capability name \"NET_ADMIN\"",
          "caps: the error names the set and the index");
  sie_error_release (&err);

  caps = (struct sie_capabilities){ .ambient = bad2 };
  ok (sie_caps_prepare (&caps, &c, &err) < 0, "caps: bare CAP_ is refused");
  is_str (msg (err), "process.capabilities.ambient[0]: invalid capability name \"CAP_\"",
          "caps: ambient errors name the ambient set");
  sie_error_release (&err);

  caps = (struct sie_capabilities){ .inheritable = bad3 };
  ok (sie_caps_prepare (&caps, &c, &err) < 0, "caps: a trailing blank is refused");
  sie_error_release (&err);
}

/* ---- seccomp profiles (compiled, not loaded) ---- */

static char *arches_ok[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };

static int
prepare (struct sie_seccomp *s, sie_error_t *err)
{
  struct sie_seccomp_prog *p = NULL;
  int ret = sie_seccomp_prepare (s, &p, err);
  if (ret == 0 && p == NULL)
    ret = -100;
  sie_seccomp_free (p);
  return ret;
}

static void
expect_seccomp_error (struct sie_seccomp *s, const char *want, const char *what)
{
  sie_error_t err = NULL;

  ok (prepare (s, &err) < 0, "seccomp: %s is refused", what);
  is_str (msg (err), want, "seccomp: %s error names the field", what);
  sie_error_release (&err);
}

static void
test_seccomp_prepare (void)
{
  sie_error_t err = NULL;
  struct sie_seccomp_prog *p = NULL;
  char *mkdir_names[] = { "mkdir", "mkdirat", NULL };
  char *mixed_names[] = { "getpid", "no_such_syscall_sie", "socketcall", NULL };
  char *write_names[] = { "write", NULL };
  char *log_flag[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };
  struct sie_seccomp_arg args[] = {
    { .index = 1, .value = 0700, .op = "SCMP_CMP_EQ" },
    { .index = 1, .value = 0711, .op = "SCMP_CMP_EQ" },
    { .index = 0, .value = 0, .op = "SCMP_CMP_NE" },
  };
  struct sie_seccomp_syscall calls[] = {
    { .names = mkdir_names, .n_names = 2, .action = "SCMP_ACT_ERRNO",
      .errno_ret = { true, 42 }, .args = args, .n_args = 3 },
    { .names = mixed_names, .n_names = 3, .action = "SCMP_ACT_KILL_PROCESS" },
    /* same as the default: skipped, libseccomp would refuse it */
    { .names = write_names, .n_names = 1, .action = "SCMP_ACT_ALLOW" },
    { .names = write_names, .n_names = 1, .action = "SCMP_ACT_LOG" },
    { .names = mkdir_names, .n_names = 2, .action = "SCMP_ACT_TRACE", .errno_ret = { true, 7 } },
  };
  struct sie_seccomp s = {
    .default_action = "SCMP_ACT_ALLOW",
    .architectures = arches_ok,
    .n_architectures = 3,
    .flags = log_flag,
    .n_flags = 2,
    .syscalls = calls,
    .n_syscalls = ARRAY_SIZE (calls),
  };

  ok (sie_seccomp_prepare (&s, &p, &err) == 0 && p != NULL,
      "seccomp: a valid profile with args, extra arches, flags and an unknown syscall compiles (%s)",
      msg (err));
  ok (!sie_seccomp_uses_notify (p), "seccomp: no NOTIFY rule, no listener");
  sie_seccomp_free (p);
  sie_error_release (&err);

  ok (sie_seccomp_prepare (NULL, &p, &err) == 0 && p == NULL, "seccomp: absent seccomp prepares nothing");
  int fd = 123;
  ok (sie_seccomp_install (NULL, &fd, &err) == 0 && fd == -1, "seccomp: installing nothing is a no-op");

  /* The same profile with each field broken in turn. */
  struct sie_seccomp bad = s;
  bad.default_action = "SCMP_ACT_NOPE";
  expect_seccomp_error (&bad, "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"",
                        "an unknown default action");
  bad.default_action = NULL;
  expect_seccomp_error (&bad, "linux.seccomp.defaultAction: required", "a missing default action");
  bad.default_action = "SCMP_ACT_ERRNO";
  bad.default_errno_ret = (sie_opt_u64){ true, 70000 };
  expect_seccomp_error (&bad, "linux.seccomp.defaultErrnoRet: 70000 is out of range (0-65535)",
                        "an out-of-range defaultErrnoRet");
  bad.default_action = "SCMP_ACT_NOTIFY";
  bad.default_errno_ret = (sie_opt_u64){ false, 0 };
  expect_seccomp_error (&bad, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action",
                        "NOTIFY as the default action");

  char *bad_arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_Z80", NULL };
  bad = s;
  bad.architectures = bad_arches;
  expect_seccomp_error (&bad, "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"",
                        "an unknown architecture");

  char *bad_flags[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NOPE", NULL };
  bad = s;
  bad.flags = bad_flags;
  expect_seccomp_error (&bad, "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"",
                        "an unknown flag");
  char *wait_flag[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
  bad.flags = wait_flag;
  expect_seccomp_error (&bad, "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a "
                        "SCMP_ACT_NOTIFY rule", "WAIT_KILLABLE_RECV without NOTIFY");

  struct sie_seccomp_syscall bad_calls[2];
  memcpy (bad_calls, calls, sizeof bad_calls);
  bad = s;
  bad.syscalls = bad_calls;
  bad.n_syscalls = 2;
  bad_calls[1].action = "SCMP_ACT_FOO";
  expect_seccomp_error (&bad, "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"",
                        "an unknown syscall action");
  bad_calls[1].action = "SCMP_ACT_ERRNO";
  bad_calls[1].errno_ret = (sie_opt_u64){ true, 65536 };
  expect_seccomp_error (&bad, "linux.seccomp.syscalls[1].errnoRet: 65536 is out of range (0-65535)",
                        "an out-of-range errnoRet");

  struct sie_seccomp_arg bad_args[] = { { .index = 0, .op = "SCMP_CMP_EQ" }, { .index = 2, .op = "SCMP_CMP_FOO" } };
  memcpy (bad_calls, calls, sizeof bad_calls);
  bad_calls[0].args = bad_args;
  bad_calls[0].n_args = 2;
  expect_seccomp_error (&bad, "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_FOO\"",
                        "an unknown operator");
  bad_args[1] = (struct sie_seccomp_arg){ .index = 6, .op = "SCMP_CMP_EQ" };
  expect_seccomp_error (&bad, "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (0-5)",
                        "an argument index past 5");

  memcpy (bad_calls, calls, sizeof bad_calls);
  bad_calls[1].action = "SCMP_ACT_NOTIFY";
  expect_seccomp_error (&bad, "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY",
                        "NOTIFY without listenerPath");
  bad.listener_path = "/run/agent.sock";
  bad_calls[1].names = write_names;
  expect_seccomp_error (&bad, "linux.seccomp.syscalls[1]: SCMP_ACT_NOTIFY cannot be used for \"write\"",
                        "NOTIFY on write");

  bad_calls[1].names = mixed_names;
  ok (sie_seccomp_prepare (&bad, &p, &err) == 0 && sie_seccomp_uses_notify (p),
      "seccomp: a NOTIFY rule with listenerPath compiles and wants a listener (%s)", msg (err));
  sie_seccomp_free (p);
  sie_error_release (&err);
}

/* ---- attribute validation ---- */

static void
expect_check_error (const struct sie_process *p, const struct sie_linux *l, const char *want,
                    const char *what)
{
  sie_error_t err = NULL;

  ok (sie_process_attrs_check (p, l, &err) < 0, "attrs: %s is refused", what);
  is_str (msg (err), want, "attrs: %s error", what);
  sie_error_release (&err);
}

static bool
have_cap (cap_value_t cap)
{
  cap_t c = cap_get_proc ();
  cap_flag_value_t v = CAP_CLEAR;
  cap_get_flag (c, cap, CAP_EFFECTIVE, &v);
  cap_free (c);
  return v == CAP_SET;
}

static void
test_attrs_check (void)
{
  sie_error_t err = NULL;
  struct rlimit nofile;
  char *no_flags[] = { NULL };
  char *sched_flags[] = { "SCHED_FLAG_RESET_ON_FORK", NULL };
  char *bad_sched_flags[] = { "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_NOPE", NULL };
  struct sie_rlimit rl[] = {
    { .type = "RLIMIT_NOFILE", .soft = 64, .hard = 128 },
    { .type = "RLIMIT_CORE", .soft = 0, .hard = 0 },
  };
  struct sie_scheduler sched = { .policy = "SCHED_BATCH", .nice = { true, 5 }, .flags = sched_flags };
  struct sie_io_priority io = { .class = "IOPRIO_CLASS_BE", .priority = 4 };
  struct sie_exec_cpu_affinity aff = { .initial = "0", .final = "0-1" };
  struct sie_process p = {
    .rlimits = rl, .n_rlimits = 2, .oom_score_adj = { true, 100 },
    .scheduler = &sched, .io_priority = &io, .exec_cpu_affinity = &aff,
  };
  struct sie_personality pers = { .domain = "LINUX32", .flags = no_flags };
  struct sie_memory_policy mpol = { .mode = "MPOL_BIND", .nodes = "0" };
  struct sie_linux l = { .personality = &pers, .memory_policy = &mpol };

  ok (sie_process_attrs_check (&p, &l, &err) == 0, "attrs: a valid set passes (%s)", msg (err));
  sie_error_release (&err);
  ok (sie_process_attrs_check (NULL, NULL, &err) == 0, "attrs: nothing to check passes");

  struct sie_process bp = p;
  struct sie_rlimit brl[2] = { rl[0], rl[1] };
  bp.rlimits = brl;
  brl[1].type = "RLIMIT_FOO";
  expect_check_error (&bp, NULL, "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"", "an unknown rlimit");
  brl[1].type = "RLIMIT_NOFILE";
  expect_check_error (&bp, NULL, "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"", "a duplicate rlimit");
  brl[1] = (struct sie_rlimit){ .type = "RLIMIT_CORE", .soft = 10, .hard = 5 };
  expect_check_error (&bp, NULL, "process.rlimits[1] (RLIMIT_CORE): soft limit 10 is above hard limit 5",
                      "soft above hard");

  getrlimit (RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_max != RLIM_INFINITY && !have_cap (CAP_SYS_RESOURCE))
    {
      char want[256];
      brl[0] = (struct sie_rlimit){ .type = "RLIMIT_NOFILE", .soft = 1024,
                                    .hard = (uint64_t) nofile.rlim_max * 2 };
      brl[1] = rl[1];
      snprintf (want, sizeof want, "process.rlimits[0] (RLIMIT_NOFILE): cannot raise hard limit %" PRIu64
                " above %" PRIu64 " (needs CAP_SYS_RESOURCE): Operation not permitted",
                (uint64_t) nofile.rlim_max * 2, (uint64_t) nofile.rlim_max);
      expect_check_error (&bp, NULL, want, "raising the hard limit without CAP_SYS_RESOURCE");
    }
  else
    ok (1, "# SKIP raising hard limits is allowed here");

  bp = p;
  bp.oom_score_adj = (sie_opt_i64){ true, -1001 };
  expect_check_error (&bp, NULL, "process.oomScoreAdj: -1001 is out of range (-1000..1000)", "oomScoreAdj -1001");

  bp = p;
  struct sie_scheduler bs = sched;
  bp.scheduler = &bs;
  bs.policy = "SCHED_NOPE";
  expect_check_error (&bp, NULL, "process.scheduler.policy: unknown policy \"SCHED_NOPE\"", "an unknown policy");
  bs.policy = NULL;
  expect_check_error (&bp, NULL, "process.scheduler.policy: required", "a missing policy");
  bs.policy = "SCHED_ISO";
  expect_check_error (&bp, NULL, "process.scheduler.policy: SCHED_ISO is not implemented by Linux", "SCHED_ISO");
  bs.policy = "SCHED_OTHER";
  bs.nice = (sie_opt_i64){ true, 20 };
  expect_check_error (&bp, NULL, "process.scheduler.nice: 20 is out of range (-20..19)", "nice 20");
  bs = (struct sie_scheduler){ .policy = "SCHED_OTHER", .priority = { true, 5 } };
  expect_check_error (&bp, NULL, "process.scheduler.priority: only valid with SCHED_FIFO or SCHED_RR",
                      "a priority with SCHED_OTHER");
  bs = (struct sie_scheduler){ .policy = "SCHED_FIFO" };
  expect_check_error (&bp, NULL, "process.scheduler.priority: SCHED_FIFO needs a priority from 1 to 99",
                      "SCHED_FIFO without a priority");
  bs = (struct sie_scheduler){ .policy = "SCHED_RR", .runtime = { true, 10 } };
  bs.priority = (sie_opt_i64){ true, 1 };
  expect_check_error (&bp, NULL, "process.scheduler: runtime, deadline and period are only valid with "
                      "SCHED_DEADLINE", "runtime with SCHED_RR");
  bs = (struct sie_scheduler){ .policy = "SCHED_DEADLINE", .runtime = { true, 2000000 },
                               .deadline = { true, 1000000 } };
  expect_check_error (&bp, NULL, "process.scheduler.runtime: must not exceed deadline", "runtime above deadline");
  bs = (struct sie_scheduler){ .policy = "SCHED_OTHER", .flags = bad_sched_flags };
  expect_check_error (&bp, NULL, "process.scheduler.flags[1]: unknown flag \"SCHED_FLAG_NOPE\"",
                      "an unknown scheduler flag");

  bp = p;
  struct sie_io_priority bio = { .class = "IOPRIO_CLASS_NOPE" };
  bp.io_priority = &bio;
  expect_check_error (&bp, NULL, "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NOPE\"", "an unknown io class");
  bio = (struct sie_io_priority){ .class = "IOPRIO_CLASS_RT", .priority = 8 };
  expect_check_error (&bp, NULL, "process.ioPriority.priority: 8 is out of range (0-7)", "io priority 8");

  bp = p;
  struct sie_exec_cpu_affinity baff = { .initial = "x" };
  bp.exec_cpu_affinity = &baff;
  expect_check_error (&bp, NULL, "process.execCPUAffinity.initial: invalid cpu list \"x\": expected "
                      "numbers from 0 to 1023", "a bad initial cpu list");
  baff = (struct sie_exec_cpu_affinity){ .final = "4-2" };
  expect_check_error (&bp, NULL, "process.execCPUAffinity.final: invalid cpu list \"4-2\": range end "
                      "before its start", "a bad final cpu list");

  struct sie_linux bl = { 0 };
  struct sie_personality bpers = { .domain = "LINUX64" };
  bl.personality = &bpers;
  expect_check_error (NULL, &bl, "linux.personality.domain: unknown domain \"LINUX64\"", "an unknown domain");
  char *pflags[] = { "ADDR_NO_RANDOMIZE", NULL };
  bpers = (struct sie_personality){ .domain = "LINUX", .flags = pflags, .n_flags = 1 };
  expect_check_error (NULL, &bl, "linux.personality.flags[0]: \"ADDR_NO_RANDOMIZE\" is not supported",
                      "a personality flag");

  bl = (struct sie_linux){ 0 };
  struct sie_memory_policy bm = { .mode = "MPOL_NOPE" };
  bl.memory_policy = &bm;
  expect_check_error (NULL, &bl, "linux.memoryPolicy.mode: unknown mode \"MPOL_NOPE\"", "an unknown mpol mode");
  bm = (struct sie_memory_policy){ .mode = "MPOL_BIND" };
  expect_check_error (NULL, &bl, "linux.memoryPolicy.nodes: required with MPOL_BIND", "MPOL_BIND without nodes");
  bm = (struct sie_memory_policy){ .mode = "MPOL_DEFAULT", .nodes = "0" };
  expect_check_error (NULL, &bl, "linux.memoryPolicy.nodes: must be empty with MPOL_DEFAULT", "MPOL_DEFAULT with nodes");
  char *both[] = { "MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES", NULL };
  bm = (struct sie_memory_policy){ .mode = "MPOL_INTERLEAVE", .nodes = "0", .flags = both, .n_flags = 2 };
  expect_check_error (NULL, &bl, "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES "
                      "are mutually exclusive", "static and relative nodes together");
  char *nb[] = { "MPOL_F_NUMA_BALANCING", NULL };
  bm = (struct sie_memory_policy){ .mode = "MPOL_INTERLEAVE", .nodes = "0", .flags = nb, .n_flags = 1 };
  expect_check_error (NULL, &bl, "linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING needs MPOL_BIND or "
                      "MPOL_PREFERRED_MANY", "NUMA balancing with interleave");
  char *unk[] = { "MPOL_F_NOPE", NULL };
  bm = (struct sie_memory_policy){ .mode = "MPOL_BIND", .nodes = "0", .flags = unk, .n_flags = 1 };
  expect_check_error (NULL, &bl, "linux.memoryPolicy.flags[0]: unknown flag \"MPOL_F_NOPE\"", "an unknown mpol flag");
  bm = (struct sie_memory_policy){ .mode = "MPOL_BIND", .nodes = "0-x" };
  expect_check_error (NULL, &bl, "linux.memoryPolicy.nodes: invalid node list \"0-x\": expected numbers "
                      "from 0 to 1023", "a bad node list");
}

static void
test_lsm_check (void)
{
  sie_error_t err = NULL;
  struct sie_process p = { .apparmor_profile = "docker-default" };
  struct sie_linux l = { .mount_label = "system_u:object_r:container_file_t:s0" };
  bool apparmor = false, selinux = access ("/sys/fs/selinux/enforce", F_OK) == 0;
  FILE *f = fopen ("/sys/module/apparmor/parameters/enabled", "r");

  if (f)
    {
      apparmor = fgetc (f) == 'Y';
      fclose (f);
    }
  ok (sie_lsm_check (NULL, NULL, &err) == 0, "lsm: no labels, nothing to check");
  if (!apparmor)
    {
      ok (sie_lsm_check (&p, NULL, &err) < 0, "lsm: an AppArmor profile without AppArmor is refused");
      is_str (msg (err), "process.apparmorProfile: AppArmor is not enabled on this host", "lsm: AppArmor error");
      sie_error_release (&err);
    }
  if (!selinux)
    {
      ok (sie_lsm_check (NULL, &l, &err) < 0, "lsm: a mount label without SELinux is refused");
      is_str (msg (err), "linux.mountLabel: SELinux is not enabled on this host", "lsm: mountLabel error");
      sie_error_release (&err);
      p = (struct sie_process){ .selinux_label = "system_u:system_r:container_t:s0" };
      ok (sie_lsm_check (&p, NULL, &err) < 0, "lsm: a process label without SELinux is refused");
      is_str (msg (err), "process.selinuxLabel: SELinux is not enabled on this host", "lsm: selinuxLabel error");
      sie_error_release (&err);
    }
  p = (struct sie_process){ 0 };
  ok (sie_lsm_apply_exec (&p, &err) == 0, "lsm: no labels, nothing written");
}

/* ---- apply, in forked children ---- */

/* Runs fn in a child; the child prints "# ..." diagnostics and exits 0 on
 * success, so the parent's TAP stream stays in order. */
static int
in_child (int (*fn) (void))
{
  pid_t pid;
  int status;

  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    {
      int ret = fn ();
      fflush (stdout);
      _exit (ret);
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid)
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

#define CHECK(cond, ...)                                                       \
  do                                                                           \
    if (!(cond))                                                               \
      {                                                                        \
        printf ("#   child: " __VA_ARGS__);                                    \
        printf (" (line %d)\n", __LINE__);                                     \
        return 1;                                                              \
      }                                                                        \
  while (0)

static uint64_t
status_mask (const char *key)
{
  char line[256];
  uint64_t v = UINT64_MAX;
  FILE *f = fopen ("/proc/self/status", "r");

  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, key, strlen (key)) == 0)
      v = strtoull (line + strlen (key), NULL, 16);
  if (f)
    fclose (f);
  return v;
}

#define BIT(c) (UINT64_C (1) << (c))

static int
child_caps (void)
{
  sie_error_t err = NULL;
  struct sie_caps *c = NULL;
  char *bounding[] = { "CAP_CHOWN", "CAP_SETPCAP", "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SETUID",
                       "CAP_SETGID", "CAP_DAC_OVERRIDE", NULL };
  char *eff_perm[] = { "CAP_CHOWN", "CAP_NET_ADMIN", "CAP_DAC_OVERRIDE", NULL };
  char *amb[] = { "CAP_NET_ADMIN", "CAP_CHOWN", NULL };
  char *inh[] = { "CAP_NET_ADMIN", NULL };
  struct sie_capabilities caps = { .bounding = bounding, .effective = eff_perm,
                                   .permitted = eff_perm, .inheritable = inh, .ambient = amb };
  uint64_t want_bnd = BIT (CAP_CHOWN) | BIT (CAP_SETPCAP) | BIT (CAP_SYS_ADMIN) | BIT (CAP_NET_ADMIN)
                      | BIT (CAP_SETUID) | BIT (CAP_SETGID) | BIT (CAP_DAC_OVERRIDE);
  uint64_t want_eff = BIT (CAP_CHOWN) | BIT (CAP_NET_ADMIN) | BIT (CAP_DAC_OVERRIDE);

  CHECK (sie_caps_prepare (&caps, &c, &err) == 0, "prepare: %s", msg (err));
  CHECK (sie_caps_drop_bounding (c, &err) == 0, "drop bounding: %s", msg (err));
  CHECK (status_mask ("CapBnd:") == want_bnd, "CapBnd %" PRIx64 ", want %" PRIx64,
         status_mask ("CapBnd:"), want_bnd);
  CHECK (!(status_mask ("CapBnd:") & BIT (CAP_NET_RAW)), "CAP_NET_RAW still in CapBnd");
  CHECK (sie_caps_apply (c, &err) == 0, "apply: %s", msg (err));
  CHECK (status_mask ("CapEff:") == want_eff, "CapEff %" PRIx64, status_mask ("CapEff:"));
  CHECK (status_mask ("CapPrm:") == want_eff, "CapPrm %" PRIx64, status_mask ("CapPrm:"));
  CHECK (status_mask ("CapInh:") == BIT (CAP_NET_ADMIN), "CapInh %" PRIx64, status_mask ("CapInh:"));
  /* CAP_CHOWN is not inheritable, so it cannot be ambient: skipped, as runc. */
  CHECK (status_mask ("CapAmb:") == BIT (CAP_NET_ADMIN), "CapAmb %" PRIx64, status_mask ("CapAmb:"));
  sie_caps_free (c);
  return 0;
}

static int
child_user (void)
{
  sie_error_t err = NULL;
  uint32_t groups[] = { 10, 20 };
  struct sie_user u = { .uid = 1000, .gid = 1001, .additional_gids = groups, .n_additional_gids = 2 };
  gid_t got[8];
  uid_t r, e, s;
  gid_t gr, ge, gs;

  CHECK (sie_user_apply (&u, &err) == 0, "user apply: %s", msg (err));
  CHECK (getresuid (&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 1000, "uids %u %u %u", r, e, s);
  CHECK (getresgid (&gr, &ge, &gs) == 0 && gr == 1001 && ge == 1001 && gs == 1001, "gids");
  CHECK (getgroups (8, got) == 2 && got[0] == 10 && got[1] == 20, "groups");
  /* no longer root: changing again is refused and named */
  u.uid = 0;
  u.gid = 0;
  u.n_additional_gids = 0;
  CHECK (sie_user_apply (&u, &err) < 0
             && strcmp (msg (err), "process.user.gid: setresgid 0: Operation not permitted") == 0,
         "unprivileged apply error: %s", msg (err));
  return 0;
}

static int
child_rlimits (void)
{
  sie_error_t err = NULL;
  struct rlimit cur;
  struct sie_rlimit rl[] = { { .type = "RLIMIT_NOFILE", .soft = 100, .hard = 200 },
                             { .type = "RLIMIT_CORE", .soft = 0, .hard = 0 } };
  struct sie_process p = { .rlimits = rl, .n_rlimits = 2 };

  CHECK (sie_rlimits_apply (&p, &err) == 0, "apply: %s", msg (err));
  CHECK (getrlimit (RLIMIT_NOFILE, &cur) == 0 && cur.rlim_cur == 100 && cur.rlim_max == 200, "NOFILE");
  CHECK (getrlimit (RLIMIT_CORE, &cur) == 0 && cur.rlim_cur == 0 && cur.rlim_max == 0, "CORE");
  if (!have_cap (CAP_SYS_RESOURCE))
    {
      rl[0] = (struct sie_rlimit){ .type = "RLIMIT_NOFILE", .soft = 100, .hard = 300 };
      p.n_rlimits = 1;
      CHECK (sie_rlimits_apply (&p, &err) < 0, "raising the hard limit worked");
      CHECK (strcmp (msg (err), "process.rlimits[0] (RLIMIT_NOFILE): cannot raise hard limit 300 above 200 "
                     "(needs CAP_SYS_RESOURCE): Operation not permitted") == 0, "message: %s", msg (err));
    }
  return 0;
}

static int
child_personality_ioprio_sched (void)
{
  sie_error_t err = NULL;
  struct sie_personality pers = { .domain = "LINUX32" };
  struct sie_io_priority io = { .class = "IOPRIO_CLASS_BE", .priority = 5 };
  struct sie_scheduler sched = { .policy = "SCHED_BATCH", .nice = { true, 7 } };
  struct sie_scheduler idle = { .policy = "SCHED_IDLE" };

  CHECK (sie_personality_apply (&pers, &err) == 0, "personality: %s", msg (err));
  CHECK ((personality (0xffffffff) & PER_MASK) == PER_LINUX32, "personality not LINUX32");
  CHECK (sie_io_priority_apply (&io, &err) == 0, "ioprio: %s", msg (err));
  CHECK (syscall (SYS_ioprio_get, 1, 0) == ((2 << 13) | 5), "ioprio is %ld", syscall (SYS_ioprio_get, 1, 0));
  CHECK (sie_scheduler_apply (&sched, &err) == 0, "sched batch: %s", msg (err));
  CHECK (sched_getscheduler (0) == SCHED_BATCH, "policy %d", sched_getscheduler (0));
  errno = 0;
  CHECK (getpriority (PRIO_PROCESS, 0) == 7, "nice %d", getpriority (PRIO_PROCESS, 0));
  CHECK (sie_scheduler_apply (&idle, &err) == 0, "sched idle: %s", msg (err));
  CHECK (sched_getscheduler (0) == SCHED_IDLE, "policy %d", sched_getscheduler (0));
  return 0;
}

static int
child_affinity_mempolicy (void)
{
  sie_error_t err = NULL;
  cpu_set_t set;
  struct sie_memory_policy bind = { .mode = "MPOL_BIND", .nodes = "0" };
  struct sie_memory_policy local = { .mode = "MPOL_LOCAL" };
  int mode = -1;
  unsigned long mask[1024 / (8 * sizeof (unsigned long))] = { 0 };

  CHECK (sie_cpu_affinity_apply ("0", "process.execCPUAffinity.final", &err) == 0, "affinity: %s", msg (err));
  CHECK (sched_getaffinity (0, sizeof set, &set) == 0 && CPU_COUNT (&set) == 1 && CPU_ISSET (0, &set),
         "affinity not cpu 0");
  CHECK (sie_cpu_affinity_apply ("", "f", &err) == 0, "empty affinity");
  CHECK (sie_cpu_affinity_apply ("1000", "process.execCPUAffinity.initial", &err) < 0
             && strstr (msg (err), "process.execCPUAffinity.initial: setting the CPU affinity to \"1000\""),
         "affinity to a missing cpu: %s", msg (err));

  CHECK (sie_memory_policy_apply (&bind, &err) == 0, "mpol bind: %s", msg (err));
  CHECK (syscall (SYS_get_mempolicy, &mode, mask, 1024UL, NULL, 0UL) == 0 && mode == 2 && mask[0] == 1,
         "mempolicy %d mask %lx", mode, mask[0]);
  CHECK (sie_memory_policy_apply (&local, &err) == 0, "mpol local: %s", msg (err));
  CHECK (syscall (SYS_get_mempolicy, &mode, NULL, 0UL, NULL, 0UL) == 0 && mode == 4, "mempolicy %d", mode);
  return 0;
}

static void
test_apply (void)
{
  ok (in_child (child_caps) == 0, "caps: bounding drop leaves CapBnd without CAP_NET_RAW; sets and ambient applied");
  ok (in_child (child_user) == 0, "user: groups, gid and uid applied; later changes refused with the field");
  ok (in_child (child_rlimits) == 0, "rlimits: applied; raising the hard limit names the current one");
  ok (in_child (child_personality_ioprio_sched) == 0, "personality LINUX32, ioprio BE/5, SCHED_BATCH nice 7, SCHED_IDLE");
  ok (in_child (child_affinity_mempolicy) == 0, "cpu affinity and memory policy (BIND 0, LOCAL) applied");
}

int
main (void)
{
  test_cpulist ();
  test_cap_names ();
  test_seccomp_prepare ();
  test_attrs_check ();
  test_lsm_check ();
  test_apply ();
  return tap_done ();
}
