/* One micro-VM: its KVM objects, buses, devices, vCPU threads and event
 * loop, and how it stops.  The first stop request wins: it records the
 * exit status and reason, wakes the event loop and kicks every vCPU out of
 * KVM_RUN. */
#ifndef SIE_VMM_VM_H
#define SIE_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "vmshim/vmm/bus.h"
#include "vmshim/vmm/event.h"
#include "vmshim/vmm/kvm.h"
#include "vmshim/vmm/layout.h"

/* Exit statuses of sie-vmm besides the guest's own (power.h). */
#define SIE_VMM_EXIT_ERROR 1       /* the VMM failed: setup, a device, KVM */
#define SIE_VMM_EXIT_GUEST_RESET 2 /* the guest crashed, panicked or rebooted */

struct sie_vm_config
{
  const char *kernel;
  const char *initrd;     /* may be NULL */
  const char *cmdline;    /* the VMM appends its device list */
  const char *serial_out; /* NULL: stdout */
  bool serial_in;         /* stdin feeds the guest console */
  unsigned cpus;
  uint64_t mem_mib;
  bool rng;
  const char *vsock_uds; /* host socket of the hybrid vsock; NULL: no vsock */
  uint32_t vsock_cid;
  bool seccomp;
  bool seccomp_selftest; /* vCPU 0 makes a forbidden syscall */
  /* Called once the VM holds every fd it needs and before guest code
   * runs (jail.c); it may move the vsock socket's directory, and then
   * writes the socket's new path to vsock_path. */
  int (*confine) (void *arg, char *vsock_path, size_t size, sie_error_t *err);
  void *confine_arg;
};

struct sie_vcpu;
struct sie_serial;
struct sie_rtc;
struct sie_virtio_slot;
struct sie_vsock;

struct sie_vm
{
  const struct sie_vm_config *cfg;
  struct sie_kvm kvm;
  struct sie_bus pio, mmio;
  struct sie_evloop loop;
  unsigned ncpus;
  struct sie_vcpu *vcpus;
  struct sie_serial *serial;
  struct sie_rtc *rtc;
  unsigned n_virtio;
  struct sie_virtio_slot *virtio[SIE_VIRTIO_MAX_DEVICES];
  struct sie_vsock *vsock;
  struct sie_ev stop_ev, signal_ev, stdin_ev;

  /* vCPU threads wait here until the seccomp filter is in place. */
  pthread_mutex_t gate_lock;
  pthread_cond_t gate_cond;
  bool gate_open;

  int stop_claimed;
  bool stopping;
  int exit_status;
  char exit_reason[256];
  int stop_fd;   /* eventfd that wakes the event loop */
  int signal_fd; /* SIGTERM, SIGINT, SIGHUP */
};

/* Requests the VM to stop with `status`; only the first request counts. */
void sie_vm_stop (struct sie_vm *vm, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

bool sie_vm_stopping (const struct sie_vm *vm);

/* Blocks a vCPU thread until the VM lets guest code run. */
void sie_vm_wait_gate (struct sie_vm *vm);

/* Builds the VM, boots it and serves it until it stops; returns the exit
 * status (also on setup errors, with *err set). */
int sie_vm_run (const struct sie_vm_config *cfg, sie_error_t *err);

#endif
