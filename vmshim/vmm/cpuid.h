/* The CPUID a vCPU reports: what KVM supports on this host, with the
 * topology rewritten so that vCPU i is core i (APIC ID i) of one socket of
 * n single-thread cores, and the hypervisor bit set. */
#ifndef SIE_VMM_CPUID_H
#define SIE_VMM_CPUID_H

#include "util/error.h"

struct kvm_cpuid2;

/* Fills a per-vCPU copy of `supported` and hands it to the vCPU. */
int sie_cpuid_apply (int vcpu_fd, const struct kvm_cpuid2 *supported, unsigned cpu, unsigned ncpus,
                     sie_error_t *err);

#endif
