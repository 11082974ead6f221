/* The KVM virtual machine: /dev/kvm, the VM fd, guest RAM and the
 * in-kernel interrupt controllers and PIT.  Everything that talks to KVM
 * about the VM as a whole (not a vCPU) is here. */
#ifndef SIE_VMM_KVM_H
#define SIE_VMM_KVM_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "vmshim/vmm/guest_mem.h"

struct kvm_cpuid2;

struct sie_kvm
{
  int kvm_fd;
  int vm_fd;
  size_t run_size; /* mmap size of a vCPU's struct kvm_run */
  uint8_t *ram;
  size_t ram_size;
  struct sie_guest_mem gm;
};

/* Opens /dev/kvm and checks the API version and every capability the VMM
 * relies on, naming the first one missing. */
int sie_kvm_open (struct sie_kvm *k, sie_error_t *err);

/* Creates the VM with mem_mib MiB of RAM (mmap'd MAP_NORESERVE and
 * MADV_MERGEABLE, split around the MMIO hole), the in-kernel PIC, IOAPIC,
 * LAPICs and PIT, and the TSS and identity-map pages KVM needs. */
int sie_kvm_create_vm (struct sie_kvm *k, uint64_t mem_mib, sie_error_t *err);

/* What KVM can expose through CPUID on this host; the caller frees it. */
struct kvm_cpuid2 *sie_kvm_supported_cpuid (struct sie_kvm *k, sie_error_t *err);

/* fd signalled -> interrupt on gsi, without a trip through user space. */
int sie_kvm_irqfd (struct sie_kvm *k, int fd, unsigned gsi, sie_error_t *err);

/* A guest write of `value` (len bytes) to MMIO `addr` signals fd without
 * leaving the guest for the VMM's vCPU thread. */
int sie_kvm_ioeventfd (struct sie_kvm *k, int fd, uint64_t addr, unsigned len, uint64_t value,
                       sie_error_t *err);

void sie_kvm_close (struct sie_kvm *k);

#endif
