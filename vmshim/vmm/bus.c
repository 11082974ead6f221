#include "vmshim/vmm/bus.h"

#include <string.h>

int
sie_bus_add (struct sie_bus *bus, uint64_t base, uint64_t len, sie_bus_fn fn, void *opaque,
             sie_error_t *err)
{
  if (len == 0 || base + len < base)
    return sie_error (err, 0, "%s bus: empty or wrapping range at 0x%llx", bus->name,
                      (unsigned long long) base);
  for (unsigned i = 0; i < bus->n; i++)
    {
      const struct sie_bus_range *r = &bus->ranges[i];
      if (base < r->base + r->len && r->base < base + len)
        return sie_error (err, 0, "%s bus: 0x%llx+0x%llx overlaps 0x%llx+0x%llx", bus->name,
                          (unsigned long long) base, (unsigned long long) len,
                          (unsigned long long) r->base, (unsigned long long) r->len);
    }
  if (bus->n >= SIE_BUS_MAX_DEVICES)
    return sie_error (err, 0, "%s bus: more than %d devices", bus->name, SIE_BUS_MAX_DEVICES);
  bus->ranges[bus->n++] = (struct sie_bus_range) { base, len, fn, opaque };
  return 0;
}

bool
sie_bus_access (const struct sie_bus *bus, uint64_t addr, uint8_t *data, unsigned len, bool write)
{
  if (len == 0 || len > 8)
    return false;
  for (unsigned i = 0; i < bus->n; i++)
    {
      const struct sie_bus_range *r = &bus->ranges[i];
      /* The whole access must fall inside the range. */
      if (addr >= r->base && addr - r->base < r->len && len <= r->len - (addr - r->base))
        {
          r->fn (r->opaque, addr - r->base, data, len, write);
          return true;
        }
    }
  if (!write)
    memset (data, 0xff, len);
  return false;
}
