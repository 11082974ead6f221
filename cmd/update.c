/* `update`: runc's flags, or a resources.json with -r. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "runtime/cpulist.h"
#include "runtime/update.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

enum
{
  OPT_RESOURCES = 'r',
  OPT_BLKIO_WEIGHT = 256,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_BURST,
  OPT_CPU_SHARES,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_IDLE,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_PIDS_LIMIT,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
};

/* Each flag and the linux.resources field it sets, so that errors from
 * the cgroup name the flag too. */
static const struct flag_field
{
  int opt;
  const char *flag;
  const char *field;
} flag_fields[] = {
  { OPT_BLKIO_WEIGHT, "--blkio-weight", "linux.resources.blockIO.weight" },
  { OPT_CPU_PERIOD, "--cpu-period", "linux.resources.cpu.period" },
  { OPT_CPU_QUOTA, "--cpu-quota", "linux.resources.cpu.quota" },
  { OPT_CPU_BURST, "--cpu-burst", "linux.resources.cpu.burst" },
  { OPT_CPU_SHARES, "--cpu-shares", "linux.resources.cpu.shares" },
  { OPT_CPU_RT_PERIOD, "--cpu-rt-period", "linux.resources.cpu.realtimePeriod" },
  { OPT_CPU_RT_RUNTIME, "--cpu-rt-runtime", "linux.resources.cpu.realtimeRuntime" },
  { OPT_CPU_IDLE, "--cpu-idle", "linux.resources.cpu.idle" },
  { OPT_CPUSET_CPUS, "--cpuset-cpus", "linux.resources.cpu.cpus" },
  { OPT_CPUSET_MEMS, "--cpuset-mems", "linux.resources.cpu.mems" },
  { OPT_MEMORY_RESERVATION, "--memory-reservation", "linux.resources.memory.reservation" },
  { OPT_MEMORY_SWAP, "--memory-swap", "linux.resources.memory.swap" },
  { OPT_MEMORY, "--memory", "linux.resources.memory.limit" },
  { OPT_PIDS_LIMIT, "--pids-limit", "linux.resources.pids.limit" },
};

static const char *
flag_name (int opt)
{
  for (size_t i = 0; i < ARRAY_SIZE (flag_fields); i++)
    if (flag_fields[i].opt == opt)
      return flag_fields[i].flag;
  return "?";
}

#define FLAG_BIT(opt) (1UL << ((opt) - OPT_BLKIO_WEIGHT))

/* "--memory: linux.resources.memory.limit: <file>: <cause>" for an error
 * that starts with the field of a flag that was given. */
static int
name_the_flag (unsigned long given, sie_error_t *err)
{
  for (size_t i = 0; err && *err && i < ARRAY_SIZE (flag_fields); i++)
    {
      size_t n = strlen (flag_fields[i].field);
      if ((given & FLAG_BIT (flag_fields[i].opt))
          && strncmp ((*err)->msg, flag_fields[i].field, n) == 0
          && ((*err)->msg[n] == ':' || (*err)->msg[n] == ' '))
        return sie_error_prefix (err, "%s", flag_fields[i].flag);
    }
  return -1;
}

static int
parse_u64 (int opt, const char *v, uint64_t *out, sie_error_t *err)
{
  char *end;

  errno = 0;
  *out = strtoull (v, &end, 10);
  if (errno || end == v || *end || strchr (v, '-'))
    return sie_error (err, 0, "update: %s: expected a non-negative integer, got \"%s\"",
                      flag_name (opt), v);
  return 0;
}

static int
parse_i64 (int opt, const char *v, int64_t *out, sie_error_t *err)
{
  char *end;

  errno = 0;
  *out = strtoll (v, &end, 10);
  if (errno || end == v || *end)
    return sie_error (err, 0, "update: %s: expected an integer, got \"%s\"", flag_name (opt), v);
  return 0;
}

