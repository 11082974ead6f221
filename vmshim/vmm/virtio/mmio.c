#include "vmshim/vmm/virtio/mmio.h"

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MMIO_MAGIC 0x74726976 /* "virt" */
#define MMIO_VERSION 2
/* No shared memory regions: their length reads as -1. */
#define NO_SHM 0xffffffffu

int
sie_vmmio_init (struct sie_vmmio *t, const struct sie_virtio_ops *ops, void *dev,
                const struct sie_guest_mem *gm, int irq_fd, sie_error_t *err)
{
  if (ops->num_queues > SIE_VIRTIO_MAX_QUEUES || ops->queue_size > SIE_VIRTQ_MAX_SIZE)
    return sie_error (err, 0, "virtio-%s: %u queues of %u", ops->name, ops->num_queues,
                      ops->queue_size);
  memset (t, 0, sizeof (*t));
  pthread_mutex_init (&t->lock, NULL);
  t->ops = ops;
  t->dev = dev;
  t->gm = gm;
  t->irq_fd = irq_fd;
  for (unsigned q = 0; q < SIE_VIRTIO_MAX_QUEUES; q++)
    t->notify_fd[q] = -1;
  for (unsigned q = 0; q < ops->num_queues; q++)
    sie_virtq_init (&t->queues[q], ops->queue_size);
  return 0;
}

void
sie_vmmio_destroy (struct sie_vmmio *t)
{
  pthread_mutex_destroy (&t->lock);
}

void
sie_vmmio_lock (struct sie_vmmio *t)
{
  pthread_mutex_lock (&t->lock);
}

void
sie_vmmio_unlock (struct sie_vmmio *t)
{
  pthread_mutex_unlock (&t->lock);
}

bool
sie_vmmio_active (const struct sie_vmmio *t)
{
  return (t->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

bool
sie_vmmio_has_feature (const struct sie_vmmio *t, unsigned bit)
{
  return bit < 64 && (t->driver_features >> bit) & 1;
}

struct sie_virtq *
sie_vmmio_queue (struct sie_vmmio *t, unsigned q)
{
  return q < t->ops->num_queues ? &t->queues[q] : NULL;
}

static uint64_t
offered_features (const struct sie_vmmio *t)
{
  return t->ops->features | (1ULL << VIRTIO_F_VERSION_1);
}

static void
interrupt (struct sie_vmmio *t, uint32_t why)
{
  uint64_t one = 1;

  t->isr |= why;
  if (t->irq_fd >= 0 && write (t->irq_fd, &one, sizeof (one)) < 0)
    {
      /* an eventfd only refuses a write when its counter is saturated,
       * and then the interrupt is pending anyway */
    }
}

void
sie_vmmio_signal_used (struct sie_vmmio *t, unsigned q)
{
  struct sie_virtq *vq = sie_vmmio_queue (t, q);

  if (vq && sie_virtq_should_notify (vq))
    interrupt (t, VIRTIO_MMIO_INT_VRING);
}

void
sie_vmmio_fail (struct sie_vmmio *t, sie_error_t *err)
{
  if (!(t->status & VIRTIO_CONFIG_S_NEEDS_RESET))
    fprintf (stderr, "sie-vmm: virtio-%s: %s; the device needs a reset\n", t->ops->name,
             err && *err ? (*err)->msg : "failed");
  sie_error_release (err);
  t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
  if (t->status & VIRTIO_CONFIG_S_DRIVER_OK)
    interrupt (t, VIRTIO_MMIO_INT_CONFIG);
}

static void
reset (struct sie_vmmio *t)
{
  if (t->ops->reset)
    t->ops->reset (t);
  for (unsigned q = 0; q < t->ops->num_queues; q++)
    sie_virtq_init (&t->queues[q], t->ops->queue_size);
  t->status = 0;
  t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
  t->driver_features = 0;
  t->isr = 0;
}

void
sie_vmmio_queue_notify (struct sie_vmmio *t, unsigned q)
{
  sie_vmmio_lock (t);
  if (sie_vmmio_active (t) && q < t->ops->num_queues && sie_virtq_is_live (&t->queues[q]))
    t->ops->notify (t, q);
  sie_vmmio_unlock (t);
}

static struct sie_virtq *
selected_queue (struct sie_vmmio *t)
{
  return sie_vmmio_queue (t, t->queue_sel);
}

static uint32_t
read_reg (struct sie_vmmio *t, uint64_t reg)
{
  struct sie_virtq *q = selected_queue (t);

  switch (reg)
    {
    case VIRTIO_MMIO_MAGIC_VALUE:
      return MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
      return MMIO_VERSION;
    case VIRTIO_MMIO_DEVICE_ID:
      return t->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID:
      return SIE_VIRTIO_VENDOR;
    case VIRTIO_MMIO_DEVICE_FEATURES:
      return t->device_features_sel < 2
                 ? (uint32_t) (offered_features (t) >> (32 * t->device_features_sel))
                 : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
      return q ? q->num_max : 0;
    case VIRTIO_MMIO_QUEUE_READY:
      return q ? q->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
      return t->isr;
    case VIRTIO_MMIO_STATUS:
      return t->status;
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
      return NO_SHM;
    case VIRTIO_MMIO_CONFIG_GENERATION:
      return t->config_generation;
    default:
      return 0;
    }
}

/* The driver accepted features: they must be a subset of ours and include
 * VERSION_1 (no legacy interface here); otherwise FEATURES_OK is refused,
 * which the driver reads back. */
static bool
features_acceptable (const struct sie_vmmio *t)
{
  return (t->driver_features & ~offered_features (t)) == 0
         && sie_vmmio_has_feature (t, VIRTIO_F_VERSION_1);
}

/* Hands queue q's work to the event loop, as a guest notification would. */
static void
kick_queue (struct sie_vmmio *t, unsigned q)
{
  uint64_t one = 1;

  if (q < t->ops->num_queues && t->notify_fd[q] >= 0
      && write (t->notify_fd[q], &one, sizeof (one)) < 0)
    {
      /* saturated: a notification is pending anyway */
    }
}

static void
write_status (struct sie_vmmio *t, uint32_t v)
{
  uint32_t added = v & ~t->status;
  sie_error_t err = NULL;

  if (v == 0)
    {
      reset (t);
      return;
    }
  if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && !features_acceptable (t))
    v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
  /* Bits only go up until a reset (section 2.1.1). */
  t->status |= v;
  if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && (t->status & VIRTIO_CONFIG_S_FEATURES_OK))
    {
      if (t->ops->activate && t->ops->activate (t, &err) < 0)
        {
          sie_vmmio_fail (t, &err);
          return;
        }
      /* Buffers the driver queued before DRIVER_OK were not handled. */
      for (unsigned q = 0; q < t->ops->num_queues; q++)
        kick_queue (t, q);
    }
}

