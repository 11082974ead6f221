/* Device access on cgroup v1: devices.deny / devices.allow. */
#include "cgroups/cgroup_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/cleanup.h"

/* runc's specconv.AllowedDevices: what a container can always use, so
 * the device nodes the runtime itself creates work behind a deny-all. */
const struct sie_cg_default_device sie_cg_default_devices[] = {
  { 'c', -1, -1, "m" },    /* mknod of any char device */
  { 'b', -1, -1, "m" },    /* mknod of any block device */
  { 'c', 1, 3, "rwm" },    /* /dev/null */
  { 'c', 1, 8, "rwm" },    /* /dev/random */
  { 'c', 1, 7, "rwm" },    /* /dev/full */
  { 'c', 5, 0, "rwm" },    /* /dev/tty */
  { 'c', 1, 5, "rwm" },    /* /dev/zero */
  { 'c', 1, 9, "rwm" },    /* /dev/urandom */
  { 'c', 5, 1, "rwm" },    /* /dev/console */
  { 'c', 136, -1, "rwm" }, /* /dev/pts/N */
  { 'c', 5, 2, "rwm" },    /* /dev/ptmx */
};
const size_t sie_cg_n_default_devices = ARRAY_SIZE (sie_cg_default_devices);

/* A major or minor number; absent or negative is the wildcard. */
static void
format_number (char *buf, size_t size, bool set, int64_t v)
{
  if (!set || v < 0)
    snprintf (buf, size, "*");
  else
    snprintf (buf, size, "%lld", (long long) v);
}

int
sie_cg_device_rule_string (const struct sie_device_cgroup *d, size_t index, char *buf,
                           size_t size, sie_error_t *err)
{
  char type = d->type ? d->type : 'a';
  const char *access = d->access && d->access[0] ? d->access : "rwm";
  char major[24], minor[24];

  if (type != 'a' && type != 'c' && type != 'b')
    return sie_error (err, 0, "linux.resources.devices[%zu].type: \"%c\" is not a, b or c",
                      index, type);
  if (strspn (access, "rwm") != strlen (access))
    return sie_error (err, 0, "linux.resources.devices[%zu].access: \"%s\" is not a subset of rwm",
                      index, access);
  format_number (major, sizeof (major), d->major.set, d->major.v);
  format_number (minor, sizeof (minor), d->minor.set, d->minor.v);
  snprintf (buf, size, "%c %s:%s %s", type, major, minor, access);
  return 0;
}

static int
write_rule (const char *dir, bool allow, const char *rule, const char *field, sie_error_t *err)
{
  return sie_cg_write (dir, allow ? "devices.allow" : "devices.deny", field, rule, err);
}

int
sie_cg_devices_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  /* Start from deny-all, as runc's device emulator does: the config's
     rules then open (or close) access in order, and the defaults follow. */
  if (write_rule (dir, false, "a", "linux.resources.devices", err) < 0)
    return -1;
  for (size_t i = 0; i < res->n_devices; i++)
    {
      const struct sie_device_cgroup *d = &res->devices[i];
      char rule[80], field[64];

      snprintf (field, sizeof (field), "linux.resources.devices[%zu]", i);
      if (sie_cg_device_rule_string (d, i, rule, sizeof (rule), err) < 0)
        return -1;
      if (write_rule (dir, d->allow, rule, field, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < sie_cg_n_default_devices; i++)
    {
      const struct sie_cg_default_device *d = &sie_cg_default_devices[i];
      char rule[80], major[24], minor[24];

      format_number (major, sizeof (major), true, d->major);
      format_number (minor, sizeof (minor), true, d->minor);
      snprintf (rule, sizeof (rule), "%c %s:%s %s", d->type, major, minor, d->access);
      if (write_rule (dir, true, rule, "default device rules", err) < 0)
        return -1;
    }
  return 0;
}
