/* spec/resources_io: runc's memory sizes, and linux.resources documents
 * written and read back unchanged, merged as update merges them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config.h"
#include "tests/unit/tap.h"
#include "util/cleanup.h"

static void
size_ok (const char *s, int64_t want)
{
  int64_t got = 12345;
  int r = sie_ram_size_parse (s, &got);

  ok (r == 0 && got == want, "size \"%s\" is %lld (got %lld, r=%d)", s, (long long) want,
      (long long) got, r);
}

static void
size_bad (const char *s, int want_errno)
{
  int64_t got = 0;
  int r;

  errno = 0;
  r = sie_ram_size_parse (s, &got);
  ok (r == -1 && errno == want_errno, "size \"%s\" is refused with %s (r=%d errno=%d)", s,
      want_errno == ERANGE ? "ERANGE" : "EINVAL", r, errno);
}

static void
test_sizes (void)
{
  size_ok ("4096", 4096);
  size_ok ("0", 0);
  size_ok ("-1", -1);
  size_ok ("1k", 1024);
  size_ok ("512m", 512LL << 20);
  size_ok ("512M", 512LL << 20);
  size_ok ("1g", 1LL << 30);
  size_ok ("1GiB", 1LL << 30);
  size_ok ("1gb", 1LL << 30);
  size_ok ("1 g", 1LL << 30);
  size_ok ("2t", 2LL << 40);
  size_ok ("3P", 3LL << 50);
  size_ok ("10b", 10);
  size_ok ("10ib", 10); /* as the docker regex reads it: no unit, "i", "b" */
  size_ok ("1.5g", 3LL << 29);
  size_ok ("0.5k", 512);
  size_ok ("1.9999", 1); /* fractions of a byte are cut, as int64(float) */
  size_ok ("9223372036854775807", INT64_MAX);
  size_ok ("8191p", 8191LL << 50);

  size_bad ("", EINVAL);
  size_bad ("abc", EINVAL);
  size_bad ("1x", EINVAL);
  size_bad ("-2", EINVAL);
  size_bad ("1.g", EINVAL);
  size_bad (".5g", EINVAL);
  size_bad ("1.2.3", EINVAL);
  size_bad (" 1g", EINVAL);
  size_bad ("1g ", EINVAL);
  size_bad ("1  g", EINVAL);
  size_bad ("1gib2", EINVAL);
  size_bad ("1kk", EINVAL);
  size_bad ("+1", EINVAL);
  size_bad ("0x10", EINVAL);
  size_bad ("8192p", ERANGE);
  size_bad ("9223372036854775808", ERANGE);
  size_bad ("99999999999999999999999", ERANGE);
  size_bad ("8192.5p", ERANGE);
}

/* Every field of linux.resources, in the writer's order, compact. */
static const char full[]
    = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
      "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
      "{\"allow\":true,\"type\":\"b\",\"major\":-1}],"
      "\"memory\":{\"limit\":536870912,\"reservation\":268435456,\"swap\":-1,\"kernel\":0,"
      "\"kernelTCP\":1024,\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":false,"
      "\"checkBeforeUpdate\":true},"
      "\"cpu\":{\"shares\":1024,\"quota\":-1,\"burst\":0,\"period\":100000,"
      "\"realtimeRuntime\":950000,\"realtimePeriod\":1000000,\"cpus\":\"0-1\",\"mems\":\"\","
      "\"idle\":1},"
      "\"pids\":{\"limit\":-1},"
      "\"blockIO\":{\"weight\":500,\"leafWeight\":300,"
      "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":200},"
      "{\"major\":8,\"minor\":16,\"leafWeight\":10}],"
      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":18446744073709551615}],"
      "\"throttleWriteBpsDevice\":[],"
      "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":0}],"
      "\"throttleWriteIOPSDevice\":[{\"major\":253,\"minor\":1,\"rate\":300}]},"
      "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":18446744073709551615}],"
      "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
      "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3},\"mlx5_1\":{\"hcaHandles\":1,\"hcaObjects\":99}},"
      "\"unified\":{\"memory.high\":\"max\",\"io.weight\":\"default 100\"}}";

static char *
write_compact (const struct sie_resources *r)
{
  sie_error_t err = NULL;
  char *out = NULL;

  if (sie_resources_json (r, NULL, &out, &err) < 0)
    {
      printf ("# write: %s\n", err->msg);
      sie_error_release (&err);
    }
  return out;
}

static struct sie_resources *
parse (const char *json)
{
  sie_error_t err = NULL;
  struct sie_resources *r = NULL;

  if (sie_resources_parse (json, strlen (json), "r.json", &r, &err) < 0)
    {
      printf ("# parse: %s\n", err->msg);
      sie_error_release (&err);
    }
  return r;
}

