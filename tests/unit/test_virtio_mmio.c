/* The virtio-mmio transport's register file and state machine, driven as a
 * guest driver would through 32-bit register accesses, with a small
 * device behind it that counts its callbacks.  Interrupts and queue kicks
 * go to real eventfds. */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/unit/tap.h"
#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"
#include "vmshim/vmm/virtio/mmio.h"

#define RAM_GPA 0x100000ULL
#define RAM_SIZE (256 * 1024)

struct counts
{
  int activate, reset, notify, config_writes;
  uint8_t config[8];
};

static struct counts counts;

static void
fake_read_config (struct sie_vmmio *t, uint32_t off, uint8_t *data, unsigned len)
{
  memcpy (data, counts.config + off, len);
}

static void
fake_write_config (struct sie_vmmio *t, uint32_t off, const uint8_t *data, unsigned len)
{
  memcpy (counts.config + off, data, len);
  counts.config_writes++;
}

static int
fake_activate (struct sie_vmmio *t, sie_error_t *err)
{
  counts.activate++;
  return 0;
}

static void
fake_reset (struct sie_vmmio *t)
{
  counts.reset++;
}

static void
fake_notify (struct sie_vmmio *t, unsigned q)
{
  counts.notify++;
}

static const struct sie_virtio_ops fake_ops = {
  .name = "fake",
  .device_id = 42,
  .features = 1ULL << 3,
  .num_queues = 2,
  .queue_size = 16,
  .config_size = 8,
  .read_config = fake_read_config,
  .write_config = fake_write_config,
  .activate = fake_activate,
  .reset = fake_reset,
  .notify = fake_notify,
};

static struct sie_vmmio t;

static uint32_t
rd (unsigned off)
{
  uint8_t b[4];
  uint32_t v;
  sie_vmmio_access (&t, off, b, 4, false);
  memcpy (&v, b, 4);
  return v;
}

static void
wr (unsigned off, uint32_t v)
{
  uint8_t b[4];
  memcpy (b, &v, 4);
  sie_vmmio_access (&t, off, b, 4, true);
}

static uint64_t
drain (int fd)
{
  uint64_t n = 0;
  if (read (fd, &n, sizeof (n)) != sizeof (n))
    return 0;
  return n;
}