static int
parse_size (int opt, const char *v, int64_t *out, sie_error_t *err)
{
  if (sie_ram_size_parse (v, out) == 0)
    return 0;
  if (errno == ERANGE)
    return sie_error (err, 0, "update: %s: \"%s\" is too large", flag_name (opt), v);
  return sie_error (err, 0, "update: %s: invalid size \"%s\" (bytes, or with a unit as in "
                            "512m or 1g; -1 for unlimited)",
                    flag_name (opt), v);
}

static int
parse_list (int opt, const char *v, char **out, sie_error_t *err)
{
  cpu_set_t set;

  if (sie_cpulist_parse (v, opt == OPT_CPUSET_CPUS ? "cpu" : "node", flag_name (opt), &set, err)
      < 0)
    return sie_error_prefix (err, "update");
  free (*out);
  *out = strdup (v);
  return *out ? 0 : sie_error (err, ENOMEM, "update");
}

/* Intel RDT lives in the resctrl filesystem, which sie does not drive. */
static int
intel_rdt (const char *flag, sie_error_t *err)
{
  if (access ("/sys/fs/resctrl/schemata", F_OK) < 0)
    return sie_error (err, 0, "update: %s: Intel RDT is not available on this host (no resctrl "
                              "filesystem at /sys/fs/resctrl)",
                      flag);
  return sie_error (err, 0, "update: %s: sie does not manage Intel RDT (linux.intelRdt)", flag);
}

static int
ensure_parts (struct sie_resources *r, sie_error_t *err)
{
  if ((r->memory == NULL && (r->memory = calloc (1, sizeof (*r->memory))) == NULL)
      || (r->cpu == NULL && (r->cpu = calloc (1, sizeof (*r->cpu))) == NULL)
      || (r->block_io == NULL && (r->block_io = calloc (1, sizeof (*r->block_io))) == NULL))
    return sie_error (err, ENOMEM, "update");
  return 0;
}

/* One resource flag into r. */
static int
set_flag (struct sie_resources *r, int opt, const char *v, sie_error_t *err)
{
  struct sie_cpu *c = r->cpu;
  struct sie_memory *m = r->memory;

  switch (opt)
    {
    case OPT_BLKIO_WEIGHT:
      r->block_io->weight.set = true;
      return parse_u64 (opt, v, &r->block_io->weight.v, err);
    case OPT_CPU_PERIOD:
      c->period.set = true;
      return parse_u64 (opt, v, &c->period.v, err);
    case OPT_CPU_QUOTA:
      c->quota.set = true;
      return parse_i64 (opt, v, &c->quota.v, err);
    case OPT_CPU_BURST:
      c->burst.set = true;
      return parse_u64 (opt, v, &c->burst.v, err);
    case OPT_CPU_SHARES:
      c->shares.set = true;
      return parse_u64 (opt, v, &c->shares.v, err);
    case OPT_CPU_RT_PERIOD:
      c->realtime_period.set = true;
      return parse_u64 (opt, v, &c->realtime_period.v, err);
    case OPT_CPU_RT_RUNTIME:
      c->realtime_runtime.set = true;
      return parse_i64 (opt, v, &c->realtime_runtime.v, err);
    case OPT_CPU_IDLE:
      c->idle.set = true;
      return parse_i64 (opt, v, &c->idle.v, err);
    case OPT_CPUSET_CPUS:
      return parse_list (opt, v, &c->cpus, err);
    case OPT_CPUSET_MEMS:
      return parse_list (opt, v, &c->mems, err);
    case OPT_MEMORY:
      m->limit.set = true;
      return parse_size (opt, v, &m->limit.v, err);
    case OPT_MEMORY_RESERVATION:
      m->reservation.set = true;
      return parse_size (opt, v, &m->reservation.v, err);
    case OPT_MEMORY_SWAP:
      m->swap.set = true;
      return parse_size (opt, v, &m->swap.v, err);
    case OPT_PIDS_LIMIT:
      r->pids_limit.set = true;
      return parse_i64 (opt, v, &r->pids_limit.v, err);
    }
  return sie_error (err, 0, "update: unknown option");
}

