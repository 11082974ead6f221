/* virtio-vsock, the host side: the listening Unix socket, the CONNECT
 * handshake, the connections' sockets and the buffer of guest data a slow
 * host socket has not taken yet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmshim/vmm/virtio/vsock_internal.h"
#include "vmshim/vmm/vm.h"

static void on_conn (void *opaque, uint32_t events);

struct vconn *
vconn_find (struct sie_vsock *vs, uint32_t local_port, uint32_t peer_port)
{
  /* A connection still reading its CONNECT line has no ports yet. */
  for (struct vconn *c = vs->conns; c; c = c->next)
    if (c->state != VCONN_READ_CMD && c->local_port == local_port && c->peer_port == peer_port)
      return c;
  return NULL;
}

static struct vconn *
vconn_new (struct sie_vsock *vs, int fd, enum vconn_state state)
{
  struct vconn *c;

  if (vs->n_conns >= VSOCK_MAX_CONNS || (c = calloc (1, sizeof (*c))) == NULL)
    {
      close (fd);
      return NULL;
    }
  c->vs = vs;
  c->fd = fd;
  c->ev = (struct sie_ev) { fd, on_conn, c };
  c->state = state;
  c->next = vs->conns;
  vs->conns = c;
  vs->n_conns++;
  return c;
}

static void
close_host (struct vconn *c)
{
  if (c->fd < 0)
    return;
  if (c->registered)
    sie_evloop_del (&c->vs->vm->loop, &c->ev);
  c->registered = false;
  close (c->fd);
  c->fd = -1;
}

void
vconn_free (struct vconn *c)
{
  struct sie_vsock *vs = c->vs;

  for (struct vconn **p = &vs->conns; *p; p = &(*p)->next)
    if (*p == c)
      {
        *p = c->next;
        break;
      }
  vs->n_conns--;
  close_host (c);
  free (c->txbuf);
  free (c);
}

void
vconn_free_all (struct sie_vsock *vs)
{
  while (vs->conns)
    vconn_free (vs->conns);
}

/* The host closed both directions: the guest hears SHUTDOWN and answers
 * with the RST that ends the connection. */
static void
host_gone (struct vconn *c)
{
  close_host (c);
  c->tx_len = 0;
  c->state = VCONN_CLOSING;
  c->owe |= OWE_SHUTDOWN;
}

/* EPOLLHUP needs no subscription, so a registration with no events still
 * tells us when a half-closed host socket closes for good. */
void
vconn_update_events (struct vconn *c, bool rx_room)
{
  uint32_t want = 0;
  bool watch = false;

  switch (c->state)
    {
    case VCONN_READ_CMD:
      want = EPOLLIN;
      break;
    case VCONN_CONNECTING:
      want = EPOLLRDHUP;
      break;
    case VCONN_ESTABLISHED:
      if (!c->host_eof && !c->peer_no_recv && rx_room && vconn_peer_credit (c) > 0)
        want |= EPOLLIN;
      if (c->tx_len > 0)
        want |= EPOLLOUT;
      watch = c->host_eof;
      break;
    case VCONN_CLOSING:
      break;
    }
  if (c->fd < 0)
    return;
  if (want == 0 && !watch)
    {
      if (c->registered)
        sie_evloop_del (&c->vs->vm->loop, &c->ev);
      c->registered = false;
      return;
    }
  if (c->registered && want == c->ev_mask)
    return;
  if (c->registered)
    sie_evloop_mod (&c->vs->vm->loop, &c->ev, want, NULL);
  else
    sie_evloop_add (&c->vs->vm->loop, &c->ev, want, NULL);
  c->registered = true;
  c->ev_mask = want;
}

static void
credit_check (struct vconn *c)
{
  /* The guest stalls when its credit runs out and does not ask: tell it
   * each time a good part of the buffer has been forwarded. */
  if (c->fwd_cnt - c->fwd_cnt_sent >= VSOCK_BUF_ALLOC / 4)
    c->owe |= OWE_CREDIT;
}

