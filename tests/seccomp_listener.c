/* Test helper: a seccomp user-notification agent, as the OCI runtime spec's
 * linux.seccomp.listenerPath describes.
 *
 *   seccomp_listener SOCKET OUT [ERRNO]
 *
 * Listens on the unix socket SOCKET, accepts one connection and receives one
 * message: the container process state JSON with the notify fd attached as
 * SCM_RIGHTS.  Writes to OUT the JSON as received, then a line
 * "fd=<readlink of the received fd>",
 * answers the first notification with -ERRNO (default ENAMETOOLONG),
 * writes "syscall=<name> pid=<pid>" and exits, which closes the notify fd. */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdsock.h"

static void
answer_one (int notify_fd, int err, FILE *out)
{
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  char *name;
  int r;

  r = seccomp_notify_alloc (&req, &resp);
  if (r < 0)
    {
      errno = -r;
      die ("seccomp_notify_alloc");
    }
  r = seccomp_notify_receive (notify_fd, req);
  if (r < 0)
    {
      errno = -r;
      die ("seccomp_notify_receive");
    }
  resp->id = req->id;
  resp->error = -err;
  resp->val = 0;
  resp->flags = 0;
  r = seccomp_notify_respond (notify_fd, resp);
  if (r < 0)
    {
      errno = -r;
      die ("seccomp_notify_respond");
    }
  name = seccomp_syscall_resolve_num_arch (req->data.arch, req->data.nr);
  fprintf (out, "syscall=%s pid=%u\n", name ? name : "?", req->pid);
  free (name);
  seccomp_notify_free (req, resp);
}

int
main (int argc, char **argv)
{
  static char buf[65536];
  char link[64], target[256];
  int lfd, conn, notify_fd, err;
  ssize_t n;
  FILE *out;

  if (argc < 3)
    {
      fprintf (stderr, "usage: seccomp_listener SOCKET OUT [ERRNO]\n");
      return 2;
    }
  err = argc > 3 ? atoi (argv[3]) : ENAMETOOLONG;
  out = fopen (argv[2], "w");
  if (!out)
    die (argv[2]);
  setvbuf (out, NULL, _IOLBF, 0);

  lfd = listen_on (argv[1]);
  conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  notify_fd = receive_with_fd (conn, buf, sizeof buf);
  close (conn);
  close (lfd);

  snprintf (link, sizeof link, "/proc/self/fd/%d", notify_fd);
  n = readlink (link, target, sizeof target - 1);
  if (n < 0)
    die ("readlink");
  target[n] = '\0';
  fprintf (out, "%s\nfd=%s\n", buf, target);

  answer_one (notify_fd, err, out);
  close (notify_fd);
  fclose (out);
  return 0;
}
