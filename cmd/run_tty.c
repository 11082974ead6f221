#include "cmd/run_tty.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/fs.h"

int
run_tty_open (struct run_tty *t)
{
  t->master = -1;
  t->raw = false;
  t->stdin_eof = false;
  return socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->sock);
}

static int
recv_fd_nonblocking (int sock)
{
  char data[128];
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf };
  struct cmsghdr *c;
  int fd = -1;

  if (recvmsg (sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
    return -1;
  for (c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

void
run_tty_receive (struct run_tty *t)
{
  struct termios raw;

  close (t->sock[1]);
  t->sock[1] = -1;
  /* The init sends the master before it reports ready, so it is already
   * queued when create returns, or there is no terminal at all. */
  t->master = recv_fd_nonblocking (t->sock[0]);
  if (t->master < 0 || !isatty (0) || tcgetattr (0, &t->saved) < 0)
    return;
  raw = t->saved;
  cfmakeraw (&raw);
  if (tcsetattr (0, TCSANOW, &raw) == 0)
    t->raw = true;
  run_tty_resize (t);
}

void
run_tty_resize (struct run_tty *t)
{
  struct winsize ws;
  if (t->master >= 0 && ioctl (0, TIOCGWINSZ, &ws) == 0)
    ioctl (t->master, TIOCSWINSZ, &ws);
}

static bool
copy_once (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  return sie_write_all (to, buf, (size_t) n) == 0;
}

bool
run_tty_relay (struct run_tty *t, bool stdin_ready, bool master_ready)
{
  if (stdin_ready && !copy_once (0, t->master))
    {
      /* End of input: the container sees EOF as if typed. */
      char eof = t->saved.c_cc[VEOF] ? (char) t->saved.c_cc[VEOF] : 4;
      t->stdin_eof = true;
      if (write (t->master, &eof, 1) < 0)
        return false;
    }
  if (master_ready && !copy_once (t->master, 1))
    return false;
  return true;
}

void
run_tty_close (struct run_tty *t)
{
  if (t->raw)
    tcsetattr (0, TCSANOW, &t->saved);
  for (int i = 0; i < 2; i++)
    if (t->sock[i] >= 0)
      close (t->sock[i]);
  if (t->master >= 0)
    close (t->master);
  t->master = t->sock[0] = t->sock[1] = -1;
}