static void
after_drain (struct vconn *c)
{
  if (c->tx_len > 0 || c->fd < 0)
    return;
  if (c->peer_no_send)
    shutdown (c->fd, SHUT_WR);
  if (c->peer_no_send && c->peer_no_recv)
    c->owe |= OWE_RST;
}

static void
drain (struct vconn *c)
{
  ssize_t n = send (c->fd, c->txbuf, c->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT);

  if (n < 0 && errno != EAGAIN && errno != EINTR)
    {
      host_gone (c);
      return;
    }
  if (n > 0)
    {
      memmove (c->txbuf, c->txbuf + n, c->tx_len - n);
      c->tx_len -= n;
      c->fwd_cnt += n;
      credit_check (c);
    }
  after_drain (c);
}

void
vconn_host_shutdown_write (struct vconn *c)
{
  after_drain (c);
}

/* Appends iov[] from byte `skip` on to the connection's buffer. */
static int
buffer_rest (struct vconn *c, const struct iovec *iov, unsigned n, size_t skip, size_t len)
{
  if (len - skip > VSOCK_BUF_ALLOC - c->tx_len)
    return -1;
  if (c->txbuf == NULL && (c->txbuf = malloc (VSOCK_BUF_ALLOC)) == NULL)
    return -1;
  for (unsigned i = 0; i < n; i++)
    {
      if (skip >= iov[i].iov_len)
        {
          skip -= iov[i].iov_len;
          continue;
        }
      memcpy (c->txbuf + c->tx_len, (uint8_t *) iov[i].iov_base + skip, iov[i].iov_len - skip);
      c->tx_len += iov[i].iov_len - skip;
      skip = 0;
    }
  return 0;
}

int
vconn_to_host (struct vconn *c, const struct iovec *iov, unsigned n, size_t len)
{
  struct msghdr msg = { .msg_iov = (struct iovec *) iov, .msg_iovlen = n };
  ssize_t sent = 0;

  if (c->fd < 0 || len == 0)
    return 0;
  /* Behind buffered data, new data queues; the guest's credit bounds it. */
  if (c->tx_len == 0)
    {
      sent = sendmsg (c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0 && errno != EAGAIN && errno != EINTR)
        {
          host_gone (c);
          return 0;
        }
      if (sent < 0)
        sent = 0;
      c->fwd_cnt += sent;
      credit_check (c);
    }
  return (size_t) sent < len ? buffer_rest (c, iov, n, sent, len) : 0;
}

ssize_t
vconn_from_host (struct vconn *c, const struct iovec *iov, unsigned n)
{
  ssize_t got = readv (c->fd, iov, n);

  if (got < 0 && (errno == EAGAIN || errno == EINTR))
    return -1;
  /* A reset host socket ends the stream like a close. */
  return got < 0 ? 0 : got;
}

int
vconn_established (struct vconn *c)
{
  char ok[32];
  int len = snprintf (ok, sizeof (ok), "OK %u\n", c->local_port);

  c->state = VCONN_ESTABLISHED;
  return send (c->fd, ok, len, MSG_NOSIGNAL | MSG_DONTWAIT) == len ? 0 : -1;
}

static uint32_t
alloc_port (struct sie_vsock *vs)
{
  for (;;)
    {
      uint32_t port = vs->next_port++;
      bool used = false;

      if (vs->next_port == UINT32_MAX)
        vs->next_port = VSOCK_HOST_PORT_FIRST;
      for (struct vconn *c = vs->conns; c && !used; c = c->next)
        used = c->local_port == port;
      if (!used)
        return port;
    }
}

/* "CONNECT <port>\n", read a byte at a time so that nothing after the
 * newline is taken from the stream. */
