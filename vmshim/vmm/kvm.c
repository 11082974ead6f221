#include "vmshim/vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "vmshim/vmm/layout.h"

static const struct
{
  int cap;
  const char *name;
} required_caps[] = {
  { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
  { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
  { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
  { KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
  { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
  { KVM_CAP_PIT2, "KVM_CAP_PIT2" },
  { KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD" },
  { KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
  { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
};

int
sie_kvm_open (struct sie_kvm *k, sie_error_t *err)
{
  cleanup_close int fd = -1;
  int version, size;

  memset (k, 0, sizeof (*k));
  k->kvm_fd = k->vm_fd = -1;

  fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return sie_error (err, errno, "open /dev/kvm");
  version = ioctl (fd, KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION)
    return sie_error (err, 0, "/dev/kvm: API version %d, want %d", version, KVM_API_VERSION);
  for (size_t i = 0; i < ARRAY_SIZE (required_caps); i++)
    if (ioctl (fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0)
      return sie_error (err, 0, "/dev/kvm: %s is missing", required_caps[i].name);
  size = ioctl (fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size < (int) sizeof (struct kvm_run))
    return sie_error (err, errno, "KVM_GET_VCPU_MMAP_SIZE");
  k->run_size = size;
  k->kvm_fd = move_fd (fd);
  return 0;
}

static int
set_region (struct sie_kvm *k, unsigned slot, const struct sie_gm_region *r, sie_error_t *err)
{
  struct kvm_userspace_memory_region region = {
    .slot = slot,
    .guest_phys_addr = r->gpa,
    .memory_size = r->size,
    .userspace_addr = (uintptr_t) r->host,
  };

  if (ioctl (k->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
    return sie_error (err, errno, "KVM_SET_USER_MEMORY_REGION slot %u (0x%llx+0x%llx)", slot,
                      (unsigned long long) r->gpa, (unsigned long long) r->size);
  return 0;
}

/* One anonymous mapping for all of RAM; KVM sees it as one slot below the
 * MMIO hole and, for larger guests, a second from 4 GiB. */
static int
map_ram (struct sie_kvm *k, uint64_t size, sie_error_t *err)
{
  uint64_t low = size < SIE_GPA_MMIO_HOLE ? size : SIE_GPA_MMIO_HOLE;
  void *p;

  p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return sie_error (err, errno, "mmap %llu MiB of guest memory", (unsigned long long) (size >> 20));
  k->ram = p;
  k->ram_size = size;
  /* KSM may share identical pages between VMs when the host enables it; a
   * kernel without KSM refuses the advice, which is not an error. */
  if (madvise (p, size, MADV_MERGEABLE) < 0 && errno != EINVAL)
    return sie_error (err, errno, "madvise MADV_MERGEABLE on guest memory");
  /* A VMM core dump must not carry the guest's memory. */
  madvise (p, size, MADV_DONTDUMP);

  k->gm.regions[0] = (struct sie_gm_region) { 0, low, k->ram };
  k->gm.n_regions = 1;
  if (size > low)
    {
      k->gm.regions[1] = (struct sie_gm_region) { SIE_GPA_4G, size - low, k->ram + low };
      k->gm.n_regions = 2;
    }
  for (unsigned i = 0; i < k->gm.n_regions; i++)
    if (set_region (k, i, &k->gm.regions[i], err) < 0)
      return -1;
  return 0;
}

static int
create_irqchip_and_pit (struct sie_kvm *k, sie_error_t *err)
{
  struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

  if (ioctl (k->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
    return sie_error (err, errno, "KVM_CREATE_IRQCHIP");
  if (ioctl (k->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
    return sie_error (err, errno, "KVM_CREATE_PIT2");
  return 0;
}

int
sie_kvm_create_vm (struct sie_kvm *k, uint64_t mem_mib, sie_error_t *err)
{
  uint64_t identity = SIE_GPA_IDENTITY_MAP;

  if (mem_mib < 16 || mem_mib > (1ULL << 20))
    return sie_error (err, 0, "guest memory of %llu MiB: want 16 MiB to 1 TiB",
                      (unsigned long long) mem_mib);
  k->vm_fd = ioctl (k->kvm_fd, KVM_CREATE_VM, 0);
  if (k->vm_fd < 0)
    return sie_error (err, errno, "KVM_CREATE_VM");
  if (fcntl (k->vm_fd, F_SETFD, FD_CLOEXEC) < 0)
    return sie_error (err, errno, "FD_CLOEXEC on the VM fd");
  if (ioctl (k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long) SIE_GPA_TSS) < 0)
    return sie_error (err, errno, "KVM_SET_TSS_ADDR");
  if (ioctl (k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
    return sie_error (err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
  if (create_irqchip_and_pit (k, err) < 0)
    return -1;
  return map_ram (k, mem_mib << 20, err);
}

struct kvm_cpuid2 *
sie_kvm_supported_cpuid (struct sie_kvm *k, sie_error_t *err)
{
  /* Grow until KVM stops answering E2BIG. */
  for (unsigned n = 64; n <= 4096; n *= 2)
    {
      struct kvm_cpuid2 *c = calloc (1, sizeof (*c) + n * sizeof (struct kvm_cpuid_entry2));
      if (c == NULL)
        {
          sie_error (err, errno, "allocate the CPUID table");
          return NULL;
        }
      c->nent = n;
      if (ioctl (k->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
        return c;
      free (c);
      if (errno != E2BIG)
        {
          sie_error (err, errno, "KVM_GET_SUPPORTED_CPUID");
          return NULL;
        }
    }
  sie_error (err, E2BIG, "KVM_GET_SUPPORTED_CPUID");
  return NULL;
}

int
sie_kvm_irqfd (struct sie_kvm *k, int fd, unsigned gsi, sie_error_t *err)
{
  struct kvm_irqfd irqfd = { .fd = fd, .gsi = gsi };

  if (ioctl (k->vm_fd, KVM_IRQFD, &irqfd) < 0)
    return sie_error (err, errno, "KVM_IRQFD for GSI %u", gsi);
  return 0;
}

int
sie_kvm_ioeventfd (struct sie_kvm *k, int fd, uint64_t addr, unsigned len, uint64_t value,
                   sie_error_t *err)
{
  struct kvm_ioeventfd ioev = {
    .datamatch = value,
    .addr = addr,
    .len = len,
    .fd = fd,
    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
  };

  if (ioctl (k->vm_fd, KVM_IOEVENTFD, &ioev) < 0)
    return sie_error (err, errno, "KVM_IOEVENTFD at 0x%llx", (unsigned long long) addr);
  return 0;
}

void
sie_kvm_close (struct sie_kvm *k)
{
  if (k->ram)
    munmap (k->ram, k->ram_size);
  if (k->vm_fd >= 0)
    close (k->vm_fd);
  if (k->kvm_fd >= 0)
    close (k->kvm_fd);
  k->ram = NULL;
  k->vm_fd = k->kvm_fd = -1;
}
