/* Times one command and reports its peak memory, for the benchmarks.
 *
 *   rusage OUT CMD [ARGS...]
 *
 * Spawns CMD (PATH lookup, stdio inherited), waits for it, and appends
 * "ELAPSED_US MAXRSS_KIB" to OUT.  ELAPSED_US runs from just before the spawn
 * to the reaping of CMD on the monotonic clock; posix_spawn uses a vfork-like
 * clone, so what is measured is CMD's own cost, not the cost of copying a
 * shell.  MAXRSS_KIB is wait4's ru_maxrss: the largest resident set of CMD
 * and of every descendant it reaped.  Exits with CMD's status (128+N if
 * killed by signal N), or 127 if CMD could not be spawned. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long long
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int
append_result (const char *path, long long elapsed_us, long maxrss_kib)
{
  FILE *out = fopen (path, "a");

  if (out == NULL)
    {
      fprintf (stderr, "rusage: open %s: %s\n", path, strerror (errno));
      return -1;
    }
  fprintf (out, "%lld %ld\n", elapsed_us, maxrss_kib);
  if (fclose (out) == EOF)
    {
      fprintf (stderr, "rusage: write %s: %s\n", path, strerror (errno));
      return -1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  struct rusage ru;
  long long start;
  pid_t pid;
  int status, rc;

  if (argc < 3)
    {
      fprintf (stderr, "usage: rusage OUT CMD [ARGS...]\n");
      return 2;
    }
  start = now_us ();
  rc = posix_spawnp (&pid, argv[2], NULL, NULL, argv + 2, environ);
  if (rc != 0)
    {
      fprintf (stderr, "rusage: spawn %s: %s\n", argv[2], strerror (rc));
      return 127;
    }
  while (wait4 (pid, &status, 0, &ru) < 0)
    if (errno != EINTR)
      {
        fprintf (stderr, "rusage: wait4: %s\n", strerror (errno));
        return 127;
      }
  if (append_result (argv[1], now_us () - start, ru.ru_maxrss) < 0)
    return 127;
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
