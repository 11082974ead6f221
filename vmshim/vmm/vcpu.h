/* vCPUs: one thread each, looping on KVM_RUN and dispatching port I/O and
 * MMIO exits to the buses.  A triple fault, a KVM system event, an entry
 * failure or an internal error stops the VM with an error status. */
#ifndef SIE_VMM_VCPU_H
#define SIE_VMM_VCPU_H

#include <pthread.h>
#include <stdbool.h>

#include "util/error.h"

struct sie_vm;
struct kvm_run;
struct kvm_cpuid2;

struct sie_vcpu
{
  struct sie_vm *vm;
  unsigned id;
  int fd;
  struct kvm_run *run;
  pthread_t thread;
  bool started;
  bool seccomp_selftest;
};

/* The signal that kicks a vCPU thread out of KVM_RUN. */
#define SIE_VCPU_KICK_SIGNAL SIGUSR1

/* Installs the kick handler; once per process, before any vCPU starts. */
int sie_vcpu_init_signals (sie_error_t *err);

/* Creates vCPU `id` with its CPUID, MSRs and local APIC LINT pins set;
 * the boot vCPU's registers are bootcpu.c's business. */
int sie_vcpu_create (struct sie_vm *vm, unsigned id, const struct kvm_cpuid2 *cpuid,
                     struct sie_vcpu *v, sie_error_t *err);

int sie_vcpu_start (struct sie_vcpu *v, sie_error_t *err);
void sie_vcpu_kick (struct sie_vcpu *v);
void sie_vcpu_join (struct sie_vcpu *v);
void sie_vcpu_destroy (struct sie_vcpu *v);

#endif
