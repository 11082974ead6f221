/* The device event loop: one epoll set, run by the VMM's main thread, that
 * calls a handler when its fd is ready.  It takes one event per wait, so a
 * handler may remove or free any other handler without leaving a stale
 * event behind in the same batch. */
#ifndef SIE_VMM_EVENT_H
#define SIE_VMM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

typedef void (*sie_ev_fn) (void *opaque, uint32_t events);

/* Owned by the caller, who keeps it alive while registered. */
struct sie_ev
{
  int fd;
  sie_ev_fn fn;
  void *opaque;
};

struct sie_evloop
{
  int epfd;
};

int sie_evloop_init (struct sie_evloop *loop, sie_error_t *err);
void sie_evloop_close (struct sie_evloop *loop);

int sie_evloop_add (struct sie_evloop *loop, struct sie_ev *ev, uint32_t events, sie_error_t *err);
int sie_evloop_mod (struct sie_evloop *loop, struct sie_ev *ev, uint32_t events, sie_error_t *err);
void sie_evloop_del (struct sie_evloop *loop, struct sie_ev *ev);

/* Dispatches events until *stop becomes true (checked after each one). */
int sie_evloop_run (struct sie_evloop *loop, const bool *stop, sie_error_t *err);

#endif
