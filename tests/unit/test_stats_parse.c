/* The cgroup stat file parsers, the --interval durations and the event
 * JSON, fed with text as the kernel writes it. */
#include <stdint.h>
#include <stdlib.h>

#include "cgroups/stats.h"
#include "runtime/events.h"
#include "spec/events.h"
#include "tests/unit/tap.h"

static void
test_u64 (void)
{
  sie_error_t err = NULL;
  uint64_t v = 7;

  ok (sie_stats_parse_u64 ("4096\n", "memory.usage_in_bytes", &v, &err) == 0 && v == 4096,
      "a number with its newline");
  ok (sie_stats_parse_u64 ("max\n", "memory.max", &v, &err) == 0 && v == UINT64_MAX,
      "max is UINT64_MAX");
  ok (sie_stats_parse_u64 ("-1", "memory.soft_limit_in_bytes", &v, &err) == 0 && v == 0,
      "a negative number reads as 0");
  ok (sie_stats_parse_u64 ("18446744073709551615", "f", &v, &err) == 0 && v == UINT64_MAX,
      "the largest u64");
  ok (sie_stats_parse_u64 ("18446744073709551616", "pids.max", &v, &err) < 0, "overflow fails");
  is_str (err ? err->msg : NULL, "pids.max: expected a number, got \"18446744073709551616\"",
          "the error names the file and the text");
  sie_error_release (&err);
  ok (sie_stats_parse_u64 ("12abc", "f", &v, &err) < 0, "trailing garbage fails");
  sie_error_release (&err);
  ok (sie_stats_parse_u64 ("", "f", &v, &err) < 0, "empty fails");
  sie_error_release (&err);
}

/* memory.stat as v1 writes it (abridged from this host) and as v2 does. */
static const char memory_stat_v1[] = "cache 8192\nrss 53248\nrss_huge 0\nmapped_file 0\n"
                                     "hierarchical_memory_limit 33554432\n"
                                     "hierarchical_memsw_limit 9223372036854771712\n"
                                     "total_cache 8192\n";
static const char memory_stat_v2[] = "anon 1306624\nfile 4096\nkernel 299008\n"
                                     "kernel_stack 32768\nsock 0\nshmem 0\n"
                                     "pgfault 1234\nworkingset_refault_anon 0\n";

static void
test_memory_stat (void)
{
  struct sie_stats_kvs kvs = { 0 };
  sie_error_t err = NULL;
  bool found;

  ok (sie_stats_parse_kv (memory_stat_v1, "memory.stat", &kvs, &err) == 0, "v1 memory.stat parses");
  ok (kvs.n == 7, "v1: 7 keys (got %zu)", kvs.n);
  ok (sie_stats_kv_get (&kvs, "cache", NULL) == 8192, "v1 cache");
  ok (sie_stats_kv_get (&kvs, "hierarchical_memsw_limit", NULL) == 9223372036854771712ULL,
      "v1 hierarchical_memsw_limit");
  sie_stats_kvs_sort (&kvs);
  is_str (kvs.kv[0].key, "cache", "sorted: first key");
  is_str (kvs.kv[kvs.n - 1].key, "total_cache", "sorted: last key");
  sie_stats_kvs_clear (&kvs);

  ok (sie_stats_parse_kv (memory_stat_v2, "memory.stat", &kvs, &err) == 0, "v2 memory.stat parses");
  ok (sie_stats_kv_get (&kvs, "file", &found) == 4096 && found, "v2 file (runc's cache)");
  ok (sie_stats_kv_get (&kvs, "cache", &found) == 0 && !found, "v2 has no cache key");
  sie_stats_kvs_clear (&kvs);

  ok (sie_stats_parse_kv ("anon 1\nbroken\n", "memory.stat", &kvs, &err) < 0, "a key without value");
  is_str (err ? err->msg : NULL, "memory.stat: malformed line \"broken\"", "names the line");
  sie_error_release (&err);
  sie_stats_kvs_clear (&kvs);
  ok (sie_stats_parse_kv ("anon x\n", "memory.stat", &kvs, &err) < 0, "a value that is no number");
  sie_error_release (&err);
  sie_stats_kvs_clear (&kvs);
  ok (sie_stats_parse_kv ("", "memory.stat", &kvs, &err) == 0 && kvs.n == 0, "empty file");
}

