/* The host end of sie-vmm's hybrid vsock, for the tests.
 *
 *   vsock_uds connect UDS PORT   connects to the guest's vsock PORT through
 *                                the VMM's socket: "CONNECT PORT\n", expects
 *                                "OK <n>\n" (printed on stderr), then relays
 *                                stdin to the guest (half-closing at its end)
 *                                and the guest's bytes to stdout until EOF
 *   vsock_uds raw UDS LINE       sends LINE and a newline, prints what comes
 *                                back until the VMM closes the connection
 *   vsock_uds serve PATH         listens on PATH (the VMM connects to
 *                                "<uds>_<port>" for a guest's connect to
 *                                host port <port>), answers one line with
 *                                "ack: <line>" and exits */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
die (const char *what)
{
  fprintf (stderr, "vsock_uds: %s: %s\n", what, strerror (errno));
  return 1;
}

static int
unix_addr (const char *path, struct sockaddr_un *addr)
{
  memset (addr, 0, sizeof (*addr));
  addr->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof (addr->sun_path))
    return -1;
  strcpy (addr->sun_path, path);
  return 0;
}

/* Reads one line, byte by byte, so that nothing after it is consumed. */
static int
read_line (int fd, char *buf, size_t size)
{
  size_t n = 0;

  while (n + 1 < size)
    {
      ssize_t r = read (fd, buf + n, 1);
      if (r <= 0)
        return -1;
      if (buf[n++] == '\n')
        break;
    }
  buf[n] = '\0';
  return (int) n;
}

static int
relay (int sock)
{
  struct pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { sock, POLLIN, 0 } };
  char buf[65536];

  for (;;)
    {
      if (poll (fds, 2, -1) < 0)
        return die ("poll");
      if (fds[0].revents)
        {
          ssize_t n = read (STDIN_FILENO, buf, sizeof (buf));
          if (n <= 0)
            {
              shutdown (sock, SHUT_WR);
              fds[0].fd = -1;
            }
          else if (write (sock, buf, n) != n)
            return die ("write to the guest");
        }
      if (fds[1].revents)
        {
          ssize_t n = read (sock, buf, sizeof (buf));
          if (n <= 0)
            return 0;
          if (write (STDOUT_FILENO, buf, n) != n)
            return die ("write stdout");
        }
    }
}

static int
do_connect (const char *uds, const char *port)
{
  struct sockaddr_un addr;
  char line[64];
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (sock < 0 || unix_addr (uds, &addr) < 0)
    return die ("socket");
  if (connect (sock, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    return die (uds);
  dprintf (sock, "CONNECT %s\n", port);
  if (read_line (sock, line, sizeof (line)) < 0 || strncmp (line, "OK ", 3) != 0)
    {
      fprintf (stderr, "vsock_uds: the VMM refused CONNECT %s\n", port);
      return 1;
    }
  fputs (line, stderr);
  return relay (sock);
}

static int
do_raw (const char *uds, const char *line)
{
  struct sockaddr_un addr;
  char buf[256];
  ssize_t n;
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (sock < 0 || unix_addr (uds, &addr) < 0)
    return die ("socket");
  if (connect (sock, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    return die (uds);
  dprintf (sock, "%s\n", line);
  while ((n = read (sock, buf, sizeof (buf))) > 0)
    if (write (STDOUT_FILENO, buf, n) != n)
      return die ("write stdout");
  return 0;
}

static int
do_serve (const char *path)
{
  struct sockaddr_un addr;
  char line[1024];
  int conn, sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (sock < 0 || unix_addr (path, &addr) < 0)
    return die ("socket");
  unlink (path);
  if (bind (sock, (struct sockaddr *) &addr, sizeof (addr)) < 0 || listen (sock, 1) < 0)
    return die (path);
  fprintf (stderr, "vsock_uds: listening on %s\n", path);
  conn = accept (sock, NULL, NULL);
  if (conn < 0)
    return die ("accept");
  if (read_line (conn, line, sizeof (line)) < 0)
    return die ("read");
  printf ("%s", line);
  dprintf (conn, "ack: %s", line);
  /* Wait for the guest to close its side. */
  while (read (conn, line, sizeof (line)) > 0)
    ;
  close (conn);
  unlink (path);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "connect") == 0)
    return do_connect (argv[2], argv[3]);
  if (argc == 4 && strcmp (argv[1], "raw") == 0)
    return do_raw (argv[2], argv[3]);
  if (argc == 3 && strcmp (argv[1], "serve") == 0)
    return do_serve (argv[2]);
  fprintf (stderr, "usage: vsock_uds connect UDS PORT | raw UDS LINE | serve PATH\n");
  return 2;
}
