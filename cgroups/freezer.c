/* The freezer: v1 freezer.state, or v2 cgroup.freeze with cgroup.events. */
#include "cgroups/freezer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "util/cleanup.h"

/* cgroup.events notifications are rate limited by the kernel (one per
 * 20 ms per file), so a wait never trusts poll() alone for longer. */
#define EVENTS_RECHECK_MS 50

static long
elapsed_ms (const struct timespec *start)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

static void
sleep_us (long us)
{
  struct timespec ts = { us / 1000000L, (us % 1000000L) * 1000L };

  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

const struct sie_cgroup_dir *
sie_freezer_dir (const struct sie_cgroup *cg, sie_error_t *err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (!cg->dirs[i].v2 && sie_cg_file_exists (cg->dirs[i].path, "freezer.state"))
      return &cg->dirs[i];
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].v2)
      return &cg->dirs[i];
  sie_error (err, 0, "no freezer: the container's cgroup is in no v1 freezer hierarchy and "
                     "in no cgroup2 hierarchy");
  return NULL;
}

/* Writing FROZEN again each round also catches tasks forked into the
 * cgroup while it was freezing, which an old kernel could leave running. */
static int
freeze_v1 (const char *dir, int timeout_ms, sie_error_t *err)
{
  struct timespec start;
  long nap_us = 100;

  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      cleanup_free char *state = NULL;

      if (sie_cg_write (dir, "freezer.state", "pause", "FROZEN", err) < 0)
        return -1;
      state = sie_cg_read (dir, "freezer.state");
      if (state == NULL)
        return sie_error (err, errno, "pause: read %s/freezer.state", dir);
      if (strcmp (state, "FROZEN") == 0)
        return 0;
      if (strcmp (state, "FREEZING") != 0)
        return sie_error (err, 0, "pause: %s/freezer.state: unexpected state \"%s\"", dir, state);
      if (elapsed_ms (&start) >= timeout_ms)
        return sie_error (err, 0, "pause: %s/freezer.state still reads FREEZING after %d ms",
                          dir, timeout_ms);
      sleep_us (nap_us);
      nap_us = nap_us < 5000 ? nap_us * 2 : 10000;
    }
}

/* 1 when cgroup.events (open as fd) reads "frozen 1", 0 when not. */
static int
events_frozen (int fd, const char *dir, sie_error_t *err)
{
  char buf[512];
  ssize_t n;
  const char *line;

  if (lseek (fd, 0, SEEK_SET) < 0 || (n = read (fd, buf, sizeof buf - 1)) < 0)
    return sie_error (err, errno, "pause: read %s/cgroup.events", dir);
  buf[n] = '\0';
  line = strncmp (buf, "frozen ", 7) == 0 ? buf : strstr (buf, "\nfrozen ");
  if (line == NULL)
    return sie_error (err, 0, "pause: %s/cgroup.events has no \"frozen\" line", dir);
  if (*line == '\n')
    line++;
  return line[7] == '1';
}

/* The kernel signals a change of cgroup.events with POLLPRI; it is opened
 * before the freeze so that no change can be missed. */
static int
freeze_v2 (const char *dir, int timeout_ms, sie_error_t *err)
{
  cleanup_free char *events = NULL;
  cleanup_close int fd = -1;
  struct timespec start;

  if (asprintf (&events, "%s/cgroup.events", dir) < 0)
    return sie_error (err, ENOMEM, "pause");
  fd = open (events, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sie_error (err, errno, "pause: open %s", events);
  if (sie_cg_write (dir, "cgroup.freeze", "pause", "1", err) < 0)
    return -1;
  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLPRI };
      long left;
      int r = events_frozen (fd, dir, err);

      if (r != 0)
        return r < 0 ? -1 : 0;
      left = timeout_ms - elapsed_ms (&start);
      if (left <= 0)
        return sie_error (err, 0, "pause: %s still reads \"frozen 0\" after %d ms", events,
                          timeout_ms);
      if (poll (&p, 1, left < EVENTS_RECHECK_MS ? (int) left : EVENTS_RECHECK_MS) < 0
          && errno != EINTR)
        return sie_error (err, errno, "pause: poll %s", events);
    }
}

int
sie_freezer_freeze (const struct sie_cgroup_dir *d, int timeout_ms, sie_error_t *err)
{
  int ret = d->v2 ? freeze_v2 (d->path, timeout_ms, err) : freeze_v1 (d->path, timeout_ms, err);

  /* A half-frozen container is worse than a running one: undo. */
  if (ret < 0)
    sie_freezer_thaw (d, NULL);
  return ret;
}

int
sie_freezer_thaw (const struct sie_cgroup_dir *d, sie_error_t *err)
{
  if (d->v2)
    return sie_cg_write (d->path, "cgroup.freeze", "resume", "0", err);
  return sie_cg_write (d->path, "freezer.state", "resume", "THAWED", err);
}

int
sie_freezer_is_frozen (const struct sie_cgroup_dir *d, sie_error_t *err)
{
  const char *file = d->v2 ? "cgroup.freeze" : "freezer.self_freezing";
  cleanup_free char *value = sie_cg_read (d->path, file);

  if (value == NULL)
    return sie_error (err, errno, "read %s/%s", d->path, file);
  return strcmp (value, "1") == 0;
}
