/* sie-vmm: boots a Linux guest on KVM with a serial console and virtio-mmio
 * devices, and exits with the guest's power-off status (power.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "vmshim/vmm/jail.h"
#include "vmshim/vmm/vm.h"

enum
{
  OPT_KERNEL = 256,
  OPT_INITRD,
  OPT_CMDLINE,
  OPT_CPUS,
  OPT_MEMORY,
  OPT_SERIAL_OUT,
  OPT_SERIAL_IN,
  OPT_NO_RNG,
  OPT_VSOCK_UDS,
  OPT_VSOCK_CID,
  OPT_NO_SECCOMP,
  OPT_SECCOMP_SELFTEST,
  OPT_NO_JAIL,
  OPT_HELP,
};

static const struct option options[] = {
  { "kernel", required_argument, NULL, OPT_KERNEL },
  { "initrd", required_argument, NULL, OPT_INITRD },
  { "cmdline", required_argument, NULL, OPT_CMDLINE },
  { "cpus", required_argument, NULL, OPT_CPUS },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "serial-out", required_argument, NULL, OPT_SERIAL_OUT },
  { "serial-in", no_argument, NULL, OPT_SERIAL_IN },
  { "no-rng", no_argument, NULL, OPT_NO_RNG },
  { "vsock-uds", required_argument, NULL, OPT_VSOCK_UDS },
  { "vsock-cid", required_argument, NULL, OPT_VSOCK_CID },
  { "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
  { "seccomp-selftest", no_argument, NULL, OPT_SECCOMP_SELFTEST },
  { "no-jail", no_argument, NULL, OPT_NO_JAIL },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 },
};

static void
usage (FILE *f)
{
  fputs ("usage: sie-vmm --kernel FILE [--initrd FILE] [--cmdline STR] [--cpus N]\n"
         "               [--memory MIB] [--serial-out FILE] [--serial-in] [--no-rng]\n"
         "               [--vsock-uds PATH [--vsock-cid N]] [--no-seccomp] [--no-jail]\n"
         "               [--seccomp-selftest]\n"
         "Exits with the byte the guest wrote to the power-off port (0 on a clean\n"
         "shutdown), 2 if the guest crashed or rebooted, 1 on a VMM error,\n"
         "128+N when stopped by signal N.\n",
         f);
}

static int
parse_uint (const char *opt, const char *s, unsigned long max, unsigned long *out)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno || end == s || *end || s[0] == '-' || v > max)
    {
      fprintf (stderr, "sie-vmm: --%s %s: want a number up to %lu\n", opt, s, max);
      return -1;
    }
  *out = v;
  return 0;
}

static int
parse_args (int argc, char **argv, struct sie_vm_config *cfg, bool *jail)
{
  unsigned long v;
  int c;

  while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
    switch (c)
      {
      case OPT_KERNEL: cfg->kernel = optarg; break;
      case OPT_INITRD: cfg->initrd = optarg; break;
      case OPT_CMDLINE: cfg->cmdline = optarg; break;
      case OPT_SERIAL_OUT: cfg->serial_out = optarg; break;
      case OPT_SERIAL_IN: cfg->serial_in = true; break;
      case OPT_NO_RNG: cfg->rng = false; break;
      case OPT_VSOCK_UDS: cfg->vsock_uds = optarg; break;
      case OPT_NO_SECCOMP: cfg->seccomp = false; break;
      case OPT_SECCOMP_SELFTEST: cfg->seccomp_selftest = true; break;
      case OPT_NO_JAIL: *jail = false; break;
      case OPT_CPUS:
        if (parse_uint ("cpus", optarg, 255, &v) < 0)
          return -1;
        cfg->cpus = v;
        break;
      case OPT_MEMORY:
        if (parse_uint ("memory", optarg, 1UL << 20, &v) < 0)
          return -1;
        cfg->mem_mib = v;
        break;
      case OPT_VSOCK_CID:
        if (parse_uint ("vsock-cid", optarg, UINT32_MAX - 1, &v) < 0)
          return -1;
        if (v < 3)
          {
            fprintf (stderr, "sie-vmm: --vsock-cid %lu: CIDs 0-2 are reserved\n", v);
            return -1;
          }
        cfg->vsock_cid = v;
        break;
      case OPT_HELP:
        usage (stdout);
        exit (0);
      default:
        usage (stderr);
        return -1;
      }
  if (optind != argc || cfg->kernel == NULL)
    {
      usage (stderr);
      return -1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  struct sie_vm_config cfg = {
    .cpus = 1,
    .mem_mib = 128,
    .rng = true,
    .vsock_cid = 3,
    .seccomp = true,
  };
  sie_error_t err = NULL;
  bool jail = true;
  int status;

  if (parse_args (argc, argv, &cfg, &jail) < 0)
    return SIE_VMM_EXIT_ERROR;
  status = jail ? sie_jail_run (&cfg, &err) : sie_vm_run (&cfg, &err);
  if (err)
    fprintf (stderr, "sie-vmm: %s\n", err->msg);
  sie_error_release (&err);
  return status;
}
