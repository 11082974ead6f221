#include "vmshim/vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "vmshim/vmm/boot.h"
#include "vmshim/vmm/bootcpu.h"
#include "vmshim/vmm/mptable.h"
#include "vmshim/vmm/power.h"
#include "vmshim/vmm/rtc.h"
#include "vmshim/vmm/seccomp.h"
#include "vmshim/vmm/serial.h"
#include "vmshim/vmm/vcpu.h"
#include "vmshim/vmm/virtio/attach.h"
#include "vmshim/vmm/virtio/rng.h"
#include "vmshim/vmm/virtio/vsock.h"

/* What the VMM's exit statuses rely on: a panic reboots at once, and a
 * reboot is a triple fault rather than a wait on an absent i8042.  Put
 * first so that the caller's command line can still override them. */
#define VMM_CMDLINE "reboot=t panic=-1"
#define CMDLINE_SIZE 4096

void
sie_vm_stop (struct sie_vm *vm, int status, const char *fmt, ...)
{
  uint64_t one = 1;
  va_list ap;

  if (__atomic_exchange_n (&vm->stop_claimed, 1, __ATOMIC_ACQ_REL))
    return;
  vm->exit_status = status;
  va_start (ap, fmt);
  vsnprintf (vm->exit_reason, sizeof (vm->exit_reason), fmt, ap);
  va_end (ap);
  __atomic_store_n (&vm->stopping, true, __ATOMIC_RELEASE);
  if (write (vm->stop_fd, &one, sizeof (one)) < 0)
    {
      /* the counter is saturated only if a wake-up is pending */
    }
}

bool
sie_vm_stopping (const struct sie_vm *vm)
{
  return __atomic_load_n (&vm->stopping, __ATOMIC_ACQUIRE);
}

void
sie_vm_wait_gate (struct sie_vm *vm)
{
  pthread_mutex_lock (&vm->gate_lock);
  while (!vm->gate_open)
    pthread_cond_wait (&vm->gate_cond, &vm->gate_lock);
  pthread_mutex_unlock (&vm->gate_lock);
}

static void
open_gate (struct sie_vm *vm)
{
  pthread_mutex_lock (&vm->gate_lock);
  vm->gate_open = true;
  pthread_cond_broadcast (&vm->gate_cond);
  pthread_mutex_unlock (&vm->gate_lock);
}

static int
open_ro (const char *path, const char *what, sie_error_t *err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    sie_error (err, errno, "open %s %s", what, path);
  return fd;
}

static int
open_serial_out (const char *path, sie_error_t *err)
{
  int fd = path ? open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)
                : fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    sie_error (err, errno, "open the serial output %s", path ? path : "(stdout)");
  return fd;
}

static int
attach_serial (struct sie_vm *vm, sie_error_t *err)
{
  int out_fd, irq_fd;

  out_fd = open_serial_out (vm->cfg->serial_out, err);
  if (out_fd < 0)
    return -1;
  irq_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (irq_fd < 0)
    {
      close (out_fd);
      return sie_error (err, errno, "eventfd for the serial IRQ");
    }
  vm->serial = sie_serial_new (out_fd, irq_fd, err);
  if (vm->serial == NULL)
    {
      close (out_fd);
      close (irq_fd);
      return -1;
    }
  if (sie_kvm_irqfd (&vm->kvm, irq_fd, SIE_IRQ_SERIAL, err) < 0)
    return -1;
  return sie_bus_add (&vm->pio, SIE_PORT_COM1, 8, sie_serial_pio, vm->serial, err);
}

static int
attach_devices (struct sie_vm *vm, sie_error_t *err)
{
  const struct sie_vm_config *cfg = vm->cfg;

  vm->pio.name = "port I/O";
  vm->mmio.name = "MMIO";
  if (attach_serial (vm, err) < 0 || sie_power_attach (&vm->pio, vm, err) < 0)
    return -1;
  vm->rtc = sie_rtc_attach (&vm->pio, err);
  if (vm->rtc == NULL)
    return -1;
  if (cfg->rng && sie_vrng_attach (vm, err) < 0)
    return -1;
  if (cfg->vsock_uds)
    {
      vm->vsock = sie_vsock_attach (vm, cfg->vsock_uds, cfg->vsock_cid, err);
      if (vm->vsock == NULL)
        return -1;
    }
  return 0;
}

static int
build_cmdline (struct sie_vm *vm, char *buf, size_t size, sie_error_t *err)
{
  const char *user = vm->cfg->cmdline ? vm->cfg->cmdline : "console=ttyS0";
  int n = snprintf (buf, size, "%s %s", VMM_CMDLINE, user);

  if (n < 0 || (size_t) n >= size)
    return sie_error (err, 0, "the kernel command line is too long");
  return sie_virtio_cmdline (vm, buf, size, err);
}

