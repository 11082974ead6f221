#include "vmshim/vmm/guest_mem.h"

#include <string.h>

void *
sie_gm_ptr (const struct sie_guest_mem *gm, uint64_t gpa, uint64_t len)
{
  for (unsigned i = 0; i < gm->n_regions && i < SIE_GM_MAX_REGIONS; i++)
    {
      const struct sie_gm_region *r = &gm->regions[i];
      uint64_t off;

      if (gpa < r->gpa)
        continue;
      off = gpa - r->gpa;
      /* Written as subtractions so that no sum can wrap. */
      if (off >= r->size || len > r->size - off)
        continue;
      return r->host + off;
    }
  return NULL;
}

int
sie_gm_write (const struct sie_guest_mem *gm, uint64_t gpa, const void *src, size_t len)
{
  void *p = sie_gm_ptr (gm, gpa, len);
  if (p == NULL)
    return -1;
  memcpy (p, src, len);
  return 0;
}

int
sie_gm_read (const struct sie_guest_mem *gm, uint64_t gpa, void *dst, size_t len)
{
  const void *p = sie_gm_ptr (gm, gpa, len);
  if (p == NULL)
    return -1;
  memcpy (dst, p, len);
  return 0;
}

uint64_t
sie_gm_low_end (const struct sie_guest_mem *gm)
{
  if (gm->n_regions == 0)
    return 0;
  return gm->regions[0].gpa + gm->regions[0].size;
}
