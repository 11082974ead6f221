/* The Intel MultiProcessor Specification 1.4 table, at the end of base
 * memory, which is how a kernel without ACPI finds its CPUs, the IOAPIC and
 * the routing of the ISA interrupts. */
#ifndef SIE_VMM_MPTABLE_H
#define SIE_VMM_MPTABLE_H

#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"

/* The largest vCPU count whose table fits the reserved KiB. */
#define SIE_MPTABLE_MAX_CPUS 32

int sie_mptable_write (const struct sie_guest_mem *gm, unsigned ncpus, sie_error_t *err);

#endif