static int
read_resources_file (const char *path, struct sie_resources **out, sie_error_t *err)
{
  bool is_stdin = strcmp (path, "-") == 0;
  const char *origin = is_stdin ? "stdin" : path;
  cleanup_free char *data = NULL;
  size_t len;

  if (sie_read_file_at (AT_FDCWD, is_stdin ? "/dev/stdin" : path, 1 << 20, &data, &len, err) < 0)
    return sie_error_prefix (err, "update: --resources");
  if (sie_resources_parse (data, len, origin, out, err) < 0)
    return sie_error_prefix (err, "update: --resources");
  return 0;
}

/* "-rFILE", as opposed to "-r", "-res" or "--resources". */
static bool
short_r_with_value (const char *arg)
{
  return arg[1] == 'r' && arg[2] && strncmp ("-resources", arg, strlen (arg)) != 0;
}

/* The ID before the flags are parsed, so errors about them name the
 * container too: every flag of update takes a value. */
static const char *
find_id (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        return i + 1 < argc ? argv[i + 1] : NULL;
      if (argv[i][0] != '-' || argv[i][1] == '\0')
        return argv[i];
      if (strchr (argv[i], '=') == NULL && !short_r_with_value (argv[i]))
        i++;
    }
  return NULL;
}

struct update_args
{
  const char *file;
  const char *first_flag; /* a resource flag given, for the -r conflict */
  unsigned long given;    /* FLAG_BIT of each resource flag given */
  struct sie_resources *flags;
};

static int
parse_args (int argc, char **argv, struct update_args *a, sie_error_t *err)
{
  static const struct option opts[] = {
    { "resources", required_argument, NULL, OPT_RESOURCES },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-burst", required_argument, NULL, OPT_CPU_BURST },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES }, /* runc's spelling */
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpu-idle", required_argument, NULL, OPT_CPU_IDLE },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
    { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
    { NULL, 0, NULL, 0 },
  };
  int c;

  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "r:", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_RESOURCES:
        a->file = optarg;
        break;
      case OPT_KERNEL_MEMORY:
      case OPT_KERNEL_MEMORY_TCP:
        sie_log_warning ("update: setting --%s is ignored: the kernel no longer limits kernel "
                         "memory on its own (as runc)",
                         c == OPT_KERNEL_MEMORY ? "kernel-memory" : "kernel-memory-tcp");
        break;
      case OPT_L3_CACHE_SCHEMA:
        return intel_rdt ("--l3-cache-schema", err);
      case OPT_MEM_BW_SCHEMA:
        return intel_rdt ("--mem-bw-schema", err);
      case '?':
      case ':':
        if (optopt && optopt != '?' && c == ':')
          return cmd_usage_error (err, "update", "option \"%s\" needs a value", argv[optind - 1]);
        return cmd_usage_error (err, "update", "unknown option \"%s\"", argv[optind - 1]);
      default:
        a->first_flag = a->first_flag ? a->first_flag : flag_name (c);
        a->given |= FLAG_BIT (c);
        if (set_flag (a->flags, c, optarg, err) < 0)
          return -1;
      }
  return cmd_positional (argc, argv, 1, "update", "ID", err);
}

int
cmd_update (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  cleanup_resources struct sie_resources *flags = calloc (1, sizeof (*flags));
  cleanup_resources struct sie_resources *file = NULL;
  struct update_args a = { .flags = flags };
  struct sie_update u = { .cpuset_mode = SIE_CG_CPUSET_KEEP };

  if (flags == NULL || ensure_parts (flags, err) < 0)
    return sie_error (err, ENOMEM, "update");
  *id = find_id (argc, argv);
  if (parse_args (argc, argv, &a, err) < 0)
    return -1;
  *id = argv[optind];
  if (a.file && a.first_flag)
    return sie_error (err, 0, "update: --resources cannot be combined with %s", a.first_flag);
  if (a.file && read_resources_file (a.file, &file, err) < 0)
    return -1;
  u.res = file ? file : flags;
  if (sie_container_update (g->root, *id, &u, err) < 0)
    {
      if (!file)
        name_the_flag (a.given, err);
      return sie_error_prefix (err, "update");
    }
  return 0;
}
