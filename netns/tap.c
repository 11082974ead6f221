/* Tap devices through /dev/net/tun.  A tun device belongs to the network
 * namespace of the task that opened /dev/net/tun, so the open happens
 * inside the target namespace; everything after works from anywhere. */
#include "netns/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "util/cleanup.h"

static int
tun_open_in (int netns_fd, sie_error_t *err)
{
  int saved, fd, e;

  if (sie_netns_enter (netns_fd, &saved, err) < 0)
    return -1;
  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  e = errno;
  if (sie_netns_leave (saved, err) < 0)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  if (fd < 0)
    return sie_error (err, e, "open /dev/net/tun");
  return fd;
}

static int
tun_set_iff (int fd, const char *name, short extra, char *actual, sie_error_t *err)
{
  struct ifreq ifr = { 0 };

  if (strlen (name) >= IFNAMSIZ)
    return sie_error (err, EINVAL, "tap %s: a name has at most %d characters", name,
                      IFNAMSIZ - 1);
  strcpy (ifr.ifr_name, name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | extra;
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      if (errno == EBUSY && (extra & IFF_TUN_EXCL))
        return sie_error (err, EEXIST, "tap %s: a link of that name exists already", name);
      return sie_error (err, errno, "tap %s: TUNSETIFF", name);
    }
  if (actual)
    snprintf (actual, IFNAMSIZ, "%s", ifr.ifr_name);
  return 0;
}

int
sie_tap_create (int netns_fd, const char *name, int *fd_out, char *actual, sie_error_t *err)
{
  cleanup_close int fd = tun_open_in (netns_fd, err);
  char got[IFNAMSIZ];

  if (fd < 0)
    return -1;
  /* EXCL: a create must not silently attach to someone else's tap. */
  if (tun_set_iff (fd, name, IFF_TUN_EXCL, got, err) < 0)
    return -1;
  if (actual)
    memcpy (actual, got, IFNAMSIZ);
  if (fd_out)
    {
      *fd_out = move_fd (fd);
      return 0;
    }
  if (ioctl (fd, TUNSETPERSIST, 1L) < 0)
    return sie_error (err, errno, "tap %s: TUNSETPERSIST", got);
  return 0;
}

int
sie_tap_attach (int netns_fd, const char *name, sie_error_t *err)
{
  cleanup_nl struct sie_nl nl = { 0 };
  struct sie_link l;
  cleanup_close int fd = -1;

  /* TUNSETIFF on a missing name would create a fresh tap instead. */
  if (sie_nl_open_in (&nl, netns_fd, err) < 0 || sie_link_get (&nl, name, &l, err) < 0)
    return -1;
  if (strcmp (l.kind, "tun") != 0)
    return sie_error (err, EINVAL, "tap %s: not a tun/tap device", name);
  fd = tun_open_in (netns_fd, err);
  if (fd < 0 || tun_set_iff (fd, name, 0, NULL, err) < 0)
    return -1;
  return move_fd (fd);
}
