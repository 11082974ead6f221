/* `partition`: a container seen as a partition of the host, the way
 * mainframe partition managers show one: a processing weight, a cap,
 * shared or dedicated processors, and memory.  Read back from the cgroup
 * files; set through update's engine. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cmd/cmd.h"
#include "runtime/cpulist.h"
#include "runtime/update.h"
#include "util/cleanup.h"

#define DEFAULT_PERIOD 100000

enum
{
  OPT_FORMAT = 'f',
  OPT_WEIGHT = 256,
  OPT_CAP,
  OPT_PROCESSORS,
  OPT_DEDICATED,
  OPT_SHARED,
  OPT_MEMORY,
};

struct partition_args
{
  bool json;
  const char *weight, *cap, *processors, *memory;
  enum sie_cg_cpuset_mode mode;
};

/* ---- text ---- */

/* Exact in the largest binary unit that divides it, else one decimal. */
static void
format_bytes (int64_t v, char *buf, size_t len)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  size_t u = 0;
  double d = (double) v;

  while (u + 1 < ARRAY_SIZE (units) && v >= 1024 && v % 1024 == 0)
    v /= 1024, u++;
  if (v < 1024 || u + 1 == ARRAY_SIZE (units))
    {
      snprintf (buf, len, "%" PRId64 " %s", v, units[u]);
      return;
    }
  for (u = 0; u + 1 < ARRAY_SIZE (units) && d >= 1024; u++)
    d /= 1024;
  snprintf (buf, len, "%.1f %s", d, units[u]);
}

static void
print_row (const char *name, const char *value, const char *detail)
{
  printf ("%-10s %-11s (%s)\n", name, value, detail);
}

static void
print_cpu (const struct sie_cg_partition *p)
{
  char value[64], detail[128];

  if (!p->has_cpu)
    {
      print_row ("weight", "-", "no cpu controller");
      print_row ("cap", "none", "no cpu controller");
      return;
    }
  snprintf (value, sizeof (value), "%" PRIu64, p->shares);
  if (p->cpu_v2)
    snprintf (detail, sizeof (detail), "cpu.weight %" PRIu64, p->weight);
  else
    snprintf (detail, sizeof (detail), "cpu.shares %" PRIu64, p->shares);
  print_row ("weight", value, detail);
  if (p->quota < 0 || p->period == 0)
    {
      snprintf (detail, sizeof (detail), "no quota; period %" PRIu64 "us", p->period);
      print_row ("cap", "none", detail);
      return;
    }
  snprintf (value, sizeof (value), "%.2f CPUs", (double) p->quota / (double) p->period);
  snprintf (detail, sizeof (detail), "quota %" PRId64 "us per %" PRIu64 "us", p->quota,
            p->period);
  print_row ("cap", value, detail);
}

static void
print_cpuset (const struct sie_cg_partition *p)
{
  char value[512], detail[600];

  if (!p->has_cpuset)
    {
      print_row ("processors", "all shared", "no cpuset controller");
      return;
    }
  snprintf (value, sizeof (value), "%s %s", p->cpus, p->dedicated ? "dedicated" : "shared");
  if (p->cpuset_v2)
    snprintf (detail, sizeof (detail), "cpuset.cpus %s, partition %s", p->cpus,
              p->partition ? p->partition : "member");
  else
    snprintf (detail, sizeof (detail), "cpuset.cpus %s, cpu_exclusive %d", p->cpus,
              p->dedicated);
  print_row ("processors", value, detail);
}