static void
test_round_trip (void)
{
  cleanup_resources struct sie_resources *r = parse (full);
  cleanup_resources struct sie_resources *again = NULL;
  cleanup_free char *out = NULL, *out2 = NULL, *pretty = NULL;
  sie_error_t err = NULL;

  ok (r != NULL, "every linux.resources field parses");
  if (r == NULL)
    return;
  ok (r->block_io->throttle_read_bps[0].rate == UINT64_MAX, "a uint64 rate keeps its full range");
  out = write_compact (r);
  is_str (out, full, "written back field for field");
  again = out ? parse (out) : NULL;
  out2 = again ? write_compact (again) : NULL;
  is_str (out2, full, "and read again, the same");
  ok (sie_resources_json (r, "  ", &pretty, &err) == 0 && pretty
          && pretty[strlen (pretty) - 1] == '\n' && strstr (pretty, "\n  \"memory\": {\n"),
      "indented form ends with a newline");
}

static void
test_empty (void)
{
  cleanup_free char *out = write_compact (NULL);
  cleanup_resources struct sie_resources *dup = NULL;
  cleanup_resources struct sie_resources *pids_only = parse ("{\"pids\":{}}");
  cleanup_free char *pids_out = pids_only ? write_compact (pids_only) : NULL;
  sie_error_t err = NULL;

  is_str (out, "{}", "no resources: an empty object");
  ok (sie_resources_dup (NULL, &dup, &err) == 0 && dup && dup->memory == NULL,
      "a copy of nothing is empty");
  is_str (pids_out, "{}", "a pids object without a limit sets nothing");
}

static void
test_dup (void)
{
  cleanup_resources struct sie_resources *r = parse (full);
  cleanup_resources struct sie_resources *copy = NULL;
  cleanup_free char *out = NULL;
  sie_error_t err = NULL;

  ok (r && sie_resources_dup (r, &copy, &err) == 0, "a full tree copies");
  if (copy == NULL)
    return;
  ok (copy->cpu != r->cpu && copy->cpu->cpus != r->cpu->cpus, "the copy shares no memory");
  out = write_compact (copy);
  is_str (out, full, "the copy writes the same document");
}

static void
test_merge (void)
{
  cleanup_resources struct sie_resources *dst
      = parse ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
               "\"memory\":{\"limit\":1024,\"swap\":2048},\"cpu\":{\"shares\":100,\"cpus\":\"0\"},"
               "\"pids\":{\"limit\":10},\"blockIO\":{\"weight\":10,"
               "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":5}]}}");
  cleanup_resources struct sie_resources *src
      = parse ("{\"devices\":[{\"allow\":true}],\"memory\":{\"limit\":4096,"
               "\"checkBeforeUpdate\":true},\"cpu\":{\"quota\":5000,\"cpus\":\"1\"},"
               "\"blockIO\":{\"weight\":20},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}");
  cleanup_resources struct sie_resources *empty = calloc (1, sizeof (struct sie_resources));
  cleanup_resources struct sie_resources *only_empty_parts = parse ("{\"memory\":{},\"cpu\":{},\"blockIO\":{}}");
  cleanup_free char *out = NULL, *out_empty = NULL;
  sie_error_t err = NULL;

  ok (dst && src && sie_resources_merge (dst, src, &err) == 0, "merge");
  out = dst ? write_compact (dst) : NULL;
  is_str (out,
          "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
          "\"memory\":{\"limit\":4096,\"swap\":2048,\"checkBeforeUpdate\":true},"
          "\"cpu\":{\"shares\":100,\"quota\":5000,\"cpus\":\"1\"},\"pids\":{\"limit\":10},"
          "\"blockIO\":{\"weight\":20,"
          "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":5}]}}",
          "set fields replace, the others stay, lists are not merged");
  ok (empty && only_empty_parts && sie_resources_merge (empty, only_empty_parts, &err) == 0,
      "merging empty parts");
  out_empty = empty ? write_compact (empty) : NULL;
  is_str (out_empty, "{}", "empty parts add nothing");
}

static void
test_parse_errors (void)
{
  static const struct
  {
    const char *json, *msg;
  } cases[] = {
    { "{\"memory\":{\"limit\":\"1G\"}}", "r.json: memory.limit: expected an integer, got \"1G\"" },
    { "{\"cpu\":{\"shares\":-1}}", "r.json: cpu.shares" },
    { "[]", "r.json: expected an object" },
    { "{\"pids\":", "r.json: line 1" },
    { "", "r.json: empty document" },
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      sie_error_t err = NULL;
      struct sie_resources *r = NULL;
      int ret = sie_resources_parse (cases[i].json, strlen (cases[i].json), "r.json", &r, &err);
      ok (ret < 0 && r == NULL && err && strncmp (err->msg, cases[i].msg, strlen (cases[i].msg)) == 0,
          "error for %s: %s", cases[i].json, err ? err->msg : "(none)");
      sie_error_release (&err);
    }
}

int
main (void)
{
  test_sizes ();
  test_round_trip ();
  test_empty ();
  test_dup ();
  test_merge ();
  test_parse_errors ();
  return tap_done ();
}
