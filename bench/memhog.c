/* The benchmarks' memory filler, run inside a container (static, so it
 * needs nothing of the busybox rootfs it is copied into).
 *
 *   memhog MIB [GAPFILE]
 *
 * Maps MIB MiB of anonymous memory and writes every byte of it with
 * xorshift output, so every page is resident and none is zero (nothing
 * dedupes or compresses), then renames itself "memhog-ready".  Without
 * GAPFILE it pauses forever.  With GAPFILE it wakes every millisecond and
 * keeps in GAPFILE the longest time, in microseconds, it ever went between
 * two wake-ups: the pause the workload itself saw while it was frozen and
 * moved.  CLOCK_REALTIME, because a restore into a time namespace may
 * shift the monotonic clocks to hide exactly that pause.  GAPFILE stays
 * open (CRIU moves it with the process) and is rewritten in place. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static int
fill (size_t mib)
{
  size_t n = mib << 20, i;
  uint64_t x = 0x9e3779b97f4a7c15u;
  unsigned char *p;

  p = mmap (NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return -1;
  for (i = 0; i + 8 <= n; i += 8)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      memcpy (p + i, &x, 8);
    }
  return 0;
}

static int64_t
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A fixed-width line, so each rewrite covers the last one. */
static void
record (int fd, int64_t gap_us)
{
  char line[32];
  int len = snprintf (line, sizeof line, "%20lld\n", (long long) gap_us);

  if (pwrite (fd, line, len, 0) != len)
    exit (1);
}

static void __attribute__ ((noreturn))
watch_gaps (int fd)
{
  const struct timespec tick = { 0, 1000000 };
  int64_t last = now_us (), longest = 0;

  record (fd, 0);
  for (;;)
    {
      int64_t t;

      nanosleep (&tick, NULL);
      t = now_us ();
      if (t - last > longest)
        {
          longest = t - last;
          record (fd, longest);
        }
      last = t;
    }
}

int
main (int argc, char **argv)
{
  size_t mib;
  int fd = -1;

  if (argc < 2 || argc > 3 || (mib = strtoull (argv[1], NULL, 10)) == 0)
    {
      fprintf (stderr, "usage: memhog MIB [GAPFILE]\n");
      return 2;
    }
  if (argc == 3 && (fd = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
    {
      perror (argv[2]);
      return 1;
    }
  if (fill (mib) < 0)
    {
      perror ("mmap");
      return 1;
    }
  prctl (PR_SET_NAME, "memhog-ready");
  if (fd >= 0)
    watch_gaps (fd);
  for (;;)
    pause ();
}