static void
print_memory (const struct sie_cg_partition *p)
{
  char value[32], reservation[32] = "none", swap[40] = "swap accounting off", usage[32],
                  detail[160];

  if (!p->has_memory)
    {
      print_row ("memory", "unlimited", "no memory controller");
      return;
    }
  if (p->limit < 0)
    snprintf (value, sizeof (value), "unlimited");
  else
    format_bytes (p->limit, value, sizeof (value));
  if (p->reservation >= 0)
    format_bytes (p->reservation, reservation, sizeof (reservation));
  if (p->swap_known && p->swap < 0)
    snprintf (swap, sizeof (swap), "swap unlimited");
  else if (p->swap_known)
    {
      char amount[32];
      format_bytes (p->swap, amount, sizeof (amount));
      snprintf (swap, sizeof (swap), "swap +%s", p->swap == 0 ? "0" : amount);
    }
  format_bytes (p->usage, usage, sizeof (usage));
  snprintf (detail, sizeof (detail), "%sreservation %s, %s, using %s", p->limit < 0 ? "" : "limit; ",
            reservation, swap, usage);
  print_row ("memory", value, detail);
}

static int
print_text (const char *id, const struct sie_cg_partition *p)
{
  printf ("%-10s %s\n", "container", id);
  print_cpu (p);
  print_cpuset (p);
  print_memory (p);
  return fflush (stdout) == 0 ? 0 : -1;
}

/* ---- json ---- */

static void
key (yajl_gen g, const char *k)
{
  yajl_gen_string (g, (const unsigned char *) k, strlen (k));
}

static void
key_int (yajl_gen g, const char *k, long long v)
{
  key (g, k);
  yajl_gen_integer (g, v);
}

static void
key_str (yajl_gen g, const char *k, const char *v)
{
  key (g, k);
  if (v)
    yajl_gen_string (g, (const unsigned char *) v, strlen (v));
  else
    yajl_gen_null (g);
}

static void
json_cpu (yajl_gen g, const struct sie_cg_partition *p)
{
  key (g, "weight");
  if (!p->has_cpu)
    yajl_gen_null (g);
  else
    {
      yajl_gen_map_open (g);
      key_int (g, "shares", (long long) p->shares);
      key_int (g, "weight", (long long) p->weight);
      key_str (g, "file", p->cpu_v2 ? "cpu.weight" : "cpu.shares");
      yajl_gen_map_close (g);
    }
  key (g, "cap");
  if (!p->has_cpu)
    {
      yajl_gen_null (g);
      return;
    }
  yajl_gen_map_open (g);
  key (g, "cpus");
  if (p->quota < 0 || p->period == 0)
    yajl_gen_null (g);
  else
    yajl_gen_double (g, (double) (int64_t) ((double) p->quota * 1000 / (double) p->period + 0.5)
                           / 1000);
  key_int (g, "quota", p->quota);
  key_int (g, "period", (long long) p->period);
  yajl_gen_map_close (g);
}

static void
json_cpuset (yajl_gen g, const struct sie_cg_partition *p)
{
  key (g, "processors");
  if (!p->has_cpuset)
    {
      yajl_gen_null (g);
      return;
    }
  yajl_gen_map_open (g);
  key_str (g, "cpus", p->cpus);
  key_str (g, "mems", p->mems);
  key (g, "dedicated");
  yajl_gen_bool (g, p->dedicated);
  if (p->cpuset_v2)
    key_str (g, "partition", p->partition);
  yajl_gen_map_close (g);
}

static void
json_memory (yajl_gen g, const struct sie_cg_partition *p)
{
  key (g, "memory");
  if (!p->has_memory)
    {
      yajl_gen_null (g);
      return;
    }
  yajl_gen_map_open (g);
  key_int (g, "limit", p->limit);
  key_int (g, "reservation", p->reservation);
  key (g, "swap");
  if (p->swap_known)
    yajl_gen_integer (g, p->swap);
  else
    yajl_gen_null (g);
  key_int (g, "usage", p->usage);
  yajl_gen_map_close (g);
}

static int
print_json (const char *id, const struct sie_cg_partition *p, sie_error_t *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  int ret = 0;

  if (g == NULL)
    return sie_error (err, ENOMEM, "partition");
  yajl_gen_map_open (g);
  key_str (g, "container", id);
  json_cpu (g, p);
  json_cpuset (g, p);
  json_memory (g, p);
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    ret = sie_error (err, 0, "partition: generating JSON failed");
  else if (fwrite (buf, 1, len, stdout) != len || puts ("") == EOF || fflush (stdout) != 0)
    ret = sie_error (err, errno, "partition: write");
  yajl_gen_free (g);
  return ret;
}

