/* AppArmor profiles and SELinux labels for the container process.
 *
 * Both are requested for the next execve through /proc/thread-self/attr, so
 * the runtime itself keeps running unconfined until it execs the process.
 * sie_lsm_check runs in the parent and refuses labels for an LSM the host
 * does not run, rather than silently starting the container unconfined. */
#include "runtime/security.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

static bool
apparmor_enabled (void)
{
  cleanup_close int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  char c = 0;

  return fd >= 0 && read (fd, &c, 1) == 1 && c == 'Y';
}

static bool
selinux_enabled (void)
{
  return access ("/sys/fs/selinux/enforce", F_OK) == 0 || access ("/selinux/enforce", F_OK) == 0;
}

int
sie_lsm_check (const struct sie_process *p, const struct sie_linux *l, sie_error_t *err)
{
  if (p && p->apparmor_profile && p->apparmor_profile[0] && !apparmor_enabled ())
    return sie_error (err, 0, "process.apparmorProfile: AppArmor is not enabled on this host");
  if (p && p->selinux_label && p->selinux_label[0] && !selinux_enabled ())
    return sie_error (err, 0, "process.selinuxLabel: SELinux is not enabled on this host");
  if (l && l->mount_label && l->mount_label[0] && !selinux_enabled ())
    return sie_error (err, 0, "linux.mountLabel: SELinux is not enabled on this host");
  return 0;
}

/* One write(2): the kernel takes the whole attribute value at once. */
static int
write_attr (const char *path, const char *value, size_t len)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = write (fd, value, len);
  if (n < 0)
    return -1;
  if ((size_t) n != len)
    {
      errno = EIO;
      return -1;
    }
  return 0;
}

static int
apparmor_exec (const char *profile, sie_error_t *err)
{
  char buf[4096];
  int len = snprintf (buf, sizeof buf, "exec %s", profile);

  if (len < 0 || (size_t) len >= sizeof buf)
    return sie_error (err, ENAMETOOLONG, "process.apparmorProfile: \"%s\"", profile);
  /* The LSM-specific file exists since Linux 5.8 (stacking); older kernels
   * only have the shared one. */
  if (write_attr ("/proc/thread-self/attr/apparmor/exec", buf, (size_t) len) == 0)
    return 0;
  if (errno != ENOENT)
    return sie_error (err, errno, "process.apparmorProfile: setting exec profile \"%s\"", profile);
  if (write_attr ("/proc/thread-self/attr/exec", buf, (size_t) len) < 0)
    return sie_error (err, errno, "process.apparmorProfile: setting exec profile \"%s\"", profile);
  return 0;
}

int
sie_lsm_apply_exec (const struct sie_process *p, sie_error_t *err)
{
  if (p == NULL)
    return 0;
  if (p->apparmor_profile && p->apparmor_profile[0] && apparmor_exec (p->apparmor_profile, err) < 0)
    return -1;
  if (p->selinux_label && p->selinux_label[0]
      && write_attr ("/proc/thread-self/attr/exec", p->selinux_label, strlen (p->selinux_label)) < 0)
    return sie_error (err, errno, "process.selinuxLabel: setting exec label \"%s\"", p->selinux_label);
  return 0;
}
