#include "vmshim/agent/pid1.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

#define SIE_POWER_OFF_PORT 0x501 /* vmshim/vmm: the guest's exit status port */

/* Set once this process has set up the guest: powering off is never tried
 * on a host. */
static int in_guest;

struct api_mount
{
  const char *source, *target, *fstype;
  unsigned long flags;
  const char *data;
};

/* Parents before children. */
static const struct api_mount api_mounts[] = {
  { "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
  { "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
  { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
  { "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620" },
  { "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
  { "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
  { "run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
  { "tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
};

/* devtmpfs has no /dev/fd and friends; shells and `cat /dev/stdin` want them. */
static const char *const dev_links[][2] = {
  { "/proc/self/fd", "/dev/fd" },
  { "/proc/self/fd/0", "/dev/stdin" },
  { "/proc/self/fd/1", "/dev/stdout" },
  { "/proc/self/fd/2", "/dev/stderr" },
};

static int
mount_api_filesystems (sie_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (api_mounts); i++)
    {
      const struct api_mount *m = &api_mounts[i];
      if (mkdir (m->target, 0755) < 0 && errno != EEXIST)
        return sie_error (err, errno, "mkdir %s", m->target);
      if (mount (m->source, m->target, m->fstype, m->flags, m->data) < 0)
        return sie_error (err, errno, "mount %s on %s", m->fstype, m->target);
    }
  for (size_t i = 0; i < ARRAY_SIZE (dev_links); i++)
    if (symlink (dev_links[i][0], dev_links[i][1]) < 0 && errno != EEXIST)
      return sie_error (err, errno, "symlink %s", dev_links[i][1]);
  return 0;
}

/* The kernel opens fds 0-2 on /dev/console only if the initramfs has the
 * node; devtmpfs always has it, so take it again from there. */
static int
take_console (sie_error_t *err)
{
  cleanup_close int fd = open ("/dev/console", O_RDWR | O_NOCTTY);

  if (fd < 0)
    return sie_error (err, errno, "open /dev/console");
  for (int i = 0; i <= 2; i++)
    if (fd != i && dup2 (fd, i) < 0)
      return sie_error (err, errno, "dup2 /dev/console to fd %d", i);
  if (fd <= 2)
    fd = -1;
  return 0;
}

static int
loopback_up (sie_error_t *err)
{
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = { 0 };

  if (fd < 0)
    return sie_error (err, errno, "socket for lo");
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return sie_error (err, errno, "lo: get flags");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return sie_error (err, errno, "lo: set up");
  return 0;
}

int
sie_agent_setup_pid1 (sie_error_t *err)
{
  if (mount_api_filesystems (err) < 0 || take_console (err) < 0 || loopback_up (err) < 0)
    return -1;
  if (sethostname ("sie", 3) < 0)
    return sie_error (err, errno, "sethostname");
  in_guest = 1;
  return 0;
}

void
sie_agent_power_off (void)
{
  if (!in_guest)
    _exit (1);
  sync ();
  kill (-1, SIGKILL);
  sync ();
  /* A clean stop is a write of 0 to sie-vmm's power-off port (0x501);
   * anything else that ends the guest (a panic triple-faults with
   * reboot=t, a reset) is reported by the VMM as a crash. */
  if (ioperm (SIE_POWER_OFF_PORT, 1, 1) == 0)
    outb (0, SIE_POWER_OFF_PORT);
  reboot (RB_AUTOBOOT);
  for (;;)
    pause ();
}
