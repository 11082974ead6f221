/* A tiny 64-bit guest for the VMM's tests: no Linux, no interrupts, only
 * polling, so it runs anywhere KVM does, including hosts that can only
 * emulate a stock kernel.  sie-vmm boots it through the same 64-bit boot
 * protocol as a kernel (an ELF entered in long mode with %rsi at the zero
 * page), and it checks what a kernel would rely on, then does what the
 * kernel command line's "sie.test=" asks:
 *
 *   hello     print the boot facts (CPUs in the MP table, RAM in e820)
 *   smp       start the other vCPUs (INIT, SIPI) and count them in
 *   exit:N    power off with status N through the power-off port
 *   reset     reset through the i8042; crash: triple fault; hang: spin
 *   rng       read the virtio-rng device
 *   badring   give virtio-rng a buffer outside RAM: it must ask for a reset
 *   vsock[:N] serve N (default 1) host connections on vsock port 1024,
 *             one after the other, echoing each packet; then connect to the
 *             host's port 5000, send a line, print the answer
 *
 * Build: cc -O1 -ffreestanding -nostdlib -static -fno-pie -no-pie
 *        -mno-red-zone -mgeneral-regs-only -fno-stack-protector
 *        -Wl,-Ttext-segment=0x200000 */
#include <stddef.h>
#include <stdint.h>

#define COM1 0x3f8
#define POWEROFF_PORT 0x501

/* ---- freestanding basics ---- */

void *
memset (void *d, int c, size_t n)
{
  volatile uint8_t *p = d;
  while (n--)
    *p++ = (uint8_t) c;
  return d;
}

void *
memcpy (void *d, const void *s, size_t n)
{
  volatile uint8_t *p = d;
  const uint8_t *q = s;
  while (n--)
    *p++ = *q++;
  return d;
}

static void
outb (uint16_t port, uint8_t v)
{
  __asm__ volatile ("outb %0, %1" : : "a"(v), "Nd"(port));
}

