#include "sysctl.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"

static bool
has_ns (const struct sie_ns_plan *plan, enum sie_ns_type t)
{
  return plan->is_new[t] || plan->join_fd[t] >= 0;
}

static bool
starts_with (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

/* Which namespace owns a key, or SIE_NS_TYPES when none does. */
static enum sie_ns_type
owning_ns (const char *key)
{
  static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
  };
  for (size_t i = 0; i < ARRAY_SIZE (ipc_keys); i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      return SIE_NS_IPC;
  if (starts_with (key, "fs.mqueue."))
    return SIE_NS_IPC;
  if (starts_with (key, "net."))
    return SIE_NS_NETWORK;
  if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    return SIE_NS_UTS;
  return SIE_NS_TYPES;
}

int
sie_sysctl_check (const struct sie_config *cfg, const struct sie_ns_plan *plan, sie_error_t *err)
{
  const struct sie_linux *l = cfg->linux_;
  for (size_t i = 0; l && i < l->n_sysctl; i++)
    {
      const char *key = l->sysctl[i].key;
      enum sie_ns_type t = owning_ns (key);
      if (strstr (key, "..") || strchr (key, '/'))
        return sie_error (err, 0, "linux.sysctl: invalid key \"%s\"", key);
      if (t == SIE_NS_TYPES)
        return sie_error (err, 0, "linux.sysctl: \"%s\" is not in a separate kernel namespace", key);
      if (!has_ns (plan, t))
        return sie_error (err, 0, "linux.sysctl: \"%s\" needs a %s namespace", key,
                          sie_ns_type_name (t));
    }
  return 0;
}

int
sie_sysctl_apply (const struct sie_linux *l, sie_error_t *err)
{
  for (size_t i = 0; l && i < l->n_sysctl; i++)
    {
      cleanup_free char *path = NULL;
      if (asprintf (&path, "/proc/sys/%s", l->sysctl[i].key) < 0)
        return sie_error (err, 0, "linux.sysctl: out of memory");
      for (char *p = path + strlen ("/proc/sys/"); *p; p++)
        if (*p == '.')
          *p = '/';
      if (sie_write_string_at (AT_FDCWD, path, l->sysctl[i].value, err) < 0)
        return sie_error_prefix (err, "linux.sysctl: %s", l->sysctl[i].key);
    }
  return 0;
}
