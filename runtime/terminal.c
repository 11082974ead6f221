#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/sync.h"
#include "util/cleanup.h"

int
sie_console_socket_connect (const char *path, sie_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return sie_error (err, errno, "--console-socket: socket");
  if (strlen (path) >= sizeof addr.sun_path)
    return sie_error (err, 0, "--console-socket: path too long: %s", path);
  strcpy (addr.sun_path, path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return sie_error (err, errno, "--console-socket: connect %s", path);
  return move_fd (fd);
}

static int
open_pty (int *master_out, int *slave_out, char *name, size_t name_len, sie_error_t *err)
{
  cleanup_close int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  int unlock = 0, n;

  if (master < 0)
    return sie_error (err, errno, "process.terminal: open /dev/ptmx");
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    return sie_error (err, errno, "process.terminal: unlock pty");
  if (ioctl (master, TIOCGPTN, &n) < 0)
    return sie_error (err, errno, "process.terminal: pty number");
  /* TIOCGPTPEER opens the slave through the master, so a path swapped in
   * /dev/pts cannot substitute another file. */
  *slave_out = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave_out < 0)
    return sie_error (err, errno, "process.terminal: open pty slave");
  snprintf (name, name_len, "/dev/pts/%d", n);
  *master_out = move_fd (master);
  return 0;
}

static int
make_controlling (int slave, const struct sie_process *p, sie_error_t *err)
{
  if (p->has_console_size)
    {
      struct winsize ws = { .ws_row = (unsigned short) p->console_height,
                            .ws_col = (unsigned short) p->console_width };
      ioctl (slave, TIOCSWINSZ, &ws);
    }
  if (fchown (slave, p->user.uid, p->user.gid) < 0)
    return sie_error (err, errno, "process.terminal: chown pty");
  if (setsid () < 0)
    return sie_error (err, errno, "process.terminal: setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return sie_error (err, errno, "process.terminal: set controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return sie_error (err, errno, "process.terminal: dup2");
  return 0;
}

int
sie_terminal_setup (int console_sock, const struct sie_process *p, sie_error_t *err)
{
  cleanup_close int sock = console_sock;
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  char name[64];

  if (open_pty (&master, &slave, name, sizeof name, err) < 0)
    return -1;
  if (sie_send_fd (sock, master, name, strlen (name), err) < 0)
    return sie_error_prefix (err, "--console-socket");
  return make_controlling (slave, p, err);
}