static int
load_guest (struct sie_vm *vm, struct sie_boot_image *img, sie_error_t *err)
{
  cleanup_close int kernel_fd = -1, initrd_fd = -1;
  char cmdline[CMDLINE_SIZE];

  kernel_fd = open_ro (vm->cfg->kernel, "the kernel", err);
  if (kernel_fd < 0)
    return -1;
  if (vm->cfg->initrd)
    {
      initrd_fd = open_ro (vm->cfg->initrd, "the initramfs", err);
      if (initrd_fd < 0)
        return -1;
    }
  if (build_cmdline (vm, cmdline, sizeof (cmdline), err) < 0)
    return -1;
  if (sie_boot_load (&vm->kvm.gm, kernel_fd, initrd_fd, cmdline, img, err) < 0)
    return -1;
  return sie_mptable_write (&vm->kvm.gm, vm->ncpus, err);
}

static int
create_vcpus (struct sie_vm *vm, const struct sie_boot_image *img, sie_error_t *err)
{
  cleanup_free struct kvm_cpuid2 *cpuid = sie_kvm_supported_cpuid (&vm->kvm, err);

  if (cpuid == NULL)
    return -1;
  vm->vcpus = calloc (vm->ncpus, sizeof (*vm->vcpus));
  if (vm->vcpus == NULL)
    return sie_error (err, errno, "allocate %u vCPUs", vm->ncpus);
  for (unsigned i = 0; i < vm->ncpus; i++)
    vm->vcpus[i].fd = -1;
  for (unsigned i = 0; i < vm->ncpus; i++)
    if (sie_vcpu_create (vm, i, cpuid, &vm->vcpus[i], err) < 0)
      return -1;
  vm->vcpus[0].seccomp_selftest = vm->cfg->seccomp_selftest;
  /* The others wait for the boot CPU's INIT-SIPI in the in-kernel LAPIC. */
  return sie_bootcpu_setup (vm->vcpus[0].fd, &vm->kvm.gm, img->entry, err);
}

static int
confine (struct sie_vm *vm, sie_error_t *err)
{
  char vsock_path[sizeof (((struct sockaddr_un *) 0)->sun_path)] = "";

  if (vm->cfg->confine == NULL)
    return 0;
  if (vm->cfg->confine (vm->cfg->confine_arg, vsock_path, sizeof (vsock_path), err) < 0)
    return -1;
  if (vm->vsock && vsock_path[0])
    return sie_vsock_set_path (vm->vsock, vsock_path, err);
  return 0;
}

static int
build (struct sie_vm *vm, sie_error_t *err)
{
  struct sie_boot_image img;

  if (vm->ncpus == 0 || vm->ncpus > SIE_MPTABLE_MAX_CPUS)
    return sie_error (err, 0, "--cpus %u: want 1 to %u", vm->ncpus, SIE_MPTABLE_MAX_CPUS);
  vm->stop_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (vm->stop_fd < 0)
    return sie_error (err, errno, "eventfd");
  if (sie_evloop_init (&vm->loop, err) < 0 || sie_kvm_open (&vm->kvm, err) < 0
      || sie_kvm_create_vm (&vm->kvm, vm->cfg->mem_mib, err) < 0)
    return -1;
  if (attach_devices (vm, err) < 0 || load_guest (vm, &img, err) < 0
      || create_vcpus (vm, &img, err) < 0)
    return -1;
  return confine (vm, err);
}

static void
on_stop (void *opaque, uint32_t events)
{
  struct sie_vm *vm = opaque;
  uint64_t count;

  if (read (vm->stop_fd, &count, sizeof (count)) < 0)
    {
      /* EAGAIN: already drained; the loop checks vm->stopping next */
    }
}

static void
on_signal (void *opaque, uint32_t events)
{
  struct sie_vm *vm = opaque;
  struct signalfd_siginfo si;

  if (read (vm->signal_fd, &si, sizeof (si)) == sizeof (si))
    sie_vm_stop (vm, 128 + si.ssi_signo, "stopped by signal %u", si.ssi_signo);
}

static void
on_stdin (void *opaque, uint32_t events)
{
  struct sie_vm *vm = opaque;
  uint8_t buf[64];
  ssize_t n = read (STDIN_FILENO, buf, sizeof (buf));

  /* End of input or an error: the console just stops listening.  Bytes
   * that do not fit the UART's FIFO are dropped, as a real one would. */
  if (n <= 0)
    sie_evloop_del (&vm->loop, &vm->stdin_ev);
  else
    sie_serial_input (vm->serial, buf, n);
}

static void
stop_signals (sigset_t *set)
{
  sigemptyset (set);
  sigaddset (set, SIGTERM);
  sigaddset (set, SIGINT);
  sigaddset (set, SIGHUP);
  sigaddset (set, SIGQUIT);
}

/* Blocked from the start, so that a stop request during setup waits in the
 * queue (and reaches a VMM that is PID 1 of its namespace at all). */