static void
read_cmd (struct vconn *c)
{
  char *end;
  unsigned long port;

  for (;;)
    {
      ssize_t n = recv (c->fd, c->cmd + c->cmd_len, 1, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
      if (n <= 0)
        {
          vconn_free (c);
          return;
        }
      if (c->cmd[c->cmd_len++] == '\n')
        break;
      if (c->cmd_len == VSOCK_CMD_MAX - 1)
        {
          vconn_free (c);
          return;
        }
    }
  c->cmd[c->cmd_len] = '\0';
  errno = 0;
  if (strncmp (c->cmd, "CONNECT ", 8) != 0 || c->cmd[8] < '0' || c->cmd[8] > '9'
      || (port = strtoul (c->cmd + 8, &end, 10), errno) || port > UINT32_MAX || *end != '\n')
    {
      vconn_free (c);
      return;
    }
  c->peer_port = port;
  c->local_port = alloc_port (c->vs);
  c->state = VCONN_CONNECTING;
  c->owe |= OWE_REQUEST;
}

/* The host gave up on a connection the guest has not answered yet. */
static void
host_gave_up (struct vconn *c)
{
  if (c->owe & OWE_REQUEST)
    {
      vconn_free (c);
      return;
    }
  close_host (c);
  c->owe |= OWE_RST;
}

static void
on_conn (void *opaque, uint32_t events)
{
  struct vconn *c = opaque;
  struct sie_vsock *vs = c->vs;

  sie_vmmio_lock (vs->t);
  switch (c->state)
    {
    case VCONN_READ_CMD:
      read_cmd (c);
      break;
    case VCONN_CONNECTING:
      host_gave_up (c);
      break;
    case VCONN_ESTABLISHED:
      if (events & EPOLLOUT)
        drain (c);
      if (c->state != VCONN_ESTABLISHED)
        break;
      if (!c->host_eof && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        vsock_host_data (c);
      else if (c->host_eof && (events & (EPOLLHUP | EPOLLERR)))
        host_gone (c);
      break;
    case VCONN_CLOSING:
      break;
    }
  vsock_kick (vs);
  sie_vmmio_unlock (vs->t);
}

struct vconn *
vconn_connect_host (struct sie_vsock *vs, uint32_t port, uint32_t peer_port)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd, n;

  n = snprintf (addr.sun_path, sizeof (addr.sun_path), "%s_%u", vs->uds, port);
  if (n < 0 || (size_t) n >= sizeof (addr.sun_path))
    return NULL;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return NULL;
  if (connect (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      close (fd);
      return NULL;
    }
  struct vconn *c = vconn_new (vs, fd, VCONN_ESTABLISHED);
  if (c)
    {
      c->local_port = port;
      c->peer_port = peer_port;
    }
  return c;
}

static void
on_listen (void *opaque, uint32_t events)
{
  struct sie_vsock *vs = opaque;
  int fd = accept4 (vs->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

  if (fd < 0)
    return;
  sie_vmmio_lock (vs->t);
  if (vconn_new (vs, fd, VCONN_READ_CMD))
    vsock_kick (vs);
  sie_vmmio_unlock (vs->t);
}

int
vsock_host_listen (struct sie_vsock *vs, sie_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct stat st;

  strcpy (addr.sun_path, vs->uds);
  /* A socket file left by a VMM that was killed is in the way. */
  if (lstat (vs->uds, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (vs->uds);
  vs->listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (vs->listen_fd < 0)
    return sie_error (err, errno, "vsock: socket");
  if (bind (vs->listen_fd, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    return sie_error (err, errno, "vsock: bind %s", vs->uds);
  if (listen (vs->listen_fd, 64) < 0)
    return sie_error (err, errno, "vsock: listen on %s", vs->uds);
  vs->listen_ev = (struct sie_ev) { vs->listen_fd, on_listen, vs };
  return sie_evloop_add (&vs->vm->loop, &vs->listen_ev, EPOLLIN, err);
}

void
vsock_host_close (struct sie_vsock *vs)
{
  vconn_free_all (vs);
  if (vs->listen_fd >= 0)
    {
      sie_evloop_del (&vs->vm->loop, &vs->listen_ev);
      close (vs->listen_fd);
      unlink (vs->uds);
    }
  vs->listen_fd = -1;
}
