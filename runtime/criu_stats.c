/* --print-stats: CRIU leaves its timings and page counts in the work
 * directory as a "service" image (two magic words, then one length-prefixed
 * StatsEntry); sie prints them as one JSON object. */
#include "runtime/checkpoint.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "criu/stats.pb-c.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define IMG_SERVICE_MAGIC 0x55105940u
#define STATS_MAGIC 0x57093306u

static void
print_dump (const DumpStatsEntry *d)
{
  printf ("\"dump\":{\"freezing_time_us\":%u,\"frozen_time_us\":%u,\"memdump_time_us\":%u,"
          "\"memwrite_time_us\":%u,\"pages_scanned\":%llu,\"pages_skipped_parent\":%llu,"
          "\"pages_written\":%llu,\"pages_lazy\":%llu}",
          d->freezing_time, d->frozen_time, d->memdump_time, d->memwrite_time,
          (unsigned long long) d->pages_scanned, (unsigned long long) d->pages_skipped_parent,
          (unsigned long long) d->pages_written, (unsigned long long) d->pages_lazy);
}

static void
print_restore (const RestoreStatsEntry *r)
{
  printf ("\"restore\":{\"forking_time_us\":%u,\"restore_time_us\":%u,\"pages_compared\":%llu,"
          "\"pages_skipped_cow\":%llu,\"pages_restored\":%llu}",
          r->forking_time, r->restore_time, (unsigned long long) r->pages_compared,
          (unsigned long long) r->pages_skipped_cow, (unsigned long long) r->pages_restored);
}

static StatsEntry *
load_stats (int dirfd, const char *name, sie_error_t *err)
{
  cleanup_free char *data = NULL;
  size_t len;
  uint32_t head[3];
  StatsEntry *e;

  if (sie_read_file_at (dirfd, name, 1 << 20, &data, &len, err) < 0)
    return NULL;
  if (len < sizeof head)
    return sie_error (err, 0, "%s is truncated", name), NULL;
  memcpy (head, data, sizeof head);
  if (head[0] != IMG_SERVICE_MAGIC || head[1] != STATS_MAGIC || head[2] > len - sizeof head)
    return sie_error (err, 0, "%s is not a CRIU stats image", name), NULL;
  e = stats_entry__unpack (NULL, head[2], (const uint8_t *) data + sizeof head);
  if (e == NULL)
    sie_error (err, 0, "%s does not decode", name);
  return e;
}

int
sie_criu_dump_pages (int dirfd, uint64_t *pages, sie_error_t *err)
{
  StatsEntry *e = load_stats (dirfd, "stats-dump", err);

  if (e == NULL)
    return -1;
  *pages = e->dump ? e->dump->pages_written + e->dump->pages_lazy : 0;
  stats_entry__free_unpacked (e, NULL);
  return 0;
}

int
sie_criu_print_stats (int dirfd, const char *name, sie_error_t *err)
{
  StatsEntry *e = load_stats (dirfd, name, err);

  if (e == NULL)
    return sie_error_prefix (err, "--print-stats");
  printf ("{");
  if (e->dump)
    print_dump (e->dump);
  if (e->restore)
    printf ("%s", e->dump ? "," : ""), print_restore (e->restore);
  printf ("}\n");
  fflush (stdout);
  stats_entry__free_unpacked (e, NULL);
  return 0;
}