static void
block_signals (void)
{
  sigset_t set;

  stop_signals (&set);
  sigaddset (&set, SIE_VCPU_KICK_SIGNAL);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);
}

/* Termination signals arrive through a signalfd in the event loop; every
 * thread blocks them, and the kick signal too except in vCPU threads. */
static int
setup_signals (struct sie_vm *vm, sie_error_t *err)
{
  sigset_t set;

  if (sie_vcpu_init_signals (err) < 0)
    return -1;
  stop_signals (&set);
  vm->signal_fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (vm->signal_fd < 0)
    return sie_error (err, errno, "signalfd");

  vm->stop_ev = (struct sie_ev) { vm->stop_fd, on_stop, vm };
  vm->signal_ev = (struct sie_ev) { vm->signal_fd, on_signal, vm };
  if (sie_evloop_add (&vm->loop, &vm->stop_ev, EPOLLIN, err) < 0
      || sie_evloop_add (&vm->loop, &vm->signal_ev, EPOLLIN, err) < 0)
    return -1;
  if (vm->cfg->serial_in)
    {
      struct epoll_event e = { .events = EPOLLIN, .data.ptr = &vm->stdin_ev };
      vm->stdin_ev = (struct sie_ev) { STDIN_FILENO, on_stdin, vm };
      /* A regular file cannot be polled (EPERM): the console gets no input. */
      if (epoll_ctl (vm->loop.epfd, EPOLL_CTL_ADD, STDIN_FILENO, &e) < 0 && errno != EPERM)
        return sie_error (err, errno, "poll stdin for the console");
    }
  return 0;
}

static int
serve (struct sie_vm *vm, sie_error_t *err)
{
  if (setup_signals (vm, err) < 0)
    return -1;
  for (unsigned i = 0; i < vm->ncpus && !sie_vm_stopping (vm); i++)
    if (sie_vcpu_start (&vm->vcpus[i], err) < 0)
      sie_vm_stop (vm, SIE_VMM_EXIT_ERROR, "%s", (*err)->msg);
  /* The threads exist, so the filter needs no clone(); no guest code has
   * run yet, so none ran unfiltered. */
  if (!sie_vm_stopping (vm) && vm->cfg->seccomp && sie_vmm_seccomp_install (err) < 0)
    sie_vm_stop (vm, SIE_VMM_EXIT_ERROR, "%s", (*err)->msg);
  open_gate (vm);
  if (!sie_vm_stopping (vm) && sie_evloop_run (&vm->loop, &vm->stopping, err) < 0)
    sie_vm_stop (vm, SIE_VMM_EXIT_ERROR, "%s", (*err)->msg);
  /* Every vCPU leaves KVM_RUN, including those still waiting for SIPI. */
  for (unsigned i = 0; i < vm->ncpus; i++)
    sie_vcpu_kick (&vm->vcpus[i]);
  for (unsigned i = 0; i < vm->ncpus; i++)
    sie_vcpu_join (&vm->vcpus[i]);
  return 0;
}

static void
teardown (struct sie_vm *vm)
{
  if (vm->vcpus)
    for (unsigned i = 0; i < vm->ncpus; i++)
      if (vm->vcpus[i].vm)
        sie_vcpu_destroy (&vm->vcpus[i]);
  free (vm->vcpus);
  sie_virtio_detach_all (vm);
  sie_serial_free (vm->serial);
  sie_rtc_free (vm->rtc);
  sie_kvm_close (&vm->kvm);
  sie_evloop_close (&vm->loop);
  if (vm->stop_fd >= 0)
    close (vm->stop_fd);
  if (vm->signal_fd >= 0)
    close (vm->signal_fd);
  pthread_mutex_destroy (&vm->gate_lock);
  pthread_cond_destroy (&vm->gate_cond);
  free (vm);
}

int
sie_vm_run (const struct sie_vm_config *cfg, sie_error_t *err)
{
  struct sie_vm *vm = calloc (1, sizeof (*vm));
  int status;

  if (vm == NULL)
    {
      sie_error (err, errno, "allocate the VM");
      return SIE_VMM_EXIT_ERROR;
    }
  vm->cfg = cfg;
  vm->ncpus = cfg->cpus;
  vm->stop_fd = vm->signal_fd = -1;
  vm->kvm.kvm_fd = vm->kvm.vm_fd = -1;
  vm->loop.epfd = -1;
  pthread_mutex_init (&vm->gate_lock, NULL);
  pthread_cond_init (&vm->gate_cond, NULL);
  block_signals ();
  if (build (vm, err) < 0 || serve (vm, err) < 0)
    status = SIE_VMM_EXIT_ERROR;
  else
    {
      status = vm->exit_status;
      if (status != 0)
        sie_error (err, 0, "%s", vm->exit_reason);
    }
  teardown (vm);
  return status;
}
