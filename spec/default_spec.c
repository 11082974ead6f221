/* The config.json `sie spec` writes: runc's example spec, and its rootless
 * variant (runc spec --rootless). */
#include <string.h>

#include "spec/state.h"

#include "spec/json_out.h"
#include "util/cleanup.h"

struct default_mount
{
  const char *destination, *type, *source;
  const char *options[8]; /* NULL-terminated */
};

static const struct default_mount default_mounts[] = {
  { "/proc", "proc", "proc", { NULL } },
  { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
  { "/dev/pts",
    "devpts",
    "devpts",
    { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
  { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
  { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
  { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
  { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* Without a user namespace of its own, a rootless container can neither
 * mount sysfs nor pick devpts ownership. */
static const struct default_mount rootless_sys = {
  "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL }
};

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" };

static const char *const default_env[] = {
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "TERM=xterm",
};

static const char *const masked_paths[] = {
  "/proc/acpi",        "/proc/asound",    "/proc/kcore",       "/proc/keys",
  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
  "/sys/firmware",     "/proc/scsi",
};

static const char *const readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static void
write_process (struct jout *o)
{
  static const char *const args[] = { "sh" };
  const size_t ncaps = ARRAY_SIZE (default_caps);

  jout_key (o, "process");
  jout_open (o);
  jout_key_bool (o, "terminal", true);
  jout_key (o, "user");
  jout_open (o);
  jout_key_int (o, "uid", 0);
  jout_key_int (o, "gid", 0);
  jout_close (o);
  jout_key_strv (o, "args", args, ARRAY_SIZE (args));
  jout_key_strv (o, "env", default_env, ARRAY_SIZE (default_env));
  jout_key_str (o, "cwd", "/");
  jout_key (o, "capabilities");
  jout_open (o);
  jout_key_strv (o, "bounding", default_caps, ncaps);
  jout_key_strv (o, "effective", default_caps, ncaps);
  jout_key_strv (o, "permitted", default_caps, ncaps);
  jout_close (o);
  jout_key (o, "rlimits");
  jout_array (o);
  jout_open (o);
  jout_key_str (o, "type", "RLIMIT_NOFILE");
  jout_key_int (o, "hard", 1024);
  jout_key_int (o, "soft", 1024);
  jout_close (o);
  jout_end (o);
  jout_key_bool (o, "noNewPrivileges", true);
  jout_close (o);
}

static void
write_mount (struct jout *o, const struct default_mount *m, int rootless)
{
  jout_open (o);
  jout_key_str (o, "destination", m->destination);
  jout_key_str (o, "type", m->type);
  jout_key_str (o, "source", m->source);
  if (m->options[0])
    {
      jout_key (o, "options");
      jout_array (o);
      for (const char *const *opt = m->options; *opt; opt++)
        if (!rootless || (strncmp (*opt, "uid=", 4) != 0 && strncmp (*opt, "gid=", 4) != 0))
          jout_str (o, *opt);
      jout_end (o);
    }
  jout_close (o);
}

static void
write_mounts (struct jout *o, int rootless)
{
  jout_key (o, "mounts");
  jout_array (o);
  for (size_t i = 0; i < ARRAY_SIZE (default_mounts); i++)
    {
      const struct default_mount *m = &default_mounts[i];
      if (rootless && strcmp (m->destination, "/sys") == 0)
        m = &rootless_sys;
      write_mount (o, m, rootless);
    }
  jout_end (o);
}

static void
write_mapping (struct jout *o, const char *key, unsigned long host_id)
{
  jout_key (o, key);
  jout_array (o);
  jout_open (o);
  jout_key_int (o, "containerID", 0);
  jout_key_int (o, "hostID", (long long) host_id);
  jout_key_int (o, "size", 1);
  jout_close (o);
  jout_end (o);
}

static void
write_namespaces (struct jout *o, int rootless)
{
  static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };

  jout_key (o, "namespaces");
  jout_array (o);
  for (size_t i = 0; i < ARRAY_SIZE (types); i++)
    {
      if (rootless && strcmp (types[i], "network") == 0)
        continue;
      jout_open (o);
      jout_key_str (o, "type", types[i]);
      jout_close (o);
    }
  if (rootless)
    {
      jout_open (o);
      jout_key_str (o, "type", "user");
      jout_close (o);
    }
  jout_end (o);
}

static void
write_linux (struct jout *o, int rootless, uid_t uid, gid_t gid)
{
  jout_key (o, "linux");
  jout_open (o);
  if (rootless)
    {
      write_mapping (o, "uidMappings", uid);
      write_mapping (o, "gidMappings", gid);
    }
  else
    {
      /* Rootless containers get no cgroup settings. */
      jout_key (o, "resources");
      jout_open (o);
      jout_key (o, "devices");
      jout_array (o);
      jout_open (o);
      jout_key_bool (o, "allow", false);
      jout_key_str (o, "access", "rwm");
      jout_close (o);
      jout_end (o);
      jout_close (o);
    }
  write_namespaces (o, rootless);
  jout_key_strv (o, "maskedPaths", masked_paths, ARRAY_SIZE (masked_paths));
  jout_key_strv (o, "readonlyPaths", readonly_paths, ARRAY_SIZE (readonly_paths));
  jout_close (o);
}

int
sie_default_spec_json (int rootless, uid_t uid, gid_t gid, char **out, sie_error_t *err)
{
  struct jout o;

  /* Tabs, as `runc spec` indents. */
  if (jout_init (&o, "\t", err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "ociVersion", "1.2.0");
  write_process (&o);
  jout_key (&o, "root");
  jout_open (&o);
  jout_key_str (&o, "path", "rootfs");
  jout_key_bool (&o, "readonly", true);
  jout_close (&o);
  jout_key_str (&o, "hostname", "sie");
  write_mounts (&o, rootless);
  write_linux (&o, rootless, uid, gid);
  jout_close (&o);
  return jout_finish (&o, true, out, err);
}
