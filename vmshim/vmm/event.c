#include "vmshim/vmm/event.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

int
sie_evloop_init (struct sie_evloop *loop, sie_error_t *err)
{
  loop->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (loop->epfd < 0)
    return sie_error (err, errno, "epoll_create1");
  return 0;
}

void
sie_evloop_close (struct sie_evloop *loop)
{
  if (loop->epfd >= 0)
    close (loop->epfd);
  loop->epfd = -1;
}

static int
ctl (struct sie_evloop *loop, int op, struct sie_ev *ev, uint32_t events, sie_error_t *err)
{
  struct epoll_event e = { .events = events, .data.ptr = ev };

  if (epoll_ctl (loop->epfd, op, ev->fd, &e) < 0)
    return sie_error (err, errno, "epoll_ctl on fd %d", ev->fd);
  return 0;
}

int
sie_evloop_add (struct sie_evloop *loop, struct sie_ev *ev, uint32_t events, sie_error_t *err)
{
  return ctl (loop, EPOLL_CTL_ADD, ev, events, err);
}

int
sie_evloop_mod (struct sie_evloop *loop, struct sie_ev *ev, uint32_t events, sie_error_t *err)
{
  return ctl (loop, EPOLL_CTL_MOD, ev, events, err);
}

void
sie_evloop_del (struct sie_evloop *loop, struct sie_ev *ev)
{
  epoll_ctl (loop->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

int
sie_evloop_run (struct sie_evloop *loop, const bool *stop, sie_error_t *err)
{
  while (!__atomic_load_n (stop, __ATOMIC_ACQUIRE))
    {
      struct epoll_event e;
      int n = epoll_wait (loop->epfd, &e, 1, -1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sie_error (err, errno, "epoll_wait");
      if (n == 1)
        {
          struct sie_ev *ev = e.data.ptr;
          ev->fn (ev->opaque, e.events);
        }
    }
  return 0;
}