static void
test_cpu_stat (void)
{
  struct sie_cgroup_stats s = { 0 };
  sie_error_t err = NULL;

  ok (sie_stats_cpu_stat ("usage_usec 1911891738\nuser_usec 1411759284\nsystem_usec 500132453\n"
                          "nice_usec 8000\nnr_periods 20\nnr_throttled 5\nthrottled_usec 700\n"
                          "nr_bursts 0\nburst_usec 0\n",
                          true, &s, &err)
          == 0,
      "v2 cpu.stat parses");
  ok (s.cpu.total == 1911891738000ULL, "v2 usage_usec in ns");
  ok (s.cpu.user == 1411759284000ULL && s.cpu.kernel == 500132453000ULL, "v2 user and system in ns");
  ok (s.cpu.periods == 20 && s.cpu.throttled_periods == 5, "v2 periods");
  ok (s.cpu.throttled_time == 700000, "v2 throttled_usec in ns");

  s = (struct sie_cgroup_stats){ .cpu.total = 42 };
  ok (sie_stats_cpu_stat ("nr_periods 3\nnr_throttled 2\nthrottled_time 1500\nnr_bursts 0\n"
                          "burst_time 0\n",
                          false, &s, &err)
          == 0,
      "v1 cpu.stat parses");
  ok (s.cpu.throttled_time == 1500 && s.cpu.throttled_periods == 2 && s.cpu.periods == 3,
      "v1 throttled_time is already ns");
  ok (s.cpu.total == 42, "v1 cpu.stat leaves usage to cpuacct");
  ok (sie_stats_cpu_stat ("usage_usec\n", true, &s, &err) < 0, "malformed cpu.stat fails");
  sie_error_release (&err);
}

static void
test_cpuacct (void)
{
  struct sie_u64_list l = { 0 }, k = { 0 }, u = { 0 };
  struct sie_stats_kvs kvs = { 0 };
  sie_error_t err = NULL;

  ok (sie_stats_parse_u64_list ("970350120896 968393933933 \n", "cpuacct.usage_percpu", &l, &err)
          == 0,
      "usage_percpu parses (with its trailing blank)");
  ok (l.n == 2 && l.v[0] == 970350120896ULL && l.v[1] == 968393933933ULL, "two CPUs");
  free (l.v);
  l = (struct sie_u64_list){ 0 };
  for (int i = 0; i < 9; i++)
    sie_stats_parse_u64_list ("1 2 3", "f", &l, &err);
  ok (l.n == 27 && l.v[26] == 3, "lists grow past their first allocations");
  free (l.v);
  l = (struct sie_u64_list){ 0 };
  ok (sie_stats_parse_u64_list ("1 two", "cpuacct.usage_percpu", &l, &err) < 0, "garbage fails");
  is_str (err ? err->msg : NULL, "cpuacct.usage_percpu: expected a number, got \"two\"",
          "names the bad number");
  sie_error_release (&err);
  free (l.v);

  ok (sie_stats_parse_usage_all ("cpu user system\n0 652801819976 230492630459\n"
                                 "1 646266487841 228815835759\n",
                                 &k, &u, &err)
          == 0,
      "usage_all parses");
  ok (k.n == 2 && k.v[0] == 230492630459ULL && k.v[1] == 228815835759ULL, "kernel column");
  ok (u.n == 2 && u.v[0] == 652801819976ULL, "user column");
  free (k.v);
  free (u.v);
  k = u = (struct sie_u64_list){ 0 };
  ok (sie_stats_parse_usage_all ("cpu user system\n0 1\n", &k, &u, &err) < 0,
      "usage_all short line fails");
  sie_error_release (&err);
  free (k.v);
  free (u.v);

  ok (sie_stats_parse_kv ("user 143158\nsystem 50716\n", "cpuacct.stat", &kvs, &err) == 0
          && sie_stats_kv_get (&kvs, "system", NULL) == 50716,
      "cpuacct.stat parses");
  sie_stats_kvs_clear (&kvs);
}

static void
test_blkio (void)
{
  struct sie_blkio_list l = { 0 };
  sie_error_t err = NULL;

  ok (sie_stats_parse_blkio ("254:0 Read 4148\n254:0 Write 42305\n254:0 Sync 53434\n"
                             "254:0 Async 42301\n254:0 Discard 49282\n254:0 Total 95735\n"
                             "Total 95735\n",
                             "blkio.bfq.io_service_bytes_recursive", &l, &err)
          == 0,
      "io_service_bytes_recursive parses");
  ok (l.n == 6, "six entries, the bare Total skipped (got %zu)", l.n);
  ok (l.n > 1 && l.e[1].major == 254 && l.e[1].minor == 0 && l.e[1].value == 42305,
      "device and value");
  is_str (l.n > 1 ? l.e[1].op : NULL, "Write", "op");
  free (l.e);
  l = (struct sie_blkio_list){ 0 };

  ok (sie_stats_parse_blkio ("8:16 6792\n", "blkio.sectors_recursive", &l, &err) == 0 && l.n == 1
          && l.e[0].minor == 16 && l.e[0].value == 6792 && l.e[0].op[0] == '\0',
      "sectors: no op");
  free (l.e);
  l = (struct sie_blkio_list){ 0 };

  ok (sie_stats_parse_blkio ("Total 0\n", "f", &l, &err) == 0 && l.n == 0, "only a Total line");
  ok (sie_stats_parse_blkio ("8:0 Read\n", "blkio.io_serviced_recursive", &l, &err) < 0,
      "a line without value fails");
  sie_error_release (&err);
  ok (sie_stats_parse_blkio ("8-0 Read 1\n", "f", &l, &err) < 0, "a bad device fails");
  sie_error_release (&err);
  ok (sie_stats_parse_blkio ("8:0 Read 1 2\n", "f", &l, &err) < 0, "too many fields fail");
  sie_error_release (&err);
  free (l.e);
}

