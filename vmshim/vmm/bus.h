/* Port I/O and MMIO dispatch: the address ranges devices claim, looked up
 * on every vCPU exit.  Devices are added before the vCPUs start and never
 * removed, so lookups need no lock. */
#ifndef SIE_VMM_BUS_H
#define SIE_VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define SIE_BUS_MAX_DEVICES 32

/* offset is relative to the range's base; data holds len (1..8) bytes,
 * little-endian, read or to be filled. */
typedef void (*sie_bus_fn) (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write);

struct sie_bus_range
{
  uint64_t base, len;
  sie_bus_fn fn;
  void *opaque;
};

struct sie_bus
{
  const char *name;
  unsigned n;
  struct sie_bus_range ranges[SIE_BUS_MAX_DEVICES];
};

/* Claims [base, base + len); overlapping an existing range is an error. */
int sie_bus_add (struct sie_bus *bus, uint64_t base, uint64_t len, sie_bus_fn fn, void *opaque,
                 sie_error_t *err);

/* Calls the owner of addr.  An access nobody claims reads as all ones (an
 * empty ISA bus) and its writes vanish; returns whether someone did. */
bool sie_bus_access (const struct sie_bus *bus, uint64_t addr, uint8_t *data, unsigned len,
                     bool write);

#endif
