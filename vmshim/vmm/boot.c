#include "vmshim/vmm/boot.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmshim/vmm/layout.h"

#define HDR_OFFSET 0x1f1
#define HDR_MAGIC 0x53726448 /* "HdrS" */
#define BOOT_FLAG 0xaa55
#define LOADER_UNDEFINED 0xff
/* 2.12 introduced xloadflags, which says whether a 64-bit entry exists. */
#define MIN_PROTOCOL 0x020c
#define E820_RAM 1
#define E820_RESERVED 2
#define MAX_PHDRS 64
/* x86's COMMAND_LINE_SIZE, for kernels whose header does not say. */
#define DEFAULT_CMDLINE_SIZE 2048

/* pread of exactly len bytes; a short file is EIO. */
static int
pread_full (int fd, void *buf, size_t len, off_t off)
{
  size_t done = 0;

  while (done < len)
    {
      ssize_t n = pread (fd, (char *) buf + done, len - done, off + done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        {
          errno = EIO;
          return -1;
        }
      done += n;
    }
  return 0;
}

/* Reads len bytes of a file into guest RAM at gpa. */
static int
read_into_guest (const struct sie_guest_mem *gm, int fd, off_t off, uint64_t gpa, uint64_t len,
                 const char *what, sie_error_t *err)
{
  void *dst = sie_gm_ptr (gm, gpa, len);

  if (dst == NULL)
    return sie_error (err, 0, "%s (%llu bytes at 0x%llx) does not fit in guest memory", what,
                      (unsigned long long) len, (unsigned long long) gpa);
  if (pread_full (fd, dst, len, off) < 0)
    return sie_error (err, errno, "read %s", what);
  return 0;
}

static int
file_size (int fd, const char *what, uint64_t *size, sie_error_t *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return sie_error (err, errno, "stat %s", what);
  if (!S_ISREG (st.st_mode))
    return sie_error (err, 0, "%s is not a regular file", what);
  *size = st.st_size;
  return 0;
}

/* bzImage: the setup header says where the protected-mode code starts; it
 * goes to 1 MiB and its 64-bit entry is 0x200 bytes in. */
static int
load_bzimage (const struct sie_guest_mem *gm, int fd, uint64_t size, struct boot_params *bp,
              struct sie_boot_image *img, sie_error_t *err)
{
  uint8_t head[1024];
  struct setup_header *hdr = &bp->hdr;
  size_t hdr_len;
  uint64_t setup_size, kernel_size, run_at, run_end;

  if (size < sizeof (head))
    return sie_error (err, 0, "the kernel image is %llu bytes", (unsigned long long) size);
  if (pread_full (fd, head, sizeof (head), 0) < 0)
    return sie_error (err, errno, "read the kernel's setup header");
  /* The header runs from 0x1f1 to 0x202 plus the jump offset at 0x201. */
  hdr_len = 0x202 + head[0x201] - HDR_OFFSET;
  if (hdr_len > sizeof (*hdr))
    hdr_len = sizeof (*hdr);
  memcpy (hdr, head + HDR_OFFSET, hdr_len);

  if (hdr->boot_flag != BOOT_FLAG || hdr->header != HDR_MAGIC)
    return sie_error (err, 0, "the kernel is neither a bzImage nor an ELF vmlinux");
  if (hdr->version < MIN_PROTOCOL || !(hdr->xloadflags & XLF_KERNEL_64))
    return sie_error (err, 0, "the bzImage (boot protocol %u.%02u) has no 64-bit entry point",
                      hdr->version >> 8, hdr->version & 0xff);

  setup_size = ((uint64_t) (hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
  if (setup_size >= size)
    return sie_error (err, 0, "the bzImage's setup (%llu bytes) is not shorter than the file",
                      (unsigned long long) setup_size);
  kernel_size = size - setup_size;
  if (read_into_guest (gm, fd, setup_size, SIE_GPA_HIMEM, kernel_size, "the kernel", err) < 0)
    return -1;

  /* The decompressor runs at the preferred address and needs init_size
   * bytes there; nothing else may sit in that range. */
  run_at = hdr->pref_address > SIE_GPA_HIMEM ? hdr->pref_address : SIE_GPA_HIMEM;
  run_end = run_at + hdr->init_size;
  if (hdr->init_size == 0 || sie_gm_ptr (gm, run_at, hdr->init_size) == NULL)
    return sie_error (err, 0, "the kernel needs 0x%llx-0x%llx, beyond guest memory",
                      (unsigned long long) run_at, (unsigned long long) run_end);
  img->entry = SIE_GPA_HIMEM + 0x200;
  img->kernel_end = run_end > SIE_GPA_HIMEM + kernel_size ? run_end : SIE_GPA_HIMEM + kernel_size;
  return 0;
}

static int
load_segment (const struct sie_guest_mem *gm, int fd, uint64_t size, const Elf64_Phdr *ph,
              uint64_t *end, sie_error_t *err)
{
  uint8_t *dst;

  if (ph->p_filesz > ph->p_memsz || ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
    return sie_error (err, 0, "vmlinux: a segment lies outside the file");
  if (ph->p_paddr < SIE_GPA_HIMEM)
    return sie_error (err, 0, "vmlinux: a segment at 0x%llx, below 1 MiB",
                      (unsigned long long) ph->p_paddr);
  dst = sie_gm_ptr (gm, ph->p_paddr, ph->p_memsz);
  if (dst == NULL)
    return sie_error (err, 0, "vmlinux: segment 0x%llx+0x%llx does not fit in guest memory",
                      (unsigned long long) ph->p_paddr, (unsigned long long) ph->p_memsz);
  if (pread_full (fd, dst, ph->p_filesz, ph->p_offset) < 0)
    return sie_error (err, errno, "read the kernel");
  memset (dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
  if (ph->p_paddr + ph->p_memsz > *end)
    *end = ph->p_paddr + ph->p_memsz;
  return 0;
}

/* vmlinux: each PT_LOAD at its physical address; the entry is startup_64's
 * physical address.  No setup header exists, so the zero page gets the
 * fields a bzImage would have carried. */
static int
load_elf (const struct sie_guest_mem *gm, int fd, uint64_t size, struct boot_params *bp,
          struct sie_boot_image *img, sie_error_t *err)
{
  Elf64_Ehdr eh;
  Elf64_Phdr ph[MAX_PHDRS];
  uint64_t end = 0;

  if (pread_full (fd, &eh, sizeof (eh), 0) < 0)
    return sie_error (err, errno, "read the kernel's ELF header");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB
      || eh.e_machine != EM_X86_64)
    return sie_error (err, 0, "vmlinux is not a 64-bit x86 ELF");
  if (eh.e_phentsize != sizeof (Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
    return sie_error (err, 0, "vmlinux: %u program headers of %u bytes", eh.e_phnum,
                      eh.e_phentsize);
  if (eh.e_phoff > size)
    return sie_error (err, 0, "vmlinux: program headers at %llu, past the end of the file",
                      (unsigned long long) eh.e_phoff);
  if (pread_full (fd, ph, eh.e_phnum * sizeof (Elf64_Phdr), eh.e_phoff) < 0)
    return sie_error (err, errno, "read vmlinux's program headers");

  for (unsigned i = 0; i < eh.e_phnum; i++)
    if (ph[i].p_type == PT_LOAD && load_segment (gm, fd, size, &ph[i], &end, err) < 0)
      return -1;
  if (end == 0 || eh.e_entry < SIE_GPA_HIMEM || eh.e_entry >= end)
    return sie_error (err, 0, "vmlinux: entry 0x%llx is not in a loaded segment",
                      (unsigned long long) eh.e_entry);

  bp->hdr.boot_flag = BOOT_FLAG;
  bp->hdr.header = HDR_MAGIC;
  bp->hdr.kernel_alignment = 0x1000000;
  img->entry = eh.e_entry;
  img->kernel_end = end;
  return 0;
}

static int
load_kernel (const struct sie_guest_mem *gm, int fd, struct boot_params *bp,
             struct sie_boot_image *img, sie_error_t *err)
{
  unsigned char magic[SELFMAG];
  uint64_t size;

  if (file_size (fd, "the kernel", &size, err) < 0)
    return -1;
  if (size < SELFMAG)
    return sie_error (err, 0, "the kernel image is %llu bytes", (unsigned long long) size);
  if (pread_full (fd, magic, SELFMAG, 0) < 0)
    return sie_error (err, errno, "read the kernel");
  if (memcmp (magic, ELFMAG, SELFMAG) == 0)
    return load_elf (gm, fd, size, bp, img, err);
  return load_bzimage (gm, fd, size, bp, img, err);
}

/* The initramfs goes as high as the kernel allows, page aligned, above
 * everything the kernel uses while it starts. */
static int
load_initrd (const struct sie_guest_mem *gm, int fd, struct boot_params *bp,
             struct sie_boot_image *img, sie_error_t *err)
{
  uint64_t size, top = sie_gm_low_end (gm), gpa;

  if (file_size (fd, "the initramfs", &size, err) < 0)
    return -1;
  if (bp->hdr.initrd_addr_max != 0 && top > (uint64_t) bp->hdr.initrd_addr_max + 1)
    top = (uint64_t) bp->hdr.initrd_addr_max + 1;
  if (size == 0 || size > top || ((top - size) & ~0xfffULL) < img->kernel_end)
    return sie_error (err, 0, "the initramfs (%llu KiB) does not fit in guest memory above the kernel",
                      (unsigned long long) (size >> 10));
  gpa = (top - size) & ~0xfffULL;
  if (read_into_guest (gm, fd, 0, gpa, size, "the initramfs", err) < 0)
    return -1;
  img->initrd_gpa = gpa;
  img->initrd_size = size;
  bp->hdr.ramdisk_image = (uint32_t) gpa;
  bp->ext_ramdisk_image = (uint32_t) (gpa >> 32);
  bp->hdr.ramdisk_size = (uint32_t) size;
  bp->ext_ramdisk_size = (uint32_t) (size >> 32);
  return 0;
}

static int
write_cmdline (const struct sie_guest_mem *gm, const char *cmdline, struct boot_params *bp,
               sie_error_t *err)
{
  size_t len = strlen (cmdline), max = bp->hdr.cmdline_size ? bp->hdr.cmdline_size : DEFAULT_CMDLINE_SIZE - 1;

  if (max > SIE_CMDLINE_MAX - 1)
    max = SIE_CMDLINE_MAX - 1;
  if (len > max)
    return sie_error (err, 0, "the kernel command line (%zu bytes) is longer than its %zu", len, max);
  if (sie_gm_write (gm, SIE_GPA_CMDLINE, cmdline, len + 1) < 0)
    return sie_error (err, 0, "guest memory too small for the command line");
  bp->hdr.cmd_line_ptr = (uint32_t) SIE_GPA_CMDLINE;
  bp->ext_cmd_line_ptr = 0;
  bp->hdr.cmdline_size = max;
  return 0;
}

static void
add_e820 (struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
  if (bp->e820_entries >= E820_MAX_ENTRIES_ZEROPAGE || size == 0)
    return;
  bp->e820_table[bp->e820_entries++] = (struct boot_e820_entry) { addr, size, type };
}

/* Base memory up to the MP table, which is reserved, then RAM from 1 MiB,
 * around the MMIO hole. */
static void
fill_e820 (const struct sie_guest_mem *gm, struct boot_params *bp)
{
  const struct sie_gm_region *low = &gm->regions[0];

  add_e820 (bp, 0, SIE_GPA_MPTABLE, E820_RAM);
  add_e820 (bp, SIE_GPA_MPTABLE, SIE_GPA_BASE_MEM_END - SIE_GPA_MPTABLE, E820_RESERVED);
  add_e820 (bp, SIE_GPA_HIMEM, low->size - SIE_GPA_HIMEM, E820_RAM);
  for (unsigned i = 1; i < gm->n_regions; i++)
    add_e820 (bp, gm->regions[i].gpa, gm->regions[i].size, E820_RAM);
}

int
sie_boot_load (const struct sie_guest_mem *gm, int kernel_fd, int initrd_fd, const char *cmdline,
               struct sie_boot_image *img, sie_error_t *err)
{
  struct boot_params bp;

  _Static_assert (sizeof (bp) == 4096, "struct boot_params is the 4 KiB zero page");
  memset (&bp, 0, sizeof (bp));
  memset (img, 0, sizeof (*img));
  if (gm->n_regions == 0 || gm->regions[0].gpa != 0 || gm->regions[0].size <= SIE_GPA_HIMEM)
    return sie_error (err, 0, "guest memory must start at 0 and extend past 1 MiB");

  if (load_kernel (gm, kernel_fd, &bp, img, err) < 0)
    return -1;
  bp.hdr.type_of_loader = LOADER_UNDEFINED;
  bp.hdr.loadflags |= LOADED_HIGH;
  if (initrd_fd >= 0 && load_initrd (gm, initrd_fd, &bp, img, err) < 0)
    return -1;
  if (write_cmdline (gm, cmdline, &bp, err) < 0)
    return -1;
  fill_e820 (gm, &bp);
  if (sie_gm_write (gm, SIE_GPA_ZERO_PAGE, &bp, sizeof (bp)) < 0)
    return sie_error (err, 0, "guest memory too small for the zero page");
  return 0;
}
