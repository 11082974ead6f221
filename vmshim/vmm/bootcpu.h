/* The boot vCPU's state at the kernel's 64-bit entry: long mode with
 * paging on, a flat GDT with the boot protocol's __BOOT_CS/__BOOT_DS,
 * identity-mapped page tables for the first GiB, %rsi at the zero page,
 * interrupts off. */
#ifndef SIE_VMM_BOOTCPU_H
#define SIE_VMM_BOOTCPU_H

#include <stdint.h>

#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"

int sie_bootcpu_setup (int vcpu_fd, const struct sie_guest_mem *gm, uint64_t entry, sie_error_t *err);

#endif
