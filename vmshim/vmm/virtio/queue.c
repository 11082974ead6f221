#include "vmshim/vmm/virtio/queue.h"

#include <endian.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
sie_virtq_init (struct sie_virtq *q, uint16_t num_max)
{
  memset (q, 0, sizeof (*q));
  q->num_max = num_max;
  q->num = num_max;
}

static bool
is_power_of_two (unsigned v)
{
  return v != 0 && (v & (v - 1)) == 0;
}

/* Resolves one ring area: inside guest RAM and aligned as section 2.7
 * requires. */
static void *
ring_ptr (const struct sie_guest_mem *gm, uint64_t gpa, uint64_t size, uint64_t align,
          const char *what, sie_error_t *err)
{
  void *p;

  if (gpa % align != 0)
    {
      sie_error (err, 0, "virtqueue %s at 0x%llx is not %llu-byte aligned", what,
                 (unsigned long long) gpa, (unsigned long long) align);
      return NULL;
    }
  p = sie_gm_ptr (gm, gpa, size);
  if (p == NULL)
    sie_error (err, 0, "virtqueue %s at 0x%llx (%llu bytes) is outside guest memory", what,
               (unsigned long long) gpa, (unsigned long long) size);
  return p;
}

int
sie_virtq_activate (struct sie_virtq *q, const struct sie_guest_mem *gm, sie_error_t *err)
{
  uint64_t n = q->num;

  if (!is_power_of_two (q->num) || q->num > q->num_max)
    return sie_error (err, 0, "virtqueue size %u is not a power of two up to %u", q->num, q->num_max);

  q->desc = ring_ptr (gm, q->desc_gpa, 16 * n, 16, "descriptor table", err);
  if (q->desc == NULL)
    return -1;
  /* flags, idx, ring[n], used_event */
  q->avail = ring_ptr (gm, q->avail_gpa, 6 + 2 * n, 2, "available ring", err);
  if (q->avail == NULL)
    return -1;
  /* flags, idx, ring[n] of {id, len}, avail_event */
  q->used = ring_ptr (gm, q->used_gpa, 6 + 8 * n, 4, "used ring", err);
  if (q->used == NULL)
    return -1;

  q->gm = gm;
  q->last_avail = 0;
  q->used_idx = 0;
  q->broken = false;
  q->ready = true;
  return 0;
}

bool
sie_virtq_is_live (const struct sie_virtq *q)
{
  return q->ready && !q->broken && q->desc != NULL;
}

static uint16_t
avail_idx (const struct sie_virtq *q)
{
  /* Acquire: the ring entries and descriptors the driver published before
   * bumping idx must be visible once we see the new idx. */
  return le16toh (__atomic_load_n (&q->avail->idx, __ATOMIC_ACQUIRE));
}

bool
sie_virtq_has_avail (const struct sie_virtq *q)
{
  return sie_virtq_is_live (q) && avail_idx (q) != q->last_avail;
}

static int broken (struct sie_virtq *q, sie_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Marks the queue unusable until the driver resets the device. */
static int
broken (struct sie_virtq *q, sie_error_t *err, const char *fmt, ...)
{
  char msg[160];
  va_list ap;

  q->broken = true;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof (msg), fmt, ap);
  va_end (ap);
  return sie_error (err, 0, "%s", msg);
}

/* Appends one buffer to the chain.  Readable buffers must all come before
 * writable ones (section 2.7.4.2). */
