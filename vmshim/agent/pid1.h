/* What the agent does as the guest's PID 1: mount the API filesystems, take
 * the console, bring up loopback; and, at the end, stop the VM. */
#ifndef SIE_AGENT_PID1_H
#define SIE_AGENT_PID1_H

#include "util/error.h"

/* Mounts proc, sys, devtmpfs, devpts, cgroup2, tmpfs /run /tmp /dev/shm,
 * points fds 0-2 at /dev/console and sets lo up. */
int sie_agent_setup_pid1 (sie_error_t *err);

/* Syncs, kills every other process, and stops the VM: it writes the i8042
 * reset command (0xfe to port 0x64), which the VMM takes as a clean exit,
 * then falls back to reboot(RB_AUTOBOOT), which with `reboot=k` ends in the
 * same write.  Does not return. */
__attribute__ ((noreturn)) void sie_agent_power_off (void);

#endif
