/* The VMM's split-virtqueue walker against a fake guest: a heap buffer
 * stands in for guest RAM, and the tests write rings and descriptor chains
 * into it as a driver would, including the malformed ones a hostile guest
 * could write. */
#include <endian.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/tap.h"
#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"
#include "vmshim/vmm/virtio/queue.h"

#define RAM_GPA 0x100000ULL
#define RAM_SIZE (1ULL << 20)
#define DESC_GPA (RAM_GPA + 0x0000)
#define AVAIL_GPA (RAM_GPA + 0x4000)
#define USED_GPA (RAM_GPA + 0x5000)
#define BUF_GPA (RAM_GPA + 0x10000)
#define QSIZE 16

static uint8_t *ram;
static struct sie_guest_mem gm;

static void *
at (uint64_t gpa)
{
  return ram + (gpa - RAM_GPA);
}

static struct vring_desc *
desc (unsigned i)
{
  return (struct vring_desc *) at (DESC_GPA) + i;
}

static struct vring_avail *
avail (void)
{
  return at (AVAIL_GPA);
}

static struct vring_used *
used (void)
{
  return at (USED_GPA);
}

static void
set_desc (unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
  desc (i)->addr = htole64 (addr);
  desc (i)->len = htole32 (len);
  desc (i)->flags = htole16 (flags);
  desc (i)->next = htole16 (next);
}

/* Publishes head at the next available slot. */
static void
publish (uint16_t head)
{
  uint16_t idx = le16toh (avail ()->idx);
  avail ()->ring[idx % QSIZE] = htole16 (head);
  avail ()->idx = htole16 (idx + 1);
}

static void
fresh_queue (struct sie_virtq *q, bool indirect)
{
  sie_error_t err = NULL;

  memset (ram, 0, RAM_SIZE);
  sie_virtq_init (q, QSIZE);
  q->num = QSIZE;
  q->desc_gpa = DESC_GPA;
  q->avail_gpa = AVAIL_GPA;
  q->used_gpa = USED_GPA;
  q->indirect = indirect;
  if (sie_virtq_activate (q, &gm, &err) < 0)
    {
      printf ("# activate: %s\n", err->msg);
      sie_error_release (&err);
    }
}

/* Pops one chain and expects an error whose message contains `what`. */
static void
expect_broken (struct sie_virtq *q, const char *what, const char *name)
{
  struct sie_virtq_chain c;
  sie_error_t err = NULL;
  int r = sie_virtq_pop (q, &c, &err);

  ok (r < 0 && err && strstr (err->msg, what), "%s is refused", name);
  if (err)
    printf ("#   %s\n", err->msg);
  sie_error_release (&err);
  ok (sie_virtq_pop (q, &c, &err) == 0 && q->broken, "%s: the queue stays broken", name);
}

static void
test_guest_mem (void)
{
  ok (sie_gm_ptr (&gm, RAM_GPA, RAM_SIZE) == ram, "the whole region resolves");
  ok (sie_gm_ptr (&gm, RAM_GPA - 1, 2) == NULL, "a range starting below RAM does not");
  ok (sie_gm_ptr (&gm, RAM_GPA + RAM_SIZE - 1, 2) == NULL, "a range crossing the end does not");
  ok (sie_gm_ptr (&gm, RAM_GPA + 8, UINT64_MAX) == NULL, "a length that would wrap does not");
  ok (sie_gm_ptr (&gm, UINT64_MAX, 1) == NULL, "the last address does not");
  ok (sie_gm_ptr (&gm, RAM_GPA + RAM_SIZE, 0) == NULL, "the end itself does not");
}

static void
test_activate (void)
{
  struct sie_virtq q;
  sie_error_t err = NULL;

  fresh_queue (&q, false);
  ok (sie_virtq_is_live (&q), "a well-formed queue goes live");

  sie_virtq_init (&q, QSIZE);
  q.num = 12;
  q.desc_gpa = DESC_GPA, q.avail_gpa = AVAIL_GPA, q.used_gpa = USED_GPA;
  ok (sie_virtq_activate (&q, &gm, &err) < 0, "size 12 (not a power of two) is refused");
  sie_error_release (&err);

  q.num = 32;
  ok (sie_virtq_activate (&q, &gm, &err) < 0, "a size above the maximum is refused");
  sie_error_release (&err);

  q.num = QSIZE;
  q.desc_gpa = DESC_GPA + 8;
  ok (sie_virtq_activate (&q, &gm, &err) < 0, "a descriptor table not 16-byte aligned is refused");
  sie_error_release (&err);

  q.desc_gpa = RAM_GPA + RAM_SIZE - 16 * QSIZE + 16;
  ok (sie_virtq_activate (&q, &gm, &err) < 0 && strstr (err->msg, "outside guest memory"),
      "a descriptor table running past RAM is refused");
  sie_error_release (&err);

  q.desc_gpa = DESC_GPA;
  q.used_gpa = USED_GPA + 2;
  ok (sie_virtq_activate (&q, &gm, &err) < 0, "a used ring not 4-byte aligned is refused");
  sie_error_release (&err);
  ok (!sie_virtq_is_live (&q), "the refused queue is not live");
}

