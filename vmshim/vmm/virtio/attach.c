#include "vmshim/vmm/virtio/attach.h"

#include <errno.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmshim/vmm/layout.h"
#include "vmshim/vmm/vm.h"

/* ISA IRQs 5..15 except 8 (the RTC's, which a guest rtc-cmos driver takes
 * without sharing). */
static const unsigned virtio_irqs[] = { 5, 6, 7, 9, 10, 11, 12, 13, 14, 15 };

static void
on_notify (void *opaque, uint32_t events)
{
  struct sie_virtio_notify *n = opaque;
  uint64_t count;

  if (read (n->ev.fd, &count, sizeof (count)) < 0 && errno != EAGAIN)
    return;
  sie_vmmio_queue_notify (n->t, n->q);
}

static int
new_eventfd (const char *what, sie_error_t *err)
{
  int fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0)
    sie_error (err, errno, "eventfd for %s", what);
  return fd;
}

static int
wire_queues (struct sie_vm *vm, struct sie_virtio_slot *s, sie_error_t *err)
{
  for (unsigned q = 0; q < s->t.ops->num_queues; q++)
    {
      struct sie_virtio_notify *n = &s->notify[q];
      int fd = new_eventfd ("a virtqueue", err);

      if (fd < 0)
        return -1;
      s->t.notify_fd[q] = fd;
      *n = (struct sie_virtio_notify) { { fd, on_notify, n }, &s->t, q };
      if (sie_kvm_ioeventfd (&vm->kvm, fd, s->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q, err) < 0
          || sie_evloop_add (&vm->loop, &n->ev, EPOLLIN, err) < 0)
        return -1;
    }
  return 0;
}

static void
slot_free (struct sie_virtio_slot *s)
{
  for (unsigned q = 0; q < SIE_VIRTIO_MAX_QUEUES; q++)
    if (s->t.notify_fd[q] >= 0)
      close (s->t.notify_fd[q]);
  if (s->t.irq_fd >= 0)
    close (s->t.irq_fd);
  if (s->free_dev)
    s->free_dev (s->t.dev);
  sie_vmmio_destroy (&s->t);
  free (s);
}

struct sie_vmmio *
sie_virtio_attach (struct sie_vm *vm, const struct sie_virtio_ops *ops, void *dev,
                   void (*free_dev) (void *dev), sie_error_t *err)
{
  struct sie_virtio_slot *s;
  unsigned i = vm->n_virtio;
  int irq_fd;

  if (i >= SIE_VIRTIO_MAX_DEVICES || i >= sizeof (virtio_irqs) / sizeof (virtio_irqs[0]))
    {
      free_dev (dev);
      sie_error (err, 0, "virtio-%s: no free device slot", ops->name);
      return NULL;
    }
  s = calloc (1, sizeof (*s));
  irq_fd = new_eventfd ("a virtio IRQ", err);
  if (s == NULL || irq_fd < 0 || sie_vmmio_init (&s->t, ops, dev, &vm->kvm.gm, irq_fd, err) < 0)
    {
      if (irq_fd >= 0)
        close (irq_fd);
      free (s);
      free_dev (dev);
      if (s == NULL)
        sie_error (err, errno, "allocate virtio-%s", ops->name);
      return NULL;
    }
  s->free_dev = free_dev;
  s->base = SIE_GPA_VIRTIO_BASE + i * SIE_VIRTIO_MMIO_SIZE;
  s->irq = virtio_irqs[i];
  vm->virtio[vm->n_virtio++] = s;

  if (sie_kvm_irqfd (&vm->kvm, irq_fd, s->irq, err) < 0 || wire_queues (vm, s, err) < 0
      || sie_bus_add (&vm->mmio, s->base, SIE_VIRTIO_MMIO_SIZE, sie_vmmio_access, &s->t, err) < 0)
    return NULL;
  return &s->t;
}

int
sie_virtio_cmdline (const struct sie_vm *vm, char *buf, size_t size, sie_error_t *err)
{
  size_t len = strlen (buf);

  for (unsigned i = 0; i < vm->n_virtio; i++)
    {
      int n = snprintf (buf + len, size - len, " virtio_mmio.device=4K@0x%llx:%u",
                        (unsigned long long) vm->virtio[i]->base, vm->virtio[i]->irq);
      if (n < 0 || (size_t) n >= size - len)
        return sie_error (err, 0, "the kernel command line is too long");
      len += n;
    }
  return 0;
}

void
sie_virtio_detach_all (struct sie_vm *vm)
{
  for (unsigned i = 0; i < vm->n_virtio; i++)
    slot_free (vm->virtio[i]);
  vm->n_virtio = 0;
}
