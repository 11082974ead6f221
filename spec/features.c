/* `sie features`: what this build of sie supports, in the runtime-spec
 * features.json format.  Host-dependent entries (capabilities, seccomp
 * flags, LSMs) are probed, as runc does. */
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spec/state.h"

#include "spec/json_out.h"
#include "util/cleanup.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static const char *const hooks[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* What runtime/mount_options.c and the rootfs code accept. */
static const char *const mount_options[] = {
  "acl",        "async",       "atime",        "bind",          "defaults",    "dev",
  "diratime",   "dirsync",     "exec",         "idmap",         "iversion",    "lazytime",
  "loud",       "mand",        "noacl",        "noatime",       "nodev",       "nodiratime",
  "noexec",     "noiversion",  "nolazytime",   "nomand",        "norelatime",  "nostrictatime",
  "nosuid",     "nosymfollow", "private",      "ratime",        "rbind",       "rdev",
  "rdiratime",  "relatime",    "remount",      "rexec",         "ridmap",      "rnoatime",
  "rnodev",     "rnodiratime", "rnoexec",      "rnorelatime",   "rnostrictatime", "rnosuid",
  "rnosymfollow", "ro",        "rprivate",     "rrelatime",     "rro",         "rrw",
  "rshared",    "rslave",      "rstrictatime", "rsuid",         "rsymfollow",  "runbindable",
  "rw",         "shared",      "silent",       "slave",         "strictatime", "suid",
  "symfollow",  "sync",        "tmpcopyup",    "unbindable",
};

static const char *const namespaces[] = {
  "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
};

static const char *const seccomp_actions[] = {
  "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",       "SCMP_ACT_TRACE",       "SCMP_ACT_TRAP",
};

static const char *const seccomp_operators[] = {
  "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
  "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};

/* The architectures libseccomp 2.5 knows. */
static const char *const seccomp_archs[] = {
  "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",      "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",
  "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",  "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
  "SCMP_ARCH_X32",     "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",
};

struct seccomp_flag
{
  const char *name;
  unsigned long probe; /* flags that make the kernel check this one */
};

/* sie passes these flags to seccomp(2) itself, so the kernel decides. */
static const struct seccomp_flag seccomp_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  /* The kernel refuses it without a listener. */
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER },
};

/* With a NULL program the kernel checks the flags, then fails to read the
 * program: EFAULT means the flags are known, and nothing was installed. */
static bool
kernel_has_seccomp_flags (unsigned long flags)
{
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

static bool
file_starts_with (const char *path, char ch)
{
  cleanup_file FILE *f = fopen (path, "re");
  return f != NULL && fgetc (f) == ch;
}

/* The capability names libcap has for the running kernel's capabilities. */
static void
write_capabilities (struct jout *o)
{
  cap_value_t n = (cap_value_t) cap_max_bits ();

  jout_key (o, "capabilities");
  jout_array (o);
  for (cap_value_t v = 0; v < n; v++)
    {
      char *name = cap_to_name (v);
      if (name == NULL)
        continue;
      /* libcap falls back to the number for names it does not know. */
      if (!isdigit ((unsigned char) name[0]))
        {
          for (char *p = name; *p; p++)
            *p = toupper ((unsigned char) *p);
          jout_str (o, name);
        }
      cap_free (name);
    }
  jout_end (o);
}

static void
write_seccomp (struct jout *o)
{
  jout_key (o, "seccomp");
  jout_open (o);
  jout_key_bool (o, "enabled", true);
  jout_key_strv (o, "actions", seccomp_actions, ARRAY_SIZE (seccomp_actions));
  jout_key_strv (o, "operators", seccomp_operators, ARRAY_SIZE (seccomp_operators));
  jout_key_strv (o, "archs", seccomp_archs, ARRAY_SIZE (seccomp_archs));
  jout_key (o, "knownFlags");
  jout_array (o);
  for (size_t i = 0; i < ARRAY_SIZE (seccomp_flags); i++)
    jout_str (o, seccomp_flags[i].name);
  jout_end (o);
  jout_key (o, "supportedFlags");
  jout_array (o);
  for (size_t i = 0; i < ARRAY_SIZE (seccomp_flags); i++)
    if (kernel_has_seccomp_flags (seccomp_flags[i].probe))
      jout_str (o, seccomp_flags[i].name);
  jout_end (o);
  jout_close (o);
}

static void
write_enabled (struct jout *o, const char *key, bool enabled)
{
  jout_key (o, key);
  jout_open (o);
  jout_key_bool (o, "enabled", enabled);
  jout_close (o);
}

static void
write_linux (struct jout *o)
{
  jout_key (o, "linux");
  jout_open (o);
  jout_key_strv (o, "namespaces", namespaces, ARRAY_SIZE (namespaces));
  write_capabilities (o);
  jout_key (o, "cgroup");
  jout_open (o);
  jout_key_bool (o, "v1", true);
  jout_key_bool (o, "v2", true);
  jout_key_bool (o, "systemd", false);
  jout_key_bool (o, "systemdUser", false);
  jout_key_bool (o, "rdma", true);
  jout_close (o);
  write_seccomp (o);
  write_enabled (o, "apparmor", file_starts_with ("/sys/module/apparmor/parameters/enabled", 'Y'));
  write_enabled (o, "selinux", access ("/sys/fs/selinux/enforce", F_OK) == 0);
  write_enabled (o, "intelRdt", false);
  write_enabled (o, "netDevices", true);
  jout_key (o, "mountExtensions");
  jout_open (o);
  write_enabled (o, "idmap", true);
  jout_close (o);
  jout_close (o);
}

int
sie_features_json (char **out, sie_error_t *err)
{
  struct jout o;

  /* Four spaces, as `runc features` indents. */
  if (jout_init (&o, "    ", err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "ociVersionMin", "1.0.0");
  jout_key_str (&o, "ociVersionMax", "1.2.0");
  jout_key_strv (&o, "hooks", hooks, ARRAY_SIZE (hooks));
  jout_key_strv (&o, "mountOptions", mount_options, ARRAY_SIZE (mount_options));
  write_linux (&o);
  jout_key (&o, "annotations");
  jout_open (&o);
  jout_key_str (&o, "io.sie.isolation", "namespace");
  jout_close (&o);
  jout_close (&o);
  return jout_finish (&o, true, out, err);
}