static void
test_io_stat (void)
{
  struct sie_blkio_list bytes = { 0 }, ios = { 0 };
  sie_error_t err = NULL;

  ok (sie_stats_parse_io_stat ("8:0 rbytes=1024 wbytes=2048 rios=3 wios=4 dbytes=0 dios=0\n"
                               "253:1 rbytes=5 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
                               &bytes, &ios, &err)
          == 0,
      "io.stat parses");
  ok (bytes.n == 4 && ios.n == 4, "read and write per device, discards skipped");
  ok (bytes.e[0].major == 8 && bytes.e[0].value == 1024, "rbytes");
  is_str (bytes.e[0].op, "Read", "rbytes is Read");
  is_str (bytes.e[1].op, "Write", "wbytes is Write");
  ok (bytes.e[1].value == 2048, "wbytes value");
  ok (ios.e[1].value == 4 && ios.e[2].major == 253 && ios.e[2].minor == 1, "wios, second device");
  free (bytes.e);
  free (ios.e);
  bytes = ios = (struct sie_blkio_list){ 0 };
  ok (sie_stats_parse_io_stat ("8:0 rbytes\n", &bytes, &ios, &err) < 0, "a field without = fails");
  sie_error_release (&err);
  ok (sie_stats_parse_io_stat ("sda rbytes=1\n", &bytes, &ios, &err) < 0, "a bad device fails");
  is_str (err ? err->msg : NULL, "io.stat: malformed device \"sda\"", "names the device");
  sie_error_release (&err);
  ok (sie_stats_parse_io_stat ("", &bytes, &ios, &err) == 0 && bytes.n == 0, "empty io.stat");
}

static void
test_cpulist (void)
{
  struct sie_u64_list l = { 0 };
  sie_error_t err = NULL;

  ok (sie_stats_parse_cpulist ("0-2,5\n", "cpuset.cpus", &l, &err) == 0 && l.n == 4
          && l.v[2] == 2 && l.v[3] == 5,
      "ranges and single items");
  free (l.v);
  l = (struct sie_u64_list){ 0 };
  ok (sie_stats_parse_cpulist ("\n", "cpuset.mems", &l, &err) == 0 && l.n == 0, "empty list");
  ok (sie_stats_parse_cpulist ("3-1", "cpuset.cpus", &l, &err) < 0, "a reversed range fails");
  sie_error_release (&err);
  ok (sie_stats_parse_cpulist ("1--2", "cpuset.cpus", &l, &err) < 0, "a bad item fails");
  sie_error_release (&err);
  free (l.v);
}

static void
test_hugetlb (void)
{
  struct sie_stats_kvs kvs = { 0 };
  sie_error_t err = NULL;
  char *s;

  s = sie_stats_hugetlb_size ("hugetlb.2MB.current", "current");
  is_str (s, "2MB", "v2 usage file");
  free (s);
  s = sie_stats_hugetlb_size ("hugetlb.1GB.usage_in_bytes", "usage_in_bytes");
  is_str (s, "1GB", "v1 usage file");
  free (s);
  ok (sie_stats_hugetlb_size ("hugetlb.2MB.rsvd.current", "current") == NULL, "reservations skipped");
  ok (sie_stats_hugetlb_size ("hugetlb.2MB.max", "current") == NULL, "other files skipped");
  ok (sie_stats_hugetlb_size ("hugetlb..current", "current") == NULL, "no size");
  ok (sie_stats_hugetlb_size ("memory.current", "current") == NULL, "other controllers");
  ok (sie_stats_parse_kv ("max 3\n", "hugetlb.2MB.events", &kvs, &err) == 0
          && sie_stats_kv_get (&kvs, "max", NULL) == 3,
      "v2 hugetlb events: max is the failcnt");
  sie_stats_kvs_clear (&kvs);
}

