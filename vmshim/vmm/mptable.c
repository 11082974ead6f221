#include "vmshim/vmm/mptable.h"

#include <stdint.h>
#include <string.h>

#include "vmshim/vmm/layout.h"

#define MP_SPEC_REV 4
#define APIC_VERSION 0x14
#define IOAPIC_VERSION 0x11

enum
{
  MP_PROCESSOR = 0,
  MP_BUS = 1,
  MP_IOAPIC = 2,
  MP_INTSRC = 3,
  MP_LINTSRC = 4,
};

enum
{
  MP_INT = 0,
  MP_NMI = 1,
  MP_EXTINT = 3,
};

#define CPU_ENABLED 1
#define CPU_BOOTPROCESSOR 2
/* Family 6 as the signature; FPU and APIC present in the feature flags. */
#define CPU_SIGNATURE 0x600
#define CPU_FEATURES 0x201

struct mp_floating
{
  char signature[4];
  uint32_t physptr;
  uint8_t length; /* in 16-byte units */
  uint8_t specrev;
  uint8_t checksum;
  uint8_t feature[5];
} __attribute__ ((packed));

struct mp_header
{
  char signature[4];
  uint16_t length;
  uint8_t specrev;
  uint8_t checksum;
  char oem[8];
  char product[12];
  uint32_t oem_ptr;
  uint16_t oem_size;
  uint16_t count;
  uint32_t lapic;
  uint16_t ext_length;
  uint8_t ext_checksum;
  uint8_t reserved;
} __attribute__ ((packed));

struct mp_cpu
{
  uint8_t type;
  uint8_t apic_id;
  uint8_t apic_version;
  uint8_t flags;
  uint32_t signature;
  uint32_t features;
  uint32_t reserved[2];
} __attribute__ ((packed));

struct mp_bus
{
  uint8_t type;
  uint8_t bus_id;
  char bus_type[6];
} __attribute__ ((packed));

struct mp_ioapic
{
  uint8_t type;
  uint8_t apic_id;
  uint8_t version;
  uint8_t flags;
  uint32_t address;
} __attribute__ ((packed));

struct mp_irq
{
  uint8_t type;
  uint8_t irq_type;
  uint16_t flags; /* 0: polarity and trigger conform to the bus */
  uint8_t src_bus;
  uint8_t src_irq;
  uint8_t dst_apic;
  uint8_t dst_pin;
} __attribute__ ((packed));

_Static_assert (sizeof (struct mp_floating) == 16, "MP floating pointer");
_Static_assert (sizeof (struct mp_header) == 44, "MP configuration table header");
_Static_assert (sizeof (struct mp_cpu) == 20, "MP processor entry");
_Static_assert (sizeof (struct mp_irq) == 8, "MP interrupt entry");

static uint8_t
checksum (const void *p, size_t len)
{
  uint8_t sum = 0;
  for (size_t i = 0; i < len; i++)
    sum += ((const uint8_t *) p)[i];
  return (uint8_t) -sum;
}

/* Appends an entry to the table being built. */
struct table
{
  uint8_t buf[SIE_GPA_BASE_MEM_END - SIE_GPA_MPTABLE];
  size_t len;
  uint16_t count;
};

static void
append (struct table *t, const void *entry, size_t len)
{
  memcpy (t->buf + t->len, entry, len);
  t->len += len;
  t->count++;
}

static void
add_entries (struct table *t, unsigned ncpus)
{
  uint8_t ioapic_id = ncpus; /* after the CPUs' APIC IDs */

  for (unsigned i = 0; i < ncpus; i++)
    {
      struct mp_cpu cpu = {
        .type = MP_PROCESSOR,
        .apic_id = i,
        .apic_version = APIC_VERSION,
        .flags = CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0),
        .signature = CPU_SIGNATURE,
        .features = CPU_FEATURES,
      };
      append (t, &cpu, sizeof (cpu));
    }
  struct mp_bus bus = { .type = MP_BUS, .bus_id = 0, .bus_type = "ISA   " };
  append (t, &bus, sizeof (bus));
  struct mp_ioapic ioapic = {
    .type = MP_IOAPIC, .apic_id = ioapic_id, .version = IOAPIC_VERSION, .flags = 1,
    .address = SIE_GPA_IOAPIC,
  };
  append (t, &ioapic, sizeof (ioapic));
  /* ISA IRQ n on IOAPIC pin n, as KVM's default GSI routing has it. */
  for (unsigned pin = 0; pin < 16; pin++)
    {
      struct mp_irq irq = { MP_INTSRC, MP_INT, 0, 0, pin, ioapic_id, pin };
      append (t, &irq, sizeof (irq));
    }
  /* The PIC behind LINT0, NMIs on LINT1, for every local APIC. */
  struct mp_irq lint0 = { MP_LINTSRC, MP_EXTINT, 0, 0, 0, 0xff, 0 };
  struct mp_irq lint1 = { MP_LINTSRC, MP_NMI, 0, 0, 0, 0xff, 1 };
  append (t, &lint0, sizeof (lint0));
  append (t, &lint1, sizeof (lint1));
}

int
sie_mptable_write (const struct sie_guest_mem *gm, unsigned ncpus, sie_error_t *err)
{
  struct table t;
  struct mp_floating *fp = (struct mp_floating *) t.buf;
  struct mp_header *h = (struct mp_header *) (t.buf + sizeof (*fp));

  if (ncpus == 0 || ncpus > SIE_MPTABLE_MAX_CPUS)
    return sie_error (err, 0, "%u vCPUs: the MP table holds 1 to %u", ncpus, SIE_MPTABLE_MAX_CPUS);
  memset (&t, 0, sizeof (t));
  t.len = sizeof (*fp) + sizeof (*h);
  add_entries (&t, ncpus);

  memcpy (h->signature, "PCMP", 4);
  h->length = t.len - sizeof (*fp);
  h->specrev = MP_SPEC_REV;
  memcpy (h->oem, "SIE     ", 8);
  memcpy (h->product, "SIE-VMM     ", 12);
  h->count = t.count;
  h->lapic = SIE_GPA_LAPIC;
  h->checksum = checksum (h, h->length);

  memcpy (fp->signature, "_MP_", 4);
  fp->physptr = SIE_GPA_MPTABLE + sizeof (*fp);
  fp->length = 1;
  fp->specrev = MP_SPEC_REV;
  fp->checksum = checksum (fp, sizeof (*fp));

  if (sie_gm_write (gm, SIE_GPA_MPTABLE, t.buf, t.len) < 0)
    return sie_error (err, 0, "guest memory too small for the MP table");
  return 0;
}