static void
write_queue_ready (struct sie_vmmio *t, struct sie_virtq *q, uint32_t v)
{
  sie_error_t err = NULL;

  if (v == 0)
    {
      q->ready = false;
      return;
    }
  if (q->ready)
    return;
  q->indirect = sie_vmmio_has_feature (t, VIRTIO_RING_F_INDIRECT_DESC);
  if (sie_virtq_activate (q, t->gm, &err) < 0)
    sie_vmmio_fail (t, &err);
}

/* Sets the low or high half of a 64-bit queue address. */
static void
set_half (uint64_t *field, uint32_t v, bool high)
{
  if (high)
    *field = (*field & 0xffffffffULL) | ((uint64_t) v << 32);
  else
    *field = (*field & ~0xffffffffULL) | v;
}

static void
write_queue_reg (struct sie_vmmio *t, uint64_t reg, uint32_t v)
{
  struct sie_virtq *q = selected_queue (t);

  if (q == NULL)
    return;
  if (reg == VIRTIO_MMIO_QUEUE_READY)
    {
      write_queue_ready (t, q, v);
      return;
    }
  /* Geometry is fixed while the queue is live. */
  if (q->ready)
    return;
  switch (reg)
    {
    case VIRTIO_MMIO_QUEUE_NUM:
      q->num = v > 0xffff ? 0 : (uint16_t) v;
      break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
      set_half (&q->desc_gpa, v, reg == VIRTIO_MMIO_QUEUE_DESC_HIGH);
      break;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
      set_half (&q->avail_gpa, v, reg == VIRTIO_MMIO_QUEUE_AVAIL_HIGH);
      break;
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
      set_half (&q->used_gpa, v, reg == VIRTIO_MMIO_QUEUE_USED_HIGH);
      break;
    }
}

static void
write_reg (struct sie_vmmio *t, uint64_t reg, uint32_t v)
{
  switch (reg)
    {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
      t->device_features_sel = v;
      break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
      /* Only while negotiating. */
      if (!(t->status & VIRTIO_CONFIG_S_FEATURES_OK) && t->driver_features_sel < 2)
        set_half (&t->driver_features, v, t->driver_features_sel == 1);
      break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
      t->driver_features_sel = v;
      break;
    case VIRTIO_MMIO_QUEUE_SEL:
      t->queue_sel = v;
      break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
      /* Normally KVM's ioeventfd takes these without an exit. */
      kick_queue (t, v);
      break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
      t->isr &= ~v;
      break;
    case VIRTIO_MMIO_STATUS:
      write_status (t, v);
      break;
    default:
      write_queue_reg (t, reg, v);
      break;
    }
}

static void
config_access (struct sie_vmmio *t, uint64_t off, uint8_t *data, unsigned len, bool write)
{
  if (off > t->ops->config_size || len > t->ops->config_size - off)
    {
      if (!write)
        memset (data, 0, len);
      return;
    }
  if (write && t->ops->write_config)
    t->ops->write_config (t, off, data, len);
  else if (!write && t->ops->read_config)
    t->ops->read_config (t, off, data, len);
  else if (!write)
    memset (data, 0, len);
}

void
sie_vmmio_access (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write)
{
  struct sie_vmmio *t = opaque;
  uint32_t v;

  sie_vmmio_lock (t);
  if (offset >= SIE_VIRTIO_MMIO_CONFIG)
    config_access (t, offset - SIE_VIRTIO_MMIO_CONFIG, data, len, write);
  else if (len != 4 || offset % 4 != 0)
    {
      /* Registers are 32-bit and aligned (section 4.2.2.2). */
      if (!write)
        memset (data, 0, len);
    }
  else if (write)
    {
      memcpy (&v, data, 4);
      write_reg (t, offset, v);
    }
  else
    {
      v = read_reg (t, offset);
      memcpy (data, &v, 4);
    }
  sie_vmmio_unlock (t);
}
