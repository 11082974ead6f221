#include "vmshim/vmm/power.h"

#include <string.h>

#include "vmshim/vmm/layout.h"
#include "vmshim/vmm/vm.h"

#define I8042_CMD_RESET 0xfe

static void
poweroff_port (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write)
{
  if (!write)
    {
      memset (data, 0xff, len);
      return;
    }
  sie_vm_stop (opaque, data[0], "the guest powered off with status %u", data[0]);
}

/* Only the reset command; reads say "no controller" (all ones), which
 * makes a guest i8042 driver give up at once instead of timing out. */
static void
i8042_cmd_port (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write)
{
  if (!write)
    {
      memset (data, 0xff, len);
      return;
    }
  if (data[0] == I8042_CMD_RESET)
    sie_vm_stop (opaque, SIE_VMM_EXIT_GUEST_RESET,
                 "the guest reset itself through the i8042 (a panic, or a reboot)");
}

int
sie_power_attach (struct sie_bus *pio, struct sie_vm *vm, sie_error_t *err)
{
  if (sie_bus_add (pio, SIE_PORT_POWEROFF, 1, poweroff_port, vm, err) < 0
      || sie_bus_add (pio, SIE_PORT_I8042_CMD, 1, i8042_cmd_port, vm, err) < 0)
    return -1;
  return 0;
}