static void
test_duration (void)
{
  sie_error_t err = NULL;
  uint64_t ns = 0;

  ok (sie_duration_parse ("5s", &ns, &err) == 0 && ns == 5000000000ULL, "5s");
  ok (sie_duration_parse ("200ms", &ns, &err) == 0 && ns == 200000000ULL, "200ms");
  ok (sie_duration_parse ("1m30s", &ns, &err) == 0 && ns == 90000000000ULL, "1m30s");
  ok (sie_duration_parse ("1.5h", &ns, &err) == 0 && ns == 5400000000000ULL, "1.5h");
  ok (sie_duration_parse ("300us", &ns, &err) == 0 && ns == 300000, "300us");
  ok (sie_duration_parse ("300\xc2\xb5s", &ns, &err) == 0 && ns == 300000, "300µs");
  ok (sie_duration_parse (".5s", &ns, &err) == 0 && ns == 500000000, ".5s");
  ok (sie_duration_parse ("5", &ns, &err) < 0, "a number without unit fails");
  sie_error_release (&err);
  ok (sie_duration_parse ("0s", &ns, &err) < 0, "zero fails");
  is_str (err ? err->msg : NULL, "--interval: must be greater than 0, got \"0s\"", "zero's message");
  sie_error_release (&err);
  ok (sie_duration_parse ("-1s", &ns, &err) < 0, "negative fails");
  sie_error_release (&err);
  ok (sie_duration_parse ("5x", &ns, &err) < 0, "unknown unit fails");
  sie_error_release (&err);
  ok (sie_duration_parse ("", &ns, &err) < 0, "empty fails");
  sie_error_release (&err);
  ok (sie_duration_parse ("99999999999h", &ns, &err) < 0, "overflow fails");
  sie_error_release (&err);
}

static void
test_json (void)
{
  uint64_t percpu[] = { 10, 20 };
  struct sie_stats_kv raw[] = { { "cache", 4096 }, { "rss", 8192 } };
  struct sie_blkio_entry io[] = { { 8, 0, "Read", 512 } };
  struct sie_hugetlb_stats huge[] = { { "2MB", 0, 0, 1 } };
  struct sie_cgroup_stats s = {
    .cpu = { .total = 30, .percpu = { percpu, 2 }, .user = 5, .throttled_periods = 2 },
    .cpuset = { .sched_load_balance = 1, .sched_relax_domain_level = -1 },
    .memory = { .cache = 4096,
                .usage = { .limit = UINT64_MAX, .usage = 12288, .failcnt = 0 },
                .raw = { raw, 2 } },
    .pids = { .current = 3 },
    .blkio = { [SIE_BLKIO_SERVICE_BYTES] = { io, 1 } },
    .hugetlb = huge,
    .n_hugetlb = 1,
  };
  sie_error_t err = NULL;
  char *out = NULL;

  ok (sie_stats_event_json ("c1", &s, &out, &err) == 0, "stats event renders");
  is_str (out,
          "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"
          "\"cpu\":{\"usage\":{\"total\":30,\"percpu\":[10,20],\"kernel\":0,\"user\":5},"
          "\"throttling\":{\"throttledPeriods\":2}},"
          "\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,"
          "\"memory_migrate\":0,\"memory_spread_page\":0,\"memory_spread_slab\":0,"
          "\"memory_pressure\":0,\"sched_load_balance\":1,\"sched_relax_domain_level\":-1},"
          "\"memory\":{\"cache\":4096,"
          "\"usage\":{\"limit\":18446744073709551615,\"usage\":12288,\"failcnt\":0},"
          "\"swap\":{\"limit\":0,\"failcnt\":0},\"kernel\":{\"limit\":0,\"failcnt\":0},"
          "\"kernelTCP\":{\"limit\":0,\"failcnt\":0},\"raw\":{\"cache\":4096,\"rss\":8192}},"
          "\"pids\":{\"current\":3},"
          "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":512}]},"
          "\"hugetlb\":{\"2MB\":{\"failcnt\":1}}}}\n",
          "runc's field names, omitempty as Go does it, u64 limits exact");
  free (out);
  ok (sie_oom_event_json ("c1", &out, &err) == 0, "oom event renders");
  is_str (out, "{\"type\":\"oom\",\"id\":\"c1\"}\n", "oom event");
  free (out);
}

int
main (void)
{
  test_u64 ();
  test_memory_stat ();
  test_cpu_stat ();
  test_cpuacct ();
  test_blkio ();
  test_io_stat ();
  test_cpulist ();
  test_hugetlb ();
  test_duration ();
  test_json ();
  return tap_done ();
}
