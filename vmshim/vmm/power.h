/* How the guest ends.  A micro-VM has no firmware to power it off, so:
 *
 * - Clean shutdown: the guest writes one byte to I/O port 0x501 (the
 *   "poweroff port", at QEMU's isa-debug-exit address but not its
 *   encoding): the VMM stops and exits with that byte as its status.  The
 *   agent writes 0 after syncing.  Nothing else in a Linux guest touches
 *   that port, so a status from it is always the guest's own word.
 *
 * - Everything else that ends a guest is an error (SIE_VMM_EXIT_GUEST_RESET):
 *   a reset through the i8042 (0xfe to port 0x64, the kernel's reboot=k
 *   path), a triple fault (reboot=t, the default on our command line, and
 *   how a broken kernel dies), or a KVM system event.  A guest panic ends
 *   this way because the command line carries panic=-1 (reboot at once),
 *   and so does a guest reboot: a micro-VM never restarts.
 *
 * A guest kernel without a power-off driver that is asked to power off
 * halts all CPUs forever; the port is what makes the clean case visible. */
#ifndef SIE_VMM_POWER_H
#define SIE_VMM_POWER_H

#include "util/error.h"
#include "vmshim/vmm/bus.h"

struct sie_vm;

int sie_power_attach (struct sie_bus *pio, struct sie_vm *vm, sie_error_t *err);

#endif