static void
negotiate (uint64_t features)
{
  wr (VIRTIO_MMIO_STATUS, 0);
  wr (VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
  wr (VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr (VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t) features);
  wr (VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr (VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t) (features >> 32));
  wr (VIRTIO_MMIO_STATUS, rd (VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
}

static void
setup_queue (unsigned q, uint32_t num)
{
  wr (VIRTIO_MMIO_QUEUE_SEL, q);
  wr (VIRTIO_MMIO_QUEUE_NUM, num);
  wr (VIRTIO_MMIO_QUEUE_DESC_LOW, RAM_GPA + q * 0x2000);
  wr (VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
  wr (VIRTIO_MMIO_QUEUE_AVAIL_LOW, RAM_GPA + q * 0x2000 + 0x1000);
  wr (VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
  wr (VIRTIO_MMIO_QUEUE_USED_LOW, RAM_GPA + q * 0x2000 + 0x1800);
  wr (VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
  wr (VIRTIO_MMIO_QUEUE_READY, 1);
}

static void
test_identity (void)
{
  ok (rd (VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976, "magic is \"virt\"");
  ok (rd (VIRTIO_MMIO_VERSION) == 2, "version 2 (virtio 1.x, no legacy)");
  ok (rd (VIRTIO_MMIO_DEVICE_ID) == 42, "the device's id");
  ok (rd (VIRTIO_MMIO_VENDOR_ID) == SIE_VIRTIO_VENDOR, "sie's vendor id");
  wr (VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
  ok (rd (VIRTIO_MMIO_DEVICE_FEATURES) == 1u << 3, "features 0-31: the device's");
  wr (VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
  ok (rd (VIRTIO_MMIO_DEVICE_FEATURES) == 1, "features 32-63: VERSION_1");
  wr (VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
  ok (rd (VIRTIO_MMIO_DEVICE_FEATURES) == 0, "features beyond 63: none");
  ok (rd (VIRTIO_MMIO_SHM_LEN_LOW) == 0xffffffffu, "no shared memory region");
}

static void
test_features (void)
{
  negotiate (1ULL << 3);
  ok (!(rd (VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK),
      "FEATURES_OK refused without VERSION_1");
  negotiate ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << 5));
  ok (!(rd (VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK),
      "FEATURES_OK refused for a feature not offered");
  negotiate ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << 3));
  ok (rd (VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, "FEATURES_OK for a subset");
  ok (sie_vmmio_has_feature (&t, 3) && sie_vmmio_has_feature (&t, VIRTIO_F_VERSION_1),
      "the device sees what was accepted");
  wr (VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr (VIRTIO_MMIO_DRIVER_FEATURES, 0);
  ok (sie_vmmio_has_feature (&t, 3), "features are frozen after FEATURES_OK");
}

static void
test_queues (void)
{
  wr (VIRTIO_MMIO_QUEUE_SEL, 9);
  ok (rd (VIRTIO_MMIO_QUEUE_NUM_MAX) == 0, "a queue that does not exist has size 0");
  wr (VIRTIO_MMIO_QUEUE_SEL, 0);
  ok (rd (VIRTIO_MMIO_QUEUE_NUM_MAX) == 16, "queue 0 holds up to 16");

  setup_queue (0, 12);
  ok (rd (VIRTIO_MMIO_QUEUE_READY) == 0, "size 12 does not go ready");
  ok (rd (VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, "and the device needs a reset");

  negotiate (1ULL << VIRTIO_F_VERSION_1);
  ok (!(rd (VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), "a reset clears NEEDS_RESET");
  ok (counts.reset >= 1, "and resets the device");
  setup_queue (0, 16);
  ok (rd (VIRTIO_MMIO_QUEUE_READY) == 1, "a well-formed queue goes ready");
  wr (VIRTIO_MMIO_QUEUE_NUM, 4);
  ok (t.queues[0].num == 16, "its size is fixed while it is ready");
  setup_queue (1, 8);
  ok (rd (VIRTIO_MMIO_QUEUE_READY) == 1, "queue 1 too");

  sie_vmmio_queue_notify (&t, 0);
  ok (counts.notify == 0, "no notification reaches the device before DRIVER_OK");
  wr (VIRTIO_MMIO_STATUS, rd (VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
  ok (counts.activate == 1, "DRIVER_OK activates the device once");
  ok (drain (t.notify_fd[0]) == 1, "and hands queue 0 to the event loop");
  sie_vmmio_queue_notify (&t, 0);
  ok (counts.notify == 1, "a notification reaches the device once active");
  sie_vmmio_queue_notify (&t, 5);
  ok (counts.notify == 1, "a notification for a queue that does not exist does not");
  wr (VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  ok (drain (t.notify_fd[0]) == 1, "a QueueNotify write that reaches the VMM kicks the queue");
}

static void
test_interrupts (void)
{
  drain (t.irq_fd);
  sie_vmmio_signal_used (&t, 0);
  ok (rd (VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING, "used buffers set the VRING bit");
  ok (drain (t.irq_fd) == 1, "and raise the IRQ");
  wr (VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
  ok (rd (VIRTIO_MMIO_INTERRUPT_STATUS) == 0, "the driver's ACK clears it");
}

static void
test_config_and_widths (void)
{
  uint8_t b[8] = { 0 };

  memcpy (counts.config, "ABCDEFGH", 8);
  sie_vmmio_access (&t, SIE_VIRTIO_MMIO_CONFIG + 2, b, 2, false);
  ok (memcmp (b, "CD", 2) == 0, "config space reads at any width and offset");
  sie_vmmio_access (&t, SIE_VIRTIO_MMIO_CONFIG + 6, b, 4, false);
  ok (memcmp (b, "\0\0\0\0", 4) == 0, "a config read past its end reads zeros");
  sie_vmmio_access (&t, SIE_VIRTIO_MMIO_CONFIG + 7, (uint8_t *) "zz", 2, true);
  ok (counts.config_writes == 0, "and such a write is dropped");
  sie_vmmio_access (&t, SIE_VIRTIO_MMIO_CONFIG + 0xfffffff0ULL, b, 4, false);
  ok (memcmp (b, "\0\0\0\0", 4) == 0, "an offset that would wrap reads zeros");

  memset (b, 0xaa, sizeof (b));
  sie_vmmio_access (&t, VIRTIO_MMIO_MAGIC_VALUE, b, 2, false);
  ok (b[0] == 0 && b[1] == 0, "a 16-bit register read reads zero");
  sie_vmmio_access (&t, VIRTIO_MMIO_STATUS + 1, b, 4, false);
  ok (b[0] == 0, "an unaligned register read reads zero");
  sie_vmmio_access (&t, VIRTIO_MMIO_STATUS, (uint8_t *) "\0", 1, true);
  ok (rd (VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK, "a 1-byte write to Status is ignored");
}

static void
test_reset (void)
{
  int resets = counts.reset;

  wr (VIRTIO_MMIO_STATUS, 0);
  ok (counts.reset == resets + 1, "writing 0 to Status resets the device");
  ok (rd (VIRTIO_MMIO_STATUS) == 0, "Status reads 0 again");
  wr (VIRTIO_MMIO_QUEUE_SEL, 0);
  ok (rd (VIRTIO_MMIO_QUEUE_READY) == 0 && t.queues[0].desc_gpa == 0, "queues forget their rings");
  ok (!sie_vmmio_has_feature (&t, VIRTIO_F_VERSION_1), "features are forgotten");
}

int
main (void)
{
  sie_error_t err = NULL;
  struct sie_guest_mem gm = { 1, { { RAM_GPA, RAM_SIZE, calloc (1, RAM_SIZE) } } };

  if (sie_vmmio_init (&t, &fake_ops, NULL, &gm, eventfd (0, EFD_NONBLOCK), &err) < 0)
    return 1;
  t.notify_fd[0] = eventfd (0, EFD_NONBLOCK);
  test_identity ();
  test_features ();
  test_queues ();
  test_interrupts ();
  test_config_and_widths ();
  test_reset ();
  close (t.notify_fd[0]);
  close (t.irq_fd);
  sie_vmmio_destroy (&t);
  free (gm.regions[0].host);
  return tap_done ();
}
