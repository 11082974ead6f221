/* Puts a virtio device on the VM: a virtio-mmio window in the MMIO hole, an
 * IRQ from 5 up delivered through irqfd, one ioeventfd per queue watched by
 * the event loop, and the virtio_mmio.device= entry that tells the guest
 * kernel where to look (no ACPI or device tree here). */
#ifndef SIE_VMM_VIRTIO_ATTACH_H
#define SIE_VMM_VIRTIO_ATTACH_H

#include <stddef.h>

#include "util/error.h"
#include "vmshim/vmm/event.h"
#include "vmshim/vmm/virtio/mmio.h"

struct sie_vm;
struct sie_virtio_slot;

struct sie_virtio_notify
{
  struct sie_ev ev;
  struct sie_vmmio *t;
  unsigned q;
};

struct sie_virtio_slot
{
  struct sie_vmmio t;
  struct sie_virtio_notify notify[SIE_VIRTIO_MAX_QUEUES];
  uint64_t base;
  unsigned irq;
  void (*free_dev) (void *dev);
};

/* Returns the device's transport; free_dev releases dev when the VM goes. */
struct sie_vmmio *sie_virtio_attach (struct sie_vm *vm, const struct sie_virtio_ops *ops, void *dev,
                                     void (*free_dev) (void *dev), sie_error_t *err);

/* Appends " virtio_mmio.device=4K@<base>:<irq>" per device to buf. */
int sie_virtio_cmdline (const struct sie_vm *vm, char *buf, size_t size, sie_error_t *err);

void sie_virtio_detach_all (struct sie_vm *vm);

#endif
