/* The guest's physical address map, shared by the loader, the MP table and
 * the device setup.  Everything the VMM places in low memory sits below the
 * kernel's traditional 1 MiB load address; devices live in a hole below
 * 4 GiB that guest RAM never covers. */
#ifndef SIE_VMM_LAYOUT_H
#define SIE_VMM_LAYOUT_H

#define SIE_GPA_GDT 0x500ULL
#define SIE_GPA_IDT 0x520ULL
#define SIE_GPA_ZERO_PAGE 0x7000ULL
#define SIE_GPA_BOOT_STACK 0x8ff0ULL
#define SIE_GPA_PML4 0x9000ULL
#define SIE_GPA_PDPT 0xa000ULL
#define SIE_GPA_PD 0xb000ULL /* four pages, to 0xf000 */
#define SIE_GPA_CMDLINE 0x20000ULL
#define SIE_CMDLINE_MAX 4096

/* The kernel scans the last KiB of base memory for the MP floating
 * pointer; e820 marks that KiB reserved. */
#define SIE_GPA_MPTABLE 0x9fc00ULL
#define SIE_GPA_BASE_MEM_END 0xa0000ULL
#define SIE_GPA_HIMEM 0x100000ULL

/* RAM stops at the MMIO hole and resumes at 4 GiB. */
#define SIE_GPA_MMIO_HOLE 0xd0000000ULL
#define SIE_GPA_4G 0x100000000ULL

/* virtio-mmio windows, one 4 KiB page each, from the start of the hole. */
#define SIE_GPA_VIRTIO_BASE SIE_GPA_MMIO_HOLE
#define SIE_VIRTIO_MMIO_SIZE 0x1000ULL
#define SIE_VIRTIO_MAX_DEVICES 16

/* KVM needs three pages for the real-mode TSS and one for the EPT identity
 * map, in guest physical space not used by RAM or devices. */
#define SIE_GPA_IDENTITY_MAP 0xfeffc000ULL
#define SIE_GPA_TSS 0xfeffd000ULL

#define SIE_GPA_IOAPIC 0xfec00000ULL
#define SIE_GPA_LAPIC 0xfee00000ULL
#define SIE_IOAPIC_PINS 24

/* ISA IRQs: 4 is COM1's; the virtio devices take 5 and up. */
#define SIE_IRQ_SERIAL 4
#define SIE_IRQ_VIRTIO_FIRST 5

/* Legacy I/O ports the VMM answers. */
#define SIE_PORT_COM1 0x3f8
#define SIE_PORT_RTC 0x70
#define SIE_PORT_I8042_DATA 0x60
#define SIE_PORT_I8042_CMD 0x64
/* A byte written here powers the guest off; the VMM exits with that byte as
 * its status (see power.h). */
#define SIE_PORT_POWEROFF 0x501

#endif