static uint8_t
inb (uint16_t port)
{
  uint8_t v;
  __asm__ volatile ("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static void
putc_ (char c)
{
  while (!(inb (COM1 + 5) & 0x20))
    ;
  outb (COM1, (uint8_t) c);
}

static void
puts_ (const char *s)
{
  while (*s)
    putc_ (*s++);
}

static void
putu (uint64_t v)
{
  char buf[21];
  int i = 20;
  buf[i] = 0;
  do
    buf[--i] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  puts_ (buf + i);
}

static __attribute__ ((noreturn)) void
power_off (uint8_t status)
{
  outb (POWEROFF_PORT, status);
  for (;;)
    __asm__ volatile ("hlt");
}

static __attribute__ ((noreturn)) void
fail (const char *why)
{
  puts_ ("sie-test-guest: FAIL: ");
  puts_ (why);
  puts_ ("\n");
  power_off (99);
}

static size_t
length (const char *s)
{
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

static int
starts_with (const char *s, const char *prefix)
{
  while (*prefix)
    if (*s++ != *prefix++)
      return 0;
  return 1;
}

static uint64_t
parse_num (const char **s)
{
  uint64_t v = 0;
  int base = 10;

  if ((*s)[0] == '0' && (*s)[1] == 'x')
    {
      base = 16;
      *s += 2;
    }
  for (;; (*s)++)
    {
      char c = **s;
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0 || d >= base)
        return v;
      v = v * base + d;
    }
}

/* The value of word `key` on the command line, or NULL. */
static const char *
cmdline_arg (const char *cmdline, const char *key)
{
  for (const char *p = cmdline; *p; p++)
    if ((p == cmdline || p[-1] == ' ') && starts_with (p, key))
      return p + length (key);
  return 0;
}

/* ---- boot facts ---- */

static const char *
zp_cmdline (const uint8_t *zp)
{
  return (const char *) (uintptr_t) * (const uint32_t *) (zp + 0x228);
}

static unsigned
mp_cpus (void)
{
  const uint8_t *fp = (const uint8_t *) 0x9fc00;
  const uint8_t *h, *e;
  unsigned count, cpus = 0;
  uint8_t sum = 0;

  if (!starts_with ((const char *) fp, "_MP_"))
    fail ("no MP floating pointer at 0x9fc00");
  for (int i = 0; i < 16; i++)
    sum += fp[i];
  if (sum)
    fail ("MP floating pointer checksum");
  h = (const uint8_t *) (uintptr_t) * (const uint32_t *) (fp + 4);
  if (!starts_with ((const char *) h, "PCMP"))
    fail ("no MP configuration table");
  sum = 0;
  for (unsigned i = 0; i < *(const uint16_t *) (h + 4); i++)
    sum += h[i];
  if (sum)
    fail ("MP configuration table checksum");
  count = *(const uint16_t *) (h + 34);
  e = h + 44;
  for (unsigned i = 0; i < count; i++)
    {
      if (e[0] == 0)
        {
          cpus++;
          e += 20;
        }
      else
        e += 8;
    }
  return cpus;
}

static uint64_t
e820_ram (const uint8_t *zp)
{
  unsigned n = zp[0x1e8];
  uint64_t ram = 0;

  for (unsigned i = 0; i < n; i++)
    {
      const uint8_t *e = zp + 0x2d0 + 20 * i;
      if (*(const uint32_t *) (e + 16) == 1)
        ram += *(const uint64_t *) (e + 8);
    }
  return ram;
}

/* ---- virtio-mmio and split virtqueues, polled ---- */

#define QSIZE 8
#define BUF_SIZE 2048

struct desc
{
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

struct vq
{
  unsigned index;
  struct desc desc[QSIZE] __attribute__ ((aligned (16)));
  struct
  {
    uint16_t flags, idx, ring[QSIZE], used_event;
  } avail __attribute__ ((aligned (2)));
  struct
  {
    uint16_t flags, idx;
    struct
    {
      uint32_t id, len;
    } ring[QSIZE];
    uint16_t avail_event;
  } used __attribute__ ((aligned (4)));
  uint16_t last_used;
  uint8_t bufs[QSIZE][BUF_SIZE];
};

struct vdev
{
  volatile uint32_t *regs;
};

static uint32_t
rd (struct vdev *d, unsigned off)
{
  return d->regs[off / 4];
}

static void
wr (struct vdev *d, unsigned off, uint32_t v)
{
  d->regs[off / 4] = v;
}

/* Finds the virtio-mmio device of type `id` among those on the cmdline. */
static int
find_device (const char *cmdline, uint32_t id, struct vdev *d)
{
  for (const char *p = cmdline; (p = cmdline_arg (p, "virtio_mmio.device=")) != 0;)
    {
      while (*p && *p != '@')
        p++;
      if (*p != '@')
        break;
      p++;
      d->regs = (volatile uint32_t *) (uintptr_t) parse_num (&p);
      if (rd (d, 0) != 0x74726976 || rd (d, 4) != 2)
        fail ("virtio-mmio magic or version");
      if (rd (d, 8) == id)
        return 1;
    }
  return 0;
}

static void
vq_setup (struct vdev *d, struct vq *q, unsigned index)
{
  memset (q, 0, sizeof (*q));
  q->index = index;
  wr (d, 0x30, index);
  if (rd (d, 0x34) < QSIZE || rd (d, 0x44) != 0)
    fail ("queue size or ready state");
  wr (d, 0x38, QSIZE);
  wr (d, 0x80, (uint32_t) (uintptr_t) q->desc);
  wr (d, 0x84, 0);
  wr (d, 0x90, (uint32_t) (uintptr_t) &q->avail);
  wr (d, 0x94, 0);
  wr (d, 0xa0, (uint32_t) (uintptr_t) &q->used);
  wr (d, 0xa4, 0);
  wr (d, 0x44, 1);
  if (rd (d, 0x44) != 1)
    fail ("queue did not become ready");
}

static void
device_init (struct vdev *d, struct vq *queues, unsigned n)
{
  wr (d, 0x70, 0);
  wr (d, 0x70, 1 | 2); /* ACKNOWLEDGE | DRIVER */
  wr (d, 0x14, 1);
  if (!(rd (d, 0x10) & 1))
    fail ("device does not offer VERSION_1");
  wr (d, 0x24, 0);
  wr (d, 0x20, 0);
  wr (d, 0x24, 1);
  wr (d, 0x20, 1); /* VERSION_1 only */
  wr (d, 0x70, 1 | 2 | 8);
  if (!(rd (d, 0x70) & 8))
    fail ("FEATURES_OK refused");
  for (unsigned i = 0; i < n; i++)
    vq_setup (d, &queues[i], i);
  wr (d, 0x70, 1 | 2 | 8 | 4); /* DRIVER_OK */
}

/* Makes descriptor slot i (one buffer) available. */
static void
vq_post (struct vdev *d, struct vq *q, unsigned i, uint32_t len, int writable)
{
  q->desc[i] = (struct desc) { (uint64_t) (uintptr_t) q->bufs[i], len, writable ? 2 : 0, 0 };
  q->avail.ring[q->avail.idx % QSIZE] = (uint16_t) i;
  __atomic_store_n (&q->avail.idx, (uint16_t) (q->avail.idx + 1), __ATOMIC_RELEASE);
  wr (d, 0x50, q->index);
}

/* Returns the next used slot, or -1 after `spins` polls. */
static int
vq_used (struct vq *q, uint32_t *len, unsigned long spins)
{
  while (spins--)
    {
      if (__atomic_load_n (&q->used.idx, __ATOMIC_ACQUIRE) != q->last_used)
        {
          unsigned slot = q->last_used++ % QSIZE;
          *len = q->used.ring[slot].len;
          return (int) q->used.ring[slot].id;
        }
      __asm__ volatile ("pause");
    }
  return -1;
}

static void
test_rng (const char *cmdline)
{
  static struct vq q;
  struct vdev d;
  uint32_t len;
  int slot;

  if (!find_device (cmdline, 4, &d))
    fail ("no virtio-rng device");
  device_init (&d, &q, 1);
  vq_post (&d, &q, 0, 64, 1);
  slot = vq_used (&q, &len, 100000000);
  if (slot != 0 || len != 64)
    fail ("virtio-rng returned no bytes");
  puts_ ("sie-test-guest: rng bytes=");
  putu (len);
  puts_ ("\n");
}

/* A descriptor pointing outside RAM: the device must refuse the queue and
 * ask for a reset, not touch the address. */
static void
test_bad_ring (const char *cmdline)
{
  static struct vq q;
  struct vdev d;

  if (!find_device (cmdline, 4, &d))
    fail ("no virtio-rng device");
  device_init (&d, &q, 1);
  q.desc[0] = (struct desc) { 0x7f0000000000ULL, 64, 2, 0 };
  q.avail.ring[0] = 0;
  __atomic_store_n (&q.avail.idx, 1, __ATOMIC_RELEASE);
  wr (&d, 0x50, 0);
  for (unsigned long spins = 0; spins < 100000000UL; spins++)
    if (rd (&d, 0x70) & 0x40)
      {
        puts_ ("sie-test-guest: device needs reset\n");
        return;
      }
  fail ("a descriptor outside RAM was accepted");
}

/* ---- other CPUs ---- */

#define TRAMPOLINE 0x10000 /* real-mode entry of the APs: SIPI vector 0x10 */
#define AP_COUNTER 0x6f0

/* Wakes every AP with INIT and SIPI through the local APIC, as a kernel
 * does; each runs a real-mode stub that counts itself in. */
static void
test_smp (unsigned cpus)
{
  /* lock incw [0x6f0]; 1: hlt; jmp 1b */
  static const uint8_t stub[] = { 0xf0, 0xff, 0x06, 0xf0, 0x06, 0xf4, 0xeb, 0xfd };
  volatile uint32_t *apic = (volatile uint32_t *) 0xfee00000;
  volatile uint16_t *count = (volatile uint16_t *) AP_COUNTER;

  memcpy ((void *) TRAMPOLINE, stub, sizeof (stub));
  *count = 0;
  apic[0xf0 / 4] |= 0x100; /* software-enable the local APIC */
  for (unsigned id = 1; id < cpus; id++)
    {
      apic[0x310 / 4] = id << 24;
      apic[0x300 / 4] = 0x4500; /* INIT */
      for (volatile int i = 0; i < 1000; i++)
        ;
      apic[0x310 / 4] = id << 24;
      apic[0x300 / 4] = 0x4600 | (TRAMPOLINE >> 12); /* STARTUP */
    }
  for (unsigned long spins = 0; spins < 200000000UL && *count < cpus - 1; spins++)
    __asm__ volatile ("pause");
  puts_ ("sie-test-guest: smp started=");
  putu (*count);
  puts_ ("\n");
}

/* ---- vsock ---- */

struct vsock_hdr
{
  uint64_t src_cid, dst_cid;
  uint32_t src_port, dst_port, len;
  uint16_t type, op;
  uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__ ((packed));

enum
{
  OP_REQUEST = 1,
  OP_RESPONSE,
  OP_RST,
  OP_SHUTDOWN,
  OP_RW,
  OP_CREDIT_UPDATE,
  OP_CREDIT_REQUEST
};

static struct vq vsq[3];
static struct vdev vsd;
static uint64_t my_cid;
static uint32_t fwd_cnt;
static unsigned tx_slot;

static void
vs_send (uint32_t src_port, uint32_t dst_port, uint16_t op, uint32_t flags, const void *data,
         uint32_t len)
{
  struct vq *tx = &vsq[1];
  unsigned slot = tx_slot++ % QSIZE;
  struct vsock_hdr h = { my_cid, 2, src_port, dst_port, len, 1, op, flags, 65536, fwd_cnt };
  uint32_t used_len;

  memcpy (tx->bufs[slot], &h, sizeof (h));
  memcpy (tx->bufs[slot] + sizeof (h), data, len);
  vq_post (&vsd, tx, slot, sizeof (h) + len, 0);
  if (vq_used (tx, &used_len, 100000000) < 0)
    fail ("vsock tx not returned");
}

/* Waits for the next packet; its payload stays in the rx slot until the
 * slot is posted again by vs_recycle. */
static struct vsock_hdr *
vs_recv (int *slot)
{
  uint32_t len;

  *slot = vq_used (&vsq[0], &len, 2000000000UL);
  if (*slot < 0)
    fail ("no vsock packet from the host");
  if (len < sizeof (struct vsock_hdr))
    fail ("short vsock packet");
  return (struct vsock_hdr *) vsq[0].bufs[*slot];
}

static void
vs_recycle (int slot)
{
  vq_post (&vsd, &vsq[0], (unsigned) slot, BUF_SIZE, 1);
}

/* Waits for a connection to port 1024, refusing any other port. */
static uint32_t
accept_1024 (void)
{
  for (;;)
    {
      int slot;
      struct vsock_hdr *h = vs_recv (&slot);
      uint32_t src = h->src_port, dst = h->dst_port;
      int request = h->op == OP_REQUEST && h->dst_cid == my_cid && h->src_cid == 2;

      vs_recycle (slot);
      if (!request)
        fail ("expected a REQUEST");
      if (dst == 1024)
        return src;
      vs_send (dst, src, OP_RST, 0, 0, 0);
    }
}

static void
serve_one (void)
{
  uint32_t host_port = accept_1024 ();
  struct vsock_hdr *h;
  int slot;

  fwd_cnt = 0;
  vs_send (1024, host_port, OP_RESPONSE, 0, 0, 0);
  puts_ ("sie-test-guest: vsock accepted\n");
  for (;;)
    {
      h = vs_recv (&slot);
      if (h->op == OP_RW)
        {
          uint8_t copy[BUF_SIZE];
          uint32_t len = h->len;
          memcpy (copy, (uint8_t *) h + sizeof (*h), len);
          fwd_cnt += len;
          vs_recycle (slot);
          vs_send (1024, host_port, OP_RW, 0, copy, len);
          continue;
        }
      uint16_t op = h->op;
      vs_recycle (slot);
      if (op == OP_SHUTDOWN)
        {
          vs_send (1024, host_port, OP_RST, 0, 0, 0);
          return;
        }
      if (op == OP_RST)
        return;
    }
}

static void
connect_out (void)
{
  static const char line[] = "hello from the guest\n";
  int slot;
  struct vsock_hdr *h;

  fwd_cnt = 0;
  vs_send (7000, 5000, OP_REQUEST, 0, 0, 0);
  h = vs_recv (&slot);
  if (h->op != OP_RESPONSE)
    fail ("host port 5000 refused the connection");
  vs_recycle (slot);
  vs_send (7000, 5000, OP_RW, 0, line, sizeof (line) - 1);
  h = vs_recv (&slot);
  if (h->op != OP_RW)
    fail ("no answer from host port 5000");
  puts_ ("sie-test-guest: host said: ");
  for (uint32_t i = 0; i < h->len; i++)
    putc_ (((char *) h)[sizeof (*h) + i]);
  vs_recycle (slot);
  vs_send (7000, 5000, OP_SHUTDOWN, 3, 0, 0);
  h = vs_recv (&slot);
  if (h->op != OP_RST)
    fail ("no RST after SHUTDOWN");
  vs_recycle (slot);
  puts_ ("sie-test-guest: vsock closed\n");
}

static void
test_vsock (const char *cmdline, unsigned connections)
{
  if (!find_device (cmdline, 19, &vsd))
    fail ("no virtio-vsock device");
  my_cid = *(volatile uint32_t *) ((volatile uint8_t *) vsd.regs + 0x100);
  device_init (&vsd, vsq, 3);
  for (unsigned i = 0; i < QSIZE; i++)
    vs_recycle ((int) i);
  puts_ ("sie-test-guest: vsock cid=");
  putu (my_cid);
  puts_ ("\n");
  while (connections--)
    serve_one ();
  connect_out ();
}

/* ---- entry ---- */

static __attribute__ ((noreturn)) void
triple_fault (void)
{
  static const struct
  {
    uint16_t limit;
    uint64_t base;
  } __attribute__ ((packed)) empty = { 0, 0 };
  /* No IDT, then a page fault (nothing is mapped above 4 GiB): the
   * fault cannot be delivered, nor the double fault after it. */
  __asm__ volatile ("lidt %0" : : "m"(empty));
  for (;;)
    (void) *(volatile uint64_t *) 0x7f0000000000ULL;
}

static void
run (const uint8_t *zp)
{
  const char *cmdline = zp_cmdline (zp);
  const char *test = cmdline_arg (cmdline, "sie.test=");

  puts_ ("sie-test-guest: ready cpus=");
  putu (mp_cpus ());
  puts_ (" ram_mib=");
  putu ((e820_ram (zp) + (1 << 19)) >> 20);
  puts_ ("\n");
  if (test == 0 || starts_with (test, "hello"))
    return;
  if (starts_with (test, "exit:"))
    {
      const char *p = test + 5;
      power_off ((uint8_t) parse_num (&p));
    }
  if (starts_with (test, "reset"))
    outb (0x64, 0xfe);
  if (starts_with (test, "crash"))
    triple_fault ();
  if (starts_with (test, "hang"))
    for (;;)
      __asm__ volatile ("pause");
  if (starts_with (test, "smp"))
    test_smp (mp_cpus ());
  if (starts_with (test, "rng"))
    test_rng (cmdline);
  if (starts_with (test, "badring"))
    test_bad_ring (cmdline);
  if (starts_with (test, "vsock"))
    {
      const char *p = test + 5;
      unsigned n = 1;
      if (*p == ':')
        {
          p++;
          n = (unsigned) parse_num (&p);
        }
      test_vsock (cmdline, n);
    }
}

void __attribute__ ((used)) guest_main (const uint8_t *zp)
{
  if (*(const uint16_t *) (zp + 0x1fe) != 0xaa55)
    fail ("no boot_flag in the zero page");
  run (zp);
  puts_ ("sie-test-guest: done\n");
  power_off (0);
}

/* The boot protocol hands over the zero page in %rsi. */
__asm__ (".globl _start\n"
         "_start:\n"
         "  mov %rsi, %rdi\n"
         "  call guest_main\n"
         "1: hlt\n"
         "  jmp 1b\n");