static void
test_simple_chains (void)
{
  struct sie_virtq q;
  struct sie_virtq_chain c;
  sie_error_t err = NULL;
  char buf[32] = { 0 };

  fresh_queue (&q, false);
  ok (sie_virtq_pop (&q, &c, &err) == 0, "an empty queue yields nothing");
  ok (!sie_virtq_has_avail (&q), "and has nothing available");

  memcpy (at (BUF_GPA), "hello, ", 7);
  memcpy (at (BUF_GPA + 0x100), "world", 5);
  set_desc (3, BUF_GPA, 7, VRING_DESC_F_NEXT, 7);
  set_desc (7, BUF_GPA + 0x100, 5, VRING_DESC_F_NEXT, 9);
  set_desc (9, BUF_GPA + 0x200, 64, VRING_DESC_F_WRITE, 0);
  publish (3);
  ok (sie_virtq_has_avail (&q), "a published chain is available");
  ok (sie_virtq_pop (&q, &c, &err) == 1, "the chain pops");
  ok (c.head == 3 && c.n_out == 2 && c.n_in == 1, "two readable and one writable buffer");
  ok (c.out_bytes == 12 && c.in_bytes == 64, "with their byte counts");
  ok (sie_virtq_chain_read (&c, 0, buf, sizeof (buf)) == 12 && memcmp (buf, "hello, world", 12) == 0,
      "reading gathers across buffers");
  ok (sie_virtq_chain_read (&c, 5, buf, 4) == 4 && memcmp (buf, ", wo", 4) == 0,
      "reading from an offset crosses the buffer boundary");
  ok (sie_virtq_chain_write (&c, 60, "abcdefgh", 8) == 4, "writing stops at the end of the buffers");

  sie_virtq_push (&q, &c, 1000);
  ok (le16toh (used ()->idx) == 1, "push bumps the used index");
  ok (le32toh (used ()->ring[0].id) == 3 && le32toh (used ()->ring[0].len) == 64,
      "the used element names the head and clamps the length to the writable bytes");
  ok (sie_virtq_should_notify (&q), "the driver wants an interrupt by default");
  avail ()->flags = htole16 (VRING_AVAIL_F_NO_INTERRUPT);
  ok (!sie_virtq_should_notify (&q), "not with VRING_AVAIL_F_NO_INTERRUPT");

  /* zero-length buffers are skipped, not mapped */
  set_desc (0, UINT64_MAX, 0, VRING_DESC_F_NEXT, 1);
  set_desc (1, BUF_GPA, 4, 0, 0);
  publish (0);
  ok (sie_virtq_pop (&q, &c, &err) == 1 && c.n_out == 1 && c.out_bytes == 4,
      "a zero-length buffer is skipped wherever it points");

  struct iovec iov[4];
  set_desc (0, BUF_GPA, 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
  set_desc (1, BUF_GPA + 0x100, 10, VRING_DESC_F_WRITE, 0);
  publish (0);
  ok (sie_virtq_pop (&q, &c, &err) == 1, "a write-only chain pops");
  ok (sie_virtq_chain_in_iov (&c, 5, iov, 4, 8) == 2 && iov[0].iov_len == 5 && iov[1].iov_len == 3
          && iov[0].iov_base == at (BUF_GPA + 5),
      "in_iov slices from an offset up to a limit");
  sie_error_release (&err);
}

static void
test_wraparound (void)
{
  struct sie_virtq q;
  struct sie_virtq_chain c;
  sie_error_t err = NULL;
  int popped = 0;

  fresh_queue (&q, false);
  set_desc (0, BUF_GPA, 8, 0, 0);
  for (unsigned i = 0; i < 70000; i++)
    {
      publish (0);
      if (sie_virtq_pop (&q, &c, &err) == 1)
        popped++;
      sie_virtq_push (&q, &c, 0);
    }
  ok (popped == 70000 && le16toh (used ()->idx) == (uint16_t) 70000,
      "indices wrap at 65536 without losing chains");
  sie_error_release (&err);
}

static void
test_malformed (void)
{
  struct sie_virtq q;

  fresh_queue (&q, false);
  set_desc (0, BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
  set_desc (1, BUF_GPA, 8, VRING_DESC_F_NEXT, 0);
  publish (0);
  expect_broken (&q, "loops", "a descriptor loop");

  fresh_queue (&q, false);
  set_desc (0, BUF_GPA, 8, VRING_DESC_F_NEXT, QSIZE);
  publish (0);
  expect_broken (&q, "next index", "a next index past the table");

  fresh_queue (&q, false);
  publish (QSIZE + 3);
  expect_broken (&q, "head index", "a head index past the table");

  fresh_queue (&q, false);
  avail ()->idx = htole16 (QSIZE + 1);
  expect_broken (&q, "beyond the queue size", "an available index ahead by more than the size");

  fresh_queue (&q, false);
  set_desc (0, RAM_GPA + RAM_SIZE - 4, 8, 0, 0);
  publish (0);
  expect_broken (&q, "outside guest memory", "a buffer running past RAM");

  fresh_queue (&q, false);
  set_desc (0, UINT64_MAX - 0xf, 0x20, 0, 0);
  publish (0);
  expect_broken (&q, "outside guest memory", "a buffer whose end wraps around");

  fresh_queue (&q, false);
  set_desc (0, BUF_GPA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
  set_desc (1, BUF_GPA, 8, 0, 0);
  publish (0);
  expect_broken (&q, "readable buffer after a writable", "a readable buffer after a writable one");

  /* 16 entries but a 64-buffer limit: needs an indirect table to exceed */
  fresh_queue (&q, true);
  for (unsigned i = 0; i < 100; i++)
    {
      struct vring_desc *t = at (BUF_GPA) + i * 16;
      t->addr = htole64 (BUF_GPA + 0x4000);
      t->len = htole32 (1);
      t->flags = htole16 (VRING_DESC_F_NEXT);
      t->next = htole16 (i + 1);
    }
  ((struct vring_desc *) at (BUF_GPA))[99].flags = 0;
  set_desc (0, BUF_GPA, 100 * 16, VRING_DESC_F_INDIRECT, 0);
  publish (0);
  expect_broken (&q, "more than 64 buffers", "a chain with too many buffers");
}

static void
test_indirect (void)
{
  struct sie_virtq q;
  struct sie_virtq_chain c;
  sie_error_t err = NULL;
  struct vring_desc *t = at (BUF_GPA + 0x1000);

  fresh_queue (&q, true);
  t = at (BUF_GPA + 0x1000);
  t[0] = (struct vring_desc) { htole64 (BUF_GPA), htole32 (4), htole16 (VRING_DESC_F_NEXT), htole16 (2) };
  t[2] = (struct vring_desc) { htole64 (BUF_GPA + 0x10), htole32 (6), htole16 (VRING_DESC_F_WRITE), 0 };
  set_desc (5, BUF_GPA + 0x1000, 3 * 16, VRING_DESC_F_INDIRECT, 0);
  publish (5);
  ok (sie_virtq_pop (&q, &c, &err) == 1 && c.head == 5 && c.n_out == 1 && c.n_in == 1
          && c.in_bytes == 6,
      "an indirect table is walked and the chain keeps the ring's head");
  sie_error_release (&err);

  fresh_queue (&q, false);
  set_desc (0, BUF_GPA + 0x1000, 32, VRING_DESC_F_INDIRECT, 0);
  publish (0);
  expect_broken (&q, "without the feature", "an indirect descriptor not negotiated");

  fresh_queue (&q, true);
  t[0] = (struct vring_desc) { htole64 (BUF_GPA + 0x2000), htole32 (32), htole16 (VRING_DESC_F_INDIRECT), 0 };
  set_desc (0, BUF_GPA + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
  publish (0);
  expect_broken (&q, "nested", "an indirect table inside an indirect table");

  /* an indirect table that is the ring's own table, pointing at itself:
   * found by libFuzzer as an endless loop before nesting was a flag */
  fresh_queue (&q, true);
  set_desc (0, DESC_GPA, 16 * QSIZE, VRING_DESC_F_INDIRECT, 0);
  publish (0);
  expect_broken (&q, "nested", "an indirect table aliasing the ring's table");

  fresh_queue (&q, true);
  set_desc (0, BUF_GPA + 0x1000, 17, VRING_DESC_F_INDIRECT, 0);
  publish (0);
  expect_broken (&q, "indirect table of 17 bytes", "an indirect table of a partial entry");

  fresh_queue (&q, true);
  set_desc (0, BUF_GPA + 0x1000, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
  publish (0);
  expect_broken (&q, "also has NEXT", "an indirect descriptor with NEXT");

  fresh_queue (&q, true);
  set_desc (0, RAM_GPA + RAM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
  publish (0);
  expect_broken (&q, "outside guest memory", "an indirect table running past RAM");

  fresh_queue (&q, true);
  t[0] = (struct vring_desc) { htole64 (BUF_GPA), htole32 (4), htole16 (VRING_DESC_F_NEXT), htole16 (1) };
  t[1] = (struct vring_desc) { htole64 (BUF_GPA), htole32 (4), htole16 (VRING_DESC_F_NEXT), htole16 (0) };
  set_desc (0, BUF_GPA + 0x1000, 32, VRING_DESC_F_INDIRECT, 0);
  publish (0);
  expect_broken (&q, "loops", "a loop inside an indirect table");
}

int
main (void)
{
  ram = aligned_alloc (4096, RAM_SIZE);
  gm.n_regions = 1;
  gm.regions[0] = (struct sie_gm_region) { RAM_GPA, RAM_SIZE, ram };

  test_guest_mem ();
  test_activate ();
  test_simple_chains ();
  test_wraparound ();
  test_malformed ();
  test_indirect ();
  free (ram);
  return tap_done ();
}