/* ---- setting ---- */

static int
set_weight (struct sie_cpu *c, const char *v, sie_error_t *err)
{
  char *end;
  unsigned long long n;

  errno = 0;
  n = strtoull (v, &end, 10);
  if (errno || end == v || *end || strchr (v, '-') || n < 2 || n > 262144)
    return sie_error (err, 0, "partition: --weight: expected an integer from 2 to 262144 "
                              "(cpu.shares), got \"%s\"",
                      v);
  c->shares.set = true;
  c->shares.v = n;
  return 0;
}

static int
set_cap (struct sie_cpu *c, const char *v, uint64_t period, sie_error_t *err)
{
  char *end;
  double cpus;

  c->quota.set = true;
  if (strcmp (v, "none") == 0)
    {
      c->quota.v = -1;
      return 0;
    }
  errno = 0;
  cpus = strtod (v, &end);
  if (errno || end == v || *end || !(cpus > 0) || cpus > 1e6)
    return sie_error (err, 0, "partition: --cap: expected a number of CPUs such as 1.5, or "
                              "none, got \"%s\"",
                      v);
  c->quota.v = (int64_t) (cpus * (double) period + 0.5); /* cpus > 0 */
  if (c->quota.v < 1000)
    return sie_error (err, 0, "partition: --cap: %s CPUs is a quota of %" PRId64 "us per "
                              "%" PRIu64 "us, below the kernel's minimum of 1000us",
                      v, c->quota.v, period);
  return 0;
}

static int
set_memory (struct sie_memory *m, const char *v, sie_error_t *err)
{
  m->limit.set = true;
  if (strcmp (v, "unlimited") == 0)
    {
      m->limit.v = -1;
      return 0;
    }
  if (sie_ram_size_parse (v, &m->limit.v) < 0 || m->limit.v == 0)
    return sie_error (err, 0, "partition: --memory: expected a size such as 512m or 2g, or "
                              "unlimited, got \"%s\"",
                      v);
  return 0;
}

static int
set_processors (struct sie_cpu *c, const char *v, sie_error_t *err)
{
  cpu_set_t set;

  if (sie_cpulist_parse (v, "cpu", "--processors", &set, err) < 0)
    return sie_error_prefix (err, "partition");
  if (CPU_COUNT (&set) == 0)
    return sie_error (err, 0, "partition: --processors: the list is empty");
  c->cpus = strdup (v);
  return c->cpus ? 0 : sie_error (err, ENOMEM, "partition");
}

static int
apply (const struct sie_globals *g, const char *id, const struct partition_args *a,
       const struct sie_cg_partition *now, sie_error_t *err)
{
  cleanup_resources struct sie_resources *r = calloc (1, sizeof (*r));
  struct sie_update u = { .cpuset_mode = a->mode };

  if (r == NULL || (r->cpu = calloc (1, sizeof (*r->cpu))) == NULL
      || (r->memory = calloc (1, sizeof (*r->memory))) == NULL)
    return sie_error (err, ENOMEM, "partition");
  if ((a->weight && set_weight (r->cpu, a->weight, err) < 0)
      || (a->cap && set_cap (r->cpu, a->cap, now->period ? now->period : DEFAULT_PERIOD, err) < 0)
      || (a->processors && set_processors (r->cpu, a->processors, err) < 0)
      || (a->memory && set_memory (r->memory, a->memory, err) < 0))
    return -1;
  u.res = r;
  if (sie_container_update (g->root, id, &u, err) < 0)
    return sie_error_prefix (err, "partition");
  return 0;
}

/* ---- command ---- */