static int
chain_add (struct sie_virtq *q, struct sie_virtq_chain *c, const struct vring_desc *d,
           sie_error_t *err)
{
  uint64_t addr = le64toh (d->addr);
  uint32_t len = le32toh (d->len);
  bool writable = le16toh (d->flags) & VRING_DESC_F_WRITE;
  void *host;

  if (!writable && c->n_in > 0)
    return broken (q, err, "virtqueue chain %u: readable buffer after a writable one (at %u)",
                   c->head, c->n_out);
  if (len == 0)
    return 0;
  if (c->n_out + c->n_in >= SIE_VIRTQ_MAX_IOV)
    return broken (q, err, "virtqueue chain %u has more than %u buffers", c->head,
                   SIE_VIRTQ_MAX_IOV);
  host = sie_gm_ptr (q->gm, addr, len);
  if (host == NULL)
    return broken (q, err, "virtqueue chain %u: buffer 0x%llx+%u is outside guest memory",
                   c->head, (unsigned long long) addr, len);
  if (writable)
    {
      c->in[c->n_in++] = (struct iovec) { host, len };
      c->in_bytes += len;
    }
  else
    {
      c->out[c->n_out++] = (struct iovec) { host, len };
      c->out_bytes += len;
    }
  return 0;
}

/* Switches the walk to the indirect table `d` points to. */
static int
enter_indirect (struct sie_virtq *q, struct sie_virtq_chain *c, const struct vring_desc *d,
                bool *in_indirect, const struct vring_desc **table, unsigned *table_len,
                sie_error_t *err)
{
  uint64_t addr = le64toh (d->addr);
  uint32_t len = le32toh (d->len);
  uint16_t flags = le16toh (d->flags);

  if (!q->indirect)
    return broken (q, err, "virtqueue chain %u: indirect descriptor without the feature",
                   c->head);
  /* Tracked by a flag, not by comparing tables: an indirect table may
   * alias the ring's own, and would then never look nested. */
  if (*in_indirect)
    return broken (q, err, "virtqueue chain %u: nested indirect table", c->head);
  if (flags & VRING_DESC_F_NEXT)
    return broken (q, err, "virtqueue chain %u: indirect descriptor also has NEXT", c->head);
  if (len == 0 || len % sizeof (struct vring_desc) != 0
      || len / sizeof (struct vring_desc) > SIE_VIRTQ_MAX_INDIRECT)
    return broken (q, err, "virtqueue chain %u: indirect table of %u bytes", c->head, len);
  *table = sie_gm_ptr (q->gm, addr, len);
  if (*table == NULL)
    return broken (q, err, "virtqueue chain %u: indirect table 0x%llx+%u is outside guest memory",
                   c->head, (unsigned long long) addr, len);
  *table_len = len / sizeof (struct vring_desc);
  *in_indirect = true;
  return 0;
}

static int
walk_chain (struct sie_virtq *q, struct sie_virtq_chain *c, sie_error_t *err)
{
  const struct vring_desc *table = q->desc;
  unsigned table_len = q->num, idx = c->head, steps = 0;
  bool in_indirect = false;

  for (;;)
    {
      struct vring_desc d;
      uint16_t flags;

      /* A chain visits each entry of its table at most once; one step more
       * means the next pointers form a loop. */
      if (++steps > table_len)
        return broken (q, err, "virtqueue chain %u loops (more than %u descriptors)", c->head,
                       table_len);
      memcpy (&d, &table[idx], sizeof (d));
      flags = le16toh (d.flags);

      if (flags & VRING_DESC_F_INDIRECT)
        {
          if (enter_indirect (q, c, &d, &in_indirect, &table, &table_len, err) < 0)
            return -1;
          idx = 0;
          steps = 0;
          continue;
        }
      if (chain_add (q, c, &d, err) < 0)
        return -1;
      if (!(flags & VRING_DESC_F_NEXT))
        return 0;
      idx = le16toh (d.next);
      if (idx >= table_len)
        return broken (q, err, "virtqueue chain %u: next index %u out of range", c->head, idx);
    }
}

