/* Split virtqueues (virtio 1.x, section 2.7) from the device side.
 *
 * The driver owns the rings and may rewrite them at any time, so the walker
 * reads every guest field exactly once into host memory before using it,
 * and checks it there: ring addresses and sizes when the queue goes live,
 * then for each chain the head and next indices against the table size,
 * every buffer against guest RAM, the chain length against the table size
 * (a longer chain is a loop), the order of readable before writable
 * buffers, and indirect tables (one level, a multiple of 16 bytes).  A
 * queue that fails a check is marked broken and yields nothing more until
 * the driver resets the device. */
#ifndef SIE_VMM_VIRTIO_QUEUE_H
#define SIE_VMM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"

#define SIE_VIRTQ_MAX_SIZE 1024
/* Buffers in one chain, readable and writable together. */
#define SIE_VIRTQ_MAX_IOV 64
/* Entries in an indirect table. */
#define SIE_VIRTQ_MAX_INDIRECT 256

struct vring_desc;
struct vring_avail;
struct vring_used;

struct sie_virtq
{
  /* Written by the driver through the transport while not ready. */
  uint16_t num;
  uint16_t num_max;
  uint64_t desc_gpa, avail_gpa, used_gpa;
  bool ready;
  bool indirect; /* VIRTIO_RING_F_INDIRECT_DESC negotiated */

  /* Resolved by sie_virtq_activate. */
  struct vring_desc *desc;
  struct vring_avail *avail;
  struct vring_used *used;
  const struct sie_guest_mem *gm;
  uint16_t last_avail;
  uint16_t used_idx;
  bool broken;
};

/* One descriptor chain: the device-readable buffers ("out", driver to
 * device) come first in a chain, then the device-writable ones ("in"). */
struct sie_virtq_chain
{
  uint16_t head;
  unsigned n_out, n_in;
  struct iovec out[SIE_VIRTQ_MAX_IOV];
  struct iovec in[SIE_VIRTQ_MAX_IOV];
  size_t out_bytes, in_bytes;
};

/* Sets num_max and clears everything the driver wrote. */
void sie_virtq_init (struct sie_virtq *q, uint16_t num_max);

/* Validates the ring geometry the driver wrote and resolves the rings in
 * guest memory.  Called when the driver sets QueueReady. */
int sie_virtq_activate (struct sie_virtq *q, const struct sie_guest_mem *gm, sie_error_t *err);

bool sie_virtq_is_live (const struct sie_virtq *q);

/* Takes the next available chain: 1 when *c holds one, 0 when the ring is
 * empty, -1 (and the queue broken) when the driver wrote something invalid. */
int sie_virtq_pop (struct sie_virtq *q, struct sie_virtq_chain *c, sie_error_t *err);

/* Puts back the chain just popped, untouched: the device found nothing to
 * put in it after all. */
void sie_virtq_unpop (struct sie_virtq *q);

/* Gives chain `head` back to the driver; `written` bytes went into its
 * writable buffers (clamped to their size). */
void sie_virtq_push (struct sie_virtq *q, const struct sie_virtq_chain *c, size_t written);

/* Whether the driver wants an interrupt for what was pushed. */
bool sie_virtq_should_notify (const struct sie_virtq *q);

/* Whether the driver has made buffers available that were not popped. */
bool sie_virtq_has_avail (const struct sie_virtq *q);

/* Copies between a chain and host memory from byte `off` of its readable
 * (read) or writable (write) buffers; returns the bytes copied, which is
 * less than len when the buffers end first. */
size_t sie_virtq_chain_read (const struct sie_virtq_chain *c, size_t off, void *dst, size_t len);
size_t sie_virtq_chain_write (struct sie_virtq_chain *c, size_t off, const void *src, size_t len);

/* The writable buffers from byte `off` on, as at most max iovecs; returns
 * how many.  For readv() from a host fd straight into guest memory. */
unsigned sie_virtq_chain_in_iov (const struct sie_virtq_chain *c, size_t off, struct iovec *iov,
                                 unsigned max, size_t limit);
/* The same for the readable buffers, for writev(). */
unsigned sie_virtq_chain_out_iov (const struct sie_virtq_chain *c, size_t off, struct iovec *iov,
                                  unsigned max, size_t limit);

#endif