static int
parse_args (int argc, char **argv, struct partition_args *a, sie_error_t *err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, OPT_FORMAT },
    { "weight", required_argument, NULL, OPT_WEIGHT },
    { "cap", required_argument, NULL, OPT_CAP },
    { "processors", required_argument, NULL, OPT_PROCESSORS },
    { "dedicated", no_argument, NULL, OPT_DEDICATED },
    { "shared", no_argument, NULL, OPT_SHARED },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { NULL, 0, NULL, 0 },
  };
  int c;

  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "f:", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_FORMAT:
        if (strcmp (optarg, "json") != 0 && strcmp (optarg, "text") != 0)
          return sie_error (err, 0, "partition: --format: expected text or json, got \"%s\"",
                            optarg);
        a->json = strcmp (optarg, "json") == 0;
        break;
      case OPT_WEIGHT:
        a->weight = optarg;
        break;
      case OPT_CAP:
        a->cap = optarg;
        break;
      case OPT_PROCESSORS:
        a->processors = optarg;
        break;
      case OPT_MEMORY:
        a->memory = optarg;
        break;
      case OPT_DEDICATED:
      case OPT_SHARED:
        if (a->mode != SIE_CG_CPUSET_KEEP)
          return sie_error (err, 0, "partition: --dedicated and --shared exclude each other");
        a->mode = c == OPT_DEDICATED ? SIE_CG_CPUSET_DEDICATED : SIE_CG_CPUSET_SHARED;
        break;
      default:
        return cmd_usage_error (err, "partition", "unknown option or missing value \"%s\"",
                                argv[optind - 1]);
      }
  return cmd_positional (argc, argv, 1, "partition", "ID", err);
}

/* The ID, found before the flags are parsed so that errors about them
 * name the container too: the first word that is not a flag or a flag's
 * value. */
static const char *
find_id (int argc, char **argv)
{
  static const char *const with_value[] = { "weight", "cap", "processors", "memory", "format",
                                            "f" };

  for (int i = 1; i < argc; i++)
    {
      const char *name = argv[i] + strspn (argv[i], "-");
      if (strcmp (argv[i], "--") == 0)
        return i + 1 < argc ? argv[i + 1] : NULL;
      if (argv[i][0] != '-' || argv[i][1] == '\0')
        return argv[i];
      for (size_t k = 0; k < ARRAY_SIZE (with_value) && !strchr (name, '='); k++)
        if (strcmp (name, with_value[k]) == 0)
          i++;
    }
  return NULL;
}

static int
read_view (const struct sie_globals *g, const char *id, struct sie_cg_partition *p,
           sie_error_t *err)
{
  if (sie_container_partition (g->root, id, p, err) < 0)
    return sie_error_prefix (err, "partition");
  return 0;
}

/* Reads the view, and with setting flags changes it and reads it again. */
static int
view_or_set (const struct sie_globals *g, const char *id, const struct partition_args *a,
             struct sie_cg_partition *p, sie_error_t *err)
{
  bool setting = a->weight || a->cap || a->processors || a->memory
                 || a->mode != SIE_CG_CPUSET_KEEP;

  if (read_view (g, id, p, err) < 0)
    return -1;
  if (!setting)
    return 0;
  if (apply (g, id, a, p, err) < 0)
    return -1;
  sie_cg_partition_clear (p);
  return read_view (g, id, p, err);
}

int
cmd_partition (const struct sie_globals *g, int argc, char **argv, const char **id,
               sie_error_t *err)
{
  struct partition_args a = { .mode = SIE_CG_CPUSET_KEEP };
  struct sie_cg_partition p = { 0 };
  int ret;

  *id = find_id (argc, argv);
  if (parse_args (argc, argv, &a, err) < 0)
    return -1;
  *id = argv[optind];
  ret = view_or_set (g, *id, &a, &p, err);
  if (ret == 0 && a.json)
    ret = print_json (*id, &p, err);
  else if (ret == 0 && print_text (*id, &p) < 0)
    ret = sie_error (err, errno, "partition: write");
  sie_cg_partition_clear (&p);
  return ret;
}
