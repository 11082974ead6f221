/* What the guest kernel finds in memory at its first instruction, per the
 * Linux/x86 64-bit boot protocol (Documentation/arch/x86/boot.rst): the
 * kernel (a bzImage, or an uncompressed vmlinux ELF, which skips the
 * decompressor), the initramfs, the command line, and the zero page
 * (struct boot_params) with the e820 memory map. */
#ifndef SIE_VMM_BOOT_H
#define SIE_VMM_BOOT_H

#include <stdint.h>

#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"

struct sie_boot_image
{
  uint64_t entry;      /* 64-bit entry point (guest physical) */
  uint64_t kernel_end; /* first byte after what the kernel may use while starting */
  uint64_t initrd_gpa, initrd_size;
};

/* Loads the kernel and initramfs (initrd_fd < 0: none), writes the command
 * line and the zero page.  Every size read from the image is checked
 * against guest RAM; a kernel that does not fit is an error. */
int sie_boot_load (const struct sie_guest_mem *gm, int kernel_fd, int initrd_fd, const char *cmdline,
                   struct sie_boot_image *img, sie_error_t *err);

#endif
