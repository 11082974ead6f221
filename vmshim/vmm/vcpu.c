#include "vmshim/vmm/vcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmshim/vmm/cpuid.h"
#include "vmshim/vmm/vm.h"

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define MISC_ENABLE_FAST_STRING 1ULL
#define MTRR_ENABLE (1ULL << 11)
#define MTRR_TYPE_WRBACK 6ULL

#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_MODE_MASK 0x700
#define APIC_MODE_NMI 0x400
#define APIC_MODE_EXTINT 0x700

/* The running vCPU's kvm_run, for the kick handler. */
static __thread struct kvm_run *current_run;

static void
kick_handler (int sig)
{
  /* KVM_RUN returns EINTR at once, even if the signal came just before
   * the thread entered it. */
  if (current_run)
    current_run->immediate_exit = 1;
}

int
sie_vcpu_init_signals (sie_error_t *err)
{
  struct sigaction sa = { .sa_handler = kick_handler };

  sigemptyset (&sa.sa_mask);
  if (sigaction (SIE_VCPU_KICK_SIGNAL, &sa, NULL) < 0)
    return sie_error (err, errno, "install the vCPU kick handler");
  return 0;
}

static int
set_msrs (struct sie_vcpu *v, sie_error_t *err)
{
  static const struct
  {
    uint32_t index;
    uint64_t value;
  } boot_msrs[] = {
    { MSR_IA32_SYSENTER_CS, 0 },
    { MSR_IA32_SYSENTER_ESP, 0 },
    { MSR_IA32_SYSENTER_EIP, 0 },
    { MSR_STAR, 0 },
    { MSR_CSTAR, 0 },
    { MSR_KERNEL_GS_BASE, 0 },
    { MSR_SYSCALL_MASK, 0 },
    { MSR_LSTAR, 0 },
    { MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
    /* Memory is write-back unless the kernel says otherwise. */
    { MSR_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WRBACK },
  };
  enum
  {
    N = sizeof (boot_msrs) / sizeof (boot_msrs[0])
  };
  uint64_t buf[(sizeof (struct kvm_msrs) + N * sizeof (struct kvm_msr_entry)) / sizeof (uint64_t)];
  struct kvm_msrs *msrs = (struct kvm_msrs *) buf;
  int n;

  memset (buf, 0, sizeof (buf));
  msrs->nmsrs = N;
  for (unsigned i = 0; i < N; i++)
    {
      msrs->entries[i].index = boot_msrs[i].index;
      msrs->entries[i].data = boot_msrs[i].value;
    }
  n = ioctl (v->fd, KVM_SET_MSRS, msrs);
  if (n < 0)
    return sie_error (err, errno, "KVM_SET_MSRS for vCPU %u", v->id);
  if ((unsigned) n != N)
    return sie_error (err, 0, "KVM_SET_MSRS for vCPU %u: MSR 0x%x refused", v->id,
                      boot_msrs[n].index);
  return 0;
}

static void
set_lvt_mode (struct kvm_lapic_state *lapic, unsigned reg, uint32_t mode)
{
  uint32_t v;

  memcpy (&v, lapic->regs + reg, sizeof (v));
  v = (v & ~APIC_MODE_MASK) | mode;
  memcpy (lapic->regs + reg, &v, sizeof (v));
}

/* LINT0 takes the PIC's interrupts (ExtINT), LINT1 NMIs, as the MP table
 * says. */
static int
set_lapic (struct sie_vcpu *v, sie_error_t *err)
{
  struct kvm_lapic_state lapic;

  if (ioctl (v->fd, KVM_GET_LAPIC, &lapic) < 0)
    return sie_error (err, errno, "KVM_GET_LAPIC for vCPU %u", v->id);
  set_lvt_mode (&lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
  set_lvt_mode (&lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
  if (ioctl (v->fd, KVM_SET_LAPIC, &lapic) < 0)
    return sie_error (err, errno, "KVM_SET_LAPIC for vCPU %u", v->id);
  return 0;
}

int
sie_vcpu_create (struct sie_vm *vm, unsigned id, const struct kvm_cpuid2 *cpuid,
                 struct sie_vcpu *v, sie_error_t *err)
{
  void *run;

  memset (v, 0, sizeof (*v));
  v->fd = -1;
  v->vm = vm;
  v->id = id;
  v->fd = ioctl (vm->kvm.vm_fd, KVM_CREATE_VCPU, (unsigned long) id);
  if (v->fd < 0)
    return sie_error (err, errno, "KVM_CREATE_VCPU %u", id);
  run = mmap (NULL, vm->kvm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
  if (run == MAP_FAILED)
    return sie_error (err, errno, "mmap the kvm_run of vCPU %u", id);
  v->run = run;
  if (sie_cpuid_apply (v->fd, cpuid, id, vm->ncpus, err) < 0 || set_msrs (v, err) < 0
      || set_lapic (v, err) < 0)
    return -1;
  return 0;
}

static void
handle_io (struct sie_vcpu *v)
{
  struct kvm_run *run = v->run;
  uint64_t size = run->io.size, count = run->io.count;
  uint8_t *data = (uint8_t *) run + run->io.data_offset;

  if (run->io.data_offset > v->vm->kvm.run_size || size * count > v->vm->kvm.run_size - run->io.data_offset)
    {
      sie_vm_stop (v->vm, SIE_VMM_EXIT_ERROR, "vCPU %u: port I/O exit with a bad data area", v->id);
      return;
    }
  for (uint64_t i = 0; i < count; i++)
    sie_bus_access (&v->vm->pio, run->io.port, data + i * size, size,
                    run->io.direction == KVM_EXIT_IO_OUT);
}

/* Where the guest was, for the message of an exit that ends it. */
static unsigned long long
guest_rip (struct sie_vcpu *v)
{
  struct kvm_regs regs;

  if (ioctl (v->fd, KVM_GET_REGS, &regs) < 0)
    return 0;
  return regs.rip;
}

static void
handle_system_event (struct sie_vcpu *v)
{
  static const char *const names[] = {
    [KVM_SYSTEM_EVENT_SHUTDOWN] = "shutdown",
    [KVM_SYSTEM_EVENT_RESET] = "reset",
    [KVM_SYSTEM_EVENT_CRASH] = "crash",
  };
  unsigned type = v->run->system_event.type;
  const char *name = type < sizeof (names) / sizeof (names[0]) && names[type] ? names[type] : "other";

  sie_vm_stop (v->vm, SIE_VMM_EXIT_GUEST_RESET, "vCPU %u: system event %u (%s)", v->id, type, name);
}

static void
handle_exit (struct sie_vcpu *v)
{
  struct kvm_run *run = v->run;

  switch (run->exit_reason)
    {
    case KVM_EXIT_IO:
      handle_io (v);
      break;
    case KVM_EXIT_MMIO:
      sie_bus_access (&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
                      run->mmio.is_write);
      break;
    case KVM_EXIT_INTR:
      break;
    case KVM_EXIT_SHUTDOWN:
      sie_vm_stop (v->vm, SIE_VMM_EXIT_GUEST_RESET,
                   "vCPU %u: triple fault at rip 0x%llx (the guest reset itself)", v->id,
                   guest_rip (v));
      break;
    case KVM_EXIT_SYSTEM_EVENT:
      handle_system_event (v);
      break;
    case KVM_EXIT_HLT:
      sie_vm_stop (v->vm, SIE_VMM_EXIT_GUEST_RESET, "vCPU %u: halted", v->id);
      break;
    case KVM_EXIT_FAIL_ENTRY:
      sie_vm_stop (v->vm, SIE_VMM_EXIT_ERROR, "vCPU %u: VM entry failed (reason 0x%llx) at rip 0x%llx",
                   v->id, (unsigned long long) run->fail_entry.hardware_entry_failure_reason,
                   guest_rip (v));
      break;
    case KVM_EXIT_INTERNAL_ERROR:
      /* Suberror 1 is an instruction KVM could not emulate. */
      sie_vm_stop (v->vm, SIE_VMM_EXIT_ERROR, "vCPU %u: KVM internal error %u at rip 0x%llx", v->id,
                   run->internal.suberror, guest_rip (v));
      break;
    default:
      sie_vm_stop (v->vm, SIE_VMM_EXIT_ERROR, "vCPU %u: unexpected exit %u", v->id,
                   run->exit_reason);
      break;
    }
}

static void *
vcpu_thread (void *arg)
{
  struct sie_vcpu *v = arg;
  sigset_t kick;

  current_run = v->run;
  sigemptyset (&kick);
  sigaddset (&kick, SIE_VCPU_KICK_SIGNAL);
  pthread_sigmask (SIG_UNBLOCK, &kick, NULL);

  sie_vm_wait_gate (v->vm);
  if (v->seccomp_selftest)
    /* Not in the allow list: the filter must kill the VMM here. */
    syscall (SYS_getppid);

  while (!sie_vm_stopping (v->vm))
    {
      if (ioctl (v->fd, KVM_RUN, 0) < 0)
        {
          if (errno == EINTR || errno == EAGAIN)
            {
              v->run->immediate_exit = 0;
              continue;
            }
          sie_vm_stop (v->vm, SIE_VMM_EXIT_ERROR, "vCPU %u: KVM_RUN: %s", v->id, strerror (errno));
          break;
        }
      handle_exit (v);
    }
  return NULL;
}

int
sie_vcpu_start (struct sie_vcpu *v, sie_error_t *err)
{
  int r = pthread_create (&v->thread, NULL, vcpu_thread, v);

  if (r != 0)
    return sie_error (err, r, "start the thread of vCPU %u", v->id);
  v->started = true;
  return 0;
}

void
sie_vcpu_kick (struct sie_vcpu *v)
{
  if (v->started)
    pthread_kill (v->thread, SIE_VCPU_KICK_SIGNAL);
}

void
sie_vcpu_join (struct sie_vcpu *v)
{
  if (v->started)
    pthread_join (v->thread, NULL);
  v->started = false;
}

void
sie_vcpu_destroy (struct sie_vcpu *v)
{
  if (v->run)
    munmap (v->run, v->vm->kvm.run_size);
  if (v->fd >= 0)
    close (v->fd);
  v->run = NULL;
  v->fd = -1;
}
