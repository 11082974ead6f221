#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/* runc's /dev/console: the pty slave bound over it, so programs that
 * write to the console reach the terminal.  Mounted onto an O_PATH fd,
 * never through a path that a symlink could redirect. */
static int
mount_console (const char *pts_name, sie_error_t *err)
{
  cleanup_close int target = open ("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int tree = -1;
  struct stat st;

  if (target < 0 && errno == ENOENT)
    {
      int fd = open ("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0)
        return sie_error (err, errno, "process.terminal: create /dev/console");
      close (fd);
      target = open ("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
  if (target < 0)
    return sie_error (err, errno, "process.terminal: open /dev/console");
  if (fstat (target, &st) < 0 || S_ISLNK (st.st_mode) || S_ISDIR (st.st_mode))
    return sie_error (err, 0, "process.terminal: /dev/console is not a file or device");
  tree = (int) open_tree (AT_FDCWD, pts_name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return sie_error (err, errno, "process.terminal: open %s", pts_name);
  if (move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return sie_error (err, errno, "process.terminal: mount %s on /dev/console", pts_name);
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
sie_terminal_setup (int console_sock, const struct sie_process *p, bool mount_dev_console,
                    sie_error_t *err)
{
  cleanup_close int sock = console_sock;
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  char name[64];

  if (open_pty (&master, &slave, name, sizeof name, err) < 0)
    return -1;
  if (mount_dev_console && mount_console (name, err) < 0)
    return -1;
  if (sie_send_fd (sock, master, name, strlen (name), err) < 0)
    return sie_error_prefix (err, "--console-socket");
  return make_controlling (slave, p, err);
}
