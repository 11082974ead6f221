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

static void
die (const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  exit (1);
}

static int
listen_on (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      die (path);
    }
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  unlink (path);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (listen (fd, 1) < 0)
    die ("listen");
  return fd;
}

static int
receive_master (int conn, char *name, size_t size)
{
  char control[CMSG_SPACE (sizeof (int) * 4)];
  struct iovec iov = { .iov_base = name, .iov_len = size - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control, .msg_controllen = sizeof control };
  struct cmsghdr *c;
  ssize_t n;
  int fd = -1;

  n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    die ("recvmsg");
  name[n] = '\0';
  for (c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  if (fd < 0)
    {
      errno = EBADMSG;
      die ("no fd in the message");
    }
  return fd;
}

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
  master = receive_master (conn, name, sizeof name);
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
