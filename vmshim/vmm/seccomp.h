/* The VMM's seccomp filter: an allow list of exactly the system calls the
 * running VMM makes (vCPU threads, the event loop, teardown), with ioctl
 * limited to KVM_RUN, sockets to AF_UNIX and no executable mappings.
 * Anything else kills the whole process (SIGSYS), like Firecracker: a
 * compromised thread must not keep a half-working VMM alive.  Installed
 * with TSYNC after the vCPU threads exist and before any guest code runs,
 * so every thread carries it and the filter needs no clone(). */
#ifndef SIE_VMM_SECCOMP_H
#define SIE_VMM_SECCOMP_H

#include "util/error.h"

int sie_vmm_seccomp_install (sie_error_t *err);

#endif
