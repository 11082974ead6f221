/* sie_netns_lo_up in a fresh network namespace: lo must come up. */
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns/netns.h"
#include "tests/unit/tap.h"

/* 0 down, 1 up, -1 unknown */
static int
lo_is_up (void)
{
  struct ifreq ifr = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int r;

  if (fd < 0)
    return -1;
  strcpy (ifr.ifr_name, "lo");
  r = ioctl (fd, SIOCGIFFLAGS, &ifr);
  close (fd);
  return r < 0 ? -1 : (ifr.ifr_flags & IFF_UP) != 0;
}

/* Exit status: 0 ok, 10 unshare failed (skip), 11 lo up before, 12 the
 * call failed, 13 lo still down afterwards, 14 second call failed. */
static int
child (void)
{
  sie_error_t err = NULL;

  if (unshare (CLONE_NEWNET) < 0)
    return 10;
  if (lo_is_up () != 0)
    return 11;
  if (sie_netns_lo_up (&err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      sie_error_release (&err);
      return 12;
    }
  if (lo_is_up () != 1)
    return 13;
  /* idempotent: up again is no error */
  if (sie_netns_lo_up (&err) < 0)
    {
      sie_error_release (&err);
      return 14;
    }
  return 0;
}

int
main (void)
{
  int status = 0;
  pid_t pid;

  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    _exit (child ());
  ok (pid > 0 && waitpid (pid, &status, 0) == pid, "child ran");
  if (WIFEXITED (status) && WEXITSTATUS (status) == 10)
    {
      printf ("ok %d # SKIP cannot unshare a network namespace here\n", ++tap_n);
      return tap_done ();
    }
  ok (WIFEXITED (status) && WEXITSTATUS (status) != 11, "lo starts down in a new netns");
  ok (WIFEXITED (status) && WEXITSTATUS (status) != 12, "sie_netns_lo_up succeeds");
  ok (WIFEXITED (status) && WEXITSTATUS (status) == 0, "lo is up afterwards (status %d)",
      WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  return tap_done ();
}