int
sie_virtq_pop (struct sie_virtq *q, struct sie_virtq_chain *c, sie_error_t *err)
{
  uint16_t idx, pending, head;

  if (!sie_virtq_is_live (q))
    return 0;
  idx = avail_idx (q);
  pending = (uint16_t) (idx - q->last_avail);
  if (pending == 0)
    return 0;
  if (pending > q->num)
    return broken (q, err, "virtqueue available index moved by %u, beyond the queue size %u",
                   pending, q->num);

  head = le16toh (__atomic_load_n (&q->avail->ring[q->last_avail % q->num], __ATOMIC_RELAXED));
  if (head >= q->num)
    return broken (q, err, "virtqueue head index %u out of range (size %u)", head, q->num);

  c->head = head;
  c->n_out = c->n_in = 0;
  c->out_bytes = c->in_bytes = 0;
  if (walk_chain (q, c, err) < 0)
    return -1;
  q->last_avail++;
  return 1;
}

void
sie_virtq_unpop (struct sie_virtq *q)
{
  q->last_avail--;
}

void
sie_virtq_push (struct sie_virtq *q, const struct sie_virtq_chain *c, size_t written)
{
  struct vring_used_elem *e;

  if (!sie_virtq_is_live (q))
    return;
  if (written > c->in_bytes)
    written = c->in_bytes;
  e = &q->used->ring[q->used_idx % q->num];
  e->id = htole32 (c->head);
  e->len = htole32 ((uint32_t) written);
  q->used_idx++;
  /* Release: the element and the buffers' contents before the index. */
  __atomic_store_n (&q->used->idx, htole16 (q->used_idx), __ATOMIC_RELEASE);
}

bool
sie_virtq_should_notify (const struct sie_virtq *q)
{
  if (q->avail == NULL)
    return false;
  /* Order our used->idx store before reading the driver's flags, or both
   * sides can miss each other's update. */
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
  return !(le16toh (__atomic_load_n (&q->avail->flags, __ATOMIC_RELAXED))
           & VRING_AVAIL_F_NO_INTERRUPT);
}

/* Copies between host memory and an iovec array from byte `off`;
 * to_iov selects the direction. */
static size_t
iov_copy (const struct iovec *iov, unsigned n, size_t off, void *buf, size_t len, bool to_iov)
{
  size_t done = 0;

  for (unsigned i = 0; i < n && done < len; i++)
    {
      size_t chunk;

      if (off >= iov[i].iov_len)
        {
          off -= iov[i].iov_len;
          continue;
        }
      chunk = iov[i].iov_len - off;
      if (chunk > len - done)
        chunk = len - done;
      if (to_iov)
        memcpy ((uint8_t *) iov[i].iov_base + off, (uint8_t *) buf + done, chunk);
      else
        memcpy ((uint8_t *) buf + done, (uint8_t *) iov[i].iov_base + off, chunk);
      done += chunk;
      off = 0;
    }
  return done;
}

size_t
sie_virtq_chain_read (const struct sie_virtq_chain *c, size_t off, void *dst, size_t len)
{
  return iov_copy (c->out, c->n_out, off, dst, len, false);
}

size_t
sie_virtq_chain_write (struct sie_virtq_chain *c, size_t off, const void *src, size_t len)
{
  return iov_copy (c->in, c->n_in, off, (void *) src, len, true);
}

static unsigned
iov_slice (const struct iovec *src, unsigned n, size_t off, struct iovec *dst, unsigned max,
           size_t limit)
{
  unsigned k = 0;

  for (unsigned i = 0; i < n && k < max && limit > 0; i++)
    {
      size_t len;

      if (off >= src[i].iov_len)
        {
          off -= src[i].iov_len;
          continue;
        }
      len = src[i].iov_len - off;
      if (len > limit)
        len = limit;
      dst[k++] = (struct iovec) { (uint8_t *) src[i].iov_base + off, len };
      limit -= len;
      off = 0;
    }
  return k;
}

unsigned
sie_virtq_chain_in_iov (const struct sie_virtq_chain *c, size_t off, struct iovec *iov,
                        unsigned max, size_t limit)
{
  return iov_slice (c->in, c->n_in, off, iov, max, limit);
}

unsigned
sie_virtq_chain_out_iov (const struct sie_virtq_chain *c, size_t off, struct iovec *iov,
                         unsigned max, size_t limit)
{
  return iov_slice (c->out, c->n_out, off, iov, max, limit);
}
