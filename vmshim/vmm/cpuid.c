#include "vmshim/vmm/cpuid.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/cleanup.h"

#define LEAF_FEATURES 0x1
#define LEAF_CACHE 0x4
#define LEAF_TOPOLOGY 0xb
#define LEAF_TOPOLOGY_V2 0x1f

#define ECX_HYPERVISOR (1u << 31)
#define EDX_HTT (1u << 28)

#define TOPO_LEVEL_SMT 1
#define TOPO_LEVEL_CORE 2

/* Bits of the APIC ID that number the cores. */
static unsigned
core_bits (unsigned ncpus)
{
  unsigned bits = 0;
  while ((1u << bits) < ncpus)
    bits++;
  return bits;
}

static void
fix_features (struct kvm_cpuid_entry2 *e, unsigned cpu, unsigned ncpus)
{
  /* EBX: APIC ID [31:24], logical processors per package [23:16],
   * CLFLUSH line size in 8-byte units [15:8]. */
  e->ebx = (cpu << 24) | ((ncpus & 0xff) << 16) | (8 << 8) | (e->ebx & 0xff);
  e->ecx |= ECX_HYPERVISOR;
  if (ncpus > 1)
    e->edx |= EDX_HTT;
  else
    e->edx &= ~EDX_HTT;
}

/* Deterministic cache parameters: cores per package in [31:26], threads
 * sharing the cache in [25:14]: L1/L2 per core, L3 shared by all. */
static void
fix_cache (struct kvm_cpuid_entry2 *e, unsigned ncpus)
{
  unsigned level = (e->eax >> 5) & 7;
  unsigned cores = ncpus > 64 ? 64 : ncpus;
  unsigned sharing = level >= 3 ? ncpus : 1;

  if ((e->eax & 0x1f) == 0) /* no more caches */
    return;
  e->eax &= 0x3fff;
  e->eax |= ((cores - 1) << 26) | (((sharing - 1) & 0xfff) << 14);
}

/* Extended topology: level 0 is SMT (one thread per core), level 1 the
 * cores of the package, higher levels are invalid.  EDX is the x2APIC ID. */
static void
fix_topology (struct kvm_cpuid_entry2 *e, unsigned cpu, unsigned ncpus)
{
  switch (e->index)
    {
    case 0:
      e->eax = 0;
      e->ebx = 1;
      e->ecx = (TOPO_LEVEL_SMT << 8) | 0;
      break;
    case 1:
      e->eax = core_bits (ncpus);
      e->ebx = ncpus;
      e->ecx = (TOPO_LEVEL_CORE << 8) | 1;
      break;
    default:
      e->eax = e->ebx = 0;
      e->ecx = e->index & 0xff;
      break;
    }
  e->edx = cpu;
}

int
sie_cpuid_apply (int vcpu_fd, const struct kvm_cpuid2 *supported, unsigned cpu, unsigned ncpus,
                 sie_error_t *err)
{
  size_t size = sizeof (*supported) + supported->nent * sizeof (supported->entries[0]);
  cleanup_free struct kvm_cpuid2 *c = malloc (size);

  if (c == NULL)
    return sie_error (err, errno, "allocate the CPUID table");
  memcpy (c, supported, size);
  for (unsigned i = 0; i < c->nent; i++)
    {
      struct kvm_cpuid_entry2 *e = &c->entries[i];
      switch (e->function)
        {
        case LEAF_FEATURES:
          fix_features (e, cpu, ncpus);
          break;
        case LEAF_CACHE:
          fix_cache (e, ncpus);
          break;
        case LEAF_TOPOLOGY:
        case LEAF_TOPOLOGY_V2:
          fix_topology (e, cpu, ncpus);
          break;
        }
    }
  if (ioctl (vcpu_fd, KVM_SET_CPUID2, c) < 0)
    return sie_error (err, errno, "KVM_SET_CPUID2 for vCPU %u", cpu);
  return 0;
}
