/* Hands the seccomp listener fd to the agent at linux.seccomp.listenerPath,
 * the way runc does: one stream connection, one message whose payload is the
 * ContainerProcessState JSON and whose SCM_RIGHTS carries the fd. */
#include "runtime/security.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"

static int
connect_listener (const char *path, sie_error_t *err)
{
  cleanup_close int fd = -1;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  if (path == NULL || path[0] == '\0')
    return sie_error (err, 0, "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");
  if (strlen (path) >= sizeof addr.sun_path)
    return sie_error (err, ENAMETOOLONG, "linux.seccomp.listenerPath: \"%s\"", path);
  strcpy (addr.sun_path, path);

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sie_error (err, errno, "linux.seccomp.listenerPath: socket");
  while (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    if (errno != EINTR)
      return sie_error (err, errno, "linux.seccomp.listenerPath: connecting to \"%s\"", path);
  return move_fd (fd);
}

/* The fd travels with the first byte; a stream socket may take the rest of
 * a long payload in further writes. */
static int
send_with_fd (int sock, const char *data, size_t len, int fd_to_send)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  struct cmsghdr *cmsg;
  ssize_t n;

  memset (&control, 0, sizeof control);
  cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &fd_to_send, sizeof (int));

  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  for (size_t off = (size_t) n; off < len; off += (size_t) n)
    {
      n = send (sock, data + off, len - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        n = 0;
      else if (n < 0)
        return -1;
    }
  return 0;
}

int
sie_seccomp_send_listener (const char *listener_path, const char *process_state_json,
                           int listener_fd, sie_error_t *err)
{
  cleanup_close int sock = -1;
  const char *json = process_state_json ? process_state_json : "";

  if (listener_fd < 0)
    return sie_error (err, EBADF, "linux.seccomp.listenerPath: no seccomp listener fd to send");
  /* An empty payload would carry no ancillary data on a stream socket. */
  if (json[0] == '\0')
    return sie_error (err, EINVAL, "linux.seccomp.listenerPath: empty container process state");
  sock = connect_listener (listener_path, err);
  if (sock < 0)
    return -1;
  if (send_with_fd (sock, json, strlen (json), listener_fd) < 0)
    return sie_error (err, errno, "linux.seccomp.listenerPath: sending the listener fd to \"%s\"",
                      listener_path);
  return 0;
}
