#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct sync_header
{
  int type;
};

static int
sendmsg_fd (int sock, struct iovec *iov, int iovcnt, int fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr mh = { .msg_iov = iov, .msg_iovlen = iovcnt };
  ssize_t n;

  if (fd >= 0)
    {
      struct cmsghdr *c;
      memset (&ctl, 0, sizeof ctl);
      mh.msg_control = ctl.buf;
      mh.msg_controllen = sizeof ctl.buf;
      c = CMSG_FIRSTHDR (&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &fd, sizeof (int));
    }
  do
    n = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

int
sie_sync_send (int sock, int type, const void *payload, size_t len, int fd, sie_error_t *err)
{
  struct sync_header h = { .type = type };
  struct iovec iov[2] = {
    { .iov_base = &h, .iov_len = sizeof h },
    { .iov_base = (void *) payload, .iov_len = len },
  };
  if (len > SIE_SYNC_MAX_PAYLOAD)
    len = iov[1].iov_len = SIE_SYNC_MAX_PAYLOAD;
  if (sendmsg_fd (sock, iov, len ? 2 : 1, fd) < 0)
    return sie_error (err, errno, "sync with container init");
  return 0;
}

int
sie_send_fd (int sock, int fd, const void *data, size_t len, sie_error_t *err)
{
  char dummy = 0;
  struct iovec iov = { .iov_base = len ? (void *) data : &dummy, .iov_len = len ? len : 1 };
  if (sendmsg_fd (sock, &iov, 1, fd) < 0)
    return sie_error (err, errno, "send fd");
  return 0;
}

int
sie_sync_recv (int sock, struct sie_sync_msg *m, sie_error_t *err)
{
  struct sync_header h;
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov[2] = {
    { .iov_base = &h, .iov_len = sizeof h },
    { .iov_base = m->payload, .iov_len = sizeof m->payload - 1 },
  };
  struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf };
  struct cmsghdr *c;
  ssize_t n;

  do
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return sie_error (err, errno, "sync with container init");
  if (n < (ssize_t) sizeof h)
    {
      sie_error (err, 0, "container init exited during setup");
      (*err)->status = EPIPE;
      return -1;
    }
  m->type = h.type;
  m->len = (size_t) n - sizeof h;
  m->payload[m->len] = '\0';
  m->fd = -1;
  for (c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&m->fd, CMSG_DATA (c), sizeof (int));
  return 0;
}

int
sie_sync_expect (int sock, int type, struct sie_sync_msg *m, sie_error_t *err)
{
  if (sie_sync_recv (sock, m, err) < 0)
    return -1;
  if (m->type == SIE_SYNC_ERROR)
    return sie_error (err, 0, "%s", m->payload);
  if (m->type != type)
    return sie_error (err, 0, "container init: unexpected message %d (wanted %d)", m->type, type);
  return 0;
}
