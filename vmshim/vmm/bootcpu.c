#include "vmshim/vmm/bootcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmshim/vmm/layout.h"

#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define PTE_PRESENT (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)

/* GDT slots: the boot protocol wants CS = 0x10 and DS = 0x18. */
enum
{
  GDT_NULL,
  GDT_UNUSED,
  GDT_CODE,
  GDT_DATA,
  GDT_TSS,
  GDT_ENTRIES
};

/* A segment descriptor from its parts (Intel SDM vol. 3, 3.4.5): `flags`
 * holds the access byte in bits 0-7 and G/DB/L/AVL in bits 12-15. */
static uint64_t
gdt_entry (uint16_t flags, uint32_t base, uint32_t limit)
{
  return ((uint64_t) (base & 0xff000000) << 32) | ((uint64_t) (flags & 0xf0ff) << 40)
         | ((uint64_t) (limit & 0x000f0000) << 32) | ((uint64_t) (base & 0x00ffffff) << 16)
         | (uint64_t) (limit & 0x0000ffff);
}

/* The same descriptor as KVM wants it in the segment registers. */
static struct kvm_segment
kvm_segment_of (uint64_t d, unsigned index)
{
  uint32_t limit = (uint32_t) ((d & 0xffff) | ((d >> 32) & 0xf0000));
  bool g = (d >> 55) & 1;

  return (struct kvm_segment) {
    .base = (uint32_t) (((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000)),
    .limit = g ? (limit << 12) | 0xfff : limit,
    .selector = index * 8,
    .type = (d >> 40) & 0xf,
    .present = (d >> 47) & 1,
    .dpl = (d >> 45) & 3,
    .db = (d >> 54) & 1,
    .s = (d >> 44) & 1,
    .l = (d >> 53) & 1,
    .g = g,
  };
}

static int
write_gdt (const struct sie_guest_mem *gm, struct kvm_sregs *sregs, sie_error_t *err)
{
  uint64_t gdt[GDT_ENTRIES] = {
    [GDT_CODE] = gdt_entry (0xa09b, 0, 0xfffff), /* 64-bit code, execute/read */
    [GDT_DATA] = gdt_entry (0xc093, 0, 0xfffff), /* 32-bit data, read/write */
    [GDT_TSS] = gdt_entry (0x808b, 0, 0xfffff),  /* busy 32-bit TSS */
  };
  struct kvm_segment data = kvm_segment_of (gdt[GDT_DATA], GDT_DATA);
  uint64_t idt = 0;

  if (sie_gm_write (gm, SIE_GPA_GDT, gdt, sizeof (gdt)) < 0
      || sie_gm_write (gm, SIE_GPA_IDT, &idt, sizeof (idt)) < 0)
    return sie_error (err, 0, "guest memory too small for the GDT");
  sregs->gdt.base = SIE_GPA_GDT;
  sregs->gdt.limit = sizeof (gdt) - 1;
  sregs->idt.base = SIE_GPA_IDT;
  sregs->idt.limit = sizeof (idt) - 1;
  sregs->cs = kvm_segment_of (gdt[GDT_CODE], GDT_CODE);
  sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
  sregs->tr = kvm_segment_of (gdt[GDT_TSS], GDT_TSS);
  return 0;
}

/* PML4 -> one PDPT -> four PDs of 2 MiB pages: the first 4 GiB, identity
 * mapped, the MMIO hole uncached.  A kernel builds its own tables early;
 * a small guest can use these as they are, devices included. */
static int
write_page_tables (const struct sie_guest_mem *gm, struct kvm_sregs *sregs, sie_error_t *err)
{
  uint64_t pml4 = SIE_GPA_PDPT | PTE_PRESENT | PTE_RW;
  uint64_t pdpt[4];
  uint64_t *pd = sie_gm_ptr (gm, SIE_GPA_PD, 4 * 4096);

  for (uint64_t i = 0; i < 4; i++)
    pdpt[i] = (SIE_GPA_PD + i * 4096) | PTE_PRESENT | PTE_RW;
  if (pd == NULL || sie_gm_write (gm, SIE_GPA_PML4, &pml4, sizeof (pml4)) < 0
      || sie_gm_write (gm, SIE_GPA_PDPT, pdpt, sizeof (pdpt)) < 0)
    return sie_error (err, 0, "guest memory too small for the boot page tables");
  for (uint64_t i = 0; i < 4 * 512; i++)
    {
      uint64_t addr = i << 21;
      pd[i] = addr | PTE_PRESENT | PTE_RW | PTE_PS
              | (addr >= SIE_GPA_MMIO_HOLE ? PTE_PWT | PTE_PCD : 0);
    }

  sregs->cr3 = SIE_GPA_PML4;
  sregs->cr4 |= CR4_PAE;
  /* The reset value has caching disabled (CD, NW): the kernel would crawl. */
  sregs->cr0 = (sregs->cr0 & ~(CR0_CD | CR0_NW)) | CR0_PE | CR0_ET | CR0_PG;
  sregs->efer |= EFER_LME | EFER_LMA;
  return 0;
}

static int
set_sregs (int fd, const struct sie_guest_mem *gm, sie_error_t *err)
{
  struct kvm_sregs sregs;

  if (ioctl (fd, KVM_GET_SREGS, &sregs) < 0)
    return sie_error (err, errno, "KVM_GET_SREGS");
  if (write_gdt (gm, &sregs, err) < 0 || write_page_tables (gm, &sregs, err) < 0)
    return -1;
  if (ioctl (fd, KVM_SET_SREGS, &sregs) < 0)
    return sie_error (err, errno, "KVM_SET_SREGS");
  return 0;
}

static int
set_regs (int fd, uint64_t entry, sie_error_t *err)
{
  struct kvm_regs regs = {
    .rflags = 0x2, /* bit 1 is always set; IF is clear */
    .rip = entry,
    .rsp = SIE_GPA_BOOT_STACK,
    .rbp = SIE_GPA_BOOT_STACK,
    .rsi = SIE_GPA_ZERO_PAGE,
  };

  if (ioctl (fd, KVM_SET_REGS, &regs) < 0)
    return sie_error (err, errno, "KVM_SET_REGS");
  return 0;
}

/* x87 and SSE control words at their power-on values. */
static int
set_fpu (int fd, sie_error_t *err)
{
  struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

  if (ioctl (fd, KVM_SET_FPU, &fpu) < 0)
    return sie_error (err, errno, "KVM_SET_FPU");
  return 0;
}

int
sie_bootcpu_setup (int vcpu_fd, const struct sie_guest_mem *gm, uint64_t entry, sie_error_t *err)
{
  if (set_sregs (vcpu_fd, gm, err) < 0 || set_regs (vcpu_fd, entry, err) < 0
      || set_fpu (vcpu_fd, err) < 0)
    return -1;
  return 0;
}
