/* libFuzzer target for the VMM's virtqueue walker: the input becomes the
 * guest's RAM (rings, descriptor tables and buffers alike) plus the ring
 * geometry the driver would program, and every chain the walker accepts is
 * read, written and returned in full, so ASan sees each byte it maps.
 *   make build/fuzz/fuzz_virtqueue && build/fuzz/fuzz_virtqueue -max_total_time=60 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"
#include "vmshim/vmm/virtio/queue.h"

#define RAM_GPA 0x10000ULL
#define RAM_SIZE 0x8000ULL
#define HEADER 8

static uint64_t
ring_gpa (uint8_t slot)
{
  /* Mostly inside RAM, sometimes misaligned or outside it. */
  return RAM_GPA - 0x100 + (uint64_t) slot * 0x90;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static uint8_t *ram;
  struct sie_guest_mem gm = { 0 };
  struct sie_virtq q;
  struct sie_virtq_chain c;
  sie_error_t err = NULL;
  uint8_t scratch[512];

  if (size < HEADER)
    return 0;
  if (ram == NULL)
    ram = malloc (RAM_SIZE);
  memset (ram, 0, RAM_SIZE);
  memcpy (ram, data + HEADER, size - HEADER < RAM_SIZE ? size - HEADER : RAM_SIZE);
  gm.n_regions = 1;
  gm.regions[0] = (struct sie_gm_region) { RAM_GPA, RAM_SIZE, ram };

  sie_virtq_init (&q, 256);
  q.num = (uint16_t) (1u << (data[0] % 10));
  q.indirect = data[1] & 1;
  q.desc_gpa = ring_gpa (data[2]);
  q.avail_gpa = ring_gpa (data[3]) + (data[1] >> 4);
  q.used_gpa = ring_gpa (data[4]) + (data[1] >> 6) * 4;
  if (sie_virtq_activate (&q, &gm, &err) < 0)
    {
      sie_error_release (&err);
      return 0;
    }

  for (int i = 0; i < 512; i++)
    {
      int r = sie_virtq_pop (&q, &c, &err);
      if (r <= 0)
        break;
      size_t off = data[5 + (i % 3)];
      sie_virtq_chain_read (&c, off, scratch, sizeof (scratch));
      sie_virtq_chain_write (&c, off, scratch, sizeof (scratch));
      for (unsigned k = 0; k < c.n_out; k++)
        scratch[k % sizeof (scratch)] ^= ((uint8_t *) c.out[k].iov_base)[c.out[k].iov_len - 1];
      for (unsigned k = 0; k < c.n_in; k++)
        ((uint8_t *) c.in[k].iov_base)[c.in[k].iov_len - 1] = scratch[k % sizeof (scratch)];
      sie_virtq_push (&q, &c, c.in_bytes + off);
      sie_virtq_should_notify (&q);
    }
  sie_error_release (&err);
  return 0;
}
