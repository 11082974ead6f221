#include "vmshim/vmm/seccomp.h"

#include <errno.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "util/cleanup.h"

/* Allowed with any arguments. */
static const int plain_syscalls[] = {
  /* fds, eventfds, the console, sockets' data */
  SCMP_SYS (read), SCMP_SYS (write), SCMP_SYS (readv), SCMP_SYS (writev), SCMP_SYS (close),
  SCMP_SYS (recvfrom), SCMP_SYS (recvmsg), SCMP_SYS (sendto), SCMP_SYS (sendmsg),
  SCMP_SYS (accept4), SCMP_SYS (connect), SCMP_SYS (shutdown), SCMP_SYS (fcntl),
  SCMP_SYS (fstat), SCMP_SYS (newfstatat), SCMP_SYS (unlink), SCMP_SYS (unlinkat), SCMP_SYS (getsockopt),
  /* the event loop */
  SCMP_SYS (epoll_wait), SCMP_SYS (epoll_pwait), SCMP_SYS (epoll_ctl),
  /* threads: locks, the kick signal, joining, exiting */
  SCMP_SYS (futex), SCMP_SYS (rt_sigreturn), SCMP_SYS (rt_sigprocmask), SCMP_SYS (tgkill),
  SCMP_SYS (getpid), SCMP_SYS (gettid), SCMP_SYS (sched_yield), SCMP_SYS (exit),
  SCMP_SYS (exit_group), SCMP_SYS (restart_syscall),
  /* a new thread's first steps in glibc, which may run after the filter */
  SCMP_SYS (rseq), SCMP_SYS (set_robust_list),
  /* malloc and teardown */
  SCMP_SYS (brk), SCMP_SYS (munmap), SCMP_SYS (madvise), SCMP_SYS (mremap),
  /* virtio-rng, the RTC */
  SCMP_SYS (getrandom), SCMP_SYS (clock_gettime), SCMP_SYS (gettimeofday), SCMP_SYS (time),
};

static int
allow (scmp_filter_ctx ctx, int nr, unsigned n_args, const struct scmp_arg_cmp *args,
       sie_error_t *err)
{
  int r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, nr, n_args, args);

  if (r < 0)
    {
      cleanup_free char *name = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
      return sie_error (err, -r, "seccomp rule for %s", name ? name : "a system call");
    }
  return 0;
}

static int
add_rules (scmp_filter_ctx ctx, sie_error_t *err)
{
  const struct scmp_arg_cmp kvm_run = SCMP_A1 (SCMP_CMP_EQ, KVM_RUN, 0);
  /* Read-only: where a dying guest was, for the error message. */
  const struct scmp_arg_cmp kvm_get_regs = SCMP_A1 (SCMP_CMP_EQ, KVM_GET_REGS, 0);
  const struct scmp_arg_cmp unix_domain = SCMP_A0 (SCMP_CMP_EQ, AF_UNIX, 0);
  const struct scmp_arg_cmp no_exec = SCMP_A2 (SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);

  for (size_t i = 0; i < ARRAY_SIZE (plain_syscalls); i++)
    if (allow (ctx, plain_syscalls[i], 0, NULL, err) < 0)
      return -1;
  if (allow (ctx, SCMP_SYS (ioctl), 1, &kvm_run, err) < 0
      || allow (ctx, SCMP_SYS (ioctl), 1, &kvm_get_regs, err) < 0
      || allow (ctx, SCMP_SYS (socket), 1, &unix_domain, err) < 0
      || allow (ctx, SCMP_SYS (mmap), 1, &no_exec, err) < 0
      || allow (ctx, SCMP_SYS (mprotect), 1, &no_exec, err) < 0)
    return -1;
  return 0;
}

int
sie_vmm_seccomp_install (sie_error_t *err)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_KILL_PROCESS);
  int r;

  if (ctx == NULL)
    return sie_error (err, ENOMEM, "seccomp_init");
  r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  if (r == 0 && add_rules (ctx, err) < 0)
    r = -EINVAL;
  else if (r == 0)
    {
      r = seccomp_load (ctx);
      if (r < 0)
        sie_error (err, -r, "load the VMM's seccomp filter");
    }
  else
    sie_error (err, -r, "seccomp TSYNC");
  seccomp_release (ctx);
  return r < 0 ? -1 : 0;
}
