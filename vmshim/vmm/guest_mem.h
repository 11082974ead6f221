/* Guest physical memory as the VMM sees it: up to two regions (below the
 * MMIO hole and above 4 GiB) of one host mapping.  Every address the guest
 * hands the VMM goes through sie_gm_ptr, which refuses ranges that are not
 * wholly inside one region, so no guest value can reach outside them. */
#ifndef SIE_VMM_GUEST_MEM_H
#define SIE_VMM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define SIE_GM_MAX_REGIONS 2

struct sie_gm_region
{
  uint64_t gpa;
  uint64_t size;
  uint8_t *host;
};

struct sie_guest_mem
{
  unsigned n_regions;
  struct sie_gm_region regions[SIE_GM_MAX_REGIONS];
};

/* The host address of [gpa, gpa + len), or NULL unless the whole range lies
 * in one region.  Overflow-safe for any 64-bit gpa and len. */
void *sie_gm_ptr (const struct sie_guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copies into / out of guest memory; -1 when the range is not RAM. */
int sie_gm_write (const struct sie_guest_mem *gm, uint64_t gpa, const void *src, size_t len);
int sie_gm_read (const struct sie_guest_mem *gm, uint64_t gpa, void *dst, size_t len);

/* The end of RAM below the MMIO hole (the first region's end). */
uint64_t sie_gm_low_end (const struct sie_guest_mem *gm);

#endif
