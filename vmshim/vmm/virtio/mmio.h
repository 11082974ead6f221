/* The virtio-mmio transport, version 2 (virtio 1.x section 4.2): the
 * register file a driver programs, feature negotiation, queue setup and the
 * device status machine.  Device logic lives behind struct sie_virtio_ops
 * and never sees a register.
 *
 * Threads: vCPU threads access registers; the event loop delivers queue
 * notifications and device I/O.  Both hold the transport's lock while they
 * touch it or the device, so a device's callbacks are never concurrent. */
#ifndef SIE_VMM_VIRTIO_MMIO_H
#define SIE_VMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"
#include "vmshim/vmm/virtio/queue.h"

#define SIE_VIRTIO_MAX_QUEUES 4
#define SIE_VIRTIO_MMIO_CONFIG 0x100
#define SIE_VIRTIO_VENDOR 0x00454953 /* "SIE" */

struct sie_vmmio;

struct sie_virtio_ops
{
  const char *name;
  uint32_t device_id;
  uint64_t features; /* offered besides VIRTIO_F_VERSION_1 */
  unsigned num_queues;
  uint16_t queue_size;
  uint32_t config_size;
  /* Callbacks get the transport; the device is t->dev.  Config accesses
   * are within config_size. */
  void (*read_config) (struct sie_vmmio *t, uint32_t off, uint8_t *data, unsigned len);
  void (*write_config) (struct sie_vmmio *t, uint32_t off, const uint8_t *data, unsigned len);
  /* The driver set DRIVER_OK: queues are live, features final. */
  int (*activate) (struct sie_vmmio *t, sie_error_t *err);
  /* The driver wrote 0 to Status: forget every queue and connection. */
  void (*reset) (struct sie_vmmio *t);
  /* The driver notified queue `q` (it is live). */
  void (*notify) (struct sie_vmmio *t, unsigned q);
};

struct sie_vmmio
{
  pthread_mutex_t lock;
  const struct sie_virtio_ops *ops;
  void *dev;
  const struct sie_guest_mem *gm;
  int irq_fd; /* eventfd bound to the device's IRQ */
  /* eventfds KVM signals on QueueNotify writes (ioeventfd), -1 if none */
  int notify_fd[SIE_VIRTIO_MAX_QUEUES];

  uint32_t status;
  uint32_t device_features_sel, driver_features_sel, queue_sel;
  uint64_t driver_features;
  uint32_t isr;
  uint32_t config_generation;
  struct sie_virtq queues[SIE_VIRTIO_MAX_QUEUES];
};

int sie_vmmio_init (struct sie_vmmio *t, const struct sie_virtio_ops *ops, void *dev,
                    const struct sie_guest_mem *gm, int irq_fd, sie_error_t *err);
void sie_vmmio_destroy (struct sie_vmmio *t);

/* Bus handler for the device's 4 KiB window. */
void sie_vmmio_access (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write);

/* A notification for queue q arrived (its ioeventfd fired). */
void sie_vmmio_queue_notify (struct sie_vmmio *t, unsigned q);

/* For devices, with the lock held: */
bool sie_vmmio_active (const struct sie_vmmio *t);
bool sie_vmmio_has_feature (const struct sie_vmmio *t, unsigned bit);
struct sie_virtq *sie_vmmio_queue (struct sie_vmmio *t, unsigned q);
/* Interrupts the driver for used buffers on q, if it wants them. */
void sie_vmmio_signal_used (struct sie_vmmio *t, unsigned q);
/* The device cannot go on (a broken queue, a failed backend): sets
 * DEVICE_NEEDS_RESET, tells the driver and logs the reason once. */
void sie_vmmio_fail (struct sie_vmmio *t, sie_error_t *err);

void sie_vmmio_lock (struct sie_vmmio *t);
void sie_vmmio_unlock (struct sie_vmmio *t);

#endif
