/* Test helper: the receiving end of --console-socket, like runc's recvtty.
 *
 *   recvtty SOCKET [INPUT]
 *
 * Listens on the unix socket SOCKET, accepts one connection and receives the
 * pty master as SCM_RIGHTS.  Prints "recvtty: name=<message data>" on stderr,
 * writes INPUT (if given) to the master, then copies everything the
 * container writes to stdout until the last slave is closed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdsock.h"

static void
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("write");
      buf += n;
      len -= n;
    }
}

int
main (int argc, char **argv)
{
  char name[4096], buf[4096];
  int lfd, conn, master;
  ssize_t n;

  if (argc < 2)
    {
      fprintf (stderr, "usage: recvtty SOCKET [INPUT]\n");
      return 2;
    }
  lfd = listen_on (argv[1]);
  conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  master = receive_with_fd (conn, name, sizeof name);
  close (conn);
  close (lfd);
  fprintf (stderr, "recvtty: name=%s\n", name);

  if (argc > 2)
    write_all (master, argv[2], strlen (argv[2]));

  /* read() on the master fails with EIO once every slave fd is closed. */
  for (;;)
    {
      n = read (master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      write_all (STDOUT_FILENO, buf, n);
    }
  return 0;
}
