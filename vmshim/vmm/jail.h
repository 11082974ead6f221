/* Confinement like Firecracker's jailer, without a separate binary. */
#ifndef SIE_VMM_JAIL_H
#define SIE_VMM_JAIL_H

#include "util/error.h"
#include "vmshim/vmm/vm.h"

/* Runs the VM confined; returns its exit status. */
int sie_jail_run (const struct sie_vm_config *cfg, sie_error_t *err);

#endif
