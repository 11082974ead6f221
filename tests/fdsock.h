/* Shared by the test helpers that stand on the receiving end of an
 * SCM_RIGHTS socket (recvtty, seccomp_listener): listen on a unix socket
 * path, and receive one message with its attached fd. */
#ifndef SIE_TEST_FDSOCK_H
#define SIE_TEST_FDSOCK_H

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
  fprintf (stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror (errno));
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

/* Receives one message into buf (NUL-terminated) and returns its fd. */
static int
receive_with_fd (int conn, char *buf, size_t size)
{
  char control[CMSG_SPACE (sizeof (int) * 4)];
  struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control, .msg_controllen = sizeof control };
  struct cmsghdr *c;
  ssize_t n;
  int fd = -1;

  n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    die ("recvmsg");
  buf[n] = '\0';
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

#endif
